"""The SQLite store: append-only attempts, resume, exports (no model needed)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess

import pandas as pd
import pytest

from llmvalues.collect import Store, StoreError, ivs_plan
from llmvalues.collect.store import Attempt
from llmvalues.instruments.variants import descriptors


def _attempt(cell, number, status="ok", code=7.0, final=True, raw="7"):
    return Attempt(
        cell_key=cell.key,
        attempt=number,
        final=final,
        run_id="r1",
        identity=cell.identity,
        variant=cell.variant,
        replicate=cell.replicate,
        item=cell.item,
        session=cell.session,
        mode="chat",
        prompt=cell.request.payload(),
        raw=raw,
        code=code if status == "ok" else None,
        status=status,
        reason="" if status == "ok" else "because",
        model="m",
        backend="test",
        sampling=cell.request.sampling,
        attrs=cell.attrs,
    )


@pytest.fixture
def plan():
    return ivs_plan("m", descriptor_set=descriptors()[:2])


def test_wal_mode_and_schema(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        store.start_run("m", "test", {"base_url": "x"}, {"cells": 0})
    mode = sqlite3.connect(tmp_path / "s.sqlite").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_attempts_are_appended_never_overwritten(tmp_path, plan):
    cell = plan.cells[0]
    with Store(tmp_path / "s.sqlite") as store:
        store.record(_attempt(cell, 1, status="invalid", final=False, raw="maybe"))
        store.record(_attempt(cell, 2))
        with pytest.raises(sqlite3.IntegrityError):
            store.record(_attempt(cell, 2))  # the same attempt twice is refused
        attempts = store.attempts()
        assert list(attempts["raw"]) == ["maybe", "7"]
        assert store.done_keys() == {cell.key}
        assert store.next_attempt(cell.key) == 3
        finals = store.finals()
        assert len(finals) == 1 and finals["attempt"].iloc[0] == 2


def test_error_cells_are_not_done_unless_asked(tmp_path, plan):
    cell = plan.cells[0]
    with Store(tmp_path / "s.sqlite") as store:
        store.record(_attempt(cell, 1, status="error", raw=None))
        assert store.done_keys() == set()
        assert store.done_keys(retry_errors=False) == {cell.key}


def test_responses_export_is_valid_and_keeps_failures(tmp_path, plan):
    with Store(tmp_path / "s.sqlite") as store:
        for i, cell in enumerate(plan):
            if i % 10 == 3:
                store.record(_attempt(cell, 1, status="refusal", raw="As an AI, I cannot"))
            else:
                code = float(cell.parse(str(_valid(cell.item))).code)
                store.record(_attempt(cell, 1, code=code, raw=str(_valid(cell.item))))
        responses = store.to_responses(plan.keys)
        assert list(responses.columns[:8]) == [
            "identity",
            "variant",
            "replicate",
            "item",
            "raw",
            "code",
            "status",
            "reason",
        ]
        assert len(responses) == len(plan) == 20
        refused = responses[responses["status"] == "refusal"]
        assert len(refused) == 2 and refused["code"].isna().all()
        assert {"model", "backend", "collected_at", "descriptor", "country"} <= set(responses)
        csv = store.export(tmp_path / "r.csv", plan.keys)
        parquet = store.export(tmp_path / "r.parquet", plan.keys)
        with pytest.raises(StoreError, match="unknown"):
            store.export(tmp_path / "r.xlsx")
    back = pd.read_parquet(parquet)
    assert list(back["raw"]) == list(pd.read_csv(csv, keep_default_na=False)["raw"])
    assert len(back) == 20


def _valid(item: str) -> str:
    return {"y003": "Independence", "y002": "1, 2", "e025": "A", "a165": "B"}.get(item, "2")


def test_empty_store_and_bad_paths_are_clear_errors(tmp_path):
    with Store(tmp_path / "s.sqlite") as store, pytest.raises(StoreError, match="no finished"):
        store.to_responses()
    with pytest.raises(StoreError, match="is a directory"):
        Store(tmp_path)
    (tmp_path / "junk.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot open store"):
        Store(tmp_path / "junk.sqlite")


def test_option_probabilities_are_exported_by_raw_code(tmp_path):
    from llmvalues.collect.backends.base import Distribution

    plan = ivs_plan("m", descriptor_set=descriptors()[:1], items=["e025"], permute=True, seed=5)
    cell = plan.cells[0]
    order = cell.attrs["option_order"]
    record = _attempt(cell, 1, code=float(order[0]), raw="A")
    record.distribution = Distribution({"A": 0.5, "B": 0.2, "C": 0.1}, 0.2, "test").to_json()
    record.outside_mass = 0.2
    with Store(tmp_path / "s.sqlite") as store:
        store.record(record)
        table = store.to_responses(plan.keys)
        exported = pd.read_csv(store.export(tmp_path / "r.csv"))
    probs = table["probs"].iloc[0]
    assert probs == {order[0]: 0.5, order[1]: 0.2, order[2]: 0.1}
    assert table["outside_mass"].iloc[0] == 0.2
    assert json.loads(exported["probs"].iloc[0]) == {str(k): v for k, v in probs.items()}


def test_a_read_only_store_fails_when_opened_naming_the_file(tmp_path):
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        store.start_run("m", "test", {}, {})
    path.chmod(0o444)
    try:
        with pytest.raises(StoreError, match=rf"store {path} is read-only.*chmod u\+w"):
            Store(path)
    finally:
        path.chmod(0o644)


def _chattr(flag: str, path) -> bool:
    tool = shutil.which("chattr")
    return (
        bool(tool) and subprocess.run([tool, flag, str(path)], capture_output=True).returncode == 0
    )


def test_an_immutable_store_fails_when_opened_naming_the_file(tmp_path):
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        store.start_run("m", "test", {}, {})
    if not _chattr("+i", path):  # needs CAP_LINUX_IMMUTABLE (root on most systems)
        pytest.skip("chattr +i is not permitted here")
    try:
        with pytest.raises(StoreError, match=rf"store {path} cannot be written.*immutable"):
            Store(path)
    finally:
        _chattr("-i", path)
    assert os.access(path, os.W_OK)


@pytest.mark.parametrize("name", ["r.csv", "r.parquet", "r.CSV", "r.Parquet", "r.PQ"])
def test_exporting_an_empty_store_is_the_same_error_in_every_format(tmp_path, name):
    message = rf"holds no finished cells to export; .*{name}"
    with Store(tmp_path / "s.sqlite") as store, pytest.raises(StoreError, match=message):
        store.export(tmp_path / name)
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize("name", ["r.CSV", "r.PARQUET", "r.Pq"])
def test_export_accepts_upper_case_suffixes(tmp_path, plan, name):
    cell = plan.cells[0]
    with Store(tmp_path / "s.sqlite") as store:
        store.record(_attempt(cell, 1, code=2.0, raw="2"))
        path = store.export(tmp_path / name, plan.keys)
    reader = pd.read_csv if name.lower().endswith(".csv") else pd.read_parquet
    back = reader(path)
    assert list(back["raw"].astype(str)) == ["2"] and back["code"].tolist() == [2.0]
