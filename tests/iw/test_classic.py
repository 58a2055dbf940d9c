"""The classic map estimate reproduces Tao et al.'s computation; Tao's metrics."""

import csv
from importlib import resources

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from llmvalues import fit_map, from_wide, load_preset
from llmvalues.instruments import load_instrument
from llmvalues.iw.classic import fit_classic
from llmvalues.iw.metrics import distance_matrix
from llmvalues.iw.prompting import cultural_prompting

INSTRUMENT = load_instrument()


def tao_style_wide(seed=0, models=("gpt-4o", "gpt-3.5"), variants=10):
    """Answer tables in Tao's wide layout: one row per (model, variant), upper-case IVS columns."""
    rng = np.random.default_rng(seed)
    rows = [
        {
            "model": m,
            "variant": f"variant {v}",
            **{i.ivs_code: rng.choice(i.codes) for i in INSTRUMENT},
        }
        for m in models
        for v in range(variants)
    ]
    return pd.DataFrame(rows)


def tao_point(row):
    """Tao's projection written out from their published CSV, independent of the preset code."""
    text = resources.files("llmvalues.data.iw").joinpath("tao2024_projection.csv").read_text()
    terms = {
        r["term"]: (float(r["survself_x"]), float(r["tradsec_y"]))
        for r in csv.DictReader(text.splitlines())
    }
    x = terms["intercept"][0] + sum(terms[k][0] * row[k.upper()] for k in terms if k != "intercept")
    y = terms["intercept"][1] + sum(terms[k][1] * row[k.upper()] for k in terms if k != "intercept")
    return x, y


def test_classic_reproduces_tao_exactly():
    wide = tao_style_wide()
    fit = fit_map(wide, preset="tao2024", method="classic", identity="model", variant="variant")
    for model, rows in wide.groupby("model"):
        expected = np.mean([tao_point(r) for _, r in rows.iterrows()], axis=0)
        assert fit.centroids.loc[model, ["x", "y"]].to_numpy() == pytest.approx(expected, abs=1e-12)
        assert fit.centroids.loc[model, "n_sets"] == 10
    assert len(fit.points) == 20


def test_variant_points_and_bootstrap_intervals():
    wide = tao_style_wide()
    fit = fit_map(wide, preset="tao2024", method="classic", identity="model", variant="variant")
    points = fit.points[fit.points["identity"] == "gpt-4o"].set_index("variant")
    rows = wide[wide["model"] == "gpt-4o"].set_index("variant")
    for variant, row in rows.iterrows():  # one set per variant: the point is its projection
        assert points.loc[variant, ["x", "y"]].tolist() == pytest.approx(tao_point(row), abs=1e-12)
    assert (points["n_sets"] == 1).all()
    c = fit.centroids.loc["gpt-4o"]
    # bootstrap SE of a mean of n = 10 sets: SD·sqrt((n − 1)/n)/sqrt(n), up to resampling noise
    se = points["x"].std(ddof=0) / np.sqrt(len(points))
    assert c["sd_x"] == pytest.approx(se, rel=0.1)
    draws = fit.position_draws[:, fit.identities.index("gpt-4o"), 0]
    assert (c["x_lo90"], c["x_hi90"]) == pytest.approx(tuple(np.quantile(draws, [0.05, 0.95])))
    assert c["x_lo95"] < c["x_lo90"] < c["x_lo50"] < c["x"] < c["x_hi50"] < c["x_hi90"]
    # reproducible by default, another seed resamples differently
    again = fit_map(wide, preset="tao2024", method="classic", identity="model", variant="variant")
    other = fit_map(
        wide,
        preset="tao2024",
        method="classic",
        identity="model",
        variant="variant",
        random_seed=1,
    )
    pd.testing.assert_frame_equal(fit.centroids, again.centroids)
    assert other.centroids.loc["gpt-4o", "x_lo90"] != c["x_lo90"]
    assert other.centroids.loc["gpt-4o", "x"] == c["x"]


def test_tidy_and_wide_inputs_agree():
    wide = tao_style_wide()
    tidy = from_wide(wide, identity="model", variant="variant")
    a = fit_map(wide, method="classic", identity="model", variant="variant").centroids
    b = fit_map(tidy, method="classic").centroids
    pd.testing.assert_frame_equal(a, b)


def test_incomplete_sets_are_counted_and_an_unplaceable_identity_is_named():
    wide = tao_style_wide(models=("a", "b"), variants=3)
    wide.loc[wide["model"] == "a", "F063"] = np.nan
    with pytest.raises(ValueError, match="identity 'a' has no complete response set"):
        fit_map(wide, method="classic", identity="model", variant="variant")
    wide.loc[0, "F063"] = 5
    fit = fit_map(wide, method="classic", identity="model", variant="variant")
    assert fit.centroids.loc["a", ["n_sets", "n_incomplete"]].tolist() == [1, 2]
    # one complete set: a position, but no interval (and the summary says so)
    assert fit.centroids.loc["a", ["sd_x", "x_lo90", "y_hi95"]].isna().all()
    assert fit.centroids.loc["b", ["sd_x", "x_lo90", "y_hi95"]].notna().all()
    assert fit.distances().query("identity == 'a'")["p_nearest"].isna().all()
    assert any("fewer than two complete response sets" in n for n in fit.summary().notes)


def test_refusals_are_counted_not_coded():
    wide = tao_style_wide(models=("a",), variants=2)
    tidy = from_wide(wide, identity="model", variant="variant")
    mask = (tidy["item"] == "f063") & (tidy["variant"] == "variant 0")
    tidy.loc[mask, ["status", "code", "reason"]] = ["refusal", np.nan, "as an AI"]
    fit = fit_map(tidy, method="classic")
    assert fit.refusal_rate()["a"] == pytest.approx(1 / 20)
    assert fit.refusal_rate(by_item=True).loc["a", "f063"] == pytest.approx(1 / 2)
    assert fit.centroids.loc["a", ["n_sets", "n_incomplete", "n_answers"]].tolist() == [1, 1, 19]
    assert fit.centroids.loc["a", "refusal_rate"] == pytest.approx(1 / 20)


def test_unknown_method_and_options_are_errors():
    with pytest.raises(ValueError, match="unknown method 'bayes'"):
        fit_map(tao_style_wide(), method="bayes", identity="model")
    with pytest.raises(TypeError, match=r"takes only the options.*\['draws'\]"):
        fit_map(tao_style_wide(), method="classic", identity="model", draws=10)
    with pytest.raises(ValueError, match="n_bootstrap must be an integer"):
        fit_map(tao_style_wide(), method="classic", identity="model", n_bootstrap=5)


def test_distance_matrix_is_euclidean():
    points = pd.DataFrame({"x": [0.0], "y": [0.0]}, index=["m"])
    countries = pd.DataFrame({"country": ["A", "B"], "x": [3.0, 0.0], "y": [4.0, -1.0]})
    assert distance_matrix(points, countries).loc["m"].tolist() == [5.0, 1.0]


def test_cultural_prompting_metrics_on_known_geometry():
    countries = pd.DataFrame(
        {"country": ["A", "B", "C", "D"], "x": [1.0, -1.0, 0.0, 2.0], "y": [0.0, 0.0, 2.0, 2.0]}
    )
    points = pd.DataFrame(
        {"x": [0.0, 0.9, -0.5, 0.0, -2.0], "y": [0.0, 0.0, 0.0, 1.5, -2.0]},
        index=["base", "as A", "as B", "as C", "as D"],
    )
    prompted = {"as A": "a", "as B": "B", "as C": "C", "as D": "D"}
    result = cultural_prompting(points, countries, prompted, baseline="base")
    per = result.per_country.set_index("country")
    assert per.loc["A", "distance_prompted"] == pytest.approx(0.1)
    assert per.loc["D", "distance_baseline"] == pytest.approx(np.hypot(2, 2))
    assert per["improved"].tolist() == [True, True, True, False]
    table = result.table()
    assert table.loc["share_improved", "estimate"] == 0.75
    assert table.loc["mean_distance_prompted", "estimate"] == pytest.approx(
        per["distance_prompted"].mean()
    )
    expected = stats.wilcoxon(per["distance_prompted"], per["distance_baseline"])
    assert table.loc["wilcoxon_pvalue", "estimate"] == pytest.approx(expected.pvalue)
    assert table.loc["wilcoxon_statistic", "estimate"] == pytest.approx(expected.statistic)
    # positions alone: no intervals, no probabilities
    assert table[["lo", "hi"]].isna().all().all() and per["p_improved"].isna().all()


def test_cultural_prompting_from_identity_attributes():
    preset = load_preset("tao2024")
    chile, japan = (preset.countries.set_index("country").loc[c] for c in ("Chile", "Japan"))
    wide = tao_style_wide(models=("m", "m as Chile", "m as Japan"), variants=2)
    wide["family"] = "m"
    wide["country"] = wide["model"].str.replace("m as ", "").where(wide["model"] != "m", "")
    fit = fit_map(wide, preset=preset, method="classic", identity="model", variant="variant")
    result = fit.cultural_prompting(model="family", country="country")
    assert result.models == ["m"] and result.method == "classic" and result.estimand == "asked"
    per = result.per_country.set_index("country")
    xy = fit.centroids.loc["m as Chile", ["x", "y"]].to_numpy(dtype=float)
    assert per.loc["Chile", "distance_prompted"] == pytest.approx(
        np.hypot(*(xy - chile[["x", "y"]].to_numpy(dtype=float)))
    )
    assert set(per.index) == {"Chile", "Japan"}
    assert japan["cultural_zone"] == "Confucian"
    # the same numbers as from the positions alone, plus bootstrap intervals
    points_only = cultural_prompting(
        fit.centroids,
        preset.countries,
        {"m as Chile": "Chile", "m as Japan": "Japan"},
        "m",
        model="m",
    )
    same = result.metrics["metric"] != "p_better"  # a share of resamples: needs draws
    pd.testing.assert_frame_equal(
        result.metrics.loc[same, ["model", "metric", "estimate"]],
        points_only.metrics.loc[same, ["model", "metric", "estimate"]],
    )
    assert 0 < result.table("m").loc["p_better", "estimate"] < 1
    bounded = result.table("m").iloc[:3]
    assert (bounded["lo"] <= bounded["hi"]).all() and bounded[["lo", "hi"]].notna().all().all()


def test_fit_classic_validates_at_its_door_and_equals_fit_map():
    tidy = from_wide(tao_style_wide(), identity="model", variant="variant")
    direct = fit_classic(tidy, "tao2024")
    pd.testing.assert_frame_equal(direct.centroids, fit_map(tidy, "tao2024", "classic").centroids)
    with pytest.raises(ValueError, match=r"column 'code'.*not a valid code"):
        fit_classic(tidy.assign(code=tidy["code"].where(tidy["item"] != "g006", 9)))


def test_unknown_prompted_country_is_named():
    countries = pd.DataFrame({"country": ["A"], "x": [0.0], "y": [0.0]})
    points = pd.DataFrame({"x": [0.0, 1.0], "y": [0.0, 1.0]}, index=["base", "p"])
    with pytest.raises(KeyError, match="country 'Atlantis'"):
        cultural_prompting(points, countries, {"p": "Atlantis"}, baseline="base")


def test_tao_reproduction_example_runs_on_answer_tables_in_their_layout(tmp_path):
    import runpy
    from pathlib import Path

    example = runpy.run_path(str(Path(__file__).parents[2] / "examples" / "reproduce_tao2024.py"))
    wide = tao_style_wide()
    for model, rows in wide.groupby("model"):
        rows.drop(columns="model").to_csv(tmp_path / f"{model}.csv", index=False)
    table = example["main"](
        [
            str(tmp_path / "gpt-4o.csv"),
            str(tmp_path / "gpt-3.5.csv"),
            "--variant",
            "variant",
            "--out",
            str(tmp_path / "map"),
        ]
    )
    expected = np.mean(
        [tao_point(r) for _, r in wide[wide["model"] == "gpt-4o"].iterrows()], axis=0
    )
    assert table.loc["gpt-4o", ["x", "y"]].to_numpy(dtype=float) == pytest.approx(
        expected, abs=1e-12
    )
    md = np.mean(np.hypot(*(expected - load_preset("tao2024").countries[["x", "y"]].to_numpy()).T))
    assert table.loc["gpt-4o", "mean_distance"] == pytest.approx(md)
    image = plt.imread(tmp_path / "map.png")
    assert image.shape[0] > 1000 and image.std() > 0.05  # a 300-dpi figure, not a blank page


def _bootstrap_coverage(n_variants, n_replicates, n_datasets=200, n_identities=5):
    """Share of simulated true positions ("asked", "new") inside the classic 90% intervals."""
    from llmvalues.iw.bayes.simulate import draw_truth, simulate_responses

    inside = {"asked": [], "new": []}
    for k in range(n_datasets):
        rng = np.random.default_rng(k)
        truth = draw_truth(n_identities, n_variants, rng)
        c = fit_classic(simulate_responses(truth, n_replicates, rng), random_seed=k).centroids
        for estimand, flags in inside.items():
            t = truth.positions(estimand=estimand).loc[c.index]
            for a in ("x", "y"):
                flags += list((c[f"{a}_lo90"] <= t[a]) & (t[a] <= c[f"{a}_hi90"]))
    return {e: float(np.mean(f)) for e, f in inside.items()}


@pytest.mark.slow
def test_bootstrap_intervals_cover_as_the_docs_say():
    """docs/iw-map.md quotes these figures (200 data sets × 5 identities × 2 axes each)."""
    ten = _bootstrap_coverage(10, 1)
    thirty = _bootstrap_coverage(30, 1)
    few_variants = _bootstrap_coverage(3, 10)
    print(ten, thirty, few_variants)
    assert 0.82 <= ten["asked"] <= 0.88  # too narrow with 10 sets
    assert 0.88 <= thirty["asked"] <= 0.95
    assert few_variants["new"] <= 0.8  # no interval for a new prompt with 3 variants
