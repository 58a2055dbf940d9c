"""Krippendorff's alpha against the published worked example, plus scoring known answers."""

import numpy as np
import pandas as pd
import pytest

from llmvalues.valuelex.agreement import AgreementError, alpha_interval, krippendorff_alpha
from llmvalues.valuelex.judges import parse_verdict
from llmvalues.valuelex.scoring import judge_agreement, projective_scores

NAN = np.nan
# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", reliability data
# with missing values: 4 observers × 12 units.
EXAMPLE = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ]
)


@pytest.mark.parametrize(
    ("metric", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_published_values(metric, published):
    assert krippendorff_alpha(EXAMPLE, metric) == pytest.approx(published, abs=5e-4)


def test_alpha_perfect_and_chance_agreement():
    codes = np.array([[0, 1, 1, 0, 1, 0], [0, 1, 1, 0, 1, 0]], dtype=float)
    assert krippendorff_alpha(codes) == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 2, size=(3, 4000)).astype(float)
    assert abs(krippendorff_alpha(noise)) < 0.03


def test_alpha_interval_brackets_point():
    result = alpha_interval(EXAMPLE, "interval", n_boot=300)
    assert result.lo <= result.alpha <= result.hi
    assert result.n_units == 12 and result.n_raters == 4
    assert result.alpha == pytest.approx(0.849, abs=5e-4)
    row = result.to_frame().iloc[0]
    assert row["alpha"] == result.alpha and (row["lo"], row["hi"]) == (result.lo, result.hi)
    assert (row["metric"], row["level"], row["n_boot"]) == ("interval", 0.95, 300)
    s = result.summary()
    assert s["Agreement"].iloc[0]["alpha"] == pytest.approx(0.849, abs=5e-4)
    assert "95% percentile interval from 300 resamples" in s.notes[0]
    narrow = alpha_interval(EXAMPLE, "interval", n_boot=300, level=0.5)
    assert result.lo <= narrow.lo <= narrow.hi <= result.hi


def test_alpha_bad_input():
    with pytest.raises(AgreementError, match="metric must be one of"):
        krippendorff_alpha(EXAMPLE, "cardinal")
    with pytest.raises(AgreementError, match="at least 2 raters"):
        krippendorff_alpha(np.array([[1.0, 2.0]]))
    with pytest.raises(AgreementError, match="no unit was coded by two"):
        krippendorff_alpha(np.array([[1.0, NAN], [NAN, 2.0]]))
    with pytest.raises(AgreementError, match="no variation"):
        krippendorff_alpha(np.ones((2, 5)))


@pytest.mark.parametrize(
    ("text", "code", "status"),
    [
        ("HIGH", 1, "ok"),
        ("low.", 0, "ok"),
        ("Verdict: High", 1, "ok"),
        ("LOW, not high", 0, "ok"),
        ("I cannot answer that.", None, "refusal"),
        ("maybe", None, "invalid"),
    ],
)
def test_parse_verdict(text, code, status):
    parsed = parse_verdict(text)
    assert (parsed.code, parsed.status) == (code, status)


def _codes(model, sub, values_by_stem, judge="j1"):
    rows = []
    for stem, values in values_by_stem.items():
        for k, v in enumerate(values):
            rows.append(
                {
                    "judge": judge,
                    "model": model,
                    "subdimension": sub,
                    "stem_index": stem,
                    "completion": f"{model}-{sub}-{stem}-{k}",
                    "code": v,
                }
            )
    return rows


def test_projective_scores_known_answers():
    rows = _codes("a", "Social", {0: [1, 1], 1: [1, 1]})
    rows += _codes("b", "Social", {0: [0, 1], 1: [0, 0], 2: [1, NAN]})
    scores = projective_scores(pd.DataFrame(rows), n_boot=500).set_index("model")
    assert scores.loc["a", "score"] == 100 and scores.loc["a", "lo"] == 100
    # b: 2 HIGH of 5 coded completions; the uncoded one is counted, not scored
    assert scores.loc["b", "score"] == pytest.approx(40.0)
    assert scores.loc["b", "n_completions"] == 6 and scores.loc["b", "n_coded"] == 5
    assert scores.loc["b", "lo"] < 40 < scores.loc["b", "hi"]
    single = projective_scores(pd.DataFrame(_codes("c", "Social", {0: [1, 0]}))).iloc[0]
    assert single["score"] == 50 and np.isnan(single["lo"]) and np.isnan(single["hi"])


def test_projective_interval_covers_truth_in_simulation():
    rng = np.random.default_rng(1)
    covered = 0
    for _ in range(200):
        rows = _codes("m", "Ethical", {s: list(rng.random(3) < 0.3) for s in range(20)})
        frame = pd.DataFrame(rows).assign(code=lambda f: f["code"].astype(float))
        s = projective_scores(frame, n_boot=300, seed=int(rng.integers(1e9))).iloc[0]
        covered += s["lo"] <= 30 <= s["hi"]
    assert 0.88 <= covered / 200 <= 0.99


def test_judge_agreement_uses_units_of_completion_and_subdimension():
    a = _codes("m", "Social", {0: [1, 0, 1, 1], 1: [0, 0, 1, 0]}, judge="j1")
    b = _codes("m", "Social", {0: [1, 0, 1, 1], 1: [0, 0, 1, 0]}, judge="j2")
    result = judge_agreement(pd.DataFrame(a + b), n_boot=100)
    assert result.alpha == pytest.approx(1.0)
    with pytest.raises(AgreementError, match="two judges"):
        judge_agreement(pd.DataFrame(a))


def test_comparison_table_formats_scores_and_intervals():
    from llmvalues.valuelex.scoring import comparison_table

    scores = pd.DataFrame(
        {
            "model": ["a", "b", "a", "b"],
            "subdimension": ["Social", "Social", "Ethical", "Ethical"],
            "score": [50.0, 75.0, NAN, 10.0],
            "lo": [40.0, 60.0, NAN, 0.0],
            "hi": [60.0, 90.0, NAN, 20.0],
        }
    )
    table = comparison_table(scores)
    assert table.loc["Social", "b"] == "75.0 [60.0, 90.0]"
    assert table.loc["Ethical", "a"] == "—"
    assert list(table.index) == ["Social", "Ethical"]
