"""Generic psychometrics matched to R lavaan/psych: CFA, invariance, polychoric, EFA, reliability.

Nothing here knows of the Inglehart–Welzel map: its application (``cfa_map``) lives in
:mod:`llmvalues.iw`, and the Bayesian map model in :mod:`llmvalues.iw.bayes`.
"""

from llmvalues.sem.cfa import cfa
from llmvalues.sem.cfa_result import CFAResult
from llmvalues.sem.efa import EFAResult, efa
from llmvalues.sem.factorability import (
    BartlettResult,
    KMOResult,
    ParallelResult,
    bartlett,
    kmo,
    parallel_analysis,
)
from llmvalues.sem.invariance import InvarianceResult, invariance
from llmvalues.sem.polychoric import PolychoricResult, polychoric
from llmvalues.sem.reliability import AlphaResult, OmegaResult, alpha, omega
from llmvalues.sem.syntax import ModelSyntaxError, parse_model
from llmvalues.sem.validation import DataError

__all__ = [
    "AlphaResult",
    "BartlettResult",
    "CFAResult",
    "DataError",
    "EFAResult",
    "InvarianceResult",
    "KMOResult",
    "ModelSyntaxError",
    "OmegaResult",
    "ParallelResult",
    "PolychoricResult",
    "alpha",
    "bartlett",
    "cfa",
    "efa",
    "invariance",
    "kmo",
    "omega",
    "parallel_analysis",
    "parse_model",
    "polychoric",
]
