"""Polychoric correlations and the ordinal (DWLS / WLSMV) estimator against lavaan 0.6.14."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from llmvalues.sem import DataError, cfa, polychoric
from llmvalues.sem.polychoric import bvn_cdf, cell_probabilities, fit_pair, smooth_correlation
from tests.sem.lavaan_reference import ordinal_sim, ref_loadings, reference, simulate_two_factor

ITEMS = [f"y{i}" for i in range(1, 11)]


@pytest.fixture(scope="module")
def poly():
    return polychoric(ordinal_sim(), ITEMS, acov=True)


def test_polychoric_matches_lavaan(poly):
    ref = np.array(reference()["ordinal"]["polychoric"])
    np.testing.assert_allclose(poly.correlation.to_numpy(), ref, atol=0.01)
    assert np.abs(poly.correlation.to_numpy() - ref).max() < 1e-5  # in fact, to optimiser precision
    taus = np.concatenate([poly.thresholds[c] for c in ITEMS])
    np.testing.assert_allclose(taus, reference()["ordinal"]["thresholds"], atol=1e-6)
    assert not poly.smoothed
    # tidy pairs, column by column of the lower triangle (lavaan's order)
    pairs = poly.to_frame()
    assert len(pairs) == 45 and list(pairs.columns) == ["a", "b", "correlation"]
    assert tuple(pairs.iloc[0][["a", "b"]]) == ("y2", "y1")
    by_column = [ref[i, j] for j in range(10) for i in range(j + 1, 10)]
    np.testing.assert_allclose(pairs["correlation"], by_column, atol=1e-5)
    s = poly.summary()
    np.testing.assert_allclose(s["Polychoric correlations"], ref, atol=1e-5)
    thresholds = s["Thresholds"]
    assert list(thresholds.index) == ITEMS
    np.testing.assert_allclose(thresholds.loc["y1"].dropna(), poly.thresholds["y1"])
    assert s.info == {"n": 1500, "rows dropped": 0} and s.notes == []


def test_dwls_weights_match_lavaan(poly):
    """Diagonal of lavaan's WLS.V = 1 / diag(NACOV), thresholds then correlations by column."""
    ref = np.array(reference()["ordinal"]["wls_v_diag"])
    w = 1.0 / np.diag(poly.gamma)
    n_thr = sum(len(poly.thresholds[c]) for c in ITEMS)
    lower = np.zeros((10, 10))
    lower[np.tril_indices(10, -1)] = w[n_thr:]
    by_column = [lower[i, j] for j in range(10) for i in range(j + 1, 10)]
    np.testing.assert_allclose(w[:n_thr], ref[:n_thr], rtol=1e-4)
    np.testing.assert_allclose(by_column, ref[n_thr:], rtol=1e-4)


@pytest.mark.parametrize("key", ["ordinal", "ordinal_1f"])
def test_wlsmv_fit_and_loadings_match_lavaan(key):
    block = reference()[key]
    res = cfa(ordinal_sim(), block["model"], estimator="ordinal")
    ref = block["fit"]
    fit = res.fit_indices
    assert fit["df"] == ref["df"]
    for k in ["chisq", "chisq.scaled", "baseline.chisq", "baseline.chisq.scaled"]:
        assert fit[k.replace(".", "_")] == pytest.approx(ref[k], rel=0.005), k
    for k in ["cfi", "tli", "rmsea", "rmsea.ci.upper", "srmr", "cfi.scaled", "tli.scaled",
              "rmsea.scaled"]:  # fmt: skip
        ours = "rmsea_hi" if k == "rmsea.ci.upper" else k.replace(".", "_")
        assert fit[ours] == pytest.approx(ref[k], abs=0.005), k
    np.testing.assert_allclose(res.loadings["value"], ref_loadings(block)["value"], atol=0.02)


def test_summary_puts_standard_and_scaled_statistics_side_by_side():
    block = reference()["ordinal_1f"]
    res = cfa(ordinal_sim(), block["model"], estimator="ordinal")
    s = res.summary()
    assert any("Standard = DWLS statistic, not lavaan's robust one" in n for n in s.notes)
    assert any("CFI (scaled)" in n for n in s.notes)
    user = s["Model Test User Model"]
    assert list(user.columns) == ["standard", "scaled"]
    assert user.loc["Test statistic", "standard"] == pytest.approx(block["fit"]["chisq"], rel=0.005)
    assert user.loc["Test statistic", "scaled"] == pytest.approx(
        block["fit"]["chisq.scaled"], rel=0.005
    )
    assert user.loc["Scaling correction factor", "scaled"] == res.fit_indices["scaling_factor"]
    versus = s["User Model versus Baseline Model"]
    assert versus.loc["Comparative Fit Index (CFI)", "scaled"] == pytest.approx(
        block["fit"]["cfi.scaled"], abs=0.005
    )
    assert "Loglikelihood and Information Criteria" not in s.tables  # ML only
    # one factor leaves the thresholds saturated: they equal lavaan's sample thresholds
    thresholds = s["Thresholds"]
    np.testing.assert_allclose(thresholds["est"], reference()["ordinal"]["thresholds"], atol=1e-6)
    assert list(thresholds["lhs"].unique()) == ITEMS
    assert s.info["Estimator"] == "DWLS"


@settings(max_examples=60, deadline=None)
@given(
    h=st.floats(-3, 3),
    k=st.floats(-3, 3),
    rho=st.floats(-0.97, 0.97),
)
def test_bivariate_normal_cdf_matches_scipy(h, k, rho):
    ours = float(bvn_cdf(np.array([h]), np.array([k]), rho)[0])
    theirs = stats.multivariate_normal.cdf(
        [h, k], mean=[0, 0], cov=[[1, rho], [rho, 1]], abseps=1e-10, releps=1e-10
    )
    assert ours == pytest.approx(theirs, abs=1e-7)


@settings(max_examples=25, deadline=None)
@given(rho=st.floats(-0.9, 0.9), seed=st.integers(0, 10_000))
def test_cell_probabilities_sum_to_one_and_recover_rho(rho, seed):
    tau_i, tau_j = np.array([-0.5, 0.4, 1.2]), np.array([-1.0, 0.3])
    p = cell_probabilities(tau_i, tau_j, rho)
    assert p.sum() == pytest.approx(1.0, abs=1e-10)
    assert (p >= 0).all()
    # the expected table (a huge sample) gives back the true correlation
    assert fit_pair(p * 1e6, tau_i, tau_j) == pytest.approx(rho, abs=1e-4)


def test_empty_cells_in_2x2_tables_get_lavaans_half():
    table = np.array([[30, 0], [10, 60]])
    tau = np.array([-0.5])
    # with 0.5 added to the empty cell the estimate stays inside (-1, 1)
    r = fit_pair(table, tau, tau)
    assert 0.9 < r < 0.9999


def test_smoothing_to_positive_definite():
    bad = np.array([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]])
    assert np.linalg.eigvalsh(bad).min() < 0
    fixed, changed = smooth_correlation(bad)
    assert changed
    assert np.linalg.eigvalsh(fixed).min() > 0
    np.testing.assert_allclose(np.diag(fixed), 1.0)


def test_polychoric_errors_and_missing_policy():
    data = ordinal_sim()[ITEMS[:3]].copy()
    data.loc[[0, 1], "y1"] = np.nan
    listwise = polychoric(data)
    pairwise = polychoric(data, missing="pairwise")
    assert listwise.n == 1498 and listwise.n_dropped == 2
    assert pairwise.correlation.iloc[1, 2] != listwise.correlation.iloc[1, 2]
    with pytest.raises(DataError, match=r"acov=True.*listwise"):
        polychoric(data, missing="pairwise", acov=True)
    with pytest.raises(DataError, match="item 'y2' is constant"):
        polychoric(data.assign(y2=3))
    with pytest.raises(DataError, match="non-integer"):
        polychoric(data.assign(y3=data["y3"] + 0.5))
    with pytest.raises(DataError, match="distinct values"):
        polychoric(pd.DataFrame({"a": np.arange(100.0), "b": np.arange(100.0) % 3}))


@pytest.mark.slow
def test_ordinal_parameter_recovery():
    lam = np.array([0.8, 0.7, 0.6, 0.5, 0.75, 0.65, 0.7, 0.55])
    cuts = [np.array([-1.0, 0.0, 1.0])] * 4 + [np.array([-0.5, 0.7])] * 4
    data = simulate_two_factor(3000, lam, 0.3, cuts, seed=11)
    res = cfa(data, "a =~ v1 + v2 + v3 + v4\nb =~ v5 + v6 + v7 + v8", estimator="ordinal")
    np.testing.assert_allclose(res.loadings["value"], lam, atol=0.06)
    phi = res.params.query("op == '~~' and lhs == 'a' and rhs == 'b'")["std_all"].iloc[0]
    assert phi == pytest.approx(0.3, abs=0.06)
    assert res.fit_indices["cfi_scaled"] > 0.98


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), flip=st.integers(0, 2))
def test_reversing_an_items_codes_flips_its_correlations(seed, flip):
    data = simulate_two_factor(
        400, np.array([0.8, 0.6, 0.7, 0.5]), 0.4, [np.array([-0.8, 0.2, 1.0])] * 4, seed=seed
    )
    base = polychoric(data).correlation.to_numpy()
    rev = data.copy()
    col = data.columns[flip]
    rev[col] = 5 - rev[col]  # codes 1..4 reversed
    flipped = polychoric(rev).correlation.to_numpy()
    sign = np.ones(4)
    sign[flip] = -1
    np.testing.assert_allclose(flipped, base * np.outer(sign, sign), atol=1e-6)
    assert np.allclose(base, base.T) and (np.abs(base) <= 1).all()


def test_ordinal_residual_covariance_matches_lavaan():
    block = reference()["ordinal_rescov"]
    res = cfa(ordinal_sim(), block["model"], estimator="ordinal")
    for k in ["chisq", "chisq.scaled"]:
        assert res.fit_indices[k.replace(".", "_")] == pytest.approx(block["fit"][k], rel=0.005)
    for k in ["cfi.scaled", "rmsea.scaled", "srmr"]:
        assert res.fit_indices[k.replace(".", "_")] == pytest.approx(block["fit"][k], abs=0.005)
    np.testing.assert_allclose(res.loadings["value"], ref_loadings(block)["value"], atol=0.02)


def test_perfectly_ordered_items_are_a_clear_error_for_the_ordinal_estimator():
    rng = np.random.default_rng(0)
    x = rng.integers(1, 5, 300)
    data = pd.DataFrame({"a": x, "b": x, "c": rng.integers(1, 4, 300)})
    res = polychoric(data)  # the correlations themselves are fine, and flagged
    assert res.boundary == [("b", "a")]
    with pytest.raises(DataError, match=r"'b' and 'a' is at the boundary"):
        polychoric(data, acov=True)
