"""Refusal bounds of hierarchical fits: they contain the posterior positions draw by draw,
collapse without refusals, reduce to the MAR position at a zero shift, survive save/load,
and catch content-dependent refusals that the MAR interval misses (slow)."""

from __future__ import annotations

import numpy as np
import pytest

from llmvalues.fit import fit_map
from llmvalues.iw.bayes.results import HierarchicalMapFit
from llmvalues.iw.bayes.simulate import simulate_responses
from tests.iw.bayes.prior_fits import prior_fit
from tests.iw.test_refusals import _religious_refusals


@pytest.fixture(scope="module")
def bounds(hierarchical_fit):
    return hierarchical_fit.refusal_bounds(level=0.9, delta=0.0)


def test_bounds_contain_the_posterior_position_on_every_draw(hierarchical_fit, bounds):
    draws = hierarchical_fit.position_draws
    assert np.allclose(bounds.draws["mar"], draws)  # "asked": the MAR position is the fit's
    assert (bounds.draws["lower"] <= draws + 1e-12).all()
    assert (draws <= bounds.draws["upper"] + 1e-12).all()
    t = bounds.table
    c = hierarchical_fit.centroids
    for axis in ("x", "y"):
        assert (t[f"{axis}_band_lo"] <= c[f"{axis}_lo90"] + 1e-12).all()
        assert (c[f"{axis}_hi90"] <= t[f"{axis}_band_hi"] + 1e-12).all()
        assert (t[f"{axis}_upper"] > t[f"{axis}_lower"]).all()  # 5% of replies are refused


def test_a_zero_shift_is_the_mar_position(hierarchical_fit, bounds):
    assert np.allclose(bounds.draws["delta"], hierarchical_fit.position_draws)
    zero = hierarchical_fit.refusal_bounds(points=0)
    assert np.allclose(zero.draws["delta"], hierarchical_fit.position_draws)


def test_a_huge_latent_shift_is_the_top_of_the_scale(hierarchical_fit):
    latent = hierarchical_fit.refusal_bounds(delta={"f063": 60.0})
    points = hierarchical_fit.refusal_bounds(points={"f063": 9})  # every refusal a 10
    assert np.allclose(latent.draws["delta"], points.draws["delta"], atol=1e-9)
    # more important God is more traditional (y), where F063 was refused at all
    refused = latent.unanswered["f063"] > 0
    assert refused.sum() == 2
    moved = latent.table["y_delta"] - latent.table["y"]
    assert (moved[refused] < 0).all() and np.allclose(moved[~refused], 0)
    assert "shifted by f063 +60 (latent units)" in str(latent.summary())


def test_bounds_collapse_to_the_position_without_refusals(simulated):
    truth, _ = simulated
    rng = np.random.default_rng(2)
    fit = prior_fit(simulate_responses(truth, 2, rng))
    b = fit.refusal_bounds()
    for quantity in ("mar", "lower", "upper"):
        assert np.allclose(b.draws[quantity], fit.position_draws)
    assert (b.table["unanswered"] == 0).all()
    assert all(len(r) == 1 for r in b.regions().values())


def test_a_never_answered_cell_is_bounded_by_the_whole_scale(simulated):
    truth, _ = simulated
    rng = np.random.default_rng(2)
    df = simulate_responses(truth, 2, rng)
    gone = (df["identity"] == "id01") & (df["variant"] == "v01") & (df["item"] == "a008")
    df.loc[gone, ["status", "code"]] = ["refusal", np.nan]
    fit = prior_fit(df)
    b = fit.refusal_bounds()
    assert b.unanswered.loc["id01", "a008"] == pytest.approx(1 / 4)  # one of four variants
    assert b.unanswered.drop(index="id01").eq(0).all().all()
    # id01's bounds are a008's span alone: a quarter of its 3-point scale times its coefficients
    span = (
        b.table.loc["id01", ["x_upper", "y_upper"]].to_numpy()
        - b.table.loc["id01", ["x_lower", "y_lower"]].to_numpy()
    )
    assert span == pytest.approx(3 / 4 * np.abs(fit.preset.coef.loc["a008"].to_numpy()))
    assert (b.draws["lower"] <= fit.position_draws + 1e-12).all()


def test_bounds_survive_save_and_load(hierarchical_fit, bounds, tmp_path):
    back = HierarchicalMapFit.load(hierarchical_fit.save(tmp_path / "fit.nc"))
    again = back.refusal_bounds(level=0.9, delta=0.0)
    for quantity, draws in bounds.draws.items():
        assert np.allclose(again.draws[quantity], draws)


@pytest.mark.slow
def test_content_dependent_refusals_fall_outside_the_mar_interval_but_inside_the_bounds():
    """Refuse every F063 answer at the religious end (8–10); the truth is the model's
    expected answers over every reply asked."""
    truth, _, refused = _religious_refusals(seed=3, n_variants=8, n_replicates=6)
    fit = fit_map(refused, "hall2025", draws=500, tune=500, chains=2, random_seed=1, warn=False)
    assert fit.diagnostics.table.loc["position", "r_hat_max"] < 1.05
    t = fit.refusal_bounds(level=0.9).table
    true = truth.positions("hall2025", "asked")
    # the religious identity refused 8% of its replies (most of its F063 ones): MAR misses its y
    # (too secular) by more than the interval, the band holds it on both axes
    religious = t.loc["id00"]
    assert religious["y_lo"] > true.loc["id00", "y"]
    for axis in ("x", "y"):
        assert (
            religious[f"{axis}_band_lo"] <= true.loc["id00", axis] <= religious[f"{axis}_band_hi"]
        )
    assert religious["unanswered"] > 3 * t.loc["id02", "unanswered"]
