"""The Inglehart–Welzel cultural map: items, presets, reference data, classic fit, metrics, CFA.

The Bayesian hierarchical map model is the subpackage :mod:`llmvalues.iw.bayes`; it is not
imported here, so PyMC loads only when a hierarchical fit is made.
"""

from llmvalues.iw.cfa_map import CFAMapResult, cfa_map
from llmvalues.iw.classic import ClassicMapFit, fit_classic
from llmvalues.iw.estimands import ESTIMANDS
from llmvalues.iw.items import AXES, ITEMS
from llmvalues.iw.ivs import harmonize_ivs, read_ivs
from llmvalues.iw.mapfit import MapFit
from llmvalues.iw.metrics import distance_matrix, mean_distance
from llmvalues.iw.official import IVSMap, from_ivs
from llmvalues.iw.presets import PRESETS, Preset, compare_presets, load_preset
from llmvalues.iw.prompting import CulturalPrompting, cultural_prompting

__all__ = [
    "AXES",
    "ESTIMANDS",
    "ITEMS",
    "PRESETS",
    "CFAMapResult",
    "ClassicMapFit",
    "CulturalPrompting",
    "IVSMap",
    "MapFit",
    "Preset",
    "cfa_map",
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
