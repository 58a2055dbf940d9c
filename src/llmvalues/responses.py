"""Responses: the one tidy long table exchanged between collection and measurement.

One row per (identity, variant, replicate, item) with the raw reply, the raw IVS code
(``NaN`` unless ``status == "ok"``), the status and its reason, plus any attribute
columns (model, persona, country, language, collected_at, …). Wide tables — one row per
response set, one column per item, as in Tao et al.'s CSVs — convert to and from it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from numbers import Real

import numpy as np
import pandas as pd

from llmvalues.errors import InputError
from llmvalues.instruments import STATUSES, Instrument, load_instrument

KEY = ("identity", "variant", "replicate", "item")
COLUMNS = (*KEY, "raw", "code", "status", "reason")
DEFAULT_VARIANT = "default"
IVS_MISSING_CODES = tuple(range(-9, 0))
"""Negative codes the IVS uses for don't know, no answer, not asked, … (all items but Y003,
whose −2 and −1 are answers; its missing codes are −9 … −3)."""


class ResponsesError(InputError):
    """A Responses table (or a wide table) that cannot be used as given; says where."""


def _row_label(df: pd.DataFrame, position: int) -> str:
    return f"row {df.index[position]!r}"


def show_value(value: object) -> str:
    """A value as it is (7.0000000001 stays 7.0000000001; 7.0 reads 7)."""
    if isinstance(value, bool | np.bool_):
        return repr(bool(value))
    if isinstance(value, Real) and math.isfinite(value) and float(value) == int(value):
        return str(int(value))
    if isinstance(value, Real):
        return repr(float(value))
    return repr(value)


_CODE_TEXT = re.compile(r"[+-]?\d+(?:\.\d+)?")


def _code_cell(value: object) -> float | str:
    """A number from one cell, or the reason it is none (a bool, inf, "1e1", a word)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return math.nan
    if isinstance(value, bool | np.bool_):
        return f"{show_value(value)} is a boolean, not a code"
    if isinstance(value, Real):
        if math.isnan(value):
            return math.nan
        if math.isinf(value):
            return f"{show_value(value)} is not a code"
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return math.nan
        if _CODE_TEXT.fullmatch(text):
            return float(text)
        return f"{value!r} is not a number written as a code (write codes as plain numbers)"
    return f"{value!r} ({type(value).__name__}) is not a code"


def code_values(values: pd.Series, where: Callable[[int], str]) -> pd.Series:
    """A column of codes as floats (NaN where empty); a clear error at the first bad cell.

    Booleans, ±inf, numeric strings such as "1e1" or "0x7" and words are refused, never
    coerced; ``where(position)`` names the cell in the message.
    """
    if pd.api.types.is_bool_dtype(values) and len(values):
        raise ResponsesError(f"{where(0)}: {show_value(values.iloc[0])} is a boolean, not a code")
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype(float)
        infinite = np.isinf(numbers.to_numpy())
        if infinite.any():
            pos = int(np.flatnonzero(infinite)[0])
            raise ResponsesError(f"{where(pos)}: {show_value(numbers.iloc[pos])} is not a code")
        return numbers
    cells = [_code_cell(v) for v in values]
    for pos, cell in enumerate(cells):
        if isinstance(cell, str):
            raise ResponsesError(f"{where(pos)}: {cell}")
    return pd.Series(cells, index=values.index, dtype=float)


def _one_type(df: pd.DataFrame, column: str) -> None:
    """Values that only look alike as text (1 and "1") must not merge into one identity."""
    values = df[column]
    if values.map(type).nunique() < 2:
        return
    text = values.astype(str)
    for label, group in values.groupby(text, sort=False):
        kinds = {(type(v).__name__, v) for v in group}
        if len(kinds) > 1:
            shown = " and ".join(f"{v!r} ({t})" for t, v in sorted(kinds, key=str))
            raise ResponsesError(
                f"column {column!r}: {shown} both read as {label!r}; give the column one type "
                f"(e.g. df[{column!r}] = df[{column!r}].astype(str)) so they stay apart or "
                "merge them on purpose"
            )


def _wide_hint(df: pd.DataFrame, instrument: Instrument) -> str:
    """What to say when 'item' is missing: a wide table with items missing names them."""
    found = [c for c in df.columns if str(c).strip().lower() in instrument.codes]
    if not found:
        return ""
    present = {str(c).strip().lower() for c in found}
    absent = [c.upper() for c in instrument.codes if c not in present]
    return (
        f"; this looks like a wide table (item columns {[str(c) for c in found]}) that lacks "
        f"item column(s) {absent}: add them (empty cells are missing answers)"
    )


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
    if "item" not in df.columns and _wide_hint(df, instrument):
        raise ResponsesError(
            f"responses lack the required column 'item'{_wide_hint(df, instrument)}"
        )
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
    df["code"] = code_values(df["code"], lambda pos: f"column 'code', {_row_label(df, pos)}")
    if "status" not in df.columns:
        df["status"] = np.where(df["code"].notna(), "ok", "missing")
    for column in ("identity", "item", "status", "variant"):
        null = df[column].isna().to_numpy()
        if null.any():
            pos = int(np.flatnonzero(null)[0])
            raise ResponsesError(f"column {column!r}, {_row_label(df, pos)}: value is missing")
    for column in ("identity", "variant"):
        _one_type(df, column)
    df["identity"] = df["identity"].astype(str)
    df["variant"] = df["variant"].astype(str)
    df["item"] = df["item"].astype(str).str.strip().str.lower()
    df["status"] = df["status"].astype(str).str.strip().str.lower()
    replicate = code_values(
        df["replicate"], lambda pos: f"column 'replicate', {_row_label(df, pos)}"
    )
    whole = replicate.notna() & (replicate == replicate.round()) & (replicate >= 0)
    if not whole.all():
        pos = int(np.flatnonzero(~whole.to_numpy())[0])
        raise ResponsesError(
            f"column 'replicate', {_row_label(df, pos)}: {show_value(df['replicate'].iloc[pos])} "
            "is not a whole number ≥ 0"
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
            f"{df['status'].iloc[pos]!r} must not carry a code (got "
            f"{show_value(df['code'].iloc[pos])}); failed answers are never coerced to numbers"
        )
    for item in instrument:
        rows = ok & (df["item"] == item.code)
        invalid = rows & ~df["code"].isin(item.codes)
        if invalid.any():
            pos = int(np.flatnonzero(invalid.to_numpy())[0])
            raise ResponsesError(
                f"column 'code', {_row_label(df, pos)}, item {item.code!r}: "
                f"{show_value(df['code'].iloc[pos])} is not a valid code ({item.direction}; "
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


ROLES = ("identity", "variant", "replicate")


def _check_roles(
    table: pd.DataFrame, roles: Mapping[str, str | None], instrument: Instrument, kind: str
) -> None:
    """Each role names an existing column that is neither an item nor another reserved one."""
    for role, column in roles.items():
        if column is None:
            continue
        if column not in table.columns:
            raise ResponsesError(
                f"{role} column {column!r} is not in the {kind} table "
                f"(columns: {list(table.columns)}); name an existing column"
                + ("" if role == "identity" else f" or leave {role}=None")
            )
        if str(column).strip().lower() in instrument.codes:
            raise ResponsesError(
                f"{role}={column!r} names an item column (answers to {str(column).upper()}); "
                f"name the column that holds the {role} (e.g. 'model'), not an answer column"
            )
        if column in COLUMNS and column != role:
            raise ResponsesError(
                f"{role}={column!r} names the reserved column {column!r}; rename that column "
                f"(e.g. df.rename(columns={{{column!r}: '{column}_label'}})) and pass the new name"
            )


def rename_roles(
    responses: pd.DataFrame,
    identity: str | None = "identity",
    variant: str | None = None,
    replicate: str | None = None,
    instrument: Instrument | None = None,
) -> pd.DataFrame:
    """A tidy table whose identity/variant/replicate columns are named by the user, renamed.

    Each name must be a column of ``responses`` (not an item, not another reserved column);
    a column already called like the role is kept. Raises :class:`ResponsesError` naming
    the argument and the columns there are.
    """
    instrument = instrument or load_instrument()
    roles = {"identity": identity, "variant": variant, "replicate": replicate}
    _check_roles(responses, roles, instrument, "tidy")
    renames = {column: role for role, column in roles.items() if column not in (None, role)}
    clash = [role for role in renames.values() if role in responses.columns]
    if clash:
        raise ResponsesError(
            f"the table already has a column {clash[0]!r}; drop or rename it before naming "
            f"another column as the {clash[0]}"
        )
    return responses.rename(columns=renames)


def _wide_codes(
    frame: pd.DataFrame, code: str, column: object, item
) -> tuple[pd.Series, pd.Series]:
    """(codes with the IVS missing codes as NaN, which cells held an IVS missing code)."""
    values = code_values(frame[column], lambda pos: f"wide table row {pos}, column {column!r}")
    missing_codes = [c for c in IVS_MISSING_CODES if c not in item.codes]
    ivs_missing = values.isin(missing_codes)
    bad = values.notna() & ~ivs_missing & ~values.isin(item.codes)
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        negative = (
            " (negative, but not an IVS missing code −9 … −1)" if values.iloc[pos] < 0 else ""
        )
        raise ResponsesError(
            f"wide table row {pos}, column {column!r}: {show_value(values.iloc[pos])} is not a "
            f"valid code of {item.ivs_code} ({item.direction}){negative}"
        )
    return values, ivs_missing


def from_wide(
    wide: pd.DataFrame,
    identity: str | None = "identity",
    variant: str | None = None,
    replicate: str | None = None,
    instrument: Instrument | None = None,
) -> pd.DataFrame:
    """Wide table (one row per response set, item columns named by IVS code in any case) → tidy.

    ``identity``/``variant``/``replicate`` name columns of ``wide``; ``identity=None`` treats
    the whole table as one identity. ``variant=None`` and ``replicate=None`` use columns
    called ``variant``/``replicate`` when there are any; without a variant column the sets
    of each identity are numbered as variants, and several rows for one identity × variant
    with no replicate column are numbered as replicates 0, 1, … in table order. Other
    columns travel along as attributes, except those named like the tidy table's own
    columns (``item``, ``code``, ``status``, …), which are errors that say how to rename them. Empty cells and the IVS missing codes (−9 … −1; for
    Y003 −9 … −3) become status ``"missing"``; any other value outside an item's scale is an
    error naming the row and column.
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
    variant = "variant" if variant is None and "variant" in wide.columns else variant
    replicate = "replicate" if replicate is None and "replicate" in wide.columns else replicate
    roles = {"identity": identity, "variant": variant, "replicate": replicate}
    _check_roles(wide, roles, instrument, "wide")
    frame = wide.reset_index(drop=True)
    attributes = [
        c
        for c in frame.columns
        if c not in items.values() and c not in (identity, variant, replicate)
    ]
    reserved = [c for c in attributes if c in COLUMNS]
    if reserved:
        column = reserved[0]
        chosen = roles.get(column)
        fix = (
            f"pass {column}={column!r} to use it as the {column} column, or rename it"
            if column in ROLES and chosen is None
            else "rename it"
            + (f" ({column}={chosen!r} names another column)" if column in ROLES else "")
        )
        raise ResponsesError(
            f"wide table column {column!r} is reserved in the tidy Responses table "
            f"({', '.join(COLUMNS)}); {fix} (e.g. df.rename(columns={{{column!r}: "
            f"'{column}_label'}}))"
        )
    if identity:
        _one_type(frame, identity)
    ids = frame[identity].astype(str) if identity else pd.Series("all", index=frame.index)
    if variant:
        _one_type(frame, variant)
        variants = frame[variant].astype(str)
    else:
        variants = ids.groupby(ids).cumcount().astype(str)
    if replicate:
        replicates = frame[replicate]
    else:
        replicates = pd.concat([ids, variants], axis=1).groupby([ids, variants]).cumcount()
    parts = []
    for code, column in items.items():
        item = instrument[code]
        values, ivs_missing = _wide_codes(frame, code, column, item)
        missing = values.isna() | ivs_missing
        raw = frame[column].map(lambda v: "" if v is None else str(v))
        reason = np.where(values.isna(), "empty in the wide table", "IVS missing code " + raw)
        part = pd.DataFrame(
            {
                "identity": ids,
                "variant": variants,
                "replicate": replicates,
                "item": code,
                "raw": np.where(missing, "", raw),
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
