"""from_ivs end to end on synthetic trend files with a planted two-factor structure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from llmvalues.iw.ivs import harmonize_ivs, read_ivs
from llmvalues.iw.official import IVSMap, from_ivs
from llmvalues.iw.presets import ITEMS, OFFICIAL_CONSTANTS, TAO_CONSTANTS, Preset
from tests.iw.ivs_synthetic import COUNTRIES, make_trend_frame, write_trend_file

# Planted: which axis each item measures and the sign of its loading (+ = secular / self-expr.)
PLANTED = {
    "f063": ("tradrat", -1),
    "y003": ("tradrat", +1),
    "f120": ("tradrat", +1),
    "g006": ("tradrat", +1),
    "e018": ("tradrat", +1),
    "y002": ("survself", +1),
    "a008": ("survself", -1),
    "f118": ("survself", +1),
    "e025": ("survself", -1),
    "a165": ("survself", -1),
}


@pytest.fixture(scope="module")
def wvs():
    return make_trend_frame("wvs", n=150, seed=11)


@pytest.fixture(scope="module")
def evs():
    return make_trend_frame("evs", n=150, seed=12)


@pytest.fixture(scope="module")
def wvs_map(wvs, tmp_path_factory) -> IVSMap:
    path = write_trend_file(tmp_path_factory.mktemp("map") / "wvs.sav", wvs[0])
    return from_ivs(path)


def _check_recovery(result: IVSMap, truth: pd.DataFrame) -> None:
    for item, (axis, sign) in PLANTED.items():
        other = "tradrat" if axis == "survself" else "survself"
        loading = result.loadings.loc[item, axis]
        assert np.sign(loading) == sign and abs(loading) > 0.5, (item, result.loadings.loc[item])
        assert abs(result.loadings.loc[item, other]) < 0.2, (item, result.loadings.loc[item])
    points = result.country_year.merge(truth, on="s025", validate="one_to_one")
    assert len(points) == len(truth)
    assert spearmanr(points["x"], points["s"])[0] >= 0.95
    assert spearmanr(points["y"], points["t"])[0] >= 0.95


def test_recovers_planted_structure_from_sav(wvs_map, wvs):
    _check_recovery(wvs_map, wvs[1])


def test_recovers_planted_structure_from_evs_dta_with_derived_items(evs, tmp_path):
    raw = evs[0].rename(columns=str.lower)
    _check_recovery(from_ivs(write_trend_file(tmp_path / "evs.dta", raw)), evs[1])


def test_axes_follow_content_whichever_component_comes_first(wvs_map):
    # default plant: the traditional/secular spread dominates, so tradrat is component 1
    assert wvs_map.preset.metadata["component_order"] == {"survself": 1, "tradrat": 0}
    stretched = {code: (0.4 * t, 2.0 * s) for code, (t, s) in COUNTRIES.items()}
    raw, truth = make_trend_frame("wvs", n=150, seed=13, countries=stretched)
    result = from_ivs(harmonize_ivs(raw))
    assert result.preset.metadata["component_order"] == {"survself": 0, "tradrat": 1}
    _check_recovery(result, truth)


def test_constants_are_applied_exactly(wvs_map):
    scores = wvs_map.scores
    (sx, ox), (sy, oy) = OFFICIAL_CONSTANTS["x"], OFFICIAL_CONSTANTS["y"]
    np.testing.assert_array_equal(scores["x"], 1.81 * scores["survself"] + 0.038)
    np.testing.assert_array_equal(scores["y"], 1.61 * scores["tradrat"] - 0.1)
    assert (sx, ox, sy, oy) == (1.81, 0.038, 1.61, -0.1)


def test_tao_constants_shift_the_map_rigidly(wvs):
    frame = harmonize_ivs(wvs[0])
    official = from_ivs(frame)
    tao = from_ivs(frame, constants="tao2024")
    assert tao.preset.metadata["constants"] == TAO_CONSTANTS
    shift = tao.country_year[["x", "y"]] - official.country_year[["x", "y"]]
    np.testing.assert_allclose(shift["x"], 0.38 - 0.038, atol=1e-12)
    np.testing.assert_allclose(shift["y"], -0.01 + 0.1, atol=1e-12)
    custom = from_ivs(frame, constants={"x": (1.0, 0.0), "y": (1.0, 0.0)})
    np.testing.assert_allclose(custom.scores["x"], official.scores["survself"])


def test_preset_projection_equals_the_pipeline_score(wvs_map, wvs):
    frame = harmonize_ivs(wvs[0])
    preset = wvs_map.preset
    assert isinstance(preset, Preset) and preset.name == "ivs"
    projected = preset.project(frame[list(ITEMS)])
    complete = frame[list(ITEMS)].notna().all(axis=1)
    np.testing.assert_allclose(
        projected.loc[complete], wvs_map.scores.loc[complete, ["x", "y"]], atol=1e-9
    )
    assert wvs_map.scores.loc[~complete, ["x", "y"]].isna().all().all()
    assert complete.sum() == preset.metadata["n_scored"] < len(frame)


def test_country_year_points_are_weighted_means_by_s025(wvs_map):
    scores = wvs_map.scores.dropna(subset=["x"])
    one = scores[scores["s025"] == 7522018]
    row = wvs_map.country_year.set_index("s025").loc[7522018]
    assert row["country"] == "Sweden" and row["year"] == 2018 and row["n"] == len(one)
    assert row["x"] == pytest.approx(np.average(one["x"], weights=one["weight"]), abs=1e-12)
    assert row["y"] == pytest.approx(np.average(one["y"], weights=one["weight"]), abs=1e-12)
    assert row["x"] != pytest.approx(one["x"].mean(), abs=1e-6)  # the weights do matter


def test_preset_points_are_the_latest_survey_and_trajectories_all_surveys(wvs_map):
    countries = wvs_map.preset.countries
    assert set(countries["year"]) == {2018} and len(countries) == 9
    assert len(wvs_map.preset.trajectories) == 18
    assert {"country", "year", "x", "y"} <= set(wvs_map.preset.trajectories.columns)


def test_tao_variant_unweighted_means_then_mean_over_years(wvs):
    result = from_ivs(harmonize_ivs(wvs[0]), country_means="unweighted")
    scores = result.scores.dropna(subset=["x"])
    sweden = scores[scores["s003"] == 752]
    by_year = sweden.groupby("s025")["x"].mean()
    point = result.preset.countries.set_index("country").loc["Sweden"]
    assert point["x"] == pytest.approx(by_year.mean(), abs=1e-12)
    assert point["years"] == 2


def test_unweighted_standardisation_uses_plain_means_and_sds(wvs):
    frame = harmonize_ivs(wvs[0])
    result = from_ivs(frame, standardize="unweighted")
    values = frame[list(ITEMS)]
    np.testing.assert_allclose(result.parameters["mean"], values.mean(), rtol=1e-12)
    np.testing.assert_allclose(result.parameters["sd"], values.std(ddof=1), rtol=1e-12)
    official = from_ivs(frame)
    assert not np.allclose(result.parameters["mean"], official.parameters["mean"])
    pd.testing.assert_frame_equal(result.loadings, official.loadings)  # correlations stay weighted
    projected = result.preset.project(values)
    np.testing.assert_allclose(projected, result.scores[["x", "y"]], atol=1e-9)


def test_parameters_equal_those_of_rows_duplicated_by_integer_weights(wvs):
    frame = harmonize_ivs(wvs[0]).iloc[:900].copy()
    frame["weight"] = np.random.default_rng(0).integers(1, 4, len(frame)).astype(float)
    duplicated = frame.loc[frame.index.repeat(frame["weight"].astype(int))].assign(weight=1.0)
    a, b = from_ivs(frame), from_ivs(duplicated)
    pd.testing.assert_frame_equal(a.parameters, b.parameters, atol=1e-10, rtol=0)
    pd.testing.assert_frame_equal(
        a.country_year, b.country_year.assign(n=a.country_year["n"]), atol=1e-10
    )


def test_rows_without_positive_weight_are_left_out_and_counted(wvs):
    frame = harmonize_ivs(wvs[0])
    unweighted = frame.copy()
    unweighted.loc[:9, "weight"] = np.nan
    unweighted.loc[10:19, "weight"] = 0.0
    result = from_ivs(unweighted)
    assert result.preset.metadata["n_without_positive_weight"] == 20
    reference = from_ivs(frame.iloc[20:])
    pd.testing.assert_frame_equal(result.parameters, reference.parameters, atol=1e-12, rtol=0)


def test_waves_filter_and_explained_variance(wvs):
    frame = harmonize_ivs(wvs[0])
    result = from_ivs(frame, waves=[7])
    assert set(result.country_year["year"]) == {2018}
    assert result.preset.metadata["waves"] == (7,)
    ev = result.explained_variance
    assert list(ev.index) == ["survself", "tradrat"] and 0.5 < ev.sum() < 1
    assert ev.sum() == pytest.approx(sum(result.preset.metadata["eigenvalues"][:2]) / 10)


def test_no_rows_in_requested_waves(wvs, tmp_path):
    with pytest.raises(ValueError, match=r"no respondents in waves \[2\]"):
        from_ivs(harmonize_ivs(wvs[0]), waves=[2])
    path = write_trend_file(tmp_path / "w.csv", wvs[0])
    with pytest.raises(ValueError, match=r"w\.csv: no respondents in waves \[5\]"):
        from_ivs(path, waves=[5])


def test_constant_item_is_an_error_naming_it(wvs):
    frame = harmonize_ivs(wvs[0])
    frame["e018"] = frame["e018"].where(frame["e018"].isna(), 2.0)
    with pytest.raises(ValueError, match="E018 is constant"):
        from_ivs(frame)


def test_missing_variable_in_file_and_frame(wvs, tmp_path):
    path = write_trend_file(tmp_path / "no_a165.sav", wvs[0].drop(columns=["A165"]))
    with pytest.raises(ValueError, match=r"no_a165\.sav: missing IVS variable\(s\): A165"):
        from_ivs(path)
    with pytest.raises(ValueError, match="lacks column"):
        from_ivs(harmonize_ivs(wvs[0]).drop(columns=["weight"]))


def test_bad_options_are_errors(wvs):
    frame = harmonize_ivs(wvs[0])
    with pytest.raises(ValueError, match="unknown constants"):
        from_ivs(frame, constants="tao")
    with pytest.raises(ValueError, match="country_means"):
        from_ivs(frame, country_means="median")
    with pytest.raises(ValueError, match="standardize"):
        from_ivs(frame, standardize="none")


def test_read_then_compute_equals_compute_from_path(wvs_map, tmp_path, wvs):
    path = write_trend_file(tmp_path / "again.sav", wvs[0])
    again = from_ivs(read_ivs(path))
    pd.testing.assert_frame_equal(again.parameters, wvs_map.parameters)
