"""The backend contract: one request in, one reply out, errors that say whether to retry."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

SAMPLING_KEYS = ("temperature", "top_p", "max_tokens", "seed", "stop")
DEFAULT_SAMPLING: dict[str, Any] = {"temperature": 0.0, "top_p": 1.0, "max_tokens": 256}


@dataclass(frozen=True)
class Request:
    """What to ask: chat ``messages`` or a plain completion ``prompt``, and how to sample.

    ``options`` lists answer labels (e.g. "1".."10", "A".."C") whose next-token
    probabilities the backend should report when it can. ``grammar`` (GBNF) constrains
    the reply to a format (forced choice); backends that cannot constrain refuse it.
    """

    messages: tuple[dict[str, str], ...] | None = None
    prompt: str | None = None
    sampling: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_SAMPLING))
    options: tuple[str, ...] = ()
    grammar: str | None = None

    def __post_init__(self) -> None:
        if (self.messages is None) == (self.prompt is None):
            raise ValueError(
                "a Request needs exactly one of messages (chat) or prompt (completion)"
            )
        unknown = set(self.sampling) - set(SAMPLING_KEYS)
        if unknown:
            raise ValueError(
                f"unknown sampling setting(s) {sorted(unknown)}; known: {SAMPLING_KEYS}"
            )
        for message in self.messages or ():
            if set(message) != {"role", "content"} or message["role"] not in (
                "system",
                "user",
                "assistant",
            ):
                raise ValueError(f"malformed chat message {message!r}: need role and content")

    @property
    def fmt(self) -> str:
        """The prompt format: ``"chat"`` (messages) or ``"completion"`` (a prompt)."""
        return "chat" if self.messages is not None else "completion"

    def payload(self) -> str:
        """The full prompt as stored: JSON of the messages, or the completion text."""
        if self.messages is not None:
            return json.dumps(list(self.messages), ensure_ascii=False)
        return self.prompt or ""


@dataclass(frozen=True)
class Distribution:
    """Probabilities of the answer options from next-token log-probs, and the mass outside."""

    probs: dict[str, float]
    outside: float
    method: str

    def to_json(self) -> str:
        return json.dumps({"probs": self.probs, "outside": self.outside, "method": self.method})


@dataclass(frozen=True)
class Reply:
    """What came back: the raw text, the model that answered, tokens used and timing."""

    text: str
    model: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str | None = None
    distribution: Distribution | None = None


class BackendError(Exception):
    """A call that failed; ``retryable``: asking again may help; ``fatal``: stop the whole run."""

    def __init__(
        self,
        message: str,
        retryable: bool,
        retry_after: float | None = None,
        fatal: bool = False,
    ):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        self.fatal = fatal


@runtime_checkable
class Backend(Protocol):
    """Anything that answers a :class:`Request`; add your own by implementing these members."""

    name: str  # backend kind, e.g. "llamacpp"
    model: str  # model id as recorded in the store
    max_concurrency: int  # how many calls it serves in parallel usefully
    rate_limit: float | None  # requests per second, None for unlimited

    async def generate(self, request: Request) -> Reply:
        """Answer one request or raise :class:`BackendError`."""
        ...

    def describe(self) -> dict[str, Any]:
        """Settings worth recording (never secrets)."""
        ...

    async def aclose(self) -> None:
        """Release what is bound to the running event loop (connections, workers).

        The runner calls it at the end of every run; the backend stays usable.
        """
        ...
