"""Distances on the IW map and Tao et al.'s cultural-prompting metrics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from llmvalues.iw.countries import resolve_country


def distance_matrix(points: pd.DataFrame, countries: pd.DataFrame) -> pd.DataFrame:
    """Euclidean map distance of each point (rows, with x, y) to each country (columns)."""
    p = points[["x", "y"]].to_numpy(dtype=float)
    c = countries[["x", "y"]].to_numpy(dtype=float)
    d = np.sqrt(((p[:, None, :] - c[None, :, :]) ** 2).sum(-1))
    return pd.DataFrame(d, index=points.index, columns=countries["country"].to_numpy())


def nearest_countries(points: pd.DataFrame, countries: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """The ``n`` nearest reference countries of each point, long format with rank."""
    d = distance_matrix(points, countries)
    long = d.stack().rename("distance").reset_index()
    long.columns = ["identity", "country", "distance"]
    long["rank"] = long.groupby("identity")["distance"].rank(method="first").astype(int)
    return long[long["rank"] <= n].sort_values(["identity", "rank"], ignore_index=True)


def mean_distance(points: pd.DataFrame, countries: pd.DataFrame) -> pd.Series:
    """Mean distance of each point to all reference countries (Tao et al.'s overall metric)."""
    return distance_matrix(points, countries).mean(axis=1).rename("mean_distance")


def match_country(name: str | int, countries: pd.DataFrame) -> str:
    """The reference country ``name`` denotes, in any spelling, or a clear error.

    Names resolve through :func:`llmvalues.iw.countries.resolve_country` (English names,
    the presets' source labels such as Tao et al.'s "Hong Kong SAR", ISO 3166 codes, WVS
    numbers); an unknown name raises :class:`~llmvalues.iw.countries.CountryError`
    listing the nearest reference countries.
    """
    return resolve_country(name, countries["country"], "the preset's reference countries")


@dataclass(frozen=True)
class CulturalPromptingResult:
    """Per-country distances with and without cultural prompting, and their paired test."""

    per_country: pd.DataFrame  # country, prompted, distance_prompted, distance_baseline, improved
    share_improved: float
    mean_distance_prompted: float
    mean_distance_baseline: float
    wilcoxon_statistic: float
    wilcoxon_pvalue: float

    def summary(self) -> pd.Series:
        """One line a paper can print."""
        return pd.Series(
            {
                "countries": len(self.per_country),
                "mean_distance_baseline": self.mean_distance_baseline,
                "mean_distance_prompted": self.mean_distance_prompted,
                "share_improved": self.share_improved,
                "wilcoxon_statistic": self.wilcoxon_statistic,
                "wilcoxon_pvalue": self.wilcoxon_pvalue,
            }
        )


def cultural_prompting(
    points: pd.DataFrame,
    countries: pd.DataFrame,
    prompted: Mapping[str, str],
    baseline: str,
) -> CulturalPromptingResult:
    """Tao et al.'s metrics for one model.

    ``points`` is indexed by identity (x, y); ``prompted`` maps each culturally prompted
    identity to the country it was prompted as; ``baseline`` is the unprompted identity.
    For each country: distance of the prompted point to that country's point vs the
    baseline's distance to it; share of countries where prompting shrinks the distance;
    paired two-sided Wilcoxon signed-rank test of the two distance sets.
    """
    if baseline not in points.index:
        raise KeyError(f"baseline identity {baseline!r} has no map position")
    if not prompted:
        raise ValueError("no culturally prompted identities given")
    table = countries.set_index("country")
    rows = []
    base = points.loc[baseline, ["x", "y"]].to_numpy(dtype=float)
    for identity, name in prompted.items():
        if identity not in points.index:
            raise KeyError(f"prompted identity {identity!r} has no map position")
        country = match_country(name, countries)
        target = table.loc[country, ["x", "y"]].to_numpy(dtype=float)
        here = points.loc[identity, ["x", "y"]].to_numpy(dtype=float)
        rows.append(
            {
                "country": country,
                "prompted": identity,
                "distance_prompted": float(np.hypot(*(here - target))),
                "distance_baseline": float(np.hypot(*(base - target))),
            }
        )
    per = pd.DataFrame(rows)
    per["improved"] = per["distance_prompted"] < per["distance_baseline"]
    if len(per) >= 2 and not np.allclose(per["distance_prompted"], per["distance_baseline"]):
        test = stats.wilcoxon(per["distance_prompted"], per["distance_baseline"])
        statistic, pvalue = float(test.statistic), float(test.pvalue)
    else:
        statistic, pvalue = float("nan"), float("nan")
    return CulturalPromptingResult(
        per_country=per,
        share_improved=float(per["improved"].mean()),
        mean_distance_prompted=float(per["distance_prompted"].mean()),
        mean_distance_baseline=float(per["distance_baseline"].mean()),
        wilcoxon_statistic=statistic,
        wilcoxon_pvalue=pvalue,
    )
