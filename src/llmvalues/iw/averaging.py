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
    if averaging == "sets":
        means = wide.dropna(how="any").groupby(level="identity").mean()
    elif averaging == "available":
        means = wide.groupby(level="identity").mean()
    else:
        means = wide.groupby(level=["identity", "variant"]).mean().groupby(level="identity").mean()
    means = means.reindex(wide.index.get_level_values("identity").unique().sort_values())
    missing = means.isna()
    if missing.any().any():
        identity = missing.any(axis=1).idxmax()
        items = [i for i in ITEMS if missing.loc[identity, i]]
        what = "no complete response set" if averaging == "sets" else f"no answer to {items}"
        raise ValueError(
            f"identity {identity!r} has {what}, so averaging={averaging!r} cannot place it"
            + ("; averaging='available' uses incomplete sets too" if averaging == "sets" else "")
        )
    means.columns.name = None
    return means
