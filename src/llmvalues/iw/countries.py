"""Country names: one resolver from any spelling, ISO code or WVS number to one country.

Every country that enters the package (a cultural-prompting table, a trajectory to draw,
a reference country to compare with) is resolved here to its IVS country code (``S003``:
the ISO 3166 numeric code, or 909 Northern Ireland, 915 Kosovo, 197 Northern Cyprus),
whatever it was called: the English name the presets use ("South Korea"), the label in a
preset's source file (Tao et al.'s "Hong Kong SAR", "Taiwan ROC", "Bosnia Herzegovina",
"North Ireland", "Macau SAR"), ISO 3166 alpha-2/alpha-3 codes ("SE", "SWE"), the WVS
number (752, "752") and common English variants ("USA", "UK", "Türkiye", "Czech
Republic"). A name that resolves to nothing is an error that lists the nearest names;
nothing is dropped silently.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from functools import cache

import pandas as pd
import pycountry

from llmvalues.data.iw import open_text
from llmvalues.errors import InputError

# Codes the IVS uses where ISO 3166 has none, and shorter names for readable maps.
IVS_SPECIFIC_COUNTRIES = {909: "Northern Ireland", 915: "Kosovo", 197: "Northern Cyprus"}
_SHORT_NAMES = {
    68: "Bolivia",
    70: "Bosnia and Herzegovina",
    158: "Taiwan",
    275: "Palestine",
    344: "Hong Kong",
    364: "Iran",
    410: "South Korea",
    446: "Macau",
    498: "Moldova",
    643: "Russia",
    704: "Vietnam",
    792: "Turkey",
    826: "Great Britain",
    862: "Venezuela",
}
# Common English names that neither ISO 3166 nor the presets' sources spell this way.
_VARIANTS = {
    "america": 840,
    "us": 840,
    "usa": 840,
    "u s": 840,
    "u s a": 840,
    "united states of america": 840,
    "uk": 826,
    "u k": 826,
    "britain": 826,
    "united kingdom": 826,
    "turkiye": 792,
    "czech republic": 203,
    "korea": 410,
    "republic of korea": 410,
    "korea south": 410,
    "north korea": 408,
    "russian federation": 643,
    "macao": 446,
    "bosnia": 70,
    "north ireland": 909,
    "trnc": 197,
    "turkish republic of northern cyprus": 197,
    "palestinian territories": 275,
    "holland": 528,
    "ivory coast": 384,
    "macedonia": 807,
    "swaziland": 748,
    "burma": 104,
    "laos": 418,
    "syria": 760,
    "tanzania": 834,
    "cape verde": 132,
    "east timor": 626,
    "vatican": 336,
    "brunei": 96,
    "uae": 784,
    "drc": 180,
    "dr congo": 180,
    "slovak republic": 703,
    "kyrgyz republic": 417,
}


class CountryError(InputError, KeyError):
    """A country that cannot be resolved (or is not among those asked for); lists near names.

    Bad input (an :class:`~llmvalues.errors.InputError`, so a ``ValueError``) and a failed
    lookup (a ``KeyError``), printed unquoted.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _key(text: str) -> str:
    """A spelling-insensitive key: no accents, case, punctuation or leading "the"."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"[^a-z0-9]+", " ", text.replace("&", " and ")).strip()
    return text[4:] if text.startswith("the ") else text


def country_name(code: int) -> str:
    """English name of an IVS country code (ISO 3166 numeric, or an IVS-specific code)."""
    code = int(code)
    if code in IVS_SPECIFIC_COUNTRIES:
        return IVS_SPECIFIC_COUNTRIES[code]
    if code in _SHORT_NAMES:
        return _SHORT_NAMES[code]
    entry = pycountry.countries.get(numeric=f"{code:03d}")
    if entry is None:
        raise KeyError(
            f"unknown IVS country code {code}: neither ISO 3166 numeric nor IVS-specific"
        )
    return getattr(entry, "common_name", entry.name)


def country_iso3(code: int) -> str | None:
    """ISO 3166 alpha-3 of an IVS country code (None for IVS-specific codes)."""
    entry = pycountry.countries.get(numeric=f"{int(code):03d}")
    return entry.alpha_3 if entry is not None and int(code) not in IVS_SPECIFIC_COUNTRIES else None


SOURCE_FILES = ("tao2024_countries.csv", "hall2025_countries.csv")


@cache
def source_labels() -> dict[str, int]:
    """Country labels exactly as the presets' source files write them → IVS country code."""
    labels: dict[str, int] = {}
    for name in SOURCE_FILES:
        with open_text(name) as fh:
            raw = pd.read_csv(fh, usecols=["s003", "country"])
        for label, code in zip(raw["country"], raw["s003"].astype(int), strict=True):
            if labels.setdefault(label, code) != code:
                raise ValueError(f"{name}: {label!r} is {code}, elsewhere {labels[label]}")
    return labels


@cache
def _names() -> dict[str, int]:
    """Every known spelling (as a key) → IVS country code."""
    names: dict[str, int] = {}
    for entry in pycountry.countries:
        code = int(entry.numeric)
        for field in ("name", "common_name", "official_name"):
            if hasattr(entry, field):
                names[_key(getattr(entry, field))] = code
    for table in (IVS_SPECIFIC_COUNTRIES, _SHORT_NAMES):
        names.update({_key(name): code for code, name in table.items()})
    names.update({_key(label): code for label, code in source_labels().items()})
    names.update(_VARIANTS)
    return names


def _known(code: int) -> bool:
    return (
        code in IVS_SPECIFIC_COUNTRIES or pycountry.countries.get(numeric=f"{code:03d}") is not None
    )


def _near(name: str, choices: Iterable[str]) -> str:
    choices = list(dict.fromkeys(choices))
    by_key = {_key(c): c for c in choices}
    near = difflib.get_close_matches(_key(name), list(by_key), n=5, cutoff=0.6)
    return ", ".join(by_key[k] for k in near) if near else "none"


def country_code(name: str | int) -> int:
    """The IVS country code (S003) of a name, an ISO 3166 alpha-2/alpha-3 code or a number.

    Raises
    ------
    CountryError
        Nothing of that name, code or number; the message lists the nearest names.
    """
    if isinstance(name, bool) or not isinstance(name, str | int):
        raise CountryError(f"a country is a name, an ISO code or a number, got {name!r}")
    text = str(name).strip()
    if not text:
        raise CountryError("empty country name")
    if text.isdigit():
        code = int(text)
        if not _known(code):
            raise CountryError(
                f"{text} is neither an ISO 3166 numeric code nor an IVS-specific country code "
                f"({', '.join(f'{c} {n}' for c, n in IVS_SPECIFIC_COUNTRIES.items())})"
            )
        return code
    names = _names()
    key = _key(text)
    if key in names:
        return names[key]
    if len(text) in (2, 3) and text.isalpha():
        field = "alpha_2" if len(text) == 2 else "alpha_3"
        entry = pycountry.countries.get(**{field: text.upper()})
        if entry is not None:
            return int(entry.numeric)
    spelled = {country_name(code) for code in set(names.values()) if _known(code)}
    raise CountryError(
        f"unknown country {text!r}; nearest names: {_near(text, spelled)} (countries are "
        "resolved from English names, the presets' own labels, ISO 3166 alpha-2/alpha-3 "
        "codes and WVS numbers)"
    )


def resolve_country(
    name: str | int, countries: Iterable[str], where: str = "the reference countries"
) -> str:
    """The entry of ``countries`` that ``name`` denotes, however either is spelled.

    Parameters
    ----------
    name
        A country name in any of the spellings :func:`country_code` reads.
    countries
        The names to choose from (e.g. a preset's reference countries).
    where
        What ``countries`` are, for the message.

    Raises
    ------
    CountryError
        ``name`` resolves to no country, or to one that is not among ``countries``; the
        message lists the nearest of ``countries``.
    """
    choices = list(countries)
    key = _key(name)
    for choice in choices:
        if _key(choice) == key:
            return choice
    try:
        code = country_code(name)
    except CountryError as exc:
        raise CountryError(
            f"unknown country {str(name).strip()!r}; nearest among {where}: "
            f"{_near(str(name), choices)}"
        ) from exc
    for choice, choice_code in zip(choices, _codes(tuple(choices)), strict=True):
        if choice_code == code:
            return choice
    raise CountryError(
        f"country {str(name).strip()!r} ({country_name(code)}, IVS code {code}) is not among "
        f"{where}; nearest: {_near(str(name), choices)}"
    )


@cache
def _codes(choices: tuple[str, ...]) -> tuple[int | None, ...]:
    codes = []
    for choice in choices:
        try:
            codes.append(country_code(choice))
        except CountryError:
            codes.append(None)
    return tuple(codes)
