"""Speed of llmvalues.sem against semopy alone (ratios measured in the same run).

Run: .venv/bin/python benchmarks/bench_measure.py [--quick]

cfa (ML, 2 factors x 5 items) and invariance (2 groups, configural..strict) on 10k and
100k rows; polychoric on 10 ordinal items x 100k rows. The baseline is semopy 2.3.11 doing
what it can: one ML fit + calc_stats for cfa; one separate fit per group (its `multigroup`,
no equality constraints, so no metric/scalar/strict models) for invariance; its `hetcor`
polychoric matrix where it runs. A ratio > 1 means llmvalues is faster.
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np
import pandas as pd

from llmvalues.sem import cfa, invariance, polychoric

MODEL = "f1 =~ v1 + v2 + v3 + v4 + v5\nf2 =~ v6 + v7 + v8 + v9 + v10"


def simulate(n: int, ordinal: bool = False, seed: int = 0) -> pd.DataFrame:
    """Two-factor data, 10 items; ordinal items with 4 to 7 categories."""
    rng = np.random.default_rng(seed)
    eta = rng.multivariate_normal([0, 0], [[1, 0.4], [0.4, 1]], size=n)
    lam = np.array([0.8, 0.7, 0.6, 0.75, 0.5, 0.7, 0.65, 0.8, 0.55, 0.6])
    y = eta[:, np.repeat([0, 1], 5)] * lam + rng.standard_normal((n, 10)) * np.sqrt(1 - lam**2)
    if ordinal:
        y = np.column_stack(
            [np.searchsorted(np.linspace(-1.5, 1.5, 3 + j % 4), y[:, j]) + 1 for j in range(10)]
        )
    out = pd.DataFrame(y, columns=[f"v{j + 1}" for j in range(10)])
    out["grp"] = np.where(rng.random(n) < 0.5, "a", "b")
    return out


def timed(fn, repeat: int = 3) -> float:
    """Best of `repeat` wall-clock seconds."""
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def semopy_cfa(data: pd.DataFrame) -> None:
    import semopy

    m = semopy.Model(MODEL)
    m.fit(data[[f"v{j + 1}" for j in range(10)]])
    semopy.calc_stats(m)


def semopy_groups(data: pd.DataFrame) -> None:

    from semopy.multigroup import multigroup

    multigroup(MODEL, data[[*[f"v{j + 1}" for j in range(10)], "grp"]], "grp")


def semopy_polychoric(data: pd.DataFrame) -> None:
    from semopy.polycorr import hetcor

    # semopy's DataFrame path transposes and then indexes by name (KeyError): use an array
    hetcor(data[[f"v{j + 1}" for j in range(10)]].to_numpy(dtype=float), ords=list(range(10)))


def row(name: str, ours: float, theirs: float | str) -> str:
    if isinstance(theirs, str):
        return f"{name:50}{ours:10.3f}s  {'semopy: ' + theirs}"
    return f"{name:50}{ours:10.3f}s {theirs:10.3f}s   ratio {theirs / ours:6.2f}"


def main() -> None:
    quick = "--quick" in sys.argv
    sizes = [10_000] if quick else [10_000, 100_000]
    print(f"{'benchmark':50}{'llmvalues':>11} {'semopy':>11}")
    warnings.simplefilter("ignore")
    for n in sizes:
        data = simulate(n)
        ours = timed(lambda d=data: cfa(d, MODEL))
        theirs = timed(lambda d=data: semopy_cfa(d))
        print(row(f"cfa ML, {n} rows", ours, theirs))
        ours = timed(lambda d=data: invariance(d, MODEL, "grp"), repeat=1)
        theirs = timed(lambda d=data: semopy_groups(d), repeat=1)
        print(row(f"invariance ML 4 levels, {n} rows (vs 1 level)", ours, theirs))
    n_poly = 10_000 if quick else 100_000
    data = simulate(n_poly, ordinal=True)
    items = [f"v{j + 1}" for j in range(10)]
    ours = timed(lambda: polychoric(data, items), repeat=1)
    try:
        theirs: float | str = timed(lambda: semopy_polychoric(data), repeat=1)
    except Exception as err:  # semopy's ordinal path fails on current numpy/scipy
        theirs = f"fails ({type(err).__name__}: {str(err)[:60]})"
    print(row(f"polychoric 10 items, {n_poly} rows", ours, theirs))
    ours = timed(lambda: polychoric(data, items, acov=True), repeat=1)
    print(row(f"polychoric + asymptotic covariance, {n_poly}", ours, "n/a (not offered)"))
    ours = timed(lambda: cfa(data, MODEL, estimator="ordinal"), repeat=1)
    print(row(f"cfa ordinal (WLSMV), {n_poly} rows", ours, "n/a (ordinal path fails)"))
    ours = timed(lambda: invariance(data, MODEL, "grp", estimator="ordinal"), repeat=1)
    print(row(f"invariance ordinal 3 levels, {n_poly} rows", ours, "n/a"))


if __name__ == "__main__":
    main()
