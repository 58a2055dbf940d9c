"""Statistical checks of the hierarchical map model: recovery and calibration (slow), and a
quick run of the calibration study for every estimand."""

from __future__ import annotations

import numpy as np
import pytest

from llmvalues.iw.bayes.calibration import Design, calibration_study
from llmvalues.iw.bayes.estimator import fit_hierarchical
from llmvalues.iw.bayes.simulate import draw_truth, simulate_responses
from llmvalues.iw.estimands import ESTIMANDS
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
    assert np.corrcoef(c["x"], true["x"])[0, 1] > 0.9
    assert np.corrcoef(c["y"], true["y"])[0, 1] > 0.9


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
def test_ninety_percent_intervals_cover_the_truth_85_to_95_percent(link, seed):
    result = calibration_study(n_datasets=100, design=Design(link=link), seed=seed, n_jobs=2)
    print(result)
    coverage = result.coverage()
    for estimand in ESTIMANDS:
        c = coverage.loc[estimand]
        assert c.loc[0.9, "n"] == 100 * 3 * 2
        assert 0.85 <= c.loc[0.9, "coverage"] <= 0.95, estimand
        assert 0.40 <= c.loc[0.5, "coverage"] <= 0.60, estimand
        assert 0.90 <= c.loc[0.95, "coverage"] <= 0.99, estimand
