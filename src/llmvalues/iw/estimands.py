"""What a map position estimates: the three estimands every map fit names (keyword ``estimand``).

A position is the preset's affine map of expected answers to the ten items; "expected"
over which prompts is the estimand. The hierarchical fit computes all three
(:mod:`llmvalues.iw.bayes.positions`); the classic fit estimates ``"asked"``.
"""

from __future__ import annotations

ESTIMANDS: dict[str, str] = {
    "asked": (
        "the mean, over the prompt variants the identity was asked, of its expected answer "
        "to each prompt under the sampling settings used (the finite population of prompts "
        "asked; Tao et al.'s mean of variant points): at temperature 0 that expected answer "
        "is the answer given, otherwise it is model-based, identity × variant effects "
        "included; projected onto the map"
    ),
    "new": (
        "the identity's expected answers to a new prompt variant drawn from the estimated "
        "distribution of variants (variant and identity × variant effects integrated out): "
        "it carries the uncertainty about the prompts not asked, projected onto the map"
    ),
    "typical": (
        "the identity's expected answers at a typical prompt (variant and identity × variant "
        "effects 0), projected onto the map"
    ),
}
"""One-sentence definition of each estimand."""

DEFAULT_ESTIMAND = "asked"

ASKED_AT_TEMPERATURE_0 = (
    "Answers to the prompts asked are known exactly at temperature 0; for uncertainty about "
    "prompts not asked use estimand='new'."
)
"""What the ``"asked"`` interval means when every answer was decoded deterministically."""


def check_estimand(estimand: str) -> str:
    """``estimand`` if it is one of :data:`ESTIMANDS`, else a ValueError naming the choices.

    Parameters
    ----------
    estimand
        ``"asked"``, ``"new"`` or ``"typical"``.

    Returns
    -------
    str
    """
    if estimand not in ESTIMANDS:
        raise ValueError(f"estimand must be one of {list(ESTIMANDS)}, got {estimand!r}")
    return estimand


def describe(estimand: str) -> str:
    """The sentence a summary prints: ``estimand "asked": the mean of …``."""
    return f'Estimand "{check_estimand(estimand)}": {ESTIMANDS[estimand]}.'
