"""``llmvalues valuelex elicit | rate | analyse | projective``: the ValueLex pipeline on the command line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd


def _backends(specs: list[str], args: argparse.Namespace) -> dict:
    """``[kind:]model`` specs → label → backend (kind: llamacpp (default), transformers, openai)."""
    from llmvalues.collect.backends import BACKENDS, make_backend

    out = {}
    for spec in specs or ["smollm2"]:
        kind, _, model = (
            spec.partition(":") if spec.split(":", 1)[0] in BACKENDS else ("", "", spec)
        )
        kind = kind or "llamacpp"
        options = {}
        if kind == "openai":
            options = {"base_url": args.base_url, "api_key_env": args.api_key_env}
        label = Path(model).stem if ("/" in model or model.endswith(".gguf")) else model
        out[label] = make_backend(kind, model, **options)
    return out


def _config(args: argparse.Namespace):
    from llmvalues.valuelex.resources import load_personas, load_prompts
    from llmvalues.valuelex.study import ValueLexConfig

    personas = load_personas(args.personas_file)
    return ValueLexConfig(
        personas=personas[: args.personas] if args.personas else personas,
        n_samples=args.samples,
        prompts=load_prompts(args.prompts_file),
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


def _read(path: str) -> pd.DataFrame:
    p = Path(path)
    if not p.exists():
        raise SystemExit(f"llmvalues valuelex: no such file: {p}")
    return pd.read_parquet(p) if p.suffix in (".parquet", ".pq") else pd.read_csv(p)


def _cmd_elicit(args: argparse.Namespace) -> int:
    from llmvalues.collect.store import Store
    from llmvalues.valuelex.study import collect_elicitation, lexicon_from

    config = _config(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with Store(args.store) as store:
        replies = collect_elicitation(
            _backends(args.model, args), store, config, progress=not args.no_progress
        )
    replies.to_csv(out / "replies.csv", index=False)
    lexicon = lexicon_from(replies, config)
    lexicon.terms.to_csv(out / "terms.csv", index=False)
    lexicon.mapping.to_csv(out / "mapping.csv", index=False)
    lexicon.replies.to_csv(out / "reply_status.csv", index=False)
    print(lexicon.summary())
    print(f"wrote {out}/replies.csv, terms.csv, mapping.csv, reply_status.csv")
    return 0


def _cmd_rate(args: argparse.Namespace) -> int:
    from llmvalues.collect.store import Store
    from llmvalues.valuelex.study import collect_ratings

    config = _config(args)
    terms_table = _read(args.terms)
    if "term" not in terms_table.columns:
        raise SystemExit(f"llmvalues valuelex rate: {args.terms} has no 'term' column")
    if "kept" in terms_table.columns:
        terms_table = terms_table[terms_table["kept"].astype(bool)]
    terms = terms_table["term"].tolist()
    terms = terms[: config.max_terms] if config.max_terms else terms
    with Store(args.store) as store:
        ratings = collect_ratings(
            _backends(args.model, args),
            store,
            terms,
            config,
            wave=args.wave,
            progress=not args.no_progress,
        )
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    ratings.to_csv(path, index=False)
    print(ratings.groupby(["model", "status"]).size().unstack(fill_value=0).to_string())
    print(f"wrote {path} ({len(terms)} terms)")
    return 0


def _cmd_analyse(args: argparse.Namespace) -> int:
    from llmvalues.plots.valuelex import plot_dendrogram, plot_loadings, plot_scores
    from llmvalues.valuelex.resources import load_reference
    from llmvalues.valuelex.study import analyse, lexicon_from

    config = _config(args)
    lexicon = lexicon_from(_read(args.replies), config) if args.replies else None
    retest = _read(args.retest) if args.retest else None
    reference = [] if args.no_reference else load_reference(args.reference)
    result = analyse(
        _read(args.ratings), config, lexicon=lexicon, reference=reference, retest_ratings=retest
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    result.to_frame().to_csv(out / "loadings.csv")
    result.reliability.to_csv(out / "reliability.csv")
    result.scores.to_csv(out / "scores.csv", index=False)
    if result.match is not None:
        result.match.table.to_csv(out / "reference_match.csv")
    (out / "settings.json").write_text(json.dumps(result.settings, indent=2, default=str))
    (out / "summary.txt").write_text(result.summary().to_text())
    plot_loadings(result.structure.table, result.factor_names, config.cutoff, out / "loadings")
    plot_dendrogram(result.clusters, result.structure.assignment, out / "dendrogram")
    plot_scores(result.scores, "factor", "mean rating", None, out / "scores")
    print(result.summary())
    print(f"wrote tables and figures to {out}")
    return 0


def _cmd_projective(args: argparse.Namespace) -> int:
    from llmvalues.collect.runner import collect
    from llmvalues.collect.store import Store
    from llmvalues.embeddings import load_encoder
    from llmvalues.plots.valuelex import plot_scores
    from llmvalues.valuelex.judges import EmbeddingJudge, LLMJudge
    from llmvalues.valuelex.projective import completions_frame, projective_plan
    from llmvalues.valuelex.resources import load_stems
    from llmvalues.valuelex.respondents import resolve_format
    from llmvalues.valuelex.scoring import judge_agreement, projective_scores

    stems = load_stems(args.stems_file)
    if args.stems:
        stems = {sub: items[: args.stems] for sub, items in stems.items()}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    progress = not args.no_progress
    with Store(args.store) as store:
        frames = []
        for label, backend in _backends(args.model, args).items():
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
        for spec in args.judge or ["embedding"]:
            if spec == "embedding":
                codes.append(EmbeddingJudge(load_encoder(args.encoder)).code(completions))
            else:
                for judge_backend in _backends([spec], args).values():
                    codes.append(
                        LLMJudge(judge_backend).code(completions, store, progress=progress)
                    )
    codes = pd.concat(codes, ignore_index=True)
    scores = projective_scores(codes, seed=args.seed)
    completions.to_csv(out / "completions.csv", index=False)
    codes.to_csv(out / "codes.csv", index=False)
    scores.to_csv(out / "projective_scores.csv", index=False)
    plot_scores(scores.dropna(subset=["score"]), path=out / "projective_scores")
    print(scores.round(1).to_string(index=False))
    if codes["judge"].nunique() > 1:
        print(judge_agreement(codes, seed=args.seed).summary())
    print(f"wrote completions, codes, scores and figure to {out}")
    return 0


def _guarded(handler):
    """Run a subcommand; input problems end with a one-line message instead of a traceback."""

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except (ValueError, RuntimeError, FileNotFoundError) as exc:
            raise SystemExit(f"llmvalues valuelex {args.valuelex_command}: {exc}") from exc

    return run


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", action="append", help="[kind:]model, repeatable (default smollm2)")
    p.add_argument("--base-url", default=None, help="OpenAI-compatible server (openai kind)")
    p.add_argument("--api-key-env", default="OPENAI_API_KEY")
    p.add_argument("--store", default="valuelex.sqlite", help="SQLite store (resumes)")
    p.add_argument("--format", default="auto", choices=["auto", "chat", "completion"])
    p.add_argument("--personas", type=int, default=None, help="use the first N personas")
    p.add_argument("--personas-file", default=None)
    p.add_argument("--prompts-file", default=None)
    p.add_argument("--samples", type=int, default=10, help="samples per persona")
    p.add_argument("--prompts-per-respondent", type=int, default=3)
    p.add_argument("--min-count", type=int, default=2)
    p.add_argument("--min-respondents", type=int, default=2)
    p.add_argument("--max-terms", type=int, default=60)
    p.add_argument("--score", default="code", choices=["code", "expected"])
    p.add_argument(
        "--min-mass", type=float, default=0.5, help="expected score: least mass on the scale"
    )
    p.add_argument("--factors", type=int, default=None, help="default: parallel analysis")
    p.add_argument("--dimensions", type=int, default=None, help="group factors into N")
    p.add_argument("--rotation", default="oblimin")
    p.add_argument("--cutoff", type=float, default=0.4)
    p.add_argument("--reliability-boot", type=int, default=300, help="bootstrap draws")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-progress", action="store_true")


def register(subparsers) -> None:
    """Add ``valuelex`` and its subcommands to the ``llmvalues`` parser."""
    top = subparsers.add_parser(
        "valuelex", help="ValueLex: value lexicon, factors, projective test"
    )
    sub = top.add_subparsers(dest="valuelex_command", required=True)

    elicit = sub.add_parser("elicit", help="ask respondents for their values; build the lexicon")
    _common(elicit)
    elicit.add_argument("--out", default="valuelex-out")
    elicit.set_defaults(handler=_guarded(_cmd_elicit))

    rate = sub.add_parser("rate", help="respondents rate how well each lexicon term fits them")
    _common(rate)
    rate.add_argument("terms", help="terms.csv from 'valuelex elicit'")
    rate.add_argument("--wave", type=int, default=0, help="> 0: a retest wave")
    rate.add_argument("--out", default="valuelex-out/ratings.csv")
    rate.set_defaults(handler=_guarded(_cmd_rate))

    ana = sub.add_parser("analyse", help="factors, clusters, taxonomy, reliability, figures")
    _common(ana)
    ana.add_argument("ratings", help="ratings.csv from 'valuelex rate'")
    ana.add_argument("--replies", default=None, help="replies.csv (lexicon in the report)")
    ana.add_argument("--retest", default=None, help="ratings of a second wave")
    ana.add_argument("--reference", default=None, help="reference taxonomy JSON (default ValueLex)")
    ana.add_argument("--no-reference", action="store_true")
    ana.add_argument("--out", default="valuelex-out/analysis")
    ana.set_defaults(handler=_guarded(_cmd_analyse))

    proj = sub.add_parser("projective", help="sentence-completion test scored by judges")
    _common(proj)
    proj.add_argument("--stems", type=int, default=None, help="first N stems per subdimension")
    proj.add_argument("--stems-file", default=None)
    proj.add_argument("--judge", action="append", help="'embedding' or [kind:]model, repeatable")
    proj.add_argument("--encoder", default=None, help="local sentence-transformers directory")
    proj.add_argument("--out", default="valuelex-out/projective")
    proj.set_defaults(handler=_guarded(_cmd_projective), samples=1)
