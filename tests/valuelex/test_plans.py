"""Plans (elicitation, ratings, projective), rating parsing, matrix assembly and size checks."""

import json

import numpy as np
import pandas as pd
import pytest

from llmvalues.valuelex.elicit import assigned_prompts, elicitation_plan
from llmvalues.valuelex.projective import completions_frame, judged_text, projective_plan
from llmvalues.valuelex.ratings import (
    RatingError,
    expected_rating,
    rating_matrix,
    rating_parser,
    rating_plan,
    scale_labels,
)
from llmvalues.valuelex.resources import (
    SUBDIMENSIONS,
    ValueLexDataError,
    load_personas,
    load_prompts,
    load_reference,
    load_rubric,
    load_stems,
)
from llmvalues.valuelex.respondents import Respondent, make_respondents, resolve_format
from llmvalues.valuelex.structure import StructureError, check_size, fit_structure


def test_bundled_data_meets_the_issue():
    prompts = load_prompts()
    assert len(prompts) >= 15 and len({p.id for p in prompts}) == len(prompts)
    stems = load_stems()
    assert set(stems) == set(SUBDIMENSIONS)
    for items in stems.values():
        assert len(items) >= 20 and len(set(items)) == len(items)
    assert set(load_rubric()["subdimensions"]) == set(SUBDIMENSIONS)
    reference = load_reference()
    assert [r["subdimension"] for r in reference] == list(SUBDIMENSIONS)
    assert {r["dimension"] for r in reference} == {"Competence", "Character", "Integrity"}


def test_user_data_files_are_validated(tmp_path):
    bad = tmp_path / "prompts.json"
    bad.write_text(json.dumps({"prompts": [{"id": "a", "text": "x"}, {"id": "a", "text": "y"}]}))
    with pytest.raises(ValueLexDataError, match="duplicate"):
        load_prompts(bad)
    with pytest.raises(ValueLexDataError, match="does not exist"):
        load_prompts(tmp_path / "missing.json")
    (tmp_path / "stems.json").write_text(json.dumps({"stems": {"Social": ["ok", ""]}}))
    with pytest.raises(ValueLexDataError, match="non-empty"):
        load_stems(tmp_path / "stems.json")


@pytest.mark.parametrize("language", ["zh", "es", "ar"])
def test_valuelex_says_it_has_no_prompts_outside_english(language):
    assert load_prompts(language="en") == load_prompts()
    for load in (load_prompts, load_personas):
        with pytest.raises(ValueLexDataError, match=f"no prompts in '{language}'.*English"):
            load(language=language)
    with pytest.raises(ValueError, match="unknown language 'klingon'"):
        load_prompts(language="klingon")


def test_prompt_rotation_uses_every_prompt_evenly():
    prompts = load_prompts()
    counts = pd.Series(
        [p.id for i in range(len(prompts)) for p in assigned_prompts(i, prompts, 3)]
    ).value_counts()
    assert set(counts) == {3}
    with pytest.raises(ValueError, match="prompts_per_respondent"):
        assigned_prompts(0, prompts, 0)


def test_elicitation_plan_cells_keys_and_seeds():
    respondents = make_respondents("m", load_personas()[:2], 2)
    plan = elicitation_plan("model-id", respondents, load_prompts(), prompts_per_respondent=2)
    assert len(plan) == 4 * 2
    assert len(set(plan.keys)) == len(plan)
    again = elicitation_plan("model-id", respondents, load_prompts(), prompts_per_respondent=2)
    assert again.keys == plan.keys  # stable keys → resumable
    seeds = {c.request.sampling["seed"] for c in plan}
    assert len(seeds) == len(plan)
    first = plan.cells[0]
    assert first.attrs["stage"] == "elicit" and first.attrs["respondent"] == respondents[0].id
    assert "comma-separated" in first.request.messages[-1]["content"]
    assert first.parse("honesty, care").code == 2
    assert first.attrs["format"] == "chat"
    completion = elicitation_plan("x", respondents, load_prompts(), fmt="completion")
    assert completion.cells[0].request.prompt.endswith("The words are:")
    assert completion.cells[0].attrs["format"] == "completion"


def test_resolve_format():
    class Base:
        has_chat_template = False

    assert resolve_format("auto", Base()) == "completion"
    assert resolve_format("auto", object()) == "chat"
    assert resolve_format("chat", Base()) == "chat"
    with pytest.raises(ValueError, match="fmt"):
        resolve_format("voice", Base())


def test_rating_plan_randomises_and_records_order():
    respondents = make_respondents("m", load_personas()[:3], 2)
    terms = [f"term{i}" for i in range(8)]
    plan = rating_plan("model-id", respondents, terms)
    assert len(plan) == 6 * 8
    orders = {}
    for cell in plan:
        orders.setdefault(cell.attrs["respondent"], []).append(cell.attrs["term"])
        assert cell.item == f"rate:{cell.attrs['term']}"
    assert all(sorted(o) == sorted(terms) for o in orders.values())
    assert len({tuple(o) for o in orders.values()}) > 1  # not every respondent the same order
    positions = [c.attrs["position"] for c in plan.cells[:8]]
    assert positions == list(range(8))
    assert plan.cells[0].request.options == ("1", "2", "3", "4", "5")
    retest = rating_plan("model-id", respondents, terms, wave=1)
    assert not set(retest.keys) & set(plan.keys)
    assert len(plan.sessions()) == len(plan)  # single: every rating a fresh question
    assert plan.cells[0].attrs["mode"] == "single" and plan.cells[0].attrs["format"] == "chat"
    talk = rating_plan("model-id", respondents, terms, mode="conversation")
    assert len(talk.sessions()) == 6
    assert talk.cells[0].attrs["mode"] == "conversation"
    with pytest.raises(RatingError, match="no terms"):
        rating_plan("m", respondents, [])
    with pytest.raises(RatingError, match="chat format"):
        rating_plan("m", respondents, terms, fmt="completion", mode="conversation")
    with pytest.raises(RatingError, match="mode must be one of"):
        rating_plan("m", respondents, terms, mode="chat")


@pytest.mark.parametrize(
    ("text", "code", "status"),
    [
        ("4", 4, "ok"),
        ("I would say 2.", 2, "ok"),
        ("9", None, "out_of_range"),
        ("As an AI, I cannot rate this.", None, "refusal"),
        ("somewhere between 2 and 4", None, "invalid"),
    ],
)
def test_rating_parser(text, code, status):
    parsed = rating_parser("honest", scale_labels())(text)
    assert (parsed.code, parsed.status) == (code, status)


def test_expected_rating_from_distribution():
    dist = json.dumps({"probs": {"1": 0.1, "2": 0.0, "3": 0.0, "4": 0.0, "5": 0.3}, "outside": 0.6})
    assert expected_rating(dist, min_mass=0.3) == pytest.approx(4.0)
    assert np.isnan(expected_rating(dist, min_mass=0.5))
    assert np.isnan(expected_rating(None))


def _ratings(values, status=None):
    rows = []
    for r, row in enumerate(values):
        for t, v in enumerate(row):
            rows.append(
                {
                    "respondent": f"r{r}",
                    "model": "a" if r % 2 else "b",
                    "term": f"t{t}",
                    "code": v,
                    "status": "ok" if status is None else status[r][t],
                }
            )
    return pd.DataFrame(rows)


def test_rating_matrix_records_exclusions():
    values = [[1, 3, 5, 2], [2, 3, 4, 1], [3, 3, 2, 5], [4, 3, 1, 4], [5, 3, 3, 3]]
    status = [["ok"] * 4] * 4 + [["ok", "refusal", "invalid", "invalid"]]
    m = rating_matrix(_ratings(values, status))
    assert m.data.shape == (4, 3)  # r4 answered 25%: excluded; t1 constant: excluded
    reasons = m.excluded.set_index("name")["reason"]
    assert "answered 25%" in reasons["r4"]
    assert "constant" in reasons["t1"]
    assert m.status.loc["t2", "invalid"] == 1
    assert m.models["r1"] == "a"
    long = m.to_frame()
    assert list(long.columns) == ["respondent", "model", "term", "score"] and len(long) == 12
    assert long.set_index(["respondent", "term"]).loc[("r3", "t3"), "score"] == 4.0
    assert (long.groupby("respondent")["model"].first() == m.models).all()
    s = m.summary()
    assert s.info == {"respondents": 4, "terms": 3, "models": 2, "score": "code",
                      "missing cells": 0}  # fmt: skip
    assert s["Excluded"].set_index("name")["kind"].to_dict() == {"r4": "respondent",
                                                                 "t1": "term"}  # fmt: skip
    assert s["Cell status per term"].loc["t2", "invalid"] == 1


def test_rating_matrix_bad_input():
    with pytest.raises(RatingError, match="lack column"):
        rating_matrix(pd.DataFrame({"respondent": ["r"]}))
    with pytest.raises(RatingError, match="twice"):
        rating_matrix(pd.concat([_ratings([[1, 2]]), _ratings([[1, 2]])]))
    refused = _ratings([[1, 2], [2, 1]], [["refusal"] * 2] * 2)
    with pytest.raises(RatingError, match="no usable ratings"):
        rating_matrix(refused)
    with pytest.raises(RatingError, match="score"):
        rating_matrix(_ratings([[1]]), score="median")


def test_lexicon_too_small_for_factor_analysis():
    with pytest.raises(StructureError, match="lexicon too small"):
        check_size(100, 2)
    with pytest.raises(StructureError, match="too few respondents"):
        check_size(10, 12)
    with pytest.raises(StructureError, match="cannot be identified"):
        check_size(100, 6, n_factors=4)
    tiny = pd.DataFrame(np.random.default_rng(0).integers(1, 6, (30, 2)), columns=["a", "b"])
    with pytest.raises(StructureError, match="lexicon too small"):
        fit_structure(tiny)


def test_structure_on_noise_finds_no_structure():
    noise = pd.DataFrame(
        np.random.default_rng(3).integers(1, 6, (300, 12)), columns=[f"t{i}" for i in range(12)]
    ).astype(float)
    s = fit_structure(noise)
    assert s.n_factors == 1
    assert any("retained no factor" in n for n in s.notes)
    assert s.assignment.isna().sum() >= 10  # nothing loads above the cut-off


def test_projective_plan_and_completions():
    stems = load_stems()
    plan = projective_plan("model-id", stems, label="m", n_samples=2)
    assert len(plan) == 2 * sum(len(v) for v in stems.values())
    cell = plan.cells[0]
    assert cell.request.messages[-1]["content"].startswith(
        "Complete the following sentence within 100 words: "
    )
    base = projective_plan("model-id", {"Social": ["Kindness is"]}, fmt="completion")
    assert base.cells[0].attrs["format"] == "completion"
    assert base.cells[0].request.prompt.endswith("Kindness is")
    table = pd.DataFrame(
        {
            "cell_key": ["k1", "k2"],
            "model_label": ["m", "m"],
            "subdimension": ["Social", "Social"],
            "stem_index": [0, 1],
            "stem": ["Kindness is", "When someone is sad, I"],
            "raw": [" a gift.", "When someone is sad, I listen."],
            "status": ["ok", "ok"],
            "replicate": [0, 0],
        }
    )
    frame = completions_frame(table)
    assert frame["text"].tolist() == ["Kindness is a gift.", "When someone is sad, I listen."]
    assert judged_text("Kindness is", "") == "Kindness is"


def test_respondents():
    people = make_respondents("m", load_personas()[:2], 3)
    assert len(people) == 6 and len({p.id for p in people}) == 6
    assert isinstance(people[0], Respondent)
    with pytest.raises(ValueError, match="n_samples"):
        make_respondents("m", load_personas(), 0)
