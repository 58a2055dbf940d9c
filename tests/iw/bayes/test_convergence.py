"""Vectorised convergence diagnostics agree with ArviZ 0.23 element by element."""

from __future__ import annotations

import logging

import arviz as az
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from llmvalues.iw.bayes.convergence import ess_bulk, ess_tail, rhat, summary

logging.getLogger("arviz").setLevel(logging.ERROR)  # ArviZ logs a warning per NaN/short array


def _arviz(draws: np.ndarray) -> dict[str, np.ndarray]:
    """ArviZ reference: each scalar parameter of (chain, draw, K) passed as a 2-D array."""
    k = draws.shape[2]
    with np.errstate(all="ignore"):
        cols = [np.ascontiguousarray(draws[:, :, i]) for i in range(k)]
        return {
            "r_hat": np.array([float(az.rhat(c, method="rank")) for c in cols]),
            "ess_bulk": np.array([float(az.ess(c, method="bulk")) for c in cols]),
            "ess_tail": np.array([float(az.ess(c, method="tail")) for c in cols]),
        }


def _assert_match(draws: np.ndarray, rtol: float = 1e-8) -> None:
    ours = summary(draws)
    ref = _arviz(draws)
    for key in ("r_hat", "ess_bulk", "ess_tail"):
        np.testing.assert_allclose(ours[key], ref[key], rtol=rtol, atol=0, err_msg=key)


def _ar1(rng: np.random.Generator, chains: int, draws: int, k: int, phi: float) -> np.ndarray:
    out = np.empty((chains, draws, k))
    out[:, 0] = rng.standard_normal((chains, k))
    eps = rng.standard_normal((chains, draws, k)) * np.sqrt(1 - phi**2)
    for t in range(1, draws):
        out[:, t] = phi * out[:, t - 1] + eps[:, t]
    return out


def _mixed(rng: np.random.Generator, chains: int, draws: int) -> np.ndarray:
    """Many kinds of parameter side by side, so the per-parameter masks differ."""
    cols = [
        rng.standard_normal((chains, draws, 3)),  # iid
        _ar1(rng, chains, draws, 3, 0.95),  # late Geyer truncation
        _ar1(rng, chains, draws, 2, 0.5),
        _ar1(rng, chains, draws, 2, -0.6),  # anti-correlated: ESS > size
        rng.standard_normal((chains, draws, 2)) + 3.0 * np.arange(chains)[:, None, None],
        rng.standard_t(2, (chains, draws, 2)),  # heavy tails
        np.round(rng.uniform(-0.5, 2.5, (chains, draws, 2))),  # ties: values 0/1/2
        (rng.uniform(size=(chains, draws, 1)) < 0.03).astype(float),  # rare event
        np.full((chains, draws, 1), 1.7),  # constant
        np.broadcast_to(np.arange(chains, dtype=float)[:, None, None] * 0.3, (chains, draws, 1)),
    ]
    return np.concatenate(cols, axis=2)


@pytest.mark.parametrize(("chains", "draws"), [(4, 200), (4, 201), (3, 57), (1, 120), (2, 10)])
def test_matches_arviz_on_mixed_parameters(chains: int, draws: int) -> None:
    rng = np.random.default_rng(chains * 1000 + draws)
    _assert_match(_mixed(rng, chains, draws))


def test_edge_cases_have_expected_values() -> None:
    rng = np.random.default_rng(1)
    draws = _mixed(rng, 4, 200)
    out = summary(draws)
    assert out["r_hat"][11] > 1.5  # shifted chain means
    assert np.all(out["ess_bulk"][8:10] > 4 * 200)  # anti-correlated
    assert out["ess_bulk"][4] < 200  # phi = 0.95
    assert np.isnan(out["r_hat"][-2])  # constant: 0 / 0
    assert out["ess_bulk"][-2] == 800 and out["ess_tail"][-2] == 800


def test_single_chain_rhat_is_nan_but_ess_defined() -> None:
    draws = np.random.default_rng(2).standard_normal((1, 100, 4))
    out = summary(draws)
    assert np.all(np.isnan(out["r_hat"]))
    assert np.all(np.isfinite(out["ess_bulk"])) and np.all(np.isfinite(out["ess_tail"]))


def test_nan_parameter_gives_nan_and_leaves_others() -> None:
    draws = np.random.default_rng(3).standard_normal((4, 50, 3))
    draws[2, 7, 1] = np.nan
    out = summary(draws)
    for key in out:
        assert np.isnan(out[key][1])
        assert np.all(np.isfinite(out[key][[0, 2]]))
    _assert_match(draws)


def test_too_few_draws_is_nan() -> None:
    out = summary(np.random.default_rng(4).standard_normal((4, 3, 2)))
    assert all(np.all(np.isnan(v)) for v in out.values())


def test_shapes_and_single_functions() -> None:
    rng = np.random.default_rng(5)
    scalar = rng.standard_normal((4, 80))
    assert rhat(scalar).shape == ()
    np.testing.assert_allclose(rhat(scalar), az.rhat(scalar, method="rank"), rtol=1e-8)
    np.testing.assert_allclose(ess_bulk(scalar), az.ess(scalar, method="bulk"), rtol=1e-8)
    np.testing.assert_allclose(ess_tail(scalar), az.ess(scalar, method="tail"), rtol=1e-8)
    tensor = rng.standard_normal((4, 80, 2, 3))
    full = summary(tensor)
    for key, fn in (("r_hat", rhat), ("ess_bulk", ess_bulk), ("ess_tail", ess_tail)):
        assert full[key].shape == (2, 3)
        np.testing.assert_array_equal(fn(tensor), full[key])
    # the (2, 3) layout is the C-order reshape of the flat parameters
    flat = summary(tensor.reshape(4, 80, 6))
    np.testing.assert_array_equal(full["ess_bulk"].ravel(), flat["ess_bulk"])
    # through an xarray dataset as ArviZ users would call it
    ds = az.from_dict(posterior={"x": tensor}).posterior
    np.testing.assert_allclose(full["r_hat"], az.rhat(ds, method="rank")["x"].values, rtol=1e-8)


def test_chunking_does_not_change_results(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = _mixed(np.random.default_rng(6), 4, 100)
    whole = summary(draws)
    import llmvalues.iw.bayes.convergence as conv

    monkeypatch.setattr(conv, "_CHUNK_ELEMENTS", 900)  # 2 parameters per chunk
    chunked = summary(draws)
    for key in whole:
        np.testing.assert_array_equal(whole[key], chunked[key])


_draw_arrays = st.tuples(
    st.integers(1, 4), st.integers(4, 60), st.integers(1, 5), st.booleans()
).flatmap(
    lambda s: hnp.arrays(
        np.float64,
        (s[0], s[1], s[2]),
        elements=(
            st.integers(-2, 2).map(float)
            if s[3]
            else st.floats(-1e3, 1e3, allow_nan=False, allow_subnormal=False)
        ),
    )
)


@settings(deadline=None, max_examples=40)
@given(_draw_arrays)
def test_property_matches_arviz(draws: np.ndarray) -> None:
    _assert_match(draws)
