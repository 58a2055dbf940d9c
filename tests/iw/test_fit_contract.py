"""One contract for map fits: both methods, the same data, the same assertions.

``fit_map(df, method=m)`` for m in ("classic", "hierarchical") returns objects with the same
members, column names and dtypes; their values agree where they must (both near the
simulated truth, distances consistent with positions); validation happens once, at each
public door, and bad input gets the named error through every one of them.
"""

from __future__ import annotations

import contextlib
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import llmvalues.responses
from llmvalues import ResponsesError, Summary, fit_map
from llmvalues.iw.bayes.estimator import HierarchicalMap, fit_hierarchical
from llmvalues.iw.bayes.simulate import draw_truth, simulate_responses
from llmvalues.iw.classic import fit_classic
from llmvalues.iw.estimands import describe
from llmvalues.iw.mapfit import CENTROID_COLUMNS, SHARED_MEMBERS, MapFit
from llmvalues.iw.metrics import distance_matrix
from llmvalues.iw.prompting import CulturalPrompting
from llmvalues.responses import to_wide

METHODS = ("classic", "hierarchical")
HIERARCHICAL_ONLY = (
    "idata",
    "diagnostics",
    "prompt_sensitivity",
    "variant_effects",
    "ppc",
    "predictive_checks",
    "log_likelihood",
    "loo",
    "prior_sensitivity",
    "save",
    "load",
)

LAYOUTS = {
    "points": ["identity", "variant", "x", "y", "n_sets"],
    "distances": ["identity", "country", "distance", "lo", "hi", "p_nearest", "level"],
    "nearest": ["identity", "rank", "country", "distance", "lo", "hi", "p_nearest", "level"],
    "mean_distance": ["identity", "mean_distance", "lo", "hi", "level"],
    "intervals": ["identity", "axis", "estimate", "sd", "lo", "hi", "level"],
    "ellipses": ["x", "y", "width", "height", "angle", "level"],
    "contrast": ["difference", "lo", "hi", "p_positive", "p_shift", "level"],
    "summary": [
        "x",
        "x_lo",
        "x_hi",
        "y",
        "y_lo",
        "y_hi",
        "n_sets",
        "n_answers",
        "refusal_rate",
        "nearest_country",
        "p_nearest",
    ],
    "prompting": ["model", "metric", "estimate", "lo", "hi", "level"],
    "per_country": [
        "model",
        "country",
        "prompted",
        "baseline",
        "distance_prompted",
        "distance_baseline",
        "improved",
        "p_improved",
    ],
}


def tables(fit: MapFit) -> dict[str, pd.DataFrame]:
    """Every table of the contract, by the names of LAYOUTS (plus centroids and to_frame)."""
    prompting = fit.cultural_prompting()
    return {
        "centroids": fit.centroids,
        "to_frame": fit.to_frame(),
        "points": fit.points,
        "distances": fit.distances(),
        "nearest": fit.nearest(3),
        "mean_distance": fit.mean_distance(),
        "intervals": fit.intervals(),
        "ellipses": fit.ellipses(),
        "contrast": fit.contrast("id00", "id01"),
        "summary": fit.summary().to_frame(),
        "prompting": prompting.to_frame(),
        "per_country": prompting.per_country,
        "refusal_by_item": fit.refusal_rate(by_item=True),
        "refusal": fit.refusal_rate().to_frame(),
    }


@pytest.fixture(scope="module")
def fits(classic_fit, hierarchical_fit):
    return {"classic": classic_fit, "hierarchical": hierarchical_fit}


@pytest.fixture(scope="module")
def both_tables(fits):
    return {m: tables(fit) for m, fit in fits.items()}


# ----- members, columns, dtypes --------------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
def test_every_shared_member_exists_and_names_the_method_and_estimand(fits, method):
    fit = fits[method]
    assert isinstance(fit, MapFit)
    missing = [m for m in SHARED_MEMBERS if not hasattr(fit, m)]
    assert not missing
    assert fit.method == method
    assert fit.estimand == "asked"  # both defaults: the mean over the prompts asked
    assert fit.preset.name == "hall2025"
    assert fit.identities == ["id00", "id01", "id02"]
    assert list(fit.attributes.index) == fit.identities
    assert fit.attributes["collected_at"].tolist() == ["2024-05", "2024-11", "2025-02"]
    assert fit.position_draws.shape[1:] == (3, 2)


def test_members_beyond_the_contract_are_the_hierarchical_models():
    from llmvalues.iw.bayes.results import HierarchicalMapFit
    from llmvalues.iw.classic import ClassicMapFit

    for name in HIERARCHICAL_ONLY:
        assert hasattr(HierarchicalMapFit, name) or name in HierarchicalMapFit.__dataclass_fields__
        assert not hasattr(ClassicMapFit, name), name


def test_the_same_columns_and_dtypes_whatever_the_method(both_tables):
    classic, hier = both_tables["classic"], both_tables["hierarchical"]
    assert set(classic) == set(hier)
    for name in classic:
        a, b = classic[name], hier[name]
        assert list(a.columns) == list(b.columns), name
        assert a.dtypes.to_dict() == b.dtypes.to_dict(), name
        assert a.index.names == b.index.names, name
    assert list(hier["centroids"].columns) == list(CENTROID_COLUMNS)
    for name, columns in LAYOUTS.items():
        assert list(hier[name].columns) == columns, name
    assert hier["centroids"]["n_sets"].dtype == np.int64
    assert hier["to_frame"].columns[0] == "identity"
    assert {"model", "collected_at", "country"} <= set(hier["to_frame"].columns)


def test_shapes(both_tables, fits):
    n_countries = len(fits["classic"].preset.countries)
    for method, t in both_tables.items():
        assert t["centroids"].shape == (3, len(CENTROID_COLUMNS)), method
        assert len(t["distances"]) == 3 * n_countries
        assert len(t["nearest"]) == 3 * 3
        assert len(t["mean_distance"]) == 3 and len(t["summary"]) == 3
        assert len(t["intervals"]) == 3 * 2
        assert t["refusal_by_item"].shape == (3, 10)
        assert list(t["contrast"].index) == ["x", "y", "distance"]
        assert len(t["prompting"]) == 6 and len(t["per_country"]) == 2
    # hierarchical: every identity × variant asked; classic: those with a complete set
    assert len(both_tables["hierarchical"]["points"]) == 12
    classic_points = both_tables["classic"]["points"]
    assert 0 < len(classic_points) <= 12
    assert classic_points.groupby("identity")["n_sets"].sum().to_dict() == (
        both_tables["classic"]["centroids"]["n_sets"].to_dict()
    )


# ----- values that must agree ----------------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
def test_positions_are_near_the_simulated_truth(fits, simulated, method):
    truth = simulated[0].positions(estimand="asked")
    c = fits[method].centroids
    z = np.concatenate([(c[a] - truth[a]) / c[f"sd_{a}"] for a in ("x", "y")])
    assert np.abs(z).max() < 4, z
    inside = sum(
        ((c[f"{a}_lo95"] <= truth[a]) & (truth[a] <= c[f"{a}_hi95"])).sum() for a in ("x", "y")
    )
    assert inside >= 4  # of 6


def test_the_two_methods_agree_within_their_uncertainty(fits):
    a, b = fits["classic"].centroids, fits["hierarchical"].centroids
    for axis in ("x", "y"):
        se = np.sqrt(a[f"sd_{axis}"] ** 2 + b[f"sd_{axis}"] ** 2)
        assert (np.abs(a[axis] - b[axis]) < 4 * se).all(), axis
    for column in ("n_answers", "n_incomplete", "refusal_rate", "missing_rate"):
        pd.testing.assert_series_equal(a[column], b[column])
    # the classic method uses complete sets only, the hierarchical one every usable set
    assert (a["n_sets"] <= b["n_sets"]).all() and (b["n_sets"] == 12).all()
    assert (a["n_sets"] + a["n_incomplete"] == 12).all()


@pytest.mark.parametrize("method", METHODS)
def test_distances_are_consistent_with_the_positions(fits, both_tables, method):
    fit, t = fits[method], both_tables[method]
    d = t["distances"]
    at_point = distance_matrix(fit.centroids, fit.preset.countries)
    wide = d.pivot(index="identity", columns="country", values="distance")
    wide = wide.loc[at_point.index, at_point.columns]
    if method == "classic":  # the estimate is the distance of the estimated position
        assert wide.to_numpy() == pytest.approx(at_point.to_numpy(), abs=1e-12)
    else:  # posterior mean distance ≥ distance of the posterior mean (Jensen)
        assert (wide.to_numpy() >= at_point.to_numpy() - 1e-9).all()
    assert (d["lo"] <= d["hi"]).all() and (d["level"] == 0.9).all()
    assert d.groupby("identity")["p_nearest"].sum().to_numpy() == pytest.approx(1.0)
    nearest = t["nearest"][t["nearest"]["rank"] == 1].set_index("identity")["country"]
    assert nearest.to_dict() == wide.idxmin(axis=1).to_dict()
    assert t["summary"]["nearest_country"].to_dict() == nearest.to_dict()
    md = t["mean_distance"].set_index("identity")["mean_distance"]
    assert md.to_numpy() == pytest.approx(wide.mean(axis=1).loc[md.index].to_numpy())
    s, c = t["summary"], fit.centroids
    assert s["x"].to_numpy() == pytest.approx(c["x"].to_numpy())
    assert s["x_lo"].to_numpy() == pytest.approx(c["x_lo90"].to_numpy())
    assert s["y_hi"].to_numpy() == pytest.approx(c["y_hi90"].to_numpy())
    iv = t["intervals"].set_index(["identity", "axis"])
    assert iv.loc[("id01", "y"), "estimate"] == pytest.approx(c.loc["id01", "y"])
    assert iv.loc[("id01", "y"), "lo"] == pytest.approx(c.loc["id01", "y_lo90"])


@pytest.mark.parametrize("method", METHODS)
def test_contrast_and_prompting_follow_from_the_positions(fits, both_tables, method):
    fit, t = fits[method], both_tables[method]
    c = fit.centroids
    shift = t["contrast"]
    expected = c.loc["id01", "x"] - c.loc["id00", "x"]
    assert shift.loc["x", "difference"] == pytest.approx(expected)
    assert shift.loc["x", "lo"] <= shift.loc["x", "difference"] <= shift.loc["x", "hi"]
    assert shift.attrs["from"] == "id00" and shift.attrs["to"] == "id01"
    result = fit.cultural_prompting()
    assert isinstance(result, CulturalPrompting)
    assert (result.method, result.estimand, result.level) == (method, "asked", 0.9)
    per = result.per_country.set_index("country")
    expected_d = distance_matrix(c.loc[["id02"]], fit.preset.countries)["Japan"].iloc[0]
    if method == "classic":
        assert per.loc["Japan", "distance_prompted"] == pytest.approx(expected_d)
    else:
        assert per.loc["Japan", "distance_prompted"] >= expected_d - 1e-9
    assert (
        per["improved"].tolist() == (per["distance_prompted"] < per["distance_baseline"]).tolist()
    )
    bounded = result.table().iloc[:3]
    assert (bounded["lo"] <= bounded["hi"]).all()
    summary = result.summary()
    assert isinstance(summary, Summary) and summary.info["method"] == method


@pytest.mark.parametrize("method", METHODS)
def test_summary_states_method_estimand_level_and_preset(fits, method):
    fit = fits[method]
    summary = fit.summary(level=0.5)
    assert isinstance(summary, Summary)
    assert summary.notes[0] == describe("asked")
    assert any("Intervals (50%)" in n for n in summary.notes)
    assert any(n.startswith("Preset 'hall2025'") for n in summary.notes)
    assert summary.info["method"] == method and summary.info["level"] == 0.5
    assert summary.to_frame()["x_lo"].to_numpy() == pytest.approx(fit.centroids["x_lo50"])
    text = str(summary)
    assert "nearest_country" in text and f"({method})" in text


@pytest.mark.parametrize("method", METHODS)
def test_every_level_is_an_interval_probability(fits, method):
    fit = fits[method]
    for call in (
        lambda: fit.summary(level=90),
        lambda: fit.distances(level=90),
        lambda: fit.mean_distance(level=1.0),
        lambda: fit.nearest(level=0),
        lambda: fit.intervals(level=90),
        lambda: fit.ellipses(level=90),
        lambda: fit.contrast("id00", "id01", level=90),
        lambda: fit.cultural_prompting(level=90),
    ):
        with pytest.raises(ValueError, match="level must be a probability"):
            call()


@pytest.mark.parametrize("method", METHODS)
def test_map_and_forest_plots_show_the_positions(fits, method):
    fit = fits[method]
    fig, ax = fit.plot("map")
    marks = [c for c in ax.collections if (c.get_gid() or "").startswith("mark:identity:")]
    xy = np.vstack([c.get_offsets() for c in marks])
    assert np.allclose(xy, fit.centroids[["x", "y"]].to_numpy())  # one marker per identity
    legend = ax.get_legend().get_texts()
    assert set(fit.identities) <= {t.get_text() for t in [*ax.texts, *legend]}
    plt.close(fig)
    fig, axes = fit.plot("forest")
    marks = axes[0].lines[0].get_xdata()
    assert np.allclose(np.sort(marks), np.sort(fit.centroids["x"].to_numpy()))
    plt.close(fig)
    with pytest.raises(ValueError, match=r"unknown plot kind 'pie'; choose one of \['map'"):
        fit.plot("pie")


# ----- validation: once, at every door ---------------------------------------------------------
@pytest.fixture
def validations(monkeypatch):
    """Count calls of validate_responses, under whatever name a module imported it."""
    real = llmvalues.responses.validate_responses
    calls = []

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    for name, module in list(sys.modules.items()):
        if name.startswith("llmvalues") and getattr(module, "validate_responses", None) is real:
            monkeypatch.setattr(module, "validate_responses", counting)
    return calls


def _small(n_identities=2):
    rng = np.random.default_rng(3)
    return simulate_responses(draw_truth(n_identities, 1, rng), 2, rng)


TINY = {"draws": 50, "tune": 50, "chains": 1, "random_seed": 2, "warn": False}


@pytest.mark.filterwarnings("ignore:every answer to item", "ignore:All-NaN slice")
def test_fit_map_validates_once_for_both_methods_and_both_layouts(validations):
    df = _small()
    fit_map(df, method="classic")
    assert len(validations) == 1
    wide = to_wide(df).reset_index()
    before = len(validations)
    fit_map(wide, method="classic", variant="variant", replicate="replicate")
    assert len(validations) == before + 1
    fit_map(df, method="hierarchical", **TINY)
    assert len(validations) == before + 2


class _Stop(Exception):
    """Raised after the counts are made: the rest of a fit is not needed to count."""


@pytest.mark.parametrize(
    "door",
    [
        lambda df: fit_classic(df),
        lambda df: fit_hierarchical(df, **TINY),
        lambda df: HierarchicalMap(**TINY).fit(df),
        lambda df: fit_map(df, method="hierarchical", **TINY),
    ],
    ids=["fit_classic", "fit_hierarchical", "HierarchicalMap.fit", "fit_map"],
)
def test_each_public_door_validates_exactly_once(validations, monkeypatch, door):
    from llmvalues.iw.bayes import estimator

    real = estimator.aggregate_responses

    def counts_then_stop(*args, **kwargs):
        real(*args, **kwargs)
        raise _Stop

    monkeypatch.setattr(estimator, "aggregate_responses", counts_then_stop)
    with contextlib.suppress(_Stop):
        door(_small())
    assert len(validations) == 1


DOORS = {
    "fit_map classic": lambda df: fit_map(df, method="classic"),
    "fit_map hierarchical": lambda df: fit_map(df, method="hierarchical", **TINY),
    "fit_classic": lambda df: fit_classic(df),
    "fit_hierarchical": lambda df: fit_hierarchical(df, **TINY),
    "HierarchicalMap.fit": lambda df: HierarchicalMap(**TINY).fit(df),
}


@pytest.mark.parametrize("door", list(DOORS))
def test_bad_input_gets_the_named_error_through_every_door(door):
    df = _small()
    fit = DOORS[door]
    unknown = pd.concat([df, df.iloc[[0]].assign(item="x999", replicate=9)], ignore_index=True)
    with pytest.raises(ResponsesError, match=rf"column 'item', row {len(df)}: item 'x999'"):
        fit(unknown)
    out_of_range = df.assign(code=df["code"].where(df["item"] != "g006", 7.0))
    with pytest.raises(ResponsesError, match=r"item 'g006': 7 is not a valid code"):
        fit(out_of_range)
    with pytest.raises(ResponsesError, match="column 'identity'"):
        fit(df.drop(columns="identity"))
    with pytest.raises(ResponsesError, match="must be a pandas DataFrame"):
        fit([1, 2, 3])
