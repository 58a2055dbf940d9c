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


def write_with_group(
    path: str,
    idata: az.InferenceData,
    group: str,
    variables: dict[str, tuple[Sequence[str], np.ndarray]],
    attrs: dict[str, str | int | float],
) -> None:
    """Write ``idata`` plus one extra group to one netCDF file (``idata`` is left unchanged).

    Parameters
    ----------
    path
        The file.
    idata
        InferenceData.
    group
        Name of the extra group.
    variables
        name → (dims, array) of the extra group.
    attrs
        Its attributes (strings and numbers).
    """
    extra = xr.Dataset({k: (tuple(d), v) for k, (d, v) in variables.items()}, attrs=attrs)
    groups = {g: getattr(idata, g) for g in idata.groups() if g != group}
    az.InferenceData(**groups, **{group: extra}).to_netcdf(str(path))


def read_with_group(
    path: str, group: str
) -> tuple[az.InferenceData, dict[str, np.ndarray], dict[str, object]]:
    """Read a file of :func:`write_with_group`.

    Parameters
    ----------
    path
        The file.
    group
        The extra group.

    Returns
    -------
    (idata, arrays, attrs)
        The InferenceData without the extra group, that group's arrays and attributes.

    Raises
    ------
    ValueError
        The file is not netCDF, or lacks the group.
    """
    try:
        loaded = az.from_netcdf(str(path))
    except OSError as error:
        raise ValueError(f"{path} is not a netCDF file ({error})") from None
    if group not in loaded.groups():
        raise ValueError(
            f"{path} holds no {group!r} group (groups: {loaded.groups()}): it was not written "
            "by llmvalues"
        )
    extra = loaded[group].load()
    groups = {g: loaded[g].load() for g in loaded.groups() if g != group}
    return (
        az.InferenceData(**groups),
        {k: extra[k].to_numpy() for k in extra.data_vars},
        dict(extra.attrs),
    )
