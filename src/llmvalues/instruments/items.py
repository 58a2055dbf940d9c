"""Survey items and instruments as data: wording, response scale, raw codes and how to parse."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from llmvalues.instruments.languages import check_language, localize_items

ITEM_KINDS = ("scale", "options", "qualities", "aims")


@dataclass(frozen=True)
class Choice:
    """One selectable element of a multi-choice item (a child quality, a national aim)."""

    key: str
    label: str
    score: int = 0
    materialist: bool | None = None


@dataclass(frozen=True)
class Item:
    """One survey item: what it asks, the raw codes its answers take, and how to ask it.

    ``labelled`` lists the options by their words alone (no number or letter shown; the
    option map still reads a number or letter by position); ``language`` is the language
    of ``prompt``, ``labels`` and the choice labels.
    """

    code: str
    ivs_code: str
    axis: str
    kind: str
    content: str
    codes: tuple[int, ...]
    direction: str
    prompt: str
    labels: dict[int, str] = field(default_factory=dict)
    letters: bool = False
    choices: tuple[Choice, ...] = ()
    max_choices: int | None = None
    labelled: bool = False
    language: str = "en"

    @property
    def n_categories(self) -> int:
        """Number of ordered answer categories (raw codes)."""
        return len(self.codes)

    @property
    def lowest(self) -> int:
        return min(self.codes)

    @property
    def highest(self) -> int:
        return max(self.codes)

    def category_index(self, code: float) -> int:
        """0-based ordinal category of a raw code (for ordinal models)."""
        return self.codes.index(int(code))

    def option_lines(self, order: tuple[int, ...] | None = None) -> list[tuple[str, int, str]]:
        """Presented options as (label shown, raw code, text), in ``order`` of raw codes.

        Lettered items show A, B, C...; numbered items show 1, 2, 3... in the position
        order, so a permuted order changes which shown label means which raw code.
        """
        if self.kind in ("qualities", "aims"):
            elements = [(i + 1, c.label) for i, c in enumerate(self.choices)]
            keyed = dict(elements)
            sequence = order or tuple(k for k, _ in elements)
            return [(str(pos + 1), k, keyed[k]) for pos, k in enumerate(sequence)]
        sequence = order or self.codes
        out = []
        for pos, raw in enumerate(sequence):
            shown = chr(ord("A") + pos) if self.letters else str(pos + 1)
            out.append((shown, raw, self.labels.get(raw, str(raw))))
        return out

    def option_map(self, order: tuple[int, ...] | None = None) -> dict[str, int]:
        """Shown label → raw code (choice position for multi-select items), for the parser."""
        return {shown: raw for shown, raw, _ in self.option_lines(order)}

    def render(self, wording: str | None = None, order: tuple[int, ...] | None = None) -> str:
        """The question text with its options listed (``{options}`` filled)."""
        text = wording if wording is not None else self.prompt
        if "{options}" not in text:
            return text
        lines = [
            f"  - {label}" if self.labelled else f"  {shown}. {label}"
            for shown, _, label in self.option_lines(order)
        ]
        return text.replace("{options}", "\n".join(lines))


@dataclass(frozen=True)
class Instrument:
    """An ordered set of items with a name and a citation."""

    name: str
    title: str
    citation: str
    items: tuple[Item, ...]
    wording: str = "default"
    language: str = "en"

    @property
    def codes(self) -> list[str]:
        return [item.code for item in self.items]

    def __getitem__(self, code: str) -> Item:
        key = code.lower()
        for item in self.items:
            if item.code == key:
                return item
        raise KeyError(f"item {code!r} is not in instrument {self.name!r}; items: {self.codes}")

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code.lower() in self.codes

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def _item_from_dict(raw: dict[str, Any], prompt: str, language: str = "en") -> Item:
    kind = raw["kind"]
    if kind not in ITEM_KINDS:
        raise ValueError(f"item {raw['code']}: unknown kind {kind!r}; expected one of {ITEM_KINDS}")
    choices = tuple(
        Choice(c["key"], c["label"], int(c.get("score", 0)), c.get("materialist"))
        for c in raw.get("qualities", raw.get("aims", []))
    )
    return Item(
        code=raw["code"],
        ivs_code=raw["ivs_code"],
        axis=raw["axis"],
        kind=kind,
        content=raw["content"],
        codes=tuple(int(c) for c in raw["codes"]),
        direction=raw["direction"],
        prompt=prompt,
        labels={int(k): v for k, v in raw.get("labels", {}).items()},
        letters=bool(raw.get("letters", False)),
        choices=choices,
        max_choices=raw.get("max_choices"),
        language=language,
    )


def _read_json(package: str, name: str) -> dict[str, Any]:
    return json.loads(resources.files(package).joinpath(name).read_text(encoding="utf-8"))


WORDINGS = ("default", "tao2024")


@cache
def tao2024_prompts() -> dict[str, Any]:
    """Tao et al.'s (2024) question prompts, respondent descriptors and sampling settings.

    Returns
    -------
    dict
        ``questions`` (item, prompt), ``respondent_descriptors`` (variant, text), the
        cultural-prompting pattern and the sampling settings, from OSF 7sj3w.
    """
    return _read_json("llmvalues.instruments.data", "tao2024_prompts.json")


@cache
def load_instrument(
    name: str = "ivs10", wording: str = "default", language: str = "en"
) -> Instrument:
    """Load a packaged instrument.

    Parameters
    ----------
    name
        The instrument (``"ivs10"``).
    wording
        ``"default"`` or ``"tao2024"`` (Tao et al.'s exact English prompts).
    language
        One of :data:`llmvalues.instruments.languages.LANGUAGES`; prompts, answer labels,
        qualities and aims in that language (``ivs10.<language>.json``), raw codes unchanged.

    Raises
    ------
    ValueError
        For an unknown name, wording or language, or Tao's wording in another language.
    """
    if name != "ivs10":
        raise ValueError(f"unknown instrument {name!r}; available: ['ivs10']")
    if wording not in WORDINGS:
        raise ValueError(f"unknown wording {wording!r}; available: {list(WORDINGS)}")
    if wording == "tao2024" and check_language(language) != "en":
        raise ValueError(f"Tao et al.'s wording is English only; got language {language!r}")
    spec = _read_json("llmvalues.instruments.data", "ivs10.json")
    raw_items = localize_items(spec["items"], language)
    prompts = {raw["code"]: raw["prompt"] for raw in raw_items}
    if wording == "tao2024":
        tao = tao2024_prompts()
        prompts = {q["item"]: q["prompt"] for q in tao["questions"]}
    items = tuple(_item_from_dict(raw, prompts[raw["code"]], language) for raw in raw_items)
    return Instrument(spec["name"], spec["title"], spec["citation"], items, wording, language)
