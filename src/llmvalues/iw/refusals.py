"""Refusals that may not be missing at random: worst-case bounds and delta-adjusted positions.

Both map methods treat a refused or invalid reply as missing: a position is what the
identity would answer if its unanswered replies looked like its answered ones (missing at
random, MAR). This module says how far that assumption can move a position. It works on
the ``"asked"`` estimand — the mean over the replies asked, a finite population — so it
needs no refit:

* **worst-case (Manski) bounds**: every unanswered reply set to the end of its item's
  scale that pulls the coordinate down (lower bound) or up (upper bound), chosen per item
  and axis by the sign of the projection coefficient; answered replies stay as they are;
* **delta-adjusted (pattern-mixture) position**: unanswered replies answered like the
  answered ones of their cell, shifted — by ``points`` raw answer points (clipped to the
  scale), or, in the hierarchical model, by a shift δ of the latent location.

The unit of the computation is an identity × variant pair: its expected answers to the ten
items (posterior draws, or bootstrap resamples of observed means), the share of its
replies to each item that are answers, and its weight in the identity's mean (1 per pair
in the hierarchical ``"asked"`` estimand, every variant once; the number of response sets
in the classic method, every set once). One computation serves both methods.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from llmvalues.iw.intervals import check_level
from llmvalues.iw.items import ITEMS, VALID_CODES
from llmvalues.iw.presets import Preset
from llmvalues.summary import Summary

AXES = ("x", "y")
LOWEST = np.array([min(VALID_CODES[i]) for i in ITEMS], dtype=float)
HIGHEST = np.array([max(VALID_CODES[i]) for i in ITEMS], dtype=float)
QUANTITIES = ("mar", "lower", "upper", "delta")


def item_values(value: float | Mapping[str, float], name: str) -> np.ndarray:
    """A number, or ``{item: number}`` (items not named get 0), as a vector in ``ITEMS`` order.

    Parameters
    ----------
    value
        One number for every item, or a mapping of item codes (any case) to numbers.
    name
        The argument's name, for the error message.

    Returns
    -------
    numpy.ndarray
        (10,) floats.

    Raises
    ------
    ValueError
        An unknown item or a value that is not a finite number.
    """
    if isinstance(value, Mapping):
        lowered = {str(k).strip().lower(): v for k, v in value.items()}
        unknown = sorted(set(lowered) - set(ITEMS))
        if unknown:
            raise ValueError(f"{name}: unknown item(s) {unknown}; items are {list(ITEMS)}")
        out = np.array([lowered.get(i, 0.0) for i in ITEMS], dtype=float)
    else:
        out = np.full(len(ITEMS), value, dtype=float)
    if not np.isfinite(out).all():
        raise ValueError(f"{name} must be finite numbers, got {value!r}")
    return out


def _interval(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed interval over axis 0 ignoring NaN draws (a bootstrap resample in which an
    identity answered an item nowhere has no MAR value)."""
    tail = (1 - check_level(level)) / 2
    with np.errstate(invalid="ignore"):
        return np.nanquantile(draws, tail, axis=0), np.nanquantile(draws, 1 - tail, axis=0)


def shift_label(value: float | Mapping[str, float]) -> str:
    """A shift as text: ``+1`` or ``f063 +2, f120 -1``."""
    if isinstance(value, Mapping):
        return ", ".join(f"{str(k).lower()} {float(v):+g}" for k, v in value.items())
    return f"{float(value):+g}"


def extreme_codes(preset: Preset) -> dict[str, np.ndarray]:
    """The code of each item that minimises (``"lower"``) or maximises (``"upper"``) each axis.

    Parameters
    ----------
    preset
        The projection (the sign of each coefficient decides the end of the scale).

    Returns
    -------
    dict
        ``"lower"`` and ``"upper"``: (2 axes, 10 items) raw codes.
    """
    coef = preset.coef.loc[list(ITEMS), list(AXES)].to_numpy().T  # (2, J)
    return {
        "lower": np.where(coef >= 0, LOWEST, HIGHEST),
        "upper": np.where(coef >= 0, HIGHEST, LOWEST),
    }


def shift_points(expected: np.ndarray, points: float | Mapping[str, float]) -> np.ndarray:
    """Expected answers moved by ``points`` raw answer points, clipped to each item's scale.

    Parameters
    ----------
    expected
        (…, 10) expected raw answers.
    points
        Points to add, one number or ``{item: points}``.

    Returns
    -------
    numpy.ndarray
    """
    return np.clip(expected + item_values(points, "points"), LOWEST, HIGHEST)


def mix(
    expected: np.ndarray,
    unanswered: np.ndarray,
    answered: np.ndarray,
    weight: np.ndarray,
    unit_identity: np.ndarray,
    n_identities: int,
) -> np.ndarray:
    """Each identity's weighted mean over its units of ``a·e + (1 − a)·f``.

    Parameters
    ----------
    expected
        (…, units, 10) expected answers of the answered replies, ``e`` (ignored where
        ``a`` is 0, so it may be NaN there).
    unanswered
        Expected answers of the unanswered replies, ``f``: broadcastable to ``expected``
        (ignored where ``a`` is 1).
    answered
        (…, units, 10) share of each unit's replies to each item that are answers, ``a``.
    weight
        (…, units) weight of each unit in its identity's mean.
    unit_identity
        (units,) identity index of each unit.
    n_identities
        Number of identities.

    Returns
    -------
    numpy.ndarray
        (…, identities, 10); NaN for an identity whose units all have weight 0.
    """
    a = np.asarray(answered, dtype=float)
    with np.errstate(invalid="ignore"):
        value = np.where(a > 0, a * expected, 0.0) + np.where(a < 1, (1 - a) * unanswered, 0.0)
    member = (np.asarray(unit_identity)[None, :] == np.arange(n_identities)[:, None]).astype(float)
    w = np.asarray(weight, dtype=float)
    total = member @ (w[..., None] * value)
    size = w @ member.T
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / size[..., None]


def refusal_positions(
    expected: np.ndarray,
    answered: np.ndarray,
    weight: np.ndarray,
    unit_identity: np.ndarray,
    n_identities: int,
    preset: Preset,
    shifted: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """MAR position, worst-case bounds and (with ``shifted``) the delta-adjusted position.

    Parameters
    ----------
    expected, answered, weight, unit_identity, n_identities
        As for :func:`mix`.
    preset
        The projection.
    shifted
        Expected answers of the unanswered replies under the delta hypothesis (shaped like
        ``expected``), or ``None``.

    Returns
    -------
    dict
        ``"mar"``, ``"lower"``, ``"upper"`` (and ``"delta"``): (…, identities, 2). The lower
        bound of x and that of y come from different answers (each axis its own worst case).
    """
    args = (answered, weight, unit_identity, n_identities)
    out = {"mar": preset.project_array(mix(expected, expected, *args))}
    for side, codes in extreme_codes(preset).items():
        xy = np.empty_like(out["mar"])
        for k in range(2):
            xy[..., k] = preset.project_array(mix(expected, codes[k], *args))[..., k]
        out[side] = xy
    if shifted is not None:
        out["delta"] = preset.project_array(mix(expected, shifted, *args))
    return out


def pair_answered(wide: pd.DataFrame) -> pd.DataFrame:
    """Response sets and answered replies per identity × variant pair.

    Parameters
    ----------
    wide
        One row per response set (index identity, variant, replicate), one column per item
        holding the raw code, NaN where the reply is not an answer (or was not asked):
        :func:`llmvalues.responses.pivot_codes` of a validated table.

    Returns
    -------
    pandas.DataFrame
        Index (identity, variant) in order of first appearance; ``n_sets`` and one column
        per item with the number of sets that answered it.
    """
    answered = wide[list(ITEMS)].notna()
    g = answered.groupby(level=["identity", "variant"], sort=False)
    out = g.sum().astype(int)
    out.insert(0, "n_sets", g.size().astype(int))
    return out


def _sum_by(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Sums of ``values`` (…, n, …) along axis −2 within groups 0 … G − 1 (each non-empty)."""
    order = np.argsort(group, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(group[order]) > 0])
    return np.add.reduceat(np.take(values, order, axis=-2), starts, axis=-2)


def observed_units(
    codes: np.ndarray, set_unit: np.ndarray, unit_identity: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Expected answers, answered shares and weights of pairs from observed response sets.

    A pair's expected answer to an item is the (weighted) mean of its answered replies; a
    pair that answered an item in no set gets its identity's mean over its answered
    replies to the item (what an available-answer mean assumes of it).

    Parameters
    ----------
    codes
        (sets, 10) raw codes, NaN where not answered.
    set_unit
        (sets,) pair index of each set; every pair has a set.
    unit_identity
        (units,) identity index of each pair.
    weights
        (…, sets) weight of each set: 1 for the data, bootstrap counts for a resample.

    Returns
    -------
    (expected, answered, weight)
        (…, units, 10), (…, units, 10), (…, units).
    """
    done = np.isfinite(codes)
    w = np.asarray(weights, dtype=float)[..., None]
    size = _sum_by(w, set_unit)[..., 0]
    n_answered = _sum_by(w * done, set_unit)
    total = _sum_by(w * np.where(done, codes, 0.0), set_unit)
    member = (unit_identity[None, :] == np.arange(unit_identity.max() + 1)[:, None]).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        fallback = (member @ total) / (member @ n_answered)
        expected = np.where(n_answered > 0, total / n_answered, fallback[..., unit_identity, :])
        answered = np.where(size[..., None] > 0, n_answered / size[..., None], 0.0)
    return expected, answered, size


def observed_refusal_draws(
    wide: pd.DataFrame,
    identities: list[str],
    preset: Preset,
    n_bootstrap: int,
    seed: int | None,
    points: float | Mapping[str, float] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Refusal quantities of observed response sets, with bootstrap resamples of the sets.

    Every response set counts once (the classic method's ``"asked"`` estimand); the
    resamples draw each identity's sets (complete or not) with replacement.

    Parameters
    ----------
    wide
        One row per response set (index identity, variant, replicate), item columns of raw
        codes, NaN where not answered.
    identities
        Their order.
    preset
        The projection.
    n_bootstrap
        Resamples.
    seed
        Seed of the resampling.
    points
        Delta hypothesis in raw answer points (or None).

    Returns
    -------
    (draws, at_point)
        Dicts of (n_bootstrap, identities, 2) and (identities, 2) arrays.
    """
    codes, set_unit, unit_identity = _set_layout(wide, identities)
    set_identity = unit_identity[set_unit]
    rng = np.random.default_rng(seed)
    weights = np.zeros((n_bootstrap, len(codes)))
    for i in range(len(identities)):
        rows = np.flatnonzero(set_identity == i)
        weights[:, rows] = rng.multinomial(
            len(rows), np.full(len(rows), 1 / len(rows)), n_bootstrap
        )
    n_ids = len(identities)

    def positions(w: np.ndarray) -> dict[str, np.ndarray]:
        expected, answered, size = observed_units(codes, set_unit, unit_identity, w)
        shifted = None if points is None else shift_points(expected, points)
        return refusal_positions(expected, answered, size, unit_identity, n_ids, preset, shifted)

    return positions(weights), positions(np.ones(len(codes)))


def _set_layout(wide: pd.DataFrame, identities: list[str]) -> tuple[np.ndarray, ...]:
    """Codes (sets, 10), the pair of each set and the identity of each pair."""
    keys = pair_answered(wide).index
    unit_identity = pd.Index(identities).get_indexer(keys.get_level_values("identity"))
    set_unit = keys.get_indexer(wide.index.droplevel("replicate"))
    return wide[list(ITEMS)].to_numpy(dtype=float), set_unit, unit_identity


def unanswered_share(wide: pd.DataFrame, identities: list[str]) -> np.ndarray:
    """(identities, 10) share of each identity's response sets that did not answer each item.

    Parameters
    ----------
    wide
        As for :func:`observed_refusal_draws`.
    identities
        Their order.

    Returns
    -------
    numpy.ndarray
    """
    codes, set_unit, unit_identity = _set_layout(wide, identities)
    _, answered, size = observed_units(codes, set_unit, unit_identity, np.ones(len(codes)))
    return mix(np.zeros_like(answered), 1.0, answered, size, unit_identity, len(identities))


def spans(unanswered: np.ndarray, preset: Preset) -> np.ndarray:
    """(…, identities, 10, 2): each item's unanswered share times its scale's width times its
    coefficients — the move of a position when that item's unanswered replies go from the
    lowest code to the highest.

    Parameters
    ----------
    unanswered
        (…, identities, 10) weighted share of unanswered replies.
    preset
        The projection.

    Returns
    -------
    numpy.ndarray
    """
    coef = preset.coef.loc[list(ITEMS), list(AXES)].to_numpy()
    return (unanswered * (HIGHEST - LOWEST))[..., None] * coef


@dataclass(frozen=True)
class RefusalBounds:
    """How far refusals that are not missing at random could move each position.

    Built by ``fit.refusal_bounds(...)`` of either map method. Positions are of the
    ``"asked"`` estimand (the mean over the replies asked), whatever the fit's estimand.

    Attributes
    ----------
    identities
        The identities, in the order of every array.
    draws
        ``"mar"``, ``"lower"``, ``"upper"`` (and ``"delta"``): (draws, identities, 2)
        posterior draws or bootstrap resamples.
    estimates
        The same quantities' point estimates (identities, 2).
    unanswered
        Identity × item share of the replies asked that are not answers (weighted as the
        position weighs them).
    spans
        (identities, 10, 2): how far the position moves when one item's unanswered replies
        go from the lowest code to the highest (:func:`spans`).
    preset
        The map (the backdrop of :meth:`plot`).
    level
        Interval probability.
    method
        ``"hierarchical"`` or ``"classic"``.
    shift
        What the delta-adjusted position assumes (empty without one).
    notes
        What the draws are.
    """

    identities: list[str]
    draws: dict[str, np.ndarray]
    estimates: dict[str, np.ndarray]
    unanswered: pd.DataFrame
    spans: np.ndarray
    preset: Preset
    level: float
    method: str
    shift: str = ""
    notes: list[str] = field(default_factory=list)

    @cached_property
    def table(self) -> pd.DataFrame:
        """Per identity: the MAR position with its interval, the bounds, the band, delta.

        Columns per axis (x shown): ``x``, ``x_lo``, ``x_hi`` (MAR position and its
        ``level`` interval); ``x_lower``, ``x_upper`` (the worst-case bounds); ``x_band_lo``
        (the ``(1 − level)/2`` quantile of the lower bound), ``x_band_hi`` (the
        ``(1 + level)/2`` quantile of the upper bound); with a shift ``x_delta``,
        ``x_delta_lo``, ``x_delta_hi``; then ``unanswered`` (share of replies asked that
        are not answers).
        """
        out = pd.DataFrame(index=pd.Index(self.identities, name="identity"))
        lower = _interval(self.draws["lower"], self.level)[0]
        upper = _interval(self.draws["upper"], self.level)[1]
        for k, axis in enumerate(AXES):
            lo, hi = _interval(self.draws["mar"][..., k], self.level)
            out[axis], out[f"{axis}_lo"], out[f"{axis}_hi"] = self.estimates["mar"][:, k], lo, hi
            out[f"{axis}_lower"] = self.estimates["lower"][:, k]
            out[f"{axis}_upper"] = self.estimates["upper"][:, k]
            out[f"{axis}_band_lo"], out[f"{axis}_band_hi"] = lower[:, k], upper[:, k]
            if "delta" in self.draws:
                lo, hi = _interval(self.draws["delta"][..., k], self.level)
                out[f"{axis}_delta"] = self.estimates["delta"][:, k]
                out[f"{axis}_delta_lo"], out[f"{axis}_delta_hi"] = lo, hi
        out["unanswered"] = self.unanswered.mean(axis=1).reindex(out.index)
        return out

    def to_frame(self) -> pd.DataFrame:
        """Tidy: identity, axis, quantity (mar, lower, upper[, delta]), estimate, lo, hi, level.

        ``lo``/``hi`` are the ``level`` interval of each quantity's draws.
        """
        rows = []
        for quantity, draws in self.draws.items():
            lo, hi = _interval(draws, self.level)
            for k, axis in enumerate(AXES):
                rows.append(
                    pd.DataFrame(
                        {
                            "identity": self.identities,
                            "axis": axis,
                            "quantity": quantity,
                            "estimate": self.estimates[quantity][:, k],
                            "lo": lo[:, k],
                            "hi": hi[:, k],
                        }
                    )
                )
        out = pd.concat(rows, ignore_index=True)
        out["level"] = self.level
        return out.sort_values(["identity", "axis"], kind="stable", ignore_index=True)

    def regions(self) -> dict[str, np.ndarray]:
        """Every position the worst case allows, per identity: a convex polygon (vertices, 2).

        Per item the identity's mean answer can lie anywhere between its value with every
        unanswered reply at the lowest code and at the highest, independently of the other
        items; the map of that box of answers is a zonotope (a centrally symmetric convex
        polygon) whose bounding box is (``x_lower`` … ``x_upper``) × (``y_lower`` …
        ``y_upper``). Computed at the point estimates of the bounds.

        Returns
        -------
        dict
            identity → (vertices, 2) array, counter-clockwise (one vertex when nothing is
            unanswered).
        """
        return {name: self._polygon(i) for i, name in enumerate(self.identities)}

    def _polygon(self, i: int) -> np.ndarray:
        centre = (self.estimates["lower"][i] + self.estimates["upper"][i]) / 2
        g = self.spans[i][np.hypot(*self.spans[i].T) > 0]
        if not len(g):
            return centre[None, :]
        upward = (g[:, 1] > 0) | ((g[:, 1] == 0) & (g[:, 0] > 0))
        g = np.where(upward[:, None], g, -g)
        g = g[np.argsort(np.arctan2(g[:, 1], g[:, 0]))]
        start = centre - g.sum(0) / 2
        return start + np.concatenate([[[0.0, 0.0]], np.cumsum(np.concatenate([g, -g]), 0)[:-1]])

    def summary(self) -> Summary:
        """The bounds and delta-adjusted positions next to the MAR position, per identity."""
        notes = [
            'Estimand "asked": the mean over the replies asked (a finite population), '
            "whatever the fit's estimand.",
            "x, y: the position if unanswered replies are missing at random (MAR), with its "
            f"{self.level:.0%} interval. x_lower … y_upper: worst-case (Manski) bounds, every "
            "unanswered reply at the end of its item's scale that moves the coordinate "
            "furthest (chosen per axis by the sign of the projection coefficient).",
            f"x_band_lo, x_band_hi: the {(1 - self.level) / 2:.0%} quantile of the lower bound "
            f"and the {(1 + self.level) / 2:.0%} quantile of the upper bound — the bounds with "
            "the uncertainty around them.",
            *self.notes,
        ]
        if self.shift:
            notes.append(f"x_delta, y_delta: {self.shift}.")
        return Summary(
            "Refusals not missing at random: worst-case bounds and delta-adjusted positions",
            {"bounds": self.table},
            notes,
            {"method": self.method, "estimand": "asked", "level": self.level},
        )

    def plot(self, **kwargs):
        """The bounds on the map (:func:`llmvalues.plots.bounds.plot_refusal_bounds`); a
        fit's ``plot("bounds")`` draws them over its credible regions."""
        from llmvalues.plots.bounds import plot_refusal_bounds

        return plot_refusal_bounds(self, **kwargs)
