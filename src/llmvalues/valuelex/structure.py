"""Factor structure of the rating matrix: parallel analysis, oblique EFA, loadings with cut-offs.

The statistics come from :mod:`llmvalues.sem` (``parallel_analysis``, ``efa``); this
module decides the number of factors, assigns each term to its primary factor and flags
cross-loadings, and refuses lexicons too small to factor.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from llmvalues.sem import DataError, EFAResult, ParallelResult, efa, parallel_analysis
from llmvalues.summary import Summary


class StructureError(ValueError):
    """The rating matrix cannot be factor-analysed as asked; says why."""


@dataclass
class Structure:
    """Number of factors (and how it was chosen), the EFA and each term's factor.

    Parameters
    ----------
    n_factors
        Factors fitted.
    efa
        The exploratory factor analysis.
    parallel
        The parallel analysis that chose ``n_factors`` (None when it was given).
    cutoff
        The least absolute loading that assigns a term to a factor.
    table
        One row per term: the loadings, ``factor`` (primary, NaN below the cut-off),
        ``primary_loading``, ``cross_loading``.
    notes
        What was decided on the way (caps, no factor retained, unassigned terms).
    """

    n_factors: int
    efa: EFAResult
    parallel: ParallelResult | None
    cutoff: float
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def loadings(self) -> pd.DataFrame:
        """Terms × factors pattern loadings."""
        return self.efa.loadings

    @property
    def assignment(self) -> pd.Series:
        """Term → primary factor (NaN when no loading reaches the cut-off)."""
        return self.table["factor"]

    def to_frame(self) -> pd.DataFrame:
        """The term table.

        Returns
        -------
        pandas.DataFrame
            Index = terms; the loadings, ``factor``, ``primary_loading``, ``cross_loading``.
        """
        return self.table.copy()

    def summary(self) -> Summary:
        """Factors retained and how, terms per factor and the loading table.

        Returns
        -------
        llmvalues.summary.Summary
            Tables ``Loadings`` (:meth:`to_frame`), ``Terms per factor`` and, for oblique
            rotations, ``Factor correlations``.
        """
        how = (
            f"parallel analysis (quantile {self.parallel.quantile:g}, {self.parallel.n_iter} draws)"
            if self.parallel is not None
            else "given"
        )
        counts = self.assignment.fillna("none").value_counts().rename_axis("factor").rename("terms")
        tables = {
            "Loadings": self.to_frame().rename_axis("term"),
            "Terms per factor": counts.to_frame(),
        }
        if not np.allclose(self.efa.phi.to_numpy(), np.eye(self.n_factors)):
            tables["Factor correlations"] = self.efa.phi.rename_axis("factor")
        info = {
            "factors": self.n_factors,
            "chosen by": how,
            "method": self.efa.method,
            "rotation": self.efa.rotation,
            "cut-off |loading|": self.cutoff,
        }
        return Summary("ValueLex factor structure", tables, list(self.notes), info)


def check_size(n_respondents: int, n_terms: int, n_factors: int | None = None) -> None:
    """Refuse matrices too small for factor analysis, naming what is short.

    Parameters
    ----------
    n_respondents, n_terms
        The matrix's shape.
    n_factors
        Factors asked for (None: to be chosen).

    Raises
    ------
    StructureError
    """
    if n_terms < 3:
        raise StructureError(
            f"lexicon too small for factor analysis: {n_terms} term(s) rated; need at least 3 "
            "(lower min_count / min_respondents or collect more elicitation replies)"
        )
    if n_respondents <= n_terms:
        raise StructureError(
            f"too few respondents for factor analysis: {n_respondents} respondents for "
            f"{n_terms} terms; need more respondents than terms"
        )
    if n_factors is not None and n_factors > n_terms // 2:
        raise StructureError(
            f"{n_factors} factors cannot be identified from {n_terms} terms (at most {n_terms // 2})"
        )


def loading_table(loadings: pd.DataFrame, cutoff: float) -> pd.DataFrame:
    """Loadings plus primary factor (if |loading| ≥ cutoff), its loading and cross-loadings.

    Parameters
    ----------
    loadings
        Terms × factors.
    cutoff
        The least absolute loading that assigns a term.

    Returns
    -------
    pandas.DataFrame
        The loadings with ``factor``, ``primary_loading`` and ``cross_loading``, sorted by
        factor and loading.
    """
    values = loadings.to_numpy()
    order = np.argsort(-np.abs(values), axis=1)
    primary = order[:, 0]
    best = values[np.arange(len(values)), primary]
    second = np.abs(values[np.arange(len(values)), order[:, 1]]) if values.shape[1] > 1 else 0.0
    table = loadings.copy()
    table["factor"] = [
        loadings.columns[p] if abs(b) >= cutoff else np.nan
        for p, b in zip(primary, best, strict=True)
    ]
    table["primary_loading"] = best
    table["cross_loading"] = np.asarray(second) >= cutoff
    return table.sort_values(["factor", "primary_loading"], ascending=[True, False])


def fit_structure(
    matrix: pd.DataFrame,
    n_factors: int | None = None,
    *,
    method: str = "minres",
    rotation: str = "oblimin",
    cutoff: float = 0.4,
    pa_quantile: float = 0.95,
    pa_iter: int = 100,
    max_factors: int | None = None,
    seed: int = 0,
) -> Structure:
    """Parallel analysis (unless ``n_factors`` is given), EFA, and term → factor assignment.

    Parameters
    ----------
    matrix
        Respondents × terms ratings.
    n_factors
        Factors to fit; None lets parallel analysis choose (at least 1, at most
        ``max_factors`` and half the terms).
    method, rotation
        Of the EFA (:func:`llmvalues.sem.efa`).
    cutoff
        The least absolute loading that assigns a term to a factor.
    pa_quantile, pa_iter
        Of the parallel analysis.
    max_factors
        Cap on the factors parallel analysis may choose.
    seed
        Seed of the parallel analysis.

    Returns
    -------
    Structure
    """
    if not 0 < cutoff < 1:
        raise StructureError(f"cutoff must be between 0 and 1, got {cutoff}")
    n_resp, n_terms = matrix.shape
    check_size(n_resp, n_terms, n_factors)
    notes: list[str] = []
    pa = None
    try:
        if n_factors is None:
            pa = parallel_analysis(
                matrix, n_iter=pa_iter, quantile=pa_quantile, missing="pairwise", seed=seed
            )
    except DataError as exc:
        raise StructureError(f"parallel analysis impossible on these ratings: {exc}") from exc
    if pa is not None:
        n_factors = pa.n_factors
        if n_factors < 1:
            notes.append("parallel analysis retained no factor; one factor fitted")
            n_factors = 1
        limit = min(max_factors or n_terms // 2, n_terms // 2)
        if n_factors > limit:
            notes.append(f"parallel analysis suggested {n_factors} factors; capped at {limit}")
            n_factors = limit
    try:
        result = efa(matrix, n_factors, method=method, rotation=rotation, missing="pairwise")
    except DataError as exc:
        raise StructureError(f"factor analysis impossible on these ratings: {exc}") from exc
    table = loading_table(result.loadings, cutoff)
    unassigned = int(table["factor"].isna().sum())
    if unassigned:
        notes.append(f"{unassigned} term(s) load below {cutoff} on every factor")
    return Structure(n_factors, result, pa, cutoff, table, notes)


def factor_hierarchy(structure: Structure, n_groups: int, method: str = "average") -> pd.Series:
    """Factor → higher-order group (1..n), clustering factors on 1 − their correlation.

    ValueLex's dimensions each hold two subdimensions; with an oblique rotation, correlated
    factors group into such higher-order dimensions. Orthogonal rotations give no basis.

    Parameters
    ----------
    structure
        A structure with an oblique rotation.
    n_groups
        Higher-order groups (2 to factors − 1).
    method
        Hierarchical-clustering linkage.

    Returns
    -------
    pandas.Series
        Factor → group number (name ``group``).
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    phi = structure.efa.phi
    k = phi.shape[0]
    if not 2 <= n_groups < k:
        raise StructureError(
            f"n_groups must be between 2 and {k - 1} for {k} factors, got {n_groups}"
        )
    if np.allclose(phi.to_numpy(), np.eye(k)):
        raise StructureError(
            f"rotation {structure.efa.rotation!r} leaves the factors uncorrelated: "
            "no higher-order grouping (use an oblique rotation such as oblimin)"
        )
    distance = np.clip(1.0 - phi.to_numpy(), 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method=method)
    return pd.Series(fcluster(tree, n_groups, criterion="maxclust"), index=phi.index, name="group")
