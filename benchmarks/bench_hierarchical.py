"""Hierarchical map model: cost of counts vs one row per answer, and the 30k-response goal.

Run: ``.venv/bin/python benchmarks/bench_hierarchical.py [--quick] [--skip-goal]``

0. Gradient: µs per log-likelihood + gradient on the goal data, the hand-written Op
   against the same likelihood differentiated by PyTensor (the ratio is the speed-up).
1. Scaling: the same cells (5 identities × 4 variants × 10 items) with 1k … 1M answers,
   fitted on aggregated counts and — up to ``--max-per-response`` answers — on one
   likelihood row per answer (the baseline). Prints seconds, the smallest bulk ESS of the
   map positions, ESS per second, and the baseline / counts time ratio in the same run.
2. Goal: 20 identities × 30 variants × 10 items × 5 replicates (30k answers) with the
   default sampler (4 chains × 1000 draws, 1000 tuning steps; ``--goal-chains`` etc. to
   change): wall time, worst R-hat and smallest bulk ESS over the map positions.
Timings include PyTensor compilation (warm disk cache after the first fit of a structure).
"""

from __future__ import annotations

import argparse
import logging
import os
import time
import warnings

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
from pymc.distributions.dist_math import normal_lcdf

from llmvalues.iw.bayes.data import aggregate_responses
from llmvalues.iw.bayes.estimator import attach_positions, default_cores, fit_hierarchical
from llmvalues.iw.bayes.inference_data import convergence_table
from llmvalues.iw.bayes.likelihood import ordinal_count_loglik
from llmvalues.iw.bayes.model import LINKS, boundary_map, build_model, reference_gaps
from llmvalues.iw.bayes.simulate import draw_truth, simulate_responses
from llmvalues.iw.presets import load_preset


def _fit_data(data, draws: int, tune: int, chains: int, seed: int) -> tuple[float, float, float]:
    """Sample one CellCounts; return (seconds, min bulk ESS, max R-hat) of the map positions."""
    start = time.perf_counter()
    with build_model(data) as model:
        idata = pm.sample(
            draws=draws,
            tune=tune,
            chains=chains,
            cores=default_cores(chains),
            random_seed=seed,
            progressbar=False,
            compute_convergence_checks=False,
        )
    seconds = time.perf_counter() - start
    # the positions at a typical prompt, as in the measurements of docs/hierarchical.md
    attach_positions(
        idata, data, model.structure, "logit", load_preset("hall2025"), "typical", None, None
    )
    table = convergence_table(idata, ["position"]).loc["position"]
    return seconds, float(table["ess_bulk_min"]), float(table["r_hat_max"])


def scaling(sizes: list[int], max_per_response: int, draws: int, tune: int) -> None:
    """Counts vs per-response rows over the same 200 cells."""
    n_cells = 5 * 4 * 10
    rng = np.random.default_rng(1)
    truth = draw_truth(5, 4, rng, variant_scale=0.4, interaction_scale=0.2)
    print(f"\n## Scaling over the same {n_cells} cells (2 chains × {draws} draws, {tune} tune)")
    print(
        f"{'answers':>9} {'rows':>8} {'fit s':>8} {'ESS min':>8} {'ESS/s':>7} "
        f"{'per-resp s':>10} {'ESS/s':>7} {'ratio':>6}"
    )
    for n in sizes:
        df = simulate_responses(truth, max(1, n // n_cells), rng)
        counts = aggregate_responses(df)
        t, ess, _ = _fit_data(counts, draws, tune, 2, seed=1)
        line = f"{len(df):>9,} {len(counts.row_count):>8,} {t:>8.1f} {ess:>8.0f} {ess / t:>7.1f}"
        if len(df) <= max_per_response:
            rows = aggregate_responses(df, aggregate=False)
            tr, essr, _ = _fit_data(rows, draws, tune, 2, seed=1)
            line += f" {tr:>10.1f} {essr / tr:>7.1f} {tr / t:>6.1f}"
        else:
            line += f" {'skipped':>10} {'':>7} {'':>6}"
        print(line, flush=True)


def _autodiff_loglik(flat, cell_eta, counts, low, cell, link):
    """Baseline: the same likelihood written as a PyTensor graph and differentiated by it."""
    eta = cell_eta[cell]
    upper, lower = flat[low + 1] - eta, flat[low] - eta
    if link == "logit":
        pairs, pair_of_row = np.unique(low, return_inverse=True)  # width once per category
        width = pt.log1mexp(flat[pairs] - flat[pairs + 1])
        logp = -pt.softplus(-upper) - pt.softplus(lower) + width[pair_of_row]
    else:
        logp = pm.math.logdiffexp(normal_lcdf(0.0, 1.0, upper), normal_lcdf(0.0, 1.0, lower))
    return pt.sum(counts * logp)


def gradient_cost(repeats: int = 300) -> None:
    """µs per log-likelihood + gradient on the goal data: the Op vs PyTensor autodiff."""
    rng = np.random.default_rng(2)
    truth = draw_truth(20, 30, rng, variant_scale=0.4, interaction_scale=0.3)
    data = aggregate_responses(simulate_responses(truth, 5, rng))
    kmax1 = int(data.n_categories.max()) + 1
    low = data.cell_item[data.row_cell] * kmax1 + data.row_category
    a_map, b_map = boundary_map(data.n_categories)
    gaps, cell_eta = pt.dvector("gaps"), pt.dvector("cell_eta")
    flat = pt.dot(pt.constant(a_map), gaps) + b_map
    counts = pt.constant(data.row_count)
    values = [
        np.concatenate([reference_gaps(int(k), "logit") for k in data.n_categories if k > 2]),
        rng.normal(0, 1, data.n_cells),
    ]
    print(f"\n## Log-likelihood + gradient, {len(low):,} rows (µs per call, {repeats} calls)")
    print(f"{'link':>7} {'autodiff':>9} {'Op':>7} {'ratio':>6}")
    for link in LINKS:
        cost = []
        for build in (_autodiff_loglik, ordinal_count_loglik):
            total = build(flat, cell_eta, counts, low, data.row_cell, link)
            fn = pytensor.function(
                [gaps, cell_eta], [total, *pytensor.grad(total, [gaps, cell_eta])]
            )
            fn(*values)
            start = time.perf_counter()
            for _ in range(repeats):
                fn(*values)
            cost.append((time.perf_counter() - start) / repeats * 1e6)
        print(f"{link:>7} {cost[0]:>9.0f} {cost[1]:>7.0f} {cost[0] / cost[1]:>6.2f}", flush=True)


def goal(chains: int, draws: int, tune: int) -> None:
    """20 identities × 30 variants × 10 items × 5 replicates through fit_hierarchical."""
    rng = np.random.default_rng(2)
    truth = draw_truth(20, 30, rng, variant_scale=0.4, interaction_scale=0.3)
    df = simulate_responses(truth, 5, rng)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_hierarchical(df, chains=chains, draws=draws, tune=tune, random_seed=3)
    seconds = time.perf_counter() - start
    pos = fit.diagnostics.table.loc["position"]
    print(
        f"\n## Goal: {len(df):,} answers in {fit.data.n_cells:,} cells "
        f"({chains} chains × {draws} draws, {tune} tune)"
    )
    print(
        f"wall {seconds:.1f} s (goal < 120 s); positions: R-hat max {pos['r_hat_max']:.4f} "
        f"(goal ≤ 1.01), bulk ESS min {pos['ess_bulk_min']:.0f} (goal ≥ 400), "
        f"divergences {fit.diagnostics.divergences}"
    )
    print(f"all parameters:\n{fit.diagnostics.to_frame().round(3).to_string()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1k and 10k answers only")
    parser.add_argument("--skip-goal", action="store_true")
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--goal-chains", type=int, default=4)
    parser.add_argument("--goal-draws", type=int, default=1000)
    parser.add_argument("--goal-tune", type=int, default=1000)
    parser.add_argument("--max-per-response", type=int, default=10_000)
    args = parser.parse_args()
    logging.getLogger("pymc").setLevel(logging.ERROR)
    print(f"cpus {os.cpu_count()}, load average {os.getloadavg()[0]:.1f} (other jobs slow it)")
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000, 1_000_000]
    gradient_cost()
    if not args.skip_goal:
        goal(chains=args.goal_chains, draws=args.goal_draws, tune=args.goal_tune)
    if not args.skip_scaling:
        scaling(sizes, args.max_per_response, draws=500, tune=500)


if __name__ == "__main__":
    main()
