"""``llmvalues explain A B``: why two placements of the same answers differ, step by step."""

from __future__ import annotations

import argparse
from pathlib import Path

from llmvalues.cli.options import add_out_option, handles, out_folder, read_table, wrote

SIDES = ("a", "b")


def _placement(args: argparse.Namespace, side: str):
    from llmvalues.fit import _as_tidy
    from llmvalues.iw.explain import Placement

    table = read_table(getattr(args, side), f"answer table {side.upper()}")
    answers = _as_tidy(table, identity=args.identity, variant=args.variant, replicate=None)
    return Placement(
        answers=answers,
        preset=getattr(args, f"preset_{side}"),
        averaging=getattr(args, f"averaging_{side}"),
        protocol=getattr(args, f"protocol_{side}"),
        parsing=getattr(args, f"parsing_{side}"),
        label=getattr(args, f"label_{side}") or Path(getattr(args, side)).stem,
    )


def _cmd_explain(args: argparse.Namespace) -> int:
    from llmvalues.iw.explain import explain
    from llmvalues.plots import save_figure

    out = out_folder(args)
    a, b = (_placement(args, side) for side in SIDES)
    order = [f.strip() for f in args.order.split(",")] if args.order else None
    result = explain(a, b, order=order)
    summary = result.summary()
    print(summary)
    result.to_frame().to_csv(out / "steps.csv", index=False)
    result.to_frame("shapley").to_csv(out / "shapley.csv", index=False)
    (out / "summary.md").write_text(summary.to_markdown(), encoding="utf-8")
    fig, _ = result.plot()
    wrote(
        [
            out / "steps.csv",
            out / "shapley.csv",
            out / "summary.md",
            *save_figure(fig, out / "explain"),
        ]
    )
    return 0


def add_explain(cmd: argparse.ArgumentParser) -> None:
    """Options of ``llmvalues explain``."""
    from llmvalues.iw.averaging import AVERAGING
    from llmvalues.iw.presets import DEFAULT_PRESET, PRESETS

    cmd.description = (
        "Place the identities of answer table A and answer table B (tidy or wide, .csv or "
        ".parquet) as each pipeline did, then change one factor at a time from A's choice "
        "to B's (protocol, parsing, averaging, projection weights, constants, reference "
        "countries) and report how far each step moves every identity. Writes steps.csv, "
        "shapley.csv, summary.md and explain.pdf/svg/png into --out."
    )
    for side in SIDES:
        cmd.add_argument(side, help=f"answer table of pipeline {side.upper()}")
    for side in SIDES:
        upper = side.upper()
        cmd.add_argument(
            f"--preset-{side}",
            default=DEFAULT_PRESET,
            choices=PRESETS,
            help=f"map preset of {upper} (default {DEFAULT_PRESET})",
        )
        cmd.add_argument(
            f"--averaging-{side}",
            default="sets",
            choices=AVERAGING,
            help=f"how {upper} averaged an identity's answers (default sets)",
        )
        cmd.add_argument(
            f"--protocol-{side}", default="", help=f"how {upper}'s replies were collected"
        )
        cmd.add_argument(f"--parsing-{side}", default="", help=f"how {upper}'s replies were parsed")
        cmd.add_argument(
            f"--label-{side}", default="", help=f"name of {upper} (default: file name)"
        )
    cmd.add_argument("--identity", default="identity", help="identity column (wide tables)")
    cmd.add_argument("--variant", default=None, help="variant column (wide tables)")
    cmd.add_argument("--order", default="", help="comma-separated order of the factors")
    add_out_option(cmd)
    handles(cmd, _cmd_explain)
