"""Exploratory factor analysis: minres, ML, principal axis and principal components, rotated."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from llmvalues.summary import Summary

from .rotation import OBLIQUE, rotate
from .threads import single_blas_thread
from .validation import DataError, check_n, check_variation, item_frame

FACTOR_METHODS = ("minres", "ml", "pa", "principal")


def correlation_matrix(
    data: pd.DataFrame | np.ndarray, items=None, missing: str = "pairwise"
) -> tuple[np.ndarray, list[str], int]:
    """Pearson correlations with an explicit missing-value policy.

    Parameters
    ----------
    data
        Item data.
    items
        Columns to use (default all).
    missing
        ``"pairwise"`` or ``"listwise"``.

    Returns
    -------
    tuple
        (correlation matrix, item names, complete rows).
    """
    frame, _ = item_frame(data, items, missing=missing)
    names = list(frame.columns if items is None else items)
    check_n(len(frame), 3, "a correlation matrix")
    check_variation(frame, names)
    r = frame[names].corr(min_periods=3).to_numpy()
    if np.isnan(r).any():
        i, j = np.argwhere(np.isnan(r))[0]
        raise DataError(
            f"items {names[i]!r} and {names[j]!r} are observed together in fewer than 3 rows; "
            "their correlation cannot be computed"
        )
    n = int(frame[names].notna().all(axis=1).sum()) if missing == "pairwise" else len(frame)
    return r, names, n


def smc(r: np.ndarray) -> np.ndarray:
    """Squared multiple correlations 1 - 1/diag(R^-1), the usual communality start.

    Parameters
    ----------
    r
        A correlation matrix.

    Returns
    -------
    numpy.ndarray
    """
    try:
        return 1.0 - 1.0 / np.diag(np.linalg.inv(r))
    except np.linalg.LinAlgError:
        return np.diag(r) * 0 + np.max(np.abs(r - np.eye(len(r))), axis=1) ** 2


def _loadings_from(r_reduced: np.ndarray, k: int) -> np.ndarray:
    vals, vecs = np.linalg.eigh(r_reduced)
    order = np.argsort(vals)[::-1][:k]
    return vecs[:, order] * np.sqrt(np.clip(vals[order], 0.0, None))


def _uniquenesses(objective, start: np.ndarray) -> np.ndarray:
    """The uniquenesses (bounded to [0.005, 1]) minimising a factoring objective."""
    res = optimize.minimize(
        objective,
        start,
        method="L-BFGS-B",
        bounds=[(0.005, 1.0)] * len(start),
        options={"ftol": 1e-14, "gtol": 1e-10, "maxiter": 2000},
    )
    return res.x


def extract(r: np.ndarray, k: int, method: str) -> np.ndarray:
    """Unrotated loadings by minres (ULS), ML, iterated principal axis or principal components.

    Parameters
    ----------
    r
        A correlation matrix.
    k
        Factors.
    method
        One of ``FACTOR_METHODS``.

    Returns
    -------
    numpy.ndarray
        Items x k loadings.
    """
    p = r.shape[0]
    if method == "principal":
        return _loadings_from(r, k)
    if method == "pa":
        comm = smc(r)
        for _ in range(50):
            rr = r.copy()
            np.fill_diagonal(rr, comm)
            lam = _loadings_from(rr, k)
            new = (lam**2).sum(axis=1)
            done = np.max(np.abs(new - comm)) < 1e-3
            comm = new
            if done:
                break
        return lam
    start = np.clip(1.0 - smc(r), 0.005, 1.0)
    if method == "minres":
        off = ~np.eye(p, dtype=bool)

        def objective(psi: np.ndarray) -> float:
            rr = r.copy()
            np.fill_diagonal(rr, 1.0 - psi)
            lam = _loadings_from(rr, k)
            res = (r - lam @ lam.T)[off]
            return float(res @ res)

        psi = _uniquenesses(objective, start)
        rr = r.copy()
        np.fill_diagonal(rr, 1.0 - psi)
        return _loadings_from(rr, k)
    if method == "ml":

        def objective(psi: np.ndarray) -> float:
            sc = 1.0 / np.sqrt(psi)
            vals = np.linalg.eigvalsh(r * np.outer(sc, sc))[::-1][k:]
            return -float(np.sum(np.log(vals) - vals) - k + p)

        psi = _uniquenesses(objective, start)
        sc = np.sqrt(psi)
        vals, vecs = np.linalg.eigh(r / np.outer(sc, sc))
        order = np.argsort(vals)[::-1][:k]
        lam = vecs[:, order] * np.sqrt(np.clip(vals[order] - 1.0, 0.0, None))
        return lam * sc[:, None]
    raise ValueError(f"method={method!r}: choose one of {FACTOR_METHODS}")


@dataclass
class EFAResult:
    """Rotated loadings, factor correlations and communalities of an exploratory factor analysis.

    Parameters
    ----------
    loadings
        Items × factors pattern loadings.
    phi
        Factor correlations (identity for orthogonal rotations).
    communalities
        Each item's communality (from the unrotated solution).
    method
        Extraction method.
    rotation
        Rotation.
    n_obs
        Respondents the correlations rest on.
    missing
        Missing-value policy of the correlations.
    """

    loadings: pd.DataFrame  # items x factors (pattern loadings)
    phi: pd.DataFrame  # factor correlations (identity for orthogonal rotations)
    communalities: pd.Series
    method: str
    rotation: str
    n_obs: int
    missing: str

    @property
    def uniquenesses(self) -> pd.Series:
        """1 - communality."""
        return 1.0 - self.communalities

    def variance_explained(self) -> pd.DataFrame:
        """Sum of squared loadings per factor (weighted by Phi for oblique rotations).

        Returns
        -------
        pandas.DataFrame
            One row per factor: ``ss_loadings``, ``proportion``, ``cumulative``.
        """
        lam, phi = self.loadings.to_numpy(), self.phi.to_numpy()
        ss = np.diag(phi @ lam.T @ lam) if self.rotation in OBLIQUE else (lam**2).sum(axis=0)
        p = lam.shape[0]
        return pd.DataFrame(
            {"ss_loadings": ss, "proportion": ss / p, "cumulative": np.cumsum(ss) / p},
            index=self.loadings.columns,
        )

    def to_frame(self) -> pd.DataFrame:
        """The loadings in long form.

        Returns
        -------
        pandas.DataFrame
            One row per factor × item: ``factor``, ``item``, ``value``.
        """
        long = self.loadings.reset_index(names="item").melt("item", var_name="factor")
        return long[["factor", "item", "value"]]

    def summary(self) -> Summary:
        """Loadings with communalities, variance explained and (oblique) factor correlations.

        Returns
        -------
        llmvalues.summary.Summary
            Tables ``Loadings`` (items × factors, ``h2``, ``u2``), ``Variance explained`` and,
            for oblique rotations, ``Factor correlations``.
        """
        kind = "components" if self.method == "principal" else "factors"
        table = self.loadings.rename_axis("item")
        table = table.assign(h2=self.communalities, u2=self.uniquenesses)
        tables = {
            "Loadings": table,
            "Variance explained": self.variance_explained().rename_axis("factor"),
        }
        if self.rotation in OBLIQUE:
            tables["Factor correlations"] = self.phi.rename_axis("factor")
        info = {
            kind: self.loadings.shape[1],
            "method": self.method,
            "rotation": self.rotation,
            "n": self.n_obs,
            "missing": self.missing,
        }
        return Summary(f"Exploratory factor analysis ({kind})", tables, info=info)

    def __str__(self) -> str:
        return str(self.summary())


@single_blas_thread
def efa(
    data: pd.DataFrame | np.ndarray,
    n_factors: int,
    method: str = "minres",
    rotation: str = "oblimin",
    *,
    missing: str = "pairwise",
    items: list[str] | None = None,
) -> EFAResult:
    """Exploratory factor analysis of item data (psych::fa-compatible defaults).

    Factors are ordered by variance explained and signed so that each column's loadings
    sum to a positive number.

    Parameters
    ----------
    data
        Item data (columns are items).
    n_factors
        Factors (components) to extract.
    method
        ``"minres"`` (psych's default), ``"ml"``, ``"pa"`` (iterated principal axis) or
        ``"principal"`` (principal components, psych::principal).
    rotation
        One of :data:`~llmvalues.sem.rotation.ROTATIONS`.
    missing
        ``"pairwise"`` (psych's default) or ``"listwise"`` correlations; nothing is imputed.
    items
        Columns to use (default all).

    Returns
    -------
    EFAResult
    """
    if method not in FACTOR_METHODS:
        raise ValueError(f"method={method!r}: choose one of {FACTOR_METHODS}")
    r, names, n = correlation_matrix(data, items, missing)
    p = len(names)
    if not isinstance(n_factors, int | np.integer) or n_factors < 1:
        raise ValueError(f"n_factors must be a positive integer, got {n_factors!r}")
    if method != "principal" and n_factors > p // 2:
        raise DataError(
            f"{n_factors} factors from {p} items is too many to identify (at most {p // 2})"
        )
    if n_factors > p:
        raise DataError(f"{n_factors} components from {p} items is too many")
    unrot = extract(r, n_factors, method)
    comm = (unrot**2).sum(axis=1)
    lam, phi = rotate(unrot, rotation)
    lam, phi = order_and_sign(lam, phi, rotation in OBLIQUE)
    label = "RC" if method == "principal" else "F"
    cols = [f"{label}{k + 1}" for k in range(n_factors)]
    return EFAResult(
        pd.DataFrame(lam, index=names, columns=cols),
        pd.DataFrame(phi, index=cols, columns=cols),
        pd.Series(comm, index=names, name="communality"),
        method,
        rotation,
        n,
        missing,
    )


def order_and_sign(
    lam: np.ndarray, phi: np.ndarray, oblique: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Sign columns to positive sums and order them by variance explained (as psych).

    Parameters
    ----------
    lam
        Items x factors loadings.
    phi
        Factor correlations.
    oblique
        Weight the variance explained by ``phi``.

    Returns
    -------
    tuple
        (loadings, factor correlations).
    """
    sign = np.where(lam.sum(axis=0) < 0, -1.0, 1.0)
    lam = lam * sign
    phi = phi * np.outer(sign, sign)
    ss = np.diag(phi @ lam.T @ lam) if oblique else (lam**2).sum(axis=0)
    order = np.argsort(-ss, kind="stable")
    return lam[:, order], phi[np.ix_(order, order)]
