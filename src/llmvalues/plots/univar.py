"""UniVaR value maps: QA embeddings in 2-D, coloured by group, with group and model centroids."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from llmvalues.plots.style import GREY, MARKERS, OKABE_ITO, figure_style
from llmvalues.univar.maps import centroids

_LABELS = {"tsne": "t-SNE", "umap": "UMAP"}


def plot_value_map(points: pd.DataFrame, title: str = ""):
    """Scatter of QA points coloured by group, marked by model, with both kinds of centroid.

    Parameters
    ----------
    points
        :func:`llmvalues.univar.maps.value_coordinates` output (x, y, group, model).
    title
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    coords = points[["x", "y"]].to_numpy()
    groups, models = points["group"].to_numpy(), points["model"].to_numpy()
    method_label = _LABELS.get(points.attrs.get("method", "tsne"), "projection")
    names = sorted(set(groups))
    model_names = sorted(set(models))
    palette = [*OKABE_ITO, GREY, "#000000"]
    colour = {g: palette[i % len(palette)] for i, g in enumerate(names)}
    marker = {m: MARKERS[i % len(MARKERS)] for i, m in enumerate(model_names)}
    with figure_style():
        fig, ax = plt.subplots(figsize=(7.2, 5.6))
        for g in names:
            for m in model_names:
                sel = (groups == g) & (models == m)
                if sel.any():
                    ax.scatter(
                        *coords[sel].T,
                        s=9,
                        alpha=0.35,
                        color=colour[g],
                        marker=marker[m],
                        linewidths=0,
                    )
        for (g, m), c in centroids(coords, list(zip(groups, models, strict=True))).iterrows():
            ax.scatter(
                *c.to_numpy(),
                s=70,
                color=colour[g],
                marker=marker[m],
                edgecolors="black",
                linewidths=0.8,
                zorder=3,
            )
        labels, anchors = [], []
        for g, c in centroids(coords, groups).iterrows():
            anchors.append(c.to_numpy())
            ax.scatter(
                *c.to_numpy(),
                s=220,
                color=colour[g],
                marker="*",
                edgecolors="black",
                linewidths=0.9,
                zorder=4,
            )
            labels.append(ax.text(*c.to_numpy(), f" {g}", fontsize=7.5, zorder=5))
        _spread_labels(ax, labels, np.asarray(anchors))
        handles = [
            plt.Line2D([], [], ls="", marker="o", color=colour[g], label=str(g)) for g in names
        ]
        handles += [
            plt.Line2D(
                [],
                [],
                ls="",
                marker=marker[m],
                color="none",
                markeredgecolor="black",
                label=f"{m} centroid",
            )
            for m in model_names
        ]
        handles.append(
            plt.Line2D(
                [],
                [],
                ls="",
                marker="*",
                color="none",
                markersize=10,
                markeredgecolor="black",
                label="group centroid",
            )
        )
        ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.01, 0.5))
        ax.set_xlabel(f"{method_label} 1")
        ax.set_ylabel(f"{method_label} 2")
        ax.set_xticklabels([])
        ax.set_yticklabels([])
        ax.tick_params(length=0)
        if title:
            ax.set_title(title)
        fig.tight_layout()
    return fig


def _spread_labels(ax, labels, anchors: np.ndarray) -> None:
    """Move centroid labels off their stars and apart (adjustText), with thin leader lines."""
    from adjustText import adjust_text

    adjust_text(
        labels,
        x=anchors[:, 0],
        y=anchors[:, 1],
        ax=ax,
        expand=(1.6, 2.2),
        arrowprops={"arrowstyle": "-", "color": "0.4", "lw": 0.5},
    )
