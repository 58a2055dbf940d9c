"""Reproduce Tao et al. (2024)'s map positions and metrics from their answer tables.

Tao et al. published one wide CSV of answers per model on OSF (project 7sj3w): one row per
respondent-descriptor variant, one column per IVS item (A008, A165, E018, …). Download
them yourself, then:

    python examples/reproduce_tao2024.py answers_gpt-4o.csv answers_gpt-4.csv \
        --identity model --variant variant --out tao_map

A file without an identity column is named after the file. The classic method with the
``tao2024`` preset gives each model the mean of its variant points — their computation,
exactly (see docs/iw-map.md) — and the figure shows it against their 107 countries.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from llmvalues import fit_map
from llmvalues.plots import save_figure


def load_answer_tables(paths: list[Path], identity: str) -> pd.DataFrame:
    """Concatenate wide answer tables; a table without ``identity`` is named by its file."""
    frames = []
    for path in paths:
        frame = pd.read_csv(path)
        if identity not in frame.columns:
            frame[identity] = path.stem
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tables", nargs="+", type=Path, help="wide answer CSVs (Tao's layout)")
    parser.add_argument("--identity", default="model", help="column naming the model")
    parser.add_argument("--variant", default=None, help="column naming the prompt variant")
    parser.add_argument("--out", default="tao2024_map", help="output stem for the figure")
    args = parser.parse_args(argv)

    answers = load_answer_tables(args.tables, args.identity)
    fit = fit_map(
        answers, preset="tao2024", method="classic", identity=args.identity, variant=args.variant
    )
    summary = fit.summary()
    print(summary)
    table = summary.to_frame().join(fit.mean_distance().set_index("identity")["mean_distance"])
    fig, _ = fit.plot(title="LLMs on Tao et al.'s (2024) cultural map")
    for path in save_figure(fig, args.out):
        print(f"wrote {path}")
    return table


if __name__ == "__main__":
    main()
