"""Loaders for the published Inglehart–Welzel reference data shipped in ``llmvalues/data/iw``.

Each loader returns a tidy DataFrame with x = survival→self-expression and
y = traditional→secular-rational; provenance is in ``data/iw/README.md``.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from llmvalues.data.iw import open_text
from llmvalues.iw.countries import country_iso3, country_name


def _country_points(raw: pd.DataFrame) -> pd.DataFrame:
    """Published one-point-per-country files (s003, cultural_zone, survself_x, tradsec_y)."""
    return pd.DataFrame(
        {
            "country": [country_name(c) for c in raw["s003"]],
            "x": raw["survself_x"],
            "y": raw["tradsec_y"],
            "cultural_zone": raw["cultural_zone"],
            "s003": raw["s003"].astype(int),
            "iso3": [country_iso3(c) for c in raw["s003"]],
        }
    )


@cache
def tao2024_countries() -> pd.DataFrame:
    """Tao et al. (2024) country points (107), IVS waves 5–7 pooled, with cultural zones."""
    with open_text("tao2024_countries.csv") as fh:
        return _country_points(pd.read_csv(fh))


@cache
def hall2025_countries() -> pd.DataFrame:
    """Hall's 107 country centroids: his waves 5–7 projection, all respondents pooled."""
    with open_text("hall2025_countries.csv") as fh:
        return _country_points(pd.read_csv(fh))


@cache
def country_trajectories() -> pd.DataFrame:
    """Official-method country × survey-year points 1981–2023 (The Economist's replication)."""
    with open_text("country_year_economist2026.csv") as fh:
        raw = pd.read_csv(fh)
    codes = (raw["S025"] // 10000).astype(int)
    zones = tao2024_countries().set_index("s003")["cultural_zone"]
    out = pd.DataFrame(
        {
            "country": [country_name(c) for c in codes],
            "year": (raw["S025"] % 10000).astype(int),
            "x": raw["Mean SurvSAgg"],
            "y": raw["Mean TradAgg"],
            "cultural_zone": codes.map(zones),
            "s003": codes,
            "iso3": [country_iso3(c) for c in codes],
        }
    )
    return out.sort_values(["country", "year"], ignore_index=True)


@cache
def ivs_pca_parameters() -> pd.DataFrame:
    """Official-method item means, SDs and regression-score weights (IVS waves 5–7, Hall)."""
    with open_text("ivs_pca_hall2025.csv") as fh:
        return pd.read_csv(fh).set_index("item")


@cache
def tao2024_projection() -> pd.DataFrame:
    """Tao et al.'s affine projection (rows: intercept + 10 items; columns x, y)."""
    with open_text("tao2024_projection.csv") as fh:
        raw = pd.read_csv(fh).set_index("term")
    return raw.rename(columns={"survself_x": "x", "tradsec_y": "y"})


@cache
def hall2026_llm_points() -> pd.DataFrame:
    """73 published chatbot positions (Hall 2026; official constants, one chat per persona)."""
    with open_text("hall2026_llm_points.csv") as fh:
        raw = pd.read_csv(fh)
    return raw.rename(columns={"survself_x": "x", "tradsec_y": "y"})
