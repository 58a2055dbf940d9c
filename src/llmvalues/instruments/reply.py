"""Reading a reply's text before it is parsed: the cap, normalisation, hedges, negations.

Everything here runs in time linear in the reply: a reply is cut to
:data:`MAX_REPLY_CHARS` characters before anything else happens (the cut is recorded),
the patterns have no nested quantifiers, and a negation is looked for in a bounded window
beside each mention instead of in the whole text.

A reply is read in the language its item was asked in (``Item.language``) and in English
(a model asked in another language often answers in English): English's hand-tuned
patterns below, plus the language's words from :mod:`llmvalues.instruments.lexicon`.
Matching rules (explicit, and the same for every language): a phrase whose end is a letter
of a script written with spaces must not touch another letter or a combining mark there;
a phrase in Chinese characters or kana matches anywhere, since Chinese and Japanese have no
word breaks; digits of any script are read as ASCII digits.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from llmvalues.instruments import lexicon
from llmvalues.instruments.languages import check_language

MAX_REPLY_CHARS = 4000
"""Characters of a reply that are parsed; a longer reply is cut and the cut recorded."""

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u2796\ufe58\ufe63\uff0d"
_INVISIBLE = "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_TRANSLATION = {
    **dict.fromkeys(map(ord, _DASHES), "-"),
    **dict.fromkeys(map(ord, _INVISIBLE), None),
    **dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032\u00b4`"), "'"),
    **dict.fromkeys(map(ord, '\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"'), " "),
    **dict.fromkeys(map(ord, "\u300c\u300d\u300e\u300f\u3010\u3011"), " "),  # 「」『』【】
    **dict.fromkeys(map(ord, "*_#\u2022\u00b7"), " "),
    ord("\t"): " ",
    ord("\r"): "\n",
}
_QUOTE_MARK = re.compile(r"(?<![A-Za-z])'|'(?![A-Za-z])")
_BLOCKQUOTE = re.compile(r"(?m)^[ ]*>+")
_SPACES = re.compile(r"[^\S\n]+")
_LINE_BREAKS = re.compile(r"[ ]*\n[\s]*")
_DIGIT_RUN = re.compile(r"\d+")


def clean(text: str) -> str:
    """NFKC, ASCII digits, one kind of dash/quote, no markdown emphasis, one space; case and
    lines kept.

    Digits of any script become ASCII digits (and the Arabic decimal and thousands
    separators ``.`` and ``,``); dashes and minus signs (``−``, ``–``, ``—``, …) become
    ``-``; zero-width characters vanish; double quotes, guillemets, Japanese quote brackets
    and the markdown marks ``* _ # >`` become spaces; letter variants are folded
    (:func:`~llmvalues.instruments.lexicon.fold_letters`).
    """
    text = lexicon.to_ascii_digits(unicodedata.normalize("NFKC", text)).translate(_TRANSLATION)
    text = lexicon.fold_letters(_QUOTE_MARK.sub(" ", _BLOCKQUOTE.sub(" ", text)))
    return _LINE_BREAKS.sub("\n", _SPACES.sub(" ", text)).strip()


def normalise(text: str) -> str:
    """:func:`clean`, case-folded (line breaks kept): the form every phrase is matched in."""
    return clean(text).casefold()


def unreadable(text: str) -> str | None:
    """Why a reply cannot be read as written (bidirectional controls, marks on a symbol,
    a number written in two digit scripts)."""
    for i, char in enumerate(text):
        if char in _BIDI:
            return f"bidirectional control character U+{ord(char):04X} can reorder the answer"
        marked = i and text[i - 1].isascii() and text[i - 1].isalnum()
        if marked and unicodedata.category(char) in ("Mn", "Me"):
            return (
                f"combining mark U+{ord(char):04X} alters {text[i - 1]!r}; "
                "the character shown is not the one written"
            )
    for run in _DIGIT_RUN.finditer(text):
        zeros = {ord(d) - unicodedata.digit(d) for d in run.group(0)}
        if len(zeros) > 1:
            return f"the number {run.group(0)!r} mixes digits of two scripts"
    return None


_CJK_CHAR = re.compile(f"[{lexicon.CJK}]")
_BREAKS = frozenset(",;.:!?\n()\u3002\u3001")


def _without_last_word(text: str) -> str:
    """``text`` less its possibly incomplete last word: the run of characters after the last
    space; where that run holds Chinese characters or kana (no word breaks), its last clause
    ("…。10表" may have been "10表示…"), and nothing when it ends with punctuation."""
    start = len(text)
    while start and not text[start - 1].isspace():
        start -= 1
    if not _CJK_CHAR.search(text, start):
        return text[:start].rstrip()
    end = len(text)
    while end > start and text[end - 1] not in _BREAKS:
        end -= 1
    return text if end == len(text) else text[:end].rstrip()


@dataclass(frozen=True)
class Reply:
    """A reply prepared for parsing: normalised text (capped) and what was done to it."""

    text: str  # normalised (case-folded, lines kept)
    cased: str  # the same, case kept (for capital option letters)
    cut: bool  # cut off at the token limit or at MAX_REPLY_CHARS: a list may be incomplete
    notes: tuple[str, ...]  # recorded in every reason
    problem: str | None  # why the reply cannot be read at all
    language: str = "en"  # the language the item was asked in


def prepare(raw: str, truncated: bool = False, language: str = "en") -> Reply:
    """Cap, check and normalise a reply; a cut-off reply loses its possibly cut last word."""
    notes = []
    if truncated:
        notes.append("the reply was cut off at the token limit (finish_reason 'length')")
    if len(raw) > MAX_REPLY_CHARS:
        notes.append(f"only its first {MAX_REPLY_CHARS:,} of {len(raw):,} characters were parsed")
        raw = raw[:MAX_REPLY_CHARS]
    cut = bool(notes)
    composed = unicodedata.normalize("NFKC", raw)
    cased = clean(composed)
    if cut and raw and not raw[-1].isspace():
        cased = _without_last_word(cased)
        notes.append("its last word, possibly incomplete, was ignored")
    return Reply(
        cased.casefold(), cased, cut, tuple(notes), unreadable(composed), check_language(language)
    )


def phrases_regex(phrases: Iterable[str]) -> str:
    """Literal phrases (normalised as replies are) as one whole-word alternation."""
    return lexicon.phrase_regex(normalise(p) for p in phrases)


# ---------------------------------------------------------------- refusals

_REFUSAL = (
    r"\bas an? (?:ai|a\.i\.|artificial intelligence|language model|large language model|llm"
    r"|assistant|chatbot|machine)\b"
    r"|\bi(?:'m| am) (?:just |only )?an? (?:ai|language model|assistant|machine|chatbot|program)\b"
    r"|\bi (?:do not|don't|cannot|can't|am unable to|am not able to|won't|will not)"
    r" (?:have|hold|possess|express|provide|share|answer|give|respond|choose|pick|form|rate|make)"
    r"(?: (?:personal|any|a|my own))? ?(?:opinions?|beliefs?|feelings?|preferences?|views?"
    r"|nationality|religion|life|children|experiences?|emotions?|answers?|responses?|choices?"
    r"|ratings?|scores?|this|that|such)?\b"
    r"|\b(?:cannot|can't|unable to|not able to) (?:answer|respond|provide|comply|assist)\b"
    r"|\bnot (?:able|appropriate|possible) (?:to|for me)\b"
    r"|\bi(?:'d| would) (?:rather|prefer) not\b"
    r"|\bno personal (?:opinions?|beliefs?|feelings?|views?|preferences?|experiences?)\b"
    r"|\bi (?:must|have to) (?:decline|refrain)\b"
)

# ---------------------------------------------------------------- hedges

_HEDGE = (
    r"\b(?:or|either|neither|between|maybe|perhaps|possibly|probably|presumably|somewhere"
    r"|approximately|roughly|unsure|uncertain|undecided|torn|depends|depending|versus|vs"
    r"|kind of|sort of|no wait|wait|or rather|i mean|and/or|hard to say|difficult to say"
    r"|can't decide|cannot decide|can't say|cannot say|don't know|do not know"
    r"|not (?:\S+ )?sure|mixed feelings|fifty-fifty|50/50|50-50)\b"
    r"|\b(?:about|around|nearly|almost|close to|at least|at most|more than|less than) \d"
    rf"|{lexicon.LETTER_BEFORE}(?<![\d.])(?:\d+|[a-z])\s*\?"
    r"|~\s*\d"
)

# ---------------------------------------------------------------- negations

NEGATORS = (
    r"not|no|never|neither|nor|hardly|barely|without|except|excluding|unlike|than|less"
    r"|instead of|rather than|other than|apart from|\w+n't"
)
_CLAUSE_END = (
    r"[,;.:!?\n()\u3002\u3001\u0964\u061f\u061b]"
    r"|\b(?:but|however|although|though|while|whereas)\b"
)
NEGATION_WINDOW = 120  # characters looked at beside a mention for a negation in its clause


@dataclass(frozen=True)
class Words:
    """How replies to an item asked in one language are read: refusals, hedges, negations,
    clause breaks (English's patterns with the language's words added)."""

    language: str
    refusal: re.Pattern
    hedge: re.Pattern
    negator: re.Pattern  # group "neg" is a negation; a match without it is a word to skip
    clause_end: re.Pattern
    both_sides: bool  # a negation may follow what it negates ("7 नहीं", "重要ではない")


@cache
def words(language: str = "en") -> Words:
    """The compiled reading words of ``language`` (cached)."""
    extra = {kind: lexicon.words(language, kind) for kind in lexicon.WORD_KINDS}

    def joined(base: str, kind: str) -> str:
        return f"{base}|{phrases_regex(extra[kind])}" if extra[kind] else base

    skip = phrases_regex(extra["not_negations"]) if extra["not_negations"] else "(?!)"
    negations = joined(f"\\b(?:{NEGATORS})\\b", "negations")
    return Words(
        language=language,
        refusal=re.compile(joined(_REFUSAL, "refusals")),
        hedge=re.compile(joined(_HEDGE, "hedges")),
        negator=re.compile(f"(?:{skip})|(?P<neg>{negations})"),
        clause_end=re.compile(joined(_CLAUSE_END, "clause_breaks")),
        both_sides=language != "en",
    )


def refuses(text: str, language: str = "en") -> bool:
    """Does a normalised reply decline or disclaim (as an AI …)?"""
    return bool(words(language).refusal.search(text))


def is_refusal(text: str, language: str = "en") -> bool:
    """Does the reply decline to answer or disclaim having an answer (as an AI …)?

    Read in ``language`` (and English).
    """
    return refuses(normalise(text[:MAX_REPLY_CHARS]), language)


def hedge(text: str, language: str = "en") -> str | None:
    """The first hedge in a normalised reply ("or", "maybe", "no wait", "7?", …), if any."""
    found = words(language).hedge.search(text)
    return found.group(0).strip() if found else None


def negators(text: str, language: str = "en", start: int = 0, end: int | None = None) -> Iterator:
    """Every negation of a normalised text (between ``start`` and ``end``)."""
    span = (start,) if end is None else (start, end)
    return (m for m in words(language).negator.finditer(text, *span) if m.group("neg"))


class Clauses:
    """Clause boundaries of a normalised text, to scope a negation to its own clause.

    In English a negation scopes what follows it ("not 7"); in the other languages also what
    precedes it in its clause ("7 नहीं", "7ではない", "7, pas du tout"), so there the whole
    clause is looked at (within :data:`NEGATION_WINDOW` characters on each side).
    """

    def __init__(self, text: str, language: str = "en", masked: str | None = None):
        self.text = text
        self.language = language
        self.masked = text if masked is None else masked
        self._ends = [m.end() for m in words(language).clause_end.finditer(text)]
        self._breaks = [m.start() for m in words(language).clause_end.finditer(text)]

    def start(self, position: int) -> int:
        """Where the clause holding ``position`` begins (bounded by the negation window)."""
        i = bisect_left(self._ends, position + 1) - 1
        begin = self._ends[i] if i >= 0 else 0
        return max(begin, position - NEGATION_WINDOW)

    def end(self, position: int) -> int:
        """Where the clause holding ``position`` ends (bounded by the negation window)."""
        i = bisect_left(self._breaks, position)
        finish = self._breaks[i] if i < len(self._breaks) else len(self.text)
        return min(finish, position + NEGATION_WINDOW)

    def masking(self, spans: Iterable[tuple[int, int]]) -> Clauses:
        """The same clauses, with the negations inside ``spans`` (labels, names) not counted."""
        chars = list(self.masked)
        for begin, finish in spans:
            chars[begin:finish] = " " * (finish - begin)
        return Clauses(self.text, self.language, "".join(chars))

    def negated(self, start: int, end: int | None = None) -> bool:
        """Is there a negation in the clause before ``start`` (or, outside English, after
        ``end``, the end of what is negated)?"""
        if next(negators(self.masked, self.language, self.start(start), start), None):
            return True
        if end is None or not words(self.language).both_sides:
            return False
        return bool(next(negators(self.masked, self.language, end, self.end(end)), None))
