"""UniVaR's released checkpoints ``CAiRE/UniVaR-lambda-{1,5,20,80}``, loaded at a pinned commit.

Local encoders load with :func:`llmvalues.embeddings.load_encoder`; this module adds the
published ones, which live on the Hugging Face hub and run code from it
(``trust_remote_code=True``). That code is fetched at an exact commit, never at a branch
that its authors (or anyone who takes over the repository) could change.
"""

from __future__ import annotations

import os
import re
from typing import Any

from llmvalues.embeddings import EncoderError, pick_device

__all__ = ["PUBLISHED", "REVISIONS", "load_published"]

PUBLISHED = {lam: f"CAiRE/UniVaR-lambda-{lam}" for lam in (1, 5, 20, 80)}
#: λ → the commit of ``PUBLISHED[λ]`` that :func:`load_published` fetches by default. Only
#: commits that someone has read (weights and remote code) belong here; a checkpoint
#: without one needs ``revision=`` (a full commit hash) from the caller.
REVISIONS: dict[int, str] = {}
_COMMIT = re.compile(r"[0-9a-f]{40}")


def load_published(lam: int = 5, *, revision: str | None = None, device: str | None = None) -> Any:
    """Load the released ``CAiRE/UniVaR-lambda-{lam}`` checkpoint at a pinned commit.

    Parameters
    ----------
    lam
        λ of the checkpoint: 1, 5, 20 or 80.
    revision
        The full 40-character commit hash to fetch; None uses ``REVISIONS[lam]``. Branch
        and tag names are refused: the checkpoint runs remote code, which a branch can
        change under you.
    device
        Torch device; None picks CUDA when available, else CPU.

    Returns
    -------
    sentence_transformers.SentenceTransformer
        The encoder.

    Raises
    ------
    ValueError
        For a λ without a checkpoint or a revision that is not a commit hash.
    EncoderError
        When no commit is pinned, ``HF_HUB_OFFLINE`` is set, or the hub cannot be reached.
    """
    if lam not in PUBLISHED:
        raise ValueError(
            f"published UniVaR checkpoints exist for λ in {sorted(PUBLISHED)}, got {lam}"
        )
    name = PUBLISHED[lam]
    revision = revision if revision is not None else REVISIONS.get(lam)
    if revision is None:
        raise EncoderError(
            f"no commit of {name} is pinned in llmvalues: pass revision='<40-hex commit hash>' "
            f"of a commit you have checked (https://huggingface.co/{name}/commits/main); the "
            "checkpoint runs remote code, so it is never loaded from a branch"
        )
    if not _COMMIT.fullmatch(revision):
        raise ValueError(
            f"revision must be a full 40-character commit hash, got {revision!r}: branches and "
            "tags can change the remote code the checkpoint runs"
        )
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes"):
        raise EncoderError(
            f"cannot load {name}: HF_HUB_OFFLINE is set; unset it with network access, or pass "
            "a local copy of the checkpoint to llmvalues.embeddings.load_encoder()"
        )
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(
            name, revision=revision, device=pick_device(device), trust_remote_code=True
        )
    except Exception as exc:  # network, DNS, unknown commit, remote code: the hub failed us
        why = " ".join(str(exc).split())  # one line
        raise EncoderError(
            f"cannot load {name} at revision {revision} from the Hugging Face hub "
            f"({type(exc).__name__}: {why}); it needs network access and trust_remote_code; "
            "download it elsewhere and use llmvalues.embeddings.load_encoder(path)"
        ) from exc
