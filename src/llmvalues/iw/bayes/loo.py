"""Pointwise log-likelihood, PSIS-LOO and the comparison of hierarchical map models.

The model's likelihood is one ``pm.Potential`` (:mod:`llmvalues.iw.bayes.likelihood`), so
PyMC records no pointwise values; here they are computed from the posterior draws in numpy
with the same row formula (:func:`llmvalues.iw.bayes.likelihood.row_logp`) and attached as
the InferenceData's ``log_likelihood`` group.

**The unit is the cell** (identity × variant × item). A count row of the likelihood is one
category of one cell with its count, not an observation: the answers of a cell share one
latent location (its identity, variant and identity × variant effects), identical answers
were merged into one row, and a row's count is its weight. Leaving out one row would leave
out every answer of one category of a cell — not a meaningful new observation — so the
rows of a cell are not exchangeable units. A cell's log-likelihood is the sum over its rows
of count · log P(category), the log-probability of its answers in the order given (the
multinomial coefficient is the same for every model of the same counts, so it cancels in a
comparison). Leaving out a cell asks how well the model predicts all replies to one item
under one prompt variant of one identity from the rest; the cell's own identity × variant
effect, which only its answers inform, is integrated out (:func:`pointwise_loglik`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from llmvalues.iw.bayes import inference_data as infdata
from llmvalues.iw.bayes.data import CellCounts
from llmvalues.iw.bayes.likelihood import row_logp
from llmvalues.iw.bayes.model import boundary_map
from llmvalues.iw.bayes.positions import BLOCK
from llmvalues.iw.bayes.posterior import effect_sd
from llmvalues.summary import Summary

OBSERVED = "answers"  # name of the log-likelihood variable (the observed answers)
CELL = "cell"
GAP_CAP = 1e3  # the model caps the cut-point gaps at this value (see model.build_model)
NODES = 48  # Gauss–Hermite nodes of the integral over a cell's identity × variant effect


class _CellLoglik:
    """Σ_rows count · log P(category) per cell for blocks of draws (the model's row formula)."""

    def __init__(self, data: CellCounts, link: str) -> None:
        self.data, self.link = data, link
        self.a_map, self.b_map = boundary_map(data.n_categories)
        kmax1 = int(data.n_categories.max()) + 1
        self.low = data.cell_item[data.row_cell] * kmax1 + data.row_category
        self.order = np.argsort(data.row_cell, kind="stable")
        self.starts = np.flatnonzero(np.r_[True, np.diff(data.row_cell[self.order]) > 0])

    def __call__(self, eta: np.ndarray, gaps: np.ndarray) -> np.ndarray:
        """(draws, cells) locations and (draws, gaps) → (draws, cells)."""
        bounds = np.minimum(gaps, GAP_CAP) @ self.a_map.T + self.b_map
        row_eta = eta[:, self.data.row_cell]
        low = self.low
        logp = row_logp(bounds[:, low + 1] - row_eta, bounds[:, low] - row_eta, self.link)
        weighted = (self.data.row_count * logp)[:, self.order]
        return np.add.reduceat(weighted, self.starts, axis=1)


def pointwise_loglik(
    idata, data: CellCounts, structure: dict[str, bool], link: str, nodes: int = NODES
) -> np.ndarray:
    """Log-likelihood of every cell on every posterior draw.

    With identity × variant effects the cell's own effect is integrated out (Gauss–Hermite
    quadrature over Normal(0, interaction_scale)): leaving a cell out leaves out the only
    data on its effect, and PSIS weights of the conditional likelihood would then be
    unstable (high Pareto k; Merkle, Furr & Rabe-Hesketh 2019). The value is the predictive
    density of the cell's answers given the identity's location, the variant's effect, the
    cut-points and the effect scale.

    Parameters
    ----------
    idata, data, structure, link
        The fit's posterior, counts, random-effect structure and link.
    nodes
        Quadrature nodes for the integral over the cell's identity × variant effect.

    Returns
    -------
    numpy.ndarray
        (chain, draw, cells): Σ over the cell's count rows of count · log P(category).
    """
    location = infdata.posterior_array(idata, "location")
    gaps = infdata.posterior_array(idata, "cut_gap")
    n_chains, n_draws = location.shape[:2]
    eta = location[..., data.cell_identity, data.cell_item]
    if structure["variant_effects"]:
        effect = infdata.posterior_array(idata, "variant_effect")
        eta = eta + effect[..., data.cell_variant, data.cell_item]
    if structure["interaction"]:
        scale = effect_sd(idata, "interaction_scale")[..., data.cell_item]
        x, w = np.polynomial.hermite_e.hermegauss(nodes)
        log_w = np.log(w / w.sum())
    cell_loglik = _CellLoglik(data, link)
    out = np.empty((n_chains, n_draws, data.n_cells))
    for c in range(n_chains):
        for start in range(0, n_draws, BLOCK):
            b = slice(start, start + BLOCK)
            if not structure["interaction"]:
                out[c, b] = cell_loglik(eta[c, b], gaps[c, b])
                continue
            per_node = [cell_loglik(eta[c, b] + scale[c, b] * xq, gaps[c, b]) for xq in x]
            out[c, b] = special.logsumexp(np.stack(per_node) + log_w[:, None, None], axis=0)
    return out


def attach_loglik(
    idata, data: CellCounts, structure: dict[str, bool], link: str, nodes: int = NODES
) -> None:
    """Compute :func:`pointwise_loglik` and set it as the ``log_likelihood`` group."""
    values = pointwise_loglik(idata, data, structure, link, nodes)
    infdata.set_log_likelihood(idata, OBSERVED, values, CELL)


def warn_pareto(name: str, loo) -> int:
    """Warn when cells have Pareto k above ArviZ's threshold; return their number."""
    k = np.asarray(loo.pareto_k)
    good = float(getattr(loo, "good_k", 0.7))
    bad = int((k > good).sum())
    if bad:
        warnings.warn(
            f"{name}: {bad} of {k.size} cells have Pareto k > {good:.2f} (largest "
            f"{k.max():.2f}): PSIS-LOO is unreliable for them — usually cells whose answers "
            "alone determine an identity × variant effect. Compare with care, or refit with "
            "more draws; k-fold cross-validation over cells is the robust alternative.",
            UserWarning,
            stacklevel=3,
        )
    return bad


def _same_data(names: Sequence[str], datas: Sequence[CellCounts]) -> None:
    first = datas[0]
    for name, data in zip(names[1:], datas[1:], strict=True):
        same = (
            data.identities == first.identities
            and data.variants == first.variants
            and all(
                np.array_equal(getattr(data, a), getattr(first, a))
                for a in ("cell_identity", "cell_variant", "cell_item", "row_cell", "row_category")
            )
            and np.allclose(data.row_count, first.row_count)
        )
        if not same:
            raise ValueError(
                f"fits {names[0]!r} and {name!r} were made on different answers: LOO compares "
                "models of the same data only (same identities, variants, cells and counts)"
            )


@dataclass(frozen=True)
class ModelComparison:
    """Hierarchical map models of the same answers compared by PSIS-LOO over cells.

    Attributes
    ----------
    table
        ArviZ's comparison (``az.compare``), one row per fit, best first: rank, elpd_loo,
        p_loo, elpd_diff, weight, se, dse, warning, scale.
    pareto
        Per fit: cells, cells with Pareto k above the threshold, largest k.
    settings
        Per fit: link and model structure.
    """

    table: pd.DataFrame
    pareto: pd.DataFrame
    settings: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The comparison with each fit's settings and Pareto diagnostics (index: fit)."""
        return self.table.join(self.settings).join(self.pareto)

    def summary(self) -> Summary:
        """The comparison table and what its columns mean."""
        best = self.table.index[0]
        runner = self.table.index[1] if len(self.table) > 1 else None
        notes = [
            "PSIS-LOO (Vehtari, Gelman & Gabry 2017) over cells (identity × variant × item): "
            "each cell's answers are predicted from the others. elpd_loo: expected log "
            "predictive density (higher is better); elpd_diff and dse: difference to the best "
            "fit and its standard error.",
        ]
        if runner is not None:
            row = self.table.loc[runner]
            notes.append(
                f"{best!r} is ahead of {runner!r} by {row['elpd_diff']:.1f} "
                f"(SE {row['dse']:.1f}): "
                + ("more than 2 SE." if row["elpd_diff"] > 2 * row["dse"] else "within 2 SE.")
            )
        bad = self.pareto[self.pareto["n_high_k"] > 0]
        if len(bad):
            high = ", ".join(f"{name}: {int(n)}" for name, n in bad["n_high_k"].items())
            notes.append(
                f"Cells with a Pareto k above the threshold ({high}): those estimates are "
                "unreliable."
            )
        return Summary(
            "Model comparison by leave-one-cell-out cross-validation",
            {"comparison": self.to_frame()},
            notes,
            {"fits": len(self.table), "cells": int(self.pareto["cells"].iloc[0])},
        )


def compare(fits: Mapping[str, object]) -> ModelComparison:
    """Compare hierarchical map fits of the same answers by PSIS-LOO (``az.compare``).

    Parameters
    ----------
    fits
        ``{name: HierarchicalMapFit}``, e.g. ``{"logit": a, "probit": b}`` or fits with and
        without identity × variant interactions; at least two, all on the same answers.

    Returns
    -------
    ModelComparison

    Raises
    ------
    ValueError
        Fewer than two fits, or fits of different answers.

    Warns
    -----
    UserWarning
        For each fit with cells whose Pareto k is above ArviZ's threshold.
    """
    if len(fits) < 2:
        raise ValueError("compare needs at least two fits, e.g. {'logit': a, 'probit': b}")
    names = list(fits)
    _same_data(names, [f.data for f in fits.values()])
    rows, settings = {}, {}
    for name, fit in fits.items():
        loo = fit.loo(warn=False)
        rows[name] = {
            "cells": int(np.size(loo.pareto_k)),
            "n_high_k": warn_pareto(name, loo),
            "max_k": float(np.max(loo.pareto_k)),
        }
        settings[name] = {"link": fit.link, **fit.structure}
    table = infdata.compare({name: fit.idata for name, fit in fits.items()})
    return ModelComparison(
        table=table,
        pareto=pd.DataFrame.from_dict(rows, orient="index"),
        settings=pd.DataFrame.from_dict(settings, orient="index"),
    )
