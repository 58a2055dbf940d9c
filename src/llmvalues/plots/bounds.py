"""Refusal bounds on the IW map: where a position could lie if refusals are not at random.

A layer over the map of :mod:`llmvalues.plots.uncertainty`: per identity the region every
worst case allows (grey polygon, at the bounds' point estimates), the band with the
uncertainty around the bounds (dashed box: the lower bounds' low quantile to the upper
bounds' high quantile, per axis) and, with a delta hypothesis, an arrow from the MAR
position to the delta-adjusted one. Greys and line styles only, so it reads in greyscale.
"""

from __future__ import annotations

from collections.abc import Iterable

from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Polygon, Rectangle

from llmvalues.iw.refusals import RefusalBounds
from llmvalues.plots.iw_map import plot_map
from llmvalues.plots.style import GREY, LLM_COLOR, figure_style
from llmvalues.plots.uncertainty import plot_map_uncertainty

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


def draw_refusal_bounds(ax, bounds: RefusalBounds, identities: Iterable[str] | None = None) -> None:
    """Draw each identity's worst-case region, band and delta arrow on an existing map axis.

    Parameters
    ----------
    ax
        A map axis (e.g. from :func:`llmvalues.plots.plot_map`).
    bounds
        ``fit.refusal_bounds(...)``.
    identities
        Which identities (default: all).
    """
    table = bounds.table
    regions = bounds.regions()
    for name in _chosen(bounds, identities):
        row = table.loc[name]
        ax.add_patch(
            Polygon(
                regions[name],
                closed=True,
                facecolor=REGION_FACE,
                edgecolor=GREY,
                alpha=0.55,
                lw=0.6,
                zorder=3,
            )
        )
        ax.add_patch(
            Rectangle(
                (row["x_band_lo"], row["y_band_lo"]),
                row["x_band_hi"] - row["x_band_lo"],
                row["y_band_hi"] - row["y_band_lo"],
                fill=False,
                edgecolor=LLM_COLOR,
                lw=0.8,
                ls=BAND_STYLE,
                zorder=4,
            )
        )
        if "x_delta" in table:
            ax.annotate(
                "",
                xy=(row["x_delta"], row["y_delta"]),
                xytext=(row["x"], row["y"]),
                zorder=6,
                arrowprops={"arrowstyle": "-|>", "color": LLM_COLOR, "lw": 0.9, "shrinkA": 3},
            )
            ax.plot(
                row["x_delta"], row["y_delta"], "D", ms=3.5, mfc="white", mec=LLM_COLOR, zorder=6
            )


def _legend(ax, bounds: RefusalBounds) -> None:
    tail = (1 - bounds.level) / 2
    handles = [
        Patch(facecolor=REGION_FACE, edgecolor=GREY, alpha=0.55, label="worst-case region"),
        Line2D(
            [],
            [],
            color=LLM_COLOR,
            lw=0.8,
            ls=BAND_STYLE,
            label=f"bounds' {tail:.0%}–{1 - tail:.0%} band",
        ),
    ]
    if "x_delta" in bounds.table:
        handles.append(
            Line2D(
                [],
                [],
                marker="D",
                ls="",
                ms=3.5,
                mfc="white",
                mec=LLM_COLOR,
                label="delta-adjusted",
            )
        )
    old = ax.get_legend()
    if old is None:
        existing, labels = ax.get_legend_handles_labels()
    else:  # keep what the map's legend already says (zones, credible regions)
        existing, labels = list(old.legend_handles), [t.get_text() for t in old.get_texts()]
    ax.legend(
        handles=[*existing, *handles],
        labels=[*labels, *(h.get_label() for h in handles)],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        handletextpad=0.3,
    )


def plot_refusal_bounds(
    bounds: RefusalBounds,
    fit=None,
    identities: Iterable[str] | None = None,
    ax=None,
    label_countries: bool = True,
    title: str | None = None,
):
    """The map with each identity's refusal bounds.

    Parameters
    ----------
    bounds
        ``fit.refusal_bounds(...)``.
    fit
        The fit they came from: its credible regions at ``bounds.level`` are drawn beneath
        (:func:`llmvalues.plots.uncertainty.plot_map_uncertainty`); without it, the MAR
        positions as points.
    identities
        Which identities (default: all).
    ax
        Axes to draw on (default: a new figure).
    label_countries, title
        As for :func:`llmvalues.plots.plot_map`.

    Returns
    -------
    (Figure, Axes)
    """
    chosen = _chosen(bounds, identities)
    title = title or f"Refusal bounds ({bounds.preset.name}, estimand asked)"
    with figure_style():
        if fit is None:
            fig, ax = plot_map(
                bounds.preset,
                points=bounds.table.loc[chosen, ["x", "y"]],
                ax=ax,
                label_countries=label_countries,
                title=title,
            )
        else:
            fig, ax = plot_map_uncertainty(
                fit,
                levels=(bounds.level,),
                identities=chosen,
                ax=ax,
                label_countries=label_countries,
                title=title,
            )
        draw_refusal_bounds(ax, bounds, chosen)
        _legend(ax, bounds)
        ax.autoscale_view()
    return fig, ax


def plot_fit_bounds(fit, level: float = 0.9, points=None, delta=None, **kwargs):
    """``fit.plot("bounds")``: :func:`plot_refusal_bounds` of ``fit.refusal_bounds(level,
    points, delta)`` over the fit's credible regions (other keywords as there)."""
    return plot_refusal_bounds(fit.refusal_bounds(level, points, delta), fit=fit, **kwargs)


__all__ = ["draw_refusal_bounds", "plot_fit_bounds", "plot_refusal_bounds"]
