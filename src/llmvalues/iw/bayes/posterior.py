"""Posterior draws of the hierarchical map model in the shapes the results need."""

from __future__ import annotations

import numpy as np

from llmvalues.iw.bayes import inference_data as infdata
from llmvalues.iw.bayes.data import CellCounts


def flat(idata, name: str) -> np.ndarray:
    """A posterior variable with chains stacked.

    Parameters
    ----------
    idata
        InferenceData.
    name
        Variable of its posterior group.

    Returns
    -------
    numpy.ndarray
        (chains × draws, …).
    """
    return stack_chains(infdata.posterior_array(idata, name))


def interaction_draws(idata, data: CellCounts) -> np.ndarray:
    """Identity × variant effects of the observed cells (latent units), however parametrised.

    Parameters
    ----------
    idata
        InferenceData of a model with interactions.
    data
        Its counts (the item of each cell scales the non-centred effects).

    Returns
    -------
    numpy.ndarray
        (chain, draw, cells).
    """
    unit = infdata.posterior_array(idata, "item_unit")[..., data.cell_item]
    if infdata.has_variable(idata, "interaction_std"):
        return infdata.posterior_array(idata, "interaction_std") * unit
    scale = infdata.posterior_array(idata, "interaction_scale")[..., data.cell_item]
    return infdata.posterior_array(idata, "interaction_z") * scale * unit


def effect_sd(idata, name: str) -> np.ndarray:
    """(chain, draw, items) latent SD of a random effect: its scale (``"variant_scale"`` or
    ``"interaction_scale"``, stated in reference units) times each item's ``item_unit``."""
    return infdata.posterior_array(idata, name) * infdata.posterior_array(idata, "item_unit")


def stack_chains(array: np.ndarray) -> np.ndarray:
    """(chain, draw, …) → (chains × draws, …).

    Parameters
    ----------
    array
        Draws with a chain axis.

    Returns
    -------
    numpy.ndarray
    """
    return array.reshape(-1, *array.shape[2:])
