"""Loaders of ValueLex data files (prompts, personas, rating wording, stems, rubric, reference)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from llmvalues.instruments.languages import check_language

SUBDIMENSIONS = (
    "Self-Competent",
    "User-Oriented",
    "Social",
    "Idealistic",
    "Professional",
    "Ethical",
)


class ValueLexDataError(ValueError):
    """A ValueLex data file is missing a field or has the wrong shape; names what is wrong."""


@cache
def _bundled(name: str) -> dict[str, Any]:
    text = resources.files("llmvalues.valuelex.data").joinpath(name).read_text("utf-8")
    return json.loads(text)


def load_data(name: str, path: str | Path | None = None) -> dict[str, Any]:
    """A bundled data file by name (e.g. ``"prompts.json"``) or the user's own file at ``path``.

    Parameters
    ----------
    name
        The bundled file's name.
    path
        The user's own file (read instead).

    Returns
    -------
    dict
    """
    if path is None:
        return _bundled(name)
    path = Path(path)
    if not path.is_file():
        raise ValueLexDataError(f"{name}: file {path} does not exist")
    try:
        return json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueLexDataError(f"{path} is not valid JSON: {exc}") from exc


@dataclass(frozen=True)
class Prompt:
    """One generative elicitation prompt.

    Parameters
    ----------
    id
        Its name.
    text
        Its wording.
    """

    id: str
    text: str


@dataclass(frozen=True)
class Persona:
    """A respondent persona: the system message (chat) or opening line (completion).

    Parameters
    ----------
    id
        Its name.
    text
        Its wording (empty for none).
    """

    id: str
    text: str


def _entries(data: dict, key: str, source: str) -> list[dict]:
    entries = data.get(key)
    if not isinstance(entries, list) or not entries:
        raise ValueLexDataError(f"{source}: '{key}' must be a non-empty list")
    ids = [e.get("id") for e in entries]
    for i, entry in enumerate(entries):
        if not isinstance(entry.get("id"), str) or not isinstance(entry.get("text"), str):
            raise ValueLexDataError(f"{source}: {key}[{i}] needs string 'id' and 'text'")
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueLexDataError(f"{source}: duplicate {key} ids {dupes}")
    return entries


LANGUAGES = ("en",)
"""The languages ValueLex's bundled prompts and personas are written in."""


def check_prompt_language(language: str) -> str:
    """``language`` if ValueLex's bundled texts exist in it, else a :class:`ValueLexDataError`.

    ValueLex is English only: its prompts and personas are written in English, and its
    descriptor rules (single English words: fillers, plurals, word families; see
    :mod:`llmvalues.valuelex.lexicon`) and reference taxonomy read English.
    """
    if check_language(language) not in LANGUAGES:
        raise ValueLexDataError(
            f"ValueLex has no prompts in {language!r}: its elicitation prompts, personas and "
            "stems are written in English, and its descriptor rules (single English words) "
            f"and reference taxonomy read English; available: {list(LANGUAGES)}"
        )
    return language


def load_prompts(path: str | Path | None = None, language: str = "en") -> list[Prompt]:
    """Elicitation prompts (bundled: 18 written for llmvalues, in English).

    Parameters
    ----------
    path
        A JSON file with a ``prompts`` list of ``{"id", "text"}``; None reads the bundled one.
    language
        The language of the bundled prompts; only ``"en"`` exists (:func:`check_prompt_language`).

    Returns
    -------
    list of Prompt
    """
    check_prompt_language(language)
    data = load_data("prompts.json", path)
    entries = _entries(data, "prompts", str(path or "prompts.json"))
    empty = [e["id"] for e in entries if not e["text"].strip()]
    if empty:
        raise ValueLexDataError(f"prompts {empty} have empty text")
    return [Prompt(e["id"], e["text"].strip()) for e in entries]


def load_personas(path: str | Path | None = None, language: str = "en") -> list[Persona]:
    """Respondent personas (bundled: 5, including ``none``, in English).

    Parameters
    ----------
    path
        Your personas as JSON (a ``personas`` list, each with ``id`` and ``text``), or None.
    language
        As for :func:`load_prompts`.

    Returns
    -------
    list of Persona
    """
    check_prompt_language(language)
    data = load_data("personas.json", path)
    return [Persona(e["id"], e["text"].strip()) for e in _entries(data, "personas", "personas")]


def load_stems(path: str | Path | None = None) -> dict[str, list[str]]:
    """Projective sentence stems per subdimension (bundled: 20 for each of the six).

    Parameters
    ----------
    path
        JSON with ``stems``: subdimension → list of stems (None: the bundled 120).

    Returns
    -------
    dict
        Subdimension → stems.
    """
    data = load_data("stems.json", path)
    stems = data.get("stems")
    if not isinstance(stems, dict) or not stems:
        raise ValueLexDataError(
            "stems file needs a 'stems' mapping of subdimension → list of stems"
        )
    for sub, items in stems.items():
        if not isinstance(items, list) or not all(isinstance(s, str) and s.strip() for s in items):
            raise ValueLexDataError(f"stems of {sub!r} must be a list of non-empty strings")
    return {sub: [s.strip() for s in items] for sub, items in stems.items()}


def load_rubric(path: str | Path | None = None) -> dict[str, Any]:
    """The judge rubric: instruction template and HIGH/LOW descriptions per subdimension.

    Parameters
    ----------
    path
        A rubric: ``instruction`` and, per subdimension, ``definition``, ``high``, ``low``.

    Returns
    -------
    dict
    """
    data = load_data("rubric.json", path)
    for key in ("instruction", "subdimensions"):
        if key not in data:
            raise ValueLexDataError(f"rubric needs '{key}'")
    for sub, spec in data["subdimensions"].items():
        missing = {"definition", "high", "low"} - set(spec)
        if missing:
            raise ValueLexDataError(f"rubric of {sub!r} lacks {sorted(missing)}")
    return data


def load_reference(path: str | Path | None = None) -> list[dict[str, Any]]:
    """A reference taxonomy: rows with dimension, subdimension, description and anchors.

    Parameters
    ----------
    path
        Another taxonomy (``dimensions``: rows with ``subdimension``, ``description``).

    Returns
    -------
    list of dict
    """
    data = load_data("reference.json", path)
    rows = data.get("dimensions")
    if not isinstance(rows, list) or not rows:
        raise ValueLexDataError("reference taxonomy needs a non-empty 'dimensions' list")
    for i, row in enumerate(rows):
        missing = {"subdimension", "description"} - set(row)
        if missing:
            raise ValueLexDataError(f"reference dimensions[{i}] lacks {sorted(missing)}")
    return rows
