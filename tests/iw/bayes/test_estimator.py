"""Hierarchical map fits: the result surface, contrasts, edge cases, the estimator contract."""

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
from llmvalues.iw.bayes.model import free_parameters
from llmvalues.iw.bayes.simulate import draw_truth, simulate_responses
from llmvalues.iw.classic import fit_classic
from llmvalues.iw.estimands import ASKED_AT_TEMPERATURE_0, ESTIMANDS
from llmvalues.iw.presets import ITEMS, load_preset
from llmvalues.plots.style import save_figure
from tests.iw.simulated_fits import FAST


@pytest.fixture(scope="module")
def fit(hierarchical_fit):
    return hierarchical_fit


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
    # every one of the 4 variants × 3 replicates has an answer; sets with a refusal are
    # incomplete but used
    assert (c["n_sets"] == 12).all()
    refused = df[df["status"] == "refusal"].drop_duplicates(["identity", "variant", "replicate"])
    assert c["n_incomplete"].to_dict() == refused.groupby("identity").size().to_dict()


def test_positions_are_the_preset_map_of_the_expected_answers(fit):
    expected = fit.idata.posterior["expected_answer"].to_numpy()
    xy = load_preset("hall2025").project_array(expected)
    assert np.allclose(xy, fit.idata.posterior["position"].to_numpy())
    mean = expected.reshape(-1, 3, 10).mean(0)
    for j, item in enumerate(ITEMS):
        codes = fit.data.codes[j]
        assert ((mean[:, j] >= min(codes)) & (mean[:, j] <= max(codes))).all(), item


def test_tables_and_diagnostics(fit, simulated):
    frame = fit.to_frame()
    assert frame["identity"].tolist() == ["id00", "id01", "id02"]
    assert frame["collected_at"].tolist() == ["2024-05", "2024-11", "2025-02"]
    assert frame["x_lo90"].to_numpy() == pytest.approx(fit.centroids["x_lo90"].to_numpy())
    summary = fit.summary()
    assert summary.info["converged"] == fit.diagnostics.ok
    # every failed check is a note of the summary, with its remedy
    assert all(p in summary.notes for p in fit.diagnostics.problems())
    d = fit.diagnostics
    # every free parameter is checked, and the map positions
    assert set(free_parameters(fit.structure)) | {"position"} == set(d.table.index)
    assert {"location_mu", "location_tau", "cut_spread", "cut_shape"} <= set(d.table.index)
    assert d.table.loc["position", "r_hat_max"] < 1.05
    location = "location_std" if fit.structure["centred_location"] else "location_z"
    assert d.table.loc[location, "size"] == 3 * 10
    assert d.divergences == int(fit.idata.sample_stats["diverging"].sum())
    assert f"divergences {d.divergences}/600" in str(d)
    df = simulated[1]
    by_item = fit.refusal_rate(by_item=True)
    refused = df.assign(r=df["status"].eq("refusal")).pivot_table(
        index="identity", columns="item", values="r", aggfunc="mean"
    )
    assert by_item.to_numpy() == pytest.approx(
        refused.loc[by_item.index, by_item.columns].to_numpy()
    )
    assert "HierarchicalMapFit(3 identities, 4 variants" in repr(fit)
    assert "estimand 'asked'" in repr(fit)
    assert fit.idata.posterior["position"].shape == (2, 300, 3, 2)
    assert fit.idata.posterior["variant_position"].shape == (2, 300, 12, 2)


def test_distances_nearest_and_mean_distance_carry_intervals(fit):
    d = fit.distances()
    n_countries = len(fit.preset.countries)
    assert len(d) == 3 * n_countries
    assert (d["lo"] <= d["distance"]).all() and (d["distance"] <= d["hi"]).all()
    assert d.groupby("identity")["p_nearest"].sum().to_numpy() == pytest.approx(1.0)
    # the distance is the posterior mean of the distance draws
    sweden = fit.preset.countries.set_index("country").loc["Sweden", ["x", "y"]].to_numpy(float)
    draws = np.hypot(*(fit.position_draws[:, 1] - sweden).T)
    row = d[(d["identity"] == "id01") & (d["country"] == "Sweden")].iloc[0]
    assert row["distance"] == pytest.approx(draws.mean())
    assert (row["lo"], row["hi"]) == pytest.approx(tuple(np.quantile(draws, [0.05, 0.95])))
    near = fit.nearest(3)
    assert (near.groupby("identity").size() == 3).all()
    assert (near.groupby("identity")["distance"].diff().dropna() >= 0).all()
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
    assert (points["n_sets"] == 3).all()
    # estimand "asked": the position is the mean of the identity's variant points, exactly
    centre = points.groupby("identity")[["x", "y"]].mean()
    assert centre.to_numpy() == pytest.approx(fit.centroids[["x", "y"]].to_numpy(), abs=1e-9)


def test_posterior_predictive_check_covers_the_observed_shares(fit):
    ppc = fit.ppc(level=0.9)
    assert set(ppc.columns) >= {"identity", "item", "code", "observed", "predicted", "lo", "hi"}
    assert ppc.groupby(["identity", "item"])["observed"].sum().to_numpy() == pytest.approx(1.0)
    assert ppc["inside"].mean() > 0.85
    pooled = fit.ppc(pooled=True)
    assert set(pooled["identity"]) == {"all"}


def test_cultural_prompting_metrics_with_intervals(fit):
    result = fit.cultural_prompting()
    table = result.table("m")
    assert list(table.index) == [
        "mean_distance_baseline",
        "mean_distance_prompted",
        "share_improved",
        "p_better",
        "wilcoxon_statistic",
        "wilcoxon_pvalue",
    ]
    bounded = table.iloc[:3]
    assert (bounded["lo"] <= bounded["estimate"]).all()
    assert (bounded["estimate"] <= bounded["hi"]).all()
    # the per-draw metric: Sweden and Japan distances of the prompted vs the baseline draws
    targets = fit.preset.countries.set_index("country").loc[["Sweden", "Japan"], ["x", "y"]]
    t = targets.to_numpy(dtype=float)
    xy = fit.position_draws
    prompted = np.hypot(*np.moveaxis(xy[:, [1, 2]] - t, -1, 0)).mean(1)
    baseline = np.hypot(*np.moveaxis(xy[:, [0]] - t, -1, 0)).mean(1)
    assert table.loc["mean_distance_prompted", "estimate"] == pytest.approx(prompted.mean())
    assert table.loc["p_better", "estimate"] == pytest.approx((prompted < baseline).mean())
    per = result.per_country.set_index("country")
    assert per.loc["Sweden", "prompted"] == "id01" and per.loc["Japan", "baseline"] == "id00"
    assert result.summary().info["estimand"] == "asked"


@pytest.mark.parametrize("kind", ["map", "forest", "variants", "ppc", "trajectory", "bounds"])
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
    return simulate_responses(draw_truth(n_identities, 1, rng), 1, rng)


def test_one_variant_one_replicate_is_the_classic_position_pooled_across_identities():
    rng = np.random.default_rng(21)
    truth = draw_truth(4, 1, rng)
    df = simulate_responses(truth, 1, rng)
    preset = load_preset("hall2025")
    classic = fit_classic(df, preset).centroids
    # through the public entry point, as users call it; with one variant "new" is "typical"
    hier = fit_map(df, preset, method="hierarchical", estimand="new", **FAST)
    assert isinstance(hier, HierarchicalMapFit)
    assert hier.estimand == "new"
    assert f"{ESTIMANDS['new']}." in hier.summary().notes[0]
    assert fit_map(df, preset, method="classic").centroids[["x", "y"]].equals(classic[["x", "y"]])
    assert not hier.structure["variant_effects"] and not hier.structure["interaction"]
    c = hier.centroids.loc[classic.index]
    true = truth.positions(preset, "new").loc[classic.index]
    centre = classic[["x", "y"]].mean()
    for axis in ("x", "y"):
        # one answer per item: the locations are pooled per item, so each position is the
        # classic one drawn towards the identities' common centre, in the same order ...
        toward = (c[axis] - centre[axis]).abs() <= (classic[axis] - centre[axis]).abs()
        assert toward.all(), (axis, c[axis], classic[axis])
        assert np.corrcoef(c[axis], classic[axis])[0, 1] > 0.8
        # ... and its interval holds the truth
        inside = (c[f"{axis}_lo95"] <= true[axis]) & (true[axis] <= c[f"{axis}_hi95"])
        assert inside.all(), (axis, c[[axis, f"{axis}_lo95", f"{axis}_hi95"]], true[axis])
    with pytest.raises(ValueError, match="at least two prompt variants"):
        hier.prompt_sensitivity()


def test_single_identity_fits_and_contrast_needs_two():
    rng = np.random.default_rng(8)
    df = simulate_responses(draw_truth(1, 3, rng), 4, rng)
    fit = HierarchicalMap(estimand="typical", **FAST).fit(df).result_
    assert fit.structure["variant_effects"] and not fit.structure["interaction"]
    assert list(fit.centroids.index) == ["id00"]
    # "typical": the position is the map of the expected answers at variant effect 0
    assert fit.estimand == "typical" and fit.settings["estimand"] == "typical"
    assert fit.summary().notes[0].startswith('Estimand "typical"')
    with pytest.raises(ValueError, match="at least two identities"):
        fit.contrast("id00", "id00")


def test_all_answers_identical_are_the_answer_for_the_prompts_asked():
    rows = [
        {"identity": i, "variant": "v", "replicate": r, "item": item, "code": max(codes)}
        for i in ("a", "b")
        for r in range(5)
        for item, codes in zip(ITEMS, _codes(), strict=True)
    ]
    # no temperature recorded and every replicate alike: deterministic, and said so
    with (
        pytest.warns(UserWarning, match="same category"),
        pytest.warns(UserWarning, match="no temperature is recorded"),
    ):
        fit = fit_hierarchical(pd.DataFrame(rows), **FAST)
    expected = fit.idata.posterior["expected_answer"].to_numpy()
    top = np.array([max(c) for c in _codes()])
    assert (expected == top).all()  # "asked": the answers given, on every draw
    assert fit.data.n_answers == 2 * 10  # five copies of one deterministic answer each


@pytest.mark.parametrize(
    ("option", "error", "message"),
    [
        ({"estimand": "median"}, ValueError, "estimand must be one of"),
        ({"position": "conditional"}, TypeError, "position"),
        ({"draws": 10}, ValueError, "draws must be an integer"),
        ({"priors": {"slope": 1.0}}, ValueError, "unknown prior"),
        ({"link": "cloglog"}, ValueError, "link must be one of"),
        ({"answers": "logits"}, ValueError, "answers must be one of"),
        ({"answers": "both"}, ValueError, "count it twice"),
        ({"replicates": "sometimes"}, ValueError, "replicates must be one of"),
        ({"parametrization": "wiggly"}, ValueError, "parametrization must be one of"),
        ({"target_accept": 1.5}, ValueError, "target_accept must be in"),
    ],
)
def test_bad_options_are_named(option, error, message):
    with pytest.raises(error, match=message):
        fit_hierarchical(_one_set_per_identity(2, seed=3), **option)


def test_estimator_keeps_scikit_learns_contract():
    from sklearn.base import clone

    est = HierarchicalMap(link="probit", draws=60)
    params = est.get_params()
    assert list(params) == [
        "preset",
        "link",
        "priors",
        "answers",
        "replicates",
        "interaction",
        "parametrization",
        "estimand",
        "sampler",
        "float32",
        "draws",
        "tune",
        "chains",
        "cores",
        "target_accept",
        "random_seed",
        "progressbar",
        "warn",
    ]
    assert params["link"] == "probit" and params["draws"] == 60
    assert params["estimand"] == "asked" and params["preset"] == "hall2025"
    # nothing is checked or computed in __init__: a bad setting fails at fit
    bad = HierarchicalMap(link="cloglog", priors={"slope": 1.0})
    assert not [k for k in vars(bad) if k.endswith("_")]
    with pytest.raises(ValueError, match="link must be one of"):
        bad.fit(_one_set_per_identity(2, seed=3))
    assert est.set_params(tune=70, estimand="new", sampler="nutpie") is est
    assert (est.tune, est.estimand, est.sampler) == (70, "new", "nutpie")
    with pytest.raises(ValueError, match=r"invalid parameter\(s\) \['position'\]"):
        est.set_params(position="marginal")
    twin = clone(est)
    assert twin is not est and twin.get_params() == est.get_params()
    assert repr(twin) == (
        "HierarchicalMap(link='probit', estimand='new', sampler='nutpie', draws=60, tune=70)"
    )


@pytest.mark.filterwarnings("ignore:All-NaN slice")  # one chain: no R-hat
def test_fit_returns_self_with_fitted_attributes_ending_in_underscore():
    df = _one_set_per_identity(2, seed=3)
    est = HierarchicalMap(draws=60, tune=60, chains=1, random_seed=1, warn=False)
    assert est.fit(df) is est
    fitted = sorted(k for k in vars(est) if k.endswith("_"))
    assert fitted == ["centroids_", "diagnostics_", "idata_", "result_"]
    assert est.centroids_ is est.result_.centroids
    assert est.idata_ is est.result_.idata
    assert est.result_.settings["draws"] == 60 and est.result_.settings["chains"] == 1
    assert est.idata_.posterior.sizes["draw"] == 60


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


def tao_shaped(copies: int = 1) -> pd.DataFrame:
    """One model, 10 respondent descriptors, one answer each at temperature 0 (the shape of
    Tao et al. 2024): nine items never change, F118 changes under 3 of 10 descriptors."""
    answers = dict(zip(ITEMS, [3, 1, 8, 2, 2, 3, 2, 9, 1, 2], strict=True))
    rows = [
        {
            "identity": "gpt",
            "variant": f"d{v}",
            "replicate": r,
            "item": item,
            "code": 7 if item == "f118" and v < 3 else code,
            "temperature": 0.0,
        }
        for v in range(10)
        for r in range(copies)
        for item, code in answers.items()
    ]
    return pd.DataFrame(rows)


TAO = FAST


@pytest.fixture(scope="module")
def tao_fits():
    df = tao_shaped()
    classic = fit_classic(df).centroids
    with pytest.warns(UserWarning) as caught:
        new = fit_hierarchical(df, estimand="new", **TAO)
    asked = fit_hierarchical(df, **TAO)
    return df, classic, asked, new, [str(w.message) for w in caught]


def test_asked_at_temperature_0_is_taos_computation_with_zero_width(tao_fits):
    _, classic, asked, _, _ = tao_fits
    c = asked.centroids
    assert c[["x", "y"]].to_numpy() == pytest.approx(classic[["x", "y"]].to_numpy(), abs=1e-12)
    assert (c[["sd_x", "sd_y"]] < 1e-12).all().all()  # 0 up to the rounding of a mean
    assert (c["x_lo90"] == c["x_hi90"]).all()
    notes = asked.summary().notes
    assert ASKED_AT_TEMPERATURE_0 in " ".join(notes)
    assert any(
        "every prompt asked was answered, so the interval has zero width" in n for n in notes
    )
    # an exactly known position is not a convergence failure
    assert asked.diagnostics.table.loc["position", "n_constant"] == 2
    assert not any("could not be computed" in p for p in asked.diagnostics.problems())
    assert (asked.pull()["pull"].abs() < 1e-12).all()


def test_new_prompts_on_deterministic_data_stay_near_the_answers_or_say_why(tao_fits):
    df, classic, _, new, caught = tao_fits
    c = new.centroids.loc["gpt"]
    z = abs(c["x"] - classic.loc["gpt", "x"]) / c["sd_x"]
    caveats = new.pull_caveats()
    if z > 0.5:
        assert caveats and "rule of succession" in caveats[0] and "a165" in caveats[0]
        assert any("rule of succession" in m for m in caught)  # the fit warned
        assert caveats[0] in new.summary().notes
    else:
        assert not caveats
    # the pull is small against the data: interior items that never varied stay on their
    # answer (before: F063 3 → 3.38, F120 8 → 7.62; x 2.70 → 2.35, 1.5 SD)
    pull = new.pull().set_index("item")
    assert pull.loc[["f063", "f120", "g006", "a008"], "pull"].abs().max() < 0.1
    assert abs(c["x"] - classic.loc["gpt", "x"]) < 0.15
    # end categories keep about Laplace's share for the unseen answers: 1/(n + 2) of a step
    assert 0.02 < -pull.loc["a165", "pull"] < 1 / 12 + 0.04
    coef = new.preset.coef.loc[list(pull.index), "x"]
    assert pull["pull_x"].to_numpy() == pytest.approx((pull["pull"] * coef).to_numpy())
    observed = df.groupby("item")["code"].mean().loc[list(pull.index)]
    assert pull["observed"].to_numpy() == pytest.approx(observed.to_numpy())


def test_five_copies_of_temperature_0_answers_are_one_copy(tao_fits):
    _, _, _, new, _ = tao_fits
    with pytest.warns(UserWarning, match=r"count once, 500 answered replies as 100 effective"):
        five = fit_hierarchical(tao_shaped(copies=5), estimand="new", **TAO)
    one, many = new.position_draws, five.position_draws
    assert many.std(0) == pytest.approx(one.std(0), rel=0.1)  # not 0.19 → 0.04 as before
    assert np.abs(many.mean(0) - one.mean(0)).max() < 0.1 * one.std(0).min()
    assert "count as 100 effective answers" in " ".join(five.summary().notes)
    assert five.summary().info["effective answers"] == 100


def test_prompt_sensitivity_says_where_the_data_say_nothing(tao_fits):
    *_, new, _ = tao_fits
    with pytest.warns(UserWarning, match=r"prompt sensitivity of \['f118'.*prior-driven"):
        s = new.prompt_sensitivity()
    constant = [i for i in ITEMS if i != "f118"]
    assert (s.loc[constant, "flag"] == "no variation observed").all()
    assert s.loc[constant, ["share", "lo", "hi"]].isna().all().all()
    assert s.loc["f118", "flag"] == "prior-driven" and s.loc["f118", "prior_driven"]
    assert s.loc["f118", "contraction"] < 0.5
    assert np.isfinite(s.loc["f118", "share"])
    # the figure shows the flags, not a share the data never gave
    with pytest.warns(UserWarning, match="prior-driven"):
        fig, axes = new.plot("variants")
    titles = [" ".join(ax.get_title().split()) for ax in axes.ravel()]  # titles may wrap
    titles = {t.split()[0]: t for t in titles}
    plt.close(fig)
    assert titles["F063"] == "F063 no variation observed"
    assert titles["F118"].endswith("prior-driven") and "nan" not in titles["F118"]


def test_centred_effects_and_nan_diagnostics_are_reported():
    rng = np.random.default_rng(8)
    df = simulate_responses(draw_truth(2, 3, rng), 4, rng)
    with pytest.warns(RuntimeWarning, match="could not be computed"):
        fit = fit_hierarchical(df, parametrization="centred", **{**FAST, "chains": 1, "warn": True})
    d = fit.diagnostics
    assert {"variant_std", "interaction_std", "location_std"} <= set(d.table.index)
    assert (d.table["n_nan"] == d.table["size"]).all()  # one chain: no R-hat anywhere
    assert not d.to_frame()["r_hat_ok"].any()


def test_typical_at_temperature_0_warns_that_its_intervals_are_not_calibrated(tao_fits):
    df, _, asked, new, _ = tao_fits
    assert not asked.calibration_caveats() and not new.calibration_caveats()
    with pytest.warns(UserWarning, match="'typical' on data like these is not calibrated"):
        typical = fit_hierarchical(df, estimand="typical", **TAO)
    caveat = typical.calibration_caveats()
    assert len(caveat) == 1 and caveat[0] in typical.summary().notes
    assert "temperature 0" in caveat[0] and "estimand 'asked' is exact here" in caveat[0]
    # sampled answers (temperature recorded above 0): no caveat
    sampled = fit_hierarchical(df.assign(temperature=0.7), estimand="typical", **TAO)
    assert not sampled.calibration_caveats()


def test_frequent_refusals_say_where_the_intervals_were_measured_to_undercover():
    rng = np.random.default_rng(8)
    df = simulate_responses(draw_truth(2, 3, rng), 4, rng)
    f063 = df.index[df["item"] == "f063"][::4]  # a quarter of F063 refused
    df.loc[f063, ["status", "code"]] = ["refusal", np.nan]
    with pytest.warns(UserWarning, match="refusals rising with the answer") as caught:
        fit = fit_hierarchical(df, **FAST)
    caveat = fit.calibration_caveats()
    assert len(caveat) == 1 and caveat[0] in fit.summary().notes
    assert "covered the truth in 84.7%" in caveat[0] and caveat[0] in [
        str(w.message) for w in caught
    ]
    typical = HierarchicalMap(estimand="typical", **FAST)
    typical.set_params(warn=False)
    assert not typical.fit(df).result_.calibration_caveats()  # 87% for "typical"


def test_probit_says_its_measured_coverage_on_the_models_own_data_is_below_target():
    df = _one_set_per_identity(2, seed=3)
    with pytest.warns(UserWarning, match=r"model itself, probit link, .* in 84\.0%"):
        probit = fit_hierarchical(df, link="probit", **FAST)
    assert "a suspicion, not a finding" in probit.calibration_caveats()[0]
    assert not fit_hierarchical(df, **FAST).calibration_caveats()  # logit: 86.7%
