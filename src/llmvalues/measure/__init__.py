"""Measurement models: CFA with lavaan's fit indices, invariance, ordinal data, EFA, reliability.

The Bayesian hierarchical map model lives in `llmvalues.measure.hierarchical` and is
imported from there directly (nothing here imports it, so PyMC loads only when used).
"""

from llmvalues.measure.cfa import cfa
from llmvalues.measure.cfa_map import CFAMapResult, cfa_map
from llmvalues.measure.cfa_result import CFAResult
from llmvalues.measure.efa import EFAResult, efa
from llmvalues.measure.factorability import bartlett, kmo, parallel_analysis
from llmvalues.measure.invariance import InvarianceResult, invariance
from llmvalues.measure.polychoric import PolychoricResult, polychoric
from llmvalues.measure.reliability import AlphaResult, OmegaResult, alpha, omega
from llmvalues.measure.syntax import ModelSyntaxError, parse_model
from llmvalues.measure.validation import DataError

__all__ = [
    "AlphaResult",
    "CFAMapResult",
    "CFAResult",
    "DataError",
    "EFAResult",
    "InvarianceResult",
    "ModelSyntaxError",
    "OmegaResult",
    "PolychoricResult",
    "alpha",
    "bartlett",
    "cfa",
    "cfa_map",
    "efa",
    "invariance",
    "kmo",
    "omega",
    "parallel_analysis",
    "parse_model",
    "polychoric",
]
