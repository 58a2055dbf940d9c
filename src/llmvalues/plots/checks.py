"""Is a figure readable? Text that overlaps, text cut off by the canvas, labels on other marks.

The checks render the figure with the Agg renderer at its own size and read every drawn
text's extent from the renderer: tick labels, axis labels, titles, legends, annotations,
captions. They find

- ``overlap``: two texts whose boxes overlap;
- ``outside``: a text not wholly inside the figure canvas;
- ``on-mark``: a label drawn on a data mark it does not annotate.

Labels and marks say whom they belong to through their ``gid``: a text with gid
``"label:<owner>"`` annotates the marks with gid ``"mark:<owner>"`` (the figures of this
package tag identities as ``identity:<name>`` and countries as ``country:<name>``). A
label must not touch a marker (its own included: a label never hides the point it
names), must not cross the outline of a region (an ellipse), and an identity's label must
not sit inside another identity's region. Untagged texts are checked for overlap and the
canvas only. Users can check their own figures the same way::

    from llmvalues.plots.checks import check_figure
    check_figure(fig)  # raises FigureLayoutError listing every problem
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.collections import Collection, PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Bbox

LABEL = "label:"
MARK = "mark:"
IDENTITY = "identity:"
TOLERANCE_PX = 0.5  # boxes overlapping by less than this (pixels, both ways) touch only


@dataclass(frozen=True)
class Problem:
    """One reason a figure is not readable.

    Attributes
    ----------
    kind
        ``"overlap"``, ``"outside"`` or ``"on-mark"``.
    message
        What and where, naming the texts.
    """

    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


class FigureLayoutError(AssertionError):
    """A figure has overlapping text, text off the canvas, or labels on other marks."""


def owner(artist) -> str | None:
    """Whom a tagged artist belongs to (``"identity:m1"``), or None."""
    gid = artist.get_gid() or ""
    for prefix in (LABEL, MARK):
        if gid.startswith(prefix):
            return gid[len(prefix) :]
    return None


def _visible(artist) -> bool:
    ax = artist.axes
    return artist.get_visible() and (ax is None or ax.get_visible())


def _tick_labels(fig: Figure) -> tuple[set[int], set[int]]:
    """(ids of every tick label, ids of the tick labels that are drawn)."""
    every, drawn = set(), set()
    for ax in fig.axes:
        for axis in ax._axis_map.values():
            lo, hi = sorted(axis.get_view_interval())
            span = (hi - lo) * 1e-9
            for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
                labels = (tick.label1, tick.label2)
                every.update(id(t) for t in labels)
                loc = tick.get_loc()
                if loc is None or not (lo - span <= loc <= hi + span) or not tick.get_visible():
                    continue
                drawn.update(id(t) for t in labels if t.get_visible())
    return every, drawn


def drawn_texts(fig: Figure, renderer=None) -> list[tuple[Text, Bbox]]:
    """Every text the figure draws, with its box in display pixels (figure drawn first).

    Parameters
    ----------
    fig
        The figure.
    renderer
        A renderer of ``fig``'s canvas; the figure is drawn with Agg when None.

    Returns
    -------
    list of (Text, Bbox)
    """
    if renderer is None:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
    every, drawn = _tick_labels(fig)
    out = []
    for text in fig.findobj(Text):
        if not text.get_text().strip():
            continue
        if id(text) in every and id(text) not in drawn:
            continue
        if not _visible(text):
            continue
        if isinstance(text, Annotation) and not text.get_text():
            continue
        box = Text.get_window_extent(text, renderer)  # an annotation's text, not its arrow
        if box.width <= 0 or box.height <= 0:
            continue
        out.append((text, box))
    return out


def _name(text: Text) -> str:
    s = " ".join(text.get_text().split())
    return repr(s if len(s) <= 60 else s[:57] + "...")


def _overlaps(boxes: np.ndarray) -> list[tuple[int, int]]:
    x0, y0, x1, y1 = boxes.T
    w = np.minimum(x1[:, None], x1[None, :]) - np.maximum(x0[:, None], x0[None, :])
    h = np.minimum(y1[:, None], y1[None, :]) - np.maximum(y0[:, None], y0[None, :])
    hit = (w > TOLERANCE_PX) & (h > TOLERANCE_PX)
    i, j = np.nonzero(np.triu(hit, 1))
    return list(zip(i.tolist(), j.tolist(), strict=True))


def text_problems(fig: Figure, renderer=None) -> list[Problem]:
    """Texts that overlap each other or leave the canvas.

    Parameters
    ----------
    fig
        The figure.
    renderer
        As for :func:`drawn_texts`.

    Returns
    -------
    list of Problem
    """
    texts = drawn_texts(fig, renderer)
    problems = []
    if texts:
        boxes = np.array([b.extents for _, b in texts])
        for i, j in _overlaps(boxes):
            problems.append(
                Problem("overlap", f"{_name(texts[i][0])} overlaps {_name(texts[j][0])}")
            )
    width, height = fig.bbox.width, fig.bbox.height
    for text, box in texts:
        x0, y0, x1, y1 = box.extents
        if (
            x0 < -TOLERANCE_PX
            or y0 < -TOLERANCE_PX
            or x1 > width + TOLERANCE_PX
            or (y1 > height + TOLERANCE_PX)
        ):
            problems.append(
                Problem(
                    "outside",
                    f"{_name(text)} reaches ({x0:.0f}, {y0:.0f})–({x1:.0f}, {y1:.0f}) px on a "
                    f"{width:.0f} × {height:.0f} px canvas",
                )
            )
    return problems


@dataclass(frozen=True)
class Mark:
    """A tagged data mark in display pixels: marker boxes or a region's outline path."""

    owner: str
    boxes: tuple[Bbox, ...] = ()
    path: object = None  # matplotlib.path.Path of a region, in display pixels

    def hits(self, box: Bbox, inside: bool) -> bool:
        """Does ``box`` touch a marker, cross the outline, or (``inside``) lie in the region."""
        shrunk = Bbox.from_extents(
            box.x0 + TOLERANCE_PX,
            box.y0 + TOLERANCE_PX,
            box.x1 - TOLERANCE_PX,
            box.y1 - TOLERANCE_PX,
        )
        if any(shrunk.overlaps(b) for b in self.boxes):
            return True
        if self.path is None:
            return False
        return bool(self.path.intersects_bbox(shrunk, filled=inside))


def _marker_boxes(artist, renderer) -> tuple[Bbox, ...]:
    if isinstance(artist, PathCollection):
        offsets = artist.get_offset_transform().transform(artist.get_offsets())
        sizes = artist.get_sizes()
        sizes = np.resize(sizes if len(sizes) else [36.0], len(offsets))
        radius = np.sqrt(sizes) / 2 * renderer.points_to_pixels(1.0)  # s is area in pt²
        return tuple(
            Bbox.from_extents(x - r, y - r, x + r, y + r)
            for (x, y), r in zip(offsets, radius, strict=True)
            if np.isfinite([x, y]).all()
        )
    if isinstance(artist, Line2D) and artist.get_marker() not in (None, "None", "", " "):
        xy = artist.get_transform().transform(artist.get_xydata())
        r = artist.get_markersize() / 2 * renderer.points_to_pixels(1.0)
        return tuple(Bbox.from_extents(x - r, y - r, x + r, y + r) for x, y in xy)
    if isinstance(artist, Collection):
        return (artist.get_window_extent(renderer),)
    return ()


def tagged_marks(fig: Figure, renderer) -> list[Mark]:
    """The marks whose gid is ``"mark:<owner>"``, in display pixels."""
    marks = []
    for artist in fig.findobj(lambda a: (a.get_gid() or "").startswith(MARK)):
        if not _visible(artist):
            continue
        who = owner(artist)
        if isinstance(artist, Patch):
            path = artist.get_transform().transform_path(artist.get_path())
            marks.append(Mark(who, path=path))
        else:
            marks.append(Mark(who, boxes=_marker_boxes(artist, renderer)))
    return marks


def mark_problems(fig: Figure, renderer=None) -> list[Problem]:
    """Tagged labels drawn on marks they do not annotate (or on their own marker).

    Parameters
    ----------
    fig
        The figure.
    renderer
        As for :func:`drawn_texts`.

    Returns
    -------
    list of Problem
    """
    if renderer is None:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
    marks = tagged_marks(fig, renderer)
    problems = []
    for text, box in drawn_texts(fig, renderer):
        who = owner(text)
        if who is None:
            continue
        for mark in marks:
            region_counts = who.startswith(IDENTITY) and mark.owner != who
            if mark.hits(box, inside=region_counts):
                what = "its own mark" if mark.owner == who else f"a mark of {mark.owner}"
                problems.append(Problem("on-mark", f"label {_name(text)} lies on {what}"))
                break
    return problems


def figure_problems(fig: Figure) -> list[Problem]:
    """Every problem :func:`text_problems` and :func:`mark_problems` find.

    Parameters
    ----------
    fig
        The figure (drawn here with its own canvas, Agg for a figure made with pyplot under
        the Agg backend).

    Returns
    -------
    list of Problem
    """
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return [*text_problems(fig, renderer), *mark_problems(fig, renderer)]


def check_figure(fig: Figure) -> None:
    """Raise :class:`FigureLayoutError` listing every problem of ``fig``, if any.

    Parameters
    ----------
    fig
        The figure.

    Raises
    ------
    FigureLayoutError
        One line per problem.
    """
    problems = figure_problems(fig)
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems[:40])
        more = f"\n  … and {len(problems) - 40} more" if len(problems) > 40 else ""
        raise FigureLayoutError(f"{len(problems)} layout problem(s):\n{lines}{more}")


__all__ = [
    "FigureLayoutError",
    "Problem",
    "check_figure",
    "drawn_texts",
    "figure_problems",
    "mark_problems",
    "owner",
    "tagged_marks",
    "text_problems",
]
