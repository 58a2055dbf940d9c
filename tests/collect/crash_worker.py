"""Collect a small plan from the bundled model into a store (killed and restarted by a test)."""

from __future__ import annotations

import sys

from llmvalues.collect import Store, collect, ivs_plan, make_backend
from llmvalues.instruments.variants import descriptors


def crash_plan(model: str):
    """12 descriptors × 2 items, short replies: 24 cells."""
    return ivs_plan(
        model,
        descriptor_set=descriptors("all")[:12],
        items=["f063", "e025"],
        sampling={"max_tokens": 6},
        logprobs=False,
    )


def main(store_path: str) -> int:
    backend = make_backend("llamacpp", "smollm2")
    with Store(store_path) as store:
        summary = collect(crash_plan(backend.model), backend, store, progress=False)
    print(f"asked={summary.asked} skipped={summary.skipped}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
