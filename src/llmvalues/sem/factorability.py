"""Is factoring sensible, and how many factors? KMO, Bartlett's sphericity test, parallel analysis."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from llmvalues.summary import Summary

from .efa import correlation_matrix, smc
from .threads import single_blas_thread


@dataclass
class KMOResult:
    """Kaiser-Meyer-Olkin measure of sampling adequacy, overall and per item.

    Parameters
    ----------
    overall
        The overall MSA.
    per_item
        Each item's MSA (name ``msa``).
    """

    overall: float
    per_item: pd.Series

    def to_frame(self) -> pd.DataFrame:
        """One row per item.

        Returns
        -------
        pandas.DataFrame
            ``item``, ``msa``.
        """
        return self.per_item.rename_axis("item").reset_index(name="msa")

    def summary(self) -> Summary:
        """The overall and the per-item sampling adequacy.

        Returns
        -------
        llmvalues.summary.Summary
            Table ``Per item`` (MSA per item); the overall MSA as a fact.
        """
        return Summary(
            "Kaiser-Meyer-Olkin sampling adequacy",
            {"Per item": self.to_frame().set_index("item")},
            ["Kaiser (1974) calls MSA >= .80 meritorious, >= .60 mediocre, < .50 unacceptable."],
            {"overall MSA": self.overall},
        )


def kmo(data: pd.DataFrame | np.ndarray, *, missing: str = "pairwise") -> KMOResult:
    """Kaiser-Meyer-Olkin sampling adequacy (as psych::KMO; pairwise correlations by default).

    Parameters
    ----------
    data
        Item data (columns are items).
    missing
        ``"pairwise"`` or ``"listwise"`` correlations.

    Returns
    -------
    KMOResult
    """
    r, names, _ = correlation_matrix(data, missing=missing)
    inv = np.linalg.inv(r)
    d = np.sqrt(np.diag(inv))
    q = -inv / np.outer(d, d)
    off = ~np.eye(len(r), dtype=bool)
    r2, q2 = np.where(off, r**2, 0.0), np.where(off, q**2, 0.0)
    overall = r2.sum() / (r2.sum() + q2.sum())
    per_item = r2.sum(axis=0) / (r2.sum(axis=0) + q2.sum(axis=0))
    return KMOResult(float(overall), pd.Series(per_item, index=names, name="msa"))


@dataclass
class BartlettResult:
    """Bartlett's test that the correlation matrix is an identity matrix.

    Parameters
    ----------
    chisq
        The test statistic.
    df
        Its degrees of freedom, p(p - 1)/2.
    pvalue
        Upper-tail chi-square probability.
    n
        Respondents.
    """

    chisq: float
    df: int
    pvalue: float
    n: int

    def to_frame(self) -> pd.DataFrame:
        """The test as one row.

        Returns
        -------
        pandas.DataFrame
            ``chisq``, ``df``, ``pvalue``, ``n``.
        """
        return pd.DataFrame(
            [{"chisq": self.chisq, "df": self.df, "pvalue": self.pvalue, "n": self.n}]
        )

    def summary(self) -> Summary:
        """The test statistic, degrees of freedom and p-value.

        Returns
        -------
        llmvalues.summary.Summary
            Table ``Test`` (one row).
        """
        return Summary(
            "Bartlett's test of sphericity",
            {"Test": self.to_frame()},
            ["H0: the items are uncorrelated (the correlation matrix is an identity matrix)."],
        )


def bartlett(data: pd.DataFrame | np.ndarray, *, missing: str = "listwise") -> BartlettResult:
    """Bartlett's sphericity test: -(n - 1 - (2p + 5)/6) log|R| ~ chi-square(p(p-1)/2).

    Parameters
    ----------
    data
        Item data (columns are items).
    missing
        ``"listwise"`` (n is then the rows used) or ``"pairwise"``.

    Returns
    -------
    BartlettResult
    """
    r, _, n = correlation_matrix(data, missing=missing)
    p = r.shape[0]
    sign, logdet = np.linalg.slogdet(r)
    if sign <= 0:
        raise np.linalg.LinAlgError("the correlation matrix is singular; Bartlett's test undefined")
    chisq = -(n - 1 - (2 * p + 5) / 6) * logdet
    df = p * (p - 1) // 2
    return BartlettResult(float(chisq), df, float(stats.chi2.sf(chisq, df)), n)


@dataclass
class ParallelResult:
    """Observed versus random-data eigenvalues and the number of factors/components they suggest.

    Parameters
    ----------
    table
        One row per eigenvalue number: ``observed_pc``, ``random_pc``, ``observed_fa``,
        ``random_fa``.
    n_factors, n_components
        How many observed eigenvalues exceed the random ones before the first that does not.
    quantile
        The quantile of the random eigenvalues compared with.
    n_iter
        Random data sets drawn.
    """

    table: pd.DataFrame
    n_factors: int
    n_components: int
    quantile: float
    n_iter: int

    def to_frame(self) -> pd.DataFrame:
        """One row per eigenvalue: observed and simulated, for components and factors.

        Returns
        -------
        pandas.DataFrame
            Index ``number``; ``observed_pc``, ``random_pc``, ``observed_fa``, ``random_fa``.
        """
        return self.table.copy()

    def summary(self) -> Summary:
        """The eigenvalues and the numbers of factors and components retained.

        Returns
        -------
        llmvalues.summary.Summary
            Table ``Eigenvalues``; the numbers retained as facts.
        """
        return Summary(
            "Parallel analysis",
            {"Eigenvalues": self.to_frame()},
            [
                f"A factor (component) is retained while its observed eigenvalue exceeds the "
                f"{self.quantile:g} quantile of {self.n_iter} random-data eigenvalues."
            ],
            {"factors": self.n_factors, "components": self.n_components},
        )


@single_blas_thread
def parallel_analysis(
    data: pd.DataFrame | np.ndarray,
    *,
    n_iter: int = 100,
    quantile: float = 0.95,
    missing: str = "listwise",
    seed: int | None = 0,
) -> ParallelResult:
    """Horn's parallel analysis with normal random data of the same size.

    Components use eigenvalues of R; factors use eigenvalues of R with squared multiple
    correlations on the diagonal. A factor is retained while its observed eigenvalue
    exceeds the `quantile` of the random ones (Glorfeld 1995 for 0.95; 0.5 ~ Horn's mean).

    Parameters
    ----------
    data
        Item data (columns are items).
    n_iter
        Random data sets.
    quantile
        Quantile of the random eigenvalues an observed one must exceed.
    missing
        ``"listwise"`` or ``"pairwise"`` correlations.
    seed
        Seed of the random data.

    Returns
    -------
    ParallelResult
    """
    r, names, n = correlation_matrix(data, missing=missing)
    p = len(names)
    rng = np.random.default_rng(seed)

    def eig_pair(rr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        red = rr.copy()
        np.fill_diagonal(red, smc(rr))
        return np.linalg.eigvalsh(rr)[::-1], np.linalg.eigvalsh(red)[::-1]

    obs_pc, obs_fa = eig_pair(r)
    sims = [eig_pair(np.corrcoef(rng.standard_normal((n, p)), rowvar=False)) for _ in range(n_iter)]
    sim_pc = np.quantile([s[0] for s in sims], quantile, axis=0)
    sim_fa = np.quantile([s[1] for s in sims], quantile, axis=0)

    def retained(obs: np.ndarray, sim: np.ndarray) -> int:
        above = obs > sim
        return int(np.argmin(above)) if not above.all() else len(obs)

    table = pd.DataFrame(
        {
            "observed_pc": obs_pc,
            "random_pc": sim_pc,
            "observed_fa": obs_fa,
            "random_fa": sim_fa,
        },
        index=pd.RangeIndex(1, p + 1, name="number"),
    )
    return ParallelResult(
        table, retained(obs_fa, sim_fa), retained(obs_pc, sim_pc), quantile, n_iter
    )
