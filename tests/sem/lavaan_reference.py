"""Shared helpers (no tests) for the llmvalues.sem tests: R reference values, simulators."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

REF_DIR = Path(__file__).parent / "reference"


@cache
def reference() -> dict:
    """Values computed once with R lavaan 0.6.14 / psych 2.2.9 (make_reference.R)."""
    return json.loads((REF_DIR / "reference.json").read_text())


@cache
def holzinger_swineford() -> pd.DataFrame:
    """lavaan's HolzingerSwineford1939 (id, sex, school, x1..x9)."""
    return pd.read_csv(REF_DIR / "holzinger_swineford_1939.csv")


@cache
def ordinal_sim() -> pd.DataFrame:
    """Simulated two-factor ordinal data (1500 rows, y1..y10, grp) written by make_reference.R."""
    return pd.read_csv(REF_DIR / "ordinal_sim.csv")


@cache
def bfi() -> pd.DataFrame:
    """psych's bfi, the 25 personality items (with its missing values)."""
    return pd.read_csv(REF_DIR / "bfi.csv")


def ref_loadings(block: dict) -> pd.DataFrame:
    """A reference loadings block as a DataFrame (group, factor, item, value)."""
    return pd.DataFrame(block["loadings"])


def simulate_two_factor(
    n: int,
    loadings: np.ndarray,
    phi: float,
    cuts: list[np.ndarray] | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Two-factor data (first half of items on factor 1); ordinal when `cuts` are given."""
    rng = np.random.default_rng(seed)
    p = len(loadings)
    eta = rng.multivariate_normal([0, 0], [[1, phi], [phi, 1]], size=n)
    fac = np.repeat([0, 1], [p // 2, p - p // 2])
    y = eta[:, fac] * loadings + rng.standard_normal((n, p)) * np.sqrt(1 - loadings**2)
    if cuts is not None:
        y = np.column_stack([np.searchsorted(c, y[:, j]) + 1 for j, c in enumerate(cuts)])
    return pd.DataFrame(y, columns=[f"v{j + 1}" for j in range(p)])


def tucker(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Tucker congruence per factor after matching order and sign (Hungarian assignment)."""
    from scipy.optimize import linear_sum_assignment

    c = (a.T @ b) / np.sqrt(np.outer((a**2).sum(0), (b**2).sum(0)))
    rows, cols = linear_sum_assignment(-np.abs(c))
    return np.abs(c[rows, cols])
