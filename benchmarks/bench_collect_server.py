"""Collector throughput against llama.cpp's continuous-batching server (bundled SmolLM2).

One llama-server on loopback (``--parallel`` 16 slots, built by build_llama_server.sh),
one plan (IVS-10 cells, greedy, 16 tokens), the same request bodies for every arm, in one
process, arms interleaved per concurrency so that a change in the shared machine's load
hits them alike:
  1. a plain sequential loop with the ``openai`` client, one call after another (what
     the papers' scripts do);
  2. the server's ceiling: a minimal load generator (raw HTTP/1.1 keep-alive connections,
     prepared bodies, no parsing) at concurrency 1…32; the ceiling is its best rate;
  3. llmvalues' collector (openai backend, parsing, retries, the SQLite store) at
     concurrency 1, 2, 4, 8, 16.
Prints answers per second, the ratios (to the ceiling and to the sequential loop) and the
CPU each answer cost the client (this process) and the server (its /proc entry): on a CPU
the server's share shows whether batching leaves it any headroom. Prompt caching is off so
that no arm is served from an earlier arm's prompts.

    benchmarks/build_llama_server.sh
    .venv/bin/python benchmarks/bench_collect_server.py [--cells 40] [--rounds 3] [--threads 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import openai

from llmvalues.collect import Store, collect, ivs_plan, make_backend
from llmvalues.collect.backends.local_server import find_llama_server, llama_server
from llmvalues.instruments.variants import descriptors

SAMPLING = {"temperature": 0.0, "max_tokens": 16}
SWEEP = (1, 2, 4, 8, 16)
LOAD = (*SWEEP, 32)  # the load generator also tries more requests than slots
SLOTS = 16
ROOT = Path(__file__).resolve().parents[1]


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads) a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(run, server_pid: int) -> tuple[float, float, float]:
    """(wall s, this process's CPU s, the server's CPU s) of ``run()``."""
    wall, cpu, served = time.perf_counter(), time.process_time(), cpu_seconds(server_pid)
    run()
    return (time.perf_counter() - wall, time.process_time() - cpu,
            cpu_seconds(server_pid) - served)  # fmt: skip


def sequential(base_url: str, model: str, plan) -> None:
    client = openai.OpenAI(base_url=base_url, api_key="unused", max_retries=0)
    for cell in plan:
        client.chat.completions.create(model=model, messages=list(cell.request.messages),
                                       **SAMPLING)  # fmt: skip
    client.close()


async def _worker(base_url: str, bodies: asyncio.Queue) -> None:
    """One keep-alive connection posting prepared bodies until the queue is empty."""
    url = urlsplit(base_url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    path = f"{url.path}/chat/completions"
    try:
        while not bodies.empty():
            body = bodies.get_nowait()
            writer.write(
                f"POST {path} HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: "
                f"application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            status = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            if b" 200 " not in status:
                raise RuntimeError(f"load generator got {status!r}")
    finally:
        writer.close()


async def _load(base_url: str, bodies: list[bytes], concurrency: int) -> None:
    queue: asyncio.Queue = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    await asyncio.gather(*(_worker(base_url, queue) for _ in range(concurrency)))


def load_generator(base_url: str, model: str, plan, concurrency: int) -> None:
    bodies = [
        json.dumps({"model": model, "messages": list(c.request.messages), **SAMPLING}).encode()
        for c in plan
    ]
    asyncio.run(_load(base_url, bodies, concurrency))


def collector(base_url: str, model: str, plan, concurrency: int) -> None:
    backend = make_backend("openai", model, base_url=base_url, api_key_env="LLMV_NO_KEY")
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "b.sqlite") as store:
        summary = collect(plan, backend, store, concurrency=concurrency, progress=False)
    if summary.counts.loc["total", "error"]:
        raise RuntimeError(f"collector errors at concurrency {concurrency}: {summary}")


def busy_slots_per_decode(root: str) -> float:
    """The server's own count: requests it decoded together, on average."""
    text = urllib.request.urlopen(root + "/metrics").read().decode()
    line = next(x for x in text.splitlines() if x.startswith("llamacpp:n_busy_slots_per_decode"))
    return float(line.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cells", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3, help="each arm's fastest round counts")
    parser.add_argument("--threads", type=int, default=None, help="server threads")
    args = parser.parse_args()
    binary = find_llama_server([ROOT])
    if binary is None:
        raise SystemExit("llama-server not built: run benchmarks/build_llama_server.sh first")
    plan = ivs_plan("smollm2", descriptor_set=descriptors("all")[: max(1, args.cells // 10)],
                    sampling=SAMPLING, logprobs=False)  # fmt: skip
    # no prompt cache: every arm pays for every prompt, none is served from an earlier arm's
    server = llama_server(binary=binary, parallel=SLOTS, ctx_per_slot=1024,
                          threads=args.threads, alias="smollm2",
                          extra=["--no-cache-prompt", "--cache-ram", "0"])  # fmt: skip
    arms = [("sequential", 1), *(a for c in LOAD for a in [("load", c), ("collector", c)])]
    arms = [(kind, c) for kind, c in arms if kind != "collector" or c in SWEEP]
    run = {"sequential": sequential, "load": load_generator, "collector": collector}
    fastest: dict[tuple[str, int], tuple[float, float, float]] = {}
    with server:
        url, model = server.base_url, server.alias
        sequential(url, model, plan.cells[:8])  # warm-up
        for _ in range(args.rounds):
            for kind, c in arms:
                args_ = (url, model, plan) if kind == "sequential" else (url, model, plan, c)
                got = timed(lambda kind=kind, args_=args_: run[kind](*args_), server.pid)
                fastest[kind, c] = min(got, fastest.get((kind, c), got))
        busy = busy_slots_per_decode(server.root)
        threads = server.command[server.command.index("--threads") + 1]
    rate = {arm: len(plan) / got[0] for arm, got in fastest.items()}
    client = {arm: 1e3 * got[1] / len(plan) for arm, got in fastest.items()}
    served = {arm: 1e3 * got[2] / len(plan) for arm, got in fastest.items()}
    ceiling = max(rate["load", c] for c in LOAD)
    seq = rate["sequential", 1]
    top = max(SWEEP, key=lambda c: rate["collector", c])
    print(f"plan: {len(plan)} cells, greedy, max_tokens={SAMPLING['max_tokens']}; llama-server "
          f"--parallel {SLOTS} --threads {threads} --no-cache-prompt; fastest of {args.rounds} "
          f"rounds; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"sequential openai loop: {seq:.2f} answers/s; CPU ms/answer: client "
          f"{client['sequential', 1]:.1f}, server {served['sequential', 1]:.0f}")  # fmt: skip
    print("| concurrency | load generator /s | collector /s | collector / ceiling | "
          "collector / sequential | client CPU ms/answer (load gen., collector) | "
          "server CPU ms/answer (load gen., collector) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for c in LOAD:
        load = ("load", c)
        if c in SWEEP:
            ours = ("collector", c)
            cells = (f"{rate[ours]:.2f} | {rate[ours] / ceiling:.2f} | {rate[ours] / seq:.2f} | "
                     f"{client[load]:.1f}, {client[ours]:.1f} | "
                     f"{served[load]:.0f}, {served[ours]:.0f}")  # fmt: skip
        else:
            cells = f"– | – | – | {client[load]:.1f}, – | {served[load]:.0f}, –"
        print(f"| {c} | {rate[load]:.2f} | {cells} |")
    print(f"server ceiling (best load-generator rate): {ceiling:.2f} answers/s = "
          f"{ceiling / rate['load', 1]:.2f}x its rate at concurrency 1; "
          f"{busy:.2f} requests decoded together on average")  # fmt: skip
    print(f"best collector (concurrency {top}): {rate['collector', top]:.2f} answers/s = "
          f"{rate['collector', top] / ceiling:.2f} of the ceiling, "
          f"{rate['collector', top] / seq:.2f}x the sequential loop")  # fmt: skip


if __name__ == "__main__":
    main()
