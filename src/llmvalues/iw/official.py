"""The official WVS cultural-map computation (SPSS "tradrat" syntax) on IVS microdata.

S017-weighted pairwise correlations of the ten items → principal components (2) → varimax
with Kaiser normalisation (25 iterations max) → regression factor scores on weighted
z-scores (complete cases) → TradAgg = 1.61·tradrat − 0.1, SurvSAgg = 1.81·survself + 0.038
→ weighted means by S025 (country × year). Axes are named by content, never by order.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from llmvalues.executor import parallel_map
from llmvalues.iw.items import ITEMS
from llmvalues.iw.ivs import read_ivs
from llmvalues.iw.presets import OFFICIAL_CONSTANTS, TAO_CONSTANTS, Preset, affine_from_pca
from llmvalues.summary import Summary


def _as_arrays(data, weights) -> tuple[np.ndarray, np.ndarray]:
    data = np.asarray(data, dtype=float)
    if data.ndim != 2:
        raise ValueError(f"data must be 2-D (respondents x items), got shape {data.shape}")
    weights = np.asarray(weights, dtype=float)
    if weights.shape != (data.shape[0],):
        raise ValueError(
            f"weights must have one value per row ({data.shape[0]}), got {weights.shape}"
        )
    if np.any(~np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError("weights must be finite and non-negative")
    return data, weights


def weighted_moments(data, weights) -> tuple[np.ndarray, np.ndarray]:
    """Per-column weighted mean and SD over available cases (frequency weights: Σw − 1)."""
    data, weights = _as_arrays(data, weights)
    means, sds = np.full(data.shape[1], np.nan), np.full(data.shape[1], np.nan)
    for j in range(data.shape[1]):
        ok = ~np.isnan(data[:, j])
        w, x = weights[ok], data[ok, j]
        total = w.sum()
        if total <= 1:
            continue
        means[j] = np.dot(w, x) / total
        sds[j] = np.sqrt(np.dot(w, (x - means[j]) ** 2) / (total - 1))
    return means, sds


def weighted_correlation(data, weights) -> np.ndarray:
    """Weighted Pearson correlations, pairwise deletion (each pair on its complete cases)."""
    data, weights = _as_arrays(data, weights)
    k = data.shape[1]
    corr = np.eye(k)
    valid = ~np.isnan(data)
    for i in range(k):
        for j in range(i + 1, k):
            ok = valid[:, i] & valid[:, j]
            w, x, y = weights[ok], data[ok, i], data[ok, j]
            total = w.sum()
            if total <= 0:
                corr[i, j] = corr[j, i] = np.nan
                continue
            dx = x - np.dot(w, x) / total
            dy = y - np.dot(w, y) / total
            denom = np.sqrt(np.dot(w, dx * dx) * np.dot(w, dy * dy))
            corr[i, j] = corr[j, i] = np.dot(w, dx * dy) / denom if denom > 0 else np.nan
    return corr


def principal_components(corr, n_factors: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """All eigenvalues (descending) and the loadings (eigenvector·√eigenvalue) of the first n."""
    corr = np.asarray(corr, dtype=float)
    if corr.ndim != 2 or corr.shape[0] != corr.shape[1] or not np.allclose(corr, corr.T):
        raise ValueError("principal_components needs a symmetric square correlation matrix")
    if np.isnan(corr).any():
        raise ValueError("correlation matrix contains NaN")
    values, vectors = np.linalg.eigh(corr)
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    if values[n_factors - 1] <= 0:
        raise ValueError(f"correlation matrix has fewer than {n_factors} positive eigenvalues")
    vectors = vectors * np.where(vectors.sum(axis=0) < 0, -1.0, 1.0)  # deterministic signs
    return values, vectors[:, :n_factors] * np.sqrt(values[:n_factors])


def varimax_criterion(loadings) -> float:
    """Raw varimax criterion: Σ_factors variance of the squared loadings (Kaiser 1958)."""
    squared = np.asarray(loadings, dtype=float) ** 2
    return float(np.sum(np.mean(squared**2, axis=0) - np.mean(squared, axis=0) ** 2))


def varimax(
    loadings, normalize: bool = True, max_iter: int = 25, tol: float = 1e-12
) -> tuple[np.ndarray, np.ndarray, int]:
    """Kaiser's planar-rotation varimax, as SPSS runs it → (rotated = L @ T, T, sweeps)."""
    loadings = np.asarray(loadings, dtype=float)
    p, k = loadings.shape
    scale = np.sqrt(np.sum(loadings**2, axis=1)) if normalize else np.ones(p)
    if np.any(scale == 0):
        raise ValueError("varimax: a variable has zero communality; Kaiser normalisation undefined")
    a = loadings / scale[:, None]
    rotation = np.eye(k)
    sweeps = 0
    for sweeps in range(1, max_iter + 1):  # noqa: B007 - sweeps is reported
        largest = 0.0
        for i in range(k - 1):
            for j in range(i + 1, k):
                phi = _planar_angle(a[:, i], a[:, j])
                largest = max(largest, abs(phi))
                c, s = np.cos(phi), np.sin(phi)
                givens = np.array([[c, -s], [s, c]])
                a[:, [i, j]] = a[:, [i, j]] @ givens
                rotation[:, [i, j]] = rotation[:, [i, j]] @ givens
        if largest < tol:
            break
    return a * scale[:, None], rotation, sweeps


def _planar_angle(x: np.ndarray, y: np.ndarray) -> float:
    """Angle maximising the varimax criterion of two columns (Kaiser's closed form)."""
    n = len(x)
    u, v = x**2 - y**2, 2 * x * y
    a, b = u.sum(), v.sum()
    numerator = 2 * (np.dot(u, v) - a * b / n)
    denominator = np.dot(u, u) - np.dot(v, v) - (a * a - b * b) / n
    return float(np.arctan2(numerator, denominator) / 4)


def regression_score_weights(corr, loadings) -> np.ndarray:
    """Thurstone regression factor-score weights R⁻¹L (SPSS /SAVE REG), applied to z-scores."""
    corr = np.asarray(corr, dtype=float)
    try:
        return np.linalg.solve(corr, np.asarray(loadings, dtype=float))
    except np.linalg.LinAlgError as error:
        raise ValueError(
            "correlation matrix is singular: the items are linearly dependent"
        ) from error


CONSTANTS = {"official": OFFICIAL_CONSTANTS, "tao2024": TAO_CONSTANTS}
COUNTRY_MEANS = ("weighted", "unweighted")
AXES = ("survself", "tradrat")


def orient_axes(loadings: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Name rotated components by content (survself: Y002/F118, F118 > 0; tradrat: F063 < 0)."""
    weight_on = (loadings.loc[["y002", "f118"]] ** 2).sum(axis=0).to_numpy()
    surv = int(np.argmax(weight_on))
    trad = 1 - surv
    oriented = pd.DataFrame(
        {"survself": loadings.iloc[:, surv], "tradrat": loadings.iloc[:, trad]},
        index=loadings.index,
    )
    if oriented.loc["f118", "survself"] < 0:
        oriented["survself"] *= -1
    if oriented.loc["f063", "tradrat"] > 0:
        oriented["tradrat"] *= -1
    return oriented, {"survself": surv, "tradrat": trad}


@dataclass(frozen=True)
class IVSMap:
    """An IW map computed from IVS microdata: preset, country-year points and the fitted PCA."""

    preset: Preset
    country_year: pd.DataFrame  # country, s003, year, s025, x, y, n
    parameters: pd.DataFrame  # index ITEMS; mean, sd, w_survself, w_tradrat
    loadings: pd.DataFrame  # index ITEMS; rotated, oriented: survself, tradrat
    explained_variance: pd.Series  # share of the ten items' variance per rotated axis
    correlation: pd.DataFrame  # weighted pairwise correlations of the ten items
    scores: pd.DataFrame  # per respondent: country, s003, s025, weight, survself, tradrat, x, y

    def __repr__(self) -> str:
        meta = self.preset.metadata
        return (
            f"IVSMap({len(self.country_year)} country-years, {len(self.preset.countries)} "
            f"countries, {meta['n_scored']} scored respondents, waves {meta['waves'] or 'all'})"
        )


def from_ivs(
    data: str | PathLike | pd.DataFrame,
    waves: Iterable[int] | None = None,
    weights: str | None = "S017",
    constants: str | dict = "official",
    country_means: str = "weighted",
    standardize: str = "weighted",
) -> IVSMap:
    """The IW map of a trend file or ``read_ivs`` frame, official method (docs/ivs-microdata.md)."""
    # constants: "official", "tao2024" or {"x": (scale, offset), "y": (scale, offset)}.
    # country_means="unweighted" and standardize="unweighted" follow Tao et al. / psych.
    # weights applies when reading a path; a frame brings its own "weight" column.
    frame, options = _prepare(data, waves, weights, constants, country_means, standardize)
    return _official_map(frame, *options)


def _prepare(data, waves, weights, constants, country_means, standardize) -> tuple:
    """The checked respondent frame and the options of ``_official_map`` after it."""
    waves = None if waves is None else tuple(sorted({int(v) for v in waves}))
    consts = _constants(constants)
    if country_means not in COUNTRY_MEANS:
        raise ValueError(f"country_means must be one of {COUNTRY_MEANS}, got {country_means!r}")
    if standardize not in COUNTRY_MEANS:
        raise ValueError(f"standardize must be one of {COUNTRY_MEANS}, got {standardize!r}")
    return _respondents(data, waves, weights), (waves, consts, country_means, standardize)


def _official_map(frame, waves, consts, country_means: str, standardize: str) -> IVSMap:
    """The whole official computation on a checked respondent frame (``_respondents``)."""
    values = frame[list(ITEMS)].to_numpy(dtype=float)
    w = frame["weight"].to_numpy(dtype=float)
    usable = np.isfinite(w) & (w > 0)  # SPSS drops cases with missing, zero or negative weight
    if not usable.any():
        raise ValueError("no respondent has a positive weight")
    moment_w = w[usable] if standardize == "weighted" else np.ones(int(usable.sum()))
    means, sds = weighted_moments(values[usable], moment_w)
    _check_items(values[usable], sds)
    corr = weighted_correlation(values[usable], w[usable])
    _check_correlation(corr)
    eigenvalues, initial = principal_components(corr, 2)
    rotated, _, sweeps = varimax(initial, normalize=True, max_iter=25)
    loadings, order = orient_axes(pd.DataFrame(rotated, index=list(ITEMS)))
    score_w = regression_score_weights(corr, loadings.to_numpy())
    parameters = pd.DataFrame(
        {"mean": means, "sd": sds, "w_survself": score_w[:, 0], "w_tradrat": score_w[:, 1]},
        index=pd.Index(ITEMS, name="item"),
    )
    scores = _scores(frame, values, parameters, consts)
    country_year = _country_year(scores, usable, country_means)
    explained = pd.Series((loadings**2).sum(axis=0) / len(ITEMS), name="explained_variance")
    metadata = {
        "constants": consts,
        "item_means": dict(zip(ITEMS, means.tolist(), strict=True)),
        "country_means": country_means,
        "standardize": standardize,
        "weights": frame.attrs.get("weights", "the frame's 'weight' column"),
        "waves": waves,
        "source_file": frame.attrs.get("source_file"),
        "n_respondents": len(frame),
        "n_scored": int(scores["x"].notna().sum()),
        "n_without_positive_weight": int((~usable).sum()),
        "eigenvalues": eigenvalues.tolist(),
        "varimax_sweeps": sweeps,
        "component_order": order,
    }
    preset = _preset(parameters, consts, country_year, country_means, metadata)
    return IVSMap(
        preset=preset,
        country_year=country_year,
        parameters=parameters,
        loadings=loadings,
        explained_variance=explained,
        correlation=pd.DataFrame(corr, index=list(ITEMS), columns=list(ITEMS)),
        scores=scores,
    )


def _constants(constants: str | dict) -> dict[str, tuple[float, float]]:
    if isinstance(constants, str):
        if constants not in CONSTANTS:
            raise ValueError(
                f"unknown constants {constants!r}; use one of {list(CONSTANTS)} or a dict"
            )
        return CONSTANTS[constants]
    if set(constants) != {"x", "y"}:
        raise ValueError(f"constants must map 'x' and 'y' to (scale, offset), got {constants!r}")
    return {axis: (float(constants[axis][0]), float(constants[axis][1])) for axis in ("x", "y")}


_FRAME_COLUMNS = ("country", "s003", "s025", "weight", *ITEMS)


def _respondents(data, waves, weights) -> pd.DataFrame:
    """A ``read_ivs`` frame, read from a path or checked and wave-filtered when given."""
    if not isinstance(data, pd.DataFrame):
        return read_ivs(data, waves=waves, weights=weights)
    missing = [c for c in _FRAME_COLUMNS if c not in data.columns]
    if missing:
        raise ValueError(
            f"data frame lacks column(s) {missing}; pass a trend-file path or the output of read_ivs"
        )
    frame = data.reset_index(drop=True)
    if waves is not None:
        if "wave" not in frame.columns:
            raise ValueError("waves given but the data frame has no 'wave' column")
        wanted = sorted({int(v) for v in waves})
        frame = frame[frame["wave"].isin(wanted)].reset_index(drop=True)
        if frame.empty:
            present = sorted(int(v) for v in data["wave"].dropna().unique())
            raise ValueError(f"no respondents in waves {wanted}; waves present: {present}")
        frame.attrs = dict(data.attrs)
    if frame.empty:
        raise ValueError("no respondents in the data")
    return frame


def _check_items(values: np.ndarray, sds: np.ndarray) -> None:
    for j, item in enumerate(ITEMS):
        column = values[:, j][~np.isnan(values[:, j])]
        if column.size == 0:
            raise ValueError(f"item {item.upper()} has no valid answer among weighted respondents")
        if not np.isfinite(sds[j]) or sds[j] == 0:
            raise ValueError(
                f"item {item.upper()} is constant (every answer is {column[0]:g}): it cannot be "
                "standardised or correlated"
            )


def _check_correlation(corr: np.ndarray) -> None:
    bad = np.argwhere(np.isnan(corr))
    if bad.size:
        i, j = bad[0]
        raise ValueError(
            f"items {ITEMS[i].upper()} and {ITEMS[j].upper()} have no respondents (or no variation) "
            "in common: their correlation is undefined"
        )


def _scores(frame: pd.DataFrame, values: np.ndarray, parameters, consts) -> pd.DataFrame:
    """Regression factor scores of complete cases and their map positions (NaN otherwise)."""
    z = (values - parameters["mean"].to_numpy()) / parameters["sd"].to_numpy()
    raw = z @ parameters[["w_survself", "w_tradrat"]].to_numpy()  # NaN rows stay NaN
    (sx, ox), (sy, oy) = consts["x"], consts["y"]
    out = frame[["country", "s003", "s025", "weight"]].copy()
    out["survself"], out["tradrat"] = raw[:, 0], raw[:, 1]
    out["x"] = sx * out["survself"] + ox
    out["y"] = sy * out["tradrat"] + oy
    return out


def _country_year(scores: pd.DataFrame, usable: np.ndarray, country_means: str) -> pd.DataFrame:
    """Mean map position per S025 (country × survey year), S017-weighted or unweighted."""
    scored = scores[usable & scores["x"].notna().to_numpy()]
    if scored.empty:
        raise ValueError("no respondent answered all ten items: no complete case to score")
    s025 = scored["s025"]
    if s025.isna().any():
        raise ValueError(f"S025 is missing for {int(s025.isna().sum())} scored respondents")
    mismatch = (s025 // 10000).astype("int64") != scored["s003"]
    if mismatch.any():
        example = scored.loc[mismatch, ["s003", "s025"]].iloc[0]
        raise ValueError(
            f"S025 {int(example['s025'])} does not start with country code S003 "
            f"{int(example['s003'])} (expected S003*10000 + year)"
        )
    w = scored["weight"] if country_means == "weighted" else pd.Series(1.0, index=scored.index)
    grouped = scored.assign(wx=w * scored["x"], wy=w * scored["y"], w=w).groupby("s025")
    sums = grouped[["wx", "wy", "w"]].sum()
    out = pd.DataFrame(
        {
            "country": grouped["country"].first(),
            "s003": grouped["s003"].first().astype("int64"),
            "year": (sums.index.to_series() % 10000).astype("int64"),
            "s025": sums.index.astype("int64"),
            "x": sums["wx"] / sums["w"],
            "y": sums["wy"] / sums["w"],
            "n": grouped.size(),
        }
    )
    return out.sort_values(["country", "year"], ignore_index=True)


def _countries(country_year: pd.DataFrame, country_means: str) -> pd.DataFrame:
    """One point per country: its latest survey (official) or the mean over its years (Tao)."""
    if country_means == "weighted":
        latest = country_year.sort_values("year").groupby("country", as_index=False).tail(1)
        return latest.sort_values("country", ignore_index=True)
    grouped = country_year.groupby("country", as_index=False)
    return grouped.agg(
        x=("x", "mean"),
        y=("y", "mean"),
        s003=("s003", "first"),
        n=("n", "sum"),
        years=("year", "size"),
    )


def _preset(parameters, consts, country_year, country_means, metadata) -> Preset:
    coef, intercept = affine_from_pca(parameters, consts)
    countries = _countries(country_year, country_means)
    how = (
        "S017-weighted means by S025; each country's latest survey"
        if country_means == "weighted"
        else "unweighted means per country-year, then the mean over a country's years (Tao et al.)"
    )
    return Preset(
        name="ivs",
        coef=coef,
        intercept=intercept,
        countries=countries,
        trajectories=country_year[["country", "year", "x", "y", "s003", "n"]],
        trajectories_citation=(
            "Trajectories: the same computation as the projection and the reference points "
            "(country x survey-year means of the user's IVS microdata)."
        ),
        citation=(
            "Computed by llmvalues from the user's IVS microdata (WVS Trend File 1981-2022 / "
            "EVS Trend File ZA7503; cite both) with the official WVS cultural-map method."
        ),
        description=(
            f"Official method (weighted pairwise correlations, PCA, varimax, regression scores) "
            f"on waves {metadata['waves'] or 'all'}, weights {metadata['weights']}, constants "
            f"x = {consts['x'][0]}*s + {consts['x'][1]}, y = {consts['y'][0]}*s + "
            f"{consts['y'][1]}; {metadata['standardize']} z-scores; country points: {how}."
        ),
        metadata=metadata,
    )


# ----- bootstrap of the whole computation ---------------------------------------------------


@dataclass(frozen=True)
class IVSBootstrap:
    """Bootstrap replicates of :func:`from_ivs`: respondents resampled within country-year.

    Every replicate reruns the whole official computation (moments, correlations, PCA,
    varimax, score weights, country points) on a resample, so each replicate preset is a
    consistent pair of projection and reference points. The spread of a placement over
    the replicates is the sampling uncertainty of the map itself.
    """

    estimate: Preset  # the full-sample map
    replicates: tuple[Preset, ...]
    parameters: pd.DataFrame  # replicate (0 = full sample), item, mean, sd, w_survself, w_tradrat
    country_year: pd.DataFrame  # replicate (0 = full sample), country, s003, year, s025, x, y, n
    seed: int

    def __repr__(self) -> str:
        return f"IVSBootstrap({len(self.replicates)} replicates, seed {self.seed})"

    def country_spread(self) -> pd.DataFrame:
        """Per reference country: the full-sample point and its bootstrap SD and range."""
        points = pd.concat(
            [
                p.countries[["country", "x", "y"]].assign(replicate=k + 1)
                for k, p in enumerate(self.replicates)
            ],
            ignore_index=True,
        )
        grouped = points.groupby("country")
        out = self.estimate.countries.set_index("country")[["x", "y"]]
        for axis in ("x", "y"):
            out[f"{axis}_sd"] = grouped[axis].std()
            out[f"{axis}_range"] = grouped[axis].max() - grouped[axis].min()
        return out.reset_index()

    def to_frame(self) -> pd.DataFrame:
        """Bootstrap SDs of the projection parameters, one row per item."""
        boot = self.parameters[self.parameters["replicate"] > 0]
        table = self.parameters[self.parameters["replicate"] == 0].set_index("item")
        table = table.drop(columns="replicate")
        spread = boot.groupby("item")[list(table.columns)].std().add_suffix("_sd")
        return table.join(spread).loc[list(ITEMS)].reset_index()

    def summary(self) -> Summary:
        """Parameters with bootstrap SDs and the reference countries' bootstrap spread."""
        meta = self.estimate.metadata
        return Summary(
            "Bootstrap of the official IW-map computation",
            {
                "projection parameters (bootstrap SD)": self.to_frame().set_index("item"),
                "reference countries (bootstrap SD and range)": self.country_spread().set_index(
                    "country"
                ),
            },
            notes=[
                "Respondents were resampled with replacement within each country-year (S025) "
                "and the whole computation was rerun for every replicate.",
                f"Full sample: {meta['n_scored']} scored respondents, waves "
                f"{meta['waves'] or 'all'}, weights {meta['weights']}.",
            ],
            info={"replicates": len(self.replicates), "seed": self.seed},
        )

    def save(self, path: str | PathLike) -> Path:
        """Write parameters, country-year points and settings to one zip file."""
        path = Path(path)
        settings = {
            "seed": self.seed,
            "metadata": _jsonable(self.estimate.metadata),
        }
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("parameters.csv", self.parameters.to_csv(index=False))
            archive.writestr("country_year.csv", self.country_year.to_csv(index=False))
            archive.writestr("settings.json", json.dumps(settings, indent=1))
        return path

    @classmethod
    def load(cls, path: str | PathLike) -> IVSBootstrap:
        """Read a bootstrap written by :meth:`save`."""
        with zipfile.ZipFile(path) as archive:
            parameters = pd.read_csv(archive.open("parameters.csv"))
            country_year = pd.read_csv(archive.open("country_year.csv"))
            settings = json.loads(archive.read("settings.json"))
        meta = settings["metadata"]
        meta["constants"] = {a: tuple(v) for a, v in meta["constants"].items()}
        meta["waves"] = None if meta["waves"] is None else tuple(meta["waves"])
        keys = sorted(parameters["replicate"].unique())
        return _bootstrap(
            [
                parameters[parameters["replicate"] == k].drop(columns="replicate").set_index("item")
                for k in keys
            ],
            [
                country_year[country_year["replicate"] == k]
                .drop(columns="replicate")
                .reset_index(drop=True)
                for k in keys
            ],
            meta,
            settings["seed"],
        )


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def resample_within(groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Row indices of a bootstrap resample drawn with replacement within each group."""
    codes, inverse = np.unique(groups, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    sizes = np.bincount(inverse, minlength=len(codes))
    starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
    picks = starts + np.floor(rng.random(len(groups)) * np.repeat(sizes, sizes)).astype(int)
    return order[picks]


def _replicate(frame, seed, waves, consts, country_means, standardize) -> tuple:
    """One bootstrap map; only what the result keeps (the respondent scores are dropped)."""
    rng = np.random.default_rng(seed)
    groups = frame["s025"].fillna(-1).to_numpy()
    sample = frame.iloc[resample_within(groups, rng)].reset_index(drop=True)
    sample.attrs = dict(frame.attrs)
    fit = _official_map(sample, waves, consts, country_means, standardize)
    return fit.parameters, fit.country_year


# what a replicate shares with the full sample (counts and eigenvalues are the full sample's)
_SHARED_METADATA = ("constants", "country_means", "standardize", "weights", "waves", "source_file")


def _bootstrap(
    parameters: list[pd.DataFrame], country_year: list[pd.DataFrame], meta: dict, seed: int
) -> IVSBootstrap:
    """Presets of the full sample (index 0) and the replicates from their tables."""
    shared = {k: v for k, v in meta.items() if k in _SHARED_METADATA}
    presets = [
        _preset(p, meta["constants"], c, meta["country_means"], {**shared, "replicate": k})
        for k, (p, c) in enumerate(zip(parameters, country_year, strict=True))
    ]
    replicates = tuple(replace(p, name=f"ivs bootstrap {k}") for k, p in enumerate(presets))
    return IVSBootstrap(
        estimate=replace(presets[0], metadata=meta),
        replicates=replicates[1:],
        parameters=pd.concat(
            [p.reset_index().assign(replicate=k) for k, p in enumerate(parameters)],
            ignore_index=True,
        ),
        country_year=pd.concat(
            [c.assign(replicate=k) for k, c in enumerate(country_year)], ignore_index=True
        ),
        seed=seed,
    )


def bootstrap_ivs(
    data: str | PathLike | pd.DataFrame,
    n_boot: int = 200,
    seed: int = 0,
    n_jobs: int = 1,
    waves: Iterable[int] | None = None,
    weights: str | None = "S017",
    constants: str | dict = "official",
    country_means: str = "weighted",
    standardize: str = "weighted",
    client: Any = None,
) -> IVSBootstrap:
    """Bootstrap the official map: resample respondents within country-year, rerun it all.

    Parameters
    ----------
    data, waves, weights, constants, country_means, standardize
        As for :func:`from_ivs` (the trend file is read once).
    n_boot
        Number of bootstrap replicates.
    seed
        Seed of the resampling; replicate ``k`` uses the ``k``-th child of
        ``numpy.random.SeedSequence(seed)``, so results do not depend on ``n_jobs``.
    n_jobs
        Parallel workers (:func:`llmvalues.executor.parallel_map`; ``-1`` = every core, or
        every worker of ``client``'s cluster).
    client
        A ``distributed.Client`` to run the replicates on its Dask cluster (None: here).

    Returns
    -------
    IVSBootstrap
        The full-sample preset, one consistent preset per replicate, and their parameters.

    Raises
    ------
    ValueError
        If ``n_boot`` < 2 or an option is invalid (see :func:`from_ivs`).
    """
    if int(n_boot) < 2:
        raise ValueError(f"n_boot must be at least 2, got {n_boot}")
    frame, options = _prepare(data, waves, weights, constants, country_means, standardize)
    estimate = _official_map(frame, *options)
    children = np.random.SeedSequence(seed).spawn(int(n_boot))
    tables = parallel_map(_replicate, [(frame, c, *options) for c in children], n_jobs, client)
    parameters = [estimate.parameters] + [p for p, _ in tables]
    country_year = [estimate.country_year] + [c for _, c in tables]
    return _bootstrap(parameters, country_year, estimate.preset.metadata, int(seed))
