"""ValueLex figures: term × factor loading heat map, cluster dendrogram, model scores with intervals."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from scipy.cluster.hierarchy import dendrogram

from llmvalues.plots.style import (
    GREY,
    IDENTITY_COLOURS,
    MARKERS,
    OKABE_ITO,
    SMALL,
    figure_style,
    finish,
    new_figure,
    save_figure,
    theme,
)
from llmvalues.valuelex.cluster import TermClusters


def _factor_colours(factors: list[str]) -> dict[str, str]:
    return {f: IDENTITY_COLOURS[i % len(IDENTITY_COLOURS)] for i, f in enumerate(sorted(factors))}


def plot_loadings(
    table: pd.DataFrame,
    factor_names: pd.Series | None = None,
    cutoff: float = 0.4,
    path: str | Path | None = None,
    size=None,
):
    """Heat map of pattern loadings (terms sorted by factor), values printed, |λ| ≥ cutoff bold.

    ``size``: ``"single"``, ``"double"`` or ``(width, height)``; the default fits the
    table (about 0.9 in per factor).
    """
    factors = [c for c in table.columns if c not in ("factor", "primary_loading", "cross_loading")]
    values = table[factors].to_numpy(dtype=float)
    n_terms = len(table)
    default = (min(7.0, 2.2 + 0.9 * len(factors)), 1.4 + 0.2 * n_terms)
    with figure_style():
        look = theme(size or default, height=lambda width: 1.4 + 0.2 * n_terms)
        fig, ax, look = new_figure(look.figsize)
        ax.grid(False)
        limit = max(0.5, float(np.nanmax(np.abs(values))))
        image = ax.imshow(
            values, cmap="PuOr_r", norm=TwoSlopeNorm(0.0, -limit, limit), aspect="auto"
        )
        for i in range(n_terms):
            for j in range(len(factors)):
                v = values[i, j]
                strong = abs(v) >= cutoff
                ax.text(
                    j,
                    i,
                    f"{v:.2f}",
                    ha="center",
                    va="center",
                    fontsize=6.0,
                    fontweight="bold" if strong else "normal",
                    color="white" if abs(v) > 0.6 * limit else "black",
                )
        labels = [
            f"{f}\n{factor_names[f]}" if factor_names is not None and f in factor_names else f
            for f in factors
        ]
        ax.set_xticks(
            range(len(factors)), [lab.replace(" / ", "\n") for lab in labels], fontsize=SMALL
        )
        ax.set_yticks(range(n_terms), table.index, fontsize=SMALL)
        ax.xaxis.tick_top()
        ax.tick_params(length=0)
        for side in ax.spines.values():
            side.set_visible(False)
        bar = fig.colorbar(image, ax=ax, fraction=0.05, pad=0.03)
        bar.set_label("pattern loading", fontsize=SMALL)
        bar.ax.tick_params(labelsize=SMALL)
        finish(
            fig,
            look,
            f"Cells: pattern loadings of each term on each factor; bold: |loading| ≥ {cutoff}.",
        )
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_dendrogram(
    clusters: TermClusters,
    assignment: pd.Series | None = None,
    path: str | Path | None = None,
    size=None,
):
    """Dendrogram of the term clustering; leaf labels coloured by the term's factor.

    ``size``: ``"single"``, ``"double"`` or ``(width, height)`` (default 5 in wide).
    """
    n = len(clusters.terms)
    with figure_style():
        look = theme(size or (5.0, 1.3 + 0.18 * n), height=lambda width: 1.6 + 0.18 * n)
        fig, ax, look = new_figure(look.figsize)
        ax.grid(False)
        dendrogram(
            clusters.linkage,
            labels=clusters.terms,
            orientation="right",
            ax=ax,
            color_threshold=0,
            above_threshold_color=GREY,
            leaf_font_size=SMALL,
        )
        ax.set_xlabel("cosine distance" if clusters.method != "ward" else "Ward distance")
        ax.spines["left"].set_visible(False)
        handles, labels = [], []
        if assignment is not None:
            factors = [f for f in assignment.dropna().unique()]
            colours = _factor_colours(factors)
            ticks = ax.get_yticklabels()  # each leaf names its factor too: colour is not alone
            named = []
            for label in ticks:
                f = assignment.get(label.get_text())
                label.set_color(colours.get(f, GREY) if isinstance(f, str) else GREY)
                named.append(
                    f"{label.get_text()} [{f}]" if isinstance(f, str) else label.get_text()
                )
            ax.set_yticks(ax.get_yticks(), named)
            for label, before in zip(ax.get_yticklabels(), ticks, strict=True):
                label.set_color(before.get_color())
            handles = [
                plt.Line2D([], [], color=colours[f], marker="s", linestyle="")
                for f in sorted(colours)
            ]
            labels = sorted(colours)
            if assignment.reindex(clusters.terms).isna().any():
                handles.append(plt.Line2D([], [], color=GREY, marker="s", linestyle=""))
                labels.append("none")
        ax.set_title(f"Semantic clustering of {n} terms ({clusters.method} linkage)")
        finish(
            fig,
            look,
            "Leaves: terms, with the factor each loads on in brackets and in colour (none: "
            "no loading reaches the cutoff).",
            (handles, labels) if handles else None,
            legend_ax=ax,
            legend_title="factor",
        )
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_scores(
    scores: pd.DataFrame,
    dimension: str = "subdimension",
    xlabel: str = "score (0–100)",
    xlim: tuple[float, float] | None = (0, 100),
    path: str | Path | None = None,
    title: str = "Scores with 95% intervals",
    labels: pd.Series | dict | None = None,
    intervals: str = "95% bootstrap intervals",
    size=None,
):
    """Dot plot: one row per dimension, one marker per model, horizontal interval bars.

    ``labels`` maps a dimension to the text shown for it (e.g. factor → its name);
    ``intervals`` says what the bars are (the caption prints it); ``size``:
    ``"single"``, ``"double"`` or ``(width, height)`` (default 5 in wide).
    """
    dims = list(dict.fromkeys(scores[dimension]))
    models = list(dict.fromkeys(scores["model"]))
    offsets = np.linspace(-0.25, 0.25, len(models)) if len(models) > 1 else [0.0]
    height = max(2.0, 1.3 + 0.45 * len(dims))
    with figure_style():
        look = theme(size or (5.0, height), height=lambda width: height + (0.5 if width < 5 else 0))
        fig, ax, look = new_figure(look.figsize)
        for k, model in enumerate(models):
            sub = scores[scores["model"] == model].set_index(dimension).reindex(dims)
            y = np.arange(len(dims)) + offsets[k]
            err = np.vstack([sub["score"] - sub["lo"], sub["hi"] - sub["score"]])
            ax.errorbar(
                sub["score"],
                y,
                xerr=err,
                fmt=MARKERS[k % len(MARKERS)],
                color=OKABE_ITO[k % len(OKABE_ITO)],
                markersize=5,
                capsize=2,
                elinewidth=1,
                label=model,
            )
        shown = [str(labels.get(d, d)) if labels is not None else str(d) for d in dims]
        ax.set_yticks(range(len(dims)), [s.replace(" / ", "\n") for s in shown])
        ax.set_ylim(len(dims) - 0.5, -0.5)
        ax.set_xlabel(xlabel)
        if xlim is not None:
            pad = 0.03 * (xlim[1] - xlim[0])  # markers at the limits stay whole
            ax.set_xlim(xlim[0] - pad, xlim[1] + pad)
        ax.set_title(title)
        handles, names = ax.get_legend_handles_labels()
        finish(
            fig,
            look,
            f"Markers: each model's score; bars: {intervals}.",
            (handles, names),
            legend_ax=ax,
            legend_title="model",
        )
    if path is not None:
        save_figure(fig, path)
    return fig
