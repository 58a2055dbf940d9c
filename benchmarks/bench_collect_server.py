"""Collector throughput against a real llama.cpp server on loopback (bundled SmolLM2).

Same server, same plan (100 IVS-10 cells, greedy, 16 tokens), one process:
  1. sequential loop like the published scripts (sync client, one call after another);
  2. the server's ceiling: raw concurrent calls with no store (concurrency sweep);
  3. llmvalues' collector (store, parsing, retries) over the same concurrency sweep.
Prints answers per second and the collector's ratio to the sequential loop and the ceiling.

    .venv/bin/python benchmarks/bench_collect_server.py [--cells 100]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import subprocess
import sys
import time

import openai

# the collector is measured the same way in both benchmarks (benchmarks/ is on sys.path)
from bench_collect_backends import rate

from llmvalues.collect import ivs_plan, make_backend
from llmvalues.collect.backends.bundled import smollm2_path
from llmvalues.instruments.variants import descriptors

SAMPLING = {"temperature": 0.0, "max_tokens": 16}
SWEEP = (1, 2, 4, 8)


def start_server(threads: int) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_path()),
        "--model_alias", "smollm2", "--host", "127.0.0.1", "--port", str(port),
        "--n_threads", str(threads), "--n_threads_batch", str(threads),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    return process, f"http://127.0.0.1:{port}/v1"


def sequential(base_url: str, plan) -> float:
    client = openai.OpenAI(base_url=base_url, api_key="unused", max_retries=0)
    started = time.perf_counter()
    for cell in plan:
        client.chat.completions.create(
            model="smollm2", messages=list(cell.request.messages), **SAMPLING
        )
    return len(plan) / (time.perf_counter() - started)


async def _raw(base_url: str, plan, concurrency: int) -> float:
    client = openai.AsyncOpenAI(base_url=base_url, api_key="unused", max_retries=0)
    gate = asyncio.Semaphore(concurrency)

    async def one(cell) -> None:
        async with gate:
            await client.chat.completions.create(
                model="smollm2", messages=list(cell.request.messages), **SAMPLING
            )

    started = time.perf_counter()
    await asyncio.gather(*(one(cell) for cell in plan))
    rate = len(plan) / (time.perf_counter() - started)
    await client.close()
    return rate


def collector(base_url: str, plan, concurrency: int) -> float:
    backend = make_backend("openai", "smollm2", base_url=base_url, api_key_env="LLMV_NO_KEY")
    return rate(backend, plan, concurrency)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cells", type=int, default=100)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    n_desc = max(1, args.cells // 10)
    plan = ivs_plan("smollm2", descriptor_set=descriptors("all")[:n_desc], sampling=SAMPLING,
                    logprobs=False)  # fmt: skip
    process, base_url = start_server(args.threads)
    try:
        sequential(base_url, plan.cells[:5])  # warm-up
        seq = sequential(base_url, plan)
        ceiling = {c: asyncio.run(_raw(base_url, plan, c)) for c in SWEEP}
        ours = {c: collector(base_url, plan, c) for c in SWEEP}
    finally:
        process.terminate()
        process.wait()
    best = max(ceiling.values())
    print(f"plan: {len(plan)} cells, greedy, max_tokens={SAMPLING['max_tokens']}")
    print(f"sequential loop (published-script style): {seq:.2f} answers/s")
    for c in SWEEP:
        print(
            f"concurrency {c}: raw server {ceiling[c]:.2f}/s, collector {ours[c]:.2f}/s "
            f"(collector/ceiling {ours[c] / best:.2f}, collector/sequential {ours[c] / seq:.2f})"
        )
    top = max(ours.values())
    print(f"best collector / server ceiling = {top / best:.2f}; / sequential = {top / seq:.2f}")


if __name__ == "__main__":
    main()
