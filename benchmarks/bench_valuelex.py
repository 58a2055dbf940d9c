"""Time each ValueLex stage on a 10-model × 50-respondent plan, and embedding/clustering of 10k terms.

Plan building, lexicon, matrix, structure, clustering and reliability run at full size on
simulated replies and ratings of the same shape. Collection with the offline model
(SmolLM2-135M-Instruct, llama.cpp) is timed on a sample of real calls and projected to the
full plan (calls are serial on one model, so time scales with the number of calls).

    .venv/bin/python benchmarks/bench_valuelex.py            # full
    .venv/bin/python benchmarks/bench_valuelex.py --quick    # small sizes, fewer calls
"""

from __future__ import annotations

import argparse
import re
import time
from contextlib import contextmanager

import numpy as np
import pandas as pd

from llmvalues.embeddings import default_encoder_path, embed, load_encoder
from llmvalues.valuelex.cluster import cluster_terms
from llmvalues.valuelex.elicit import elicitation_plan
from llmvalues.valuelex.lexicon import build_lexicon
from llmvalues.valuelex.ratings import rating_matrix, rating_plan
from llmvalues.valuelex.reliability import dimension_reliability
from llmvalues.valuelex.resources import load_personas, load_prompts
from llmvalues.valuelex.respondents import make_respondents
from llmvalues.valuelex.simulate import simulate_study
from llmvalues.valuelex.structure import fit_structure

TIMES: dict[str, float] = {}


@contextmanager
def timed(name: str):
    start = time.perf_counter()
    yield
    TIMES[name] = time.perf_counter() - start
    print(f"{name:<48s} {TIMES[name]:9.2f} s", flush=True)


def plans(n_models: int, n_per_model: int, n_terms: int):
    personas = load_personas()
    samples = n_per_model // len(personas)
    people = {m: make_respondents(f"model{m}", personas, samples) for m in range(n_models)}
    terms = [f"term{i}" for i in range(n_terms)]
    with timed(f"plan: elicitation ({n_models}×{n_per_model} resp. × 3 prompts)"):
        e_cells = sum(len(elicitation_plan("m", p, load_prompts())) for p in people.values())
    with timed(f"plan: ratings ({n_models}×{n_per_model} resp. × {n_terms} terms)"):
        r_cells = sum(len(rating_plan("m", p, terms)) for p in people.values())
    return e_cells, r_cells


def collection_sample(n_elicit: int, n_rate: int) -> tuple[float, float]:
    """Seconds per call with the bundled model for elicitation and rating cells."""
    import tempfile

    from llmvalues.collect.backends.llamacpp import LlamaCppBackend
    from llmvalues.collect.runner import collect
    from llmvalues.collect.store import Store

    backend = LlamaCppBackend("smollm2")
    people = make_respondents("smollm2", load_personas(), 10)
    with tempfile.TemporaryDirectory() as tmp, Store(f"{tmp}/bench.sqlite") as store:
        plan = elicitation_plan(backend.model, people, load_prompts(), prompts_per_respondent=1)
        plan.cells[:] = plan.cells[:n_elicit]
        with timed(f"collect: {n_elicit} elicitation calls (SmolLM2, llama.cpp)"):
            collect(plan, backend, store, progress=False)
        per_elicit = TIMES[f"collect: {n_elicit} elicitation calls (SmolLM2, llama.cpp)"] / n_elicit
        terms = ["honest", "helpful", "kind", "accurate", "fair", "creative"]
        plan = rating_plan(backend.model, people, terms)
        plan.cells[:] = plan.cells[:n_rate]
        with timed(f"collect: {n_rate} rating calls (with log-probs)"):
            collect(plan, backend, store, progress=False)
        per_rate = TIMES[f"collect: {n_rate} rating calls (with log-probs)"] / n_rate
    return per_elicit, per_rate


def analysis(n_respondents: int, n_models: int) -> None:
    study = simulate_study(n_respondents=n_respondents, n_models=n_models, seed=1)
    replies = pd.concat([study.replies] * 3, ignore_index=True)  # 3 prompts per respondent
    replies["respondent"] = (
        replies["respondent"] + "_" + (replies.index // n_respondents).astype(str)
    )
    with timed(f"lexicon: {len(replies)} replies"):
        lex = build_lexicon(replies)
    print(f"    {lex.summary()}")
    with timed(f"matrix: {n_respondents} × {lex.terms['kept'].sum()} ratings"):
        matrix = rating_matrix(study.ratings)
    with timed("structure: parallel analysis (100 draws) + EFA oblimin"):
        structure = fit_structure(matrix.data)
    with timed("reliability: alpha, omega, split-half (300 bootstrap draws)"):
        dimension_reliability(matrix.data, structure.table, n_boot=300)


def vocabulary(n: int) -> list[str]:
    """``n`` distinct real words from the MiniLM tokenizer vocabulary (alphabetic, ≥ 4 letters)."""
    words = (default_encoder_path() / "vocab.txt").read_text("utf-8").split("\n")
    words = [w for w in words if re.fullmatch(r"[a-z]{4,}", w)]
    if len(words) < n:
        raise SystemExit(f"only {len(words)} vocabulary words available, asked for {n}")
    return words[:n]


def embedding_and_clustering(n_terms: int) -> None:
    terms = vocabulary(n_terms)
    with timed("encoder: load all-MiniLM-L6-v2 (offline)"):
        encoder = load_encoder()
    with timed(f"embed: {n_terms} terms"):
        vectors = embed(encoder, terms, batch_size=256)
    for method in ("average", "ward"):
        with timed(f"cluster: {n_terms} terms, {method} linkage"):
            clusters = cluster_terms(terms, vectors, 6, method)
    sizes = clusters.labels.value_counts().tolist()
    print(f"    ward cluster sizes: {sizes}")
    ratio = (
        TIMES[f"cluster: {n_terms} terms, ward linkage"]
        / TIMES[f"cluster: {n_terms} terms, average linkage"]
    )
    print(f"    ward / average time ratio: {ratio:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    parser.add_argument("--no-model", action="store_true", help="skip the real collection sample")
    args = parser.parse_args()
    n_models, n_per_model = 10, 50
    n_terms = 2000 if args.quick else 10_000
    n_terms_rated = 30
    print(f"ValueLex stages: {n_models} models × {n_per_model} respondents, {n_terms_rated} terms")
    e_cells, r_cells = plans(n_models, n_per_model, n_terms_rated)
    print(f"    cells: {e_cells} elicitation, {r_cells} rating")
    if not args.no_model:
        per_e, per_r = collection_sample(*((4, 8) if args.quick else (20, 40)))
        print(f"    per call: elicitation {per_e:.2f} s, rating {per_r:.2f} s")
        print(
            f"    projected serial collection of the full plan: elicitation "
            f"{per_e * e_cells / 3600:.2f} h, ratings {per_r * r_cells / 3600:.2f} h"
        )
    analysis(n_models * n_per_model, n_models)
    embedding_and_clustering(n_terms)
    np.set_printoptions(precision=3)


if __name__ == "__main__":
    main()
