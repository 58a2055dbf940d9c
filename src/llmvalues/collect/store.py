"""SQLite store: one row per attempt, append-only, resumable, exportable to Responses.

WAL journal; each attempt is committed in its own transaction, so a process killed at any
moment loses at most the call in flight. A cell is done once an attempt that ends it
(``final = 1``) with a status other than ``error`` is stored; reruns skip done cells and
ask errored ones again (new attempts, never overwriting). API keys are never written.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    model TEXT NOT NULL,
    backend TEXT NOT NULL,
    settings TEXT NOT NULL,
    plan TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cell_key TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    final INTEGER NOT NULL,
    run_id TEXT NOT NULL,
    identity TEXT NOT NULL,
    variant TEXT NOT NULL,
    replicate INTEGER NOT NULL,
    item TEXT NOT NULL,
    session TEXT NOT NULL,
    mode TEXT NOT NULL,
    prompt TEXT NOT NULL,
    raw TEXT,
    code REAL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    model TEXT NOT NULL,
    backend TEXT NOT NULL,
    sampling TEXT NOT NULL,
    distribution TEXT,
    outside_mass REAL,
    latency_s REAL,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    finish_reason TEXT,
    tries INTEGER NOT NULL,
    attrs TEXT NOT NULL,
    collected_at TEXT NOT NULL,
    UNIQUE (cell_key, attempt)
);
CREATE INDEX IF NOT EXISTS attempts_final ON attempts (cell_key, final, status);
"""

ATTEMPT_COLUMNS = (
    "cell_key",
    "attempt",
    "final",
    "run_id",
    "identity",
    "variant",
    "replicate",
    "item",
    "session",
    "mode",
    "prompt",
    "raw",
    "code",
    "status",
    "reason",
    "model",
    "backend",
    "sampling",
    "distribution",
    "outside_mass",
    "latency_s",
    "prompt_tokens",
    "completion_tokens",
    "finish_reason",
    "tries",
    "attrs",
    "collected_at",
)
_INSERT = (
    f"INSERT INTO attempts ({', '.join(ATTEMPT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in ATTEMPT_COLUMNS)})"
)


def now() -> str:
    """UTC timestamp in ISO 8601 with microseconds."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass
class Attempt:
    """One call (or failed call) for one cell, as stored."""

    cell_key: str
    attempt: int
    final: bool
    run_id: str
    identity: str
    variant: str
    replicate: int
    item: str
    session: str
    mode: str
    prompt: str
    raw: str | None
    code: float | None
    status: str
    reason: str
    model: str
    backend: str
    sampling: dict[str, Any]
    distribution: str | None = None
    outside_mass: float | None = None
    latency_s: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str | None = None
    tries: int = 1
    attrs: dict[str, Any] = field(default_factory=dict)
    collected_at: str = field(default_factory=now)

    def row(self) -> tuple:
        """The values of the ``attempts`` columns, in order."""
        values = {c: getattr(self, c) for c in ATTEMPT_COLUMNS}
        values["final"] = int(self.final)
        values["sampling"] = json.dumps(self.sampling, sort_keys=True, default=str)
        values["attrs"] = json.dumps(self.attrs, sort_keys=True, default=str, ensure_ascii=False)
        return tuple(values.values())


def _raw_code_probs(distribution: str | None, option_map: dict | None) -> dict[int, float] | None:
    """Option probabilities keyed by raw code (shown labels mapped back through the order)."""
    if distribution is None or not isinstance(distribution, str) or not option_map:
        return None
    shown = json.loads(distribution)["probs"]
    return {int(option_map[label]): float(p) for label, p in shown.items() if label in option_map}


EXPORT_SUFFIXES = (".csv", ".parquet", ".pq")


class StoreError(RuntimeError):
    """The store cannot be opened or exported as asked."""


class Store:
    """Append-only SQLite store of attempts (WAL). Use as a context manager or ``close()``."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if self.path.is_dir():
            raise StoreError(
                f"store path {self.path} is a directory; give a file such as run.sqlite"
            )
        if self.path.exists() and not self.path.stat().st_mode & 0o222:
            raise StoreError(
                f"store {self.path} is read-only (mode {self.path.stat().st_mode & 0o777:o}); "
                f"a store appends every attempt: make it writable (chmod u+w {self.path}) or "
                "give another path"
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = None
        try:
            self._db = sqlite3.connect(str(self.path), timeout=30.0, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._check_writable()
        except sqlite3.DatabaseError as exc:
            if self._db is not None:
                self._db.close()
            if "readonly" in str(exc) or "read-only" in str(exc):
                raise StoreError(
                    f"store {self.path} cannot be written ({exc}): the file, its -wal/-shm "
                    "files or its folder are read-only or immutable (lsattr shows 'i'; "
                    "chattr -i removes it); make them writable or give another path"
                ) from exc
            raise StoreError(f"cannot open store {self.path}: {exc}") from exc

    def _check_writable(self) -> None:
        """Fail now, not at the first answer, when the file cannot be written."""
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute(f"PRAGMA user_version = {int(version)}")
        finally:
            self._db.execute("ROLLBACK")

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    # ------------------------------------------------------------------ writing

    def start_run(self, model: str, backend: str, settings: dict[str, Any], plan: dict) -> str:
        """Record a run (backend settings without secrets, plan metadata); return its id."""
        run_id = uuid.uuid4().hex[:16]
        with self._db:
            self._db.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    now(),
                    model,
                    backend,
                    json.dumps(settings, sort_keys=True, default=str),
                    json.dumps(plan, sort_keys=True, default=str),
                ),
            )
        return run_id

    def record(self, attempt: Attempt) -> None:
        """Append one attempt, committed before returning."""
        with self._db:
            self._db.execute(_INSERT, attempt.row())

    # ------------------------------------------------------------------ reading

    def done_keys(self, retry_errors: bool = True) -> set[str]:
        """Keys of cells that are finished (ended with an answer or, unless retried, an error)."""
        query = "SELECT DISTINCT cell_key FROM attempts WHERE final = 1"
        if retry_errors:
            query += " AND status != 'error'"
        return {row[0] for row in self._db.execute(query)}

    def next_attempt(self, key: str) -> int:
        """The attempt number the next call for this cell gets."""
        (top,) = self._db.execute(
            "SELECT COALESCE(MAX(attempt), 0) FROM attempts WHERE cell_key = ?", (key,)
        ).fetchone()
        return int(top) + 1

    def final_reply(self, key: str) -> tuple[str, str] | None:
        """(prompt, raw reply) of a finished cell's last attempt, for rebuilding conversations."""
        row = self._db.execute(
            "SELECT prompt, raw FROM attempts WHERE cell_key = ? AND final = 1 "
            "AND status != 'error' ORDER BY id DESC LIMIT 1",
            (key,),
        ).fetchone()
        return None if row is None else (row[0], row[1] or "")

    def attempts(self, keys: Iterable[str] | None = None) -> pd.DataFrame:
        """Every stored attempt (optionally only for some cells), oldest first."""
        frame = pd.read_sql_query("SELECT * FROM attempts ORDER BY id", self._db)
        if keys is not None:
            frame = frame[frame["cell_key"].isin(set(keys))]
        return frame.reset_index(drop=True)

    def runs(self) -> pd.DataFrame:
        return pd.read_sql_query("SELECT * FROM runs ORDER BY started_at", self._db)

    def finals(self, keys: Iterable[str] | None = None) -> pd.DataFrame:
        """The last final attempt of each cell (in the order of ``keys`` when given)."""
        keys = None if keys is None else list(keys)
        frame = self.attempts(keys)
        frame = frame[frame["final"] == 1].drop_duplicates("cell_key", keep="last")
        if keys is not None:
            order = {key: i for i, key in enumerate(keys)}
            frame = frame.sort_values("cell_key", key=lambda k: k.map(order), kind="stable")
        return frame.reset_index(drop=True)

    # ------------------------------------------------------------------ export

    def to_table(self, keys: Iterable[str] | None = None) -> pd.DataFrame:
        """Final answers as a tidy table with attribute columns (any instrument, free text too).

        ``probs`` holds the option probabilities keyed by raw code (None where the backend
        gave none); ``outside_mass`` is the probability on anything that is not an option.
        """
        finals = self.finals(keys)
        raw_attrs = [json.loads(a) for a in finals["attrs"]]
        probs = [
            _raw_code_probs(dist, attrs.get("option_map"))
            for dist, attrs in zip(finals["distribution"], raw_attrs, strict=True)
        ]
        attrs = pd.DataFrame(raw_attrs, index=finals.index).drop(
            columns=["option_map", "persona_text"], errors="ignore"
        )
        attrs = attrs.map(lambda v: json.dumps(v) if isinstance(v, list | dict) else v)
        out = pd.DataFrame(
            {
                "identity": finals["identity"],
                "variant": finals["variant"],
                "replicate": finals["replicate"].astype(int),
                "item": finals["item"],
                "raw": finals["raw"].fillna(""),
                "code": finals["code"].astype(float),
                "status": finals["status"],
                "reason": finals["reason"],
                "model": finals["model"],
                "backend": finals["backend"],
                "attempts": finals["attempt"].astype(int),
                "probs": pd.Series(probs, index=finals.index, dtype=object),
                "outside_mass": finals["outside_mass"],
                "distribution": finals["distribution"],
                "collected_at": finals["collected_at"],
                "cell_key": finals["cell_key"],
            }
        )
        extra = attrs[[c for c in attrs.columns if c not in out.columns]]
        return pd.concat([out, extra], axis=1)

    def to_responses(self, keys: Iterable[str] | None = None, instrument=None) -> pd.DataFrame:
        """Final answers as a validated Responses table (IVS items; one row per cell)."""
        from llmvalues.responses import validate_responses

        table = self.to_table(keys)
        if table.empty:
            raise StoreError(f"store {self.path} holds no finished cells to export")
        return validate_responses(table, instrument)

    def export(self, path: str | Path, keys: Iterable[str] | None = None) -> Path:
        """Write the final answers to CSV or Parquet (by the file's suffix, in any case).

        Raises
        ------
        StoreError
            An unknown suffix, or nothing to export (in every format alike).
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in EXPORT_SUFFIXES:
            raise StoreError(f"export format of {path.name!r} unknown: use .csv or .parquet")
        table = self.to_table(keys)
        if table.empty:
            raise StoreError(
                f"store {self.path} holds no finished cells to export"
                + ("" if keys is None else " for the keys given")
                + f"; {path} was not written"
            )
        table["probs"] = table["probs"].map(lambda p: None if p is None else json.dumps(p))
        if suffix == ".csv":
            table.to_csv(path, index=False)
        else:
            table.to_parquet(path, index=False)
        return path
