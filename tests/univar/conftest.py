"""Shared fixtures of the UniVaR tests: the offline encoder, loaded once per test session."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest


@pytest.fixture(scope="session")
def base_encoder():
    """The offline MiniLM, loaded once; never train this instance (use ``fresh_encoder``)."""
    pytest.importorskip("sentence_transformers")
    from llmvalues.embeddings import load_encoder

    return load_encoder(device="cpu")


@pytest.fixture
def fresh_encoder(base_encoder) -> Callable:
    """A factory of trainable copies of the base encoder."""
    return lambda: copy.deepcopy(base_encoder)
