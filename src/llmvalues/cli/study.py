"""``llmvalues study list | show | run | retest`` and ``llmvalues track``.

The work is done by :mod:`llmvalues.study`; this module only reads the command line,
prints, and turns bad input into one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from llmvalues.collect.backends import BACKENDS

INPUT_ERRORS = (ValueError, KeyError, RuntimeError, FileNotFoundError)


def _add_model_options(parser: argparse.ArgumentParser, required_out: bool = True) -> None:
    group = parser.add_argument_group("model and output")
    group.add_argument("--backend", default=None, choices=BACKENDS, help="default llamacpp")
    group.add_argument("--model", default=None, help="bundled name (smollm2, gemma3), path or id")
    group.add_argument("--base-url", default=None, help="OpenAI-compatible server (openai)")
    group.add_argument("--api-key-env", default="OPENAI_API_KEY", help="variable with the key")
    group.add_argument("--concurrency", type=int, default=None, help="calls in flight")
    group.add_argument("--rate-limit", type=float, default=None, help="requests per second")
    group.add_argument("--timeout", type=float, default=None, help="seconds per HTTP call")
    group.add_argument("--no-progress", action="store_true")


def _backend(args: argparse.Namespace, recorded: dict | None = None):
    """The backend of the command line (``recorded``: a study folder's, for what is not given)."""
    from llmvalues.collect.backends import make_backend

    recorded = recorded or {}
    kind = args.backend or recorded.get("backend") or "llamacpp"
    model = args.model or (recorded.get("model") if kind == recorded.get("backend") else None)
    options = {}
    if kind == "openai":
        options = {
            "base_url": args.base_url or recorded.get("base_url"),
            "api_key_env": args.api_key_env,
            "rate_limit": args.rate_limit,
        }
        if args.timeout is not None:
            options["timeout"] = args.timeout
    return make_backend(kind, model, **options)


def _selected(args: argparse.Namespace):
    from llmvalues.study import load_study

    study = load_study(args.study)
    countries = (
        [c.strip() for c in args.countries.split(",") if c.strip()] if args.countries else None
    )
    if countries is not None or args.descriptors is not None:
        study = study.select(countries=countries, descriptors=args.descriptors)
    return study


def _report(result) -> None:
    if result.collection is not None:
        print(result.collection)
    files = result.report
    if files.html is not None:
        print(f"report: {files.html}")
    print(f"{len(files.figures)} figure files, {len(files.tables)} table files, exports: "
          f"{', '.join(p.name for p in files.exports) or 'none'}")  # fmt: skip
    for line in files.skipped:
        print(f"figure not drawn: {line}")
    if result.change is not None:
        print(str(result.change.summary()))
    timing = ", ".join(f"{k} {v:.0f} s" for k, v in result.timings.items())
    print(f"dates: {', '.join(result.waves)}; {timing}")


def _failing(handler):
    """Bad input ends in one line on stderr and exit status 2, never a traceback."""

    def run(args: argparse.Namespace) -> int:
        from llmvalues.collect.backends import BackendError
        from llmvalues.collect.runner import CollectionAborted

        try:
            return handler(args)
        except (BackendError, CollectionAborted, *INPUT_ERRORS) as exc:
            text = " ".join(str(exc.args[0] if isinstance(exc, KeyError) else exc).split())
            print(f"llmvalues {args.command}: {text}", file=sys.stderr)
            return 2

    return run


def _cmd_list(args: argparse.Namespace) -> int:
    from llmvalues.study import list_studies
    from llmvalues.study.plan import estimate, study_plan

    for study in list_studies():
        calls = estimate(study_plan(study, "MODEL")).calls
        print(f"{study.name}: {study.title}\n  {calls:,} calls per model; preset {study.preset}")
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from llmvalues.study.plan import estimate, study_plan

    study = _selected(args)
    print(study.to_yaml(), end="")
    print(
        f"# {estimate(study_plan(study, 'MODEL'), args.price_in, args.price_out)}".replace(
            "\n", "\n# "
        )
    )
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from llmvalues.study import prepare, run_study

    study = _selected(args)
    backend = _backend(args)
    prepared = prepare(
        study, backend.model, Path(args.out), args.price_in, args.price_out, args.label
    )
    print(f"study {study.name} for {backend.model}: {prepared.estimate}")
    if args.dry_run:
        return 0
    result = run_study(
        prepared,
        backend,
        store=args.store,
        concurrency=args.concurrency,
        progress=not args.no_progress,
    )
    _report(result)
    return 0


def _cmd_retest(args: argparse.Namespace) -> int:
    from llmvalues.study import retest_study
    from llmvalues.study.waves import StudyFolder

    folder = StudyFolder.load(args.folder)
    backend = _backend(args, folder.backend)
    result = retest_study(
        args.folder,
        backend,
        concurrency=args.concurrency,
        progress=not args.no_progress,
        label=args.label,
    )
    _report(result)
    return 0


def _cmd_track(args: argparse.Namespace) -> int:
    from llmvalues.study import track_store

    options = {"draws": args.draws, "tune": args.tune, "chains": args.chains}
    if args.seed is not None:
        options["random_seed"] = args.seed
    result = track_store(
        args.store,
        args.out,
        model=args.model,
        preset=args.preset,
        threshold=args.threshold,
        level=args.level,
        fit_options=options,
    )
    _report(result)
    return 0


def _add_subset(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "study", help="a built-in study (llmvalues study list) or a .yaml/.json file"
    )
    parser.add_argument(
        "--countries", default=None, help="'A,B': other countries for cultural prompting"
    )
    parser.add_argument(
        "--descriptors", type=int, default=None, help="only the first N descriptors"
    )
    parser.add_argument(
        "--price-in", type=float, default=None, help="price per million input tokens"
    )
    parser.add_argument(
        "--price-out", type=float, default=None, help="price per million output tokens"
    )


def register(subparsers) -> None:
    """Add ``study`` (list, show, run, retest) and ``track`` to an argparse subparsers object."""
    from llmvalues.iw.presets import DEFAULT_PRESET, PRESETS

    study = subparsers.add_parser("study", help="published studies as one command, with a report")
    sub = study.add_subparsers(dest="action", required=True)

    listing = sub.add_parser("list", help="the built-in studies")
    listing.set_defaults(handler=_failing(_cmd_list))

    show = sub.add_parser("show", help="print a study as resolved, with its size")
    _add_subset(show)
    show.set_defaults(handler=_failing(_cmd_show))

    run = sub.add_parser("run", help="plan, price, collect (resuming), fit and report a study")
    _add_subset(run)
    _add_model_options(run)
    run.add_argument("--out", required=True, help="the study folder (report, store, tables)")
    run.add_argument("--store", default=None, help="SQLite store (default OUT/store.sqlite)")
    run.add_argument("--label", default=None, help="the model's name in the identities")
    run.add_argument("--dry-run", action="store_true", help="print the calls and cost, then stop")
    run.set_defaults(handler=_failing(_cmd_run))

    retest = sub.add_parser("retest", help="ask a study folder's plan again on a new date")
    retest.add_argument("folder", help="a folder written by `llmvalues study run`")
    _add_model_options(retest)
    retest.add_argument("--label", default=None, help="the model's name in the identities")
    retest.set_defaults(handler=_failing(_cmd_retest))

    track = subparsers.add_parser("track", help="change over the collection dates in a store")
    track.add_argument("--store", required=True, help="a SQLite store with several dates")
    track.add_argument("--out", required=True, help="folder for the report")
    track.add_argument("--model", default=None, help="the model asked (if the store has several)")
    track.add_argument("--preset", default=DEFAULT_PRESET, choices=PRESETS)
    track.add_argument("--threshold", type=float, default=0.2, help="shift of interest (map units)")
    track.add_argument("--level", type=float, default=0.9, help="interval probability")
    track.add_argument("--draws", type=int, default=1000)
    track.add_argument("--tune", type=int, default=1000)
    track.add_argument("--chains", type=int, default=4)
    track.add_argument("--seed", type=int, default=None)
    track.set_defaults(handler=_failing(_cmd_track))
