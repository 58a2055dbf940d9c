"""The IVS-10 plan: Tao-style single-turn chats or one conversation, over prompt variants."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from dataclasses import replace as dc_replace
from functools import partial
from typing import Any

from llmvalues.collect.backends.base import DEFAULT_SAMPLING, Request
from llmvalues.collect.options import choice_grammar, quote_gbnf
from llmvalues.collect.plan import Cell, Plan, PlanError, make_cell
from llmvalues.instruments import Instrument, Item, load_instrument, parse_answer
from llmvalues.instruments.variants import (
    Descriptor,
    cultural,
    descriptors,
    option_order,
    paraphrases,
    permutable,
)

MODES = ("single", "conversation")
FORMATS = ("chat", "completion")
PERSONA_PLACES = ("system", "user")
LABEL_SCHEMES = ("default", "swapped")


def swap_labels(item: Item, wording: str) -> tuple[Item, str]:
    """The item with letters for numbers (or numbers for letters) on its listed options.

    Only items that list labelled options change; the reply is then parsed as a letter
    (or a number) through the shown-label map, so the raw codes stay the same.
    """
    if not permutable(item, wording) or item.kind not in ("scale", "options"):
        return item, wording
    if len(item.labels) != item.n_categories:
        return item, wording
    letters = not item.letters
    prompt = wording.replace("the number of your answer", "the letter of your answer")
    if not letters:
        prompt = wording.replace("the letter of your answer", "the number of your answer")
        prompt = prompt.replace("the letter only", "the number only")
    else:
        prompt = prompt.replace("the number only", "the letter only")
    swapped = dc_replace(item, letters=letters, kind="options" if letters else "scale")
    return swapped, prompt


def _seed_for(*parts: object) -> int:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def _option_labels(item, order) -> tuple[str, ...]:
    if item.kind in ("scale", "options"):
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
    return choice_grammar(item.option_map(order))


def _request(system: str, question: str, fmt: str, persona_in: str) -> Request:
    if fmt == "completion":
        return Request(prompt=f"{system}\n\n{question}\nAnswer:")
    if persona_in == "system":
        messages = ({"role": "system", "content": system}, {"role": "user", "content": question})
    else:
        messages = ({"role": "user", "content": f"{system}\n\n{question}"},)
    return Request(messages=messages)


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
) -> Plan:
    """Plan the IVS-10 items for one model over descriptors × wordings × countries × replicates.

    ``mode="single"`` asks each question in a fresh chat (Tao et al.); ``"conversation"``
    asks all items of a response set in one chat (the Hall reproduction). ``permute``
    shuffles listed options per cell (seeded; the order is recorded); ``labels="swapped"``
    shows letters where the item lists numbers and numbers where it lists letters.
    ``countries`` turns
    on cultural prompting: one identity per country. ``replicates`` > 1 needs a
    temperature above 0 (each replicate gets its own recorded sampling seed).
    ``constrained`` restricts replies to well-formed answers with a grammar (forced
    choice; llama.cpp only) — a different measurement from free replies, recorded per cell.
    """
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
    settings = {**DEFAULT_SAMPLING, **(sampling or {})}
    if replicates > 1 and float(settings.get("temperature", 0)) <= 0:
        raise PlanError("replicates > 1 at temperature 0 would repeat the same answer; raise it")
    inst = (
        instrument if isinstance(instrument, Instrument) else load_instrument(instrument, wording)
    )
    chosen = list(items) if items is not None else inst.codes
    for code in chosen:
        if code.lower() not in inst:
            raise PlanError(f"unknown item {code!r}; items of {inst.name}: {inst.codes}")
    descs = descriptors(descriptor_set) if isinstance(descriptor_set, str) else list(descriptor_set)
    if not descs:
        raise PlanError("no respondent descriptors given")
    wordings = [0, 1, 2] if paraphrased else [0]
    label = identity or model
    places = list(countries) if countries else [None]
    cells: list[Cell] = []
    for country in places:
        who = f"{label} | {country}" if country else label
        for desc in descs:
            system = cultural(desc.text, country) if country else desc.text
            for w in wordings:
                variant = desc.name if not paraphrased else f"{desc.name}/w{w}"
                for r in range(replicates):
                    session = f"{who}|{variant}|{r}" if mode == "conversation" else ""
                    for position, code in enumerate(chosen):
                        item = inst[code]
                        text = item.prompt if w == 0 else paraphrases(item.code)[w - 1]
                        if labels == "swapped":
                            item, text = swap_labels(item, text)
                        order = None
                        if permute and permutable(item, text):
                            order = option_order(item, seed, who, variant, r)
                        question = item.render(text, order)
                        cell_sampling = dict(settings)
                        if float(settings.get("temperature", 0)) > 0 and "seed" not in settings:
                            cell_sampling["seed"] = _seed_for(seed, who, variant, r, item.code)
                        if mode == "single" or position == 0:
                            request = _request(system, question, fmt, persona_in)
                        else:
                            request = Request(messages=({"role": "user", "content": question},))
                        request = replace(
                            request,
                            sampling=cell_sampling,
                            options=_option_labels(item, order) if logprobs else (),
                            grammar=answer_grammar(item, order) if constrained else None,
                        )
                        omap = item.option_map(order)
                        attrs = {
                            "descriptor": desc.name,
                            "persona_text": system,
                            "persona_in": persona_in,
                            "country": country or "",
                            "wording": inst.wording if w == 0 else f"paraphrase{w}",
                            "option_order": list(order) if order else [],
                            "labels": "letters" if item.letters else "numbers",
                            "option_map": omap,
                            "mode": mode,
                            "format": fmt,
                            "constrained": constrained,
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
    meta = {
        "instrument": inst.name,
        "wording": inst.wording,
        "mode": mode,
        "seed": seed,
        "constrained": constrained,
    }
    return Plan(model, cells, meta)
