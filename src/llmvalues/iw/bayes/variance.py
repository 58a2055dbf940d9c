"""How much prompt variants move the answers: variance shares and the variant effects.

A share is only worth reporting where the data moved it away from its prior. Each item's
share comes with its **posterior contraction** 1 − var(posterior) / var(prior) (Schad,
Betancourt & Vasishth 2021): 0 means the posterior is the prior, 1 that the data fixed the
value. Below :data:`PRIOR_DRIVEN_BELOW` (0.5) the data have removed less than half of
the prior's variance — in a normal model, the point where the prior still weighs as much
as the data — so the figure is flagged ``prior-driven`` and the fit warns. Items whose
answers never vary across the prompts (every identity gave the same answer distribution
under every variant) get no share at all: flag ``no variation observed``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from llmvalues.iw.bayes.data import CellCounts
from llmvalues.iw.bayes.model import Priors, draw_cut_gaps, item_units_numpy, residual_variance
from llmvalues.iw.bayes.posterior import flat
from llmvalues.iw.intervals import summarise_draws

PRIOR_DRIVEN_BELOW = 0.5
PRIOR_DRAWS = 20_000
NO_VARIATION = "no variation observed"
PRIOR_DRIVEN = "prior-driven"


def _require_variants(structure: dict[str, bool], what: str) -> None:
    if not structure["variant_effects"]:
        raise ValueError(f"{what} needs at least two prompt variants in the responses")


def observed_variation(data: CellCounts) -> np.ndarray:
    """(items,) bool: some identity answered the item differently under different variants.

    Two cells differ when their answer distributions (shares of each category) differ.
    """
    dense = data.dense_counts()
    shares = dense / dense.sum(1, keepdims=True)
    out = np.zeros(len(data.items), dtype=bool)
    for j in range(len(data.items)):
        for i in range(len(data.identities)):
            cells = np.flatnonzero((data.cell_item == j) & (data.cell_identity == i))
            if len(cells) > 1 and np.ptp(shares[cells], axis=0).max() > 1e-9:
                out[j] = True
                break
    return out


def _shares(variance: np.ndarray, unit: np.ndarray, res: float) -> np.ndarray:
    """(draws, items + 1) per-item and overall latent variance shares."""
    v = variance * unit**2
    share = v / (v + res)
    overall = v.sum(1) / (v.sum(1) + res * v.shape[1])
    return np.column_stack([share, overall])


def _contraction(posterior: np.ndarray, prior: np.ndarray) -> np.ndarray:
    return 1.0 - posterior.var(0) / prior.var(0)


def prompt_sensitivity(
    idata,
    data: CellCounts,
    structure: dict[str, bool],
    link: str,
    priors: Priors,
    level: float = 0.9,
    warn: bool = True,
) -> pd.DataFrame:
    """Share of latent answer variance due to prompt variants, per item and overall.

    share = (variant + identity × variant variance) / (that + replicate variance), the
    replicate variance being the latent error (π²/3 for logit, 1 for probit); overall the
    same with the variances summed over the items whose answers vary. At temperature 0
    there is no replicate noise: the latent error then stands for cell-level prompt
    effects, so the share is a lower bound on how much the prompts matter.

    Parameters
    ----------
    idata, data, structure, link, priors
        The fit's posterior, counts, random-effect structure, link and priors (the
        prior of each share is simulated from ``priors``, seeded).
    level
        Interval probability.
    warn
        Warn when a reported share is prior-driven.

    Returns
    -------
    pandas.DataFrame
        Index item (the ten, then ``overall``): share, sd, lo, hi, level, contraction (of
        the share), variant_contraction, interaction_contraction (of the scales; NaN
        without interactions), prior_driven (contraction < 0.5), flag (``""``,
        ``"prior-driven"`` or ``"no variation observed"``, whose share, sd, lo and hi
        are NaN).
    """
    _require_variants(structure, "prompt sensitivity")
    post = {"variant_scale": flat(idata, "variant_scale")}
    if structure["interaction"]:
        post["interaction_scale"] = flat(idata, "interaction_scale")
    rng = np.random.default_rng(0)
    sds = {"variant_scale": priors.variant_sd, "interaction_scale": priors.interaction_sd}
    prior = {k: np.abs(rng.normal(0.0, sds[k], (PRIOR_DRAWS, len(data.items)))) for k in post}
    gaps = draw_cut_gaps(priors, data.n_categories, link, rng, (PRIOR_DRAWS,))
    prior_unit = item_units_numpy(gaps, data.n_categories, link)
    varies = observed_variation(data)
    res = residual_variance(link)

    def total(parts: dict[str, np.ndarray]) -> np.ndarray:
        return sum(parts[k] ** 2 for k in parts)

    post_unit = flat(idata, "item_unit")
    keep = np.append(varies, varies.any())  # overall over the items that vary
    post_share = _shares(total(post) * varies, post_unit, res)
    prior_share = _shares(total(prior) * varies, prior_unit, res)
    s = summarise_draws(post_share, level)
    index = pd.Index([*data.items, "overall"], name="item")
    out = pd.DataFrame({"share": s["mean"], "sd": s["sd"], "lo": s["lo"], "hi": s["hi"]}, index)
    out["level"] = level
    with np.errstate(invalid="ignore", divide="ignore"):
        out["contraction"] = _contraction(post_share, prior_share)
        for key, column in (("variant_scale", "variant"), ("interaction_scale", "interaction")):
            values = (
                _contraction(post[key], prior[key]) if key in post else np.full(len(varies), np.nan)
            )
            out[f"{column}_contraction"] = [*values, np.nan]
    out.loc[~keep, ["share", "sd", "lo", "hi", "contraction"]] = np.nan
    out["prior_driven"] = keep & (out["contraction"] < PRIOR_DRIVEN_BELOW).to_numpy()
    out["flag"] = np.where(~keep, NO_VARIATION, np.where(out["prior_driven"], PRIOR_DRIVEN, ""))
    driven = out.index[out["prior_driven"]].tolist()
    if warn and driven:
        warnings.warn(
            f"prompt sensitivity of {driven} is prior-driven: the data removed less than "
            f"{PRIOR_DRIVEN_BELOW:.0%} of the prior's variance (posterior contraction "
            f"{', '.join(f'{c:.2f}' for c in out.loc[driven, 'contraction'])}; ≤ 0: the "
            "posterior is as wide as the prior or wider), so the share is not a measurement; "
            "more prompt variants (or replicates) would inform it",
            UserWarning,
            stacklevel=3,
        )
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
