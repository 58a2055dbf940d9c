"""``llmvalues explain``: steps, Shapley values and figure in --out; bad input exits 2."""

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from llmvalues.cli import main as run
from tests.iw.simulated_answers import simulated_responses


@pytest.fixture
def tables(tmp_path):
    answers = simulated_responses(identities=("m1", "m2"), seed=6)
    a, b = tmp_path / "ours.csv", tmp_path / "theirs.csv"
    answers.to_csv(a, index=False)
    answers.to_csv(b, index=False)
    return a, b


def test_explain_writes_steps_summary_and_figure(tables, tmp_path, capsys):
    a, b = tables
    out = tmp_path / "why"
    assert run(["explain", str(a), str(b), "--preset-b", "tao2024", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "ours → theirs" in printed and "weights → constants → reference" in printed
    steps = pd.read_csv(out / "steps.csv")
    constants = steps[steps["factor"] == "constants"]
    assert constants["dx"].tolist() == pytest.approx([0.342, 0.342], abs=1e-12)
    assert constants["dy"].tolist() == pytest.approx([0.090, 0.090], abs=1e-12)
    assert (out / "summary.md").read_text().startswith("### Why the placements differ")
    assert {p.name for p in out.glob("explain.*")} == {"explain.pdf", "explain.svg", "explain.png"}
    assert set(pd.read_csv(out / "shapley.csv")["factor"]) >= {"weights", "constants"}


def test_bad_input_is_one_line_and_status_2(tables, tmp_path, capsys):
    a, _ = tables
    other = tmp_path / "other.csv"
    simulated_responses(identities=("m1", "zz"), seed=1).to_csv(other, index=False)
    assert run(["explain", str(a), str(other), "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("llmvalues explain: ") and err.count("\n") == 1
    assert "different identities" in err
    assert (
        run(["explain", str(a), str(a), "--order", "weights,preset", "--out", str(tmp_path)]) == 2
    )
    assert "unknown factor(s) ['preset']" in capsys.readouterr().err
