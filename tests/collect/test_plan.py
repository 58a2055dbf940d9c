"""Plans, variants, stable keys and option probabilities (fast; no model)."""

from __future__ import annotations

import json
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


# ------------------------------------------------------------------ languages and perturbations


def test_each_language_is_its_own_identity_with_its_own_texts():
    plan = ivs_plan("m", languages=("en", "zh", "es"), countries=["Japan"], items=["g006"])
    assert {c.identity for c in plan} == {"m | Japan", "m | zh | Japan", "m | es | Japan"}
    zh = next(c for c in plan if c.identity == "m | zh | Japan")
    system, question = (m["content"] for m in zh.request.messages)
    assert system == "你是一个普通的人类，出生在日本，也生活在日本，正在回答下面的调查问题。"
    assert question.startswith("你对自己的国籍感到多自豪？\n  1. 非常自豪")
    assert zh.attrs["language"] == "zh" and zh.attrs["country_shown"] == "日本"
    assert zh.attrs["country"] == "Japan"
    assert zh.parse("2").code == 2
    es = next(c for c in plan if c.identity == "m | es | Japan")
    assert "que nació en Japón, vive en Japón y responde" in es.request.messages[0]["content"]
    kept = ivs_plan("m", languages=("de",), countries=["Japan"], country_names="as_given")
    assert "(Geburts- und Wohnland: Japan)" in kept.cells[0].request.messages[0]["content"]


def test_the_default_factors_leave_the_plan_unchanged():
    base = ivs_plan("m", permute=True, seed=2)
    assert ivs_plan("m", permute=True, seed=2, perturbations=["none"]).keys == base.keys
    assert ivs_plan("m", permute=True, seed=2, languages=("en",)).keys == base.keys
    assert {c.attrs["perturbation"] for c in base} == {"none"}
    assert {c.attrs["language"] for c in base} == {"en"}


def test_perturbation_levels_are_crossed_seeded_and_recorded():
    levels = ["none", "typo:0.1", "reverse", "labels:labels", "format:free", "persona:user"]
    plan = ivs_plan("m", perturbations=levels, items=["f063", "g006"], seed=4)
    assert len(plan) == 10 * 6 * 2
    variants = {c.variant for c in plan if c.attrs["descriptor"] == "tao00"}
    assert variants == {"tao00", *(f"tao00/{lv}" for lv in levels[1:])}
    again = ivs_plan("m", perturbations=levels, items=["f063", "g006"], seed=4)
    assert [c.request.payload() for c in plan] == [c.request.payload() for c in again]
    typo = next(c for c in plan if c.variant == "tao03/typo:0.1" and c.item == "f063")
    assert typo.attrs["typo"] == 0.1 and isinstance(typo.attrs["typo_seed"], int)
    assert typo.attrs["perturbations"][0]["edits"] > 0
    plain = next(c for c in plan if c.variant == "tao03" and c.item == "f063")
    assert plain.attrs["typo"] == 0.0 and plain.attrs["reverse"] is False
    assert typo.request.messages[-1]["content"] != plain.request.messages[-1]["content"]
    reverse = {c.item: c for c in plan if c.variant == "tao03/reverse"}
    assert reverse["f063"].parse("10").code == 1  # the scale ran the other way
    assert reverse["g006"].parse("1").code == 4 and reverse["g006"].attrs["reverse"] is True
    assert reverse["g006"].attrs["option_order"] == [4, 3, 2, 1]
    words = next(c for c in plan if c.variant == "tao03/labels:labels" and c.item == "g006")
    assert "  - very proud" in words.request.messages[-1]["content"]
    assert words.attrs["labels"] == "labels" and words.request.options == ()
    assert words.parse("quite proud").code == 2
    free = next(c for c in plan if c.variant == "tao03/format:free" and c.item == "f063")
    assert free.attrs["answer_format"] == "free"
    assert free.request.messages[-1]["content"].endswith("as a single number on the last line.")
    user = next(c for c in plan if c.variant == "tao03/persona:user")
    assert [m["role"] for m in user.request.messages] == ["user"]
    assert user.attrs["persona_in"] == "user"


def test_plan_attributes_become_responses_columns(tmp_path):
    from tests.collect.replies import store_replies

    plan = ivs_plan(
        "m", languages=("en", "zh"), perturbations=["none", "reverse"], items=["f063", "e025"]
    )
    table = store_replies(plan, lambda c: "10" if c.item == "f063" else "A", tmp_path / "s.db")
    for column in ("language", "perturbation", "perturbations", "reverse", "country_shown"):
        assert column in table.columns
    f063 = table[table["item"] == "f063"].set_index(["identity", "variant"])["code"]
    assert f063[("m | zh", "tao00/reverse")] == 1 and f063[("m | zh", "tao00")] == 10
    e025 = table[(table["item"] == "e025") & table["reverse"].astype(bool)]
    assert set(e025["code"]) == {3}  # "A" is the last raw code when the options run backwards
    assert set(table["language"]) == {"en", "zh"}
    assert json.loads(table["perturbations"].iloc[-1])[0]["name"] == "reverse"


@settings(max_examples=25, deadline=None)
@given(
    languages=st.lists(st.sampled_from(["en", "zh", "hi", "pt"]), min_size=1, max_size=3),
    countries=st.one_of(
        st.none(), st.lists(st.sampled_from(["Japan", "Peru"]), min_size=1, max_size=2, unique=True)
    ),
    levels=st.lists(
        st.sampled_from(["none", "reverse", "typo:0.02", "shuffle"]),
        min_size=0,
        max_size=3,
        unique=True,
    ),
    replicates=st.integers(1, 2),
    n_items=st.integers(1, 3),
    descriptor_set=st.sampled_from(["tao2024", "all"]),
)
def test_plan_size_is_the_size_of_the_plan(
    languages, countries, levels, replicates, n_items, descriptor_set
):
    from llmvalues.collect.ivs import ivs_plan_size

    options = dict(
        languages=languages,
        countries=countries,
        perturbations=levels,
        replicates=replicates,
        sampling={"temperature": 0.5},
        items=IVS.codes[:n_items],
        descriptor_set=descriptor_set,
    )
    size = ivs_plan_size(**options)
    assert size.calls == len(ivs_plan("m", **options))
    frame = size.to_frame().set_index("factor")["levels"]
    assert frame["language"] == len(set(languages)) and frame["replicate"] == replicates
    assert size.summary().info["calls"] == size.calls


def test_plan_size_documents_large_designs_without_building_them():
    from llmvalues.collect.ivs import ivs_plan_size

    size = ivs_plan_size(
        languages=("en", "zh"),
        countries=[f"country {i}" for i in range(107)],
        descriptor_set="all",
        perturbations=["none", "reverse", "typo:0.05"],
    )
    assert size.calls == 2 * 107 * 50 * 3 * 10 == 321_000
    assert size.response_sets == 32_100
    with pytest.raises(TypeError):
        ivs_plan_size(langauges=("zh",))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"languages": ("xx",)}, "unknown language 'xx'"),
        ({"languages": ()}, "no languages"),
        ({"languages": ("zh",), "paraphrased": True}, "paraphrases are written in English only"),
        ({"languages": ("zh",), "wording": "tao2024"}, "English only"),
        ({"languages": ("zh",), "perturbations": ["synonyms"]}, "no synonym table"),
        ({"perturbations": ["typo:9"]}, "in \\[0, 1\\]"),
        ({"perturbations": ["none", "none"]}, "given twice"),
        ({"instrument": IVS, "languages": ("zh",)}, "the instrument given is in 'en'"),
        ({"country_names": "native"}, "country_names must be one of"),
    ],
)
def test_malformed_language_and_perturbation_plans_are_refused(options, message):
    with pytest.raises(PlanError, match=message):
        ivs_plan("m", **options)
