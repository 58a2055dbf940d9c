"""Reply parsers in every language: properties as for English, the matching rules of
scripts without word breaks, and the written reply shapes of each language."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from llmvalues.instruments import lexicon, load_instrument, parse_answer
from llmvalues.instruments.languages import LANGUAGES
from llmvalues.instruments.recode import postmaterialist_index

DATA = Path(__file__).parent / "data"
OTHERS = [lang for lang in LANGUAGES if lang != "en"]
INSTRUMENTS = {lang: load_instrument(language=lang) for lang in LANGUAGES}
SCALES = ("f063", "f120", "f118")
LABELLED = ("g006", "a008", "e018")
LETTERED = ("e025", "a165")

# how a reply in each language puts a number: before it, after it
CUES = {
    "en": (["", "I'd say ", "My answer: "], ["", ".", "!"]),
    "zh": (["", "我选", "我的答案是", "答案：", "我给"], ["", "。", "分", "分。"]),
    "ja": (["", "答えは", "私の答えは"], ["", "です", "です。", "。"]),
    "es": (["", "Mi respuesta es ", "Respuesta: ", "Yo diría "], ["", ".", "!"]),
    "pt": (["", "Minha resposta é ", "Resposta: ", "Eu diria "], ["", ".", "!"]),
    "fr": (["", "Ma réponse est ", "Réponse : ", "Je dirais "], ["", ".", " !"]),
    "de": (["", "Meine Antwort ist ", "Antwort: ", "Ich würde sagen "], ["", ".", "!"]),
    "ru": (["", "Мой ответ: ", "Ответ: ", "Я бы сказал "], ["", ".", "!"]),
    "ar": (["", "إجابتي هي ", "الإجابة: "], ["", ".", "!"]),
    "hi": (["", "मेरा उत्तर ", "उत्तर: "], ["", " है", "।"]),
}
SEPARATORS = {"zh": ["，", "、"], "ja": ["、"], "ar": ["، ", ", "]}
PAIR_JOINS = {
    "zh": ["，", "和", "、"],
    "ja": ["、", "と"],
    "es": [", ", " y "],
    "pt": [", ", " e "],
    "fr": [", ", " et "],
    "de": [", ", " und "],
    "ru": [", ", " и "],
    "ar": ["، ", " و "],
    "hi": [", ", " और "],
}
WRAPPERS = [
    "{a}",
    "**{a}**",
    "*{a}*",
    "`{a}`",
    "```\n{a}\n```",
    "# {a}",
    "> {a}",
    '"{a}"',
    "\u201c{a}\u201d",
    "\u00ab{a}\u00bb",
    "\u201e{a}\u201c",
    "\u300c{a}\u300d",
    "{json}",
]
DIGIT_SCRIPTS = sorted(lexicon.DIGIT_ZEROS)


def _is_list_prefix(keys, item):
    order = [c.key for c in item.choices]
    return len(keys) >= 3 and list(keys) == order[: len(keys)]


@st.composite
def answers(draw, language):
    """(item code, a reply in ``language`` that answers it, its raw code)."""
    inst = INSTRUMENTS[language]
    kind = draw(st.sampled_from(["scale", "label", "letter", "qualities", "aims"]))
    if kind == "scale":
        code = draw(st.sampled_from(SCALES))
        value = draw(st.integers(1, 10))
        before, after = CUES[language]
        return code, f"{draw(st.sampled_from(before))}{value}{draw(st.sampled_from(after))}", value
    if kind == "label":
        item = inst[draw(st.sampled_from(LABELLED))]
        raw = draw(st.sampled_from(sorted(item.labels)))
        return item.code, item.labels[raw], raw
    if kind == "letter":
        item = inst[draw(st.sampled_from(LETTERED))]
        shown, raw, _ = draw(st.sampled_from(item.option_lines()))
        return item.code, shown, raw
    if kind == "qualities":
        item = inst["y003"]
        chosen = draw(st.lists(st.sampled_from(item.choices), min_size=1, max_size=5, unique=True))
        assume(not _is_list_prefix([c.key for c in chosen], item))
        sep = draw(st.sampled_from(SEPARATORS.get(language, [", "])))
        return "y003", sep.join(c.label for c in chosen), sum(c.score for c in chosen)
    first, second = draw(st.permutations([1, 2, 3, 4]))[:2]
    join = draw(st.sampled_from(PAIR_JOINS.get(language, [", "])))
    return "y002", f"{first}{join}{second}", postmaterialist_index(first, second)


def _parse(language, item, reply):
    return parse_answer(INSTRUMENTS[language][item], reply)


# ---------------------------------------------------------------- properties per language


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_answer_in_the_language_codes_right(language):
    @settings(max_examples=120, deadline=None)
    @given(answer=answers(language))
    def check(answer):
        item, reply, code = answer
        parsed = _parse(language, item, reply)
        assert (parsed.status, parsed.code) == ("ok", code), (reply, parsed)

    check()


@pytest.mark.parametrize("language", LANGUAGES)
def test_wrapping_an_answer_in_markdown_quotes_or_json_keeps_it(language):
    @settings(max_examples=120, deadline=None)
    @given(answer=answers(language), wrapper=st.sampled_from(WRAPPERS))
    def check(answer, wrapper):
        item, reply, code = answer
        payload = json.dumps({"answer": reply}, ensure_ascii=False)
        wrapped = wrapper.format(a=reply, json=payload)
        parsed = _parse(language, item, wrapped)
        assert (parsed.status, parsed.code) == ("ok", code), (wrapped, parsed)

    check()


@pytest.mark.parametrize("language", OTHERS)
def test_inserting_a_hedge_of_the_language_makes_any_answer_invalid(language):
    space = "" if language in ("zh", "ja") else " "

    @settings(max_examples=120, deadline=None)
    @given(
        answer=answers(language),
        other=answers(language),
        hedge=st.sampled_from(lexicon.hedge_words(language)),
        before=st.booleans(),
    )
    def check(answer, other, hedge, before):
        item, reply, _ = answer
        text = f"{hedge}{space}{reply}" if before else f"{reply}{space}{hedge}{space}{other[1]}"
        parsed = _parse(language, item, text)
        assert parsed.code is None and parsed.status in ("invalid", "refusal"), (text, parsed)

    check()


@pytest.mark.parametrize("language", OTHERS)
def test_inserting_a_second_number_makes_any_answer_invalid(language):
    @settings(max_examples=120, deadline=None)
    @given(
        answer=answers(language),
        number=st.integers(0, 12),
        joiner=st.sampled_from([", ", " ", "\n", "，", "。"]),
    )
    def check(answer, number, joiner):
        item, reply, code = answer
        digits = "".join(ch for ch in reply if ch.isdigit())
        assume(str(number) not in digits)
        assume(INSTRUMENTS[language][item].kind != "scale" or number != code)
        parsed = _parse(language, item, f"{reply}{joiner}{number}")
        assert parsed.code is None, (reply, number, parsed)

    check()


@settings(max_examples=300, deadline=None)
@given(
    language=st.sampled_from(LANGUAGES),
    item=st.sampled_from(SCALES + LABELLED),
    value=st.integers(0, 12),
    script=st.sampled_from(DIGIT_SCRIPTS),
)
def test_digits_in_any_script_read_as_ascii_digits(language, item, value, script):
    ascii_ = _parse(language, item, str(value))
    written = _parse(language, item, lexicon.write_digits(value, script))
    assert (written.status, written.code) == (ascii_.status, ascii_.code)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_label_quality_and_aim_written_alone_is_its_answer(language):
    inst = INSTRUMENTS[language]
    for code in LABELLED + LETTERED:
        item = inst[code]
        for raw, label in item.labels.items():
            assert _parse(language, code, label).code == raw, (language, code, label)
        for raw, synonyms in lexicon.label_synonyms(code, language).items():
            for text in synonyms:
                assert _parse(language, code, text).code == raw, (language, code, text)
    for choice in inst["y003"].choices:
        assert _parse(language, "y003", choice.label).code == choice.score, choice
    aims = inst["y002"].choices
    for i, first in enumerate(aims):
        second = aims[(i + 2) % len(aims)]
        sep = SEPARATORS.get(language, [", "])[0]
        expected = postmaterialist_index(i + 1, (i + 2) % len(aims) + 1)
        assert _parse(language, "y002", f"{first.label}{sep}{second.label}").code == expected


NEGATED = {
    "en": "not 7",
    "zh": "不是7",
    "ja": "7ではない",
    "es": "no es 7",
    "pt": "não é 7",
    "fr": "pas 7",
    "de": "nicht 7",
    "ru": "не 7",
    "ar": "ليس 7",
    "hi": "7 नहीं",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_negated_number_is_no_answer(language):
    for item in SCALES:
        parsed = _parse(language, item, NEGATED[language])
        assert parsed.code is None and "negates 7" in parsed.reason


@pytest.mark.parametrize("language", LANGUAGES)
def test_refusals_of_the_language_are_refusals_for_every_item(language):
    for phrase in lexicon.refusal_phrases(language):
        for item in INSTRUMENTS[language]:
            parsed = parse_answer(item, f"{phrase}.")
            assert parsed.status == "refusal" and parsed.code is None, (language, phrase)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_question_echoed_back_is_never_an_answer(language):
    for item in INSTRUMENTS[language]:
        for text in (item.prompt, item.render()):
            assert parse_answer(item, text).code is None, (language, item.code)


# ---------------------------------------------------------------- scripts without word breaks


@pytest.mark.parametrize(
    ("language", "item", "reply", "code"),
    [
        ("zh", "f063", "十分重要", None),  # 十分 is "very", not 10
        ("zh", "f063", "我给七分", 7),  # a numeral standing apart, with its unit
        ("zh", "f063", "7分", 7),  # a digit touching a Chinese character stands apart
        ("zh", "g006", "一", 1),  # 一 is a number only as the whole reply
        ("zh", "g006", "一点也不自豪", 4),  # … not inside a label
        ("zh", "g006", "不太自豪", 3),  # the negation inside a label belongs to it
        ("zh", "e025", "可能会签", 2),  # 可能 hedges elsewhere, not inside the label
        ("zh", "e018", "不是好事", None),  # a negation touching a label negates it
        ("zh", "y003", "独立，不服从", 1),  # … and a quality name
        ("zh", "f063", "我不确定，7", None),  # hedge 不确定 (not sure)
        ("zh", "f063", "7或8", None),
        ("zh", "e025", "我选B因为", 2),  # a letter touching a Chinese character stands apart
        ("ja", "f063", "一番重要です", None),  # 一番 is "most", not 1
        ("ja", "f063", "七です", 7),
        ("ja", "f063", "重要ではない、2", 2),  # the negation scopes its clause (up to 、)
        ("ja", "f063", "重要ではない、9", None),  # … and 9 contradicts "not important"
        ("ja", "e018", "良いことではない", None),  # negation after the label
        ("ja", "y003", "自立心。従順さではない", 1),  # … and after a quality name
        ("ja", "y003", "自立心、従順さではない", None),  # a negation after joined names: unclear
    ],
)
def test_matching_in_chinese_and_japanese(language, item, reply, code):
    assert _parse(language, item, reply).code == code


def test_a_list_number_after_a_chinese_full_stop_marks_a_list():
    parsed = _parse("zh", "f063", "意味。1. 你是一位公民。1. 你是一位公民。")
    assert parsed.code is None and "numbered list" in parsed.reason


def test_a_cut_off_chinese_reply_loses_its_last_clause():
    """ "…。10表" may have been "10表示…": the unfinished clause is not read."""
    parsed = parse_answer(
        INSTRUMENTS["zh"]["f063"], "1表示“完全不重要”，10表示“非常重要”。10表", truncated=True
    )
    assert parsed.code is None
    kept = parse_answer(INSTRUMENTS["zh"]["f063"], "我给7分。理由是", truncated=True)
    assert kept.code == 7 and "cut off" in kept.reason


def test_a_restated_scale_is_not_answered_by_one_of_its_own_numbers():
    parsed = _parse("zh", "f120", "1表示“绝不合理”，10表示“总是合理”。但是从10开始")
    assert parsed.code is None and "restates the scale" in parsed.reason


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_number_written_in_two_digit_scripts_is_unreadable(language):
    parsed = _parse(language, "f063", "7" + lexicon.write_digits(7, "arabic_indic"))
    assert parsed.code is None and "two scripts" in parsed.reason


# ---------------------------------------------------------------- written reply shapes

SHAPES = {
    lang: list(csv.DictReader((DATA / f"reply_shapes.{lang}.csv").open(encoding="utf-8")))
    for lang in OTHERS
}


@pytest.mark.parametrize(
    ("language", "row"),
    [(lang, row) for lang, rows in SHAPES.items() for row in rows],
    ids=[f"{lang}:{row['item']}:{row['shape']}" for lang, rows in SHAPES.items() for row in rows],
)
def test_written_reply_shapes(language, row):
    parsed = _parse(language, row["item"], row["reply"])
    assert parsed.status == row["status"], parsed
    if parsed.status == "ok":
        assert row["label"] == "answer" and parsed.code == int(row["code"]), parsed
    else:
        assert parsed.code is None and parsed.reason


@pytest.mark.parametrize("language", OTHERS)
def test_each_language_has_written_shapes_of_every_item_kind(language):
    rows = SHAPES[language]
    kinds = {INSTRUMENTS[language][r["item"]].kind for r in rows}
    assert len(rows) >= 30 and kinds == {"scale", "options", "qualities", "aims"}
    labels = {r["label"] for r in rows}
    assert labels == {"answer", "not_answer"}
