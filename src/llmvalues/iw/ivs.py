"""Read a user's WVS / EVS trend file into one tidy row per respondent with the ten IW items.

The WVS Trend File (1981-2022) and the EVS Trend File (ZA7503) may not be redistributed:
users download them after registering and point ``read_ivs`` at their copy (.sav, .dta or
a .csv with the same variable names, any case). Only the variables the map needs are read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

from llmvalues.instruments.recode import autonomy_index, postmaterialist_index
from llmvalues.iw.countries import country_name
from llmvalues.iw.items import ITEMS, VALID_CODES

# Child qualities behind Y003 (autonomy index) and the two aims behind Y002.
Y003_COMPONENTS = {
    "independence": "A029",
    "determination": "A039",
    "faith": "A040",
    "obedience": "A042",
}
Y002_COMPONENTS = ("E003", "E004")
# EVS wave (S002EVS) -> IVS chronology on the WVS numbering (the S002VS convention):
# EVS 1981-84 = 1, 1990-93 = 2, 1999-2001 = 4, 2008-10 = 5, 2017-21 = 7.
EVS_TO_IVS_WAVE = {1: 1, 2: 2, 3: 4, 4: 5, 5: 7}
# Codes of the child-quality dummies when the file carries no value labels: the trend files
# code 1 mentioned / 0 not mentioned; the wave files 1 mentioned / 2 not mentioned.
DEFAULT_MENTION_CODES = {0.0: 0.0, 1.0: 1.0, 2.0: 0.0}

OUTPUT_COLUMNS = ("country", "s003", "s025", "year", "wave", "source", "weight", *ITEMS)
_WAVE_VARIABLES = ("S002VS", "S002", "S002EVS")


def read_ivs(
    path: str | PathLike,
    waves: Iterable[int] | None = None,
    weights: str | None = "S017",
    *,
    out_of_range: str = "error",
) -> pd.DataFrame:
    """Read a WVS/EVS trend file (.sav, .dta, .csv) into one row per respondent (see module)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"IVS file not found: {path}")
    names, labels = _header(path)
    lookup = _case_map(names, path)
    wanted = _wanted_variables(lookup, weights, path)
    raw = _read_columns(path, [lookup[v] for v in wanted])
    raw.columns = [str(c).upper() for c in raw.columns]
    upper_labels = {str(k).upper(): v for k, v in labels.items()}
    return harmonize_ivs(
        raw,
        waves=waves,
        weights=weights,
        value_labels=upper_labels,
        source=str(path),
        out_of_range=out_of_range,
    )


def harmonize_ivs(
    raw: pd.DataFrame,
    waves: Iterable[int] | None = None,
    weights: str | None = "S017",
    *,
    value_labels: Mapping[str, Mapping[float, str]] | None = None,
    source: str = "<data frame>",
    out_of_range: str = "error",
) -> pd.DataFrame:
    """Trend-file variables already in memory (any case) → the tidy frame ``read_ivs`` returns."""
    if out_of_range not in ("error", "missing"):
        raise ValueError(f"out_of_range must be 'error' or 'missing', got {out_of_range!r}")
    raw = raw.reset_index(drop=True)
    lookup = _case_map(raw.columns, source)
    wanted = _wanted_variables(lookup, weights, source)  # raises naming every missing one
    col = {name: raw[lookup[name]] for name in wanted}
    labels = {str(k).upper(): v for k, v in (value_labels or {}).items()}

    wave, origin = _waves(col, source)
    keep = np.ones(len(raw), dtype=bool)
    if waves is not None:
        waves = tuple(sorted({int(w) for w in waves}))
        wanted_waves = list(waves)
        keep = wave.isin(wanted_waves).to_numpy()
        if not keep.any():
            present = sorted(int(w) for w in wave.dropna().unique())
            raise ValueError(
                f"{source}: no respondents in waves {wanted_waves}; waves present: {present} "
                "(IVS numbering: EVS waves are mapped to the WVS wave of their period)"
            )
    col = {k: _numeric(v, k, source)[keep].reset_index(drop=True) for k, v in col.items()}
    wave = wave[keep].reset_index(drop=True)
    origin = origin[keep].reset_index(drop=True)

    out = pd.DataFrame(index=pd.RangeIndex(int(keep.sum())))
    s003 = col["S003"]
    if s003.isna().any():
        raise ValueError(
            f"{source}: S003 (country code) is missing for {int(s003.isna().sum())} rows"
        )
    out["country"] = s003.map(_country_names(s003, source)).astype(object)
    out["s003"] = s003.astype("int64")
    out["year"] = _integers(col["S020"], "S020", source)
    s025 = col["S025"].where(col["S025"] > 0) if "S025" in col else s003 * 10000 + col["S020"]
    out["s025"] = _integers(s025, "S025", source)
    out["wave"] = _integers(wave, "wave", source)
    out["source"] = origin
    out["weight"] = _weights(col, weights, source)

    stats = {"y003_from_components": 0, "y002_from_aims": 0}
    for item in ITEMS:
        out[item] = _item(item, col, labels, source, out_of_range, stats)
    out.attrs.update(source_file=source, weights=weights, waves=waves, **stats)
    return out[list(OUTPUT_COLUMNS)]


def _header(path: Path) -> tuple[list[str], dict]:
    """Variable names and value labels of a file, without reading its data."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return [str(c) for c in pd.read_csv(path, nrows=0).columns], {}
    reader = _stat_reader(path)
    _, meta = reader(str(path), metadataonly=True)
    return list(meta.column_names), dict(meta.variable_value_labels)


def _read_columns(path: Path, columns: list[str]) -> pd.DataFrame:
    """Only the named columns of a .sav/.dta/.csv (user-missing codes of a .sav become NaN)."""
    if path.suffix.lower() == ".csv":
        return pd.read_csv(path, usecols=columns)
    frame, _ = _stat_reader(path)(str(path), usecols=columns, user_missing=False)
    return frame


def _stat_reader(path: Path):
    suffix = path.suffix.lower()
    if suffix == ".sav" or suffix == ".zsav":
        return pyreadstat.read_sav
    if suffix == ".dta":
        return pyreadstat.read_dta
    raise ValueError(f"{path}: unsupported file type {suffix!r}; use .sav, .dta or .csv")


def _case_map(names: Iterable, source) -> dict[str, str]:
    """UPPER-case variable name → the name as spelled in the file; clashes are an error."""
    lookup: dict[str, str] = {}
    for name in names:
        key = str(name).upper()
        if key in lookup:
            raise ValueError(
                f"{source}: variables {lookup[key]!r} and {name!r} differ only in case"
            )
        lookup[key] = name
    return lookup


def _weight_variables(weights: str | None) -> list[str]:
    if weights is None:
        return []
    if not isinstance(weights, str) or not weights.strip():
        raise ValueError(
            f"weights must be a variable name such as 'S017', 'S017*S018' or None, got {weights!r}"
        )
    return [w.strip().upper() for w in weights.split("*")]


def _wanted_variables(lookup: Mapping[str, str], weights: str | None, source) -> list[str]:
    """Variables to read; raises naming every variable the map needs but the file lacks."""
    wanted = ["S003", "S020", *_weight_variables(weights)]
    missing = [v for v in wanted if v not in lookup]
    wanted += [v for v in ("S001", "S025", *_WAVE_VARIABLES) if v in lookup]
    if not any(v in lookup for v in _WAVE_VARIABLES):
        missing.append("S002 or S002EVS (wave)")
    derived = {"y003": tuple(Y003_COMPONENTS.values()), "y002": Y002_COMPONENTS}
    for item in ITEMS:
        code = item.upper()
        parts = derived.get(item, ())
        present_parts = [p for p in parts if p in lookup]
        if code in lookup:
            wanted.append(code)
            if parts and len(present_parts) == len(parts):
                wanted += present_parts  # fills rows where the ready-made index is missing
        elif parts and len(present_parts) == len(parts):
            wanted += present_parts
        elif parts:
            absent = [p for p in parts if p not in lookup]
            missing.append(
                f"{code} (or its components {', '.join(parts)}; lacking {', '.join(absent)})"
            )
        else:
            missing.append(code)
    if missing:
        raise ValueError(f"{source}: missing IVS variable(s): {'; '.join(missing)}")
    return list(dict.fromkeys(wanted))


def _numeric(values: pd.Series, name: str, source) -> pd.Series:
    converted = pd.to_numeric(values, errors="coerce").astype(float)
    bad = converted.isna() & values.notna()
    if bad.any():
        examples = sorted({str(v) for v in values[bad]})[:3]
        raise ValueError(f"{source}: variable {name} has non-numeric values {examples}")
    return converted


def _integers(values: pd.Series, name: str, source) -> pd.Series:
    """Whole-number codes as nullable integers; a fractional code is an error."""
    fractional = values.notna() & (values != np.round(values))
    if fractional.any():
        raise ValueError(
            f"{source}: {name} has non-integer values {sorted(values[fractional].unique())[:3]}"
        )
    return values.astype("Int64")


def _waves(col: Mapping[str, pd.Series], source) -> tuple[pd.Series, pd.Series]:
    """IVS wave (WVS numbering) and origin (WVS/EVS) per row, from S002VS, S002, S002EVS, S001."""
    n = len(next(iter(col.values())))
    study = (
        _numeric(col["S001"], "S001", source)
        if "S001" in col
        else pd.Series(np.nan, index=range(n))
    )
    wvs = _positive(col, "S002", source, n)
    evs = _positive(col, "S002EVS", source, n)
    unknown = evs.notna() & ~evs.isin(list(EVS_TO_IVS_WAVE))
    if unknown.any():
        raise ValueError(
            f"{source}: S002EVS has unknown EVS wave(s) {sorted(evs[unknown].unique())}"
        )
    is_evs = (study == 1) | (study.isna() & wvs.isna() & evs.notna())
    origin = pd.Series(np.where(is_evs, "EVS", np.where(study == 2, "WVS", None)), dtype=object)
    origin[origin.isna() & wvs.notna()] = "WVS"
    wave = wvs.where(~is_evs, evs.map(EVS_TO_IVS_WAVE))
    if "S002VS" in col:
        ivs_wave = _positive(col, "S002VS", source, n)
        wave = ivs_wave.where(ivs_wave.notna(), wave)
    return wave, origin


def _positive(col: Mapping[str, pd.Series], name: str, source, n: int) -> pd.Series:
    if name not in col:
        return pd.Series(np.nan, index=range(n))
    values = _numeric(col[name], name, source).reset_index(drop=True)
    return values.where(values > 0)


def _country_names(s003: pd.Series, source) -> dict[float, str]:
    names, unknown = {}, []
    for code in s003.unique():
        try:
            names[code] = country_name(int(code))
        except KeyError:
            unknown.append(int(code))
    if unknown:
        raise ValueError(f"{source}: S003 has unknown country code(s) {sorted(unknown)}")
    return names


def _weights(col: Mapping[str, pd.Series], weights: str | None, source) -> pd.Series:
    n = len(col["S003"])
    product = pd.Series(1.0, index=range(n))
    for name in _weight_variables(weights):
        values = col[name]
        if (values < 0).any():
            raise ValueError(
                f"{source}: weight variable {name} has negative values "
                f"{sorted(values[values < 0].unique())[:3]}"
            )
        product = product * values
    return product


def _item(item: str, col, labels, source, out_of_range: str, stats: dict) -> pd.Series:
    """One item's raw codes with IVS missing codes as NaN, ready-made or built from components."""
    code = item.upper()
    values = _missing_to_nan(item, col[code]) if code in col else None
    if item == "y003" and all(v in col for v in Y003_COMPONENTS.values()):
        built = _autonomy_from_components(col, labels, source)
        values, filled = _fill(values, built)
        stats["y003_from_components"] = filled
    if item == "y002" and all(v in col for v in Y002_COMPONENTS):
        built = _postmaterialism_from_aims(col, source)
        values, filled = _fill(values, built)
        stats["y002_from_aims"] = filled
    return _check_codes(item, values, source, out_of_range)


def _missing_to_nan(item: str, values: pd.Series) -> pd.Series:
    """IVS missing codes → NaN: negative codes, except Y003's valid −2, −1 (missing: ≤ −3)."""
    floor = -2 if item == "y003" else 1
    return values.where(values >= floor)


def _fill(values: pd.Series | None, built: pd.Series) -> tuple[pd.Series, int]:
    if values is None:
        return built, int(built.notna().sum())
    gaps = values.isna() & built.notna()
    return values.where(~gaps, built), int(gaps.sum())


def _check_codes(item: str, values: pd.Series, source, out_of_range: str) -> pd.Series:
    bad = values.notna() & ~values.isin(VALID_CODES[item])
    if bad.any():
        if out_of_range == "missing":
            return values.where(~bad)
        counts = values[bad].value_counts().sort_index()
        shown = ", ".join(f"{v:g} ({n}x)" for v, n in counts.head(5).items())
        raise ValueError(
            f"{source}: {item.upper()} has codes outside {VALID_CODES[item]} that are not IVS "
            f"missing codes: {shown}; pass out_of_range='missing' to treat them as missing"
        )
    return values


def _mention_codes(name: str, labels: Mapping[float, str] | None) -> dict[float, float]:
    """Code → 1 mentioned / 0 not mentioned for a child-quality dummy, from its value labels."""
    coded = {float(k): str(v) for k, v in (labels or {}).items() if float(k) >= 0}
    if not coded:
        return dict(DEFAULT_MENTION_CODES)
    mapping = {}
    for value, text in coded.items():
        lowered = text.lower().strip()
        if lowered.startswith("no") or "not " in lowered:  # not mentioned, not important, no
            mapping[value] = 0.0
        elif any(word in lowered for word in ("mention", "important", "chosen", "yes")):
            mapping[value] = 1.0
        else:
            raise ValueError(
                f"{name}: cannot tell whether value label {value:g}={text!r} means mentioned"
            )
    return mapping


def _autonomy_from_components(col, labels, source) -> pd.Series:
    """Y003 = (A029 + A039) − (A040 + A042) via ``autonomy_index``; NaN if any part is missing."""
    parts = []
    for name in Y003_COMPONENTS.values():
        values = col[name].where(col[name] >= 0)
        mapping = _mention_codes(name, labels.get(name))
        unknown = values.notna() & ~values.isin(list(mapping))
        if unknown.any():
            raise ValueError(
                f"{source}: {name} has codes {sorted(values[unknown].unique())} that are neither "
                f"mentioned nor not mentioned ({mapping})"
            )
        parts.append(values.map(mapping).to_numpy(dtype=float))
    return pd.Series(autonomy_index(*parts), index=col["S003"].index, dtype=float)


def _postmaterialism_from_aims(col, source) -> pd.Series:
    """Y002 from the first (E003) and second (E004) aims via ``postmaterialist_index``."""
    first = col["E003"].where(col["E003"] > 0)
    second = col["E004"].where(col["E004"] > 0)
    for name, values in (("E003", first), ("E004", second)):
        bad = values.notna() & ~values.isin([1, 2, 3, 4])
        if bad.any():
            raise ValueError(
                f"{source}: {name} has codes {sorted(values[bad].unique())} outside 1..4"
            )
    both = first.notna() & second.notna()
    same = both & (first == second)
    if same.any():
        raise ValueError(f"{source}: E003 and E004 name the same aim in {int(same.sum())} rows")
    out = pd.Series(np.nan, index=first.index)
    pairs = pd.DataFrame({"a": first[both].astype(int), "b": second[both].astype(int)})
    lookup = {p: postmaterialist_index(*p) for p in set(zip(pairs["a"], pairs["b"], strict=True))}
    out[both] = [lookup[p] for p in zip(pairs["a"], pairs["b"], strict=True)]
    return out
