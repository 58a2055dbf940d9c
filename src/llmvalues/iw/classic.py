"""The classic map estimate: project each complete response set, average per identity.

Given Tao et al.'s answer tables and their preset this reproduces their points exactly
(their model point is the mean of its variant points, and the projection is affine).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from llmvalues.iw import metrics
from llmvalues.iw.items import ITEMS
from llmvalues.iw.presets import Preset
from llmvalues.responses import KEY, pivot_codes, status_counts

ATTRIBUTE_EXCLUDE = (*KEY, "raw", "code", "status", "reason", "probs")


def identity_attributes(responses: pd.DataFrame) -> pd.DataFrame:
    """One row per identity with its attribute columns (model, country, persona, date, …).

    An attribute is kept when it takes a single value within every identity.
    """
    columns = [c for c in responses.columns if c not in ATTRIBUTE_EXCLUDE]
    grouped = responses.groupby("identity", sort=True)
    keep = [c for c in columns if (grouped[c].nunique(dropna=False) <= 1).all()]
    return (
        grouped[keep].first()
        if keep
        else pd.DataFrame(index=sorted(responses["identity"].unique()))
    )


def cultural_prompting_pairs(
    attributes: pd.DataFrame, model: str = "model", country: str = "country"
) -> dict[str, tuple[str, dict[str, str]]]:
    """Per model: (unprompted identity, {prompted identity: country}) from identity attributes."""
    for column in (model, country):
        if column not in attributes.columns:
            raise KeyError(
                f"identities need a {column!r} attribute for cultural-prompting metrics "
                f"(attributes: {list(attributes.columns)})"
            )
    out = {}
    for name, group in attributes.groupby(model):
        blank = group[country].isna() | (group[country].astype(str).str.strip() == "")
        if blank.sum() != 1:
            raise ValueError(
                f"model {name!r}: need exactly one unprompted identity (empty {country!r}), "
                f"found {int(blank.sum())}"
            )
        prompted = group.loc[~blank, country].astype(str).to_dict()
        out[str(name)] = (str(group.index[blank][0]), prompted)
    return out


@dataclass
class MapFit:
    """Map positions of identities under one preset (classic: mean of projected sets)."""

    preset: Preset
    centroids: pd.DataFrame  # index identity: x, y, n_sets, sd_x, sd_y, spread, n_incomplete
    points: pd.DataFrame  # identity, variant, replicate, x, y (one per complete response set)
    status: pd.DataFrame  # identity × item × status counts
    attributes: pd.DataFrame = field(default_factory=pd.DataFrame)
    method: str = "classic"

    def to_frame(self) -> pd.DataFrame:
        """Centroids as a flat table with the identity attributes."""
        return self.centroids.join(self.attributes).reset_index(names="identity")

    def distances(self, countries: pd.DataFrame | None = None) -> pd.DataFrame:
        """Distance of every centroid to every reference country (identity × country)."""
        return metrics.distance_matrix(self.centroids, self._countries(countries))

    def nearest(self, n: int = 5, countries: pd.DataFrame | None = None) -> pd.DataFrame:
        """The ``n`` nearest reference countries of each identity."""
        return metrics.nearest_countries(self.centroids, self._countries(countries), n)

    def mean_distance(self, countries: pd.DataFrame | None = None) -> pd.Series:
        """Tao et al.'s mean distance to the reference countries, per identity."""
        return metrics.mean_distance(self.centroids, self._countries(countries))

    def cultural_prompting(
        self, model: str = "model", country: str = "country"
    ) -> dict[str, metrics.CulturalPromptingResult]:
        """Tao et al.'s cultural-prompting metrics per model (identities need model/country)."""
        pairs = cultural_prompting_pairs(self.attributes, model, country)
        return {
            name: metrics.cultural_prompting(self.centroids, self.preset.countries, prompted, base)
            for name, (base, prompted) in pairs.items()
        }

    def summary(self) -> pd.DataFrame:
        """Centroids with their variant spread and nearest country, rounded for print."""
        table = self.centroids.copy()
        nearest = self.nearest(1)
        table["nearest_country"] = nearest.set_index("identity")["country"]
        table["refusal_rate"] = self.refusal_rate()
        return table.round(3)

    def refusal_rate(self) -> pd.Series:
        """Share of answers per identity that were refusals (over all items)."""
        counts = self.status.groupby("identity").sum()
        return (counts["refusal"] / counts.sum(axis=1)).rename("refusal_rate")

    def plot(self, **kwargs):
        """The IW map with this fit's centroids (see :func:`llmvalues.plots.plot_map`)."""
        from llmvalues.plots import plot_map

        return plot_map(self.preset, points=self.centroids, **kwargs)

    def _countries(self, countries: pd.DataFrame | None) -> pd.DataFrame:
        return self.preset.countries if countries is None else countries


def fit_classic(responses: pd.DataFrame, preset: Preset) -> MapFit:
    """Project every complete response set and average the points per identity.

    ``responses`` must already be validated (``fit_map`` does that once).
    """
    wide = pivot_codes(responses)
    complete = wide.dropna(how="any")
    incomplete = (wide.isna().any(axis=1)).groupby(level="identity").sum()
    identities = wide.index.get_level_values("identity").unique()
    empty = [i for i in identities if i not in complete.index.get_level_values("identity")]
    if empty:
        raise ValueError(
            f"identity {empty[0]!r} has no complete response set (all 10 items answered), so the "
            "classic method cannot place it; use method='hierarchical', which treats "
            f"unanswered items as missing ({len(empty)} such identities: {empty[:5]})"
        )
    xy = preset.project_array(complete[list(ITEMS)].to_numpy())
    points = complete.index.to_frame(index=False).assign(x=xy[:, 0], y=xy[:, 1])
    grouped = points.groupby("identity")
    centroids = grouped[["x", "y"]].mean()
    centroids["n_sets"] = grouped.size()
    centroids["sd_x"] = grouped["x"].std()
    centroids["sd_y"] = grouped["y"].std()
    offsets = (
        points[["x", "y"]].to_numpy() - centroids.loc[points["identity"], ["x", "y"]].to_numpy()
    )
    centroids["spread"] = pd.Series(np.hypot(*offsets.T)).groupby(points["identity"]).mean().values
    centroids["n_incomplete"] = incomplete.reindex(centroids.index).fillna(0).astype(int)
    return MapFit(
        preset=preset,
        centroids=centroids,
        points=points,
        status=status_counts(responses),
        attributes=identity_attributes(responses),
    )
