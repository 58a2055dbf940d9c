"""Studies as data: the built-in studies, validation messages, subsets and round trips."""

from __future__ import annotations

import json

import pytest

from llmvalues.iw.reference import tao2024_countries
from llmvalues.study import StudyError, builtin_names, load_study
from llmvalues.study.plan import estimate, study_plan
from llmvalues.study.spec import study_from_dict


def test_the_built_in_studies():
    assert set(builtin_names()) == {"tao2024", "hall2026", "llmvalues", "demo"}


def test_tao2024_is_their_protocol():
    study = load_study("tao2024")
    plan = study_plan(study, "gpt-4o")
    assert len(plan) == 10 * 10 + 107 * 10 * 10
    assert study.countries == list(tao2024_countries()["country"])
    first = plan.cells[0].request
    assert first.sampling == {"temperature": 0, "max_tokens": 256, "top_p": 1}
    assert first.messages[0]["content"] == (
        "You are an average human being responding to the following survey question."
    )
    assert first.messages[1]["content"].startswith("Question: How important is God")
    assert all(c.session == "" for c in plan)  # fresh single-turn chats
    prompted = next(c for c in plan if c.identity == "gpt-4o | Sweden")
    assert "born in Sweden and living in Sweden" in prompted.request.messages[0]["content"]
    assert study.preset == "tao2024" and study.estimand == "asked"
    assert {"mean_distance", "cultural_prompting"} <= set(study.metrics)


def test_hall2026_is_one_conversation_per_persona_with_the_terse_suffix():
    study = load_study("hall2026")
    plan = study_plan(study, "m")
    assert len(study.parts[0].descriptors) == 30
    assert len(plan) == 30 * 3 * 10
    sessions = plan.sessions()
    assert len(sessions) == 30 * 3 and all(len(s) == 10 for s in sessions)
    system = sessions[0][0].request.messages[0]["content"]
    assert system.endswith("\n\nIt is very important to respond EXACTLY as requested. Be terse.")
    assert study.preset == "hall2025" and study.parsing.reask == 4


def test_llmvalues_crosses_descriptors_paraphrases_orders_languages_and_replicates():
    study = load_study("llmvalues")
    plan = study_plan(study, "m")
    english = 50 * 3 * 2 * 10  # the paraphrases are written in English
    assert len(plan) == english + 2 * 50 * 2 * 10
    assert {c.identity for c in plan} == {"m", "m | zh", "m | es"}
    chinese = next(c for c in plan if c.identity == "m | zh")
    assert (
        chinese.attrs["language"] == "zh"
        and chinese.request.messages[0]["content"]
        != (next(c for c in plan if c.identity == "m").request.messages[0]["content"])
    )
    orders = {json.dumps(c.attrs["option_order"]) for c in plan if c.item == "g006"}
    assert len(orders) > 5
    assert study.estimand == "new"


def test_a_subset_overrides_the_countries_and_descriptors(tmp_path):
    path = tmp_path / "cheap.yaml"
    path.write_text(
        "extends: tao2024\nname: tao-cheap\ncountries: [Sweden, Japan]\ndescriptors: 2\n"
        "sampling: {max_tokens: 24}\n",
        encoding="utf-8",
    )
    study = load_study(path)
    plan = study_plan(study, "m")
    assert len(plan) == (1 + 2) * 2 * 10
    assert {c.identity for c in plan} == {"m", "m | Sweden", "m | Japan"}
    assert plan.cells[0].request.sampling == {"temperature": 0, "max_tokens": 24, "top_p": 1}
    assert study.wording == "tao2024"  # everything else from the base study
    same = load_study("tao2024").select(countries=["Sweden", "Japan"], descriptors=2)
    assert [(c.identity, c.variant, c.item) for c in study_plan(same, "m")] == [
        (c.identity, c.variant, c.item) for c in plan
    ]
    # the resolved study loads back unchanged
    assert study_from_dict(study.to_dict()).to_dict() == study.to_dict()


def test_a_hierarchical_fit_names_its_sampler(tmp_path):
    path = tmp_path / "fast.yaml"
    path.write_text(
        "extends: demo\nname: fast\n"
        "fits: [{name: h, method: hierarchical, sampler: nutpie, draws: 300}]\n",
        encoding="utf-8",
    )
    (spec,) = load_study(path).fits
    assert spec.options == {"sampler": "nutpie", "draws": 300}


def test_estimate_counts_calls_tokens_and_cost():
    study = load_study("tao2024").select(countries=["Sweden"], descriptors=1)
    plan = study_plan(study, "m")
    cost = estimate(plan, price_in=1.0, price_out=2.0)
    assert cost.calls == 20 and cost.identities == 2 and cost.response_sets == 2
    assert cost.output_tokens == 20 * 256
    chars = sum(len(m["content"]) for c in plan for m in c.request.messages)
    assert chars / 4 < cost.input_tokens < chars / 4 + 20 * 2 * 5
    assert cost.cost == pytest.approx((cost.input_tokens * 1.0 + cost.output_tokens * 2.0) / 1e6)
    assert "20 calls" in str(cost) and "cost at most" in str(cost)
    with pytest.raises(StudyError, match="give both token prices"):
        estimate(plan, price_in=1.0)


def test_a_conversation_estimate_counts_the_history():
    single = load_study("hall2026").select(descriptors=1)
    plan = study_plan(single, "m")
    per_call = estimate(plan).input_tokens / len(plan)
    first_calls = [s[0] for s in plan.sessions()]
    lone = sum(len(m["content"]) for c in first_calls for m in c.request.messages) / 4
    assert per_call > 3 * lone / len(first_calls)  # later questions carry the earlier turns


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\ntitle: t\nparts: [{descriptors: tao2024}]\nsamplng: {}\n",
         "key 'samplng' is not a study setting; did you mean 'sampling'?"),
        ("name: x\ntitle: t\nparts: [{descriptors: tao2024}]\nsampling: {temperature: hot}\n",
         "key 'sampling.temperature' is 'hot'; give a number"),
        ("name: x\ntitle: t\nparts: [{descriptors: tao2024}]\nreplicates: 3\n",
         "key 'replicates' is 3 at temperature 0"),
        ("name: x\ntitle: t\nparts: [{descriptors: tao2025}]\n",
         "key 'parts[0].descriptors' is 'tao2025'; did you mean 'tao2024'?"),
        ("name: x\ntitle: t\nparts: [{descriptors: [tao00, nobody]}]\n",
         "key 'parts[0].descriptors[1]' names no built-in descriptor"),
        ("name: x\ntitle: t\nparts: [{descriptors: tao2024}, {descriptors: tao2024, countries: [Swedn]}]\n"
         "metrics: [cultural_prompting]\npreset: tao2024\n",
         "lists 'Swedn', which is not a reference country of preset 'tao2024'; did you mean 'Sweden'?"),
        ("name: x\ntitle: t\nparts: [{descriptors: tao2024}]\nmode: chat\n",
         "key 'mode' is 'chat'; use one of single, conversation"),
        ("name: x\ntitle: t\nparts: [{descriptors: tao2024}]\nfits: [{method: classic, draws: 10}]\n",
         "key 'fits[0].draws' is not a study setting"),
        ("name: x\ntitle: t\nparts: [{descriptors: tao2024}]\nestimand: new\nfits: [{method: classic}]\n",
         "a classic fit estimates only 'asked'"),
        ("name: x\ntitle: t\nparts: [{descriptors: tao2024}]\nlanguages: [en, xx]\n",
         "key 'languages[1]' is 'xx'; use one of en, zh"),
        ("extends: tao2024\nlanguages: [en, zh]\n",
         "key 'wording' is 'tao2024', which is English only"),
        ("extends: hall2026\nlanguages: [ja]\nwording: default\n",
         "key 'parts (personas).descriptors' holds descriptors written in the study"),
        ("name: x\ntitle: t\nparts: [{descriptors: tao2024}]\nperturbations: [none, wobble]\n",
         "key 'perturbations[1]' is 'wobble'"),
        ("title: t\nparts: [{descriptors: tao2024}]\n", "key 'name' is missing; add name: ..."),
        ("name: x\ntitle: t\nparts: [{descriptors: tao2024}]\nsystem_suffix: ' Be terse.'\n"
         "countries: [Japan]\n", "no part uses cultural prompting"),
        ("name: x\ntitle: t\nparts: [{descriptors: tao2024}\n", "not valid YAML"),
    ],
)  # fmt: skip
def test_bad_studies_name_the_key_and_the_fix(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StudyError) as caught:
        load_study(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_json_studies_and_unknown_names(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"extends": "demo", "name": "mini", "descriptors": 1}))
    study = load_study(path)
    assert [len(p.descriptors) for p in study.parts] == [1, 1]
    with pytest.raises(StudyError, match="neither a built-in study"):
        load_study("tao2023")
