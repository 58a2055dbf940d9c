"""UniVaR throughput: training views/s and embedding texts/s, against stock sentence-transformers.

Both training loops get the same model (the offline MiniLM), the same view pairs, batch size,
maximum length, learning rate and temperature, in the same process; the first (warm-up) step
is not timed. The stock loop is ``SentenceTransformerTrainer`` with
``MultipleNegativesRankingLoss`` (scale = 1 / temperature), which pads each batch to its
longest view. Model FLOPs utilisation (6 × parameters × real tokens per second over the GPU's
dense bf16 peak) is printed on CUDA only.

    .venv/bin/python benchmarks/bench_univar.py [--pairs 16 --lam 5 --max-length 256 --steps 4]
"""

from __future__ import annotations

import argparse
import copy
import os
import time

import numpy as np
import pandas as pd
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from llmvalues.embeddings import embed, load_encoder
from llmvalues.univar.bank import VALUE, load_bank
from llmvalues.univar.train import TrainConfig, UniVaRTrainer
from llmvalues.univar.views import ViewSampler

# dense bf16 peak of common GPUs, FLOP/s (vendor data sheets, without sparsity)
BF16_PEAK = {"H100": 989e12, "H200": 989e12, "A100": 312e12, "L4": 121e12, "A10": 125e12}


def benchmark_qa(n_identities: int = 8, n_questions: int = 40, seed: int = 0) -> pd.DataFrame:
    """QA rows of realistic length: bank questions answered with 1-4 other bank statements."""
    bank = load_bank()
    questions = bank.select(VALUE, n=n_questions, paraphrases=[0], seed=seed)
    statements = [q.text for q in bank.select(VALUE, paraphrases=[1])]
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_identities):
        for q in questions:
            parts = rng.choice(statements, size=rng.integers(1, 5), replace=False)
            rows.append(
                {
                    "identity": f"bench|{i}",
                    "qid": q.qid,
                    "question": q.text,
                    "answer": " ".join(parts),
                }
            )
    return pd.DataFrame(rows)


def ours(model, sampler: ViewSampler, args) -> tuple[float, int]:
    """Views per second of the llmvalues trainer (first step not timed), and real tokens/view."""
    config = TrainConfig(
        lam=args.lam,
        batch_pairs=args.pairs,
        max_steps=args.steps + 1,
        warmup_steps=1,
        max_length=args.max_length,
        chunk_size=args.chunk_size,
    )
    result = UniVaRTrainer(model, config).train(sampler)
    views = 2 * args.pairs * args.steps
    return views / sum(result.step_seconds[1:]), _tokens(model, sampler, args)


def _tokens(model, sampler: ViewSampler, args) -> int:
    """Mean real (unpadded) tokens per view over the timed batches."""
    lengths = []
    for step in range(1, args.steps + 1):
        enc = model.tokenizer(
            sampler.batch(step, args.pairs).texts, truncation=True, max_length=args.max_length
        )
        lengths += [len(ids) for ids in enc["input_ids"]]
    return int(np.mean(lengths))


def stock(model, sampler: ViewSampler, args) -> float:
    """Views per second of SentenceTransformerTrainer + MultipleNegativesRankingLoss."""
    from datasets import Dataset
    from sentence_transformers import (
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
    )
    from sentence_transformers.sentence_transformer import losses
    from transformers import TrainerCallback

    anchors, positives = [], []
    for step in range(args.steps + 1):
        texts = sampler.batch(step, args.pairs).texts
        anchors += texts[0::2]
        positives += texts[1::2]
    data = Dataset.from_dict({"anchor": anchors, "positive": positives})
    times: list[float] = []

    class Clock(TrainerCallback):
        def on_step_begin(self, *a, **k):
            times.append(time.perf_counter())

        def on_step_end(self, *a, **k):
            times[-1] = time.perf_counter() - times[-1]

    model.max_seq_length = args.max_length
    targs = SentenceTransformerTrainingArguments(
        output_dir=args.tmp,
        per_device_train_batch_size=args.pairs,
        max_steps=args.steps + 1,
        learning_rate=2e-4,
        warmup_steps=1,
        report_to="none",
        save_strategy="no",
        logging_strategy="no",
        dataloader_drop_last=True,
        seed=0,
        use_cpu=args.device == "cpu",
        bf16=args.device == "cuda",
        disable_tqdm=True,
    )
    loss = losses.MultipleNegativesRankingLoss(model, scale=1 / 0.02)
    SentenceTransformerTrainer(
        model=model, args=targs, train_dataset=data, loss=loss, callbacks=[Clock()]
    ).train()
    return 2 * args.pairs * args.steps / sum(times[1:])


def embedding(model, texts: list[str], args) -> tuple[float, float]:
    """Texts per second: llmvalues ``embed`` and stock ``model.encode`` (second run timed)."""
    rates = []
    for fn in (
        lambda: embed(model, texts, batch_size=64, max_length=args.max_length),
        lambda: model.encode(
            texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False
        ),
    ):
        model.max_seq_length = args.max_length
        fn()
        tick = time.perf_counter()
        fn()
        rates.append(len(texts) / (time.perf_counter() - tick))
    return rates[0], rates[1]


def main() -> None:
    """Run both comparisons and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=16)
    parser.add_argument("--lam", type=int, default=5)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--chunk-size", type=int, default=None)
    parser.add_argument("--embed-texts", type=int, default=256)
    parser.add_argument("--tmp", default="/tmp/bench_univar")
    args = parser.parse_args()
    args.device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(0)
    base = load_encoder(device=args.device)
    sampler = ViewSampler(benchmark_qa(), lam=args.lam, seed=0)
    print(
        f"device {args.device}, threads {torch.get_num_threads()}, pairs {args.pairs}, "
        f"λ {args.lam}, max_length {args.max_length}, timed steps {args.steps}"
    )
    ours_rate, tokens = ours(copy.deepcopy(base), sampler, args)
    stock_rate = stock(copy.deepcopy(base), sampler, args)
    print(
        f"training  ours {ours_rate:8.2f} views/s   stock ST trainer {stock_rate:8.2f} views/s   "
        f"ratio {ours_rate / stock_rate:.2f}x   ({tokens} real tokens/view)"
    )
    if args.device == "cuda":
        name = torch.cuda.get_device_name()
        peak = next((v for k, v in BF16_PEAK.items() if k in name), None)
        params = sum(p.numel() for p in base.parameters())
        if peak:
            mfu = 6 * params * tokens * ours_rate / peak
            print(f"MFU (6·N·tokens/s over {name} bf16 peak {peak / 1e12:.0f} TFLOP/s): {mfu:.2%}")
    else:
        print("MFU: not measured (no GPU; CPUs have no bf16 matrix peak to compare with)")
    texts = [t for b in range(8) for t in sampler.batch(100 + b, 16).texts][: args.embed_texts]
    mine, theirs = embedding(base, texts, args)
    print(
        f"embedding ours {mine:8.2f} texts/s   stock model.encode {theirs:8.2f} texts/s   "
        f"ratio {mine / theirs:.2f}x"
    )


if __name__ == "__main__":
    main()
