"""The classic map estimate reproduces Tao et al.'s computation; Tao's metrics."""

import csv
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from llmvalues import fit_map, from_wide, load_preset
from llmvalues.instruments import load_instrument
from llmvalues.iw.metrics import cultural_prompting, distance_matrix

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


def test_variant_spread_is_reported():
    fit = fit_map(
        tao_style_wide(), preset="tao2024", method="classic", identity="model", variant="variant"
    )
    points = fit.points[fit.points["identity"] == "gpt-4o"]
    assert fit.centroids.loc["gpt-4o", "sd_x"] == pytest.approx(points["x"].std())
    assert fit.centroids.loc["gpt-4o", "spread"] > 0


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


def test_refusals_are_counted_not_coded():
    wide = tao_style_wide(models=("a",), variants=2)
    tidy = from_wide(wide, identity="model", variant="variant")
    mask = (tidy["item"] == "f063") & (tidy["variant"] == "variant 0")
    tidy.loc[mask, ["status", "code", "reason"]] = ["refusal", np.nan, "as an AI"]
    fit = fit_map(tidy, method="classic")
    assert fit.refusal_rate()["a"] == pytest.approx(1 / 20)
    assert fit.centroids.loc["a", "n_sets"] == 1


def test_unknown_method_and_options_are_errors():
    with pytest.raises(ValueError, match="unknown method 'bayes'"):
        fit_map(tao_style_wide(), method="bayes", identity="model")
    with pytest.raises(TypeError, match="takes no options"):
        fit_map(tao_style_wide(), method="classic", identity="model", draws=10)


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
    assert result.share_improved == 0.75
    expected = stats.wilcoxon(per["distance_prompted"], per["distance_baseline"])
    assert result.wilcoxon_pvalue == pytest.approx(expected.pvalue)


def test_cultural_prompting_from_identity_attributes():
    preset = load_preset("tao2024")
    chile, japan = (preset.countries.set_index("country").loc[c] for c in ("Chile", "Japan"))
    wide = tao_style_wide(models=("m", "m as Chile", "m as Japan"), variants=2)
    wide["family"] = "m"
    wide["country"] = wide["model"].str.replace("m as ", "").where(wide["model"] != "m", "")
    fit = fit_map(wide, preset=preset, method="classic", identity="model", variant="variant")
    result = fit.cultural_prompting(model="family", country="country")["m"]
    per = result.per_country.set_index("country")
    xy = fit.centroids.loc["m as Chile", ["x", "y"]].to_numpy(dtype=float)
    assert per.loc["Chile", "distance_prompted"] == pytest.approx(
        np.hypot(*(xy - chile[["x", "y"]].to_numpy(dtype=float)))
    )
    assert set(per.index) == {"Chile", "Japan"}
    assert japan["cultural_zone"] == "Confucian"


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
        expected.round(3), abs=1e-9
    )
    assert (tmp_path / "map.png").exists()
