"""Shared, cached models for the UniVaR tests (loaded once per test process)."""

from __future__ import annotations

import copy
import functools


@functools.cache
def base_encoder():
    """The offline MiniLM, loaded once; never train this instance (use :func:`fresh_encoder`)."""
    from llmvalues.univar.encoder import load_encoder

    return load_encoder(device="cpu")


def fresh_encoder():
    """A trainable copy of the base encoder."""
    return copy.deepcopy(base_encoder())
