"""Value maps and distances: 2-D projections of QA embeddings, centroids, a distance table.

As in UniVaR's figures (Cahyawijaya et al., NAACL 2025, §6): t-SNE or UMAP of the QA
embeddings coloured by group (language, country or persona), group centroids, and
model-within-group centroids; and the table of distances between group centroids, here with
bootstrap intervals (QAs resampled within each identity).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def project(embeddings: np.ndarray, method: str = "tsne", seed: int = 0) -> np.ndarray:
    """2-D coordinates of the embeddings by t-SNE (cosine) or UMAP (cosine).

    Parameters
    ----------
    embeddings
        One row per point (at least 5).
    method
        ``"tsne"`` or ``"umap"``.
    seed
        Seed of the projection.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, 2)``.
    """
    x = np.asarray(embeddings, dtype=np.float32)
    if x.ndim != 2 or len(x) < 5:
        raise ValueError(f"need a 2-D array of at least 5 embeddings, got shape {x.shape}")
    if method == "tsne":
        from sklearn.manifold import TSNE

        perplexity = float(min(30, max(2, (len(x) - 1) // 3)))
        tsne = TSNE(2, perplexity=perplexity, metric="cosine", init="pca", random_state=seed)
        return tsne.fit_transform(x)
    if method == "umap":
        import umap

        neighbours = int(min(15, len(x) - 1))
        reducer = umap.UMAP(n_neighbors=neighbours, metric="cosine", random_state=seed, n_jobs=1)
        return reducer.fit_transform(x)
    raise ValueError(f"method must be 'tsne' or 'umap', got {method!r}")


def centroids(points: np.ndarray, labels: Sequence) -> pd.DataFrame:
    """Mean point per label (rows sorted by label).

    Parameters
    ----------
    points
        One row per point.
    labels
        The label of each point.

    Returns
    -------
    pandas.DataFrame
        One row per label (index ``label``), one column per coordinate.
    """
    frame = pd.DataFrame(np.asarray(points)).assign(_label=list(labels))
    return frame.groupby("_label").mean().rename_axis("label")


def _normed_means(x: np.ndarray, codes: np.ndarray, n: int, weights: np.ndarray) -> np.ndarray:
    sums = np.zeros((n, x.shape[1]))
    np.add.at(sums, codes, x * weights[:, None])
    means = sums / np.bincount(codes, weights=weights, minlength=n)[:, None]
    return means / np.linalg.norm(means, axis=1, keepdims=True)


def centroid_distances(
    embeddings: np.ndarray,
    groups: Sequence,
    identities: Sequence | None = None,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Cosine distances between group centroids with percentile bootstrap intervals.

    Each replicate resamples QAs with replacement within each identity (or within each group
    when ``identities`` is None), so the interval reflects which questions were asked.

    Parameters
    ----------
    embeddings
        One row per QA.
    groups
        The group of each QA (centroids are per group).
    identities
        The identity of each QA (the resampling strata); None resamples within groups.
    n_boot, level, seed
        Replicates, interval probability and seed of the bootstrap.

    Returns
    -------
    pandas.DataFrame
        One row per pair of groups: ``a``, ``b``, ``distance`` (1 − cosine of the unit
        centroids), ``lo``, ``hi``.
    """
    x = np.asarray(embeddings, dtype=np.float64)
    groups = np.asarray(groups)
    if len(x) != len(groups):
        raise ValueError(f"{len(x)} embeddings but {len(groups)} group labels")
    names, codes = np.unique(groups, return_inverse=True)
    if len(names) < 2:
        raise ValueError("distances need at least 2 groups")
    strata = (
        codes if identities is None else np.unique(np.asarray(identities), return_inverse=True)[1]
    )
    rng = np.random.default_rng(seed)
    members = [np.flatnonzero(strata == s) for s in np.unique(strata)]
    point = _normed_means(x, codes, len(names), np.ones(len(x)))
    boots = np.empty((n_boot, len(names), len(names)))
    for b in range(n_boot):
        weights = np.zeros(len(x))
        for rows in members:
            np.add.at(weights, rng.choice(rows, size=len(rows)), 1.0)
        m = _normed_means(x, codes, len(names), weights)
        boots[b] = 1.0 - m @ m.T
    lo, hi = np.quantile(boots, [(1 - level) / 2, (1 + level) / 2], axis=0)
    dist = 1.0 - point @ point.T
    rows = [
        {"a": names[i], "b": names[j], "distance": dist[i, j], "lo": lo[i, j], "hi": hi[i, j]}
        for i in range(len(names))
        for j in range(len(names))
        if i < j
    ]
    return pd.DataFrame(rows)


def distance_table(distances: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    """Square table of ``"d [lo, hi]"`` strings from :func:`centroid_distances` output.

    Parameters
    ----------
    distances
        :func:`centroid_distances` output.
    digits
        Decimals shown.

    Returns
    -------
    pandas.DataFrame
        Group × group, ``"0"`` on the diagonal.
    """
    names = sorted(set(distances["a"]) | set(distances["b"]))
    table = pd.DataFrame("", index=names, columns=names)
    for r in distances.itertuples():
        cell = f"{r.distance:.{digits}f} [{r.lo:.{digits}f}, {r.hi:.{digits}f}]"
        table.loc[r.a, r.b] = table.loc[r.b, r.a] = cell
    for n in names:
        table.loc[n, n] = "0"
    return table


def value_coordinates(
    model,
    qa: pd.DataFrame,
    method: str = "tsne",
    group: str = "group",
    seed: int = 0,
) -> pd.DataFrame:
    """Embed the QAs with ``model`` and project them to 2-D.

    Parameters
    ----------
    model
        A sentence-transformers encoder (trained UniVaR or the base encoder).
    qa
        A validated QA table with ``model`` and the ``group`` column.
    method
        ``"tsne"`` or ``"umap"``.
    group
        The column the map is coloured by (language, country or persona).
    seed
        Seed of the projection.

    Returns
    -------
    pandas.DataFrame
        One row per QA: ``x``, ``y``, ``group``, ``model``; ``attrs["method"]`` names the
        projection.
    """
    from llmvalues.univar.evaluate import embed_qa

    if group not in qa.columns:
        raise ValueError(
            f"QA table has no {group!r} column to colour by; columns: {list(qa.columns)}"
        )
    coords = project(embed_qa(model, qa), method=method, seed=seed)
    out = pd.DataFrame(
        {
            "x": coords[:, 0],
            "y": coords[:, 1],
            "group": qa[group].astype(str).to_numpy(),
            "model": qa["model"].astype(str).to_numpy(),
        }
    )
    out.attrs["method"] = method
    return out
