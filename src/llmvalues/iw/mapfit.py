"""The contract every map fit keeps, written once: positions, intervals, distances, metrics.

A map fit holds point positions of its identities and draws of them — posterior draws
(hierarchical fit) or bootstrap resamples (classic fit) — and everything derived here
comes from those two in the same way: the interval columns, distances to the reference
countries with intervals and the probability that a country is the nearest, Tao et al.'s
mean distance and cultural-prompting metrics, contrasts between identities, ellipses and
the printed summary. What differs between the methods is how a point estimate of a
derived quantity is made (:meth:`MapFit._estimate`) and what the draws mean (the notes).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from llmvalues.iw import contrast as contrasts
from llmvalues.iw.estimands import describe
from llmvalues.iw.influence import ItemInfluence, item_influence
from llmvalues.iw.intervals import (
    LEVELS,
    check_level,
    credible_ellipse,
    interval,
    level_tag,
    summarise_draws,
)
from llmvalues.iw.items import ITEMS
from llmvalues.iw.languages import LanguageEffects, language_effects, language_notes
from llmvalues.iw.metrics import distance_draws
from llmvalues.iw.official import IVSBootstrap
from llmvalues.iw.presets import PRESETS, Preset
from llmvalues.iw.prompting import CulturalPrompting, cultural_prompting_pairs, evaluate
from llmvalues.iw.refusals import RefusalBounds, shift_label, spans
from llmvalues.iw.sensitivity import PresetBand, preset_band
from llmvalues.summary import Summary

AXES_XY = ("x", "y")
COUNT_COLUMNS = ("n_answers", "n_sets", "n_incomplete", "refusal_rate", "missing_rate")
CENTROID_COLUMNS = (
    "x",
    "y",
    "sd_x",
    "sd_y",
    *(f"{a}_{b}{level_tag(v)}" for a in AXES_XY for v in LEVELS for b in ("lo", "hi")),
    *COUNT_COLUMNS,
)
"""The columns of ``centroids``, in order, for every method."""

SHARED_MEMBERS = (
    "preset",
    "method",
    "estimand",
    "identities",
    "attributes",
    "status",
    "centroids",
    "points",
    "position_draws",
    "intervals",
    "ellipses",
    "distances",
    "nearest",
    "mean_distance",
    "cultural_prompting",
    "contrast",
    "language_effects",
    "resolve",
    "refusal_rate",
    "refusal_bounds",
    "item_influence",
    "preset_band",
    "to_frame",
    "summary",
    "plot",
)
"""Members every map fit has (the contract test checks them on both methods)."""


class MapFit(ABC):
    """Map positions of identities under one preset, with draws behind them.

    Subclasses (:class:`llmvalues.iw.classic.ClassicMapFit`,
    :class:`llmvalues.iw.bayes.results.HierarchicalMapFit`) provide ``preset``,
    ``attributes`` (one row per identity), ``status`` (identity × item answer counts from
    :func:`llmvalues.iw.identities.answer_status`), ``sets`` (identity × variant:
    ``n_sets`` used by the estimate, ``n_incomplete``), ``estimand``, ``identities``,
    ``position_draws`` and the hooks below; every public member is defined here.
    """

    method: ClassVar[str]
    preset: Preset
    estimand: str

    # ----- hooks -------------------------------------------------------------------------
    @property
    @abstractmethod
    def identities(self) -> list[str]:
        """The identities, in the order of every table."""

    @property
    @abstractmethod
    def position_draws(self) -> np.ndarray:
        """(draws, identities, 2) draws of the positions behind every interval."""

    @abstractmethod
    def _point_positions(self) -> np.ndarray:
        """(identities, 2) point estimates of the positions."""

    @abstractmethod
    def _estimate(self, draws: np.ndarray, at_point: np.ndarray) -> np.ndarray:
        """Point estimate of a derived quantity from its draws (axis 0) and its value at the
        point positions."""

    @abstractmethod
    def _variant_positions(self) -> pd.DataFrame:
        """Index (identity, variant): the position under each prompt variant asked (x, y)."""

    @abstractmethod
    def _expected_answers(self) -> np.ndarray:
        """(identities, 10) point estimates of the expected raw answers behind the positions
        (``ITEMS`` order; the position is their projection)."""

    @abstractmethod
    def _expected_answer_draws(self) -> np.ndarray:
        """(draws, identities, 10) draws of those expected answers (the same draws as
        ``position_draws``)."""

    @abstractmethod
    def _unanswered_share(self) -> np.ndarray:
        """(identities, 10) share of the replies asked that are not answers, weighted as the
        ``"asked"`` position weighs the replies (:mod:`llmvalues.iw.refusals`)."""

    @abstractmethod
    def _refusal_draws(
        self, points: float | Mapping[str, float] | None, delta: float | Mapping[str, float] | None
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], list[str]]:
        """Draws and point values of the refusal quantities (:mod:`llmvalues.iw.refusals`)
        and notes on the draws."""

    @abstractmethod
    def _notes(self, level: float) -> list[str]:
        """Method-specific sentences: what the estimate and the intervals at ``level`` mean."""

    def _caveats(self) -> list[str]:
        """Warnings a reader of the summary needs (empty when none)."""
        return []

    def _info(self) -> dict[str, Any]:
        """Method-specific facts for the summary header."""
        return {}

    @abstractmethod
    def _plot_kinds(self, plots) -> dict[str, Any]:
        """``{kind: function(fit, **kwargs)}`` from the plots package."""

    # ----- positions ---------------------------------------------------------------------
    @cached_property
    def centroids(self) -> pd.DataFrame:
        """Per identity: position, SD, 50/90/95% intervals, counts and rates.

        Columns (every method): x, y (point estimate), sd_x, sd_y (SD of the draws),
        x_lo50 … y_hi95 (equal-tailed intervals of the draws), n_answers (usable answers),
        n_sets (response sets the estimate uses), n_incomplete (sets with an item not
        answered), refusal_rate, missing_rate (share of rows refused / not ``ok``).
        """
        xy = self._point_positions()
        draws = self.position_draws
        out = pd.DataFrame(index=pd.Index(self.identities, name="identity"))
        out["x"], out["y"] = xy[:, 0], xy[:, 1]
        sd = draws.std(0, ddof=1)
        out["sd_x"], out["sd_y"] = sd[:, 0], sd[:, 1]
        bounds = {level: interval(draws, level) for level in LEVELS}
        for a, axis in enumerate(AXES_XY):
            for level, (lo, hi) in bounds.items():
                out[f"{axis}_lo{level_tag(level)}"] = lo[:, a]
                out[f"{axis}_hi{level_tag(level)}"] = hi[:, a]
        status = self.status.groupby("identity", sort=False)[["n_rows", "n_ok", "n_refusal"]].sum()
        sets = self.sets.groupby("identity", sort=False)[["n_sets", "n_incomplete"]].sum()
        out["n_answers"] = status["n_ok"].reindex(out.index).astype(int)
        out["n_sets"] = sets["n_sets"].reindex(out.index).astype(int)
        out["n_incomplete"] = sets["n_incomplete"].reindex(out.index).astype(int)
        out["refusal_rate"] = (status["n_refusal"] / status["n_rows"]).reindex(out.index)
        out["missing_rate"] = (1 - status["n_ok"] / status["n_rows"]).reindex(out.index)
        return out[list(CENTROID_COLUMNS)]

    @cached_property
    def points(self) -> pd.DataFrame:
        """The position of each identity under each prompt variant it was asked.

        Columns identity, variant, x, y, n_sets (response sets behind the point).
        """
        xy = self._variant_positions()
        sets = self.sets[self.sets["n_sets"] > 0].set_index(["identity", "variant"])
        out = xy.join(sets["n_sets"], how="inner").reset_index()
        return out[["identity", "variant", "x", "y", "n_sets"]]

    def intervals(self, level: float = 0.9) -> pd.DataFrame:
        """Long table of the positions: identity, axis, estimate, sd, lo, hi, level.

        Parameters
        ----------
        level
            Interval probability (any, not only those tabulated in ``centroids``).

        Returns
        -------
        pandas.DataFrame
        """
        s = summarise_draws(self.position_draws, level)
        xy = self._point_positions()
        ids = np.repeat(self.identities, 2)
        return pd.DataFrame(
            {
                "identity": ids,
                "axis": np.tile(AXES_XY, len(self.identities)),
                "estimate": xy.ravel(),
                "sd": s["sd"].ravel(),
                "lo": s["lo"].ravel(),
                "hi": s["hi"].ravel(),
                "level": level,
            }
        )

    def ellipses(self, level: float = 0.9) -> pd.DataFrame:
        """2-D region holding ``level`` of each identity's position draws.

        Parameters
        ----------
        level
            Share of draws inside.

        Returns
        -------
        pandas.DataFrame
            Index identity; columns x, y (centre of the draws), width, height, angle
            (degrees), level. NaN for an identity without draws.
        """
        rows = {
            name: credible_ellipse(self.position_draws[:, i], level)
            for i, name in enumerate(self.identities)
        }
        out = pd.DataFrame.from_dict(rows, orient="index")
        out.index.name = "identity"
        out["level"] = level
        return out

    # ----- distances and metrics ---------------------------------------------------------
    def _countries(self, countries: pd.DataFrame | None) -> pd.DataFrame:
        return self.preset.countries if countries is None else countries

    def _p_nearest(self, d: np.ndarray) -> np.ndarray:
        """(identities, countries) share of draws in which each country is the nearest."""
        n_draws, n_ids, n_countries = d.shape
        if n_draws == 0:
            return np.full((n_ids, n_countries), np.nan)
        nearest = np.nanargmin(np.where(np.isfinite(d), d, np.inf), axis=2)  # (S, I)
        share = (nearest[..., None] == np.arange(n_countries)).mean(0)
        share[~np.isfinite(d).all(axis=(0, 2))] = np.nan
        return share

    def distances(self, level: float = 0.9, countries: pd.DataFrame | None = None) -> pd.DataFrame:
        """Distance of each identity to each reference country, with its interval.

        Parameters
        ----------
        level
            Interval probability.
        countries
            Reference points (country, x, y); the preset's by default.

        Returns
        -------
        pandas.DataFrame
            One row per identity × country: identity, country, distance (the method's
            estimate), lo, hi, p_nearest (share of draws in which the country is the
            nearest), level.
        """
        check_level(level)
        countries = self._countries(countries)
        d = distance_draws(self.position_draws, countries)  # (S, I, C)
        at = distance_draws(self._point_positions(), countries)  # (I, C)
        lo, hi = interval(d, level)
        names = countries["country"].to_numpy()
        return pd.DataFrame(
            {
                "identity": np.repeat(self.identities, len(names)),
                "country": np.tile(names, len(self.identities)),
                "distance": self._estimate(d, at).ravel(),
                "lo": lo.ravel(),
                "hi": hi.ravel(),
                "p_nearest": self._p_nearest(d).ravel(),
                "level": level,
            }
        )

    def nearest(
        self, n: int = 5, level: float = 0.9, countries: pd.DataFrame | None = None
    ) -> pd.DataFrame:
        """The ``n`` countries nearest each identity (by the estimated distance).

        Parameters
        ----------
        n
            Countries per identity.
        level
            Interval probability of the distance intervals.
        countries
            Reference points; the preset's by default.

        Returns
        -------
        pandas.DataFrame
            identity, rank, then the columns of :meth:`distances`.
        """
        d = self.distances(level, countries)
        d.insert(1, "rank", d.groupby("identity")["distance"].rank(method="first").astype(int))
        near = d[d["rank"] <= n].copy()
        near["identity"] = pd.Categorical(near["identity"], self.identities, ordered=True)
        near = near.sort_values(["identity", "rank"], ignore_index=True)
        near["identity"] = near["identity"].astype(str)
        return near

    def mean_distance(
        self, level: float = 0.9, countries: pd.DataFrame | None = None
    ) -> pd.DataFrame:
        """Tao et al.'s mean distance to the reference countries, with its interval.

        Parameters
        ----------
        level
            Interval probability.
        countries
            Reference points; the preset's by default.

        Returns
        -------
        pandas.DataFrame
            identity, mean_distance, lo, hi, level.
        """
        check_level(level)
        countries = self._countries(countries)
        d = distance_draws(self.position_draws, countries).mean(-1)  # (S, I)
        at = distance_draws(self._point_positions(), countries).mean(-1)
        lo, hi = interval(d, level)
        return pd.DataFrame(
            {
                "identity": self.identities,
                "mean_distance": self._estimate(d, at),
                "lo": lo,
                "hi": hi,
                "level": level,
            }
        )

    def cultural_prompting(
        self, model: str = "model", country: str = "country", level: float = 0.9
    ) -> CulturalPrompting:
        """Tao et al.'s cultural-prompting metrics per model, with intervals from the draws.

        Parameters
        ----------
        model, country
            Identity attributes naming each identity's model and the country it was
            prompted as (empty for the model's unprompted baseline).
        level
            Interval probability.

        Returns
        -------
        llmvalues.iw.prompting.CulturalPrompting
        """
        pairs = cultural_prompting_pairs(self.attributes, model, country)
        notes = [
            *self._notes(level),
            "p_better and p_improved: share of draws in which prompting brings the model "
            "closer (on average / to that country).",
            "The Wilcoxon signed-rank test treats the per-country estimates as data; it "
            "ignores their uncertainty.",
        ]
        return evaluate(
            self._point_positions(),
            self.position_draws,
            self.identities,
            self.preset.countries,
            pairs,
            estimate=self._estimate,
            level=level,
            method=self.method,
            estimand=self.estimand,
            notes=notes,
        )

    # ----- contrasts ---------------------------------------------------------------------
    def resolve(self, who: str | Mapping[str, Any]) -> str:
        """An identity by name, or by attribute values that match exactly one identity.

        Parameters
        ----------
        who
            A name, or ``{attribute: value}``.

        Returns
        -------
        str
        """
        return contrasts.resolve(who, self.identities, self.attributes)

    def contrast(
        self,
        a: str | Mapping[str, Any],
        b: str | Mapping[str, Any],
        level: float = 0.9,
        rope: float = 0.1,
    ) -> pd.DataFrame:
        """Shift from ``a`` to ``b`` (b − a) on x, y and as a distance, with intervals.

        Parameters
        ----------
        a, b
            Identities by name or by attributes, e.g. ``{"model": "m", "collected_at":
            "2024-05"}``.
        level
            Interval probability.
        rope
            Map units: ``p_shift`` is the share of draws with |b − a| > rope.

        Returns
        -------
        pandas.DataFrame
            Index axis (x, y, distance): difference, lo, hi, p_positive (share of draws
            with b − a > 0), p_shift, level; attrs ``from``, ``to``, ``rope``.
        """
        check_level(level)
        if len(self.identities) < 2:
            raise ValueError("a contrast needs at least two identities in the fit")
        ia, ib = (self.identities.index(self.resolve(w)) for w in (a, b))
        if ia == ib:
            raise ValueError("a contrast needs two different identities")
        xy, draws = self._point_positions(), self.position_draws
        out = contrasts.contrast_table(
            draws[:, ia], draws[:, ib], xy[ia], xy[ib], self._estimate, level, rope
        )
        out.attrs.update({"from": self.identities[ia], "to": self.identities[ib], "rope": rope})
        return out

    def language_effects(
        self, a: str | Mapping[str, Any], b: str | Mapping[str, Any], level: float = 0.9
    ) -> LanguageEffects:
        """Per item, the difference in expected answer from ``a`` to ``b`` (b − a), with
        its interval: what changes when one model is asked in another language.

        Parameters
        ----------
        a, b
            Identities by name or by attributes, e.g. ``{"model": m, "language": "en"}``
            and ``{"model": m, "language": "zh"}``.
        level
            Interval probability.

        Returns
        -------
        llmvalues.iw.languages.LanguageEffects
            ``to_frame()``: item, scale, expected_a, expected_b, difference, lo, hi,
            p_positive, share_of_scale, level.
        """
        return language_effects(self, a, b, level)

    # ----- refusals ----------------------------------------------------------------------
    def refusal_bounds(
        self,
        level: float = 0.9,
        points: float | Mapping[str, float] | None = None,
        delta: float | Mapping[str, float] | None = None,
    ) -> RefusalBounds:
        """How far refusals that are not missing at random could move each position.

        Worst-case (Manski) bounds — every unanswered reply at the end of its item's scale
        that moves the coordinate furthest — with the uncertainty around them, and
        optionally a delta-adjusted position (see :mod:`llmvalues.iw.refusals`). Positions
        are of the ``"asked"`` estimand (the replies asked are a finite population), so no
        refit is needed.

        Parameters
        ----------
        level
            Interval probability (the band runs from the ``(1 − level)/2`` quantile of the
            lower bound to the ``(1 + level)/2`` quantile of the upper bound).
        points
            Delta hypothesis in raw answer points: unanswered replies answered like the
            answered ones of their identity × variant plus ``points`` (one number, or
            ``{item: points}``; clipped to the scale). Both methods.
        delta
            Delta hypothesis on the latent scale: the unanswered replies' latent location
            shifted by ``delta`` (one number or ``{item: delta}``). Hierarchical fits only.

        Returns
        -------
        llmvalues.iw.refusals.RefusalBounds
        """
        check_level(level)
        if points is not None and delta is not None:
            raise ValueError(
                "give the shift of the unanswered replies as points= or delta=, not both"
            )
        draws, at_point, notes = self._refusal_draws(points, delta)
        unanswered = self._unanswered_share()
        shift = ""
        if points is not None:
            shift = (
                "unanswered replies answered like the answered replies of their identity × "
                f"variant plus {shift_label(points)} raw answer points (clipped to the scale)"
            )
        elif delta is not None:
            shift = (
                "unanswered replies answered from the latent location of their identity × "
                f"variant × item shifted by {shift_label(delta)} (latent units)"
            )
        return RefusalBounds(
            identities=self.identities,
            draws=draws,
            estimates={k: self._estimate(v, at_point[k]) for k, v in draws.items()},
            unanswered=pd.DataFrame(
                unanswered, index=pd.Index(self.identities, name="identity"), columns=list(ITEMS)
            ),
            spans=spans(unanswered, self.preset),
            preset=self.preset,
            level=level,
            method=self.method,
            shift=shift,
            notes=notes,
        )

    # ----- what drives a placement, and how much the map's choice moves it ---------------
    def item_influence(self, level: float = 0.9) -> ItemInfluence:
        """The position of each identity without each item in turn (what drives it).

        Without item j: its expected answer replaced by the mean answer of the sample the
        preset's projection was computed on (a z-score of 0), the other items as they
        are, the same map (:mod:`llmvalues.iw.influence`).

        Parameters
        ----------
        level
            Interval probability of each shift.

        Returns
        -------
        llmvalues.iw.influence.ItemInfluence
            ``.matrix()`` is the identity × item table of shifts; ``.largest`` the item
            that moves each identity most.
        """
        return item_influence(
            self.identities,
            self._expected_answers(),
            self._expected_answer_draws(),
            self.preset,
            self._estimate,
            level,
            self.method,
        )

    def preset_band(
        self,
        presets: Sequence[str | Preset] | None = None,
        bootstrap: IVSBootstrap | None = None,
        level: float = 0.9,
        common_constants: bool = True,
    ) -> PresetBand:
        """The same expected answers placed under every consistent preset (the map's spread).

        Parameters
        ----------
        presets
            Maps compared; default: this fit's preset, then every other built-in one.
        bootstrap
            Replicates of the user's own map (:func:`llmvalues.iw.official.bootstrap_ivs`).
        level
            Probability of the credible interval reported beside the band (from the draws
            of the expected answers, under the first preset).
        common_constants
            Express every map in the official constants first (Tao et al.'s offset slip is
            then no spread).

        Returns
        -------
        llmvalues.iw.sensitivity.PresetBand
        """
        check_level(level)
        if presets is None:
            presets = [self.preset, *(p for p in PRESETS if p != self.preset.name)]
        expected = pd.DataFrame(
            self._expected_answers(),
            index=pd.Index(self.identities, name="identity"),
            columns=list(ITEMS),
        )
        draws = self._expected_answer_draws()
        return preset_band(
            expected,
            presets,
            bootstrap,
            draws if np.isfinite(draws).all() else None,
            level,
            common_constants,
        )

    def _sensitivity_table(self) -> tuple[pd.DataFrame, list[str]]:
        """Per identity: the map's spread and the width of the worst-case refusal bounds."""
        out = pd.DataFrame(index=pd.Index(self.identities, name="identity"))
        notes = []
        try:
            band = self.preset_band(presets=None).band.xs("presets", level="component")
        except ValueError:  # a preset without recorded constants: no common map
            band = None
        if band is not None:
            out["map_spread"] = band["max_distance"].reindex(out.index)
            worst = out["map_spread"].idxmax()
            names = ", ".join(dict.fromkeys([self.preset.name, *PRESETS]))
            notes.append(
                f"The choice of map moves these positions by up to {out.loc[worst, 'map_spread']:.2f} "
                f"map units ({worst}; map_spread: largest distance between the placements of the "
                f"same expected answers under {names}, official constants) — a spread the "
                "interval does not include (fit.preset_band())."
            )
        width = np.abs(spans(self._unanswered_share(), self.preset)).sum(1)  # (I, 2)
        out["refusal_width_x"], out["refusal_width_y"] = width[:, 0], width[:, 1]
        if (width > 0).any():
            notes.append(
                "refusal_width_x, refusal_width_y: width of the worst-case bounds if the "
                "unanswered replies are not missing at random (fit.refusal_bounds())."
            )
        return out, notes

    # ----- tables ------------------------------------------------------------------------
    def refusal_rate(self, by_item: bool = False) -> pd.Series | pd.DataFrame:
        """Share of rows refused per identity, or an identity × item table.

        Parameters
        ----------
        by_item
            One column per item instead of one value per identity.

        Returns
        -------
        pandas.Series or pandas.DataFrame
        """
        status = self.status
        if by_item:
            table = status.pivot(index="identity", columns="item", values="refusal_rate")
            return table.reindex(index=self.identities, columns=list(dict.fromkeys(status["item"])))
        g = status.groupby("identity", sort=False)[["n_refusal", "n_rows"]].sum()
        return (g["n_refusal"] / g["n_rows"]).reindex(self.identities).rename("refusal_rate")

    def to_frame(self) -> pd.DataFrame:
        """Centroids with the identity attributes, one row per identity.

        Returns
        -------
        pandas.DataFrame
            ``identity`` first, then the columns of :attr:`centroids`, then attributes.
        """
        return self.centroids.join(self.attributes).reset_index(names="identity")

    def summary(self, level: float = 0.9) -> Summary:
        """Positions with their ``level`` interval, counts, refusals and nearest country.

        Parameters
        ----------
        level
            Interval probability.

        Returns
        -------
        llmvalues.summary.Summary
            Main table indexed by identity: x, x_lo, x_hi, y, y_lo, y_hi, n_sets, n_answers,
            refusal_rate, nearest_country, p_nearest; a second table: map_spread (largest
            distance between the placements under the consistent presets,
            :meth:`preset_band`), refusal_width_x/y (width of the worst-case refusal bounds,
            :meth:`refusal_bounds`); notes on the method, the estimand, the interval, the
            map's spread and the preset.
        """
        check_level(level)
        c = self.centroids
        s = summarise_draws(self.position_draws, level)
        table = pd.DataFrame(index=c.index)
        for a, axis in enumerate(AXES_XY):
            table[axis] = c[axis]
            table[f"{axis}_lo"] = s["lo"][:, a]
            table[f"{axis}_hi"] = s["hi"][:, a]
        table["n_sets"] = c["n_sets"]
        table["n_answers"] = c["n_answers"]
        table["refusal_rate"] = c["refusal_rate"]
        nearest = self.nearest(1, level).set_index("identity")
        table["nearest_country"] = nearest["country"]
        table["p_nearest"] = nearest["p_nearest"]
        sensitivity, sensitivity_notes = self._sensitivity_table()
        notes = [
            describe(self.estimand),
            *self._notes(level),
            *sensitivity_notes,
            f"Preset {self.preset.name!r}: {self.preset.citation}",
            *language_notes(self.attributes),
            *self._caveats(),
        ]
        info = {
            "method": self.method,
            "estimand": self.estimand,
            "preset": self.preset.name,
            "level": level,
            "identities": len(self.identities),
            "answers": int(c["n_answers"].sum()),
            **self._info(),
        }
        return Summary(
            f"Inglehart–Welzel map positions ({self.method})",
            {"positions": table, "how far the map and refusals could move them": sensitivity},
            notes,
            info,
        )

    def plot(self, kind: str = "map", **kwargs):
        """A figure of this fit (see :mod:`llmvalues.plots`).

        Parameters
        ----------
        kind
            ``"map"`` (positions with their regions), ``"forest"``, ``"trajectory"`` and
            ``"bounds"`` (refusal bounds over the credible regions,
            :func:`llmvalues.plots.bounds.plot_fit_bounds`) for every method; the
            hierarchical fit adds ``"variants"`` and ``"ppc"``.
        **kwargs
            Passed to the figure function; every one takes ``size`` (``"single"``,
            ``"double"`` or ``(width, height)`` in inches).

        Returns
        -------
        (figure, axes)
        """
        from llmvalues import plots
        from llmvalues.plots.bounds import plot_fit_bounds

        kinds = {**self._plot_kinds(plots), "bounds": plot_fit_bounds}
        if kind not in kinds:
            raise ValueError(f"unknown plot kind {kind!r}; choose one of {list(kinds)}")
        return kinds[kind](self, **kwargs)
