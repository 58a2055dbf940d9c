"""The Inglehart–Welzel cultural map: reference countries, trajectories and LLM points."""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib.pyplot as plt
import pandas as pd
from adjustText import adjust_text
from matplotlib import patheffects

from llmvalues.iw.countries import resolve_country
from llmvalues.iw.presets import DEFAULT_PRESET, Preset, load_preset
from llmvalues.plots.style import AXIS_LABELS, CULTURAL_ZONES, LLM_COLOR, figure_style, zone_style

# a white outline keeps labels legible over ellipses, lines and other points
HALO = [patheffects.withStroke(linewidth=2.2, foreground="white")]


def _draw_countries(ax, countries: pd.DataFrame, label: bool) -> list:
    texts = []
    zones = countries.get("cultural_zone", pd.Series(index=countries.index, dtype=object))
    present = [z for z in CULTURAL_ZONES if z in set(zones.dropna())]
    for zone in [*present, None]:
        rows = countries[zones.isna()] if zone is None else countries[zones == zone]
        if rows.empty:
            continue
        colour, marker = zone_style(zone)
        ax.scatter(
            rows["x"],
            rows["y"],
            s=16,
            c=colour,
            marker=marker,
            alpha=0.85,
            edgecolors="#404040",
            linewidths=0.25,
            label=zone or "no zone given",
            zorder=2,
        )
        if label:
            texts += [
                ax.text(x, y, name, fontsize=5.2, color="#4D4D4D", zorder=3)
                for x, y, name in zip(rows["x"], rows["y"], rows["country"], strict=True)
            ]
    return texts


def _draw_trajectories(ax, trajectories: pd.DataFrame, countries: Iterable[str]) -> None:
    for name in countries:
        path = trajectories[trajectories["country"] == name].sort_values("year")
        if len(path) < 2:
            continue
        colour, _ = zone_style(path["cultural_zone"].iloc[-1] if "cultural_zone" in path else None)
        xs, ys = path["x"].to_numpy(), path["y"].to_numpy()
        ax.plot(xs, ys, color=colour, lw=0.8, alpha=0.7, zorder=1)
        ax.annotate(
            "",
            xy=(xs[-1], ys[-1]),
            xytext=(xs[-2], ys[-2]),
            zorder=1,
            arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 0.8, "mutation_scale": 7},
        )
        ax.text(xs[0], ys[0], f"{int(path['year'].iloc[0])}", fontsize=4.5, color=colour)


def _trajectory_names(preset: Preset, trajectories: Iterable[str] | str | bool) -> list[str]:
    """The trajectory countries asked for, resolved in any spelling; unknown ones are errors."""
    available = list(preset.trajectories["country"].unique())
    if trajectories is True:
        return available
    if isinstance(trajectories, str):
        trajectories = trajectories.split(",")
    where = f"the countries with trajectories in preset {preset.name!r}"
    return [resolve_country(name, available, where) for name in trajectories]


def plot_map(
    preset: str | Preset = DEFAULT_PRESET,
    points: pd.DataFrame | None = None,
    ax=None,
    trajectories: Iterable[str] | bool = False,
    label_countries: bool = True,
    title: str | None = None,
    caption: bool = True,
):
    """Draw the IW map with ``preset``'s countries and optional LLM ``points`` (index = label).

    ``trajectories``: country names whose survey-wave paths are drawn as arrows (a list, or
    one comma-separated string; any spelling :mod:`llmvalues.iw.countries` resolves, spaces
    around names ignored), or True for all; only presets with trajectories. An unknown
    country raises :class:`~llmvalues.iw.countries.CountryError` listing near matches.
    Returns ``(fig, ax)``.
    """
    preset = load_preset(preset)
    with figure_style():
        if ax is None:
            fig, ax = plt.subplots(figsize=(7.2, 6.0))
        else:
            fig = ax.figure
        texts = _draw_countries(ax, preset.countries, label_countries)
        if trajectories:
            if preset.trajectories is None:
                raise ValueError(f"preset {preset.name!r} has no country trajectories")
            _draw_trajectories(ax, preset.trajectories, _trajectory_names(preset, trajectories))
        if points is not None and len(points):
            ax.scatter(
                points["x"],
                points["y"],
                s=42,
                marker="*",
                c=LLM_COLOR,
                zorder=5,
                edgecolors="white",
                linewidths=0.4,
                label="LLM",
            )
            texts += [
                ax.text(
                    x,
                    y,
                    str(name),
                    fontsize=7,
                    weight="bold",
                    color=LLM_COLOR,
                    zorder=6,
                    path_effects=HALO,
                )
                for name, x, y in zip(points.index, points["x"], points["y"], strict=True)
            ]
        ax.set_xlabel(AXIS_LABELS["x"])
        ax.set_ylabel(AXIS_LABELS["y"])
        ax.axhline(0, color="#BDBDBD", lw=0.6, zorder=0)
        ax.axvline(0, color="#BDBDBD", lw=0.6, zorder=0)
        ax.set_title(title or f"Inglehart–Welzel cultural map ({preset.name})")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), markerscale=1.1, handletextpad=0.3)
        if texts:
            adjust_text(
                texts,
                ax=ax,
                expand=(1.05, 1.2),
                only_move={"text": "xy"},
                arrowprops={"arrowstyle": "-", "color": "#9E9E9E", "lw": 0.3},
            )
        if caption:
            drawn = f" {preset.trajectories_citation}" if trajectories else ""
            fig.text(
                0.01,
                -0.01,
                f"Reference points: {preset.citation}{drawn}",
                fontsize=5.5,
                color="#5A5A5A",
                wrap=True,
                ha="left",
                va="top",
            )
    return fig, ax
