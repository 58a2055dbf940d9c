"""Files for other tools: tables as CSV and Parquet, Responses as SPSS ``.sav`` and Stata ``.dta``.

The SPSS/Stata files hold one row per response set (identity, variant, replicate and the
attributes constant within it), and per item three variables: the raw IVS code with its
value labels (from the instrument) and the item's content as variable label, the answer
status (coded, labelled) and the raw reply text (trailing blanks dropped: SPSS pads strings
with blanks). Stata names are ≤ 32 characters, labels ≤ 80; replies longer than Stata's
2,045-byte ``str`` limit are written as ``strL``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from llmvalues.instruments import STATUSES, Instrument, Item, load_instrument
from llmvalues.responses import KEY

LABEL_LIMIT = 80  # Stata's variable- and value-label length (SPSS allows more)
NAME_LIMIT = 32  # Stata's variable-name length
STATUS_CODES = {status: i + 1 for i, status in enumerate(STATUSES)}
_PAIR = re.compile(r"([+-]?\d+)\s*=\s*([^,.;]+?)(?=\s*(?:,|\.\.\.|;|$))")


def _scalar(value: object) -> object:
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def _storable(table: pd.DataFrame) -> pd.DataFrame:
    """Object columns holding dicts/lists as JSON text (Parquet and Stata need scalars)."""
    out = table.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(_scalar)
            kinds = {type(v) for v in out[column].dropna()}
            if len(kinds) > 1:
                out[column] = out[column].map(lambda v: v if v is None else str(v))
    return out


def write_tables(tables: dict[str, pd.DataFrame], folder: str | Path) -> list[Path]:
    """Each table as ``<stem>.csv`` and ``<stem>.parquet`` in ``folder``; the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, table in tables.items():
        clean = _storable(table)
        clean.columns = [str(c) for c in clean.columns]
        clean.to_csv(folder / f"{stem}.csv", index=False)
        clean.to_parquet(folder / f"{stem}.parquet", index=False)
        written += [folder / f"{stem}.csv", folder / f"{stem}.parquet"]
    return written


def value_labels(item: Item) -> dict[int, str]:
    """Labels of an item's raw codes: the instrument's labels, completed from its direction
    text ("1 = materialist (order and prices), 2 = mixed, …")."""
    labels = {int(k): str(v) for k, v in item.labels.items()}
    for code, text in _PAIR.findall(item.direction):
        labels.setdefault(int(code), text.strip())
    return {k: v[:LABEL_LIMIT] for k, v in sorted(labels.items()) if k in item.codes}


def _name(text: str, taken: set[str]) -> str:
    """A Stata- and SPSS-safe variable name (letters, digits, _; starts with a letter)."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", text).strip("_") or "v"
    if not name[0].isalpha():
        name = "v_" + name
    name = name[:NAME_LIMIT]
    base, k = name, 2
    while name.lower() in taken:
        suffix = f"_{k}"
        name = base[: NAME_LIMIT - len(suffix)] + suffix
        k += 1
    taken.add(name.lower())
    return name


def wide_responses(
    responses: pd.DataFrame, instrument: Instrument | None = None
) -> tuple[pd.DataFrame, dict[str, str], dict[str, dict[int, str]]]:
    """One row per response set: the table, variable labels and value labels by column."""
    instrument = instrument or load_instrument()
    sets = list(KEY[:3])
    grouped = responses.groupby(sets, sort=False)
    skip = {*KEY, "raw", "code", "status", "reason", "probs", "distribution", "cell_key"}
    constant = [
        c
        for c in responses.columns
        if c not in skip and (grouped[c].nunique(dropna=False) <= 1).all()
    ]
    wide = (
        grouped[constant].first().reset_index() if constant else grouped.size().reset_index()[sets]
    )
    taken: set[str] = set()
    renamed = {c: _name(c, taken) for c in wide.columns}
    wide = wide.rename(columns=renamed)
    variable_labels = {renamed[c]: c.replace("_", " ") for c in renamed}
    labels: dict[str, dict[int, str]] = {}
    status_labels = {code: status for status, code in STATUS_CODES.items()}
    index = pd.MultiIndex.from_frame(responses[sets].drop_duplicates())
    by_set = responses.set_index(sets)
    for item in instrument:
        rows = by_set[by_set["item"] == item.code].reindex(index)
        code, status, raw = (
            _name(item.ivs_code, taken),
            _name(f"{item.ivs_code}_status", taken),
            _name(f"{item.ivs_code}_raw", taken),
        )
        wide[code] = rows["code"].to_numpy(dtype=float)
        wide[status] = rows["status"].map(STATUS_CODES).to_numpy(dtype=float)
        wide[raw] = rows["raw"].fillna("").astype(str).str.rstrip().to_numpy()
        variable_labels[code] = item.content[:LABEL_LIMIT]
        variable_labels[status] = f"{item.ivs_code}: answer status"[:LABEL_LIMIT]
        variable_labels[raw] = f"{item.ivs_code}: reply as given"[:LABEL_LIMIT]
        labels[code] = value_labels(item)
        labels[status] = status_labels
    for column in wide.columns:
        if wide[column].dtype == object:
            wide[column] = wide[column].map(_scalar).fillna("").astype(str)
        elif wide[column].dtype == bool:
            wide[column] = wide[column].astype(float)
    return wide, {c: variable_labels[c][:LABEL_LIMIT] for c in wide.columns}, labels


def export_spss_stata(
    responses: pd.DataFrame,
    folder: str | Path,
    formats: tuple[str, ...] = ("spss", "stata"),
    label: str = "llmvalues Responses",
) -> list[Path]:
    """Write ``responses.sav`` and/or ``responses.dta`` (one row per response set).

    Parameters
    ----------
    responses
        A validated Responses table.
    folder
        Where to write.
    formats
        ``"spss"`` and/or ``"stata"``.
    label
        The file label (≤ 80 characters).

    Returns
    -------
    list of pathlib.Path
    """
    import pyreadstat

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    wide, variable_labels, labels = wide_responses(responses)
    writers = {"spss": (pyreadstat.write_sav, "sav"), "stata": (pyreadstat.write_dta, "dta")}
    written = []
    for fmt in formats:
        write, suffix = writers[fmt]
        path = folder / f"responses.{suffix}"
        write(
            wide,
            path,
            file_label=label[:LABEL_LIMIT],
            column_labels=variable_labels,
            variable_value_labels=labels,
        )
        written.append(path)
    return written
