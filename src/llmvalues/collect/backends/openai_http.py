"""OpenAI-compatible HTTP backend (OpenAI, vLLM, llama.cpp server, Ollama, hosted APIs).

Uses the official ``openai`` client with its own retries switched off (the runner retries
with backoff and honours Retry-After). The API key is read from the environment and kept
only inside the client: it is never recorded, logged or put into an error message.

Option probabilities come from ``logprobs``/``top_logprobs`` of the reply. Forced choice (a
request with a GBNF grammar) uses the server's ``grammar`` field (llama.cpp's server,
llama-cpp-python's server) when a probe shows it is honoured, otherwise ``logit_bias`` on
the option labels' tokens (ids from the server's ``/tokenize``) with a one-token reply;
a server that offers neither stops the run with an error that says so.
"""

from __future__ import annotations

import asyncio
import math
import os
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from llmvalues.collect.backends.base import BackendError, Distribution, Reply, Request
from llmvalues.collect.options import choice_labels, from_logprobs, option_distribution

DEFAULT_KEY_ENV = "OPENAI_API_KEY"
DEFAULT_BASE_ENV = "OPENAI_BASE_URL"
FORCED_CHOICE = ("auto", "grammar", "logit_bias")
PROBE_REPLY = "zq"  # a reply no model gives unasked: only an honoured grammar forces it
PROBE_GRAMMAR = f'root ::= "{PROBE_REPLY}"'
PROBE_SAMPLING = {"temperature": 0.0, "max_tokens": 4}
FORCE_BIAS = 100.0  # added to the labels' logits: nothing else is sampled, their odds kept


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
    """Chat or completion calls to an OpenAI-compatible server; top log-probs when offered.

    ``forced_choice``: how a request's grammar is enforced — ``"grammar"`` (the server's
    GBNF field), ``"logit_bias"`` (single-token labels, one-token replies) or ``"auto"``
    (probe the server once, grammar first). ``top_logprobs`` alternatives are asked per
    token, in chat and completion mode alike (OpenAI's legacy completions allow 5).
    """

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
        forced_choice: str = "auto",
    ):
        import openai

        if forced_choice not in FORCED_CHOICE:
            raise ValueError(f"forced_choice must be one of {FORCED_CHOICE}, got {forced_choice!r}")

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
        self.forced_choice = forced_choice
        self._forcing = None if forced_choice == "auto" else forced_choice
        self._token_ids: dict[str, list[int]] = {}
        self._clients: dict[int, Any] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    @property
    def _client(self) -> Any:
        """One client per event loop (a connection pool cannot outlive its loop)."""
        loop = id(asyncio.get_running_loop())
        if loop not in self._clients:
            self._clients[loop] = self._openai.AsyncOpenAI(
                api_key=self._key, base_url=self.base_url, timeout=self.timeout, max_retries=0
            )
        return self._clients[loop]

    @property
    def _lock(self) -> asyncio.Lock:
        """One lock per event loop, so that concurrent first calls probe the server once."""
        return self._locks.setdefault(id(asyncio.get_running_loop()), asyncio.Lock())

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
            "forced_choice": self._forcing or self.forced_choice,  # what the probe found
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
        extra_body: dict[str, Any] = {}
        labels = None
        if request.grammar is not None:
            method = await self._forcing_method(request)
            if method == "none":
                raise self._no_forcing()
            if method == "grammar":
                extra_body["grammar"] = request.grammar
            else:
                labels, sampling["logit_bias"] = await self._label_bias(request.grammar)
                sampling["max_tokens"] = 1
        reply = self._reply(await self._create(request, sampling, extra_body, want), request, want)
        if labels is None:
            return reply
        if reply.text.strip() not in labels:
            raise BackendError(
                f"the server at {self.base_url} ignored logit_bias: asked for one of {labels}, "
                f"it replied {reply.text[:40]!r}; it cannot force a choice",
                retryable=False,
                fatal=True,
            )
        # the one token allowed is a whole label: the reply is complete, not cut off
        return replace(reply, finish_reason="forced")

    async def _create(
        self, request: Request, sampling: dict[str, Any], extra_body: dict[str, Any], want: bool
    ) -> Any:
        """One chat or completion call; errors mapped to :class:`BackendError`."""
        if extra_body:
            sampling = {**sampling, "extra_body": extra_body}
        try:
            if request.messages is not None:
                extra = {"logprobs": True, "top_logprobs": self.top_logprobs} if want else {}
                return await self._client.chat.completions.create(
                    model=self.model, messages=list(request.messages), **sampling, **extra
                )
            extra = {"logprobs": self.top_logprobs} if want else {}
            return await self._client.completions.create(
                model=self.model, prompt=request.prompt, **sampling, **extra
            )
        except self._openai.OpenAIError as exc:
            raise self._error(exc) from None
        except (ValueError, TypeError, KeyError) as exc:
            raise BackendError(
                f"malformed reply from {self.base_url}: {_scrub(str(exc), self._key)}",
                retryable=True,
            ) from None

    # ------------------------------------------------------------------ forced choice

    async def _forcing_method(self, request: Request) -> str:
        """The way to force a choice ("grammar", "logit_bias" or "none"), probed once."""
        if self._forcing is None:
            async with self._lock:
                if self._forcing is None:
                    self._forcing = await self._probe(request)
        return self._forcing

    async def _probe(self, request: Request) -> str:
        """Ask for a reply only a grammar can force; else check that /tokenize answers."""
        probe = Request(
            messages=request.messages, prompt=request.prompt, sampling=dict(PROBE_SAMPLING)
        )
        try:
            response = await self._create(probe, PROBE_SAMPLING, {"grammar": PROBE_GRAMMAR}, False)
            if self._reply(response, probe, False).text.strip() == PROBE_REPLY:
                return "grammar"
        except BackendError as exc:
            if exc.retryable or exc.fatal:
                raise
        try:
            await self._tokens(PROBE_REPLY)
        except BackendError as exc:
            if exc.retryable:
                raise
            return "none"
        return "logit_bias"

    def _no_forcing(self) -> BackendError:
        return BackendError(
            f"the server at {self.base_url} supports no forced choice: it ignores or rejects "
            "a GBNF 'grammar' field and has no /tokenize route for logit_bias. Collect free "
            "replies (constrained=False) or use a server that constrains (llama.cpp's "
            "llama-server, llama-cpp-python's server)",
            retryable=False,
            fatal=True,
        )

    async def _tokens(self, text: str) -> list[int]:
        """Token ids of ``text`` (no special tokens) from the server's /tokenize route."""
        if text not in self._token_ids:
            url = self.base_url.rstrip("/").removesuffix("/v1") + "/tokenize"
            body = {  # llama.cpp's server reads "content", vLLM's "prompt"
                "model": self.model,
                "content": text,
                "prompt": text,
                "add_special": False,
                "add_special_tokens": False,
            }
            try:
                out = await self._client.post(url, cast_to=object, body=body)
            except self._openai.OpenAIError as exc:
                raise self._error(exc) from None
            tokens = out.get("tokens") if isinstance(out, dict) else None
            if not isinstance(tokens, list) or not all(isinstance(t, int) for t in tokens):
                raise BackendError(f"{url} did not answer with token ids", retryable=False)
            self._token_ids[text] = tokens
        return self._token_ids[text]

    async def _label_bias(self, grammar: str) -> tuple[tuple[str, ...], dict[str, float]]:
        """The labels a choice grammar allows and the logit_bias that forces one of them."""
        labels = choice_labels(grammar)
        if labels is None:
            raise BackendError(
                "forced choice by logit_bias can only force a choice among labels "
                f'(root ::= "A" | "B"), not {grammar[:60]!r}',
                retryable=False,
            )
        bias: dict[str, float] = {}
        for label in labels:
            tokens = await self._tokens(label)
            if len(tokens) != 1:
                raise BackendError(
                    "forced choice by logit_bias needs one token per label, but the label "
                    f"{label!r} is {len(tokens)} tokens for {self.model}",
                    retryable=False,
                )
            bias[str(tokens[0])] = FORCE_BIAS
        return labels, bias

    # ------------------------------------------------------------------ replies

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
        steps = _steps(logprobs) if logprobs is not None else []
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
        loop = id(asyncio.get_running_loop())
        self._locks.pop(loop, None)
        client = self._clients.pop(loop, None)
        if client is not None:
            await client.close()


def _field(obj: Any, key: str) -> Any:
    """A field of a typed reply object or of a plain dict (fields the client does not know)."""
    return obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)


def _steps(logprobs: Any) -> list[tuple[list[tuple[str, float]], str]]:
    """(top (token, log-prob) pairs, sampled token) per reply token.

    Reads the chat format (``content``: one entry per token, also what llama.cpp's server
    returns for completions) and the legacy completion format (``tokens``, ``top_logprobs``).
    """
    content = _field(logprobs, "content")
    if content:
        return [
            (
                [
                    (_field(t, "token"), _field(t, "logprob"))
                    for t in _field(p, "top_logprobs") or []
                ],
                _field(p, "token"),
            )
            for p in content
        ]
    tops = _field(logprobs, "top_logprobs") or []
    tokens = _field(logprobs, "tokens") or []
    return [(list((top or {}).items()), tok) for top, tok in zip(tops, tokens, strict=False)]
