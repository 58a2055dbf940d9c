"""One look for every llmvalues figure: sizes, palette, markers, fonts, legends, captions, saving.

- Sizes: every plot function takes ``size``: ``"single"`` (a journal's single column,
  3.5 in wide), ``"double"`` (two columns, 7 in; the default) or ``(width, height)`` in
  inches. Figures are laid out to that exact size (constrained layout; nothing is cropped
  or added when saving), so a figure placed at 100% in a manuscript has the font sizes
  set here.
- Colour: the Okabe & Ito (2008) colour-blind-safe palette; identity is carried by marker
  shape (and line style) as well as colour, so figures read in greyscale.
- Files: PDF with TrueType fonts embedded (``pdf.fonttype`` 42), SVG with text kept as
  text (``svg.fonttype`` none), PNG at 300 dpi.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import matplotlib as mpl

# Okabe & Ito (2008) colour-blind-safe palette, without its black (kept for emphasis).
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
GREY = "#8C8C8C"
INK = "#000000"
CAPTION_GREY = "#4D4D4D"
# Shapes differ as well as colours so zones stay apart in greyscale print.
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "h")
# Identity colours: Okabe & Ito's, strongest first, black instead of the yellow (too pale
# for lines and text on white).
IDENTITY_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", INK)
# Identities: fifteen shapes, then the same shapes open (white face), so up to thirty
# identities differ by marker alone; the colour repeats every seven.
IDENTITY_MARKERS = ("o", "s", "^", "D", "v", "p", "h", "P", "X", "<", ">", "8", "d", "H", "*")
LINESTYLES = ("-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 3)))

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
SHORT_AXIS_LABELS = {"x": "Survival → Self-expression", "y": "Traditional → Secular-rational"}

# a pale box behind a label keeps it legible over lines and grid (text stays text in PDF
# and SVG, which a stroke halo would turn into paths)
BACKING = {"boxstyle": "square,pad=0.08", "fc": "white", "ec": "none", "alpha": 0.8}

WIDTHS = {"single": 3.5, "double": 7.0}
DEFAULT_SIZE = "double"
NARROW = 6.0  # inches: below this, legends go under the plot
TALL = 4.5  # inches: below this, grids of panels are two columns wide

FONT_SIZE = 8.0
SMALL = 6.5
TINY = 5.5  # the smallest text (country names, captions): still legible in print

RC = {
    "font.family": "DejaVu Sans",
    "font.size": FONT_SIZE,
    "axes.titlesize": FONT_SIZE + 1,
    "axes.labelsize": FONT_SIZE,
    "xtick.labelsize": SMALL,
    "ytick.labelsize": SMALL,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#E5E5E5",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "legend.fontsize": SMALL,
    "legend.title_fontsize": SMALL,
    "figure.titlesize": FONT_SIZE + 1,
    "figure.constrained_layout.h_pad": 0.03,
    "figure.constrained_layout.w_pad": 0.03,
    "savefig.dpi": 300,
    "savefig.bbox": None,
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "svg.fonttype": "none",
}


@dataclass(frozen=True)
class Theme:
    """The size a figure is drawn at, in inches, and what follows from it."""

    width: float
    height: float

    @property
    def narrow(self) -> bool:
        """Legends go under the plot rather than beside it."""
        return self.width < NARROW

    @property
    def figsize(self) -> tuple[float, float]:
        return (self.width, self.height)


def theme(
    size: str | Sequence[float] | None,
    aspect: float = 0.75,
    height: Callable[[float], float] | None = None,
) -> Theme:
    """The :class:`Theme` of ``size``: a journal width or ``(width, height)`` in inches.

    Parameters
    ----------
    size
        ``"single"`` (3.5 in), ``"double"`` (7 in), None (``"double"``) or
        ``(width, height)``.
    aspect
        Height / width of the figure when ``size`` names a width.
    height
        Instead of ``aspect``: the height in inches as a function of the width (a figure
        whose height follows its content, e.g. one row per identity).

    Returns
    -------
    Theme

    Raises
    ------
    ValueError
        An unknown name, or a size that is not two positive numbers.
    """
    size = DEFAULT_SIZE if size is None else size
    if isinstance(size, str):
        if size not in WIDTHS:
            raise ValueError(
                f"size must be one of {list(WIDTHS)} or (width, height) in inches, got {size!r}"
            )
        width = WIDTHS[size]
        return Theme(width, round(height(width) if height else width * aspect, 3))
    try:
        width, height = (float(v) for v in size)
    except (TypeError, ValueError):
        raise ValueError(
            f"size must be one of {list(WIDTHS)} or (width, height) in inches, got {size!r}"
        ) from None
    if not (width > 0 and height > 0):
        raise ValueError(f"size must be positive inches, got {size!r}")
    return Theme(width, height)


def zone_style(zone: str | None) -> tuple[str, str]:
    """(colour, marker) of a cultural zone; unknown zones are grey circles."""
    if zone in CULTURAL_ZONES:
        i = CULTURAL_ZONES.index(zone)
        colour = OKABE_ITO[i] if i < len(OKABE_ITO) else GREY
        return colour, MARKERS[i]
    return GREY, "o"


@dataclass(frozen=True)
class IdentityStyle:
    """How one identity is drawn: colour, marker shape, whether the marker is open."""

    colour: str
    marker: str
    open: bool

    @property
    def face(self) -> str:
        return "white" if self.open else self.colour

    def scatter_kwargs(self, size: float = 46.0) -> dict:
        return {
            "marker": self.marker,
            "s": size,
            "c": self.face,
            "edgecolors": INK if not self.open else self.colour,
            "linewidths": 0.7 if not self.open else 1.2,
        }


def identity_styles(names: Sequence[str]) -> dict[str, IdentityStyle]:
    """One distinct (marker, open/filled) per identity, colours cycling the palette."""
    n = len(IDENTITY_MARKERS)
    return {
        name: IdentityStyle(
            IDENTITY_COLOURS[k % len(IDENTITY_COLOURS)], IDENTITY_MARKERS[k % n], (k // n) % 2 == 1
        )
        for k, name in enumerate(names)
    }


@contextmanager
def figure_style():
    """Apply the llmvalues rcParams inside a ``with`` block."""
    with mpl.rc_context(RC):
        yield


def new_figure(size=None, *, aspect: float = 0.75, nrows: int = 1, ncols: int = 1, **kwargs):
    """A figure of ``size`` with constrained layout and its axes (call inside ``figure_style``).

    Returns
    -------
    (Figure, Axes or array of Axes, Theme)
    """
    import matplotlib.pyplot as plt

    look = theme(size, aspect)
    fig, axes = plt.subplots(nrows, ncols, figsize=look.figsize, layout="constrained", **kwargs)
    return fig, axes, look


def _renderer(fig):
    return fig.canvas.get_renderer()


@lru_cache(maxsize=32)
def _font(fontsize: float):
    from matplotlib.font_manager import FontProperties

    return FontProperties(family=RC["font.family"], size=fontsize)


def text_width(fig, text: str, fontsize: float) -> float:
    """Width of one line of ``text`` at ``fontsize``, in pixels of ``fig``'s canvas."""
    w, _, _ = _renderer(fig).get_text_width_height_descent(text, _font(fontsize), ismath=False)
    return w


def wrap(fig, text: str, fontsize: float, width_px: float) -> str:
    """``text`` broken into lines no wider than ``width_px`` (words are kept whole)."""
    lines = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            trial = f"{line} {word}".strip()
            if line and text_width(fig, trial, fontsize) > width_px:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
    return "\n".join(lines)


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis in the middle (names stay
    recognisable by their start and end)."""
    if len(text) <= width:
        return text
    keep = width - 1
    return text[: (keep + 1) // 2] + "…" + text[len(text) - keep // 2 :]


def finish(
    fig,
    look: Theme,
    caption: str | Sequence[str] | None = None,
    legend: tuple[list, list] | None = None,
    legend_ax=None,
    legend_title: str | None = None,
):
    """Lay the figure out at its size: legend beside ``legend_ax`` (or under the plot when
    narrow), the caption under everything, wrapped to the width.

    Returns the legend (or None).
    """
    bottom = 0.004
    gap = 2.0 / (look.height * 72)  # 2 pt between the blocks
    placed = None
    fig.draw_without_rendering()  # a first layout
    if caption:
        text = " ".join(caption) if not isinstance(caption, str) else caption
        wrapped = wrap(fig, text, TINY, fig.bbox.width * 0.98)
        note = fig.text(
            0.01, bottom, wrapped, fontsize=TINY, color=CAPTION_GREY, ha="left", va="bottom"
        )
        note.set_in_layout(False)
        note.set_gid("caption")
        bottom += note.get_window_extent(_renderer(fig)).height / fig.bbox.height + gap
    if legend is not None and legend[0]:
        handles, labels = legend
        if look.narrow or legend_ax is None:
            placed = _legend_under(fig, handles, labels, bottom, legend_title)
            bottom += placed.get_window_extent(_renderer(fig)).height / fig.bbox.height + gap
        else:
            placed = legend_ax.legend(
                handles,
                labels,
                loc="upper left",
                bbox_to_anchor=(1.02, 1.0),
                borderaxespad=0.0,
                handletextpad=0.4,
                title=legend_title,
                alignment="left",
            )
    fig.get_layout_engine().set(rect=(0, bottom, 1, 1 - bottom))
    fig.draw_without_rendering()
    for _ in range(2):  # wrapping a title or label changes the layout: wrap, lay out again
        if not _fit_titles(fig):
            break
        fig.draw_without_rendering()
    return placed


def _fit_titles(fig) -> bool:
    """Wrap titles and axis labels longer than their axes (a suptitle: than the figure);
    whether any changed."""
    renderer = _renderer(fig)
    changed = False

    def fit(text, room: float, size) -> None:
        nonlocal changed
        if text.get_text() and size(text.get_window_extent(renderer)) > room:
            flat = text.get_text().replace("\n", " ")
            wrapped = wrap(fig, flat, text.get_fontsize(), room)
            if wrapped != text.get_text():
                text.set_text(wrapped)
                changed = True

    def width(box):
        return box.width

    for ax in fig.axes:
        box = ax.get_window_extent(renderer)
        fit(ax.title, box.width, width)
        fit(ax.xaxis.label, box.width, width)
        label = ax.yaxis.label
        if label.get_text() and label.get_window_extent(renderer).height > box.height > 0:
            broken = label.get_text().replace("  →  ", " →\n").replace(" → ", " →\n")
            if broken != label.get_text():
                label.set_text(broken)
                changed = True
    if fig._suptitle is not None:
        fit(fig._suptitle, 0.98 * fig.bbox.width, width)
    return changed


def _legend_under(fig, handles, labels, bottom: float, title: str | None):
    """A figure legend centred under the plot, in as many columns as fit the width."""
    renderer = _renderer(fig)
    for ncols in range(min(4, len(labels)), 0, -1):
        legend = fig.legend(
            handles,
            labels,
            loc="lower center",
            bbox_to_anchor=(0.5, bottom),
            bbox_transform=fig.transFigure,
            ncols=ncols,
            borderaxespad=0.0,
            handletextpad=0.4,
            columnspacing=1.0,
            title=title,
        )
        legend.set_in_layout(False)
        if legend.get_window_extent(renderer).width <= fig.bbox.width * 0.98 or ncols == 1:
            return legend
        legend.remove()
    raise AssertionError("unreachable")


def compact_names(names: Sequence[str], narrow: bool) -> tuple[str, list[str]]:
    """Long names without the prefix they share, marked "…", where room is short.

    ``["m | Japan", "m | Sweden", "m"]`` → ``("m", ["…| Japan", "…| Sweden", "…"])`` when
    ``narrow`` and a name is longer than 24 characters (the figure's caption says what "…"
    stands for); otherwise ``("", names)``.
    """
    names = list(names)
    if not narrow or len(names) < 2 or max(map(len, names)) <= 24:
        return "", names
    prefix = names[0]
    for name in names[1:]:
        while not name.startswith(prefix):
            prefix = prefix[:-1]
    while prefix and not all(n == prefix or n[len(prefix)] in " |" for n in names):
        prefix = prefix[:-1]  # whole words only
    prefix = prefix.rstrip(" |") if prefix not in names else prefix
    if len(prefix) < 8:
        return "", names
    return prefix, [f"…{n[len(prefix) :].strip()}" for n in names]


def ellipsis_note(prefix: str) -> str:
    """The caption sentence of :func:`compact_names`."""
    return f"“…” stands for {prefix} (“…” alone: that identity)." if prefix else ""


def freeze(fig) -> None:
    """Keep the current layout when saving (labels were placed in it)."""
    fig.set_layout_engine("none")


def save_figure(
    fig, path: str | Path, formats: tuple[str, ...] = ("pdf", "svg", "png")
) -> list[Path]:
    """Save ``fig`` as vector (PDF/SVG) and 300-dpi PNG next to ``path`` (suffix ignored).

    The saved page is the figure's own size (no cropping), fonts are embedded in the PDF as
    TrueType and text stays text in the SVG.
    """
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


__all__ = [
    "AXIS_LABELS",
    "CULTURAL_ZONES",
    "IDENTITY_MARKERS",
    "OKABE_ITO",
    "Theme",
    "figure_style",
    "identity_styles",
    "save_figure",
    "theme",
    "zone_style",
]
