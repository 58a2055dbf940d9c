"""Model checking of a hierarchical map fit on real answers, as shown in docs/model-checking.md.

The answers are the bundled SmolLM2-135M-Instruct's (llama.cpp, offline; 15 identities × 6
prompt variants × 10 items, collected once through the store by ``docs/make_figures.py
--collect``). The script fits them, then prints every check in Markdown and draws the
figures into ``docs/figures/checking/``::

    PYTHONPATH=src .venv/bin/python examples/model_checking.py > /tmp/checking.md

About 10 minutes on 2 cores (five fits: logit, probit, no interactions, two prior scales).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from llmvalues.fit import fit_map
from llmvalues.iw.bayes.loo import compare
from llmvalues.plots import save_figure

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "plots" / "data" / "smollm2_ivs10.csv"
FIGURES = ROOT / "docs" / "figures" / "checking"
SETTINGS = {"random_seed": 0, "progressbar": False}


def show(title: str, table: pd.DataFrame, digits: int = 2) -> None:
    print(f"\n#### {title}\n")
    print(table.round(digits).to_markdown())


def main() -> None:
    responses = pd.read_csv(DATA, dtype={"raw": "string"}, keep_default_na=False)
    FIGURES.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        fit = fit_map(responses, "hall2025", method="hierarchical", **SETTINGS)
    print("Warnings of the fit:\n")
    for w in dict.fromkeys(str(w.message) for w in said):
        print(f"- {w}")

    demo = [i for i in fit.identities if "|" in i][:5]
    bounds = fit.refusal_bounds(points=-1.0)
    show("Refusal bounds (estimand asked)", bounds.table.loc[demo])
    fig, _ = fit.plot("bounds", identities=demo, points=-1.0)
    save_figure(fig, FIGURES / "refusal_bounds")

    checks = fit.predictive_checks()
    print(f"\n{checks.summary()}")

    influence = fit.item_influence()
    show("Item influence: shift of each position without each item", influence.matrix().loc[demo])

    sensitivity = fit.prior_sensitivity(scale=(0.5, 2.0))
    print(f"\n{sensitivity.summary()}")

    probit = fit_map(responses, "hall2025", method="hierarchical", link="probit", **SETTINGS)
    plain = fit_map(responses, "hall2025", method="hierarchical", interaction=False, **SETTINGS)
    comparison = compare({"logit": fit, "probit": probit, "no interactions": plain})
    print(f"\n{comparison.summary()}")


if __name__ == "__main__":
    main()
