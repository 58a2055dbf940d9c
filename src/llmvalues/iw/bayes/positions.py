"""Map positions for each estimand, from posterior draws or from a simulation's truth.

The estimands are defined in :mod:`llmvalues.iw.estimands`. Each is the preset's affine
map of expected answers, so the functions here compute expected raw answers; the same
functions serve the posterior (arrays with leading chain and draw axes) and the known
truth of a simulation (no leading axes), so a calibration study checks exactly the
quantity a fit reports.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from llmvalues.iw.bayes import inference_data as infdata
from llmvalues.iw.bayes.data import CellCounts
from llmvalues.iw.bayes.model import category_probs, cutpoints_numpy, expected_answers
from llmvalues.iw.bayes.posterior import interaction_draws
from llmvalues.iw.estimands import check_estimand
from llmvalues.iw.presets import Preset

BLOCK = 250  # draws per pass over the identity × variant pairs (bounds memory)


def asked_pairs(data: CellCounts) -> tuple[np.ndarray, np.ndarray]:
    """Identity and variant index of every (identity, variant) pair in the responses.

    A pair counts as asked when the table holds any row for it, answered or not.

    Parameters
    ----------
    data
        The counts (their ``sets`` table lists the pairs).

    Returns
    -------
    (pair_identity, pair_variant)
        Index arrays, sorted by identity, then variant, in the order of
        ``data.identities`` / ``data.variants``.
    """
    ident = np.array([data.identities.index(i) for i in data.sets["identity"]], dtype=int)
    variant = np.array([data.variants.index(v) for v in data.sets["variant"]], dtype=int)
    order = np.lexsort((variant, ident))
    return ident[order], variant[order]


def by_variant(
    location: np.ndarray,
    variant_effect: np.ndarray,
    pair_interaction: np.ndarray,
    pair_identity: np.ndarray,
    pair_variant: np.ndarray,
    cuts: list[np.ndarray],
    codes: tuple[tuple[int, ...], ...],
    link: str,
) -> np.ndarray:
    """Expected answers of each identity under each variant it was asked.

    Parameters
    ----------
    location
        (…, identities, items) latent locations.
    variant_effect
        (…, variants, items) latent variant effects.
    pair_interaction
        (…, pairs, items) identity × variant effects of the pairs.
    pair_identity, pair_variant
        (pairs,) indices of each pair.
    cuts
        Per item (…, 1, K − 1) cut-points (broadcasting over pairs).
    codes
        Raw codes of each item.
    link
        ``"logit"`` or ``"probit"``.

    Returns
    -------
    numpy.ndarray
        (…, pairs, items) expected raw answers.
    """
    eta = location[..., pair_identity, :] + variant_effect[..., pair_variant, :] + pair_interaction
    return expected_answers(eta, cuts, codes, link)


def mean_over_pairs(values: np.ndarray, pair_identity: np.ndarray, n_identities: int) -> np.ndarray:
    """Each identity's mean over its pairs.

    Parameters
    ----------
    values
        (…, pairs, items).
    pair_identity
        (pairs,) identity index of each pair.
    n_identities
        Number of identities.

    Returns
    -------
    numpy.ndarray
        (…, identities, items).
    """
    weights = np.zeros((n_identities, len(pair_identity)))
    weights[pair_identity, np.arange(len(pair_identity))] = 1.0
    weights /= weights.sum(1, keepdims=True)
    return np.einsum("...pj,ip->...ij", values, weights)


def expected_new(
    location: np.ndarray,
    cuts: list[np.ndarray],
    codes: tuple[tuple[int, ...], ...],
    link: str,
    variance: np.ndarray,
) -> np.ndarray:
    """Expected answers under a new variant: marginal over Normal(0, ``variance``) effects.

    Parameters
    ----------
    location, cuts, codes, link
        As for :func:`llmvalues.iw.bayes.model.expected_answers`: (…, identities, items)
        latent locations, per-item cut-points, raw codes, link.
    variance
        (…, items) variant plus identity × variant variance per item (shared by the
        identities).

    Returns
    -------
    numpy.ndarray
        (…, identities, items) expected raw answers.
    """
    spread = np.broadcast_to(np.sqrt(variance)[..., None, :], location.shape)
    return expected_answers(location, cuts, codes, link, spread=spread)


@dataclass(frozen=True)
class PosteriorPositions:
    """Posterior expected answers and positions for one estimand, and the variant points."""

    expected: np.ndarray  # (chain, draw, identities, items)
    position: np.ndarray  # (chain, draw, identities, 2)
    variant_position: np.ndarray  # (chain, draw, pairs, 2), every estimand


def _known_answers(data: CellCounts, cell_pair: np.ndarray, n_pairs: int):
    """(known, value, predicted) per pair × item for deterministic decoding.

    ``known``: a deterministic cell was answered, so its expected answer is its (collapsed)
    observed mean; ``predicted``: the pair was asked deterministically but the item was not
    answered, so its answer is drawn from the model's predictive distribution.
    """
    n_items = len(data.items)
    known = np.zeros((n_pairs, n_items), dtype=bool)
    value = np.zeros((n_pairs, n_items))
    det = data.cell_deterministic
    known[cell_pair[det], data.cell_item[det]] = True
    value[cell_pair[det], data.cell_item[det]] = data.cell_means()[det]
    observed = np.zeros((n_pairs, n_items), dtype=bool)
    observed[cell_pair, data.cell_item] = True
    pair_identity, pair_variant = asked_pairs(data)
    sets = data.sets.set_index(["identity", "variant"])["deterministic"]
    pair_det = sets.loc[
        list(
            zip(
                np.asarray(data.identities)[pair_identity],
                np.asarray(data.variants)[pair_variant],
                strict=True,
            )
        )
    ].to_numpy(dtype=bool)
    predicted = ~observed & pair_det[:, None]
    return known, value, predicted


def _draw_answers(
    eta: np.ndarray, cuts: np.ndarray, codes: tuple[int, ...], link: str, rng
) -> np.ndarray:
    """One answer (raw code) per latent location ``eta`` (…, n), cut-points (…, 1, K − 1)."""
    p = category_probs(eta, cuts, link)
    u = rng.random(eta.shape)
    category = (u[..., None] > np.cumsum(p, axis=-1)).sum(-1)
    return np.asarray(codes, dtype=float)[np.minimum(category, len(codes) - 1)]


def posterior_positions(
    idata,
    data: CellCounts,
    structure: dict[str, bool],
    link: str,
    preset: Preset,
    estimand: str = "asked",
    seed: int | None = None,
) -> PosteriorPositions:
    """Posterior map positions of the identities for ``estimand``, plus variant points.

    Identity × variant effects of a pair asked but never answered on an item are not in
    the model (no cell); the ``"asked"`` positions and the variant points draw them from
    their posterior, Normal(0, interaction_scale), with ``seed``. Under deterministic
    decoding (cells collapsed as temperature 0) the expected answer to a prompt asked *is*
    its answer: answered cells enter as their observed (collapsed) mean on every draw, and
    asked but unanswered ones as a draw from the model's predictive distribution of the
    answer (missing at random), with ``seed``.

    Parameters
    ----------
    idata
        The fit's InferenceData.
    data
        The counts the model was fitted to.
    structure
        Which random effects the model has (``variant_effects``, ``interaction``).
    link
        ``"logit"`` or ``"probit"``.
    preset
        The projection.
    estimand
        ``"asked"``, ``"new"`` or ``"typical"``.
    seed
        Seed of the draws of unobserved identity × variant effects and answers.

    Returns
    -------
    PosteriorPositions
    """
    check_estimand(estimand)
    location = infdata.posterior_array(idata, "location")  # (C, D, I, J)
    gaps = infdata.posterior_array(idata, "cut_gap")
    cuts = cutpoints_numpy(gaps, data.n_categories)  # per item (C, D, K - 1)
    n_chains, n_draws, n_ids, n_items = location.shape
    variant = (
        infdata.posterior_array(idata, "variant_effect")
        if structure["variant_effects"]
        else np.zeros((n_chains, n_draws, len(data.variants), n_items))
    )
    unit = infdata.posterior_array(idata, "item_unit")  # (C, D, J)
    pair_identity, pair_variant = asked_pairs(data)
    n_pairs = len(pair_identity)
    pair_of = {(i, v): p for p, (i, v) in enumerate(zip(pair_identity, pair_variant, strict=True))}
    cell_pair = np.array(
        [pair_of[(i, v)] for i, v in zip(data.cell_identity, data.cell_variant, strict=True)],
        dtype=int,
    )
    unobserved = np.ones((n_pairs, n_items), dtype=bool)
    unobserved[cell_pair, data.cell_item] = False
    known, known_value, predicted = _known_answers(data, cell_pair, n_pairs)
    if structure["interaction"]:
        cells = interaction_draws(idata, data)
        scale = infdata.posterior_array(idata, "interaction_scale") * unit
    rng = np.random.default_rng(seed)
    variant_position = np.empty((n_chains, n_draws, n_pairs, 2))
    asked = np.empty_like(location) if estimand == "asked" else None
    pred_pair, pred_item = np.nonzero(predicted)
    for c in range(n_chains):
        inter = np.zeros((n_draws, n_pairs, n_items))
        if structure["interaction"]:
            inter[:, cell_pair, data.cell_item] = cells[c]
            j = np.nonzero(unobserved)[1]
            inter[:, unobserved] = rng.normal(size=(n_draws, len(j))) * scale[c][:, j]
        for start in range(0, n_draws, BLOCK):
            b = slice(start, start + BLOCK)
            block_cuts = [k[c, b, None, :] for k in cuts]
            e = by_variant(
                location[c, b],
                variant[c, b],
                inter[b],
                pair_identity,
                pair_variant,
                block_cuts,
                data.codes,
                link,
            )
            e[:, known] = known_value[known]
            for j in np.unique(pred_item):
                p = pred_pair[pred_item == j]
                eta = (
                    location[c, b][:, pair_identity[p], j]
                    + variant[c, b][:, pair_variant[p], j]
                    + inter[b][:, p, j]
                )
                e[:, p, j] = _draw_answers(eta, block_cuts[j], data.codes[j], link, rng)
            variant_position[c, b] = preset.project_array(e)
            if asked is not None:
                asked[c, b] = mean_over_pairs(e, pair_identity, n_ids)
    # answers known on every draw give the same position on every draw, bit for bit
    exact_pairs = known.all(axis=1)
    variant_position[:, :, exact_pairs] = preset.project_array(known_value[exact_pairs])
    chained_cuts = [k[:, :, None, :] for k in cuts]
    if estimand == "asked":
        exact = np.array([exact_pairs[pair_identity == i].all() for i in range(n_ids)])
        position = preset.project_array(asked)
        if exact.any():
            asked[:, :, exact] = mean_over_pairs(known_value, pair_identity, n_ids)[exact]
            position[:, :, exact] = preset.project_array(asked[0, 0, exact])
        return PosteriorPositions(asked, position, variant_position)
    if estimand == "typical":
        expected = expected_answers(location, chained_cuts, data.codes, link)
    else:
        variance = np.zeros((n_chains, n_draws, n_items))
        for name in ("variant_scale", "interaction_scale"):
            if infdata.has_variable(idata, name):
                variance = variance + infdata.posterior_array(idata, name) ** 2
        expected = expected_new(location, chained_cuts, data.codes, link, variance * unit**2)
    return PosteriorPositions(expected, preset.project_array(expected), variant_position)


def observed_means(data: CellCounts) -> np.ndarray:
    """(identities, items) each identity's mean answer: per-variant cell means, then their
    mean over the variants answered (NaN where the item was never answered).

    For complete data this is Tao et al.'s item mean, whose projection is the classic
    position (the projection is affine).
    """
    total = np.zeros((len(data.identities), len(data.items)))
    n = np.zeros_like(total)
    np.add.at(total, (data.cell_identity, data.cell_item), data.cell_means())
    np.add.at(n, (data.cell_identity, data.cell_item), 1.0)
    with np.errstate(invalid="ignore"):
        return total / n


def answer_pull(expected: np.ndarray, data: CellCounts, preset: Preset) -> pd.DataFrame:
    """How far the posterior expected answers sit from the observed means, per item.

    Parameters
    ----------
    expected
        (draws, identities, items) posterior expected answers (the fit's estimand).
    data
        The counts.
    preset
        The projection (its coefficients turn answer units into map units).

    Returns
    -------
    pandas.DataFrame
        identity, item, observed (mean answer, :func:`observed_means`), expected
        (posterior mean), sd, pull (expected − observed, answer units), pull_sd (pull / sd),
        pull_x, pull_y (the pull in map units: coefficient × pull).
    """
    observed = observed_means(data)
    mean, sd = expected.mean(0), expected.std(0, ddof=1)
    pull = mean - observed
    coef = preset.coef.loc[list(data.items), ["x", "y"]].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        pull_sd = np.where(sd > 0, pull / np.where(sd > 0, sd, 1.0), np.where(pull == 0, 0, np.inf))
    n_ids, n_items = observed.shape
    return pd.DataFrame(
        {
            "identity": np.repeat(data.identities, n_items),
            "item": np.tile(data.items, n_ids),
            "observed": observed.ravel(),
            "expected": mean.ravel(),
            "sd": sd.ravel(),
            "pull": pull.ravel(),
            "pull_sd": pull_sd.ravel(),
            "pull_x": (pull * coef[:, 0]).ravel(),
            "pull_y": (pull * coef[:, 1]).ravel(),
        }
    )
