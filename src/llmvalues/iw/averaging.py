"""How an identity's many answers become one answer vector before the map's projection.

The map is affine, so the mean of projected response sets equals the projection of the
sets' mean answers; what differs between pipelines is *which* answers are averaged and how
they are weighted:

- ``"sets"``: the item means over the complete response sets (all ten items answered);
  its projection is the mean of the projected sets — Tao et al., Hall, ``fit_classic``.
- ``"available"``: each item's mean over every answered reply, incomplete sets included.
- ``"variants"``: each variant's available-item means, then the mean over variants (every
  prompt variant counts once, however many replicates it has).
"""

from __future__ import annotations

import pandas as pd

from llmvalues.iw.items import ITEMS
from llmvalues.responses import pivot_codes, validate_responses

AVERAGING = ("sets", "available", "variants")


def averaging_units(wide: pd.DataFrame, averaging: str = "sets") -> pd.DataFrame:
    """The answer vectors whose item-wise mean is each identity's answer under ``averaging``.

    Parameters
    ----------
    wide
        Raw codes, one row per response set (index identity, variant, replicate), one
        column per item in ``ITEMS`` order (:func:`llmvalues.responses.pivot_codes`).
    averaging
        ``"sets"``: the complete sets; ``"available"``: every set with an answer (missing
        items NaN); ``"variants"``: each variant's available-item means (NaN where the
        variant has no answer to an item).

    Returns
    -------
    pandas.DataFrame
        Index (identity, variant[, replicate]); the unit a bootstrap resamples.
    """
    if averaging not in AVERAGING:
        raise ValueError(f"averaging must be one of {AVERAGING}, got {averaging!r}")
    if averaging == "sets":
        return wide.dropna(how="any")
    usable = wide.dropna(how="all")
    if averaging == "available":
        return usable
    return usable.groupby(level=["identity", "variant"], sort=False).mean()


def mean_answers(responses: pd.DataFrame, averaging: str = "sets") -> pd.DataFrame:
    """One mean answer vector (raw codes) per identity: identity × ITEMS.

    Parameters
    ----------
    responses
        A Responses table (validated here).
    averaging
        ``"sets"``, ``"available"`` or ``"variants"`` (see the module docstring).

    Returns
    -------
    pandas.DataFrame
        Index ``identity``, one column per item in ``ITEMS`` order.

    Raises
    ------
    ValueError
        If ``averaging`` is unknown, or an identity has no usable answer to an item under
        the chosen averaging (it names the identity and the items).
    """
    if averaging not in AVERAGING:
        raise ValueError(f"averaging must be one of {AVERAGING}, got {averaging!r}")
    wide = pivot_codes(validate_responses(responses))[list(ITEMS)]
    means = averaging_units(wide, averaging).groupby(level="identity").mean()
    means = means.reindex(wide.index.get_level_values("identity").unique().sort_values())
    check_placeable(means, averaging)
    means.columns.name = None
    return means


def check_placeable(means: pd.DataFrame, averaging: str) -> None:
    """A ValueError naming the first identity whose mean answers lack an item.

    Parameters
    ----------
    means
        identity × ITEMS mean answers (NaN where there is none).
    averaging
        The averaging that made them (named in the message).
    """
    missing = means.isna()
    if missing.any().any():
        identity = missing.any(axis=1).idxmax()
        items = [i for i in ITEMS if missing.loc[identity, i]]
        what = "no complete response set" if averaging == "sets" else f"no answer to {items}"
        raise ValueError(
            f"identity {identity!r} has {what}, so averaging={averaging!r} cannot place it"
            + (
                "; averaging='variants' (or 'available') uses incomplete sets too, or use "
                "method='hierarchical', which treats unanswered items as missing"
                if averaging == "sets"
                else ""
            )
        )
