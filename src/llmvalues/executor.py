"""Many independent tasks through one interface: joblib here, its Dask backend on a cluster.

Calibration studies, bootstrap replicates and other batches of independent fits call
:func:`parallel_map`. It runs on joblib: worker processes on this machine by default, or
the workers of a Dask cluster when given a ``distributed.Client`` (``pip install
'llmvalues[cluster]'``)::

    from distributed import Client

    client = Client("tcp://scheduler:8786")  # or Client(LocalCluster(...))
    study = calibration_study(200, n_jobs=-1, client=client)  # -1: every worker

A caller's own ``joblib.parallel_config(backend="dask")`` block works as well. No cluster
code lives here: scheduling, retries and data movement are Dask's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import Any


def _backend(client: Any = None) -> contextlib.AbstractContextManager:
    """joblib's Dask backend on ``client``, or the active joblib backend when it is None."""
    if client is None:
        return contextlib.nullcontext()
    from joblib import parallel_config

    return parallel_config(backend="dask", client=client)


def workers(n_jobs: int | None = 1, client: Any = None) -> int:
    """How many tasks run at once for ``n_jobs`` (on ``client``'s cluster when given).

    Parameters
    ----------
    n_jobs
        As for :func:`parallel_map` (``-1``: every CPU here, or every worker thread of
        the Dask cluster).
    client
        A ``distributed.Client``, or None for the active joblib backend.

    Returns
    -------
    int
        Use it to split work into that many chunks (e.g. one compiled model per chunk).
    """
    from joblib import effective_n_jobs

    with _backend(client):
        return max(1, int(effective_n_jobs(n_jobs)))


def parallel_map(
    function: Callable[..., Any],
    arguments: Iterable[tuple],
    n_jobs: int | None = 1,
    client: Any = None,
) -> list[Any]:
    """``[function(*args) for args in arguments]``, the calls spread over workers.

    Parameters
    ----------
    function
        A module-level function (it is pickled to the workers).
    arguments
        One tuple of positional arguments per call.
    n_jobs
        Calls at once: ``1`` runs them here, one after another; ``-1`` every worker of
        the backend (loky processes on this machine, or the Dask cluster's workers);
        ``None`` the active ``joblib.parallel_config``'s ``n_jobs`` (1 outside one).
    client
        A ``distributed.Client``: run the calls on its cluster through joblib's Dask
        backend. None (default): the active joblib backend (local processes unless the
        caller set another with ``joblib.parallel_config``).

    Returns
    -------
    list
        The results, in the order of ``arguments``.
    """
    from joblib import Parallel, delayed

    with _backend(client):
        return list(Parallel(n_jobs=n_jobs)(delayed(function)(*args) for args in arguments))
