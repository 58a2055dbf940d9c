"""In-process llama.cpp vs transformers on CPU for the same plan, and batched vs one-at-a-time.

Same plan (IVS-10 cells, greedy, 16 tokens, option log-probs on), same process. Prints
answers per second (model load excluded, reported apart) and the ratios. Without a GPU the
batched-vs-single comparison runs on CPU.

    .venv/bin/python benchmarks/bench_collect_backends.py [--cells 40]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from llmvalues.collect import Store, collect, ivs_plan, make_backend
from llmvalues.instruments.variants import descriptors

SAMPLING = {"temperature": 0.0, "max_tokens": 16}


def rate(backend, plan, concurrency: int) -> float:
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "b.sqlite") as store:
        started = time.perf_counter()
        collect(plan, backend, store, concurrency=concurrency, progress=False)
        return len(plan) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cells", type=int, default=40)
    parser.add_argument("--batch", type=int, default=8)
    args = parser.parse_args()
    plan = ivs_plan("smollm2", descriptor_set=descriptors("all")[: max(1, args.cells // 10)],
                    sampling=SAMPLING)  # fmt: skip

    started = time.perf_counter()
    llama = make_backend("llamacpp", "smollm2")
    llama_load = time.perf_counter() - started
    llama_rate = rate(llama, plan, 1)
    llama.close()

    started = time.perf_counter()
    hf = make_backend("transformers", "smollm2", batch_size=args.batch)
    hf_load = time.perf_counter() - started
    rate(hf, ivs_plan("smollm2", items=["e025"], sampling=SAMPLING), 1)  # warm-up
    hf_single = rate(hf, plan, 1)
    hf_batched = rate(hf, plan, args.batch)

    print(f"plan: {len(plan)} cells, greedy, max_tokens={SAMPLING['max_tokens']}, log-probs on")
    print(f"load: llama.cpp {llama_load:.1f} s, transformers {hf_load:.1f} s ({hf.device})")
    print(f"llama.cpp in-process: {llama_rate:.2f} answers/s")
    print(f"transformers one at a time: {hf_single:.2f} answers/s")
    print(f"transformers batched ({args.batch}): {hf_batched:.2f} answers/s")
    print(f"llama.cpp / transformers(single) = {llama_rate / hf_single:.2f}")
    print(f"llama.cpp / transformers(batched) = {llama_rate / hf_batched:.2f}")
    print(f"transformers batched / single = {hf_batched / hf_single:.2f}")


if __name__ == "__main__":
    main()
