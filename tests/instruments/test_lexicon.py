"""Reply words per language: digits of any script, number words, refusals, hedges, choices."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmvalues.instruments import lexicon as lx
from llmvalues.instruments import load_instrument
from llmvalues.instruments.languages import LANGUAGES

SEPARATOR = {"zh": "，", "ja": "、", "ar": "، "}
DECORATIONS = st.sampled_from(["", " ", "**", ".", "。", "!", "\n", "“", "'"])


@settings(max_examples=300, deadline=None)
@given(number=st.integers(0, 10**12), script=st.sampled_from(sorted(lx.DIGIT_ZEROS)))
def test_any_integer_in_any_script_converts_back_to_itself(number, script):
    written = lx.write_digits(number, script)
    assert lx.to_ascii_digits(written) == str(number)
    assert lx.read_number(written, "en") == number


@given(text=st.text(max_size=40))
def test_text_without_digits_is_left_alone(text):
    plain = "".join(
        ch for ch in text if unicodedata.category(ch) != "Nd" and ch not in "\u066b\u066c\u060c"
    )
    assert lx.to_ascii_digits(plain) == plain


def test_every_decimal_digit_of_unicode_reads():
    digits = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Nd"]
    assert len(digits) > 600
    for ch in digits:
        assert lx.to_ascii_digits(ch) == str(unicodedata.digit(ch))
    assert lx.to_ascii_digits("٧٫٥") == "7.5"


@settings(max_examples=200, deadline=None)
@given(
    language=st.sampled_from(LANGUAGES),
    number=st.integers(0, 10),
    before=DECORATIONS,
    after=DECORATIONS,
    data=st.data(),
)
def test_every_number_word_reads_as_its_number(language, number, before, after, data):
    words = [w for w, n in lx.number_words(language).items() if n == number]
    word = data.draw(st.sampled_from(words))
    assert lx.read_number(f"{before}{word}{after}", language) == number
    assert lx.read_number(lx.spell_number(number, language), language) == number


@pytest.mark.parametrize("language", LANGUAGES)
def test_number_words_are_found_in_a_sentence_except_ambiguous_ones(language):
    cue = {"zh": "我选", "ja": "答えは"}.get(language, "answer: ")
    for word, number in lx.number_words(language).items():
        found = lx.find_number_words(f"{cue}{word}", language)
        if word in lx.ambiguous_number_words(language):
            assert found == []
        else:
            assert [n for _, n in found] == [number], (language, word)
    assert lx.read_number("7 8", language) is None


def test_numerals_inside_chinese_and_japanese_words_are_not_numbers():
    assert lx.find_number_words("我觉得十分重要", "zh") == []
    assert [n for _, n in lx.find_number_words("我觉得十分重要，我给七分。", "zh")] == [7]
    assert [n for _, n in lx.find_number_words("七です", "ja")] == [7]
    assert lx.find_number_words("一番重要です", "ja") == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_refusals_are_found_and_answers_are_not_refusals(language):
    for phrase in lx.refusal_phrases(language):
        assert lx.is_refusal(f"{phrase.upper()}, …", language), (language, phrase)
    assert not lx.is_refusal("7", language)
    label = next(iter(load_instrument(language=language)["g006"].labels.values()))
    assert not lx.is_refusal(label, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_hedges_are_found_between_two_answers(language):
    for hedge in lx.hedge_words(language):
        assert lx.hedges_in(f"7 {hedge} 8", language) == [lx.fold(hedge)]
    assert lx.hedges_in("7", language) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_scale_echo_words_are_those_the_questions_use(language):
    """The smoke run found SmolLM2 echoing "1表示…10表示…": the cue words must be there."""
    for code in ("f063", "f120", "f118"):
        prompt = load_instrument(language=language)[code].prompt
        assert lx.find_phrases(prompt, lx.meaning_words(language), language), (language, code)


def test_words_are_matched_whole_in_spaced_languages():
    assert lx.hedges_in("obviously 7", "es") == []  # "o" inside a word
    assert lx.hedges_in("7 o 8", "es") == ["o"]
    assert lx.negations_in("नीचे", "hi") == []  # न followed by a vowel sign is not न
    assert lx.negations_in("बिल्कुल महत्वपूर्ण नहीं", "hi") == ["नहीं"]
    assert lx.fold("ज़्यादा") == lx.fold("ज्यादा") and lx.fold("पाँच") == lx.fold("पांच")
    assert lx.fold("أبدًا") == "ابدا" and lx.fold("Ёлка") == "елка"


@settings(max_examples=150, deadline=None)
@given(language=st.sampled_from(LANGUAGES), data=st.data())
def test_named_qualities_are_found_in_the_order_named(language, data):
    item = load_instrument(language=language)["y003"]
    keys = data.draw(st.permutations([c.key for c in item.choices]))[: data.draw(st.integers(1, 5))]
    label = {c.key: c.label for c in item.choices}
    reply = SEPARATOR.get(language, ", ").join(label[k] for k in keys)
    assert lx.find_choices(reply, "qualities", language) == keys


@pytest.mark.parametrize("language", LANGUAGES)
def test_aims_and_labels_include_the_instruments_own_text(language):
    inst = load_instrument(language=language)
    for choice in inst["y002"].choices:
        assert lx.find_choices(choice.label, "aims", language) == [choice.key]
    for code in ("g006", "a008", "e018", "e025", "a165"):
        phrases = lx.label_phrases(code, language)
        assert set(phrases) == set(inst[code].labels)
        for raw, texts in phrases.items():
            assert texts[0] == lx.fold(inst[code].labels[raw])


def test_unknown_inputs_are_refused():
    with pytest.raises(ValueError, match="digit script"):
        lx.write_digits(3, "roman")
    with pytest.raises(ValueError, match="0–10"):
        lx.spell_number(11, "en")
    with pytest.raises(ValueError, match="unknown language"):
        lx.number_words("xx")
    with pytest.raises(ValueError, match="qualities"):
        lx.choice_phrases("colours", "en")
