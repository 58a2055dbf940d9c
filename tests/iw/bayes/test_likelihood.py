"""The hand-written ordinal log-likelihood Op: values against 400-digit arithmetic, gradients
against finite differences (the whole model's likelihood: tests/test_hierarchical_data.py)."""

from __future__ import annotations

import mpmath
import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytensor.gradient import verify_grad

from llmvalues.iw.bayes.likelihood import OrdinalCountLogLik, ordinal_count_loglik, row_logp

mpmath.mp.dps = 400  # Φ(40) − Φ(35) ≈ 1e-268 still needs hundreds of digits


def _exact(u: float, lo: float, link: str) -> float:
    if link == "logit":
        f = lambda z: 1 / (1 + mpmath.exp(-mpmath.mpf(z)))  # noqa: E731
    else:
        f = lambda z: mpmath.ncdf(mpmath.mpf(z))  # noqa: E731
    return float(mpmath.log(f(u) - f(lo)))


BOUNDS = [
    (0.5, -0.5),
    (3.0, 2.9),  # narrow category
    (40.0, 35.0),  # far upper tail: both cdfs ≈ 1
    (-35.0, -40.0),  # far lower tail: both cdfs ≈ 0
    (-25.0, -100.0),  # lowest category (open end stands at -100)
    (100.0, 25.0),  # highest category
    (100.0, -100.0),  # a single category covering everything
    (1e-3, -1e-3),
    (8.0, -8.0),
]


@pytest.mark.parametrize("link", ["logit", "probit"])
@pytest.mark.parametrize(("upper", "lower"), BOUNDS)
def test_row_logp_matches_high_precision_arithmetic(link, upper, lower):
    got = row_logp(np.array([upper]), np.array([lower]), link)[0]
    assert got == pytest.approx(_exact(upper, lower, link), rel=1e-9, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    lower=st.floats(-60, 60),
    width=st.floats(1e-4, 80),
    link=st.sampled_from(["logit", "probit"]),
)
def test_row_logp_is_a_finite_log_probability(lower, width, link):
    value = row_logp(np.array([lower + width]), np.array([lower]), link)[0]
    assert np.isfinite(value)
    assert value <= 1e-12


def _layout(rng: np.random.Generator, n_rows: int = 40, n_cells: int = 7, n_bounds: int = 9):
    low = rng.integers(0, n_bounds - 1, n_rows)
    cell = rng.integers(0, n_cells, n_rows)
    bounds = np.sort(rng.normal(0, 2, n_bounds)) + np.arange(n_bounds) * 0.3
    return low, cell, bounds, rng.normal(0, 1.5, n_cells), rng.integers(1, 6, n_rows) * 1.0


@pytest.mark.parametrize("link", ["logit", "probit"])
def test_gradient_matches_finite_differences(link):
    rng = np.random.default_rng(3)
    low, cell, bounds, eta, counts = _layout(rng)

    def total(b, e):
        return ordinal_count_loglik(b, e, pt.constant(counts), low, cell, link)

    verify_grad(total, [bounds, eta], rng=rng, abs_tol=1e-6, rel_tol=1e-6)


@pytest.mark.parametrize("link", ["logit", "probit"])
def test_total_is_the_count_weighted_sum_of_row_logps(link):
    rng = np.random.default_rng(4)
    low, cell, bounds, eta, counts = _layout(rng)
    b, e, c = pt.dvector(), pt.dvector(), pt.dvector()
    f = pytensor.function([b, e, c], ordinal_count_loglik(b, e, c, low, cell, link))
    upper, lower = bounds[low + 1] - eta[cell], bounds[low] - eta[cell]
    exact = sum(n * _exact(u, lo, link) for n, u, lo in zip(counts, upper, lower, strict=True))
    assert f(bounds, eta, counts) == pytest.approx(exact, rel=1e-12)


def test_op_rejects_bad_layouts():
    with pytest.raises(ValueError, match="link"):
        OrdinalCountLogLik(link="cloglog")
    b, e, c = pt.dvector(), pt.dvector(), pt.dvector()
    with pytest.raises(ValueError, match="one entry per row"):
        ordinal_count_loglik(b, e, c, np.zeros(2), np.zeros(3))


def test_second_derivatives_are_refused_not_silently_zero():
    low, cell = np.array([0, 1]), np.array([0, 0])
    b, e = pt.dvector(), pt.dvector()
    g = pytensor.grad(ordinal_count_loglik(b, e, pt.constant([1.0, 2.0]), low, cell), e)
    with pytest.raises(NotImplementedError, match="second derivatives"):
        pytensor.grad(g.sum(), e)
