"""Run a study: plan and price it, collect through the store, fit, and write the report.

``prepare`` builds the plan and its estimate without side effects (what ``--dry-run``
prints); ``run_study`` collects the current wave (resuming), fits every fit the study
names on the latest wave, compares the waves when there are several, and writes the
report folder. ``retest_study`` asks the same plan again on a new date; ``track_store``
reports the dates of one model found in any store.
"""

from __future__ import annotations

import platform
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from llmvalues.collect.backends import Backend
from llmvalues.collect.runner import RunSummary, collect
from llmvalues.collect.store import Store
from llmvalues.iw.presets import DEFAULT_PRESET
from llmvalues.report import ReportContent, ReportFiles, write_report
from llmvalues.study.change import Change, compare_waves
from llmvalues.study.plan import Estimate, estimate, prompts_table, study_plan, study_reask
from llmvalues.study.spec import Study, StudyError
from llmvalues.study.waves import STORE, StudyFolder, store_waves, wave_responses

VERSIONS = ("numpy", "pandas", "scipy", "pymc", "arviz", "pytensor", "openai", "llama_cpp_python")


@dataclass
class Prepared:
    """A study planned for one model: the plan, its cost, where it goes."""

    study: Study
    model: str
    plan: Any
    estimate: Estimate
    out: Path
    label: str | None = None


@dataclass
class StudyResult:
    """What a study run did and wrote."""

    out: Path
    study: Study
    store: Path
    waves: list[str]
    collection: RunSummary | None
    responses: pd.DataFrame
    fits: dict[str, Any]
    report: ReportFiles
    change: Change | None = None
    unfitted: dict[str, str] = field(default_factory=dict)  # fit name → why it was not made
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


def prepare(
    study: Study,
    model: str,
    out: str | Path,
    price_in: float | None = None,
    price_out: float | None = None,
    label: str | None = None,
) -> Prepared:
    """Plan ``study`` for ``model`` and estimate its calls, tokens and cost (no side effects).

    ``label`` names the model in the identities (default: ``model``).
    """
    plan = study_plan(study, model, label)
    cost = estimate(plan, price_in, price_out, study.parsing.reask)
    return Prepared(study, model, plan, cost, Path(out), label)


def _folder(prepared: Prepared, backend: Backend, store: str | Path | None) -> StudyFolder:
    out = prepared.out
    try:
        folder = StudyFolder.load(out)
    except StudyError:
        folder = None
    if folder is None:
        folder = StudyFolder(
            path=out,
            study=prepared.study,
            model=prepared.model,
            backend=backend.describe(),
            store=Path(store) if store else out / STORE,
        )
        folder.add_wave()
        folder.save()
        return folder
    if folder.study.to_dict() != prepared.study.to_dict() or folder.model != prepared.model:
        raise StudyError(
            f"{out} holds study {folder.study.name!r} for model {folder.model!r}; give another "
            "--out for a different study or model (or `llmvalues study retest` to ask the "
            "same study again)"
        )
    return folder


def run_study(
    prepared: Prepared,
    backend: Backend,
    *,
    store: str | Path | None = None,
    concurrency: int | None = None,
    progress: bool = True,
    n_jobs: int = 1,
    client: Any = None,
) -> StudyResult:
    """Collect the study's current wave (resuming), then fit and write the report folder.

    Parameters
    ----------
    prepared
        From :func:`prepare` (for ``backend.model``).
    backend
        The model to ask.
    store
        The SQLite store (default ``<out>/llmvalues.sqlite``, recorded in ``study.json``).
    concurrency
        Calls in flight (default: the backend's own).
    progress
        Show a progress bar.
    n_jobs, client
        How the study's fits run (independent of each other): ``n_jobs`` at once on this
        machine, or on a Dask cluster's ``distributed.Client``
        (:func:`llmvalues.executor.parallel_map`).

    Returns
    -------
    StudyResult
    """
    if prepared.model != backend.model:
        raise StudyError(
            f"the study was planned for {prepared.model!r} but the backend asks {backend.model!r}"
        )
    folder = _folder(prepared, backend, store)
    return _collect_and_report(
        folder, prepared, backend, concurrency, progress, {"n_jobs": n_jobs, "client": client}
    )


def retest_study(
    out: str | Path,
    backend: Backend,
    *,
    concurrency: int | None = None,
    progress: bool = True,
    label: str | None = None,
    n_jobs: int = 1,
    client: Any = None,
) -> StudyResult:
    """Ask a study folder's plan again (same prompts and seeds) on a new date, then report.

    An unfinished latest wave is resumed instead of starting another; other arguments as
    for :func:`run_study`.
    """
    folder = StudyFolder.load(out)
    if backend.model != folder.model:
        raise StudyError(
            f"{out} holds answers of model {folder.model!r}; re-test it with --model "
            f"{folder.model} (got {backend.model!r})"
        )
    prepared = prepare(folder.study, folder.model, out, label=label)
    with Store(folder.store) as answers:
        latest = folder.plans(prepared.plan)[-1]
        unfinished = set(latest.keys) - answers.done_keys()
    if not unfinished:
        folder.add_wave()
        folder.backend = backend.describe()
        folder.save()
    return _collect_and_report(
        folder, prepared, backend, concurrency, progress, {"n_jobs": n_jobs, "client": client}
    )


def _collect_and_report(folder, prepared, backend, concurrency, progress, run) -> StudyResult:
    started = time.perf_counter()
    plans = folder.plans(prepared.plan)
    with Store(folder.store) as answers:
        summary = collect(
            plans[-1],
            backend,
            answers,
            concurrency=concurrency,
            reask=study_reask(prepared.study),
            progress=progress,
        )
    collected = time.perf_counter()
    result = report_folder(folder, prepared, summary, **run)
    result.timings = {"collect": collected - started, **result.timings}
    result.seconds = time.perf_counter() - started
    return result


def _fit(responses: pd.DataFrame, study: Study, spec) -> Any:
    from llmvalues.fit import fit_map

    options = dict(spec.options)
    if spec.method == "hierarchical":
        options["estimand"] = study.estimand
    return fit_map(responses, preset=study.preset, method=spec.method, **options)


def _fit_or_reason(responses: pd.DataFrame, study: Study, spec) -> tuple[Any, str | None]:
    """One fit of the study, or why the answers cannot support it (module level: it may
    run in a worker process)."""
    try:
        return _fit(responses, study, spec), None
    except ValueError as exc:  # e.g. a classic fit of identities without a complete set
        return None, " ".join(str(exc).split())


def _fits(
    responses: pd.DataFrame, study: Study, n_jobs: int = 1, client: Any = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Every fit the study names (independent: through :func:`llmvalues.executor.parallel_map`);
    one the answers cannot support is reported, not fatal."""
    from llmvalues.executor import parallel_map

    made = parallel_map(
        _fit_or_reason, [(responses, study, spec) for spec in study.fits], n_jobs, client
    )
    fits, unfitted = {}, {}
    for spec, (fit, reason) in zip(study.fits, made, strict=True):
        if fit is None:
            unfitted[spec.name] = reason
        else:
            fits[spec.name] = fit
    if not fits:
        reasons = "; ".join(f"{name}: {why}" for name, why in unfitted.items())
        raise StudyError(f"no fit of study {study.name!r} could be made ({reasons})")
    return fits, unfitted


def expected_answers(fit, responses: pd.DataFrame) -> pd.DataFrame:
    """Identity × item expected raw answers behind a fit's positions (ITEMS order).

    Hierarchical: the posterior mean of the expected answers (for the fit's estimand);
    classic: the item means over complete response sets (their projection is the fit's
    position).
    """
    from llmvalues.iw.averaging import mean_answers
    from llmvalues.iw.items import ITEMS

    if fit.method == "hierarchical":
        table = fit.idata.posterior["expected_answer"].mean(("chain", "draw")).to_pandas()
    else:
        table = mean_answers(responses, "sets")
    return table.reindex(index=fit.identities, columns=list(ITEMS))


def placements(answers: pd.DataFrame, presets: tuple[str, ...]) -> pd.DataFrame | None:
    """Expected answers placed under other presets: identity, preset, x, y."""
    from llmvalues.iw.presets import load_preset

    if not presets:
        return None
    rows = []
    for name in presets:
        xy = load_preset(name).project_array(answers.to_numpy(float))
        rows.append(
            pd.DataFrame({"identity": answers.index, "preset": name, "x": xy[:, 0], "y": xy[:, 1]})
        )
    out = pd.concat(rows, ignore_index=True)
    return out[np.isfinite(out[["x", "y"]]).all(axis=1)]


def preset_radius(answers: pd.DataFrame, presets: tuple[str, ...]) -> pd.DataFrame | None:
    """identity, radius: the preset-sensitivity band of the answers over ``presets``."""
    from llmvalues.iw.sensitivity import preset_band

    if len(presets) < 2:
        return None
    known = answers.dropna(how="any")
    band = preset_band(known, presets=presets).band.xs("presets", level="component")
    return band["radius"].rename_axis("identity").reset_index()


def provenance(folder: StudyFolder, responses: pd.DataFrame, waves: list[str]) -> dict[str, Any]:
    """Package and model versions, dates and the backend, for the report."""
    from llmvalues import __version__

    out: dict[str, Any] = {
        "llmvalues": __version__,
        "python": f"{sys.version.split()[0]} ({platform.platform(terse=True)})",
    }
    for name in VERSIONS:
        try:
            out[name] = metadata.version(name.replace("_", "-"))
        except metadata.PackageNotFoundError:
            continue
    out["model"] = folder.model
    reported = (
        sorted(responses["model"].dropna().astype(str).unique()) if "model" in responses else []
    )
    out["model ids reported by the backend"] = ", ".join(reported)
    for key, value in folder.backend.items():
        if key not in ("model",):
            out[f"backend {key}"] = value
    out["collected"] = waves[-1] if waves else ""
    if "answered_at" in responses:
        out["answers stored"] = (
            f"{responses['answered_at'].min()} to {responses['answered_at'].max()}"
        )
    out["collection dates"] = ", ".join(waves)
    out["study"] = f"{folder.study.name} ({folder.study.source})"
    out["store"] = str(folder.store)
    return out


def report_folder(
    folder: StudyFolder,
    prepared: Prepared,
    summary: RunSummary | None,
    n_jobs: int = 1,
    client: Any = None,
) -> StudyResult:
    """Fit the latest wave, compare the waves, write the report (what ``study run`` ends with);
    ``n_jobs``/``client`` as for :func:`run_study`."""
    study = folder.study
    timings: dict[str, float] = {}
    with Store(folder.store) as answers:
        dated = {
            plan.metadata["wave"]: wave_responses(answers, plan)
            for plan in folder.plans(prepared.plan)
        }
    waves = {label: table for label, table in dated.items() if table is not None}
    if not waves:
        raise StudyError(f"no answers collected yet in {folder.store}; run the study again")
    latest = waves[list(waves)[-1]]
    started = time.perf_counter()
    fits, unfitted = _fits(latest, study, n_jobs, client)
    timings["fit"] = time.perf_counter() - started
    change = None
    if len(waves) >= 2:
        started = time.perf_counter()
        change = compare_waves(
            waves, study.preset, study.change.threshold, study.change.level, study.change.fit
        )
        timings["change"] = time.perf_counter() - started
    files, timing = _write(
        folder.path,
        study,
        latest,
        fits,
        change,
        prompts_table(prepared.plan),
        provenance(folder, latest, list(waves)),
        study.to_dict(),
        study.change.level,
        unfitted,
    )
    timings.update(timing)
    return StudyResult(
        out=folder.path,
        study=study,
        store=folder.store,
        waves=list(waves),
        collection=summary,
        responses=latest,
        fits=fits,
        report=files,
        change=change,
        unfitted=unfitted,
        timings=timings,
    )


def _baselines(responses: pd.DataFrame) -> list[str]:
    """Identities without cultural prompting (their trajectory gets a figure)."""
    if "country" not in responses:
        return list(dict.fromkeys(responses["identity"]))
    blank = responses["country"].fillna("").astype(str).str.strip() == ""
    return list(dict.fromkeys(responses.loc[blank, "identity"]))


def _write(
    out: Path,
    study: Study,
    responses: pd.DataFrame,
    fits: dict[str, Any],
    change: Change | None,
    prompts: pd.DataFrame,
    facts: dict[str, Any],
    settings: dict[str, Any],
    level: float,
    unfitted: dict[str, str],
) -> tuple[ReportFiles, dict[str, float]]:
    started = time.perf_counter()
    answers = expected_answers(next(iter(fits.values())), responses)
    content = ReportContent(
        title=study.title,
        fits=fits,
        responses=responses,
        description=study.description,
        settings=settings,
        prompts=prompts,
        provenance=facts,
        citations=list(study.citations),
        notes=list(study.notes),
        metrics=study.metrics,
        level=level,
        placements=placements(answers, study.maps[1:]),
        band=preset_radius(answers, study.maps),
        change=change.section(_baselines(responses)) if change is not None else None,
        unfitted=unfitted,
    )
    files = write_report(content, out, study.outputs)
    return files, {"report": time.perf_counter() - started}


def track_store(
    store: str | Path,
    out: str | Path,
    *,
    model: str | None = None,
    preset: str = DEFAULT_PRESET,
    threshold: float = 0.2,
    level: float = 0.9,
    fit_options: dict[str, Any] | None = None,
) -> StudyResult:
    """The change report of any store holding several dates of one model.

    Dates are the cells' ``wave`` labels where a study recorded them, else the day each
    answer was stored; the latest date is fitted alone for the map, every date jointly for
    the change section.
    """
    from llmvalues.fit import fit_map

    started = time.perf_counter()
    with Store(store) as answers:
        name, waves = store_waves(answers, model)
        prompts = answers.finals()[
            ["identity", "variant", "replicate", "item", "prompt", "sampling"]
        ]
    if len(waves) < 2:
        raise StudyError(
            f"store {store} holds answers of {name!r} from one date only ({list(waves)}); "
            "track needs two or more (ask the same plan again later)"
        )
    latest = waves[list(waves)[-1]]
    options = dict(fit_options or {})
    fit = fit_map(latest, preset=preset, method="hierarchical", **options)
    change = compare_waves(waves, preset, threshold, level, options)
    title = f"{name}: change over {len(waves)} collection dates"
    study = Study(  # what the report shows of a store that no study file describes
        name="track",
        title=title,
        parts=(),
        description=f"Every collection date of {name} in {store}.",
        preset=preset,
        metrics=("mean_distance", "prompt_sensitivity"),
        source=str(store),
    )
    facts = {"model": name, "collection dates": ", ".join(waves), "store": str(store)}
    settings = {"store": str(store), "model": name, "preset": preset, "threshold": threshold}
    files, timing = _write(
        Path(out),
        study,
        latest,
        {"hierarchical": fit},
        change,
        _store_prompts(prompts),
        facts,
        settings,
        level,
        {},
    )
    return StudyResult(
        out=Path(out),
        study=study,
        store=Path(store),
        waves=list(waves),
        collection=None,
        responses=latest,
        fits={"hierarchical": fit},
        report=files,
        change=change,
        seconds=time.perf_counter() - started,
        timings=timing,
    )


def _store_prompts(finals: pd.DataFrame) -> pd.DataFrame:
    """The prompts table of :func:`prompts_table` from stored attempts (JSON messages)."""
    import json

    rows = []
    for row in finals.itertuples():
        try:
            messages = json.loads(row.prompt)
        except (TypeError, ValueError):
            messages = [{"role": "user", "content": str(row.prompt)}]
        if isinstance(messages, str):
            messages = [{"role": "user", "content": messages}]
        system = next((m["content"] for m in messages if m.get("role") == "system"), "")
        rows.append(
            {
                "identity": row.identity,
                "variant": row.variant,
                "replicate": row.replicate,
                "item": row.item,
                "part": "",
                "system": system,
                "user": messages[-1]["content"] if messages else "",
                "sampling": row.sampling,
            }
        )
    return pd.DataFrame(rows)
