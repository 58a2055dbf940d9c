"""The ``llmvalues`` command: one parser, shared options, exit status 2 on bad input.

Each subcommand's options are defined in its capability module (:mod:`.iw`,
:mod:`.explain`, :mod:`.collect`, :mod:`.valuelex`, :mod:`.univar`), which is imported only when that
subcommand is chosen, so ``llmvalues --help`` answers without loading pandas or models.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module

from llmvalues import __version__
from llmvalues.cli.failure import run

# subcommand → (one-line help, "module:function" that adds its options and handler)
COMMANDS = {
    "fit": ("place identities on the Inglehart-Welzel map", "llmvalues.cli.iw:add_fit"),
    "map": ("draw a preset's reference map", "llmvalues.cli.iw:add_map"),
    "presets": ("list the built-in map presets", "llmvalues.cli.iw:add_presets"),
    "explain": (
        "decompose the difference between two placements into one step per factor",
        "llmvalues.cli.explain:add_explain",
    ),
    "collect": (
        "ask a model the IVS-10 items (or free-text prompts) into a store",
        "llmvalues.cli.collect:add_collect",
    ),
    "demo": (
        "offline demo: the bundled model answers ≥ 100 times, then a map",
        "llmvalues.cli.collect:add_demo",
    ),
    "valuelex": (
        "ValueLex: value lexicon, factors, projective test",
        "llmvalues.cli.valuelex:add_valuelex",
    ),
    "univar": ("UniVaR value embeddings of LLMs", "llmvalues.cli.univar:add_univar"),
    "study": (
        "published studies as one command: calls and cost, collection, fits, report",
        "llmvalues.cli.study:add_study",
    ),
    "track": (
        "the change over a store's collection dates of one model, as a report",
        "llmvalues.cli.study:add_track",
    ),
}


def usage_error(prog: str, message: str):
    """End with a one-line usage error and exit status 2 (argparse's own status)."""
    sys.stderr.write(f"{prog}: {message} (see '{prog} --help')\n")
    sys.exit(2)


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``llmvalues fit: argument --x: … (see …)``."""

    def error(self, message: str):
        usage_error(self.prog, message)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; ``only``: fill in just that subcommand (the others keep their help).

    ``build_parser()`` builds every subcommand (docs, tests); :func:`main` builds only the
    chosen one.
    """
    parser = Parser(
        prog="llmvalues", description="Measure the value systems of large language models."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (text, target) in COMMANDS.items():
        command = sub.add_parser(name, help=text, description=text)
        if only in (None, name):
            module, _, function = target.partition(":")
            getattr(import_module(module), function)(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``llmvalues`` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    chosen = next((a for a in argv if not a.startswith("-")), None)
    args, extra = build_parser(only=chosen if chosen in COMMANDS else "").parse_known_args(argv)
    if extra:  # named here so the message names the subcommand, not just "llmvalues"
        usage_error(args.prog, f"unrecognized arguments: {' '.join(extra)}")
    return run(args)
