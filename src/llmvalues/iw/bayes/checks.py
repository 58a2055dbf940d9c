"""Posterior predictive checks: do replicated answers look like the observed ones?"""

from __future__ import annotations

import numpy as np
import pandas as pd

from llmvalues.iw.bayes.data import CellCounts
from llmvalues.iw.bayes.model import category_probs, cutpoints_numpy
from llmvalues.iw.bayes.posterior import flat, interaction_draws, stack_chains
from llmvalues.iw.intervals import interval


def ppc(
    idata,
    data: CellCounts,
    structure: dict[str, bool],
    link: str,
    level: float = 0.9,
    n_draws: int = 200,
    seed: int = 0,
    pooled: bool = False,
) -> pd.DataFrame:
    """Observed vs posterior predictive share of each answer category, identity × item.

    Replicated data keep every cell's number of answers.

    Parameters
    ----------
    idata, data, structure, link
        The fit's posterior, counts, random-effect structure and link.
    level
        Interval probability of the replicated shares.
    n_draws
        Posterior draws replicated.
    seed
        Seed of the draw choice and the replication.
    pooled
        Sum identities (one row per item × category, identity ``"all"``).

    Returns
    -------
    pandas.DataFrame
        identity, item, code, observed, predicted, lo, hi, inside, level.
    """
    rng = np.random.default_rng(seed)
    location = flat(idata, "location")
    pick = rng.choice(len(location), size=min(n_draws, len(location)), replace=False)
    cuts = cutpoints_numpy(flat(idata, "cut_gap")[pick], data.n_categories)
    eta = location[pick][:, data.cell_identity, data.cell_item]  # (S, cells)
    if structure["variant_effects"]:
        eta = eta + flat(idata, "variant_effect")[pick][:, data.cell_variant, data.cell_item]
    if structure["interaction"]:
        eta = eta + stack_chains(interaction_draws(idata, data))[pick]
    observed = data.dense_counts()
    n_cell = observed.sum(1)
    identities = list(data.identities)
    rows = []
    for j, item in enumerate(data.items):
        cells = np.flatnonzero(data.cell_item == j)
        if not len(cells):
            continue
        k = len(data.codes[j])
        p = category_probs(eta[:, cells], cuts[j][:, None, :], link)
        p = p / p.sum(-1, keepdims=True)
        sim = rng.multinomial(np.round(n_cell[cells]).astype(int), p)  # (S, cells, K)
        ident = np.zeros(len(cells), dtype=int) if pooled else data.cell_identity[cells]
        for i in np.unique(ident):
            sel = ident == i
            obs = observed[cells[sel], :k].sum(0)
            rep = sim[:, sel].sum(1).astype(float)
            n_rep = rep.sum(1, keepdims=True)
            rep_share = np.divide(rep, n_rep, out=np.zeros_like(rep), where=n_rep > 0)
            lo, hi = interval(rep_share, level)
            for c in range(k):
                rows.append(
                    {
                        "identity": "all" if pooled else identities[i],
                        "item": item,
                        "code": data.codes[j][c],
                        "observed": obs[c] / obs.sum(),
                        "predicted": float(rep_share[:, c].mean()),
                        "lo": float(lo[c]),
                        "hi": float(hi[c]),
                    }
                )
    out = pd.DataFrame(rows)
    out["inside"] = (out["observed"] >= out["lo"] - 1e-12) & (out["observed"] <= out["hi"] + 1e-12)
    out["level"] = level
    return out
