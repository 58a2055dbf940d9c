"""What a map position estimates: the three estimands every map fit names (keyword ``estimand``).

A position is the preset's affine map of expected answers to the ten items; "expected"
over which prompts is the estimand. The hierarchical fit computes all three
(:mod:`llmvalues.iw.bayes.positions`); the classic fit estimates ``"asked"``.
"""

from __future__ import annotations

ESTIMANDS: dict[str, str] = {
    "asked": (
        "the mean of the identity's expected answers over the prompt variants it was asked, "
        "identity × variant effects included (the finite population of prompts asked; Tao "
        "et al.'s mean of variant points), projected onto the map"
    ),
    "new": (
        "the identity's expected answers under a new prompt variant drawn from the estimated "
        "distribution of variants (variant and identity × variant effects integrated out), "
        "projected onto the map"
    ),
    "typical": (
        "the identity's expected answers at a typical prompt (variant and identity × variant "
        "effects 0), projected onto the map"
    ),
}
"""One-sentence definition of each estimand."""

DEFAULT_ESTIMAND = "asked"


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
