"""Posterior predictive checks: do replicated answers look like the observed ones?

:func:`ppc` compares category shares per identity × item — a check the model passes almost
by construction (every identity × item has its own location). :func:`predictive_checks`
looks where the model can fail: how much answers move between prompt variants (against
replicates with new variants drawn from the fitted variant distribution) and how often the
replicates of one prompt agree (against the latent replicate noise).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from llmvalues.iw.bayes.data import CellCounts
from llmvalues.iw.bayes.model import category_probs, cutpoints_numpy
from llmvalues.iw.bayes.posterior import flat, interaction_draws, stack_chains
from llmvalues.iw.intervals import interval
from llmvalues.summary import Summary


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
    eta = _cell_draws(idata, data, structure, pick, rng, new=False)  # (S, cells)
    observed = data.dense_counts()
    n_cell = observed.sum(1)
    identities = list(data.identities)
    rows = []
    for j, item in enumerate(data.items):
        cells = np.flatnonzero(data.cell_item == j)
        if not len(cells):
            continue
        k = len(data.codes[j])
        sim = rng.multinomial(
            np.round(n_cell[cells]).astype(int), _probs(eta[:, cells], cuts[j], link)
        )
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


# ----- checks that can fail: dispersion across prompt variants, agreement of replicates -------
STATISTICS = {
    "variant_sd": (
        "SD across an identity's prompt variants of its mean answer per variant, averaged over "
        "identities",
        "new variants",
    ),
    "variant_max": (
        "largest distance of one variant's mean answer from the identity's mean over its "
        "variants, averaged over identities",
        "new variants",
    ),
    "agreement": (
        "share of identity × variant × item cells with two or more answers whose answers all agree",
        "same cells",
    ),
}
"""Each statistic of :func:`predictive_checks`: what it is and how the replicates are drawn."""


def _probs(eta: np.ndarray, cuts: np.ndarray, link: str) -> np.ndarray:
    """(draws, cells, K) category probabilities, normalised for the multinomial draws."""
    p = category_probs(eta, cuts[:, None, :], link)
    return p / p.sum(-1, keepdims=True)


def _cell_draws(idata, data: CellCounts, structure: dict[str, bool], pick, rng, new: bool):
    """(draws, cells) latent locations: the fitted effects, or new variants drawn from their
    fitted distribution (variant and identity × variant effects)."""
    eta = flat(idata, "location")[pick][:, data.cell_identity, data.cell_item]
    if structure["variant_effects"]:
        if new:
            scale = flat(idata, "variant_scale")[pick]  # (S, J)
            z = rng.normal(size=(len(pick), len(data.variants), len(data.items)))
            effect = z * scale[:, None, :]
        else:
            effect = flat(idata, "variant_effect")[pick]
        eta = eta + effect[:, data.cell_variant, data.cell_item]
    if structure["interaction"]:
        if new:
            scale = flat(idata, "interaction_scale")[pick][:, data.cell_item]
            eta = eta + rng.normal(size=scale.shape) * scale
        else:
            eta = eta + stack_chains(interaction_draws(idata, data))[pick]
    return eta


def _variant_statistics(means: np.ndarray, cell_identity: np.ndarray) -> tuple[np.ndarray, ...]:
    """(…, cells) mean answers → (…,) variant_sd and variant_max averaged over identities
    with two or more cells."""
    sd, dev = [], []
    for i in np.unique(cell_identity):
        m = means[..., cell_identity == i]
        if m.shape[-1] < 2:
            continue
        centred = m - m.mean(-1, keepdims=True)
        sd.append(np.sqrt((centred**2).sum(-1) / (m.shape[-1] - 1)))
        dev.append(np.abs(centred).max(-1))
    if not sd:
        nan = np.full(means.shape[:-1], np.nan)
        return nan, nan
    return np.mean(sd, axis=0), np.mean(dev, axis=0)


def predictive_checks(
    idata,
    data: CellCounts,
    structure: dict[str, bool],
    link: str,
    level: float = 0.9,
    n_draws: int = 400,
    seed: int = 0,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Posterior predictive checks of what the pooled category shares cannot see.

    * ``variant_sd``, ``variant_max`` — how much an identity's mean answer moves between
      prompt variants, per item. Replicates draw **new** variant and identity × variant
      effects from their fitted normal distributions (keeping the identities' locations and
      the cut-points): with the fitted effects themselves the replicates would reproduce the
      observed variant means whatever their distribution. Too large or too heavy-tailed
      prompt effects give observed values above the replicates (small p-value).
    * ``agreement`` — the share of cells whose replicates all agree, replicated on the same
      cells (fitted effects): deterministic answers (temperature 0) agree more often than a
      model with latent replicate noise allows (p-value near 0); answers that vary more than
      the latent noise allows agree less often (near 1).

    Parameters
    ----------
    idata, data, structure, link
        The fit's posterior, counts, random-effect structure and link.
    level
        Interval probability of the replicated statistic.
    n_draws
        Posterior draws replicated (one replicate data set each).
    seed
        Seed of the draw choice and the replication.
    alpha
        Family-wise flag level per statistic: a row is flagged when its p-value is below
        α/(2m) or above 1 − α/(2m), m the number of rows of that statistic (Bonferroni).

    Returns
    -------
    pandas.DataFrame
        statistic, item (each item, then ``all``: items on a common 0–1 scale for the
        variant statistics, every cell for agreement), observed, replicated (mean), lo, hi,
        p_value (P(replicated > observed) + ½ P(equal)), flagged, replication, level.
        Variant rows need two or more variants; agreement rows cells with ≥ 2 answers.
    """
    rng = np.random.default_rng(seed)
    n_total = flat(idata, "location").shape[0]
    pick = rng.choice(n_total, size=min(n_draws, n_total), replace=False)
    cuts = cutpoints_numpy(flat(idata, "cut_gap")[pick], data.n_categories)
    eta = {new: _cell_draws(idata, data, structure, pick, rng, new) for new in (False, True)}
    observed = data.dense_counts()
    n_cell = np.round(observed.sum(1)).astype(int)
    integral = np.isclose(observed, np.round(observed)).all(1)
    stats: dict[str, list] = {name: [] for name in STATISTICS}
    pooled: dict[str, list] = {name: [] for name in STATISTICS}
    for j, item in enumerate(data.items):
        cells = np.flatnonzero((data.cell_item == j) & (n_cell > 0))
        if not len(cells):
            continue
        k = len(data.codes[j])
        values = np.asarray(data.codes[j], dtype=float)
        width = values[-1] - values[0]
        sim = {
            new: rng.multinomial(n_cell[cells], _probs(e[:, cells], cuts[j], link))
            for new, e in eta.items()
        }
        obs = observed[cells, :k]
        ident = data.cell_identity[cells]
        if structure["variant_effects"]:
            obs_m = obs @ values / obs.sum(1)
            rep_m = sim[True] @ values / n_cell[cells]
            for name, o, r in zip(
                ("variant_sd", "variant_max"),
                _variant_statistics(obs_m, ident),
                _variant_statistics(rep_m, ident),
                strict=True,
            ):
                if np.isfinite(o):
                    stats[name].append((item, float(o), r))
                    pooled[name].append((float(o) / width, r / width))
        several = (n_cell[cells] >= 2) & integral[cells]
        if several.any():
            n = n_cell[cells][several]
            o = float((obs[several].max(1) == n).mean())
            r = (sim[False][:, several].max(-1) == n).mean(-1)
            stats["agreement"].append((item, o, r))
            pooled["agreement"].append((o * several.sum(), r * several.sum(), several.sum()))
    rows = []
    for name, found in stats.items():
        if not found:
            continue
        if name == "agreement":
            size = sum(p[2] for p in pooled[name])
            whole = (
                "all",
                sum(p[0] for p in pooled[name]) / size,
                sum(p[1] for p in pooled[name]) / size,
            )
        else:
            whole = (
                "all",
                float(np.mean([p[0] for p in pooled[name]])),
                np.mean([p[1] for p in pooled[name]], axis=0),
            )
        entries = [*found, whole]
        for item, o, r in entries:
            lo, hi = interval(r, level)
            p = float((r > o).mean() + 0.5 * (r == o).mean())
            cut = alpha / (2 * len(entries))
            rows.append(
                {
                    "statistic": name,
                    "item": item,
                    "observed": o,
                    "replicated": float(r.mean()),
                    "lo": float(lo),
                    "hi": float(hi),
                    "p_value": p,
                    "flagged": bool(p < cut or p > 1 - cut),
                    "replication": STATISTICS[name][1],
                }
            )
    out = pd.DataFrame(rows)
    out["level"] = level
    return out


@dataclass(frozen=True)
class PredictiveChecks:
    """Posterior predictive checks that can fail (:func:`predictive_checks`).

    Attributes
    ----------
    table
        statistic, item, observed, replicated, lo, hi, p_value, flagged, replication, level.
    alpha
        Family-wise flag level per statistic.
    """

    table: pd.DataFrame
    alpha: float

    @property
    def flagged(self) -> pd.DataFrame:
        """The rows whose observed statistic the model does not reproduce."""
        return self.table[self.table["flagged"]].reset_index(drop=True)

    @property
    def ok(self) -> bool:
        """No row flagged."""
        return not self.table["flagged"].any()

    def to_frame(self) -> pd.DataFrame:
        """The table (one row per statistic × item, ``all`` last per statistic)."""
        return self.table.copy()

    def summary(self) -> Summary:
        """The checks per item, what each statistic is, and what failed."""
        notes = [f"{name}: {what} (replicates: {how})." for name, (what, how) in STATISTICS.items()]
        notes.append(
            "p_value = P(replicated > observed) + ½ P(equal); a row is flagged when p_value is "
            f"outside [α/2m, 1 − α/2m] with α = {self.alpha:g} per statistic and m its rows."
        )
        if self.ok:
            notes.append("No check flagged: the model reproduces these features of the answers.")
        for row in self.flagged.itertuples():
            side = "above" if row.p_value < 0.5 else "below"
            notes.append(
                f"Flagged: {row.statistic} of {row.item} is {row.observed:.3g}, {side} what the "
                f"model replicates ({row.lo:.3g} to {row.hi:.3g}, p = {row.p_value:.3g})."
            )
        table = self.table.set_index(["statistic", "item"])
        return Summary(
            "Posterior predictive checks: prompt-variant dispersion and replicate agreement",
            {"checks": table},
            notes,
            {"flagged": int(self.table["flagged"].sum()), "alpha": self.alpha},
        )
