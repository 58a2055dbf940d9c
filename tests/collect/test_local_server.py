"""Servers on loopback started and stopped around a run (no model needed)."""

from __future__ import annotations

import sys
import urllib.request

import pytest

from llmvalues.collect.backends.local_server import (
    LLAMA_SERVER_ENV,
    LocalServer,
    find_llama_server,
    free_port,
    llama_server,
)


def test_a_server_is_ready_inside_the_block_and_gone_after(tmp_path):
    (tmp_path / "health").write_text("fine")
    port = free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    with LocalServer([*command, "--directory", str(tmp_path)], port, "m") as server:
        assert server.base_url == f"http://127.0.0.1:{port}/v1"
        with urllib.request.urlopen(server.root + "/health") as reply:
            assert reply.read() == b"fine"
        pid = server.pid
        assert pid is not None
    assert server.pid is None
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)


def test_a_server_that_dies_at_start_says_what_it_printed():
    command = [sys.executable, "-c", "import sys; print('no such model file'); sys.exit(3)"]
    with pytest.raises(RuntimeError, match=r"exited while starting:\n.*no such model file"):
        LocalServer(command, free_port(), "m", timeout=30).start()


def test_a_missing_llama_server_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv(LLAMA_SERVER_ENV, str(tmp_path / "absent"))
    assert find_llama_server([tmp_path]) is None
    with pytest.raises(FileNotFoundError, match=r"build it with benchmarks/build_llama_server\.sh"):
        llama_server()
    built = tmp_path / ".cache" / "llama-server" / "bin" / "llama-server"
    built.parent.mkdir(parents=True)
    built.write_text("")
    monkeypatch.delenv(LLAMA_SERVER_ENV)
    assert find_llama_server([tmp_path]) == built
