"""Response styles from respondents whose style is known, collected through the real store."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from llmvalues.collect import ivs_plan
from llmvalues.instruments import load_instrument
from llmvalues.iw.response_styles import MEASURES, response_styles
from llmvalues.responses import ResponsesError
from llmvalues.summary import Summary
from tests.collect.replies import store_replies

IVS = load_instrument()
LEVELS = ["none", "reverse", "shuffle", "labels:letters"]


def _shown(cell) -> list[str]:
    return list(cell.attrs["option_map"])


def last_shown(cell) -> str:
    """Always the last option shown: the top of whatever scale is on the screen."""
    if cell.item == "y003":
        return "Independence"
    if cell.item == "y002":
        return "1, 2"
    return _shown(cell)[-1]


def first_shown(cell) -> str:
    return (
        "Obedience" if cell.item == "y003" else "3, 4" if cell.item == "y002" else _shown(cell)[0]
    )


def by_content(cell) -> str:
    """The same raw code whatever the presentation: the second-highest (or the lowest of two)."""
    item = IVS[cell.item]
    if item.kind not in ("scale", "options"):
        return last_shown(cell)
    code = item.codes[-2] if item.n_categories > 2 else item.codes[0]
    return {raw: shown for shown, raw in cell.attrs["option_map"].items()}[code]


@pytest.fixture(scope="module")
def plan():
    return ivs_plan("m", perturbations=LEVELS)


def _styles(plan, reply, tmp_path, **options):
    table = store_replies(plan, reply, tmp_path / "styles.sqlite")
    return response_styles(table, n_boot=400, **options)


def _row(result, measure):
    frame = result.to_frame().set_index("measure")
    return frame.loc[measure]


def test_a_content_respondent_has_no_acquiescence_and_no_label_bias(plan, tmp_path):
    result = _styles(plan, by_content, tmp_path)
    acq = _row(result, "acquiescence")
    assert acq["estimate"] == 0 and acq["lo"] == 0 and acq["hi"] == 0
    assert _row(result, "upper_reversed")["estimate"] == 0  # the content upper half, shown low
    assert _row(result, "upper_normal")["estimate"] > 0.5
    assert _row(result, "labels:letters")["estimate"] == pytest.approx(0, abs=1e-12)
    assert _row(result, "extreme")["estimate"] == 0
    first = _row(result, "first")
    assert first["lo"] <= 0 <= first["hi"]  # shuffled orders: no position preference
    assert first["n_clusters"] == 10


def test_always_the_top_of_the_shown_scale_is_full_acquiescence(plan, tmp_path):
    result = _styles(plan, last_shown, tmp_path)
    for measure in ("upper_normal", "upper_reversed", "acquiescence"):
        assert _row(result, measure)["estimate"] == 1
    last, first = _row(result, "last"), _row(result, "first")
    chance = np.mean([1 / IVS[c].n_categories for c in ("g006", "e018", "a008", "e025", "a165")])
    assert last["estimate"] == pytest.approx(1 - chance)
    assert first["estimate"] == pytest.approx(-chance)
    assert last["uniform"] == 0
    extreme = _row(result, "extreme")
    assert 0.9 < extreme["estimate"] < 1  # the ends, except in shuffled orders
    assert extreme["uniform"] == pytest.approx(extreme["uniform"])
    assert _row(result, "labels:letters")["estimate"] > 0  # letters A..D on an item shown 1..4


def test_styles_are_told_apart_per_identity_and_summarised(plan, tmp_path):
    both = pd.concat(
        [
            store_replies(plan, first_shown, tmp_path / "a.sqlite").assign(identity="first"),
            store_replies(plan, last_shown, tmp_path / "b.sqlite").assign(identity="last"),
        ],
        ignore_index=True,
    )
    result = response_styles(both, n_boot=200, level=0.8)
    frame = result.to_frame()
    acq = frame[frame["measure"] == "acquiescence"].set_index("identity")["estimate"]
    assert acq["first"] == -1 and acq["last"] == 1
    assert set(frame["measure"]) == {*MEASURES, "labels:letters"}
    assert list(frame.columns) == [
        "identity",
        "measure",
        "estimate",
        "lo",
        "hi",
        "uniform",
        "n_answers",
        "n_clusters",
    ]
    summary = result.summary()
    assert isinstance(summary, Summary) and summary.info["cluster"] == "descriptor"
    assert "80% percentile intervals of a cluster bootstrap" in summary.notes[0]


def test_a_design_without_reversals_or_shuffles_says_so(tmp_path):
    plain = ivs_plan("m", items=["g006", "f063"])
    result = _styles(plain, by_content, tmp_path)
    frame = result.to_frame().set_index("measure")
    assert np.isnan(frame.loc["acquiescence", "estimate"]) and np.isnan(frame.loc["first", "lo"])
    assert frame.loc["extreme", "n_answers"] == 20


def test_intervals_come_from_resampled_clusters(tmp_path):
    plan = ivs_plan("m", perturbations=["none", "reverse"], items=["g006"])

    def mixed(cell):  # half the descriptors answer by content, half pick the top shown
        return last_shown(cell) if cell.attrs["descriptor"] < "tao05" else by_content(cell)

    result = _styles(plan, mixed, tmp_path)
    acq = _row(result, "acquiescence")
    assert acq["estimate"] == pytest.approx(0.5)
    assert acq["lo"] < 0.5 < acq["hi"] and acq["n_clusters"] == 10
    by_variant = _styles(plan, mixed, tmp_path / "v", cluster="variant")
    assert by_variant.cluster == "variant"


def test_bad_input_is_refused_with_the_row(tmp_path):
    table = store_replies(ivs_plan("m", items=["g006"]), by_content, tmp_path / "s.sqlite")
    broken = table.copy()
    broken.loc[3, "option_order"] = "[1, 2, 2, 9]"
    with pytest.raises(ResponsesError, match="row 3, item 'g006'"):
        response_styles(broken)
    broken.loc[3, "option_order"] = "not json"
    with pytest.raises(ResponsesError, match="row 3: option_order"):
        response_styles(broken)
    with pytest.raises(ValueError, match="level"):
        response_styles(table, level=90)
