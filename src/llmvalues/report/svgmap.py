"""The interactive Inglehart–Welzel map of the report: inline SVG, one group per layer.

Every mark is drawn here, in Python, at its map coordinates (one scale for both axes, so
distances on the page are the Euclidean map distances the metrics use). A mark that can be
hovered carries ``data-tip``, the key of its tooltip in the page's JSON data; each layer is
a ``<g class="layer" data-layer=...>`` the page's controls show and hide. No scripts or
styles live in the SVG itself.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from llmvalues.plots.style import AXIS_LABELS, CULTURAL_ZONES, INK, zone_style

WIDTH, HEIGHT = 820, 640
MARGIN = {"left": 64, "right": 18, "top": 18, "bottom": 58}
NO_ZONE = "no zone given"


@dataclass
class MapData:
    """What the map shows, as plain tables (see :func:`llmvalues.report.content.map_data`).

    ``identities``: identity, x, y, x_lo, x_hi, y_lo, y_hi, tip (tooltip lines).
    ``countries``: country, x, y[, cultural_zone]. ``trajectories``: country, year, x, y.
    ``ellipses``: identity, x, y, width, height, angle (degrees), level.
    ``placements``: identity, preset, x, y (the same answers under other presets).
    ``band``: identity, radius (preset-sensitivity band). ``snapshots``: identity,
    collected_at, x, y (one model's positions over collection dates).
    """

    preset: str
    level: float
    identities: pd.DataFrame
    countries: pd.DataFrame
    trajectories: pd.DataFrame | None = None
    ellipses: pd.DataFrame | None = None
    placements: pd.DataFrame | None = None
    band: pd.DataFrame | None = None
    snapshots: pd.DataFrame | None = None
    tips: dict[str, list[str]] = field(default_factory=dict)


class _Scale:
    """Map units → SVG pixels, one scale for both axes (y grows upwards on the map)."""

    def __init__(self, xs: np.ndarray, ys: np.ndarray):
        pad = 0.25
        self.x0, self.x1 = float(np.nanmin(xs)) - pad, float(np.nanmax(xs)) + pad
        self.y0, self.y1 = float(np.nanmin(ys)) - pad, float(np.nanmax(ys)) + pad
        inner_w = WIDTH - MARGIN["left"] - MARGIN["right"]
        inner_h = HEIGHT - MARGIN["top"] - MARGIN["bottom"]
        self.k = min(inner_w / (self.x1 - self.x0), inner_h / (self.y1 - self.y0))
        # centre the square-scaled map in the plot area
        self.ox = MARGIN["left"] + (inner_w - self.k * (self.x1 - self.x0)) / 2
        self.oy = MARGIN["top"] + (inner_h - self.k * (self.y1 - self.y0)) / 2

    def px(self, x: float) -> float:
        return self.ox + (x - self.x0) * self.k

    def py(self, y: float) -> float:
        return self.oy + (self.y1 - y) * self.k


def _f(v: float) -> str:
    return f"{v:.1f}"


def _attr(text: object) -> str:
    return html.escape(str(text), quote=True)


def _cross(arm: float, reach: float) -> list[tuple[float, float]]:
    """Corners of a plus sign: arms ``arm`` wide (half-width), ``reach`` long."""
    quarter = [(-arm, -reach), (arm, -reach), (arm, -arm)]
    out = []
    for k in range(4):  # the same quarter turned by 0°, 90°, 180°, 270°
        c, s = round(math.cos(k * math.pi / 2)), round(math.sin(k * math.pi / 2))
        out += [(c * x - s * y, s * x + c * y) for x, y in quarter]
    return out


def _shape(marker: str, cx: float, cy: float, r: float) -> str:
    """An SVG element for a matplotlib-style marker (circle, square, triangles, …)."""
    if marker == "o":
        return f'<circle cx="{_f(cx)}" cy="{_f(cy)}" r="{_f(r)}"'
    if marker == "s":
        return f'<rect x="{_f(cx - r)}" y="{_f(cy - r)}" width="{_f(2 * r)}" height="{_f(2 * r)}"'
    corners = {
        "^": [(0, -1.2), (1.1, 0.8), (-1.1, 0.8)],
        "v": [(0, 1.2), (1.1, -0.8), (-1.1, -0.8)],
        "D": [(0, -1.25), (1.0, 0), (0, 1.25), (-1.0, 0)],
        "h": [(math.cos(a), math.sin(a)) for a in np.linspace(0, 2 * math.pi, 7)[:-1]],
        "P": _cross(0.35, 1.0),
        "X": [((x - y) / math.sqrt(2), (x + y) / math.sqrt(2)) for x, y in _cross(0.3, 1.1)],
    }.get(marker)
    if corners is None:
        return _shape("o", cx, cy, r)
    points = " ".join(f"{_f(cx + r * dx)},{_f(cy + r * dy)}" for dx, dy in corners)
    return f'<polygon points="{points}"'


def _star(cx: float, cy: float, r: float) -> str:
    angles = np.linspace(-math.pi / 2, 1.5 * math.pi, 11)[:-1]
    radii = np.where(np.arange(10) % 2 == 0, r, r * 0.45)
    return " ".join(
        f"{_f(cx + q * math.cos(a))},{_f(cy + q * math.sin(a))}"
        for q, a in zip(radii, angles, strict=True)
    )


def _ellipse_path(row, scale: _Scale) -> str:
    t = np.linspace(0, 2 * math.pi, 73)
    a, b = row.width / 2, row.height / 2
    angle = math.radians(row.angle)
    xs = row.x + a * np.cos(t) * math.cos(angle) - b * np.sin(t) * math.sin(angle)
    ys = row.y + a * np.cos(t) * math.sin(angle) + b * np.sin(t) * math.cos(angle)
    points = " ".join(f"{_f(scale.px(x))},{_f(scale.py(y))}" for x, y in zip(xs, ys, strict=True))
    return f"M{points}Z"


def _ticks(lo: float, hi: float) -> list[float]:
    step = 0.5 if hi - lo <= 6 else 1.0
    return [v for v in np.arange(math.ceil(lo / step) * step, hi + 1e-9, step)]


def _axes(scale: _Scale) -> list[str]:
    out = ['<g class="axes" aria-hidden="true">']
    left, right = scale.px(scale.x0), scale.px(scale.x1)
    top, bottom = scale.py(scale.y1), scale.py(scale.y0)
    out.append(
        f'<rect class="plot-area" x="{_f(left)}" y="{_f(top)}" '
        f'width="{_f(right - left)}" height="{_f(bottom - top)}"/>'
    )
    for axis, lo, hi in (("x", scale.x0, scale.x1), ("y", scale.y0, scale.y1)):
        for v in _ticks(lo, hi):
            zero = " zero" if abs(v) < 1e-9 else ""
            if axis == "x":
                x = scale.px(v)
                ends, label = (x, x, top, bottom), (x, bottom + 14, "middle")
            else:
                y = scale.py(v)
                ends, label = (left, right, y, y), (left - 6, y + 3, "end")
            x1, x2, y1, y2 = (_f(e) for e in ends)
            out.append(f'<line class="grid{zero}" x1="{x1}" x2="{x2}" y1="{y1}" y2="{y2}"/>')
            out.append(
                f'<text class="tick" x="{_f(label[0])}" y="{_f(label[1])}" '
                f'text-anchor="{label[2]}">{v:g}</text>'
            )
    out.append(
        f'<text class="axis-title" x="{_f((left + right) / 2)}" y="{_f(bottom + 36)}" '
        f'text-anchor="middle">{_attr(AXIS_LABELS["x"])}</text>'
    )
    cy = (top + bottom) / 2
    out.append(
        f'<text class="axis-title" x="{_f(left - 44)}" y="{_f(cy)}" text-anchor="middle" '
        f'transform="rotate(-90 {_f(left - 44)} {_f(cy)})">{_attr(AXIS_LABELS["y"])}</text>'
    )
    out.append("</g>")
    return out


def zone_names(countries: pd.DataFrame) -> list[str]:
    """Cultural zones present, in the style's order, then the zone-less group."""
    zones = countries.get("cultural_zone", pd.Series(index=countries.index, dtype=object))
    present = [z for z in CULTURAL_ZONES if z in set(zones.dropna())]
    return present + ([NO_ZONE] if zones.isna().any() else [])


def _layer(name: str, label: str, body: list[str], visible: bool = True) -> list[str]:
    hidden = "" if visible else ' style="display:none"'
    return [
        f'<g class="layer" data-layer="{_attr(name)}" data-label="{_attr(label)}"{hidden}>',
        *body,
        "</g>",
    ]


def _countries(data: MapData, scale: _Scale) -> list[str]:
    out = []
    countries = data.countries
    zones = countries.get("cultural_zone", pd.Series(index=countries.index, dtype=object))
    for zone in zone_names(countries):
        rows = countries[zones.isna()] if zone == NO_ZONE else countries[zones == zone]
        colour, marker = zone_style(None if zone == NO_ZONE else zone)
        body = []
        for row in rows.itertuples():
            key = f"c:{row.country}"
            data.tips[key] = [
                str(row.country),
                f"{zone}",
                f"x {row.x:.2f}, y {row.y:.2f} ({data.preset})",
            ]
            shape = _shape(marker, scale.px(row.x), scale.py(row.y), 4.2)
            body.append(
                f'{shape} class="mark country" fill="{colour}" data-tip="{_attr(key)}" '
                f'data-zone="{_attr(zone)}"/>'
            )
            body.append(
                f'<text class="country-label" x="{_f(scale.px(row.x) + 5)}" '
                f'y="{_f(scale.py(row.y) - 4)}">{_attr(row.country)}</text>'
            )
        out += _layer(f"zone:{zone}", zone, body)
    return out


def _path(rows: pd.DataFrame, scale: _Scale) -> str:
    """SVG polyline points through the rows' (x, y), in order."""
    return " ".join(
        f"{_f(scale.px(x))},{_f(scale.py(y))}" for x, y in zip(rows["x"], rows["y"], strict=True)
    )


def _trajectories(data: MapData, scale: _Scale) -> list[str]:
    if data.trajectories is None or data.trajectories.empty:
        return []
    body = []
    for name, path in data.trajectories.groupby("country", sort=True):
        path = path.sort_values("year")
        if len(path) < 2:
            continue
        zone = path["cultural_zone"].iloc[-1] if "cultural_zone" in path else None
        colour, _ = zone_style(zone if isinstance(zone, str) else None)
        points = _path(path, scale)
        key = f"t:{name}"
        data.tips[key] = [
            f"{name}: survey waves",
            f"{int(path['year'].iloc[0])} → {int(path['year'].iloc[-1])} ({len(path)} surveys)",
        ]
        body.append(
            f'<polyline class="trajectory" points="{points}" stroke="{colour}" '
            f'marker-end="url(#arrow)" data-tip="{_attr(key)}"/>'
        )
    return _layer("trajectories", "country trajectories (survey waves)", body, visible=False)


def _ellipses(data: MapData, scale: _Scale) -> list[str]:
    if data.ellipses is None or data.ellipses.empty:
        return []
    body = [
        f'<path class="ellipse" d="{_ellipse_path(row, scale)}" data-identity="{_attr(row.identity)}"/>'
        for row in data.ellipses.itertuples()
        if np.isfinite([row.x, row.y, row.width, row.height]).all()
    ]
    return _layer("ellipses", f"{data.level:.0%} credible ellipses", body)


def _band(data: MapData, scale: _Scale) -> list[str]:
    if data.band is None or data.band.empty:
        return []
    centres = data.identities.set_index("identity")
    body = []
    for row in data.band.itertuples():
        if row.identity not in centres.index or not np.isfinite(row.radius):
            continue
        c = centres.loc[row.identity]
        body.append(
            f'<circle class="band" cx="{_f(scale.px(c["x"]))}" cy="{_f(scale.py(c["y"]))}" '
            f'r="{_f(max(row.radius * scale.k, 1.0))}" data-identity="{_attr(row.identity)}"/>'
        )
    return _layer("band", "preset-sensitivity band", body)


def _placements(data: MapData, scale: _Scale) -> list[str]:
    if data.placements is None or data.placements.empty:
        return []
    out = []
    centres = data.identities.set_index("identity")
    for preset, rows in data.placements.groupby("preset", sort=False):
        body = []
        for row in rows.itertuples():
            key = f"p:{preset}:{row.identity}"
            data.tips[key] = [
                f"{row.identity} under preset {preset}",
                f"x {row.x:.2f}, y {row.y:.2f} (the same answers, another map)",
            ]
            if row.identity in centres.index:
                c = centres.loc[row.identity]
                body.append(
                    f'<line class="placement-link" x1="{_f(scale.px(c["x"]))}" '
                    f'y1="{_f(scale.py(c["y"]))}" x2="{_f(scale.px(row.x))}" '
                    f'y2="{_f(scale.py(row.y))}"/>'
                )
            shape = _shape("D", scale.px(row.x), scale.py(row.y), 4.5)
            body.append(
                f'{shape} class="mark placement" data-tip="{_attr(key)}" '
                f'data-identity="{_attr(row.identity)}"/>'
            )
        out += _layer(f"preset:{preset}", f"positions under preset {preset}", body, False)
    return out


def _snapshots(data: MapData, scale: _Scale) -> list[str]:
    if data.snapshots is None or data.snapshots.empty:
        return []
    body = []
    for name, path in data.snapshots.groupby("identity", sort=False):
        path = path.sort_values("collected_at")
        points = _path(path, scale)
        body.append(
            f'<polyline class="snapshot-path" points="{points}" marker-end="url(#arrow-llm)" '
            f'data-identity="{_attr(name)}"/>'
        )
        for row in path.itertuples():
            key = f"s:{name}:{row.collected_at}"
            data.tips[key] = [
                f"{name}",
                f"collected {row.collected_at}",
                f"x {row.x:.2f}, y {row.y:.2f}",
            ]
            body.append(
                f'<circle class="mark snapshot" cx="{_f(scale.px(row.x))}" '
                f'cy="{_f(scale.py(row.y))}" r="3.2" data-tip="{_attr(key)}"/>'
            )
    return _layer("snapshots", "the model over collection dates", body)


def _identities(data: MapData, scale: _Scale) -> list[str]:
    body = []
    for i, row in enumerate(data.identities.itertuples()):
        key = f"i:{row.identity}"
        data.tips[key] = list(row.tip)
        cx, cy = scale.px(row.x), scale.py(row.y)
        parts = [f'<g class="identity" data-identity="{_attr(row.identity)}" data-index="{i}">']
        if np.isfinite([row.x_lo, row.x_hi, row.y_lo, row.y_hi]).all():
            parts.append(
                f'<line class="interval" x1="{_f(scale.px(row.x_lo))}" x2="{_f(scale.px(row.x_hi))}" '
                f'y1="{_f(cy)}" y2="{_f(cy)}"/>'
            )
            parts.append(
                f'<line class="interval" x1="{_f(cx)}" x2="{_f(cx)}" '
                f'y1="{_f(scale.py(row.y_lo))}" y2="{_f(scale.py(row.y_hi))}"/>'
            )
        parts.append(
            f'<polygon class="mark identity" points="{_star(cx, cy, 7.5)}" fill="{INK}" '
            f'data-tip="{_attr(key)}"/>'
        )
        parts.append(
            f'<text class="identity-label" x="{_f(cx + 8)}" y="{_f(cy - 7)}">{_attr(row.identity)}</text>'
        )
        parts.append("</g>")
        body += parts
    return _layer("identities", "identities (LLM positions)", body)


def _extent(data: MapData) -> tuple[np.ndarray, np.ndarray]:
    xs = [data.countries["x"], data.identities["x"]]
    ys = [data.countries["y"], data.identities["y"]]
    for frame in (data.placements, data.snapshots):
        if frame is not None and not frame.empty:
            xs.append(frame["x"])
            ys.append(frame["y"])
    for a, b in (("x_lo", "y_lo"), ("x_hi", "y_hi")):
        xs.append(data.identities[a])
        ys.append(data.identities[b])
    return np.concatenate([np.asarray(v, float) for v in xs]), np.concatenate(
        [np.asarray(v, float) for v in ys]
    )


def render_map(data: MapData) -> str:
    """The map as an ``<svg id="iw-map">`` element; fills ``data.tips`` with the tooltips."""
    scale = _Scale(*_extent(data))
    defs = [
        "<defs>",
        '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" '
        'markerHeight="5" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" '
        'fill="#7a7a7a"/></marker>',
        '<marker id="arrow-llm" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
        f'markerHeight="6" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="{INK}"/>'
        "</marker>",
        "</defs>",
    ]
    body = [
        *defs,
        *_axes(scale),
        *_trajectories(data, scale),
        *_countries(data, scale),
        *_band(data, scale),
        *_ellipses(data, scale),
        *_placements(data, scale),
        *_snapshots(data, scale),
        *_identities(data, scale),
    ]
    title = f"Inglehart–Welzel cultural map (preset {data.preset})"
    return "\n".join(
        [
            f'<svg id="iw-map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'role="img" aria-label="{_attr(title)}">',
            f"<title>{_attr(title)}</title>",
            *body,
            "</svg>",
        ]
    )


def layer_names(svg: str) -> list[tuple[str, str]]:
    """(name, label) of every layer in a rendered map, in drawing order."""
    return re.findall(r'<g class="layer" data-layer="([^"]*)" data-label="([^"]*)"', svg)


def identity_rows(
    centroids: pd.DataFrame, level_tag: str, tips: Sequence[list[str]]
) -> pd.DataFrame:
    """The identities table of :class:`MapData` from a fit's centroids (index identity)."""
    out = pd.DataFrame(
        {
            "identity": centroids.index.astype(str),
            "x": centroids["x"].to_numpy(float),
            "y": centroids["y"].to_numpy(float),
        }
    )
    for axis in ("x", "y"):
        for side in ("lo", "hi"):
            column = f"{axis}_{side}{level_tag}"
            out[f"{axis}_{side}"] = (
                centroids[column].to_numpy(float) if column in centroids else np.nan
            )
    out["tip"] = list(tips)
    return out
