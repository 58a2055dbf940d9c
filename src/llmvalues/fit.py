"""Public entry points: place identities (models × prompts) on the Inglehart–Welzel map."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from llmvalues.instruments import load_instrument
from llmvalues.iw.classic import MapFit, fit_classic
from llmvalues.iw.presets import Preset, load_preset
from llmvalues.responses import ResponsesError, from_wide, validate_responses

if TYPE_CHECKING:
    from llmvalues.iw.bayes.estimator import HierarchicalMapFit

METHODS = ("classic", "hierarchical")


def _as_tidy(
    responses: pd.DataFrame, identity: str | None, variant: str | None, replicate: str | None
) -> pd.DataFrame:
    """Accept the tidy table or a wide one (item columns named by IVS code, any case)."""
    if not isinstance(responses, pd.DataFrame):
        raise ResponsesError(
            f"responses must be a pandas DataFrame, got {type(responses).__name__}"
        )
    codes = set(load_instrument().codes)
    wide = len(codes & {str(c).strip().lower() for c in responses.columns}) == len(codes)
    if wide:
        return from_wide(responses, identity=identity, variant=variant, replicate=replicate)
    if identity not in (None, "identity"):
        responses = responses.rename(columns={identity: "identity"})
    if variant not in (None, "variant"):
        responses = responses.rename(columns={variant: "variant"})
    if replicate not in (None, "replicate"):
        responses = responses.rename(columns={replicate: "replicate"})
    return validate_responses(responses)


def fit_map(
    responses: pd.DataFrame,
    preset: str | Preset = "hall2025",
    method: str = "hierarchical",
    identity: str | None = "identity",
    variant: str | None = None,
    replicate: str | None = None,
    **options,
) -> MapFit | HierarchicalMapFit:
    """Place each identity on the IW map.

    ``responses``: the tidy Responses table, or a wide table (one row per response set,
    one column per item named by IVS code) whose ``identity``/``variant``/``replicate``
    columns are named by the arguments. ``preset``: a built-in name or a :class:`Preset`.
    ``method="hierarchical"`` (default) fits the Bayesian ordinal model with prompt-variant
    effects and returns credible intervals (``options`` go to
    :func:`llmvalues.iw.bayes.estimator.fit_hierarchical`); ``method="classic"`` projects
    complete response sets and averages them per identity (Tao et al.'s computation).
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {list(METHODS)}")
    tidy = _as_tidy(responses, identity, variant, replicate)
    chosen = load_preset(preset)
    if method == "classic":
        if options:
            raise TypeError(f"method='classic' takes no options, got {sorted(options)}")
        return fit_classic(tidy, chosen)
    # imported here: PyMC takes a second or more to import, and most commands never need it
    from llmvalues.iw.bayes.estimator import fit_hierarchical

    return fit_hierarchical(tidy, chosen, **options)
