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
    latent_sd = (
        post["interaction_scale"].to_numpy()[0, draw] * post["item_unit"].to_numpy()[0, draw]
    )
    inter = post["interaction_z"].to_numpy()[0, draw] * latent_sd[data.cell_item]
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
    sd = post["item_unit"].to_numpy()[0, 9] * np.sqrt(
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


def _deterministic(temperature: float):
    """Prior draws of a model of 2 identities × 3 variants answered once at ``temperature``;
    id01 refuses a008 under v01."""
    rng = np.random.default_rng(7)
    df = simulate_responses(draw_truth(2, 3, rng, answer="mode"), 1, rng)
    df["temperature"] = temperature
    gone = (df["identity"] == "id01") & (df["variant"] == "v01") & (df["item"] == "a008")
    df.loc[gone, ["status", "code"]] = ["refusal", np.nan]
    table = validate_responses(df)
    data = aggregate_responses(table)
    model = build_model(data, parametrization="noncentred")
    with model, pytest.warns(UserWarning, match="Potential"):
        draws = pm.sample_prior_predictive(draws=60, random_seed=3)
    return table, data, model.structure, az.InferenceData(posterior=draws.prior)


@pytest.fixture(scope="module")
def at_temperature_0():
    return _deterministic(0.0)


def test_asked_at_temperature_0_is_the_mean_of_the_answers_on_every_draw(at_temperature_0):
    table, data, structure, idata = at_temperature_0
    pos = posterior_positions(idata, data, structure, "logit", PRESET, "asked", seed=0)
    answers = table[table["status"] == "ok"].pivot_table(
        index="identity", columns="item", values="code", aggfunc="mean"
    )[list(ITEMS)]
    # id00 answered everything: its expected answers are its answers, exactly, on every draw
    assert pos.expected[0, :, 0] == pytest.approx(
        np.tile(answers.loc["id00"].to_numpy(), (60, 1)), abs=1e-12
    )
    assert np.ptp(pos.position[:, :, 0], axis=(0, 1)).max() == 0.0  # zero width
    # the variant points are Tao's: the projection of each variant's answers
    ok = table[table["status"] == "ok"].set_index(["identity", "variant", "item"])["code"]
    first = ok.loc[("id00", "v00")].loc[list(ITEMS)].to_numpy()
    assert pos.variant_position[0, 5, 0] == pytest.approx(PRESET.project_array(first))
    # id01 never answered a008 under v01: that answer is drawn from the model (MAR), so
    # only a008's expected answer moves between draws, in steps of a third of a code
    a008 = ITEMS.index("a008")
    moving = np.ptp(pos.expected[0, :, 1], axis=0) > 0
    assert np.flatnonzero(moving).tolist() == [a008]
    known = ok.loc[("id01", slice(None), "a008")].sum()
    drawn = 3 * pos.expected[0, :, 1, a008] - known  # the predicted answer on each draw
    assert np.allclose(drawn, np.round(drawn)) and set(np.unique(np.round(drawn))) <= {1, 2, 3, 4}
    assert len(np.unique(np.round(drawn))) > 1


def test_asked_above_temperature_0_is_model_based(at_temperature_0):
    _, data, structure, idata = _deterministic(0.7)
    assert not data.cell_deterministic.any()
    pos = posterior_positions(idata, data, structure, "logit", PRESET, "asked", seed=0)
    assert (np.ptp(pos.expected[0, :, 0], axis=0) > 0).all()  # expected, not observed
