"""Words a reply may use, per language: digits of any script, number words, refusals, hedges.

Pure functions over ``data/lexicon.json`` and the instrument's own label texts, for the
reply parsers to call: they read, they never decide what a reply means. Matching is done
on :func:`fold`-ed text (Unicode NFKC, case-folded, Arabic diacritics and letter variants,
Russian ё, Devanagari nukta and chandrabindu unified) and, in languages written with
spaces, by whole word; in Chinese and Japanese a phrase matches anywhere.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources

from llmvalues.instruments.items import load_instrument
from llmvalues.instruments.languages import check_language

DIGIT_ZEROS: dict[str, str] = {
    "ascii": "0",
    "arabic_indic": "\u0660",
    "persian": "\u06f0",
    "devanagari": "\u0966",
    "bengali": "\u09e6",
    "fullwidth": "\uff10",
}
"""The zero of each digit script :func:`write_digits` writes (any Unicode ``Nd`` digit reads)."""

_SEPARATORS = {"\u066b": ".", "\u066c": ",", "\u060c": ","}  # Arabic decimal/thousands, comma
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")  # harakat, dagger alef, tatweel
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي"})
_DEVANAGARI = str.maketrans({"\u093c": None, "\u0901": "\u0902"})  # nukta; chandrabindu → anusvara
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
_UNSPACED_BEFORE = frozenset("是选選给給打为為はが：:")  # a number may follow these directly
_UNSPACED_AFTER = ("分", "点", "點", "番", "号", "號", "です", "だ")  # … and be followed by these


@cache
def _data() -> dict:
    path = resources.files("llmvalues.instruments.data").joinpath("lexicon.json")
    return json.loads(path.read_text(encoding="utf-8"))["languages"]


def _entry(language: str) -> dict:
    return _data()[check_language(language)]


def to_ascii_digits(text: str) -> str:
    """Every decimal digit of any script (``unicodedata`` category ``Nd``) as an ASCII digit.

    Also the Arabic decimal separator (٫ → ``.``), thousands separator and comma (٬ ، → ``,``).
    """
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
        elif unicodedata.category(ch) == "Nd":
            out.append(str(unicodedata.digit(ch)))
        else:
            out.append(_SEPARATORS.get(ch, ch))
    return "".join(out)


def write_digits(number: int, script: str) -> str:
    """A non-negative integer written in the digits of ``script`` (a key of :data:`DIGIT_ZEROS`)."""
    if script not in DIGIT_ZEROS:
        raise ValueError(f"unknown digit script {script!r}; available: {list(DIGIT_ZEROS)}")
    if number < 0:
        raise ValueError(f"write_digits writes non-negative integers, got {number}")
    zero = ord(DIGIT_ZEROS[script])
    return "".join(chr(zero + int(d)) for d in str(number))


def fold_letters(text: str) -> str:
    """One form per letter variant: Arabic diacritics, tatweel and alef/yeh forms, Russian ё,
    Devanagari nukta and chandrabindu (case, spaces and punctuation kept)."""
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS)
    return text.replace("ё", "е").replace("Ё", "Е").translate(_DEVANAGARI)


def fold(text: str) -> str:
    """Text as phrases are matched: NFKC, case-folded, one form per letter variant, one space."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    text = fold_letters(text)
    text = re.sub(r"[*_`#]+", "", text)
    return re.sub(r"\s+", " ", text).strip()


def _wordish(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LMN"


# Where a phrase may start and end. A letter of a script written with spaces must not touch
# another letter (or a combining mark); Chinese characters and kana need no boundary (the
# languages written with them have none), so "我选7" holds the number 7.
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670"
    "\u06d6-\u06ed\u0900-\u0903\u093a-\u094f\u0951-\u0957\u0962\u0963"
)
_LETTER = "[^\\W\\d_]"
LETTER_BEFORE = f"(?:(?<=[{CJK}])|(?<!{_LETTER})(?<![{MARKS}]))"
"""Regex: no letter (of a script written with spaces) or mark right before this point."""
LETTER_AFTER = f"(?:(?=[{CJK}])|(?!{_LETTER}|[{MARKS}]))"
"""Regex: no letter (of a script written with spaces) or mark right after this point."""
_CJK_CHAR = re.compile(f"[{CJK}]")


def bounded(pattern: str, first: str = "a", last: str = "a") -> str:
    """``pattern`` as a whole-word regex, given the first and last characters it matches.

    An end that is a letter or digit may not touch a letter of a spaced script (a digit not
    a digit); an end that is a Chinese character or kana, or punctuation, needs nothing.
    """

    def side(char: str, before: bool) -> str:
        if _CJK_CHAR.match(char) or not (char.isalnum() or unicodedata.category(char)[0] == "M"):
            return ""
        if char.isdigit():
            return "(?<!\\d)" if before else "(?!\\d)"
        return LETTER_BEFORE if before else LETTER_AFTER

    return f"{side(first, True)}(?:{pattern}){side(last, False)}"


def phrase_regex(phrases: Iterable[str]) -> str:
    """An alternation of literal phrases (longest first), each bounded as :func:`bounded` says."""
    unique = sorted({p for p in phrases if p.strip()}, key=lambda p: (-len(p), p))
    return "|".join(bounded(re.escape(p), p[0], p[-1]) for p in unique) or "(?!)"


def find_phrases(text: str, phrases: Iterable[str], language: str) -> list[tuple[int, int, str]]:
    """(start, end, phrase) of each phrase found in ``fold(text)``, left to right, no overlaps.

    At each position the longest phrase wins. A phrase counts only as whole words (its ends
    may not touch a letter or mark of a script written with spaces); a phrase in Chinese
    characters or kana counts anywhere, so in Chinese and Japanese it needs no word breaks.
    """
    check_language(language)
    folded = fold(text)
    pattern = _phrase_pattern(frozenset(fold(p) for p in phrases))
    return [(m.start(), m.end(), m.group(0)) for m in pattern.finditer(folded)]


@cache
def _phrase_pattern(phrases: frozenset[str]) -> re.Pattern:
    return re.compile(phrase_regex(phrases))


# ---------------------------------------------------------------- numbers


def number_words(language: str) -> dict[str, int]:
    """Every word for 0–10 in ``language`` (folded) → its value."""
    return {fold(w): int(n) for n, words in _entry(language)["numbers"].items() for w in words}


def ambiguous_number_words(language: str) -> frozenset[str]:
    """Number words that are also common words ("un", "एक", "に"): read only as a whole reply."""
    return frozenset(fold(w) for w in _entry(language)["ambiguous"])


def spell_number(number: int, language: str) -> str:
    """The first listed word for ``number`` (0–10) in ``language``."""
    table = _entry(language)["numbers"]
    if str(number) not in table:
        raise ValueError(f"number words cover 0–10, got {number}")
    return table[str(number)][0]


def read_number(text: str, language: str) -> int | None:
    """The whole number a reply consists of (digits of any script or one number word), or None.

    Strict: surrounding whitespace, punctuation and markdown are ignored, anything else
    makes the reply not a bare number ("7", "٧", "**seven**." → 7; "7 or 8" → None).
    """
    core = to_ascii_digits(fold(text))
    start, end = 0, len(core)
    while start < end and not _wordish(core[start]):
        start += 1
    while end > start and not _wordish(core[end - 1]):
        end -= 1
    core = core[start:end]
    if core.isascii() and core.isdigit():
        return int(core)
    return number_words(language).get(core)


def number_word_pattern(language: str) -> re.Pattern:
    """The regex of the number words of ``language`` that a reply may use inside a sentence.

    It matches text folded as :func:`fold` folds it; a match whose group ``number`` is
    empty is a phrase that holds a number word and is no number (the lexicon's
    ``not_numbers``: the pronoun "uno de los …", "one of the …"), to be skipped. Words that
    are also common words (articles, particles: the lexicon's ``ambiguous``) are left out.
    A numeral in Chinese characters or kana counts only where it stands apart: not inside a
    word ("十分重要" is "very important"), optionally right after 是/选/给/は and before
    分/点/番/です.
    """
    return _number_word_pattern(check_language(language))


@cache
def _number_word_pattern(language: str) -> re.Pattern:
    ambiguous = ambiguous_number_words(language)
    usable = [w for w in number_words(language) if w not in ambiguous]
    spaced = [w for w in usable if not _CJK_CHAR.match(w[0])]
    apart = sorted((w for w in usable if _CJK_CHAR.match(w[0])), key=len, reverse=True)
    units = "|".join(map(re.escape, _UNSPACED_AFTER))
    after_word = f"(?=(?:{units})?(?![\\w{MARKS}]))"
    before_word = f"(?:(?<=[{''.join(_UNSPACED_BEFORE)}])|(?<![\\w{MARKS}]))"
    parts = [phrase_regex(spaced)] if spaced else []
    if apart:
        parts.append(f"{before_word}(?:{'|'.join(map(re.escape, apart))}){after_word}")
    skip = [fold(w) for w in _entry(language).get("not_numbers", ())]
    return re.compile(
        f"(?:{phrase_regex(skip)})|(?P<number>{'|'.join(parts) or '(?!)'})"
        if skip
        else f"(?P<number>{'|'.join(parts) or '(?!)'})"
    )


def find_number_words(text: str, language: str) -> list[tuple[int, int]]:
    """(position in ``fold(text)``, value) of the number words a reply uses (see
    :func:`number_word_pattern` for which words count where)."""
    words = number_words(language)
    found = number_word_pattern(language).finditer(fold(text))
    return [(m.start(), words[m.group("number")]) for m in found if m.group("number")]


# ---------------------------------------------------------------- refusals, hedges, negations


WORD_KINDS = (
    "refusals",
    "hedges",
    "negations",
    "not_negations",
    "clause_breaks",
    "means",
    "copulas",
    "number_subjects",
    "units",
    "ranges",
    "out_of",
    "out_of_reversed",
    "scale_words",
    "cues",
    "none",
    "list_words",
    "period",
    "joins",
)
"""The kinds of word list each language has (``data/lexicon.json`` says what each holds)."""

ITEM_WORD_KINDS = ("concepts", "low_end")
"""Word lists kept per item: the item's concept words and the phrases of its low end only."""


def words(language: str, kind: str) -> tuple[str, ...]:
    """The lexicon's words of one kind (:data:`WORD_KINDS`) in ``language``, as written."""
    if kind not in WORD_KINDS:
        raise ValueError(f"unknown kind of words {kind!r}; available: {list(WORD_KINDS)}")
    return tuple(_entry(language).get(kind, ()))


def item_words(language: str, kind: str, item: str) -> tuple[str, ...]:
    """The lexicon's words of one kind (:data:`ITEM_WORD_KINDS`) for ``item`` in ``language``."""
    if kind not in ITEM_WORD_KINDS:
        raise ValueError(f"unknown kind of item words {kind!r}; available: {list(ITEM_WORD_KINDS)}")
    return tuple(_entry(language).get(kind, {}).get(item.lower(), ()))


def refusal_phrases(language: str) -> tuple[str, ...]:
    """Phrases that decline or disclaim an answer ("as an AI", "作为人工智能", …)."""
    return words(language, "refusals")


def is_refusal(text: str, language: str) -> bool:
    """Does the reply contain a refusal phrase of ``language``?"""
    return bool(find_phrases(text, refusal_phrases(language), language))


def hedge_words(language: str) -> tuple[str, ...]:
    """Disjunctions that join two answers ("or", "或", "o", "или", "oder", "または", "या", "ou")
    and words of doubt ("maybe", "可能", "quizás", "примерно", …)."""
    return words(language, "hedges")


def hedges_in(text: str, language: str) -> list[str]:
    """The hedge words a reply uses, in order ("7 or 8" → ["or"])."""
    return [phrase for _, _, phrase in find_phrases(text, hedge_words(language), language)]


def negation_words(language: str) -> tuple[str, ...]:
    """Words that negate what follows or precedes them ("not", "不", "nunca", "nicht", …)."""
    return words(language, "negations")


def negations_in(text: str, language: str) -> list[str]:
    """The negation words a text uses, in order (not those inside ``not_negations``: "不过")."""
    skip = {fold(w) for w in words(language, "not_negations")}
    found = find_phrases(text, [*negation_words(language), *skip], language)
    return [phrase for _, _, phrase in found if phrase not in skip]


def meaning_words(language: str) -> tuple[str, ...]:
    """Words that tie a number to its label when a reply echoes the scale ("1 means …",
    "1表示…", "1 significa …"), so a parser can drop the echo instead of reading its numbers."""
    return words(language, "means")


# ---------------------------------------------------------------- qualities, aims, labels


def choice_phrases(kind: str, language: str) -> dict[str, tuple[str, ...]]:
    """Quality (``kind="qualities"``, Y003) or aim (``"aims"``, Y002) key → phrases naming it.

    The instrument's own label in ``language`` first, then the lexicon's synonyms.
    """
    if kind not in ("qualities", "aims"):
        raise ValueError(f"kind must be 'qualities' or 'aims', got {kind!r}")
    item = load_instrument(language=language)["y003" if kind == "qualities" else "y002"]
    extra: Mapping[str, list[str]] = _entry(language)[kind]
    return {
        c.key: tuple(dict.fromkeys([fold(c.label), *(fold(w) for w in extra.get(c.key, []))]))
        for c in item.choices
    }


def find_choices(text: str, kind: str, language: str) -> list[str]:
    """Keys of the qualities or aims a reply names, in the order first named, each once."""
    phrases = choice_phrases(kind, language)
    owner = {p: key for key, ps in phrases.items() for p in ps}
    found = find_phrases(text, owner, language)
    return list(dict.fromkeys(owner[phrase] for _, _, phrase in found))


def label_phrases(item: str, language: str) -> dict[int, tuple[str, ...]]:
    """Raw code → phrases that write out an answer label of ``item`` in ``language``."""
    labels = load_instrument(language=language)[item].labels
    extra = label_synonyms(item, language)
    return {
        code: tuple(dict.fromkeys([fold(text), *(fold(w) for w in extra.get(code, ()))]))
        for code, text in labels.items()
    }


def label_synonyms(item: str, language: str) -> dict[int, tuple[str, ...]]:
    """Raw code → the lexicon's phrases for an answer label of ``item`` beyond its own text."""
    extra = _entry(language)["labels"].get(item.lower(), {})
    return {int(code): tuple(texts) for code, texts in extra.items()}
