"""Posterior draws of the hierarchical map model in the shapes the results need."""

from __future__ import annotations

import numpy as np

from llmvalues.iw.bayes import inference_data as infdata
from llmvalues.iw.bayes.data import CellCounts


def flat(idata, name: str) -> np.ndarray:
    """A posterior variable with chains stacked: (draws, …)."""
    return stack_chains(infdata.posterior_array(idata, name))


def thin(array: np.ndarray, limit: int) -> np.ndarray:
    """Every k-th draw (axis 0) so that at most about ``limit`` remain."""
    step = max(1, int(np.ceil(len(array) / limit)))
    return array[::step]


def interaction_draws(idata, data: CellCounts) -> np.ndarray:
    """(chain, draw, cells) identity × variant effects, whichever way they were parametrised."""
    if infdata.has_variable(idata, "interaction"):
        return infdata.posterior_array(idata, "interaction")
    scale = infdata.posterior_array(idata, "interaction_scale")[..., data.cell_item]
    return infdata.posterior_array(idata, "interaction_z") * scale


def stack_chains(array: np.ndarray) -> np.ndarray:
    """(chain, draw, …) → (draws, …)."""
    return array.reshape(-1, *array.shape[2:])
