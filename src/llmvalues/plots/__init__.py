"""Publication figures (matplotlib): one module per figure family, one shared style."""

from llmvalues.plots.iw_map import plot_map
from llmvalues.plots.style import figure_style, save_figure

__all__ = ["figure_style", "plot_map", "save_figure"]
