"""The offline demo: the built-in study ``demo`` run on the bundled model, report included.

Everything goes through the real path: the llama.cpp backend with the bundled
SmolLM2-135M-Instruct, the study's plan (20 respondent descriptors × 5 prompts: no country
and four cultural prompts), the SQLite store (rerunning resumes), the hierarchical map fit,
and the study report (``report.html``, figures, tables, SPSS/Stata files).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from llmvalues.collect.backends import Backend, make_backend
from llmvalues.collect.backends.bundled import GEMMA3_ID, SMOLLM2_ID
from llmvalues.study.run import prepare, run_study
from llmvalues.study.spec import load_study, study_from_dict

SHORT_LABELS = {SMOLLM2_ID: "SmolLM2", GEMMA3_ID: "Gemma3"}  # model id → label on the map


@dataclass
class DemoResult:
    """Where the demo wrote its outputs and what it found."""

    store: Path
    responses: Path
    table: pd.DataFrame
    figure: list[Path]
    report: Path | None
    method: str
    seconds: float
    sets: int


def demo_study(n_descriptors: int = 20, method: str | None = None):
    """The ``demo`` study with its first ``n_descriptors`` descriptors (and ``method``'s fit)."""
    study = load_study("demo").select(descriptors=n_descriptors)
    if method in (None, "hierarchical"):
        return study
    if method != "classic":
        raise ValueError(f"method must be 'classic' or 'hierarchical', got {method!r}")
    raw = {**study.to_dict(), "fits": [{"name": "classic", "method": "classic", "random_seed": 0}]}
    return study_from_dict(raw, "demo")


def run_demo(
    out: str | Path = "llmvalues-demo",
    n_descriptors: int = 20,
    method: str | None = None,
    progress: bool = True,
    backend: Backend | None = None,
    store: str | Path | None = None,
) -> DemoResult:
    """Run the ``demo`` study on the bundled model (resuming from ``out``) and report it.

    ``backend``: another model to ask (default: the bundled SmolLM2-135M on llama.cpp);
    ``store``: the SQLite store (default ``out/llmvalues.sqlite``). Writes the study folder
    (``report.html``, ``figures/``, ``tables/``, ``responses.sav``/``.dta``) plus
    ``responses.csv`` and ``map_table.csv``.
    """
    out = Path(out)
    backend = backend or make_backend("llamacpp", "smollm2")
    study = demo_study(n_descriptors, method)
    label = SHORT_LABELS.get(backend.model, backend.model)
    result = run_study(
        prepare(study, backend.model, out, label=label), backend, store=store, progress=progress
    )
    print(result.collection)
    fit = next(iter(result.fits.values()))
    table = fit.summary().to_frame()
    table.to_csv(out / "map_table.csv")
    result.responses.to_csv(out / "responses.csv", index=False)
    figure = [p for p in result.report.figures if p.stem.endswith("_map")]
    sets = result.responses.groupby(["identity", "variant", "replicate"]).ngroups
    return DemoResult(
        store=result.store,
        responses=out / "responses.csv",
        table=table,
        figure=figure,
        report=result.report.html,
        method=fit.method,
        seconds=result.seconds,
        sets=sets,
    )
