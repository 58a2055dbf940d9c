"""UniVaR on two offline models × eight personas: collect, train, evaluate, map.

Run from the repository root (resumes: answers live in the SQLite store):

    .venv/bin/python examples/univar_personas.py --out out/univar_personas

Collection asks SmolLM2-135M-Instruct (chat) and Gemma 3 270M (base, completion prompts) the
same value and control questions as eight persona identities each (``--stage collect`` stops
there). Then the offline MiniLM is fine-tuned with multi-view InfoNCE on the value QAs of the
training questions; the trained and the base encoder are compared (k-NN, linear probe) on
held-out questions, for value and control QAs, overall and per model; t-SNE/UMAP maps and the
persona centroid distance table are written. Results go to ``{out}/results.json`` and
``{out}/run/``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd

PERSONAS = [
    "us_progressive",
    "us_evangelical",
    "saudi_traditional",
    "sweden_secular",
    "china_official",
    "nigeria_pastor",
    "brazil_student",
    "russia_veteran",
]
MODELS = {"smollm2": 64, "gemma3": 48}  # model → max_tokens of an answer


def collect(out: Path, n_value: int, n_control: int, models: list[str]) -> pd.DataFrame:
    """Ask both models, as every persona, the value and control questions; return the QA table."""
    from llmvalues.collect.backends.llamacpp import LlamaCppBackend
    from llmvalues.collect.store import Store
    from llmvalues.univar.bank import CONTROL, VALUE, load_bank
    from llmvalues.univar.collection import collect_qa, persona_identities

    bank = load_bank()
    questions = bank.select(VALUE, n=n_value, paraphrases=[0], seed=0) + bank.select(
        CONTROL, n=n_control, paraphrases=[0], seed=0
    )
    identities = persona_identities(PERSONAS)
    frames = []
    with Store(out / "answers.sqlite") as store:
        for name in models:
            max_tokens = MODELS[name]
            backend = LlamaCppBackend(name, n_threads=1)
            started = time.perf_counter()
            frames.append(
                collect_qa(
                    backend,
                    questions,
                    identities,
                    store,
                    sampling={"temperature": 0.0, "max_tokens": max_tokens},
                    progress=True,
                )
            )
            print(f"{name}: {time.perf_counter() - started:.0f} s")
    qa = pd.concat(frames, ignore_index=True)
    qa.to_csv(out / "qa.csv", index=False)
    return qa


def per_model_scores(qa: pd.DataFrame, encoders: dict) -> pd.DataFrame:
    """Scores on value QAs with each model's identities as the only classes."""
    from llmvalues.univar.evaluate import compare_encoders
    from llmvalues.univar.qa import split_qa

    train, test = split_qa(qa[qa["kind"] == "value"], test_size=0.25, seed=0)
    splits = {
        m: (train[train["model"] == m], test[test["model"] == m]) for m in qa["model"].unique()
    }
    return compare_encoders(encoders, splits, k=50)


def main() -> None:
    """Parse arguments and run the requested stages."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out/univar_personas"))
    parser.add_argument("--stage", choices=["collect", "all"], default="all")
    parser.add_argument("--n-value", type=int, default=30)
    parser.add_argument("--n-control", type=int, default=12)
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    parser.add_argument("--lam", type=int, default=3)
    parser.add_argument("--batch-pairs", type=int, default=12)
    parser.add_argument("--steps", type=int, default=24)
    parser.add_argument("--warmup", type=int, default=6)
    parser.add_argument("--max-length", type=int, default=192)
    parser.add_argument("--holdout", nargs="*", default=[], help="models held out of training")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    qa = collect(args.out, args.n_value, args.n_control, args.models)
    print(qa.groupby(["model", "kind"]).size())
    if args.stage == "collect":
        return
    analyse(qa, args)


def analyse(qa: pd.DataFrame, args: argparse.Namespace) -> None:
    """Train on value QAs, compare with the base encoder, map, and write results.json."""
    from llmvalues.univar.evaluate import compare_encoders, value_control_gap
    from llmvalues.univar.experiment import run_experiment
    from llmvalues.univar.maps import distance_table
    from llmvalues.univar.qa import split_qa
    from llmvalues.univar.train import TrainConfig

    config = TrainConfig(
        lam=args.lam,
        batch_pairs=args.batch_pairs,
        max_steps=args.steps,
        warmup_steps=args.warmup,
        max_length=args.max_length,
    )
    holdout = [m for m in qa["model"].unique() if any(h in m for h in args.holdout)]
    started = time.perf_counter()
    result = run_experiment(
        qa,
        config,
        out_dir=args.out / "run",
        test_size=0.25,
        k=50,
        holdout_models=holdout,
        map_methods=("tsne", "umap"),
        group="persona",
        n_boot=1000,
    )
    # value vs control with equal sizes: as many value questions as control questions
    value = qa[qa["kind"] == "value"]
    control = qa[qa["kind"] == "control"]
    n_control = control["qid"].nunique()
    keep = sorted(value["qid"].unique())[:n_control]
    matched = {
        "value_matched": split_qa(value[value["qid"].isin(keep)], test_size=0.25, seed=0),
        "control": split_qa(control, test_size=0.25, seed=0),
    }
    from llmvalues.embeddings import load_encoder

    encoders = {"trained": result.encoder, "base": load_encoder()}
    gaps = {}
    for k in (50, 10):
        table = compare_encoders(encoders, matched, k=k)
        table["subset"] = table["subset"].replace({"value_matched": "value"})
        gaps[f"k={k}"] = value_control_gap(table).round(4).reset_index().to_dict("records")
        gaps[f"k={k} probe@1"] = (
            value_control_gap(table, "probe_acc@1").round(4).reset_index().to_dict("records")
        )
    per_model = per_model_scores(qa, encoders)
    summary = {
        "scores": result.scores.round(4).to_dict("records"),
        "gap": result.gap.round(4).reset_index().to_dict("records"),
        "training": {k: v for k, v in result.training.to_dict().items() if k != "step_seconds"},
        "per_model": per_model.round(4).to_dict("records"),
        "matched_gap": gaps,
        "n_qas": len(qa),
        "identities": sorted(qa["identity"].unique()),
        "seconds": time.perf_counter() - started,
    }
    (args.out / "results.json").write_text(json.dumps(summary, indent=2, default=str))
    print(result.summary())
    print(json.dumps(gaps, indent=1))
    print(per_model.round(3).to_string(index=False))
    print(distance_table(result.distances).to_string())
    from llmvalues.plots import save_figure

    for method in result.maps:
        save_figure(result.plot(method=method), args.out / "run" / f"map_{method}")


if __name__ == "__main__":
    main()
