"""Calibration study: do the credible intervals of map positions cover the truth as stated?

Truth is drawn from the priors, data from the model, and the same (compiled once) model
is refitted to every data set with ``pm.set_data``; for a correct sampler the coverage of
a level-q interval is q on average (simulation-based calibration, Talts et al. 2018).
"""

from __future__ import annotations

import logging
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pymc as pm
from scipy import stats

from llmvalues.iw.bayes.data import aggregate_responses, densify
from llmvalues.iw.bayes.estimator import posterior_positions
from llmvalues.iw.bayes.model import Priors, build_model
from llmvalues.iw.bayes.simulate import draw_truth, simulate_responses
from llmvalues.iw.presets import load_preset

LEVELS = (0.5, 0.9, 0.95)


@dataclass(frozen=True)
class Design:
    """A simulation design: identities × variants × 10 items × replicates, sampler settings."""

    n_identities: int = 3
    n_variants: int = 3
    n_replicates: int = 2
    draws: int = 300
    tune: int = 300
    chains: int = 2
    link: str = "logit"
    preset: str = "hall2025"


@dataclass(frozen=True)
class CalibrationResult:
    """Per data set × identity × axis: truth, interval bounds, coverage flags, SBC rank."""

    records: pd.DataFrame
    design: Design
    seconds: float

    def coverage(self) -> pd.DataFrame:
        """Observed coverage per nominal level with a 95% Clopper–Pearson interval."""
        rows = []
        for level in LEVELS:
            flags = self.records[f"inside{round(level * 100)}"]
            k, n = int(flags.sum()), len(flags)
            ci = stats.binomtest(k, n).proportion_ci(0.95)
            rows.append({"level": level, "coverage": k / n, "n": n, "lo": ci.low, "hi": ci.high})
        return pd.DataFrame(rows).set_index("level")

    def __str__(self) -> str:
        d = self.design
        n_sets = self.records["dataset"].nunique()
        return (
            f"{n_sets} simulated data sets ({d.n_identities} identities × {d.n_variants} "
            f"variants × 10 items × {d.n_replicates} replicates, {d.chains}×{d.draws} draws) "
            f"in {self.seconds:.0f} s\n{self.coverage().round(3).to_string()}"
        )


def _run_chunk(seeds: list[int], design: Design) -> list[dict]:
    """Fit one compiled model to the data sets of ``seeds`` (one worker's share)."""
    logging.getLogger("pymc").setLevel(logging.ERROR)
    preset = load_preset(design.preset)
    priors = Priors.default(design.link)
    records: list[dict] = []
    model = step = template = None
    for seed in seeds:
        rng = np.random.default_rng(seed)
        truth = draw_truth(design.n_identities, design.n_variants, rng, priors, design.link)
        df = simulate_responses(truth, design.n_replicates, rng)
        with warnings.catch_warnings():
            # prior draws make some items constant now and then: expected, and part of the test
            warnings.simplefilter("ignore", UserWarning)
            data = densify(aggregate_responses(df, validate=False))
        if model is None:
            template = data
            model = build_model(data, priors=priors, link=design.link)
            with model:
                step = pm.NUTS(target_accept=0.9)
        if not (
            np.array_equal(data.row_cell, template.row_cell)
            and np.array_equal(data.cell_item, template.cell_item)
        ):
            raise RuntimeError("simulated data sets do not share one layout")
        with model:
            pm.set_data({"counts": data.row_count})
            step.reset_tuning()
            idata = pm.sample(
                draws=design.draws,
                tune=design.tune,
                chains=design.chains,
                cores=1,
                step=step,
                random_seed=seed,
                progressbar=False,
                compute_convergence_checks=False,
            )
        _, xy = posterior_positions(idata, data.codes, design.link, preset)
        xy = xy.reshape(-1, *xy.shape[2:])  # (S, I, 2)
        true = truth.positions(preset).to_numpy()
        for i in range(design.n_identities):
            for a, axis in enumerate(("x", "y")):
                draws = xy[:, i, a]
                row = {"dataset": seed, "identity": i, "axis": axis, "truth": true[i, a]}
                row["mean"] = float(draws.mean())
                row["rank"] = float((draws < true[i, a]).mean())
                for level in LEVELS:
                    lo, hi = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
                    row[f"inside{round(level * 100)}"] = bool(lo <= true[i, a] <= hi)
                records.append(row)
    return records


def calibration_study(
    n_datasets: int = 100, design: Design | None = None, seed: int = 0, n_jobs: int = 1
) -> CalibrationResult:
    """Simulate ``n_datasets`` from the priors, refit each, and record interval coverage."""
    design = design or Design()
    seeds = [seed * 100_000 + k for k in range(n_datasets)]
    start = time.perf_counter()
    if n_jobs <= 1:
        records = _run_chunk(seeds, design)
    else:
        chunks = [seeds[k::n_jobs] for k in range(n_jobs)]
        with ProcessPoolExecutor(max_workers=n_jobs) as pool:
            parts = list(pool.map(_run_chunk, chunks, [design] * n_jobs))
        records = [r for part in parts for r in part]
    return CalibrationResult(pd.DataFrame(records), design, time.perf_counter() - start)
