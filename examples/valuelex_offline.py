"""ValueLex end to end with the two offline models: SmolLM2-135M-Instruct (chat) and Gemma 3 270M (base).

Elicits values from 20 respondents per model (5 personas × 4 samples, 2 prompts each),
builds the lexicon, has every respondent rate the 12 most frequent terms (answer
distributions from log-probs), retests half of them, analyses the structure and runs the
projective test (5 stems per subdimension) scored by an LLM judge and the embedding judge.
Everything is stored in one SQLite file, so an interrupted run resumes where it stopped.

    .venv/bin/python examples/valuelex_offline.py [--out valuelex-example] [--figures docs/figures/valuelex]
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import pandas as pd

from llmvalues.collect.backends.llamacpp import LlamaCppBackend
from llmvalues.collect.runner import collect
from llmvalues.collect.store import Store
from llmvalues.embeddings import load_encoder
from llmvalues.plots.valuelex import plot_dendrogram, plot_loadings, plot_scores
from llmvalues.valuelex.agreement import AgreementError
from llmvalues.valuelex.judges import EmbeddingJudge, LLMJudge
from llmvalues.valuelex.projective import completions_frame, projective_plan
from llmvalues.valuelex.resources import load_stems
from llmvalues.valuelex.respondents import resolve_format
from llmvalues.valuelex.scoring import comparison_table, judge_agreement, projective_scores
from llmvalues.valuelex.study import (
    ValueLexConfig,
    analyse,
    collect_elicitation,
    collect_ratings,
    lexicon_from,
    terms_to_rate,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="valuelex-example")
    parser.add_argument("--figures", default=None, help="also write the figures here")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    figures = Path(args.figures) if args.figures else out
    backends = {
        "SmolLM2-135M": LlamaCppBackend("smollm2"),
        "Gemma3-270M": LlamaCppBackend("gemma3"),
    }
    config = ValueLexConfig(
        n_samples=4,
        prompts_per_respondent=2,
        elicit_sampling={"max_tokens": 64},
        rating_sampling={"temperature": 1.0},
        max_terms=12,
        score="expected",  # tiny models rarely answer with a bare digit: use log-probs
        min_mass=0.0,
        seed=2024,
    )
    with Store(out / "valuelex.sqlite") as store:
        replies = collect_elicitation(backends, store, config)
        lexicon = lexicon_from(replies, config)
        print(lexicon.summary())
        terms = terms_to_rate(lexicon, config)
        ratings = collect_ratings(backends, store, terms, config)
        retest_config = dataclasses.replace(config, n_samples=2)
        retest = collect_ratings(backends, store, terms, retest_config, wave=1)

        stems = {sub: items[:5] for sub, items in load_stems().items()}
        frames = []
        for label, backend in backends.items():
            plan = projective_plan(
                backend.model, stems, label=label, fmt=resolve_format("auto", backend), seed=2024
            )
            collect(plan, backend, store)
            frames.append(completions_frame(store.to_table(plan.keys)))
        completions = pd.concat(frames, ignore_index=True)
        encoder = load_encoder()
        codes = pd.concat(
            [
                LLMJudge(backends["SmolLM2-135M"]).code(completions, store),
                EmbeddingJudge(encoder).code(completions),
            ],
            ignore_index=True,
        )

    result = analyse(ratings, config, lexicon=lexicon, encoder=encoder, retest_ratings=retest)
    print(result.summary())
    scores = projective_scores(codes, seed=2024)
    print(scores.round(1).to_string(index=False))
    try:
        print(judge_agreement(codes, seed=2024).summary())
    except AgreementError as exc:
        print(f"judge agreement undefined: {exc}")

    replies.to_csv(out / "replies.csv", index=False)
    lexicon.terms.to_csv(out / "terms.csv", index=False)
    lexicon.mapping.to_csv(out / "mapping.csv", index=False)
    ratings.to_csv(out / "ratings.csv", index=False)
    result.to_frame().to_csv(out / "loadings.csv")
    result.reliability.to_csv(out / "reliability.csv")
    result.scores.to_csv(out / "scale_scores.csv", index=False)
    completions.to_csv(out / "completions.csv", index=False)
    codes.to_csv(out / "codes.csv", index=False)
    scores.to_csv(out / "projective_scores.csv", index=False)
    comparison_table(scores).to_csv(out / "projective_table.csv")
    print(comparison_table(scores).to_string())
    (out / "summary.txt").write_text(result.summary().to_text())

    plot_loadings(
        result.structure.table, result.factor_names, config.cutoff, figures / "valuelex_loadings"
    )
    plot_dendrogram(result.clusters, result.structure.assignment, figures / "valuelex_dendrogram")
    plot_scores(
        scores.dropna(subset=["score"]),
        path=figures / "valuelex_projective_scores",
        title="Projective test: share of HIGH completions (95% cluster-bootstrap CI)",
    )
    plot_scores(
        result.scores,
        "factor",
        "mean rating (1–5)",
        None,
        figures / "valuelex_scale_scores",
        title="Lexicon scale scores (95% bootstrap CI)",
        labels=result.factor_names,
    )
    print(f"wrote tables to {out} and figures to {figures}")


if __name__ == "__main__":
    main()
