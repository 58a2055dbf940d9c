"""``llmvalues univar bank | collect | run | map``: UniVaR from the command line."""

from __future__ import annotations

import argparse
import time

from llmvalues.cli.options import (
    add_model_options,
    add_out_option,
    backend_from,
    handles,
    out_folder,
    positive_int,
    read_table,
    store_path,
    wrote,
)


def _cmd_bank(args: argparse.Namespace) -> int:
    from llmvalues.univar.bank import load_bank

    frame = load_bank().to_frame()
    summary = frame.groupby(["kind", "framework"]).agg(
        values=("value", "nunique"), questions=("qid", "nunique"), wordings=("key", "size")
    )
    print(summary.to_string())
    path = out_folder(args) / "bank.csv"
    frame.to_csv(path, index=False)
    print(f"{len(frame)} wordings")
    wrote([path])
    return 0


def _cmd_collect(args: argparse.Namespace) -> int:
    import pandas as pd

    from llmvalues.collect.store import Store
    from llmvalues.instruments.perturbations import parse_languages
    from llmvalues.univar.bank import CONTROL, VALUE, load_bank
    from llmvalues.univar.collection import (
        BackendTranslator,
        collect_qa,
        country_identities,
        language_identities,
        persona_identities,
    )

    languages = [lang for lang in parse_languages(args.languages) if lang != "en"]
    bank = load_bank()
    questions = bank.select(VALUE, n=args.n_value, paraphrases=args.paraphrases, seed=args.seed)
    if args.n_control:
        questions += bank.select(
            CONTROL, n=args.n_control, paraphrases=args.paraphrases, seed=args.seed
        )
    others = args.countries or languages
    identities = persona_identities(args.personas or None) if args.personas or not others else []
    identities += country_identities(args.countries or [])
    identities += language_identities(languages)
    out = out_folder(args) / "qa.csv"
    backend = backend_from(args)
    sampling = {"temperature": args.temperature, "max_tokens": args.max_tokens}
    with Store(store_path(args)) as store:
        translator = BackendTranslator(backend, store) if args.translate == "model" else None
        qa = collect_qa(
            backend,
            questions,
            identities,
            store,
            sampling=sampling,
            translator=translator,
            question_translator=translator,
            progress=not args.no_progress,
        )
    if args.append and out.is_file():
        qa = pd.concat([read_table(out, "QA"), qa], ignore_index=True).drop_duplicates("cell_key")
    qa.to_csv(out, index=False)
    print(f"{len(qa)} QAs of {qa['identity'].nunique()} identities")
    wrote([out])
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from llmvalues.plots import save_figure
    from llmvalues.univar.experiment import run_experiment
    from llmvalues.univar.train import TrainConfig

    config = TrainConfig(
        lam=args.lam,
        batch_pairs=args.batch_pairs,
        lr=args.lr,
        warmup_steps=args.warmup,
        epochs=args.epochs,
        max_steps=args.steps,
        max_length=args.max_length,
        chunk_size=args.chunk_size,
        precision=args.precision,
        seed=args.seed,
        save_every=args.save_every,
    )
    out = out_folder(args)
    started = time.time()
    result = run_experiment(
        read_table(args.qa, "QA"),
        config,
        base_path=args.base,
        out_dir=out,
        test_size=args.test_size,
        seed=args.seed,
        k=args.k,
        holdout_models=args.holdout_models,
        map_methods=args.maps,
        group=args.group,
    )
    for method in result.maps:
        save_figure(result.plot(method=method), out / f"map_{method}")
    print(result.summary())
    wrote(p for p in sorted(out.iterdir()) if p.stat().st_mtime >= started)
    return 0


def _cmd_map(args: argparse.Namespace) -> int:
    from llmvalues.embeddings import load_encoder
    from llmvalues.plots import save_figure
    from llmvalues.plots.univar import plot_value_map
    from llmvalues.univar.maps import value_coordinates

    out = out_folder(args)
    qa = read_table(args.qa, "QA")
    if args.kind != "all":
        qa = qa[qa["kind"] == args.kind]
    points = value_coordinates(load_encoder(args.encoder), qa, args.method, args.group, args.seed)
    wrote(save_figure(plot_value_map(points), out / f"value_map_{args.method}"))
    return 0


def add_univar(parser: argparse.ArgumentParser) -> None:
    """``llmvalues univar`` and its subcommands."""
    sub = parser.add_subparsers(dest="univar_command", required=True, metavar="STEP")

    bank = sub.add_parser("bank", help="summarise the question bank; write all wordings")
    add_out_option(bank)
    handles(bank, _cmd_bank)

    col = sub.add_parser("collect", help="ask identities the bank's questions through the store")
    col.add_argument("--personas", nargs="*", default=None, help="packaged personas (default all)")
    col.add_argument("--countries", nargs="*", default=None, help="cultural-prompting countries")
    col.add_argument(
        "--languages",
        default="en",
        help="comma-separated language codes: one identity answering in each (besides en)",
    )
    col.add_argument(
        "--translate",
        default="none",
        choices=["none", "model"],
        help="'model': the collecting model puts questions into each identity's language and "
        "answers back into English; 'none' keeps the English questions and the answers as "
        "given (every QA row records which translator ran)",
    )
    col.add_argument("--n-value", type=int, default=60, help="value questions (spread over values)")
    col.add_argument("--n-control", type=int, default=20, help="control questions")
    col.add_argument(
        "--paraphrases", nargs="+", type=int, default=[0], help="wordings to ask (0 1 2)"
    )
    col.add_argument("--max-tokens", type=positive_int, default=96)
    col.add_argument("--temperature", type=float, default=0.0)
    col.add_argument("--seed", type=int, default=0)
    col.add_argument("--append", action="store_true", help="add to the folder's qa.csv")
    add_model_options(col)
    handles(col, _cmd_collect)

    run = sub.add_parser("run", help="train, evaluate against the base encoder, map")
    run.add_argument("qa", help="QA table (CSV or Parquet)")
    run.add_argument("--base", default=None, help="base sentence-transformers model directory")
    run.add_argument("--lam", type=int, default=5, help="most QAs per view (λ)")
    run.add_argument("--batch-pairs", type=int, default=64)
    run.add_argument("--lr", type=float, default=2e-4)
    run.add_argument("--warmup", type=int, default=700)
    run.add_argument("--epochs", type=float, default=3.0)
    run.add_argument("--steps", type=int, default=None, help="stop after this many steps")
    run.add_argument("--max-length", type=int, default=None)
    run.add_argument("--chunk-size", type=int, default=None, help="gradient-cache micro-batch")
    run.add_argument("--precision", default="auto", choices=["auto", "bf16", "fp32"])
    run.add_argument("--save-every", type=int, default=0, help="checkpoint every N steps")
    run.add_argument("--test-size", type=float, default=0.25)
    run.add_argument("--k", type=int, default=50, help="neighbours of the k-NN evaluation")
    run.add_argument("--holdout-models", nargs="*", default=[], help="models unseen in training")
    run.add_argument("--maps", nargs="*", default=["tsne", "umap"], choices=["tsne", "umap"])
    run.add_argument("--group", default="group", help="column that colours the map")
    run.add_argument("--seed", type=int, default=0)
    add_out_option(run)
    handles(run, _cmd_run)

    draw = sub.add_parser("map", help="map QA embeddings of an encoder")
    draw.add_argument("qa", help="QA table (CSV or Parquet)")
    draw.add_argument("--encoder", default=None, help="encoder directory (default: base MiniLM)")
    draw.add_argument("--method", default="tsne", choices=["tsne", "umap"])
    draw.add_argument("--kind", default="value", choices=["value", "control", "all"])
    draw.add_argument("--group", default="group")
    draw.add_argument("--seed", type=int, default=0)
    add_out_option(draw)
    handles(draw, _cmd_map)
