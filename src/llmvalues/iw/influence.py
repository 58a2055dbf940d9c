"""Item influence: what drives each placement — the position without each item in turn.

A preset's projection is affine in the ten expected answers, and its coefficients come
from z-scores: coefficient_j = scale · weight_j / sd_j, with the item's mean in the
projection's own sample (the IVS respondents) inside the intercept. A z-score of 0 — the
answer of the average IVS respondent — is therefore what the projection takes for "no
information" on an item. **Without item j** means: item j's expected answer replaced by
that mean, every other item as it is, the same projection. The move is then

    position without j − position = −coefficient_j · (expected answer_j − mean_j),

so the ten moves add up to the whole distance of the position from the map's centre (the
projection of the ten means), and the item with the largest move is the one that drives
the placement most. (Re-estimating the map without the item, or leaving the item out of an
identity's answers, would be other questions: the first changes every country's point too,
the second has no meaning for an affine map.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from llmvalues.iw.intervals import check_level, interval
from llmvalues.iw.items import ITEMS
from llmvalues.iw.presets import Preset
from llmvalues.summary import Summary


def reference_means(preset: Preset) -> np.ndarray:
    """The item means of the projection's own sample (``preset.metadata["item_means"]``).

    Parameters
    ----------
    preset
        The projection.

    Returns
    -------
    numpy.ndarray
        (10,) raw-code means in ``ITEMS`` order.

    Raises
    ------
    ValueError
        The preset records no item means.
    """
    means = preset.metadata.get("item_means")
    if not means:
        raise ValueError(
            f"preset {preset.name!r} records no item means (metadata['item_means']): the item "
            "influence needs the mean answers of the sample the projection was computed on"
        )
    return np.array([float(means[i]) for i in ITEMS])


def contributions(expected: np.ndarray, preset: Preset) -> np.ndarray:
    """Each item's part of each position: coefficient_j · (expected answer_j − mean_j).

    Parameters
    ----------
    expected
        (…, identities, 10) expected raw answers.
    preset
        The projection.

    Returns
    -------
    numpy.ndarray
        (…, identities, 10, 2); the position without item j is the position minus row j.
    """
    coef = preset.coef.loc[list(ITEMS), ["x", "y"]].to_numpy()
    return (np.asarray(expected) - reference_means(preset))[..., None] * coef


@dataclass(frozen=True)
class ItemInfluence:
    """The position of each identity without each item in turn (``fit.item_influence()``).

    Attributes
    ----------
    table
        One row per identity × item: x, y (the position), x_without, y_without (without the
        item), dx, dy (the move), shift (its length), shift_lo, shift_hi (its ``level``
        interval), rank (1 = the item that moves the identity most), level.
    largest
        Per identity: the item that moves it most, its shift, and p_largest (share of draws
        in which that item moves it most).
    centre
        The map's centre (x, y): the position of the mean answers, where every item is
        "without".
    method
        The fit's method.
    """

    table: pd.DataFrame
    largest: pd.DataFrame
    centre: tuple[float, float]
    method: str

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def matrix(self, column: str = "shift") -> pd.DataFrame:
        """Identity × item table of one column (``shift``, ``dx``, ``dy``, …)."""
        out = self.table.pivot(index="identity", columns="item", values=column)
        return out.reindex(index=list(dict.fromkeys(self.table["identity"])), columns=list(ITEMS))

    def summary(self) -> Summary:
        """What drives each placement: the identity × item shift table and the largest item."""
        level = float(self.table["level"].iloc[0])
        notes = [
            "Without an item: its expected answer replaced by the mean answer of the sample "
            "the projection was computed on (a z-score of 0, the projection's 'no "
            "information'), the other nine as they are, the same map.",
            "shift: distance the position moves (map units); the moves of the ten items add "
            "up to the position minus the map's centre "
            f"({self.centre[0]:.3f}, {self.centre[1]:.3f}), the position of the mean answers.",
            f"shift_lo, shift_hi: {level:.0%} intervals; p_largest: share of draws in which "
            "the item moves the identity most.",
        ]
        return Summary(
            "Item influence: what drives each placement",
            {"shift (map units) without each item": self.matrix(), "largest": self.largest},
            notes,
            {"method": self.method, "level": level},
        )


def item_influence(
    identities: list[str],
    expected: np.ndarray,
    draws: np.ndarray,
    preset: Preset,
    estimate,
    level: float = 0.9,
    method: str = "",
) -> ItemInfluence:
    """Leave-one-item-out positions from expected answers and draws of them.

    Parameters
    ----------
    identities
        Their order.
    expected
        (identities, 10) point estimates of the expected answers.
    draws
        (draws, identities, 10) draws of them (posterior or bootstrap; NaN rows allowed).
    preset
        The projection.
    estimate
        The fit's point estimate of a derived quantity, ``estimate(draws, at_point)``.
    level
        Interval probability.
    method
        The fit's method (recorded).

    Returns
    -------
    ItemInfluence
    """
    check_level(level)
    at = contributions(expected, preset)  # (I, J, 2)
    part = contributions(draws, preset)  # (S, I, J, 2)
    move = estimate(-part, -at)
    shift = np.hypot(move[..., 0], move[..., 1])
    length = np.hypot(part[..., 0], part[..., 1])
    lo, hi = interval(length, level)
    position = preset.project_array(expected)
    n_ids, n_items = shift.shape
    rank = (-shift).argsort(1).argsort(1) + 1
    table = pd.DataFrame(
        {
            "identity": np.repeat(identities, n_items),
            "item": np.tile(ITEMS, n_ids),
            "x": np.repeat(position[:, 0], n_items),
            "y": np.repeat(position[:, 1], n_items),
            "x_without": (position[:, None, 0] + move[..., 0]).ravel(),
            "y_without": (position[:, None, 1] + move[..., 1]).ravel(),
            "dx": move[..., 0].ravel(),
            "dy": move[..., 1].ravel(),
            "shift": shift.ravel(),
            "shift_lo": lo.ravel(),
            "shift_hi": hi.ravel(),
            "rank": rank.ravel(),
            "level": level,
        }
    )
    top = shift.argmax(1)
    finite = np.isfinite(length).all(axis=(1, 2))
    winner = length[finite].argmax(-1)  # (S', I)
    largest = pd.DataFrame(
        {
            "item": np.asarray(ITEMS)[top],
            "shift": shift[np.arange(n_ids), top],
            "p_largest": (winner == top).mean(0) if finite.any() else np.nan,
        },
        index=pd.Index(identities, name="identity"),
    )
    centre = preset.project_array(reference_means(preset))
    return ItemInfluence(table, largest, (float(centre[0]), float(centre[1])), method)
