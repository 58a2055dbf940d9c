"""Reliability of the discovered dimensions: alpha, omega, split-half and test–retest, with intervals.

Alpha (Feldt interval) and the one-factor EFA behind omega come from
:mod:`llmvalues.sem`; omega total per dimension is (Σλ)² / ((Σλ)² + Σψ) of a
one-factor minres solution, with a bootstrap interval over respondents. Terms with a
negative primary loading are reverse-scored first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from llmvalues.sem import DataError, alpha, efa


def keyed_items(matrix: pd.DataFrame, table: pd.DataFrame, factor: str) -> pd.DataFrame:
    """The dimension's terms, reverse-scored where their primary loading is negative.

    Parameters
    ----------
    matrix
        Respondents × terms ratings.
    table
        The loading table (``factor``, ``primary_loading`` per term).
    factor
        The dimension.

    Returns
    -------
    pandas.DataFrame
        Respondents × the dimension's terms.
    """
    rows = table[table["factor"] == factor]
    data = matrix[rows.index.tolist()].copy()
    for term, loading in rows["primary_loading"].items():
        if loading < 0:
            col = data[term]
            data[term] = col.max() + col.min() - col
    return data


def omega_total(data: pd.DataFrame) -> float:
    """McDonald's omega total of a one-factor solution (needs at least 3 items).

    Parameters
    ----------
    data
        Respondents × items.

    Returns
    -------
    float
    """
    fit = efa(data, 1, method="minres", rotation="none", missing="pairwise")
    lam = fit.loadings.iloc[:, 0].to_numpy()
    psi = 1.0 - lam**2
    return float(lam.sum() ** 2 / (lam.sum() ** 2 + psi.sum()))


def split_half(data: pd.DataFrame) -> float:
    """Spearman–Brown corrected correlation of odd- and even-position half scores.

    Parameters
    ----------
    data
        Respondents × items; their column order decides the odd and even halves.

    Returns
    -------
    float
    """
    cols = list(data.columns)
    a = data[cols[0::2]].mean(axis=1)
    b = data[cols[1::2]].mean(axis=1)
    both = pd.concat([a, b], axis=1).dropna()
    r = float(np.corrcoef(both.iloc[:, 0], both.iloc[:, 1])[0, 1])
    return 2 * r / (1 + r)


def _bootstrap(data: pd.DataFrame, stat, n_boot: int, level: float, rng) -> tuple[float, float]:
    draws = []
    for _ in range(n_boot):
        sample = data.iloc[rng.integers(0, len(data), len(data))].reset_index(drop=True)
        try:
            value = stat(sample)
        except (DataError, ValueError, np.linalg.LinAlgError):
            continue
        if np.isfinite(value):
            draws.append(value)
    if len(draws) < n_boot // 2:
        return float("nan"), float("nan")
    tail = (1 - level) / 2
    lo, hi = np.quantile(draws, [tail, 1 - tail])
    return float(lo), float(hi)


_RELIABILITY_COLUMNS = [
    "factor",
    "n_terms",
    "n_respondents",
    "alpha",
    "alpha_lo",
    "alpha_hi",
    "omega",
    "omega_lo",
    "omega_hi",
    "split_half",
    "split_half_lo",
    "split_half_hi",
    "note",
]


def dimension_reliability(
    matrix: pd.DataFrame,
    table: pd.DataFrame,
    *,
    n_boot: int = 300,
    level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Per factor: alpha (Feldt interval), omega total and split-half (bootstrap intervals).

    Parameters
    ----------
    matrix, table
        The ratings (respondents × terms) and the loading table.
    n_boot, level, seed
        Respondent resamples of the bootstrap, probability of all intervals, seed.

    Returns
    -------
    pandas.DataFrame
        Index ``factor``: ``n_terms``, ``n_respondents``, ``alpha``, ``alpha_lo``,
        ``alpha_hi``, ``omega``, ``omega_lo``, ``omega_hi``, ``split_half``,
        ``split_half_lo``, ``split_half_hi``, ``note``.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for factor in sorted(table["factor"].dropna().unique()):
        data = keyed_items(matrix, table, factor)
        row = {"factor": factor, "n_terms": data.shape[1], "n_respondents": len(data)}
        if data.shape[1] < 2:
            row["note"] = "one term: no internal consistency"
            rows.append(row)
            continue
        a = alpha(data, level=level)
        row.update(alpha=a.alpha, alpha_lo=a.lo, alpha_hi=a.hi)
        row["split_half"] = split_half(data)
        row["split_half_lo"], row["split_half_hi"] = _bootstrap(
            data, split_half, n_boot, level, rng
        )
        if data.shape[1] >= 3:
            row["omega"] = omega_total(data)
            row["omega_lo"], row["omega_hi"] = _bootstrap(data, omega_total, n_boot, level, rng)
            row["note"] = ""
        else:
            row["note"] = "two terms: omega needs three"
        rows.append(row)
    return pd.DataFrame(rows, columns=_RELIABILITY_COLUMNS).set_index("factor")


def scale_scores(matrix: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Respondent × factor mean of the factor's (keyed) terms.

    Parameters
    ----------
    matrix
        Respondents × terms ratings.
    table
        The loading table.

    Returns
    -------
    pandas.DataFrame
        Respondents × factors.
    """
    factors = sorted(table["factor"].dropna().unique())
    return pd.DataFrame(
        {f: keyed_items(matrix, table, f).mean(axis=1) for f in factors}, index=matrix.index
    )


def retest_reliability(
    first: pd.DataFrame, second: pd.DataFrame, table: pd.DataFrame, level: float = 0.95
) -> pd.DataFrame:
    """Per factor: correlation of the scale scores of the same respondents in two runs.

    Parameters
    ----------
    first, second
        Respondents × terms ratings of the two runs.
    table
        The loading table of the first run.
    level
        Probability of the Fisher-z intervals.

    Returns
    -------
    pandas.DataFrame
        Index ``factor``: ``n_respondents``, ``retest_r``, ``retest_lo``, ``retest_hi``.
    """
    common = first.index.intersection(second.index)
    if len(common) < 4:
        raise DataError(
            f"test–retest needs at least 4 respondents rated in both runs, found {len(common)}"
        )
    a = scale_scores(first.loc[common], table)
    b = scale_scores(second.loc[common].reindex(columns=first.columns), table)
    z = stats.norm.ppf(1 - (1 - level) / 2)
    rows = []
    for factor in a.columns:
        pair = pd.concat([a[factor], b[factor]], axis=1).dropna()
        n = len(pair)
        r = float(np.corrcoef(pair.iloc[:, 0], pair.iloc[:, 1])[0, 1]) if n > 3 else np.nan
        half = z / np.sqrt(n - 3) if n > 3 else np.nan
        clipped = np.clip(r, -0.999999, 0.999999)
        rows.append(
            {
                "factor": factor,
                "n_respondents": n,
                "retest_r": r,
                "retest_lo": float(np.tanh(np.arctanh(clipped) - half)),
                "retest_hi": float(np.tanh(np.arctanh(clipped) + half)),
            }
        )
    return pd.DataFrame(rows).set_index("factor")
