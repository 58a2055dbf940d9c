"""Collect the parser corpus: the bundled models' free-text replies to the ten IVS items.

Run once (not part of the test suite)::

    PYTHONPATH=src nice -n 10 python tests/instruments/data/collect_corpus.py
    PYTHONPATH=src nice -n 10 python tests/instruments/data/collect_corpus.py --languages zh,es

English (about 40 min on a shared 2-core machine): every item under the project's own 40
respondent descriptors through the store (free text, no grammar, temperature 0):
SmolLM2-135M-Instruct in the chat format with each of the three wordings (the item's own
and its two paraphrases) and the default 256 tokens; Gemma 3 270M (a base model, which
never stops on its own) in the completion format with the item's own wording and 64 tokens
(at temperature 0 the first 64 tokens of its 256-token reply; on a shared 2-core machine
the full length took over 30 s a reply). Writes ``reply_corpus.csv``.

Other languages (``--languages``; about 12 min a language): SmolLM2 in the chat format,
the item's own wording in that language, every fourth of the project's 40 descriptors in
that language (10), at temperature 0 and at 0.7 (a recorded seed per cell), 256 tokens.
Writes ``reply_corpus.<language>.csv``.

The store (``parser_corpus.sqlite`` in the working directory, ignored by git) makes reruns
resume. The hand labels are kept apart, in ``reply_labels.csv`` and
``reply_labels.<language>.csv`` (by ``prompt_id``), so collecting again never overwrites
them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from llmvalues.collect import Store, collect, ivs_plan, make_backend
from llmvalues.instruments.perturbations import parse_languages
from llmvalues.instruments.variants import descriptors

HERE = Path(__file__).parent
# (model, format, paraphrased wordings, sampling beyond the project's defaults)
RUNS = (
    ("smollm2", "chat", True, {}),
    ("gemma3", "completion", False, {"max_tokens": 64}),
)
TEMPERATURES = (0.0, 0.7)
COLUMNS = [
    "item",
    "model",
    "variant",
    "prompt_id",
    "format",
    "wording",
    "temperature",
    "reply",
    "finish_reason",
]


def _rows(store: Store, plan) -> pd.DataFrame:
    finals = store.finals(plan.keys)
    attrs = pd.json_normalize(finals["attrs"].map(json.loads).tolist())
    sampling = finals["sampling"].map(json.loads)
    return pd.DataFrame(
        {
            "item": finals["item"],
            "model": finals["model"],
            "variant": finals["variant"],
            "prompt_id": finals["cell_key"],
            "format": attrs["format"],
            "wording": attrs["wording"],
            "temperature": sampling.map(lambda s: float(s.get("temperature", 0))),
            "reply": finals["raw"].fillna(""),
            "finish_reason": finals["finish_reason"].fillna(""),
        }
    )


def english(store: Store) -> pd.DataFrame:
    frames = []
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
        frames.append(_rows(store, plan))
    return pd.concat(frames, ignore_index=True)


def language(store: Store, lang: str) -> pd.DataFrame:
    backend = make_backend("llamacpp", "smollm2")
    chosen = descriptors("llmvalues", lang)[::4]
    frames = []
    for temperature in TEMPERATURES:
        plan = ivs_plan(
            backend.model,
            descriptor_set=chosen,
            languages=[lang],
            sampling={"temperature": temperature},
            logprobs=False,
        )
        print(collect(plan, backend, store))
        frames.append(_rows(store, plan))
    return pd.concat(frames, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default="parser_corpus.sqlite")
    parser.add_argument("--languages", default="en", help="comma-separated, e.g. zh,es")
    args = parser.parse_args()
    with Store(args.store) as store:
        for lang in parse_languages(args.languages):
            corpus = english(store) if lang == "en" else language(store, lang)
            out = HERE / ("reply_corpus.csv" if lang == "en" else f"reply_corpus.{lang}.csv")
            corpus[[c for c in COLUMNS if lang != "en" or c != "temperature"]].to_csv(
                out, index=False
            )
            print(f"wrote {len(corpus)} replies to {out}")


if __name__ == "__main__":
    main()
