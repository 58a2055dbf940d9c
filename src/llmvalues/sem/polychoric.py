"""Polychoric correlations by the two-step method, with their asymptotic covariance matrix.

Step 1: each item's thresholds from its cumulative proportions. Step 2: each pair's
correlation by maximum likelihood given those thresholds (Olsson 1979), as lavaan does.
The asymptotic covariance (what DWLS weights and robust statistics need) comes from
case-wise influence functions that include the threshold step (Muthen 1984), with the
Hessian blocks estimated by outer products of scores, as lavaan 0.6 does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from llmvalues.summary import Summary

from .threads import single_blas_thread
from .validation import DataError, check_n, check_variation, item_frame

_GL_X, _GL_W = np.polynomial.legendre.leggauss(48)
_RHO_BOUND = 0.9999
_INV_2PI = 1.0 / (2.0 * np.pi)


def bvn_cdf(h: np.ndarray, k: np.ndarray, rho: float) -> np.ndarray:
    """Standard bivariate normal CDF P(X<=h, Y<=k) for correlation rho (finite h, k).

    Uses Phi2 = Phi(h)Phi(k) + (1/2pi) int_0^asin(rho) exp(-(h^2+k^2-2hk sin t)/(2cos^2 t)) dt
    (Sheppard's formula) with 48-point Gauss-Legendre quadrature.

    Parameters
    ----------
    h, k
        Upper limits (arrays of one shape).
    rho
        The correlation.

    Returns
    -------
    numpy.ndarray
    """
    h = np.asarray(h, dtype=float)
    k = np.asarray(k, dtype=float)
    base = special.ndtr(h) * special.ndtr(k)
    if rho == 0.0:
        return base
    a = np.arcsin(rho)
    t = 0.5 * a * (_GL_X + 1.0)
    s, c2 = np.sin(t), np.cos(t) ** 2
    hh, kk = h[..., None], k[..., None]
    f = np.exp(-(hh * hh + kk * kk - 2.0 * hh * kk * s) / (2.0 * c2))
    return base + _INV_2PI * 0.5 * a * (f @ _GL_W)


def bvn_pdf(h: np.ndarray, k: np.ndarray, rho: float) -> np.ndarray:
    """Standard bivariate normal density (zero where h or k is infinite).

    Parameters
    ----------
    h, k, rho
        Where to evaluate it (arrays of one shape), and the correlation.

    Returns
    -------
    numpy.ndarray
    """
    h = np.asarray(h, dtype=float)
    k = np.asarray(k, dtype=float)
    one = 1.0 - rho * rho
    with np.errstate(invalid="ignore", over="ignore"):
        q = (h * h - 2.0 * rho * h * k + k * k) / one
        out = np.exp(-0.5 * q) / (2.0 * np.pi * np.sqrt(one))
    return np.where(np.isfinite(h) & np.isfinite(k), out, 0.0)


def cell_probabilities(tau_i: np.ndarray, tau_j: np.ndarray, rho: float) -> np.ndarray:
    """Probabilities of the K_i x K_j cells of a pair under a bivariate normal with thresholds.

    Parameters
    ----------
    tau_i, tau_j
        The two items' thresholds.
    rho
        The polychoric correlation.

    Returns
    -------
    numpy.ndarray
        K_i x K_j cell probabilities (floored at 1e-300).
    """
    hi, hj = len(tau_i), len(tau_j)
    cdf = np.zeros((hi + 2, hj + 2))
    cdf[1:-1, 1:-1] = bvn_cdf(tau_i[:, None] * np.ones(hj), np.ones(hi)[:, None] * tau_j, rho)
    cdf[1:-1, -1] = special.ndtr(tau_i)
    cdf[-1, 1:-1] = special.ndtr(tau_j)
    cdf[-1, -1] = 1.0
    p = cdf[1:, 1:] - cdf[:-1, 1:] - cdf[1:, :-1] + cdf[:-1, :-1]
    return np.clip(p, 1e-300, None)


def _cell_dprob(tau_i: np.ndarray, tau_j: np.ndarray, rho: float) -> np.ndarray:
    """d pi_ab / d rho: the bivariate density at the cell corners (Plackett's identity)."""
    ti = np.concatenate([[-np.inf], tau_i, [np.inf]])
    tj = np.concatenate([[-np.inf], tau_j, [np.inf]])
    dens = bvn_pdf(ti[:, None], tj[None, :], rho)
    return dens[1:, 1:] - dens[:-1, 1:] - dens[1:, :-1] + dens[:-1, :-1]


def _mean_score(props: np.ndarray, tau_i: np.ndarray, tau_j: np.ndarray, rho: float) -> float:
    p = cell_probabilities(tau_i, tau_j, rho)
    return float(np.sum(props * _cell_dprob(tau_i, tau_j, rho) / p))


def fit_pair(table: np.ndarray, tau_i: np.ndarray, tau_j: np.ndarray) -> float:
    """Maximum-likelihood polychoric correlation of one contingency table, thresholds given.

    Parameters
    ----------
    table
        K_i x K_j counts.
    tau_i, tau_j
        The two items' thresholds.

    Returns
    -------
    float
    """
    table = np.asarray(table, dtype=float)
    if table.shape == (2, 2) and (table == 0).any():
        table = table + 0.5 * (table == 0)  # lavaan's zero.add for 2x2 tables
    n = table.sum()

    def negll(r: float) -> float:
        return -float(np.sum(table * np.log(cell_probabilities(tau_i, tau_j, r)))) / n

    res = optimize.minimize_scalar(
        negll, bounds=(-_RHO_BOUND, _RHO_BOUND), method="bounded", options={"xatol": 1e-10}
    )
    return float(res.x)


def item_codes(values: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Map an item's observed values to 0..K-1 codes (NaN -> -1) and return the categories.

    Parameters
    ----------
    values
        The item's values (floats, NaN missing).
    name
        The item, for the message.

    Returns
    -------
    tuple
        (codes, categories).
    """
    ok = ~np.isnan(values)
    cats, inv = np.unique(values[ok], return_inverse=True)
    if len(cats) > 20:
        raise DataError(
            f"item {name!r} has {len(cats)} distinct values; an ordinal item needs at most 20 "
            "categories (is it continuous? use estimator='ML')"
        )
    if np.any(cats != np.round(cats)):
        raise DataError(
            f"item {name!r} has non-integer values; ordinal items must be coded 1, 2, …"
        )
    codes = np.full(values.shape, -1, dtype=np.int64)
    codes[ok] = inv
    return codes, cats


def thresholds_from_codes(codes: np.ndarray, k: int) -> np.ndarray:
    """Thresholds tau_1..tau_{K-1} = Phi^-1(cumulative proportions) of one item.

    Parameters
    ----------
    codes
        The item's codes 0..K-1 (-1 missing).
    k
        Categories.

    Returns
    -------
    numpy.ndarray
    """
    x = codes[codes >= 0]
    cum = np.cumsum(np.bincount(x, minlength=k))[:-1] / len(x)
    return special.ndtri(cum)


@dataclass
class PolychoricResult:
    """Polychoric correlations with thresholds and, for complete data, their asymptotic covariance.

    Parameters
    ----------
    correlation
        Items × items polychoric correlations (smoothed when ``smoothed``).
    thresholds
        Item → its thresholds tau_1..tau_{K-1}.
    categories
        Item → its observed categories.
    n
        Respondents used.
    smoothed
        Whether the matrix was made positive definite.
    min_eigenvalue
        Smallest eigenvalue before smoothing.
    gamma
        Asymptotic covariance of sqrt(n) (thresholds, correlations) (``acov=True`` only).
    n_dropped
        Rows dropped (listwise).
    boundary
        Item pairs whose correlation is at |r| = 1.
    """

    correlation: pd.DataFrame
    thresholds: dict[str, np.ndarray]
    categories: dict[str, np.ndarray]
    n: int
    smoothed: bool = False
    min_eigenvalue: float = float("nan")
    gamma: np.ndarray | None = field(default=None, repr=False)
    n_dropped: int = 0
    boundary: list[tuple[str, str]] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """The correlations in long form, one row per item pair (lower triangle, lavaan's order).

        Returns
        -------
        pandas.DataFrame
            ``a``, ``b``, ``correlation`` (``a`` is the later item of the pair).
        """
        names = list(self.correlation.columns)
        r = self.correlation.to_numpy()
        rows = [
            {"a": names[i], "b": names[j], "correlation": r[i, j]}
            for j in range(len(names))
            for i in range(j + 1, len(names))
        ]
        return pd.DataFrame(rows, columns=["a", "b", "correlation"])

    def summary(self) -> Summary:
        """The correlation matrix and the thresholds.

        Returns
        -------
        llmvalues.summary.Summary
            Tables ``Polychoric correlations`` (items × items) and ``Thresholds`` (item ×
            threshold number).
        """
        thresholds = self.thresholds_frame().pivot(
            index="item", columns="threshold", values="value"
        )
        notes = []
        if self.smoothed:
            notes.append(
                f"The matrix was not positive definite (smallest eigenvalue "
                f"{self.min_eigenvalue:.4f}) and was smoothed."
            )
        if self.boundary:
            pairs = ", ".join(f"{a}-{b}" for a, b in self.boundary)
            notes.append(f"Correlations at the boundary |r| = 1: {pairs}.")
        info = {"n": self.n, "rows dropped": self.n_dropped}
        tables = {
            "Polychoric correlations": self.correlation.rename_axis("item"),
            "Thresholds": thresholds.reindex(self.correlation.columns).rename_axis("item"),
        }
        return Summary("Polychoric correlations (two-step ML)", tables, notes, info)

    def thresholds_frame(self) -> pd.DataFrame:
        """Thresholds in long form.

        Returns
        -------
        pandas.DataFrame
            ``item``, ``threshold`` (1-based), ``value``.
        """
        rows = [
            {"item": item, "threshold": k + 1, "value": v}
            for item, taus in self.thresholds.items()
            for k, v in enumerate(taus)
        ]
        return pd.DataFrame(rows)


def smooth_correlation(r: np.ndarray, eps: float = 1e-8) -> tuple[np.ndarray, bool]:
    """Make a correlation matrix positive definite by flooring eigenvalues and rescaling.

    Parameters
    ----------
    r
        A correlation matrix.
    eps
        The smallest eigenvalue accepted.

    Returns
    -------
    tuple
        (the matrix, whether it was changed).
    """
    vals, vecs = np.linalg.eigh(r)
    if vals.min() > eps:
        return r, False
    vals = np.where(vals < eps, 100 * eps, vals)
    vals = vals * len(vals) / vals.sum()
    out = (vecs * vals) @ vecs.T
    d = np.sqrt(np.diag(out))
    out = out / np.outer(d, d)
    np.fill_diagonal(out, 1.0)
    return out, True


@single_blas_thread
def polychoric(
    data: pd.DataFrame | np.ndarray,
    items: list[str] | None = None,
    *,
    missing: str = "listwise",
    smooth: bool = True,
    acov: bool = False,
) -> PolychoricResult:
    """Polychoric correlation matrix of ordinal items (two-step ML, thresholds fixed first).

    Empty cells of 2x2 tables get 0.5 added (as lavaan does).

    Parameters
    ----------
    data
        Ordinal item data coded by integers.
    items
        Columns to use (default all).
    missing
        ``"listwise"`` uses complete rows (needed for ``acov``); ``"pairwise"`` uses, for
        each pair, the rows where both items are present.
    smooth
        Make a matrix that is not positive definite positive definite (eigenvalues floored,
        rescaled to a correlation matrix); the result says so.
    acov
        Also compute the asymptotic covariance of thresholds and correlations.

    Returns
    -------
    PolychoricResult
    """
    frame, dropped = item_frame(data, items, missing=missing)
    names = list(frame.columns if items is None else items)
    if len(names) < 2:
        raise DataError("polychoric correlations need at least two items")
    check_n(len(frame), 2, "polychoric correlations")
    check_variation(frame, names)
    if acov and missing != "listwise":
        raise DataError("the asymptotic covariance (acov=True) needs missing='listwise'")
    x = frame[names].to_numpy(dtype=float)
    codes, cats, taus = [], {}, {}
    for j, name in enumerate(names):
        c, cat = item_codes(x[:, j], name)
        codes.append(c)
        cats[name] = cat
        taus[name] = thresholds_from_codes(c, len(cat))
    codes_arr = np.column_stack(codes)
    p = len(names)
    r = np.eye(p)
    pair_info = {}
    for i in range(p):
        for j in range(i):
            ki, kj = len(cats[names[i]]), len(cats[names[j]])
            ok = (codes_arr[:, i] >= 0) & (codes_arr[:, j] >= 0)
            table = np.bincount(
                codes_arr[ok, i] * kj + codes_arr[ok, j], minlength=ki * kj
            ).reshape(ki, kj)
            rho = fit_pair(table, taus[names[i]], taus[names[j]])
            r[i, j] = r[j, i] = rho
            pair_info[(i, j)] = table
    boundary = [(names[i], names[j]) for (i, j) in pair_info if abs(r[i, j]) > _RHO_BOUND - 1e-4]
    raw_min = float(np.linalg.eigvalsh(r).min())
    smoothed = False
    if smooth:
        r, smoothed = smooth_correlation(r)
    gamma = None
    if acov and boundary:
        a, b = boundary[0]
        raise DataError(
            f"the polychoric correlation of {a!r} and {b!r} is at the boundary (|r| = 1): "
            f"their answers are (almost) perfectly ordered ({len(boundary)} such pair(s)), so "
            "its sampling variance is undefined and the ordinal estimator cannot weight it; "
            "use estimator='ML', or more varied respondents"
        )
    if acov:
        gamma = _asymptotic_covariance(
            codes_arr, names, taus, r if not smoothed else None, pair_info
        )
    corr = pd.DataFrame(r, index=names, columns=names)
    return PolychoricResult(
        corr, taus, cats, len(frame), smoothed, raw_min, gamma, dropped, boundary
    )


def _asymptotic_covariance(codes, names, taus, r, pair_info) -> np.ndarray:
    """Gamma = cov of the case-wise influence functions of (thresholds, correlations)."""
    if r is None:
        raise DataError(
            "the polychoric matrix is not positive definite; the ordinal estimator cannot use a "
            "smoothed matrix (too few respondents or near-duplicate items)"
        )
    n, p = codes.shape
    blocks = []
    tau_if = []
    for j, name in enumerate(names):
        tau = taus[name]
        k = len(tau) + 1
        props = np.cumsum(np.bincount(codes[:, j], minlength=k))[:-1] / n
        cell = ((np.arange(k)[:, None] <= np.arange(k - 1)[None, :]) - props) / stats.norm.pdf(tau)
        tau_if.append(cell)  # K x (K-1): IF of each threshold for a case in category a
        blocks.append(cell[codes[:, j]])
    rho_cols = []
    for i in range(p):
        for j in range(i):
            ti, tj = taus[names[i]], taus[names[j]]
            table = pair_info[(i, j)]
            props = table / table.sum()
            rho = r[i, j]
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                score = _cell_dprob(ti, tj, rho) / cell_probabilities(ti, tj, rho)
                # lavaan's blocks (outer products of scores): A22 = E[s_rho^2], A21 = E[s_rho s_tau]
                a22 = np.sum(props * score**2)
                a21_i = np.array(
                    [np.sum(props * score * s) for s in _tau_scores(ti, tj, rho, True)]
                )
                a21_j = np.array(
                    [np.sum(props * score * s) for s in _tau_scores(ti, tj, rho, False)]
                )
                cell_if = (
                    score - (tau_if[i] @ a21_i)[:, None] - (tau_if[j] @ a21_j)[None, :]
                ) / a22
            if not (np.isfinite(a22) and a22 > 0 and np.all(np.isfinite(cell_if[table > 0]))):
                raise DataError(
                    f"the sampling variance of the polychoric correlation of {names[i]!r} and "
                    f"{names[j]!r} (r = {rho:.3f}) cannot be computed: their table is (nearly) "
                    "degenerate; use estimator='ML', or more varied respondents"
                )
            rho_cols.append(cell_if[codes[:, i], codes[:, j]])
    infl = (
        np.column_stack([*blocks, np.column_stack(rho_cols)])
        if rho_cols
        else np.column_stack(blocks)
    )
    infl = infl - infl.mean(axis=0)
    gamma = infl.T @ infl / n
    if not np.all(np.isfinite(gamma)) or np.any(np.diag(gamma) <= 0):
        raise DataError(
            "the asymptotic covariance of the polychoric correlations is not finite: some "
            "item pairs have (nearly) degenerate tables; use estimator='ML' or more respondents"
        )
    return gamma


def _tau_scores(ti, tj, rho, first, h=1e-6) -> list[np.ndarray]:
    """Cell-wise d log pi_ab / d tau_k of the bivariate model, for each threshold of one item."""
    out = []
    for k in range(len(ti) if first else len(tj)):
        up_i, dn_i, up_j, dn_j = ti.copy(), ti.copy(), tj.copy(), tj.copy()
        if first:
            up_i[k] += h
            dn_i[k] -= h
        else:
            up_j[k] += h
            dn_j[k] -= h
        lp_up = np.log(cell_probabilities(up_i, up_j, rho))
        lp_dn = np.log(cell_probabilities(dn_i, dn_j, rho))
        out.append((lp_up - lp_dn) / (2 * h))
    return out
