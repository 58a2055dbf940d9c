"""Global fit indices computed as lavaan 0.6 does (chi-square, CFI, TLI, RMSEA with CI, SRMR, AIC)."""

from __future__ import annotations

import numpy as np
from scipy import optimize, stats


def cfi(chisq: float, df: float, chisq_base: float, df_base: float) -> float:
    """Comparative fit index, bounded to [0, 1] as in lavaan.

    Parameters
    ----------
    chisq, df
        The model's test statistic and degrees of freedom.
    chisq_base, df_base
        The baseline (independence) model's.

    Returns
    -------
    float
    """
    t1, t2 = chisq - df, chisq_base - df_base
    if t1 < 0 and t2 < 0:
        return 1.0
    denom = max(t1, t2, 0.0)
    return 1.0 - max(t1, 0.0) / denom if denom > 0 else 1.0


def tli(chisq: float, df: float, chisq_base: float, df_base: float) -> float:
    """Tucker-Lewis index (non-normed fit index); like lavaan it is not capped at 1.

    Parameters
    ----------
    chisq, df, chisq_base, df_base
        As for :func:`cfi`.

    Returns
    -------
    float
    """
    if df <= 0:
        return 1.0
    t1 = chisq_base / df_base
    if t1 == 1.0:
        return float("nan")
    return (t1 - chisq / df) / (t1 - 1.0)


def rmsea(chisq: float, df: float, n: float, n_groups: int = 1) -> float:
    """Root mean square error of approximation (Steiger's sqrt(G) multi-group correction).

    Parameters
    ----------
    chisq, df
        The test statistic and its degrees of freedom.
    n
        Sample size (lavaan: N for ML, N - G for DWLS).
    n_groups
        Groups.

    Returns
    -------
    float
    """
    if df <= 0:
        return 0.0
    return float(np.sqrt(max(chisq - df, 0.0) / (df * n)) * np.sqrt(n_groups))


def rmsea_ci(
    chisq: float, df: float, n: float, n_groups: int = 1, level: float = 0.90
) -> tuple[float, float]:
    """Confidence interval of RMSEA by inverting the non-central chi-square in its ncp.

    Parameters
    ----------
    chisq, df, n, n_groups
        As for :func:`rmsea`.
    level
        Probability of the interval (lavaan: 0.90).

    Returns
    -------
    tuple
        (lo, hi).
    """
    if df <= 0:
        return 0.0, 0.0
    lo_p, hi_p = (1 + level) / 2, (1 - level) / 2

    def ncp_for(prob: float) -> float:
        def f(lam: float) -> float:
            if lam <= 0:
                return stats.chi2.cdf(chisq, df) - prob
            return stats.ncx2.cdf(chisq, df, lam) - prob

        if f(0.0) < 0:
            return 0.0
        hi = max(chisq, 1.0)
        while f(hi) > 0:
            hi *= 2
        return optimize.brentq(f, 0.0, hi, xtol=1e-12)

    scale = df * n
    lower = np.sqrt(ncp_for(lo_p) / scale) * np.sqrt(n_groups)
    upper = np.sqrt(ncp_for(hi_p) / scale) * np.sqrt(n_groups)
    return float(lower), float(upper)


def rmsea_pvalue(
    chisq: float, df: float, n: float, n_groups: int = 1, rmsea0: float = 0.05
) -> float:
    """P(chi-square >= observed) when the population RMSEA equals ``rmsea0``.

    With ``rmsea0=0.05`` it is lavaan's test of close fit (H0: RMSEA <= .05, upper tail);
    ``1 - rmsea_pvalue(..., rmsea0=0.08)`` is lavaan's test of not-close fit
    (H0: RMSEA >= .08).

    Parameters
    ----------
    chisq, df, n, n_groups
        As for :func:`rmsea`.
    rmsea0
        The population RMSEA of the null hypothesis.

    Returns
    -------
    float
    """
    if df <= 0:
        return float("nan")
    ncp = rmsea0**2 * df * n / n_groups
    return float(stats.ncx2.sf(chisq, df, ncp))


def ml_loglik(cov: np.ndarray, sigma: np.ndarray, n: int, mean=None, mu=None) -> float:
    """Normal log-likelihood of one group's sample moments (divisor-n covariance) under Sigma, mu.

    With ``sigma = cov`` (and ``mu = mean``) it is the unrestricted (H1) log-likelihood.

    Parameters
    ----------
    cov
        Sample covariance (divisor n).
    sigma
        Model-implied covariance.
    n
        Respondents.
    mean, mu
        Sample and implied means (None: no mean structure).

    Returns
    -------
    float
    """
    p = cov.shape[0]
    inv = np.linalg.inv(sigma)
    quad = float(np.trace(cov @ inv))
    if mean is not None and mu is not None:
        d = mean - mu
        quad += float(d @ inv @ d)
    return -0.5 * n * (p * np.log(2 * np.pi) + np.linalg.slogdet(sigma)[1] + quad)


def srmr_group(
    sample_cov: np.ndarray,
    implied_cov: np.ndarray,
    sample_mean: np.ndarray | None = None,
    implied_mean: np.ndarray | None = None,
    correlations: bool = False,
) -> float:
    """Standardised root mean square residual of one group (Bentler's, as lavaan's `srmr`).

    Parameters
    ----------
    sample_cov, implied_cov
        Sample and implied covariances (correlations for the ordinal estimator).
    sample_mean, implied_mean
        Means, when the model has a mean structure.
    correlations
        The matrices are correlations (lavaan's ordinal SRMR).

    Returns
    -------
    float
    """
    p = sample_cov.shape[0]
    if correlations:
        # lavaan counts the (zero) diagonal residuals of the correlation matrix too
        res = (sample_cov - implied_cov)[np.tril_indices(p, -1)]
        return float(np.sqrt(np.sum(res**2) / (p * (p + 1) / 2)))
    sd = np.sqrt(np.diag(sample_cov))
    res = ((sample_cov - implied_cov) / np.outer(sd, sd))[np.tril_indices(p)]
    if sample_mean is not None and implied_mean is not None:
        res = np.concatenate([res, (sample_mean - implied_mean) / sd])
    return float(np.sqrt(np.mean(res**2)))


def pvalue(chisq: float, df: float) -> float:
    """Upper-tail chi-square probability (NaN for df = 0).

    Parameters
    ----------
    chisq, df
        The statistic and its degrees of freedom.

    Returns
    -------
    float
    """
    return float(stats.chi2.sf(chisq, df)) if df > 0 else float("nan")
