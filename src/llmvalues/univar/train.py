"""Multi-view contrastive training of a sentence encoder into a UniVaR value embedding.

Defaults are the paper's (Cahyawijaya et al., NAACL 2025, §4): temperature 0.02, lr 2e-4,
700 warm-up steps then an inverse-square-root decay, batch 64 pairs, 3 epochs. On CUDA the
step runs in bf16 autocast with gradient caching, so the batch is not limited by memory; on
CPU it runs in fp32 in one graph (``grad_cache`` overrides either choice). Views are sorted by length into micro-batches so that short views are not
padded to the longest. Several GPUs work through Hugging Face Accelerate
(``accelerate launch``), with in-batch negatives gathered across processes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sentence_transformers import SentenceTransformer

from llmvalues.summary import Summary
from llmvalues.univar.checkpoint import (
    STATE_FILE,
    CheckpointError,
    load_optimizer_state,
    read_state,
    refuse_pickles,
    save_state,
)
from llmvalues.univar.loss import Features, MultiViewInfoNCE, bucketed_backward, cached_backward
from llmvalues.univar.views import ViewSampler


@dataclass
class TrainConfig:
    """Training settings; the defaults follow the UniVaR paper where it gives them.

    Parameters
    ----------
    lam
        λ, the most QA pairs in one view (views hold 1..λ pairs).
    batch_pairs
        Positive pairs of views per step (the batch has twice as many views).
    temperature
        InfoNCE temperature.
    lr, warmup_steps, weight_decay
        AdamW learning rate, linear warm-up steps (then inverse-square-root decay), weight
        decay.
    epochs
        Passes over the QAs (sets the number of steps unless ``max_steps`` is given).
    max_steps
        Stop after this many steps.
    max_length
        Token limit of a view; None: 256 for λ = 1, else 1024 (capped by the model).
    chunk_size
        Views per micro-batch (default 64 on CUDA, 16 on CPU).
    grad_cache
        Gradient caching on or off; None: on for CUDA only.
    precision
        ``"auto"`` (bf16 on CUDA, fp32 on CPU), ``"bf16"`` or ``"fp32"``.
    seed
        Seed of the view sampling and of each step's dropout.
    save_every
        Checkpoint every this many steps (0: only at the end) when training into a folder.
    log_every
        Record the loss and learning rate in ``history`` every this many steps.
    """

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
    """Linear warm-up to 1, then inverse-square-root decay (``sqrt(warmup / step)``).

    Parameters
    ----------
    warmup_steps
        Steps of the linear warm-up.

    Returns
    -------
    callable
        Step (0-based) → factor on the base learning rate, for ``LambdaLR``.
    """

    def factor(step: int) -> float:
        step = step + 1
        if warmup_steps and step < warmup_steps:
            return step / warmup_steps
        return math.sqrt(max(warmup_steps, 1) / step)

    return factor


@dataclass
class TrainResult:
    """What a run did: steps, losses, views per second, and the settings used.

    Parameters
    ----------
    steps
        The step the run ended at (counting steps of a resumed checkpoint).
    losses
        Loss of every step this run made.
    views_per_second
        Training throughput of this run.
    config
        The settings (``TrainConfig`` as a dict, with the resolved ``max_length`` and
        ``grad_cache``).
    precision
        ``"bf16"`` or ``"fp32"``.
    resumed_from
        The checkpoint step this run started from (0 for a fresh run).
    history
        ``{"step", "loss", "lr"}`` every ``log_every`` steps.
    step_seconds
        Wall-clock seconds of every step this run made.
    """

    steps: int
    losses: list[float]
    views_per_second: float
    config: dict
    precision: str
    resumed_from: int = 0
    history: list[dict] = field(default_factory=list)
    step_seconds: list[float] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """One row per step of this run.

        Returns
        -------
        pandas.DataFrame
            ``step`` (1-based, counting from the checkpoint), ``loss``, ``seconds`` and
            ``lr`` (NaN on steps not in ``history``).
        """
        steps = range(self.resumed_from + 1, self.resumed_from + len(self.losses) + 1)
        seconds = list(self.step_seconds) + [np.nan] * (len(self.losses) - len(self.step_seconds))
        lr = {h["step"]: h["lr"] for h in self.history}
        return pd.DataFrame(
            {
                "step": list(steps),
                "loss": self.losses,
                "seconds": seconds[: len(self.losses)],
                "lr": [lr.get(k, np.nan) for k in steps],
            }
        )

    def summary(self) -> Summary:
        """The run in brief: steps, first and last loss, throughput, settings.

        Returns
        -------
        llmvalues.summary.Summary
            Tables ``Losses`` (first, last, lowest) and ``Settings``.
        """
        losses = pd.DataFrame(
            {
                "loss": [
                    self.losses[0] if self.losses else np.nan,
                    self.losses[-1] if self.losses else np.nan,
                    min(self.losses) if self.losses else np.nan,
                ]
            },
            index=pd.Index(["first", "last", "lowest"], name="step"),
        )
        info = {
            "steps": self.steps,
            "resumed from": self.resumed_from,
            "precision": self.precision,
            "views per second": self.views_per_second,
        }
        return Summary(
            "UniVaR training run",
            {"Losses": losses, "Settings": Summary.facts(self.config)},
            info=info,
        )

    def to_dict(self) -> dict:
        """The record as plain data (JSON-ready).

        Returns
        -------
        dict
            Every field.
        """
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TrainResult:
        """The record back from :meth:`to_dict`.

        Parameters
        ----------
        data
            The dict.

        Returns
        -------
        TrainResult
        """
        return cls(**data)


def default_max_length(model: SentenceTransformer, lam: int) -> int:
    """256 tokens for single-QA views, 1024 for λ > 1 (the paper), capped by the model.

    Parameters
    ----------
    model
        The encoder.
    lam
        λ of the views.

    Returns
    -------
    int
        The token limit of a view.
    """
    wanted = 256 if lam == 1 else 1024
    limit = getattr(model[0].auto_model.config, "max_position_embeddings", wanted)
    return min(wanted, int(limit))


class UniVaRTrainer:
    """Fits a sentence-transformers model with :class:`MultiViewInfoNCE` on sampled views.

    Parameters
    ----------
    model
        The encoder to train (changed in place; pass a copy to keep the original).
    config
        Training settings (default :class:`TrainConfig`).
    """

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
        """Tokenised micro-batches of views sorted by length, and each row's batch position.

        Parameters
        ----------
        texts
            The views of one batch.
        max_length
            Token limit.
        device
            Where the tensors go.

        Returns
        -------
        tuple
            (list of tokenised micro-batches, tensor of the batch position of each row).
        """
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
        """Train; with ``output_dir``, save checkpoints there and resume from the latest one.

        Parameters
        ----------
        sampler
            The views to train on (its λ must equal the config's).
        output_dir
            Checkpoint folder: the encoder (safetensors), ``optimizer.safetensors`` and
            ``trainer_state.json`` are written there every ``save_every`` steps and at the end.
        resume
            Continue from the checkpoint in ``output_dir`` when there is one.

        Returns
        -------
        TrainResult
            The record of this run (the trained encoder is ``self.model``).

        Raises
        ------
        CheckpointError
            When ``output_dir`` holds a pickle-format file or a damaged checkpoint; nothing
            in it is unpickled.
        ValueError
            When the checkpoint was made with other settings.
        """
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
        if out is not None and resume and out.is_dir():
            refuse_pickles(out)
            if (out / STATE_FILE).is_file():
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
        """Write the model (sentence-transformers' safetensors) and the training state."""
        accel.wait_for_everyone()
        if not accel.is_main_process:
            return
        out.mkdir(parents=True, exist_ok=True)
        accel.unwrap_model(model).save(str(out))
        save_state(out, step, asdict(self.config), optimizer, scheduler)

    def _load_state(self, out: Path, accel, optimizer, scheduler) -> int:
        """Restore weights, optimiser and schedule from ``out``; return the step reached."""
        from safetensors.torch import load_file

        record = read_state(out)
        saved = {k: v for k, v in record["config"].items() if k not in ("max_steps", "save_every")}
        now = {k: v for k, v in asdict(self.config).items() if k in saved}
        if saved != now:
            diff = {k: (saved[k], now[k]) for k in saved if saved[k] != now.get(k)}
            raise ValueError(
                f"checkpoint in {out} was made with other settings (saved, now): {diff}"
            )
        weights = out / "model.safetensors"
        if not weights.is_file():
            raise CheckpointError(f"checkpoint state found but no model weights at {weights}")
        inner = accel.unwrap_model(self.model)[0].auto_model
        missing, unexpected = inner.load_state_dict(load_file(str(weights)), strict=False)
        if unexpected or [m for m in missing if "position_ids" not in m]:
            raise ValueError(f"checkpoint weights do not match the model: {missing} {unexpected}")
        load_optimizer_state(out, record, optimizer, scheduler)
        return int(record["step"])


def train_univar(
    model: SentenceTransformer,
    sampler: ViewSampler,
    config: TrainConfig | None = None,
    output_dir: str | Path | None = None,
) -> tuple[SentenceTransformer, TrainResult]:
    """Train ``model`` on ``sampler``'s views; return the trained model and the run's record.

    Parameters
    ----------
    model
        The encoder to train (changed in place).
    sampler
        The views.
    config
        Training settings (default :class:`TrainConfig`).
    output_dir
        Checkpoint folder (resumed when it holds a checkpoint).

    Returns
    -------
    tuple
        (the trained ``SentenceTransformer``, :class:`TrainResult`).
    """
    trainer = UniVaRTrainer(model, config)
    result = trainer.train(sampler, output_dir)
    return trainer.model, result
