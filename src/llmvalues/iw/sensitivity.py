"""How much of a map position is the map's own construction: the preset sensitivity band.

The same expected answers are placed under every consistent preset (a projection with the
reference points it produced) and, when the user has IVS microdata, under bootstrap
replicates of the whole official computation (:func:`llmvalues.iw.official.bootstrap_ivs`).
The spread of those placements — range and SD per axis, and as a 2-D radius — is reported
next to the credible interval of the measurement, so a reader sees how much of a position
is the LLM's answers and how much the choice and sampling of the map.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from llmvalues.iw.items import ITEMS, VALID_CODES
from llmvalues.iw.official import IVSBootstrap
from llmvalues.iw.presets import OFFICIAL_CONSTANTS, PRESETS, Preset, load_preset
from llmvalues.summary import Summary

COMPONENTS = ("presets", "bootstrap")


def expected_answers(expected: pd.DataFrame) -> pd.DataFrame:
    """Check an identity × item table of expected raw answers; items in ``ITEMS`` order.

    Raises
    ------
    ValueError
        Naming the missing item, or the identity and item of a value that is missing or
        outside the item's raw codes.
    """
    if not isinstance(expected, pd.DataFrame):
        raise ValueError(
            f"expected answers must be a DataFrame (identity × items), got {type(expected).__name__}"
        )
    columns = {str(c).strip().lower(): c for c in expected.columns}
    missing = [i for i in ITEMS if i not in columns]
    if missing:
        raise ValueError(f"expected answers lack item column(s) {missing}")
    if not expected.index.is_unique:
        raise ValueError(
            f"identities repeat in the expected answers: {expected.index[expected.index.duplicated()].tolist()[:5]}"
        )
    table = expected[[columns[i] for i in ITEMS]].apply(pd.to_numeric, errors="coerce")
    table.columns = list(ITEMS)
    for item in ITEMS:
        lo, hi = min(VALID_CODES[item]), max(VALID_CODES[item])
        bad = table[item].isna() | (table[item] < lo) | (table[item] > hi)
        if bad.any():
            identity = bad.idxmax()
            raise ValueError(
                f"expected answer of identity {identity!r} to item {item!r} is "
                f"{expected.loc[identity, columns[item]]}; it must be a number in [{lo}, {hi}]"
            )
    table.index.name = "identity"
    return table.astype(float)


def _spread(xy: np.ndarray) -> dict[str, float]:
    """Range and SD per axis, and radii, of one identity's placements (maps × 2)."""
    centre = xy.mean(axis=0)
    radial = np.hypot(*(xy - centre).T)
    pairwise = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    out: dict[str, float] = {"n_maps": len(xy)}
    for k, axis in enumerate(("x", "y")):
        out[f"{axis}_min"], out[f"{axis}_max"] = xy[:, k].min(), xy[:, k].max()
        out[f"{axis}_range"] = xy[:, k].max() - xy[:, k].min()
        out[f"{axis}_sd"] = xy[:, k].std(ddof=1) if len(xy) > 1 else np.nan
    out["radius"] = radial.max()  # farthest placement from the mean placement
    out["rms"] = np.sqrt(np.mean(radial**2))
    out["max_distance"] = pairwise.max()  # farthest two placements
    return out


@dataclass(frozen=True)
class PresetBand:
    """Placements of identities under several maps and their spread (see :func:`preset_band`)."""

    positions: pd.DataFrame  # identity, component, map, x, y
    band: (
        pd.DataFrame
    )  # index (identity, component): n_maps, x_min … y_sd, radius, rms, max_distance
    interval: pd.DataFrame | None  # index identity: x_lo, x_hi, y_lo, y_hi, credible_radius
    level: float
    constants: dict | None  # the common constants every map was expressed in (None: their own)

    def to_frame(self) -> pd.DataFrame:
        """The band, one row per (identity, component), with the credible interval beside it."""
        table = self.band.reset_index()
        if self.interval is not None:
            table = table.merge(self.interval.reset_index(), on="identity", how="left")
        return table

    def plot(self, **kwargs):
        """The placements under every map on the map (see
        :func:`llmvalues.plots.band.plot_preset_band`); returns (figure, axes)."""
        from llmvalues.plots.band import plot_preset_band

        return plot_preset_band(self, **kwargs)

    def summary(self) -> Summary:
        """Map spread beside the credible interval, per identity; placements per preset."""
        main = pd.DataFrame(index=self.band.index.get_level_values("identity").unique())
        for component in self.band.index.get_level_values("component").unique():
            part = self.band.xs(component, level="component")
            main[f"{component}_radius"] = part["radius"]
            main[f"{component}_max_distance"] = part["max_distance"]
            main[f"{component}_x_sd"] = part["x_sd"]
            main[f"{component}_y_sd"] = part["y_sd"]
        notes = [
            "presets: the same expected answers under every consistent preset (a projection "
            "with the reference points it produced); bootstrap: under replicates of the whole "
            "official computation on the user's microdata, respondents resampled within "
            "country-year.",
            "radius = largest distance of a map's placement from their mean; max_distance = "
            "largest distance between two maps' placements (map units).",
            "Every map is expressed in the official constants, so Tao et al.'s offset slip "
            "(+0.342, +0.090) is not counted as spread."
            if self.constants is not None
            else "Every map keeps its own constants: offset differences count as spread.",
        ]
        if self.interval is not None:
            main = main.join(self.interval)
            if "presets_radius" in main:
                main["presets_share"] = main["presets_radius"] / (
                    main["presets_radius"] + main["credible_radius"]
                )
            notes.append(
                f"x_lo … y_hi: {self.level:.0%} credible interval under the first preset; "
                f"credible_radius: the {self.level:.0%} quantile of a draw's distance from the "
                "posterior mean; presets_share = presets_radius / (presets_radius + "
                "credible_radius)."
            )
        presets = self.positions[self.positions["component"] == "presets"]
        placements = presets.pivot(index="identity", columns="map", values=["x", "y"])
        placements.columns = [f"{axis} {name}" for axis, name in placements.columns]
        return Summary(
            "Preset sensitivity band: how much of a position is the map's construction",
            {"spread over maps": main, "placements under each preset": placements},
            notes=notes,
            info={
                "presets": ", ".join(presets["map"].unique()),
                **{
                    f"maps ({c})": int(self.band.xs(c, level="component")["n_maps"].iloc[0])
                    for c in self.band.index.get_level_values("component").unique()
                },
                **({"level": self.level} if self.interval is not None else {}),
            },
        )


def preset_band(
    expected: pd.DataFrame,
    presets: Sequence[str | Preset] = PRESETS,
    bootstrap: IVSBootstrap | None = None,
    draws: np.ndarray | None = None,
    level: float = 0.9,
    common_constants: bool = True,
) -> PresetBand:
    """Place expected answers under every consistent preset (and bootstrap map) and measure the spread.

    Parameters
    ----------
    expected
        Identity × item table of expected raw answers (index = identity; item columns in
        any case): a classic fit's mean item answers (:func:`llmvalues.iw.averaging.mean_answers`)
        or the posterior mean of a hierarchical fit's ``expected_answer``.
    presets
        The maps compared (names or :class:`Preset` objects; default every built-in).
        With ``bootstrap`` its full-sample preset joins them.
    bootstrap
        Replicates of the user's own map (:func:`llmvalues.iw.official.bootstrap_ivs`);
        their spread is reported as a separate component.
    draws
        Optional posterior draws of the expected answers, shape (draws, identities, items)
        in ``expected``'s row order and ``ITEMS`` order: the credible interval under the
        first preset is reported beside the band.
    level
        Credible-interval probability.
    common_constants
        Express every map in the official constants first (removes offset-only
        differences such as Tao et al.'s slip); False keeps each map's own constants.

    Returns
    -------
    PresetBand

    Raises
    ------
    ValueError
        For an empty ``presets``, a preset that does not record its constants while
        ``common_constants`` is set, malformed answers or draws, or a level outside (0, 1).
    """
    table = expected_answers(expected)
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    maps = [load_preset(p) for p in presets]
    if not maps:
        raise ValueError("preset_band needs at least one preset")
    replicates: list[Preset] = []
    if bootstrap is not None:
        if all(m is not bootstrap.estimate for m in maps):
            maps.append(bootstrap.estimate)
        replicates = list(bootstrap.replicates)
    constants = OFFICIAL_CONSTANTS if common_constants else None
    if constants is not None:
        maps = [m.with_constants(constants) for m in maps]
        replicates = [m.with_constants(constants) for m in replicates]
    values = table.to_numpy()
    rows = []
    for component, group in (("presets", maps), ("bootstrap", replicates)):
        for preset in group:
            xy = preset.project_array(values)
            rows.append(
                pd.DataFrame(
                    {
                        "identity": table.index,
                        "component": component,
                        "map": preset.name,
                        "x": xy[:, 0],
                        "y": xy[:, 1],
                    }
                )
            )
    positions = pd.concat(rows, ignore_index=True)
    band = pd.DataFrame(
        [
            {"identity": identity, "component": component, **_spread(g[["x", "y"]].to_numpy())}
            for (component, identity), g in positions.groupby(["component", "identity"], sort=False)
        ]
    ).set_index(["identity", "component"])
    band = band.sort_index(level="identity", sort_remaining=False)
    interval = None if draws is None else _credible(draws, table, maps[0], level)
    return PresetBand(positions, band, interval, float(level), constants)


def _credible(draws, table: pd.DataFrame, preset: Preset, level: float) -> pd.DataFrame:
    draws = np.asarray(draws, dtype=float)
    shape = (len(table), len(ITEMS))
    if draws.ndim != 3 or draws.shape[1:] != shape:
        raise ValueError(
            f"draws must have shape (draws, {shape[0]} identities, {shape[1]} items), "
            f"got {draws.shape}"
        )
    if not np.isfinite(draws).all():
        raise ValueError("draws contain NaN or infinite values")
    xy = preset.project_array(draws)  # draws × identities × 2
    tail = (1 - level) / 2
    lo, hi = np.quantile(xy, tail, axis=0), np.quantile(xy, 1 - tail, axis=0)
    radius = np.quantile(np.hypot(*(xy - xy.mean(axis=0)).transpose(2, 0, 1)), level, axis=0)
    return pd.DataFrame(
        {
            "x_lo": lo[:, 0],
            "x_hi": hi[:, 0],
            "y_lo": lo[:, 1],
            "y_hi": hi[:, 1],
            "credible_radius": radius,
        },
        index=table.index,
    )
