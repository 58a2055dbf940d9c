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
from llmvalues.instruments.languages import UNSPACED, check_language

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


def fold(text: str) -> str:
    """Text as phrases are matched: NFKC, case-folded, one form per letter variant, one space."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS)
    text = text.replace("ё", "е").translate(_DEVANAGARI)
    text = re.sub(r"[*_`#]+", "", text)
    return re.sub(r"\s+", " ", text).strip()


def _wordish(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LMN"


def find_phrases(text: str, phrases: Iterable[str], language: str) -> list[tuple[int, int, str]]:
    """(start, end, phrase) of each phrase found in ``fold(text)``, longest first, no overlaps.

    In languages written with spaces a phrase counts only as whole words (its ends may not
    touch a letter, mark or digit); in Chinese and Japanese it counts anywhere.
    """
    spaced = check_language(language) not in UNSPACED
    folded = fold(text)
    taken = [False] * len(folded)
    found = []
    for phrase in sorted({fold(p) for p in phrases if p.strip()}, key=len, reverse=True):
        start = folded.find(phrase)
        while start >= 0:
            end = start + len(phrase)
            free = not any(taken[start:end])
            bounded = not spaced or (
                (start == 0 or not _wordish(phrase[0]) or not _wordish(folded[start - 1]))
                and (end == len(folded) or not _wordish(phrase[-1]) or not _wordish(folded[end]))
            )
            if free and bounded:
                taken[start:end] = [True] * (end - start)
                found.append((start, end, phrase))
            start = folded.find(phrase, start + 1)
    return sorted(found)


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


def find_number_words(text: str, language: str) -> list[tuple[int, int]]:
    """(position in ``fold(text)``, value) of the number words a reply uses.

    Words that are also common words (articles, particles: the lexicon's ``ambiguous``) are
    left out. In Chinese and Japanese a numeral counts only where it stands apart: not
    inside a word ("十分重要" is "very important"), optionally after 是/选/给/は and before
    分/点/番/です.
    """
    words = number_words(language)
    ambiguous = ambiguous_number_words(language)
    usable = {w: v for w, v in words.items() if w not in ambiguous}
    found = find_phrases(text, usable, language)
    if language not in UNSPACED:
        return [(start, words[phrase]) for start, _, phrase in found]
    folded = fold(text)
    out = []
    for start, end, phrase in found:
        before = folded[start - 1] if start else " "
        rest = folded[end:]
        for unit in _UNSPACED_AFTER:
            if rest.startswith(unit):
                rest = rest[len(unit) :]
                break
        after = rest[:1] or " "
        if (not _wordish(before) or before in _UNSPACED_BEFORE) and not _wordish(after):
            out.append((start, words[phrase]))
    return out


# ---------------------------------------------------------------- refusals, hedges, negations


def refusal_phrases(language: str) -> tuple[str, ...]:
    """Phrases that decline or disclaim an answer ("as an AI", "作为人工智能", …)."""
    return tuple(_entry(language)["refusals"])


def is_refusal(text: str, language: str) -> bool:
    """Does the reply contain a refusal phrase of ``language``?"""
    return bool(find_phrases(text, refusal_phrases(language), language))


def hedge_words(language: str) -> tuple[str, ...]:
    """Disjunctions that join two answers ("or", "或", "o", "или", "oder", "または", "या", "ou")."""
    return tuple(_entry(language)["hedges"])


def hedges_in(text: str, language: str) -> list[str]:
    """The hedge words a reply uses, in order ("7 or 8" → ["or"])."""
    return [phrase for _, _, phrase in find_phrases(text, hedge_words(language), language)]


def negation_words(language: str) -> tuple[str, ...]:
    """Words that negate what follows or precedes them ("not", "不", "nunca", "nicht", …)."""
    return tuple(_entry(language)["negations"])


def negations_in(text: str, language: str) -> list[str]:
    """The negation words a text uses, in order."""
    return [phrase for _, _, phrase in find_phrases(text, negation_words(language), language)]


def meaning_words(language: str) -> tuple[str, ...]:
    """Words that tie a number to its label when a reply echoes the scale ("1 means …",
    "1表示…", "1 significa …"), so a parser can drop the echo instead of reading its numbers."""
    return tuple(_entry(language)["means"])


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
    extra = _entry(language)["labels"].get(item.lower(), {})
    return {
        code: tuple(dict.fromkeys([fold(text), *(fold(w) for w in extra.get(str(code), []))]))
        for code, text in labels.items()
    }
