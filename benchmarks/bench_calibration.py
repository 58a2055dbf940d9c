"""Calibration of the hierarchical map model's intervals on designs that can fail.

Run: ``nice -n 10 .venv/bin/python benchmarks/bench_calibration.py [--datasets 100]
[--designs prior,t3,styles,t0,sparse,refusals] [--links logit,probit] [--jobs 2]
[--out calibration.csv]``

Each named design (:data:`llmvalues.iw.bayes.calibration.DESIGNS`) is simulated
``--datasets`` times per link and refitted; the table gives, per design × link ×
estimand, the coverage of the 50/90/95% credible intervals with the 95% cluster-bootstrap
interval of the 90% figure (data sets resampled whole) and the mean 90% interval width in
map units. docs/hierarchical.md quotes the output.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import replace

import pandas as pd

from llmvalues.iw.bayes.calibration import DESIGNS, calibration_study
from llmvalues.iw.intervals import LEVELS, level_tag


def run(designs: list[str], links: list[str], n_datasets: int, jobs: int) -> pd.DataFrame:
    """One row per design × link × estimand × nominal level."""
    rows = []
    for name in designs:
        for seed, link in enumerate(links):
            design = replace(DESIGNS[name], link=link)
            start = time.perf_counter()
            result = calibration_study(n_datasets, design, seed=seed, n_jobs=jobs)
            coverage = result.coverage().reset_index()
            coverage.insert(0, "link", link)
            coverage.insert(0, "design", name)
            rows.append(coverage)
            print(
                f"{name} {link}: {time.perf_counter() - start:.0f} s, "
                f"load {os.getloadavg()[0]:.1f}\n{result.coverage().round(3).to_string()}",
                flush=True,
            )
    return pd.concat(rows, ignore_index=True)


def markdown(table: pd.DataFrame) -> str:
    """design | link | estimand | 50% | 90% (95% CI) | 95% | width 90%."""
    lines = [
        "| design | link | estimand | 50% | 90% (95% CI) | 95% | mean width of the 90% interval |",
        "|---|---|---|---|---|---|---|",
    ]
    for (design, link, estimand), g in table.groupby(["design", "link", "estimand"], sort=False):
        g = g.set_index("nominal")
        cells = {level_tag(n): g.loc[n] for n in LEVELS}
        ninety = cells["90"]
        lines.append(
            f"| {design} | {link} | {estimand} | {cells['50']['coverage']:.1%} | "
            f"**{ninety['coverage']:.1%}** ({ninety['lo']:.1%}–{ninety['hi']:.1%}) | "
            f"{cells['95']['coverage']:.1%} | {ninety['width']:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", type=int, default=100)
    parser.add_argument("--designs", default=",".join(DESIGNS))
    parser.add_argument("--links", default="logit,probit")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", default=None, help="also write the table as CSV")
    args = parser.parse_args()
    print(f"cpus {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}", flush=True)
    table = run(args.designs.split(","), args.links.split(","), args.datasets, args.jobs)
    if args.out:
        table.to_csv(args.out, index=False)
    print(markdown(table))


if __name__ == "__main__":
    main()
