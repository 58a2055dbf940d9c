"""One look for every llmvalues figure: colour-blind-safe palette, markers, fonts, saving."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import matplotlib as mpl

# Okabe & Ito (2008) colour-blind-safe palette (black kept for LLM points), plus grey.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
GREY = "#8C8C8C"
LLM_COLOR = "#000000"
# Shapes differ as well as colours so zones stay apart in greyscale print.
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "h")

CULTURAL_ZONES = (
    "African-Islamic",
    "Catholic Europe",
    "Confucian",
    "English-Speaking",
    "Latin America",
    "Orthodox Europe",
    "Protestant Europe",
    "West & South Asia",
)

AXIS_LABELS = {
    "x": "Survival  ←  values  →  Self-expression",
    "y": "Traditional  ←  values  →  Secular-rational",
}

RC = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#E5E5E5",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "legend.fontsize": 7.5,
    "savefig.bbox": "tight",
    "savefig.dpi": 300,
    "pdf.fonttype": 42,
    "svg.fonttype": "none",
}


def zone_style(zone: str | None) -> tuple[str, str]:
    """(colour, marker) of a cultural zone; unknown zones are grey circles."""
    if zone in CULTURAL_ZONES:
        i = CULTURAL_ZONES.index(zone)
        colour = OKABE_ITO[i] if i < len(OKABE_ITO) else GREY
        return colour, MARKERS[i]
    return GREY, "o"


@contextmanager
def figure_style():
    """Apply the llmvalues rcParams inside a ``with`` block."""
    with mpl.rc_context(RC):
        yield


def save_figure(
    fig, path: str | Path, formats: tuple[str, ...] = ("pdf", "svg", "png")
) -> list[Path]:
    """Save ``fig`` as vector (PDF/SVG) and 300-dpi PNG next to ``path`` (suffix ignored)."""
    stem = Path(path)
    stem = stem.with_suffix("") if stem.suffix.lstrip(".") in ("pdf", "svg", "png") else stem
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = []
    with figure_style():
        for fmt in formats:
            target = stem.with_name(f"{stem.name}.{fmt}")
            fig.savefig(target, format=fmt, dpi=300)
            written.append(target)
    return written
