"""Studies as data: a declarative YAML/JSON file, validated once, with errors that say the fix.

A study names everything that decides what is asked and how it is analysed: the
instrument and its wording, the respondent descriptors / personas, the countries of
cultural prompting, the languages and perturbations (paraphrases, option order, label
scheme), replicates, sampling settings, conversation mode, parsing options, the map
preset(s), the estimand, the fits and the outputs. Built-in studies live in
``llmvalues/study/data/*.yaml``; a user's file may start from one (``extends: tao2024``)
and change only what differs, e.g. ``countries: [Sweden, Japan]`` for a cheap run.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from llmvalues.instruments import WORDINGS
from llmvalues.instruments.languages import LANGUAGES
from llmvalues.instruments.variants import DESCRIPTOR_SETS, Descriptor, descriptors
from llmvalues.iw.presets import DEFAULT_PRESET

STUDY_DATA = "llmvalues.study.data"
MODES = ("single", "conversation")
FORMATS = ("chat", "completion")
PERSONA_PLACES = ("system", "user")
OPTION_ORDERS = ("fixed", "permuted")
LABEL_SCHEMES = ("default", "swapped")
COUNTRY_NAMES = ("localized", "as_given")
ESTIMANDS = ("asked", "new", "typical")
METHODS = ("classic", "hierarchical")
METRICS = ("mean_distance", "cultural_prompting", "prompt_sensitivity")
OUTPUTS = ("report", "figures", "tables", "spss", "stata")
SAMPLING_KEYS = ("temperature", "top_p", "max_tokens", "seed", "presence_penalty")
FIT_OPTIONS = {
    "classic": ("n_bootstrap", "random_seed"),
    "hierarchical": (
        "link",
        "priors",
        "answers",
        "interaction",
        "parametrization",
        "sampler",
        "draws",
        "tune",
        "chains",
        "cores",
        "target_accept",
        "random_seed",
    ),
}
COUNTRY_LISTS = ("tao2024",)  # named country lists (besides "preset:NAME")
MERGED = ("sampling", "parsing", "change")  # mappings a study that extends another merges


class StudyError(ValueError):
    """A study file that cannot be used as written; the message names the key and the fix."""


def _fail(where: str, key: str, problem: str, fix: str) -> StudyError:
    return StudyError(f"study {where}: key {key!r} {problem}; {fix}")


def _suggest(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"did you mean {close[0]!r}? " if close else ""


def _check_keys(raw: Mapping, allowed: Sequence[str], where: str, prefix: str = "") -> None:
    for key in raw:
        if key not in allowed:
            raise _fail(
                where,
                f"{prefix}{key}",
                "is not a study setting",
                f"{_suggest(str(key), allowed)}allowed keys: {', '.join(allowed)}",
            )


def _choice(value: Any, choices: Sequence[str], where: str, key: str) -> str:
    if value not in choices:
        raise _fail(
            where,
            key,
            f"is {value!r}",
            f"{_suggest(str(value), choices)}use one of {', '.join(map(str, choices))}",
        )
    return value


def _bool(value: Any, where: str, key: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(where, key, f"is {value!r}", "write true or false")
    return value


def _int(value: Any, where: str, key: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise _fail(where, key, f"is {value!r}", f"give a whole number ≥ {low}")
    return value


def _text(value: Any, where: str, key: str, empty: bool = True) -> str:
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise _fail(where, key, f"is {value!r}", "give a text (quote it in YAML)")
    return value


def _texts(value: Any, where: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(where, key, f"is {value!r}", "give a list of texts")
    return tuple(value)


def _choices(value: Any, choices: Sequence[str], where: str, key: str) -> tuple[str, ...]:
    items = _texts(value, where, key)
    for i, item in enumerate(items):
        _choice(item, choices, where, f"{key}[{i}]")
    return items


# ---------------------------------------------------------------------------- descriptors
@dataclass(frozen=True)
class Descriptors:
    """The respondent descriptors a part asks: a built-in set (or its first N), or a list of
    built-in descriptors by name and descriptors written out in the study (English)."""

    set: str | None = None
    first: int | None = None
    entries: tuple[str | Descriptor, ...] = ()

    def resolve(self, language: str = "en") -> list[Descriptor]:
        """The descriptors in ``language`` (built-in ones are translated; written ones are not)."""
        if self.set is not None:
            chosen = descriptors(self.set, language)
            return chosen[: self.first] if self.first else chosen
        known = {d.name: d for d in descriptors("all", language)}
        return [known[e] if isinstance(e, str) else e for e in self.entries]

    @property
    def written(self) -> bool:
        """Whether some descriptors are written in the study (so exist in English only)."""
        return any(isinstance(e, Descriptor) for e in self.entries)

    def limit(self, n: int) -> Descriptors:
        """The first ``n`` descriptors."""
        if self.set is not None:
            return replace(self, first=min(n, self.first or n))
        return replace(self, entries=self.entries[:n])

    def __len__(self) -> int:
        return len(self.resolve())

    def to_data(self) -> Any:
        if self.set is not None:
            return self.set if self.first is None else {"set": self.set, "first": self.first}
        return [e if isinstance(e, str) else {"name": e.name, "text": e.text} for e in self.entries]


def _descriptor_entries(value: Any, where: str, key: str) -> Descriptors:
    """A descriptor set name, ``{set, first}``, or a list of names and ``{name, text}``."""
    known = {d.name for d in descriptors("all")}
    if isinstance(value, str):
        return Descriptors(set=_choice(value, DESCRIPTOR_SETS, where, key))
    if isinstance(value, Mapping):
        _check_keys(value, ("set", "first"), where, f"{key}.")
        chosen = _choice(value.get("set", "all"), DESCRIPTOR_SETS, where, f"{key}.set")
        first = value.get("first")
        if first is not None:
            first = _int(first, where, f"{key}.first", 1)
        return Descriptors(set=chosen, first=first)
    if not isinstance(value, list) or not value:
        raise _fail(
            where,
            key,
            f"is {value!r}",
            f"give a descriptor set ({', '.join(DESCRIPTOR_SETS)}), {{set: all, first: 20}} "
            "or a list of descriptor names and {name: ..., text: ...} entries",
        )
    out: list[str | Descriptor] = []
    for i, entry in enumerate(value):
        here = f"{key}[{i}]"
        if isinstance(entry, str):
            if entry not in known:
                raise _fail(
                    where,
                    here,
                    f"names no built-in descriptor ({entry!r})",
                    f"{_suggest(entry, sorted(known))}or write {{name: ..., text: ...}}",
                )
            out.append(entry)
        elif isinstance(entry, Mapping):
            _check_keys(entry, ("name", "text"), where, f"{here}.")
            name = _text(entry.get("name"), where, f"{here}.name", empty=False)
            out.append(Descriptor(name, _text(entry.get("text"), where, f"{here}.text", False)))
        else:
            raise _fail(where, here, f"is {entry!r}", "give a name or {name: ..., text: ...}")
    names = [e if isinstance(e, str) else e.name for e in out]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise _fail(where, key, f"names {twice[0]!r} twice", "give every descriptor once")
    return Descriptors(entries=tuple(out))


def _countries(value: Any, where: str, key: str) -> tuple[str, ...] | str:
    """``None``/[] (no cultural prompting), a named list, ``preset:NAME`` or a list."""
    if value is None:
        return ()
    if isinstance(value, str):
        if value in COUNTRY_LISTS or value.startswith("preset:"):
            return value
        raise _fail(
            where,
            key,
            f"is {value!r}",
            f"give a list of countries, one of {', '.join(COUNTRY_LISTS)} or preset:NAME",
        )
    names = _texts(value, where, key)
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise _fail(where, key, f"lists {twice[0]!r} twice", "give every country once")
    return names


def resolve_countries(countries: tuple[str, ...] | str) -> list[str]:
    """The country names of a study part (a named list expanded)."""
    if isinstance(countries, tuple):
        return list(countries)
    if countries == "tao2024":
        from llmvalues.iw.reference import tao2024_countries

        return list(tao2024_countries()["country"])
    from llmvalues.iw.presets import load_preset

    return list(load_preset(countries.split(":", 1)[1]).countries["country"])


# ---------------------------------------------------------------------------- the schema
@dataclass(frozen=True)
class Part:
    """One group of identities: descriptors asked, with cultural prompting when ``countries``."""

    name: str
    descriptors: Descriptors
    countries: tuple[str, ...] | str = ()

    @property
    def prompted(self) -> bool:
        return bool(self.countries)


@dataclass(frozen=True)
class Parsing:
    """How replies become answers: forced choice, log-probs, re-asking when not an answer."""

    constrained: bool = False
    logprobs: bool = True
    reask: int = 0


@dataclass(frozen=True)
class FitSpec:
    """One map fit of the collected Responses (``options`` go to ``fit_map``)."""

    name: str
    method: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChangeSpec:
    """Re-testing: the shift threshold (map units), the interval level, the joint fit."""

    threshold: float = 0.2
    level: float = 0.9
    fit: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Study:
    """A study: what to ask, how, and how to analyse it (see :func:`load_study`)."""

    name: str
    title: str
    parts: tuple[Part, ...]
    description: str = ""
    citations: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    instrument: str = "ivs10"
    wording: str = "default"
    languages: tuple[str, ...] = ("en",)
    perturbations: tuple[str, ...] = ()
    country_names: str = "localized"
    paraphrases: bool = False
    option_order: str = "fixed"
    labels: str = "default"
    replicates: int = 1
    sampling: dict[str, Any] = field(default_factory=dict)
    mode: str = "single"
    persona_in: str = "system"
    format: str = "chat"
    system_suffix: str = ""
    parsing: Parsing = field(default_factory=Parsing)
    seed: int = 0
    preset: str = DEFAULT_PRESET
    presets: tuple[str, ...] = ()
    estimand: str = "asked"
    fits: tuple[FitSpec, ...] = ()
    metrics: tuple[str, ...] = ("mean_distance",)
    change: ChangeSpec = field(default_factory=ChangeSpec)
    outputs: tuple[str, ...] = OUTPUTS
    source: str = ""  # where the study was read from (built-in name or file path)

    @property
    def maps(self) -> tuple[str, ...]:
        """Every preset the report shows: the main one first, then the others."""
        return (self.preset, *(p for p in self.presets if p != self.preset))

    @property
    def countries(self) -> list[str]:
        """Every country of cultural prompting, in order of first use."""
        out: list[str] = []
        for part in self.parts:
            out += [c for c in resolve_countries(part.countries) if c not in out]
        return out

    def to_dict(self) -> dict[str, Any]:
        """The resolved study as plain data (descriptors written out; loads back the same)."""
        raw = asdict(self)
        raw.pop("source")
        raw["parts"] = [
            {
                "name": p.name,
                "descriptors": p.descriptors.to_data(),
                "countries": p.countries if isinstance(p.countries, str) else list(p.countries),
            }
            for p in self.parts
        ]
        raw["fits"] = [{"name": f.name, "method": f.method, **f.options} for f in self.fits]
        for key in (
            "citations",
            "notes",
            "languages",
            "perturbations",
            "presets",
            "metrics",
            "outputs",
        ):
            raw[key] = list(raw[key])
        return raw

    def to_yaml(self) -> str:
        """The resolved study as YAML (what ``llmvalues study show`` prints)."""
        import yaml

        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True, width=96)

    def select(
        self, countries: Sequence[str] | None = None, descriptors: int | None = None
    ) -> Study:
        """A cheaper copy: other ``countries`` for every prompted part, the first ``descriptors``."""
        changes: dict[str, Any] = {}
        if countries is not None:
            changes["countries"] = list(countries)
        if descriptors is not None:
            changes["descriptors"] = descriptors
        return study_from_dict({**self.to_dict(), **changes}, self.source or self.name)


TOP_KEYS = (
    *(f.name for f in fields(Study) if f.name != "source"),
    "extends",
    "countries",
    "descriptors",
)


def _parts(raw: Mapping, where: str) -> tuple[Part, ...]:
    value = raw.get("parts")
    if not isinstance(value, list) or not value:
        raise _fail(
            where,
            "parts",
            "is missing or empty",
            "give a list such as [{name: baseline, descriptors: tao2024}]",
        )
    parts = []
    for i, entry in enumerate(value):
        here = f"parts[{i}]"
        if not isinstance(entry, Mapping):
            raise _fail(where, here, f"is {entry!r}", "give {name: ..., descriptors: ...}")
        _check_keys(entry, ("name", "descriptors", "countries"), where, f"{here}.")
        name = _text(entry.get("name", f"part{i + 1}"), where, f"{here}.name", empty=False)
        descs = _descriptor_entries(
            entry.get("descriptors", "tao2024"), where, f"{here}.descriptors"
        )
        countries = _countries(entry.get("countries"), where, f"{here}.countries")
        parts.append(Part(name, descs, countries))
    names = [p.name for p in parts]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise _fail(where, "parts", f"name {twice[0]!r} twice", "give each part its own name")
    return tuple(_apply_overrides(parts, raw, where))


def _apply_overrides(parts: list[Part], raw: Mapping, where: str) -> list[Part]:
    """Top-level ``countries`` (prompted parts) and ``descriptors`` (every part) overrides."""
    if raw.get("countries") is not None:
        countries = _countries(raw["countries"], where, "countries")
        if not any(p.prompted for p in parts):
            raise _fail(
                where,
                "countries",
                "is given but no part uses cultural prompting",
                "add countries to a part instead (parts[i].countries)",
            )
        parts = [replace(p, countries=countries) if p.prompted else p for p in parts]
    if raw.get("descriptors") is not None:
        value = raw["descriptors"]
        if isinstance(value, int) and not isinstance(value, bool):
            first = _int(value, where, "descriptors", 1)
            parts = [replace(p, descriptors=p.descriptors.limit(first)) for p in parts]
        else:
            descs = _descriptor_entries(value, where, "descriptors")
            parts = [replace(p, descriptors=descs) for p in parts]
    return parts


def _sampling(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise _fail(where, "sampling", f"is {raw!r}", "give {temperature: 0, max_tokens: 256}")
    _check_keys(raw, SAMPLING_KEYS, where, "sampling.")
    out = dict(raw)
    for key, value in out.items():
        if key == "max_tokens":
            _int(value, where, "sampling.max_tokens", 1)
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail(where, f"sampling.{key}", f"is {value!r}", "give a number")
    if out.get("temperature", 0) < 0:
        raise _fail(where, "sampling.temperature", "is negative", "give a number ≥ 0")
    if not 0 < out.get("top_p", 1) <= 1:
        raise _fail(where, "sampling.top_p", f"is {out['top_p']!r}", "give a number in (0, 1]")
    return out


def _parsing(raw: Any, where: str) -> Parsing:
    if not isinstance(raw, Mapping):
        raise _fail(where, "parsing", f"is {raw!r}", "give {constrained: false, reask: 0}")
    _check_keys(raw, [f.name for f in fields(Parsing)], where, "parsing.")
    base = Parsing()
    return Parsing(
        constrained=_bool(raw.get("constrained", base.constrained), where, "parsing.constrained"),
        logprobs=_bool(raw.get("logprobs", base.logprobs), where, "parsing.logprobs"),
        reask=_int(raw.get("reask", base.reask), where, "parsing.reask", 0),
    )


def _fits(raw: Any, where: str) -> tuple[FitSpec, ...]:
    if raw is None:
        raw = [{"method": "hierarchical"}]
    if not isinstance(raw, list) or not raw:
        raise _fail(where, "fits", f"is {raw!r}", "give a list such as [{method: hierarchical}]")
    out = []
    for i, entry in enumerate(raw):
        here = f"fits[{i}]"
        if not isinstance(entry, Mapping):
            raise _fail(where, here, f"is {entry!r}", "give {method: classic} or similar")
        method = _choice(entry.get("method"), METHODS, where, f"{here}.method")
        options = {k: v for k, v in entry.items() if k not in ("name", "method")}
        _check_keys(options, FIT_OPTIONS[method], where, f"{here}.")
        for key in ("draws", "tune", "chains", "n_bootstrap"):
            if key in options:
                _int(options[key], where, f"{here}.{key}", 1)
        name = _text(entry.get("name", method), where, f"{here}.name", empty=False)
        out.append(FitSpec(name, method, options))
    names = [f.name for f in out]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise _fail(where, "fits", f"name {twice[0]!r} twice", "give each fit its own name")
    return tuple(out)


def _change(raw: Any, where: str) -> ChangeSpec:
    if not isinstance(raw, Mapping):
        raise _fail(where, "change", f"is {raw!r}", "give {threshold: 0.2, level: 0.9}")
    _check_keys(raw, ("threshold", "level", "fit"), where, "change.")
    threshold = raw.get("threshold", 0.2)
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or threshold <= 0:
        raise _fail(where, "change.threshold", f"is {threshold!r}", "give map units > 0")
    level = raw.get("level", 0.9)
    if isinstance(level, bool) or not isinstance(level, float) or not 0 < level < 1:
        raise _fail(where, "change.level", f"is {level!r}", "give a probability such as 0.9")
    fit = raw.get("fit", {})
    if not isinstance(fit, Mapping):
        raise _fail(where, "change.fit", f"is {fit!r}", "give {draws: 1000, chains: 4}")
    _check_keys(fit, FIT_OPTIONS["hierarchical"], where, "change.fit.")
    return ChangeSpec(float(threshold), float(level), dict(fit))


def _languages(value: Any, where: str) -> tuple[str, ...]:
    languages = _choices(value, LANGUAGES, where, "languages")
    if not languages:
        raise _fail(where, "languages", "is empty", "give at least one, e.g. [en]")
    if len(set(languages)) < len(languages):
        raise _fail(where, "languages", "lists a language twice", "give each language once")
    return languages


def _perturbations(value: Any, where: str) -> tuple[str, ...]:
    """Levels of a perturbation factor, each a condition such as ``typo:0.05+reverse``."""
    from llmvalues.instruments.perturbations import as_condition, condition_label

    levels = _texts(value, where, "perturbations")
    labels = []
    for i, level in enumerate(levels):
        try:
            labels.append(condition_label(as_condition(level)))
        except ValueError as exc:
            raise _fail(
                where, f"perturbations[{i}]", f"is {level!r} ({exc})", "see docs/languages.md"
            ) from None
    if len(set(labels)) < len(labels):
        raise _fail(where, "perturbations", "lists a level twice", "give each level once")
    return levels


def _presets(raw: Mapping, where: str) -> tuple[str, tuple[str, ...]]:
    from llmvalues.iw.presets import PRESETS

    preset = _choice(raw.get("preset", DEFAULT_PRESET), PRESETS, where, "preset")
    others = _texts(raw.get("presets", []), where, "presets")
    for i, name in enumerate(others):
        _choice(name, PRESETS, where, f"presets[{i}]")
    return preset, others


def _check_combinations(study: Study, where: str) -> None:
    temperature = float(study.sampling.get("temperature", 0))
    if study.replicates > 1 and temperature <= 0:
        raise _fail(
            where,
            "replicates",
            f"is {study.replicates} at temperature 0 (every replicate would repeat the answer)",
            "raise sampling.temperature above 0 or set replicates: 1",
        )
    if study.languages != ("en",):
        if study.wording != "default":
            raise _fail(
                where,
                "wording",
                f"is {study.wording!r}, which is English only, with languages "
                f"{list(study.languages)}",
                "use wording: default or languages: [en]",
            )
        written = [p.name for p in study.parts if p.descriptors.written]
        if written:
            raise _fail(
                where,
                f"parts ({written[0]}).descriptors",
                "holds descriptors written in the study (English) while other languages are asked",
                "use a built-in descriptor set (translated) or languages: [en]",
            )
    if study.mode == "conversation" and study.format != "chat":
        raise _fail(where, "mode", "is conversation with format completion", "use format: chat")
    if study.system_suffix and any(p.prompted for p in study.parts):
        raise _fail(
            where,
            "system_suffix",
            "is set for a study with cultural prompting (the country goes inside the descriptor)",
            "drop system_suffix or the parts' countries",
        )
    if "cultural_prompting" in study.metrics:
        if not any(p.prompted for p in study.parts) or all(p.prompted for p in study.parts):
            raise _fail(
                where,
                "metrics",
                "asks for cultural_prompting without both an unprompted and a prompted part",
                "add a part without countries (the baseline) and one with countries",
            )
        _check_countries_on_map(study, where)


def _check_countries_on_map(study: Study, where: str) -> None:
    """Cultural-prompting metrics need each prompted country among the preset's points."""
    from llmvalues.iw.presets import load_preset

    known = {str(c).casefold(): c for c in load_preset(study.preset).countries["country"]}
    for i, part in enumerate(study.parts):
        for country in resolve_countries(part.countries):
            if country.strip().casefold() not in known:
                raise _fail(
                    where,
                    f"parts[{i}].countries",
                    f"lists {country!r}, which is not a reference country of preset "
                    f"{study.preset!r}",
                    f"{_suggest(country, list(known.values()))}use a country of "
                    f"`llmvalues presets` or drop cultural_prompting from metrics",
                )


def study_from_dict(raw: Mapping[str, Any], where: str = "<dict>") -> Study:
    """Validate a study given as a mapping (a parsed YAML/JSON file); see :func:`load_study`."""
    if not isinstance(raw, Mapping):
        raise StudyError(f"study {where}: the file must hold a mapping of settings")
    if "extends" in raw:
        raw = _extended(raw, where)
    _check_keys(raw, TOP_KEYS, where)
    for key in ("name", "title"):
        if key not in raw:
            raise _fail(where, key, "is missing", f"add {key}: ... at the top of the file")
    name = _text(raw["name"], where, "name", empty=False)
    if not name.replace("-", "").replace("_", "").isalnum():
        raise _fail(where, "name", f"is {name!r}", "use letters, digits, '-' and '_' only")
    preset, others = _presets(raw, where)
    study = Study(
        name=name,
        title=_text(raw["title"], where, "title", empty=False),
        parts=_parts(raw, where),
        description=_text(raw.get("description", ""), where, "description"),
        citations=_texts(raw.get("citations", []), where, "citations"),
        notes=_texts(raw.get("notes", []), where, "notes"),
        instrument=_choice(raw.get("instrument", "ivs10"), ("ivs10",), where, "instrument"),
        wording=_choice(raw.get("wording", "default"), WORDINGS, where, "wording"),
        languages=_languages(raw.get("languages", ["en"]), where),
        perturbations=_perturbations(raw.get("perturbations", []), where),
        country_names=_choice(
            raw.get("country_names", "localized"), COUNTRY_NAMES, where, "country_names"
        ),
        paraphrases=_bool(raw.get("paraphrases", False), where, "paraphrases"),
        option_order=_choice(
            raw.get("option_order", "fixed"), OPTION_ORDERS, where, "option_order"
        ),
        labels=_choice(raw.get("labels", "default"), LABEL_SCHEMES, where, "labels"),
        replicates=_int(raw.get("replicates", 1), where, "replicates", 1),
        sampling=_sampling(raw.get("sampling", {}), where),
        mode=_choice(raw.get("mode", "single"), MODES, where, "mode"),
        persona_in=_choice(raw.get("persona_in", "system"), PERSONA_PLACES, where, "persona_in"),
        format=_choice(raw.get("format", "chat"), FORMATS, where, "format"),
        system_suffix=_text(raw.get("system_suffix", ""), where, "system_suffix"),
        parsing=_parsing(raw.get("parsing", {}), where),
        seed=_int(raw.get("seed", 0), where, "seed", 0),
        preset=preset,
        presets=others,
        estimand=_choice(raw.get("estimand", "asked"), ESTIMANDS, where, "estimand"),
        fits=_fits(raw.get("fits"), where),
        metrics=_choices(raw.get("metrics", ["mean_distance"]), METRICS, where, "metrics"),
        change=_change(raw.get("change", {}), where),
        outputs=_choices(raw.get("outputs", list(OUTPUTS)), OUTPUTS, where, "outputs"),
        source=where,
    )
    if any(f.method == "classic" for f in study.fits) and study.estimand != "asked":
        raise _fail(
            where,
            "estimand",
            f"is {study.estimand!r} but a classic fit estimates only 'asked'",
            "use estimand: asked or drop the classic fit",
        )
    _check_combinations(study, where)
    return study


def _extended(raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The base study's settings with this file's on top (mappings in MERGED merge)."""
    base_name = _text(raw["extends"], where, "extends", empty=False)
    base = load_study(base_name).to_dict()
    out = dict(base)
    for key, value in raw.items():
        if key == "extends":
            continue
        if key in MERGED and isinstance(value, Mapping) and isinstance(base.get(key), Mapping):
            out[key] = {**base[key], **value}
        else:
            out[key] = value
    return out


def _read(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise StudyError(f"study {path}: not valid JSON ({exc})") from exc
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise StudyError(f"study {path}: not valid YAML ({' '.join(str(exc).split())})") from exc


@cache
def builtin_names() -> tuple[str, ...]:
    """Names of the built-in studies."""
    files = resources.files(STUDY_DATA).iterdir()
    return tuple(sorted(f.name[:-5] for f in files if f.name.endswith(".yaml")))


def load_study(source: str | Path) -> Study:
    """A built-in study by name (``tao2024``, ``hall2026``, ``llmvalues``, ``demo``) or a file.

    Parameters
    ----------
    source
        A built-in name, or the path of a ``.yaml``/``.yml``/``.json`` study file.

    Returns
    -------
    Study

    Raises
    ------
    StudyError
        Naming the key at fault and how to fix it.
    """
    name = str(source)
    if name in builtin_names():
        with resources.as_file(resources.files(STUDY_DATA).joinpath(f"{name}.yaml")) as path:
            return study_from_dict(_read(path), name)
    path = Path(source)
    if not path.is_file():
        raise StudyError(
            f"no study {name!r}: neither a built-in study ({', '.join(builtin_names())}) nor "
            "a file; give a name from `llmvalues study list` or the path of a .yaml/.json file"
        )
    return study_from_dict(_read(path), str(path))


def list_studies() -> list[Study]:
    """Every built-in study, loaded and validated."""
    return [load_study(name) for name in builtin_names()]
