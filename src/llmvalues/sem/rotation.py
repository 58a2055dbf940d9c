"""Factor rotations: varimax and promax as in R (stats/psych), oblimin family via statsmodels GPA."""

from __future__ import annotations

import numpy as np
from statsmodels.multivariate.factor_rotation import rotate_factors

ROTATIONS = ("none", "varimax", "promax", "oblimin", "quartimin", "quartimax", "equamax")
OBLIQUE = ("promax", "oblimin", "quartimin")


def svd_varimax(
    loadings: np.ndarray, normalize: bool = True, eps: float = 1e-5
) -> tuple[np.ndarray, np.ndarray]:
    """Kaiser's varimax by R's ``stats::varimax`` SVD iteration (Kaiser row normalisation).

    (SPSS's planar-rotation algorithm, which the official IW map needs, is
    :func:`llmvalues.iw.official.varimax`.)

    Parameters
    ----------
    loadings
        Items × factors unrotated loadings.
    normalize
        Kaiser normalisation of the rows before rotating.
    eps
        Relative convergence tolerance of the criterion.

    Returns
    -------
    tuple
        (rotated loadings, rotation matrix T).
    """
    x = np.asarray(loadings, dtype=float)
    p, k = x.shape
    if k < 2:
        return x.copy(), np.eye(k)
    sc = np.sqrt((x**2).sum(axis=1)) if normalize else np.ones(p)
    sc = np.where(sc > 0, sc, 1.0)
    x = x / sc[:, None]
    t = np.eye(k)
    d = 0.0
    for _ in range(1000):
        z = x @ t
        b = x.T @ (z**3 - z @ np.diag((z**2).sum(axis=0)) / p)
        u, s, vt = np.linalg.svd(b)
        t = u @ vt
        d_past, d = d, s.sum()
        if d < d_past * (1 + eps):
            break
    return (x @ t) * sc[:, None], t


def promax(loadings: np.ndarray, power: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Promax (Hendrickson & White 1964) after normalised varimax, as psych::Promax: L, T, Phi.

    Parameters
    ----------
    loadings
        Items × factors loadings.
    power
        The power of the target.

    Returns
    -------
    tuple
        (pattern loadings, transformation, factor correlations Phi).
    """
    x, t_vari = svd_varimax(loadings)
    k = x.shape[1]
    if k < 2:
        return x, t_vari, np.eye(k)
    target = x * np.abs(x) ** (power - 1)
    u = np.linalg.lstsq(x, target, rcond=None)[0]
    d = np.diag(np.linalg.inv(u.T @ u))
    u = u @ np.diag(np.sqrt(d))
    z = x @ u
    u_full = t_vari @ u
    ui = np.linalg.inv(u_full)
    phi = ui @ ui.T
    return z, u_full, phi


def rotate(loadings: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Rotate unrotated loadings; return (pattern loadings, factor correlations Phi).

    Parameters
    ----------
    loadings
        Items × factors unrotated loadings.
    method
        One of ``ROTATIONS``.

    Returns
    -------
    tuple
        (pattern loadings, factor correlations Phi; identity for orthogonal rotations).
    """
    k = loadings.shape[1]
    if method not in ROTATIONS:
        raise ValueError(f"rotation={method!r}: choose one of {ROTATIONS}")
    if method == "none" or k < 2:
        return loadings.copy(), np.eye(k)
    if method == "varimax":
        return svd_varimax(loadings)[0], np.eye(k)
    if method == "promax":  # psych::fa applies Promax to Kaiser-normalised rows
        h = np.sqrt((loadings**2).sum(axis=1))
        h = np.where(h > 0, h, 1.0)
        z, _, phi = promax(loadings / h[:, None])
        return z * h[:, None], phi
    if method in ("oblimin", "quartimin"):
        lam, t = rotate_factors(loadings, "oblimin", 0.0, "oblique", tol=1e-7, max_tries=5000)
        return lam, t.T @ t
    gamma = {"quartimax": 0.0, "equamax": k / (2.0 * loadings.shape[0])}[method]
    lam, _ = rotate_factors(loadings, "orthomax", gamma, tol=1e-7, max_tries=5000)
    return lam, np.eye(k)
