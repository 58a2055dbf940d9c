"""Command line: ``llmvalues fit | map | presets`` plus the capability subcommands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd


def _read_table(path: Path) -> pd.DataFrame:
    """A Responses table (tidy or wide) from CSV or Parquet."""
    if not path.exists():
        raise SystemExit(f"llmvalues: no such file: {path}")
    if path.suffix.lower() in (".parquet", ".pq"):
        return pd.read_parquet(path)
    if path.suffix.lower() == ".csv":
        return pd.read_csv(path)
    raise SystemExit(f"llmvalues: {path} is neither .csv nor .parquet")


def _cmd_fit(args: argparse.Namespace) -> int:
    from llmvalues.fit import fit_map
    from llmvalues.plots import save_figure

    responses = _read_table(Path(args.responses))
    fit = fit_map(
        responses,
        preset=args.preset,
        method=args.method,
        identity=args.identity,
        variant=args.variant,
    )
    table = fit.summary()
    print(table.to_string())
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        fit.to_frame().to_csv(out / "centroids.csv", index=False)
        fig, _ = fit.plot()
        written = save_figure(fig, out / "map")
        print(f"wrote {out / 'centroids.csv'} and {', '.join(str(p) for p in written)}")
    return 0


def _cmd_map(args: argparse.Namespace) -> int:
    from llmvalues.plots import plot_map, save_figure

    trajectories = args.trajectories.split(",") if args.trajectories else False
    fig, _ = plot_map(args.preset, trajectories=trajectories)
    for path in save_figure(fig, Path(args.out)):
        print(f"wrote {path}")
    return 0


def _cmd_presets(args: argparse.Namespace) -> int:
    from llmvalues.iw.presets import PRESETS, load_preset

    for name in PRESETS:
        preset = load_preset(name)
        print(f"{name}: {len(preset.countries)} reference countries\n  {preset.description}")
        print(f"  cite: {preset.citation}\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used by the docs)."""
    parser = argparse.ArgumentParser(
        prog="llmvalues", description="Measure the value systems of large language models."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    fit = sub.add_parser("fit", help="place identities on the Inglehart-Welzel map")
    fit.add_argument("responses", help="Responses table (tidy or wide), .csv or .parquet")
    fit.add_argument("--preset", default="hall2025", help="map preset (default hall2025)")
    fit.add_argument("--method", default="hierarchical", choices=["classic", "hierarchical"])
    fit.add_argument("--identity", default="identity", help="identity column (wide tables)")
    fit.add_argument("--variant", default=None, help="variant column (wide tables)")
    fit.add_argument("--out", default=None, help="folder for centroids.csv and the map figure")
    fit.set_defaults(handler=_cmd_fit)

    draw = sub.add_parser("map", help="draw a preset's reference map")
    draw.add_argument("--preset", default="hall2025")
    draw.add_argument("--trajectories", default="", help="comma-separated countries")
    draw.add_argument("--out", default="iw_map", help="output path stem (PDF, SVG, PNG)")
    draw.set_defaults(handler=_cmd_map)

    presets = sub.add_parser("presets", help="list the built-in map presets")
    presets.set_defaults(handler=_cmd_presets)

    for register in _capability_commands():
        register(sub)
    return parser


def _capability_commands():
    """``register(subparsers)`` of each capability that brings its own subcommands."""
    from llmvalues.cli.collect import register as collect
    from llmvalues.cli.univar import register as univar
    from llmvalues.cli.valuelex import register as valuelex

    return [collect, valuelex, univar]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``llmvalues`` command."""
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
