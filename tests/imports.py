"""Which libraries a piece of code imports, seen from a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).parents[1] / "src"
# what neither `import llmvalues` nor `llmvalues --help` may load
HEAVY = (
    *("pymc", "arviz", "pytensor", "torch", "matplotlib", "statsmodels", "scipy", "pandas"),
    *("numba", "jax", "jaxlib", "nutpie", "numpyro", "dask", "distributed"),
)


def heavy_after(code: str) -> list[str]:
    """The top-level modules of :data:`HEAVY` in ``sys.modules`` after ``code`` ran."""
    probe = (
        f"{code}\nimport sys, json\n"
        f"print('@' + json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SRC)},
        check=True,
    )
    return json.loads(done.stdout.rpartition("@")[2])
