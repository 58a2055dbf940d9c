"""Calibration study: do the credible intervals of map positions cover the truth as stated?

Truth is drawn from the priors, data from the model, and the same (compiled once) model
is refitted to every data set with ``pm.set_data``; for a correct sampler the coverage of
a level-q interval is q on average (simulation-based calibration, Talts et al. 2018).
Every estimand of the design is checked against its own truth, computed by the same
functions as the fit's positions (:mod:`llmvalues.iw.bayes.positions`).
"""

from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pymc as pm
from scipy import stats

from llmvalues.executor import parallel_map, workers
from llmvalues.iw.bayes.data import aggregate_responses, densify
from llmvalues.iw.bayes.model import Priors, build_model
from llmvalues.iw.bayes.positions import posterior_positions
from llmvalues.iw.bayes.simulate import draw_truth, simulate_responses
from llmvalues.iw.estimands import ESTIMANDS, check_estimand
from llmvalues.iw.intervals import LEVELS, interval, level_tag
from llmvalues.iw.presets import DEFAULT_PRESET, load_preset
from llmvalues.summary import Summary


@dataclass(frozen=True)
class Design:
    """A simulation design: identities × variants × 10 items × replicates, sampler settings,
    the link, the preset and the estimands whose intervals are checked."""

    n_identities: int = 3
    n_variants: int = 3
    n_replicates: int = 2
    draws: int = 300
    tune: int = 300
    chains: int = 2
    link: str = "logit"
    preset: str = DEFAULT_PRESET
    estimands: tuple[str, ...] = tuple(ESTIMANDS)

    def __post_init__(self) -> None:
        for estimand in self.estimands:
            check_estimand(estimand)


@dataclass(frozen=True)
class CalibrationResult:
    """Per data set × estimand × identity × axis: truth, posterior mean, coverage, SBC rank.

    ``records`` columns: dataset, estimand, identity, axis, truth, mean, rank (share of
    draws below the truth), inside50, inside90, inside95 (truth inside the equal-tailed
    credible interval of that level).
    """

    records: pd.DataFrame
    design: Design
    seconds: float

    def coverage(self, level: float = 0.95) -> pd.DataFrame:
        """Observed coverage per estimand and nominal interval level.

        Parameters
        ----------
        level
            Probability of the Clopper–Pearson interval (``lo``, ``hi``) of each coverage.

        Returns
        -------
        pandas.DataFrame
            Index (estimand, nominal): coverage, n, lo, hi, level.
        """
        rows = []
        for estimand, group in self.records.groupby("estimand", sort=False):
            for nominal in LEVELS:
                flags = group[f"inside{level_tag(nominal)}"]
                k, n = int(flags.sum()), len(flags)
                ci = stats.binomtest(k, n).proportion_ci(level)
                rows.append(
                    {
                        "estimand": estimand,
                        "nominal": nominal,
                        "coverage": k / n,
                        "n": n,
                        "lo": ci.low,
                        "hi": ci.high,
                        "level": level,
                    }
                )
        return pd.DataFrame(rows).set_index(["estimand", "nominal"])

    def to_frame(self) -> pd.DataFrame:
        """The records (one row per data set × estimand × identity × axis)."""
        return self.records.copy()

    def summary(self) -> Summary:
        """Coverage per estimand and level, with the design.

        Returns
        -------
        llmvalues.summary.Summary
        """
        d = self.design
        return Summary(
            "Calibration of the hierarchical map model's credible intervals",
            {"coverage": self.coverage()},
            notes=[
                "coverage: share of (data set, identity, axis) whose true position lies in "
                "the credible interval of the nominal level; lo/hi: its 95% Clopper–Pearson "
                "interval.",
                "Truth drawn from the priors, data from the model (simulation-based "
                "calibration, Talts et al. 2018).",
            ],
            info={
                "data sets": int(self.records["dataset"].nunique()),
                "design": f"{d.n_identities} identities × {d.n_variants} variants × 10 items "
                f"× {d.n_replicates} replicates",
                "sampler": f"{d.chains} × {d.draws} draws after {d.tune} tuning steps",
                "link": d.link,
                "seconds": round(self.seconds),
            },
        )

    def __str__(self) -> str:
        return str(self.summary())


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
            data = densify(aggregate_responses(df))
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
        for estimand in design.estimands:
            xy = posterior_positions(
                idata, data, model.structure, design.link, preset, estimand, seed
            ).position
            xy = xy.reshape(-1, *xy.shape[2:])  # (S, I, 2)
            true = truth.positions(preset, estimand).to_numpy()
            for i in range(design.n_identities):
                for a, axis in enumerate(("x", "y")):
                    draws = xy[:, i, a]
                    row = {
                        "dataset": seed,
                        "estimand": estimand,
                        "identity": i,
                        "axis": axis,
                        "truth": true[i, a],
                        "mean": float(draws.mean()),
                        "rank": float((draws < true[i, a]).mean()),
                    }
                    for level in LEVELS:
                        lo, hi = interval(draws, level)
                        row[f"inside{level_tag(level)}"] = bool(lo <= true[i, a] <= hi)
                    records.append(row)
    return records


def calibration_study(
    n_datasets: int = 100,
    design: Design | None = None,
    seed: int = 0,
    n_jobs: int = 1,
    client: Any = None,
) -> CalibrationResult:
    """Simulate ``n_datasets`` from the priors, refit each, and record interval coverage.

    Parameters
    ----------
    n_datasets
        Simulated data sets.
    design
        Design, sampler settings and the estimands checked (all three by default).
    seed
        Seed of the study (data set k uses ``seed * 100000 + k``).
    n_jobs
        Workers (each compiles the model once, then refits its share of the data sets),
        through :func:`llmvalues.executor.parallel_map`: ``-1`` every CPU, or every worker
        of the Dask cluster of ``client``.
    client
        A ``distributed.Client`` to run the study on its cluster (None: this machine).

    Returns
    -------
    CalibrationResult
    """
    design = design or Design()
    seeds = [seed * 100_000 + k for k in range(n_datasets)]
    start = time.perf_counter()
    n_chunks = min(workers(n_jobs, client), n_datasets)
    chunks = [(seeds[k::n_chunks], design) for k in range(n_chunks)]
    records = [r for part in parallel_map(_run_chunk, chunks, n_jobs, client) for r in part]
    return CalibrationResult(pd.DataFrame(records), design, time.perf_counter() - start)
