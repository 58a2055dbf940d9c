"""Semantic clustering of lexicon terms into a hierarchy, and its agreement with the factors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, linkage

LINKAGES = ("ward", "average", "complete", "single")


class ClusterError(ValueError):
    """The terms cannot be clustered as asked; says why."""


@dataclass
class TermClusters:
    """A hierarchical clustering of terms: the linkage matrix and the cut into ``n_clusters``."""

    terms: list[str]
    linkage: np.ndarray
    labels: pd.Series
    method: str

    @property
    def n_clusters(self) -> int:
        return int(self.labels.nunique())

    def cut(self, n_clusters: int) -> pd.Series:
        """Cluster labels (1..n) of every term for another number of clusters."""
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
    """Agreement of two partitions of the same terms: ARI, AMI, a permutation p and the table."""

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


def partition_agreement(
    factors: pd.Series, clusters: pd.Series, n_perm: int = 2000, seed: int = 0
) -> Agreement:
    """Agreement of term → factor and term → cluster labels over the terms both assign.

    Terms that a partition leaves unassigned (NaN, e.g. no loading above the cut-off) are
    left out and counted in the message of the table's name.
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
