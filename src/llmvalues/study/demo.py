"""The offline demo: the bundled model answers the IVS-10 items ≥ 100 times, then a map.

Everything goes through the real path: the llama.cpp backend with the bundled
SmolLM2-135M-Instruct, a plan of respondent descriptors × cultural prompts, the SQLite
store (rerunning resumes), the Responses export, ``fit_map`` and the map figure.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from llmvalues.collect.backends import Backend, make_backend
from llmvalues.collect.backends.bundled import GEMMA3_ID, SMOLLM2_ID
from llmvalues.collect.ivs import ivs_plan
from llmvalues.collect.runner import collect
from llmvalues.collect.store import Store
from llmvalues.instruments.variants import descriptors

DEMO_COUNTRIES = (None, "United States", "Nigeria", "Japan", "Sweden")
DEMO_SAMPLING = {"temperature": 0.7, "max_tokens": 48}
# a light sampler so the whole demo stays within minutes on two cores
# the fit's own sampler defaults (4 chains of 1000 draws): tens of seconds for this plan
DEMO_HIERARCHICAL = {"random_seed": 0}
SHORT_LABELS = {SMOLLM2_ID: "SmolLM2", GEMMA3_ID: "Gemma3"}  # model id → label on the map


@dataclass
class DemoResult:
    """Where the demo wrote its outputs and what it found."""

    store: Path
    responses: Path
    table: pd.DataFrame
    figure: list[Path]
    method: str
    seconds: float
    sets: int


def demo_plan(model: str, n_descriptors: int = 20, countries=DEMO_COUNTRIES):
    """Tao's 10 descriptors + the project's own, each with and without cultural prompts."""
    chosen = descriptors("all")[:n_descriptors]
    return ivs_plan(
        model,
        descriptor_set=chosen,
        countries=list(countries),
        sampling=DEMO_SAMPLING,
        constrained=True,
        permute=True,
    )


def dated_identities(responses: pd.DataFrame) -> pd.DataFrame:
    """Each identity dated by the day of its first answer (``collected_at``), the time of
    every answer kept as ``answered_at``: the fit's trajectory figure orders identities by
    ``collected_at``, which must be one value per identity."""
    out = responses.rename(columns={"collected_at": "answered_at"})
    first = out.groupby("identity")["answered_at"].transform("min")
    return out.assign(collected_at=first.astype(str).str[:10])


def run_demo(
    out: str | Path = "llmvalues-demo",
    n_descriptors: int = 20,
    method: str | None = None,
    progress: bool = True,
    backend: Backend | None = None,
    store: str | Path | None = None,
) -> DemoResult:
    """Collect from the bundled model (resuming from ``out``), fit the map, write outputs.

    ``backend``: another model to ask (default: the bundled SmolLM2-135M on llama.cpp);
    ``store``: the SQLite store (default ``out/demo.sqlite``).
    """
    from llmvalues.fit import fit_map
    from llmvalues.plots import save_figure

    started = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    backend = backend or make_backend("llamacpp", "smollm2")
    store_path = Path(store) if store else out / "demo.sqlite"
    plan = demo_plan(backend.model, n_descriptors)
    with Store(store_path) as answers:
        summary = collect(plan, backend, answers, progress=progress)
        responses = answers.to_responses(plan.keys)
        answers.export(out / "responses.csv", plan.keys)
    responses = dated_identities(responses)
    print(summary)
    chosen = method or "hierarchical"
    # short labels on the map: "SmolLM2" and "SmolLM2 as Sweden"
    short = SHORT_LABELS.get(backend.model, backend.model)
    responses["identity"] = (
        responses["identity"].str.replace(backend.model, short).str.replace(" | ", " as ")
    )
    options = DEMO_HIERARCHICAL if chosen == "hierarchical" else {}
    fit = fit_map(responses, preset="hall2025", method=chosen, **options)
    table = fit.summary().to_frame()
    table.to_csv(out / "map_table.csv")
    fig, _ = fit.plot()
    figure = [Path(p) for p in save_figure(fig, out / "map")]
    sets = responses.groupby(["identity", "variant", "replicate"]).ngroups
    return DemoResult(
        store=store_path,
        responses=out / "responses.csv",
        table=table,
        figure=figure,
        method=chosen,
        seconds=time.perf_counter() - started,
        sets=sets,
    )
