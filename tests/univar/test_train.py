"""Training checkpoints that resume exactly, encoder loading errors, and the CLI."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from llmvalues.cli import main
from llmvalues.univar.encoder import EncoderError, load_encoder, load_published
from llmvalues.univar.qa import QAError
from llmvalues.univar.train import TrainConfig, UniVaRTrainer
from llmvalues.univar.views import ViewSampler

ANSWERS = {
    "a": "Tradition and family duty come first; elders know best.",
    "b": "Everyone should be free to choose their own path in life.",
    "c": "Protecting nature matters more than profit or growth.",
}


def small_qa() -> pd.DataFrame:
    rows = [
        {
            "identity": f"m|{i}",
            "qid": f"q{j}",
            "question": f"Question {j} about values?",
            "answer": f"{text} (point {j})",
        }
        for i, text in ANSWERS.items()
        for j in range(6)
    ]
    return pd.DataFrame(rows)


def config(steps: int) -> TrainConfig:
    return TrainConfig(
        lam=1,
        batch_pairs=3,
        max_steps=steps,
        warmup_steps=1,
        max_length=32,
        save_every=2,
        chunk_size=4,
    )


def test_training_resumes_from_a_checkpoint_exactly(tmp_path, fresh_encoder):
    sampler = ViewSampler(small_qa(), lam=1, seed=0)
    straight = UniVaRTrainer(fresh_encoder(), config(3))
    straight_result = straight.train(sampler)
    first = UniVaRTrainer(fresh_encoder(), config(2))
    first.train(sampler, tmp_path)
    assert (tmp_path / "trainer_state.pt").is_file()
    resumed = UniVaRTrainer(fresh_encoder(), config(3))
    result = resumed.train(sampler, tmp_path)
    assert result.resumed_from == 2 and len(result.losses) == 1
    assert result.losses[0] == pytest.approx(straight_result.losses[2], rel=1e-4)
    for p, q in zip(straight.model.parameters(), resumed.model.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-6)
    trained = load_encoder(tmp_path)  # the checkpoint is a plain sentence-transformers model
    assert trained.get_embedding_dimension() == 384


def test_resume_refuses_a_checkpoint_made_with_other_settings(tmp_path, fresh_encoder):
    sampler = ViewSampler(small_qa(), lam=1, seed=0)
    UniVaRTrainer(fresh_encoder(), config(2)).train(sampler, tmp_path)
    other = TrainConfig(lam=1, batch_pairs=3, max_steps=3, warmup_steps=1, max_length=32, lr=1e-3)
    with pytest.raises(ValueError, match=r"other settings.*lr"):
        UniVaRTrainer(fresh_encoder(), other).train(sampler, tmp_path)
    with pytest.raises(ValueError, match="λ=1 but the config says lam=2"):
        UniVaRTrainer(fresh_encoder(), TrainConfig(lam=2)).train(sampler)


def test_encoder_paths_fail_clearly(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_encoder(tmp_path / "no_such_model")
    (tmp_path / "empty").mkdir()
    with pytest.raises(EncoderError, match="not a sentence-transformers"):
        load_encoder(tmp_path / "empty")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(EncoderError, match=r"CAiRE/UniVaR-lambda-5.*HF_HUB_OFFLINE"):
        load_published(5)
    with pytest.raises(ValueError, match="λ in"):
        load_published(3)


def test_published_checkpoint_without_network_fails_clearly(monkeypatch):
    import llmvalues.univar.encoder as encoder

    def unreachable(name, **kwargs):
        assert kwargs["trust_remote_code"] is True
        raise OSError(f"We couldn't connect to 'https://huggingface.co' to load {name}")

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(encoder, "SentenceTransformer", unreachable)
    with pytest.raises(
        EncoderError, match=r"cannot load CAiRE/UniVaR-lambda-1.*load_encoder\(path\)"
    ):
        load_published(1)


def test_base_encoder_is_normalised_minilm(base_encoder):
    from llmvalues.univar.encoder import embed

    vectors = embed(base_encoder, ["Q: Is it good? A: Yes.", "Q: Why? A: Because."])
    assert vectors.shape == (2, 384)
    assert abs(float((vectors**2).sum(1).mean()) - 1.0) < 1e-5
    with pytest.raises(ValueError, match="no texts"):
        embed(base_encoder, [])


def test_cli_bank_exports_every_wording(tmp_path, capsys):
    assert main(["univar", "bank", "--out", str(tmp_path)]) == 0
    frame = pd.read_csv(tmp_path / "bank.csv")
    assert frame["qid"].nunique() >= 660 and frame["value"].nunique() >= 60
    assert "schwartz_refined" in capsys.readouterr().out
    assert main(["univar", "run", str(tmp_path / "missing.csv"), "--out", str(tmp_path)]) == 2
    assert "no such QA file" in capsys.readouterr().err


def test_experiment_holds_out_unseen_models_from_training():
    from llmvalues.univar.experiment import run_experiment

    qa = pd.concat([small_qa().assign(model="m1"), small_qa().assign(model="m2")])
    qa["identity"] = qa["model"] + qa["identity"].str[1:]
    qa["kind"] = "value"
    result = run_experiment(
        qa,
        TrainConfig(lam=1, batch_pairs=3, max_steps=2, warmup_steps=1, max_length=32),
        test_size=0.34,
        k=3,
        holdout_models=["m2"],
        map_methods=(),
        n_boot=20,
    )
    assert set(result.scores["subset"]) == {"value", "value_unseen:m2"}
    unseen = result.scores[result.scores["subset"] == "value_unseen:m2"]
    assert (unseen["n_identities"] == 3).all()
    assert len(result.distances) == 15  # six identities (the default group) → 15 pairs
    with pytest.raises(QAError, match="every model is held out"):
        run_experiment(qa, holdout_models=["m1", "m2"])
