"""The IVS-10 plan: Tao-style single-turn chats or one conversation, over prompt variants."""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial
from itertools import product
from typing import Any

import pandas as pd

from llmvalues.collect.backends.base import DEFAULT_SAMPLING, Request
from llmvalues.collect.options import choice_grammar, quote_gbnf
from llmvalues.collect.plan import Cell, Plan, PlanError, make_cell
from llmvalues.instruments import Instrument, Item, load_instrument, parse_answer
from llmvalues.instruments.languages import COUNTRY_NAMES, check_language, country_name
from llmvalues.instruments.perturbations import (
    Condition,
    as_condition,
    condition_label,
    perturb,
    relabel,
    synonym_languages,
)
from llmvalues.instruments.variants import (
    Descriptor,
    cultural,
    descriptors,
    option_order,
    paraphrases,
    permutable,
)
from llmvalues.summary import Summary

MODES = ("single", "conversation")
FORMATS = ("chat", "completion")
PERSONA_PLACES = ("system", "user")
LABEL_SCHEMES = ("default", "swapped")


def _seed_for(*parts: object) -> int:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def _option_labels(item, order) -> tuple[str, ...]:
    if item.kind in ("scale", "options") and not item.labelled:
        return tuple(item.option_map(order))
    return ()


def answer_grammar(item, order=None) -> str:
    """GBNF grammar that allows only a well-formed answer to ``item`` (forced choice)."""
    if item.kind == "qualities":
        names = " | ".join(quote_gbnf(c.label) for c in item.choices)
        limit = (item.max_choices or len(item.choices)) - 1
        return f'root ::= q (", " q){{0,{limit}}}\nq ::= {names}'
    if item.kind == "aims":
        numbers = " | ".join(quote_gbnf(k) for k in item.option_map(order))
        return f'root ::= a ", " a\na ::= {numbers}'
    if item.labelled:
        return choice_grammar(label for _, _, label in item.option_lines(order))
    return choice_grammar(item.option_map(order))


def _request(system: str, question: str, fmt: str, persona_in: str) -> Request:
    if fmt == "completion":
        return Request(prompt=f"{system}\n\n{question}\nAnswer:")
    if persona_in == "system":
        messages = ({"role": "system", "content": system}, {"role": "user", "content": question})
    else:
        messages = ({"role": "user", "content": f"{system}\n\n{question}"},)
    return Request(messages=messages)


@dataclass(frozen=True)
class _Design:
    """The factor levels of an IVS plan, checked: what ``ivs_plan`` crosses."""

    languages: tuple[str, ...]
    instruments: dict[str, Instrument]
    descriptors: dict[str, list[Descriptor]]
    places: list[str | None]
    wordings: list[int]
    conditions: list[Condition]
    replicates: int
    items: list[str]
    settings: dict[str, Any]

    @property
    def perturbation_names(self) -> list[str]:
        return sorted({p.name for cond in self.conditions for p in cond})

    def response_sets(self):
        """(language, country, descriptor, wording, condition, replicate) of each response set."""
        for lang in self.languages:
            for country, desc, w, condition, r in product(
                self.places,
                self.descriptors[lang],
                self.wordings,
                self.conditions,
                range(self.replicates),
            ):
                yield lang, country, desc, w, condition, r

    @property
    def calls(self) -> int:
        per_language = (
            len(self.places) * len(self.wordings) * len(self.conditions) * self.replicates
        )
        return (
            sum(len(self.descriptors[lang]) for lang in self.languages)
            * per_language
            * len(self.items)
        )


def _design(
    *,
    instrument: Instrument | str,
    wording: str,
    descriptor_set: str | Sequence[Descriptor],
    countries: Sequence[str] | None,
    paraphrased: bool,
    labels: str,
    replicates: int,
    sampling: dict[str, Any] | None,
    mode: str,
    persona_in: str,
    fmt: str,
    items: Sequence[str] | None,
    languages: Sequence[str],
    perturbations: Sequence,
    country_names: str,
) -> _Design:
    if mode not in MODES:
        raise PlanError(f"mode must be one of {MODES}, got {mode!r}")
    if fmt not in FORMATS:
        raise PlanError(f"format must be one of {FORMATS}, got {fmt!r}")
    if persona_in not in PERSONA_PLACES:
        raise PlanError(f"persona_in must be one of {PERSONA_PLACES}, got {persona_in!r}")
    if mode == "conversation" and fmt != "chat":
        raise PlanError("a conversation through all items needs the chat format")
    if replicates < 1:
        raise PlanError(f"replicates must be at least 1, got {replicates}")
    if labels not in LABEL_SCHEMES:
        raise PlanError(f"labels must be one of {LABEL_SCHEMES}, got {labels!r}")
    if country_names not in COUNTRY_NAMES:
        raise PlanError(f"country_names must be one of {COUNTRY_NAMES}, got {country_names!r}")
    settings = {**DEFAULT_SAMPLING, **(sampling or {})}
    if replicates > 1 and float(settings.get("temperature", 0)) <= 0:
        raise PlanError("replicates > 1 at temperature 0 would repeat the same answer; raise it")
    langs = tuple(dict.fromkeys(languages))
    if not langs:
        raise PlanError("no languages given")
    try:
        for lang in langs:
            check_language(lang)
        conditions = [as_condition(entry) for entry in perturbations] or [()]
    except ValueError as exc:
        raise PlanError(str(exc)) from None
    names = [condition_label(c) for c in conditions]
    if len(set(names)) < len(names):
        raise PlanError(f"perturbation levels given twice: {names}")
    if any(p.name == "synonyms" for c in conditions for p in c):
        without = [lang for lang in langs if lang not in synonym_languages()]
        if without:
            raise PlanError(
                f"no synonym table in language(s) {without}; languages with one: "
                f"{list(synonym_languages())}"
            )
    if wording != "default" and langs != ("en",):
        raise PlanError(f"wording {wording!r} is English only; languages asked: {list(langs)}")
    if paraphrased and langs != ("en",):
        raise PlanError(f"paraphrases are written in English only; languages asked: {list(langs)}")
    if isinstance(instrument, Instrument):
        if langs != (instrument.language,):
            raise PlanError(
                f"the instrument given is in {instrument.language!r}; languages asked: "
                f"{list(langs)} (pass the instrument's name to load each language)"
            )
        insts = {instrument.language: instrument}
    else:
        insts = {lang: load_instrument(instrument, wording, lang) for lang in langs}
    first = insts[langs[0]]
    chosen = list(items) if items is not None else first.codes
    for code in chosen:
        if code.lower() not in first:
            raise PlanError(f"unknown item {code!r}; items of {first.name}: {first.codes}")
    if isinstance(descriptor_set, str):
        descs = {lang: descriptors(descriptor_set, lang) for lang in langs}
    else:
        descs = {lang: list(descriptor_set) for lang in langs}
    if not descs[langs[0]]:
        raise PlanError("no respondent descriptors given")
    return _Design(
        languages=langs,
        instruments=insts,
        descriptors=descs,
        places=list(countries) if countries else [None],
        wordings=[0, 1, 2] if paraphrased else [0],
        conditions=conditions,
        replicates=replicates,
        items=chosen,
        settings=settings,
    )


def ivs_plan(
    model: str,
    *,
    instrument: Instrument | str = "ivs10",
    wording: str = "default",
    descriptor_set: str | Sequence[Descriptor] = "tao2024",
    countries: Sequence[str] | None = None,
    paraphrased: bool = False,
    permute: bool = False,
    labels: str = "default",
    replicates: int = 1,
    sampling: dict[str, Any] | None = None,
    mode: str = "single",
    persona_in: str = "system",
    fmt: str = "chat",
    items: Sequence[str] | None = None,
    logprobs: bool = True,
    constrained: bool = False,
    seed: int = 0,
    identity: str | None = None,
    languages: Sequence[str] = ("en",),
    perturbations: Sequence = (),
    country_names: str = "localized",
) -> Plan:
    """Plan the IVS-10 items for one model over languages × countries × descriptors × wordings ×
    perturbations × replicates.

    ``mode="single"`` asks each question in a fresh chat (Tao et al.); ``"conversation"``
    asks all items of a response set in one chat (the Hall reproduction). ``permute``
    shuffles listed options per cell (seeded; the order is recorded); ``labels="swapped"``
    shows letters where the item lists numbers and numbers where it lists letters.
    ``countries`` turns
    on cultural prompting: one identity per country. ``replicates`` > 1 needs a
    temperature above 0 (each replicate gets its own recorded sampling seed).
    ``constrained`` restricts replies to well-formed answers with a grammar (forced
    choice; llama.cpp only) — a different measurement from free replies, recorded per cell.

    ``languages`` asks the instrument in each language (``instruments.languages.LANGUAGES``):
    prompts, labels, descriptors and the cultural sentence in that language; identities
    outside English get `` | <language>`` (``"m | zh | Japan"``), so fits never pool
    languages. ``country_names="localized"`` shows pycountry's translated country name
    where it has one (``"as_given"`` keeps the name; the identity always keeps it, the text
    shown is recorded as ``country_shown``). Tao's wording and the paraphrases are English
    only. ``perturbations`` lists the levels of a perturbation factor, each a condition
    (``"none"``, ``"typo:0.05"``, ``"reverse+labels:letters"``, see
    ``instruments.perturbations``); the variant of a perturbed cell gets ``/<condition>``.

    Every cell records ``language``, ``shuffled`` (its option order was drawn at random, by
    ``permute`` or ``shuffle``), ``perturbation`` (the condition), ``perturbations``
    (one record per perturbation: name, seed, parameters, whether it applied and why not)
    and a flat column per perturbation in the plan (``typo`` rate and ``typo_seed``,
    ``synonyms``, ``reverse``, ``shuffle``, ``answer_format``; ``labels`` and
    ``persona_in`` as before), which ``Store.to_responses`` turns into columns.

    Size: ``languages × countries (1 without) × descriptors × wordings (3 with paraphrases)
    × perturbation levels × replicates × items`` cells, one call each (re-asks add calls).
    :func:`ivs_plan_size` takes the same arguments and reports the factors and the number
    of calls before anything is built; e.g. 2 languages × 107 countries × 50 descriptors ×
    3 perturbation levels × 10 items = 321,000 calls.
    """
    design = _design(
        instrument=instrument,
        wording=wording,
        descriptor_set=descriptor_set,
        countries=countries,
        paraphrased=paraphrased,
        labels=labels,
        replicates=replicates,
        sampling=sampling,
        mode=mode,
        persona_in=persona_in,
        fmt=fmt,
        items=items,
        languages=languages,
        perturbations=perturbations,
        country_names=country_names,
    )
    settings = design.settings
    kinds = design.perturbation_names
    label = identity or model
    cells: list[Cell] = []
    for lang, country, desc, w, condition, r in design.response_sets():
        inst = design.instruments[lang]
        who = label + (f" | {lang}" if lang != "en" else "") + (f" | {country}" if country else "")
        shown_country = country_name(country, lang, country_names) if country else ""
        system = cultural(desc.text, shown_country, lang) if country else desc.text
        level = condition_label(condition)
        variant = desc.name if not paraphrased else f"{desc.name}/w{w}"
        if condition:
            variant = f"{variant}/{level}"
        session = f"{who}|{variant}|{r}" if mode == "conversation" else ""
        for position, code in enumerate(design.items):
            item = inst[code]
            text = item.prompt if w == 0 else paraphrases(item.code)[w - 1]
            if labels == "swapped":
                swapped = relabel(item, text, 0, scheme="numbers" if item.letters else "letters")
                item, text = swapped.item, swapped.wording
            order = None
            if permute and permutable(item, text):
                order = option_order(item, seed, who, variant, r)
            seed_of = partial(_perturbation_seed, seed, who, variant, r, item.code)
            shown = perturb(item, text, condition, seed_of, order=order, columns=kinds)
            shuffled = order is not None or any(
                rec["name"] == "shuffle" and rec["applied"] for rec in shown.records
            )
            item, order = shown.item, shown.order
            place = shown.persona_in or persona_in
            question = shown.render()
            cell_sampling = dict(settings)
            if float(settings.get("temperature", 0)) > 0 and "seed" not in settings:
                cell_sampling["seed"] = _seed_for(seed, who, variant, r, item.code)
            if mode == "single" or position == 0:
                request = _request(system, question, fmt, place)
            else:
                request = Request(messages=({"role": "user", "content": question},))
            request = replace(
                request,
                sampling=cell_sampling,
                options=_option_labels(item, order) if logprobs else (),
                grammar=answer_grammar(item, order) if constrained else None,
            )
            omap = shown.option_map
            attrs = {
                "descriptor": desc.name,
                "persona_text": system,
                "persona_in": place,
                "country": country or "",
                "country_shown": shown_country,
                "language": lang,
                "wording": inst.wording if w == 0 else f"paraphrase{w}",
                "option_order": list(order) if order else [],
                "shuffled": shuffled,
                "labels": _scheme(item),
                "option_map": omap,
                "mode": mode,
                "format": fmt,
                "constrained": constrained,
                "perturbation": level,
                "perturbations": list(shown.records),
                **shown.columns,
            }
            cells.append(
                make_cell(
                    model,
                    who,
                    item.code,
                    request,
                    variant=variant,
                    replicate=r,
                    parser=partial(parse_answer, item, option_map=omap),
                    session=session,
                    attrs=attrs,
                )
            )
    first = design.instruments[design.languages[0]]
    meta = {
        "instrument": first.name,
        "wording": first.wording,
        "mode": mode,
        "seed": seed,
        "constrained": constrained,
        "languages": list(design.languages),
        "perturbations": [condition_label(c) for c in design.conditions],
    }
    return Plan(model, cells, meta)


def _perturbation_seed(seed: int, who: str, variant: str, replicate: int, item: str, pert) -> int:
    return _seed_for(seed, who, variant, replicate, item, pert.label)


def _scheme(item: Item) -> str:
    return "labels" if item.labelled else "letters" if item.letters else "numbers"


def _levels(values: Sequence[object], shown: int = 4) -> str:
    names = [str(v) for v in values]
    return ", ".join(names[:shown]) + (f", … ({len(names)})" if len(names) > shown else "")


@dataclass(frozen=True)
class PlanSize:
    """The factors an IVS plan crosses, their levels and the number of calls it makes."""

    factors: pd.DataFrame
    calls: int
    response_sets: int

    def to_frame(self) -> pd.DataFrame:
        """One row per factor: ``factor``, ``levels`` (how many), ``values`` (the first few)."""
        return self.factors.copy()

    def summary(self) -> Summary:
        """The factor table with the number of calls and response sets."""
        return Summary(
            "IVS plan size",
            {"factors": self.to_frame()},
            notes=[
                "calls = the product of the levels (languages may differ in descriptors); "
                "each re-ask of an unanswered cell adds one more call"
            ],
            info={"calls": self.calls, "response sets": self.response_sets},
        )


def ivs_plan_size(**options: Any) -> PlanSize:
    """The size of ``ivs_plan(**options)`` without building it: factors × levels and calls.

    Takes :func:`ivs_plan`'s keyword arguments (``model`` optional); arguments that do not
    change the size (``seed``, ``logprobs``, …) are accepted and ignored. Raises
    ``PlanError`` for the same malformed plans as ``ivs_plan``.

    Examples
    --------
    >>> size = ivs_plan_size(languages=("en", "zh"), perturbations=["none", "reverse"])
    >>> size.calls
    400
    """
    bound = inspect.signature(ivs_plan).bind(options.pop("model", "model"), **options)
    bound.apply_defaults()
    args = bound.arguments
    design = _design(**{k: args[k] for k in inspect.signature(_design).parameters})
    descriptor_counts = [len(design.descriptors[lang]) for lang in design.languages]
    rows = [
        ("language", len(design.languages), _levels(design.languages)),
        ("country", len(design.places), _levels([p or "(none)" for p in design.places])),
        (
            "descriptor",
            max(descriptor_counts),
            _levels([d.name for d in design.descriptors[design.languages[0]]]),
        ),
        ("wording", len(design.wordings), _levels([f"w{w}" for w in design.wordings])),
        (
            "perturbation",
            len(design.conditions),
            _levels([condition_label(c) for c in design.conditions]),
        ),
        ("replicate", design.replicates, _levels(list(range(design.replicates)))),
        ("item", len(design.items), _levels(design.items)),
    ]
    factors = pd.DataFrame(rows, columns=["factor", "levels", "values"])
    calls = design.calls
    return PlanSize(factors, calls, calls // len(design.items))
