"""Responses: the one tidy long table exchanged between collection and measurement.

One row per (identity, variant, replicate, item) with the raw reply, the raw IVS code
(``NaN`` unless ``status == "ok"``), the status and its reason, plus any attribute
columns (model, persona, country, language, collected_at, …). Wide tables — one row per
response set, one column per item, as in Tao et al.'s CSVs — convert to and from it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from llmvalues.instruments import STATUSES, Instrument, load_instrument

KEY = ("identity", "variant", "replicate", "item")
COLUMNS = (*KEY, "raw", "code", "status", "reason")
DEFAULT_VARIANT = "default"


class ResponsesError(ValueError):
    """A Responses table (or a wide table) that cannot be used as given; says where."""


def _row_label(df: pd.DataFrame, position: int) -> str:
    return f"row {df.index[position]!r}"


def validate_responses(data: pd.DataFrame, instrument: Instrument | None = None) -> pd.DataFrame:
    """Check and normalise a tidy Responses table; return a clean copy in the canonical layout.

    Fills ``variant`` ("default"), ``replicate`` (0), ``raw``/``reason`` ("") and ``status``
    (``"ok"`` where a code is given, ``"missing"`` where not) when absent. Raises
    :class:`ResponsesError` naming the column, row and item at fault.
    """
    if not isinstance(data, pd.DataFrame):
        raise ResponsesError(f"responses must be a pandas DataFrame, got {type(data).__name__}")
    instrument = instrument or load_instrument()
    df = data.copy()
    for column in ("identity", "item"):
        if column not in df.columns:
            raise ResponsesError(
                f"responses lack the required column {column!r} (columns: {list(df.columns)}); "
                "a wide table (one column per item) converts with llmvalues.from_wide"
            )
    if "code" not in df.columns and "status" not in df.columns:
        raise ResponsesError("responses need a 'code' column (raw IVS codes) or a 'status' column")
    if df.empty:
        raise ResponsesError("responses table is empty")
    if "variant" not in df.columns:
        df["variant"] = DEFAULT_VARIANT
    if "replicate" not in df.columns:
        df["replicate"] = 0
    if "code" not in df.columns:
        df["code"] = np.nan
    for column in ("raw", "reason"):
        if column not in df.columns:
            df[column] = ""
    code = pd.to_numeric(df["code"], errors="coerce")
    bad_code = df["code"].notna() & code.isna()
    if bad_code.any():
        pos = int(np.flatnonzero(bad_code.to_numpy())[0])
        raise ResponsesError(
            f"column 'code', {_row_label(df, pos)}: {df['code'].iloc[pos]!r} is not a number"
        )
    df["code"] = code.astype(float)
    if "status" not in df.columns:
        df["status"] = np.where(df["code"].notna(), "ok", "missing")
    for column in ("identity", "item", "status", "variant"):
        null = df[column].isna().to_numpy()
        if null.any():
            pos = int(np.flatnonzero(null)[0])
            raise ResponsesError(f"column {column!r}, {_row_label(df, pos)}: value is missing")
    df["identity"] = df["identity"].astype(str)
    df["variant"] = df["variant"].astype(str)
    df["item"] = df["item"].astype(str).str.strip().str.lower()
    df["status"] = df["status"].astype(str).str.strip().str.lower()
    replicate = pd.to_numeric(df["replicate"], errors="coerce")
    if replicate.isna().any() or (replicate != replicate.round()).any():
        pos = int(
            np.flatnonzero((replicate.isna() | (replicate != replicate.round())).to_numpy())[0]
        )
        raise ResponsesError(
            f"column 'replicate', {_row_label(df, pos)}: {df['replicate'].iloc[pos]!r} "
            "is not a whole number"
        )
    df["replicate"] = replicate.astype(int)
    df["raw"] = df["raw"].fillna("").astype(str)
    df["reason"] = df["reason"].fillna("").astype(str)

    unknown = ~df["item"].isin(instrument.codes)
    if unknown.any():
        pos = int(np.flatnonzero(unknown.to_numpy())[0])
        raise ResponsesError(
            f"column 'item', {_row_label(df, pos)}: item {df['item'].iloc[pos]!r} is not in "
            f"instrument {instrument.name!r} (items: {instrument.codes})"
        )
    bad_status = ~df["status"].isin(STATUSES)
    if bad_status.any():
        pos = int(np.flatnonzero(bad_status.to_numpy())[0])
        raise ResponsesError(
            f"column 'status', {_row_label(df, pos)}: {df['status'].iloc[pos]!r} is not one of "
            f"{list(STATUSES)}"
        )
    ok = df["status"] == "ok"
    no_code = ok & df["code"].isna()
    if no_code.any():
        pos = int(np.flatnonzero(no_code.to_numpy())[0])
        raise ResponsesError(
            f"{_row_label(df, pos)}, item {df['item'].iloc[pos]!r}: status 'ok' but no code"
        )
    coded_failure = ~ok & df["code"].notna()
    if coded_failure.any():
        pos = int(np.flatnonzero(coded_failure.to_numpy())[0])
        raise ResponsesError(
            f"{_row_label(df, pos)}, item {df['item'].iloc[pos]!r}: status "
            f"{df['status'].iloc[pos]!r} must not carry a code (got {df['code'].iloc[pos]:g}); "
            "failed answers are never coerced to numbers"
        )
    for item in instrument:
        rows = ok & (df["item"] == item.code)
        invalid = rows & ~df["code"].isin(item.codes)
        if invalid.any():
            pos = int(np.flatnonzero(invalid.to_numpy())[0])
            raise ResponsesError(
                f"column 'code', {_row_label(df, pos)}, item {item.code!r}: "
                f"{df['code'].iloc[pos]:g} is not a valid code ({item.direction}; "
                f"valid: {list(item.codes)})"
            )
    duplicated = df.duplicated(list(KEY), keep=False)
    if duplicated.any():
        pos = int(np.flatnonzero(duplicated.to_numpy())[0])
        key = ", ".join(f"{k}={df[k].iloc[pos]!r}" for k in KEY)
        raise ResponsesError(
            f"{_row_label(df, pos)}: more than one row for ({key}); a Responses table holds one "
            "final answer per cell (export the store's final attempts)"
        )
    extra = [c for c in df.columns if c not in COLUMNS]
    return df[list(COLUMNS) + extra].reset_index(drop=True)


def _find_item_columns(columns: Sequence, instrument: Instrument) -> dict[str, object]:
    found: dict[str, object] = {}
    for column in columns:
        key = str(column).strip().lower()
        if key in instrument.codes:
            if key in found:
                raise ResponsesError(
                    f"item {key!r} appears twice: columns {found[key]!r} and {column!r}"
                )
            found[key] = column
    return found


def from_wide(
    wide: pd.DataFrame,
    identity: str | None = "identity",
    variant: str | None = None,
    replicate: str | None = None,
    instrument: Instrument | None = None,
) -> pd.DataFrame:
    """Wide table (one row per response set, item columns named by IVS code in any case) → tidy.

    ``identity``/``variant``/``replicate`` name columns of ``wide``; ``identity=None`` treats
    the whole table as one identity, ``variant=None`` numbers the sets within each identity.
    Empty cells and the IVS missing codes (negative values) become status ``"missing"``;
    any other value outside an item's scale is an error naming the row and column.
    """
    if not isinstance(wide, pd.DataFrame):
        raise ResponsesError(f"wide table must be a pandas DataFrame, got {type(wide).__name__}")
    instrument = instrument or load_instrument()
    items = _find_item_columns(wide.columns, instrument)
    absent = [c for c in instrument.codes if c not in items]
    if absent:
        raise ResponsesError(
            f"wide table lacks item column(s) {[c.upper() for c in absent]} "
            f"(found: {list(wide.columns)})"
        )
    for role, column in (("identity", identity), ("variant", variant), ("replicate", replicate)):
        if column is not None and column not in wide.columns:
            raise ResponsesError(
                f"{role} column {column!r} not in the wide table: {list(wide.columns)}"
            )
    frame = wide.reset_index(drop=True)
    ids = frame[identity].astype(str) if identity else pd.Series("all", index=frame.index)
    variants = frame[variant].astype(str) if variant else ids.groupby(ids).cumcount().astype(str)
    replicates = frame[replicate] if replicate else pd.Series(0, index=frame.index)
    attributes = [
        c
        for c in frame.columns
        if c not in items.values() and c not in (identity, variant, replicate)
    ]
    parts = []
    for code, column in items.items():
        values = pd.to_numeric(frame[column], errors="coerce")
        text = frame[column].astype(str)
        not_numeric = frame[column].notna() & values.isna()
        if not_numeric.any():
            pos = int(np.flatnonzero(not_numeric.to_numpy())[0])
            raise ResponsesError(
                f"wide table row {pos}, column {column!r}: {frame[column].iloc[pos]!r} is not a code"
            )
        ivs_missing = values < 0 if code != "y003" else values < -2
        missing = values.isna() | ivs_missing
        item = instrument[code]
        bad = ~missing & ~values.isin(item.codes)
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise ResponsesError(
                f"wide table row {pos}, column {column!r}: {values.iloc[pos]:g} is not a valid "
                f"code of {item.ivs_code} ({item.direction})"
            )
        reason = np.where(values.isna(), "empty in the wide table", "IVS missing code " + text)
        part = pd.DataFrame(
            {
                "identity": ids,
                "variant": variants,
                "replicate": replicates,
                "item": code,
                "raw": np.where(missing, "", text),
                "code": values.where(~missing),
                "status": np.where(missing, "missing", "ok"),
                "reason": np.where(missing, reason, ""),
            }
        )
        parts.append(pd.concat([part, frame[attributes]], axis=1))
    return validate_responses(pd.concat(parts, ignore_index=True), instrument)


def to_wide(responses: pd.DataFrame, instrument: Instrument | None = None) -> pd.DataFrame:
    """Tidy → one row per response set (identity, variant, replicate), one column per item.

    Values are raw codes; anything not ``ok`` is NaN (its status stays in the tidy table).
    """
    instrument = instrument or load_instrument()
    return pivot_codes(validate_responses(responses, instrument), instrument)


def pivot_codes(tidy: pd.DataFrame, instrument: Instrument | None = None) -> pd.DataFrame:
    """The wide pivot of an already validated tidy table (no second validation pass)."""
    instrument = instrument or load_instrument()
    wide = tidy.pivot(index=["identity", "variant", "replicate"], columns="item", values="code")
    wide = wide.reindex(columns=instrument.codes)
    wide.columns.name = None
    return wide


def status_counts(tidy: pd.DataFrame) -> pd.DataFrame:
    """Counts of each status per identity × item of a validated table (for refusal rates)."""
    counts = tidy.groupby(["identity", "item", "status"]).size().unstack("status", fill_value=0)
    return counts.reindex(columns=list(STATUSES), fill_value=0)
