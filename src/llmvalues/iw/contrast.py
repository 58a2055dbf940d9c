"""Contrasts between two identities' map positions, from draws of both."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from llmvalues.iw.intervals import interval


def resolve(
    who: str | Mapping[str, Any], identities: Sequence[str], attributes: pd.DataFrame
) -> str:
    """An identity by name, or by attribute values that match exactly one identity.

    Parameters
    ----------
    who
        An identity name, or ``{attribute: value}`` (values compared as text).
    identities
        The fit's identities.
    attributes
        One row per identity (index) with its attributes.

    Returns
    -------
    str
        The identity.
    """
    if isinstance(who, str):
        if who not in identities:
            raise KeyError(f"unknown identity {who!r}; identities: {list(identities)[:10]}")
        return who
    missing = [k for k in who if k not in attributes.columns]
    if missing:
        raise KeyError(f"identity attribute(s) {missing} unknown; have {list(attributes.columns)}")
    mask = np.ones(len(attributes), dtype=bool)
    for key, value in who.items():
        mask &= (attributes[key].astype(str) == str(value)).to_numpy()
    found = attributes.index[mask].tolist()
    if len(found) != 1:
        raise KeyError(f"{dict(who)} matches {len(found)} identities ({found[:5]}), need one")
    return found[0]


def contrast_table(
    draws_a: np.ndarray,
    draws_b: np.ndarray,
    point_a: np.ndarray,
    point_b: np.ndarray,
    estimate,
    level: float,
    rope: float,
) -> pd.DataFrame:
    """Shift b − a on x, y and as a distance: estimate, interval, P(> 0), P(|shift| > rope).

    Parameters
    ----------
    draws_a, draws_b
        (draws, 2) positions of the two identities.
    point_a, point_b
        Their point positions (2,).
    estimate
        The fit's estimator from draws and the value at the points.
    level
        Interval probability.
    rope
        Map units below which a shift counts as none.

    Returns
    -------
    pandas.DataFrame
        Index axis (x, y, distance); columns difference, lo, hi, p_positive, p_shift, level.
    """
    diff = draws_b - draws_a
    at = point_b - point_a
    rows = {}
    for name, v, v0 in (
        ("x", diff[:, 0], at[0]),
        ("y", diff[:, 1], at[1]),
        ("distance", np.hypot(diff[:, 0], diff[:, 1]), np.hypot(*at)),
    ):
        lo, hi = interval(v, level)
        finite = bool(np.isfinite(v).all())
        rows[name] = {
            "difference": float(estimate(v, np.asarray(v0))),
            "lo": float(lo),
            "hi": float(hi),
            "p_positive": float((v > 0).mean()) if finite else float("nan"),
            "p_shift": float((np.abs(v) > rope).mean()) if finite else float("nan"),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "axis"
    out["level"] = level
    return out
