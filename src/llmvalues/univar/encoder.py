"""Base encoders: any local sentence-transformers model, the offline MiniLM, UniVaR's checkpoints.

Embeddings are mean-pooled by the model's own pooling module and L2-normalised, as in UniVaR.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import torch
from sentence_transformers import SentenceTransformer

from llmvalues.embeddings import EncoderError, load_encoder, pick_device

__all__ = ["PUBLISHED", "EncoderError", "embed", "load_encoder", "load_published", "pick_device"]

PUBLISHED = {lam: f"CAiRE/UniVaR-lambda-{lam}" for lam in (1, 5, 20, 80)}


def load_published(lam: int = 5, device: str | None = None) -> SentenceTransformer:
    """Load the released ``CAiRE/UniVaR-lambda-{lam}`` checkpoint from the Hugging Face hub."""
    if lam not in PUBLISHED:
        raise ValueError(
            f"published UniVaR checkpoints exist for λ in {sorted(PUBLISHED)}, got {lam}"
        )
    name = PUBLISHED[lam]
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes"):
        raise EncoderError(
            f"cannot load {name}: HF_HUB_OFFLINE is set; unset it with network access, or pass "
            "a local copy of the checkpoint to load_encoder()"
        )
    try:
        return SentenceTransformer(name, device=pick_device(device), trust_remote_code=True)
    except Exception as exc:  # network, DNS, missing remote code: all mean "hub not reachable"
        raise EncoderError(
            f"cannot load {name} from the Hugging Face hub ({type(exc).__name__}: {exc}); it needs "
            "network access and trust_remote_code; download it elsewhere and use load_encoder(path)"
        ) from exc


def embed(
    model: SentenceTransformer,
    texts: Sequence[str],
    batch_size: int = 64,
    max_length: int | None = None,
) -> np.ndarray:
    """L2-normalised embeddings of ``texts`` (float32), bf16 autocast on CUDA."""
    if len(texts) == 0:
        raise ValueError("no texts to embed")
    old = model.max_seq_length
    if max_length is not None:
        model.max_seq_length = int(max_length)
    device = next(model.parameters()).device
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda")
    try:
        with autocast:
            out = model.encode(
                list(texts),
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
    finally:
        model.max_seq_length = old
    return np.asarray(out, dtype=np.float32)
