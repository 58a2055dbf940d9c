"""Internal consistency: Cronbach's alpha with a Feldt interval, item statistics, McDonald's omega."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from llmvalues.summary import Summary

from .efa import extract, order_and_sign
from .rotation import rotate
from .threads import single_blas_thread
from .validation import DataError, check_n, check_variation, item_frame


def _cov(data, missing: str) -> tuple[np.ndarray, list[str], int]:
    frame, _ = item_frame(data, missing=missing)
    names = list(frame.columns)
    if len(names) < 2:
        raise DataError("reliability needs at least two items")
    check_n(len(frame), 3, "reliability")
    check_variation(frame, names)
    c = frame[names].cov(min_periods=2).to_numpy()
    if np.isnan(c).any():
        i, j = np.argwhere(np.isnan(c))[0]
        raise DataError(f"items {names[i]!r} and {names[j]!r} are never observed together")
    n = len(frame)
    return c, names, n


def _alpha_from_cov(c: np.ndarray) -> float:
    k = c.shape[0]
    return k / (k - 1) * (1.0 - np.trace(c) / c.sum())


@dataclass
class AlphaResult:
    """Cronbach's alpha, its Feldt confidence interval and item-level statistics.

    Parameters
    ----------
    alpha
        Raw alpha (from covariances).
    std_alpha
        Standardised alpha (from correlations).
    lo, hi
        Bounds of the Feldt interval of ``alpha``.
    level
        Probability of the interval.
    n_obs
        Respondents the interval uses.
    items
        Per item (index ``item``): ``item_rest`` (corrected item-total correlation) and
        ``alpha_if_deleted``.
    """

    alpha: float
    std_alpha: float
    lo: float
    hi: float
    level: float
    n_obs: int
    items: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """Alpha, its interval and n as one row.

        Returns
        -------
        pandas.DataFrame
            ``alpha``, ``std_alpha``, ``lo``, ``hi``, ``level``, ``n_obs``.
        """
        keys = ["alpha", "std_alpha", "lo", "hi", "level", "n_obs"]
        return pd.DataFrame([{k: getattr(self, k) for k in keys}])

    def summary(self) -> Summary:
        """Alpha with its Feldt interval, then the item statistics.

        Returns
        -------
        llmvalues.summary.Summary
            Tables ``Reliability`` (:meth:`to_frame`) and ``Item statistics``.
        """
        return Summary(
            "Cronbach's alpha",
            {"Reliability": self.to_frame(), "Item statistics": self.items},
            [f"{self.level:.0%} interval of alpha by Feldt, Woodruff & Salih (1987)."],
        )

    def __str__(self) -> str:
        return str(self.summary())


def alpha(
    data: pd.DataFrame | np.ndarray, *, level: float = 0.95, missing: str = "pairwise"
) -> AlphaResult:
    """Cronbach's alpha (raw and standardised), Feldt CI, item-rest r and alpha-if-deleted.

    Parameters
    ----------
    data
        Item data (columns are items).
    level
        Probability of the Feldt interval (Feldt, Woodruff & Salih 1987; n = rows used).
    missing
        ``"pairwise"`` (as psych::alpha: pairwise covariances) or ``"listwise"``.

    Returns
    -------
    AlphaResult
    """
    c, names, n = _cov(data, missing)
    k = len(names)
    a = _alpha_from_cov(c)
    d = np.sqrt(np.diag(c))
    std = _alpha_from_cov(c / np.outer(d, d))
    df1, df2 = n - 1, (n - 1) * (k - 1)
    lo = 1 - (1 - a) * stats.f.ppf((1 + level) / 2, df1, df2)
    hi = 1 - (1 - a) * stats.f.ppf((1 - level) / 2, df1, df2)
    rows = []
    for i, name in enumerate(names):
        rest = [j for j in range(k) if j != i]
        cov_ir = c[i, rest].sum()
        var_rest = c[np.ix_(rest, rest)].sum()
        rows.append(
            {
                "item": name,
                "item_rest": cov_ir / np.sqrt(c[i, i] * var_rest),
                "alpha_if_deleted": _alpha_from_cov(c[np.ix_(rest, rest)]) if k > 2 else np.nan,
            }
        )
    return AlphaResult(
        float(a), float(std), float(lo), float(hi), level, n, pd.DataFrame(rows).set_index("item")
    )


@dataclass
class OmegaResult:
    """McDonald's omega hierarchical and total from a Schmid-Leiman solution.

    Parameters
    ----------
    omega_h
        Omega hierarchical (general factor).
    omega_total
        Omega total.
    alpha
        Standardised alpha of the (keyed) items.
    schmid_leiman
        Per item: loadings on ``g`` and the group factors, ``h2``, ``u2``.
    n_factors
        Group factors.
    """

    omega_h: float
    omega_total: float
    alpha: float
    schmid_leiman: pd.DataFrame
    n_factors: int

    def to_frame(self) -> pd.DataFrame:
        """The coefficients as one row.

        Returns
        -------
        pandas.DataFrame
            ``omega_h``, ``omega_total``, ``alpha``, ``n_factors``.
        """
        keys = ["omega_h", "omega_total", "alpha", "n_factors"]
        return pd.DataFrame([{k: getattr(self, k) for k in keys}])

    def summary(self) -> Summary:
        """The omegas and the Schmid-Leiman loadings.

        Returns
        -------
        llmvalues.summary.Summary
            Tables ``Reliability`` (:meth:`to_frame`) and ``Schmid-Leiman loadings``.
        """
        return Summary(
            "McDonald's omega",
            {
                "Reliability": self.to_frame(),
                "Schmid-Leiman loadings": self.schmid_leiman.rename_axis("item"),
            },
            [f"{self.n_factors} group factors, minres + oblimin, Schmid-Leiman (as psych::omega)."],
        )

    def __str__(self) -> str:
        return str(self.summary())


@single_blas_thread
def omega(
    data: pd.DataFrame | np.ndarray, n_factors: int = 3, *, missing: str = "pairwise"
) -> OmegaResult:
    """McDonald's omega_h and omega_total (as psych::omega: minres, oblimin, Schmid-Leiman).

    Items loading negatively on the general factor are reversed before summing (psych's
    flip=TRUE). With two group factors the general loadings are sqrt(phi_12) (psych's
    option "equal").

    Parameters
    ----------
    data
        Item data (columns are items).
    n_factors
        Group factors (2 to half the items).
    missing
        ``"pairwise"`` or ``"listwise"`` correlations.

    Returns
    -------
    OmegaResult
    """
    frame, _ = item_frame(data, missing=missing)
    names = list(frame.columns)
    check_n(len(frame), 3, "omega")
    check_variation(frame, names)
    r = frame[names].corr(min_periods=3).to_numpy()
    p = len(names)
    if n_factors < 2 or n_factors > p // 2:
        raise DataError(f"omega needs 2 to {p // 2} group factors for {p} items, got {n_factors}")
    lam, phi = rotate(extract(r, n_factors, "minres"), "oblimin")
    lam, phi = order_and_sign(lam, phi, oblique=True)
    if n_factors == 2:
        g_f = np.full(2, np.sqrt(max(phi[0, 1], 0.0)))
    else:
        g_f = extract(phi, 1, "minres")[:, 0]
        if g_f.sum() < 0:
            g_f = -g_f
    g = lam @ g_f
    groups = lam * np.sqrt(np.clip(1.0 - g_f**2, 0.0, None))
    sl = np.column_stack([g, groups])
    h2 = (sl**2).sum(axis=1)
    u2 = 1.0 - h2
    key = np.where(g < 0, -1.0, 1.0)
    rk = r * np.outer(key, key)
    vt = rk.sum()
    omega_h = (np.abs(g).sum()) ** 2 / vt
    omega_t = (vt - u2.sum()) / vt
    alpha_std = (vt - np.trace(rk)) / vt * p / (p - 1)
    cols = ["g", *[f"F{k + 1}" for k in range(n_factors)]]
    table = pd.DataFrame(sl, index=names, columns=cols)
    table["h2"], table["u2"] = h2, u2
    return OmegaResult(float(omega_h), float(omega_t), float(alpha_std), table, n_factors)
