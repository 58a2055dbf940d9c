"""Alpha and omega against psych 2.2.9, plus invariance properties of alpha."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmvalues.sem import DataError, alpha, omega
from tests.sem.lavaan_reference import bfi, holzinger_swineford, reference

HS_ITEMS = [f"x{i}" for i in range(1, 10)]


def test_alpha_matches_psych():
    ref = reference()["alpha_hs"]
    res = alpha(holzinger_swineford()[HS_ITEMS])
    assert res.alpha == pytest.approx(ref["raw_alpha"], abs=0.005)
    assert res.std_alpha == pytest.approx(ref["std_alpha"], abs=0.005)
    assert res.lo == pytest.approx(ref["ci"][0], abs=0.005)
    assert res.hi == pytest.approx(ref["ci"][2], abs=0.005)
    np.testing.assert_allclose(res.items["item_rest"], ref["r_drop"], atol=0.005)
    np.testing.assert_allclose(res.items["alpha_if_deleted"], ref["alpha_drop"], atol=0.005)
    row = res.to_frame().iloc[0]
    assert row["alpha"] == pytest.approx(ref["raw_alpha"], abs=0.005)
    assert (row["lo"], row["hi"], row["level"], row["n_obs"]) == (res.lo, res.hi, 0.95, 301)
    s = res.summary()
    assert s["Reliability"].iloc[0]["std_alpha"] == pytest.approx(ref["std_alpha"], abs=0.005)
    np.testing.assert_allclose(s["Item statistics"]["item_rest"], ref["r_drop"], atol=0.005)
    assert "95% interval of alpha by Feldt" in s.notes[0]


def test_alpha_with_missing_values_pairwise_as_psych():
    res = alpha(bfi()[["C1", "C2", "C3"]])
    assert res.alpha == pytest.approx(reference()["alpha_bfi_c"]["raw_alpha"], abs=0.005)


def test_omega_matches_psych():
    ref = reference()["omega_hs"]
    res = omega(holzinger_swineford()[HS_ITEMS], 3)
    assert res.omega_h == pytest.approx(ref["omega_h"], abs=0.005)
    assert res.omega_total == pytest.approx(ref["omega_t"], abs=0.005)
    assert res.alpha == pytest.approx(ref["alpha"], abs=0.005)
    sl = np.array(ref["schmid"])
    np.testing.assert_allclose(res.schmid_leiman["g"], sl[:, 0], atol=0.01)
    np.testing.assert_allclose(res.schmid_leiman["h2"], sl[:, 4], atol=0.01)
    row = res.to_frame().iloc[0]
    assert row["omega_h"] == pytest.approx(ref["omega_h"], abs=0.005)
    assert row["omega_total"] == pytest.approx(ref["omega_t"], abs=0.005)
    assert row["n_factors"] == 3
    s = res.summary()
    np.testing.assert_allclose(s["Schmid-Leiman loadings"]["g"], sl[:, 0], atol=0.01)
    assert s["Reliability"].iloc[0]["alpha"] == pytest.approx(ref["alpha"], abs=0.005)


@settings(max_examples=30, deadline=None)
@given(
    scale=st.lists(st.floats(0.2, 5.0), min_size=4, max_size=4),
    shift=st.floats(-10, 10),
    seed=st.integers(0, 1000),
)
def test_alpha_invariances(scale, shift, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((80, 1)) + rng.standard_normal((80, 4))
    import pandas as pd

    base = alpha(pd.DataFrame(x))
    shifted = alpha(pd.DataFrame(x + shift))
    scaled = alpha(pd.DataFrame(x * np.array(scale)))
    assert shifted.alpha == pytest.approx(base.alpha, abs=1e-9)  # location free
    assert scaled.std_alpha == pytest.approx(base.std_alpha, abs=1e-9)  # scale free
    assert base.lo < base.alpha < base.hi


def test_reliability_errors():
    data = holzinger_swineford()[HS_ITEMS]
    with pytest.raises(DataError, match="item 'x4' is constant"):
        alpha(data.assign(x4=2.0))
    with pytest.raises(DataError, match="at least two items"):
        alpha(data[["x1"]])
    with pytest.raises(DataError, match="group factors"):
        omega(data, 6)
