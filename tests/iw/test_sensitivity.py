"""The preset sensitivity band: placements under every consistent map and their spread."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from llmvalues.iw.items import ITEMS
from llmvalues.iw.ivs import harmonize_ivs
from llmvalues.iw.official import bootstrap_ivs
from llmvalues.iw.presets import OFFICIAL_CONSTANTS, load_preset
from llmvalues.iw.sensitivity import preset_band
from llmvalues.summary import Summary
from tests.iw.ivs_synthetic import make_trend_frame

# a plausible answer set of a liberal chatbot, and a traditional one
EXPECTED = pd.DataFrame(
    [
        [3.0, 1.0, 6.0, 2.0, 2.0, 2.0, 2.0, 8.0, 2.0, 2.0],
        [9.0, -1.0, 2.0, 1.0, 1.0, 1.2, 1.5, 2.0, 2.5, 1.9],
    ],
    index=pd.Index(["liberal", "traditional"], name="identity"),
    columns=[i.upper() for i in ITEMS],
)


def test_two_presets_spread_by_their_difference():
    band = preset_band(EXPECTED)
    hall = load_preset("hall2025").project(EXPECTED)
    tao = load_preset("tao2024").with_constants(OFFICIAL_CONSTANTS).project(EXPECTED)
    gap = tao - hall
    presets = band.band.xs("presets", level="component")
    np.testing.assert_allclose(presets["max_distance"], np.hypot(gap["x"], gap["y"]), atol=1e-12)
    np.testing.assert_allclose(presets["radius"], np.hypot(gap["x"], gap["y"]) / 2, atol=1e-12)
    np.testing.assert_allclose(presets["x_range"], gap["x"].abs(), atol=1e-12)
    np.testing.assert_allclose(presets["y_sd"], gap["y"].abs() / np.sqrt(2), atol=1e-12)
    assert (presets["n_maps"] == 2).all()
    # The measured figure quoted in docs/iw-map.md: 0.37 map units for the liberal set.
    assert presets.loc["liberal", "max_distance"] == pytest.approx(0.375, abs=0.001)


def test_own_constants_count_the_slip_as_spread():
    band = preset_band(EXPECTED, common_constants=False)
    gap = load_preset("tao2024").project(EXPECTED) - load_preset("hall2025").project(EXPECTED)
    presets = band.band.xs("presets", level="component")
    np.testing.assert_allclose(presets["max_distance"], np.hypot(gap["x"], gap["y"]), atol=1e-12)
    assert band.constants is None
    assert "own constants" in " ".join(band.summary().notes)


def test_credible_interval_sits_beside_the_band():
    rng = np.random.default_rng(0)
    draws = EXPECTED.to_numpy()[None] + rng.normal(0, 0.05, (400, 2, len(ITEMS)))
    band = preset_band(EXPECTED, draws=draws, level=0.8)
    xy = load_preset("hall2025").project_array(draws)
    np.testing.assert_allclose(band.interval["x_lo"], np.quantile(xy[..., 0], 0.1, axis=0))
    np.testing.assert_allclose(band.interval["y_hi"], np.quantile(xy[..., 1], 0.9, axis=0))
    radius = np.quantile(np.hypot(*(xy - xy.mean(axis=0)).transpose(2, 0, 1)), 0.8, axis=0)
    np.testing.assert_allclose(band.interval["credible_radius"], radius)
    table = band.summary().to_frame()
    share = table["presets_radius"] / (table["presets_radius"] + table["credible_radius"])
    np.testing.assert_allclose(table["presets_share"], share)
    assert {"x_lo", "credible_radius", "radius"} <= set(band.to_frame().columns)


def test_summary_lists_every_preset_placement():
    summary = preset_band(EXPECTED).summary()
    assert isinstance(summary, Summary)
    placements = summary.to_frame("placements under each preset")
    assert placements.loc["liberal", "x hall2025"] == pytest.approx(
        load_preset("hall2025").project(EXPECTED).loc["liberal", "x"]
    )
    assert "x tao2024 (official constants)" in placements.columns


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e.drop(columns="A165"), r"lack item column\(s\) \['a165'\]"),
        (lambda e: e.assign(F118=[8.0, 11.0]), r"'traditional' to item 'f118' is 11.0"),
        (lambda e: e.assign(Y003=[np.nan, 0.0]), r"'liberal' to item 'y003' is nan"),
    ],
)
def test_bad_expected_answers_are_named(change, message):
    with pytest.raises(ValueError, match=message):
        preset_band(change(EXPECTED))


def test_bad_draws_and_levels_are_errors():
    with pytest.raises(ValueError, match=r"draws must have shape \(draws, 2 identities"):
        preset_band(EXPECTED, draws=np.zeros((5, 3, 10)))
    with pytest.raises(ValueError, match="level must be in"):
        preset_band(EXPECTED, level=90)
    with pytest.raises(ValueError, match="at least one preset"):
        preset_band(EXPECTED, presets=())


@pytest.fixture(scope="module")
def small_and_large():
    """Bootstraps of two synthetic trend files, 150 and 600 respondents per country-year."""
    frames = [harmonize_ivs(make_trend_frame("wvs", n=n, seed=21)[0]) for n in (150, 600)]
    return [bootstrap_ivs(f, n_boot=30, seed=4) for f in frames]


def test_bootstrap_maps_form_their_own_component(small_and_large):
    boot = small_and_large[0]
    band = preset_band(EXPECTED, bootstrap=boot)
    assert band.band.loc[("liberal", "presets"), "n_maps"] == 3  # the user's own map joins
    assert band.band.loc[("liberal", "bootstrap"), "n_maps"] == 30
    xy = np.array([p.project_array(EXPECTED.to_numpy())[0] for p in boot.replicates])
    row = band.band.loc[("liberal", "bootstrap")]
    assert row["x_sd"] == pytest.approx(xy[:, 0].std(ddof=1), abs=1e-12)
    assert row["y_range"] == pytest.approx(np.ptp(xy[:, 1]), abs=1e-12)


def test_bootstrap_spread_shrinks_like_one_over_root_n(small_and_large):
    small, large = (
        preset_band(EXPECTED, bootstrap=b).band.xs("bootstrap", level="component")
        for b in small_and_large
    )
    ratio = small["rms"] / large["rms"]  # four times the respondents: about half the spread
    assert ((ratio > 1.4) & (ratio < 2.9)).all(), ratio
