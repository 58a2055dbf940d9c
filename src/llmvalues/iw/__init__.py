"""The Inglehart–Welzel cultural map: presets, reference data, classic estimate, metrics."""

from llmvalues.iw.classic import MapFit, fit_classic
from llmvalues.iw.ivs import harmonize_ivs, read_ivs
from llmvalues.iw.metrics import cultural_prompting, distance_matrix, mean_distance
from llmvalues.iw.official import IVSMap, from_ivs
from llmvalues.iw.presets import ITEMS, PRESETS, Preset, compare_presets, load_preset

__all__ = [
    "ITEMS",
    "PRESETS",
    "IVSMap",
    "MapFit",
    "Preset",
    "compare_presets",
    "cultural_prompting",
    "distance_matrix",
    "fit_classic",
    "from_ivs",
    "harmonize_ivs",
    "load_preset",
    "mean_distance",
    "read_ivs",
]
