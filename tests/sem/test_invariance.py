"""Measurement invariance against lavaan 0.6.14: ML on HolzingerSwineford (school), ordinal."""

from __future__ import annotations

import numpy as np
import pytest

from llmvalues.sem import cfa, invariance
from tests.sem.lavaan_reference import holzinger_swineford, ordinal_sim, ref_loadings, reference


@pytest.fixture(scope="module")
def hs_inv():
    return invariance(holzinger_swineford(), reference()["hs_invariance"]["model"], "school")


@pytest.mark.parametrize("step", ["configural", "metric", "scalar", "strict"])
def test_ml_steps_match_lavaan(hs_inv, step):
    ref = reference()["hs_invariance"]["models"][step]
    fit = hs_inv.fits[step].fit_indices
    assert fit["df"] == ref["fit"]["df"]
    assert fit["chisq"] == pytest.approx(ref["fit"]["chisq"], rel=0.005)
    names = {"rmsea.ci.lower": "rmsea_lo", "rmsea.ci.upper": "rmsea_hi"}
    for key in ["cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "srmr"]:
        assert fit[names.get(key, key)] == pytest.approx(ref["fit"][key], abs=0.005), key
    row = hs_inv.to_frame().set_index("step").loc[step]
    assert row["chisq"] == fit["chisq"] and row["cfi"] == fit["cfi"]
    ours = hs_inv.fits[step].loadings
    theirs = ref_loadings(ref)
    # lavaan numbers groups in order of appearance, as we do
    theirs["group"] = theirs["group"].map(dict(enumerate(hs_inv.fits[step].group_labels, 1)))
    merged = ours.merge(theirs, on=["group", "factor", "item"], suffixes=("", "_r"))
    assert len(merged) == 18
    np.testing.assert_allclose(merged["value"], merged["value_r"], atol=0.01)


def test_ml_likelihood_ratio_test_matches_lavaan(hs_inv):
    ref = reference()["hs_invariance"]["lrt_metric"]
    row = hs_inv.table.set_index("step").loc["metric"]
    assert row["delta_chisq"] == pytest.approx(ref["chisq_diff"], rel=0.005)
    assert row["delta_df"] == ref["df_diff"]
    assert row["p_difference"] == pytest.approx(ref["p"], abs=0.005)


def test_verdict_states_the_cutoffs(hs_inv):
    s = hs_inv.summary()
    assert any("Cheung & Rensvold 2002" in n and "conventions, not tests" in n for n in s.notes)
    # configural misfits (CFI .923): nothing is supported, and the report says so
    assert hs_inv.highest_step is None
    assert "Not even the configural model fits by the cut-offs." in s.notes
    assert "likelihood ratio" in s.notes[0]
    steps = s["Invariance steps"]
    assert list(steps.index) == ["configural", "metric", "scalar", "strict"]
    ref = reference()["hs_invariance"]
    assert steps.loc["metric", "delta_chisq"] == pytest.approx(
        ref["lrt_metric"]["chisq_diff"], rel=0.005
    )
    assert steps.loc["configural", "cfi"] == pytest.approx(
        ref["models"]["configural"]["fit"]["cfi"], abs=0.005
    )
    assert not steps["supported"].any()
    assert steps.loc["scalar", "delta_cfi"] == pytest.approx(-0.038, abs=0.001)
    assert s.info == {"groups": 2}
    assert hs_inv.verdict().splitlines()[0] == "Not even the configural model fits by the cut-offs."


def test_ordinal_levels_match_lavaan():
    block = reference()["ordinal_invariance"]
    res = invariance(ordinal_sim(), block["model"], "grp", estimator="ordinal")
    for step in ["configural", "metric", "scalar"]:
        ref = block["models"][step]["fit"]
        fit = res.fits[step].fit_indices
        assert fit["df"] == ref["df"]
        assert fit["chisq"] == pytest.approx(ref["chisq"], rel=0.005)
        assert fit["chisq_scaled"] == pytest.approx(ref["chisq.scaled"], rel=0.005)
        for key in ["cfi.scaled", "tli.scaled", "rmsea.scaled", "srmr"]:
            assert fit[key.replace(".", "_")] == pytest.approx(ref[key], abs=0.005), key
        theirs = ref_loadings(block["models"][step])
        np.testing.assert_allclose(res.fits[step].loadings["value"], theirs["value"], atol=0.02)
    # the random split is invariant: every step is supported
    assert res.highest_step == "scalar"
    assert "Highest step supported: scalar." in res.summary().notes
    lrt = block["models"]["lrt_metric"]
    row = res.table.set_index("step").loc["metric"]
    # ours: Asparouhov-Muthen difference test; lavaan: satorra.2000 — close, not identical
    assert row["delta_chisq"] == pytest.approx(lrt["chisq_diff"], rel=0.05)
    assert row["p_difference"] == pytest.approx(lrt["p"], abs=0.03)


def test_strict_not_offered_for_ordinal():
    with pytest.raises(ValueError, match="strict"):
        invariance(ordinal_sim(), reference()["ordinal"]["model"], "grp", "ordinal", ["strict"])


def test_group_equal_needs_group():
    from llmvalues.sem import ModelSyntaxError

    with pytest.raises(ModelSyntaxError, match="group_equal needs a group"):
        cfa(holzinger_swineford(), "f =~ x1 + x2 + x3", group_equal=("loadings",))
