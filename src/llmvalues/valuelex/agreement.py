"""Krippendorff's alpha for several judges (nominal, ordinal, interval, ratio) with a bootstrap CI.

Computed from the coincidence matrix as in Krippendorff (2011), "Computing Krippendorff's
alpha-reliability": alpha = 1 − D_o / D_e; units coded by fewer than two judges are not
pairable and do not count. Missing codes are NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from llmvalues.summary import Summary

#: Krippendorff's difference functions (metrics) by level of measurement
METRICS = ("nominal", "ordinal", "interval", "ratio")


class AgreementError(ValueError):
    """Agreement cannot be computed from the data given; says why."""


def _delta2(values: np.ndarray, counts: np.ndarray, metric: str) -> np.ndarray:
    """Squared difference function δ²(c, k) between every pair of distinct values."""
    c, k = np.meshgrid(values, values, indexing="ij")
    if metric == "nominal":
        return (c != k).astype(float)
    if metric == "interval":
        return (c - k) ** 2
    if metric == "ratio":
        total = c + k
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(total == 0, 0.0, ((c - k) / np.where(total == 0, 1, total)) ** 2)
        return out
    cum = np.concatenate([[0.0], np.cumsum(counts)])
    i, j = np.meshgrid(np.arange(len(values)), np.arange(len(values)), indexing="ij")
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    between = cum[hi + 1] - cum[lo]
    return (between - (counts[i] + counts[j]) / 2.0) ** 2


def coincidences(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct values, coincidence matrix) of a raters × units array with NaN for missing.

    Parameters
    ----------
    data
        Raters × units codes; NaN = not coded.

    Returns
    -------
    tuple
        (sorted distinct values, their coincidence matrix).
    """
    data = np.asarray(data, dtype=float)
    values = np.unique(data[~np.isnan(data)])
    index = {v: i for i, v in enumerate(values)}
    o = np.zeros((len(values), len(values)))
    for unit in data.T:
        coded = unit[~np.isnan(unit)]
        m = len(coded)
        if m < 2:
            continue
        tally = np.zeros(len(values))
        for v in coded:
            tally[index[v]] += 1
        pairs = np.outer(tally, tally) - np.diag(tally)
        o += pairs / (m - 1)
    return values, o


def krippendorff_alpha(data, metric: str = "nominal") -> float:
    """Krippendorff's alpha of a raters × units array (NaN = not coded).

    Parameters
    ----------
    data
        Raters × units codes; NaN = not coded.
    metric
        The difference function: ``"nominal"``, ``"ordinal"``, ``"interval"`` or ``"ratio"``.

    Returns
    -------
    float
        Alpha (1 = perfect agreement, 0 = chance).

    Raises
    ------
    AgreementError
        When alpha is undefined (fewer than 2 raters, no pairable unit, no variation).
    """
    if metric not in METRICS:
        raise AgreementError(f"metric must be one of {METRICS}, got {metric!r}")
    arr = np.asarray(data, dtype=float)
    if arr.ndim != 2 or arr.shape[0] < 2:
        raise AgreementError(f"need a raters × units array with at least 2 raters, got {arr.shape}")
    values, o = coincidences(arr)
    n_c = o.sum(axis=1)
    n = n_c.sum()
    if n < 2:
        raise AgreementError("no unit was coded by two or more raters: alpha is undefined")
    if len(values) < 2:
        raise AgreementError("every code is the same value: alpha is undefined (no variation)")
    d2 = _delta2(values, n_c, metric)
    observed = (o * d2).sum() / n
    expected = (np.outer(n_c, n_c) * d2).sum() / (n * (n - 1))
    return float(1.0 - observed / expected)


@dataclass(frozen=True)
class KrippendorffAlpha:
    """Krippendorff's alpha with a bootstrap percentile interval over units.

    Parameters
    ----------
    alpha
        The point estimate.
    lo, hi
        Bounds of the percentile interval.
    metric
        The difference function used.
    level
        Probability of the interval.
    n_units, n_raters
        Units and raters of the data.
    n_boot
        Bootstrap resamples.
    """

    alpha: float
    lo: float
    hi: float
    metric: str
    level: float
    n_units: int
    n_raters: int
    n_boot: int

    def __str__(self) -> str:
        return (
            f"Krippendorff's alpha ({self.metric}) = {self.alpha:.3f}, {self.level:.0%} interval "
            f"[{self.lo:.3f}, {self.hi:.3f}], {self.n_raters} raters × {self.n_units} units"
        )

    def to_frame(self) -> pd.DataFrame:
        """The estimate as one row.

        Returns
        -------
        pandas.DataFrame
            ``alpha``, ``lo``, ``hi``, ``level``, ``metric``, ``n_units``, ``n_raters``,
            ``n_boot``.
        """
        keys = ["alpha", "lo", "hi", "level", "metric", "n_units", "n_raters", "n_boot"]
        return pd.DataFrame([{k: getattr(self, k) for k in keys}])

    def summary(self) -> Summary:
        """Alpha with its interval and the data's size.

        Returns
        -------
        llmvalues.summary.Summary
            Table ``Agreement`` (:meth:`to_frame`).
        """
        return Summary(
            "Krippendorff's alpha",
            {"Agreement": self.to_frame()},
            [
                f"{self.level:.0%} percentile interval from {self.n_boot} resamples of units; "
                "units coded by fewer than two raters do not count (Krippendorff 2011)."
            ],
        )


def alpha_interval(
    data, metric: str = "nominal", n_boot: int = 1000, level: float = 0.95, seed: int = 0
) -> KrippendorffAlpha:
    """Alpha and a percentile interval from resampling units with replacement.

    Parameters
    ----------
    data
        Raters × units codes; NaN = not coded.
    metric
        The difference function (see :func:`krippendorff_alpha`).
    n_boot
        Resamples of the units.
    level
        Probability of the interval.
    seed
        Seed of the resampling.

    Returns
    -------
    KrippendorffAlpha
    """
    arr = np.asarray(data, dtype=float)
    point = krippendorff_alpha(arr, metric)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(n_boot):
        sample = arr[:, rng.integers(0, arr.shape[1], arr.shape[1])]
        try:
            draws.append(krippendorff_alpha(sample, metric))
        except AgreementError:
            continue
    if not draws:
        raise AgreementError("no bootstrap resample had variation: cannot form an interval")
    tail = (1 - level) / 2
    lo, hi = np.quantile(draws, [tail, 1 - tail])
    return KrippendorffAlpha(
        point, float(lo), float(hi), metric, level, arr.shape[1], arr.shape[0], n_boot
    )
