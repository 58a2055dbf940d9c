"""Mean- and variance-adjusted (scaled-shifted) test statistics for the ordinal estimator."""

from __future__ import annotations

import numpy as np


def ugamma_traces(
    jac: list[np.ndarray], weights: list[np.ndarray], gammas: list[np.ndarray], frac: np.ndarray
) -> tuple[float, float]:
    """tr(U Gamma) and tr((U Gamma)^2) with U = V - V J (J'V J)^-1 J' V (Satorra 1992)."""
    v = _block_diag([f * np.diag(w) for f, w in zip(frac, weights, strict=True)])
    om = _block_diag([g / f for g, f in zip(gammas, frac, strict=True)])
    j = np.vstack(jac)
    if j.shape[1]:
        vj = v @ j
        u = v - vj @ np.linalg.solve(j.T @ vj, vj.T)
    else:
        u = v
    ug = u @ om
    return float(np.trace(ug)), float(np.sum(ug * ug.T))


def scaled_shifted(t: float, df: float, tr1: float, tr2: float) -> tuple[float, float, float]:
    """lavaan's 'scaled.shifted' statistic a*T + b (Asparouhov & Muthen 2010): (T, a, b)."""
    if df <= 0 or tr2 <= 0:
        return t, 1.0, 0.0
    a = np.sqrt(df / tr2)
    b = df - a * tr1
    return float(a * t + b), float(a), float(b)


def baseline_jacobian(n_thresholds: int, n_correlations: int) -> np.ndarray:
    """Jacobian of the independence model's moments (free thresholds, zero correlations)."""
    return np.vstack([np.eye(n_thresholds), np.zeros((n_correlations, n_thresholds))])


def _block_diag(blocks: list[np.ndarray]) -> np.ndarray:
    size = sum(b.shape[0] for b in blocks)
    out = np.zeros((size, size))
    k = 0
    for b in blocks:
        n = b.shape[0]
        out[k : k + n, k : k + n] = b
        k += n
    return out


def difference_traces(
    jac_restricted: list[np.ndarray],
    jac_free: list[np.ndarray],
    weights: list[np.ndarray],
    gammas: list[np.ndarray],
    frac: np.ndarray,
) -> tuple[float, float]:
    """Traces of (U0 - U1) Gamma for a nested pair (Asparouhov & Muthen 2006 difference test)."""
    v = _block_diag([f * np.diag(w) for f, w in zip(frac, weights, strict=True)])
    om = _block_diag([g / f for g, f in zip(gammas, frac, strict=True)])

    def proj(jac: list[np.ndarray]) -> np.ndarray:
        j = np.vstack(jac)
        vj = v @ j
        return vj @ np.linalg.solve(j.T @ vj, vj.T)

    ud = (proj(jac_free) - proj(jac_restricted)) @ om
    return float(np.trace(ud)), float(np.sum(ud * ud.T))
