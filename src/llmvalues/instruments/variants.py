"""Prompt variants as data: respondent descriptors, personas, paraphrases, cultural prompting.

Tao et al.'s ten descriptors come from ``tao2024_prompts.json`` beside the instrument; the project's own
descriptors, personas and question paraphrases live in ``data/variants_ivs10.json``.
Option-order permutations are drawn here from a seed so the order used is reproducible.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from llmvalues.instruments.items import Item, tao2024_prompts

DESCRIPTOR_SETS = ("tao2024", "llmvalues", "all")


@dataclass(frozen=True)
class Descriptor:
    """A respondent descriptor or persona: a name (the variant label) and its text."""

    name: str
    text: str


@cache
def _variants_data() -> dict[str, Any]:
    path = resources.files("llmvalues.instruments.data").joinpath("variants_ivs10.json")
    return json.loads(path.read_text(encoding="utf-8"))


def descriptors(which: str = "tao2024") -> list[Descriptor]:
    """Respondent descriptors: Tao et al.'s 10, the project's 40, or all 50."""
    if which not in DESCRIPTOR_SETS:
        raise ValueError(f"unknown descriptor set {which!r}; available: {list(DESCRIPTOR_SETS)}")
    tao = [
        Descriptor(f"tao{int(d['variant'].split()[-1]):02d}", d["text"])
        for d in tao2024_prompts()["respondent_descriptors"]
    ]
    own = [Descriptor(d["name"], d["text"]) for d in _variants_data()["descriptors"]]
    return {"tao2024": tao, "llmvalues": own, "all": tao + own}[which]


def personas() -> list[Descriptor]:
    """Short demographic personas (for a persona in the system or user message)."""
    return [Descriptor(d["name"], d["text"]) for d in _variants_data()["personas"]]


def cultural(descriptor: str, country: str) -> str:
    """Tao et al.'s cultural prompt: '<descriptor> born in X and living in X responding to …'."""
    suffix = _variants_data()["suffix"]
    if not descriptor.endswith(suffix):
        raise ValueError(f"descriptor does not end with {suffix.strip()!r}: {descriptor!r}")
    stem = descriptor[: -len(suffix)]
    return f"{stem} born in {country} and living in {country}{suffix}"


def paraphrases(item: str) -> list[str]:
    """Alternative wordings of an item (each keeps ``{options}`` where options are listed)."""
    table = _variants_data()["paraphrases"]
    if item not in table:
        raise KeyError(f"no paraphrases for item {item!r}; items: {sorted(table)}")
    return list(table[item])


def reask_text() -> str:
    """The follow-up sent when a reply was not an answer."""
    return _variants_data()["reask"]


def permutable(item: Item, wording: str | None = None) -> bool:
    """Whether an item lists its options (so their order can be permuted)."""
    return "{options}" in (wording if wording is not None else item.prompt)


def option_order(item: Item, seed: int, *parts: object) -> tuple[int, ...]:
    """A reproducible random order of the item's options (raw codes or choice positions)."""
    base = [raw for _, raw, _ in item.option_lines()]
    digest = hashlib.sha256(json.dumps([seed, item.code, *map(str, parts)]).encode()).digest()
    rng = random.Random(int.from_bytes(digest[:8], "big"))
    rng.shuffle(base)
    return tuple(base)
