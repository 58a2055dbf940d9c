"""Why do placements differ? The tables and the figure of docs/iw-map.md, from published maps
and simulated answers only (no survey microdata, no model calls).

    PYTHONPATH=src .venv/bin/python examples/explain_placements.py --out docs/figures/iw

Three simulated chatbots answer the ten IVS items under ten prompt variants (the package's
hierarchical-model simulator, 3% refusals). The script prints

1. ``explain`` of Hall's map (official constants) against Tao et al.'s for the same answers,
2. ``explain`` of a pipeline that averages every answered reply on Hall's map against Tao
   et al.'s pipeline (complete sets only, their map), and draws it,
3. the preset sensitivity band of the three chatbots, of a plausible liberal answer set
   and of 200 uniformly random answer sets,

as Markdown, and writes the figure ``explain.{pdf,svg,png}`` into ``--out``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

from llmvalues.iw import Placement, explain, mean_answers, preset_band
from llmvalues.iw.bayes.simulate import draw_truth, simulate_responses
from llmvalues.iw.items import ITEMS, VALID_CODES

matplotlib.use("Agg")

NAMES = {"id00": "chatbot A", "id01": "chatbot B", "id02": "chatbot C"}
# a plausible answer set of a liberal chatbot (raw IVS codes)
LIBERAL = {
    "f063": 3,
    "y003": 1,
    "f120": 6,
    "g006": 2,
    "e018": 2,
    "y002": 2,
    "a008": 2,
    "f118": 8,
    "e025": 2,
    "a165": 2,
}


def simulated_answers(seed: int):
    rng = np.random.default_rng(seed)
    truth = draw_truth(len(NAMES), 10, rng)
    responses = simulate_responses(truth, 1, rng, refusal_rate=0.03)
    return responses.assign(identity=responses["identity"].map(NAMES))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/figures/iw", help="folder of the figure")
    parser.add_argument("--seed", type=int, default=2034)
    args = parser.parse_args()
    answers = simulated_answers(args.seed)

    maps = explain(
        Placement(answers, "hall2025", label="Hall's map"),
        Placement(answers, "tao2024", label="Tao et al.'s map"),
    )
    print(maps.summary().to_markdown())

    pipelines = explain(
        Placement(answers, "hall2025", averaging="available", label="ours"),
        Placement(answers, "tao2024", averaging="sets", label="Tao et al."),
    )
    print(pipelines.summary().to_markdown())

    band = preset_band(mean_answers(answers, "sets"))
    print(band.summary().to_markdown())
    liberal = pd.DataFrame([LIBERAL], index=pd.Index(["liberal"], name="identity"))
    print(preset_band(liberal).summary().to_markdown())
    rng = np.random.default_rng(0)
    random_sets = pd.DataFrame(
        [[rng.choice(VALID_CODES[i]) for i in ITEMS] for _ in range(200)], columns=list(ITEMS)
    )
    spread = preset_band(random_sets).band["max_distance"]
    print(f"200 random answer sets: median distance between the presets {spread.median():.3f}\n")

    from llmvalues.plots import save_figure

    fig, _ = pipelines.plot()
    for path in save_figure(fig, Path(args.out) / "explain"):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
