"""Backends: OpenAI-compatible HTTP, llama.cpp in-process, transformers local."""

from __future__ import annotations

from typing import Any

from llmvalues.collect.backends.base import (
    Backend,
    BackendError,
    Distribution,
    Reply,
    Request,
)

BACKENDS = ("llamacpp", "transformers", "openai")


def make_backend(kind: str = "llamacpp", model: str | None = None, **options: Any) -> Backend:
    """Build a backend by name; ``model`` is a bundled name, a file/directory or a served id."""
    if kind == "llamacpp":
        from llmvalues.collect.backends.llamacpp import LlamaCppBackend

        return LlamaCppBackend(model or "smollm2", **options)
    if kind == "transformers":
        from llmvalues.collect.backends.hf import TransformersBackend

        return TransformersBackend(model or "smollm2", **options)
    if kind == "openai":
        from llmvalues.collect.backends.openai_http import OpenAIBackend

        if not model:
            raise ValueError("the openai backend needs a model id (as the server names it)")
        return OpenAIBackend(model, **options)
    raise ValueError(f"unknown backend {kind!r}; available: {list(BACKENDS)}")


__all__ = [
    "BACKENDS",
    "Backend",
    "BackendError",
    "Distribution",
    "Reply",
    "Request",
    "make_backend",
]
