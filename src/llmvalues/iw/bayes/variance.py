"""How much prompt variants move the answers: variance shares and the variant effects."""

from __future__ import annotations

import numpy as np
import pandas as pd

from llmvalues.iw.bayes.data import CellCounts
from llmvalues.iw.bayes.model import residual_variance
from llmvalues.iw.bayes.posterior import flat
from llmvalues.iw.intervals import summarise_draws


def _require_variants(structure: dict[str, bool], what: str) -> None:
    if not structure["variant_effects"]:
        raise ValueError(f"{what} needs at least two prompt variants in the responses")


def prompt_sensitivity(
    idata, data: CellCounts, structure: dict[str, bool], link: str, level: float = 0.9
) -> pd.DataFrame:
    """Share of latent answer variance due to prompt variants, per item and overall.

    share = (variant + identity × variant variance) / (that + replicate variance), the
    replicate variance being the latent error (π²/3 for logit, 1 for probit); overall the
    same with the variances summed over items.

    Parameters
    ----------
    idata, data, structure, link
        The fit's posterior, counts, random-effect structure and link.
    level
        Interval probability.

    Returns
    -------
    pandas.DataFrame
        Index item (the ten, then ``overall``): share, sd, lo, hi, level.
    """
    _require_variants(structure, "prompt sensitivity")
    v = flat(idata, "variant_scale") ** 2
    if structure["interaction"]:
        v = v + flat(idata, "interaction_scale") ** 2
    res = residual_variance(link)
    share = v / (v + res)
    overall = v.sum(1) / (v.sum(1) + res * v.shape[1])
    s = summarise_draws(np.column_stack([share, overall]), level)
    out = pd.DataFrame(
        {"share": s["mean"], "sd": s["sd"], "lo": s["lo"], "hi": s["hi"]},
        index=pd.Index([*data.items, "overall"], name="item"),
    )
    out["level"] = level
    return out


def variant_effects(
    idata, data: CellCounts, structure: dict[str, bool], level: float = 0.9
) -> pd.DataFrame:
    """Latent effect of each prompt variant on each item (shared by identities).

    Parameters
    ----------
    idata, data, structure
        The fit's posterior, counts and random-effect structure.
    level
        Interval probability.

    Returns
    -------
    pandas.DataFrame
        variant, item, mean, sd, lo, hi, level.
    """
    _require_variants(structure, "variant effects")
    s = summarise_draws(flat(idata, "variant_effect"), level)  # (V, J) each
    idx = pd.MultiIndex.from_product(
        [list(data.variants), list(data.items)], names=["variant", "item"]
    )
    out = pd.DataFrame({k: v.ravel() for k, v in s.items()}, index=idx).reset_index()
    out["level"] = level
    return out
