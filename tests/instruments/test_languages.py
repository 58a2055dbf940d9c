"""The instrument in every language: same structure as English, poles that differ and map right.

No native speaker checked the translations; these tests check what structure can: every
label and choice exists, ``{options}`` sits where the English one does, the two scale poles
differ, each pole sits next to its own number in the question, exactly the poles whose
English label is negated carry a negation word, and the rendered options come in the
order of their codes (and of any permutation) and parse back.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmvalues.instruments import load_instrument, parse_answer
from llmvalues.instruments.languages import (
    LANGUAGES,
    REPLY_FORMS,
    country_name,
    find_instruction,
    language_name,
)
from llmvalues.instruments.lexicon import negations_in
from llmvalues.instruments.variants import cultural, descriptors, option_order, personas

ENGLISH = load_instrument()
OTHERS = [lang for lang in LANGUAGES if lang != "en"]
LISTED = [i.code for i in ENGLISH if i.kind in ("scale", "options") and "{options}" in i.prompt]
# codes whose English label is a negation ("not at all important", "would never do")
NEGATED = {"f063": {1}, "f120": {1}, "f118": {1}, "g006": {3, 4}, "a008": {3, 4}, "e025": {3}}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_the_structure_of_english(language):
    inst = load_instrument(language=language)
    assert inst.language == language and language_name(language)
    assert inst.codes == ENGLISH.codes
    for item, english in zip(inst, ENGLISH, strict=True):
        assert item.language == language
        assert (item.kind, item.codes, item.letters, item.max_choices) == (
            english.kind,
            english.codes,
            english.letters,
            english.max_choices,
        )
        assert set(item.labels) == set(english.labels), item.code
        assert all(label.strip() for label in item.labels.values())
        assert len(set(item.labels.values())) == len(item.labels), f"{item.code}: labels repeat"
        assert [(c.key, c.score, c.materialist) for c in item.choices] == [
            (c.key, c.score, c.materialist) for c in english.choices
        ]
        assert len({c.label for c in item.choices}) == len(item.choices)
        assert len(item.option_lines()) == len(english.option_lines())


@pytest.mark.parametrize("language", LANGUAGES)
def test_options_placeholder_sits_where_the_english_one_does(language):
    for item, english in zip(load_instrument(language=language), ENGLISH, strict=True):
        placeholders = re.findall(r"\{[^}]*\}", item.prompt)
        assert placeholders == re.findall(r"\{[^}]*\}", english.prompt), item.code
        if placeholders:  # the same place: after the question, before the reply instruction
            before, after = item.prompt.split("{options}")
            assert before.endswith("\n") and after.startswith("\n"), item.code


@pytest.mark.parametrize("language", OTHERS)
def test_choice_names_hold_no_separator_a_reply_would_split_on(language):
    inst = load_instrument(language=language)
    for code in ("y003", "y002"):
        for choice in inst[code].choices:
            assert not re.search(r"[,，、،]", choice.label), (language, choice.label)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", ["f063", "f120", "f118"])
def test_each_pole_of_a_ten_point_scale_stands_next_to_its_own_number(language, code):
    item = load_instrument(language=language)[code]
    low, high = item.labels[1], item.labels[10]
    assert low != high
    assert low not in high and high not in low
    for number, label in ((1, low), (10, high)):
        assert item.prompt.count(label) == 1, (language, label)
        before = item.prompt[: item.prompt.index(label)]
        assert int(re.findall(r"\d+", before)[-1]) == number, (language, code, label)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", sorted(NEGATED))
def test_exactly_the_negated_poles_carry_a_negation(language, code):
    """A self-check of the translations: a label that says 'not'/'never' in English must
    say it in the language, and no other label may (both poles 'always justifiable'
    fails here)."""
    labels = load_instrument(language=language)[code].labels
    negated = {c for c, text in labels.items() if negations_in(text, language)}
    assert negated == NEGATED[code], (language, code, labels)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", LISTED)
def test_rendered_options_come_in_code_order_and_parse_back(language, code):
    item = load_instrument(language=language)[code]
    lines = [line.strip() for line in item.render().splitlines() if line.startswith("  ")]
    shown = [shown for shown, _, _ in item.option_lines()]
    assert lines == [f"{s}. {item.labels[raw]}" for s, raw in zip(shown, item.codes, strict=True)]
    for s, raw in zip(shown, item.codes, strict=True):
        assert parse_answer(item, s).code == raw


@settings(max_examples=60, deadline=None)
@given(
    language=st.sampled_from(LANGUAGES),
    code=st.sampled_from(LISTED),
    seed=st.integers(0, 10_000),
)
def test_a_permuted_question_lists_the_options_in_that_order(language, code, seed):
    item = load_instrument(language=language)[code]
    order = option_order(item, seed)
    lines = [
        line.strip() for line in item.render(order=order).splitlines() if line.startswith("  ")
    ]
    omap = item.option_map(order)
    for position, (line, raw) in enumerate(zip(lines, order, strict=True)):
        shown = list(omap)[position]
        assert line == f"{shown}. {item.labels[raw]}"
        assert parse_answer(item, shown, option_map=omap).code == raw


def _expected_form(item) -> str:
    if item.kind in ("qualities", "aims"):
        return "names" if item.kind == "qualities" else "pair"
    if "{options}" not in item.prompt:
        return "scale" if item.kind == "scale" else "letter"
    return "letter" if item.letters else "number"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_prompt_ends_with_a_known_reply_instruction(language):
    from llmvalues.instruments.variants import paraphrases

    wordings = ["default", "tao2024"] if language == "en" else ["default"]
    for wording in wordings:
        for item in load_instrument(wording=wording, language=language):
            texts = [item.prompt]
            if language == "en" and wording == "default":
                texts += paraphrases(item.code)
            for text in texts:
                found = find_instruction(text, language)
                assert found is not None, (language, wording, item.code, text[-60:])
                assert found.body + found.sep + found.text == text
                expected = _expected_form(item)
                if wording == "tao2024" and item.code == "e018":
                    expected = "number"  # Tao's E018 names its options in the question
                assert found.form == expected, (language, item.code, found.form)
                assert found.form in REPLY_FORMS


@pytest.mark.parametrize("language", LANGUAGES)
def test_descriptors_personas_and_the_cultural_sentence(language):
    english = descriptors("all")
    local = descriptors("all", language)
    assert [d.name for d in local] == [d.name for d in english]
    assert len({d.text for d in local}) == len(local) == 50
    assert [p.name for p in personas(language)] == [p.name for p in personas()]
    for desc in local:
        text = cultural(desc.text, "Ruritania", language)
        assert "Ruritania" in text and text != desc.text
        assert text.endswith(desc.text[-8:])  # the task sentence stays the last thing said
    with pytest.raises(ValueError, match="does not end with"):
        cultural(personas(language)[0].text, "Ruritania", language)


def test_english_cultural_sentence_is_taos():
    desc = descriptors()[0].text
    assert cultural(desc, "Peru") == (
        "You are an average human being born in Peru and living in Peru responding to the "
        "following survey question."
    )


def test_country_names_are_localized_offline_or_kept():
    assert country_name("Japan", "zh") == "日本"
    assert country_name("Russia", "zh") == "俄罗斯"  # an alias pycountry itself lacks
    assert country_name("Germany", "de") == "Deutschland"
    assert country_name("South Korea", "es") == "Corea del Sur"
    assert country_name("Great Britain", "fr") == "Great Britain"  # unknown: kept as given
    assert country_name("Japan", "zh", "as_given") == "Japan"
    assert country_name("Russia", "en") == "Russia"
    with pytest.raises(ValueError, match="country_names"):
        country_name("Japan", "zh", "translated")


def test_languages_and_wordings_are_checked():
    with pytest.raises(ValueError, match="unknown language 'xx'"):
        load_instrument(language="xx")
    with pytest.raises(ValueError, match="English only"):
        load_instrument(wording="tao2024", language="zh")


def test_every_pole_has_a_back_translation_of_its_current_label():
    from tests.instruments.collection_docs import POLE_ITEMS, back_translations

    rows = {(r["language"], r["item"], int(r["code"])): r for r in back_translations()}
    for language in OTHERS:
        inst = load_instrument(language=language)
        for code in POLE_ITEMS:
            item = inst[code]
            for raw in (item.lowest, item.highest):
                row = rows.pop((language, code, raw))
                assert row["label"] == item.labels[raw], "label changed: revisit its English"
                assert row["english"].strip()
    assert not rows, f"back-translations of labels that no longer exist: {sorted(rows)}"


@pytest.mark.parametrize("section", ["perturbations", "languages", "plan_size", "poles"])
def test_generated_docs_are_current(section):
    """Regenerate with ``python -m tests.instruments.collection_docs``."""
    from tests.instruments.collection_docs import SECTIONS, current

    (doc, name), make = next((key, f) for key, f in SECTIONS.items() if key[1] == section)
    assert current(doc, name) == make()
