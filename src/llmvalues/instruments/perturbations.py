"""Perturbations of how an item is asked, as survey methodologists vary it; seeded and recorded.

Each perturbation is a function ``(item, wording, seed, *, order, …) → Presented``: the
item as shown (its options' scheme), the wording (with ``{options}`` still in it), the
order of the options (raw codes, first shown first; ``None`` = the item's own order) and
a record of what was done (name, seed, parameters, whether it applied and why not). The
parser reads a reply through ``Presented.option_map`` (shown number or letter → raw code),
so the codes stay right however the options were shown.

======================  ==============================================================
``typo:RATE``           keyboard-neighbour swaps, letter swaps and deletions at a rate
                        per letter, in the question only (never the options, numbers,
                        answer labels or the reply instruction)
``synonyms:RATE``       synonym swaps in the question from a hand-written table (English)
``reverse``             the scale runs the other way: listed options in reverse order, or
                        the end labels of a 1–10 scale swapped (1 now means the top)
``labels:SCHEME``       options shown with ``numbers``, ``letters`` or their words alone
                        (``labels``), the reply instruction rewritten to match
``format:LEVEL``        the reply instruction ``terse`` or ``free`` ("explain briefly, then
                        give your answer on the last line")
``shuffle``             the listed options in a seeded random order
``persona:PLACE``       the respondent descriptor in the ``system`` or the ``user`` message
======================  ==============================================================

A *condition* is a tuple of perturbations applied together (``"typo:0.05+reverse"``);
``"none"`` is the empty condition. :func:`parse_perturbations` reads the command-line
form (``"none,typo:0.05,reverse"``) into a list of conditions, the levels of a factor.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Any

from llmvalues.instruments.items import Item
from llmvalues.instruments.languages import (
    ANSWER_FORMATS,
    LANGUAGES,
    answer_format,
    find_instruction,
)
from llmvalues.instruments.variants import option_order, permutable

SCHEMES = ("numbers", "letters", "labels")
PLACES = ("system", "user")
_FORM_OF_SCHEME = {"numbers": "number", "letters": "letter", "labels": "label"}


@cache
def _data() -> dict[str, Any]:
    path = resources.files("llmvalues.instruments.data").joinpath("perturbations.json")
    return json.loads(path.read_text(encoding="utf-8"))


def synonym_languages() -> tuple[str, ...]:
    """Languages with a synonym table (English only for now)."""
    return tuple(_data()["synonyms"])


def keyboard_languages() -> tuple[str, ...]:
    """Languages with a keyboard layout for neighbour typos (others get swaps and deletions)."""
    return tuple(_data()["keyboard_of"])


@dataclass(frozen=True)
class Presented:
    """An item as presented after perturbations: what the respondent sees and how to read it.

    ``order`` lists raw codes (choice positions for multi-select items) in the order shown;
    ``None`` is the item's own order. ``records`` holds one record per perturbation applied.
    """

    item: Item
    wording: str
    order: tuple[int, ...] | None = None
    records: tuple[dict[str, Any], ...] = ()
    persona_in: str | None = None

    @property
    def option_map(self) -> dict[str, int]:
        """Shown number or letter → raw code (by position when options are shown as words)."""
        return self.item.option_map(self.order)

    @property
    def record(self) -> dict[str, Any]:
        """The record of the last perturbation applied."""
        return self.records[-1]

    def render(self) -> str:
        """The question text with its options listed."""
        return self.item.render(self.wording, self.order)


def _done(
    item: Item,
    wording: str,
    order: tuple[int, ...] | None,
    record: dict[str, Any],
    persona_in: str | None = None,
) -> Presented:
    return Presented(item, wording, order, (record,), persona_in)


def _not_applied(item, wording, order, name: str, seed: int, why: str, **params) -> Presented:
    return _done(
        item,
        wording,
        order,
        {"name": name, "seed": seed, **params, "applied": False, "reason": why},
    )


def _split(wording: str, language: str) -> tuple[str, str]:
    """(question, reply instruction with what separates it) of a wording."""
    found = find_instruction(wording, language)
    if found is None:
        return wording, ""
    return found.body, wording[len(found.body) :]


def _protected(text: str, item: Item) -> list[bool]:
    """Characters a perturbation must not touch: placeholders, digits and their neighbours,
    labels, option letters."""
    mask = [False] * len(text)

    def protect(start: int, end: int) -> None:
        mask[start:end] = [True] * (end - start)

    for m in re.finditer(r"\{[^}]*\}|(?<![A-Za-z])[A-Z](?![A-Za-z])", text):
        protect(m.start(), m.end())
    for i, ch in enumerate(text):
        if unicodedata.category(ch) == "Nd":  # a digit, and what touches it ("1到10")
            protect(max(i - 1, 0), i + 2)
    for phrase in [*item.labels.values(), *(c.label for c in item.choices)]:
        for m in re.finditer(re.escape(phrase), text, re.IGNORECASE):
            protect(m.start(), m.end())
    return mask


# ---------------------------------------------------------------- typos


def _graphemes(text: str) -> list[tuple[int, int]]:
    """(start, end) of each base character with the combining marks that follow it."""
    spans, i = [], 0
    while i < len(text):
        j = i + 1
        while j < len(text) and unicodedata.category(text[j]).startswith("M"):
            j += 1
        spans.append((i, j))
        i = j
    return spans


@cache
def _neighbours(language: str) -> dict[str, str]:
    layout = _data()["keyboard_of"].get(language)
    if layout is None:
        return {}
    rows = _data()["keyboards"][layout]
    out: dict[str, str] = {}
    for r, row in enumerate(rows):
        for i, ch in enumerate(row):
            near = [row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)]
            if r > 0:
                near += [rows[r - 1][j] for j in (i, i + 1) if j < len(rows[r - 1])]
            if r + 1 < len(rows):
                near += [rows[r + 1][j] for j in (i - 1, i) if 0 <= j < len(rows[r + 1])]
            out[ch] = "".join(near)
    return out


def typos(
    item: Item,
    wording: str,
    seed: int,
    *,
    rate: float = 0.05,
    order: tuple[int, ...] | None = None,
) -> Presented:
    """Keyboard noise in the question: each letter is hit with probability ``rate``.

    A hit letter is replaced by a neighbour on the language's keyboard (where the lexicon
    has a layout: :func:`keyboard_languages`), swapped with the next letter, or deleted,
    chosen at random. Options, digits, answer labels, option letters, ``{…}`` placeholders
    and the reply instruction are never touched. Letters are grapheme clusters (a letter
    with its combining marks), so Devanagari vowel signs move with their consonant.
    """
    if not 0 <= rate <= 1:
        raise ValueError(f"typo rate must be in [0, 1], got {rate}")
    body, tail = _split(wording, item.language)
    mask = _protected(body, item)
    spans = _graphemes(body)
    units = [body[s:e] for s, e in spans]
    free = [unicodedata.category(body[s]).startswith("L") and not any(mask[s:e]) for s, e in spans]
    keys = _neighbours(item.language)
    rng = random.Random(seed)
    counts = {"keyboard": 0, "swap": 0, "delete": 0}
    i = 0
    while i < len(units):
        if free[i] and rng.random() < rate:
            base = units[i][0]
            ops = ["delete"]
            if keys.get(base.lower()):
                ops.append("keyboard")
            if i + 1 < len(units) and free[i + 1] and units[i + 1] != units[i]:
                ops.append("swap")
            op = rng.choice(ops)
            counts[op] += 1
            if op == "keyboard":
                new = rng.choice(keys[base.lower()])
                units[i] = (new.upper() if base.isupper() else new) + units[i][1:]
            elif op == "swap":
                units[i], units[i + 1] = units[i + 1], units[i]
                i += 1
            else:
                units[i] = ""
        i += 1
    record = {
        "name": "typo",
        "seed": seed,
        "rate": rate,
        "applied": True,
        "edits": sum(counts.values()),
        **counts,
    }
    return _done(item, "".join(units) + tail, order, record)


# ---------------------------------------------------------------- synonyms


def synonyms(
    item: Item,
    wording: str,
    seed: int,
    *,
    rate: float = 1.0,
    order: tuple[int, ...] | None = None,
) -> Presented:
    """Words of the question replaced by a synonym from the hand-written table, each with
    probability ``rate`` (answer labels, options and the reply instruction are kept).

    Raises ``ValueError`` in a language without a table (:func:`synonym_languages`).
    """
    table = _data()["synonyms"].get(item.language)
    if table is None:
        raise ValueError(
            f"no synonym table in language {item.language!r}; available: {synonym_languages()}"
        )
    if not 0 <= rate <= 1:
        raise ValueError(f"synonym rate must be in [0, 1], got {rate}")
    body, tail = _split(wording, item.language)
    mask = _protected(body, item)
    pattern = re.compile(
        r"(?<![\w-])("
        + "|".join(re.escape(k) for k in sorted(table, key=len, reverse=True))
        + r")(?![\w-])",
        re.IGNORECASE,
    )
    rng = random.Random(seed)
    swaps: list[str] = []

    def swap(m: re.Match) -> str:
        word = m.group(0)
        if any(mask[m.start() : m.end()]) or rng.random() >= rate:
            return word
        new = rng.choice(table[word.lower()])
        swaps.append(f"{word.lower()}→{new}")
        return new[0].upper() + new[1:] if word[0].isupper() else new

    text = pattern.sub(swap, body)
    record = {
        "name": "synonyms",
        "seed": seed,
        "rate": rate,
        "applied": True,
        "edits": len(swaps),
        "swaps": swaps,
    }
    return _done(item, text + tail, order, record)


# ---------------------------------------------------------------- scale direction


def reverse(
    item: Item, wording: str, seed: int, *, order: tuple[int, ...] | None = None
) -> Presented:
    """The scale shown the other way round, the raw codes mapped back through the option map.

    Listed options are shown in reverse order (number 1 / letter A now means the last raw
    code); a 1–10 scale whose ends are named in the question gets its end labels swapped
    ("1 means very important and 10 means not at all important"), so a reply "10" codes 1.
    Multi-select items, and wordings that do not name every label verbatim, are left as
    they are (the record says why).
    """
    if item.kind not in ("scale", "options"):
        return _not_applied(item, wording, order, "reverse", seed, f"{item.kind}: no scale")
    new_order = tuple(reversed(order or item.codes))
    if "{options}" in wording:
        return _done(
            item,
            wording,
            new_order,
            {"name": "reverse", "seed": seed, "applied": True, "listed": True},
        )
    codes = sorted(item.labels, key=lambda c: -len(item.labels[c]))  # longest label first
    opposite = {c: item.codes[len(item.codes) - 1 - item.codes.index(c)] for c in codes}
    pattern = re.compile("|".join(f"({re.escape(item.labels[c])})" for c in codes), re.I)
    shown: dict[int, str] = {}  # each label as the wording writes it (its case kept)
    for m in pattern.finditer(wording):
        shown.setdefault(codes[m.lastindex - 1], m.group(0))
    missing = sorted(set(codes) - set(shown))
    if missing or not codes or set(opposite.values()) != set(codes):
        why = f"the wording does not name the labels of codes {missing or codes} verbatim"
        return _not_applied(item, wording, order, "reverse", seed, why)
    text = pattern.sub(lambda m: shown[opposite[codes[m.lastindex - 1]]], wording)
    record = {"name": "reverse", "seed": seed, "applied": True, "listed": False}
    return _done(item, text, new_order, record)


# ---------------------------------------------------------------- how options are shown


def relabel(
    item: Item,
    wording: str,
    seed: int,
    *,
    scheme: str = "letters",
    order: tuple[int, ...] | None = None,
) -> Presented:
    """Listed options shown with ``numbers``, ``letters`` or their words alone (``labels``).

    The reply instruction is rewritten to ask for what is shown (the same sentence of the
    language's instruction family: "the number of your answer" → "the letter of your
    answer"). Applies to listed, fully labelled items only; the raw codes never change.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"labels scheme must be one of {SCHEMES}, got {scheme!r}")
    params = {"scheme": scheme}
    if not permutable(item, wording) or item.kind not in ("scale", "options"):
        return _not_applied(item, wording, order, "labels", seed, "lists no options", **params)
    if len(item.labels) != item.n_categories:
        return _not_applied(
            item, wording, order, "labels", seed, "not every option has a label", **params
        )
    current = "label" if item.labelled else ("letter" if item.letters else "number")
    target = _FORM_OF_SCHEME[scheme]
    if current == target:
        return _not_applied(
            item, wording, order, "labels", seed, f"already shows {scheme}", **params
        )
    found = find_instruction(wording, item.language)
    if found is None or target not in found.family:
        return _not_applied(
            item, wording, order, "labels", seed, "no known reply instruction to rewrite", **params
        )
    if scheme == "labels":
        shown = replace(item, labelled=True)
    else:
        letters = scheme == "letters"
        shown = replace(
            item, letters=letters, labelled=False, kind="options" if letters else "scale"
        )
    text = found.body + found.sep + found.family[target]
    return _done(shown, text, order, {"name": "labels", "seed": seed, **params, "applied": True})


def answer_instruction(
    item: Item,
    wording: str,
    seed: int,
    *,
    level: str = "terse",
    order: tuple[int, ...] | None = None,
) -> Presented:
    """The reply instruction replaced by the language's ``terse`` or ``free`` one."""
    if level not in ANSWER_FORMATS:
        raise ValueError(f"answer format must be one of {ANSWER_FORMATS}, got {level!r}")
    found = find_instruction(wording, item.language)
    if found is None:
        return _not_applied(
            item,
            wording,
            order,
            "format",
            seed,
            "no known reply instruction to rewrite",
            level=level,
        )
    text = found.replaced(answer_format(level, found.form, item.language), item.language)
    record = {"name": "format", "seed": seed, "level": level, "form": found.form, "applied": True}
    return _done(item, text, order, record)


def shuffle(
    item: Item, wording: str, seed: int, *, order: tuple[int, ...] | None = None
) -> Presented:
    """The listed options in a random order drawn from ``seed`` (cf. ``option_order``)."""
    if not permutable(item, wording):
        return _not_applied(item, wording, order, "shuffle", seed, "lists no options")
    return _done(
        item, wording, option_order(item, seed), {"name": "shuffle", "seed": seed, "applied": True}
    )


def persona_place(
    item: Item,
    wording: str,
    seed: int,
    *,
    place: str = "user",
    order: tuple[int, ...] | None = None,
) -> Presented:
    """The respondent descriptor in the ``system`` or the ``user`` message (the plan places it)."""
    if place not in PLACES:
        raise ValueError(f"persona place must be one of {PLACES}, got {place!r}")
    record = {"name": "persona", "seed": seed, "place": place, "applied": True}
    return _done(item, wording, order, record, persona_in=place)


# ---------------------------------------------------------------- registry and conditions


@dataclass(frozen=True)
class Spec:
    """A perturbation as data: its function, its one parameter and the column it records."""

    name: str
    function: Callable[..., Presented]
    parameter: str | None = None  # "rate" for the random ones (a probability in [0, 1])
    default: Any = None
    choices: tuple[str, ...] = ()  # the values a text parameter may take
    column: str | None = None  # the flat attribute column, with its value when not applied
    neutral: Any = None
    help: str = ""

    def read(self, text: str) -> Any:
        """A parameter value from its command-line text."""
        return float(text) if self.parameter == "rate" else text

    def check(self, value: Any) -> None:
        """Raise ``ValueError`` for a parameter value the perturbation does not take."""
        if self.parameter == "rate" and not 0 <= float(value) <= 1:
            raise ValueError(f"{self.name} rate must be in [0, 1], got {value}")
        if self.choices and value not in self.choices:
            raise ValueError(
                f"{self.name} {self.parameter} must be one of {self.choices}, got {value!r}"
            )


_SPECS = (
    Spec(
        "persona",
        persona_place,
        parameter="place",
        default="user",
        choices=PLACES,
        help="the descriptor in the system or the user message",
    ),
    Spec(
        "format",
        answer_instruction,
        parameter="level",
        default="terse",
        choices=ANSWER_FORMATS,
        column="answer_format",
        neutral="as worded",
        help="a terse or a free reply instruction",
    ),
    Spec(
        "labels",
        relabel,
        parameter="scheme",
        default="letters",
        choices=SCHEMES,
        help="listed options shown as numbers, letters or their words",
    ),
    Spec(
        "synonyms",
        synonyms,
        parameter="rate",
        default=1.0,
        column="synonyms",
        neutral=0.0,
        help="synonym swaps in the question (English)",
    ),
    Spec(
        "shuffle",
        shuffle,
        column="shuffle",
        neutral=False,
        help="listed options in a seeded random order",
    ),
    Spec("reverse", reverse, column="reverse", neutral=False, help="the scale runs the other way"),
    Spec(
        "typo",
        typos,
        parameter="rate",
        default=0.05,
        column="typo",
        neutral=0.0,
        help="keyboard-neighbour swaps, letter swaps and deletions",
    ),
)
PERTURBATIONS: dict[str, Spec] = {spec.name: spec for spec in _SPECS}
"""Every perturbation by name, in the order a condition applies them."""


@dataclass(frozen=True)
class Perturbation:
    """One perturbation with its parameter value (``Perturbation("typo", 0.05)``)."""

    name: str
    value: Any = None

    def __post_init__(self) -> None:
        if self.name not in PERTURBATIONS:
            raise ValueError(
                f"unknown perturbation {self.name!r}; available: {list(PERTURBATIONS)}"
            )
        spec = PERTURBATIONS[self.name]
        if spec.parameter is None and self.value is not None:
            raise ValueError(f"perturbation {self.name!r} takes no parameter, got {self.value!r}")
        if spec.parameter is not None and self.value is None:
            object.__setattr__(self, "value", spec.default)
        if spec.parameter is not None:
            spec.check(self.value)

    @property
    def label(self) -> str:
        """``name`` or ``name:value`` (the command-line form)."""
        if self.value is None:
            return self.name
        value = f"{self.value:g}" if isinstance(self.value, float) else str(self.value)
        return f"{self.name}:{value}"

    def apply(self, item: Item, wording: str, seed: int, order=None) -> Presented:
        """Run the perturbation on an item and wording."""
        spec = PERTURBATIONS[self.name]
        params = {spec.parameter: self.value} if spec.parameter else {}
        return spec.function(item, wording, seed, order=order, **params)


Condition = tuple[Perturbation, ...]


def _one(text: str) -> Perturbation:
    name, _, value = text.strip().partition(":")
    if name not in PERTURBATIONS:
        raise ValueError(f"unknown perturbation {name!r}; available: {list(PERTURBATIONS)}")
    spec = PERTURBATIONS[name]
    if not value:
        return Perturbation(name)
    if spec.parameter is None:
        raise ValueError(f"perturbation {name!r} takes no parameter, got {value!r}")
    try:
        parsed = spec.read(value)
    except ValueError:
        raise ValueError(
            f"perturbation {text.strip()!r}: {value!r} is not a valid {spec.parameter}"
        ) from None
    return Perturbation(name, parsed)


def as_condition(entry: str | Perturbation | Iterable[Perturbation | str]) -> Condition:
    """A condition from ``"none"``, ``"typo:0.05+reverse"``, a Perturbation or a sequence.

    The perturbations are put in their application order (:data:`PERTURBATIONS`); a
    name twice in one condition is refused.
    """
    if isinstance(entry, Perturbation):
        parts: list[Perturbation] = [entry]
    elif isinstance(entry, str):
        text = entry.strip()
        parts = [] if text in ("", "none") else [_one(p) for p in text.split("+")]
    else:
        parts = [p if isinstance(p, Perturbation) else _one(p) for p in entry]
    names = [p.name for p in parts]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise ValueError(f"perturbation {doubled[0]!r} appears twice in one condition")
    rank = list(PERTURBATIONS)
    return tuple(sorted(parts, key=lambda p: rank.index(p.name)))


def condition_label(condition: Condition) -> str:
    """``"none"`` or the perturbations' labels joined by ``+``."""
    return "+".join(p.label for p in condition) or "none"


def parse_perturbations(text: str) -> list[Condition]:
    """The command-line form → conditions: ``"none,typo:0.05,reverse+labels:letters"``.

    Commas separate the levels (conditions); ``+`` joins perturbations into one level;
    ``none`` is the unperturbed level. Raises ``ValueError`` naming the bad entry.
    """
    levels = [as_condition(part) for part in text.split(",") if part.strip()]
    labels = [condition_label(c) for c in levels]
    doubled = sorted({lab for lab in labels if labels.count(lab) > 1})
    if doubled:
        raise ValueError(f"perturbation level {doubled[0]!r} given twice")
    return levels


def parse_languages(text: str) -> tuple[str, ...]:
    """The command-line form → language codes: ``"zh,es"``; ``"all"`` gives every language."""
    if text.strip() == "all":
        return LANGUAGES
    codes = tuple(dict.fromkeys(c.strip() for c in text.split(",") if c.strip()))
    unknown = [c for c in codes if c not in LANGUAGES]
    if unknown or not codes:
        raise ValueError(
            f"unknown language {unknown[0] if unknown else text!r}; "
            f"available: {list(LANGUAGES)} or 'all'"
        )
    return codes


@dataclass(frozen=True)
class Perturbed(Presented):
    """:class:`Presented` after a whole condition, with the flat attribute columns."""

    columns: dict[str, Any] = field(default_factory=dict)


def perturb(
    item: Item,
    wording: str,
    condition: Condition,
    seed_of: Callable[[Perturbation], int],
    *,
    order: tuple[int, ...] | None = None,
    columns: Sequence[str] = (),
) -> Perturbed:
    """Apply a condition's perturbations in order; ``seed_of`` gives each its seed.

    ``columns`` names the perturbations whose flat attribute (``typo``, ``reverse``, …)
    every cell of the plan records, with its neutral value where the condition lacks it.
    """
    state = Presented(item, wording, order)
    records: list[dict[str, Any]] = []
    persona_in = None
    for pert in condition:
        state = pert.apply(state.item, state.wording, seed_of(pert), order=state.order)
        records.append(state.record)
        persona_in = state.persona_in or persona_in
    flat: dict[str, Any] = {}
    for name in columns:
        spec = PERTURBATIONS[name]
        if spec.column is None:
            continue
        seeded = spec.parameter == "rate"  # the random perturbations record their seed
        flat[spec.column] = spec.neutral
        if seeded:
            flat[f"{spec.column}_seed"] = None
        rec = next((r for r in records if r["name"] == name), None)
        if rec is not None and rec["applied"]:
            flat[spec.column] = rec.get(spec.parameter) if spec.parameter else True
            if seeded:
                flat[f"{spec.column}_seed"] = rec["seed"]
    return Perturbed(state.item, state.wording, state.order, tuple(records), persona_in, flat)
