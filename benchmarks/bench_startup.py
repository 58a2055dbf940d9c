"""Start-up time of ``import llmvalues`` and the ``llmvalues`` command, against ``python -c pass``.

Run: .venv/bin/python benchmarks/bench_startup.py [--runs N] [--src DIR]

Each command runs N times (default 5) in a fresh interpreter, interleaved with the baseline
so that load on a shared machine hits both alike; the table gives the median wall-clock
seconds and the ratio to the baseline's median (same run). ``import llmvalues`` then
``from llmvalues import fit_map`` show what the lazy façade saves and what a fit costs to
load; ``--help`` of a subcommand loads that subcommand's options only. The ``llmvalues``
rows run what the console script runs (``from llmvalues.cli import main; main(ARGS)``).
``--src`` times another checkout's ``src`` (e.g. the main branch) the same way.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

SRC = Path(__file__).parents[1] / "src"


def command(*argv: str) -> list[str]:
    return ["-c", f"from llmvalues.cli import main; main({list(argv)!r})"]


COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "import llmvalues": ["-c", "import llmvalues"],
    "llmvalues --help": command("--help"),
    "llmvalues fit --help": command("fit", "--help"),
    "llmvalues collect --help": command("collect", "--help"),
    "from llmvalues import fit_map": ["-c", "from llmvalues import fit_map"],
}


def wall(args: list[str], src: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(src)}
    started = time.perf_counter()
    subprocess.run([sys.executable, *args], check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - started


def main(runs: int = 5, src: Path = SRC) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for args in COMMANDS.values():  # warm the file cache once
        wall(args, src)
    for _ in range(runs):
        for name, args in COMMANDS.items():
            times[name].append(wall(args, src))
    medians = {name: statistics.median(t) for name, t in times.items()}
    base = medians["python -c pass"]
    print(f"{src}: median and fastest of {runs} runs")
    print(f"{'command':32s} {'median s':>9s} {'min s':>7s} {'× pass':>7s}")
    for name, t in times.items():
        print(f"{name:32s} {medians[name]:9.3f} {min(t):7.3f} {medians[name] / base:7.1f}")
    return medians


if __name__ == "__main__":
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 5
    src = Path(sys.argv[sys.argv.index("--src") + 1]) if "--src" in sys.argv else SRC
    main(runs, src)
