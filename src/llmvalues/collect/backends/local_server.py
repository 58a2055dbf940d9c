"""OpenAI-compatible servers on loopback, started for a run and stopped after.

``llama_server`` runs llama.cpp's own ``llama-server`` (continuous batching over
``--parallel`` slots; build it with ``benchmarks/build_llama_server.sh``);
``llama_cpp_server`` runs llama-cpp-python's ``llama_cpp.server`` (one request at a
time). Collect from either with ``make_backend("openai", server.alias,
base_url=server.base_url)``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from llmvalues.collect.backends.bundled import resolve_model

LLAMA_SERVER_ENV = "LLMVALUES_LLAMA_SERVER"
# where benchmarks/build_llama_server.sh puts the binary, relative to the checkout
LLAMA_SERVER_CACHE = Path(".cache") / "llama-server" / "bin" / "llama-server"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def default_threads() -> int:
    """Half the cores (at least one): a pool as large as a shared machine spins at barriers."""
    return max(1, (os.cpu_count() or 2) // 2)


def find_llama_server(roots: Sequence[str | Path] = ()) -> Path | None:
    """The ``llama-server`` binary: ``$LLMVALUES_LLAMA_SERVER``, the build cache under one of
    ``roots`` (checkouts), or ``llama-server`` on the PATH; None when there is none."""
    named = os.environ.get(LLAMA_SERVER_ENV)
    if named:
        return Path(named) if Path(named).is_file() else None
    for root in roots:
        built = Path(root) / LLAMA_SERVER_CACHE
        if built.is_file():
            return built
    found = shutil.which("llama-server")
    return Path(found) if found else None


class LocalServer:
    """A server process on 127.0.0.1: started on ``with`` (ready once ``ready`` answers 200),
    stopped on leaving it. Its output goes to a temporary log quoted when start-up fails."""

    def __init__(
        self,
        command: Sequence[str],
        port: int,
        alias: str,
        *,
        ready: str = "/health",
        timeout: float = 180.0,
    ):
        self.command = [str(c) for c in command]
        self.port = port
        self.alias = alias
        self.ready = ready
        self.timeout = timeout
        self._process: subprocess.Popen | None = None
        self._log = None

    @property
    def root(self) -> str:
        """The server's address without the ``/v1`` of its OpenAI-compatible routes."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root}/v1"

    @property
    def pid(self) -> int | None:
        """The running server's process id (None before start and after stop)."""
        return None if self._process is None else self._process.pid

    def log_tail(self, chars: int = 2000) -> str:
        if self._log is None:
            return ""
        self._log.flush()
        return Path(self._log.name).read_text(errors="replace")[-chars:]

    def start(self) -> LocalServer:
        # the log lives as long as the process, closed (and deleted) by stop()
        self._log = tempfile.NamedTemporaryFile("w+", prefix="llmvalues-server-", suffix=".log")  # noqa: SIM115
        self._process = subprocess.Popen(
            self.command, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                tail = self.log_tail()
                self.stop()
                raise RuntimeError(f"{self.command[0]} exited while starting:\n{tail}")
            try:
                with urllib.request.urlopen(self.root + self.ready, timeout=2) as reply:
                    if reply.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass  # not listening yet, or 503 while the model loads
            time.sleep(0.2)
        tail = self.log_tail()
        self.stop()
        raise RuntimeError(f"{self.command[0]} not ready after {self.timeout:.0f} s:\n{tail}")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def llama_server(
    model: str = "smollm2",
    *,
    binary: str | Path | None = None,
    parallel: int = 4,
    ctx_per_slot: int = 2048,
    threads: int | None = None,
    alias: str | None = None,
    extra: Sequence[str] = (),
) -> LocalServer:
    """llama.cpp's ``llama-server`` for a bundled model name or GGUF path, ``parallel``
    slots of ``ctx_per_slot`` tokens each, with its ``/metrics`` and ``/slots`` routes on.

    ``binary`` defaults to :func:`find_llama_server` with the current directory as the
    checkout (where ``benchmarks/build_llama_server.sh`` builds it)."""
    found = Path(binary) if binary else find_llama_server([Path.cwd()])
    if found is None or not found.is_file():
        raise FileNotFoundError(
            "llama-server not found: build it with benchmarks/build_llama_server.sh and set "
            f"${LLAMA_SERVER_ENV} to the path it prints"
        )
    path, model_id = resolve_model(model)
    n = default_threads() if threads is None else threads
    port = free_port()
    command = [
        found, "--model", path, "--alias", alias or model_id,
        "--host", "127.0.0.1", "--port", str(port),
        "--parallel", str(parallel), "--ctx-size", str(parallel * ctx_per_slot),
        "--threads", str(n), "--threads-batch", str(n),
        "--metrics", "--slots", "--no-webui", *extra,
    ]  # fmt: skip
    return LocalServer(command, port, alias or model_id)


def llama_cpp_server(
    model: str = "smollm2", *, threads: int | None = None, alias: str | None = None
) -> LocalServer:
    """llama-cpp-python's ``llama_cpp.server`` (answers one request at a time), with the
    logits of every position kept so that replies carry log-probs."""
    path, model_id = resolve_model(model)
    n = str(default_threads() if threads is None else threads)
    port = free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", path,
        "--model_alias", alias or model_id, "--host", "127.0.0.1", "--port", str(port),
        "--logits_all", "true", "--n_threads", n, "--n_threads_batch", n,
    ]  # fmt: skip
    return LocalServer(command, port, alias or model_id, ready="/v1/models")
