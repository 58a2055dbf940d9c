"""End to end with the two offline models (SmolLM2-135M-Instruct chat, Gemma 3 270M base).

A small plan: 4 personas × 1 sample per model, one elicitation prompt each, the 4 most
frequent terms rated, one stem per subdimension, an LLM judge and an embedding judge.
"""

import numpy as np
import pandas as pd
import pytest

from llmvalues.collect.store import Store
from llmvalues.plots.valuelex import plot_dendrogram, plot_loadings, plot_scores
from llmvalues.valuelex.agreement import AgreementError
from llmvalues.valuelex.judges import EmbeddingJudge, LLMJudge
from llmvalues.valuelex.projective import completions_frame, projective_plan
from llmvalues.valuelex.resources import SUBDIMENSIONS, load_personas, load_stems
from llmvalues.valuelex.scoring import judge_agreement, projective_scores
from llmvalues.valuelex.study import (
    ValueLexConfig,
    analyse,
    collect_elicitation,
    collect_ratings,
    lexicon_from,
    terms_to_rate,
)

pytestmark = pytest.mark.model
pytest.importorskip("llama_cpp")
pytest.importorskip("sentence_transformers")

ALLOWED = {"ok", "refusal", "invalid", "out_of_range"}


@pytest.fixture(scope="module")
def backends():
    from llmvalues.collect.backends.llamacpp import LlamaCppBackend

    return {"smollm2": LlamaCppBackend("smollm2"), "gemma3": LlamaCppBackend("gemma3")}


@pytest.fixture(scope="module")
def config():
    return ValueLexConfig(
        personas=load_personas()[:4],
        n_samples=1,
        prompts_per_respondent=1,
        elicit_sampling={"max_tokens": 48},
        rating_sampling={"temperature": 1.0},
        min_count=1,
        min_respondents=1,
        max_terms=4,
        score="expected",
        min_mass=0.0,
        n_factors=1,
        reliability_boot=30,
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with Store(tmp_path_factory.mktemp("valuelex") / "run.sqlite") as s:
        yield s


def test_elicit_rate_analyse_end_to_end(backends, config, store, tmp_path):
    replies = collect_elicitation(backends, store, config, progress=False)
    assert len(replies) == 8
    assert set(replies["model"]) == {"smollm2", "gemma3"}
    assert set(replies["status"]) <= ALLOWED
    formats = replies.groupby("model")["format"].first()
    assert formats["smollm2"] == "chat" and formats["gemma3"] == "completion"
    attempts = len(store.attempts())
    collect_elicitation(backends, store, config, progress=False)
    assert len(store.attempts()) == attempts  # resumed: nothing asked twice

    lexicon = lexicon_from(replies, config)
    assert (lexicon.replies["status"] == "ok").sum() >= 1
    assert lexicon.mapping["term"].isin(lexicon.terms["term"]).all()
    terms = terms_to_rate(lexicon, config)
    assert 3 <= len(terms) <= 4

    ratings = collect_ratings(backends, store, terms, config, progress=False)
    assert len(ratings) == 8 * len(terms)
    assert set(ratings["status"]) <= ALLOWED
    assert ratings["distribution"].notna().all()  # answer distributions from log-probs
    positions = ratings.groupby("respondent")["position"].apply(sorted)
    assert all(p == list(range(len(terms))) for p in positions)

    result = analyse(ratings, config, lexicon=lexicon)
    assert result.structure.n_factors == 1
    assert result.matrix.data.shape[0] == 8
    assert set(result.scores["model"]) == {"smollm2", "gemma3"}
    assert (result.scores["lo"] <= result.scores["score"]).all()
    summary = result.summary()
    assert summary.info["respondents"] == 8 and summary.info["factors"] == 1
    assert summary["Scores per model"].equals(result.scores)

    written = plot_loadings(result.structure.table, result.factor_names, path=tmp_path / "load")
    assert written is not None and (tmp_path / "load.png").stat().st_size > 10_000
    plot_dendrogram(result.clusters, result.structure.assignment, path=tmp_path / "tree")
    assert (tmp_path / "tree.pdf").exists() and (tmp_path / "tree.svg").exists()


def test_projective_with_two_judges(backends, store, tmp_path):
    from llmvalues.collect.runner import collect
    from llmvalues.embeddings import load_encoder

    stems = {sub: items[:1] for sub, items in load_stems().items()}
    frames = []
    for label, backend in backends.items():
        fmt = "completion" if label == "gemma3" else "chat"
        plan = projective_plan(
            backend.model, stems, label=label, fmt=fmt, sampling={"max_tokens": 40}
        )
        collect(plan, backend, store, progress=False)
        frames.append(completions_frame(store.to_table(plan.keys)))
    completions = pd.concat(frames, ignore_index=True)
    assert len(completions) == 12
    assert set(completions["status"]) <= ALLOWED

    llm = LLMJudge(backends["smollm2"]).code(completions, store, progress=False)
    emb = EmbeddingJudge(load_encoder()).code(completions)
    codes = pd.concat([llm, emb], ignore_index=True)
    assert len(llm) == len(emb) == 12
    assert set(codes["code"].dropna()) <= {0.0, 1.0}
    assert set(llm["status"]) <= ALLOWED | {"not_judged"}
    scores = projective_scores(codes, n_boot=200)
    assert set(scores["subdimension"]) == set(SUBDIMENSIONS)
    assert set(scores["model"]) == {"smollm2", "gemma3"}
    scored = scores.dropna(subset=["score"])
    assert ((scored["score"] >= 0) & (scored["score"] <= 100)).all()
    try:
        agreement = judge_agreement(codes, n_boot=50)
        assert -1.0 <= agreement.alpha <= 1.0
    except AgreementError as exc:  # judges that code everything alike leave alpha undefined
        assert "variation" in str(exc)
    fig_path = tmp_path / "scores"
    plot_scores(scored, path=fig_path)
    assert (tmp_path / "scores.png").exists()
    assert np.isfinite(scored["score"]).all()
