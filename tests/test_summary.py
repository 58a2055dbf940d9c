"""The one summary type: text, DataFrame, Markdown, LaTeX and HTML renderings agree."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from llmvalues.summary import Summary


@pytest.fixture
def summary():
    table = pd.DataFrame(
        {"x": [0.12345, -1.5], "lo": [0.0, -2.0], "converged": [True, False], "n": [3, 4]},
        index=pd.Index(["gpt_a", "m|b"], name="identity"),
    )
    return Summary(
        "Map positions",
        {"positions": table, "": pd.DataFrame({"v": [np.nan]})},
        notes=["90% intervals, over the prompts asked"],
        info={"method": "hierarchical", "draws": 4000},
    )


def test_text_shows_title_facts_tables_and_notes(summary):
    text = str(summary)
    lines = text.splitlines()
    assert lines[0] == "Map positions" and set(lines[1]) == {"="}
    assert "method  hierarchical" in text and "draws   4000" in text
    assert "0.123" in text and "-1.500" in text and "0.12345" not in text
    assert " yes" in text and " no" in text
    assert text.rstrip().endswith("Note: 90% intervals, over the prompts asked")


def test_frame_keeps_full_precision_and_is_a_copy(summary):
    frame = summary.to_frame()
    assert frame.loc["gpt_a", "x"] == 0.12345
    frame.loc["gpt_a", "x"] = 9.0
    assert summary.to_frame("positions").loc["gpt_a", "x"] == 0.12345
    with pytest.raises(KeyError, match="no summary table 'missing'"):
        summary.to_frame("missing")


def test_markdown_latex_and_html_escape_what_they_must(summary):
    md = summary.to_markdown()
    assert "| identity | x | lo | converged | n |" in md
    assert r"m\|b" in md and "*90% intervals, over the prompts asked*" in md
    tex = summary.to_latex()
    assert tex.count(r"\begin{table}") == 2 and r"gpt\_a" in tex and r"90\%" in tex
    page = summary.to_html()
    assert "<script" not in page and "<td>gpt_a</td>" in page and "m|b" in page
    assert summary._repr_html_() == page


def test_tables_must_be_frames():
    with pytest.raises(TypeError, match="'t' must be a DataFrame"):
        Summary("bad", {"t": [1, 2]})


def test_combine_prefixes_tables_and_merges_notes(summary):
    other = Summary("Fit", {"indices": pd.DataFrame({"cfi": [0.99]})}, notes=["n"])
    both = Summary.combine("All", [summary, other])
    assert list(both.tables) == ["Map positions: positions", "Map positions", "Fit: indices"]
    assert both.notes == ["90% intervals, over the prompts asked", "n"]
