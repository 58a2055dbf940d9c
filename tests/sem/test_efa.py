"""EFA, KMO, Bartlett and parallel analysis against psych 2.2.9 on bfi."""

from __future__ import annotations

import numpy as np
import pytest

from llmvalues.sem import DataError, bartlett, efa, kmo, parallel_analysis
from tests.sem.lavaan_reference import bfi, reference, simulate_two_factor, tucker

CASES = [(m, r) for m in ("minres", "ml", "pa") for r in ("oblimin", "varimax", "promax")] + [
    ("principal", "varimax")
]


@pytest.mark.parametrize(("method", "rotation"), CASES)
def test_efa_loadings_congruent_with_psych(method, rotation):
    ref = reference()["efa_bfi"][f"{method}_{rotation}"]
    res = efa(bfi(), 5, method=method, rotation=rotation)
    assert tucker(res.loadings.to_numpy(), np.array(ref["loadings"])).min() >= 0.99
    np.testing.assert_allclose(res.communalities, ref["communality"], atol=0.005)


def test_efa_frames_and_report():
    res = efa(bfi(), 5, rotation="oblimin")
    long = res.to_frame()
    assert list(long.columns) == ["factor", "item", "value"] and len(long) == 125
    assert (
        long.set_index(["item", "factor"]).loc[("N1", "F1"), "value"]
        == res.loadings.loc["N1", "F1"]
    )
    assert res.phi.shape == (5, 5)
    var = res.variance_explained()
    assert (np.diff(var["ss_loadings"]) <= 1e-9).all()  # ordered by variance explained
    assert (res.loadings.sum() > 0).all()  # signed to positive column sums
    s = res.summary()
    loadings = s["Loadings"]
    np.testing.assert_allclose(loadings[res.loadings.columns], res.loadings)
    np.testing.assert_allclose(loadings["h2"], res.communalities)
    np.testing.assert_allclose(loadings["h2"] + loadings["u2"], 1.0)
    np.testing.assert_allclose(s["Variance explained"]["proportion"], var["proportion"])
    np.testing.assert_allclose(s["Factor correlations"], res.phi)
    assert s.info == {"factors": 5, "method": "minres", "rotation": "oblimin", "n": res.n_obs,
                      "missing": "pairwise"}  # fmt: skip
    orthogonal = efa(bfi(), 5, rotation="varimax").summary()
    assert "Factor correlations" not in orthogonal.tables


def test_kmo_and_bartlett_match_psych():
    ref = reference()
    k = kmo(bfi())
    assert k.overall == pytest.approx(ref["bfi_kmo"]["msa"], abs=1e-6)
    np.testing.assert_allclose(k.per_item, ref["bfi_kmo"]["msai"], atol=1e-6)
    b = bartlett(bfi())
    assert b.n == ref["bfi_bartlett"]["n"]
    assert b.chisq == pytest.approx(ref["bfi_bartlett"]["chisq"], rel=1e-6)
    assert b.df == ref["bfi_bartlett"]["df"]
    # the frames and summaries hold the same numbers
    per_item = k.to_frame()
    assert list(per_item.columns) == ["item", "msa"] and len(per_item) == 25
    np.testing.assert_allclose(per_item["msa"], ref["bfi_kmo"]["msai"], atol=1e-6)
    assert k.summary().info["overall MSA"] == pytest.approx(ref["bfi_kmo"]["msa"], abs=1e-6)
    np.testing.assert_allclose(k.summary()["Per item"]["msa"], per_item["msa"])
    row = b.to_frame().iloc[0]
    assert row["chisq"] == pytest.approx(ref["bfi_bartlett"]["chisq"], rel=1e-6)
    assert row["df"] == ref["bfi_bartlett"]["df"] and row["pvalue"] == b.pvalue
    assert b.summary().to_frame().iloc[0]["n"] == ref["bfi_bartlett"]["n"]


def test_parallel_analysis_finds_the_planted_factors():
    data = simulate_two_factor(600, np.array([0.7, 0.6, 0.7, 0.6, 0.7, 0.6, 0.7, 0.6]), 0.2, seed=5)
    res = parallel_analysis(data, n_iter=40, seed=1)
    assert res.n_factors == 2
    assert res.n_components == 2
    frame = res.to_frame()
    assert list(frame.columns) == ["observed_pc", "random_pc", "observed_fa", "random_fa"]
    # the observed component eigenvalues are those of the correlation matrix
    eig = np.sort(np.linalg.eigvalsh(data.corr().to_numpy()))[::-1]
    np.testing.assert_allclose(frame["observed_pc"], eig, atol=1e-10)
    assert (frame["observed_fa"].iloc[:2] > frame["random_fa"].iloc[:2]).all()
    assert frame["observed_fa"].iloc[2] <= frame["random_fa"].iloc[2]
    s = res.summary()
    assert s.info == {"factors": 2, "components": 2}
    np.testing.assert_allclose(s["Eigenvalues"], frame)
    assert "0.95 quantile of 40 random-data eigenvalues" in s.notes[0]


def test_efa_input_errors():
    data = bfi()
    with pytest.raises(DataError, match="too many"):
        efa(data.iloc[:, :6], 4)
    with pytest.raises(DataError, match="item 'A1' is constant"):
        efa(data.assign(A1=1), 2)
    with pytest.raises(ValueError, match="method="):
        efa(data, 2, method="magic")
    with pytest.raises(ValueError, match="rotation="):
        efa(data, 2, rotation="spin")


def test_missing_values_policies_differ_and_are_recorded():
    pairwise = efa(bfi(), 2, missing="pairwise")
    listwise = efa(bfi(), 2, missing="listwise")
    assert listwise.n_obs == 2436 and pairwise.missing == "pairwise"
    assert not np.allclose(pairwise.loadings, listwise.loadings)
