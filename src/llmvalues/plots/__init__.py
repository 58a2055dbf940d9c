"""Publication figures (matplotlib): one module per figure family, one shared style."""

from llmvalues.plots.iw_map import plot_map
from llmvalues.plots.style import figure_style, save_figure
from llmvalues.plots.uncertainty import (
    plot_forest,
    plot_map_uncertainty,
    plot_ppc,
    plot_trajectory,
    plot_variant_effects,
    save_all,
)

__all__ = [
    "figure_style",
    "plot_forest",
    "plot_map",
    "plot_map_uncertainty",
    "plot_ppc",
    "plot_trajectory",
    "plot_variant_effects",
    "save_all",
    "save_figure",
]
