"""Publication figures (matplotlib): one module per figure family, one shared style.

Every plot function takes ``size`` (``"single"``: a journal column, 3.5 in; ``"double"``:
7 in, the default; or ``(width, height)`` in inches), lays the figure out at exactly that
size, states in its caption what its intervals are, and saves through :func:`save_figure`
as PDF (TrueType fonts), SVG (text as text) and 300-dpi PNG. :func:`check_figure` finds
overlapping text, text off the canvas and labels on other marks in any figure.
"""

from llmvalues.plots.checks import check_figure, figure_problems
from llmvalues.plots.iw_map import plot_map
from llmvalues.plots.style import figure_style, save_figure, theme
from llmvalues.plots.uncertainty import (
    plot_forest,
    plot_map_uncertainty,
    plot_ppc,
    plot_trajectory,
    plot_variant_effects,
    save_all,
)

__all__ = [
    "check_figure",
    "figure_problems",
    "figure_style",
    "plot_forest",
    "plot_map",
    "plot_map_uncertainty",
    "plot_ppc",
    "plot_trajectory",
    "plot_variant_effects",
    "save_all",
    "save_figure",
    "theme",
]
