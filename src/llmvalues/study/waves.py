"""Collection dates ("waves") of one plan in one store, and the study folder that lists them.

The first wave of a study asks the plan's cells under their own keys; every later wave
asks the very same requests (same prompts, same sampling seeds) under keys derived from
the cell's key and the wave's label, so the store keeps each date's answers apart and
resuming an interrupted wave skips what it already holds. Every answer's Responses row
gets the wave's label as ``collected_at`` (the time the wave started, UTC), and the
time of the call itself as ``answered_at``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from llmvalues.collect.plan import Plan
from llmvalues.collect.store import Store, StoreError
from llmvalues.responses import validate_responses
from llmvalues.study.spec import Study, StudyError, study_from_dict

MANIFEST = "study.json"
STORE = "llmvalues.sqlite"  # as every command names its store inside --out


def wave_label(moment: datetime | None = None) -> str:
    """A wave's label: its start as ISO 8601 UTC to the second (sorts as it reads)."""
    return (moment or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


def wave_plan(plan: Plan, label: str, first: bool) -> Plan:
    """The plan as asked in wave ``label`` (the first wave keeps the plan's own keys)."""
    cells = []
    for cell in plan:
        key = cell.key
        if not first:
            key = hashlib.sha256(f"{cell.key}|wave|{label}".encode()).hexdigest()[:32]
        cells.append(replace(cell, key=key, attrs={**cell.attrs, "wave": label}))
    return Plan(plan.model, cells, {**plan.metadata, "wave": label})


def wave_responses(store: Store, plan: Plan) -> pd.DataFrame | None:
    """The finished answers of a wave plan as Responses (``collected_at`` = the wave), or None."""
    done = store.done_keys(retry_errors=False) & set(plan.keys)
    if not done:
        return None
    table = store.to_table([k for k in plan.keys if k in done])
    return _dated(table, plan.metadata["wave"])


def _dated(table: pd.DataFrame, label: str) -> pd.DataFrame:
    table = table.rename(columns={"collected_at": "answered_at"})
    table["collected_at"] = label
    return validate_responses(table)


@dataclass
class StudyFolder:
    """A study's output folder: ``study.json`` (study, model, backend, waves) and the store."""

    path: Path
    study: Study
    model: str
    backend: dict[str, Any]
    store: Path
    waves: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def load(cls, path: str | Path) -> StudyFolder:
        path = Path(path)
        manifest = path / MANIFEST
        if not manifest.is_file():
            raise StudyError(
                f"{path} holds no {MANIFEST}: it is not a study folder; run "
                "`llmvalues study run NAME --out DIR` first"
            )
        raw = json.loads(manifest.read_text(encoding="utf-8"))
        store = Path(raw["store"])
        return cls(
            path=path,
            study=study_from_dict(raw["study"], str(manifest)),
            model=raw["model"],
            backend=raw["backend"],
            store=store if store.is_absolute() else path / store,
            waves=list(raw["waves"]),
        )

    def save(self) -> None:
        store = (
            self.store.relative_to(self.path)
            if self.store.is_relative_to(self.path)
            else self.store
        )
        raw = {
            "study": self.study.to_dict(),
            "model": self.model,
            "backend": self.backend,
            "store": str(store),
            "waves": self.waves,
        }
        self.path.mkdir(parents=True, exist_ok=True)
        text = json.dumps(raw, indent=2, ensure_ascii=False, default=str)
        (self.path / MANIFEST).write_text(text, encoding="utf-8")

    def add_wave(self) -> str:
        label = wave_label()
        if self.waves and label <= self.waves[-1]["label"]:
            raise StudyError(
                f"a wave labelled {self.waves[-1]['label']} already exists in {self.path}; "
                "wait a second before re-testing"
            )
        self.waves.append({"label": label})
        return label

    def plans(self, plan: Plan) -> list[Plan]:
        """The plan as asked in each wave, in date order."""
        return [wave_plan(plan, w["label"], first=i == 0) for i, w in enumerate(self.waves)]


def store_waves(store: Store, model: str | None = None) -> tuple[str, dict[str, pd.DataFrame]]:
    """Every collection date of one model in any store: (model, ``{date: Responses}``).

    A date is the cell's ``wave`` attribute where the study recorded one, else the day its
    answer was stored. ``model`` is the name the plan asked (needed when the store holds
    several).
    """
    finals = store.finals()
    if finals.empty:
        raise StoreError(f"store {store.path} holds no finished cells")
    runs = store.runs().set_index("run_id")["model"]
    finals["asked_model"] = finals["run_id"].map(runs)
    models = sorted(finals["asked_model"].dropna().unique())
    if model is None:
        if len(models) != 1:
            raise StudyError(
                f"store {store.path} holds several models {models}; choose one with --model"
            )
        model = models[0]
    if model not in models:
        raise StudyError(f"store {store.path} holds no answers of model {model!r}; it has {models}")
    finals = finals[finals["asked_model"] == model]
    table = store.to_table(finals["cell_key"])
    wave = table["wave"] if "wave" in table else pd.Series(index=table.index, dtype=object)
    day = table["collected_at"].str[:10]
    table["_wave"] = wave.where(wave.notna() & (wave.astype(str) != ""), day)
    out = {}
    for label, rows in sorted(table.groupby("_wave"), key=lambda kv: kv[0]):
        rows = rows.drop(columns=["_wave", "wave"], errors="ignore")
        rows = rows.drop_duplicates(["identity", "variant", "replicate", "item"], keep="last")
        out[str(label)] = _dated(rows.reset_index(drop=True), str(label))
    return model, out
