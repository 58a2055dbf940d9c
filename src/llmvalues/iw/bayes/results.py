"""The result of a hierarchical map fit: positions, intervals, ellipses, contrasts, checks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from llmvalues.iw import metrics
from llmvalues.iw.bayes import inference_data as infdata
from llmvalues.iw.bayes.data import CellCounts
from llmvalues.iw.bayes.diagnostics import Diagnostics
from llmvalues.iw.bayes.model import (
    Priors,
    category_probs,
    cutpoints_numpy,
    expected_answers,
    residual_variance,
)
from llmvalues.iw.classic import cultural_prompting_pairs
from llmvalues.iw.presets import Preset

LEVELS = (0.5, 0.9, 0.95)
MAX_DERIVED_DRAWS = 500  # thinning for costly per-draw summaries (metrics)
MAX_POINT_DRAWS = 200  # per identity × variant points: memory grows with I × V × items × K


def _tag(level: float) -> str:
    return f"{round(level * 100):d}"


def interval(draws: np.ndarray, level: float, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed credible interval of ``draws`` along ``axis``."""
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    a = (1 - level) / 2
    return np.quantile(draws, a, axis=axis), np.quantile(draws, 1 - a, axis=axis)


def summarise_draws(draws: np.ndarray, level: float) -> dict[str, np.ndarray]:
    """Mean, SD and the ``level`` interval of draws along axis 0."""
    lo, hi = interval(draws, level)
    return {"mean": draws.mean(0), "sd": draws.std(0, ddof=1), "lo": lo, "hi": hi}


def credible_ellipse(xy: np.ndarray, level: float) -> dict[str, float]:
    """Ellipse (centre, width, height, angle°) holding ``level`` of 2-D draws (S, 2).

    Shape from the posterior covariance, size from the empirical quantile of the draws'
    Mahalanobis distances, so it holds the stated share of draws even when not normal.
    """
    centre = xy.mean(0)
    cov = np.cov(xy.T)
    d2 = np.einsum("si,ij,sj->s", xy - centre, np.linalg.pinv(cov), xy - centre)
    r2 = float(np.quantile(d2, level))
    values, vectors = np.linalg.eigh(cov)
    values = np.clip(values, 0.0, None)
    major = vectors[:, 1]
    return {
        "x": float(centre[0]),
        "y": float(centre[1]),
        "width": float(2 * np.sqrt(values[1] * r2)),
        "height": float(2 * np.sqrt(values[0] * r2)),
        "angle": float(np.degrees(np.arctan2(major[1], major[0]))),
    }


@dataclass
class HierarchicalMapFit:
    """Map positions from the hierarchical ordinal model, with the posterior behind them."""

    preset: Preset
    data: CellCounts
    idata: Any  # arviz.InferenceData
    priors: Priors
    link: str
    structure: dict[str, bool]
    settings: dict[str, Any] = field(default_factory=dict)
    method: str = "hierarchical"

    # ----- posterior draws -------------------------------------------------------------
    @cached_property
    def position_draws(self) -> np.ndarray:
        """(draws, identities, 2) posterior map positions, chains stacked."""
        xy = infdata.posterior_array(self.idata, "position")
        return xy.reshape(-1, *xy.shape[2:])

    def _thin(self, array: np.ndarray, limit: int = MAX_DERIVED_DRAWS) -> np.ndarray:
        step = max(1, int(np.ceil(len(array) / limit)))
        return array[::step]

    def _flat(self, name: str) -> np.ndarray:
        values = infdata.posterior_array(self.idata, name)
        return values.reshape(-1, *values.shape[2:])

    @property
    def identities(self) -> list[str]:
        return list(self.data.identities)

    @property
    def attributes(self) -> pd.DataFrame:
        return self.data.attributes

    # ----- positions -------------------------------------------------------------------
    @cached_property
    def centroids(self) -> pd.DataFrame:
        """Per identity: posterior mean x, y; 50/90/95% intervals; n; refusal and missing rates."""
        xy = self.position_draws
        out = pd.DataFrame(index=pd.Index(self.identities, name="identity"))
        out["x"] = xy[..., 0].mean(0)
        out["y"] = xy[..., 1].mean(0)
        out["sd_x"] = xy[..., 0].std(0, ddof=1)
        out["sd_y"] = xy[..., 1].std(0, ddof=1)
        for level in LEVELS:
            lo, hi = interval(xy, level)
            for a, axis in enumerate(("x", "y")):
                out[f"{axis}_lo{_tag(level)}"] = lo[:, a]
                out[f"{axis}_hi{_tag(level)}"] = hi[:, a]
        status = self.data.status.groupby("identity", sort=False)[
            ["n_rows", "n_ok", "n_refusal"]
        ].sum()
        out["n_answers"] = status["n_ok"].reindex(out.index).astype(int)
        out["n_sets"] = self._n_sets().reindex(out.index).fillna(0).astype(int)
        out["refusal_rate"] = (status["n_refusal"] / status["n_rows"]).reindex(out.index)
        out["missing_rate"] = (1 - status["n_ok"] / status["n_rows"]).reindex(out.index)
        return out

    def _n_sets(self) -> pd.Series:
        cells = pd.DataFrame(
            {"identity": self.data.cell_identity, "variant": self.data.cell_variant}
        ).drop_duplicates()
        counts = cells.groupby("identity").size()
        counts.index = [self.identities[i] for i in counts.index]
        return counts

    def intervals(self, level: float = 0.9) -> pd.DataFrame:
        """Long table: identity, axis, mean, sd, lo, hi of the map position."""
        s = summarise_draws(self.position_draws, level)
        rows = []
        for i, name in enumerate(self.identities):
            for a, axis in enumerate(("x", "y")):
                rows.append(
                    {"identity": name, "axis": axis, "level": level}
                    | {k: float(v[i, a]) for k, v in s.items()}
                )
        return pd.DataFrame(rows)

    def ellipses(self, level: float = 0.9) -> pd.DataFrame:
        """2-D credible ellipse of each identity's position (x, y, width, height, angle)."""
        rows = {
            name: credible_ellipse(self.position_draws[:, i], level)
            for i, name in enumerate(self.identities)
        }
        out = pd.DataFrame.from_dict(rows, orient="index")
        out.index.name = "identity"
        out["level"] = level
        return out

    @cached_property
    def points(self) -> pd.DataFrame:
        """Posterior mean position of each identity under each prompt variant."""
        location = self._thin(self._flat("location"), MAX_POINT_DRAWS)  # (S, I, J)
        shift = np.zeros(
            (
                *location.shape[:1],
                len(self.identities),
                len(self.data.variants),
                *location.shape[2:],
            )
        )
        if self.structure["variant_effects"]:
            shift = shift + self._thin(self._flat("variant_effect"), MAX_POINT_DRAWS)[:, None]
        if self.structure["interaction"]:
            z = self._thin(self._interaction_draws(), MAX_POINT_DRAWS)
            shift[:, self.data.cell_identity, self.data.cell_variant, self.data.cell_item] += z
        eta = location[:, :, None, :] + shift  # (S, I, V, J)
        cuts = [c[:, None, None, :] for c in self._cuts(MAX_POINT_DRAWS)]
        xy = self.preset.project_array(expected_answers(eta, cuts, self.data.codes, self.link))
        mean = xy.mean(0)
        idx = pd.MultiIndex.from_product(
            [self.identities, list(self.data.variants)], names=["identity", "variant"]
        )
        observed = pd.MultiIndex.from_arrays(
            [
                np.asarray(self.identities)[self.data.cell_identity],
                np.asarray(self.data.variants)[self.data.cell_variant],
            ]
        ).unique()
        out = pd.DataFrame(mean.reshape(-1, 2), index=idx, columns=["x", "y"])
        return out.loc[out.index.isin(observed)].reset_index()

    def _interaction_draws(self) -> np.ndarray:
        """(draws, cells) identity × variant effects, whichever way they were parametrised."""
        if infdata.has_variable(self.idata, "interaction"):
            return self._flat("interaction")
        scale = self._flat("interaction_scale")[:, self.data.cell_item]
        return self._flat("interaction_z") * scale

    def _cuts(self, limit: int = MAX_DERIVED_DRAWS) -> list[np.ndarray]:
        gaps = self._thin(self._flat("cut_gap"), limit)
        return cutpoints_numpy(gaps, self.data.n_categories)

    # ----- tables ----------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """Centroids with intervals, counts and identity attributes, one row per identity."""
        return self.centroids.join(self.attributes).reset_index(names="identity")

    def refusal_rate(self, by_item: bool = False) -> pd.Series | pd.DataFrame:
        """Share of refusals per identity (or an identity × item table with ``by_item``)."""
        status = self.data.status
        if by_item:
            return status.pivot(index="identity", columns="item", values="refusal_rate")
        g = status.groupby("identity", sort=False)[["n_refusal", "n_rows"]].sum()
        return (g["n_refusal"] / g["n_rows"]).rename("refusal_rate")

    def summary(self, level: float = 0.9) -> pd.DataFrame:
        """A table a paper can print: position with ``level`` interval, n, refusals, nearest."""
        c = self.centroids
        t = _tag(level)
        if f"x_lo{t}" not in c:
            raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
        table = c[["x", f"x_lo{t}", f"x_hi{t}", "y", f"y_lo{t}", f"y_hi{t}"]].copy()
        table["n_answers"] = c["n_answers"]
        table["refusal_rate"] = c["refusal_rate"]
        nearest = self.nearest(1).set_index("identity")
        table["nearest_country"] = nearest["country"]
        table["p_nearest"] = nearest["p_nearest"]
        table["converged"] = self.diagnostics.ok
        return table.round(3)

    @cached_property
    def diagnostics(self) -> Diagnostics:
        """R-hat, bulk/tail ESS, divergences, BFMI (``.problems()`` lists what failed)."""
        return Diagnostics.from_idata(self.idata)

    # ----- distances and metrics -------------------------------------------------------
    def _countries(self, countries: pd.DataFrame | None) -> pd.DataFrame:
        return self.preset.countries if countries is None else countries

    def _distance_draws(self, countries: pd.DataFrame) -> np.ndarray:
        xy = self.position_draws  # (S, I, 2)
        c = countries[["x", "y"]].to_numpy(dtype=float)
        return np.sqrt(((xy[:, :, None, :] - c[None, None]) ** 2).sum(-1))  # (S, I, C)

    def distances(self, countries: pd.DataFrame | None = None, level: float = 0.9) -> pd.DataFrame:
        """Distance of each identity to each country: mean, interval, P(nearest), long table."""
        countries = self._countries(countries)
        d = self._distance_draws(countries)
        s = summarise_draws(d, level)
        nearest = np.argmin(d, axis=2)  # (S, I)
        p_nearest = np.stack(
            [np.bincount(nearest[:, i], minlength=len(countries)) for i in range(d.shape[1])]
        ) / len(d)
        names = countries["country"].to_numpy()
        out = pd.DataFrame(
            {
                "identity": np.repeat(self.identities, len(names)),
                "country": np.tile(names, len(self.identities)),
                "distance": s["mean"].ravel(),
                "lo": s["lo"].ravel(),
                "hi": s["hi"].ravel(),
                "p_nearest": p_nearest.ravel(),
            }
        )
        out["level"] = level
        return out

    def nearest(self, n: int = 5, countries: pd.DataFrame | None = None) -> pd.DataFrame:
        """The ``n`` countries nearest each identity (posterior mean distance) with P(nearest)."""
        d = self.distances(countries)
        d["rank"] = d.groupby("identity")["distance"].rank(method="first").astype(int)
        return d[d["rank"] <= n].sort_values(["identity", "rank"], ignore_index=True)

    def mean_distance(
        self, countries: pd.DataFrame | None = None, level: float = 0.9
    ) -> pd.DataFrame:
        """Tao et al.'s mean distance to the reference countries, with its interval."""
        d = self._distance_draws(self._countries(countries)).mean(-1)
        s = summarise_draws(d, level)
        return pd.DataFrame(
            {k: v for k, v in s.items()}, index=pd.Index(self.identities, name="identity")
        ).rename(columns={"mean": "mean_distance"})

    def cultural_prompting(
        self, model: str = "model", country: str = "country", level: float = 0.9
    ) -> dict[str, pd.DataFrame]:
        """Tao et al.'s cultural-prompting metrics per model, each with a credible interval.

        The metrics of :func:`llmvalues.iw.metrics.cultural_prompting` are computed on every
        (thinned) posterior draw of the positions; ``p_better`` is the posterior probability
        that prompting brings the model closer on average.
        """
        pairs = cultural_prompting_pairs(self.attributes, model, country)
        draws = self._thin(self.position_draws)
        countries = self.preset.countries
        out = {}
        keys = ("mean_distance_baseline", "mean_distance_prompted", "share_improved")
        for name, (base, prompted) in pairs.items():
            values = []
            for xy in draws:
                points = pd.DataFrame(xy, index=self.identities, columns=["x", "y"])
                r = metrics.cultural_prompting(points, countries, prompted, base)
                values.append([getattr(r, k) for k in keys])
            arr = np.asarray(values)
            at_mean = metrics.cultural_prompting(self.centroids, countries, prompted, base)
            s = summarise_draws(arr, level)
            table = pd.DataFrame(
                {
                    "at_posterior_mean": [getattr(at_mean, k) for k in keys],
                    "mean": s["mean"],
                    "lo": s["lo"],
                    "hi": s["hi"],
                },
                index=pd.Index(keys, name="metric"),
            )
            table.attrs["p_better"] = float((arr[:, 1] < arr[:, 0]).mean())
            table.attrs["wilcoxon_pvalue_at_mean"] = at_mean.wilcoxon_pvalue
            out[name] = table
        return out

    # ----- contrasts -------------------------------------------------------------------
    def resolve(self, who: str | Mapping[str, Any]) -> str:
        """An identity by name, or by attribute values that match exactly one identity."""
        if isinstance(who, str):
            if who not in self.identities:
                raise KeyError(f"unknown identity {who!r}; identities: {self.identities[:10]}")
            return who
        attrs = self.attributes
        missing = [k for k in who if k not in attrs.columns]
        if missing:
            raise KeyError(f"identity attribute(s) {missing} unknown; have {list(attrs.columns)}")
        mask = np.ones(len(attrs), dtype=bool)
        for key, value in who.items():
            mask &= (attrs[key].astype(str) == str(value)).to_numpy()
        found = attrs.index[mask].tolist()
        if len(found) != 1:
            raise KeyError(f"{dict(who)} matches {len(found)} identities ({found[:5]}), need one")
        return found[0]

    def contrast(
        self,
        a: str | Mapping[str, Any],
        b: str | Mapping[str, Any],
        level: float = 0.9,
        rope: float = 0.1,
    ) -> pd.DataFrame:
        """Shift from ``a`` to ``b`` (b − a) on x, y and as a distance, with intervals.

        ``p_positive`` = P(b − a > 0); ``p_shift`` = P(|b − a| > rope) (distance > rope in 2-D),
        the posterior probability of a shift larger than ``rope`` map units.
        """
        if len(self.identities) < 2:
            raise ValueError("a contrast needs at least two identities in the fit")
        ia, ib = (self.identities.index(self.resolve(w)) for w in (a, b))
        if ia == ib:
            raise ValueError("a contrast needs two different identities")
        diff = self.position_draws[:, ib] - self.position_draws[:, ia]
        dist = np.hypot(diff[:, 0], diff[:, 1])
        rows = {}
        for name, v in (("x", diff[:, 0]), ("y", diff[:, 1]), ("distance", dist)):
            lo, hi = interval(v, level)
            rows[name] = {
                "difference": float(v.mean()),
                "lo": float(lo),
                "hi": float(hi),
                "p_positive": float((v > 0).mean()),
                "p_shift": float((np.abs(v) > rope).mean()),
            }
        out = pd.DataFrame.from_dict(rows, orient="index")
        out.index.name = "axis"
        out.attrs.update({"from": self.identities[ia], "to": self.identities[ib], "rope": rope})
        return out

    # ----- prompt variants -------------------------------------------------------------
    def _variance_components(self) -> np.ndarray:
        if not self.structure["variant_effects"]:
            raise ValueError(
                "prompt sensitivity needs at least two prompt variants in the responses"
            )
        v = self._flat("variant_scale") ** 2
        if self.structure["interaction"]:
            v = v + self._flat("interaction_scale") ** 2
        return v  # (S, J)

    def prompt_sensitivity(self, level: float = 0.9) -> pd.DataFrame:
        """Share of latent answer variance due to prompt variants, per item and overall.

        share = (variant + identity × variant variance) / (that + replicate variance), the
        replicate variance being the latent error (π²/3 for logit, 1 for probit).
        """
        v = self._variance_components()
        res = residual_variance(self.link)
        share = v / (v + res)
        overall = v.sum(1) / (v.sum(1) + res * v.shape[1])
        arr = np.column_stack([share, overall])
        s = summarise_draws(arr, level)
        out = pd.DataFrame(
            {"share": s["mean"], "sd": s["sd"], "lo": s["lo"], "hi": s["hi"]},
            index=pd.Index([*self.data.items, "overall"], name="item"),
        )
        out["level"] = level
        return out

    def variant_effects(self, level: float = 0.9) -> pd.DataFrame:
        """Latent effect of each prompt variant on each item (shared by identities)."""
        if not self.structure["variant_effects"]:
            raise ValueError("variant effects need at least two prompt variants")
        e = self._flat("variant_effect")  # (S, V, J)
        s = summarise_draws(e, level)
        idx = pd.MultiIndex.from_product(
            [list(self.data.variants), list(self.data.items)], names=["variant", "item"]
        )
        out = pd.DataFrame({k: v.ravel() for k, v in s.items()}, index=idx).reset_index()
        out["level"] = level
        return out

    # ----- posterior predictive checks -------------------------------------------------
    def ppc(
        self, level: float = 0.9, n_draws: int = 200, seed: int = 0, pooled: bool = False
    ) -> pd.DataFrame:
        """Observed vs posterior predictive share of each answer category, identity × item.

        Replicated data keep every cell's number of answers; ``pooled`` sums identities
        (one row per item × category, identity "all").
        """
        rng = np.random.default_rng(seed)
        data = self.data
        total = self._flat("location").shape[0]
        pick = rng.choice(total, size=min(n_draws, total), replace=False)
        location = self._flat("location")[pick]
        gaps = self._flat("cut_gap")[pick]
        cuts = cutpoints_numpy(gaps, data.n_categories)
        eta = location[:, data.cell_identity, data.cell_item]  # (S, cells)
        if self.structure["variant_effects"]:
            eta = eta + self._flat("variant_effect")[pick][:, data.cell_variant, data.cell_item]
        if self.structure["interaction"]:
            eta = eta + self._interaction_draws()[pick]
        observed = data.dense_counts()
        n_cell = observed.sum(1)
        rows = []
        for j, item in enumerate(data.items):
            cells = np.flatnonzero(data.cell_item == j)
            if not len(cells):
                continue
            k = len(data.codes[j])
            p = category_probs(eta[:, cells], cuts[j][:, None, :], self.link)
            p = p / p.sum(-1, keepdims=True)
            sim = rng.multinomial(np.round(n_cell[cells]).astype(int), p)  # (S, cells, K)
            ident = np.zeros(len(cells), dtype=int) if pooled else data.cell_identity[cells]
            for i in np.unique(ident):
                sel = ident == i
                obs = observed[cells[sel], :k].sum(0)
                rep = sim[:, sel].sum(1).astype(float)
                n_rep = rep.sum(1, keepdims=True)
                rep_share = np.divide(rep, n_rep, out=np.zeros_like(rep), where=n_rep > 0)
                lo, hi = interval(rep_share, level)
                for c in range(k):
                    rows.append(
                        {
                            "identity": "all" if pooled else self.identities[i],
                            "item": item,
                            "code": data.codes[j][c],
                            "observed": obs[c] / obs.sum(),
                            "predicted": float(rep_share[:, c].mean()),
                            "lo": float(lo[c]),
                            "hi": float(hi[c]),
                        }
                    )
        out = pd.DataFrame(rows)
        out["inside"] = (out["observed"] >= out["lo"] - 1e-12) & (
            out["observed"] <= out["hi"] + 1e-12
        )
        out["level"] = level
        return out

    # ----- plots -----------------------------------------------------------------------
    def plot(self, kind: str = "map", **kwargs):
        """Figures: "map" (ellipses on the IW map), "forest", "variants", "ppc", "trajectory"."""
        from llmvalues.plots import uncertainty

        kinds = {
            "map": uncertainty.plot_map_uncertainty,
            "forest": uncertainty.plot_forest,
            "variants": uncertainty.plot_variant_effects,
            "ppc": uncertainty.plot_ppc,
            "trajectory": uncertainty.plot_trajectory,
        }
        if kind not in kinds:
            raise ValueError(f"unknown plot kind {kind!r}; choose one of {list(kinds)}")
        return kinds[kind](self, **kwargs)

    def __repr__(self) -> str:
        return (
            f"HierarchicalMapFit({len(self.identities)} identities, "
            f"{len(self.data.variants)} variants, {self.data.n_answers:g} answers in "
            f"{self.data.n_cells} cells, preset {self.preset.name!r}, link {self.link!r})"
        )
