"""Retry policy (exponential backoff with jitter, Retry-After honoured) and a rate limiter."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait before asking again after a retryable failure."""

    max_retries: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 120.0

    def delay(self, retry: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before retry number ``retry`` (1-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        ceiling = min(self.max_delay, self.base_delay * 2 ** (retry - 1))
        return rng.uniform(ceiling / 2, ceiling)


class RateLimiter:
    """At most ``rate`` starts per second (a spaced token bucket with no burst)."""

    def __init__(self, rate: float | None):
        if rate is not None and rate <= 0:
            raise ValueError(f"rate limit must be positive requests/second, got {rate}")
        self.interval = 0.0 if rate is None else 1.0 / rate
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        if not self.interval:
            return
        async with self._lock:
            moment = time.monotonic()
            start = max(moment, self._next)
            self._next = start + self.interval
        await asyncio.sleep(start - moment)
