"""Async runner: asks every unfinished cell of a plan, stores each attempt as it arrives.

Bounded concurrency, a per-backend rate limit, retries with backoff that honour
Retry-After, optional re-asking when a reply is not an answer (each attempt stored), and
a final record with the reason for cells that keep failing. A run that hits a fatal error
(a wrong key, a missing model) stops early with a clear message; what was collected stays.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import pandas as pd
from tqdm.auto import tqdm

from llmvalues.collect.backends.base import Backend, BackendError, Reply, Request
from llmvalues.collect.pacing import RateLimiter, RetryPolicy
from llmvalues.collect.plan import Cell, Plan
from llmvalues.collect.store import Attempt, Store
from llmvalues.instruments.parse import ERROR, STATUSES, Parsed


@dataclass(frozen=True)
class Reask:
    """Ask again (a follow-up turn in chat) when the parsed status is in ``on``."""

    text: str
    max_attempts: int = 2
    on: tuple[str, ...] = ("invalid", "out_of_range")

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")


class CollectionAborted(RuntimeError):
    """The run stopped early (fatal backend error or too many failures); progress is stored."""


@dataclass
class RunSummary:
    """What a run did: cells asked/skipped and the final status counts per item."""

    run_id: str
    asked: int
    skipped: int
    attempts: int
    seconds: float
    counts: pd.DataFrame = field(repr=False)

    def __str__(self) -> str:
        head = (
            f"run {self.run_id}: {self.asked} cells asked, {self.skipped} already done, "
            f"{self.attempts} attempts in {self.seconds:.1f} s"
        )
        return head + "\n" + self.counts.to_string()


def status_table(finals: pd.DataFrame) -> pd.DataFrame:
    """ok / refusal / invalid / out_of_range / missing / error counts per item (+ total row)."""
    if finals.empty:
        return pd.DataFrame(columns=list(STATUSES))
    table = finals.groupby(["item", "status"]).size().unstack("status", fill_value=0)
    table = table.reindex(columns=list(STATUSES), fill_value=0)
    table.loc["total"] = table.sum()
    return table


class _Run:
    def __init__(self, plan, backend, store, retry, reask, abort_after, progress, concurrency):
        self.plan, self.backend, self.store = plan, backend, store
        self.retry, self.reask, self.abort_after = retry, reask, abort_after
        self.limiter = RateLimiter(getattr(backend, "rate_limit", None))
        self.semaphore = asyncio.Semaphore(concurrency)
        self.rng = random.Random()
        self.attempts = 0
        self.failures_in_a_row = 0
        self.fatal: str | None = None
        # None: tqdm shows the bar on a terminal only, so logs of batch jobs stay readable
        self.bar = tqdm(
            total=len(plan), desc="collect", unit="cell", disable=None if progress else True
        )
        self.run_id = ""

    async def call(self, request: Request) -> tuple[Reply | None, str, float, int]:
        """One request with retries → (reply or None, error reason, latency, tries)."""
        tries = 0
        while True:
            tries += 1
            await self.limiter.wait()
            started = time.perf_counter()
            try:
                reply = await self.backend.generate(request)
                return reply, "", time.perf_counter() - started, tries
            except BackendError as exc:
                latency = time.perf_counter() - started
                if exc.fatal:
                    raise
                if not exc.retryable:
                    return None, str(exc), latency, tries
                if tries > self.retry.max_retries:
                    return None, f"gave up after {tries} tries: {exc}", latency, tries
                await asyncio.sleep(self.retry.delay(tries, exc.retry_after, self.rng))
            except Exception as exc:  # a backend bug must not lose the run: record it
                latency = time.perf_counter() - started
                return None, f"backend raised {type(exc).__name__}: {exc}", latency, tries

    def store_attempt(self, cell, number, final, request, reply, parsed, reason, latency, tries):
        dist = reply.distribution if reply else None
        self.store.record(
            Attempt(
                cell_key=cell.key,
                attempt=number,
                final=final,
                run_id=self.run_id,
                identity=cell.identity,
                variant=cell.variant,
                replicate=cell.replicate,
                item=cell.item,
                session=cell.session,
                mode=request.fmt,
                prompt=request.payload(),
                raw=reply.text if reply else None,
                code=None if parsed.code is None else float(parsed.code),
                status=parsed.status,
                reason=parsed.reason if reply else reason,
                model=reply.model if reply else self.plan.model,
                backend=self.backend.name,
                sampling=dict(request.sampling),
                distribution=dist.to_json() if dist else None,
                outside_mass=dist.outside if dist else None,
                latency_s=latency,
                prompt_tokens=reply.prompt_tokens if reply else None,
                completion_tokens=reply.completion_tokens if reply else None,
                finish_reason=reply.finish_reason if reply else None,
                tries=tries,
                attrs=cell.attrs,
            )
        )
        self.attempts += 1

    async def ask_cell(
        self, cell: Cell, history: list[dict[str, str]]
    ) -> tuple[str | None, Request]:
        """Ask one cell (with re-asks); return the final reply and the request that got it."""
        request = cell.request
        if history:
            messages = tuple(history) + tuple(request.messages or ())
            request = replace(request, messages=messages)
        number = self.store.next_attempt(cell.key)
        limit = self.reask.max_attempts if self.reask else 1
        for round_ in range(1, limit + 1):
            reply, reason, latency, tries = await self.call(request)
            if reply is None:
                parsed = Parsed(None, ERROR, reason)
                self.store_attempt(
                    cell, number, True, request, None, parsed, reason, latency, tries
                )
                self.note_failure(reason)
                return None, request
            try:
                parsed = cell.parse(reply.text, truncated=reply.finish_reason == "length")
            except Exception as exc:  # keep the reply even when its parser breaks
                parsed = Parsed(None, ERROR, f"parser raised {type(exc).__name__}: {exc}")
            again = self.reask is not None and parsed.status in self.reask.on and round_ < limit
            self.store_attempt(cell, number, not again, request, reply, parsed, "", latency, tries)
            self.failures_in_a_row = 0
            if not again:
                return reply.text, request
            number += 1
            if request.messages is not None:
                follow = (
                    {"role": "assistant", "content": reply.text},
                    {"role": "user", "content": self.reask.text},
                )
                request = replace(request, messages=tuple(request.messages) + follow)
        return None, request

    def note_failure(self, reason: str) -> None:
        self.failures_in_a_row += 1
        if self.failures_in_a_row >= self.abort_after and self.fatal is None:
            self.fatal = f"{self.failures_in_a_row} cells in a row failed; last: {reason}"

    async def run_session(self, cells: list[Cell], done: set[str]) -> None:
        async with self.semaphore:
            history: list[dict[str, str]] = []
            for cell in cells:
                if self.fatal:
                    return
                if cell.key in done:
                    if cell.session:
                        prompt, raw = self.store.final_reply(cell.key) or ("[]", "")
                        sent = json.loads(prompt) if prompt.startswith("[") else []
                        history = [*sent, {"role": "assistant", "content": raw}]
                    continue
                try:
                    text, sent = await self.ask_cell(cell, history)
                except BackendError as exc:
                    self.fatal = str(exc)
                    return
                finally:
                    self.bar.update(1)
                if text is None and cell.session:
                    return  # a broken conversation is resumed on the next run
                if cell.session:
                    history = [*(sent.messages or ()), {"role": "assistant", "content": text}]


async def run_plan(
    plan: Plan,
    backend: Backend,
    store: Store,
    *,
    concurrency: int | None = None,
    retry: RetryPolicy | None = None,
    reask: Reask | None = None,
    retry_errors: bool = True,
    abort_after: int = 20,
    progress: bool = True,
) -> RunSummary:
    """Ask every cell of ``plan`` not yet done in ``store``; return the run's summary."""
    started = time.perf_counter()
    limit = concurrency or getattr(backend, "max_concurrency", 1) or 1
    if limit < 1:
        raise ValueError(f"concurrency must be at least 1, got {limit}")
    run = _Run(plan, backend, store, retry or RetryPolicy(), reask, abort_after, progress, limit)
    done = store.done_keys(retry_errors=retry_errors)
    todo = [c for c in plan if c.key not in done]
    run.run_id = store.start_run(
        plan.model, backend.name, backend.describe(), {**plan.metadata, "cells": len(plan)}
    )
    run.bar.update(len(plan) - len(todo))
    sessions = [s for s in plan.sessions() if any(c.key not in done for c in s)]
    try:
        await asyncio.gather(*(run.run_session(s, done) for s in sessions))
    finally:
        run.bar.close()
        await backend.aclose()
    finals = store.finals(plan.keys)
    summary = RunSummary(
        run.run_id,
        asked=len(todo),
        skipped=len(plan) - len(todo),
        attempts=run.attempts,
        seconds=time.perf_counter() - started,
        counts=status_table(finals),
    )
    if run.fatal:
        raise CollectionAborted(
            f"collection stopped: {run.fatal}. {len(finals)} of {len(plan)} cells are stored in "
            f"{store.path}; rerun the same command to resume."
        )
    return summary


def collect(plan: Plan, backend: Backend, store: Store, **options) -> RunSummary:
    """Synchronous wrapper of :func:`run_plan` (for scripts and the command line)."""
    return asyncio.run(run_plan(plan, backend, store, **options))


def collect_texts(
    backend: Backend,
    prompts: Sequence[str | dict],
    store: Store,
    *,
    system: str | None = None,
    identity: str | None = None,
    sampling: dict | None = None,
    replicates: int = 1,
    fmt: str = "chat",
    **options,
) -> pd.DataFrame:
    """Ask free-text prompts (ValueLex, UniVaR) through the store; return the final answers.

    Replies are kept verbatim (status ok when not empty); rerunning resumes.
    """
    from llmvalues.collect.plan import text_plan

    plan = text_plan(
        backend.model,
        prompts,
        system=system,
        identity=identity,
        sampling=sampling,
        replicates=replicates,
        fmt=fmt,
    )
    collect(plan, backend, store, **options)
    return store.to_table(plan.keys)
