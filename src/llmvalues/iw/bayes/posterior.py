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
    """Identity × variant effects of the observed cells, whichever way they were parametrised.

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
    if infdata.has_variable(idata, "interaction"):
        return infdata.posterior_array(idata, "interaction")
    scale = infdata.posterior_array(idata, "interaction_scale")[..., data.cell_item]
    return infdata.posterior_array(idata, "interaction_z") * scale


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
