"""Uncertainty figures of a hierarchical map fit: ellipses on the IW map, forest, variants, PPC.

Every figure uses the shared llmvalues style, draws intervals in black and greys (readable in
greyscale print), and saves as PDF/SVG/300-dpi PNG through ``llmvalues.plots.save_figure``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Ellipse

from llmvalues.plots.iw_map import plot_map
from llmvalues.plots.style import AXIS_LABELS, GREY, LLM_COLOR, figure_style

# Ellipse line style per credible level: outer levels dashed, so they differ without colour.
_LEVEL_STYLE = {0.5: "-", 0.9: "--", 0.95: ":"}


def _select(fit, identities: Iterable[str] | None) -> list[str]:
    if identities is None:
        return list(fit.identities)
    chosen = list(identities)
    unknown = [i for i in chosen if i not in fit.identities]
    if unknown:
        raise KeyError(f"identity {unknown[0]!r} is not in the fit; identities: {fit.identities}")
    return chosen


def draw_ellipses(ax, fit, levels: Sequence[float] = (0.5, 0.9), identities=None) -> None:
    """Credible ellipses of the chosen identities on an existing map axis."""
    chosen = _select(fit, identities)
    for level in levels:
        table = fit.ellipses(level).loc[chosen]
        for row in table.itertuples():
            ax.add_patch(
                Ellipse(
                    (row.x, row.y),
                    row.width,
                    row.height,
                    angle=row.angle,
                    fill=False,
                    edgecolor=LLM_COLOR,
                    lw=0.9,
                    ls=_LEVEL_STYLE.get(level, "-."),
                    zorder=4,
                )
            )


def _level_legend(ax, levels: Sequence[float]) -> None:
    handles = [
        Line2D(
            [],
            [],
            color=LLM_COLOR,
            lw=0.9,
            ls=_LEVEL_STYLE.get(lv, "-."),
            label=f"{lv:.0%} credible region",
        )
        for lv in levels
    ]
    existing, labels = ax.get_legend_handles_labels()
    ax.legend(
        handles=[*existing, *handles],
        labels=[*labels, *(h.get_label() for h in handles)],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        handletextpad=0.3,
    )


def plot_map_uncertainty(
    fit,
    levels: Sequence[float] = (0.5, 0.9),
    identities: Iterable[str] | None = None,
    ax=None,
    trajectories: Iterable[str] | bool = False,
    label_countries: bool = True,
    title: str | None = None,
):
    """The IW map (countries, optional trajectories) with each identity's credible ellipses."""
    chosen = _select(fit, identities)
    with figure_style():
        fig, ax = plot_map(
            fit.preset,
            points=fit.centroids.loc[chosen, ["x", "y"]],
            ax=ax,
            trajectories=trajectories,
            label_countries=label_countries,
            title=title or f"Map positions with credible regions ({fit.preset.name})",
        )
        draw_ellipses(ax, fit, levels, chosen)
        _level_legend(ax, levels)
        ax.autoscale_view()
    return fig, ax


def plot_forest(fit, level: float = 0.9, inner: float = 0.5, identities=None, sort: str = "x"):
    """Forest plot of the centroids per axis: point, ``inner`` (thick) and ``level`` (thin)."""
    chosen = _select(fit, identities)
    cen = fit.centroids.loc[chosen]
    if sort in ("x", "y"):
        cen = cen.sort_values(sort)
    outer_t, inner_t = f"{round(level * 100)}", f"{round(inner * 100)}"
    for t in (outer_t, inner_t):
        if f"x_lo{t}" not in cen:
            raise ValueError(f"interval levels must be among 0.5, 0.9, 0.95 (got {t}%)")
    pos = np.arange(len(cen))
    with figure_style():
        fig, axes = plt.subplots(
            1, 2, figsize=(7.2, 0.6 + 0.28 * len(cen)), sharey=True, constrained_layout=True
        )
        for ax, axis in zip(axes, ("x", "y"), strict=True):
            ax.hlines(
                pos, cen[f"{axis}_lo{outer_t}"], cen[f"{axis}_hi{outer_t}"], color=LLM_COLOR, lw=0.9
            )
            ax.hlines(
                pos, cen[f"{axis}_lo{inner_t}"], cen[f"{axis}_hi{inner_t}"], color=LLM_COLOR, lw=2.6
            )
            ax.plot(cen[axis], pos, "o", ms=4.5, mfc="white", mec=LLM_COLOR, mew=0.9)
            ax.axvline(0, color=GREY, lw=0.6, zorder=0)
            ax.set_xlabel(AXIS_LABELS[axis])
            ax.grid(axis="y", visible=False)
        axes[0].set_yticks(pos, cen.index)
        axes[0].set_ylim(-0.7, len(cen) - 0.3)
        fig.suptitle(
            f"Map positions: posterior mean, {inner:.0%} (thick) and {level:.0%} (thin) "
            "credible intervals",
            fontsize=9,
        )
    return fig, axes


def plot_variant_effects(fit, level: float = 0.9, max_variants: int = 40):
    """Per item: each prompt variant's latent effect with its interval; titles give the share
    of answer variance due to prompt variants (prompt sensitivity)."""
    effects = fit.variant_effects(level)
    share = fit.prompt_sensitivity(level)
    variants = list(dict.fromkeys(effects["variant"]))[:max_variants]
    items = list(dict.fromkeys(effects["item"]))
    pos = {v: k for k, v in enumerate(variants)}
    with figure_style():
        fig, axes = plt.subplots(
            2,
            5,
            figsize=(7.2, 1.2 + 0.16 * len(variants) * 2),
            sharex=True,
            sharey=True,
            constrained_layout=True,
        )
        for ax, item in zip(axes.ravel(), items, strict=True):
            e = effects[(effects["item"] == item) & effects["variant"].isin(variants)]
            y = e["variant"].map(pos).to_numpy()
            ax.hlines(y, e["lo"], e["hi"], color=LLM_COLOR, lw=0.8)
            ax.plot(e["mean"], y, "o", ms=3, mfc="white", mec=LLM_COLOR, mew=0.8)
            ax.axvline(0, color=GREY, lw=0.6, zorder=0)
            ax.set_title(f"{item.upper()}  {_share_label(share.loc[item])}", fontsize=7.5)
            ax.grid(axis="y", visible=False)
        axes[0, 0].set_yticks(range(len(variants)), variants)
        for ax in axes.ravel():
            ax.tick_params(axis="y", labelsize=6)
        axes[0, 0].invert_yaxis()
        for ax in axes[1]:
            ax.set_xlabel("latent effect", fontsize=8)
        fig.suptitle(
            f"Prompt-variant effects ({level:.0%} intervals); variance share due to variants "
            f"overall {_share_label(share.loc['overall'])}",
            fontsize=9,
        )
    return fig, axes


def _share_label(s) -> str:
    """A prompt-sensitivity row as a title: the share and its interval, or its flag alone
    ("no variation observed"); a prior-driven share says so."""
    if s["flag"] and not np.isfinite(s["share"]):
        return s["flag"]
    text = f"{s['share']:.2f} [{s['lo']:.2f}, {s['hi']:.2f}]"
    return f"{text} {s['flag']}" if s["flag"] else text


def plot_ppc(fit, identity: str | None = None, level: float = 0.9, n_draws: int = 200):
    """Posterior predictive check per item: observed shares (bars) vs predicted (intervals)."""
    pooled = identity is None
    table = fit.ppc(level=level, n_draws=n_draws, pooled=pooled)
    if not pooled:
        _select(fit, [identity])
        table = table[table["identity"] == identity]
    with figure_style():
        fig, axes = plt.subplots(2, 5, figsize=(7.2, 3.6), constrained_layout=True)
        for ax, item in zip(axes.ravel(), fit.data.items, strict=True):
            t = table[table["item"] == item]
            x = np.arange(len(t))
            ax.bar(x, t["observed"], color="#D0D0D0", edgecolor="#606060", lw=0.4, label="observed")
            ax.vlines(x, t["lo"], t["hi"], color=LLM_COLOR, lw=1.0)
            ax.plot(
                x,
                t["predicted"],
                "o",
                ms=3,
                mfc="white",
                mec=LLM_COLOR,
                mew=0.8,
                label=f"predicted ({level:.0%})",
            )
            ax.set_xticks(x, [str(c) for c in t["code"]], fontsize=6)
            ax.set_title(item.upper(), fontsize=8)
            ax.set_ylim(0, 1)
            ax.grid(axis="x", visible=False)
        axes[0, 0].legend(loc="upper left", fontsize=6)
        who = "all identities" if pooled else identity
        fig.suptitle(f"Posterior predictive check: answer shares per item ({who})", fontsize=9)
    return fig, axes


def plot_trajectory(
    fit,
    order_by: str = "collected_at",
    model: str | None = None,
    model_column: str = "model",
    countries: Iterable[str] = (),
    level: float = 0.9,
    ax=None,
):
    """One model's identities ordered by an attribute (collection date) as a path with
    credible ellipses, next to the survey-wave trajectories of chosen countries."""
    attrs = fit.attributes
    if order_by not in attrs.columns:
        raise KeyError(f"identities have no {order_by!r} attribute (have {list(attrs.columns)})")
    rows = attrs
    if model is not None:
        if model_column not in attrs.columns:
            raise KeyError(f"identities have no {model_column!r} attribute")
        rows = attrs[attrs[model_column].astype(str) == str(model)]
        if rows.empty:
            raise KeyError(f"no identity has {model_column} = {model!r}")
    rows = rows.sort_values(order_by)
    chosen = list(rows.index)
    cen = fit.centroids.loc[chosen]
    names = list(countries)
    with figure_style():
        fig, ax = plot_map(
            fit.preset,
            points=None,
            ax=ax,
            trajectories=names or False,
            label_countries=not names,
            title=f"{model or 'Identities'} over {order_by} ({fit.preset.name})",
        )
        if names:
            table = fit.preset.countries.set_index("country")
            for name in names:
                if name in table.index:
                    ax.text(
                        table.loc[name, "x"],
                        table.loc[name, "y"],
                        f" {name}",
                        fontsize=6,
                        color="#404040",
                    )
        draw_ellipses(ax, fit, (level,), chosen)
        xs, ys = cen["x"].to_numpy(), cen["y"].to_numpy()
        for k in range(len(xs) - 1):
            ax.annotate(
                "",
                xy=(xs[k + 1], ys[k + 1]),
                xytext=(xs[k], ys[k]),
                zorder=5,
                arrowprops={
                    "arrowstyle": "-|>",
                    "color": LLM_COLOR,
                    "lw": 1.1,
                    "mutation_scale": 10,
                    "shrinkA": 4,
                    "shrinkB": 5,
                },
            )
        ax.plot(cen["x"], cen["y"], "*", color=LLM_COLOR, ms=8, mec="white", mew=0.4, zorder=6)
        for name, r in cen.iterrows():
            ax.annotate(
                str(rows.loc[name, order_by]),
                (r["x"], r["y"]),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=7,
                weight="bold",
            )
        _level_legend(ax, (level,))
        ax.autoscale_view()
    return fig, ax


def save_all(fit, directory: str, stem: str = "hierarchical") -> dict[str, list]:
    """Write the map, forest, variant and PPC figures as PDF, SVG and 300-dpi PNG."""
    from pathlib import Path

    from llmvalues.plots.style import save_figure

    out: dict[str, list] = {}
    figures = {"map": plot_map_uncertainty, "forest": plot_forest, "ppc": plot_ppc}
    if fit.structure["variant_effects"]:
        figures["variants"] = plot_variant_effects
    for name, fn in figures.items():
        fig, _ = fn(fit)
        out[name] = save_figure(fig, Path(directory) / f"{stem}_{name}")
        plt.close(fig)
    return out


__all__ = [
    "draw_ellipses",
    "plot_forest",
    "plot_map_uncertainty",
    "plot_ppc",
    "plot_trajectory",
    "plot_variant_effects",
    "save_all",
]
