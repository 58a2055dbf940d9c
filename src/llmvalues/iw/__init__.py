"""The Inglehart–Welzel cultural map: presets, reference data, classic estimate, metrics."""

from llmvalues.iw.classic import MapFit, fit_classic
from llmvalues.iw.metrics import cultural_prompting, distance_matrix, mean_distance
from llmvalues.iw.presets import ITEMS, PRESETS, Preset, compare_presets, load_preset

__all__ = [
    "ITEMS",
    "PRESETS",
    "MapFit",
    "Preset",
    "compare_presets",
    "cultural_prompting",
    "distance_matrix",
    "fit_classic",
    "load_preset",
    "mean_distance",
]
