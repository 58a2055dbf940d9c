"""Uncertainty figures of a map fit: regions on the IW map, forest, variants, PPC, trajectory.

Every figure states what its intervals are (level, kind, estimand) in its caption, draws
intervals in black and greys or with one marker shape per identity (readable in greyscale),
takes ``size`` (``"single"``, ``"double"`` or ``(width, height)``) and saves as
PDF/SVG/300-dpi PNG through :func:`llmvalues.plots.save_figure`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Ellipse

from llmvalues.plots.captions import intervals_sentence, regions_sentence
from llmvalues.plots.checks import IDENTITY, MARK
from llmvalues.plots.iw_map import MapCanvas
from llmvalues.plots.style import (
    AXIS_LABELS,
    GREY,
    INK,
    NARROW,
    SHORT_AXIS_LABELS,
    SMALL,
    TALL,
    compact_names,
    ellipsis_note,
    figure_style,
    finish,
    new_figure,
    theme,
)

# Ellipse line style per credible level: outer levels dashed, so they differ without colour.
LEVEL_STYLES = {0.5: "-", 0.9: "--", 0.95: ":"}
NAMED_VARIANTS = 16  # variant effects: rows named up to this many
LEVEL_WORDS = {"-": "solid", "--": "dashed", ":": "dotted", "-.": "dash-dot"}


def _select(fit, identities: Iterable[str] | None) -> list[str]:
    if identities is None:
        return list(fit.identities)
    chosen = list(identities)
    unknown = [i for i in chosen if i not in fit.identities]
    if unknown:
        raise KeyError(f"identity {unknown[0]!r} is not in the fit; identities: {fit.identities}")
    return chosen


def _level_style(level: float) -> str:
    return LEVEL_STYLES.get(level, "-.")


def _ellipse_box(row) -> np.ndarray:
    """Corners of the box around an ellipse (centre x, y; width, height; angle in degrees)."""
    a, b, t = row["width"] / 2, row["height"] / 2, np.radians(row["angle"])
    dx = np.hypot(a * np.cos(t), b * np.sin(t))
    dy = np.hypot(a * np.sin(t), b * np.cos(t))
    return np.array([[row["x"] - dx, row["y"] - dy], [row["x"] + dx, row["y"] + dy]])


def draw_ellipses(canvas: MapCanvas, fit, levels: Sequence[float], identities) -> None:
    """Each identity's regions at ``levels`` in its colour, tagged as its marks."""
    chosen = _select(fit, identities)
    styles = canvas.styles
    with figure_style():
        for level in levels:
            table = fit.ellipses(level).loc[chosen].dropna(subset=["width", "height"])
            for name, row in table.iterrows():
                patch = Ellipse(
                    (row["x"], row["y"]),
                    row["width"],
                    row["height"],
                    angle=row["angle"],
                    fill=False,
                    edgecolor=styles[name].colour,
                    lw=0.9,
                    ls=_level_style(level),
                    zorder=4,
                )
                patch.set_gid(f"{MARK}{IDENTITY}{name}")
                canvas.ax.add_patch(patch)
                canvas.reach(_ellipse_box(row))
        for level in levels:
            style = _level_style(level)
            canvas.entry(Line2D([], [], color=INK, lw=0.9, ls=style), f"{level:.0%} region")


def _prompted_countries(fit, chosen: list[str], column: str = "country") -> list[str]:
    attrs = fit.attributes
    if column not in attrs.columns:
        return []
    values = attrs.loc[chosen, column].dropna().astype(str).str.strip()
    return [v for v in dict.fromkeys(values) if v]


def plot_map_uncertainty(
    fit,
    levels: Sequence[float] = (0.5, 0.9),
    identities: Iterable[str] | None = None,
    ax=None,
    trajectories: Iterable[str] | bool = False,
    label_countries: bool = True,
    title: str | None = None,
    caption: bool = True,
    size=None,
):
    """The IW map (countries, optional trajectories) with each identity's regions.

    Parameters
    ----------
    fit
        A map fit (hierarchical: credible regions; classic: bootstrap regions).
    levels
        Probabilities of the regions drawn (line style per level).
    identities
        Which identities (default all).
    ax, trajectories, label_countries, title, caption, size
        As for :func:`llmvalues.plots.plot_map`; countries the identities were prompted
        as (attribute ``country``) are labelled first.

    Returns
    -------
    (Figure, Axes)
    """
    chosen = _select(fit, identities)
    kind = "credible" if fit.method == "hierarchical" else "bootstrap"
    canvas = MapCanvas(
        fit.preset,
        ax,
        size,
        title or f"Map positions with {kind} regions ({fit.preset.name})",
    )
    canvas.countries(label_countries, _prompted_countries(fit, chosen))
    if trajectories:
        canvas.trajectories(trajectories)
    canvas.identities(fit.centroids.loc[chosen, ["x", "y"]])
    if levels:
        draw_ellipses(canvas, fit, levels, chosen)
        styles = {lv: LEVEL_WORDS[_level_style(lv)] for lv in levels}
        canvas.note(regions_sentence(fit, levels, styles))
    return canvas.finish(caption)


def _axis_title(axis: str, narrow: bool) -> str:
    return SHORT_AXIS_LABELS[axis].replace(" → ", " →\n") if narrow else AXIS_LABELS[axis]


def plot_forest(
    fit,
    level: float = 0.9,
    inner: float = 0.5,
    identities=None,
    sort: str = "x",
    size=None,
    caption: bool = True,
):
    """Forest plot of the positions per axis: point, ``inner`` (thick) and ``level`` (thin).

    Parameters
    ----------
    fit
        A map fit.
    level, inner
        The outer and inner interval probabilities (among 0.5, 0.9, 0.95).
    identities
        Which identities (default all).
    sort
        ``"x"`` or ``"y"``: order the rows by that coordinate; anything else keeps the fit's
        order.
    size
        ``"single"``, ``"double"`` or ``(width, height)``.
    caption
        Write the caption saying what the intervals are.

    Returns
    -------
    (Figure, array of two Axes)
    """
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
        look = theme(size, height=lambda width: (1.6 if width < 5 else 1.3) + 0.17 * len(cen))
        prefix, names = compact_names([str(i) for i in cen.index], narrow=look.narrow)
        fig, axes, look = new_figure(look.figsize, ncols=2, sharey=True)
        for ax, axis in zip(axes, ("x", "y"), strict=True):
            ax.hlines(
                pos, cen[f"{axis}_lo{outer_t}"], cen[f"{axis}_hi{outer_t}"], color=INK, lw=0.9
            )
            ax.hlines(
                pos, cen[f"{axis}_lo{inner_t}"], cen[f"{axis}_hi{inner_t}"], color=INK, lw=2.6
            )
            ax.plot(cen[axis], pos, "o", ms=4.0, mfc="white", mec=INK, mew=0.9)
            ax.axvline(0, color=GREY, lw=0.6, zorder=0)
            ax.set_xlabel(_axis_title(axis, look.narrow))
            ax.grid(axis="y", visible=False)
        axes[0].set_yticks(pos, names)
        axes[0].set_ylim(-0.7, len(cen) - 0.3)
        fig.suptitle("Map positions with intervals")
        notes = [intervals_sentence(fit, inner, level)] if caption else []
        if prefix and caption:
            notes.append(ellipsis_note(prefix))
        finish(fig, look, notes or None)
    return fig, axes


def _unvarying_items(fit) -> set[str]:
    """Items every identity answered with one code only: no variation for prompts to explain."""
    data = fit.data
    seen = pd.DataFrame(
        {
            "identity": data.cell_identity[data.row_cell],
            "item": data.cell_item[data.row_cell],
            "category": data.row_category,
        }
    )[data.row_count > 0]
    spread = seen.groupby(["item", "identity"])["category"].nunique().groupby("item").max()
    return {data.items[i] for i, n in spread.items() if n <= 1}


def plot_variant_effects(fit, level: float = 0.9, max_variants: int = 40, size=None):
    """Per item: each prompt variant's latent effect with its interval; panel titles give the
    share of answer variance due to prompt variants (prompt sensitivity).

    Items whose answers never vary within an identity get no share (there is no variation
    for the prompts to explain; the share's posterior would be its prior): their panel says
    "no variation observed".

    Returns
    -------
    (Figure, array of Axes)
    """
    effects = fit.variant_effects(level)
    share = fit.prompt_sensitivity(level)
    variants = list(dict.fromkeys(effects["variant"]))[:max_variants]
    items = list(dict.fromkeys(effects["item"]))
    flat = _unvarying_items(fit)
    pos = {v: k for k, v in enumerate(variants)}
    with figure_style():
        named = len(variants) <= NAMED_VARIANTS  # more rows than this: no names, a caption
        panel = 0.45 + (0.13 if named else 0.035) * len(variants)
        look = theme(size, height=lambda width: 0.9 + (5 if width < TALL else 2) * panel)
        rows, cols = (5, 2) if look.width < TALL else (2, 5)
        fig, axes, look = new_figure(look.figsize, nrows=rows, ncols=cols, sharex=True, sharey=True)
        for ax, item in zip(axes.ravel(), items, strict=True):
            e = effects[(effects["item"] == item) & effects["variant"].isin(variants)]
            y = e["variant"].map(pos).to_numpy()
            ax.hlines(y, e["lo"], e["hi"], color=INK if item not in flat else GREY, lw=0.8)
            ax.plot(e["mean"], y, "o", ms=2.6, mfc="white", mec=INK, mew=0.7)
            ax.axvline(0, color=GREY, lw=0.6, zorder=0)
            if item in flat:
                head = f"{item.upper()}: no variation"
            else:
                s = share.loc[item]
                head = f"{item.upper()} {s['share']:.2f} [{s['lo']:.2f}, {s['hi']:.2f}]"
            ax.set_title(head, fontsize=SMALL)
            ax.grid(axis="y", visible=False)
            ax.tick_params(axis="y", labelsize=5.5)
        if named:
            axes.ravel()[0].set_yticks(range(len(variants)), variants)
        else:
            axes.ravel()[0].set_yticks([])
        axes.ravel()[0].invert_yaxis()
        for ax in axes[-1]:
            ax.set_xlabel("latent effect")
        o = share.loc["overall"]
        fig.suptitle("Prompt-variant effects per item")
        notes = [
            f"Points and bars: posterior mean and {level:.0%} credible interval of each "
            "variant's latent effect (shared by identities). Panel titles: share of latent "
            f"answer variance due to prompt variants, mean [{level:.0%} interval]; overall "
            f"{o['share']:.2f} [{o['lo']:.2f}, {o['hi']:.2f}].",
        ]
        if flat:
            notes.append(
                f"No variation observed ({', '.join(sorted(i.upper() for i in flat))}): every "
                "identity gave one answer to the item under every prompt, so no share is "
                "shown (its posterior would be the prior)."
            )
        if not named:
            notes.append(
                f"Rows: the {len(variants)} variants in the order of fit.variant_effects() "
                "(too many to name here)."
            )
        if len(pos) < len(dict.fromkeys(effects["variant"])):
            notes.append(f"First {len(pos)} of {effects['variant'].nunique()} variants shown.")
        finish(fig, look, notes)
    return fig, axes


def plot_ppc(fit, identity: str | None = None, level: float = 0.9, n_draws: int = 200, size=None):
    """Posterior predictive check per item: observed shares (bars) vs predicted (intervals).

    Returns
    -------
    (Figure, array of Axes)
    """
    pooled = identity is None
    table = fit.ppc(level=level, n_draws=n_draws, pooled=pooled)
    if not pooled:
        _select(fit, [identity])
        table = table[table["identity"] == identity]
    with figure_style():
        # ten answer codes need about an inch per panel
        look = theme(size, height=lambda width: 0.9 + (1.05 * 5 if width < NARROW else 1.25 * 2))
        rows, cols = (5, 2) if look.width < NARROW else (2, 5)
        fig, axes, look = new_figure(look.figsize, nrows=rows, ncols=cols)
        for ax, item in zip(axes.ravel(), fit.data.items, strict=True):
            t = table[table["item"] == item]
            x = np.arange(len(t))
            ax.bar(x, t["observed"], color="#D0D0D0", edgecolor="#606060", lw=0.4)
            ax.vlines(x, t["lo"], t["hi"], color=INK, lw=1.0)
            ax.plot(x, t["predicted"], "o", ms=2.6, mfc="white", mec=INK, mew=0.8)
            ax.set_xticks(x, [str(c) for c in t["code"]], fontsize=5.5)
            ax.set_title(item.upper(), fontsize=SMALL)
            ax.set_ylim(0, 1.05)
            ax.set_yticks([0, 0.5, 1])
            ax.grid(axis="x", visible=False)
        who = "all identities pooled" if pooled else identity
        fig.suptitle("Posterior predictive check: answer shares per item")
        handles = [
            plt.Rectangle((0, 0), 1, 1, fc="#D0D0D0", ec="#606060", lw=0.4),
            Line2D([], [], color=INK, marker="o", mfc="white", ms=3, lw=1.0),
        ]
        labels = ["observed share", f"predicted share, {level:.0%} interval"]
        notes = [
            f"Bars: observed share of each answer code ({who}); points and lines: posterior "
            f"predictive mean and {level:.0%} interval of the share over {n_draws} draws."
        ]
        finish(fig, look, notes, (handles, labels))
    return fig, axes


def _trajectory_paths(attrs: pd.DataFrame, order_by: str) -> list[list[str]]:
    """Identities that differ only in ``order_by``, each group ordered by it."""
    others = [c for c in attrs.columns if c != order_by]
    if not others:
        return [list(attrs.sort_values(order_by).index)]
    groups = attrs.groupby(others, dropna=False, sort=False)
    return [list(group.sort_values(order_by).index) for _, group in groups]


def _value_text(value) -> str:
    """An attribute value as a label: numbers without float noise (0.7, not 0.70000001)."""
    if isinstance(value, float | np.floating):
        return f"{float(value):g}"
    return str(value)


def _missing_order(attrs: pd.DataFrame, order_by: str) -> ValueError:
    have = list(attrs.columns)
    hint = (
        f"an identity attribute is a Responses column with one value per identity: add "
        f"'{order_by}' before fitting"
    )
    if order_by == "collected_at":
        hint += (
            " (a store's Responses carry the time of each answer in 'collected_at', which "
            "differs within an identity; date each identity, e.g. responses['collected_at'] = "
            "responses.groupby('identity')['collected_at'].transform('min').str[:10])"
        )
    return ValueError(
        f"the trajectory orders identities by the attribute {order_by!r}, which the "
        f"identities of this fit do not have (their attributes: {have}); {hint}, or pass "
        "order_by= one of their attributes"
    )


def plot_trajectory(
    fit,
    order_by: str = "collected_at",
    model: str | None = None,
    model_column: str = "model",
    countries: Iterable[str] = (),
    level: float = 0.9,
    ax=None,
    size=None,
    caption: bool = True,
    identities: Iterable[str] | None = None,
):
    """Identities ordered by an attribute (a collection date) as paths with credible regions,
    next to the survey-wave trajectories of chosen countries.

    Parameters
    ----------
    fit
        A map fit whose identities carry ``order_by``.
    order_by
        The attribute that orders each path (``collected_at``: the collection date).
    model, model_column
        Draw only identities whose ``model_column`` is ``model``, as one path. Without
        ``model`` every group of identities that differ only in ``order_by`` is a path.
    countries
        Countries whose survey-wave trajectories are drawn beside (else every reference
        country is drawn and named where there is room).
    level
        Probability of the regions.
    ax, size, caption
        As for :func:`plot_map_uncertainty`.
    identities
        Draw only these identities (default all, or those of ``model``).

    Returns
    -------
    (Figure, Axes)

    Raises
    ------
    ValueError
        The identities lack ``order_by`` (the message says how to add it) or
        ``model_column``, or no identity has ``model``.
    """
    attrs = fit.attributes
    if order_by not in attrs.columns:
        raise _missing_order(attrs, order_by)
    if identities is not None:
        attrs = attrs.loc[_select(fit, identities)]
    if model is not None:
        if model_column not in attrs.columns:
            raise ValueError(
                f"identities have no {model_column!r} attribute (have {list(attrs.columns)})"
            )
        rows = attrs[attrs[model_column].astype(str) == str(model)]
        if rows.empty:
            raise ValueError(f"no identity has {model_column} = {model!r}")
        paths = [list(rows.sort_values(order_by).index)]
    else:
        paths = _trajectory_paths(attrs, order_by)
    chosen = [name for path in paths for name in path]
    cen = fit.centroids.loc[chosen]
    names = list(countries)
    canvas = MapCanvas(
        fit.preset, ax, size, f"{model or 'Identities'} by {order_by} ({fit.preset.name})"
    )
    canvas.countries(label=not names)
    if names:
        canvas.trajectories(names)
    shown = {name: _value_text(attrs.loc[name, order_by]) for name in chosen}
    canvas.identities(cen[["x", "y"]], labels=shown)
    draw_ellipses(canvas, fit, (level,), chosen)
    with figure_style():
        for path in paths:
            xy = cen.loc[path, ["x", "y"]].to_numpy(float)
            for k in range(len(xy) - 1):
                canvas.ax.annotate(
                    "",
                    xy=tuple(xy[k + 1]),
                    xytext=tuple(xy[k]),
                    zorder=6,
                    arrowprops={
                        "arrowstyle": "-|>",
                        "color": INK,
                        "lw": 1.0,
                        "mutation_scale": 9,
                        "shrinkA": 4,
                        "shrinkB": 5,
                    },
                )
    moving = sum(len(p) > 1 for p in paths)
    canvas.note(
        f"Labels: each identity's {order_by}; arrows join identities in order of {order_by}"
        + ("" if moving else f" (none here: no two identities differ only in {order_by})")
        + "."
    )
    canvas.note(regions_sentence(fit, (level,), {level: LEVEL_WORDS[_level_style(level)]}))
    return canvas.finish(caption)


def save_all(fit, directory: str, stem: str = "hierarchical", size=None) -> dict[str, list]:
    """Write the map, forest, variant and PPC figures as PDF, SVG and 300-dpi PNG."""
    from pathlib import Path

    from llmvalues.plots.style import save_figure

    out: dict[str, list] = {}
    figures = {"map": plot_map_uncertainty, "forest": plot_forest, "ppc": plot_ppc}
    if fit.structure["variant_effects"]:
        figures["variants"] = plot_variant_effects
    for name, fn in figures.items():
        fig, _ = fn(fit, size=size)
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
