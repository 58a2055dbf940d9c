"""The shared model options reach the backend; the key stays in its environment variable."""

from __future__ import annotations

import json
import sqlite3

import pandas as pd
import pytest

from llmvalues.cli import build_parser
from llmvalues.cli.options import backend_from, backends_from, model_label, split_model
from llmvalues.errors import InputError
from tests.cli.conftest import run_cli
from tests.collect.fault_server import FaultServer

SECRET = "sk-cli-test-9d8c7b6a5f4e"


def parse(*argv: str):
    return build_parser().parse_args(list(argv))


def test_model_specs_pick_a_backend_only_by_a_known_prefix():
    assert split_model("openai:gpt-4o-mini", "llamacpp") == ("openai", "gpt-4o-mini")
    assert split_model("qwen2.5:7b", "openai") == ("openai", "qwen2.5:7b")  # an Ollama tag
    assert split_model(None, "transformers") == ("transformers", None)
    assert model_label("models/SmolLM2.Q4.gguf") == "SmolLM2.Q4"
    assert model_label("gpt-4o-mini") == "gpt-4o-mini"


def test_openai_options_reach_the_backend():
    args = parse(
        "collect",
        "--backend",
        "openai",
        "--model",
        "served-model",
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--concurrency",
        "3",
        "--rate-limit",
        "2.5",
        "--timeout",
        "7",
        "--api-key-env",
        "LLMVALUES_TEST_NO_SUCH_KEY",
        "--forced-choice",
        "logit_bias",
    )
    described = backend_from(args).describe()
    assert described == {
        "backend": "openai",
        "model": "served-model",
        "base_url": "http://127.0.0.1:9/v1",
        "api_key_env": "LLMVALUES_TEST_NO_SUCH_KEY",
        "timeout": 7.0,
        "max_concurrency": 3,
        "rate_limit": 2.5,
        "logprobs": True,
        "forced_choice": "logit_bias",
    }
    default = backend_from(
        parse("collect", "--model", "openai:m", "--base-url", "http://127.0.0.1:9")
    )
    assert (default.name, default.timeout, default.max_concurrency) == ("openai", 60.0, 8)


def test_several_models_get_one_label_each():
    args = parse(
        "valuelex",
        "elicit",
        "--model",
        "openai:a",
        "--model",
        "openai:b",
        "--base-url",
        "http://127.0.0.1:9/v1",
    )
    backends = backends_from(args)
    assert list(backends) == ["a", "b"] and {b.model for b in backends.values()} == {"a", "b"}
    with pytest.raises(InputError, match="'openai:a' is given twice"):
        backends_from(args, ["openai:a", "openai:a"])


def test_server_options_on_a_local_backend_are_refused_before_loading_it():
    with pytest.raises(InputError, match="--base-url, --timeout apply only to the openai"):
        backend_from(parse("collect", "--base-url", "http://x", "--timeout", "3"))
    with pytest.raises(InputError, match="--forced-choice applies only to the openai"):
        backend_from(parse("collect", "--forced-choice", "grammar"))


def test_collect_through_a_real_server_never_prints_or_stores_the_key(tmp_path):
    with FaultServer(answer="3", key=SECRET) as server:
        done = run_cli(
            "collect",
            "--backend",
            "openai",
            "--model",
            "fault-model",
            "--base-url",
            server.base_url,
            "--api-key-env",
            "LLMVALUES_TEST_KEY",
            "--items",
            "f063,g006",
            "--concurrency",
            "2",
            "--rate-limit",
            "50",
            "--no-logprobs",
            "--no-progress",
            "--out",
            tmp_path / "run",
            env={"LLMVALUES_TEST_KEY": SECRET},
        )
        auth = {entry["auth"] for entry in server.log}
    assert done.returncode == 0, done.stderr
    assert auth == {f"Bearer {SECRET}"}  # the key went where it belongs
    store = tmp_path / "run" / "llmvalues.sqlite"
    answers = pd.read_csv(tmp_path / "run" / "responses.csv")
    assert len(answers) == 20 and set(answers["code"]) == {3.0}
    assert f"wrote {tmp_path / 'run' / 'responses.csv'}" in done.stdout
    for text in (done.stdout, done.stderr, answers.to_csv()):
        assert SECRET not in text
    assert SECRET.encode() not in b"".join(p.read_bytes() for p in (tmp_path / "run").iterdir())
    with sqlite3.connect(store) as db:
        (settings,) = db.execute("SELECT settings FROM runs").fetchone()
    recorded = json.loads(settings)
    assert (recorded["max_concurrency"], recorded["rate_limit"]) == (2, 50.0)
    assert recorded["api_key_env"] == "LLMVALUES_TEST_KEY"
