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

from llmvalues.iw.bayes import inference_data as infdata
from llmvalues.iw.bayes.data import CellCounts
from llmvalues.iw.bayes.model import cutpoints_numpy, expected_answers
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
    their posterior, Normal(0, interaction_scale), with ``seed``.

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
        Seed of the draws of unobserved identity × variant effects.

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
    pair_identity, pair_variant = asked_pairs(data)
    n_pairs = len(pair_identity)
    pair_of = {(i, v): p for p, (i, v) in enumerate(zip(pair_identity, pair_variant, strict=True))}
    cell_pair = np.array(
        [pair_of[(i, v)] for i, v in zip(data.cell_identity, data.cell_variant, strict=True)],
        dtype=int,
    )
    unobserved = np.ones((n_pairs, n_items), dtype=bool)
    unobserved[cell_pair, data.cell_item] = False
    if structure["interaction"]:
        cells = interaction_draws(idata, data)
        scale = infdata.posterior_array(idata, "interaction_scale")
    rng = np.random.default_rng(seed)
    variant_position = np.empty((n_chains, n_draws, n_pairs, 2))
    asked = np.empty_like(location) if estimand == "asked" else None
    for c in range(n_chains):
        inter = np.zeros((n_draws, n_pairs, n_items))
        if structure["interaction"]:
            inter[:, cell_pair, data.cell_item] = cells[c]
            j = np.nonzero(unobserved)[1]
            inter[:, unobserved] = rng.normal(size=(n_draws, len(j))) * scale[c][:, j]
        for start in range(0, n_draws, BLOCK):
            b = slice(start, start + BLOCK)
            e = by_variant(
                location[c, b],
                variant[c, b],
                inter[b],
                pair_identity,
                pair_variant,
                [k[c, b, None, :] for k in cuts],
                data.codes,
                link,
            )
            variant_position[c, b] = preset.project_array(e)
            if asked is not None:
                asked[c, b] = mean_over_pairs(e, pair_identity, n_ids)
    chained_cuts = [k[:, :, None, :] for k in cuts]
    if estimand == "asked":
        expected = asked
    elif estimand == "typical":
        expected = expected_answers(location, chained_cuts, data.codes, link)
    else:
        variance = np.zeros((n_chains, n_draws, n_items))
        for name in ("variant_scale", "interaction_scale"):
            if infdata.has_variable(idata, name):
                variance = variance + infdata.posterior_array(idata, name) ** 2
        expected = expected_new(location, chained_cuts, data.codes, link, variance)
    return PosteriorPositions(expected, preset.project_array(expected), variant_position)
