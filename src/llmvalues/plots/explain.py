"""Why two placements differ, drawn on the map: one arrow per step of an explanation."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from matplotlib.lines import Line2D

from llmvalues.iw.explain import FACTORS, Explanation
from llmvalues.iw.presets import load_preset
from llmvalues.plots.iw_map import HALO, plot_map
from llmvalues.plots.style import LLM_COLOR, OKABE_ITO, figure_style

# one colour per factor, in FACTORS order (protocol … reference)
FACTOR_COLOURS = dict(zip(FACTORS, (*OKABE_ITO[4:], *OKABE_ITO[:4]), strict=False))


def plot_explanation(
    explanation: Explanation,
    identities: Iterable[str] | None = None,
    ax=None,
    countries: str = "a",
    label_countries: bool = False,
    title: str | None = None,
    caption: bool = True,
):
    """The map with each identity's path from ``a``'s placement to ``b``'s, step by step.

    Parameters
    ----------
    explanation
        The result of :func:`llmvalues.iw.explain`.
    identities
        Which identities to draw (default: all).
    ax
        Axes to draw on (default: a new figure).
    countries
        Whose reference countries form the backdrop: ``"a"`` or ``"b"``.
    label_countries, title, caption
        As for :func:`llmvalues.plots.plot_map`.

    Returns
    -------
    (Figure, Axes)
    """
    if countries not in ("a", "b"):
        raise ValueError(f"countries must be 'a' or 'b', got {countries!r}")
    side = explanation.a if countries == "a" else explanation.b
    path = explanation.path
    chosen = list(path["identity"].unique()) if identities is None else list(identities)
    unknown = [i for i in chosen if i not in set(path["identity"])]
    if unknown:
        raise ValueError(f"identities {unknown} are not in the explanation")
    fig, ax = plot_map(
        load_preset(side.preset),
        ax=ax,
        label_countries=label_countries,
        title=title or f"{explanation.a.name} → {explanation.b.name}",
        caption=caption,
    )
    for countries_drawn in ax.collections:  # fade the backdrop so the arrows read first
        countries_drawn.set_alpha(0.35)
    with figure_style():
        for identity in chosen:
            steps = path[path["identity"] == identity].sort_values("step")
            xy = steps[["x", "y"]].to_numpy()
            for k in range(1, len(steps)):
                if np.allclose(xy[k], xy[k - 1]):
                    continue  # a step that moves no point (e.g. the reference set)
                ax.annotate(
                    "",
                    xy=tuple(xy[k]),
                    xytext=tuple(xy[k - 1]),
                    zorder=6,
                    arrowprops={
                        "arrowstyle": "-|>",
                        "color": FACTOR_COLOURS[steps["factor"].iloc[k]],
                        "lw": 1.3,
                        "mutation_scale": 9,
                        "shrinkA": 0,
                        "shrinkB": 0,
                    },
                )
            ax.scatter(*xy[0], s=28, facecolors="white", edgecolors=LLM_COLOR, zorder=7)
            ax.scatter(*xy[-1], s=48, marker="*", c=LLM_COLOR, zorder=7)
            ax.text(*xy[0], f" {identity}", fontsize=7, zorder=8, path_effects=HALO)
        handles, labels = ax.get_legend_handles_labels()
        handles += [
            Line2D([], [], marker="o", ls="", mfc="white", mec=LLM_COLOR),
            Line2D([], [], marker="*", ls="", color=LLM_COLOR, ms=8),
        ]
        labels += [f"a: {explanation.a.name}", f"b: {explanation.b.name}"]
        for factor in explanation.order:
            handles.append(Line2D([], [], color=FACTOR_COLOURS[factor], lw=1.6))
            moved = explanation.steps.loc[explanation.steps["factor"] == factor, "distance"]
            labels.append(factor if moved.max() > 1e-12 else f"{factor} (moves no point)")
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig, ax
