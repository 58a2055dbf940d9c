"""Perturbations: seeded, recorded, and never touching what a reply is parsed against."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmvalues.instruments import load_instrument, parse_answer
from llmvalues.instruments import perturbations as pt
from llmvalues.instruments.languages import LANGUAGES, find_instruction
from llmvalues.instruments.variants import paraphrases

EN = load_instrument()
TAO = load_instrument(wording="tao2024")


def _options(text: str) -> list[str]:
    return [line for line in text.splitlines() if re.match(r"  (?:- |[0-9A-Z]+\. )", line)]


def _digits(text: str) -> list[str]:
    return re.findall(r"\d+", text)


@settings(max_examples=200, deadline=None)
@given(
    language=st.sampled_from(LANGUAGES),
    code=st.sampled_from(EN.codes),
    seed=st.integers(0, 2**31 - 1),
    rate=st.floats(0, 1),
)
def test_typos_never_touch_options_numbers_labels_or_the_instruction(language, code, seed, rate):
    item = load_instrument(language=language)[code]
    shown = pt.typos(item, item.prompt, seed, rate=rate)
    assert shown.render() != "" and shown.option_map == item.option_map()
    assert _options(shown.render()) == _options(item.render())
    assert _digits(shown.wording) == _digits(item.prompt)
    for label in [*item.labels.values(), *(c.label for c in item.choices)]:
        assert item.prompt.count(label) <= shown.wording.count(label)
    tail = find_instruction(item.prompt, language).text
    assert shown.wording.endswith(tail)
    assert shown.record["edits"] == sum(shown.record[k] for k in ("keyboard", "swap", "delete"))
    again = pt.typos(item, item.prompt, seed, rate=rate)
    assert again.wording == shown.wording  # seeded


def test_typo_rate_and_keyboard():
    item = EN["f063"]
    assert pt.typos(item, item.prompt, 1, rate=0.0).wording == item.prompt
    noisy = pt.typos(item, item.prompt, 1, rate=1.0)
    assert noisy.wording != item.prompt and noisy.record["keyboard"] > 0
    zh = load_instrument(language="zh")["f063"]
    cjk = pt.typos(zh, zh.prompt, 1, rate=1.0).record
    assert cjk["keyboard"] == 0 and cjk["edits"] > 0  # no keyboard layout for Chinese
    assert set(pt.keyboard_languages()) == {"en", "es", "pt", "de", "fr", "ru", "ar"}
    with pytest.raises(ValueError, match="rate"):
        pt.typos(item, item.prompt, 1, rate=1.5)


def test_synonyms_swap_stem_words_only_and_only_in_english():
    item = EN["e018"]
    shown = pt.synonyms(item, item.prompt, 3)
    assert shown.wording.startswith(("Imagine", "Assume"))
    assert "suppose→" in shown.record["swaps"][0] and shown.record["edits"] == 3
    assert shown.render().endswith(item.render().splitlines()[-1])  # instruction kept
    assert _options(shown.render()) == _options(item.render())
    kept = pt.synonyms(item, item.prompt, 3, rate=0.0)
    assert kept.wording == item.prompt and kept.record["edits"] == 0
    a165 = pt.synonyms(EN["a165"], EN["a165"].prompt, 1)
    assert EN["a165"].labels[2] in a165.wording  # "dealing with" inside a label stays
    assert pt.synonym_languages() == ("en",)
    zh = load_instrument(language="zh")["e018"]
    with pytest.raises(ValueError, match="no synonym table in language 'zh'"):
        pt.synonyms(zh, zh.prompt, 1)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", ["f063", "f120", "f118"])
def test_a_reversed_ten_point_scale_codes_ten_as_one(language, code):
    item = load_instrument(language=language)[code]
    shown = pt.reverse(item, item.prompt, 0)
    assert shown.record["applied"] and not shown.record["listed"]
    assert shown.wording.index(item.labels[10]) < shown.wording.index(item.labels[1])
    assert parse_answer(shown.item, "10", option_map=shown.option_map).code == 1
    assert parse_answer(shown.item, "1", option_map=shown.option_map).code == 10
    assert parse_answer(shown.item, "7", option_map=shown.option_map).code == 4
    back = pt.reverse(shown.item, shown.wording, 0, order=shown.order)
    assert back.wording == item.prompt and back.option_map == item.option_map()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", ["g006", "e018", "a008", "e025", "a165"])
def test_a_reversed_listed_scale_shows_the_last_code_first(language, code):
    item = load_instrument(language=language)[code]
    shown = pt.reverse(item, item.prompt, 0)
    first = next(iter(shown.option_map))
    assert shown.option_map[first] == item.highest
    assert _options(shown.render())[0].endswith(item.labels[item.highest])
    assert parse_answer(shown.item, first, option_map=shown.option_map).code == item.highest


def test_reversal_in_taos_running_text_and_where_it_cannot_apply():
    a008 = pt.reverse(TAO["a008"], TAO["a008"].prompt, 0)
    assert "1 is Not at all happy, 2 is Not very happy, 3 is Quite happy, 4 is Very happy" in (
        a008.wording
    )
    assert parse_answer(a008.item, "1", option_map=a008.option_map).code == 4
    e025 = pt.reverse(TAO["e025"], TAO["e025"].prompt, 0)
    assert not e025.record["applied"] and "verbatim" in e025.record["reason"]
    assert e025.wording == TAO["e025"].prompt and e025.order is None
    y003 = pt.reverse(EN["y003"], EN["y003"].prompt, 0)
    assert not y003.record["applied"] and y003.order is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_labels_numbers_letters_or_words(language):
    inst = load_instrument(language=language)
    g006 = inst["g006"]
    letters = pt.relabel(g006, g006.prompt, 0, scheme="letters")
    assert letters.record["applied"] and letters.item.letters
    assert "  A. " in letters.render() and letters.option_map["C"] == 3
    assert find_instruction(letters.wording, language).form == "letter"
    words = pt.relabel(g006, g006.prompt, 0, scheme="labels")
    lines = _options(words.render())
    assert lines == [f"  - {g006.labels[c]}" for c in g006.codes]
    assert find_instruction(words.wording, language).form == "label"
    assert parse_answer(words.item, g006.labels[2]).code == 2  # the words read back
    e025 = inst["e025"]
    numbers = pt.relabel(e025, e025.prompt, 0, scheme="numbers")
    assert "  1. " in numbers.render() and numbers.item.kind == "scale"
    assert parse_answer(numbers.item, "3", option_map=numbers.option_map).code == 3
    assert not pt.relabel(e025, e025.prompt, 0, scheme="letters").record["applied"]
    assert not pt.relabel(inst["f063"], inst["f063"].prompt, 0).record["applied"]


def test_english_relabelling_rewrites_each_paraphrase_instruction():
    for item in EN:
        for text in [item.prompt, *paraphrases(item.code)]:
            shown = pt.relabel(item, text, 0, scheme="numbers" if item.letters else "letters")
            if "{options}" not in text or item.kind not in ("scale", "options"):
                assert not shown.record["applied"]
                continue
            assert shown.record["applied"], (item.code, text)
            old, new = ("letter", "number") if item.letters else ("number", "letter")
            assert shown.wording == text.replace(f"the {old}", f"the {new}")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("level", ["terse", "free"])
def test_answer_format_replaces_the_instruction_in_every_language(language, level):
    for item in load_instrument(language=language):
        shown = pt.answer_instruction(item, item.prompt, 0, level=level)
        found = find_instruction(shown.wording, language)
        assert shown.record["applied"] and found.form == shown.record["form"]
        assert found.text == pt.answer_format(level, found.form, language)
        assert _options(shown.render()) == _options(item.render())
    for item in TAO:  # Tao's prompts end with instructions the English file knows
        assert pt.answer_instruction(item, item.prompt, 0, level=level).record["applied"]


def test_shuffle_and_persona_place():
    g006 = EN["g006"]
    shown = pt.shuffle(g006, g006.prompt, 5)
    assert (
        sorted(shown.order) == list(g006.codes)
        and shown.order == pt.shuffle(g006, g006.prompt, 5).order
    )
    assert shown.option_map == g006.option_map(shown.order)
    assert not pt.shuffle(EN["f063"], EN["f063"].prompt, 5).record["applied"]
    placed = pt.persona_place(g006, g006.prompt, 0, place="user")
    assert placed.persona_in == "user" and placed.wording == g006.prompt


def test_conditions_parse_in_application_order_and_record_flat_columns():
    levels = pt.parse_perturbations("none, typo:0.05, reverse+labels:letters, format:free")
    assert [pt.condition_label(c) for c in levels] == [
        "none",
        "typo:0.05",
        "labels:letters+reverse",
        "format:free",
    ]
    g006 = EN["g006"]
    out = pt.perturb(g006, g006.prompt, levels[2], lambda p: 7, columns=["reverse", "typo"])
    assert [r["name"] for r in out.records] == ["labels", "reverse"]
    assert out.columns == {"reverse": True, "typo": 0.0, "typo_seed": None}
    assert out.option_map["A"] == 4  # letters, then reversed
    typo = pt.perturb(g006, g006.prompt, levels[1], lambda p: 7, columns=["typo"])
    assert typo.columns == {"typo": 0.05, "typo_seed": 7}
    for bad, message in [
        ("typo:lots", "not a valid rate"),
        ("wobble", "unknown perturbation"),
        ("reverse:1", "takes no parameter"),
        ("typo+typo:0.1", "appears twice"),
        ("reverse,reverse", "given twice"),
        ("labels:roman", "one of"),
        ("typo:2", "in \\[0, 1\\]"),
    ]:
        with pytest.raises(ValueError, match=message):
            pt.parse_perturbations(bad)


def test_languages_parse():
    assert pt.parse_languages("zh, es,zh") == ("zh", "es")
    assert pt.parse_languages("all") == LANGUAGES
    with pytest.raises(ValueError, match="unknown language 'xx'"):
        pt.parse_languages("zh,xx")
