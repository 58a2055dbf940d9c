"""Distances on the IW map: between positions (or draws of them) and reference countries."""

from __future__ import annotations

import numpy as np
import pandas as pd

from llmvalues.iw.countries import resolve_country


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


def match_country(name: str | int, countries: pd.DataFrame) -> str:
    """The reference country ``name`` denotes, in any spelling, or a clear error.

    Names resolve through :func:`llmvalues.iw.countries.resolve_country` (English names,
    the presets' source labels such as Tao et al.'s "Hong Kong SAR", ISO 3166 codes, WVS
    numbers); an unknown name raises :class:`~llmvalues.iw.countries.CountryError`
    listing the nearest reference countries.
    """
    return resolve_country(name, countries["country"], "the preset's reference countries")
