"""llmvalues: measure the value systems of large language models like psychometricians do.

The public names below load on first use (PEP 562 module ``__getattr__``): ``import
llmvalues`` imports no pandas, SciPy, statsmodels, matplotlib or PyMC, so the command line
and scripts that need one part start fast. ``from llmvalues import fit_map`` works as usual.
"""

from __future__ import annotations

from importlib import import_module

__version__ = "0.1.0"

# public name → the module that defines it
_PUBLIC = {
    "fit_map": "llmvalues.fit",
    "InputError": "llmvalues.errors",
    "load_instrument": "llmvalues.instruments",
    "parse_answer": "llmvalues.instruments",
    "MapFit": "llmvalues.iw",
    "ClassicMapFit": "llmvalues.iw",
    "Preset": "llmvalues.iw",
    "cfa_map": "llmvalues.iw",
    "explain": "llmvalues.iw.explain",
    "Placement": "llmvalues.iw.explain",
    "compare_presets": "llmvalues.iw",
    "from_ivs": "llmvalues.iw",
    "load_preset": "llmvalues.iw",
    "read_ivs": "llmvalues.iw",
    "HierarchicalMap": "llmvalues.iw.bayes.estimator",
    "HierarchicalMapFit": "llmvalues.iw.bayes.estimator",
    "Priors": "llmvalues.iw.bayes.estimator",
    "ResponsesError": "llmvalues.responses",
    "from_wide": "llmvalues.responses",
    "to_wide": "llmvalues.responses",
    "validate_responses": "llmvalues.responses",
    "Summary": "llmvalues.summary",
}


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'llmvalues' has no attribute {name!r}")
    value = getattr(import_module(_PUBLIC[name]), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])


__all__ = ["__version__", *sorted(_PUBLIC)]
