"""Every ArviZ / xarray call of the hierarchical model, in one place (arviz 1.x = a pin change)."""

from __future__ import annotations

from collections.abc import Sequence

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr

from llmvalues.iw.bayes import convergence


def posterior_array(idata: az.InferenceData, name: str) -> np.ndarray:
    """A posterior variable as a numpy array (chain, draw, …)."""
    return idata.posterior[name].to_numpy()


def has_variable(idata: az.InferenceData, name: str) -> bool:
    return name in idata.posterior


def add_posterior(
    idata: az.InferenceData,
    name: str,
    values: np.ndarray,
    dims: Sequence[str],
    coords: dict[str, Sequence],
) -> None:
    """Attach a derived quantity (chain, draw, *dims) to the posterior group."""
    da = xr.DataArray(
        values,
        dims=("chain", "draw", *dims),
        coords={
            "chain": idata.posterior.chain,
            "draw": idata.posterior.draw,
            **{d: list(coords[d]) for d in dims},
        },
    )
    idata.posterior[name] = da


def convergence_table(idata: az.InferenceData, var_names: Sequence[str]) -> pd.DataFrame:
    """Per variable: worst R-hat, smallest bulk and tail ESS over its elements."""
    rows = []
    for name in var_names:
        stats = convergence.summary(posterior_array(idata, name))
        rows.append(
            {
                "variable": name,
                "size": int(np.size(stats["r_hat"])),
                "r_hat_max": float(np.nanmax(stats["r_hat"])),
                "ess_bulk_min": float(np.nanmin(stats["ess_bulk"])),
                "ess_tail_min": float(np.nanmin(stats["ess_tail"])),
            }
        )
    return pd.DataFrame(rows).set_index("variable")


def sampler_health(idata: az.InferenceData) -> dict[str, object]:
    """Divergences, BFMI per chain, tree-depth saturation share."""
    stats = idata.sample_stats
    out: dict[str, object] = {
        "divergences": int(stats["diverging"].sum()),
        "draws": int(stats["diverging"].size),
        "bfmi": [float(b) for b in np.atleast_1d(az.bfmi(idata))],
    }
    if "reached_max_treedepth" in stats:
        out["max_treedepth_share"] = float(stats["reached_max_treedepth"].mean())
    return out
