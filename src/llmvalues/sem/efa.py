"""Exploratory factor analysis: minres, ML, principal axis and principal components, rotated."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from .rotation import OBLIQUE, rotate
from .threads import single_blas_thread
from .validation import DataError, check_n, check_variation, item_frame

METHODS = ("minres", "ml", "pa", "principal")


def correlation_matrix(
    data: pd.DataFrame | np.ndarray, items=None, missing: str = "pairwise"
) -> tuple[np.ndarray, list[str], int]:
    """Pearson correlations with an explicit missing-value policy; returns (R, names, n)."""
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
    """Squared multiple correlations 1 - 1/diag(R^-1), the usual communality start."""
    try:
        return 1.0 - 1.0 / np.diag(np.linalg.inv(r))
    except np.linalg.LinAlgError:
        return np.diag(r) * 0 + np.max(np.abs(r - np.eye(len(r))), axis=1) ** 2


def _loadings_from(r_reduced: np.ndarray, k: int) -> np.ndarray:
    vals, vecs = np.linalg.eigh(r_reduced)
    order = np.argsort(vals)[::-1][:k]
    return vecs[:, order] * np.sqrt(np.clip(vals[order], 0.0, None))


def extract(r: np.ndarray, k: int, method: str) -> np.ndarray:
    """Unrotated loadings by minres (ULS), ML, iterated principal axis or principal components."""
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

        res = optimize.minimize(
            objective,
            start,
            method="L-BFGS-B",
            bounds=[(0.005, 1.0)] * p,
            options={"ftol": 1e-14, "gtol": 1e-10, "maxiter": 2000},
        )
        rr = r.copy()
        np.fill_diagonal(rr, 1.0 - res.x)
        return _loadings_from(rr, k)
    if method == "ml":

        def objective(psi: np.ndarray) -> float:
            sc = 1.0 / np.sqrt(psi)
            vals = np.linalg.eigvalsh(r * np.outer(sc, sc))[::-1][k:]
            return -float(np.sum(np.log(vals) - vals) - k + p)

        res = optimize.minimize(
            objective,
            start,
            method="L-BFGS-B",
            bounds=[(0.005, 1.0)] * p,
            options={"ftol": 1e-14, "gtol": 1e-10, "maxiter": 2000},
        )
        psi = res.x
        sc = np.sqrt(psi)
        vals, vecs = np.linalg.eigh(r / np.outer(sc, sc))
        order = np.argsort(vals)[::-1][:k]
        lam = vecs[:, order] * np.sqrt(np.clip(vals[order] - 1.0, 0.0, None))
        return lam * sc[:, None]
    raise ValueError(f"method={method!r}: choose one of {METHODS}")


@dataclass
class EFAResult:
    """Rotated loadings, factor correlations and communalities of an exploratory factor analysis."""

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
        """Sum of squared loadings per factor (weighted by Phi for oblique rotations)."""
        lam, phi = self.loadings.to_numpy(), self.phi.to_numpy()
        ss = np.diag(phi @ lam.T @ lam) if self.rotation in OBLIQUE else (lam**2).sum(axis=0)
        p = lam.shape[0]
        return pd.DataFrame(
            {"ss_loadings": ss, "proportion": ss / p, "cumulative": np.cumsum(ss) / p},
            index=self.loadings.columns,
        )

    def to_frame(self) -> pd.DataFrame:
        """Long form: factor, item, value."""
        long = self.loadings.reset_index(names="item").melt("item", var_name="factor")
        return long[["factor", "item", "value"]]

    def summary(self) -> str:
        """A printable table of loadings, communalities and variance explained."""
        kind = "components" if self.method == "principal" else "factors"
        head = (
            f"EFA: {self.loadings.shape[1]} {kind}, method={self.method}, rotation={self.rotation}, "
            f"n={self.n_obs}, missing={self.missing}"
        )
        tab = self.loadings.copy()
        tab["h2"] = self.communalities
        parts = [
            head,
            "",
            tab.round(3).to_string(),
            "",
            self.variance_explained().round(3).to_string(),
        ]
        if self.rotation in OBLIQUE:
            parts += ["", "Factor correlations:", self.phi.round(3).to_string()]
        return "\n".join(parts)

    def __str__(self) -> str:
        return self.summary()


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

    method: "minres" (psych's default), "ml", "pa" (iterated principal axis) or "principal"
    (principal components, psych::principal). missing: "pairwise" (psych's default) or
    "listwise" correlations; nothing is imputed. Factors are ordered by variance explained
    and signed so that each column's loadings sum to a positive number.
    """
    if method not in METHODS:
        raise ValueError(f"method={method!r}: choose one of {METHODS}")
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
    """Sign columns to positive sums and order them by variance explained (as psych)."""
    sign = np.where(lam.sum(axis=0) < 0, -1.0, 1.0)
    lam = lam * sign
    phi = phi * np.outer(sign, sign)
    ss = np.diag(phi @ lam.T @ lam) if oblique else (lam**2).sum(axis=0)
    order = np.argsort(-ss, kind="stable")
    return lam[:, order], phi[np.ix_(order, order)]
