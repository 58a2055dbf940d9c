"""Numerical core of the official map: weighted moments and correlations, PCA, varimax, scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from statsmodels.multivariate.factor_rotation import rotate_factors

from llmvalues.iw.official import (
    orient_axes,
    principal_components,
    regression_score_weights,
    varimax,
    varimax_criterion,
    weighted_correlation,
    weighted_moments,
)
from llmvalues.iw.presets import ITEMS

codes = st.one_of(st.integers(1, 5).map(float), st.just(np.nan))


@st.composite
def weighted_answers(draw):
    """Small ordinal data with some NaN and integer weights (0 allowed) per row."""
    n = draw(st.integers(6, 25))
    data = draw(arrays(float, (n, 3), elements=codes))
    weights = draw(arrays(np.int64, n, elements=st.integers(0, 4)))
    return data, weights


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(weighted_answers())
def test_weighted_equals_unweighted_on_rows_duplicated_by_weight(case):
    data, weights = case
    duplicated = pd.DataFrame(np.repeat(data, weights, axis=0))
    expected = duplicated.corr(method="pearson", min_periods=1).to_numpy()
    got = weighted_correlation(data, weights.astype(float))
    both = ~np.isnan(expected) & ~np.isnan(got)
    np.testing.assert_allclose(got[both], expected[both], atol=1e-9)
    assert np.array_equal(np.isnan(got), np.isnan(expected) & ~np.eye(3, dtype=bool))
    means, sds = weighted_moments(data, weights.astype(float))
    counts = duplicated.notna().sum().to_numpy()
    np.testing.assert_allclose(means[counts > 1], duplicated.mean().to_numpy()[counts > 1])
    np.testing.assert_allclose(
        sds[counts > 1], duplicated.std(ddof=1).to_numpy()[counts > 1], atol=1e-9
    )


def test_weighted_correlation_known_answer():
    x = np.array([[1, 2], [2, 1], [3, 4], [np.nan, 9.0]])
    w = np.array([1.0, 2.0, 1.0, 5.0])  # the incomplete last row must not count
    # weighted means (1·1+2·2+3)/4 = 2, (2+2+4)/4 = 2; cov = (−1·0 + 0 + 1·2)/4
    # var_x = (1 + 0 + 1)/4, var_y = (0 + 2·1 + 4)/4 → r = 2 / sqrt(2·6)
    assert weighted_correlation(x, w)[0, 1] == pytest.approx(2 / np.sqrt(12))


def test_weights_must_be_finite_and_non_negative():
    with pytest.raises(ValueError, match="non-negative"):
        weighted_correlation(np.ones((3, 2)), np.array([1.0, -1.0, 1.0]))


def test_principal_components_known_answer():
    r = 0.6
    values, loadings = principal_components(np.array([[1, r], [r, 1]]), 1)
    np.testing.assert_allclose(values, [1 + r, 1 - r])
    np.testing.assert_allclose(loadings[:, 0], [np.sqrt((1 + r) / 2)] * 2)


loadings_10x2 = arrays(float, (10, 2), elements=st.floats(-0.95, 0.95)).filter(
    lambda a: np.all(np.sum(a**2, axis=1) > 0.05) and np.linalg.matrix_rank(a) == 2
)


@settings(max_examples=40, deadline=None)
@given(loadings_10x2)
def test_varimax_maximises_the_criterion_over_every_angle(a):
    rotated, rotation, _ = varimax(a, normalize=False)
    np.testing.assert_allclose(rotation.T @ rotation, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(a @ rotation, rotated, atol=1e-12)
    best = varimax_criterion(rotated)
    for phi in np.linspace(0, np.pi / 2, 181):
        c, s = np.cos(phi), np.sin(phi)
        assert varimax_criterion(a @ np.array([[c, -s], [s, c]])) <= best + 1e-10


def _same_up_to_order_and_sign(a: np.ndarray, b: np.ndarray, atol: float) -> bool:
    """True if b's columns are a's columns, permuted and sign-flipped."""
    unused = list(range(b.shape[1]))
    for column in a.T:
        match = next(
            (
                j
                for j in unused
                if any(np.allclose(column, s * b[:, j], atol=atol) for s in (1, -1))
            ),
            None,
        )
        if match is None:
            return False
        unused.remove(match)
    return True


def _angular_spread(a: np.ndarray) -> float:
    """Amplitude of the varimax criterion over rotation angles (0: every angle is optimal)."""
    u, v = a[:, 0] ** 2 - a[:, 1] ** 2, 2 * a[:, 0] * a[:, 1]
    n = len(u)
    num = 2 * (u @ v - u.sum() * v.sum() / n)
    den = u @ u - v @ v - (u.sum() ** 2 - v.sum() ** 2) / n
    return float(np.hypot(num, den))


@settings(max_examples=40, deadline=None)
@given(loadings_10x2, st.booleans())
def test_varimax_is_invariant_to_column_order_and_sign(a, normalize):
    h = np.sqrt((a**2).sum(axis=1))[:, None] if normalize else 1.0
    assume(_angular_spread(a / h) > 1e-6)  # otherwise every rotation is a varimax solution
    first = varimax(a, normalize=normalize)[0]
    for transform in (a[:, ::-1], a * np.array([1, -1]), a[:, ::-1] * np.array([-1, 1])):
        other = varimax(transform, normalize=normalize)[0]
        assert _same_up_to_order_and_sign(first, other, atol=1e-8), (first, other)


def test_varimax_three_factors_matches_statsmodels_and_converges():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(12, 3))
    ours, _, sweeps = varimax(a, normalize=False, max_iter=200)
    reference, _ = rotate_factors(a, "varimax")
    assert _same_up_to_order_and_sign(ours, reference, atol=1e-5)
    assert sweeps < 200


def test_kaiser_normalisation_rotates_the_row_normalised_loadings():
    rng = np.random.default_rng(4)
    a = rng.normal(size=(10, 2))
    h = np.sqrt((a**2).sum(axis=1))[:, None]
    rotated, rotation, _ = varimax(a, normalize=True)
    np.testing.assert_allclose(rotated / h, varimax(a / h, normalize=False)[0], atol=1e-12)
    np.testing.assert_allclose(a @ rotation, rotated, atol=1e-12)


def test_regression_weights_give_unit_variance_uncorrelated_scores():
    rng = np.random.default_rng(5)
    z = rng.normal(size=(500, 6)) @ rng.normal(size=(6, 6))
    z = (z - z.mean(0)) / z.std(0, ddof=1)
    corr = np.corrcoef(z, rowvar=False)
    _, unrotated = principal_components(corr, 2)
    rotated, _, _ = varimax(unrotated)
    scores = z @ regression_score_weights(corr, rotated)
    np.testing.assert_allclose(np.cov(scores, rowvar=False), np.eye(2), atol=1e-10)


def test_singular_correlation_matrix_is_an_error():
    with pytest.raises(ValueError, match="singular"):
        regression_score_weights(np.ones((3, 3)), np.ones((3, 2)))


def test_axes_are_named_by_content_not_by_component_order():
    survself = pd.Series(0.0, index=list(ITEMS))
    tradrat = pd.Series(0.0, index=list(ITEMS))
    survself[["y002", "f118", "a008"]] = [0.7, 0.8, -0.6]
    tradrat[["f063", "f120", "y003"]] = [-0.9, 0.7, 0.6]
    expected = pd.DataFrame({"survself": survself, "tradrat": tradrat})
    for columns, sign in (((survself, tradrat), (1, 1)), ((tradrat, survself), (-1, -1))):
        frame = pd.DataFrame({0: columns[0] * sign[0], 1: columns[1] * sign[1]})
        oriented, order = orient_axes(frame)
        pd.testing.assert_frame_equal(oriented, expected)
        assert order["survself"] == (0 if columns[0] is survself else 1)
