"""Prior sensitivity: importance weights are the prior-density ratio (checked on prior draws,
where the reweighted draws must follow the scaled prior), and on a small design they agree
with refits (slow)."""

from __future__ import annotations

import numpy as np
import pytest

from llmvalues.fit import fit_map
from llmvalues.iw.bayes.model import Priors
from llmvalues.iw.bayes.prior_sensitivity import scaled_priors, weighted_quantile
from llmvalues.iw.bayes.simulate import draw_truth, simulate_responses
from tests.iw.bayes.prior_fits import prior_fit
from tests.iw.simulated_fits import FAST


def test_scaled_priors_scale_every_sd_and_nothing_else():
    p = scaled_priors(Priors(location_mean=1.0), 0.5)
    assert (p.location_mean, p.location_sd, p.gap_sd) == (1.0, 1.0, 0.25)
    assert (p.variant_sd, p.interaction_sd) == (0.25, 0.25)
    with pytest.raises(ValueError, match="positive"):
        scaled_priors(Priors(), 0.0)


def test_weighted_quantile_matches_repeated_draws():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(400, 2))
    counts = rng.integers(0, 4, 400)
    weights = counts / counts.sum()
    repeated = np.repeat(values, counts, axis=0)
    for q in (0.05, 0.5, 0.95):
        want = np.quantile(repeated, q, axis=0)
        assert weighted_quantile(values, weights, q) == pytest.approx(want, abs=0.05)


def test_reweighted_prior_draws_follow_the_scaled_prior():
    """On prior draws the importance weights turn the fitted prior into the scaled one."""
    rng = np.random.default_rng(1)
    fit = prior_fit(simulate_responses(draw_truth(2, 3, rng), 2, rng), draws=4000, seed=5)
    result = fit.prior_sensitivity(scale=(0.9,), method="importance")
    w = result.weights[0.9]
    post = fit.idata.posterior
    location = post["location"].to_numpy().reshape(len(w), -1)
    sd = np.sqrt(np.einsum("s,sk->k", w, location**2)).mean()
    assert sd == pytest.approx(0.9 * 2.0, rel=0.03)  # Normal(0, 2) → Normal(0, 1.8)
    scale = post["variant_scale"].to_numpy().reshape(len(w), -1)
    mean = np.einsum("s,sk->k", w, scale).mean()
    assert mean == pytest.approx(0.9 * 0.5 * np.sqrt(2 / np.pi), rel=0.03)  # half-normal mean
    t = result.table
    assert list(t["identity"]) == fit.identities and (t["scale"] == 0.9).all()
    assert (t["pareto_k"] < 0.7).all() and (t["ess"] > 500).all()
    # a prior scaled further than the draws can be reweighted to: Pareto k says so
    with pytest.warns(UserWarning, match="refit with method='refit'"):
        far = fit.prior_sensitivity(scale=(0.5,), method="importance")
    assert (far.table["pareto_k"] > 0.7).all()
    assert any("unreliable" in n for n in far.summary().notes)
    with pytest.raises(ValueError, match="method"):
        fit.prior_sensitivity(method="power")


@pytest.mark.slow
def test_refits_move_small_designs_and_importance_weights_agree_near_one():
    """2 identities × 3 variants × 2 replicates: few answers, so the priors matter."""
    rng = np.random.default_rng(8)
    df = simulate_responses(draw_truth(2, 3, rng), 2, rng)
    fit = fit_map(df, "hall2025", **{**FAST, "draws": 1000, "tune": 500})
    exact = fit.prior_sensitivity(scale=(0.9, 1.1, 2.0))
    fast = fit.prior_sensitivity(scale=(0.9, 1.1), method="importance")
    a = fast.table.set_index(["identity", "scale"])
    b = exact.table.set_index(["identity", "scale"])
    assert (b["method"] == "refit").all() and b["ess"].isna().all()
    assert (a["pareto_k"] < 0.7).all()
    sd = np.hypot(*fit.position_draws.std(0).T).mean()
    for axis in ("dx", "dy"):
        # near 1 the reweighted moves are the refits' within Monte Carlo error
        assert np.abs(a[axis] - b.loc[a.index, axis]).max() < 0.15 * sd
    # doubling every prior SD moves these positions further than a 10% change
    near = b.xs(1.1, level="scale")["shift"]
    assert (b.xs(2.0, level="scale")["shift"] > near).all()
    assert "Prior sensitivity" in exact.summary().title
