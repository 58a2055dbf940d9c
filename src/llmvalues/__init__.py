"""llmvalues: measure the value systems of large language models like psychometricians do."""

from llmvalues.fit import fit_map
from llmvalues.instruments import load_instrument, parse_answer
from llmvalues.iw import (
    ClassicMapFit,
    MapFit,
    Preset,
    cfa_map,
    compare_presets,
    from_ivs,
    load_preset,
    read_ivs,
)
from llmvalues.responses import ResponsesError, from_wide, to_wide, validate_responses
from llmvalues.summary import Summary

__version__ = "0.1.0"

# The Bayesian model's names load on first use: importing PyMC costs over a second.
_HIERARCHICAL = ("HierarchicalMap", "HierarchicalMapFit", "Priors")


def __getattr__(name: str):
    if name in _HIERARCHICAL:
        from llmvalues.iw.bayes import estimator as hierarchical

        return getattr(hierarchical, name)
    raise AttributeError(f"module 'llmvalues' has no attribute {name!r}")


__all__ = [
    "ClassicMapFit",
    "HierarchicalMap",
    "HierarchicalMapFit",
    "MapFit",
    "Preset",
    "Priors",
    "ResponsesError",
    "Summary",
    "__version__",
    "cfa_map",
    "compare_presets",
    "fit_map",
    "from_ivs",
    "from_wide",
    "load_instrument",
    "load_preset",
    "parse_answer",
    "read_ivs",
    "to_wide",
    "validate_responses",
]
