"""``llmvalues study list | show | run | retest`` and ``llmvalues track``.

The work is done by :mod:`llmvalues.study`; this module reads the command line (the
shared model and output options of :mod:`llmvalues.cli.options`) and prints. Bad input
ends in one line and exit status 2 through :func:`llmvalues.cli.failure.run`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from llmvalues.cli.options import (
    add_model_options,
    add_out_option,
    backend_from,
    handles,
    out_folder,
    positive_float,
    positive_int,
    split_model,
    wrote,
)


def _selected(args: argparse.Namespace):
    """The study named on the command line, with the ``--countries``/``--descriptors`` subset."""
    from llmvalues.study import load_study

    study = load_study(args.study)
    countries = None
    if args.countries:
        countries = [c.strip() for c in args.countries.split(",") if c.strip()]
    if countries is not None or args.descriptors is not None:
        study = study.select(countries=countries, descriptors=args.descriptors)
    return study


def _report(result) -> None:
    if result.collection is not None:
        print(result.collection)
    for name, why in result.unfitted.items():
        print(f"fit {name} not made: {why}")
    if result.change is not None:
        print(result.change.summary())
    for line in result.report.skipped:
        print(f"figure not drawn: {line}")
    timing = ", ".join(f"{k} {v:.0f} s" for k, v in result.timings.items())
    print(f"collection dates: {', '.join(result.waves)}; {timing}")
    wrote([result.report.html or result.out, result.store])


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
    cost = estimate(study_plan(study, "MODEL"), args.price_in, args.price_out)
    print("# " + str(cost).replace("\n", "\n# "))
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from llmvalues.study import prepare, run_study

    study = _selected(args)
    out = Path(args.out)
    if args.dry_run:  # no backend (nor key) is needed to count and price the calls
        model = split_model(args.model, args.backend)[1] or "smollm2"
        prepared = prepare(study, model, out, args.price_in, args.price_out, args.label)
        print(f"study {study.name} for {model}: {prepared.estimate}")
        return 0
    backend = backend_from(args)
    prepared = prepare(study, backend.model, out, args.price_in, args.price_out, args.label)
    print(f"study {study.name} for {backend.model}: {prepared.estimate}")
    out_folder(args)
    result = run_study(
        prepared, backend, store=args.store, progress=not args.no_progress, n_jobs=args.jobs
    )
    _report(result)
    return 0


def _recorded_backend(args: argparse.Namespace, recorded: dict):
    """The backend a study folder recorded (its kind, model and server; the key from the
    environment), unless ``--model`` names another."""
    if args.model is not None:
        return backend_from(args)
    from llmvalues.collect.backends import make_backend

    kind = recorded.get("backend", "llamacpp")
    options = {}
    if kind == "openai":
        options = {
            "base_url": args.base_url or recorded.get("base_url"),
            "api_key_env": args.api_key_env,
            "rate_limit": args.rate_limit,
        }
    backend = make_backend(kind, recorded.get("model"), **options)
    if args.concurrency is not None:
        backend.max_concurrency = args.concurrency
    return backend


def _cmd_retest(args: argparse.Namespace) -> int:
    from llmvalues.study import retest_study
    from llmvalues.study.waves import StudyFolder

    folder = StudyFolder.load(args.folder)
    backend = _recorded_backend(args, folder.backend)
    result = retest_study(
        args.folder, backend, progress=not args.no_progress, label=args.label, n_jobs=args.jobs
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
        out_folder(args),
        model=args.model,
        preset=args.preset,
        threshold=args.threshold,
        level=args.level,
        fit_options=options,
    )
    _report(result)
    return 0


def _add_study_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "study", help="a built-in study (see `llmvalues study list`) or a .yaml/.json file"
    )
    parser.add_argument(
        "--countries", default=None, metavar="A,B", help="other countries for cultural prompting"
    )
    parser.add_argument(
        "--descriptors", type=positive_int, default=None, metavar="N", help="the first N only"
    )
    parser.add_argument(
        "--price-in", type=positive_float, default=None, help="price per million input tokens"
    )
    parser.add_argument(
        "--price-out", type=positive_float, default=None, help="price per million output tokens"
    )


def _add_jobs_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--jobs",
        type=positive_int,
        default=1,
        metavar="N",
        help="the study's fits at once, in worker processes (default 1)",
    )


def add_study(parser: argparse.ArgumentParser) -> None:
    """Options of ``llmvalues study`` and its actions (list, show, run, retest)."""
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    handles(sub.add_parser("list", help="the built-in studies and their size"), _cmd_list)

    show = sub.add_parser("show", help="print a study as resolved, with its size and cost")
    _add_study_argument(show)
    handles(show, _cmd_show)

    run = sub.add_parser(
        "run", help="print the calls and cost, collect (resuming), fit and write the report"
    )
    _add_study_argument(run)
    run.add_argument("--label", default=None, help="the model's name in the identities")
    run.add_argument("--dry-run", action="store_true", help="print the calls and cost, then stop")
    _add_jobs_argument(run)
    add_model_options(run)
    handles(run, _cmd_run)

    retest = sub.add_parser(
        "retest", help="ask a study folder's plan again on a new date; the report shows the change"
    )
    retest.add_argument("folder", help="a folder written by `llmvalues study run`")
    retest.add_argument("--label", default=None, help="the model's name in the identities")
    _add_jobs_argument(retest)
    add_model_options(retest)
    handles(retest, _cmd_retest)


def add_track(parser: argparse.ArgumentParser) -> None:
    """Options of ``llmvalues track``: the change report of a store's collection dates."""
    from llmvalues.iw.presets import DEFAULT_PRESET, PRESETS

    parser.add_argument("--store", required=True, help="a SQLite store with several dates")
    parser.add_argument("--model", default=None, help="the model asked (if the store has several)")
    parser.add_argument("--preset", default=DEFAULT_PRESET, choices=PRESETS)
    parser.add_argument(
        "--threshold", type=positive_float, default=0.2, help="shift of interest (map units)"
    )
    parser.add_argument("--level", type=positive_float, default=0.9, help="interval probability")
    parser.add_argument("--draws", type=positive_int, default=1000)
    parser.add_argument("--tune", type=positive_int, default=1000)
    parser.add_argument("--chains", type=positive_int, default=4)
    parser.add_argument("--seed", type=int, default=None)
    add_out_option(parser)
    handles(parser, _cmd_track)
