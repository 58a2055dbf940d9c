"""Distances on the IW map: between positions (or draws of them) and reference countries."""

from __future__ import annotations

import numpy as np
import pandas as pd


def distance_matrix(points: pd.DataFrame, countries: pd.DataFrame) -> pd.DataFrame:
    """Euclidean map distance of each point to each country.

    Parameters
    ----------
    points
        Rows with columns ``x``, ``y`` (any index, kept).
    countries
        Rows with columns ``country``, ``x``, ``y``.

    Returns
    -------
    pandas.DataFrame
        Points × countries (columns named by country).
    """
    d = distance_draws(points[["x", "y"]].to_numpy(dtype=float)[None], countries)[0]
    return pd.DataFrame(d, index=points.index, columns=countries["country"].to_numpy())


def distance_draws(xy: np.ndarray, countries: pd.DataFrame) -> np.ndarray:
    """Distances of draws of positions (…, identities, 2) to every country → (…, identities, C)."""
    c = countries[["x", "y"]].to_numpy(dtype=float)
    return np.sqrt(((xy[..., :, None, :] - c) ** 2).sum(-1))


def mean_distance(points: pd.DataFrame, countries: pd.DataFrame) -> pd.Series:
    """Mean distance of each point to all reference countries (Tao et al.'s overall metric).

    Parameters
    ----------
    points
        Rows with columns ``x``, ``y``.
    countries
        Rows with columns ``country``, ``x``, ``y``.

    Returns
    -------
    pandas.Series
        ``mean_distance`` per point.
    """
    return distance_matrix(points, countries).mean(axis=1).rename("mean_distance")


def match_country(name: str, countries: pd.DataFrame) -> str:
    """The reference country called ``name`` (case- and space-insensitive), or a clear error."""
    table = {str(c).strip().casefold(): c for c in countries["country"]}
    key = str(name).strip().casefold()
    if key not in table:
        raise KeyError(f"country {name!r} is not among the preset's reference countries")
    return table[key]
