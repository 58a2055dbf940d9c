"""llama.cpp's continuous-batching ``llama-server`` on loopback: concurrent collection,
option probabilities and forced choice over the OpenAI-compatible path (and forced choice
through llama-cpp-python's server too)."""

from __future__ import annotations

import json
import re
import urllib.request

import pandas as pd
import pytest

from llmvalues.collect import Store, collect, ivs_plan, make_backend
from llmvalues.instruments import STATUSES
from llmvalues.instruments.variants import descriptors

pytestmark = pytest.mark.model
SHORT = {"max_tokens": 16}


def _backend(server, **options):
    return make_backend(
        "openai", server.alias, base_url=server.base_url, api_key_env="LLMV_NO_KEY", **options
    )


def _busy_and_decodes(server) -> tuple[float, float]:
    """(slots busy summed over decode calls, decode calls) from the server's /metrics."""
    with urllib.request.urlopen(server.root + "/metrics") as reply:
        lines = reply.read().decode().splitlines()
    value = {line.split()[0]: float(line.split()[1]) for line in lines if line[:1] != "#"}
    decodes = value["llamacpp:n_decode_total"]
    return value["llamacpp:n_busy_slots_per_decode"] * decodes, decodes


def _most_in_flight(attempts: pd.DataFrame) -> int:
    """The most calls open at once, from each attempt's end time and latency."""
    end = pd.to_datetime(attempts["collected_at"])
    start = end - pd.to_timedelta(attempts["latency_s"], unit="s")
    events = sorted([(t, 1) for t in start] + [(t, -1) for t in end], key=lambda e: (e[0], e[1]))
    open_, most = 0, 0
    for _, step in events:
        open_ += step
        most = max(most, open_)
    return most


def _check_distributions(finals: pd.DataFrame, plan) -> int:
    """Check every option distribution; return how many greedy replies that start with a
    label were checked against it (that label must be the likeliest)."""
    labels = {cell.key: cell.request.options for cell in plan}
    checked = 0
    for key, text, raw in zip(
        finals["cell_key"], finals["distribution"], finals["raw"], strict=True
    ):
        if not labels[key]:
            assert pd.isna(text)  # no fixed options, no distribution
            continue
        dist = json.loads(text)
        assert set(dist["probs"]) == set(labels[key])
        assert 0 <= dist["outside"] <= 1
        assert abs(sum(dist["probs"].values()) + dist["outside"] - 1) < 1e-6
        prefixes = any(a != b and b.startswith(a) for a in labels[key] for b in labels[key])
        lead = re.match(r"[A-Za-z0-9]*", raw)[0]  # the label a reply starts with, if any
        if lead in labels[key] and not prefixes:  # greedy: its first token was the likeliest
            assert dist["probs"][lead] == max(dist["probs"].values())
            checked += 1
    return checked


def test_a_plan_is_collected_concurrently_with_option_probabilities(continuous_server, tmp_path):
    plan = ivs_plan(continuous_server.alias, descriptor_set=descriptors()[:3], sampling=SHORT)
    busy_before, decodes_before = _busy_and_decodes(continuous_server)
    with Store(tmp_path / "s.sqlite") as store:
        summary = collect(plan, _backend(continuous_server), store, concurrency=4, progress=False)
        attempts = store.attempts()
        finals = store.finals(plan.keys)
    busy_after, decodes_after = _busy_and_decodes(continuous_server)
    assert summary.asked == len(plan) == 30
    # every cell answered exactly once, with its status and (when not ok) the reason
    assert sorted(attempts["cell_key"]) == sorted(plan.keys)
    assert (attempts["final"] == 1).all() and (attempts["tries"] == 1).all()
    assert set(finals["status"]) <= set(STATUSES) - {"error"}
    failed = finals[finals["status"] != "ok"]
    assert (failed["reason"] != "").all() and failed["code"].isna().all()
    assert (finals["backend"] == "openai").all() and (finals["model"] == "smollm2").all()
    # sent concurrently, and the server decoded several requests together
    assert _most_in_flight(attempts) >= 3
    assert (busy_after - busy_before) / (decodes_after - decodes_before) > 1.5
    # option probabilities for the lettered and numbered items (8 of the 10)
    assert finals["distribution"].notna().sum() == 24
    assert _check_distributions(finals, plan) >= 1


def test_completion_mode_gets_option_probabilities(continuous_server, tmp_path):
    plan = ivs_plan(
        continuous_server.alias,
        descriptor_set=descriptors()[:1],
        items=["e025", "g006", "f063"],
        fmt="completion",
        sampling={"max_tokens": 4},
    )
    with Store(tmp_path / "s.sqlite") as store:
        collect(plan, _backend(continuous_server), store, concurrency=3, progress=False)
        finals = store.finals(plan.keys)
    assert (finals["mode"] == "completion").all() and (finals["status"] != "error").all()
    _check_distributions(finals, plan)  # the small model often ends the reply at once:
    option_mass = [sum(json.loads(text)["probs"].values()) for text in finals["distribution"]]
    assert max(option_mass) > 0.05  # ... but not always


FORCED = ["e025", "g006", "f063", "y002"]  # letters, 1–4, 1–10 (two tokens), two aims


def _forced_plan(model: str):
    return ivs_plan(
        model, descriptor_set=descriptors()[:2], items=FORCED, sampling=SHORT, constrained=True
    )


def test_forced_choice_by_the_servers_grammar(continuous_server, tmp_path):
    backend = _backend(continuous_server)
    plan = _forced_plan(continuous_server.alias)
    with Store(tmp_path / "s.sqlite") as store:
        collect(plan, backend, store, concurrency=4, progress=False)
        finals = store.finals(plan.keys).set_index("item")
    assert backend.describe()["forced_choice"] == "grammar"  # found by the probe
    assert (finals["status"] == "ok").all()
    assert set(finals.loc["e025", "raw"]) <= {"A", "B", "C"}
    assert set(finals.loc["g006", "raw"]) <= {"1", "2", "3", "4"}
    assert {int(r) for r in finals.loc["f063", "raw"]} <= set(range(1, 11))
    assert finals.loc["y002", "raw"].str.fullmatch(r"[1-4], [1-4]").all()
    assert _check_distributions(finals.reset_index(), plan) >= 2


def test_forced_choice_by_logit_bias(continuous_server, tmp_path):
    plan = _forced_plan(continuous_server.alias)
    with Store(tmp_path / "s.sqlite") as store:
        collect(
            plan,
            _backend(continuous_server, forced_choice="logit_bias"),
            store,
            concurrency=4,
            progress=False,
        )
        finals = store.finals(plan.keys).set_index("item")
    # single-token labels: a one-token reply among them, with the model's probabilities
    assert (finals.loc[["e025", "g006"], "status"] == "ok").all()
    assert set(finals.loc["e025", "raw"]) <= {"A", "B", "C"}
    assert set(finals.loc["g006", "raw"]) <= {"1", "2", "3", "4"}
    assert (finals.loc[["e025", "g006"], "completion_tokens"] == 1).all()
    assert (finals.loc[["e025", "g006"], "finish_reason"] == "forced").all()  # not cut off
    assert _check_distributions(finals.loc[["e025", "g006"]].reset_index(), plan) == 4
    # what a bias cannot force is an error with the reason, never a number
    assert (finals.loc[["f063", "y002"], "status"] == "error").all()
    assert finals.loc[["f063", "y002"], "code"].isna().all()
    assert finals.loc["f063", "reason"].str.contains("label '10' is 2 tokens").all()
    assert finals.loc["y002", "reason"].str.contains("only force a choice among labels").all()


def test_forced_choice_through_llama_cpp_python_server(llama_cpp_python_server, tmp_path):
    backend = _backend(llama_cpp_python_server)
    plan = ivs_plan(
        llama_cpp_python_server.alias,
        descriptor_set=descriptors()[:1],
        items=["e025", "f063"],
        sampling=SHORT,
        constrained=True,
    )
    with Store(tmp_path / "s.sqlite") as store:
        collect(plan, backend, store, progress=False)
        finals = store.finals(plan.keys).set_index("item")
    assert backend.describe()["forced_choice"] == "grammar"
    assert (finals["status"] == "ok").all()
    assert finals.loc["e025", "raw"] in {"A", "B", "C"}
    assert int(finals.loc["f063", "raw"]) in range(1, 11)
    assert _check_distributions(finals.reset_index(), plan) >= 1
