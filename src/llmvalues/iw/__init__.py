"""The Inglehart–Welzel cultural map: items, presets, reference data, classic fit, metrics, CFA,
and why placements differ (the preset sensitivity band and ``explain``).

The Bayesian hierarchical map model is the subpackage :mod:`llmvalues.iw.bayes`; it is not
imported here, so PyMC loads only when a hierarchical fit is made.
"""

from llmvalues.iw.averaging import AVERAGING, mean_answers
from llmvalues.iw.cfa_map import CFAMapResult, cfa_map
from llmvalues.iw.classic import ClassicMapFit, fit_classic
from llmvalues.iw.estimands import ESTIMANDS
from llmvalues.iw.explain import Explanation, Placement, explain
from llmvalues.iw.items import AXES, ITEMS
from llmvalues.iw.ivs import harmonize_ivs, read_ivs
from llmvalues.iw.mapfit import MapFit
from llmvalues.iw.metrics import distance_matrix, mean_distance
from llmvalues.iw.official import IVSBootstrap, IVSMap, bootstrap_ivs, from_ivs
from llmvalues.iw.presets import PRESETS, Preset, compare_presets, load_preset
from llmvalues.iw.prompting import CulturalPrompting, cultural_prompting
from llmvalues.iw.sensitivity import PresetBand, preset_band

__all__ = [
    "AVERAGING",
    "AXES",
    "ESTIMANDS",
    "ITEMS",
    "PRESETS",
    "CFAMapResult",
    "ClassicMapFit",
    "CulturalPrompting",
    "Explanation",
    "IVSBootstrap",
    "IVSMap",
    "MapFit",
    "Placement",
    "Preset",
    "PresetBand",
    "bootstrap_ivs",
    "cfa_map",
    "compare_presets",
    "cultural_prompting",
    "distance_matrix",
    "explain",
    "fit_classic",
    "from_ivs",
    "harmonize_ivs",
    "load_preset",
    "mean_answers",
    "mean_distance",
    "preset_band",
    "read_ivs",
]
