"""Run ``llmvalues study …`` and ``llmvalues track …`` in this process (for the tests)."""

from __future__ import annotations

from llmvalues.cli import Parser
from llmvalues.cli.failure import run as finish
from llmvalues.cli.study import add_study, add_track


def run(*argv) -> int:
    """The exit status of ``llmvalues ARGV`` for the study and track subcommands."""
    parser = Parser(prog="llmvalues")
    sub = parser.add_subparsers(dest="command", required=True)
    add_study(sub.add_parser("study", prog="llmvalues study"))
    add_track(sub.add_parser("track", prog="llmvalues track"))
    return finish(parser.parse_args([str(a) for a in argv]))
