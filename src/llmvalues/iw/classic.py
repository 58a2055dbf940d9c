"""The classic map estimate: project each complete response set, average per identity.

Given Tao et al.'s answer tables and their preset this reproduces their points exactly
(their model point is the mean of its variant points, and the projection is affine).
Intervals come from a percentile bootstrap over each identity's complete response sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from llmvalues.iw.identities import (
    SET_KEY,
    answer_status,
    identities_in_order,
    identity_attributes,
    response_sets,
)
from llmvalues.iw.items import ITEMS
from llmvalues.iw.mapfit import MapFit
from llmvalues.iw.presets import DEFAULT_PRESET, Preset, load_preset
from llmvalues.iw.refusals import observed_refusal_draws, unanswered_share
from llmvalues.responses import pivot_codes, validate_responses

N_BOOTSTRAP = 1000


@dataclass
class ClassicMapFit(MapFit):
    """Classic map positions: the mean of each identity's projected complete response sets.

    Estimand ``"asked"``: the mean over the response sets asked (each complete set counts
    once). ``position_draws`` are bootstrap resamples of that mean (resampling the
    identity's complete sets with replacement), so ``sd_x``/``sd_y`` are bootstrap
    standard errors and the interval columns percentile-bootstrap intervals; distances,
    P(nearest), contrasts and cultural-prompting intervals come from the same resamples.
    An identity with fewer than two complete sets has no resamples: its SDs, intervals and
    probabilities are NaN. Why a bootstrap: it needs no model, it gives every derived
    quantity an interval the same way, and it says what it is — the spread of the mean
    over sets drawn like these. It is too narrow with few sets (a 90% interval covered the
    simulated truth 85% of the time with 10 sets, 92% with 30), and with few prompt
    variants it is no interval for a new prompt (estimand ``"new"``): the hierarchical
    method models both.

    Attributes
    ----------
    preset
        The map preset.
    set_points
        identity, variant, replicate, x, y: one row per complete response set.
    set_codes
        identity, variant, replicate and the ten raw codes of each complete response set
        (what ``set_points`` projects; the expected answers of ``language_effects``).
    status
        identity × item answer counts (:func:`llmvalues.iw.identities.answer_status`).
    sets
        identity, variant, n_sets (complete sets, the ones used), n_incomplete.
    attributes
        One row per identity with its attribute columns.
    set_answers
        Every response set asked, complete or not (index identity, variant, replicate;
        one column per item: the raw code, NaN where the reply is not an answer): the
        refusal bounds and the expected answers behind the positions come from it.
    n_bootstrap
        Bootstrap resamples.
    random_seed
        Seed of the resampling.
    """

    method: ClassVar[str] = "classic"
    estimand: ClassVar[str] = "asked"

    preset: Preset
    set_points: pd.DataFrame
    set_codes: pd.DataFrame
    status: pd.DataFrame
    sets: pd.DataFrame
    attributes: pd.DataFrame
    set_answers: pd.DataFrame
    n_bootstrap: int = N_BOOTSTRAP
    random_seed: int | None = 0

    @property
    def identities(self) -> list[str]:
        return list(self.attributes.index)

    def _point_positions(self) -> np.ndarray:
        means = self.set_points.groupby("identity", sort=False)[["x", "y"]].mean()
        return means.loc[self.identities].to_numpy()

    @cached_property
    def _complete_answers(self) -> list[np.ndarray]:
        """Per identity, the (complete sets, 10) raw codes behind its position."""
        complete = self.set_answers.dropna(how="any")
        groups = complete.groupby(level="identity", sort=False)
        return [groups.get_group(name)[list(ITEMS)].to_numpy() for name in self.identities]

    @cached_property
    def _resamples(self) -> list[np.ndarray | None]:
        """Per identity, (n_bootstrap, sets) indices of its resampled complete sets (None
        with fewer than two sets)."""
        rng = np.random.default_rng(self.random_seed)
        return [
            rng.integers(0, len(a), (self.n_bootstrap, len(a))) if len(a) >= 2 else None
            for a in self._complete_answers
        ]

    def _bootstrap_means(self, values: list[np.ndarray]) -> np.ndarray:
        """(n_bootstrap, identities, k) resampled means of per-set rows (NaN with < 2 sets)."""
        out = np.full((self.n_bootstrap, len(self.identities), values[0].shape[1]), np.nan)
        for i, (v, pick) in enumerate(zip(values, self._resamples, strict=True)):
            if pick is not None:
                out[:, i] = v[pick].mean(1)
        return out

    @cached_property
    def position_draws(self) -> np.ndarray:
        """(n_bootstrap, identities, 2) bootstrap means (NaN for identities with < 2 sets)."""
        groups = self.set_points.groupby("identity", sort=False)
        xy = [groups.get_group(name)[["x", "y"]].to_numpy() for name in self.identities]
        return self._bootstrap_means(xy)

    def _expected_answers(self) -> np.ndarray:
        return np.stack([a.mean(0) for a in self._complete_answers])

    def _expected_answer_draws(self) -> np.ndarray:
        return self._bootstrap_means(self._complete_answers)

    def _refusal_draws(self, points, delta):
        if delta is not None:
            raise ValueError(
                "a latent shift (delta=) needs the hierarchical model's latent scale; give the "
                "shift in raw answer points (points=) for the classic method"
            )
        draws, at_point = observed_refusal_draws(
            self.set_answers,
            self.identities,
            self.preset,
            self.n_bootstrap,
            self.random_seed,
            points,
        )
        notes = [
            "Classic: answered replies as observed; the MAR position treats each unanswered "
            "reply like the answered replies of its identity × variant (every set counts once), "
            "so it uses incomplete sets, unlike the classic position (complete sets only). "
            f"Intervals: percentile bootstrap over all response sets ({self.n_bootstrap} "
            f"resamples, seed {self.random_seed}); a resample in which an identity answered an "
            "item nowhere has no MAR value and is left out of its MAR and delta intervals."
        ]
        return draws, at_point, notes

    def _unanswered_share(self) -> np.ndarray:
        return unanswered_share(self.set_answers, self.identities)

    def _estimate(self, draws: np.ndarray, at_point: np.ndarray) -> np.ndarray:
        return at_point

    def _variant_positions(self) -> pd.DataFrame:
        return self.set_points.groupby(["identity", "variant"], sort=False)[["x", "y"]].mean()

    def _notes(self, level: float) -> list[str]:
        return [
            "Classic method: each complete response set is projected with the preset and the "
            "points are averaged per identity (Tao et al.'s computation); estimates of "
            "distances and metrics are their values at these positions.",
            f"Intervals ({level:.0%}) are percentile-bootstrap intervals over each identity's "
            f"complete response sets ({self.n_bootstrap} resamples, seed {self.random_seed}): "
            "how much the mean moves when sets like these are drawn again. They treat the "
            "sets as exchangeable: with few sets they are too narrow (in simulation a 90% "
            "interval covered 85% with 10 sets, 92% with 30), and with few prompt variants "
            "they are not intervals for a new prompt (docs/iw-map.md).",
        ]

    def _caveats(self) -> list[str]:
        few = self.centroids.index[self.centroids["n_sets"] < 2].tolist()
        if not few:
            return []
        return [
            f"{len(few)} identit{'y has' if len(few) == 1 else 'ies have'} fewer than two "
            f"complete response sets and no interval: {few[:5]}"
        ]

    def _info(self) -> dict[str, Any]:
        return {"bootstrap resamples": self.n_bootstrap}

    def _plot_kinds(self, plots) -> dict[str, Any]:
        return {
            "map": plots.plot_map_uncertainty,
            "forest": plots.plot_forest,
            "trajectory": plots.plot_trajectory,
        }

    def __repr__(self) -> str:
        return (
            f"ClassicMapFit({len(self.identities)} identities, {len(self.set_points)} complete "
            f"response sets, preset {self.preset.name!r})"
        )


def fit_classic(
    responses: pd.DataFrame,
    preset: str | Preset = DEFAULT_PRESET,
    *,
    n_bootstrap: int = N_BOOTSTRAP,
    random_seed: int | None = 0,
) -> ClassicMapFit:
    """Project every complete response set and average the points per identity.

    Parameters
    ----------
    responses
        A tidy Responses table (validated here; :func:`llmvalues.fit_map` also takes wide
        tables).
    preset
        A built-in preset name or a :class:`Preset`.
    n_bootstrap
        Bootstrap resamples behind the intervals.
    random_seed
        Seed of the resampling (fixed by default, so a fit is reproducible).

    Returns
    -------
    ClassicMapFit

    Raises
    ------
    llmvalues.ResponsesError
        Bad input, naming the column, row and item.
    ValueError
        An identity without a complete response set.
    """
    return _fit_validated(
        validate_responses(responses), load_preset(preset), n_bootstrap, random_seed
    )


def _fit_validated(
    responses: pd.DataFrame,
    preset: Preset,
    n_bootstrap: int = N_BOOTSTRAP,
    random_seed: int | None = 0,
) -> ClassicMapFit:
    """:func:`fit_classic` on an already validated table (``fit_map`` validates once)."""
    if not isinstance(n_bootstrap, int | np.integer) or n_bootstrap < 100:
        raise ValueError(f"n_bootstrap must be an integer ≥ 100, got {n_bootstrap!r}")
    wide = pivot_codes(responses)
    complete = wide.dropna(how="any")
    used = set(complete.index.get_level_values("identity"))
    empty = [i for i in identities_in_order(responses) if i not in used]
    if empty:
        raise ValueError(
            f"identity {empty[0]!r} has no complete response set (all 10 items answered), so the "
            "classic method cannot place it; use method='hierarchical', which treats "
            f"unanswered items as missing ({len(empty)} such identities: {empty[:5]})"
        )
    xy = preset.project_array(complete[list(ITEMS)].to_numpy())
    set_points = complete.index.to_frame(index=False)[SET_KEY].assign(x=xy[:, 0], y=xy[:, 1])
    sets = response_sets(responses)
    sets["n_sets"] = sets["n_complete"]
    sets["n_incomplete"] = sets["n_total"] - sets["n_complete"]
    return ClassicMapFit(
        preset=preset,
        set_points=set_points,
        set_codes=complete.reset_index()[[*SET_KEY, *ITEMS]],
        status=answer_status(responses),
        sets=sets[["identity", "variant", "n_sets", "n_incomplete"]],
        attributes=identity_attributes(responses),
        set_answers=wide[list(ITEMS)],
        n_bootstrap=int(n_bootstrap),
        random_seed=random_seed,
    )
