"""Languages in map fits: split by default, pooled only when asked and then said; the
contrast and the per-item language effects between two languages of one model."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from llmvalues import ResponsesError, fit_map
from llmvalues.iw.bayes.simulate import draw_truth, simulate_responses
from llmvalues.iw.classic import fit_classic
from llmvalues.iw.items import ITEMS
from llmvalues.iw.languages import language_effects
from llmvalues.responses import pivot_codes
from tests.iw.simulated_fits import FAST


def one_model_two_languages(seed: int = 3, replicates: int = 4):
    """Truth and a table in which identity "m" answered in English and in Chinese under the
    same variant names (as one plan asked in two languages would give)."""
    rng = np.random.default_rng(seed)
    truth = draw_truth(2, 4, rng, variant_scale=0.4, interaction_scale=0.1)
    df = simulate_responses(truth, replicates, rng, refusal_rate=0.0)
    df["language"] = df["identity"].map({"id00": "en", "id01": "zh"})
    df["identity"] = "m"
    df["model"] = "m"
    return truth, df


@pytest.fixture(scope="module")
def table():
    return one_model_two_languages()[1]


@pytest.fixture(scope="module")
def classic(table):
    return fit_map(table, "hall2025", method="classic")


def test_an_identity_asked_in_two_languages_becomes_two_identities(classic):
    assert classic.identities == ["m", "m | zh"]
    assert classic.attributes["language"].to_dict() == {"m": "en", "m | zh": "zh"}
    assert classic.attributes["model"].tolist() == ["m", "m"]
    notes = " ".join(classic.summary().notes)
    assert "Each identity answered in one language" in notes
    assert "Languages pooled" not in notes


def test_the_contrast_between_two_languages_of_one_model_works_out_of_the_box(classic):
    shift = classic.contrast({"model": "m", "language": "en"}, {"model": "m", "language": "zh"})
    assert shift.attrs["from"] == "m" and shift.attrs["to"] == "m | zh"
    xy = classic.centroids[["x", "y"]]
    assert shift.loc["x", "difference"] == pytest.approx(xy.loc["m | zh", "x"] - xy.loc["m", "x"])


def test_pooling_languages_is_asked_for_recorded_and_stated(table):
    pooled = fit_map(table, "hall2025", method="classic", pool_languages=True)
    assert pooled.identities == ["m"]
    assert pooled.attributes.loc["m", "language"] == "en+zh"
    assert "Languages pooled (pool_languages=True)" in " ".join(pooled.summary().notes)
    assert pooled.centroids.loc["m", "n_sets"] == 2 * 4 * 4  # both languages' sets


def test_a_fit_given_an_identity_in_two_languages_directly_refuses_it(table):
    mixed = table.assign(variant=table["variant"] + "/" + table["language"])
    with pytest.raises(ResponsesError, match="identity 'm' answered in en and zh: fits never pool"):
        fit_classic(mixed, "hall2025")


def test_a_split_that_would_reuse_a_name_is_refused(table):
    other = table[table["language"] == "zh"].assign(identity="m | zh", language="zh")
    clash = pd.concat([table, other.assign(variant=other["variant"] + "b")])
    with pytest.raises(ResponsesError, match=re.escape("would name 'm | zh', which is already")):
        fit_map(clash, "hall2025", method="classic")


def test_classic_language_effects_are_the_differences_of_the_mean_codes(classic, table):
    effects = classic.language_effects(
        {"model": "m", "language": "en"}, {"model": "m", "language": "zh"}, level=0.9
    )
    frame = effects.to_frame()
    assert list(frame["item"]) == list(ITEMS)
    assert effects.languages == ("en", "zh") and effects.method == "classic"
    codes = pivot_codes(table.assign(identity=table["identity"] + table["language"])).dropna()
    means = codes.groupby(level="identity").mean()
    expected = (means.loc["mzh"] - means.loc["men"]).to_numpy()
    np.testing.assert_allclose(frame["difference"].to_numpy(), expected)
    assert (frame["lo"] <= frame["difference"]).all() and (frame["difference"] <= frame["hi"]).all()
    scale = frame.set_index("item")["scale"]
    assert scale["f063"] == "1–10" and scale["y003"] == "-2–2"
    f063 = frame.set_index("item").loc["f063"]
    assert f063["share_of_scale"] == pytest.approx(f063["difference"] / 9)
    summary = effects.summary()
    assert summary.info["languages"] == "en → zh" and summary.info["estimand"] == "asked"


def test_language_effects_need_two_languages(classic, table):
    with pytest.raises(ValueError, match="two different identities"):
        classic.language_effects("m", "m")
    english = table.assign(identity="m" + table["language"], language="en")
    fit = fit_map(english, "hall2025", method="classic")
    with pytest.raises(ValueError, match="both answered in 'en': no language effect"):
        language_effects(fit, "men", "mzh")


@pytest.mark.slow
def test_hierarchical_language_effects_cover_the_true_differences():
    truth, table = one_model_two_languages(seed=8, replicates=6)
    fit = fit_map(table, "hall2025", method="hierarchical", **FAST)
    effects = fit.language_effects("m", "m | zh", level=0.9).to_frame().set_index("item")
    true = truth.expected("asked")
    true_diff = pd.Series(true[1] - true[0], index=list(ITEMS))
    inside = (effects["lo"] <= true_diff) & (true_diff <= effects["hi"])
    assert inside.sum() >= 8, effects.assign(truth=true_diff)
    draws = fit.idata.posterior["expected_answer"]
    mean = draws.mean(("chain", "draw"))
    np.testing.assert_allclose(
        effects["expected_b"], mean.sel(identity="m | zh").to_numpy(), rtol=1e-9
    )
