"""Plans, variants, stable keys and option probabilities (fast; no model)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmvalues.collect import PlanError, Request, ivs_plan, make_cell, text_plan
from llmvalues.collect.ivs import answer_grammar
from llmvalues.collect.options import option_distribution
from llmvalues.instruments import load_instrument
from llmvalues.instruments.variants import (
    cultural,
    descriptors,
    option_order,
    paraphrases,
    personas,
)

IVS = load_instrument()


def test_tao_plan_is_ten_descriptors_by_ten_items():
    plan = ivs_plan("m")
    assert len(plan) == 100
    assert len(plan.sessions()) == 100  # one fresh chat per question
    cell = plan.cells[0]
    assert cell.request.messages[0] == {
        "role": "system",
        "content": "You are an average human being responding to the following survey question.",
    }
    assert cell.request.sampling["temperature"] == 0.0


def test_descriptor_sets_give_at_least_a_hundred_response_sets_with_countries():
    assert len(descriptors("tao2024")) == 10
    assert len(descriptors("all")) == 50
    assert len({d.name for d in descriptors("all")}) == 50
    assert len({d.text for d in descriptors("all")}) == 50
    plan = ivs_plan("m", descriptor_set="all", countries=["Japan", "Chile"], items=["f063"])
    assert len(plan) == 100
    assert {c.identity for c in plan} == {"m | Japan", "m | Chile"}
    assert "born in Chile and living in Chile" in plan.cells[-1].request.messages[0]["content"]
    assert len(personas()) >= 10


def test_cultural_prompt_follows_tao():
    text = cultural("You are a person responding to the following survey question.", "Peru")
    assert text == (
        "You are a person born in Peru and living in Peru responding to the following survey "
        "question."
    )
    with pytest.raises(ValueError, match="does not end with"):
        cultural("Hello there.", "Peru")


def test_preset_countries_drive_cultural_prompting():
    from llmvalues.cli.collect import _countries

    countries = _countries("preset:hall2025")
    assert len(countries) > 50 and "Japan" in countries


def test_keys_are_stable_and_change_with_every_coordinate():
    a = ivs_plan("m", items=["f063"])
    b = ivs_plan("m", items=["f063"])
    assert a.keys == b.keys
    other_model = ivs_plan("m2", items=["f063"])
    assert not set(a.keys) & set(other_model.keys)
    other_sampling = ivs_plan("m", items=["f063"], sampling={"max_tokens": 10})
    assert not set(a.keys) & set(other_sampling.keys)
    tao_wording = ivs_plan("m", items=["f063"], wording="tao2024")
    assert not set(a.keys) & set(tao_wording.keys)


@settings(max_examples=40, deadline=None)
@given(
    identity=st.text(min_size=1, max_size=10),
    variant=st.text(min_size=1, max_size=10),
    replicate=st.integers(0, 5),
    content=st.text(min_size=1, max_size=30),
)
def test_cell_key_is_a_function_of_the_cell(identity, variant, replicate, content):
    request = Request(messages=({"role": "user", "content": content},))
    k1 = make_cell("m", identity, "q", request, variant=variant, replicate=replicate).key
    k2 = make_cell("m", identity, "q", request, variant=variant, replicate=replicate).key
    k3 = make_cell("m", identity, "q", request, variant=variant, replicate=replicate + 1).key
    assert k1 == k2 != k3


def test_permutation_is_seeded_recorded_and_parsed_back():
    plan = ivs_plan("m", permute=True, seed=3, items=["e025", "g006", "f063"])
    again = ivs_plan("m", permute=True, seed=3, items=["e025", "g006", "f063"])
    other = ivs_plan("m", permute=True, seed=4, items=["e025", "g006", "f063"])
    orders = [c.attrs["option_order"] for c in plan]
    assert orders == [c.attrs["option_order"] for c in again]
    assert orders != [c.attrs["option_order"] for c in other]
    e025 = next(c for c in plan if c.item == "e025")
    order = e025.attrs["option_order"]
    assert sorted(order) == [1, 2, 3]
    # the letter shown first means the first raw code of the recorded order
    assert e025.parse("A").code == order[0]
    assert e025.request.options == ("A", "B", "C")
    f063 = next(c for c in plan if c.item == "f063")
    assert f063.attrs["option_order"] == []  # a 1–10 scale lists no options to shuffle


def test_option_order_is_a_permutation():
    for item in IVS:
        order = option_order(item, 0, "x")
        assert sorted(order) == sorted(raw for _, raw, _ in item.option_lines())


def test_paraphrases_keep_options_and_scale():
    for item in IVS:
        texts = paraphrases(item.code)
        assert len(texts) == 2
        for text in texts:
            assert ("{options}" in text) == ("{options}" in item.prompt)
    plan = ivs_plan("m", paraphrased=True, items=["a008"])
    assert len(plan) == 30
    assert {c.variant.split("/")[1] for c in plan} == {"w0", "w1", "w2"}


def test_persona_in_user_message_and_completion_format():
    user = ivs_plan("m", persona_in="user", items=["f063"]).cells[0]
    assert [m["role"] for m in user.request.messages] == ["user"]
    assert user.request.messages[0]["content"].startswith("You are an average human being")
    completion = ivs_plan("m", fmt="completion", items=["f063"]).cells[0]
    assert completion.request.messages is None
    assert completion.request.prompt.endswith("Answer:")


def test_conversation_plan_groups_a_response_set():
    plan = ivs_plan("m", mode="conversation")
    sessions = plan.sessions()
    assert len(sessions) == 10 and all(len(s) == 10 for s in sessions)
    second = sessions[0][1]
    assert [m["role"] for m in second.request.messages] == ["user"]


def test_replicates_need_temperature_and_get_their_own_seed():
    with pytest.raises(PlanError, match="temperature"):
        ivs_plan("m", replicates=2)
    plan = ivs_plan("m", replicates=3, sampling={"temperature": 0.8}, items=["f063"])
    seeds = {c.request.sampling["seed"] for c in plan}
    assert len(plan) == 30 and len(seeds) == 30


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"items": ["z999"]}, "unknown item 'z999'"),
        ({"mode": "batch"}, "mode must be one of"),
        ({"fmt": "xml"}, "format must be one of"),
        ({"persona_in": "assistant"}, "persona_in must be one of"),
        ({"mode": "conversation", "fmt": "completion"}, "needs the chat format"),
        ({"replicates": 0}, "at least 1"),
        ({"descriptor_set": []}, "no respondent descriptors"),
        ({"descriptor_set": "mine"}, "unknown descriptor set"),
    ],
)
def test_malformed_plans_are_refused_with_a_reason(options, message):
    with pytest.raises((PlanError, ValueError), match=message):
        ivs_plan("m", **options)


def test_malformed_requests_are_refused():
    with pytest.raises(ValueError, match="exactly one of"):
        Request()
    with pytest.raises(ValueError, match="unknown sampling"):
        Request(prompt="x", sampling={"temprature": 0})
    with pytest.raises(ValueError, match="malformed chat message"):
        Request(messages=({"role": "robot", "content": "x"},))


def test_duplicate_cells_are_refused():
    from llmvalues.collect import Plan

    cells = text_plan("m", ["a"]).cells
    with pytest.raises(PlanError, match="share the key"):
        Plan("m", cells + cells)


def test_grammars_allow_exactly_the_answers():
    assert answer_grammar(IVS["e025"]) == 'root ::= "A" | "B" | "C"'
    assert '"10"' in answer_grammar(IVS["f063"])
    assert "{0,4}" in answer_grammar(IVS["y003"])
    assert answer_grammar(IVS["y002"]).startswith('root ::= a ", " a')


# ------------------------------------------------------------------ option probabilities

LABELS = tuple(str(i) for i in range(1, 11))


def test_one_and_ten_are_told_apart():
    first = {"1": 0.5, "2": 0.2, "": 0.0, "I": 0.3}

    def continuation(path):
        assert path == ("1",)
        return {"0": 0.4, ".": 0.5, " is": 0.1}

    dist = option_distribution(first, LABELS, continuation, "test")
    assert math.isclose(dist.probs["10"], 0.5 * 0.4)
    assert math.isclose(dist.probs["1"], 0.5 * 0.6)  # " is" does not extend the number
    assert math.isclose(dist.probs["2"], 0.2)
    assert math.isclose(dist.outside, 0.3)


def test_leading_space_mass_is_followed_and_unknown_is_reported():
    first = {"": 0.6, "A": 0.1}

    def continuation(path):
        return {"B": 0.5, "C": 0.25} if path == ("",) else None

    dist = option_distribution(first, ("A", "B", "C"), continuation, "test")
    assert math.isclose(dist.probs["B"], 0.3)
    assert math.isclose(dist.outside, 1 - 0.1 - 0.3 - 0.15)
    unresolved = option_distribution({"1": 1.0}, LABELS, lambda path: None, "test")
    assert "unresolved" in unresolved.method and unresolved.outside == 1.0


@settings(max_examples=80, deadline=None)
@given(
    weights=st.lists(st.floats(0, 1), min_size=12, max_size=12),
    after=st.lists(st.floats(0, 1), min_size=3, max_size=3),
)
def test_probabilities_are_never_renormalised(weights, after):
    tokens = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "", "I", "x"]
    total = sum(weights) or 1.0
    first = {t: w / total for t, w in zip(tokens, weights, strict=True)}
    rest = sum(after) or 1.0
    follow = {"0": after[0] / rest, "5": after[1] / rest, ".": after[2] / rest}
    dist = option_distribution(first, LABELS, lambda path: follow, "test")
    assert all(0 <= p <= 1 for p in dist.probs.values())
    assert math.isclose(sum(dist.probs.values()) + dist.outside, 1.0, abs_tol=1e-9)
    assert dist.probs["1"] + dist.probs["10"] <= first["1"] + first[""] + 1e-9


def test_swapped_labels_keep_the_raw_codes():
    plan = ivs_plan("m", labels="swapped", permute=True, items=["g006", "e025", "f063"])
    g006 = next(c for c in plan if c.item == "g006")
    question = g006.request.messages[-1]["content"]
    assert "  A. " in question and "the letter of your answer" in question
    order = g006.attrs["option_order"]
    assert g006.attrs["labels"] == "letters"
    assert g006.parse("B").code == order[1]
    assert g006.request.options == ("A", "B", "C", "D")
    e025 = next(c for c in plan if c.item == "e025")
    assert "  1. " in e025.request.messages[-1]["content"]
    assert e025.parse("3").code == e025.attrs["option_order"][2]
    f063 = next(c for c in plan if c.item == "f063")
    assert f063.attrs["labels"] == "numbers"  # a 1–10 scale has no listed labels to swap
    with pytest.raises(PlanError, match="labels must be one of"):
        ivs_plan("m", labels="roman")
