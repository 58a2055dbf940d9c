"""Runner + HTTP backend against a real local server that injects faults (no model needed)."""

from __future__ import annotations

import json
import logging

import pytest

from llmvalues.collect import (
    CollectionAborted,
    Reask,
    RetryPolicy,
    Store,
    collect,
    ivs_plan,
    make_backend,
    text_plan,
)
from llmvalues.instruments.variants import descriptors
from tests.collect.fault_server import FaultServer

FAST = RetryPolicy(max_retries=4, base_delay=0.01, max_delay=0.05)
SECRET = "sk-test-SECRET-do-not-store-0123456789"


def _backend(server, monkeypatch, **options):
    monkeypatch.setenv("LLMV_TEST_KEY", SECRET)
    return make_backend(
        "openai",
        "fault-model",
        base_url=server.base_url,
        api_key_env="LLMV_TEST_KEY",
        timeout=options.pop("timeout", 5.0),
        **options,
    )


ONE = descriptors("tao2024")[:1]


def _plan(n_items: int = 3):
    items = ["f063", "f120", "f118"][:n_items]
    return ivs_plan("fault-model", items=items, descriptor_set=ONE, logprobs=False)


@pytest.mark.parametrize(
    "fault", ["500", "503", "drop", "garbage", "nochoices", "slow:4"], ids=lambda f: f
)
def test_transient_faults_are_retried_and_answered(tmp_path, monkeypatch, fault):
    with FaultServer([fault, fault], answer="7") as server:
        backend = _backend(server, monkeypatch, timeout=2.0)
        with Store(tmp_path / "s.sqlite") as store:
            summary = collect(_plan(1), backend, store, retry=FAST, progress=False)
            finals = store.finals()
    assert summary.counts.loc["total", "ok"] == 1
    assert finals["tries"].iloc[0] >= 3  # two faults, then the answer
    assert finals["code"].iloc[0] == 7
    assert [entry["action"] for entry in server.log][:2] == [fault, fault]


def test_429_waits_for_retry_after(tmp_path, monkeypatch):
    with FaultServer(["429:1"], answer="3") as server:
        backend = _backend(server, monkeypatch)
        with Store(tmp_path / "s.sqlite") as store:
            collect(_plan(1), backend, store, retry=FAST, progress=False)
            assert store.finals()["code"].iloc[0] == 3
    first, second = server.log[0]["time"], server.log[1]["time"]
    assert second - first >= 0.95  # the backoff alone (≤ 0.05 s) would be far shorter


def test_cells_that_keep_failing_get_a_final_error_record(tmp_path, monkeypatch):
    with FaultServer(["500"] * 5, answer="5") as server:
        backend = _backend(server, monkeypatch)
        with Store(tmp_path / "s.sqlite") as store:
            summary = collect(_plan(1), backend, store, retry=FAST, progress=False)
            finals = store.finals()
            assert summary.counts.loc["total", "error"] == 1
            assert finals["status"].iloc[0] == "error"
            assert "gave up after 5 tries" in finals["reason"].iloc[0]
            assert "HTTP 500" in finals["reason"].iloc[0]
            # the rerun asks the failed cell again and keeps the failed attempt
            collect(_plan(1), backend, store, retry=FAST, progress=False)
            attempts = store.attempts()
            assert list(attempts["status"]) == ["error", "ok"]
            assert list(attempts["attempt"]) == [1, 2]
            assert store.finals()["code"].iloc[0] == 5


def test_wrong_key_stops_the_run_without_leaking_it(tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    with FaultServer(answer="5", key="the-right-key") as server:
        backend = _backend(server, monkeypatch)
        with Store(tmp_path / "s.sqlite") as store, pytest.raises(CollectionAborted) as info:
            collect(_plan(3), backend, store, retry=FAST, progress=False)
        assert server.log[0]["auth"] == f"Bearer {SECRET}"  # the key did reach the server
    message = str(info.value)
    assert "LLMV_TEST_KEY" in message and "credentials" in message
    assert SECRET not in message
    assert SECRET not in caplog.text
    dump = (tmp_path / "s.sqlite").read_bytes()
    for suffix in ("-wal", "-shm"):
        if (tmp_path / f"s.sqlite{suffix}").exists():
            dump += (tmp_path / f"s.sqlite{suffix}").read_bytes()
    assert SECRET.encode() not in dump


def test_key_never_reaches_the_store_on_success(tmp_path, monkeypatch):
    with FaultServer(answer="5") as server:
        backend = _backend(server, monkeypatch)
        with Store(tmp_path / "s.sqlite") as store:
            collect(_plan(2), backend, store, progress=False)
            runs = store.runs()
            attempts = store.attempts()
    assert json.loads(runs["settings"].iloc[0])["api_key_env"] == "LLMV_TEST_KEY"
    text = runs.to_json() + attempts.to_json()
    assert SECRET not in text


def test_missing_key_for_a_remote_server_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("LLMV_ABSENT_KEY", raising=False)
    with pytest.raises(Exception, match="LLMV_ABSENT_KEY"):
        make_backend(
            "openai", "m", base_url="https://api.example.invalid/v1", api_key_env="LLMV_ABSENT_KEY"
        )


def test_unreachable_server_aborts_with_progress_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("LLMV_TEST_KEY", SECRET)
    backend = make_backend(
        "openai",
        "m",
        base_url="http://127.0.0.1:9/v1",
        api_key_env="LLMV_TEST_KEY",
        timeout=0.5,
    )
    plan = ivs_plan("m", logprobs=False)
    with Store(tmp_path / "s.sqlite") as store:
        with pytest.raises(CollectionAborted, match="cannot reach") as info:
            collect(plan, backend, store, retry=FAST, abort_after=3, progress=False)
        assert "rerun the same command to resume" in str(info.value)
        errors = store.finals()
        assert (errors["status"] == "error").all() and len(errors) >= 3


def test_reask_stores_every_attempt_and_follows_up_in_the_chat(tmp_path, monkeypatch):
    with FaultServer(answer="somewhere between 3 and 40") as server:
        backend = _backend(server, monkeypatch)
        with Store(tmp_path / "s.sqlite") as store:
            collect(
                _plan(1),
                backend,
                store,
                reask=Reask("Only the number, please.", max_attempts=3),
                progress=False,
            )
            attempts = store.attempts()
    assert list(attempts["attempt"]) == [1, 2, 3]
    assert list(attempts["final"]) == [0, 0, 1]
    assert (attempts["status"] != "ok").all()
    last_sent = server.log[-1]["payload"]["messages"]
    assert [m["role"] for m in last_sent] == [
        "system",
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
    ]
    assert last_sent[-1]["content"] == "Only the number, please."


def test_conversation_mode_carries_history_and_resumes(tmp_path, monkeypatch):
    plan = ivs_plan(
        "fault-model", items=["f063", "f120", "f118"], descriptor_set=ONE, mode="conversation"
    )
    with FaultServer(["ok", *["500"] * 5], answer="4") as server:
        backend = _backend(server, monkeypatch)
        with Store(tmp_path / "s.sqlite") as store:
            collect(plan, backend, store, retry=FAST, progress=False)
            first = store.finals()
            assert list(first["status"]) == ["ok", "error"]  # the chat stops at the failure
            collect(plan, backend, store, retry=FAST, progress=False)
            assert len(store.finals()) == 3
    sent = server.log[-1]["payload"]["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert sent[2]["content"] == "4"


def test_concurrency_and_rate_limit(tmp_path, monkeypatch):
    with FaultServer(answer="5") as server:
        backend = _backend(server, monkeypatch, rate_limit=20.0)
        plan = ivs_plan("fault-model", items=["f063"], descriptor_set="all", logprobs=False)
        with Store(tmp_path / "s.sqlite") as store:
            summary = collect(plan, backend, store, concurrency=8, progress=False)
    assert summary.counts.loc["total", "ok"] == 50
    times = sorted(entry["time"] for entry in server.log)
    assert times[-1] - times[0] >= 49 / 20 * 0.8  # ≤ 20/s; unlimited takes ≪ 1 s here


def test_free_text_collection_keeps_replies(tmp_path, monkeypatch):
    from llmvalues.collect import collect_texts

    with FaultServer(answer="Honesty, curiosity, kindness") as server:
        backend = _backend(server, monkeypatch)
        with Store(tmp_path / "s.sqlite") as store:
            table = collect_texts(
                backend,
                [
                    "List the words that describe your values.",
                    {"prompt": "Complete: I am", "item": "stem1"},
                ],
                store,
                progress=False,
            )
    assert list(table["item"]) == ["p0", "stem1"]
    assert (table["raw"] == "Honesty, curiosity, kindness").all()
    assert (table["status"] == "ok").all() and table["code"].isna().all()


def test_text_plan_rejects_empty_prompts():
    from llmvalues.collect import PlanError

    with pytest.raises(PlanError, match="prompt 1 is empty"):
        text_plan("m", ["fine", "  "])


def test_a_broken_parser_or_backend_never_loses_the_reply(tmp_path, monkeypatch):
    from llmvalues.collect import Plan, Request, make_cell

    def broken(text):
        raise ZeroDivisionError("parser bug")

    with FaultServer(answer="kept") as server:
        backend = _backend(server, monkeypatch)
        request = Request(messages=({"role": "user", "content": "hi"},))
        plan = Plan("fault-model", [make_cell("fault-model", "m", "q1", request, parser=broken)])
        with Store(tmp_path / "s.sqlite") as store:
            collect(plan, backend, store, progress=False)
            finals = store.finals()
    assert finals["raw"].iloc[0] == "kept"
    assert finals["status"].iloc[0] == "error"
    assert "parser raised ZeroDivisionError" in finals["reason"].iloc[0]


def test_a_backend_that_raises_something_unexpected_is_recorded(tmp_path):
    class Faulty:
        name, model, max_concurrency, rate_limit = "faulty", "faulty-1", 1, None

        async def generate(self, request):
            raise RuntimeError("segfault-ish")

        def describe(self):
            return {"backend": self.name}

        async def aclose(self):
            return None

    plan = text_plan("faulty-1", ["a", "b"])
    with Store(tmp_path / "s.sqlite") as store:
        summary = collect(plan, Faulty(), store, progress=False)
        finals = store.finals()
    assert summary.counts.loc["total", "error"] == 2
    assert finals["reason"].str.contains("backend raised RuntimeError: segfault-ish").all()


def test_a_server_that_cannot_force_a_choice_stops_the_run_saying_so(tmp_path, monkeypatch):
    plan = ivs_plan("fault-model", items=["e025", "f063"], descriptor_set=ONE, constrained=True)
    with FaultServer(answer="7") as server:  # ignores grammars, has no /tokenize
        backend = _backend(server, monkeypatch)
        with Store(tmp_path / "s.sqlite") as store:
            with pytest.raises(CollectionAborted) as info:
                collect(plan, backend, store, retry=FAST, progress=False)
            assert store.attempts().empty  # nothing was asked unconstrained
    message = str(info.value)
    assert "supports no forced choice" in message and "constrained=False" in message
    assert "rerun the same command to resume" in message
    # one probe for the whole run (a grammar only an honouring server follows), one look
    # for /tokenize, then no more calls
    assert [entry["payload"].get("grammar") for entry in server.log] == ['root ::= "zq"', None]
    assert server.log[0]["payload"]["max_tokens"] == 4 and "content" in server.log[1]["payload"]


def test_forced_choice_setting_is_checked():
    with pytest.raises(ValueError, match="forced_choice must be one of"):
        make_backend("openai", "m", base_url="http://127.0.0.1:9/v1", forced_choice="regex")
