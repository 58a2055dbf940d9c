"""``llmvalues fit | map | presets``: the Inglehart–Welzel map on the command line."""

from __future__ import annotations

import argparse

from llmvalues.cli.options import (
    add_out_option,
    handles,
    only_for,
    out_folder,
    positive_int,
    read_table,
    wrote,
)

ESTIMANDS = ("asked", "new", "typical")
# llmvalues.iw.bayes.sampling.SAMPLERS, written here so that parsing imports no PyMC
SAMPLERS = ("pymc", "nutpie", "numpyro")
# --option dest → fit_map keyword, per method (an option the other method takes is an error)
METHOD_OPTIONS = {
    "classic": {"n_bootstrap": "n_bootstrap", "seed": "random_seed"},
    "hierarchical": {
        "estimand": "estimand",
        "link": "link",
        "sampler": "sampler",
        "draws": "draws",
        "tune": "tune",
        "chains": "chains",
        "cores": "cores",
        "target_accept": "target_accept",
        "seed": "random_seed",
    },
}
DEFAULT_SEED = 0  # a command-line fit is reproducible unless told otherwise
PRESET_HELP = "map preset (default: the one 'llmvalues presets' marks as default)"


def probability(text: str) -> float:
    """An argparse type: a number strictly between 0 and 1."""
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must lie between 0 and 1, got {text}")
    return value


def fit_options(args: argparse.Namespace) -> dict:
    """The ``fit_map`` keywords of the options given; options of the other method are an error.

    Options left out keep ``fit_map``'s defaults; the hierarchical sampler's seed, random
    there, is :data:`DEFAULT_SEED` here (the classic bootstrap's default seed is 0 already).
    The classic method estimates the ``"asked"`` position only, so ``--estimand asked`` is
    accepted with it and passes nothing.
    """
    own = METHOD_OPTIONS[args.method]
    given = {d for names in METHOD_OPTIONS.values() for d in names if getattr(args, d) is not None}
    if args.method == "classic" and args.estimand == "asked":
        given.discard("estimand")
    foreign = sorted(given - set(own))
    if foreign:
        other = next(m for m in METHOD_OPTIONS if m != args.method)
        raise only_for([f"--{d.replace('_', '-')}" for d in foreign], f"--method {other}")
    options = {own[d]: getattr(args, d) for d in given}
    if args.method == "hierarchical":
        options.setdefault("random_seed", DEFAULT_SEED)
    return options


def _cmd_fit(args: argparse.Namespace) -> int:
    from llmvalues.fit import fit_map
    from llmvalues.iw.presets import DEFAULT_PRESET
    from llmvalues.plots import save_figure

    out = out_folder(args)
    responses = read_table(args.responses, "Responses table")
    fit = fit_map(
        responses,
        preset=args.preset or DEFAULT_PRESET,
        method=args.method,
        identity=args.identity,
        variant=args.variant,
        replicate=args.replicate,
        **fit_options(args),
    )
    written = []
    if args.method == "hierarchical":
        fit.save(out / "fit.nc")
        written.append(out / "fit.nc")
    fit.to_frame().to_csv(out / "positions.csv", index=False)
    written.append(out / "positions.csv")
    summary = fit.summary(**({} if args.level is None else {"level": args.level}))
    (out / "summary.txt").write_text(f"{summary}\n", encoding="utf-8")
    (out / "summary.md").write_text(f"{summary.to_markdown()}\n", encoding="utf-8")
    written += [out / "summary.txt", out / "summary.md"]
    fig, _ = fit.plot()
    written += save_figure(fig, out / "map")
    print(summary)
    wrote(written)
    return 0


def add_fit(parser: argparse.ArgumentParser) -> None:
    """Options of ``llmvalues fit``."""
    parser.add_argument("responses", help="Responses table (tidy or wide), .csv or .parquet")
    parser.add_argument("--preset", default=None, help=PRESET_HELP)
    parser.add_argument("--method", default="hierarchical", choices=["classic", "hierarchical"])
    table = parser.add_argument_group("columns of a wide table")
    table.add_argument("--identity", default="identity", help="identity column")
    table.add_argument("--variant", default=None, help="prompt-variant column (default none)")
    table.add_argument(
        "--replicate",
        default=None,
        help="replicate column (default none: repeated rows of an identity × variant are "
        "numbered as replicates)",
    )
    both = parser.add_argument_group("both methods")
    both.add_argument(
        "--level", type=probability, default=None, help="interval probability (default 0.9)"
    )
    both.add_argument(
        "--seed", type=int, default=None, help=f"random seed (default {DEFAULT_SEED})"
    )
    classic = parser.add_argument_group("classic method (--method classic)")
    classic.add_argument(
        "--n-bootstrap",
        type=positive_int,
        default=None,
        help="bootstrap resamples of the intervals",
    )
    model = parser.add_argument_group("hierarchical model (--method hierarchical)")
    model.add_argument(
        "--estimand",
        choices=ESTIMANDS,
        default=None,
        help="asked: mean over the prompt variants asked (default; the classic method's "
        "only one); new: a new prompt variant (marginal); typical: a typical prompt "
        "(variant effect 0)",
    )
    model.add_argument("--link", choices=["logit", "probit"], default=None, help="default logit")
    model.add_argument(
        "--sampler",
        choices=SAMPLERS,
        default=None,
        help="NUTS implementation: pymc (default), nutpie (numba) or numpyro (JAX; a GPU "
        "where jax has one); the last two need pip install 'llmvalues[fast]'",
    )
    model.add_argument("--draws", type=positive_int, default=None, help="draws per chain (1000)")
    model.add_argument("--tune", type=positive_int, default=None, help="tuning steps (1000)")
    model.add_argument("--chains", type=positive_int, default=None, help="chains (default 4)")
    model.add_argument(
        "--cores",
        type=positive_int,
        default=None,
        help="chains at once (default one per chain up to the CPUs; numpyro: one per device)",
    )
    model.add_argument(
        "--target-accept", type=probability, default=None, help="NUTS target (default 0.9)"
    )
    add_out_option(parser)
    handles(parser, _cmd_fit)


def _cmd_map(args: argparse.Namespace) -> int:
    from llmvalues.iw.presets import DEFAULT_PRESET
    from llmvalues.plots import plot_map, save_figure

    out = out_folder(args)
    preset = args.preset or DEFAULT_PRESET
    names = [name.strip() for name in args.trajectories.split(",") if name.strip()]
    fig, _ = plot_map(preset, trajectories=names or False)
    wrote(save_figure(fig, out / f"map_{preset}"))
    return 0


def add_map(parser: argparse.ArgumentParser) -> None:
    """Options of ``llmvalues map``."""
    parser.add_argument("--preset", default=None, help=PRESET_HELP)
    parser.add_argument("--trajectories", default="", help="comma-separated country names")
    add_out_option(parser)
    handles(parser, _cmd_map)


def _cmd_presets(args: argparse.Namespace) -> int:
    from llmvalues.iw.presets import DEFAULT_PRESET, PRESETS, load_preset

    for name in PRESETS:
        preset = load_preset(name)
        mark = " (default)" if name == DEFAULT_PRESET else ""
        print(f"{name}{mark}: {len(preset.countries)} reference countries")
        print(f"  {preset.description}")
        print(f"  cite: {preset.citation}\n")
    return 0


def add_presets(parser: argparse.ArgumentParser) -> None:
    """``llmvalues presets`` takes no options."""
    handles(parser, _cmd_presets)
