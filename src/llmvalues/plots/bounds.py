"""Refusal bounds on the IW map: where a position could lie if refusals are not at random.

A layer over the map of :mod:`llmvalues.plots.uncertainty`: per identity the region every
worst case allows (grey polygon, at the bounds' point estimates), the band with the
uncertainty around the bounds (dotted box: the lower bounds' low quantile to the upper
bounds' high quantile, per axis) and, with a delta hypothesis, an arrow from the MAR
position to the delta-adjusted one. Greys and line styles only, so it reads in greyscale.
"""

from __future__ import annotations

from collections.abc import Iterable

from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Polygon, Rectangle

from llmvalues.iw.refusals import RefusalBounds
from llmvalues.plots.captions import percent, regions_sentence
from llmvalues.plots.checks import IDENTITY, MARK
from llmvalues.plots.iw_map import MapCanvas
from llmvalues.plots.style import GREY, INK, figure_style
from llmvalues.plots.uncertainty import draw_ellipses

REGION_FACE = "#BDBDBD"
BAND_STYLE = (0, (1, 1.2))


def _chosen(bounds: RefusalBounds, identities: Iterable[str] | None) -> list[str]:
    if identities is None:
        return list(bounds.identities)
    chosen = list(identities)
    unknown = [i for i in chosen if i not in bounds.identities]
    if unknown:
        raise KeyError(
            f"identity {unknown[0]!r} is not in the bounds; identities: {bounds.identities}"
        )
    return chosen


def draw_refusal_bounds(
    canvas: MapCanvas,
    bounds: RefusalBounds,
    identities: Iterable[str] | None = None,
    say_estimand: bool = True,
) -> None:
    """Draw each identity's worst-case region, band and delta arrow on a map canvas, with
    their legend entries and caption sentence.

    Parameters
    ----------
    canvas
        The map being drawn (:class:`llmvalues.plots.iw_map.MapCanvas`).
    bounds
        ``fit.refusal_bounds(...)``.
    identities
        Which identities (default: all).
    say_estimand
        End the caption sentence with the estimand (off where the regions' sentence beside
        it already names the same one).
    """
    table = bounds.table
    regions = bounds.regions()
    ax = canvas.ax
    delta = "x_delta" in table
    with figure_style():
        for name in _chosen(bounds, identities):
            row = table.loc[name]
            style = canvas.styles.get(name)
            ink = style.colour if style is not None else INK
            marks = [
                Polygon(
                    regions[name],
                    closed=True,
                    facecolor=REGION_FACE,
                    edgecolor=GREY,
                    alpha=0.55,
                    lw=0.6,
                    zorder=3,
                ),
                Rectangle(
                    (row["x_band_lo"], row["y_band_lo"]),
                    row["x_band_hi"] - row["x_band_lo"],
                    row["y_band_hi"] - row["y_band_lo"],
                    fill=False,
                    edgecolor=ink,
                    lw=0.8,
                    ls=BAND_STYLE,
                    zorder=4,
                ),
            ]
            for mark in marks:
                mark.set_gid(f"{MARK}{IDENTITY}{name}")
                ax.add_patch(mark)
            canvas.reach(regions[name])
            canvas.reach(
                [(row["x_band_lo"], row["y_band_lo"]), (row["x_band_hi"], row["y_band_hi"])]
            )
            if delta:
                arrow = ax.annotate(
                    "",
                    xy=(row["x_delta"], row["y_delta"]),
                    xytext=(row["x"], row["y"]),
                    zorder=6,
                    arrowprops={"arrowstyle": "-|>", "color": ink, "lw": 0.9, "shrinkA": 3},
                )
                arrow.set_gid(f"{MARK}{IDENTITY}{name}")
                (end,) = ax.plot(
                    row["x_delta"], row["y_delta"], "D", ms=3.5, mfc="white", mec=ink, zorder=6
                )
                end.set_gid(f"{MARK}{IDENTITY}{name}")
                canvas.reach([(row["x_delta"], row["y_delta"])])
    tail = (1 - bounds.level) / 2
    canvas.entry(Patch(facecolor=REGION_FACE, edgecolor=GREY, alpha=0.55), "worst-case region")
    canvas.entry(
        Line2D([], [], color=INK, lw=0.8, ls=BAND_STYLE),
        f"bounds' {percent(tail)}–{percent(1 - tail)} band",
    )
    if delta:
        canvas.entry(
            Line2D([], [], marker="D", ls="", ms=3.5, mfc="white", mec=INK), "delta-adjusted"
        )
    kind = "credible" if bounds.method == "hierarchical" else "percentile-bootstrap"
    sentence = (
        "Grey polygons: every position the worst case allows if the unanswered replies are "
        "not missing at random (Manski bounds: each unanswered reply at either end of its "
        f"item's scale; at the bounds' point estimates). Dotted boxes: the {percent(tail)} "
        f"quantile of the lower and the {percent(1 - tail)} quantile of the upper bounds "
        f"({kind} draws), per axis, in each identity's colour."
    )
    if say_estimand:
        sentence += " Estimand 'asked' (the position over the prompts asked)."
    if delta:
        sentence += f" Arrows: to the delta-adjusted position ({bounds.shift})."
    canvas.note(sentence)


def plot_refusal_bounds(
    bounds: RefusalBounds,
    fit=None,
    identities: Iterable[str] | None = None,
    ax=None,
    label_countries: bool = True,
    title: str | None = None,
    caption: bool = True,
    size=None,
):
    """The map with each identity's refusal bounds.

    Parameters
    ----------
    bounds
        ``fit.refusal_bounds(...)``.
    fit
        The fit they came from: its regions at ``bounds.level`` are drawn beneath; without
        it, the MAR positions as points.
    identities
        Which identities (default: all).
    ax, label_countries, title, caption, size
        As for :func:`llmvalues.plots.plot_map`.

    Returns
    -------
    (Figure, Axes)
    """
    chosen = _chosen(bounds, identities)
    canvas = MapCanvas(bounds.preset, ax, size, title or f"Refusal bounds ({bounds.preset.name})")
    canvas.countries(label_countries)
    canvas.identities(bounds.table.loc[chosen, ["x", "y"]])
    if fit is not None:
        draw_ellipses(canvas, fit, (bounds.level,), chosen)
        canvas.note(regions_sentence(fit, (bounds.level,), {}))
    draw_refusal_bounds(canvas, bounds, chosen, say_estimand=fit is None or fit.estimand != "asked")
    return canvas.finish(caption)


def plot_fit_bounds(fit, level: float = 0.9, points=None, delta=None, **kwargs):
    """``fit.plot("bounds")``: :func:`plot_refusal_bounds` of ``fit.refusal_bounds(level,
    points, delta)`` over the fit's regions (other keywords as there)."""
    return plot_refusal_bounds(fit.refusal_bounds(level, points, delta), fit=fit, **kwargs)


__all__ = ["draw_refusal_bounds", "plot_fit_bounds", "plot_refusal_bounds"]
