"""Training checkpoints that resume exactly and are data only, encoder loading, and the CLI."""

from __future__ import annotations

import http.server
import json
import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from llmvalues.cli import main
from llmvalues.embeddings import EncoderError, embed, load_encoder
from llmvalues.univar.checkpoint import PICKLE_SUFFIXES, CheckpointError
from llmvalues.univar.encoder import load_published
from llmvalues.univar.qa import QAError
from llmvalues.univar.train import TrainConfig, UniVaRTrainer
from llmvalues.univar.views import ViewSampler

SRC = Path(__file__).parents[2] / "src"

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
    record = json.loads((tmp_path / "trainer_state.json").read_text())
    assert record["step"] == 2 and record["config"]["lr"] == config(2).lr
    assert (tmp_path / "optimizer.safetensors").is_file()
    assert not [p for p in tmp_path.rglob("*") if p.suffix in PICKLE_SUFFIXES]  # data only
    resumed = UniVaRTrainer(fresh_encoder(), config(3))
    result = resumed.train(sampler, tmp_path)
    assert result.resumed_from == 2 and len(result.losses) == 1
    assert result.losses[0] == pytest.approx(straight_result.losses[2], rel=1e-4)
    frame = straight_result.to_frame()
    assert list(frame["step"]) == [1, 2, 3] and list(frame["loss"]) == straight_result.losses
    assert (frame["seconds"] > 0).all()
    assert list(result.to_frame()["step"]) == [3]  # a resumed run counts from its checkpoint
    s = straight_result.summary()
    assert s["Losses"]["loss"].to_dict() == {
        "first": straight_result.losses[0],
        "last": straight_result.losses[-1],
        "lowest": min(straight_result.losses),
    }
    assert s.info["steps"] == 3 and s["Settings"].loc["batch_pairs", "value"] == 3
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


class _Payload:
    """Unpickling this makes a folder: proof that a file ran code."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (str(self.marker),))


def test_a_checkpoint_holding_a_pickle_is_refused_and_never_run(tmp_path, fresh_encoder):
    blob = pickle.dumps(_Payload(tmp_path / "proof"))
    pickle.loads(blob)  # the crafted file does run code when unpickled ...
    assert (tmp_path / "proof").is_dir()
    marker = tmp_path / "ran"
    blob = pickle.dumps(_Payload(marker))
    sampler = ViewSampler(small_qa(), lam=1, seed=0)
    old = tmp_path / "old"  # a checkpoint in the old, pickled format
    old.mkdir()
    (old / "trainer_state.pt").write_bytes(blob)
    with pytest.raises(CheckpointError, match=r"trainer_state\.pt, a pickle-format file"):
        UniVaRTrainer(fresh_encoder(), config(3)).train(sampler, old)
    real = tmp_path / "real"  # ... and a good checkpoint with such a file beside it
    UniVaRTrainer(fresh_encoder(), config(2)).train(sampler, real)
    (real / "1_Pooling" / "extra.pkl").write_bytes(blob)
    with pytest.raises(CheckpointError, match=r"extra\.pkl.*never unpickles"):
        UniVaRTrainer(fresh_encoder(), config(3)).train(sampler, real)
    (real / "1_Pooling" / "extra.pkl").unlink()
    # pickles under the names of the data files are read as data and rejected
    good = (real / "optimizer.safetensors").read_bytes()
    (real / "optimizer.safetensors").write_bytes(blob)
    with pytest.raises(CheckpointError, match="not a safetensors file"):
        UniVaRTrainer(fresh_encoder(), config(3)).train(sampler, real)
    (real / "optimizer.safetensors").write_bytes(good)
    (real / "trainer_state.json").write_bytes(blob)
    with pytest.raises(CheckpointError, match="not a JSON training record"):
        UniVaRTrainer(fresh_encoder(), config(3)).train(sampler, real)
    (real / "trainer_state.json").write_text(json.dumps({"step": 2}))
    with pytest.raises(CheckpointError, match="format: None"):
        UniVaRTrainer(fresh_encoder(), config(3)).train(sampler, real)
    assert not marker.exists()  # ... but no file of a checkpoint ever ran


def test_encoder_paths_fail_clearly(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_encoder(tmp_path / "no_such_model")
    (tmp_path / "empty").mkdir()
    with pytest.raises(EncoderError, match="not a sentence-transformers"):
        load_encoder(tmp_path / "empty")
    with pytest.raises(EncoderError, match=r"no commit of CAiRE/UniVaR-lambda-5 is pinned"):
        load_published(5)
    with pytest.raises(ValueError, match="full 40-character commit hash, got 'main'"):
        load_published(5, revision="main")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(EncoderError, match=r"CAiRE/UniVaR-lambda-5.*HF_HUB_OFFLINE"):
        load_published(5, revision="0" * 40)
    with pytest.raises(ValueError, match="λ in"):
        load_published(3)


def test_published_checkpoint_is_fetched_at_its_commit_and_fails_clearly_without_a_hub(tmp_path):
    """A real hub client against a loopback server that has nothing: the pinned commit is
    what is asked for, and the failure is one clear EncoderError."""
    asked: list[str] = []

    class NoHub(http.server.BaseHTTPRequestHandler):
        def answer(self):
            asked.append(self.path)
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_HEAD = answer

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NoHub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    commit = "ab" * 20
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"}
    env |= {
        "HF_ENDPOINT": f"http://127.0.0.1:{server.server_port}",
        "HF_HOME": str(tmp_path / "hf"),
        "PYTHONPATH": str(SRC),
    }
    code = (
        "from llmvalues.univar.encoder import load_published\n"
        f"load_published(1, revision={commit!r}, device='cpu')"
    )
    try:
        run = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
        )
    finally:
        server.shutdown()
    assert run.returncode == 1
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith(
        f"llmvalues.embeddings.EncoderError: cannot load CAiRE/UniVaR-lambda-1 at revision {commit}"
    )
    assert "load_encoder(path)" in last
    files = [p for p in asked if p.startswith("/CAiRE/")]
    assert files and all(p.startswith(f"/CAiRE/UniVaR-lambda-1/resolve/{commit}/") for p in files)


def test_base_encoder_is_normalised_minilm(base_encoder):
    vectors = embed(base_encoder, ["Q: Is it good? A: Yes.", "Q: Why? A: Because."])
    assert vectors.shape == (2, 384)
    assert abs(float((vectors**2).sum(1).mean()) - 1.0) < 1e-5
    with pytest.raises(ValueError, match="no texts"):
        embed(base_encoder, [])
    short = embed(base_encoder, ["Q: Is it good? A: Yes."], max_length=4)
    assert not np.allclose(short[0], vectors[0], atol=1e-3)  # truncated to 4 tokens
    assert base_encoder.max_seq_length == 256  # the encoder's own limit is restored


def test_cli_bank_exports_every_wording(tmp_path, capsys):
    assert main(["univar", "bank", "--out", str(tmp_path)]) == 0
    frame = pd.read_csv(tmp_path / "bank.csv")
    assert frame["qid"].nunique() >= 660 and frame["value"].nunique() >= 60
    assert "schwartz_refined" in capsys.readouterr().out
    assert main(["univar", "run", str(tmp_path / "missing.csv"), "--out", str(tmp_path)]) == 2
    assert "no such QA file" in capsys.readouterr().err


def test_experiment_holds_out_unseen_models_and_saves_and_loads(tmp_path):
    from llmvalues.univar.experiment import ExperimentResult, run_experiment

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
    assert result.to_frame().equals(result.scores)
    s = result.summary()
    scores = s["Scores"]
    assert (
        scores.loc[("trained", "value"), "knn_acc"]
        == result.scores.query("encoder == 'trained' and subset == 'value'")["knn_acc"].iloc[0]
    )
    assert len(s["Centroid distances"]) == 15
    assert s["Training"]["loss"]["last"] == result.training.losses[-1]
    assert s.info["identities"] == 6 and s.info["steps"] == 2
    assert "95% percentile bootstrap" in s.notes[1] and "(20 draws)" in s.notes[1]
    assert result.settings["holdout_models"] == ["m2"] and result.settings["k"] == 3
    # save → load gives back the tables, the record, the settings and the same encoder
    result.save(tmp_path / "run")
    again = ExperimentResult.load(tmp_path / "run", device="cpu")
    pd.testing.assert_frame_equal(again.scores, result.scores)
    pd.testing.assert_frame_equal(again.gap, result.gap)
    pd.testing.assert_frame_equal(again.distances, result.distances)
    assert again.training == result.training and again.settings == result.settings
    texts = ["Q: What matters? A: Family.", "Q: And work? A: Less."]
    np.testing.assert_allclose(embed(again.encoder, texts), embed(result.encoder, texts), atol=1e-6)
    (tmp_path / "run" / "encoder" / "pytorch_model.bin").write_bytes(
        pickle.dumps(_Payload(tmp_path / "x"))
    )
    with pytest.raises(CheckpointError, match=r"pytorch_model\.bin, a pickle-format file"):
        ExperimentResult.load(tmp_path / "run")
    assert not (tmp_path / "x").exists()
    with pytest.raises(FileNotFoundError, match="not a saved UniVaR experiment"):
        ExperimentResult.load(tmp_path)
    with pytest.raises(QAError, match="every model is held out"):
        run_experiment(qa, holdout_models=["m1", "m2"])
