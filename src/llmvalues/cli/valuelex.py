"""``llmvalues valuelex elicit | rate | analyse | projective``: the ValueLex pipeline on the command line."""

from __future__ import annotations

import argparse
import json

from llmvalues.cli.options import (
    add_model_options,
    add_out_option,
    backends_from,
    handles,
    out_folder,
    positive_int,
    read_table,
    require_columns,
    store_path,
    wrote,
)


def _config(args: argparse.Namespace):
    from llmvalues.valuelex.resources import load_personas, load_prompts
    from llmvalues.valuelex.study import ValueLexConfig

    personas = load_personas(args.personas_file, args.language)
    return ValueLexConfig(
        personas=personas[: args.personas] if args.personas else personas,
        n_samples=args.samples,
        prompts=load_prompts(args.prompts_file, args.language),
        prompts_per_respondent=args.prompts_per_respondent,
        fmt=args.format,
        min_count=args.min_count,
        min_respondents=args.min_respondents,
        max_terms=args.max_terms,
        score=args.score,
        min_mass=args.min_mass,
        n_factors=args.factors,
        n_dimensions=args.dimensions,
        rotation=args.rotation,
        cutoff=args.cutoff,
        reliability_boot=args.reliability_boot,
        seed=args.seed,
    )


def _cmd_elicit(args: argparse.Namespace) -> int:
    from llmvalues.collect.store import Store
    from llmvalues.valuelex.study import collect_elicitation, lexicon_from

    config = _config(args)
    out = out_folder(args)
    backends = backends_from(args)
    with Store(store_path(args)) as store:
        replies = collect_elicitation(backends, store, config, progress=not args.no_progress)
    lexicon = lexicon_from(replies, config)
    tables = {
        "replies.csv": replies,
        "terms.csv": lexicon.terms,
        "mapping.csv": lexicon.mapping,
        "reply_status.csv": lexicon.replies,
    }
    for name, table in tables.items():
        table.to_csv(out / name, index=False)
    print(lexicon.summary())
    wrote(out / name for name in tables)
    return 0


def _cmd_rate(args: argparse.Namespace) -> int:
    from llmvalues.collect.store import Store
    from llmvalues.valuelex.study import collect_ratings

    config = _config(args)
    terms_table = read_table(args.terms, "terms")
    require_columns(terms_table, ["term"], args.terms)
    if "kept" in terms_table.columns:
        terms_table = terms_table[terms_table["kept"].astype(bool)]
    terms = terms_table["term"].tolist()
    terms = terms[: config.max_terms] if config.max_terms else terms
    out = out_folder(args)
    backends = backends_from(args)
    with Store(store_path(args)) as store:
        ratings = collect_ratings(
            backends, store, terms, config, wave=args.wave, progress=not args.no_progress
        )
    path = out / ("ratings.csv" if args.wave == 0 else f"ratings_wave{args.wave}.csv")
    ratings.to_csv(path, index=False)
    print(ratings.groupby(["model", "status"]).size().unstack(fill_value=0).to_string())
    print(f"{len(terms)} terms rated")
    wrote([path])
    return 0


def _cmd_analyse(args: argparse.Namespace) -> int:
    from llmvalues.plots import save_figure
    from llmvalues.plots.valuelex import plot_dendrogram, plot_loadings, plot_scores
    from llmvalues.valuelex.resources import load_reference
    from llmvalues.valuelex.study import analyse, lexicon_from

    config = _config(args)
    out = out_folder(args)
    lexicon = lexicon_from(read_table(args.replies, "replies"), config) if args.replies else None
    retest = read_table(args.retest, "retest ratings") if args.retest else None
    reference = [] if args.no_reference else load_reference(args.reference)
    ratings = read_table(args.ratings, "ratings")
    result = analyse(ratings, config, lexicon=lexicon, reference=reference, retest_ratings=retest)
    result.to_frame().to_csv(out / "loadings.csv")
    result.reliability.to_csv(out / "reliability.csv")
    result.scores.to_csv(out / "scores.csv", index=False)
    written = [out / "loadings.csv", out / "reliability.csv", out / "scores.csv"]
    if result.match is not None:
        result.match.table.to_csv(out / "reference_match.csv")
        written.append(out / "reference_match.csv")
    (out / "settings.json").write_text(json.dumps(result.settings, indent=2, default=str))
    (out / "summary.txt").write_text(f"{result.summary()}\n", encoding="utf-8")
    written += [out / "settings.json", out / "summary.txt"]
    figures = {
        "loadings": plot_loadings(result.structure.table, result.factor_names, config.cutoff),
        "dendrogram": plot_dendrogram(result.clusters, result.structure.assignment),
        "scores": plot_scores(result.scores, "factor", "mean rating", None),
    }
    for name, fig in figures.items():
        written += save_figure(fig, out / name)
    print(result.summary())
    wrote(written)
    return 0


def _cmd_projective(args: argparse.Namespace) -> int:
    import pandas as pd

    from llmvalues.collect.runner import collect
    from llmvalues.collect.store import Store
    from llmvalues.embeddings import load_encoder
    from llmvalues.plots import save_figure
    from llmvalues.plots.valuelex import plot_scores
    from llmvalues.valuelex.judges import EmbeddingJudge, LLMJudge
    from llmvalues.valuelex.projective import completions_frame, projective_plan
    from llmvalues.valuelex.resources import load_stems
    from llmvalues.valuelex.respondents import resolve_format
    from llmvalues.valuelex.scoring import judge_agreement, projective_scores

    stems = load_stems(args.stems_file)
    if args.stems:
        stems = {sub: items[: args.stems] for sub, items in stems.items()}
    out = out_folder(args)
    progress = not args.no_progress
    backends = backends_from(args)
    judges = [spec for spec in args.judge or ["embedding"] if spec != "embedding"]
    judge_backends = backends_from(args, judges) if judges else {}
    with Store(store_path(args)) as store:
        frames = []
        for label, backend in backends.items():
            plan = projective_plan(
                backend.model,
                stems,
                label=label,
                n_samples=args.samples,
                fmt=resolve_format(args.format, backend),
                seed=args.seed,
            )
            collect(plan, backend, store, progress=progress)
            frames.append(completions_frame(store.to_table(plan.keys)))
        completions = pd.concat(frames, ignore_index=True)
        codes = []
        if "embedding" in (args.judge or ["embedding"]):
            codes.append(EmbeddingJudge(load_encoder(args.encoder)).code(completions))
        for judge_backend in judge_backends.values():
            judge = LLMJudge(judge_backend)  # fmt="auto": completion prompts for base models
            codes.append(judge.code(completions, store, progress=progress))
    codes = pd.concat(codes, ignore_index=True)
    scores = projective_scores(codes, seed=args.seed)
    tables = {"completions.csv": completions, "codes.csv": codes, "projective_scores.csv": scores}
    for name, table in tables.items():
        table.to_csv(out / name, index=False)
    figure = save_figure(plot_scores(scores.dropna(subset=["score"])), out / "projective_scores")
    print(scores.round(1).to_string(index=False))
    if codes["judge"].nunique() > 1:
        print(judge_agreement(codes, seed=args.seed).summary())
    wrote([*(out / name for name in tables), *figure])
    return 0


def _study_options(p: argparse.ArgumentParser) -> None:
    study = p.add_argument_group("study design")
    study.add_argument(
        "--format", default="auto", choices=["auto", "chat", "completion"], help="prompt format"
    )
    study.add_argument("--personas", type=positive_int, default=None, help="the first N personas")
    study.add_argument("--personas-file", default=None)
    study.add_argument("--prompts-file", default=None)
    study.add_argument(
        "--language",
        default="en",
        help="language of the bundled prompts and personas (ValueLex's exist in English only)",
    )
    study.add_argument("--samples", type=positive_int, default=10, help="samples per persona")
    study.add_argument("--prompts-per-respondent", type=positive_int, default=3)
    study.add_argument("--min-count", type=int, default=2)
    study.add_argument("--min-respondents", type=int, default=2)
    study.add_argument("--max-terms", type=int, default=60)
    study.add_argument("--score", default="code", choices=["code", "expected"])
    study.add_argument(
        "--min-mass", type=float, default=0.5, help="expected score: least mass on the scale"
    )
    study.add_argument("--factors", type=int, default=None, help="default: parallel analysis")
    study.add_argument("--dimensions", type=int, default=None, help="group factors into N")
    study.add_argument("--rotation", default="oblimin")
    study.add_argument("--cutoff", type=float, default=0.4)
    study.add_argument("--reliability-boot", type=int, default=300, help="bootstrap draws")
    study.add_argument("--seed", type=int, default=0)


def add_valuelex(parser: argparse.ArgumentParser) -> None:
    """``llmvalues valuelex`` and its subcommands."""
    sub = parser.add_subparsers(dest="valuelex_command", required=True, metavar="STEP")

    elicit = sub.add_parser("elicit", help="ask respondents for their values; build the lexicon")
    _study_options(elicit)
    add_model_options(elicit, several=True)
    handles(elicit, _cmd_elicit)

    rate = sub.add_parser("rate", help="respondents rate how well each lexicon term fits them")
    rate.add_argument("terms", help="terms.csv from 'valuelex elicit'")
    rate.add_argument("--wave", type=int, default=0, help="> 0: a retest wave")
    _study_options(rate)
    add_model_options(rate, several=True)
    handles(rate, _cmd_rate)

    ana = sub.add_parser("analyse", help="factors, clusters, taxonomy, reliability, figures")
    ana.add_argument("ratings", help="ratings.csv from 'valuelex rate'")
    ana.add_argument("--replies", default=None, help="replies.csv (lexicon in the report)")
    ana.add_argument("--retest", default=None, help="ratings of a second wave")
    ana.add_argument("--reference", default=None, help="reference taxonomy JSON (default ValueLex)")
    ana.add_argument("--no-reference", action="store_true")
    _study_options(ana)
    add_out_option(ana)
    handles(ana, _cmd_analyse)

    proj = sub.add_parser("projective", help="sentence-completion test scored by judges")
    proj.add_argument(
        "--stems", type=positive_int, default=None, help="first N stems per subdimension"
    )
    proj.add_argument("--stems-file", default=None)
    proj.add_argument("--judge", action="append", help="'embedding' or [BACKEND:]MODEL, repeatable")
    proj.add_argument("--encoder", default=None, help="local sentence-transformers directory")
    _study_options(proj)
    add_model_options(proj, several=True)
    handles(proj, _cmd_projective)
    proj.set_defaults(samples=1)
