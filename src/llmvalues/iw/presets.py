"""Map presets: an affine projection of the ten raw IVS codes onto the IW map + its backdrop.

A preset fixes every choice that moves a point on the map (PCA sample, constants, offsets)
and carries the reference points that were computed the same way, so a model is never
drawn against countries from a different computation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd

from llmvalues.instruments import load_instrument
from llmvalues.iw import reference
from llmvalues.iw.items import ITEMS
from llmvalues.responses import ResponsesError, code_values, show_value

# Official WVS constants (SPSS syntax "tradrat"): TradAgg = 1.61·s − 0.1, SurvSAgg = 1.81·s + 0.038.
OFFICIAL_CONSTANTS = {"x": (1.81, 0.038), "y": (1.61, -0.1)}
# Tao et al. (2024) wrote +0.38 and −0.01 instead of +0.038 and −0.1.
TAO_CONSTANTS = {"x": (1.81, 0.38), "y": (1.61, -0.01)}


@dataclass(frozen=True)
class Preset:
    """An affine map from raw item codes to (x, y) plus the reference points drawn behind it."""

    name: str
    coef: pd.DataFrame  # index: the 10 items; columns: x, y
    intercept: pd.Series  # index: x, y
    countries: pd.DataFrame  # country, x, y[, cultural_zone, year, s003, iso3]
    citation: str
    description: str
    trajectories: pd.DataFrame | None = None  # country, year, x, y
    metadata: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [i for i in ITEMS if i not in self.coef.index]
        if missing or list(self.coef.columns) != ["x", "y"]:
            raise ValueError(f"preset {self.name!r}: coef must cover {ITEMS} with columns x, y")

    @property
    def items(self) -> tuple[str, ...]:
        return ITEMS

    def project_array(self, values: np.ndarray) -> np.ndarray:
        """(…, 10) raw codes in ``ITEMS`` order → (…, 2) map positions (x, y)."""
        values = np.asarray(values, dtype=float)
        if values.shape[-1] != len(ITEMS):
            raise ValueError(
                f"expected the last axis to hold {len(ITEMS)} items, got {values.shape}"
            )
        coef = self.coef.loc[list(ITEMS)].to_numpy()
        return values @ coef + self.intercept[["x", "y"]].to_numpy()

    def project(self, values: pd.DataFrame) -> pd.DataFrame:
        """Rows of raw codes (item columns in any case) → DataFrame with x, y (NaN if incomplete).

        Raises
        ------
        ResponsesError
            A missing item column, or a cell that is not one of its item's codes (an IVS
            missing code must be NaN before projecting), named by column and row.
        """
        xy = self.project_array(raw_code_matrix(values))
        return pd.DataFrame(xy, columns=["x", "y"], index=values.index)

    def __repr__(self) -> str:
        return f"Preset({self.name!r}, {len(self.countries)} reference countries)"


def raw_code_matrix(values: pd.DataFrame) -> np.ndarray:
    """The ``ITEMS`` columns of a table of raw codes as floats, each cell checked.

    Empty cells stay NaN; anything else must be one of its item's codes.
    """
    if not isinstance(values, pd.DataFrame):
        raise ResponsesError(
            f"answers to project must be a DataFrame with one column per item, got "
            f"{type(values).__name__}"
        )
    columns = {str(c).strip().lower(): c for c in values.columns}
    missing = [i for i in ITEMS if i not in columns]
    if missing:
        raise ResponsesError(f"cannot project: item column(s) {missing} missing")
    instrument = load_instrument()
    matrix = []
    for code in ITEMS:
        column = columns[code]

        def where(pos: int, column=column) -> str:
            return f"column {column!r}, row {values.index[pos]!r}"

        codes = code_values(values[column], where)
        item = instrument[code]
        bad = codes.notna() & ~codes.isin(item.codes)
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise ResponsesError(
                f"{where(pos)}: {show_value(codes.iloc[pos])} is not a code of {item.ivs_code} "
                f"({item.direction}; valid: {list(item.codes)}); set IVS missing codes to NaN"
            )
        matrix.append(codes.to_numpy())
    return np.column_stack(matrix) if matrix else np.empty((0, len(ITEMS)))


def affine_from_pca(params: pd.DataFrame, constants: dict[str, tuple[float, float]]) -> tuple:
    """Means, SDs and score weights + (scale, offset) per axis → (coef, intercept)."""
    coef, intercept = {}, {}
    for axis, weights in (("x", "w_survself"), ("y", "w_tradrat")):
        scale, offset = constants[axis]
        w = params[weights] / params["sd"]
        coef[axis] = scale * w
        intercept[axis] = offset - scale * float((w * params["mean"]).sum())
    return pd.DataFrame(coef).loc[list(ITEMS)], pd.Series(intercept)


def _latest_per_country(trajectories: pd.DataFrame) -> pd.DataFrame:
    latest = trajectories.sort_values("year").groupby("country", as_index=False).tail(1)
    return latest.sort_values("country", ignore_index=True)


def _tao2024() -> Preset:
    proj = reference.tao2024_projection()
    return Preset(
        name="tao2024",
        coef=proj.loc[list(ITEMS), ["x", "y"]],
        intercept=proj.loc["intercept", ["x", "y"]],
        countries=reference.tao2024_countries(),
        citation=(
            "Tao, Viberg, Baker & Kizilcec (2024). Cultural bias and cultural alignment of "
            "large language models. PNAS Nexus 3(9), pgae346. Replication files OSF 7sj3w."
        ),
        description=(
            "Tao et al.'s projection: individual-level PCA on IVS waves 5-7 (2005-2022), "
            "varimax, constants 1.81*s+0.38 and 1.61*s-0.01 (the official offsets are +0.038 "
            "and -0.1, so this map is the official one shifted by about (+0.34, +0.09)); "
            "107 countries pooled over waves 5-7."
        ),
        metadata={"constants": TAO_CONSTANTS, "waves": (5, 6, 7)},
    )


def _wvs_official() -> Preset:
    coef, intercept = affine_from_pca(reference.ivs_pca_parameters(), OFFICIAL_CONSTANTS)
    trajectories = reference.country_trajectories()
    return Preset(
        name="wvs_official",
        coef=coef,
        intercept=intercept,
        countries=_latest_per_country(trajectories),
        trajectories=trajectories,
        citation=(
            "Projection: official WVS method (SPSS 'tradrat' syntax) with IVS waves 5-7 "
            "parameters from M. Hall, kwinkunks/ai-values (MIT). Country points: The Economist, "
            "TheEconomist/cultural_map_python (MIT), official method pooled over 1981-2023."
        ),
        description=(
            "Official constants (TradAgg = 1.61*s - 0.1, SurvSAgg = 1.81*s + 0.038) on IVS "
            "waves 5-7 means, SDs and regression weights; reference points are each country's "
            "latest survey from the official all-waves computation (trajectories 1981-2023)."
        ),
        metadata={"constants": OFFICIAL_CONSTANTS, "waves": (5, 6, 7)},
    )


_BUILTIN = {"tao2024": _tao2024, "wvs_official": _wvs_official}
PRESETS = tuple(_BUILTIN)


@cache
def _builtin(name: str) -> Preset:
    return _BUILTIN[name]()


def load_preset(name: str | Preset = "wvs_official") -> Preset:
    """A built-in preset by name (``"wvs_official"``, ``"tao2024"``), or a Preset unchanged."""
    if isinstance(name, Preset):
        return name
    if not isinstance(name, str):
        raise TypeError(
            f"a preset is a built-in name ({', '.join(PRESETS)}) or a Preset object, got a "
            f"{type(name).__name__}; build a Preset from your own IVS microdata with "
            "llmvalues.iw.from_ivs(...).preset, or from coefficients with "
            "llmvalues.iw.Preset(name=..., coef=..., intercept=..., countries=..., ...)"
        )
    if name not in _BUILTIN:
        raise ValueError(
            f"unknown map preset {name!r}; built-in: {list(PRESETS)} "
            "(or build one from your IVS microdata with llmvalues.iw.from_ivs)"
        )
    return _builtin(name)


def compare_presets(values: pd.DataFrame, presets=("wvs_official", "tao2024")) -> pd.DataFrame:
    """Place the same answer sets with several presets: one row per (set, preset), and shifts."""
    frames = []
    for p in presets:
        preset = load_preset(p)
        xy = preset.project(values)
        frames.append(xy.assign(preset=preset.name, set=values.index))
    out = pd.concat(frames, ignore_index=True)
    first = out[out["preset"] == load_preset(presets[0]).name].set_index("set")[["x", "y"]]
    shifted = out.merge(first, left_on="set", right_index=True, suffixes=("", "_ref"))
    out["dx"] = shifted["x"] - shifted["x_ref"]
    out["dy"] = shifted["y"] - shifted["y_ref"]
    return out[["set", "preset", "x", "y", "dx", "dy"]]
