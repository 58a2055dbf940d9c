"""Prompt variants as data: respondent descriptors, personas, paraphrases, cultural prompting.

Tao et al.'s ten descriptors come from ``tao2024_prompts.json`` beside the instrument; the project's own
descriptors, personas and question paraphrases live in ``data/variants_ivs10.json``, and
their translations (with the project's own translations of Tao's descriptors) in
``data/variants_ivs10.<language>.json`` (paraphrases are English only for now).
Option-order permutations are drawn here from a seed so the order used is reproducible.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass

from llmvalues.instruments.items import Item, tao2024_prompts
from llmvalues.instruments.languages import variants_file

DESCRIPTOR_SETS = ("tao2024", "llmvalues", "all")


@dataclass(frozen=True)
class Descriptor:
    """A respondent descriptor or persona: a name (the variant label) and its text."""

    name: str
    text: str


def descriptors(which: str = "tao2024", language: str = "en") -> list[Descriptor]:
    """Respondent descriptors: Tao et al.'s 10, the project's 40, or all 50, in ``language``.

    Outside English, ``"tao2024"`` gives the project's own translations of Tao's English
    descriptors (same names, ``tao00``…), marked as such in the data file.
    """
    if which not in DESCRIPTOR_SETS:
        raise ValueError(f"unknown descriptor set {which!r}; available: {list(DESCRIPTOR_SETS)}")
    data = variants_file(language)
    if language == "en":
        tao = [
            Descriptor(f"tao{int(d['variant'].split()[-1]):02d}", d["text"])
            for d in tao2024_prompts()["respondent_descriptors"]
        ]
        own = [Descriptor(d["name"], d["text"]) for d in data["descriptors"]]
    else:
        suffix = data["suffix"]
        tao = [Descriptor(name, stem + suffix) for name, stem in data["tao2024"].items()]
        own = [Descriptor(name, stem + suffix) for name, stem in data["descriptors"].items()]
    return {"tao2024": tao, "llmvalues": own, "all": tao + own}[which]


def personas(language: str = "en") -> list[Descriptor]:
    """Short demographic personas (for a persona in the system or user message)."""
    entries = variants_file(language)["personas"]
    if language == "en":
        return [Descriptor(d["name"], d["text"]) for d in entries]
    return [Descriptor(name, text) for name, text in entries.items()]


def cultural(descriptor: str, country: str, language: str = "en") -> str:
    """Tao et al.'s cultural prompt: '<descriptor> born in X and living in X responding to …'.

    In other languages the descriptor's task ending is replaced by the language's cultural
    sentence (``cultural_suffix`` in its variants file), which states the country of birth
    and residence; ``country`` is inserted as given (see ``languages.country_name``).
    """
    data = variants_file(language)
    suffix = data["suffix"]
    if not descriptor.endswith(suffix):
        raise ValueError(f"descriptor does not end with {suffix.strip()!r}: {descriptor!r}")
    stem = descriptor[: -len(suffix)]
    return stem + data["cultural_suffix"].format(country=country)


def paraphrases(item: str, language: str = "en") -> list[str]:
    """Alternative wordings of an item (each keeps ``{options}`` where options are listed)."""
    table = variants_file(language).get("paraphrases", {})
    if not table:
        raise KeyError(f"no paraphrases written in language {language!r} yet (English has them)")
    if item not in table:
        raise KeyError(f"no paraphrases for item {item!r}; items: {sorted(table)}")
    return list(table[item])


def reask_text(language: str = "en") -> str:
    """The follow-up sent when a reply was not an answer."""
    return variants_file(language)["reask"]


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
