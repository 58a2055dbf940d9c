"""Map positions for each estimand, checked draw by draw on prior draws of a real model.

Prior draws stand in for a posterior (no sampling needed): the estimand computations only
read arrays of the model's parameters.
"""

from __future__ import annotations

import arviz as az
import numpy as np
import pymc as pm
import pytest

from llmvalues.iw.bayes.data import aggregate_responses
from llmvalues.iw.bayes.model import build_model, category_probs, cutpoints_numpy
from llmvalues.iw.bayes.positions import asked_pairs, posterior_positions
from llmvalues.iw.bayes.simulate import draw_truth, simulate_responses
from llmvalues.iw.items import ITEMS
from llmvalues.iw.presets import load_preset
from llmvalues.responses import validate_responses

PRESET = load_preset("hall2025")


@pytest.fixture(scope="module")
def prior():
    rng = np.random.default_rng(12)
    df = simulate_responses(draw_truth(2, 3, rng), 2, rng)
    # id01 refuses a008 under v01 every time: asked, never answered (no cell)
    gone = (df["identity"] == "id01") & (df["variant"] == "v01") & (df["item"] == "a008")
    df.loc[gone, "status"] = "refusal"
    df.loc[gone, "code"] = np.nan
    data = aggregate_responses(validate_responses(df))
    model = build_model(data, parametrization="noncentred")
    with model, pytest.warns(UserWarning, match="Potential"):
        draws = pm.sample_prior_predictive(draws=120, random_seed=3)
    return data, model.structure, az.InferenceData(posterior=draws.prior)


def _expected(eta, cuts, codes):
    """Expected raw answer at latent location ``eta`` written out from the category probs."""
    return float(category_probs(np.atleast_1d(eta), cuts[None], "logit")[0] @ np.asarray(codes))


def _params(idata, data, draw):
    post = idata.posterior
    location = post["location"].to_numpy()[0, draw]
    veff = post["variant_effect"].to_numpy()[0, draw]
    inter = (
        post["interaction_z"].to_numpy()[0, draw]
        * post["interaction_scale"].to_numpy()[0, draw][data.cell_item]
    )
    cuts = cutpoints_numpy(post["cut_gap"].to_numpy()[0, draw], data.n_categories)
    return location, veff, inter, cuts


def test_typical_is_the_map_of_the_expected_answers_at_effect_zero(prior):
    data, structure, idata = prior
    pos = posterior_positions(idata, data, structure, "logit", PRESET, "typical")
    location, _, _, cuts = _params(idata, data, draw=7)
    expected = [_expected(location[1, j], cuts[j], data.codes[j]) for j in range(10)]
    assert pos.expected[0, 7, 1] == pytest.approx(expected)
    assert pos.position[0, 7, 1] == pytest.approx(PRESET.project_array(np.array(expected)))


def test_variant_points_include_the_identity_by_variant_effects(prior):
    data, structure, idata = prior
    pos = posterior_positions(idata, data, structure, "logit", PRESET, "asked", seed=0)
    pair_identity, pair_variant = asked_pairs(data)
    assert len(pair_identity) == 2 * 3  # every pair asked, the never-answered one included
    location, veff, inter, cuts = _params(idata, data, draw=4)
    p = 2  # id00 × v02: every item answered
    i, v = pair_identity[p], pair_variant[p]
    expected = []
    for j in range(10):
        cell = np.flatnonzero(
            (data.cell_identity == i) & (data.cell_variant == v) & (data.cell_item == j)
        )[0]
        expected.append(
            _expected(location[i, j] + veff[v, j] + inter[cell], cuts[j], data.codes[j])
        )
    assert pos.variant_position[0, 4, p] == pytest.approx(PRESET.project_array(np.array(expected)))


def test_asked_is_the_mean_of_the_variant_points(prior):
    data, structure, idata = prior
    pos = posterior_positions(idata, data, structure, "logit", PRESET, "asked", seed=0)
    pair_identity, _ = asked_pairs(data)
    for i in range(2):
        mean = pos.variant_position[:, :, pair_identity == i].mean(2)
        assert pos.position[:, :, i] == pytest.approx(mean, abs=1e-12)


def test_an_asked_pair_never_answered_draws_its_effect_from_the_posterior(prior):
    data, structure, idata = prior
    a = posterior_positions(idata, data, structure, "logit", PRESET, "asked", seed=0)
    b = posterior_positions(idata, data, structure, "logit", PRESET, "asked", seed=1)
    pair_identity, pair_variant = asked_pairs(data)
    gone = np.flatnonzero((pair_identity == 1) & (pair_variant == 1))[0]
    moved = ~np.isclose(a.variant_position, b.variant_position).all(axis=(0, 1, 3))
    assert np.flatnonzero(moved).tolist() == [gone]
    assert np.isfinite(a.variant_position).all()


def test_new_integrates_the_variant_distribution(prior):
    data, structure, idata = prior
    pos = posterior_positions(idata, data, structure, "logit", PRESET, "new")
    post = idata.posterior
    sd = np.sqrt(
        post["variant_scale"].to_numpy()[0, 9] ** 2
        + post["interaction_scale"].to_numpy()[0, 9] ** 2
    )
    location, _, _, cuts = _params(idata, data, draw=9)
    effects = np.random.default_rng(0).normal(size=(20_000, 10)) * sd
    by_mc = [
        np.mean(
            category_probs(location[0, j] + effects[:, j], cuts[j][None], "logit")
            @ np.asarray(data.codes[j])
        )
        for j in range(len(ITEMS))
    ]
    assert pos.expected[0, 9, 0] == pytest.approx(by_mc, abs=0.03)
