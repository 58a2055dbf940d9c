"""Labels placed without overlaps: next to their point, else out with a leader line, else reported.

A :class:`Placer` works on one axes whose layout and limits are final. It knows every mark
tagged ``mark:<owner>`` (:mod:`llmvalues.plots.checks`) and any further boxes to keep clear
(reference points), and places each label at the nearest free spot around its anchor:
first right next to it, then on rings further out with a thin leader line. A spot is free
when the label stays inside the axes, overlaps no label placed before, crosses no leader
line, and breaks none of the rules the checks apply to tagged labels. Labels that find no
spot are returned, for the figure to list them in its legend or caption.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from matplotlib.transforms import Bbox

from llmvalues.plots.checks import IDENTITY, LABEL, TOLERANCE_PX, Mark, tagged_marks

# preference among spots at one distance: right, left, the diagonals, above, below
DIRECTIONS_8 = (0, 180, 30, 150, -30, -150, 90, -90)
DIRECTIONS_16 = (*DIRECTIONS_8, 60, 120, -60, -120, 15, 165, -15, -165)
MAX_DIRECTIONS = 96
_SIZES: dict[tuple, tuple[float, float]] = {}  # (text, size, dpi, weight) → (w, h) pixels
LEADER = {"arrowstyle": "-", "color": "#7A7A7A", "lw": 0.45, "shrinkA": 0.0}


@dataclass
class Label:
    """A label to place: its text, its anchor (data coordinates) and whom it names.

    Attributes
    ----------
    text
        The label.
    xy
        The point it names, in data coordinates.
    owner
        ``"identity:<name>"``, ``"country:<name>"``, …: the gid suffix of its marks.
    fontsize
        Points.
    leader
        May move away from the point with a leader line (else only right next to it).
    marker
        Radius of the point's marker in points (the label keeps clear of it).
    style
        Further keyword arguments of the text (colour, weight, backing box).
    alternatives
        Other points the label may name instead (e.g. any wave of a trajectory); the
        nearest free spot around any of them wins.
    """

    text: str
    xy: tuple[float, float]
    owner: str
    fontsize: float
    leader: bool = True
    marker: float = 3.0
    style: dict = field(default_factory=dict)
    alternatives: tuple = ()


def _segment_hits_box(p: np.ndarray, q: np.ndarray, box: np.ndarray) -> bool:
    """Does the segment p→q pass through the box (x0, y0, x1, y1)? (Liang–Barsky.)"""
    d = q - p
    t0, t1 = 0.0, 1.0
    for k in range(2):
        for bound, sign in ((box[k], -1.0), (box[k + 2], 1.0)):
            num = sign * (bound - p[k])
            den = sign * d[k]
            if den == 0:
                if num < 0:
                    return False
                continue
            t = num / den
            if den > 0:
                t1 = min(t1, t)
            else:
                t0 = max(t0, t)
            if t0 > t1:
                return False
    return True


class Placer:
    """Places :class:`Label` objects on ``ax`` (drawn in its final layout and limits).

    Parameters
    ----------
    ax
        The axes.
    obstacles
        Display-pixel boxes every label keeps clear of (e.g. reference points).
    """

    def __init__(self, ax, obstacles: Sequence[Bbox] = ()):
        fig = ax.figure
        self.ax = ax
        self.renderer = fig.canvas.get_renderer()
        self.px = self.renderer.points_to_pixels(1.0)
        frame = ax.get_window_extent(self.renderer)
        self.frame = (frame.x0 + 1, frame.y0 + 1, frame.x1 - 1, frame.y1 - 1)
        marks: list[Mark] = tagged_marks(fig, self.renderer)
        # markers as one table of boxes (with their owners); regions as paths with extents
        self.marker_boxes = np.array(
            [b.extents for m in marks for b in m.boxes], dtype=float
        ).reshape(-1, 4)
        self.marker_owners = np.array([m.owner for m in marks for _ in m.boxes], dtype=object)
        self.regions = [(m.owner, m.path, m.path.get_extents().extents) for m in marks if m.path]
        self.obstacles = np.array([b.extents for b in obstacles]).reshape(-1, 4)
        self.placed = np.zeros((0, 4))
        self.leaders: list[tuple[np.ndarray, np.ndarray]] = []
        span = np.hypot(frame.width, frame.height)
        self.max_distance = 0.45 * span

    @staticmethod
    def _hits(table: np.ndarray, box: np.ndarray, margin: float) -> np.ndarray:
        """Which rows of ``table`` (x0, y0, x1, y1) overlap ``box`` by more than -margin."""
        return (np.minimum(box[2], table[:, 2]) - np.maximum(box[0], table[:, 0]) > -margin) & (
            np.minimum(box[3], table[:, 3]) - np.maximum(box[1], table[:, 1]) > -margin
        )

    def _free(self, box: np.ndarray, who: str, leader=None) -> bool:
        x0, y0, x1, y1 = box
        f = self.frame
        if x0 < f[0] or y0 < f[1] or x1 > f[2] or y1 > f[3]:
            return False
        if len(self.placed) and self._hits(self.placed, box, 1.0).any():
            return False
        if len(self.obstacles) and self._hits(self.obstacles, box, 0.0).any():
            return False
        if len(self.marker_boxes) and self._hits(self.marker_boxes, box, -TOLERANCE_PX).any():
            return False
        for p, q in self.leaders:
            if _segment_hits_box(p, q, box):
                return False
        identity = who.startswith(IDENTITY)
        bbox = None
        for owner, path, extents in self.regions:
            if not self._hits(extents[None, :], box, 0.0)[0]:
                continue  # neither the outline nor the region is near
            inside = identity and owner != who
            bbox = bbox or Bbox.from_extents(
                x0 + TOLERANCE_PX, y0 + TOLERANCE_PX, x1 - TOLERANCE_PX, y1 - TOLERANCE_PX
            )
            if path.intersects_bbox(bbox, filled=inside):
                return False
        if leader is not None:
            p, q = leader
            for other in self.placed:
                if _segment_hits_box(p, q, other):
                    return False
        return True

    def _spots(self, anchor: np.ndarray, w: float, h: float, label: Label):
        """Candidate (ring, centre, needs a leader) around ``anchor``, nearest first."""
        r0 = (label.marker + 1.5) * self.px
        step = max(h * 0.9, 4 * self.px)
        ring = 0
        while True:
            d = r0 + ring * step
            if ring > 1 and (not label.leader or d > self.max_distance):
                return
            if ring < 2:
                directions = DIRECTIONS_8
            elif d < 8 * step:
                directions = DIRECTIONS_16
            else:  # far out, spots about a label height apart around the ring
                n = min(MAX_DIRECTIONS, int(2 * np.pi * d / step))
                directions = DIRECTIONS_16 + tuple(np.linspace(0, 360, n, endpoint=False))
            for angle in directions:
                ux, uy = np.cos(np.radians(angle)), np.sin(np.radians(angle))
                cx = anchor[0] + d * ux + w / 2 * np.clip(2 * ux, -1, 1)
                cy = anchor[1] + d * uy + h / 2 * np.clip(2 * uy, -1, 1)
                yield ring, np.array([cx, cy]), ring > 1
            ring += 1

    def place(self, label: Label):
        """Draw ``label`` at the nearest free spot; None (nothing drawn) if there is none."""
        ax = self.ax
        w, h = self._size(label)
        points = [label.xy, *label.alternatives]
        anchors = ax.transData.transform(np.asarray(points, float))
        spots = heapq.merge(
            *(
                ((ring, k, centre, far) for ring, centre, far in self._spots(a, w, h, label))
                for k, a in enumerate(anchors)
            ),
            key=lambda spot: (spot[0], spot[1]),
        )
        for _, k, centre, far in spots:
            anchor = anchors[k]
            extents = np.array(
                [centre[0] - w / 2, centre[1] - h / 2, centre[0] + w / 2, centre[1] + h / 2]
            )
            leader = (self._edge(extents, anchor), anchor) if far else None
            if not self._free(extents, label.owner, leader):
                continue
            text = ax.annotate(
                label.text,
                xy=points[k],
                xytext=tuple(ax.transData.inverted().transform(centre)),
                ha="center",
                va="center",
                fontsize=label.fontsize,
                zorder=8,
                annotation_clip=False,
                arrowprops={**LEADER, "shrinkB": label.marker + 0.5} if far else None,
                **label.style,
            )
            text.set_gid(f"{LABEL}{label.owner}")
            if leader is not None:
                self.leaders.append(leader)
            self.placed = np.vstack([self.placed, extents])
            return text
        return None

    def _size(self, label: Label) -> tuple[float, float]:
        """The label's box in pixels (measured once per text, font and dpi)."""
        key = (label.text, label.fontsize, self.ax.figure.dpi, label.style.get("weight"))
        if key not in _SIZES:
            probe = self.ax.text(0, 0, label.text, fontsize=label.fontsize, **label.style)
            box = probe.get_window_extent(self.renderer)
            probe.remove()
            _SIZES[key] = (box.width, box.height)
        return _SIZES[key]

    @staticmethod
    def _edge(box: np.ndarray, anchor: np.ndarray) -> np.ndarray:
        """The point of ``box`` nearest ``anchor`` (where the leader line leaves the label)."""
        return np.clip(anchor, box[:2], box[2:])

    def place_all(self, labels: Sequence[Label]) -> list[Label]:
        """Place each label in turn; return those that found no spot."""
        return [label for label in labels if self.place(label) is None]
