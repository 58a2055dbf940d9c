"""bootstrap_ivs: the whole official computation rerun on resamples within country-year."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmvalues.iw.items import ITEMS
from llmvalues.iw.ivs import harmonize_ivs
from llmvalues.iw.official import IVSBootstrap, bootstrap_ivs, from_ivs, resample_within
from llmvalues.summary import Summary
from tests.iw.ivs_synthetic import make_trend_frame


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return harmonize_ivs(make_trend_frame("wvs", n=150, seed=31)[0])


@pytest.fixture(scope="module")
def boot(frame) -> IVSBootstrap:
    return bootstrap_ivs(frame, n_boot=40, seed=7)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=1, max_size=60), st.integers(0, 2**31))
def test_resamples_stay_within_their_group_and_keep_its_size(groups, seed):
    groups = np.array(groups)
    picks = resample_within(groups, np.random.default_rng(seed))
    assert len(picks) == len(groups)
    np.testing.assert_array_equal(np.sort(groups[picks]), np.sort(groups))


def test_a_replicate_is_the_official_computation_on_its_resample(frame, boot):
    child = np.random.SeedSequence(7).spawn(40)[2]  # replicate 3
    groups = frame["s025"].fillna(-1).to_numpy()
    sample = frame.iloc[resample_within(groups, np.random.default_rng(child))]
    rerun = from_ivs(sample.reset_index(drop=True)).preset
    replicate = boot.replicates[2]
    np.testing.assert_allclose(replicate.coef, rerun.coef, atol=1e-12)
    np.testing.assert_allclose(replicate.countries[["x", "y"]], rerun.countries[["x", "y"]])
    assert replicate.name == "ivs bootstrap 3"
    assert not np.allclose(replicate.coef, boot.estimate.coef)
    np.testing.assert_allclose(boot.estimate.coef, from_ivs(frame).preset.coef, atol=1e-12)


def test_results_do_not_depend_on_the_number_of_workers(frame):
    one = bootstrap_ivs(frame, n_boot=4, seed=3, n_jobs=1)
    two = bootstrap_ivs(frame, n_boot=4, seed=3, n_jobs=2)
    pd.testing.assert_frame_equal(one.parameters, two.parameters)
    pd.testing.assert_frame_equal(one.country_year, two.country_year)
    other = bootstrap_ivs(frame, n_boot=4, seed=4)
    assert not np.allclose(other.parameters["w_survself"], one.parameters["w_survself"])


def test_country_spread_matches_the_standard_error_of_a_weighted_mean(frame, boot):
    # The projection barely moves with 2,700 respondents, so a country point's bootstrap SD
    # is about the standard error of its latest survey's weighted mean score.
    scores = from_ivs(frame).scores.dropna(subset=["x"])
    spread = boot.country_spread().set_index("country")
    for country in ("Sweden", "Egypt", "Japan"):
        one = scores[(scores["country"] == country) & (scores["s025"] % 10000 == 2018)]
        w = one["weight"].to_numpy() / one["weight"].sum()
        se = np.sqrt(np.sum(w**2 * (one["x"] - np.dot(w, one["x"])) ** 2))
        assert 0.7 < spread.loc[country, "x_sd"] / se < 1.4, (country, spread.loc[country], se)


def test_summary_and_parameter_table(boot):
    table = boot.to_frame()
    assert list(table["item"]) == list(ITEMS)
    per_item = boot.parameters[boot.parameters["replicate"] > 0].groupby("item")["mean"].std()
    assert table.set_index("item")["mean_sd"].to_dict() == pytest.approx(per_item.to_dict())
    summary = boot.summary()
    assert isinstance(summary, Summary) and summary.info["replicates"] == 40
    assert "within each country-year" in " ".join(summary.notes)


def test_save_and_load_round_trip(boot, tmp_path):
    path = boot.save(tmp_path / "boot.zip")
    back = IVSBootstrap.load(path)
    assert len(back.replicates) == 40 and back.seed == 7
    pd.testing.assert_frame_equal(back.parameters, boot.parameters, check_dtype=False)
    answers = np.random.default_rng(0).integers(1, 3, size=(3, len(ITEMS)))
    for k in (0, 17, 39):
        np.testing.assert_allclose(
            back.replicates[k].project_array(answers),
            boot.replicates[k].project_array(answers),
            atol=1e-12,
        )
        assert back.replicates[k].name == boot.replicates[k].name
    pd.testing.assert_frame_equal(back.country_spread(), boot.country_spread())
    assert back.estimate.metadata["constants"] == boot.estimate.metadata["constants"]


def test_too_few_replicates_is_an_error(frame):
    with pytest.raises(ValueError, match="n_boot must be at least 2"):
        bootstrap_ivs(frame, n_boot=1)
