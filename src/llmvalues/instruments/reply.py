"""Reading a reply's text before it is parsed: the cap, normalisation, hedges, negations.

Everything here runs in time linear in the reply: a reply is cut to
:data:`MAX_REPLY_CHARS` characters before anything else happens (the cut is recorded),
the patterns have no nested quantifiers, and a negation is looked for in a bounded window
before each mention instead of in the whole text before it.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass

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
    **dict.fromkeys(map(ord, "*_#\u2022\u00b7"), " "),
    ord("\t"): " ",
    ord("\r"): "\n",
}
_QUOTE_MARK = re.compile(r"(?<![A-Za-z])'|'(?![A-Za-z])")
_BLOCKQUOTE = re.compile(r"(?m)^[ ]*>+")
_SPACES = re.compile(r"[^\S\n]+")
_LINE_BREAKS = re.compile(r"[ ]*\n[\s]*")


def clean(text: str) -> str:
    """NFKC, one kind of dash/quote, no markdown emphasis, one space; case and lines kept.

    Dashes and minus signs (``−``, ``–``, ``—``, …) become ``-``; zero-width characters
    vanish; double quotes, guillemets and the markdown marks ``* _ # >`` become spaces.
    """
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATION)
    text = _QUOTE_MARK.sub(" ", _BLOCKQUOTE.sub(" ", text))
    return _LINE_BREAKS.sub("\n", _SPACES.sub(" ", text)).strip()


def normalise(text: str) -> str:
    """:func:`clean`, lower-cased (line breaks kept)."""
    return clean(text).lower()


def unreadable(text: str) -> str | None:
    """Why a reply cannot be read as written (bidirectional controls, marks on a symbol)."""
    for i, char in enumerate(text):
        if char in _BIDI:
            return f"bidirectional control character U+{ord(char):04X} can reorder the answer"
        marked = i and text[i - 1].isascii() and text[i - 1].isalnum()
        if marked and unicodedata.category(char) in ("Mn", "Me"):
            return (
                f"combining mark U+{ord(char):04X} alters {text[i - 1]!r}; "
                "the character shown is not the one written"
            )
    return None


@dataclass(frozen=True)
class Reply:
    """A reply prepared for parsing: normalised text (capped) and what was done to it."""

    text: str  # normalised (lower case, lines kept)
    cased: str  # the same, case kept (for capital option letters)
    cut: bool  # cut off at the token limit or at MAX_REPLY_CHARS: a list may be incomplete
    notes: tuple[str, ...]  # recorded in every reason
    problem: str | None  # why the reply cannot be read at all


def prepare(raw: str, truncated: bool = False) -> Reply:
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
        cased = cased[: max(cased.rfind(" "), cased.rfind("\n"), 0)].rstrip()
        notes.append("its last word, possibly incomplete, was ignored")
    return Reply(cased.lower(), cased, cut, tuple(notes), unreadable(composed))


# ---------------------------------------------------------------- refusals

_REFUSAL = re.compile(
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


def refuses(text: str) -> bool:
    """Does a normalised reply decline or disclaim (as an AI …)?"""
    return bool(_REFUSAL.search(text))


def is_refusal(text: str) -> bool:
    """Does the reply decline to answer or disclaim having an answer (as an AI …)?"""
    return refuses(normalise(text[:MAX_REPLY_CHARS]))


# ---------------------------------------------------------------- hedges

_HEDGE = re.compile(
    r"\b(?:or|either|neither|between|maybe|perhaps|possibly|probably|presumably|somewhere"
    r"|approximately|roughly|unsure|uncertain|undecided|torn|depends|depending|versus|vs"
    r"|kind of|sort of|no wait|wait|or rather|i mean|and/or|hard to say|difficult to say"
    r"|can't decide|cannot decide|can't say|cannot say|don't know|do not know"
    r"|not (?:\S+ )?sure|mixed feelings|fifty-fifty|50/50|50-50)\b"
    r"|\b(?:about|around|nearly|almost|close to|at least|at most|more than|less than) \d"
    r"|(?<![\w.])(?:\d+|[a-z])\s*\?"
    r"|~\s*\d"
)


def hedge(text: str) -> str | None:
    """The first hedge in a normalised reply ("or", "maybe", "no wait", "7?", …), if any."""
    found = _HEDGE.search(text)
    return found.group(0).strip() if found else None


# ---------------------------------------------------------------- negations

NEGATORS = (
    r"not|no|never|neither|nor|hardly|barely|without|except|excluding|unlike|than|less"
    r"|instead of|rather than|other than|apart from|\w+n't"
)
_NEGATOR = re.compile(rf"\b(?:{NEGATORS})\b")
_CLAUSE_END = re.compile(r"[,;.:!?\n()]|\b(?:but|however|although|though|while|whereas)\b")
NEGATION_WINDOW = 120  # characters looked back for a negation in the same clause


class Clauses:
    """Clause boundaries of a normalised text, to scope a negation to its own clause."""

    def __init__(self, text: str):
        self.text = text
        self._ends = [m.end() for m in _CLAUSE_END.finditer(text)]

    def start(self, position: int) -> int:
        """Where the clause holding ``position`` begins (bounded by the negation window)."""
        i = bisect_left(self._ends, position + 1) - 1
        begin = self._ends[i] if i >= 0 else 0
        return max(begin, position - NEGATION_WINDOW)

    def negated(self, start: int) -> bool:
        """Is there a negation between the clause start and ``start``?"""
        return bool(_NEGATOR.search(self.text, self.start(start), start))


def negators(text: str) -> Iterator[re.Match]:
    """Every negation word of a normalised text."""
    return _NEGATOR.finditer(text)
