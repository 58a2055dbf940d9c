"""Posterior expected answers of every identity × variant pair asked, and what each answered.

The refusal analysis (:mod:`llmvalues.iw.refusals`) needs, per pair asked, the expected
answer to each item on every posterior draw and the share of the pair's replies that are
answers. The expected answers are computed exactly as the ``"asked"`` positions of
:func:`llmvalues.iw.bayes.positions.posterior_positions` (same draws of the identity ×
variant effects of pairs never answered, from the same seed), so their mean over an
identity's pairs is its ``"asked"`` position; with a latent ``shift`` the same draws are
also evaluated at location + shift. The answered counts are recorded in the
InferenceData's ``constant_data`` group when the model is fitted (:func:`record_answered`),
so a saved fit keeps them.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from llmvalues.iw.bayes import inference_data as infdata
from llmvalues.iw.bayes.data import CellCounts
from llmvalues.iw.bayes.model import cutpoints_numpy
from llmvalues.iw.bayes.positions import BLOCK, asked_pairs, by_variant
from llmvalues.iw.bayes.posterior import interaction_draws
from llmvalues.iw.refusals import pair_answered
from llmvalues.responses import pivot_codes

ANSWERED = "n_answered"
SETS = "n_sets"


def record_answered(idata, data: CellCounts, responses: pd.DataFrame) -> None:
    """Store each pair's response sets and answered replies per item in ``constant_data``.

    Parameters
    ----------
    idata
        The fit's InferenceData (changed in place).
    data
        The counts (their pairs, in :func:`asked_pairs` order, index the arrays).
    responses
        The validated Responses table the model was fitted to.
    """
    table = pair_answered(pivot_codes(responses))
    ident, variant = asked_pairs(data)
    keys = pd.MultiIndex.from_arrays(
        [np.asarray(data.identities)[ident], np.asarray(data.variants)[variant]]
    )
    table = table.reindex(keys, fill_value=0)
    coords = {"pair": range(len(keys)), "item": list(data.items)}
    infdata.add_constant_data(idata, ANSWERED, table[list(data.items)].to_numpy(), coords)
    infdata.add_constant_data(idata, SETS, table[SETS].to_numpy(), {"pair": coords["pair"]})


def answered_share(idata) -> np.ndarray:
    """(pairs, items) share of each pair's response sets that answered each item.

    Raises
    ------
    ValueError
        The fit was made without the answered counts.
    """
    if not infdata.has_constant(idata, ANSWERED):
        raise ValueError(
            "this fit holds no answered counts per prompt variant (constant_data "
            f"{ANSWERED!r}); refit it with this version of llmvalues"
        )
    sets = infdata.constant_array(idata, SETS).astype(float)
    answered = infdata.constant_array(idata, ANSWERED).astype(float)
    return np.divide(answered, sets[:, None], out=np.zeros_like(answered), where=sets[:, None] > 0)


def pair_expected_answers(
    idata,
    data: CellCounts,
    structure: dict[str, bool],
    link: str,
    seed: int | None,
    shift: np.ndarray | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
    """Expected answers of every pair asked, block by block of posterior draws.

    Parameters
    ----------
    idata, data, structure, link
        The fit's posterior, counts, random-effect structure and link.
    seed
        The fit's ``random_seed`` (the draws of effects of pairs never answered).
    shift
        (items,) latent shift: also yield the expected answers at location + shift.

    Yields
    ------
    (expected, shifted)
        (draws in the block, pairs, items) each (``shifted`` is None without a shift);
        blocks run through chain 0, then chain 1, …, so their concatenation is in the
        order of chains stacked.
    """
    location = infdata.posterior_array(idata, "location")
    cuts = cutpoints_numpy(infdata.posterior_array(idata, "cut_gap"), data.n_categories)
    n_chains, n_draws, _, n_items = location.shape
    variant = (
        infdata.posterior_array(idata, "variant_effect")
        if structure["variant_effects"]
        else np.zeros((n_chains, n_draws, len(data.variants), n_items))
    )
    pair_identity, pair_variant = asked_pairs(data)
    pair_of = {(i, v): p for p, (i, v) in enumerate(zip(pair_identity, pair_variant, strict=True))}
    cell_pair = np.array(
        [pair_of[(i, v)] for i, v in zip(data.cell_identity, data.cell_variant, strict=True)],
        dtype=int,
    )
    unobserved = np.ones((len(pair_identity), n_items), dtype=bool)
    unobserved[cell_pair, data.cell_item] = False
    if structure["interaction"]:
        cells = interaction_draws(idata, data)
        scale = infdata.posterior_array(idata, "interaction_scale")
    rng = np.random.default_rng(seed)
    for c in range(n_chains):
        inter = np.zeros((n_draws, len(pair_identity), n_items))
        if structure["interaction"]:
            inter[:, cell_pair, data.cell_item] = cells[c]
            j = np.nonzero(unobserved)[1]
            inter[:, unobserved] = rng.normal(size=(n_draws, len(j))) * scale[c][:, j]
        for start in range(0, n_draws, BLOCK):
            b = slice(start, start + BLOCK)
            block_cuts = [k[c, b, None, :] for k in cuts]
            args = (inter[b], pair_identity, pair_variant, block_cuts, data.codes, link)
            expected = by_variant(location[c, b], variant[c, b], *args)
            shifted = (
                None if shift is None else by_variant(location[c, b] + shift, variant[c, b], *args)
            )
            yield expected, shifted
