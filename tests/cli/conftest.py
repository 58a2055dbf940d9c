"""Shared fixtures of the command-line tests: a real subprocess runner and a small wide table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from llmvalues.instruments import load_instrument
from tests.imports import SRC


def run_cli(*args, env: dict[str, str] | None = None, cwd=None) -> subprocess.CompletedProcess:
    """``python -m llmvalues.cli ARGS`` in a fresh process (this checkout's package)."""
    environment = {**os.environ, **(env or {})}
    environment["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(SRC), environment.get("PYTHONPATH", "")) if p
    )
    return subprocess.run(
        [sys.executable, "-m", "llmvalues.cli", *map(str, args)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=600,
    )


@pytest.fixture
def wide_csv(tmp_path) -> Path:
    """Two models × four prompt variants, every item answered (seeded), as a wide CSV."""
    rng = np.random.default_rng(3)
    rows = [
        {"model": m, "variant": v, **{i.ivs_code: rng.choice(i.codes) for i in load_instrument()}}
        for m in ("a", "b")
        for v in range(4)
    ]
    path = tmp_path / "answers.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path
