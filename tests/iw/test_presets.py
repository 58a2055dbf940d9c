"""Presets and reference data against published figures."""

import numpy as np
import pandas as pd
import pytest

from llmvalues import compare_presets, load_preset
from llmvalues.iw import reference
from llmvalues.iw.presets import ITEMS, OFFICIAL_CONSTANTS, TAO_CONSTANTS


def test_official_preset_maps_the_item_means_to_the_official_offsets():
    # Official scores are 0 at the item means, so the map point is the constants' offsets.
    params = reference.ivs_pca_parameters()
    xy = load_preset("wvs_official").project_array(params.loc[list(ITEMS), "mean"].to_numpy())
    assert xy == pytest.approx([0.038, -0.1], abs=1e-12)


def test_official_preset_weights_follow_the_published_parameters():
    params = reference.ivs_pca_parameters()
    coef = load_preset("wvs_official").coef
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


def test_official_reference_points_are_each_countrys_latest_survey():
    preset = load_preset("wvs_official")
    sweden = preset.countries.set_index("country").loc["Sweden"]
    assert sweden["year"] == preset.trajectories.query("country == 'Sweden'")["year"].max()
    assert preset.countries["country"].is_unique


def test_compare_presets_shows_how_two_presets_place_the_same_answers():
    answers = pd.DataFrame([dict.fromkeys(ITEMS, 1), dict.fromkeys(ITEMS, 2)])
    table = compare_presets(answers)
    assert set(table["preset"]) == {"wvs_official", "tao2024"}
    official = table[table["preset"] == "wvs_official"]
    assert (official[["dx", "dy"]] == 0).all().all()
    tao = table[table["preset"] == "tao2024"].reset_index(drop=True)
    expected = load_preset("tao2024").project(answers) - load_preset("wvs_official").project(
        answers
    )
    assert np.allclose(tao[["dx", "dy"]].to_numpy(), expected.to_numpy())


def test_unknown_preset_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown map preset 'wvs'"):
        load_preset("wvs")
    with pytest.raises(ValueError, match=r"item column\(s\) \['a165'\] missing"):
        load_preset("tao2024").project(pd.DataFrame([dict.fromkeys(ITEMS[:-1], 1)]))
