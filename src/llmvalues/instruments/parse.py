"""Free-text answers → raw IVS codes, or a recorded status with a reason (never a guess).

One parser per item kind: numeric/labelled scales, lettered options, a multi-select list
of child qualities (Y003) and a ranked pair of national aims (Y002). Every parser returns
a :class:`Parsed`; anything that is not an unambiguous answer becomes ``refusal``,
``invalid`` or ``out_of_range`` with the reason in words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from llmvalues.instruments.items import Item
from llmvalues.instruments.recode import postmaterialist_index

OK, REFUSAL, INVALID, OUT_OF_RANGE, MISSING, ERROR = (
    "ok",
    "refusal",
    "invalid",
    "out_of_range",
    "missing",
    "error",
)
STATUSES = (OK, REFUSAL, INVALID, OUT_OF_RANGE, MISSING, ERROR)
K = TypeVar("K")


@dataclass(frozen=True)
class Parsed:
    """The outcome of parsing one reply: a raw code when ``status == "ok"``, else ``None``."""

    code: int | None
    status: str
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status == OK


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
    r"|\bi (?:must|have to) (?:decline|refrain)\b",
    re.IGNORECASE,
)

_NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
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
_WORD_ANSWER = re.compile(
    r"(?:^|\b(?:answer|score|rating|response|choice|choose|pick|say|give it|go with|select)"
    r"\s*(?:is|would be|:|-)?\s*(?:an?\s+)?)(" + "|".join(_NUMBER_WORDS) + r")\b"
)
_NEGATION = re.compile(r"(?:\bnot|n't|\bnever|\bno|\bexcept|\bexcluding|\bwithout)\s+(?:\w+\s+)?$")

# Written-out labels beyond the item's own label text, keyed by (item, raw code).
_SYNONYMS: dict[str, dict[int, tuple[str, ...]]] = {
    "g006": {
        1: ("very proud", "extremely proud"),
        2: ("quite proud", "fairly proud", "somewhat proud", "rather proud"),
        3: ("not very proud",),
        4: ("not at all proud", "not proud at all"),
    },
    "a008": {
        1: ("very happy",),
        2: ("quite happy", "fairly happy", "rather happy", "somewhat happy"),
        3: ("not very happy",),
        4: ("not at all happy", "not happy at all"),
    },
    "e018": {
        1: ("a good thing", "good thing"),
        2: ("don't mind", "do not mind", "wouldn't mind", "would not mind", "indifferent"),
        3: ("a bad thing", "bad thing"),
    },
    "e025": {
        1: ("have done", "have signed", "i signed", "already signed", "have already signed"),
        2: ("might do", "might sign", "could sign", "would consider", "might consider"),
        3: ("would never", "never sign", "never do it", "never under any"),
    },
    "a165": {
        1: ("most people can be trusted", "can be trusted"),
        2: ("very careful", "need to be careful", "be careful", "can't be too careful"),
    },
}

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
    "order": (r"maintain(?:ing)? order", r"order in the nation", r"law and order", r"\border\b"),
    "say": (r"more say", r"giving people (?:more )?say", r"say in (?:important )?government"),
    "prices": (
        r"(?:fight(?:ing)? )?rising prices",
        r"fight(?:ing)? (?:rising )?prices",
        r"inflation",
    ),
    "speech": (r"freedom of speech", r"free speech", r"protect(?:ing)? (?:the )?freedom"),
}


def normalise(text: str) -> str:
    """Lower-case, unify quotes/dashes, drop markdown emphasis and collapse whitespace."""
    text = unicodedata.normalize("NFKC", text)
    for old, new in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("–", "-"), ("—", "-")):
        text = text.replace(old, new)
    text = re.sub(r"[*_`#]+", "", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def is_refusal(text: str) -> bool:
    """Does the reply decline to answer or disclaim having an answer (as an AI …)?"""
    return bool(_REFUSAL.search(normalise(text)))


def _no_answer(text: str, what: str) -> Parsed:
    if is_refusal(text):
        return Parsed(None, REFUSAL, f"declined or disclaimed instead of giving {what}")
    return Parsed(None, INVALID, f"no {what} found in the reply")


def _finish(code: int, text: str, detail: str = "") -> Parsed:
    note = detail
    if is_refusal(text):
        note = (detail + "; " if detail else "") + "answer given after a disclaimer"
    return Parsed(code, OK, note)


def _find_phrases(text: str, patterns: Mapping[K, tuple[str, ...]]) -> list[tuple[int, K]]:
    """(position, key) of non-negated whole-word regex matches, longest first, no overlaps."""
    ranked = sorted(
        ((p, key) for key, ps in patterns.items() for p in ps), key=lambda t: -len(t[0])
    )
    taken = [False] * len(text)
    found = []
    for phrase, code in ranked:
        for m in re.finditer(r"(?<![a-z])" + phrase + r"(?![a-z])", text):
            if any(taken[m.start() : m.end()]):
                continue
            if _NEGATION.search(text[: m.start()]) and not phrase.startswith(("not", "never")):
                continue
            taken[m.start() : m.end()] = [True] * (m.end() - m.start())
            found.append((m.start(), code))
    return sorted(found)


def _settle(
    item: Item, text: str, code: int | None, token: str, label_codes: list[int], what: str
) -> Parsed:
    """One answer from a shown token (number, letter) and the labels written: they must agree.

    With no token, a single written label is the answer; ``what`` names what was missing.
    """
    if code is not None:
        if label_codes and label_codes != [code]:
            return Parsed(None, INVALID, f"{token} contradicts the label written ({label_codes})")
        return _finish(code, text)
    if len(label_codes) == 1:
        return _finish(label_codes[0], text, f"label written out: {item.labels[label_codes[0]]}")
    if len(label_codes) > 1:
        return Parsed(None, INVALID, f"several answer labels ({label_codes}); no single answer")
    return _no_answer(text, what)


def _label_phrases(item: Item) -> dict[int, tuple[str, ...]]:
    phrases = {code: (label.lower(),) for code, label in item.labels.items()}
    for code, extra in _SYNONYMS.get(item.code, {}).items():
        phrases[code] = tuple(dict.fromkeys(phrases.get(code, ()) + extra))
    return {code: tuple(re.escape(p) for p in ps) for code, ps in phrases.items()}


# ---------------------------------------------------------------- numeric / labelled scales

_FRACTION = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(?:/|out of)\s*(\d+)(?![\d.])")
_RANGE = re.compile(r"(?<![\d.])(\d+)\s*(?:-|to)\s*(\d+)(?![\d.])")
_MEANS = re.compile(
    r"(?<![\d.])\d+\s*(?:means|meaning|being|represents|stands for|=|is (?:very|not|never|always|a))\b"
)
_NUMBER = re.compile(r"(?<![\w.])(-?\d+(?:\.\d+)?)(?![\w]|\.\d)")


def _scale_numbers(text: str, item: Item, shown_high: int) -> tuple[list[float], str | None]:
    """Numbers a reply offers as its answer, with scale echoes removed; or an invalid reason."""
    problem = None

    def fraction(m: re.Match) -> str:
        nonlocal problem
        if int(m.group(2)) != shown_high:
            problem = (
                f"'{m.group(0)}' is a fraction of another scale (this one ends at {shown_high})"
            )
        return f" {m.group(1)} "

    def scale_range(m: re.Match) -> str:
        nonlocal problem
        low, high = int(m.group(1)), int(m.group(2))
        if (low, high) in ((item.lowest, item.highest), (1, shown_high)):
            return " "
        problem = f"'{m.group(0)}' gives a range, not one answer"
        return " "

    text = _MEANS.sub(" ", text)
    text = _FRACTION.sub(fraction, text)
    text = _RANGE.sub(scale_range, text)
    numbers = [float(n) for n in _NUMBER.findall(text)]
    if not numbers:
        m = _WORD_ANSWER.search(text)
        if m and (m.group(1) != "one" or len(text.split()) <= 4):
            numbers = [float(_NUMBER_WORDS[m.group(1)])]
    return numbers, problem


def parse_scale(item: Item, text: str, option_map: Mapping[str, int] | None = None) -> Parsed:
    """A number on the item's scale (or its written-out label) → raw code.

    ``option_map`` maps the number shown to the respondent to the raw code when options
    were presented in a permuted order; by default the number is the raw code.
    """
    norm = normalise(text)
    if not norm:
        return Parsed(None, INVALID, "empty reply")
    mapping = {int(k): v for k, v in (option_map or {}).items()} or {c: c for c in item.codes}
    shown_high = max(mapping)
    numbers, problem = _scale_numbers(norm, item, shown_high)
    if problem:
        return Parsed(None, INVALID, problem)
    fully_labelled = len(item.labels) == item.n_categories
    label_hits = _find_phrases(norm, _label_phrases(item))
    label_codes = sorted({code for _, code in label_hits})
    distinct = sorted(set(numbers))
    if len(distinct) > 1:
        listed = ", ".join(f"{n:g}" for n in distinct)
        return Parsed(None, INVALID, f"several numbers ({listed}); no single answer")
    if distinct:
        value = distinct[0]
        if value != int(value):
            return Parsed(None, INVALID, f"{value:g} is not a point of the scale")
        if int(value) not in mapping:
            low, high = min(mapping), max(mapping)
            return Parsed(None, OUT_OF_RANGE, f"{value:g} is outside the scale {low}–{high}")
        # end-point labels ("very important") never overrule a number on a 1-10 scale
        checked = label_codes if fully_labelled else []
        return _settle(item, text, mapping[int(value)], f"number {value:g}", checked, "")
    return _settle(item, text, None, "", label_codes, "number on the scale")


# ---------------------------------------------------------------- lettered options

_LETTER_CUE = re.compile(
    r"\b(?:option|answer|choice|response|letter|choose|pick|select|go with)\s*(?:is|would be|:|-)?"
    r"\s*\(?([a-z])\)?(?![a-z'])"
)
_LEADING_LETTER = re.compile(r"^\(?([a-z])\s*(?:[.:)\]]|-\s|$)")
_PAREN_LETTER = re.compile(r"\(([a-z])\)")
_CONJUNCTIONS = frozenset({"or", "and", "nor", "vs", "then", "but"})


def parse_options(item: Item, text: str, option_map: Mapping[str, int] | None = None) -> Parsed:
    """An option letter (A, B, …) or its written-out label → raw code.

    Letters count only as standalone tokens ("B", "(b)", "Option B", "B."), never inside
    words or as the article "a" — the published scripts' ``"A" in text`` did not make that
    distinction.
    """
    norm = normalise(text)
    if not norm:
        return Parsed(None, INVALID, "empty reply")
    mapping = {k.upper(): v for k, v in (option_map or {}).items()} or {
        shown: raw for shown, raw, _ in item.option_lines()
    }
    letters: list[str] = []
    bare = re.sub(r"[^a-z]", "", norm)
    if len(bare) == 1:
        letters.append(bare)
    else:
        for pattern in (_LETTER_CUE, _LEADING_LETTER, _PAREN_LETTER):
            letters += [m.group(1) for m in pattern.finditer(norm)]
        original = unicodedata.normalize("NFKC", text)
        for m in re.finditer(r"(?<![A-Za-z'’])([A-Z])(?![A-Za-z'’])", original):
            letter = m.group(1)
            following = re.match(r"\s+([a-z]+)", original[m.end() :])
            article = letter in "AI" and following and following.group(1) not in _CONJUNCTIONS
            if not article and letter != "I":
                letters.append(letter.lower())
    shown = sorted({letter.upper() for letter in letters})
    unknown = [s for s in shown if s not in mapping]
    label_codes = sorted({code for _, code in _find_phrases(norm, _label_phrases(item))})
    if unknown and not [s for s in shown if s in mapping]:
        valid = ", ".join(sorted(mapping))
        return Parsed(None, OUT_OF_RANGE, f"option {'/'.join(unknown)} does not exist ({valid})")
    shown = [s for s in shown if s in mapping]
    if len(shown) > 1:
        return Parsed(None, INVALID, f"several options ({', '.join(shown)}); no single answer")
    if shown:
        return _settle(item, text, mapping[shown[0]], f"option {shown[0]}", label_codes, "")
    return _settle(item, text, None, "", label_codes, "option letter")


# ---------------------------------------------------------------- multi-select (Y003)


def _numbered_choices(norm: str, item: Item, option_map: Mapping[str, int] | None) -> list[str]:
    """Choices given by their listed number ("2, 8, 11"), mapped through the shown order."""
    if re.search(r"[a-z]{3,}", norm):
        return []
    mapping = {int(k): v for k, v in (option_map or {}).items()} or {
        int(shown): raw for shown, raw, _ in item.option_lines()
    }
    keys = []
    for n in re.findall(r"(?<![\d.])\d+(?![\d.])", norm):
        position = mapping.get(int(n))
        keys.append(item.choices[position - 1].key if position else f"#{n}")
    return keys


def parse_qualities(item: Item, text: str, option_map: Mapping[str, int] | None = None) -> Parsed:
    """Child qualities chosen → Y003 autonomy index in −2..2."""
    norm = normalise(text)
    if not norm:
        return Parsed(None, INVALID, "empty reply")
    chosen = list(dict.fromkeys(key for _, key in _find_phrases(norm, _QUALITY_PATTERNS)))
    if not chosen:
        chosen = list(dict.fromkeys(_numbered_choices(norm, item, option_map)))
        unknown = [k for k in chosen if k.startswith("#")]
        if unknown:
            n = len(item.choices)
            return Parsed(None, OUT_OF_RANGE, f"quality number {unknown} not in the list 1–{n}")
    if not chosen:
        return _no_answer(text, "quality from the list")
    limit = item.max_choices or len(item.choices)
    if len(chosen) > limit:
        return Parsed(
            None,
            INVALID,
            f"{len(chosen)} qualities named, at most {limit} allowed (the reply may echo the list)",
        )
    scores = {c.key: c.score for c in item.choices}
    return _finish(sum(scores[k] for k in chosen), text, "chose: " + ", ".join(chosen))


# ---------------------------------------------------------------- ranked pair (Y002)


def parse_aims(item: Item, text: str, option_map: Mapping[str, int] | None = None) -> Parsed:
    """First and second national aims (numbers or names) → Y002 index 1/2/3."""
    norm = normalise(text)
    if not norm:
        return Parsed(None, INVALID, "empty reply")
    keys = [c.key for c in item.choices]
    aims = list(dict.fromkeys(key for _, key in _find_phrases(norm, _AIM_PATTERNS)))
    if not aims:
        mapping = {int(k): v for k, v in (option_map or {}).items()} or {
            i + 1: i + 1 for i in range(len(keys))
        }
        numbers = [int(n) for n in re.findall(r"(?<![\d.])\d+(?![\d.])", norm)]
        outside = [n for n in numbers if n not in mapping]
        if outside:
            return Parsed(None, OUT_OF_RANGE, f"aim number {outside} not in the list 1–{len(keys)}")
        aims = list(dict.fromkeys(keys[mapping[n] - 1] for n in numbers))
    if not aims:
        return _no_answer(text, "pair of aims")
    if len(aims) != 2:
        return Parsed(None, INVALID, f"needs exactly two different aims, found {aims}")
    first, second = (keys.index(a) + 1 for a in aims)
    return _finish(postmaterialist_index(first, second), text, f"first={aims[0]}, second={aims[1]}")


_PARSERS = {
    "scale": parse_scale,
    "options": parse_options,
    "qualities": parse_qualities,
    "aims": parse_aims,
}


def parse_answer(
    item: Item, text: str | None, option_map: Mapping[str, int] | None = None
) -> Parsed:
    """Parse one reply to ``item``; ``option_map`` maps shown labels to raw codes/positions."""
    if text is None:
        return Parsed(None, MISSING, "no reply")
    return _PARSERS[item.kind](item, text, option_map)
