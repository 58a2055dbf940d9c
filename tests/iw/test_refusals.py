"""Refusals not missing at random: worst-case bounds and delta-adjusted positions (both methods).

The arithmetic is checked against brute force (every unanswered reply at either end of
its scale), the classic method's bounds against the complete data they bound, and the
hierarchical fit's against its own posterior positions.
"""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from llmvalues import fit_map
from llmvalues.iw.averaging import mean_answers
from llmvalues.iw.bayes.simulate import draw_truth, simulate_responses
from llmvalues.iw.items import ITEMS
from llmvalues.iw.presets import load_preset
from llmvalues.iw.refusals import (
    HIGHEST,
    LOWEST,
    extreme_codes,
    item_values,
    mix,
    refusal_positions,
)

PRESET = load_preset("hall2025")


def _random_units(rng, n_draws=5, n_units=4, n_identities=2):
    expected = LOWEST + rng.random((n_draws, n_units, len(ITEMS))) * (HIGHEST - LOWEST)
    answered = rng.choice([0.0, 0.5, 0.8, 1.0], (n_units, len(ITEMS)))
    weight = rng.integers(1, 4, n_units).astype(float)
    identity = np.arange(n_units) % n_identities
    return expected, answered, weight, identity


def test_mix_is_the_weighted_mean_of_answered_and_unanswered_parts():
    rng = np.random.default_rng(0)
    e, a, w, ident = _random_units(rng)
    f = rng.random(len(ITEMS))
    got = mix(e, f, a, w, ident, 2)
    for i in range(2):
        u = ident == i
        want = (w[u, None] * (a[u] * e[:, u] + (1 - a[u]) * f)).sum(1) / w[u].sum()
        assert np.allclose(got[:, i], want)
    # NaN expected answers where nothing was answered do not leak into the result
    e_nan = np.where(a > 0, e, np.nan)
    assert np.allclose(mix(e_nan, f, a, w, ident, 2), got)


def test_bounds_are_the_extremes_over_every_worst_case_answer():
    """Brute force: every unanswered share of every item at the lowest or the highest code."""
    rng = np.random.default_rng(1)
    e, a, w, ident = _random_units(rng, n_draws=1, n_units=2, n_identities=1)
    a[:, 4:] = 1.0  # six items with something unanswered keep the enumeration small
    out = refusal_positions(e, a, w, ident, 1, PRESET)
    corners = []
    for ends in itertools.product((0, 1), repeat=len(ITEMS)):
        f = np.where(np.array(ends) == 1, HIGHEST, LOWEST)
        corners.append(PRESET.project_array(mix(e, f, a, w, ident, 1))[0, 0])
    corners = np.array(corners)
    assert np.allclose(out["lower"][0, 0], corners.min(0))
    assert np.allclose(out["upper"][0, 0], corners.max(0))
    mar = out["mar"][0, 0]
    assert (out["lower"][0, 0] <= mar + 1e-12).all() and (mar <= out["upper"][0, 0] + 1e-12).all()


def test_extreme_codes_follow_the_sign_of_each_coefficient():
    ext = extreme_codes(PRESET)
    coef = PRESET.coef.loc[list(ITEMS)]
    j = ITEMS.index("f063")  # more important God: more traditional, y coefficient < 0
    assert coef.loc["f063", "y"] < 0
    assert ext["lower"][1, j] == 10 and ext["upper"][1, j] == 1
    j = ITEMS.index("f118")  # homosexuality justifiable: self-expression, x coefficient > 0
    assert ext["lower"][0, j] == 1 and ext["upper"][0, j] == 10


def test_item_values_name_unknown_items():
    assert item_values({"F063": 2}, "points")[ITEMS.index("f063")] == 2
    assert item_values(1.5, "points").tolist() == [1.5] * 10
    with pytest.raises(ValueError, match="unknown item"):
        item_values({"q1": 1}, "points")
    with pytest.raises(ValueError, match="finite"):
        item_values(np.nan, "delta")


# ----- the classic method ---------------------------------------------------------------------
def _religious_refusals(seed: int = 3, n_variants: int = 8, n_replicates: int = 6):
    """Simulated answers; then every F063 answer at the religious end (8–10) is refused."""
    rng = np.random.default_rng(seed)
    truth = draw_truth(3, n_variants, rng, variant_scale=0.3, interaction_scale=0.1)
    location = truth.location.copy()
    location[:, ITEMS.index("f063")] = [2.5, 0.0, -2.0]  # religious, middling, secular
    truth = type(truth)(
        location,
        truth.gaps,
        truth.variant_effect,
        truth.interaction,
        truth.variant_scale,
        truth.interaction_scale,
    )
    full = simulate_responses(truth, n_replicates, rng)
    refused = full.copy()
    gone = (refused["item"] == "f063") & (refused["code"] >= 8)
    refused.loc[gone, "status"] = "refusal"
    refused.loc[gone, "code"] = np.nan
    return truth, full, refused


@pytest.fixture(scope="module")
def religious():
    return _religious_refusals()


def test_classic_bounds_contain_the_complete_data_and_mar_misses_it(religious):
    _, full, refused = religious
    complete = fit_map(full, "hall2025", method="classic")
    fit = fit_map(refused, "hall2025", method="classic")
    bounds = fit.refusal_bounds(level=0.9)
    t = bounds.table
    # the complete data's mean over all sets is one of the cases the bounds allow
    truth = complete.centroids[["x", "y"]]
    for axis in ("x", "y"):
        assert (t[f"{axis}_lower"] <= truth[axis] + 1e-12).all()
        assert (truth[axis] <= t[f"{axis}_upper"] + 1e-12).all()
    # the religious identity refused most of its F063 replies; MAR reads the rest as its
    # answers and moves it towards secular: its y interval misses the complete-data y
    assert t.loc["id00", "y_lo"] > truth.loc["id00", "y"]
    assert t.loc["id00", "y_band_lo"] < truth.loc["id00", "y"]
    assert t.loc["id02", "unanswered"] < t.loc["id00", "unanswered"]
    # only F063 is refused: the bounds are 9 points × the refused share × its coefficients
    share = bounds.unanswered.loc["id00", "f063"]
    for axis in ("x", "y"):
        width = t.loc["id00", f"{axis}_upper"] - t.loc["id00", f"{axis}_lower"]
        assert width == pytest.approx(9 * share * abs(PRESET.coef.loc["f063", axis]))


def test_classic_bounds_collapse_without_refusals_and_points_zero_is_mar(religious):
    _, full, refused = religious
    fit = fit_map(full, "hall2025", method="classic")
    b = fit.refusal_bounds(points=0)
    xy = fit.centroids[["x", "y"]].to_numpy()
    for quantity in ("mar", "lower", "upper", "delta"):
        assert np.allclose(b.estimates[quantity], xy)
    assert np.allclose(b.draws["lower"], b.draws["upper"])
    assert (b.table["unanswered"] == 0).all()
    shifted = fit_map(refused, "hall2025", method="classic").refusal_bounds(points=0)
    assert np.allclose(shifted.draws["delta"], shifted.draws["mar"])


def test_classic_mar_is_the_mean_of_available_answers_per_variant(religious):
    _, _, refused = religious
    fit = fit_map(refused, "hall2025", method="classic")
    b = fit.refusal_bounds()
    # every variant has the same number of sets: where each variant answered each item, the
    # MAR position is the map of the per-variant available-answer means averaged over variants
    answered = refused[refused["status"] == "ok"].groupby(["identity", "item"])["variant"]
    whole = answered.nunique().unstack().eq(8).all(axis=1)
    assert whole.sum() == 2  # id00 refused F063 under some variant every time
    want = PRESET.project_array(mean_answers(refused, "variants").to_numpy())
    i = [fit.identities.index(n) for n in whole.index[whole]]
    assert np.allclose(
        b.estimates["mar"][i], want[[list(whole.index).index(fit.identities[k]) for k in i]]
    )
    for quantity in ("lower", "upper"):
        assert np.isfinite(b.draws[quantity]).all()
    # on every bootstrap resample the bounds contain that resample's MAR position
    assert (b.draws["lower"] <= b.draws["mar"] + 1e-12).all()
    assert (b.draws["mar"] <= b.draws["upper"] + 1e-12).all()


def test_points_shift_unanswered_replies_only_and_delta_needs_the_latent_scale(religious):
    _, _, refused = religious
    fit = fit_map(refused, "hall2025", method="classic")
    up = fit.refusal_bounds(points={"f063": 9})  # refusers answer at the top of the scale
    t = up.table
    # only F063 is refused and both its coefficients are negative: at +9 points every
    # refusal becomes a 10, which is the worst case that lowers both coordinates
    assert (PRESET.coef.loc["f063"] < 0).all()
    for axis in ("x", "y"):
        assert t[f"{axis}_delta"].to_numpy() == pytest.approx(t[f"{axis}_lower"].to_numpy())
    assert (t["y_delta"] <= t["y"]).all()
    assert "+9 raw answer points" in str(up.summary())
    with pytest.raises(ValueError, match="hierarchical"):
        fit.refusal_bounds(delta=0.5)
    with pytest.raises(ValueError, match="not both"):
        fit.refusal_bounds(points=1, delta=1)


def test_regions_are_the_zonotope_inside_the_bounding_box(religious):
    _, _, refused = religious
    b = fit_map(refused, "hall2025", method="classic").refusal_bounds()
    for i, name in enumerate(b.identities):
        poly = b.regions()[name]
        assert np.allclose(poly.min(0), b.estimates["lower"][i])
        assert np.allclose(poly.max(0), b.estimates["upper"][i])
        # convex and counter-clockwise: every turn is to the left
        edges = np.diff(np.vstack([poly, poly[:1]]), axis=0)
        turn = edges[:, 0] * np.roll(edges[:, 1], -1) - edges[:, 1] * np.roll(edges[:, 0], -1)
        assert (turn >= -1e-12).all()


def test_tidy_frame_summary_and_plot(religious, tmp_path):
    _, _, refused = religious
    fit = fit_map(refused, "hall2025", method="classic")
    b = fit.refusal_bounds(level=0.8, points=1)
    frame = b.to_frame()
    assert list(frame.columns) == ["identity", "axis", "quantity", "estimate", "lo", "hi", "level"]
    assert set(frame["quantity"]) == {"mar", "lower", "upper", "delta"}
    assert (frame["level"] == 0.8).all()
    row = frame[(frame.identity == "id00") & (frame.axis == "y") & (frame.quantity == "lower")]
    assert row["estimate"].item() == pytest.approx(b.table.loc["id00", "y_lower"])
    s = b.summary()
    assert s.info["estimand"] == "asked"
    assert "10% quantile of the lower bound" in str(s)
    fig, ax = fit.plot("bounds", points=1)
    assert len(ax.patches) >= 2 * len(fit.identities)  # a region and a band each
    plt.close(fig)
    fig, ax = b.plot(identities=["id00"])
    band = [p for p in ax.patches if isinstance(p, matplotlib.patches.Rectangle)]
    assert band[0].get_x() == pytest.approx(b.table.loc["id00", "x_band_lo"])
    plt.close(fig)


def test_an_identity_with_a_wholly_refused_variant_is_bounded_too():
    rng = np.random.default_rng(4)
    df = simulate_responses(draw_truth(2, 3, rng), 2, rng)
    gone = (df["identity"] == "id01") & (df["variant"] == "v01") & (df["item"] == "a008")
    df.loc[gone, ["status", "code"]] = ["refusal", np.nan]
    b = fit_map(df, "hall2025", method="classic").refusal_bounds()
    assert b.unanswered.loc["id01", "a008"] == pytest.approx(1 / 3)
    assert b.unanswered.loc["id00"].eq(0).all()
    assert np.isfinite(pd.DataFrame(b.table)).all().all()
