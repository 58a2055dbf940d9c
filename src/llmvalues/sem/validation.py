"""Check item data at the door: columns present, numeric, missing values handled explicitly."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

MISSING_POLICIES = ("listwise", "pairwise")


class DataError(ValueError):
    """Raised when item data cannot be analysed; the message names the column, row or group."""


def item_frame(
    data: pd.DataFrame | np.ndarray,
    items: Sequence[str] | None = None,
    *,
    missing: str = "listwise",
    extra: Sequence[str] = (),
) -> tuple[pd.DataFrame, int]:
    """Return the numeric item columns (plus `extra` columns) and the number of rows dropped.

    Parameters
    ----------
    data
        A DataFrame or 2-d array (columns ``v1``, ``v2``, … for an array).
    items
        Item columns (default all).
    missing
        ``"listwise"`` drops rows with a missing item; ``"pairwise"`` keeps them.
    extra
        Further columns to keep unchanged (e.g. the group).

    Returns
    -------
    tuple
        (the item columns as floats plus ``extra``, rows dropped).

    Raises
    ------
    DataError
        Naming the missing column, or the row of a value that is not a finite number.
    """
    if missing not in MISSING_POLICIES:
        raise DataError(f"missing={missing!r}: choose one of {MISSING_POLICIES}")
    if isinstance(data, np.ndarray):
        if data.ndim != 2:
            raise DataError(f"data must be two-dimensional, got shape {data.shape}")
        data = pd.DataFrame(data, columns=[f"v{i + 1}" for i in range(data.shape[1])])
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a pandas DataFrame or 2-d array, got {type(data).__name__}")
    items = list(data.columns if items is None else items)
    absent = [c for c in [*items, *extra] if c not in data.columns]
    if absent:
        raise DataError(f"column(s) {absent} not found in the data (has {list(data.columns)})")
    frame = data.loc[:, [*items, *[e for e in extra if e not in items]]].copy()
    for c in items:
        col = frame[c]
        if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
            converted = pd.to_numeric(col, errors="coerce")
            bad = col[converted.isna() & col.notna()]
            if len(bad):
                raise DataError(
                    f"column {c!r} is not numeric: row {bad.index[0]!r} holds {bad.iloc[0]!r}"
                )
            frame[c] = converted
        frame[c] = frame[c].astype(float)
        inf = np.isinf(frame[c].to_numpy())
        if inf.any():
            raise DataError(f"column {c!r} holds an infinite value in row {frame.index[inf][0]!r}")
    n0 = len(frame)
    if missing == "listwise":
        frame = frame.dropna(subset=items)
    return frame, n0 - len(frame)


def check_variation(frame: pd.DataFrame, items: Sequence[str], where: str = "") -> None:
    """Raise if an item is constant (zero variance) among the rows given.

    Parameters
    ----------
    frame
        Item data.
    items
        Items to check.
    where
        Where the rows come from, for the message (``" in group 'a'"``).
    """
    for c in items:
        values = frame[c].dropna()
        if values.nunique() < 2:
            shown = "no values" if values.empty else f"only the value {values.iloc[0]:g}"
            raise DataError(
                f"item {c!r} is constant{where}: it has {shown}, so it carries no information "
                "about a factor; drop it from the model"
            )


def check_n(n: int, needed: int, what: str) -> None:
    """Raise if there are too few respondents for the analysis.

    Parameters
    ----------
    n
        Respondents.
    needed
        The least the analysis needs.
    what
        The analysis, for the message.
    """
    if n < needed:
        raise DataError(f"{what}: {n} complete respondent(s), at least {needed} are needed")
