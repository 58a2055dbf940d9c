"""Did it move? The same plan asked on several dates, compared.

Per identity: one joint hierarchical fit of every date's answers (each identity × date its
own identity, attributes ``base_identity`` and ``collected_at``) and the contrast between
the last two dates — the shift on the map with its credible interval and the posterior
probability that it exceeds a chosen threshold. Per item: the answers to the same cells on
the two dates compared by a paired permutation test (the two dates' answers swapped within
each cell; statistic: total-variation distance between the answer distributions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from llmvalues.instruments import load_instrument
from llmvalues.report import ChangeSection
from llmvalues.summary import Summary

N_PERMUTATIONS = 2000
TRAJECTORY_FIGURES = 4  # at most this many identities get a trajectory figure
TEST = (
    "paired permutation test: the two dates' answers are swapped within each cell asked on "
    f"both dates ({N_PERMUTATIONS} permutations, seed 0); statistic: total-variation "
    "distance between the two answer distributions of the item (answers that parsed on "
    "both dates)"
)


def joint_responses(waves: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One Responses table of every date: identity ``"<identity> @ <date>"``, with the
    attributes ``base_identity`` and ``collected_at``."""
    frames = []
    for label, table in waves.items():
        frame = table.copy()
        frame["base_identity"] = frame["identity"]
        frame["collected_at"] = label
        frame["identity"] = frame["identity"] + " @ " + label
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _total_variation(a: np.ndarray, b: np.ndarray, codes: np.ndarray) -> float:
    pa = (a[:, None] == codes).mean(0)
    pb = (b[:, None] == codes).mean(0)
    return float(np.abs(pa - pb).sum() / 2)


def item_changes(before: pd.DataFrame, after: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Per item: the change in answers between two dates for the cells asked on both.

    Returns one row per item: cells (asked on both dates), changed (share of cells whose
    code or status differs), ok_before/ok_after (answers that parsed), mean_before,
    mean_after, tv_distance and p_value (see the module docstring).
    """
    key = ["identity", "variant", "replicate", "item"]
    both = before.merge(after, on=key, suffixes=("_a", "_b")).sort_values(key, ignore_index=True)
    rng = np.random.default_rng(seed)
    rows = []
    for item in load_instrument():
        cells = both[both["item"] == item.code]
        if cells.empty:
            continue
        changed = (cells["status_a"] != cells["status_b"]) | (
            (cells["status_a"] == "ok") & (cells["code_a"] != cells["code_b"])
        )
        answered = cells[(cells["status_a"] == "ok") & (cells["status_b"] == "ok")]
        a = answered["code_a"].to_numpy(float)
        b = answered["code_b"].to_numpy(float)
        codes = np.asarray(item.codes, float)
        observed = _total_variation(a, b, codes) if len(a) else np.nan
        p_value = np.nan
        if len(a):
            swap = rng.random((N_PERMUTATIONS, len(a))) < 0.5
            pa = np.where(swap, b, a)
            pb = np.where(swap, a, b)
            null = (
                np.abs((pa[..., None] == codes).mean(1) - (pb[..., None] == codes).mean(1)).sum(-1)
                / 2
            )
            p_value = float((1 + (null >= observed - 1e-12).sum()) / (1 + N_PERMUTATIONS))
        rows.append(
            {
                "item": item.ivs_code,
                "cells": len(cells),
                "changed": float(changed.mean()),
                "ok_before": int((cells["status_a"] == "ok").sum()),
                "ok_after": int((cells["status_b"] == "ok").sum()),
                "mean_before": float(a.mean()) if len(a) else np.nan,
                "mean_after": float(b.mean()) if len(b) else np.nan,
                "tv_distance": observed,
                "p_value": p_value,
            }
        )
    return pd.DataFrame(rows).set_index("item")


def identity_shifts(joint, since: str, until: str, threshold: float, level: float) -> pd.DataFrame:
    """Per identity: its shift from ``since`` to ``until`` in the joint fit (``fit.contrast``)."""
    attrs = joint.attributes
    rows = []
    for base in dict.fromkeys(attrs["base_identity"]):
        at = attrs[attrs["base_identity"] == base]
        if not {since, until} <= set(at["collected_at"]):
            continue
        c = joint.contrast(
            {"base_identity": base, "collected_at": since},
            {"base_identity": base, "collected_at": until},
            level=level,
            rope=threshold,
        )
        rows.append(
            {
                "identity": base,
                "dx": c.loc["x", "difference"],
                "dx_lo": c.loc["x", "lo"],
                "dx_hi": c.loc["x", "hi"],
                "dy": c.loc["y", "difference"],
                "dy_lo": c.loc["y", "lo"],
                "dy_hi": c.loc["y", "hi"],
                "shift": c.loc["distance", "difference"],
                "shift_lo": c.loc["distance", "lo"],
                "shift_hi": c.loc["distance", "hi"],
                "p_shift": c.loc["distance", "p_shift"],
            }
        )
    return pd.DataFrame(rows).set_index("identity")


def snapshots(joint) -> pd.DataFrame:
    """identity, collected_at, x, y: each identity's position on each date (joint fit)."""
    attrs = joint.attributes[["base_identity", "collected_at"]]
    table = joint.centroids[["x", "y"]].join(attrs)
    return table.rename(columns={"base_identity": "identity"}).reset_index(drop=True)[
        ["identity", "collected_at", "x", "y"]
    ]


def _trajectory_countries(joint, base: str, n: int = 3) -> list[str]:
    """The countries nearest the identity's last position that have survey trajectories."""
    trajectories = joint.preset.trajectories
    if trajectories is None:
        return []
    attrs = joint.attributes
    last = attrs[attrs["base_identity"] == base].sort_values("collected_at").index[-1]
    near = joint.nearest(len(joint.preset.countries))
    near = near[near["identity"] == last]
    known = set(trajectories["country"])
    return [c for c in near["country"] if c in known][:n]


@dataclass
class Change:
    """The re-test comparison of the last two dates (and the joint fit of every date)."""

    since: str
    until: str
    joint: Any
    shifts: pd.DataFrame
    items: pd.DataFrame
    threshold: float
    level: float

    def summary(self) -> Summary:
        """Shifts per identity and answer changes per item, with what they mean."""
        return Summary(
            f"Change from {self.since} to {self.until}",
            {"shift per identity": self.shifts, "answers per item": self.items},
            [
                f"Shift: b − a between the two dates in one joint hierarchical fit of every "
                f"date; {self.level:.0%} credible intervals; p_shift = P(shift > "
                f"{self.threshold:g} map units).",
                f"Answers per item: {TEST}. 'changed' is the share of cells whose answer "
                "(or status) differs.",
            ],
            {"since": self.since, "until": self.until, "threshold": self.threshold},
        )

    def section(self, baselines: list[str]) -> ChangeSection:
        """The report's change section; trajectory figures for ``baselines`` (identities)."""
        trajectory = {
            base: {
                "model": base,
                "model_column": "base_identity",
                "countries": _trajectory_countries(self.joint, base),
                "level": self.level,
            }
            for base in baselines[:TRAJECTORY_FIGURES]
        }
        return ChangeSection(
            since=self.since,
            until=self.until,
            summary=self.summary(),
            fit=self.joint,
            snapshots=snapshots(self.joint),
            trajectory=trajectory,
        )


def compare_waves(
    waves: dict[str, pd.DataFrame],
    preset: str,
    threshold: float = 0.2,
    level: float = 0.9,
    fit_options: dict[str, Any] | None = None,
) -> Change:
    """Fit every date's Responses jointly and compare the last two dates.

    Parameters
    ----------
    waves
        ``{collected_at: Responses}`` in date order (at least two).
    preset
        The map preset.
    threshold
        Map units: ``p_shift`` is the posterior probability of a larger shift.
    level
        Interval probability.
    fit_options
        Keyword arguments of the hierarchical fit (draws, tune, chains, random_seed …).

    Returns
    -------
    Change
    """
    from llmvalues.fit import fit_map

    if len(waves) < 2:
        raise ValueError(f"a comparison needs answers from two dates, got {list(waves)}")
    labels = list(waves)
    since, until = labels[-2], labels[-1]
    joint = fit_map(
        joint_responses(waves), preset=preset, method="hierarchical", **(fit_options or {})
    )
    return Change(
        since=since,
        until=until,
        joint=joint,
        shifts=identity_shifts(joint, since, until, threshold, level),
        items=item_changes(waves[since], waves[until]),
        threshold=threshold,
        level=level,
    )
