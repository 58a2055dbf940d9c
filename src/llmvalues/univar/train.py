"""Multi-view contrastive training of a sentence encoder into a UniVaR value embedding.

Defaults are the paper's (Cahyawijaya et al., NAACL 2025, §4): temperature 0.02, lr 2e-4,
700 warm-up steps then an inverse-square-root decay, batch 64 pairs, 3 epochs. On CUDA the
step runs in bf16 autocast with gradient caching, so the batch is not limited by memory; on
CPU it runs in fp32 in one graph (``grad_cache`` overrides either choice). Views are sorted by length into micro-batches so that short views are not
padded to the longest. Several GPUs work through Hugging Face Accelerate
(``accelerate launch``), with in-batch negatives gathered across processes.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from sentence_transformers import SentenceTransformer

from llmvalues.univar.loss import Features, MultiViewInfoNCE, bucketed_backward, cached_backward
from llmvalues.univar.views import ViewSampler

STATE_FILE = "trainer_state.pt"


@dataclass
class TrainConfig:
    """Training settings; the defaults follow the UniVaR paper where it gives them."""

    lam: int = 5
    batch_pairs: int = 64
    temperature: float = 0.02
    lr: float = 2e-4
    warmup_steps: int = 700
    weight_decay: float = 0.01
    epochs: float = 3.0
    max_steps: int | None = None
    max_length: int | None = None
    chunk_size: int | None = None
    grad_cache: bool | None = None
    precision: str = "auto"
    seed: int = 0
    save_every: int = 0
    log_every: int = 10

    def __post_init__(self) -> None:
        checks = {
            "lam": self.lam >= 1,
            "batch_pairs": self.batch_pairs >= 2,
            "temperature": self.temperature > 0,
            "lr": self.lr > 0,
            "warmup_steps": self.warmup_steps >= 0,
            "epochs": self.epochs > 0,
            "max_steps": self.max_steps is None or self.max_steps >= 1,
            "chunk_size": self.chunk_size is None or self.chunk_size >= 1,
            "precision": self.precision in ("auto", "bf16", "fp32"),
        }
        bad = [k for k, ok in checks.items() if not ok]
        if bad:
            raise ValueError(f"invalid TrainConfig setting(s) {bad}: {asdict(self)}")


def lr_lambda(warmup_steps: int) -> Callable[[int], float]:
    """Linear warm-up to 1, then inverse-square-root decay (``sqrt(warmup / step)``)."""

    def factor(step: int) -> float:
        step = step + 1
        if warmup_steps and step < warmup_steps:
            return step / warmup_steps
        return math.sqrt(max(warmup_steps, 1) / step)

    return factor


@dataclass
class TrainResult:
    """What a run did: steps, losses, views per second, and the settings used."""

    steps: int
    losses: list[float]
    views_per_second: float
    config: dict
    precision: str
    resumed_from: int = 0
    history: list[dict] = field(default_factory=list)
    step_seconds: list[float] = field(default_factory=list)


def default_max_length(model: SentenceTransformer, lam: int) -> int:
    """256 tokens for single-QA views, 1024 for λ > 1 (the paper), capped by the model."""
    wanted = 256 if lam == 1 else 1024
    limit = getattr(model[0].auto_model.config, "max_position_embeddings", wanted)
    return min(wanted, int(limit))


class UniVaRTrainer:
    """Fits a sentence-transformers model with :class:`MultiViewInfoNCE` on sampled views."""

    def __init__(self, model: SentenceTransformer, config: TrainConfig | None = None):
        self.model = model
        self.config = config or TrainConfig()
        self.loss = MultiViewInfoNCE(self.config.temperature)

    def _accelerator(self):
        from accelerate import Accelerator

        cuda = torch.cuda.is_available() and next(self.model.parameters()).device.type != "cpu"
        precision = self.config.precision
        if precision == "auto":
            precision = "bf16" if cuda else "fp32"
        if precision == "bf16" and not cuda:
            raise ValueError("bf16 training needs a CUDA device; use precision='fp32' on CPU")
        accel = Accelerator(mixed_precision="bf16" if precision == "bf16" else "no", cpu=not cuda)
        return accel, precision

    def chunks(self, texts: list[str], max_length: int, device: torch.device):
        """Tokenised micro-batches of views sorted by length, and each row's batch position."""
        size = self.config.chunk_size or (64 if device.type == "cuda" else 16)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        tokenizer = self.model.tokenizer
        chunks = []
        for start in range(0, len(order), size):
            part = [texts[i] for i in order[start : start + size]]
            enc = tokenizer(
                part, padding=True, truncation=True, max_length=max_length, return_tensors="pt"
            )
            chunks.append({k: v.to(device) for k, v in enc.items()})
        return chunks, torch.tensor(order, device=device)

    def train(
        self,
        sampler: ViewSampler,
        output_dir: str | Path | None = None,
        resume: bool = True,
    ) -> TrainResult:
        """Train; with ``output_dir``, save checkpoints there and resume from the latest one."""
        cfg = self.config
        if sampler.lam != cfg.lam:
            raise ValueError(f"sampler has λ={sampler.lam} but the config says lam={cfg.lam}")
        accel, precision = self._accelerator()
        max_length = cfg.max_length or default_max_length(self.model, cfg.lam)
        self.model.max_seq_length = max_length
        total = cfg.max_steps or math.ceil(cfg.epochs * sampler.steps_per_epoch(cfg.batch_pairs))
        optimizer = torch.optim.AdamW(
            self.model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay
        )
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda(cfg.warmup_steps))
        model, optimizer, scheduler = accel.prepare(self.model, optimizer, scheduler)
        start = 0
        out = Path(output_dir) if output_dir is not None else None
        if out is not None and resume and (out / STATE_FILE).is_file():
            start = self._load_state(out, accel, optimizer, scheduler)
        model.train()
        device = accel.device
        rank, world = accel.process_index, accel.num_processes

        def embed(features: Features) -> torch.Tensor:
            return model(dict(features))["sentence_embedding"]

        gather = accel.gather if world > 1 else None
        use_cache = cfg.grad_cache if cfg.grad_cache is not None else device.type == "cuda"
        losses, history = [], []
        views = 0
        began = time.perf_counter()
        step_seconds = []
        for step in range(start, total):
            tick = time.perf_counter()
            batch = sampler.batch(step * world + rank, cfg.batch_pairs)
            torch.manual_seed(cfg.seed * 1_000_003 + step * world + rank)
            chunks, order = self.chunks(batch.texts, max_length, device)
            labels = torch.as_tensor(batch.labels, device=device)
            if world > 1:
                labels = accel.gather(labels)
            loss_fn = self._scaled_loss(world)
            if use_cache:
                loss = cached_backward(
                    embed,
                    chunks,
                    order,
                    labels,
                    loss_fn,
                    gather=gather,
                    no_sync=lambda: accel.no_sync(model),
                    autocast=accel.autocast,
                )
            else:
                loss = bucketed_backward(
                    embed, chunks, order, labels, loss_fn, gather=gather, autocast=accel.autocast
                )
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            views += len(batch.texts) * world
            step_seconds.append(time.perf_counter() - tick)
            value = float(loss) / world
            losses.append(value)
            if cfg.log_every and (step + 1) % cfg.log_every == 0:
                history.append({"step": step + 1, "loss": value, "lr": scheduler.get_last_lr()[0]})
            if out is not None and cfg.save_every and (step + 1) % cfg.save_every == 0:
                self._save(out, accel, model, optimizer, scheduler, step + 1)
        elapsed = time.perf_counter() - began
        self.model = accel.unwrap_model(model)
        self.model.eval()
        if out is not None and total > start:
            self._save(out, accel, model, optimizer, scheduler, total)
        return TrainResult(
            steps=total,
            losses=losses,
            views_per_second=views / elapsed if elapsed > 0 and views else 0.0,
            config=asdict(cfg) | {"max_length": max_length, "grad_cache": use_cache},
            precision=precision,
            resumed_from=start,
            history=history,
            step_seconds=step_seconds,
        )

    def _scaled_loss(self, world: int) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
        """The loss times the number of processes (DDP averages gradients over processes)."""

        def loss_fn(emb: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
            return self.loss(emb, labels) * world

        return loss_fn

    def _save(self, out: Path, accel, model, optimizer, scheduler, step: int) -> None:
        """Write the model (sentence-transformers format) and optimiser state for resuming."""
        accel.wait_for_everyone()
        if not accel.is_main_process:
            return
        out.mkdir(parents=True, exist_ok=True)
        accel.unwrap_model(model).save(str(out))
        state = {
            "step": step,
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "config": asdict(self.config),
        }
        torch.save(state, out / STATE_FILE)
        (out / "univar_config.json").write_text(json.dumps(state["config"] | {"step": step}))

    def _load_state(self, out: Path, accel, optimizer, scheduler) -> int:
        """Restore weights, optimiser and schedule from ``out``; return the step reached."""
        from safetensors.torch import load_file

        state = torch.load(out / STATE_FILE, map_location="cpu", weights_only=False)
        saved = {k: v for k, v in state["config"].items() if k not in ("max_steps", "save_every")}
        now = {k: v for k, v in asdict(self.config).items() if k in saved}
        if saved != now:
            diff = {k: (saved[k], now[k]) for k in saved if saved[k] != now.get(k)}
            raise ValueError(
                f"checkpoint in {out} was made with other settings (saved, now): {diff}"
            )
        weights = out / "model.safetensors"
        if not weights.is_file():
            raise FileNotFoundError(f"checkpoint state found but no model weights at {weights}")
        inner = accel.unwrap_model(self.model)[0].auto_model
        missing, unexpected = inner.load_state_dict(load_file(str(weights)), strict=False)
        if unexpected or [m for m in missing if "position_ids" not in m]:
            raise ValueError(f"checkpoint weights do not match the model: {missing} {unexpected}")
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        return int(state["step"])


def train_univar(
    model: SentenceTransformer,
    sampler: ViewSampler,
    config: TrainConfig | None = None,
    output_dir: str | Path | None = None,
) -> tuple[SentenceTransformer, TrainResult]:
    """Train ``model`` on ``sampler``'s views; return the trained model and the run's record."""
    trainer = UniVaRTrainer(model, config)
    result = trainer.train(sampler, output_dir)
    return trainer.model, result


def loss_curve(result: TrainResult) -> np.ndarray:
    """The per-step losses of a run as an array (for plots and checks)."""
    return np.asarray(result.losses, dtype=float)
