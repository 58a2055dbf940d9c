"""The Inglehart–Welzel cultural map: reference countries, trajectories and identities.

:class:`MapCanvas` builds every map figure of the package (positions, credible regions,
trajectories over time, explanations): layers are drawn first, then the figure is laid out
at its size and the labels are placed where they overlap nothing (:mod:`.labels`).
Identity labels that find no spot are listed in the legend with their marker; reference
countries that find none are counted in the caption; nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.transforms import Bbox

from llmvalues.iw.countries import resolve_country
from llmvalues.iw.presets import DEFAULT_PRESET, Preset, load_preset
from llmvalues.plots.checks import IDENTITY, MARK
from llmvalues.plots.labels import Label, Placer
from llmvalues.plots.style import (
    AXIS_LABELS,
    BACKING,
    CULTURAL_ZONES,
    SHORT_AXIS_LABELS,
    SMALL,
    TINY,
    IdentityStyle,
    compact_names,
    ellipsis_note,
    figure_style,
    finish,
    freeze,
    identity_styles,
    new_figure,
    theme,
    wrap,
    zone_style,
)

COUNTRY_SIZE = 13.0  # marker area, pt²
IDENTITY_SIZE = 44.0
MAP_ASPECT = 0.78
MANY_TRAJECTORIES = 12  # more paths than this are named only where a name fits beside them
NAMED_IN_CAPTION = 8  # labels without room listed by name in the caption (then a count)
NARROW_MAP_ASPECT = 1.35
MIN_MAP_ASPECT = 0.7  # the map's height / width at least, on a figure that may grow
MAX_HEIGHT = 9.0  # inches: a page's height less its margins


def _trajectory_names(preset: Preset, trajectories: Iterable[str] | str | bool) -> list[str]:
    """The trajectory countries asked for, resolved in any spelling; unknown ones are errors."""
    available = list(preset.trajectories["country"].unique())
    if trajectories is True:
        return available
    if isinstance(trajectories, str):
        trajectories = trajectories.split(",")
    where = f"the countries with trajectories in preset {preset.name!r}"
    return [resolve_country(name, available, where) for name in trajectories]


class MapCanvas:
    """One IW map figure: draw layers, then :meth:`finish` lays it out and places labels.

    Parameters
    ----------
    preset
        The map preset (its countries are the backdrop).
    ax
        Axes to draw on; a new figure of ``size`` when None.
    size
        ``"single"``, ``"double"`` or ``(width, height)`` (:func:`llmvalues.plots.style.theme`).
    title
        Axes title.
    """

    def __init__(self, preset: str | Preset = DEFAULT_PRESET, ax=None, size=None, title=None):
        self.preset = load_preset(preset)
        with figure_style():
            self.grows = ax is None and (size is None or isinstance(size, str))
            if ax is None:
                look = theme(size, MAP_ASPECT)
                if look.narrow and (size is None or isinstance(size, str)):
                    look = theme(size, NARROW_MAP_ASPECT)
                self.fig, self.ax, self.look = new_figure(look.figsize)
            else:
                self.fig, self.ax = ax.figure, ax
                self.look = theme(tuple(ax.figure.get_size_inches()))
            narrow = self.look.narrow
            self.ax.set_xlabel(SHORT_AXIS_LABELS["x"] if narrow else AXIS_LABELS["x"])
            self.ax.set_ylabel(SHORT_AXIS_LABELS["y"] if narrow else AXIS_LABELS["y"])
            self.ax.axhline(0, color="#BDBDBD", lw=0.6, zorder=0)
            self.ax.axvline(0, color="#BDBDBD", lw=0.6, zorder=0)
            self.ax.set_title(title or f"Inglehart–Welzel cultural map ({self.preset.name})")
        self.identity_labels: list[Label] = []
        self.labels: list[Label] = []  # countries asked for and trajectories: leader lines
        self.optional: list[Label] = []  # the other countries: right next to their point
        self.entries: list[tuple] = []
        self.notes: list[str] = []
        self.extent: list[np.ndarray] = []
        self.obstacles: list[np.ndarray] = []  # points whose markers labels keep clear of
        self.styles: dict[str, IdentityStyle] = {}
        self.trajectories_drawn = False
        self.compact: tuple[str, dict[str, str]] | None = None  # (prefix, shortened names)

    # ----- layers ----------------------------------------------------------------------
    def countries(self, label: bool = True, highlight: Iterable[str] = (), alpha: float = 0.85):
        """The preset's reference countries by cultural zone; ``highlight`` labelled first."""
        countries = self.preset.countries
        zones = countries.get("cultural_zone", pd.Series(index=countries.index, dtype=object))
        present = [z for z in CULTURAL_ZONES if z in set(zones.dropna())]
        with figure_style():
            for zone in [*present, None]:
                rows = countries[zones.isna()] if zone is None else countries[zones == zone]
                if rows.empty:
                    continue
                colour, marker = zone_style(zone)
                handle = self.ax.scatter(
                    rows["x"],
                    rows["y"],
                    s=COUNTRY_SIZE,
                    c=colour,
                    marker=marker,
                    alpha=alpha,
                    edgecolors="#404040",
                    linewidths=0.25,
                    zorder=2,
                )
                self.entries.append((handle, zone or "no zone given"))
        xy = countries[["x", "y"]].to_numpy(float)
        self.extent.append(xy)
        self.obstacles.append(xy)
        if not label:
            return
        first = set(highlight)
        for name, (x, y) in zip(countries["country"], xy, strict=True):
            wanted = name in first
            item = Label(
                str(name),
                (x, y),
                f"country:{name}",
                TINY + (0.5 if wanted else 0.0),
                leader=wanted,
                marker=np.sqrt(COUNTRY_SIZE) / 2,
                style={"color": "#202020" if wanted else "#4D4D4D"},
            )
            (self.labels if wanted else self.optional).append(item)

    def trajectories(self, names: Iterable[str] | str | bool) -> None:
        """Survey-wave paths of countries, as arrows from the first wave to the last."""
        if self.preset.trajectories is None:
            raise ValueError(f"preset {self.preset.name!r} has no country trajectories")
        table = self.preset.trajectories
        chosen = _trajectory_names(self.preset, names)
        named = self.labels if len(chosen) <= MANY_TRAJECTORIES else self.optional
        for name in chosen:
            path = table[table["country"] == name].sort_values("year")
            if len(path) < 2:
                continue
            zone = path["cultural_zone"].iloc[-1] if "cultural_zone" in path else None
            colour, _ = zone_style(zone)
            xs, ys = path["x"].to_numpy(float), path["y"].to_numpy(float)
            with figure_style():
                self.ax.plot(xs, ys, color=colour, lw=0.8, alpha=0.8, zorder=1)
                self.ax.annotate(
                    "",
                    xy=(xs[-1], ys[-1]),
                    xytext=(xs[-2], ys[-2]),
                    zorder=1,
                    arrowprops={
                        "arrowstyle": "-|>",
                        "color": colour,
                        "lw": 0.8,
                        "mutation_scale": 7,
                    },
                )
            years = f"{int(path['year'].iloc[0])}–{int(path['year'].iloc[-1])}"
            named.append(
                Label(
                    f"{name} {years}",
                    (xs[0], ys[0]),
                    f"trajectory:{name}",
                    TINY,
                    leader=named is self.labels,
                    marker=1.0,
                    alternatives=tuple(zip(xs[1:], ys[1:], strict=True)),
                    style={"color": "#333333", "bbox": BACKING},
                )
            )
            self.extent.append(np.column_stack([xs, ys]))
        self.trajectories_drawn = True

    def identities(
        self,
        points: pd.DataFrame,
        styles: dict[str, IdentityStyle] | None = None,
        labels: dict[str, str] | None = None,
    ):
        """One marker per identity (index = name; columns x, y), each its own shape;
        ``labels`` replaces a name by another text (e.g. its date)."""
        points = points.dropna(subset=["x", "y"])
        names = [str(i) for i in points.index]
        self.styles = styles or identity_styles(names)
        if labels is None:
            labels = self.shorten(names)
        with figure_style():
            for name, row in points.iterrows():
                style = self.styles[str(name)]
                mark = self.ax.scatter(
                    [row["x"]], [row["y"]], zorder=7, **style.scatter_kwargs(IDENTITY_SIZE)
                )
                mark.set_gid(f"{MARK}{IDENTITY}{name}")
                self.identity_label(
                    str(name),
                    (row["x"], row["y"]),
                    np.sqrt(IDENTITY_SIZE) / 2,
                    (labels or {}).get(str(name)),
                )

    def shorten(self, names: list[str]) -> dict[str, str] | None:
        """Let long names that share a prefix be shortened ("…| Japan") where room is short:
        at once on a narrow figure, else if some label finds no room in full."""
        prefix, short = compact_names(names, narrow=True)
        if not prefix:
            return None
        self.compact = (prefix, dict(zip(names, short, strict=True)))
        return self._compacted() if self.look.narrow else None

    def _compacted(self) -> dict[str, str]:
        """Switch identity labels to their shortened names (the caption says how)."""
        prefix, short = self.compact
        self.note(ellipsis_note(prefix))
        self.compact = None
        for label in self.identity_labels:
            label.text = short.get(label.owner[len(IDENTITY) :], label.text)
        return short

    def identity_label(self, name: str, xy, marker: float, text: str | None = None) -> None:
        """Label an identity whose marks were drawn by the caller (tagged ``mark:identity:…``)."""
        self.identity_labels.append(
            Label(
                text or str(name),
                tuple(xy),
                f"{IDENTITY}{name}",
                SMALL,
                marker=marker,
                style={"color": "black", "bbox": BACKING},
            )
        )
        self.reach(xy)

    def reach(self, xy) -> None:
        """Make sure the data limits include these points (of a layer drawn directly)."""
        self.extent.append(np.asarray(xy, float).reshape(-1, 2))

    def entry(self, handle, label: str) -> None:
        """A legend entry."""
        self.entries.append((handle, label))

    def note(self, sentence: str) -> None:
        """A sentence of the caption."""
        if sentence:
            self.notes.append(sentence)

    # ----- layout ----------------------------------------------------------------------
    def _limits(self) -> None:
        xy = np.vstack([e for e in self.extent if len(e)])
        xy = xy[np.isfinite(xy).all(axis=1)]
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        pad = 0.04 * np.maximum(hi - lo, 1e-6)
        self.ax.set_xlim(lo[0] - pad[0], hi[0] + pad[0])
        self.ax.set_ylim(lo[1] - pad[1], hi[1] + pad[1])

    def _obstacle_boxes(self) -> list[Bbox]:
        if not self.obstacles:
            return []
        xy = self.ax.transData.transform(np.vstack(self.obstacles))
        r = np.sqrt(COUNTRY_SIZE) / 2 * self.fig.dpi / 72
        return [Bbox.from_extents(x - r, y - r, x + r, y + r) for x, y in xy]

    def _legend(self, listed: list[str]) -> tuple[list, list]:
        entries = list(self.entries)
        text = {lab.owner[len(IDENTITY) :]: lab.text for lab in self.identity_labels}
        if listed:
            entries.append((Line2D([], [], ls="", marker=""), "Not labelled on the map:"))
        for name in listed:
            style = self.styles.get(name)
            handle = (
                Line2D([], [], ls="", marker="")
                if style is None
                else Line2D(
                    [],
                    [],
                    ls="",
                    marker=style.marker,
                    ms=6,
                    mfc=style.face,
                    mec="black" if not style.open else style.colour,
                    mew=0.7,
                )
            )
            entries.append((handle, text[name]))
        return [h for h, _ in entries], [n for _, n in entries]

    def _caption(self, lost: list[str], skipped: bool) -> list[str]:
        notes = list(self.notes)
        if lost:
            shown = ", ".join(lost[:NAMED_IN_CAPTION])
            more = len(lost) - NAMED_IN_CAPTION
            notes.append(
                f"Not labelled for lack of room: {shown}"
                + (f" and {more} more." if more > 0 else ".")
            )
        if skipped:
            notes.append("Unnamed points: no room for a name.")
        notes.append(f"Reference points: {self.preset.citation}")
        if self.trajectories_drawn:
            notes.append(self.preset.trajectories_citation)
        return notes

    def _clear(self, placed: list) -> None:
        for artist in placed:
            artist.remove()
        if self.ax.get_legend() is not None:
            self.ax.get_legend().remove()
        for legend in list(self.fig.legends):
            legend.remove()
        for text in [t for t in self.fig.texts if t.get_gid() == "caption"]:
            text.remove()

    def _place(self, listed: list[str]):
        """Place every label; (drawn texts, identities without room, others without room,
        whether a reference country went unnamed)."""
        placer = Placer(self.ax, self._obstacle_boxes())
        placed, homeless, lost = [], [], []
        for label in self.identity_labels:
            name = label.owner[len(IDENTITY) :]
            if name in listed:
                continue
            text = placer.place(label)
            (placed.append(text) if text is not None else homeless.append(name))
        for label in self.labels:
            text = placer.place(label)
            (placed.append(text) if text is not None else lost.append(label.text))
        skipped = False
        for label in self.optional:
            text = placer.place(label)
            skipped |= text is None
            if text is not None:
                placed.append(text)
        return placed, homeless, lost, skipped

    def finish(self, caption: bool = True):
        """Lay the figure out, place the labels, write legend and caption; return (fig, ax).

        Identities whose label finds no room join the legend and the layout is made again
        (the legend's size moves the axes), until every identity is labelled or listed.
        Long names sharing a prefix are first tried in full, then shortened ("…| Japan")
        if some found no room.
        """
        with figure_style():
            self._limits()
            placed, listed = self._layout(caption)
            if listed and self.compact is not None:
                self._clear(placed)
                self._compacted()
                self._layout(caption)
            freeze(self.fig)
        return self.fig, self.ax

    def _grow(self) -> bool:
        """Make a figure of a journal width taller when its legend and caption leave the map
        too flat (its width is the journal's; its height is ours to choose)."""
        if not self.grows:
            return False
        box = self.ax.get_position()
        w, h = self.fig.get_size_inches()
        short = MIN_MAP_ASPECT * box.width * w - box.height * h  # inches the map lacks
        if short > 0.05 and h < MAX_HEIGHT:
            self.look = theme((w, min(MAX_HEIGHT, h + short)))
            self.fig.set_size_inches(*self.look.figsize)
            return True
        return False

    def _finish(self, shown, listed: list[str]) -> None:
        """Legend and caption, laid out (on a taller figure if the map came out too flat)."""
        finish(self.fig, self.look, shown, self._legend(listed), legend_ax=self.ax)
        if self._grow():  # taller: the legend and caption go again at the new height
            self._clear([])
            finish(self.fig, self.look, shown, self._legend(listed), legend_ax=self.ax)

    def _recaption(self, text: list[str]) -> None:
        """Replace the caption's words without moving anything (it is anchored at its
        bottom, so a caption as long or shorter stays where it was)."""
        note = next(t for t in self.fig.texts if t.get_gid() == "caption")
        note.set_text(
            wrap(self.fig, " ".join(text), note.get_fontsize(), self.fig.bbox.width * 0.98)
        )

    def _layout(self, caption: bool) -> tuple[list, list[str]]:
        """Legend, caption and labels until they agree; (texts placed, identities listed)."""
        listed: list[str] = []
        placed: list = []
        lost, skipped = [], bool(self.optional)  # a guess: some name will not fit
        names = [lab.owner[len(IDENTITY) :] for lab in self.identity_labels]
        seen: list = []
        for _ in range(len(names) + 3):
            self._clear(placed)
            shown = self._caption(lost, skipped) if caption else None
            self._finish(shown, listed)
            placed, homeless, now_lost, now_skipped = self._place(listed)
            if homeless:  # they join the legend, which moves the map: again
                listed += homeless
                lost, skipped = now_lost, now_skipped
                continue
            true = self._caption(now_lost, now_skipped) if caption else None
            if true == shown:
                return placed, listed
            if true not in seen:
                seen.append(shown)
                lost, skipped = now_lost, now_skipped
                continue
            # two layouts take turns: state what either lost, then what this one lost
            self._clear(placed)
            lost = list(dict.fromkeys([*lost, *now_lost]))
            shown = self._caption(lost, skipped or now_skipped)
            self._finish(shown, listed)
            placed, homeless, now_lost, now_skipped = self._place(listed)
            if not homeless:
                self._recaption(self._caption(now_lost, now_skipped))
                return placed, listed
            listed += homeless
        # no agreement: list every identity, label the rest again
        self._clear(placed)
        self._finish(self._caption(lost, skipped) if caption else None, names)
        placed, _, now_lost, now_skipped = self._place(names)
        if caption:
            self._recaption(self._caption(now_lost, now_skipped))
        return placed, names


def plot_map(
    preset: str | Preset = DEFAULT_PRESET,
    points: pd.DataFrame | None = None,
    ax=None,
    trajectories: Iterable[str] | bool = False,
    label_countries: bool = True,
    title: str | None = None,
    caption: bool = True,
    size=None,
    highlight: Iterable[str] = (),
):
    """Draw the IW map with ``preset``'s countries and optional identity ``points``.

    Parameters
    ----------
    preset
        A preset name or :class:`~llmvalues.iw.presets.Preset`.
    points
        Index = identity; columns ``x``, ``y``: drawn with one marker shape each, labelled
        (or listed in the legend where a label finds no room).
    ax
        Axes to draw on (default: a new figure of ``size``).
    trajectories
        Country names whose survey-wave paths are drawn as arrows (a list, or one
        comma-separated string; any spelling :mod:`llmvalues.iw.countries` resolves), or
        True for all; only presets with trajectories. An unknown country raises
        :class:`~llmvalues.iw.countries.CountryError` listing near matches.
    label_countries
        Name the reference countries (where there is room; the caption counts the rest).
    title
        Axes title.
    caption
        Write the caption (citation of the reference points, what was not labelled).
    size
        ``"single"`` (3.5 in), ``"double"`` (7 in, default) or ``(width, height)``.
    highlight
        Countries labelled first, with a leader line if needed.

    Returns
    -------
    (Figure, Axes)
    """
    canvas = MapCanvas(preset, ax, size, title)
    canvas.countries(label_countries, highlight)
    if trajectories:
        canvas.trajectories(trajectories)
    if points is not None and len(points):
        canvas.identities(points)
    return canvas.finish(caption)


__all__ = ["MapCanvas", "plot_map"]
