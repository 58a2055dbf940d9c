"""Collect the parser corpus: the bundled models' free-text replies to the ten IVS items.

Run once (not part of the test suite; about 40 min on a shared 2-core machine)::

    PYTHONPATH=src nice -n 10 python tests/instruments/data/collect_corpus.py

Asks every item under the project's own 40 respondent descriptors through the store
(free text, no grammar, temperature 0): SmolLM2-135M-Instruct in the chat format with each
of the three wordings (the item's own and its two paraphrases) and the default 256 tokens;
Gemma 3 270M (a base model, which never stops on its own) in the completion format with
the item's own wording and 64 tokens (at temperature 0 the first 64 tokens of its
256-token reply; on a shared 2-core machine the full length took over 30 s a reply).
Writes ``reply_corpus.csv`` beside this file; the store (``parser_corpus.sqlite`` in the
working directory, ignored by git) makes reruns resume. The hand labels are kept apart,
in ``reply_labels.csv`` (by ``prompt_id``), so collecting again never overwrites them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from llmvalues.collect import Store, collect, ivs_plan, make_backend

HERE = Path(__file__).parent
# (model, format, paraphrased wordings, sampling beyond the project's defaults)
RUNS = (
    ("smollm2", "chat", True, {}),
    ("gemma3", "completion", False, {"max_tokens": 64}),
)
COLUMNS = ["item", "model", "variant", "prompt_id", "format", "wording", "reply", "finish_reason"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default="parser_corpus.sqlite")
    parser.add_argument("--out", default=str(HERE / "reply_corpus.csv"))
    args = parser.parse_args()
    frames = []
    with Store(args.store) as store:
        for name, fmt, paraphrased, sampling in RUNS:
            backend = make_backend("llamacpp", name)
            plan = ivs_plan(
                backend.model,
                descriptor_set="llmvalues",
                fmt=fmt,
                paraphrased=paraphrased,
                sampling=sampling,
                logprobs=False,
            )
            print(collect(plan, backend, store))
            finals = store.finals(plan.keys)
            attrs = pd.json_normalize(finals["attrs"].map(json.loads).tolist())
            frames.append(
                pd.DataFrame(
                    {
                        "item": finals["item"],
                        "model": finals["model"],
                        "variant": finals["variant"],
                        "prompt_id": finals["cell_key"],
                        "format": attrs["format"],
                        "wording": attrs["wording"],
                        "reply": finals["raw"].fillna(""),
                        "finish_reason": finals["finish_reason"].fillna(""),
                    }
                )
            )
    corpus = pd.concat(frames, ignore_index=True)[COLUMNS]
    corpus.to_csv(args.out, index=False)
    print(f"wrote {len(corpus)} replies to {args.out}")


if __name__ == "__main__":
    main()
