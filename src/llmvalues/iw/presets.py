"""Map presets: an affine projection of the ten raw IVS codes plus the reference points it made.

A preset fixes every choice that moves a point on the map (PCA sample, weights, constants)
and carries the reference countries that were computed **with that same projection**, so a
model is never measured against countries from a different computation. Country
trajectories from another computation may ride along as a backdrop for the figure; they
carry their own citation and are never used for distances.

Built-in presets (each a consistent pair):

- ``hall2025``: M. Hall's waves 5–7 psych projection with the official constants and his
  own 107 country centroids (the default);
- ``tao2024``: Tao et al.'s projection (with their offset slip) and their 107 countries.

Users with IVS microdata build a third kind with :func:`llmvalues.iw.from_ivs`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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
    """An affine map from raw item codes to (x, y) and the reference points it produced.

    ``countries`` were computed with this very projection (they are what distances are
    measured to). ``metadata`` may record the (scale, offset) ``constants`` and the
    ``item_means`` of the sample the projection was computed on (a z-score of 0; the item
    influence of :mod:`llmvalues.iw.influence` needs them). ``trajectories`` are country × survey-year points drawn as a backdrop;
    ``trajectories_citation`` says where they come from and whether they are the same
    computation.
    """

    name: str
    coef: pd.DataFrame  # index: the 10 items; columns: x, y
    intercept: pd.Series  # index: x, y
    countries: pd.DataFrame  # country, x, y[, cultural_zone, year, s003, iso3]
    citation: str
    description: str
    trajectories: pd.DataFrame | None = None  # country, year, x, y (backdrop for the figure)
    trajectories_citation: str = ""
    metadata: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [i for i in ITEMS if i not in self.coef.index]
        if missing or list(self.coef.columns) != ["x", "y"]:
            raise ValueError(f"preset {self.name!r}: coef must cover {ITEMS} with columns x, y")

    @property
    def constants(self) -> dict[str, tuple[float, float]] | None:
        """``{"x": (scale, offset), "y": (scale, offset)}`` of the map, if the preset records it."""
        return self.metadata.get("constants")

    def with_constants(self, constants: dict[str, tuple[float, float]]) -> Preset:
        """The same projection and points re-expressed with other (scale, offset) constants.

        Every coordinate ``c = scale·s + offset`` becomes ``scale'·s + offset'``: the map's
        factor scores ``s`` and hence its geometry are unchanged, e.g. Tao et al.'s preset
        with the official constants is their map without the offset slip.
        """
        if self.constants is None:
            raise ValueError(
                f"preset {self.name!r} does not record its constants (metadata['constants']): "
                "its factor scores cannot be re-expressed with other constants"
            )
        if constants == self.constants:
            return self
        ratio = {a: constants[a][0] / self.constants[a][0] for a in ("x", "y")}

        def convert(frame: pd.DataFrame | None) -> pd.DataFrame | None:
            if frame is None:
                return None
            out = frame.copy()
            for a in ("x", "y"):
                out[a] = constants[a][1] + (frame[a] - self.constants[a][1]) * ratio[a]
            return out

        factor = pd.Series(ratio)[["x", "y"]]
        offsets = pd.Series(
            {a: constants[a][1] - self.constants[a][1] * ratio[a] for a in factor.index}
        )
        return replace(
            self,
            name=f"{self.name} ({constants_label(constants)})",
            coef=self.coef * factor,
            intercept=self.intercept[["x", "y"]] * factor + offsets,
            countries=convert(self.countries),
            trajectories=convert(self.trajectories),
            description=f"{self.description} Re-expressed with the {constants_label(constants)}.",
            metadata={**self.metadata, "constants": constants},
        )

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
            A missing item column, or a cell outside its item's scale (an IVS missing code
            must be NaN before projecting), named by column and row.
        """
        xy = self.project_array(raw_code_matrix(values))
        return pd.DataFrame(xy, columns=["x", "y"], index=values.index)

    def __repr__(self) -> str:
        return f"Preset({self.name!r}, {len(self.countries)} reference countries)"


def raw_code_matrix(values: pd.DataFrame) -> np.ndarray:
    """The ``ITEMS`` columns of a table of answers as floats, each cell checked.

    Empty cells stay NaN; anything else must lie on its item's scale (a raw code, or a
    mean or expected answer between the lowest and highest code).
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
        bad = codes.notna() & ~codes.between(item.lowest, item.highest)
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise ResponsesError(
                f"{where(pos)}: {show_value(codes.iloc[pos])} is outside the scale of "
                f"{item.ivs_code} ({item.lowest} to {item.highest}: {item.direction}); set IVS "
                "missing codes to NaN"
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


def constants_label(constants: dict[str, tuple[float, float]]) -> str:
    """A short name of a constants dict: "official constants", "Tao constants" or the formula."""
    if constants == OFFICIAL_CONSTANTS:
        return "official constants"
    if constants == TAO_CONSTANTS:
        return "Tao constants"
    (sx, ox), (sy, oy) = constants["x"], constants["y"]
    return f"constants x = {sx:g}*s {ox:+g}, y = {sy:g}*s {oy:+g}"


ECONOMIST_TRAJECTORIES = (
    "Trajectories (backdrop only, a different computation: never used for distances): "
    "The Economist, TheEconomist/cultural_map_python (MIT), the official WVS SPSS method "
    "pooled over all waves 1981-2023, S017-weighted means by country-year."
)


def _hall2025() -> Preset:
    params = reference.ivs_pca_parameters()
    coef, intercept = affine_from_pca(params, OFFICIAL_CONSTANTS)
    return Preset(
        name="hall2025",
        coef=coef,
        intercept=intercept,
        countries=reference.hall2025_countries(),
        citation=(
            "Projection and country points: M. Hall (2025), kwinkunks/ai-values (MIT), "
            "out/weights.txt, column_means.txt, column_sds.txt, country_centroids.csv."
        ),
        description=(
            "Hall's projection: psych::principal on IVS waves 5-7 (WVS 5-7, EVS 4-5), "
            "S017*S018 weights, varimax, axes named by content, unweighted z-scores, "
            "official constants (SurvSAgg = 1.81*s + 0.038, TradAgg = 1.61*s - 0.1); "
            "reference points: his 107 country centroids, the unweighted mean of every "
            "respondent's score in a country (waves 5-7 pooled), computed with this projection."
        ),
        trajectories=reference.country_trajectories(),
        trajectories_citation=ECONOMIST_TRAJECTORIES,
        metadata={
            "constants": OFFICIAL_CONSTANTS,
            "waves": (5, 6, 7),
            "item_means": params["mean"].loc[list(ITEMS)].to_dict(),
        },
    )


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
            "and -0.1, so this map is shifted by (+0.342, +0.090) against official constants); "
            "reference points: their 107 countries (mean over a country's surveys), computed "
            "with this projection."
        ),
        metadata={
            "constants": TAO_CONSTANTS,
            "waves": (5, 6, 7),
            # Tao et al. published the affine map, not their item means; Hall's moments are
            # of the same waves (S017·S018 weights where Tao used S017)
            "item_means": reference.ivs_pca_parameters()["mean"].loc[list(ITEMS)].to_dict(),
            "item_means_source": "Hall (2025) IVS waves 5-7 moments (Tao et al. published none)",
        },
    )


_BUILTIN = {"hall2025": _hall2025, "tao2024": _tao2024}
PRESETS = tuple(_BUILTIN)
DEFAULT_PRESET = "hall2025"


@cache
def _builtin(name: str) -> Preset:
    return _BUILTIN[name]()


def load_preset(name: str | Preset = DEFAULT_PRESET) -> Preset:
    """A built-in preset by name (``"hall2025"``, ``"tao2024"``), or a Preset unchanged."""
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


def compare_presets(values: pd.DataFrame, presets=PRESETS) -> pd.DataFrame:
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
