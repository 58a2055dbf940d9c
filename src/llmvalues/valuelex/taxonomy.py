"""Name discovered dimensions by their top terms and match them to a reference taxonomy.

Matching embeds each dimension (loading-weighted mean of its top terms' embeddings) and
each reference subdimension (mean of its description and anchor words), computes cosine
similarities and assigns one reference subdimension per dimension with the Hungarian
algorithm (maximum total similarity); the best alternative is reported beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from llmvalues.embeddings import embed
from llmvalues.summary import Summary


class TaxonomyError(ValueError):
    """The taxonomy cannot be named or matched as asked; says why."""


def top_terms(table: pd.DataFrame, top: int = 5) -> dict[str, list[tuple[str, float]]]:
    """Factor → its assigned terms with primary loadings, strongest first (at most ``top``).

    Parameters
    ----------
    table
        The loading table (``factor``, ``primary_loading`` per term).
    top
        Terms per factor.

    Returns
    -------
    dict
        Factor → list of (term, loading).
    """
    out: dict[str, list[tuple[str, float]]] = {}
    assigned = table.dropna(subset=["factor"])
    for factor, group in assigned.groupby("factor"):
        group = group.reindex(group["primary_loading"].abs().sort_values(ascending=False).index)
        out[str(factor)] = [(t, float(v)) for t, v in group["primary_loading"].head(top).items()]
    return out


def name_factors(table: pd.DataFrame, top: int = 3) -> pd.Series:
    """Factor → a name made of its top terms (``"honest / fair / truthful"``).

    Parameters
    ----------
    table
        The loading table.
    top
        Terms in a name.

    Returns
    -------
    pandas.Series
        Factor → name.
    """
    terms = top_terms(table, top)
    if not terms:
        raise TaxonomyError("no term loads above the cut-off on any factor: nothing to name")
    return pd.Series({f: " / ".join(t for t, _ in ts) for f, ts in terms.items()}, name="name")


def name_clusters(labels: pd.Series, embeddings: np.ndarray, top: int = 3) -> pd.Series:
    """Cluster → a name made of the terms nearest its centroid.

    Parameters
    ----------
    labels
        Term → cluster.
    embeddings
        Unit embeddings of the terms, in the order of ``labels``.
    top
        Terms in a name.

    Returns
    -------
    pandas.Series
        Cluster → name.
    """
    terms = list(labels.index)
    names = {}
    for cluster, members in labels.groupby(labels):
        idx = [terms.index(t) for t in members.index]
        centre = embeddings[idx].mean(axis=0)
        sims = embeddings[idx] @ centre
        ranked = [terms[idx[i]] for i in np.argsort(-sims)]
        names[cluster] = " / ".join(ranked[:top])
    return pd.Series(names, name="name")


@dataclass
class TaxonomyMatch:
    """Each dimension's name, its matched reference subdimension and the similarity matrix.

    Parameters
    ----------
    table
        One row per factor: ``name``, ``n_top_terms``, ``subdimension``, ``dimension``,
        ``similarity``, ``best_alternative``, ``alternative_similarity``.
    similarity
        Factors × reference subdimensions cosine similarities.
    reference_name
        What the reference taxonomy is.
    """

    table: pd.DataFrame
    similarity: pd.DataFrame
    reference_name: str

    def to_frame(self) -> pd.DataFrame:
        """The match table.

        Returns
        -------
        pandas.DataFrame
            Index ``factor``; the columns of :attr:`table`.
        """
        return self.table.copy()

    def summary(self) -> Summary:
        """The matches and the whole similarity matrix.

        Returns
        -------
        llmvalues.summary.Summary
            Tables ``Match`` and ``Cosine similarity``.
        """
        return Summary(
            f"Discovered dimensions matched to {self.reference_name}",
            {
                "Match": self.to_frame(),
                "Cosine similarity": self.similarity.rename_axis("factor"),
            },
            [
                "One subdimension per factor by the Hungarian algorithm on the cosine similarity "
                "of the loading-weighted top terms and the subdimension's description and anchors."
            ],
        )


def match_reference(
    table: pd.DataFrame,
    reference: list[dict],
    encoder: Any,
    *,
    top: int = 5,
    reference_name: str = "reference",
) -> TaxonomyMatch:
    """Match every discovered factor to one reference subdimension (Hungarian on cosine).

    Parameters
    ----------
    table
        The loading table.
    reference
        Rows with ``subdimension``, ``description``, optional ``anchors`` and ``dimension``.
    encoder
        A sentence-transformers encoder.
    top
        Top terms per factor that describe it.
    reference_name
        What the reference is (shown in the summary).

    Returns
    -------
    TaxonomyMatch
    """
    terms = top_terms(table, top)
    if not terms:
        raise TaxonomyError("no term loads above the cut-off on any factor: nothing to match")
    if not reference:
        raise TaxonomyError("the reference taxonomy is empty")
    factors = sorted(terms)
    vocab = sorted({t for ts in terms.values() for t, _ in ts})
    term_vec = dict(zip(vocab, embed(encoder, vocab), strict=True))
    centres = []
    for f in factors:
        weights = np.array([abs(v) for _, v in terms[f]])
        vecs = np.array([term_vec[t] for t, _ in terms[f]])
        c = (weights[:, None] * vecs).sum(axis=0)
        centres.append(c / np.linalg.norm(c))
    ref_labels = [row["subdimension"] for row in reference]
    groups = [[row["description"], *row.get("anchors", [])] for row in reference]
    flat = embed(encoder, [t for g in groups for t in g])  # one encoder call for all
    bounds = np.cumsum([0, *map(len, groups)])
    ref_centres = []
    for start, stop in pairwise(bounds):
        c = flat[start:stop].mean(axis=0)
        ref_centres.append(c / np.linalg.norm(c))
    sim = np.array(centres) @ np.array(ref_centres).T
    rows, cols = linear_sum_assignment(-sim)
    match = dict(zip(rows, cols, strict=True))
    dim_of = {row["subdimension"]: row.get("dimension", "") for row in reference}
    records = []
    for i, f in enumerate(factors):
        order = np.argsort(-sim[i])
        j = match.get(i)
        alt = next((k for k in order if k != j), None)
        records.append(
            {
                "factor": f,
                "name": " / ".join(t for t, _ in terms[f][:3]),
                "n_top_terms": len(terms[f]),
                "subdimension": ref_labels[j] if j is not None else np.nan,
                "dimension": dim_of[ref_labels[j]] if j is not None else np.nan,
                "similarity": sim[i, j] if j is not None else np.nan,
                "best_alternative": ref_labels[alt] if alt is not None else np.nan,
                "alternative_similarity": sim[i, alt] if alt is not None else np.nan,
            }
        )
    return TaxonomyMatch(
        pd.DataFrame(records).set_index("factor"),
        pd.DataFrame(sim, index=factors, columns=ref_labels),
        reference_name,
    )
