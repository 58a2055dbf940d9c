"""Semantic clustering of lexicon terms into a hierarchy, and its agreement with the factors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, linkage

from llmvalues.summary import Summary

LINKAGES = ("ward", "average", "complete", "single")


class ClusterError(ValueError):
    """The terms cannot be clustered as asked; says why."""


@dataclass
class TermClusters:
    """A hierarchical clustering of terms: the linkage matrix and the cut into ``n_clusters``.

    Parameters
    ----------
    terms
        The terms, in the order of the linkage.
    linkage
        SciPy's linkage matrix.
    labels
        Term → cluster (1..n) of the cut.
    method
        The linkage method.
    """

    terms: list[str]
    linkage: np.ndarray
    labels: pd.Series
    method: str

    @property
    def n_clusters(self) -> int:
        """Clusters of the cut."""
        return int(self.labels.nunique())

    def to_frame(self) -> pd.DataFrame:
        """One row per term.

        Returns
        -------
        pandas.DataFrame
            ``term``, ``cluster``.
        """
        return self.labels.rename_axis("term").reset_index(name="cluster")

    def summary(self) -> Summary:
        """The clusters with their sizes and terms.

        Returns
        -------
        llmvalues.summary.Summary
            Table ``Clusters`` (index ``cluster``: ``n_terms``, ``terms``).
        """
        groups = self.labels.groupby(self.labels)
        table = pd.DataFrame(
            {
                "n_terms": groups.size(),
                "terms": groups.apply(lambda s: ", ".join(map(str, s.index))),
            }
        ).rename_axis("cluster")
        return Summary(
            "Semantic clusters of the terms",
            {"Clusters": table},
            info={"method": self.method, "clusters": self.n_clusters, "terms": len(self.terms)},
        )

    def cut(self, n_clusters: int) -> pd.Series:
        """Cluster labels (1..n) of every term for another number of clusters.

        Parameters
        ----------
        n_clusters
            Clusters of the new cut.

        Returns
        -------
        pandas.Series
            Term → cluster.
        """
        return pd.Series(
            fcluster(self.linkage, n_clusters, criterion="maxclust"),
            index=self.terms,
            name="cluster",
        )


def cluster_terms(
    terms: list[str], embeddings: np.ndarray, n_clusters: int, method: str = "ward"
) -> TermClusters:
    """Agglomerative clustering of L2-normalised term embeddings.

    ``ward`` works on Euclidean distances of the unit vectors (monotone in cosine distance);
    the other linkages use cosine distance directly.

    Parameters
    ----------
    terms
        Distinct terms.
    embeddings
        One unit row per term.
    n_clusters
        Clusters of the cut.
    method
        One of ``LINKAGES``.

    Returns
    -------
    TermClusters
    """
    if method not in LINKAGES:
        raise ClusterError(f"method must be one of {LINKAGES}, got {method!r}")
    emb = np.asarray(embeddings, dtype=float)
    if emb.ndim != 2 or emb.shape[0] != len(terms):
        raise ClusterError(f"need one embedding row per term: {emb.shape} for {len(terms)} terms")
    if len(set(terms)) != len(terms):
        raise ClusterError("terms must be distinct")
    if not 1 <= n_clusters <= len(terms):
        raise ClusterError(f"n_clusters must be between 1 and {len(terms)}, got {n_clusters}")
    if len(terms) < 2:
        raise ClusterError("need at least two terms to cluster")
    metric = "euclidean" if method == "ward" else "cosine"
    z = linkage(emb, method=method, metric=metric)
    labels = pd.Series(fcluster(z, n_clusters, criterion="maxclust"), index=terms, name="cluster")
    return TermClusters(list(terms), z, labels, method)


@dataclass(frozen=True)
class Agreement:
    """Agreement of two partitions of the same terms: ARI, AMI, a permutation p and the table.

    Parameters
    ----------
    ari
        Adjusted Rand index.
    ami
        Adjusted mutual information.
    p_value
        Permutation p-value of the ARI.
    n_terms
        Terms both partitions assign.
    table
        Factor × cluster counts.
    """

    ari: float
    ami: float
    p_value: float
    n_terms: int
    table: pd.DataFrame

    def __str__(self) -> str:
        return (
            f"adjusted Rand index {self.ari:.3f} (AMI {self.ami:.3f}, permutation p = "
            f"{self.p_value:.4f}) over {self.n_terms} terms"
        )

    def to_frame(self) -> pd.DataFrame:
        """The agreement as one row.

        Returns
        -------
        pandas.DataFrame
            ``ari``, ``ami``, ``p_value``, ``n_terms``.
        """
        keys = ["ari", "ami", "p_value", "n_terms"]
        return pd.DataFrame([{k: getattr(self, k) for k in keys}])

    def summary(self) -> Summary:
        """The agreement and the cross-table of the two partitions.

        Returns
        -------
        llmvalues.summary.Summary
            Tables ``Agreement`` (:meth:`to_frame`) and ``Factor × cluster``.
        """
        return Summary(
            "Agreement of factors and semantic clusters",
            {"Agreement": self.to_frame(), "Factor × cluster": self.table},
            ["p: share of label permutations with an adjusted Rand index at least as high."],
        )


def partition_agreement(
    factors: pd.Series, clusters: pd.Series, n_perm: int = 2000, seed: int = 0
) -> Agreement:
    """Agreement of term → factor and term → cluster labels over the terms both assign.

    Terms that a partition leaves unassigned (NaN, e.g. no loading above the cut-off) are
    left out; ``n_terms`` counts those kept.

    Parameters
    ----------
    factors, clusters
        Term → label of each partition.
    n_perm
        Permutations of the permutation test.
    seed
        Seed of the permutations.

    Returns
    -------
    Agreement
    """
    try:
        from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score
    except ModuleNotFoundError as exc:
        raise ClusterError(
            "factor–cluster agreement needs scikit-learn: pip install 'llmvalues[valuelex]'"
        ) from exc
    both = pd.concat([factors.rename("factor"), clusters.rename("cluster")], axis=1, join="inner")
    both = both.dropna()
    if len(both) < 3:
        raise ClusterError(f"only {len(both)} terms are assigned by both partitions; need 3")
    f = both["factor"].astype(str).to_numpy()
    c = both["cluster"].astype(str).to_numpy()
    ari = adjusted_rand_score(f, c)
    rng = np.random.default_rng(seed)
    null = np.array([adjusted_rand_score(f, rng.permutation(c)) for _ in range(n_perm)])
    p = (1 + np.sum(null >= ari)) / (n_perm + 1)
    table = pd.crosstab(both["factor"], both["cluster"])
    return Agreement(
        float(ari), float(adjusted_mutual_info_score(f, c)), float(p), len(both), table
    )
