"""Every ArviZ / xarray call of the hierarchical model, in one place (arviz 1.x = a pin change)."""

from __future__ import annotations

import warnings
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


def add_constant_data(
    idata: az.InferenceData, name: str, values: np.ndarray, coords: dict[str, Sequence]
) -> None:
    """Attach a data array (no chain or draw axes) to the ``constant_data`` group.

    Parameters
    ----------
    idata
        InferenceData (changed in place).
    name
        Variable name.
    values
        The array; its axes are the keys of ``coords``, in order.
    coords
        dimension → labels.
    """
    da = xr.DataArray(values, dims=tuple(coords), coords={d: list(v) for d, v in coords.items()})
    if "constant_data" in idata.groups():
        idata.constant_data[name] = da
    else:
        idata.add_groups({"constant_data": xr.Dataset({name: da})})


def has_constant(idata: az.InferenceData, name: str) -> bool:
    return "constant_data" in idata.groups() and name in idata.constant_data


def constant_array(idata: az.InferenceData, name: str) -> np.ndarray:
    """A ``constant_data`` variable as a numpy array."""
    return idata.constant_data[name].to_numpy()


def set_log_likelihood(idata: az.InferenceData, name: str, values: np.ndarray, dim: str) -> None:
    """Set the ``log_likelihood`` group to one variable (chain, draw, ``dim``).

    Parameters
    ----------
    idata
        InferenceData (changed in place; an existing group is replaced).
    name
        Variable name (the observed quantity).
    values
        (chain, draw, units) pointwise log-likelihood.
    dim
        Name of the unit dimension.
    """
    da = xr.DataArray(
        values,
        dims=("chain", "draw", dim),
        coords={
            "chain": idata.posterior.chain,
            "draw": idata.posterior.draw,
            dim: np.arange(values.shape[-1]),
        },
    )
    if "log_likelihood" in idata.groups():
        del idata.log_likelihood
    idata.add_groups({"log_likelihood": xr.Dataset({name: da})})


def has_log_likelihood(idata: az.InferenceData) -> bool:
    return "log_likelihood" in idata.groups()


def log_likelihood_array(idata: az.InferenceData, name: str) -> np.ndarray:
    """A ``log_likelihood`` variable as a numpy array (chain, draw, units)."""
    return idata.log_likelihood[name].to_numpy()


def loo(idata: az.InferenceData) -> az.ELPDData:
    """PSIS-LOO of the ``log_likelihood`` group (ArviZ), pointwise values included; ArviZ's
    own Pareto-k warning is left to the caller, which names the cells and the remedy."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Estimated shape parameter of Pareto")
        return az.loo(idata, pointwise=True)


def compare(idatas: dict[str, az.InferenceData]) -> pd.DataFrame:
    """``az.compare`` of fits by PSIS-LOO: one row per fit, best first."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Estimated shape parameter of Pareto")
        warnings.filterwarnings("ignore", message="The inplace keyword")
        return az.compare(idatas, ic="loo")


def smoothed_log_weights(log_weights: np.ndarray) -> tuple[np.ndarray, float]:
    """Pareto-smoothed importance log weights (normalised) and the Pareto k of their tail.

    Parameters
    ----------
    log_weights
        (draws,) raw log importance ratios.

    Returns
    -------
    (log_weights, k)
    """
    smoothed, k = az.psislw(np.asarray(log_weights, dtype=float))
    return np.asarray(smoothed), float(k)


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
