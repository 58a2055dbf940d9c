"""The preset sensitivity band on the map: each identity placed under every map, and the spread."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Circle

from llmvalues.iw.presets import Preset, load_preset
from llmvalues.plots.checks import IDENTITY, MARK
from llmvalues.plots.iw_map import IDENTITY_SIZE, MapCanvas
from llmvalues.plots.style import INK, figure_style, identity_styles


def plot_preset_band(
    band,
    identities: Iterable[str] | None = None,
    preset: str | Preset | None = None,
    ax=None,
    label_countries: bool = True,
    title: str | None = None,
    caption: bool = True,
    size=None,
):
    """Each identity's placements under every map, their mean, and the band around it.

    Parameters
    ----------
    band
        A :class:`llmvalues.iw.sensitivity.PresetBand`.
    identities
        Which identities (default all).
    preset
        The backdrop's countries (default the first map compared, in the band's constants).
    ax, label_countries, title, caption, size
        As for :func:`llmvalues.plots.plot_map`.

    Returns
    -------
    (Figure, Axes)
    """
    positions = band.positions[band.positions["component"] == "presets"]
    names = list(dict.fromkeys(positions["identity"]))
    chosen = names if identities is None else list(identities)
    unknown = [i for i in chosen if i not in names]
    if unknown:
        raise ValueError(f"identities {unknown} are not in the band; it has {names}")
    maps = list(dict.fromkeys(positions["map"]))
    backdrop = load_preset(preset if preset is not None else maps[0])
    if preset is None and band.constants is not None:
        backdrop = backdrop.with_constants(band.constants)
    canvas = MapCanvas(backdrop, ax, size, title or "Placements under every map")
    canvas.countries(label_countries, alpha=0.5)
    styles = identity_styles(chosen)
    canvas.styles = styles
    spread = band.band.xs("presets", level="component")
    with figure_style():
        for name in chosen:
            style = styles[name]
            xy = positions.loc[positions["identity"] == name, ["x", "y"]].to_numpy(float)
            centre = xy.mean(axis=0)
            for point in xy:
                canvas.ax.plot(
                    *zip(centre, point, strict=True), color=style.colour, lw=0.6, zorder=5
                )
            dots = canvas.ax.scatter(
                *xy.T, s=10, c=style.colour, edgecolors=INK, linewidths=0.3, zorder=6
            )
            radius = float(spread.loc[name, "radius"])
            ring = Circle(centre, radius, fill=False, ec=style.colour, lw=0.9, zorder=4)
            canvas.ax.add_patch(ring)
            mark = canvas.ax.scatter(*centre, zorder=7, **style.scatter_kwargs(IDENTITY_SIZE))
            rings = [ring]
            if band.interval is not None and name in band.interval.index:
                credible = Circle(
                    centre,
                    float(band.interval.loc[name, "credible_radius"]),
                    fill=False,
                    ec=style.colour,
                    lw=0.9,
                    ls="--",
                    zorder=4,
                )
                canvas.ax.add_patch(credible)
                rings.append(credible)
            for artist in (dots, mark, *rings):
                artist.set_gid(f"{MARK}{IDENTITY}{name}")
            canvas.identity_label(name, centre, np.sqrt(IDENTITY_SIZE) / 2)
            reach = max(r.get_radius() for r in rings)
            canvas.reach([centre - reach, centre + reach, *xy])
    canvas.entry(Line2D([], [], color=INK, lw=0.9), "band: farthest map from the mean")
    what = (
        f"Small points: the same expected answers placed under each map ({'; '.join(maps)})"
        + (
            ", every map in the official constants (offsets do not count as spread)"
            if band.constants is not None
            else ""
        )
        + "; large marker: their mean; solid circle: the band (distance of the farthest "
        "placement from the mean)."
    )
    if band.interval is not None:
        canvas.entry(
            Line2D([], [], color=INK, lw=0.9, ls="--"), f"{band.level:.0%} credible radius"
        )
        what += (
            f" Dashed circle: the {band.level:.0%} credible radius of the position under the "
            f"first map ({maps[0]}), for comparison."
        )
    canvas.note(what)
    return canvas.finish(caption)
