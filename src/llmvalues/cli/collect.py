"""``llmvalues collect`` and ``llmvalues demo``: ask a model, keep every answer in a store."""

from __future__ import annotations

import argparse
from pathlib import Path

from llmvalues.cli.options import (
    add_model_options,
    backend_from,
    handles,
    out_folder,
    positive_int,
    store_path,
    wrote,
)
from llmvalues.errors import InputError


def _countries(value: str) -> list[str | None] | None:
    """'preset:NAME' → the preset's reference countries; 'A,B' → those; '' → none."""
    if not value:
        return None
    if value.startswith("preset:"):
        from llmvalues.iw.presets import load_preset

        return list(load_preset(value.split(":", 1)[1]).countries["country"])
    return [c.strip() for c in value.split(",") if c.strip()]


def _prompts(args: argparse.Namespace) -> list[str] | None:
    """The free-text prompts of ``--prompts`` (one per non-blank line), if given."""
    if not args.prompts:
        return None
    path = Path(args.prompts)
    if not path.is_file():
        raise InputError(f"no such prompts file: {path}")
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not lines:
        raise InputError(f"{path} holds no prompts (one per line)")
    return lines


def _factors(args: argparse.Namespace) -> dict:
    """The languages and perturbation levels asked, checked before any model is loaded."""
    from llmvalues.instruments.perturbations import parse_languages, parse_perturbations

    if args.prompts and (args.languages != "en" or args.perturb):
        raise InputError("--languages and --perturb apply to the IVS items, not to --prompts")
    return {
        "languages": parse_languages(args.languages),
        "perturbations": parse_perturbations(args.perturb),
    }


def _plan(args: argparse.Namespace, model: str, prompts: list[str] | None, factors: dict):
    from llmvalues.collect.ivs import ivs_plan
    from llmvalues.collect.plan import text_plan

    sampling = {"temperature": args.temperature, "max_tokens": args.max_tokens}
    if prompts:
        return text_plan(
            model,
            prompts,
            system=args.system,
            sampling=sampling,
            replicates=args.replicates,
            fmt=args.format,
        )
    return ivs_plan(
        model,
        instrument=args.instrument,
        wording=args.wording,
        descriptor_set=args.descriptors,
        countries=_countries(args.countries),
        paraphrased=args.paraphrases,
        permute=args.permute,
        labels="swapped" if args.swap_labels else "default",
        replicates=args.replicates,
        sampling=sampling,
        mode=args.mode,
        persona_in=args.persona_in,
        fmt=args.format,
        items=args.items.split(",") if args.items else None,
        logprobs=not args.no_logprobs,
        constrained=args.constrained,
        seed=args.seed,
        country_names=args.country_names,
        **factors,
    )


def _by_language(plan):
    """The plan split into one plan per language (cells in plan order), for re-asking."""
    from llmvalues.collect.plan import Plan

    languages = dict.fromkeys(cell.attrs.get("language", "en") for cell in plan.cells)
    return [
        (
            lang,
            Plan(
                plan.model,
                [c for c in plan.cells if c.attrs.get("language", "en") == lang],
                plan.metadata,
            ),
        )
        for lang in languages
    ]


def _cmd_collect(args: argparse.Namespace) -> int:
    from llmvalues.collect.runner import Reask, collect
    from llmvalues.collect.store import Store
    from llmvalues.instruments.variants import reask_text

    out = out_folder(args)
    prompts = _prompts(args)
    factors = _factors(args)
    backend = backend_from(args)
    plan = _plan(args, backend.model, prompts, factors)
    # the re-ask is written in the language asked: one run per language when re-asking
    runs = _by_language(plan) if args.reask and not prompts else [("en", plan)]
    with Store(store_path(args)) as store:
        for language, part in runs:
            reask = Reask(reask_text(language), max_attempts=args.reask + 1) if args.reask else None
            summary = collect(part, backend, store, reask=reask, progress=not args.no_progress)
            print(summary)
        wrote([store.export(out / "responses.csv", plan.keys)])
    return 0


def add_collect(parser: argparse.ArgumentParser) -> None:
    """Options of ``llmvalues collect``."""
    from llmvalues.collect.ivs import FORMATS, MODES, PERSONA_PLACES
    from llmvalues.instruments.languages import COUNTRY_NAMES
    from llmvalues.instruments.variants import DESCRIPTOR_SETS

    ask = parser.add_argument_group("what to ask")
    ask.add_argument("--instrument", default="ivs10")
    ask.add_argument("--wording", default="default", help="item wording: default or tao2024")
    ask.add_argument("--descriptors", default="tao2024", choices=DESCRIPTOR_SETS)
    ask.add_argument("--countries", default="", help="'A,B,…' or 'preset:hall2025'")
    ask.add_argument(
        "--languages",
        default="en",
        help="comma-separated language codes (en,zh,es,ar,ru,de,ja,hi,fr,pt) or 'all'; "
        "identities outside English get ' | <language>'",
    )
    ask.add_argument(
        "--perturb",
        default="",
        metavar="LEVELS",
        help="levels of a perturbation factor, comma-separated, '+' joins perturbations: "
        "'none,typo:0.05,reverse+labels:letters' (docs/collection.md lists them)",
    )
    ask.add_argument(
        "--country-names",
        default="localized",
        choices=COUNTRY_NAMES,
        help="country names in the prompt: translated where pycountry has one, or as given",
    )
    ask.add_argument("--paraphrases", action="store_true", help="also ask two paraphrases")
    ask.add_argument("--permute", action="store_true", help="shuffle listed options (seeded)")
    ask.add_argument("--swap-labels", action="store_true", help="letters ↔ numbers on options")
    ask.add_argument("--replicates", type=positive_int, default=1)
    ask.add_argument("--temperature", type=float, default=0.0)
    ask.add_argument("--max-tokens", type=positive_int, default=256)
    ask.add_argument("--mode", default="single", choices=MODES)
    ask.add_argument("--persona-in", default="system", choices=PERSONA_PLACES)
    ask.add_argument("--format", default="chat", choices=FORMATS)
    ask.add_argument("--items", default="", help="comma-separated item codes (default: all)")
    ask.add_argument("--no-logprobs", action="store_true", help="skip option probabilities")
    ask.add_argument("--constrained", action="store_true", help="forced choice (llama.cpp)")
    ask.add_argument("--reask", type=int, default=0, help="re-ask up to N times if no answer")
    ask.add_argument("--seed", type=int, default=0)
    ask.add_argument("--prompts", default=None, help="free-text prompts file, one per line")
    ask.add_argument("--system", default=None, help="system message for --prompts")
    add_model_options(parser)
    handles(parser, _cmd_collect)


def _cmd_demo(args: argparse.Namespace) -> int:
    from llmvalues.study.demo import run_demo

    out = out_folder(args)
    result = run_demo(
        out,
        n_descriptors=args.descriptors,
        method=args.method,
        progress=not args.no_progress,
        backend=backend_from(args),
        store=store_path(args),
    )
    print(result.table)
    print(f"\n{result.sets} response sets, map by method={result.method}, {result.seconds:.0f} s")
    wrote([result.report, result.store, result.responses, *result.figure])
    return 0


def add_demo(parser: argparse.ArgumentParser) -> None:
    """Options of ``llmvalues demo``."""
    parser.add_argument(
        "--descriptors", type=positive_int, default=20, help="descriptors (×5 prompts)"
    )
    parser.add_argument("--method", default=None, choices=["classic", "hierarchical"])
    add_model_options(parser)
    handles(parser, _cmd_demo)
