"""The languages an instrument is asked in: each language's texts as data, one file per language.

``data/ivs10.<lang>.json`` holds a language's item prompts, answer labels, child qualities
and national aims (English: ``ivs10.json`` itself), the reply instructions its prompts end
with (grouped in families that say the same thing for a number, a letter or the words of
an answer) and the terse/free answer formats. ``data/variants_ivs10.<lang>.json`` holds
its respondent descriptors, personas, the cultural-prompting sentence and the re-ask text.
Every non-English text was written for llmvalues from the English wording and has not been
checked by a native speaker (docs/collection.md lists what each scale pole says in English).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = ("en", "zh", "es", "ar", "ru", "de", "ja", "hi", "fr", "pt")
"""Language codes (ISO 639-1) the IVS-10 instrument is available in."""

UNSPACED = frozenset({"zh", "ja"})
"""Languages written without spaces between words (phrases match anywhere, not by word)."""

REPLY_FORMS = ("scale", "number", "letter", "label", "names", "pair")
"""What a reply instruction asks for: a number on a scale, the number / letter / words of a
listed option, the names of chosen qualities, a ranked pair of numbers."""

ANSWER_FORMATS = ("terse", "free")
COUNTRY_NAMES = ("localized", "as_given")
_TERMINAL = tuple(".?!:;。？！：；।؟")
_LATIN = frozenset({"en", "es", "de", "fr", "pt"})
_PYCOUNTRY_LOCALE = {"zh": "zh_CN", "pt": "pt_BR"}
# names used by the presets that pycountry does not resolve by itself (only unambiguous ones)
_COUNTRY_ALIASES = {"Russia": "RU", "Turkey": "TR", "Palestine": "PS", "Macau": "MO"}
_DATA = "llmvalues.instruments.data"


def check_language(language: str) -> str:
    """Return ``language`` if it is available, else raise ``ValueError`` listing the choices."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; available: {list(LANGUAGES)}")
    return language


def _read(name: str) -> dict[str, Any]:
    return json.loads(resources.files(_DATA).joinpath(name).read_text(encoding="utf-8"))


@cache
def language_file(language: str) -> dict[str, Any]:
    """The raw ``ivs10.<language>.json`` (item texts, reply instructions, answer formats)."""
    return _read(f"ivs10.{check_language(language)}.json")


@cache
def variants_file(language: str) -> dict[str, Any]:
    """The raw variants of a language: descriptors, personas, cultural sentence, re-ask text."""
    name = "variants_ivs10.json" if check_language(language) == "en" else None
    return _read(name or f"variants_ivs10.{language}.json")


def language_name(language: str) -> str:
    """The language's English name ("Chinese (Simplified)")."""
    return language_file(language)["name"]


def localize_items(items: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    """The instrument's raw item dicts with prompt, labels and choice labels in ``language``.

    Raises ``ValueError`` naming the item and key when the language file lacks a text or
    has one the instrument does not (a label code, a quality or aim key).
    """
    if check_language(language) == "en":
        return items
    texts = language_file(language)["items"]
    out = []
    for raw in items:
        code = raw["code"]
        if code not in texts:
            raise ValueError(f"ivs10.{language}.json has no text for item {code!r}")
        text = texts[code]
        local = {**raw, "prompt": text["prompt"]}
        if "labels" in raw:
            if set(text.get("labels", {})) != set(raw["labels"]):
                raise ValueError(
                    f"ivs10.{language}.json, item {code!r}: labels for codes "
                    f"{sorted(text.get('labels', {}))}, the instrument labels {sorted(raw['labels'])}"
                )
            local["labels"] = dict(text["labels"])
        for kind in ("qualities", "aims"):
            if kind in raw:
                names = text.get(kind, {})
                keys = [c["key"] for c in raw[kind]]
                if set(names) != set(keys):
                    raise ValueError(
                        f"ivs10.{language}.json, item {code!r}: {kind} {sorted(names)}, "
                        f"the instrument has {sorted(keys)}"
                    )
                local[kind] = [{**c, "label": names[c["key"]]} for c in raw[kind]]
        out.append(local)
    return out


# ---------------------------------------------------------------- reply instructions


@dataclass(frozen=True)
class ReplyInstruction:
    """The reply instruction a prompt ends with, split off its question.

    ``body + sep + text`` is the prompt; ``family`` gives the same instruction for other
    reply forms (the number, the letter or the words of an answer) where the language has it.
    """

    body: str
    sep: str
    text: str
    form: str
    family: dict[str, str]

    def replaced(self, new: str, language: str) -> str:
        """The prompt with ``new`` for the instruction (a full stop added where a sentence ran on)."""
        body = self.body
        if body and "\n" not in self.sep and not body.endswith(_TERMINAL):
            body += language_file(language)["full_stop"]
        return f"{body}{self.sep or ' '}{new}"


def _families(language: str) -> list[dict[str, str]]:
    spec = language_file(language)
    return [*spec["instructions"], *spec["formats"].values()]


def find_instruction(text: str, language: str) -> ReplyInstruction | None:
    """The known reply instruction ``text`` ends with (the longest), or None."""
    best: tuple[str, str, dict[str, str]] | None = None
    for family in _families(language):
        for form, sentence in family.items():
            if text.endswith(sentence) and (best is None or len(sentence) > len(best[0])):
                best = (sentence, form, family)
    if best is None:
        return None
    sentence, form, family = best
    head = text[: len(text) - len(sentence)]
    body = head.rstrip()
    return ReplyInstruction(body, head[len(body) :], sentence, form, dict(family))


def answer_format(level: str, form: str, language: str) -> str:
    """The instruction of answer format ``level`` ("terse"/"free") for a reply ``form``."""
    if level not in ANSWER_FORMATS:
        raise ValueError(f"unknown answer format {level!r}; available: {list(ANSWER_FORMATS)}")
    return language_file(language)["formats"][level][form]


# ---------------------------------------------------------------- countries


@cache
def _country_translation(language: str):
    import gettext

    import pycountry

    locale = _PYCOUNTRY_LOCALE.get(language, language)
    return gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[locale], fallback=True
    )


def country_name(country: str, language: str, how: str = "localized") -> str:
    """The country's name as shown in a prompt in ``language``.

    ``how="localized"`` uses pycountry's translation (offline, shipped with pycountry) of
    the country's common or official name when pycountry knows the country and has a
    translation without an inverted comma form ("Korea, Republic of"); otherwise, and
    always for English or ``how="as_given"``, the name stays as given.
    """
    if how not in COUNTRY_NAMES:
        raise ValueError(f"country_names must be one of {COUNTRY_NAMES}, got {how!r}")
    if how == "as_given" or check_language(language) == "en":
        return country
    import pycountry

    try:
        entry = (
            pycountry.countries.get(alpha_2=_COUNTRY_ALIASES[country])
            if country in _COUNTRY_ALIASES
            else pycountry.countries.lookup(country)
        )
    except LookupError:
        return country
    translation = _country_translation(language)
    for source in (getattr(entry, "common_name", None), entry.name):
        if source and "," not in source:
            local = translation.gettext(source)
            if "," not in local and (local != source or language in _LATIN):
                return local
    return country
