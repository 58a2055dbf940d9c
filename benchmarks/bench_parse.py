"""Parsing time against reply length (ratios to a short reply parsed in the same run).

Run: PYTHONPATH=src .venv/bin/python benchmarks/bench_parse.py [--quick]

For every item kind, replies that repeat a phrase the parser looks at (a label, a quality,
a number, the article "a", a list marker) are grown from 1 KB to 1 MB and parsed; each time
is divided by the time of the one-line reply "7" (or "B", "Independence", "1, 4") of the
same item. Replies are read up to MAX_REPLY_CHARS characters, so the ratio levels off
once a reply is longer than the cap; before the cap it grows no faster than the length.
"""

from __future__ import annotations

import sys
import time

from llmvalues.instruments import load_instrument, parse_answer
from llmvalues.instruments.reply import MAX_REPLY_CHARS

SHORT = {"scale": "7", "options": "B", "qualities": "Independence", "aims": "1, 4"}
PIECES = {
    "g006": "very proud ",
    "f063": "7 not ",
    "e025": "a petition ",
    "y003": "Independence, ",
    "y002": "1. order ",
}


def timed(fn, repeat: int) -> float:
    """Best of ``repeat`` wall-clock seconds."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def main(quick: bool = False) -> None:
    instrument = load_instrument()
    sizes = [1_000, 4_000, 100_000] if quick else [1_000, 2_000, 4_000, 40_000, 1_000_000]
    repeat = 5 if quick else 15
    print(f"cap: {MAX_REPLY_CHARS:,} characters; ratio = time / time of the one-line reply")
    print(f"{'item':6} {'piece':18} " + " ".join(f"{n:>10,}" for n in sizes))
    for code, piece in PIECES.items():
        item = instrument[code]
        base = timed(lambda item=item: parse_answer(item, SHORT[item.kind]), repeat * 20)
        ratios = []
        for n in sizes:
            reply = (piece * (n // len(piece) + 1))[:n]
            ratios.append(timed(lambda item=item, r=reply: parse_answer(item, r), repeat) / base)
        print(f"{code:6} {piece!r:18} " + " ".join(f"{r:>10.1f}" for r in ratios))


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
