"""A local OpenAI-compatible server that injects faults on a script (for runner tests).

Each request to ``/v1/chat/completions`` takes the next action from the script; when the
script is exhausted it answers normally (``answer``: a fixed text, or a function of the
request's JSON payload). Actions: ``ok``, ``429:<seconds>`` (with
Retry-After), ``500``, ``503``, ``slow:<seconds>``, ``drop`` (close without a reply),
``garbage`` (malformed JSON), ``nochoices`` (valid JSON without choices), ``401``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FaultServer:
    """Start with ``with FaultServer(script, answer="7") as server: server.base_url``."""

    def __init__(
        self,
        script: list[str] | None = None,
        answer: str | Callable[[dict], str] = "7",
        key: str | None = None,
    ):
        self.script = list(script or [])
        self.answer = answer
        self.key = key
        self.log: list[dict] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def reply(self, payload: dict) -> str:
        """The answer text: fixed, or computed from the request by a callable ``answer``."""
        return self.answer(payload) if callable(self.answer) else self.answer

    def next_action(self) -> str:
        with self._lock:
            return self.script.pop(0) if self.script else "ok"

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                return

            def _send(self, status: int, body: bytes, headers: dict | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length) or b"{}")
                action = server.next_action()
                with server._lock:
                    server.log.append(
                        {
                            "time": time.monotonic(),
                            "action": action,
                            "auth": self.headers.get("Authorization", ""),
                            "payload": payload,
                        }
                    )
                if server.key is not None and self.headers.get("Authorization") != (
                    f"Bearer {server.key}"
                ):
                    action = "401"
                if action.startswith("429"):
                    wait = action.split(":")[1] if ":" in action else "1"
                    error = {"error": {"message": "rate limited", "type": "rate_limit"}}
                    self._send(429, json.dumps(error).encode(), {"Retry-After": wait})
                    return
                if action in ("500", "503"):
                    self._send(int(action), b'{"error": {"message": "server error"}}')
                    return
                if action == "401":
                    self._send(401, b'{"error": {"message": "invalid api key"}}')
                    return
                if action.startswith("slow"):
                    time.sleep(float(action.split(":")[1]))
                if action == "drop":
                    self.close_connection = True
                    self.connection.close()
                    return
                if action == "garbage":
                    self._send(200, b'{"id": "x", "choices": [ {"message": ')
                    return
                if action == "nochoices":
                    self._send(200, b'{"id": "x", "object": "chat.completion", "choices": []}')
                    return
                body = {
                    "id": "chatcmpl-test",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": payload.get("model", "fault-model"),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": server.reply(payload)},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11},
                }
                self._send(200, json.dumps(body).encode())

        return Handler
