"""Why two placements differ, drawn on the map: one arrow per step of an explanation."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from matplotlib.lines import Line2D

from llmvalues.iw.explain import FACTORS, Explanation
from llmvalues.plots.checks import IDENTITY, MARK
from llmvalues.plots.iw_map import MapCanvas
from llmvalues.plots.style import (
    INK,
    LINESTYLES,
    OKABE_ITO,
    IdentityStyle,
    figure_style,
    identity_styles,
)

# one colour and one line style per factor, in FACTORS order (protocol … reference)
FACTOR_COLOURS = dict(zip(FACTORS, (*OKABE_ITO[4:], *OKABE_ITO[:4]), strict=False))
FACTOR_LINES = dict(zip(FACTORS, (*LINESTYLES, "-"), strict=False))
START_SIZE, END_SIZE = 26.0, 50.0


def plot_explanation(
    explanation: Explanation,
    identities: Iterable[str] | None = None,
    ax=None,
    countries: str = "a",
    label_countries: bool = False,
    title: str | None = None,
    caption: bool = True,
    size=None,
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
    label_countries, title, caption, size
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
    canvas = MapCanvas(
        side.preset, ax, size, title or f"{explanation.a.name} → {explanation.b.name}"
    )
    canvas.countries(label_countries, alpha=0.35)  # faded, so the arrows read first
    ax = canvas.ax
    # a's placement: an open marker of the identity's own shape (greyscale tells them apart)
    shapes = identity_styles(chosen)
    canvas.styles = {n: IdentityStyle(INK, shapes[n].marker, open=True) for n in chosen}
    shown = canvas.shorten(chosen) or {}
    with figure_style():
        for identity in chosen:
            steps = path[path["identity"] == identity].sort_values("step")
            xy = steps[["x", "y"]].to_numpy()
            for k in range(1, len(steps)):
                if np.allclose(xy[k], xy[k - 1]):
                    continue  # a step that moves no point (e.g. the reference set)
                factor = steps["factor"].iloc[k]
                ax.annotate(
                    "",
                    xy=tuple(xy[k]),
                    xytext=tuple(xy[k - 1]),
                    zorder=6,
                    arrowprops={
                        "arrowstyle": "-|>",
                        "color": FACTOR_COLOURS[factor],
                        "linestyle": FACTOR_LINES[factor],
                        "lw": 1.3,
                        "mutation_scale": 9,
                        "shrinkA": 0,
                        "shrinkB": 0,
                    },
                )
            start = ax.scatter(
                *xy[0],
                s=START_SIZE,
                marker=shapes[identity].marker,
                facecolors="white",
                edgecolors=INK,
                zorder=7,
            )
            end = ax.scatter(*xy[-1], s=END_SIZE, marker="*", c=INK, zorder=7)
            for mark in (start, end):
                mark.set_gid(f"{MARK}{IDENTITY}{identity}")
            canvas.identity_label(identity, xy[0], np.sqrt(START_SIZE) / 2, shown.get(identity))
            canvas.reach(xy)
    canvas.entry(
        Line2D([], [], marker="o", ls="", mfc="white", mec=INK), f"a: {explanation.a.name}"
    )
    canvas.entry(Line2D([], [], marker="*", ls="", color=INK, ms=8), f"b: {explanation.b.name}")
    for factor in explanation.order:
        moved = explanation.steps.loc[explanation.steps["factor"] == factor, "distance"]
        canvas.entry(
            Line2D([], [], color=FACTOR_COLOURS[factor], ls=FACTOR_LINES[factor], lw=1.4),
            factor if moved.max() > 1e-12 else f"{factor} (moves no point)",
        )
    canvas.note(
        f"Arrows: how far each identity's placement moves as each factor changes from a's "
        f"choice to b's, in the order {' → '.join(explanation.order)} (the steps add up to "
        "the total move); open markers (one shape per identity): a's placement; stars: b's."
    )
    return canvas.finish(caption)
