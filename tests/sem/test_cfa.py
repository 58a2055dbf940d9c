"""CFA (ML) against lavaan 0.6.14 on HolzingerSwineford1939, plus bad-input errors."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmvalues.sem import DataError, ModelSyntaxError, cfa, parse_model
from tests.sem.lavaan_reference import holzinger_swineford, ref_loadings, reference

#: lavaan's fit measure → ours
FIT_KEYS = {
    "cfi": "cfi",
    "tli": "tli",
    "rmsea": "rmsea",
    "rmsea.ci.lower": "rmsea_lo",
    "rmsea.ci.upper": "rmsea_hi",
    "srmr": "srmr",
    "pvalue": "pvalue",
}
#: lavaan 0.6's tutorial output of summary(cfa(HS.model, HolzingerSwineford1939),
#: fit.measures = TRUE) (https://lavaan.ugent.be/tutorial/cfa.html), printed to 3 decimals
LAVAAN_TUTORIAL = {
    "logl": -3737.745,
    "unrestricted_logl": -3695.092,
    "aic": 7517.490,
    "bic": 7595.339,
    "bic2": 7528.739,
    "rmsea_pvalue": 0.001,
    "rmsea_notclose_pvalue": 0.840,
}


@pytest.fixture(scope="module")
def hs_fit():
    return cfa(holzinger_swineford(), reference()["hs_cfa"]["model"])


def _check_fit(ours: dict, ref: dict) -> None:
    assert ours["df"] == ref["df"]
    assert ours["chisq"] == pytest.approx(ref["chisq"], rel=0.005)
    assert ours["baseline_chisq"] == pytest.approx(ref["baseline.chisq"], rel=0.005)
    for theirs, key in FIT_KEYS.items():
        assert ours[key] == pytest.approx(ref[theirs], abs=0.005), key


def test_fit_indices_match_lavaan(hs_fit):
    assert hs_fit.converged
    _check_fit(hs_fit.fit_indices, reference()["hs_cfa"]["fit"])
    assert set(hs_fit.fit_indices) >= {
        "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_lo", "rmsea_hi", "srmr"
    }  # fmt: skip


def test_information_criteria_and_close_fit_tests_match_lavaans_tutorial(hs_fit):
    for key, printed in LAVAAN_TUTORIAL.items():
        assert hs_fit.fit_indices[key] == pytest.approx(printed, abs=6e-4), key
    f = hs_fit.fit_indices
    # the likelihood-ratio statistic is twice the log-likelihood difference
    assert 2 * (f["unrestricted_logl"] - f["logl"]) == pytest.approx(f["chisq"], rel=1e-9)


def test_standardised_loadings_match_lavaan(hs_fit):
    ref = ref_loadings(reference()["hs_cfa"])
    ours = hs_fit.loadings
    assert list(ours.columns) == ["factor", "item", "value"]
    merged = ours.merge(ref, on=["factor", "item"], suffixes=("", "_ref"))
    assert len(merged) == 9
    np.testing.assert_allclose(merged["value"], merged["value_ref"], atol=0.01)


def test_estimates_and_standard_errors_match_lavaan(hs_fit):
    ref = pd.DataFrame(reference()["hs_cfa"]["params"])
    ref = ref[ref["op"].isin(["=~", "~~"])]
    ours = hs_fit.params
    for r in ref.itertuples():
        row = ours[
            (ours.op == r.op)
            & (
                ((ours.lhs == r.lhs) & (ours.rhs == r.rhs))
                | ((ours.lhs == r.rhs) & (ours.rhs == r.lhs))
            )
        ]
        assert len(row) == 1, (r.lhs, r.op, r.rhs)
        assert row["est"].iloc[0] == pytest.approx(r.est, abs=1e-3)
        if r.se > 0:
            assert row["se"].iloc[0] == pytest.approx(r.se, rel=0.01)


def test_modification_indices_match_lavaan(hs_fit):
    ref = pd.DataFrame(reference()["hs_cfa"]["modindices"]).head(5)
    ours = hs_fit.modindices.head(5)
    assert list(ours["lhs"] + ours["op"] + ours["rhs"]) == list(ref["lhs"] + ref["op"] + ref["rhs"])
    np.testing.assert_allclose(ours["mi"], ref["mi"], rtol=0.01)
    np.testing.assert_allclose(ours["epc"], ref["epc"], atol=0.01)


def test_residual_correlations_match_lavaan(hs_fit):
    ref = np.array(reference()["hs_cfa"]["residual_cor"])
    np.testing.assert_allclose(hs_fit.residual_correlations()["all"].to_numpy(), ref, atol=1e-3)


def test_residual_covariance_model_matches_lavaan():
    block = reference()["hs_cfa_rescov"]
    res = cfa(holzinger_swineford(), block["model"])
    _check_fit(res.fit_indices, block["fit"])
    merged = res.loadings.merge(ref_loadings(block), on=["factor", "item"], suffixes=("", "_r"))
    np.testing.assert_allclose(merged["value"], merged["value_r"], atol=0.01)


def test_agrees_with_semopy_estimates(hs_fit):
    semopy = pytest.importorskip("semopy")
    model = semopy.Model(reference()["hs_cfa"]["model"])
    model.fit(holzinger_swineford()[[f"x{i}" for i in range(1, 10)]])
    theirs = model.inspect()
    for r in theirs[theirs["op"] == "~"].itertuples():  # semopy writes loadings as item ~ factor
        ours = hs_fit.params.query("op == '=~' and lhs == @r.rval and rhs == @r.lval")
        assert ours["est"].iloc[0] == pytest.approx(float(r.Estimate), abs=2e-3)


def test_summary_holds_lavaans_report(hs_fit):
    """The summary's tables hold lavaan's numbers, in lavaan's sections and order."""
    s = hs_fit.summary()
    ref = reference()["hs_cfa"]["fit"]
    assert list(s.tables)[:6] == [
        "Model Test User Model",
        "Model Test Baseline Model",
        "User Model versus Baseline Model",
        "Loglikelihood and Information Criteria",
        "Root Mean Square Error of Approximation",
        "Standardized Root Mean Square Residual",
    ]
    user = s["Model Test User Model"]["standard"]
    assert user["Test statistic"] == pytest.approx(ref["chisq"], rel=0.005)
    assert user["Degrees of freedom"] == ref["df"]
    assert s["Model Test Baseline Model"].loc["Test statistic", "standard"] == pytest.approx(
        ref["baseline.chisq"], rel=0.005
    )
    versus = s["User Model versus Baseline Model"]["standard"]
    assert versus["Comparative Fit Index (CFI)"] == pytest.approx(ref["cfi"], abs=0.005)
    assert versus["Tucker-Lewis Index (TLI)"] == pytest.approx(ref["tli"], abs=0.005)
    ic = s["Loglikelihood and Information Criteria"]["standard"]
    assert ic["Akaike (AIC)"] == pytest.approx(LAVAAN_TUTORIAL["aic"], abs=6e-4)
    assert ic["Bayesian (BIC)"] == pytest.approx(LAVAAN_TUTORIAL["bic"], abs=6e-4)
    rmsea = s["Root Mean Square Error of Approximation"]["standard"]
    assert rmsea["RMSEA"] == pytest.approx(ref["rmsea"], abs=0.005)
    assert rmsea["90 Percent confidence interval - lower"] == pytest.approx(
        ref["rmsea.ci.lower"], abs=0.005
    )
    assert rmsea["90 Percent confidence interval - upper"] == pytest.approx(
        ref["rmsea.ci.upper"], abs=0.005
    )
    srmr = s["Standardized Root Mean Square Residual"].loc["SRMR", "standard"]
    assert srmr == pytest.approx(ref["srmr"], abs=0.005)
    # loadings with SE, z, p and std.all: lavaan's estimates and standardised loadings
    latent = s["Latent Variables"]
    ref_params = pd.DataFrame(reference()["hs_cfa"]["params"]).query("op == '=~'")
    merged = latent.merge(ref_params, on=["lhs", "op", "rhs"], suffixes=("", "_ref"))
    assert len(merged) == 9
    np.testing.assert_allclose(merged["est"], merged["est_ref"], atol=1e-3)
    free = merged["se_ref"] > 0
    np.testing.assert_allclose(merged.loc[free, "se"], merged.loc[free, "se_ref"], rtol=0.01)
    assert merged.loc[~free, "se"].isna().all()  # markers have no standard error
    np.testing.assert_allclose(latent["z"], latent["est"] / latent["se"])
    std = latent.merge(ref_loadings(reference()["hs_cfa"]), left_on=["lhs", "rhs"],
                       right_on=["factor", "item"])  # fmt: skip
    np.testing.assert_allclose(std["std_all"], std["value"], atol=0.01)
    variances = s["Variances"]
    assert len(variances) == 12 and (variances["lhs"] == variances["rhs"]).all()
    assert len(s["Covariances"]) == 3
    mi = s["Modification indices (largest 5, MI >= 3.84)"]
    top = mi.iloc[0]
    assert (top["lhs"], top["op"], top["rhs"]) == ("visual", "=~", "x9")  # lavaan's largest MI
    assert mi["mi"].iloc[0] == pytest.approx(reference()["hs_cfa"]["modindices"][0]["mi"], rel=0.01)
    assert s.info["Estimator"] == "ML" and s.info["Number of observations"] == 301
    assert s.info["Number of model parameters"] == 21
    assert any("does NOT hold" in n for n in s.notes)
    text = str(s)
    for part in ["Model Test User Model", "Comparative Fit Index (CFI)", "Latent Variables",
                 "Akaike (AIC)", "P-value H_0: RMSEA <= 0.050"]:  # fmt: skip
        assert part in text
    assert str(hs_fit) == text
    # and it renders: lavaan's printed numbers in the Markdown and LaTeX tables
    md = s.to_markdown()
    assert "| Test statistic | 85.306 |" in md and "| Degrees of freedom | 24 |" in md
    assert "| Bayesian (BIC) | 7595.339 |" in md
    assert r"Akaike (AIC) & 7517.490 \\" in s.to_latex()


def test_structure_holds_on_planted_data():
    rng = np.random.default_rng(3)
    eta = rng.standard_normal((800, 2)) @ np.linalg.cholesky([[1, 0.3], [0.3, 1]]).T
    lam = np.array([0.8, 0.7, 0.6, 0.75, 0.7, 0.65])
    fac = [0, 0, 0, 1, 1, 1]
    y = eta[:, fac] * lam + rng.standard_normal((800, 6)) * np.sqrt(1 - lam**2)
    data = pd.DataFrame(y, columns=list("abcdef"))
    res = cfa(data, "fa =~ a + b + c\nfb =~ d + e + f")
    assert res.fits_by_cutoffs()
    np.testing.assert_allclose(res.loadings["value"], lam, atol=0.06)
    assert "the structure holds" in res.verdict()


# ---------------------------------------------------------------- bad input
def test_constant_item_is_named():
    data = holzinger_swineford().assign(x3=5.0)
    with pytest.raises(DataError, match="item 'x3' is constant"):
        cfa(data, reference()["hs_cfa"]["model"])


def test_too_few_respondents():
    with pytest.raises(DataError, match="too few respondents"):
        cfa(holzinger_swineford().head(8), reference()["hs_cfa"]["model"])


def test_group_with_one_member():
    data = holzinger_swineford().copy()
    data.loc[0, "school"] = "Lonely"
    with pytest.raises(DataError, match=r"group 'Lonely'.*1 member"):
        cfa(data, "visual =~ x1 + x2 + x3", group="school")


def test_non_identified_models():
    hs = holzinger_swineford()
    with pytest.raises(ModelSyntaxError, match="single indicator"):
        cfa(hs, "f =~ x1\ng =~ x2 + x3 + x4")
    with pytest.raises(ModelSyntaxError, match="not identified"):
        cfa(hs, "f =~ NA*x1 + x2 + x3")
    with pytest.raises(ModelSyntaxError, match="two indicators"):
        cfa(hs, "f =~ x1 + x2")
    # passes the counting rules (df = 5) but a 2-indicator factor uncorrelated with the rest
    # is empirically not identified: caught by the rank of the information matrix
    with pytest.raises(ModelSyntaxError, match="rank 9 for 10 free parameters"):
        cfa(hs, "f =~ x1 + x2\ng =~ x4 + x5 + x6\nf ~~ 0*g")


def test_missing_column_and_non_numeric():
    hs = holzinger_swineford()
    with pytest.raises(DataError, match=r"\['x99'\] not found"):
        cfa(hs, "f =~ x1 + x2 + x99")
    bad = hs.astype({"x2": object})
    bad.loc[5, "x2"] = "lots"
    with pytest.raises(DataError, match="column 'x2' is not numeric: row 5"):
        cfa(bad, "f =~ x1 + x2 + x3")


def test_missing_values_are_dropped_listwise_and_reported():
    hs = holzinger_swineford().copy()
    hs.loc[[1, 2, 3], "x1"] = np.nan
    res = cfa(hs, reference()["hs_cfa"]["model"])
    assert res.n_obs == {"all": 298}
    assert res.n_dropped == 3
    assert res.summary().info["Rows dropped (missing item, listwise)"] == 3
    assert res.summary().info["Number of observations"] == 298


def test_syntax_errors():
    with pytest.raises(ModelSyntaxError, match="only measurement models"):
        parse_model("f =~ a + b + c\nf ~ d")
    with pytest.raises(ModelSyntaxError, match="empty"):
        parse_model("  ")
    spec = parse_model("f =~ 1*a + b + 0.5*c  # comment\na ~~ b")
    assert spec.items == ["a", "b", "c"]
    assert spec.factors["f"][2].fixed == 0.5
    assert spec.covariances[0][1].name == "b"


@settings(max_examples=8, deadline=None)
@given(scales=st.lists(st.floats(0.1, 20.0), min_size=9, max_size=9), shift=st.floats(-50, 50))
def test_ml_fit_is_invariant_to_item_units(scales, shift):
    """Changing the units of the items changes no fit index and no standardised loading."""
    items = [f"x{i}" for i in range(1, 10)]
    base = _base_fit()
    data = holzinger_swineford()[items] * np.array(scales) + shift
    res = cfa(data, reference()["hs_cfa"]["model"])
    for key in ["chisq", "cfi", "tli", "rmsea", "srmr"]:
        assert res.fit_indices[key] == pytest.approx(base.fit_indices[key], abs=1e-6)
    np.testing.assert_allclose(res.loadings["value"], base.loadings["value"], atol=1e-6)


@cache
def _base_fit():
    return cfa(holzinger_swineford(), reference()["hs_cfa"]["model"])


def test_heywood_case_is_reported():
    # two items nearly collinear and a third unrelated: the residual variance goes negative
    rng = np.random.default_rng(2)
    z = rng.standard_normal(300)
    data = pd.DataFrame(
        {
            "a": z + 0.01 * rng.standard_normal(300),
            "b": z + 0.5 * rng.standard_normal(300),
            "c": 0.2 * z + rng.standard_normal(300),
            "d": 0.15 * z + rng.standard_normal(300),
        }
    )
    res = cfa(data, "f =~ b + c + d + a")
    heywood = [w for w in res.warnings if "Heywood" in w]
    assert res.params.query("op == '~~' and lhs == 'a' and rhs == 'a'")["est"].iloc[0] < 0
    assert heywood and "residual variance of a" in heywood[0]
    notes = res.summary().notes
    assert any(n.startswith("WARNING: negative residual variance of a") for n in notes)
    assert "Caution" in res.verdict()


@pytest.mark.slow
def test_standard_errors_give_nominal_coverage():
    """95% Wald intervals of a loading cover the true value about 95% of the time."""
    lam = np.array([0.8, 0.7, 0.6, 0.7, 0.6, 0.5])
    truth = lam[1] / lam[0]  # unstandardised loading of b with a as marker
    hits = 0
    reps = 150
    for seed in range(reps):
        rng = np.random.default_rng(seed)
        eta = rng.standard_normal((250, 2)) @ np.linalg.cholesky([[1, 0.3], [0.3, 1]]).T
        y = eta[:, [0, 0, 0, 1, 1, 1]] * lam + rng.standard_normal((250, 6)) * np.sqrt(1 - lam**2)
        res = cfa(pd.DataFrame(y, columns=list("abcdef")), "fa =~ a + b + c\nfb =~ d + e + f")
        row = res.params.query("op == '=~' and rhs == 'b'").iloc[0]
        hits += abs(row["est"] - truth) <= 1.96 * row["se"]
    assert 0.89 <= hits / reps <= 0.99


def test_linearly_dependent_items_are_a_data_error(hs_fit):
    data = holzinger_swineford().copy()
    data["x3"] = data["x1"] + data["x2"]
    with pytest.raises(DataError, match="not positive definite"):
        cfa(data, reference()["hs_cfa"]["model"])
    frame = hs_fit.fit_frame()
    assert frame.loc["cfi", "value"] == pytest.approx(hs_fit.fit_indices["cfi"])


def test_fixed_variance_orthogonal_syntax_matches_lavaan():
    block = reference()["hs_cfa_stdlv"]
    res = cfa(holzinger_swineford(), block["model"])
    _check_fit(res.fit_indices, block["fit"])
    merged = res.loadings.merge(ref_loadings(block), on=["factor", "item"], suffixes=("", "_r"))
    np.testing.assert_allclose(merged["value"], merged["value_r"], atol=0.01)
    first = res.params.query("op == '=~' and rhs == 'x1'").iloc[0]
    assert first["free"] and first["se"] > 0  # NA* frees the first loading
