"""What a report holds: map fits, Responses, settings and provenance → map layers and tables.

Everything here reads the map-fit contract (``centroids``, ``ellipses``, ``nearest``,
``mean_distance``, ``cultural_prompting``, ``summary`` …) and turns it into the plain
tables the page, the CSV/Parquet files and the interactive map use. A table a result can
summarise itself is taken from its ``summary()`` (a :class:`~llmvalues.summary.Summary`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from llmvalues.instruments import STATUSES, load_instrument
from llmvalues.report.svgmap import MapData, identity_rows
from llmvalues.summary import Summary

EXAMPLES_PER_ITEM = 3  # example replies shown per item and failed status


@dataclass
class ChangeSection:
    """The "change since" part of a report (computed by the study layer's re-test).

    ``summary``: per-identity shifts and per-item answer changes (a Summary);
    ``fit``: the joint fit of every collection date (for the trajectory figure);
    ``snapshots``: identity, collected_at, x, y (the map's snapshot layer);
    ``trajectory``: identity → ``dict`` of keyword arguments of ``fit.plot("trajectory")``.
    """

    since: str
    until: str
    summary: Summary
    fit: Any = None
    snapshots: pd.DataFrame | None = None
    trajectory: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class ReportContent:
    """Everything one study report shows.

    Parameters
    ----------
    title, description
        Heading and the study's description.
    fits
        ``{name: map fit}``; the first is the main fit (the interactive map).
    responses
        The Responses table behind the fits (with raw replies, status and reason).
    settings
        The study and collection settings (printed verbatim).
    prompts
        One row per asked cell: identity, variant, item, system and user text.
    provenance
        Package and model versions, dates, backend.
    citations, notes
        References and known differences from a published protocol.
    metrics
        Which of Tao et al.'s metrics to tabulate (``mean_distance``, ``cultural_prompting``,
        ``prompt_sensitivity``).
    level
        Interval probability of every table and of the map's intervals and ellipses.
    placements
        identity, preset, x, y: the main fit's answers placed under other presets.
    band
        identity, radius: the preset-sensitivity band (when available).
    change
        The re-test section, or None.
    unfitted
        Fits the study asked for that the answers could not support, with the reason.
    """

    title: str
    fits: dict[str, Any]
    responses: pd.DataFrame
    description: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    prompts: pd.DataFrame | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    citations: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    metrics: tuple[str, ...] = ("mean_distance",)
    level: float = 0.9
    placements: pd.DataFrame | None = None
    band: pd.DataFrame | None = None
    change: ChangeSection | None = None
    unfitted: dict[str, str] = field(default_factory=dict)

    @property
    def main(self):
        """The fit the interactive map shows (the first)."""
        return next(iter(self.fits.values()))


def level_tag(level: float) -> str:
    return f"{round(level * 100):d}"


def _interval_text(value: float, lo: float, hi: float) -> str:
    if pd.isna(lo) or pd.isna(hi):
        return f"{value:.2f} (no interval)"
    return f"{value:.2f} [{lo:.2f}, {hi:.2f}]"


def identity_tips(fit, level: float, n_nearest: int = 3) -> list[list[str]]:
    """Tooltip lines per identity: name, x and y with intervals, the nearest countries."""
    c = fit.centroids
    tag = level_tag(level)
    near = fit.nearest(n_nearest, level)
    tips = []
    for name, row in c.iterrows():
        lines = [str(name)]
        for axis in ("x", "y"):
            lo, hi = row.get(f"{axis}_lo{tag}"), row.get(f"{axis}_hi{tag}")
            lines.append(f"{axis} {_interval_text(row[axis], lo, hi)}")
        lines.append(f"{level:.0%} interval, {fit.method} fit, estimand {fit.estimand}")
        rows = near[near["identity"] == name]
        nearest = "; ".join(
            f"{r.country} {_interval_text(r.distance, r.lo, r.hi)}" for r in rows.itertuples()
        )
        lines.append(f"nearest: {nearest}")
        tips.append(lines)
    return tips


def map_data(content: ReportContent) -> MapData:
    """The layers of the interactive map from the main fit (and the optional extras)."""
    fit = content.main
    level = content.level
    ellipses = _optional(lambda: fit.ellipses(level).reset_index())
    trajectories = fit.preset.trajectories
    return MapData(
        preset=fit.preset.name,
        level=level,
        identities=identity_rows(fit.centroids, level_tag(level), identity_tips(fit, level)),
        countries=fit.preset.countries,
        trajectories=trajectories,
        ellipses=ellipses,
        placements=content.placements,
        band=content.band,
        snapshots=content.change.snapshots if content.change is not None else None,
    )


def _optional(build: Callable[[], Any]) -> Any:
    """What ``build`` returns, or None where the fit cannot make it (one variant, …)."""
    try:
        return build()
    except (ValueError, KeyError, NotImplementedError):
        return None


def as_summary(result: Any, title: str, notes: list[str] | None = None) -> Summary:
    """A result's own ``summary()`` when it is a Summary; a table wrapped into one otherwise."""
    if isinstance(result, Summary):
        return result
    own = getattr(result, "summary", None)
    if callable(own):
        made = own()
        if isinstance(made, Summary):
            return made
    if isinstance(result, pd.DataFrame):
        return Summary(title, {"": result}, notes or [])
    raise TypeError(f"cannot tabulate {type(result).__name__} for {title!r}")


def answer_quality(responses: pd.DataFrame) -> Summary:
    """Refusals and parse failures per item, with example replies that were not answers."""
    instrument = load_instrument()
    counts = responses.groupby(["item", "status"]).size().unstack("status", fill_value=0)
    counts = counts.reindex(columns=list(STATUSES), fill_value=0)
    counts = counts.reindex([c for c in instrument.codes if c in counts.index])
    counts["answers"] = counts.sum(axis=1)
    counts["not_ok_share"] = 1 - counts["ok"] / counts["answers"]
    counts.index = [instrument[c].ivs_code for c in counts.index]
    counts.index.name = "item"
    failed = responses[responses["status"] != "ok"]
    examples = (
        failed.groupby(["item", "status"], sort=False)
        .head(EXAMPLES_PER_ITEM)[["item", "status", "identity", "variant", "raw", "reason"]]
        .assign(item=lambda t: t["item"].map(lambda c: instrument[c].ivs_code))
        .sort_values(["item", "status"], kind="stable", ignore_index=True)
    )
    return Summary(
        "Answers per item: refusals and replies that did not parse",
        {"status counts": counts, "example replies that were not answers": examples},
        [
            "A reply that is not an answer is missing, never a number: refusals and "
            "unparsed replies carry their status and reason.",
            f"Up to {EXAMPLES_PER_ITEM} example replies per item and status.",
        ],
    )


def fit_sections(name: str, fit, content: ReportContent) -> list[tuple[str, Summary]]:
    """(section, Summary) of one fit: positions, distances, metrics, sensitivity, checks."""
    level = content.level
    out = [("positions", fit.summary(level))]
    if "mean_distance" in content.metrics:
        out.append(
            (
                "distances",
                Summary(
                    f"Mean distance to the reference countries ({name})",
                    {
                        "mean distance": fit.mean_distance(level).set_index("identity"),
                        "nearest countries": fit.nearest(3, level),
                    },
                    [f"Preset {fit.preset.name!r}; {level:.0%} intervals."],
                ),
            )
        )
    if "cultural_prompting" in content.metrics:
        prompting = _optional(lambda: fit.cultural_prompting(level=level))
        if prompting is not None:
            out.append(("cultural-prompting", as_summary(prompting, "Cultural prompting")))
    if "prompt_sensitivity" in content.metrics and fit.method == "hierarchical":
        sensitivity = _optional(lambda: fit.prompt_sensitivity(level))
        if sensitivity is not None:
            out.append(
                (
                    "prompt-sensitivity",
                    as_summary(
                        sensitivity,
                        f"Prompt sensitivity: share of answer variance due to prompt variants ({name})",
                        [f"{level:.0%} credible intervals."],
                    ),
                )
            )
    diagnostics = getattr(fit, "diagnostics", None)
    if diagnostics is not None:
        out.append(("diagnostics", diagnostics_summary(diagnostics, name)))
    return out


def diagnostics_summary(diagnostics, name: str) -> Summary:
    """Convergence checks with their verdict (the result's own summary when it has one)."""
    own = getattr(diagnostics, "summary", None)
    if callable(own) and isinstance(made := own(), Summary):
        return made
    problems = diagnostics.problems()
    verdict = "all checks passed" if not problems else "checks failed"
    return Summary(
        f"Sampler diagnostics ({name}): {verdict}",
        {"checks": diagnostics.to_frame()},
        problems or ["R-hat, effective sample sizes, divergences and BFMI within their limits."],
        {"verdict": verdict, "divergences": diagnostics.divergences},
    )


Sections = dict[str, list[tuple[str, Summary]]]  # fit name → its (section, Summary) pairs


def result_tables(content: ReportContent, sections: Sections) -> dict[str, pd.DataFrame]:
    """Every table the report writes as CSV and Parquet, by file stem."""
    level = content.level
    tables: dict[str, pd.DataFrame] = {}
    for name, fit in content.fits.items():
        tables[f"{name}_centroids"] = fit.to_frame()
        tables[f"{name}_distances"] = fit.distances(level)
        tables[f"{name}_points"] = fit.points
        for section, summary in sections[name]:
            for caption, table in summary.tables.items():
                stem = f"{name}_{section}" + (f"_{caption}" if caption else "")
                tables[_stem(stem)] = _flat(table)
    for caption, table in answer_quality(content.responses).tables.items():
        tables[_stem(f"answers_{caption}")] = _flat(table)
    if content.change is not None:
        for caption, table in content.change.summary.tables.items():
            tables[_stem(f"change_{caption}")] = _flat(table)
    if content.prompts is not None:
        tables["prompts"] = content.prompts
    return tables


def _stem(text: str) -> str:
    out = "".join(ch if ch.isalnum() else "_" for ch in text.lower())
    return "_".join(part for part in out.split("_") if part)


def _flat(table: pd.DataFrame) -> pd.DataFrame:
    index = table.index
    named = any(n is not None for n in index.names)
    return table.reset_index() if named else table.reset_index(drop=True)
