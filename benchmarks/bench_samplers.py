"""The hierarchical map model under each sampler: wall time, ESS per second, convergence.

Run (one design, every sampler)::

    nice -n 10 env PYTHONPATH=src .venv/bin/python benchmarks/bench_samplers.py \
        --design goal --runs pymc,nutpie,nutpie:tune=400:draws=400,numpyro

or the large-design table (each design ``IxV`` = identities x variants, 10 items, 5
replicates, fitted in a fresh process so that its peak memory is its own)::

    nice -n 10 env PYTHONPATH=src .venv/bin/python benchmarks/bench_samplers.py \
        --scaling 20x30,50x50,100x50,200x50 --runs nutpie --draws 100 --tune 100 --chains 2

Each run is a sampler with its settings (``draws`` and ``tune`` default to the estimator's
1000 and 1000; ``float32`` for numpyro).

One run, same model and data for every sampler: the whole ``fit_hierarchical`` call is
timed (model build, compilation, sampling, map positions, diagnostics), so the wall time
includes compilation. Per sampler: wall seconds, the sampler's own sampling seconds (after
compilation; numpyro's include JAX's tracing and compilation), the map positions' worst
R-hat and smallest bulk ESS and that ESS per second, the slowest free parameter (smallest
bulk ESS) and its ESS per second, divergences, leapfrog steps per draw, and the wall-time
ratio to the first run listed (by default PyMC's NUTS with the default settings, today's
path). The load average is printed before and after each fit: the machine is shared, so
compare samplers within one run.

The scaling table gives per design the cells, likelihood rows and parameters, the CPU
microseconds of one log-density + gradient (PyTensor's numpy Op and the numba kernel),
leapfrog steps per draw, sampling seconds per 1000 iterations of all chains, and the
process's peak resident memory.

Designs: ``goal`` = 20 identities × 30 variants × 10 items × 5 replicates (30k answers,
6,000 cells); ``million`` = 5 identities × 4 variants × 10 items × 5,000 replicates
(1M answers, 200 cells; the scaling table of docs/hierarchical.md); ``wide`` = the goal
layout with 167 replicates (1M answers, 6,000 cells).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
import warnings

import numpy as np

from llmvalues.iw.bayes.estimator import fit_hierarchical
from llmvalues.iw.bayes.sampling import SAMPLERS, missing
from llmvalues.iw.bayes.simulate import draw_truth, simulate_responses

DESIGNS = {  # identities, variants, replicates, variant scale, interaction scale
    "goal": (20, 30, 5, 0.4, 0.3),
    "million": (5, 4, 5000, 0.4, 0.2),
    "wide": (20, 30, 167, 0.4, 0.3),
}


def design_responses(name: str, seed: int = 2):
    """The simulated Responses table of a design."""
    n_ids, n_var, reps, vscale, iscale = DESIGNS[name]
    rng = np.random.default_rng(seed)
    truth = draw_truth(n_ids, n_var, rng, variant_scale=vscale, interaction_scale=iscale)
    return simulate_responses(truth, reps, rng)


def load() -> float:
    return os.getloadavg()[0]


def parse_run(text: str) -> tuple[str, dict]:
    """``"nutpie:tune=300:draws=500"`` → ("nutpie", {"tune": 300, "draws": 500}); a value
    that is not a number stays a string (``pymc:parametrization=noncentred``)."""
    sampler, *parts = text.split(":")
    options: dict = {}
    for part in parts:
        name, _, value = part.partition("=")
        options[name] = (int(value) if value.isdigit() else value) if value else True
    return sampler, options


def run(label: str, sampler: str, responses, **options) -> dict:
    """Fit once and return the row of the table."""
    before = load()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_hierarchical(responses, sampler=sampler, warn=False, **options)
    wall = time.perf_counter() - start
    table = fit.diagnostics.table
    free = table.drop(index="position")
    slowest = str(free["ess_bulk_min"].idxmin())
    pos = table.loc["position"]
    sampling = float(fit.idata.posterior.attrs.get("sampling_time", float("nan")))
    return {
        "sampler": label,
        "wall_s": wall,
        "sampling_s": sampling,
        "pos_rhat_max": float(pos["r_hat_max"]),
        "pos_ess_min": float(pos["ess_bulk_min"]),
        "pos_ess_per_s": float(pos["ess_bulk_min"]) / wall,
        "slowest": slowest,
        "slowest_rhat": float(free.loc[slowest, "r_hat_max"]),
        "slowest_ess": float(free.loc[slowest, "ess_bulk_min"]),
        "slowest_ess_per_s": float(free.loc[slowest, "ess_bulk_min"]) / wall,
        "divergences": fit.diagnostics.divergences,
        "steps_per_draw": float(fit.idata.sample_stats["n_steps"].mean()),
        "load_before": before,
        "load_after": load(),
    }


def grad_cost(model, repeats: int = 50) -> dict[str, float]:
    """CPU µs per log-density + gradient of ``model`` compiled by PyTensor (numpy Op) and by
    numba (nutpie's kernel), at a jittered initial point."""
    from pymc.blocking import DictToArrayBijection

    point = DictToArrayBijection.map(model.initial_point()).data
    point = point + np.random.default_rng(0).normal(0, 0.3, point.size)
    out = {}
    for mode, label in (("FAST_RUN", "grad_us_numpy"), ("NUMBA", "grad_us_numba")):
        fn = model.logp_dlogp_function(ravel_inputs=True, mode=mode)
        fn.set_extra_values({})
        fn(point)
        start = time.process_time()
        for _ in range(repeats):
            fn(point)
        out[label] = (time.process_time() - start) / repeats * 1e6
    return out


def one_design(spec: str, sampler: str, draws: int, tune: int, chains: int) -> dict:
    """Fit one ``IxV`` design (5 replicates) in this process and measure it."""
    import resource

    from llmvalues.iw.bayes.data import aggregate_responses
    from llmvalues.iw.bayes.diagnostics import Diagnostics
    from llmvalues.iw.bayes.estimator import attach_positions
    from llmvalues.iw.bayes.model import build_model
    from llmvalues.iw.bayes.sampling import sample
    from llmvalues.iw.presets import load_preset

    n_ids, n_var = (int(v) for v in spec.split("x"))
    rng = np.random.default_rng(2)
    truth = draw_truth(n_ids, n_var, rng, variant_scale=0.4, interaction_scale=0.3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = aggregate_responses(simulate_responses(truth, 5, rng))
        model = build_model(data)
        row = {"design": spec, "cells": data.n_cells, "rows": len(data.row_count)}
        row["parameters"] = int(sum(v.size for v in model.initial_point().values()))
        row |= grad_cost(model)
        row["rss_before_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        start = time.perf_counter()
        idata = sample(
            model, sampler, draws=draws, tune=tune, chains=chains, cores=2, random_seed=3
        )
        row["sample_s"] = time.perf_counter() - start
        row["sampling_s"] = float(idata.posterior.attrs["sampling_time"])
        row["steps_per_draw"] = float(idata.sample_stats["n_steps"].mean())
        start = time.perf_counter()
        preset = load_preset("hall2025")
        attach_positions(idata, data, model.structure, "logit", preset, "asked", 3, None)
        row["positions_s"] = time.perf_counter() - start
        start = time.perf_counter()
        table = Diagnostics.from_idata(idata).table
        row["diagnostics_s"] = time.perf_counter() - start
    row["pos_rhat_max"] = float(table.loc["position", "r_hat_max"])
    row["rss_peak_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    row |= {"draws": draws, "tune": tune, "chains": chains, "load": load()}
    return row


def scaling(specs: list[str], sampler: str, draws: int, tune: int, chains: int) -> None:
    """Each design in a fresh process (its own peak memory), then the table."""
    rows = []
    for spec in specs:
        command = [
            sys.executable,
            __file__,
            "--one",
            spec,
            "--runs",
            sampler,
            "--draws",
            str(draws),
            "--tune",
            str(tune),
            "--chains",
            str(chains),
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(rows[-1], flush=True)
    print(
        f"\n{'design':>8} {'cells':>7} {'rows':>8} {'params':>7} {'µs numpy':>9} "
        f"{'µs numba':>9} {'steps':>5} {'s/1000 it':>9} {'peak GiB':>8} {'load':>5}"
    )
    for r in rows:
        per_1000 = r["sampling_s"] / (r["draws"] + r["tune"]) * 1000
        print(
            f"{r['design']:>8} {r['cells']:>7,} {r['rows']:>8,} {r['parameters']:>7,} "
            f"{r['grad_us_numpy']:>9.0f} {r['grad_us_numba']:>9.0f} {r['steps_per_draw']:>5.0f} "
            f"{per_1000:>9.0f} {r['rss_peak_gib']:>8.2f} {r['load']:>5.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--design", choices=sorted(DESIGNS), default="goal")
    parser.add_argument("--runs", default=",".join(SAMPLERS))
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=1, help="fits per sampler")
    parser.add_argument(
        "--scaling", help="designs IxV (identities x variants, 5 replicates), e.g. 20x30,200x50"
    )
    parser.add_argument("--draws", type=int, default=200, help="--scaling: draws per chain")
    parser.add_argument("--tune", type=int, default=200, help="--scaling: tuning steps")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.getLogger("pymc").setLevel(logging.ERROR)
    if args.one:
        row = one_design(args.one, args.runs, args.draws, args.tune, args.chains)
        print(json.dumps(row))
        return
    if args.scaling:
        scaling(args.scaling.split(","), args.runs, args.draws, args.tune, args.chains)
        return
    responses = design_responses(args.design)
    print(
        f"design {args.design}: {len(responses):,} answers; {args.chains} chains; "
        f"cpus {os.cpu_count()}, load average {load():.1f}"
    )
    rows = []
    for label in args.runs.split(","):
        sampler, options = parse_run(label)
        if missing(sampler):
            print(f"{sampler}: skipped ({missing(sampler)} not installed)")
            continue
        for _ in range(args.repeat):
            rows.append(
                run(label, sampler, responses, chains=args.chains, random_seed=args.seed, **options)
            )
            print(rows[-1], flush=True)
    base = rows[0]["wall_s"]
    print(
        f"\n{'run':>32} {'wall s':>7} {'sampl s':>7} {'ratio':>6} {'pos R-hat':>9} {'pos ESS':>8} "
        f"{'ESS/s':>6} {'slowest':>18} {'R-hat':>6} {'ESS':>6} {'ESS/s':>6} {'div':>4} "
        f"{'steps':>5} {'load':>9}"
    )
    for r in rows:
        print(
            f"{r['sampler']:>32} {r['wall_s']:>7.1f} {r['sampling_s']:>7.1f} "
            f"{base / r['wall_s']:>6.2f} "
            f"{r['pos_rhat_max']:>9.4f} {r['pos_ess_min']:>8.0f} {r['pos_ess_per_s']:>6.1f} "
            f"{r['slowest']:>18} {r['slowest_rhat']:>6.3f} {r['slowest_ess']:>6.0f} "
            f"{r['slowest_ess_per_s']:>6.1f} {r['divergences']:>4} {r['steps_per_draw']:>5.0f} "
            f"{r['load_before']:>4.1f}–{r['load_after']:<4.1f}"
        )


if __name__ == "__main__":
    main()
