"""Posterior predictive checks that can fail: they pass on answers simulated from the model
and flag prompt-variant effects far heavier than the model's, and deterministic replicates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from llmvalues.fit import fit_map
from llmvalues.iw.bayes.checks import STATISTICS
from llmvalues.iw.bayes.simulate import SimulationTruth, draw_truth, simulate_responses
from llmvalues.iw.items import ITEMS


@pytest.fixture(scope="module")
def checks(hierarchical_fit):
    return hierarchical_fit.predictive_checks(n_draws=300, seed=0)


def test_answers_simulated_from_the_model_pass_every_check(checks):
    t = checks.table
    assert set(t["statistic"]) == set(STATISTICS)
    for name in STATISTICS:
        rows = t[t["statistic"] == name]
        assert list(rows["item"]) == [*ITEMS, "all"]
    assert checks.ok, checks.flagged
    assert ((t["p_value"] > 0.01) & (t["p_value"] < 0.99)).mean() > 0.9
    assert "No check flagged" in str(checks.summary())


def test_the_table_is_consistent(checks):
    t = checks.table
    assert ((t["lo"] <= t["replicated"]) & (t["replicated"] <= t["hi"])).all()
    assert t["p_value"].between(0, 1).all()
    agreement = t[t["statistic"] == "agreement"]
    assert agreement["observed"].between(0, 1).all()
    assert (t.groupby("statistic")["replication"].nunique() == 1).all()
    assert (t["level"] == 0.9).all()


def _heavy_variants(seed: int) -> tuple[SimulationTruth, np.random.Generator]:
    """Prompt-variant effects 1.5 × t with 1.5 degrees of freedom (no variance): a few
    variants move the answers to an end of the scale, most move them little."""
    rng = np.random.default_rng(seed)
    truth = draw_truth(4, 12, rng, variant_scale=0.5, interaction_scale=0.2)
    heavy = 1.5 * rng.standard_t(1.5, size=truth.variant_effect.shape)
    return SimulationTruth(
        truth.location,
        truth.gaps,
        heavy,
        truth.interaction,
        truth.variant_scale,
        truth.interaction_scale,
    ), rng


@pytest.mark.slow
def test_heavy_tailed_variant_effects_are_flagged():
    """4 identities × 12 variants × 3 replicates (seeds 1–3 all flagged with p < 0.001; the
    same design with the model's normal effects, seeds 1–2, flagged nothing)."""
    truth, rng = _heavy_variants(1)
    df = simulate_responses(truth, 3, rng)
    fit = fit_map(df, "hall2025", draws=300, tune=300, chains=2, random_seed=1, warn=False)
    result = fit.predictive_checks(n_draws=300, seed=0)
    flagged = result.flagged
    assert (flagged["statistic"].str.startswith("variant")).any(), result.table
    assert (flagged["p_value"] < 0.5).all()  # observed dispersion above the replicates
    assert "Flagged: variant" in str(result.summary())


@pytest.mark.slow
def test_deterministic_replicates_fail_the_agreement_check():
    """Temperature-0-like data: every replicate of a prompt repeats the first answer."""
    rng = np.random.default_rng(3)
    df = simulate_responses(draw_truth(3, 4, rng, variant_scale=0.5), 1, rng)
    df = pd.concat([df.assign(replicate=r) for r in range(3)], ignore_index=True)
    fit = fit_map(df, "hall2025", draws=300, tune=300, chains=2, random_seed=1, warn=False)
    t = fit.predictive_checks(n_draws=300, seed=0).table
    whole = t[(t["statistic"] == "agreement") & (t["item"] == "all")].iloc[0]
    assert whole["observed"] == 1.0
    assert whole["flagged"] and whole["p_value"] < 0.01
