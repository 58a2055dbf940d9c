"""Calibration study: do the credible intervals of map positions cover the truth as stated?

Data sets are simulated with known truth and the same (compiled once) model is refitted
to every one with ``pm.set_data``. With truth drawn from the priors and data from the
model, a correct sampler covers the truth at each interval's level on average
(simulation-based calibration, Talts et al. 2018). A :class:`Design` can also break the
model's assumptions on purpose — heavier-tailed prompt effects, identity-specific
cut-points, deterministic (temperature-0) answers, refusals that depend on the answer —
so the study can fail where the model does. Every estimand of the design is checked
against its own truth (:meth:`~llmvalues.iw.bayes.simulate.SimulationTruth.expected`).

The checks of one data set share its draws and its truth, so they are not independent:
the coverage intervals are a cluster bootstrap over data sets (resampling whole data
sets, :data:`BOOTSTRAP` times, percentile interval).
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

from llmvalues.executor import parallel_map, workers
from llmvalues.iw.bayes.data import aggregate_responses, densify
from llmvalues.iw.bayes.model import Priors, build_model
from llmvalues.iw.bayes.positions import posterior_positions
from llmvalues.iw.bayes.simulate import ANSWERS, PROMPT_EFFECTS, draw_truth, simulate_responses
from llmvalues.iw.estimands import ESTIMANDS, check_estimand
from llmvalues.iw.intervals import LEVELS, interval, level_tag
from llmvalues.iw.presets import DEFAULT_PRESET, load_preset
from llmvalues.summary import Summary

BOOTSTRAP = 2000  # cluster-bootstrap resamples of the data sets behind each coverage interval


@dataclass(frozen=True)
class Design:
    """A simulation design: identities × variants × 10 items × replicates, how the truth
    departs from the model, sampler settings, the link, the preset and the estimands.

    ``prompt_effects`` ``"t3"`` draws prompt effects from a Student-t with 3 df (the SD the
    priors give, heavier tails); ``cut_shift`` > 0 gives each identity its own cut-point
    gaps (log factor SD); ``answer="mode"`` makes every reply the mode of its cell's answer
    distribution (deterministic decoding, temperature 0; use one replicate);
    ``refusal_rate`` refuses rows at random and ``content_refusals`` refuses F063/F118
    rows more often the higher their answer (missing not at random).
    """

    n_identities: int = 3
    n_variants: int = 3
    n_replicates: int = 2
    draws: int = 300
    tune: int = 300
    chains: int = 2
    link: str = "logit"
    preset: str = DEFAULT_PRESET
    estimands: tuple[str, ...] = tuple(ESTIMANDS)
    prompt_effects: str = "normal"
    cut_shift: float = 0.0
    answer: str = "sampled"
    refusal_rate: float = 0.0
    content_refusals: float = 0.0

    def __post_init__(self) -> None:
        for estimand in self.estimands:
            check_estimand(estimand)
        if self.prompt_effects not in PROMPT_EFFECTS:
            raise ValueError(f"prompt_effects must be one of {PROMPT_EFFECTS}")
        if self.answer not in ANSWERS:
            raise ValueError(f"answer must be one of {ANSWERS}")

    @property
    def from_priors(self) -> bool:
        """Truth and data from the fitting model (simulation-based calibration proper)."""
        return (
            self.prompt_effects == "normal"
            and self.cut_shift == 0
            and self.answer == "sampled"
            and self.content_refusals == 0
        )

    def describe(self) -> str:
        """One line: the size and every departure from the model."""
        parts = [
            f"{self.n_identities} identities × {self.n_variants} variants × 10 items × "
            f"{self.n_replicates} replicate{'s' if self.n_replicates > 1 else ''}"
        ]
        if self.prompt_effects != "normal":
            parts.append("Student-t(3) prompt effects")
        if self.cut_shift:
            parts.append(f"identity cut-point gaps × exp(N(0, {self.cut_shift:g}))")
        if self.answer == "mode":
            parts.append("deterministic answers (the mode of each cell, temperature 0)")
        if self.refusal_rate:
            parts.append(f"{self.refusal_rate:.0%} random refusals")
        if self.content_refusals:
            parts.append(
                f"F063/F118 refusals rising with the answer (mean {self.content_refusals:.0%})"
            )
        return "; ".join(parts)


DESIGNS: dict[str, Design] = {
    "prior": Design(),
    "t3": Design(prompt_effects="t3"),
    "styles": Design(cut_shift=0.3),
    "t0": Design(n_variants=10, n_replicates=1, answer="mode"),
    "sparse": Design(n_variants=10, n_replicates=1),
    "refusals": Design(refusal_rate=0.03, content_refusals=0.15),
}
"""The named designs of ``benchmarks/bench_calibration.py`` (docs/hierarchical.md)."""


@dataclass(frozen=True)
class CalibrationResult:
    """Per data set × estimand × identity × axis: truth, posterior mean, coverage, SBC rank.

    ``records`` columns: dataset, estimand, identity, axis, truth, mean, rank (share of
    draws below the truth), inside50 … inside95 (truth inside the equal-tailed credible
    interval of that level), width50 … width95 (its width, map units).
    """

    records: pd.DataFrame
    design: Design
    seconds: float

    def coverage(self, level: float = 0.95, seed: int = 0) -> pd.DataFrame:
        """Observed coverage and mean interval width per estimand and nominal level.

        Parameters
        ----------
        level
            Probability of the cluster-bootstrap interval (``lo``, ``hi``) of each
            coverage: whole data sets are resampled, so the checks within one data set
            (which share its draws and truth) count together.
        seed
            Seed of the bootstrap.

        Returns
        -------
        pandas.DataFrame
            Index (estimand, nominal): coverage, n (checks), datasets, lo, hi, level,
            width (mean interval width, map units).
        """
        rng = np.random.default_rng(seed)
        rows = []
        for estimand, group in self.records.groupby("estimand", sort=False):
            sets = group["dataset"].to_numpy()
            labels, index = np.unique(sets, return_inverse=True)
            pick = rng.integers(0, len(labels), (BOOTSTRAP, len(labels)))
            weight = np.stack([np.bincount(p, minlength=len(labels)) for p in pick])
            for nominal in LEVELS:
                flags = group[f"inside{level_tag(nominal)}"].to_numpy(dtype=float)
                hits = np.bincount(index, flags, minlength=len(labels))
                n = np.bincount(index, minlength=len(labels)).astype(float)
                boot = (weight @ hits) / (weight @ n)
                lo, hi = np.quantile(boot, [(1 - level) / 2, (1 + level) / 2])
                rows.append(
                    {
                        "estimand": estimand,
                        "nominal": nominal,
                        "coverage": flags.mean(),
                        "n": len(flags),
                        "datasets": len(labels),
                        "lo": lo,
                        "hi": hi,
                        "level": level,
                        "width": group[f"width{level_tag(nominal)}"].mean(),
                    }
                )
        return pd.DataFrame(rows).set_index(["estimand", "nominal"])

    def to_frame(self) -> pd.DataFrame:
        """The records (one row per data set × estimand × identity × axis)."""
        return self.records.copy()

    def summary(self) -> Summary:
        """Coverage and interval width per estimand and level, with the design.

        Returns
        -------
        llmvalues.summary.Summary
        """
        d = self.design
        truth = (
            "Truth drawn from the priors, data from the model (simulation-based calibration, "
            "Talts et al. 2018)."
            if d.from_priors
            else "Truth drawn from the priors where the design does not say otherwise, data "
            f"departing from the model: {d.describe()}."
        )
        return Summary(
            "Calibration of the hierarchical map model's credible intervals",
            {"coverage": self.coverage()},
            notes=[
                "coverage: share of (data set, identity, axis) whose true position lies in "
                "the credible interval of the nominal level; lo/hi: its 95% cluster-bootstrap "
                "interval (whole data sets resampled); width: mean interval width (map units).",
                truth,
            ],
            info={
                "data sets": int(self.records["dataset"].nunique()),
                "design": d.describe(),
                "sampler": f"{d.chains} × {d.draws} draws after {d.tune} tuning steps",
                "link": d.link,
                "seconds": round(self.seconds),
            },
        )

    def __str__(self) -> str:
        return str(self.summary())


def simulate_design(design: Design, seed: int):
    """(truth, Responses) of data set ``seed`` of ``design``."""
    rng = np.random.default_rng(seed)
    truth = draw_truth(
        design.n_identities,
        design.n_variants,
        rng,
        Priors.default(design.link),
        design.link,
        prompt_effects=design.prompt_effects,
        answer=design.answer,
        cut_shift=design.cut_shift,
    )
    df = simulate_responses(
        truth, design.n_replicates, rng, design.refusal_rate, design.content_refusals
    )
    return truth, df


def _run_chunk(seeds: list[int], design: Design) -> list[dict]:
    """Fit one compiled model to the data sets of ``seeds`` (one worker's share)."""
    logging.getLogger("pymc").setLevel(logging.ERROR)
    preset = load_preset(design.preset)
    priors = Priors.default(design.link)
    records: list[dict] = []
    model = step = template = None
    for seed in seeds:
        truth, df = simulate_design(design, seed)
        with warnings.catch_warnings():
            # prior draws make some items constant now and then: expected, and part of the test
            warnings.simplefilter("ignore", UserWarning)
            data = aggregate_responses(df)
            # refusals drop cells: a data set whose layout differs gets its own model
            dense = densify(data)
        if model is None or not _same_layout(dense, template):
            template = dense
            model = build_model(dense, priors=priors, link=design.link)
            with model:
                step = pm.NUTS(target_accept=0.9)
        with model:
            pm.set_data({"counts": dense.row_count})
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
                idata, dense, model.structure, design.link, preset, estimand, seed
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
                        # exactly known positions (deterministic data) have zero width
                        row[f"inside{level_tag(level)}"] = bool(
                            lo - 1e-9 <= true[i, a] <= hi + 1e-9
                        )
                        row[f"width{level_tag(level)}"] = float(hi - lo)
                    records.append(row)
    return records


def _same_layout(a, b) -> bool:
    return (
        np.array_equal(a.row_cell, b.row_cell)
        and np.array_equal(a.cell_item, b.cell_item)
        and np.array_equal(a.cell_identity, b.cell_identity)
        and np.array_equal(a.cell_variant, b.cell_variant)
        and np.array_equal(a.cell_deterministic, b.cell_deterministic)
    )


def calibration_study(
    n_datasets: int = 100,
    design: Design | None = None,
    seed: int = 0,
    n_jobs: int = 1,
    client: Any = None,
) -> CalibrationResult:
    """Simulate ``n_datasets`` data sets of ``design``, refit each, and record coverage.

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
