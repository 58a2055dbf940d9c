"""The store's write path under synthetic traffic, against a bare sqlite3 insert loop.

Synthetic attempts shaped like the runner's (IVS chat prompt, reply, option distribution),
written as the runner writes them: ``next_attempt`` then ``record`` (one committed
transaction per attempt), in one process:
  1. flat out through ``Store`` (answers/s it can sustain);
  2. paced at ``--rate`` answers/s (default 1,000) for ``--seconds``: the rate reached,
     how far behind the schedule the last write was, and the write latency;
  3. a bare sqlite3 loop as the baseline: the same table and settings (WAL,
     synchronous=NORMAL), rows prepared beforehand, one INSERT and commit per row.

    .venv/bin/python benchmarks/bench_store.py [--answers 5000] [--rate 1000] [--seconds 5]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from llmvalues.collect import Store, ivs_plan
from llmvalues.collect.backends.base import Distribution
from llmvalues.collect.store import ATTEMPT_COLUMNS, Attempt
from llmvalues.instruments.variants import descriptors


def attempt(cell) -> Attempt:
    """A first attempt at ``cell`` with a reply and option probabilities, as the runner stores it."""
    dist = Distribution({"A": 0.61, "B": 0.22, "C": 0.09}, 0.08, "top-20 log-probs of the reply")
    return Attempt(
        cell_key=cell.key, attempt=1, final=True, run_id="bench", identity=cell.identity,
        variant=cell.variant, replicate=cell.replicate, item=cell.item, session=cell.session,
        mode="chat", prompt=cell.request.payload(), raw="A", code=1.0, status="ok", reason="",
        model="m", backend="openai", sampling=cell.request.sampling,
        distribution=dist.to_json(), outside_mass=dist.outside, latency_s=0.5,
        prompt_tokens=120, completion_tokens=2, finish_reason="stop", tries=1, attrs=cell.attrs,
    )  # fmt: skip


def attempts(n: int) -> list[Attempt]:
    """``n`` distinct IVS cells' attempts (descriptors × items × replicates)."""
    plan = ivs_plan("m", descriptor_set=descriptors("all"), replicates=n // 400 + 1,
                    sampling={"temperature": 0.7})  # fmt: skip
    return [attempt(cell) for cell in plan.cells[:n]]


def through_store(path: Path, rows: list[Attempt], rate: float | None) -> tuple[float, list[float]]:
    """Write ``rows`` as the runner does; paced at ``rate``/s when given. → (seconds, latencies)."""
    latencies = []
    with Store(path) as store:
        started = time.perf_counter()
        for i, row in enumerate(rows):
            if rate is not None:
                wait = started + i / rate - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
            t0 = time.perf_counter()
            row.attempt = store.next_attempt(row.cell_key)
            store.record(row)
            latencies.append(time.perf_counter() - t0)
        return time.perf_counter() - started, latencies


def bare_sqlite(path: Path, rows: list[Attempt]) -> tuple[float, list[float]]:
    """Prepared rows inserted into the store's own table, one transaction each."""
    Store(path).close()  # the same schema and indexes
    db = sqlite3.connect(str(path), isolation_level=None)
    db.execute("PRAGMA synchronous=NORMAL")
    columns = ", ".join(ATTEMPT_COLUMNS)
    insert = f"INSERT INTO attempts ({columns}) VALUES ({', '.join('?' for _ in ATTEMPT_COLUMNS)})"
    tuples = [row.row() for row in rows]
    latencies = []
    started = time.perf_counter()
    for values in tuples:
        t0 = time.perf_counter()
        db.execute("BEGIN")
        db.execute(insert, values)
        db.execute("COMMIT")
        latencies.append(time.perf_counter() - t0)
    seconds = time.perf_counter() - started
    db.close()
    return seconds, latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    paced_n = int(args.rate * args.seconds)
    rows = attempts(max(args.answers, paced_n))
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        flat, lat = through_store(root / "flat.sqlite", rows[: args.answers], None)
        paced, paced_lat = through_store(root / "paced.sqlite", rows[:paced_n], args.rate)
        bare, bare_lat = bare_sqlite(root / "bare.sqlite", rows[: args.answers])
    ours, base = args.answers / flat, args.answers / bare
    median, bare_median = statistics.median(lat), statistics.median(bare_lat)
    behind = paced - (paced_n - 1) / args.rate
    p99 = statistics.quantiles(paced_lat, n=100)[98]
    print(f"{args.answers} synthetic attempts (prompt {len(rows[0].prompt)} chars, distribution)")
    print(f"Store flat out: {ours:,.0f} answers/s ({1e6 * median:.0f} µs median per answer)")
    print(
        f"bare sqlite3 insert+commit loop: {base:,.0f} answers/s ({1e6 * bare_median:.0f} µs median)"
    )
    print(f"Store / bare sqlite3: {ours / base:.2f} in answers/s, {bare_median / median:.2f} in "
          "median write time (the rates move with the disk's other traffic, the medians less)")  # fmt: skip
    print(
        f"paced at {args.rate:,.0f}/s for {args.seconds:g} s: {paced_n / paced:,.0f} answers/s "
        f"reached, last write {1e3 * behind:.1f} ms behind schedule, write latency median "
        f"{1e6 * statistics.median(paced_lat):.0f} µs, p99 {1e6 * p99:.0f} µs"
    )
    print(f"headroom at {args.rate:,.0f}/s: {ours / args.rate:.1f}x")


if __name__ == "__main__":
    main()
