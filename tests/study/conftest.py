"""Fixtures of the study tests: a scripted OpenAI-compatible server on loopback."""

from __future__ import annotations

import pytest

from llmvalues.collect.backends import make_backend
from tests.collect.fault_server import FaultServer
from tests.study.respondent import respondent


@pytest.fixture
def survey_server():
    """Yield a function ``start(fixed=None)`` → (server, openai backend on it)."""
    servers = []

    def start(fixed: dict[str, str] | None = None, model: str = "scripted-model"):
        server = FaultServer(answer=respondent(fixed)).__enter__()
        servers.append(server)
        backend = make_backend("openai", model, base_url=server.base_url, api_key_env="LLMV_NO_KEY")
        return server, backend

    yield start
    for server in servers:
        server.__exit__(None, None, None)
