"""explain: additive one-factor steps between two placements, checked on the published maps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmvalues.iw import reference
from llmvalues.iw.averaging import mean_answers
from llmvalues.iw.explain import Placement, explain
from llmvalues.iw.items import ITEMS
from llmvalues.iw.presets import load_preset
from llmvalues.summary import Summary
from tests.iw.simulated_answers import simulated_responses

SLIP = np.array([0.342, 0.090])  # Tao et al.'s offsets minus the official ones


@pytest.fixture(scope="module")
def answers() -> pd.DataFrame:
    return simulated_responses(identities=("m1", "m2", "m3", "m4"), variants=10, seed=3)


def complete_sets(responses: pd.DataFrame) -> pd.DataFrame:
    wide = responses.pivot(
        index=["identity", "variant", "replicate"], columns="item", values="code"
    )
    return wide[list(ITEMS)].dropna()


def hall_xy(v: np.ndarray) -> np.ndarray:
    """Hall's projection written out from the published means, SDs and weights."""
    p = reference.ivs_pca_parameters().loc[list(ITEMS)]
    z = (v - p["mean"].to_numpy()) / p["sd"].to_numpy()
    return np.column_stack(
        [1.81 * z @ p["w_survself"].to_numpy() + 0.038, 1.61 * z @ p["w_tradrat"].to_numpy() - 0.1]
    )


def tao_xy(v: np.ndarray) -> np.ndarray:
    """Tao et al.'s projection from their recovered affine map."""
    proj = reference.tao2024_projection()
    return (
        v @ proj.loc[list(ITEMS), ["x", "y"]].to_numpy()
        + proj.loc["intercept", ["x", "y"]].to_numpy()
    )


def mean_of_projected_sets(responses: pd.DataFrame, project) -> pd.DataFrame:
    sets = complete_sets(responses)
    xy = pd.DataFrame(project(sets.to_numpy()), index=sets.index, columns=["x", "y"])
    return xy.groupby(level="identity").mean()


def mean_distance(points: np.ndarray, countries: pd.DataFrame) -> np.ndarray:
    c = countries[["x", "y"]].to_numpy()
    return np.hypot(*(points[:, None, :] - c[None, :, :]).transpose(2, 0, 1)).mean(axis=1)


def step(result, factor: str, method: str = "sequential") -> pd.DataFrame:
    table = result.steps if method == "sequential" else result.shapley
    return table[table["factor"] == factor].set_index("identity")


def test_tao_vs_official_is_the_rigid_slip_plus_the_weights(answers):
    official = Placement(answers, preset="hall2025", label="official")
    tao = Placement(answers, preset="tao2024", label="Tao")
    result = explain(official, tao)
    assert result.order == ("weights", "constants", "reference")

    constants = step(result, "constants")
    assert np.allclose(constants[["dx", "dy"]].to_numpy(), SLIP, atol=1e-12)
    assert np.allclose(constants["distance"], np.hypot(*SLIP), atol=1e-12)
    assert np.allclose(constants["d_mean_distance"], 0, atol=1e-12)  # countries move alike

    # the weights step: Tao's factor scores minus Hall's, both in the official constants
    hall = mean_of_projected_sets(answers, hall_xy)
    tao_fixed = mean_of_projected_sets(answers, lambda v: tao_xy(v) - SLIP)
    weights = step(result, "weights")
    np.testing.assert_allclose(weights[["dx", "dy"]], tao_fixed - hall, atol=1e-12)
    hall_countries = load_preset("hall2025").countries
    expected = mean_distance(tao_fixed.to_numpy(), hall_countries) - mean_distance(
        hall.to_numpy(), hall_countries
    )
    np.testing.assert_allclose(weights["d_mean_distance"], expected, atol=1e-12)

    # the reference step moves no point; it swaps Hall's countries (in Tao's constants) for Tao's
    ref = step(result, "reference")
    assert np.allclose(ref[["dx", "dy", "distance"]].to_numpy(), 0, atol=1e-12)
    tao_points = mean_of_projected_sets(answers, tao_xy).to_numpy()
    shifted = hall_countries.assign(
        x=hall_countries["x"] + SLIP[0], y=hall_countries["y"] + SLIP[1]
    )
    expected = mean_distance(tao_points, reference.tao2024_countries()) - mean_distance(
        tao_points, shifted
    )
    np.testing.assert_allclose(ref["d_mean_distance"], expected, atol=1e-12)


def test_steps_sum_exactly_to_the_total(answers):
    result = explain(Placement(answers, "hall2025"), Placement(answers, "tao2024"))
    total = mean_of_projected_sets(answers, tao_xy) - mean_of_projected_sets(answers, hall_xy)
    np.testing.assert_allclose(result.total[["dx", "dy"]], total, atol=1e-12)
    for method in ("sequential", "shapley"):
        table = result.steps if method == "sequential" else result.shapley
        summed = table.groupby("identity")[["dx", "dy", "d_mean_distance"]].sum()
        np.testing.assert_allclose(
            summed, result.total[["dx", "dy", "d_mean_distance"]], atol=1e-12
        )


def test_the_reverse_comparison_removes_the_slip(answers):
    result = explain(Placement(answers, "tao2024"), Placement(answers, "hall2025"))
    assert np.allclose(step(result, "constants")[["dx", "dy"]].to_numpy(), -SLIP, atol=1e-12)


def test_shapley_averages_the_orders_when_order_matters():
    # Averaging and weights interact: the averaging step is projected with a's or b's weights.
    answers = simulated_responses(identities=("m1", "m2"), seed=5, refusal_rate=0.06)
    a = Placement(answers, "hall2025", averaging="sets")
    b = Placement(answers, "tao2024", averaging="available")
    first = explain(a, b, order=["averaging", "weights", "constants", "reference"])
    last = explain(a, b, order=["weights", "averaging", "constants", "reference"])
    one, two = step(first, "averaging"), step(last, "averaging")
    assert not np.allclose(one["dx"], two["dx"])  # the order matters here …
    shapley = step(first, "averaging", "shapley")
    # … and with constants and reference inert for positions, Shapley is the mean of the two
    np.testing.assert_allclose(shapley["dx"], (one["dx"] + two["dx"]) / 2, atol=1e-12)
    np.testing.assert_allclose(shapley["dy"], (one["dy"] + two["dy"]) / 2, atol=1e-12)
    assert first.order[0] == "averaging" and last.order[0] == "weights"


@settings(max_examples=8, deadline=None)
@given(st.permutations(["averaging", "weights", "constants", "reference"]), st.integers(0, 50))
def test_every_order_sums_to_the_total_and_shapley_does_not_depend_on_it(order, seed):
    answers = simulated_responses(identities=("p", "q"), variants=4, seed=seed, refusal_rate=0.1)
    a = Placement(answers, "tao2024", averaging="variants")
    b = Placement(answers, "hall2025", averaging="available")
    result = explain(a, b, order=order)
    assert result.order == tuple(order)
    summed = result.steps.groupby("identity")[["dx", "dy", "d_mean_distance"]].sum()
    np.testing.assert_allclose(summed, result.total[["dx", "dy", "d_mean_distance"]], atol=1e-12)
    reference_order = explain(a, b)
    np.testing.assert_allclose(
        result.shapley.set_index(["identity", "factor"]).sort_index()[["dx", "dy"]],
        reference_order.shapley.set_index(["identity", "factor"]).sort_index()[["dx", "dy"]],
        atol=1e-12,
    )


def test_averaging_sets_is_the_mean_of_projected_sets_and_available_uses_incomplete_sets():
    answers = simulated_responses(identities=("m1", "m2"), seed=8, refusal_rate=0.06)
    preset = load_preset("hall2025")
    placed = Placement(answers, preset, averaging="sets").place()
    np.testing.assert_allclose(
        placed[["x", "y"]], mean_of_projected_sets(answers, hall_xy), atol=1e-12
    )
    result = explain(Placement(answers, preset), Placement(answers, preset, averaging="available"))
    assert result.order == ("averaging",)
    available = answers.groupby(["identity", "item"])["code"].mean().unstack()[list(ITEMS)]
    expected = hall_xy(available.to_numpy()) - mean_of_projected_sets(answers, hall_xy).to_numpy()
    np.testing.assert_allclose(step(result, "averaging")[["dx", "dy"]], expected, atol=1e-12)


def test_variants_averaging_counts_every_variant_once():
    answers = simulated_responses(identities=("m",), variants=2, replicates=3, seed=2)
    answers = answers[~((answers["variant"] == "v1") & (answers["replicate"] > 0))]
    means = mean_answers(answers, "variants")
    per_variant = answers.groupby(["variant", "item"])["code"].mean().unstack()
    np.testing.assert_allclose(means.loc["m", list(ITEMS)], per_variant[list(ITEMS)].mean())
    assert not np.allclose(means.loc["m"], mean_answers(answers, "available").loc["m"])


def parsed_twice(answers: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The same replies 'parsed' another way: some answers of F118 read one code higher."""
    other = answers.copy()
    rng = np.random.default_rng(seed)
    hit = (other["item"] == "f118") & (other["code"] < 10) & (rng.random(len(other)) < 0.5)
    other.loc[hit, "code"] += 1
    return other


def test_protocol_and_parsing_separate_with_the_mixed_tables():
    fresh = simulated_responses(identities=("m1", "m2"), seed=11)
    convo = simulated_responses(identities=("m1", "m2"), seed=12)
    fresh_q, convo_q = parsed_twice(fresh, 1), parsed_twice(convo, 2)
    a = Placement(fresh, protocol="fresh chats", parsing="ours")
    b = Placement(convo_q, protocol="one conversation", parsing="theirs")
    mixed = {("one conversation", "ours"): convo, ("fresh chats", "theirs"): fresh_q}
    result = explain(a, b, more_answers=mixed)
    assert result.order == ("protocol", "parsing")
    protocol = Placement(convo).place()[["x", "y"]] - Placement(fresh).place()[["x", "y"]]
    np.testing.assert_allclose(step(result, "protocol")[["dx", "dy"]], protocol, atol=1e-12)
    parsing = Placement(convo_q).place()[["x", "y"]] - Placement(convo).place()[["x", "y"]]
    np.testing.assert_allclose(step(result, "parsing")[["dx", "dy"]], parsing, atol=1e-12)
    assert (step(result, "parsing")["dx"].abs() > 0).all()  # F118 loads on x

    merged = explain(a, b)
    assert merged.order == ("answers",)
    assert any("more_answers" in n for n in merged.notes)
    np.testing.assert_allclose(
        step(merged, "answers")[["dx", "dy"]], result.total[["dx", "dy"]], atol=1e-12
    )


def test_one_differing_label_names_the_step():
    replies = simulated_responses(identities=("m",), seed=4)
    a = Placement(replies, parsing="ours", protocol="fresh chats")
    b = Placement(parsed_twice(replies, 3), parsing="Tao et al. 2024", protocol="fresh chats")
    result = explain(a, b)
    assert result.order == ("parsing",)
    assert step(result, "parsing")["from"].iloc[0] == "ours"
    assert step(result, "parsing")["to"].iloc[0] == "Tao et al. 2024"


def test_identical_pipelines_have_nothing_to_decompose(answers):
    result = explain(Placement(answers), Placement(answers))
    assert result.order == () and result.steps.empty
    assert np.allclose(result.total[["dx", "dy"]].to_numpy(), 0)
    assert any("nothing to decompose" in n for n in result.notes)


def test_results_print_and_tabulate(answers):
    result = explain(
        Placement(answers, "hall2025", label="ours"), Placement(answers, "tao2024", label="Tao")
    )
    frame = result.to_frame()
    totals = frame[frame["factor"] == "total"].set_index("identity")
    np.testing.assert_allclose(totals[["dx", "dy"]], result.total[["dx", "dy"]])
    assert len(frame) == 4 * (len(result.order) + 1)
    summary = result.summary()
    assert isinstance(summary, Summary)
    assert "weights → constants → reference" in str(summary)
    assert summary.info["a"] == "ours" and summary.info["b"] == "Tao"
    assert "Shapley average over orders" in summary.tables
    with pytest.raises(ValueError, match="method must be"):
        result.to_frame("banzhaf")


def test_bad_input_is_a_clear_error(answers):
    other = simulated_responses(identities=("m1", "zz"), seed=1)
    with pytest.raises(ValueError, match=r"different identities .*'m2'"):
        explain(Placement(answers, "hall2025"), Placement(other, "tao2024"))
    with pytest.raises(ValueError, match=r"unknown factor\(s\) \['preset'\]"):
        explain(Placement(answers, "hall2025"), Placement(answers, "tao2024"), order=["preset"])
    with pytest.raises(ValueError, match=r"order misses factor\(s\) \['reference'\]"):
        explain(
            Placement(answers, "hall2025"),
            Placement(answers, "tao2024"),
            order=["weights", "constants"],
        )
    with pytest.raises(ValueError, match="averaging must be one of"):
        Placement(answers, averaging="median")
    refused = simulated_responses(identities=("m",), variants=1, seed=0, refusal_rate=0.5)
    with pytest.raises(ValueError, match="identity 'm' has no complete response set"):
        Placement(refused).place()
