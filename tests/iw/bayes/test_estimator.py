"""Hierarchical map fits: the result surface, contrasts, edge cases and the classic method."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from llmvalues.fit import fit_map
from llmvalues.iw.bayes.estimator import (
    HierarchicalMap,
    HierarchicalMapFit,
    default_cores,
    fit_hierarchical,
)
from llmvalues.iw.bayes.simulate import draw_truth, simulate_responses
from llmvalues.iw.classic import fit_classic
from llmvalues.iw.presets import ITEMS, load_preset
from llmvalues.plots.style import save_figure
from llmvalues.responses import validate_responses

FAST = {"draws": 300, "tune": 300, "chains": 2, "random_seed": 11, "warn": False}
ATTRS = {
    "id00": ("m", "2024-05", ""),
    "id01": ("m", "2024-11", "Sweden"),
    "id02": ("m", "2025-02", "Japan"),
}


@pytest.fixture(scope="module")
def simulated():
    rng = np.random.default_rng(5)
    truth = draw_truth(3, 4, rng, variant_scale=0.5, interaction_scale=0.2)
    df = simulate_responses(truth, 3, rng, refusal_rate=0.05)
    df["model"] = df["identity"].map(lambda i: ATTRS[i][0])
    df["collected_at"] = df["identity"].map(lambda i: ATTRS[i][1])
    df["country"] = df["identity"].map(lambda i: ATTRS[i][2])
    return truth, df


@pytest.fixture(scope="module")
def fit(simulated):
    return fit_hierarchical(simulated[1], "hall2025", **FAST)


def test_centroids_have_nested_intervals_counts_and_refusal_rates(fit, simulated):
    c = fit.centroids
    assert list(c.index) == ["id00", "id01", "id02"]
    for axis in ("x", "y"):
        assert (c[f"{axis}_lo95"] <= c[f"{axis}_lo90"]).all()
        assert (c[f"{axis}_lo90"] <= c[f"{axis}_lo50"]).all()
        assert (c[f"{axis}_lo50"] <= c[axis]).all() and (c[axis] <= c[f"{axis}_hi50"]).all()
        assert (c[f"{axis}_hi50"] <= c[f"{axis}_hi90"]).all()
        assert (c[f"{axis}_hi90"] <= c[f"{axis}_hi95"]).all()
    df = simulated[1]
    refused = df.assign(r=df["status"].eq("refusal")).groupby("identity")["r"].mean()
    assert c["refusal_rate"].to_numpy() == pytest.approx(refused.loc[c.index].to_numpy())
    assert (c["n_answers"] == df[df["status"] == "ok"].groupby("identity").size()).all()
    assert (c["n_sets"] == 4).all()


def test_positions_are_the_preset_map_of_the_expected_answers(fit):
    expected = fit.idata.posterior["expected_answer"].to_numpy()
    xy = load_preset("hall2025").project_array(expected)
    assert np.allclose(xy, fit.idata.posterior["position"].to_numpy())
    mean = expected.reshape(-1, 3, 10).mean(0)
    for j, item in enumerate(ITEMS):
        codes = fit.data.codes[j]
        assert ((mean[:, j] >= min(codes)) & (mean[:, j] <= max(codes))).all(), item


def test_tables_and_diagnostics(fit):
    frame = fit.to_frame()
    assert {"identity", "x", "y", "x_lo90", "model", "collected_at"} <= set(frame.columns)
    summary = fit.summary()
    assert {"nearest_country", "p_nearest", "converged", "refusal_rate"} <= set(summary.columns)
    d = fit.diagnostics
    assert {"location", "cut_gap", "position"} <= set(d.table.index)
    assert d.table.loc["position", "r_hat_max"] < 1.05
    assert isinstance(d.problems(), list)
    assert "divergences" in str(d)
    assert fit.refusal_rate(by_item=True).shape == (3, 10)
    assert "HierarchicalMapFit(3 identities" in repr(fit)
    assert "location" in fit.idata.posterior and "position" in fit.idata.posterior


def test_distances_nearest_and_mean_distance_carry_intervals(fit):
    d = fit.distances()
    n_countries = len(fit.preset.countries)
    assert len(d) == 3 * n_countries
    assert (d["lo"] <= d["distance"]).all() and (d["distance"] <= d["hi"]).all()
    assert d.groupby("identity")["p_nearest"].sum().to_numpy() == pytest.approx(1.0)
    near = fit.nearest(3)
    assert (near.groupby("identity").size() == 3).all()
    md = fit.mean_distance()
    assert (md["lo"] <= md["mean_distance"]).all() and (md["mean_distance"] <= md["hi"]).all()


def test_contrast_between_identities_by_name_and_attributes(fit):
    by_name = fit.contrast("id00", "id01")
    by_attr = fit.contrast({"collected_at": "2024-05"}, {"model": "m", "collected_at": "2024-11"})
    pd.testing.assert_frame_equal(by_name, by_attr)
    draws = fit.position_draws
    assert by_name.loc["x", "difference"] == pytest.approx((draws[:, 1, 0] - draws[:, 0, 0]).mean())
    assert by_name.loc["distance", "p_positive"] == 1.0
    assert 0 <= by_name.loc["y", "p_shift"] <= 1
    with pytest.raises(KeyError, match="matches 3 identities"):
        fit.contrast({"model": "m"}, "id01")
    with pytest.raises(ValueError, match="two different identities"):
        fit.contrast("id00", "id00")


def test_prompt_sensitivity_variant_effects_and_points(fit):
    s = fit.prompt_sensitivity()
    assert list(s.index) == [*ITEMS, "overall"]
    assert ((s["lo"] >= 0) & (s["hi"] <= 1) & (s["lo"] <= s["share"])).all()
    v = fit.variant_effects()
    assert len(v) == 4 * 10
    points = fit.points
    assert len(points) == 3 * 4
    # the identity's variant points scatter around its position at the average variant
    centre = points.groupby("identity")[["x", "y"]].mean()
    assert np.abs(centre - fit.centroids[["x", "y"]]).to_numpy().max() < 1.5


def test_posterior_predictive_check_covers_the_observed_shares(fit):
    ppc = fit.ppc(level=0.9)
    assert set(ppc.columns) >= {"identity", "item", "code", "observed", "predicted", "lo", "hi"}
    assert ppc.groupby(["identity", "item"])["observed"].sum().to_numpy() == pytest.approx(1.0)
    assert ppc["inside"].mean() > 0.85
    pooled = fit.ppc(pooled=True)
    assert set(pooled["identity"]) == {"all"}


def test_cultural_prompting_metrics_with_intervals(fit):
    result = fit.cultural_prompting()
    table = result["m"]
    assert list(table.index) == [
        "mean_distance_baseline",
        "mean_distance_prompted",
        "share_improved",
    ]
    assert (table["lo"] <= table["mean"]).all() and (table["mean"] <= table["hi"]).all()
    assert 0 <= table.attrs["p_better"] <= 1


@pytest.mark.parametrize("kind", ["map", "forest", "variants", "ppc", "trajectory"])
def test_every_plot_renders_and_saves_vector_and_png(fit, kind, tmp_path):
    kwargs = {"model": "m", "countries": ["Sweden", "Japan"]} if kind == "trajectory" else {}
    fig, _ = fit.plot(kind, **kwargs)
    written = save_figure(fig, tmp_path / kind)
    plt.close(fig)
    assert sorted(p.suffix for p in written) == [".pdf", ".png", ".svg"]
    assert all(p.stat().st_size > 1000 for p in written)
    with pytest.raises(ValueError, match="unknown plot kind"):
        fit.plot("pie")


def _one_set_per_identity(n_identities: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    truth = draw_truth(n_identities, 1, rng)
    return simulate_responses(truth, 1, rng)


def test_one_variant_one_replicate_agrees_with_the_classic_method():
    df = validate_responses(_one_set_per_identity(4, seed=21))
    preset = load_preset("hall2025")
    classic = fit_classic(df, preset).centroids
    # through the public entry point, as users call it
    hier = fit_map(df, preset, method="hierarchical", **FAST)
    assert isinstance(hier, HierarchicalMapFit)
    assert fit_map(df, preset, method="classic").centroids[["x", "y"]].equals(classic[["x", "y"]])
    assert not hier.structure["variant_effects"] and not hier.structure["interaction"]
    c = hier.centroids.loc[classic.index]
    for axis in ("x", "y"):
        inside = (c[f"{axis}_lo95"] <= classic[axis]) & (classic[axis] <= c[f"{axis}_hi95"])
        assert inside.all(), (axis, c[[axis, f"{axis}_lo95", f"{axis}_hi95"]], classic[axis])
    with pytest.raises(ValueError, match="at least two prompt variants"):
        hier.prompt_sensitivity()


def test_single_identity_fits_and_contrast_needs_two():
    rng = np.random.default_rng(8)
    df = simulate_responses(draw_truth(1, 3, rng), 4, rng)
    fit = HierarchicalMap(**FAST).fit(df).result_
    assert fit.structure["variant_effects"] and not fit.structure["interaction"]
    assert list(fit.centroids.index) == ["id00"]
    with pytest.raises(ValueError, match="at least two identities"):
        fit.contrast("id00", "id00")


def test_all_answers_identical_warn_and_pull_towards_that_answer():
    rows = [
        {"identity": i, "variant": "v", "replicate": r, "item": item, "code": max(codes)}
        for i in ("a", "b")
        for r in range(5)
        for item, codes in zip(ITEMS, _codes(), strict=True)
    ]
    with pytest.warns(UserWarning, match="same category"):
        fit = fit_hierarchical(pd.DataFrame(rows), **FAST)
    expected = fit.idata.posterior["expected_answer"].mean(("chain", "draw")).to_numpy()
    middle = np.array([np.mean(c) for c in _codes()])
    top = np.array([max(c) for c in _codes()])
    # documented: strictly between the middle of the scale and the constant answer, nearer it
    assert ((expected > middle + 0.5 * (top - middle)) & (expected < top)).all()


def test_bad_options_are_named():
    df = _one_set_per_identity(2, seed=3)
    with pytest.raises(ValueError, match="position must be one of"):
        fit_hierarchical(df, position="median")
    with pytest.raises(ValueError, match="draws must be an integer"):
        fit_hierarchical(df, draws=10)
    with pytest.raises(ValueError, match="unknown prior"):
        fit_hierarchical(df, priors={"slope": 1.0})
    with pytest.raises(ValueError, match="link must be one of"):
        fit_hierarchical(df, link="cloglog")


def test_chains_run_on_every_available_cpu(monkeypatch):
    """PyMC's own default would count half the CPUs and run a 2-CPU machine's chains in turn."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert default_cores(4) == 2
    assert default_cores(1) == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(16)), raising=False)
    assert default_cores(4) == 4


def _codes():
    from llmvalues.instruments import load_instrument

    return [load_instrument()[i].codes for i in ITEMS]
