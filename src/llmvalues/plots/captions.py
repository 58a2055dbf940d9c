"""The sentences figures print about their intervals: which kind, which level, which estimand."""

from __future__ import annotations

from collections.abc import Sequence

# what a map fit's draws are, by method: (name of its intervals, what they come from)
INTERVAL_KINDS = {
    "hierarchical": ("credible", "posterior draws"),
    "classic": ("percentile-bootstrap", "bootstrap resamples of the response sets"),
}
# the estimand in a few words (llmvalues.iw.estimands defines each in full)
ESTIMAND_PHRASES = {
    "asked": "the position over the prompts asked",
    "new": "the position under a new prompt",
    "typical": "the position at a typical prompt",
}


def interval_kind(fit) -> str:
    """``"credible"`` or ``"percentile-bootstrap"``: what the fit's intervals are."""
    return INTERVAL_KINDS.get(fit.method, ("", ""))[0] or "uncertainty"


def estimand_phrase(fit) -> str:
    """``estimand 'asked' (the position over the prompts asked)``."""
    phrase = ESTIMAND_PHRASES.get(fit.estimand, fit.estimand)
    return f"estimand '{fit.estimand}' ({phrase})"


def percent(level: float) -> str:
    return f"{level:.0%}"


def levels_phrase(levels: Sequence[float], styles: dict[float, str] | None = None) -> str:
    """``50% (solid) and 90% (dashed)``."""
    parts = [percent(lv) + (f" ({styles[lv]})" if styles and lv in styles else "") for lv in levels]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def regions_sentence(fit, levels: Sequence[float], styles: dict[float, str]) -> str:
    """What the ellipses of a map fit are."""
    kind, source = INTERVAL_KINDS.get(fit.method, ("uncertainty", "draws"))
    return (
        f"Ellipses: {levels_phrase(levels, styles)} {kind} regions of each identity's "
        f"position (from its {source}); {estimand_phrase(fit)}."
    )


def intervals_sentence(fit, inner: float, outer: float) -> str:
    """What the points and bars of a forest plot are."""
    point = "posterior mean" if fit.method == "hierarchical" else "estimate"
    return (
        f"Points: {point}; thick and thin bars: {percent(inner)} and {percent(outer)} "
        f"{interval_kind(fit)} intervals; {estimand_phrase(fit)}."
    )
