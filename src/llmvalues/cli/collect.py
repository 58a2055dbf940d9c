"""``llmvalues collect`` and ``llmvalues demo``: register them on an argparse subparsers object."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from llmvalues.collect.backends import BACKENDS, BackendError, make_backend
from llmvalues.collect.ivs import FORMATS, MODES, PERSONA_PLACES, ivs_plan
from llmvalues.collect.plan import PlanError, text_plan
from llmvalues.collect.runner import CollectionAborted, Reask, collect
from llmvalues.collect.store import Store, StoreError
from llmvalues.instruments.variants import DESCRIPTOR_SETS, reask_text


def _countries(value: str | None) -> list[str | None] | None:
    """'preset:NAME' → the preset's reference countries; 'A,B' → those; '' → none."""
    if not value:
        return None
    if value.startswith("preset:"):
        from llmvalues.iw.presets import load_preset

        return list(load_preset(value.split(":", 1)[1]).countries["country"])
    return [c.strip() for c in value.split(",") if c.strip()]


def _backend(args: argparse.Namespace):
    options: dict = {}
    if args.backend == "openai":
        options = {
            "base_url": args.base_url,
            "api_key_env": args.api_key_env,
            "timeout": args.timeout,
            "rate_limit": args.rate_limit,
        }
    return make_backend(args.backend, args.model, **options)


def _cmd_collect(args: argparse.Namespace) -> int:
    sampling = {"temperature": args.temperature, "max_tokens": args.max_tokens}
    try:
        backend = _backend(args)
        if args.prompts:
            lines = Path(args.prompts).read_text(encoding="utf-8").splitlines()
            plan = text_plan(
                backend.model,
                [line for line in lines if line.strip()],
                system=args.system,
                sampling=sampling,
                replicates=args.replicates,
                mode=args.format,
            )
        else:
            plan = ivs_plan(
                backend.model,
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
            )
        reask = Reask(reask_text(), max_attempts=args.reask + 1) if args.reask else None
        with Store(args.store) as store:
            summary = collect(
                plan,
                backend,
                store,
                concurrency=args.concurrency,
                reask=reask,
                progress=not args.no_progress,
            )
            print(summary)
            if args.out:
                print(f"wrote {store.export(args.out, plan.keys)}")
    except (BackendError, PlanError, StoreError, CollectionAborted, ValueError, KeyError) as exc:
        print(f"llmvalues collect: {exc}", file=sys.stderr)
        return 2
    except (FileNotFoundError, RuntimeError) as exc:
        print(f"llmvalues collect: {exc}", file=sys.stderr)
        return 2
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from llmvalues.study.demo import run_demo

    result = run_demo(
        args.out, n_descriptors=args.descriptors, method=args.method, progress=not args.no_progress
    )
    print(result.table.to_string())
    shown = ", ".join(str(p) for p in result.figure) or "(no figure)"
    print(
        f"\n{result.sets} response sets, map by method={result.method}, "
        f"{result.seconds:.0f} s; wrote {result.responses}, {shown}"
    )
    return 0


def register(subparsers) -> None:
    """Add the ``collect`` and ``demo`` subcommands to an argparse subparsers object."""
    col = subparsers.add_parser(
        "collect", help="ask a model the IVS-10 items (or free-text prompts) into a store"
    )
    col.add_argument("--instrument", default="ivs10")
    col.add_argument("--wording", default="default", help="item wording: default or tao2024")
    col.add_argument("--backend", default="llamacpp", choices=BACKENDS)
    col.add_argument("--model", default=None, help="bundled name (smollm2, gemma3), path or id")
    col.add_argument("--base-url", default=None, help="OpenAI-compatible server (openai backend)")
    col.add_argument("--api-key-env", default="OPENAI_API_KEY", help="variable holding the key")
    col.add_argument("--timeout", type=float, default=60.0, help="seconds per HTTP call")
    col.add_argument("--rate-limit", type=float, default=None, help="requests per second")
    col.add_argument("--descriptors", default="tao2024", choices=DESCRIPTOR_SETS)
    col.add_argument("--countries", default="", help="'A,B,…' or 'preset:hall2025'")
    col.add_argument("--paraphrases", action="store_true", help="also ask two paraphrases")
    col.add_argument("--permute", action="store_true", help="shuffle listed options (seeded)")
    col.add_argument("--swap-labels", action="store_true", help="letters ↔ numbers on options")
    col.add_argument("--replicates", type=int, default=1)
    col.add_argument("--temperature", type=float, default=0.0)
    col.add_argument("--max-tokens", type=int, default=256)
    col.add_argument("--mode", default="single", choices=MODES)
    col.add_argument("--persona-in", default="system", choices=PERSONA_PLACES)
    col.add_argument("--format", default="chat", choices=FORMATS)
    col.add_argument("--items", default="", help="comma-separated item codes (default: all)")
    col.add_argument("--no-logprobs", action="store_true", help="skip option probabilities")
    col.add_argument("--constrained", action="store_true", help="forced choice (llama.cpp)")
    col.add_argument("--reask", type=int, default=0, help="re-ask up to N times if no answer")
    col.add_argument("--seed", type=int, default=0)
    col.add_argument("--prompts", default=None, help="free-text prompts file, one per line")
    col.add_argument("--system", default=None, help="system message for --prompts")
    col.add_argument("--store", default="llmvalues.sqlite", help="SQLite store (resumes)")
    col.add_argument("--concurrency", type=int, default=None)
    col.add_argument("--out", default=None, help="export final answers (.csv or .parquet)")
    col.add_argument("--no-progress", action="store_true")
    col.set_defaults(handler=_cmd_collect)

    demo = subparsers.add_parser(
        "demo", help="offline demo: the bundled model answers ≥ 100 times, then a map"
    )
    demo.add_argument("--out", default="llmvalues-demo", help="folder for store, table, figure")
    demo.add_argument("--descriptors", type=int, default=20, help="descriptors (×5 prompts)")
    demo.add_argument("--method", default=None, choices=["classic", "hierarchical"])
    demo.add_argument("--no-progress", action="store_true")
    demo.set_defaults(handler=_cmd_demo)
