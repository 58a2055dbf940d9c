"""Presets and reference data against published figures."""

import numpy as np
import pandas as pd
import pytest

from llmvalues import compare_presets, load_preset
from llmvalues.iw import reference
from llmvalues.iw.presets import ITEMS, OFFICIAL_CONSTANTS, PRESETS, TAO_CONSTANTS, Preset


def test_hall_preset_maps_the_item_means_to_the_official_offsets():
    # Official scores are 0 at the item means, so the map point is the constants' offsets.
    params = reference.ivs_pca_parameters()
    xy = load_preset("hall2025").project_array(params.loc[list(ITEMS), "mean"].to_numpy())
    assert xy == pytest.approx([0.038, -0.1], abs=1e-12)


def test_hall_preset_weights_follow_the_published_parameters():
    params = reference.ivs_pca_parameters()
    coef = load_preset("hall2025").coef
    assert coef.loc["f118", "x"] == pytest.approx(1.81 * 0.2934784954 / 3.2720034272)
    assert coef.loc["g006", "y"] == pytest.approx(
        1.61 * params.loc["g006", "w_tradrat"] / 0.7547284407
    )


def test_tao_offset_slip_is_the_documented_rigid_shift():
    dx = TAO_CONSTANTS["x"][1] - OFFICIAL_CONSTANTS["x"][1]
    dy = TAO_CONSTANTS["y"][1] - OFFICIAL_CONSTANTS["y"][1]
    assert (dx, dy) == pytest.approx((0.342, 0.090))


def test_tao_preset_is_their_recovered_affine_map():
    preset = load_preset("tao2024")
    assert len(preset.countries) == 107
    assert preset.countries["cultural_zone"].nunique() == 8
    assert preset.intercept["x"] == pytest.approx(3.2779817)
    assert preset.coef.loc["a165", "x"] == pytest.approx(-0.912606645)


@pytest.mark.parametrize(
    ("country", "year", "y", "x", "tol"),
    [
        # The Economist's replication (file values)
        ("United States", 2017, 0.1456, 1.4048, 1e-3),
        ("Sweden", 2017, 1.1035, 3.1200, 1e-3),
        # The official WVS 2022 map: the replication matches within ~0.007
        ("United States", 2017, 0.1444, 1.4034, 0.01),
        ("Sweden", 2017, 1.1067, 3.1133, 0.01),
        ("India", 2012, -0.7095, -0.8615, 0.01),
        ("Vietnam", 2020, -0.4429, 0.6128, 0.01),
    ],
)
def test_trajectories_reproduce_published_spot_values(country, year, y, x, tol):
    t = reference.country_trajectories()
    row = t[(t["country"] == country) & (t["year"] == year)]
    assert len(row) == 1
    assert row["y"].iloc[0] == pytest.approx(y, abs=tol)
    assert row["x"].iloc[0] == pytest.approx(x, abs=tol)


def test_tao_and_official_country_points_correlate_as_published():
    # Waves 5-7 (2005-2022) official points vs Tao's: r = 0.97 on x and 0.92 on y.
    t = reference.country_trajectories()
    official = t[t["year"].between(2005, 2022)].groupby("s003")[["x", "y"]].mean()
    tao = reference.tao2024_countries().set_index("s003")[["x", "y"]]
    both = tao.merge(official, left_index=True, right_index=True, suffixes=("_tao", ""))
    assert len(both) == 106
    assert np.corrcoef(both["x_tao"], both["x"])[0, 1] == pytest.approx(0.97, abs=0.005)
    assert np.corrcoef(both["y_tao"], both["y"])[0, 1] == pytest.approx(0.92, abs=0.005)


def test_egypt_2018_of_the_official_map_is_absent_from_the_shipped_trajectories():
    # Documented gap: the replication file ends Egypt at 2001 (the official map has 2018).
    t = reference.country_trajectories()
    assert t.loc[t["country"] == "Egypt", "year"].tolist() == [2001]


def test_hall_reference_points_are_his_published_centroids():
    preset = load_preset("hall2025")
    countries = preset.countries.set_index("country")
    assert len(countries) == 107 and countries.index.is_unique
    # out/country_centroids.csv of kwinkunks/ai-values at 7994f7b
    assert countries.loc["Sweden", ["x", "y"]].tolist() == pytest.approx([2.691248, 0.887598])
    assert countries.loc["Japan", ["x", "y"]].tolist() == pytest.approx([1.253633, 1.558239])
    assert set(preset.countries["s003"]) == set(reference.tao2024_countries()["s003"])
    assert preset.countries["cultural_zone"].nunique() == 8


def test_hall_and_tao_points_are_two_waves_5_to_7_computations():
    # Same waves, different weights (S017*S018 vs S017) and country means: close, not equal.
    hall = reference.hall2025_countries().set_index("s003")[["x", "y"]]
    tao = reference.tao2024_countries().set_index("s003")[["x", "y"]]
    both = hall.join(tao, suffixes=("", "_tao"))
    assert np.corrcoef(both["x"], both["x_tao"])[0, 1] == pytest.approx(0.982, abs=0.001)
    assert np.corrcoef(both["y"], both["y_tao"])[0, 1] == pytest.approx(0.970, abs=0.001)


def test_every_builtin_preset_pairs_a_projection_with_its_own_points():
    assert PRESETS == ("hall2025", "tao2024")
    hall, tao = load_preset("hall2025"), load_preset("tao2024")
    assert "kwinkunks/ai-values" in hall.citation and "country_centroids" in hall.citation
    assert "OSF 7sj3w" in tao.citation
    # The official all-waves trajectories are only a backdrop, with their own citation.
    assert "backdrop only" in hall.trajectories_citation
    assert "The Economist" in hall.trajectories_citation
    assert "The Economist" not in hall.citation
    assert tao.trajectories is None
    assert hall.constants == OFFICIAL_CONSTANTS and tao.constants == TAO_CONSTANTS


def test_tao_with_official_constants_is_their_map_without_the_slip():
    tao = load_preset("tao2024")
    fixed = tao.with_constants(OFFICIAL_CONSTANTS)
    answers = np.random.default_rng(1).integers(1, 4, size=(5, len(ITEMS)))
    shift = tao.project_array(answers) - fixed.project_array(answers)
    assert np.allclose(shift, [0.342, 0.090], atol=1e-12)
    moved = tao.countries[["x", "y"]].to_numpy() - fixed.countries[["x", "y"]].to_numpy()
    assert np.allclose(moved, [0.342, 0.090], atol=1e-12)
    assert fixed.constants == OFFICIAL_CONSTANTS
    back = fixed.with_constants(TAO_CONSTANTS)
    assert np.allclose(back.project_array(answers), tao.project_array(answers), atol=1e-12)


def test_other_scales_rescale_scores_and_points_alike():
    hall = load_preset("hall2025")
    doubled = hall.with_constants({"x": (3.62, 0.0), "y": (1.61, -0.1)})
    answers = np.random.default_rng(2).integers(1, 4, size=(4, len(ITEMS)))
    x_old, x_new = hall.project_array(answers)[:, 0], doubled.project_array(answers)[:, 0]
    assert np.allclose(x_new, 2 * (x_old - 0.038), atol=1e-12)
    assert np.allclose(doubled.countries["x"], 2 * (hall.countries["x"] - 0.038), atol=1e-12)


def test_constants_of_an_unrecorded_preset_cannot_change():
    hall = load_preset("hall2025")
    bare = Preset("mine", hall.coef, hall.intercept, hall.countries, "me", "mine")
    with pytest.raises(ValueError, match="does not record its constants"):
        bare.with_constants(OFFICIAL_CONSTANTS)


def test_compare_presets_shows_how_two_presets_place_the_same_answers():
    answers = pd.DataFrame([dict.fromkeys(ITEMS, 1), dict.fromkeys(ITEMS, 2)])
    table = compare_presets(answers)
    assert set(table["preset"]) == {"hall2025", "tao2024"}
    first = table[table["preset"] == "hall2025"]
    assert (first[["dx", "dy"]] == 0).all().all()
    tao = table[table["preset"] == "tao2024"].reset_index(drop=True)
    expected = load_preset("tao2024").project(answers) - load_preset("hall2025").project(answers)
    assert np.allclose(tao[["dx", "dy"]].to_numpy(), expected.to_numpy())


def test_unknown_preset_is_a_clear_error():
    with pytest.raises(
        ValueError, match=r"unknown map preset 'wvs_official'; built-in: \['hall2025'"
    ):
        load_preset("wvs_official")
    with pytest.raises(ValueError, match=r"item column\(s\) \['a165'\] missing"):
        load_preset("tao2024").project(pd.DataFrame([dict.fromkeys(ITEMS[:-1], 1)]))
