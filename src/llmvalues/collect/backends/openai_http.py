"""OpenAI-compatible HTTP backend (OpenAI, vLLM, llama.cpp server, Ollama, hosted APIs).

Uses the official ``openai`` client with its own retries switched off (the runner retries
with backoff and honours Retry-After). The API key is read from the environment and kept
only inside the client: it is never recorded, logged or put into an error message.
"""

from __future__ import annotations

import asyncio
import math
import os
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from llmvalues.collect.backends.base import BackendError, Distribution, Reply, Request
from llmvalues.collect.options import from_logprobs, option_distribution

DEFAULT_KEY_ENV = "OPENAI_API_KEY"
DEFAULT_BASE_ENV = "OPENAI_BASE_URL"


def _scrub(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text


def _retry_after(headers: Any) -> float | None:
    value = headers.get("retry-after") if headers is not None else None
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            return None


class OpenAIBackend:
    """Chat or completion calls to an OpenAI-compatible server; top log-probs when offered."""

    name = "openai"

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key_env: str = DEFAULT_KEY_ENV,
        timeout: float = 60.0,
        max_concurrency: int = 8,
        rate_limit: float | None = None,
        logprobs: bool = True,
        top_logprobs: int = 20,
    ):
        import openai

        self._openai = openai
        self.model = model
        self.base_url = base_url or os.environ.get(DEFAULT_BASE_ENV) or "https://api.openai.com/v1"
        self.api_key_env = api_key_env
        self._key = os.environ.get(api_key_env)
        if not self._key:
            local = self.base_url.startswith(("http://127.", "http://localhost", "http://[::1]"))
            if not local:
                raise BackendError(
                    f"no API key: set the environment variable {api_key_env} for {self.base_url}",
                    retryable=False,
                    fatal=True,
                )
            self._key = "unused-local"
        self.timeout = timeout
        self.max_concurrency = max_concurrency
        self.rate_limit = rate_limit
        self.logprobs = logprobs
        self.top_logprobs = top_logprobs
        self._clients: dict[int, Any] = {}

    @property
    def _client(self) -> Any:
        """One client per event loop (a connection pool cannot outlive its loop)."""
        loop = id(asyncio.get_running_loop())
        if loop not in self._clients:
            self._clients[loop] = self._openai.AsyncOpenAI(
                api_key=self._key, base_url=self.base_url, timeout=self.timeout, max_retries=0
            )
        return self._clients[loop]

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "model": self.model,
            "base_url": self.base_url,
            "api_key_env": self.api_key_env,
            "timeout": self.timeout,
            "max_concurrency": self.max_concurrency,
            "rate_limit": self.rate_limit,
            "logprobs": self.logprobs,
        }

    def _error(self, exc: Exception) -> BackendError:
        o = self._openai
        message = _scrub(f"{type(exc).__name__}: {exc}", self._key)
        if isinstance(exc, o.AuthenticationError | o.PermissionDeniedError):
            return BackendError(
                f"the server refused the credentials from ${self.api_key_env} "
                f"({getattr(exc, 'status_code', '?')})",
                retryable=False,
                fatal=True,
            )
        if isinstance(exc, o.NotFoundError):
            return BackendError(
                f"not found at {self.base_url} (model {self.model!r}?): {message}",
                retryable=False,
                fatal=True,
            )
        if isinstance(exc, o.APIStatusError):
            status = exc.status_code
            retryable = status in (408, 409, 425, 429) or status >= 500
            return BackendError(
                f"HTTP {status}: {message}", retryable, _retry_after(exc.response.headers)
            )
        if isinstance(exc, o.APITimeoutError):
            return BackendError(f"timed out after {self.timeout} s", retryable=True)
        if isinstance(exc, o.APIConnectionError):
            return BackendError(f"cannot reach {self.base_url}: {message}", retryable=True)
        return BackendError(f"malformed reply from {self.base_url}: {message}", retryable=True)

    async def generate(self, request: Request) -> Reply:
        want = bool(self.logprobs and request.options)
        sampling = {k: v for k, v in request.sampling.items() if v is not None}
        if request.grammar is not None:  # llama.cpp server's extension; others reject it
            sampling["extra_body"] = {"grammar": request.grammar}
        try:
            if request.messages is not None:
                extra = {"logprobs": True, "top_logprobs": self.top_logprobs} if want else {}
                response = await self._client.chat.completions.create(
                    model=self.model, messages=list(request.messages), **sampling, **extra
                )
            else:
                extra = {"logprobs": min(self.top_logprobs, 5)} if want else {}
                response = await self._client.completions.create(
                    model=self.model, prompt=request.prompt, **sampling, **extra
                )
        except self._openai.OpenAIError as exc:
            raise self._error(exc) from None
        except (ValueError, TypeError, KeyError) as exc:
            raise BackendError(
                f"malformed reply from {self.base_url}: {_scrub(str(exc), self._key)}",
                retryable=True,
            ) from None
        return self._reply(response, request, want)

    def _reply(self, response: Any, request: Request, want: bool) -> Reply:
        choices = getattr(response, "choices", None)
        if not choices:
            raise BackendError(f"reply from {self.base_url} has no choices", retryable=True)
        choice = choices[0]
        if request.messages is not None:
            message = getattr(choice, "message", None)
            text = getattr(message, "content", None)
        else:
            text = getattr(choice, "text", None)
        if not isinstance(text, str):
            raise BackendError(f"reply from {self.base_url} carries no text", retryable=True)
        usage = getattr(response, "usage", None)
        distribution = self._distribution(choice, request) if want else None
        return Reply(
            text=text,
            model=getattr(response, "model", None) or self.model,
            prompt_tokens=getattr(usage, "prompt_tokens", None),
            completion_tokens=getattr(usage, "completion_tokens", None),
            finish_reason=getattr(choice, "finish_reason", None),
            distribution=distribution,
        )

    def _distribution(self, choice: Any, request: Request) -> Distribution | None:
        """Option probabilities from the first token's top log-probs (None if not offered)."""
        logprobs = getattr(choice, "logprobs", None)
        if logprobs is None:
            return None
        if request.messages is not None:
            content = getattr(logprobs, "content", None) or []
            steps = [
                ([(t.token, t.logprob) for t in (p.top_logprobs or [])], p.token) for p in content
            ]
        else:
            tops = getattr(logprobs, "top_logprobs", None) or []
            tokens = getattr(logprobs, "tokens", None) or []
            steps = [
                (list((top or {}).items()), tok) for top, tok in zip(tops, tokens, strict=False)
            ]
        if not steps or not steps[0][0]:
            return None
        lead = 1.0  # probability of the whitespace tokens the reply starts with
        while len(steps) > 1 and not steps[0][1].strip():
            lead *= from_logprobs(steps[0][0]).get("", 0.0)
            steps = steps[1:]
        first = from_logprobs(steps[0][0])
        sampled = [tok.lstrip() for _, tok in steps]

        def continuation(path: tuple[str, ...]):
            depth = len(path)
            if depth >= len(steps) or list(path) != sampled[:depth]:
                return None
            return {t: math.exp(lp) for t, lp in steps[depth][0]}

        found = option_distribution(
            first, request.options, continuation, f"top-{len(steps[0][0])} log-probs of the reply"
        )
        probs = {k: lead * v for k, v in found.probs.items()}
        return Distribution(probs, max(0.0, 1.0 - sum(probs.values())), found.method)

    async def aclose(self) -> None:
        client = self._clients.pop(id(asyncio.get_running_loop()), None)
        if client is not None:
            await client.close()
