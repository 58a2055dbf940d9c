"""UniVaR value maps: QA embeddings in 2-D, coloured by group, with group and model centroids."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from llmvalues.plots.checks import MARK
from llmvalues.plots.labels import Label, Placer
from llmvalues.plots.style import (
    BACKING,
    GREY,
    MARKERS,
    OKABE_ITO,
    SMALL,
    figure_style,
    finish,
    freeze,
    new_figure,
    theme,
)
from llmvalues.univar.maps import centroids

_LABELS = {"tsne": "t-SNE", "umap": "UMAP"}


STAR = 150.0  # group centroid marker area, pt²


def plot_value_map(points: pd.DataFrame, title: str = "", size=None, caption: bool = True):
    """Scatter of QA points coloured by group, marked by model, with both kinds of centroid.

    Parameters
    ----------
    points
        :func:`llmvalues.univar.maps.value_coordinates` output (x, y, group, model).
    title
        Figure title.
    size
        ``"single"``, ``"double"`` or ``(width, height)``.
    caption
        Write the caption (what the points, centroids and axes are).

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
        look = theme(size, 0.72)
        if look.narrow and (size is None or isinstance(size, str)):
            look = theme(size, 1.3)
        fig, ax, look = new_figure(look.figsize)
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
            ).set_gid(f"{MARK}group:{g}")
        stars = []
        for g, c in centroids(coords, groups).iterrows():
            star = ax.scatter(
                *c.to_numpy(),
                s=STAR,
                color=colour[g],
                marker="*",
                edgecolors="black",
                linewidths=0.9,
                zorder=4,
            )
            star.set_gid(f"{MARK}group:{g}")
            stars.append((g, c.to_numpy()))
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
        ax.set_xlabel(f"{method_label} 1")
        ax.set_ylabel(f"{method_label} 2")
        ax.set_xticklabels([])
        ax.set_yticklabels([])
        ax.tick_params(length=0)
        ax.grid(False)  # no units: grid lines would suggest a scale
        if title:
            ax.set_title(title)
        note = (
            f"Small points: QA answers embedded and projected to 2-D by {method_label} "
            "(axes have no units; distances are only locally meaningful); colour: group, "
            "shape: model; large markers: a model's centroid within a group; stars: group "
            "centroids."
            if caption
            else None
        )
        legend = (handles, [h.get_label() for h in handles])
        finish(fig, look, note, legend, legend_ax=ax)
        placed, unplaced = _label_groups(ax, stars)
        if unplaced:  # say so, and place again in the layout the longer caption leaves
            for artist in [*placed, *fig.legends, ax.get_legend(), *fig.texts]:
                if artist is not None:
                    artist.remove()
            missing = ", ".join(label.text for label in unplaced)
            note = f"{note or ''} Group centroids without room for a label: {missing}.".strip()
            finish(fig, look, note, legend, legend_ax=ax)
            _label_groups(ax, stars)
        freeze(fig)
    return fig


def _label_groups(ax, stars):
    """Name each group centroid next to its star, else out with a leader line; returns
    (texts placed, labels without room)."""
    placer = Placer(ax)
    labels = [
        Label(
            str(g),
            tuple(c),
            f"group:{g}",
            SMALL,
            marker=np.sqrt(STAR) / 2,
            style={"bbox": BACKING},
        )
        for g, c in stars
    ]
    placed = [placer.place(label) for label in labels]
    return [t for t in placed if t is not None], [
        label for label, t in zip(labels, placed, strict=True) if t is None
    ]
