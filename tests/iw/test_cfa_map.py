"""cfa_map: the IW two-factor CFA on LLM response sets, humans vs LLMs invariance, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from llmvalues.iw import cfa_map
from llmvalues.iw.cfa_map import IW_ITEMS
from llmvalues.responses import from_wide
from llmvalues.sem import DataError

N_CATS = {"f063": 10, "y003": 5, "f120": 10, "g006": 4, "e018": 3,
          "y002": 3, "a008": 4, "f118": 10, "e025": 3, "a165": 2}  # fmt: skip
LOW = {"y003": -2}


def _codes(latent: np.ndarray, item: str) -> np.ndarray:
    k = N_CATS[item]
    cuts = np.linspace(-1.6, 1.6, k - 1) if k > 2 else np.array([0.0])
    return np.searchsorted(cuts, latent) + LOW.get(item, 1)


def simulate_sets(n_id=8, n_var=10, n_rep=6, seed=0, spread=0.6, factor_of=None) -> pd.DataFrame:
    """Wide LLM-like answer sets from a two-factor model with identity-level clustering.

    factor_of: which latent factor (0/1) drives each item; default the IW assignment.
    """
    factor_of = np.repeat([0, 1], 5) if factor_of is None else np.asarray(factor_of)
    rng = np.random.default_rng(seed)
    rows = []
    loc = rng.normal(0, spread, size=(n_id, 2))
    lam = np.full(10, 0.75)
    for i in range(n_id):
        for v in range(n_var):
            for r in range(n_rep):
                eta = loc[i] + rng.normal(0, 1, 2) * np.sqrt(1 - spread**2)
                y = eta[factor_of] * lam + rng.normal(0, 1, 10) * np.sqrt(1 - lam**2)
                row = {"identity": f"model{i}", "variant": f"v{v}", "replicate": r}
                row.update({c: _codes(y[j], c) for j, c in enumerate(IW_ITEMS)})
                rows.append(row)
    return pd.DataFrame(rows)


def simulate_humans(n=1500, seed=1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    eta = rng.normal(0, 1, (n, 2))
    lam = np.full(10, 0.75)
    y = np.repeat(eta, 5, axis=1) * lam + rng.normal(0, 1, (n, 10)) * np.sqrt(1 - lam**2)
    out = pd.DataFrame({c: _codes(y[:, j], c) for j, c in enumerate(IW_ITEMS)})
    return out.assign(country="Testland", year=2020, weight=1.0)


@pytest.fixture(scope="module")
def responses():
    return from_wide(simulate_sets(), identity="identity", variant="variant", replicate="replicate")


def test_planted_structure_holds_and_report_names_the_caveats(responses):
    res = cfa_map(responses)
    assert res.n_sets == 480 and res.n_identities == 8 and res.n_variants == 10
    assert res.llm.fit_indices["cfi_scaled"] > 0.95
    assert res.llm.fits_by_cutoffs()
    s = res.summary()
    caveats = [n for n in s.notes if n.startswith("Caveat: ")]
    assert any("clustered by model" in n and "prompt variant" in n for n in caveats)
    assert any("Aleman & Woods 2016" in n for n in caveats)
    assert s.notes[0].startswith("LLMs: ") and "structure holds" in s.notes[0]
    assert set(res.llm.loadings["factor"]) == {"tradrat", "survself"}
    # the fit table and the LLM CFA's tables hold the fitted numbers
    fit = s["Fit"]
    assert list(fit.index) == ["LLMs"]
    assert fit.loc["LLMs", "cfi_scaled"] == res.llm.fit_indices["cfi_scaled"]
    assert fit.loc["LLMs", "rmsea_hi"] == res.llm.fit_indices["rmsea_hi"]
    latent = s["LLMs: Latent Variables"]
    np.testing.assert_allclose(latent["std_all"], res.llm.loadings["value"])
    assert s.info["complete response sets"] == 480 and s.info["identities"] == 8
    assert s.info["distinct answer patterns"] == res.n_patterns
    frame = res.to_frame()
    assert frame.loc["LLMs", "chisq"] == res.llm.fit_indices["chisq"]


def test_structure_that_does_not_hold_is_said_plainly():
    # answers driven by a different split of the items than the IW one
    wide = simulate_sets(seed=3, spread=0.3, factor_of=[0, 1, 0, 1, 0, 1, 0, 1, 0, 1])
    res = cfa_map(from_wide(wide, identity="identity", variant="variant", replicate="replicate"))
    assert not res.llm.fits_by_cutoffs()
    assert "does NOT hold" in res.summary().notes[0]


@pytest.mark.parametrize("estimator", ["ML", "ordinal"])
def test_humans_versus_llms_invariance(responses, estimator):
    res = cfa_map(responses, humans=simulate_humans(), estimator=estimator)
    assert res.comparison == "humans vs LLMs"
    table = res.invariance.to_frame()
    steps = ["configural", "metric", "scalar"] + (["strict"] if estimator == "ML" else [])
    assert list(table["step"]) == steps
    # same generating loadings for both, so the loadings are invariant (metric holds)
    assert table.set_index("step").loc["metric", "delta_cfi"] > -0.01
    assert {"delta_cfi", "delta_rmsea", "p_difference"} <= set(table.columns)
    s = res.summary()
    assert s.notes[1].startswith("Humans (unweighted): ")
    assert list(s["Fit"].index) == ["LLMs", "humans"]
    assert s["Fit"].loc["humans", "cfi"] == res.humans.fit_indices["cfi"]
    inv = s["Invariance (humans vs LLMs)"]
    assert list(inv.index) == steps
    np.testing.assert_allclose(inv["delta_cfi"], table["delta_cfi"])
    np.testing.assert_allclose(
        s["Humans: Latent Variables"]["std_all"], res.humans.loadings["value"]
    )


def test_ordinal_invariance_with_empty_categories_explains_itself(responses):
    humans = simulate_humans()
    humans.loc[humans["f063"] == 10, "f063"] = 9  # humans never say 10 -> categories differ
    with pytest.raises(DataError, match=r"same answer categories.*estimator='ML'"):
        cfa_map(responses, humans=humans)


def test_invariance_between_models(responses):
    two = responses[responses["identity"].isin(["model0", "model1", "model2", "model3"])].copy()
    two["family"] = np.where(two["identity"].isin(["model0", "model1"]), "A", "B")
    res = cfa_map(two, between="family", estimator="ML")
    assert res.comparison == "LLM groups by family"
    assert len(res.invariance.to_frame()) == 4


def test_constant_item_among_llm_answers(responses):
    wide = simulate_sets(n_id=3)
    wide["a165"] = 2  # every model answers "need to be very careful"
    tidy = from_wide(wide, identity="identity", variant="variant", replicate="replicate")
    with pytest.raises(DataError, match="LLM response sets: item 'a165' is constant"):
        cfa_map(tidy)


def test_too_few_sets():
    wide = simulate_sets(n_id=1, n_var=2, n_rep=3)
    tidy = from_wide(wide, identity="identity", variant="variant", replicate="replicate")
    with pytest.raises(DataError, match="too few respondents"):
        cfa_map(tidy)


def test_humans_from_an_ivs_file_through_the_map_core_reader(responses, tmp_path):
    from tests.iw.ivs_synthetic import make_trend_frame, write_trend_file

    raw, _ = make_trend_frame("wvs", n=150, seed=2)
    path = write_trend_file(tmp_path / "trend.csv", raw)
    res = cfa_map(responses, humans=path, estimator="ML")
    assert res.humans is not None
    assert res.humans.n_obs["all"] > 1500  # complete human respondents, read by read_ivs
    assert res.comparison == "humans vs LLMs"
    assert res.summary().notes[1].startswith("Humans (unweighted): ")


def test_nearly_identical_answer_sets_give_a_clear_ordinal_error():
    # temperature-0-like data: answers barely vary within an identity
    wide = simulate_sets(n_id=10, n_var=10, n_rep=1, spread=0.98, seed=7)
    tidy = from_wide(wide, identity="identity", variant="variant", replicate="replicate")
    with pytest.raises(DataError, match=r"LLM response sets.*degenerate.*estimator='ML'"):
        cfa_map(tidy)
    assert cfa_map(tidy, estimator="ML").llm.converged
