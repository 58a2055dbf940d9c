"""Statistical checks of the hierarchical map model: recovery and calibration (slow), and a
quick run of the calibration study for every estimand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from llmvalues.iw.bayes.calibration import (
    DESIGNS,
    CalibrationResult,
    Design,
    calibration_study,
    simulate_design,
)
from llmvalues.iw.bayes.estimator import fit_hierarchical
from llmvalues.iw.bayes.model import category_probs
from llmvalues.iw.bayes.simulate import draw_truth, simulate_responses
from llmvalues.iw.estimands import ESTIMANDS
from llmvalues.iw.intervals import LEVELS
from llmvalues.iw.presets import ITEMS, load_preset


@pytest.mark.filterwarnings("ignore:All-NaN slice", "ignore:every answer to item")
def test_the_study_checks_each_estimand_against_its_own_truth():
    design = Design(n_identities=2, n_variants=2, n_replicates=1, draws=60, tune=60, chains=1)
    result = calibration_study(n_datasets=1, design=design, seed=4)
    records = result.to_frame()
    assert list(dict.fromkeys(records["estimand"])) == list(ESTIMANDS)
    assert len(records) == 3 * 2 * 2  # estimands × identities × axes
    rng = np.random.default_rng(4 * 100_000)
    truth = draw_truth(2, 2, rng, link="logit")
    for estimand in ESTIMANDS:
        rows = records[records["estimand"] == estimand].sort_values(["identity", "axis"])
        true = truth.positions(load_preset("hall2025"), estimand).to_numpy().ravel()
        assert rows["truth"].to_numpy() == pytest.approx(true), estimand
    coverage = result.coverage()
    assert list(coverage.index.names) == ["estimand", "nominal"]
    assert (coverage["level"] == 0.95).all() and (coverage["n"] == 4).all()
    assert (coverage["lo"] <= coverage["coverage"]).all()
    assert (coverage["coverage"] <= coverage["hi"]).all()
    summary = result.summary()
    assert summary.info["data sets"] == 1
    assert summary.to_frame().loc[("typical", 0.9), "n"] == 4
    with pytest.raises(ValueError, match="estimand must be one of"):
        Design(estimands=("conditional",))


def test_deterministic_designs_know_the_asked_answers_and_mc_the_new_ones():
    design = DESIGNS["t0"]
    truth, df = simulate_design(design, 7)
    assert (df.groupby(["identity", "variant", "item"])["code"].nunique() == 1).all()
    assert (df["temperature"] == 0).all()
    # "asked" at temperature 0 is the mean of the answers given (each the mode of its cell)
    means = df.pivot_table(index="identity", columns="item", values="code", aggfunc="mean")
    assert truth.expected("asked") == pytest.approx(means[list(ITEMS)].to_numpy())
    # "new" is the expected answer of a new prompt, by Monte Carlo over the prompt effects
    new = truth.expected("new")
    assert new == pytest.approx(truth.expected("new"))  # the same prompts every call
    cuts = truth.identity_cutpoints()
    rng = np.random.default_rng(11)
    j = ITEMS.index("f063")
    effect = rng.normal(size=4000) * np.hypot(truth.variant_scale[j], truth.interaction_scale[j])
    eta = truth.location[0, j] + effect
    modes = np.argmax(category_probs(eta, cuts[j][:1], "logit"), axis=-1) + 1
    assert new[0, j] == pytest.approx(modes.mean(), abs=0.15)


def test_heavy_tailed_and_identity_specific_designs_depart_from_the_model():
    truth, _ = simulate_design(DESIGNS["styles"], 3)
    cuts = truth.identity_cutpoints()
    assert not np.allclose(cuts[0][0], cuts[0][1])  # each identity its own cut-points
    t3, _ = simulate_design(DESIGNS["t3"], 3)
    assert t3.prompt_effects == "t3" and not t3.standard
    _, refusals = simulate_design(DESIGNS["refusals"], 3)
    content = refusals[refusals["item"].isin(["f063", "f118"])]
    assert content["status"].eq("refusal").mean() > 0.1  # ≈ 3% + 15%


def test_coverage_intervals_count_data_sets_not_checks():
    """Checks within a data set share its draws: the interval is a cluster bootstrap."""
    rng = np.random.default_rng(0)
    records = []
    for k in range(40):
        hit = bool(rng.random() < 0.9)  # every check of a data set agrees: fully clustered
        for i in range(6):
            row = {"dataset": k, "estimand": "asked", "identity": i, "axis": "x"}
            row |= {f"inside{t}": hit for t in ("50", "90", "95")}
            row |= {f"width{t}": 1.0 for t in ("50", "90", "95")}
            records.append(row)
    c = CalibrationResult(pd.DataFrame(records), Design(), 0.0).coverage()
    row = c.loc[("asked", 0.9)]
    naive = stats.binomtest(int(row["coverage"] * 240), 240).proportion_ci(0.95)
    # as wide as 40 independent checks, about √6 times the naive interval of 240
    assert (row["hi"] - row["lo"]) > 1.8 * (naive.high - naive.low)
    assert row["datasets"] == 40 and row["n"] == 240 and row["width"] == 1.0


@pytest.fixture(scope="module")
def recovery():
    rng = np.random.default_rng(2024)
    truth = draw_truth(6, 8, rng, variant_scale=0.6, interaction_scale=0.2)
    df = simulate_responses(truth, 4, rng, refusal_rate=0.05)
    fit = fit_hierarchical(df, draws=500, tune=500, chains=2, random_seed=7, warn=False)
    return truth, fit


@pytest.mark.slow
def test_recovers_known_map_positions(recovery):
    truth, fit = recovery
    true = truth.positions().loc[fit.centroids.index]
    c = fit.centroids
    z = np.concatenate([(c[a] - true[a]) / c[f"sd_{a}"] for a in ("x", "y")])
    assert np.abs(z).max() < 3.5, z
    inside = sum(
        ((c[f"{a}_lo90"] <= true[a]) & (true[a] <= c[f"{a}_hi90"])).sum() for a in ("x", "y")
    )
    assert inside >= 9  # of 12; 10.8 expected
    # the identities are ordered as the truth orders them on every axis along which they
    # differ by more than their uncertainty (here x; the true y spread is ≈ 1 posterior SD)
    spread = [a for a in ("x", "y") if true[a].std() > 2 * c[f"sd_{a}"].mean()]
    assert spread
    for a in spread:
        assert np.corrcoef(c[a], true[a])[0, 1] > 0.9, a


@pytest.mark.slow
def test_recovers_expected_answers_and_variant_effects(recovery):
    truth, fit = recovery
    post = fit.idata.posterior
    expected = post["expected_answer"].mean(("chain", "draw")).to_numpy()
    for j, item in enumerate(ITEMS):
        span = np.ptp(fit.data.codes[j])
        err = np.abs(expected[:, j] - truth.expected()[:, j]) / span
        assert err.max() < 0.25, item
    effects = post["variant_effect"].mean(("chain", "draw")).to_numpy()
    assert np.corrcoef(effects.ravel(), truth.variant_effect.ravel())[0, 1] > 0.6
    # 8 variants say little about each item's variance: ask only that the true scale lies in
    # the per-item 90% interval for most items (10 × 0.9 expected)
    lo, hi = np.quantile(post["variant_scale"].to_numpy().reshape(-1, 10), [0.05, 0.95], axis=0)
    assert ((lo < 0.6) & (hi > 0.6)).sum() >= 7, (lo, hi)


@pytest.mark.slow
@pytest.mark.parametrize(("link", "seed"), [("logit", 0), ("probit", 1)])
def test_intervals_cover_the_truth_at_their_level_on_the_prior_design(link, seed):
    """A small study (24 data sets per link, every estimand): each nominal level lies in the
    99% cluster-bootstrap interval of its coverage. The full study with its numbers is
    benchmarks/bench_calibration.py (quoted in docs/hierarchical.md)."""
    result = calibration_study(n_datasets=24, design=Design(link=link), seed=seed, n_jobs=2)
    print(result)
    coverage = result.coverage(level=0.99)
    for estimand in ESTIMANDS:
        c = coverage.loc[estimand]
        assert c.loc[0.9, "n"] == 24 * 3 * 2 and c.loc[0.9, "datasets"] == 24
        for nominal in LEVELS:
            row = c.loc[nominal]
            assert row["lo"] <= nominal <= row["hi"], (estimand, nominal, row["coverage"])
