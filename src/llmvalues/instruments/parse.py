"""Free-text answers → raw IVS codes, or a recorded status with a reason (never a guess).

A reply is coded only when it states one answer explicitly. Lists and enumerations,
hedges ("or", "between", "maybe", "no wait", "either", "7?"), negated labels and numbers
("not a good thing", "I wouldn't give it a 10"), restatements of the scale or of the
option list, and letters that are words (the article "a", the pronoun "I") are not
answers: such a reply is recorded as ``invalid`` (``refusal`` when it declines,
``out_of_range`` when it names a point the scale lacks) with the reason in words.

One parser per item kind: numbered or labelled scales, lettered options, the multi-select
list of child qualities (Y003) and the ranked pair of national aims (Y002). A reply cut off
at the token limit (``truncated=True``) is never an answer to a list item and is flagged in
the reason of every item. Parsing reads at most
:data:`~llmvalues.instruments.reply.MAX_REPLY_CHARS` characters (the cut is recorded), in
time linear in what it reads.

A reply is read in the language its item was asked in (``Item.language``) and in English:
digits of any script, number words, labels, quality and aim names, refusals, hedges,
negations and echoed scales in that language (:mod:`llmvalues.instruments.lexicon`), with
the matching rules of :mod:`llmvalues.instruments.reply` (whole words in scripts written with
spaces; Chinese characters and kana anywhere). Outside English a negation also scopes what
precedes it in its clause ("7 नहीं", "重要ではない").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from numbers import Integral
from typing import Any

from llmvalues.instruments import lexicon
from llmvalues.instruments.items import Item, load_instrument
from llmvalues.instruments.lexicon import CJK, MARKS, bounded
from llmvalues.instruments.recode import postmaterialist_index
from llmvalues.instruments.reply import (
    NEGATION_WINDOW,
    Clauses,
    Reply,
    hedge,
    is_refusal,
    negators,
    normalise,
    phrases_regex,
    prepare,
    refuses,
)

OK, REFUSAL, INVALID, OUT_OF_RANGE, MISSING, ERROR = (
    "ok",
    "refusal",
    "invalid",
    "out_of_range",
    "missing",
    "error",
)
STATUSES = (OK, REFUSAL, INVALID, OUT_OF_RANGE, MISSING, ERROR)

__all__ = ["STATUSES", "Parsed", "is_refusal", "parse_answer", "shown_map"]


@dataclass(frozen=True)
class Parsed:
    """The outcome of parsing one reply: a raw code when ``status == "ok"``, else ``None``."""

    code: int | None
    status: str
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status == OK


# English's names of the child qualities and national aims (patterns; the other languages'
# names, and English's plain synonyms, come from the lexicon).
_QUALITY_PATTERNS: dict[str, tuple[str, ...]] = {
    "manners": (r"good manners", r"manners", r"politeness"),
    "independence": (r"independence", r"independent"),
    "hard_work": (r"hard[ -]?work(?:ing)?", r"diligence"),
    "responsibility": (r"(?:feeling of )?responsibility", r"responsible"),
    "imagination": (r"imagination", r"imaginative", r"creativity"),
    "tolerance": (r"tolerance(?: and respect for other people)?", r"respect for other people"),
    "thrift": (r"thrift(?:, saving money and things)?", r"thrifty", r"saving money"),
    "determination": (r"determination(?:,? (?:and )?perseverance)?", r"perseverance"),
    "faith": (r"religious faith", r"faith", r"religion"),
    "unselfishness": (r"unselfishness", r"unselfish", r"not being selfish"),
    "obedience": (r"obedience", r"obedient"),
}

_AIM_PATTERNS: dict[str, tuple[str, ...]] = {
    "order": (
        r"maintain(?:ing)? order(?: in the nation)?",
        r"order in the nation",
        r"law and order",
        r"(?<!in )order(?! to| for)",
    ),
    "say": (
        r"giving people more say(?: in important government decisions)?",
        r"more say",
        r"a say in",
        r"say in (?:important )?government",
    ),
    "prices": (
        r"fight(?:ing)? (?:against )?rising prices",
        r"rising prices",
        r"fight(?:ing)? prices",
        r"inflation",
    ),
    "speech": (
        r"protect(?:ing)? (?:the )?freedom of speech",
        r"freedom of speech",
        r"free speech",
        r"protect(?:ing)? (?:the )?freedom",
    ),
}


# ---------------------------------------------------------------- shared pieces


@dataclass(frozen=True)
class _Mention:
    """A phrase found in a reply (a label, quality or aim) and whether it is negated."""

    start: int
    end: int
    key: Any
    negated: bool = False


class _Phrases:
    """Whole-word phrases → keys, found left to right, longest alternative first.

    ``patterns`` are regular expressions of words in Latin letters (English's); ``literal``
    are phrases normalised as replies are, bounded by what their ends are (a phrase in
    Chinese characters or kana matches anywhere).
    """

    def __init__(
        self,
        patterns: Mapping[Any, Sequence[str]],
        literal: Mapping[Any, Sequence[str]] | None = None,
    ):
        entries = [(p, key, "a", "a") for key, ps in patterns.items() for p in ps]
        entries += [
            (re.escape(p), key, p[0], p[-1])
            for key, ps in (literal or {}).items()
            for p in dict.fromkeys(ps)
            if p
        ]
        ranked = sorted(entries, key=lambda t: -len(t[0]))
        self.keys = [key for _, key, _, _ in ranked]
        self.regex = re.compile(
            "|".join(f"({bounded(p, first, last)})" for p, _, first, last in ranked) or "(?!)"
        )

    def find(self, text: str, clauses: Clauses | None = None) -> list[_Mention]:
        """The phrases of ``text``; with ``clauses``, each marked negated or not (the
        negations inside the other phrases found do not count)."""
        found = [
            (m.start(), m.end(), self.keys[m.lastindex - 1]) for m in self.regex.finditer(text)
        ]
        if clauses is None:
            return [_Mention(*f) for f in found]
        masked = clauses.masking((start, end) for start, end, _ in found)
        return [_Mention(start, end, key, masked.negated(start, end)) for start, end, key in found]


def _normalised(phrases: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(filter(None, map(normalise, phrases))))


@cache
def _choice_phrases(kind: str, language: str, choices: tuple[tuple[str, str], ...]) -> _Phrases:
    """English's patterns, the item's own names and the lexicon's names in its language."""
    literal: dict[str, tuple[str, ...]] = {key: (label,) for key, label in choices}
    for lang in dict.fromkeys(("en", language)):
        for key, names in lexicon.choice_phrases(kind, lang).items():
            literal[key] = literal.get(key, ()) + names
    patterns = _QUALITY_PATTERNS if kind == "qualities" else _AIM_PATTERNS
    return _Phrases(patterns, {key: _normalised(ps) for key, ps in literal.items()})


def _choices(item: Item) -> _Phrases:
    choices = tuple((c.key, c.label) for c in item.choices)
    return _choice_phrases(item.kind, item.language, choices)


@cache
def _label_phrases(code: str, language: str, labels: tuple[tuple[int, str], ...]) -> _Phrases:
    """The item's labels, English's labels and the lexicon's synonyms in both languages."""
    phrases = {raw: (label,) for raw, label in labels}
    english = load_instrument()[code].labels if code in load_instrument() else {}
    for raw, label in english.items():
        phrases[raw] = (*phrases.get(raw, ()), label)
    for lang in dict.fromkeys(("en", language)):
        for raw, extra in lexicon.label_synonyms(code, lang).items():
            phrases[raw] = phrases.get(raw, ()) + extra
    return _Phrases({}, {raw: _normalised(ps) for raw, ps in phrases.items()})


def _labels(item: Item) -> _Phrases:
    return _label_phrases(item.code, item.language, tuple(sorted(item.labels.items())))


def _mask(text: str, mentions: Sequence[_Mention]) -> str:
    """The text with each mention blanked out (same length, so positions stay)."""
    if not mentions:
        return text
    parts, last = [], 0
    for m in mentions:
        parts += [text[last : m.start], " " * (m.end - m.start)]
        last = m.end
    return "".join([*parts, text[last:]])


# a word: a run of letters, digits, marks and apostrophes; in Chinese and Japanese, which
# have no word breaks, each character counts as a word
_WORD = re.compile(rf"[{CJK}]|(?:(?![{CJK}])[\w'{MARKS}])+")


def _with_notes(reply: Reply, detail: str) -> str:
    return "; ".join(part for part in (detail, *reply.notes) if part)


def _fail(reply: Reply, status: str, detail: str) -> Parsed:
    return Parsed(None, status, _with_notes(reply, detail))


def _no_answer(reply: Reply, detail: str) -> Parsed:
    """Not an answer: a refusal when the reply declines, else invalid with ``detail``."""
    if refuses(reply.text, reply.language):
        return _fail(reply, REFUSAL, f"declined or disclaimed instead of answering ({detail})")
    return _fail(reply, INVALID, detail)


def _finish(code: int, reply: Reply, detail: str = "") -> Parsed:
    if refuses(reply.text, reply.language):
        detail = (detail + "; " if detail else "") + "answer given after a disclaimer"
    return Parsed(code, OK, _with_notes(reply, detail))


def _first_problem(
    reply: Reply, text: str | None = None, phrases: _Phrases | None = None
) -> Parsed | None:
    """The reasons that apply before any reading: empty, unreadable, hedged.

    ``text`` is the reply as read for hedges (scale restatements removed; default the
    reply), with the item's own ``phrases`` (labels, names) blanked: a label may hold a
    word that hedges elsewhere ("可能会签", "might sign").
    """
    if not reply.text:
        return _fail(reply, INVALID, "empty reply")
    if reply.problem:
        return _fail(reply, INVALID, reply.problem)
    text = reply.text if text is None else text
    if phrases is not None:
        text = _mask(text, phrases.find(text))
    found = hedge(text, reply.language)
    if found:
        return _no_answer(reply, f"hedges ('{found}'); not one answer")
    return None


def _item(item: Item | str) -> Item:
    if isinstance(item, Item):
        return item
    if isinstance(item, str):
        return load_instrument()[item]
    raise TypeError(f"item must be an Item or an item code such as 'f063', got {item!r}")


def shown_map(item: Item | str, option_map: Mapping[Any, int] | None = None) -> dict[str, int]:
    """The checked map from the labels shown (``"1"``, ``"A"``) to raw codes or positions.

    ``option_map`` defaults to the item's own order. Given, it must map every shown label
    of the item (numbers, or letters in any case) to a different raw code of the item
    (choice positions 1..n for Y003/Y002); anything else raises ``ValueError``.

    Raises
    ------
    ValueError
        A key that is not a shown label, a missing label, a value outside the item's
        codes, or two labels mapped to one code.
    """
    item = _item(item)
    default = item.option_map()
    if option_map is None:
        return default
    if not isinstance(option_map, Mapping):
        raise TypeError(
            f"option_map for {item.ivs_code or item.code} must be a mapping from shown label "
            f"to code, got {type(option_map).__name__}"
        )
    name = item.ivs_code or item.code
    valid = sorted(set(default.values()))
    checked: dict[str, int] = {}
    for key, value in option_map.items():
        shown = str(key).strip().upper()
        if shown not in default:
            raise ValueError(
                f"option_map for {name}: {key!r} is not a label shown for this item "
                f"(shown: {', '.join(default)})"
            )
        if shown in checked:
            raise ValueError(f"option_map for {name}: label {shown!r} appears twice")
        if isinstance(value, bool) or not isinstance(value, Integral) or int(value) not in valid:
            raise ValueError(
                f"option_map for {name}: {key!r} maps to {value!r}, which is not a code of "
                f"this item (valid: {valid})"
            )
        checked[shown] = int(value)
    missing = [s for s in default if s not in checked]
    if missing:
        raise ValueError(f"option_map for {name} lacks the shown label(s) {missing}")
    if len(set(checked.values())) != len(checked):
        raise ValueError(f"option_map for {name} maps two labels to one code: {checked}")
    return checked


# ---------------------------------------------------------------- numbers

# a number stands apart from letters and digits; beside a Chinese character or kana it is
# apart ("我给7分", "7です")
_NUMBER = re.compile(rf"(?:(?<=[{CJK}])|(?<![\w.]))(-?\d+(?:\.\d+)?)(?:(?=[{CJK}])|(?![\w]|\.\d))")
_PERCENT = re.compile(r"\d ?%|\bper ?cent(?:age)?\b")
_NUMBER_WORDS = {
    "zero": 0,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
_NUMBER_WORD = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b")
_CUE = (
    r"(?:answer|score|rating|response|choice|choose|pick|say|give it|go with|select|rate it"
    r"|number)(?: is| would be| will be)?:? ?"
)
# "one" is a number only where it cannot be the pronoun
_ONE_AFTER_CUE = re.compile(rf"\b({_CUE})one\b")
_ONE_FIRST = re.compile(r"^one\b|\bone(?= ?(?:to|-|out of|/) ?\d)")


def _number_words(text: str, language: str) -> str:
    """Number words as digits ("seven" → 7); "one" only first, after a cue or in "one to …".

    In another language also its number words (:func:`lexicon.number_word_pattern`), and a
    reply that is only a word that is also a common word ("un", "一", "एक") reads as that
    number.
    """
    text = _NUMBER_WORD.sub(lambda m: str(_NUMBER_WORDS[m.group(1)]), text)
    text = _ONE_AFTER_CUE.sub(lambda m: m.group(1) + "1", text)
    text = _ONE_FIRST.sub("1", text)
    if language == "en":
        return text
    values = lexicon.number_words(language)
    whole = lexicon.read_number(text, language)
    if whole is not None and not any(ch.isdigit() for ch in text):
        return str(whole)
    pattern = lexicon.number_word_pattern(language)
    return pattern.sub(lambda m: str(values[m["number"]]) if m["number"] else m[0], text)


@dataclass(frozen=True)
class _ScaleWords:
    """How a language writes a fraction, a range and an echoed anchor of a scale."""

    fraction: re.Pattern  # (part) (whole)
    fraction_reversed: re.Pattern | None  # (whole) (part): Hindi "10 में से 8"
    range: re.Pattern
    means: str  # regex of the words tying a number to its label ("means", "表示")
    copulas: str  # regex of the words that do so before a label only ("is", "は")
    size: re.Pattern | None  # a number naming the scale's size ("10的量表", "10段階")


def _words_regex(language: str, kind: str) -> str | None:
    found = lexicon.words(language, kind)
    return phrases_regex(found) if found else None


@cache
def _scale_words(language: str) -> _ScaleWords:
    out_of, reversed_, ranges, means, copulas, size = (
        _words_regex(language, kind) if language != "en" else None
        for kind in ("out_of", "out_of_reversed", "ranges", "means", "copulas", "scale_words")
    )
    between = "|".join(filter(None, ["/|out of", out_of]))
    joins = "|".join(filter(None, ["-|to|through|and", ranges]))
    return _ScaleWords(
        fraction=re.compile(rf"(?<![\d.])(\d+(?:\.\d+)?) ?(?:{between}) ?(\d+)(?![\d.])"),
        fraction_reversed=(
            re.compile(rf"(?<![\d.])(\d+) ?(?:{reversed_}) ?(\d+(?:\.\d+)?)(?![\d.])")
            if reversed_
            else None
        ),
        range=re.compile(rf"(?:\b(?:between|from) )?(?<![\d.])(\d+) ?(?:{joins}) ?(\d+)(?![\d.])"),
        means=means or "(?!)",
        copulas=copulas or "(?!)",
        size=re.compile(rf"(?<![\d.])\d+ ?(?:{size})") if size else None,
    )


_ANCHOR_VERBS = r"(?:means|meaning|being|represents|stands for|=|is for|indicates|signifies)"
_ANCHOR_WORDS = r"(?:very|not|never|always|totally|completely|extremely)"


@cache
def _anchor(code: str, language: str, labels: tuple[tuple[int, str], ...]) -> re.Pattern:
    """ "10 means very important", "10 is always justifiable", "the number 10 is …": restated.

    Outside English also "<number> <means> [label]", "<number> <copula> <label>" and
    "<means> <number> [label]" (Arabic "يعني 1 …") in the item's language.
    """
    phrases = _label_phrases(code, language, labels).regex.pattern
    english = (
        rf"(?<![\d.])\d+ ?(?:{_ANCHOR_VERBS}(?: ?(?:{phrases}))?|is (?:{phrases}|{_ANCHOR_WORDS}))"
        r"(?![a-z])"
    )
    if language == "en":
        return re.compile(english)
    words = _scale_words(language)
    return re.compile(
        rf"{english}|(?<![\d.])\d+ ?(?:{words.means})(?: ?(?:{phrases}))?"
        rf"|(?<![\d.])\d+ ?(?:{words.copulas}) ?(?:{phrases})"
        rf"|(?:{words.means}) ?\d+(?![\d.])(?: ?(?:{phrases}))?"
    )


@cache
def _discussion(language: str) -> re.Pattern:
    """ "the number 10 is …", "El 10 es …", "El 10 punto de 10 es …": a number as the subject
    of a sentence is talked about, not given as the answer."""
    english = r"\bthe number \d+ (?:is|represents|signifies|means|stands)\b"
    subjects = _words_regex(language, "number_subjects") if language != "en" else None
    if subjects is None:
        return re.compile(english)
    words = _scale_words(language)
    unit = f"(?: ?(?:{_words_regex(language, 'units') or '(?!)'}))?"
    part = rf"\d+{unit}(?: ?(?:{_words_regex(language, 'out_of') or '(?!)'}) ?\d+{unit})?"
    return re.compile(
        rf"{english}|(?:{subjects}) ?(?<![\d.]){part} ?(?:{words.copulas}|{words.means})"
    )


@dataclass(frozen=True)
class _Echo:
    """A scale reply with its restatements removed, and what they were."""

    text: str
    problem: str | None  # why it is not one answer (a range, a fraction of another scale)
    anchors: list[str]  # restated anchors ("10 is always justifiable")
    discussed: set[int]  # numbers talked about ("the number 10 is …")


def _strip_scale_echo(text: str, item: Item, shown_high: int) -> _Echo:
    """Scale restatements removed ("1 to 10", "8/10" → 8, "1 means …", "the number 10 is")."""
    problem: list[str] = []
    anchors: list[str] = []
    discussed: set[int] = set()
    bounds = {(item.lowest, item.highest), (1, shown_high)}
    words = _scale_words(item.language)

    def fraction(m: re.Match, part: int = 1, whole: int = 2) -> str:
        if int(m.group(whole)) != shown_high:
            problem.append(
                f"'{m.group(0)}' is a fraction of another scale (this one ends at {shown_high})"
            )
        return f" {m.group(part)} "

    def scale_range(m: re.Match) -> str:
        if (int(m.group(1)), int(m.group(2))) not in bounds:
            problem.append(f"'{m.group(0)}' gives a range, not one answer")
        return " "

    def anchor(m: re.Match) -> str:
        anchors.append(m.group(0))
        return " " * len(m.group(0))

    def discussion(m: re.Match) -> str:
        discussed.update(int(n) for n in re.findall(r"\d+", m.group(0)))
        return anchor(m)

    labels = tuple(sorted(item.labels.items()))
    text = _discussion(item.language).sub(discussion, text)
    text = _anchor(item.code, item.language, labels).sub(anchor, text)
    if words.size is not None:
        text = words.size.sub(anchor, text)
    if words.fraction_reversed is not None:
        text = words.fraction_reversed.sub(lambda m: fraction(m, part=2, whole=1), text)
    text = words.fraction.sub(fraction, text)
    text = words.range.sub(scale_range, text)
    return _Echo(text, problem[0] if problem else None, anchors, discussed)


# a list number opens a line, or follows a Chinese or Japanese full stop ("。1. …")
_ENUMERATOR = re.compile(rf"(?m)(?:^|(?<=\u3002))(?:- )?(\d+)(?:[.)] (?=\w)|[.)\u3001](?=[{CJK}]))")


def _list_marker(text: str, labels: list[_Mention]) -> tuple[str, str | None]:
    """A numbered list is no answer; a lone "1. " before text that is no label is its marker.

    "1. 10" and "1. God is …" are one-item lists: the marker is blanked and the rest read.
    "10. I believe …" keeps its number (a list starts at 1), as does "1. Very proud" (the
    number of a listed option beside its label).
    """
    found = list(_ENUMERATOR.finditer(text))
    if len(found) > 1:
        shown = ", ".join(f"{m.group(1)}. …" for m in found[:3])
        return text, f"a numbered list ({shown}); not one answer"
    label_starts = {m.start for m in labels}
    if found and found[0].group(1) == "1" and found[0].end() not in label_starts:
        m = found[0]
        return text[: m.start(1)] + " " * (m.end() - m.start(1)) + text[m.end() :], None
    return text, None


# What an item asks about, and the end of its scale that the word names: affirmed, it
# places a reply at that end ("I am proud", "always justifiable"); negated, at the other
# ("not at all proud", "I would not consider it justifiable"). A few phrases fit one end
# only. A number in the other half of the scale contradicts them.
# The words are the lexicon's ("concepts", "low_end"), in English and the item's language.
_CONCEPT_END = {"f063": "high", "f120": "high", "f118": "high", "g006": "low", "a008": "low"}


@cache
def _end_phrases(code: str, language: str) -> _Phrases:
    """The item's concept words and one-end phrases → "concept" / "low"."""
    languages = tuple(dict.fromkeys(("en", language)))
    return _Phrases(
        {},
        {
            key: _normalised(
                [w for lang in languages for w in lexicon.item_words(lang, kind, code)]
            )
            for key, kind in (("concept", "concepts"), ("low", "low_end"))
        },
    )


def _contradiction(item: Item, text: str, clauses: Clauses, code: int, labels) -> str | None:
    """Why the words of a reply contradict its number, if they do."""
    negated = sorted({m.key for m in labels if m.negated and m.key == code})
    if negated:
        return f"the reply negates the label {item.labels[negated[0]]!r} of its own number"
    if len(item.labels) == item.n_categories:
        other = sorted({m.key for m in labels if not m.negated} - {code})
        if other:
            written = ", ".join(repr(item.labels[c]) for c in other)
            return f"its number contradicts the label {written}"
    if item.code not in _CONCEPT_END:
        return None
    named = _CONCEPT_END[item.code]
    other_end = {"low": "high", "high": "low"}[named]
    half = "low" if code <= (item.lowest + item.highest) / 2 else "high"
    for m in _end_phrases(item.code, item.language).find(text, clauses):
        if m.key == "low":
            end = "low" if not m.negated else None
        else:
            end = other_end if m.negated else named
        if end is not None and end != half:
            said = (
                text[clauses.start(m.start) : m.end].strip() if m.negated else text[m.start : m.end]
            )
            return f"its number contradicts '{said}' (the other end of the scale)"
    return None


def _read_scale(item: Item, reply: Reply, shown: Mapping[str, int]) -> Parsed:
    """A number on the item's scale (or, in a short reply, its written-out label) → raw code.

    ``shown`` maps the number shown to the respondent to the raw code (permuted options).
    """
    mapping = {int(k): v for k, v in shown.items()}
    echo = _strip_scale_echo(_number_words(reply.text, reply.language), item, max(mapping))
    text, problem, anchors = echo.text, echo.problem, echo.anchors
    failed = _first_problem(reply, text, _labels(item))
    if failed:
        return failed
    if problem:
        return _fail(reply, INVALID, problem)
    if _PERCENT.search(text):
        return _fail(reply, INVALID, "a percentage is not a point of the scale")
    clauses = Clauses(text, reply.language)
    labels = _labels(item).find(text, clauses)
    marked, problem = _list_marker(text, labels)
    if problem:
        return _fail(reply, INVALID, problem)
    note = ""
    if marked != text:
        note = "the '1.' opening the reply marks a list item, not an answer"
        text = marked
    numbers = list(_NUMBER.finditer(text))
    beside_labels = clauses.masking((m.start, m.end) for m in labels)
    for m in numbers:
        if beside_labels.negated(m.start(), m.end()):
            return _no_answer(reply, f"negates {m.group(1)}; not an answer")
    values = sorted({float(m.group(1)) for m in numbers})
    if len(values) > 1:
        listed = ", ".join(f"{v:g}" for v in values)
        return _fail(reply, INVALID, f"several numbers ({listed}); no single answer")
    if not values and anchors:
        return _fail(reply, INVALID, f"restates the scale ('{anchors[0].strip()} …'), no answer")
    restated = {int(n) for a in anchors for n in re.findall(r"\d+", a)}
    if values and values[0] in echo.discussed:
        return _fail(reply, INVALID, f"talks about the number {values[0]:g}, not an answer")
    if values and values[0] in restated and len(anchors) > 1:
        return _fail(
            reply,
            INVALID,
            f"restates the scale ('{anchors[0].strip()} …') and its only number, "
            f"{values[0]:g}, is one the restatement ties to a label",
        )
    if values:
        value = values[0]
        if value != int(value):
            return _fail(reply, INVALID, f"{value:g} is not a point of the scale")
        if int(value) not in mapping:
            low, high = min(mapping), max(mapping)
            return _fail(reply, OUT_OF_RANGE, f"{value:g} is outside the scale {low}–{high}")
        code = mapping[int(value)]
        contradiction = _contradiction(item, text, clauses, code, labels)
        if contradiction:
            return _fail(reply, INVALID, f"{value:g}: {contradiction}")
        return _finish(code, reply)
    fully_labelled = len(item.labels) == item.n_categories
    return _label_answer(item, reply, text, labels, "number on the scale", fully_labelled, note)


def _label_answer(
    item: Item,
    reply: Reply,
    text: str,
    labels: list[_Mention],
    what: str,
    fully: bool,
    note: str = "",
) -> Parsed:
    """A reply with no number or letter: one label, written in a short reply, is the answer."""
    affirmed = [m for m in labels if not m.negated]
    codes = sorted({m.key for m in affirmed})
    if len(codes) > 1:
        written = ", ".join(repr(item.labels[c]) for c in codes)
        return _fail(reply, INVALID, f"several answer labels ({written}); no single answer")
    if codes:
        limit = 10 if fully else 3
        lines = _mask(text, affirmed).split("\n")  # a line said again and again counts once
        others = len(_WORD.findall("\n".join(dict.fromkeys(line.strip() for line in lines))))
        label = item.labels[codes[0]]
        beside = next(negators(_mask(text, labels), reply.language), None)
        if beside:
            return _fail(
                reply, INVALID, f"the label {label!r} stands beside '{beside.group(0)}'; unclear"
            )
        if others > limit:
            return _fail(
                reply,
                INVALID,
                f"the label {label!r} stands among {others} other words; without a {what} "
                f"only a short reply (at most {limit} other words) is read as that label",
            )
        return _finish(codes[0], reply, f"label written out: {label}")
    if labels:
        negated = ", ".join(repr(item.labels[m.key]) for m in labels)
        return _no_answer(reply, f"negates {negated}, which names no answer")
    return _no_answer(reply, "; ".join(filter(None, (f"no {what} found in the reply", note))))


# ---------------------------------------------------------------- lettered options

_LETTER_CUES = (
    r"\b(?:option|answer|choice|response|letter|choose|chose|pick|select|go with|i'd say"
    r"|i would say)"
)


@cache
def _letter_cue(language: str) -> re.Pattern:
    """ "option b", "my answer is b" (and the item's language's cues: "respuesta: b")."""
    cues, copulas = _LETTER_CUES, " is| would be"
    if language != "en":
        cues += "|" + (_words_regex(language, "cues") or "(?!)")
        copulas += "|" + "|".join(" " + c for c in _normalised(lexicon.words(language, "copulas")))
    return re.compile(rf"(?:{cues})(?:{copulas})? ?[:=-]? ?\(?([a-z])\)?(?![a-z'])")


_LEADING_LETTER = re.compile(r"(?m)^\(?([a-z]) ?(?:[.:)\]]|- |$)")
_PAREN_LETTER = re.compile(r"\(([a-z])\)")
_CAPITAL = re.compile(r"(?<![A-Za-z'])([A-Z])(?![A-Za-z'])")
# a capital in running text is a letter only first, or where its phrase ends ("I think B.")
_LETTER_END = re.compile(rf" ?(?:[.!,;:)\]\u3002\u3001]|-(?= )|\n|$|(?=[{CJK}]))")
_NEXT_WORD = re.compile(rf" ?((?![{CJK}])[^\W_][\w'-]*)")
# words after which "a"/"A" is the letter, not the article ("A or B", "A is my answer")
_LETTER_FOLLOWERS = frozenset(
    {"or", "and", "nor", "then", "but", "because", "since", "as", "is", "was", "vs", "fits"}
)
_ARTICLE_LETTERS = frozenset("ai")


def _article(text: str, letter: str, end: int) -> bool:
    """Is this "a"/"i" the article or pronoun (a word follows it), not an option letter?"""
    if letter not in _ARTICLE_LETTERS:
        return False
    following = _NEXT_WORD.match(text, end)
    return bool(following) and following.group(1) not in _LETTER_FOLLOWERS


def _abbreviation(cased: str, start: int, end: int) -> bool:
    """A capital inside "A.I." or "U.S." is not an option letter."""
    return bool(
        re.match(r"\.[A-Z]", cased[end : end + 2])
        or (start >= 2 and re.match(r"[A-Z]\.", cased[start - 2 : start]))
    )


def _letters(reply: Reply) -> list[tuple[str, int, bool, bool]]:
    """(letter, position, explicit, answers) of every option letter written.

    Explicit: alone, cued ("option b"), opening a line ("B.") or in parentheses. A capital
    in running text answers when it opens the reply or ends its phrase ("I think B.");
    elsewhere ("Plan B is …") it answers nothing but still counts as a second option.
    """
    text, cased = reply.text, reply.cased
    bare = re.sub(r"[^a-z]", "", text)
    if len(bare) == 1:
        return [(bare, text.index(bare), True, True)]
    found = []
    cue = _letter_cue(reply.language)
    for pattern in (cue, _LEADING_LETTER, _PAREN_LETTER):
        for m in pattern.finditer(text):
            letter = m.group(1)
            if letter == "i" or (pattern is cue and _article(text, letter, m.end(1))):
                continue
            found.append((letter, m.start(1), True, True))
    same_length = len(cased) == len(text)
    for m in _CAPITAL.finditer(cased):
        letter = m.group(1).lower()
        if letter == "i" or _abbreviation(cased, m.start(), m.end()):
            continue
        if same_length and _article(text, letter, m.end()):
            continue
        answers = not cased[: m.start()].strip() or bool(_LETTER_END.match(cased, m.end()))
        found.append((letter, m.start() if same_length else 0, False, answers))
    return found


def _negated_on_its_line(clauses: Clauses, position: int, language: str) -> bool:
    """Outside English, a negation after a letter on its line ("A. no") negates it."""
    if language == "en":
        return False
    end = clauses.masked.find("\n", position)
    end = min(len(clauses.masked) if end < 0 else end, position + NEGATION_WINDOW)
    return next(negators(clauses.masked, language, position + 1, end), None) is not None


def _read_options(item: Item, reply: Reply, mapping: Mapping[str, int]) -> Parsed:
    """An option letter (A, B, …) or, in a short reply, its written-out label → raw code.

    Letters count only as standalone tokens ("B", "(b)", "Option B", "B."), never inside
    words, as the article "a" ("My answer is a bit complicated") or as the pronoun "I".
    """
    failed = _first_problem(reply, phrases=_labels(item))
    if failed:
        return failed
    text = reply.text
    number = _NUMBER.search(text)
    if number:
        return _fail(reply, INVALID, f"the number {number.group(1)} beside the option letters")
    clauses = Clauses(text, reply.language)
    labels = _labels(item).find(text, clauses)
    beside_labels = clauses.masking((m.start, m.end) for m in labels)
    letters = _letters(reply)
    for letter, position, _, _ in letters:
        if letter.upper() in mapping and (
            beside_labels.negated(position, position + 1)
            or _negated_on_its_line(beside_labels, position, reply.language)
        ):
            return _no_answer(reply, f"negates option {letter.upper()}; not an answer")
    named = sorted({letter.upper() for letter, *_ in letters if letter.upper() in mapping})
    known = sorted({ltr.upper() for ltr, _, _, answers in letters if answers} & set(mapping))
    unknown = sorted({ltr.upper() for ltr, _, explicit, _ in letters if explicit} - set(mapping))
    if unknown and not known:
        valid = ", ".join(sorted(mapping))
        return _fail(reply, OUT_OF_RANGE, f"option {'/'.join(unknown)} does not exist ({valid})")
    if len(named) + len(unknown) > 1:
        listed = ", ".join(named + unknown)
        return _fail(reply, INVALID, f"several options ({listed}); no single answer")
    fully_labelled = len(item.labels) == item.n_categories
    if known:
        code = mapping[known[0]]
        other = sorted({m.key for m in labels if not m.negated} - {code})
        if other:
            written = ", ".join(repr(item.labels[c]) for c in other)
            return _fail(reply, INVALID, f"option {known[0]} contradicts the label {written}")
        return _finish(code, reply)
    return _label_answer(item, reply, text, labels, "option letter", fully_labelled)


# ---------------------------------------------------------------- lists (Y003, Y002)

_NEGATION_GAPS_AFTER = (" ", " is ", " are ", " was ", " were ")
_NONE = r"none|none of them|none of these|none of the above|no quality"
_PERIOD = r"\b(?:over |in |for )?the next (?:10|ten) years\b"
# a word of a list reply: a run of letters (and marks), or one Chinese character or kana
_LIST_WORD = re.compile(rf"[{CJK}]|(?:(?![{CJK}])(?:[^\W\d_]|[{MARKS}]))+")


@dataclass(frozen=True)
class _ListWords:
    """How a language joins names in a list, says "none", and what a list of numbers holds."""

    joined: re.Pattern  # the gap between two joined names (", ", " and ", "、")
    gaps_after: tuple[str, ...]  # between a name and the negation after it
    none: re.Pattern
    period: re.Pattern  # "the next ten years" of the national aims question
    allowed: frozenset[str]  # words a reply of list numbers may hold beside them


@cache
def _list_words(language: str) -> _ListWords:
    languages = tuple(dict.fromkeys(("en", language)))
    joins, none, period = (
        _words_regex(language, kind) if language != "en" else None
        for kind in ("joins", "none", "period")
    )
    gaps = _NEGATION_GAPS_AFTER
    if language != "en":
        copulas = _normalised(lexicon.words(language, "copulas"))
        gaps += ("", *(f" {c} " for c in copulas))
    allowed = {w for lang in languages for w in _normalised(lexicon.words(lang, "list_words"))}
    return _ListWords(
        joined=re.compile(rf" ?(?:,|and|or|&|/{'|' + joins if joins else ''})? ?(?:also )?"),
        gaps_after=gaps,
        none=re.compile(rf"(?:{_NONE}{'|' + none if none else ''})[ .!\u3002]*"),
        period=re.compile(_PERIOD + (f"|{period}" if period else "")),
        allowed=frozenset(allowed | {ch for w in allowed for ch in w if re.match(f"[{CJK}]", ch)}),
    )


def _coordinated(
    text: str, mentions: list[_Mention], i: int, before: bool, language: str = "en"
) -> bool:
    """Is mention ``i`` joined to a neighbouring mention ("faith and obedience")?"""
    j = i - 1 if before else i + 1
    if not 0 <= j < len(mentions):
        return False
    gap = (
        text[mentions[j].end : mentions[i].start]
        if before
        else text[mentions[i].end : mentions[j].start]
    )
    return bool(_list_words(language).joined.fullmatch(gap))


def _apply_negations(
    text: str, mentions: list[_Mention], language: str = "en"
) -> tuple[list[_Mention], str | None]:
    """Mark mentions negated by a negation right beside them; any other negation is unclear.

    "Hard work and not obedience" negates obedience; "obedience is not important" negates
    obedience. The scope is unclear, and the reply not read, when the negation stands
    apart from every mention ("I don't think obedience …") or beside a mention joined to
    another ("not obedience and faith", "faith and obedience are not important").
    Negations inside a phrase ("not being selfish") belong to the phrase. Outside English
    a negation may also touch the name ("不服从", "従順ではない").
    """
    masked = _mask(text, mentions)
    starts = {m.start: i for i, m in enumerate(mentions)}
    ends = {m.end: i for i, m in enumerate(mentions)}
    negated = set()
    for neg in negators(masked, language):
        before = neg.end() + 1 if text[neg.end() : neg.end() + 1] == " " else neg.end()
        target, after_mention = starts.get(before), False
        if target is None:
            for gap in _list_words(language).gaps_after:
                if (
                    text[neg.start() - len(gap) : neg.start()] == gap
                    and neg.start() - len(gap) in ends
                ):
                    target, after_mention = ends[neg.start() - len(gap)], True
                    break
        if target is None or _coordinated(text, mentions, target, after_mention, language):
            return mentions, f"the negation '{neg.group(0)}' has no clear scope"
        negated.add(target)
    return [_Mention(m.start, m.end, m.key, i in negated) for i, m in enumerate(mentions)], None


def _restates_list(positions: list[int]) -> bool:
    """Are these the first shown entries, in the order shown (an echo of the list)?"""
    return len(positions) >= 3 and positions == list(range(1, len(positions) + 1))


_LIST_SPAN = re.compile(r"(?<![\d.])\d+ ?(?:/|-|to) ?\d+(?![\d.])")


def _list_numbers(masked: str, mentions: list[_Mention]) -> tuple[list[re.Match], list[re.Match]]:
    """Numbers of a list reply split into markers ("1. Independence") and free numbers."""
    starts = {m.start for m in mentions}
    markers, free = [], []
    for m in _NUMBER.finditer(masked):
        follow = re.match(r"[.):\u3001]? ?", masked[m.end() : m.end() + 3])
        (markers if m.end() + follow.end() in starts else free).append(m)
    return markers, free


def _shown_positions(keys: list[str], item: Item, mapping: Mapping[int, int]) -> list[int]:
    order = {item.choices[position - 1].key: shown for shown, position in mapping.items()}
    return [order[k] for k in keys]


def _read_numbers(
    reply: Reply, text: str, item: Item, mapping: Mapping[int, int], what: str
) -> tuple[list[str] | None, Parsed | None]:
    """Choices given by their shown numbers ("2, 8, 11"), when the reply has no names."""
    allowed = _list_words(reply.language).allowed
    stray = [
        w
        for w in _LIST_WORD.findall(text)
        if w not in allowed and (len(w) >= 3 or re.match(f"[{CJK}]", w))
    ]
    numbers = _NUMBER.findall(text)
    if stray or not numbers:
        return None, _no_answer(reply, f"no {what} found in the reply")
    if any(not n.lstrip("-").isdigit() for n in numbers):
        return None, _fail(reply, INVALID, f"{numbers} are not all whole numbers of the list")
    outside = [int(n) for n in numbers if int(n) not in mapping]
    if outside:
        return None, _fail(
            reply, OUT_OF_RANGE, f"number(s) {outside} not in the list 1–{len(item.choices)}"
        )
    shown = list(dict.fromkeys(int(n) for n in numbers))
    if _restates_list(shown):
        return None, _fail(reply, INVALID, "restates the list's numbers in order; not a choice")
    keys = [item.choices[mapping[n] - 1].key for n in shown]
    return list(dict.fromkeys(keys)), None


def _read_list(
    item: Item, reply: Reply, shown: Mapping[str, int], what: str
) -> tuple[list[str] | None, list[str], Parsed | None]:
    """Shared reading of a list reply → (keys chosen in order, keys negated, failure)."""
    mapping = {int(k): v for k, v in shown.items()}
    failed = _first_problem(reply, phrases=_choices(item))
    if failed:
        return None, [], failed
    if reply.cut:
        return None, [], _fail(reply, INVALID, f"a cut-off reply may not have finished its {what}")
    text = reply.text
    span = _LIST_SPAN.search(text)
    if span:
        return (
            None,
            [],
            _fail(reply, INVALID, f"'{span.group(0)}' is a range or a fraction, not a list"),
        )
    if item.kind == "aims":
        text = _list_words(reply.language).period.sub(" ", text)
    mentions = _choices(item).find(text)
    if not mentions:
        keys, failed = _read_numbers(reply, text, item, mapping, what)
        if failed:
            return None, [], failed
        if any(True for _ in negators(text, reply.language)):
            return None, [], _fail(reply, INVALID, "a negation beside numbers")
        return keys, [], None
    asked = next((m for m in mentions if text[m.end : m.end + 2].lstrip().startswith("?")), None)
    if asked:
        return (
            None,
            [],
            _no_answer(reply, f"asks '{text[asked.start : asked.end]}?' rather than choosing it"),
        )
    mentions, unclear = _apply_negations(text, mentions, reply.language)
    if unclear:
        return None, [], _no_answer(reply, unclear)
    masked = _mask(text, mentions)
    _, free = _list_numbers(masked, mentions)
    if free:
        listed = ", ".join(m.group(1) for m in free)
        return (
            None,
            [],
            _fail(reply, INVALID, f"number(s) {listed} beside the names; not one {what}"),
        )
    chosen = list(dict.fromkeys(m.key for m in mentions if not m.negated))
    negated = list(dict.fromkeys(m.key for m in mentions if m.negated))
    written = list(dict.fromkeys(m.key for m in mentions))
    if _restates_list(_shown_positions(written, item, mapping)):
        return (
            None,
            [],
            _fail(reply, INVALID, "restates the list in the order shown; not a choice"),
        )
    return chosen, negated, None


def _read_qualities(item: Item, reply: Reply, shown: Mapping[str, int]) -> Parsed:
    """Child qualities chosen → Y003 autonomy index in −2..2."""
    if _list_words(reply.language).none.fullmatch(reply.text) and not reply.cut:
        return Parsed(0, OK, "chose none of the qualities")
    chosen, negated, failed = _read_list(item, reply, shown, "list of qualities")
    if failed:
        return failed
    if not chosen:
        return _no_answer(reply, f"every quality named is negated ({', '.join(negated)})")
    limit = item.max_choices or len(item.choices)
    if len(chosen) > limit:
        return _fail(reply, INVALID, f"{len(chosen)} qualities named, at most {limit} allowed")
    scores = {c.key: c.score for c in item.choices}
    detail = "chose: " + ", ".join(chosen)
    if negated:
        detail += "; not chosen: " + ", ".join(negated)
    return _finish(sum(scores[k] for k in chosen), reply, detail)


def _read_aims(item: Item, reply: Reply, shown: Mapping[str, int]) -> Parsed:
    """The two most important national aims (numbers or names) → Y002 index 1/2/3."""
    aims, _, failed = _read_list(item, reply, shown, "pair of aims")
    if failed:
        return failed
    if len(aims) != 2:
        return _no_answer(reply, f"needs exactly two different aims, found {aims or 'none'}")
    keys = [c.key for c in item.choices]
    first, second = (keys.index(a) + 1 for a in aims)
    return _finish(postmaterialist_index(first, second), reply, f"aims: {aims[0]}, {aims[1]}")


_READERS = {
    "scale": _read_scale,
    "options": _read_options,
    "qualities": _read_qualities,
    "aims": _read_aims,
}


def parse_answer(
    item: Item | str,
    text: str | None,
    option_map: Mapping[Any, int] | None = None,
    *,
    truncated: bool = False,
) -> Parsed:
    """Parse one reply to ``item`` into a raw code, or a status with the reason.

    Parameters
    ----------
    item
        The item (an :class:`~llmvalues.instruments.Item`) or its code (``"f063"``,
        ``"F063"``) in the IVS-10 instrument.
    text
        The reply; ``None`` (no reply) is recorded as ``missing``.
    option_map
        Shown label → raw code (or choice position for Y003/Y002) when the options were
        shown in another order or with other labels; checked by :func:`shown_map`.
    truncated
        The reply was cut off at the token limit (finish_reason ``"length"``): never an
        answer to a list item, and flagged in the reason of every item.

    Returns
    -------
    Parsed
        ``code`` (raw IVS code) when ``status == "ok"``; otherwise ``None`` with the reason.

    Examples
    --------
    >>> parse_answer("f063", "7").code
    7
    >>> parse_answer("e025", "My answer is a bit complicated.").status
    'invalid'
    """
    item = _item(item)
    shown = shown_map(item, option_map)
    if text is None:
        return Parsed(None, MISSING, "no reply")
    if not isinstance(text, str):
        raise TypeError(f"a reply must be text or None, got {type(text).__name__}: {text!r}")
    return _READERS[item.kind](item, prepare(text, truncated, item.language), shown)


def parse_scale(
    item: Item | str,
    text: str | None,
    option_map: Mapping[Any, int] | None = None,
    *,
    truncated: bool = False,
) -> Parsed:
    """:func:`parse_answer` for an item answered on a numbered or labelled scale.

    For scales built outside the instrument (ValueLex ratings); raises ``ValueError`` for
    an item of another kind.
    """
    item = _item(item)
    if item.kind != "scale":
        raise ValueError(f"item {item.code!r} is answered by {item.kind}, not on a scale")
    return parse_answer(item, text, option_map, truncated=truncated)
