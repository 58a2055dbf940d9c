"""Intervals from draws: equal-tailed intervals, draw summaries and 2-D regions.

The draws are posterior draws (hierarchical fit) or bootstrap resamples (classic fit);
the arithmetic is the same, what the interval means is said by the fit that made them.
"""

from __future__ import annotations

import numpy as np

LEVELS = (0.5, 0.9, 0.95)
"""Interval probabilities tabulated in every map fit's ``centroids``."""


def check_level(level: float) -> float:
    """``level`` as a float in (0, 1), or a ValueError naming it.

    Parameters
    ----------
    level
        Interval probability (0.9 = a 90% interval).

    Returns
    -------
    float
        The level.
    """
    if not isinstance(level, int | float | np.floating) or not 0 < level < 1:
        raise ValueError(f"level must be a probability in (0, 1), e.g. 0.9; got {level!r}")
    return float(level)


def level_tag(level: float) -> str:
    """Column suffix of a level: 0.9 → ``"90"`` (as in ``x_lo90``)."""
    return f"{round(check_level(level) * 100):d}"


def interval(draws: np.ndarray, level: float, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed interval of ``draws`` along ``axis``.

    Parameters
    ----------
    draws
        Array of draws; NaN draws make that element's bounds NaN.
    level
        Interval probability.
    axis
        Axis that holds the draws.

    Returns
    -------
    (lo, hi)
        The ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles.
    """
    a = (1 - check_level(level)) / 2
    return np.quantile(draws, a, axis=axis), np.quantile(draws, 1 - a, axis=axis)


def summarise_draws(draws: np.ndarray, level: float) -> dict[str, np.ndarray]:
    """Mean, SD and the ``level`` interval of draws along axis 0.

    Parameters
    ----------
    draws
        (draws, …) array.
    level
        Interval probability.

    Returns
    -------
    dict
        ``mean``, ``sd`` (ddof 1), ``lo``, ``hi``, each shaped like ``draws[0]``.
    """
    lo, hi = interval(draws, level)
    return {"mean": draws.mean(0), "sd": draws.std(0, ddof=1), "lo": lo, "hi": hi}


def credible_ellipse(xy: np.ndarray, level: float) -> dict[str, float]:
    """Ellipse (centre, width, height, angle in degrees) holding ``level`` of 2-D draws.

    Shape from the covariance of the draws, size from the empirical quantile of their
    Mahalanobis distances, so it holds the stated share of draws even when they are not
    normal. Draws with NaN give a NaN ellipse.

    Parameters
    ----------
    xy
        (draws, 2) array.
    level
        Share of draws inside.

    Returns
    -------
    dict
        ``x``, ``y``, ``width``, ``height``, ``angle``.
    """
    check_level(level)
    if not np.isfinite(xy).all():
        return dict.fromkeys(("x", "y", "width", "height", "angle"), float("nan"))
    centre = xy.mean(0)
    cov = np.cov(xy.T)
    d2 = np.einsum("si,ij,sj->s", xy - centre, np.linalg.pinv(cov), xy - centre)
    r2 = float(np.quantile(d2, level))
    values, vectors = np.linalg.eigh(cov)
    values = np.clip(values, 0.0, None)
    major = vectors[:, 1]
    return {
        "x": float(centre[0]),
        "y": float(centre[1]),
        "width": float(2 * np.sqrt(values[1] * r2)),
        "height": float(2 * np.sqrt(values[0] * r2)),
        "angle": float(np.degrees(np.arctan2(major[1], major[0]))),
    }
