"""One executor for independent tasks: joblib here, a real Dask cluster through joblib's backend."""

from __future__ import annotations

import os

import joblib
import pandas as pd
import pytest

from llmvalues.executor import parallel_map, workers
from llmvalues.iw.ivs import harmonize_ivs
from llmvalues.iw.official import bootstrap_ivs
from tests.iw.ivs_synthetic import make_trend_frame


def _square_and_pid(x: int, offset: int) -> tuple[int, int]:
    return x * x + offset, os.getpid()


def test_results_keep_the_order_of_the_arguments_in_process_and_in_workers():
    args = [(x, 1) for x in range(7)]
    here = parallel_map(_square_and_pid, args, n_jobs=1)
    assert [v for v, _ in here] == [x * x + 1 for x in range(7)]
    assert {pid for _, pid in here} == {os.getpid()}
    spread = parallel_map(_square_and_pid, args, n_jobs=2)
    assert [v for v, _ in spread] == [v for v, _ in here]
    assert os.getpid() not in {pid for _, pid in spread}  # loky worker processes
    assert workers(1) == 1
    assert workers(2) == 2


@pytest.fixture(scope="module")
def dask_client():
    pytest.importorskip("distributed", reason="the Dask path needs llmvalues[cluster]")
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def test_a_dask_cluster_runs_the_tasks_on_its_workers(dask_client):
    worker_pids = set(dask_client.run(os.getpid).values())
    assert len(worker_pids) == 2
    args = [(x, 0) for x in range(8)]
    assert workers(-1, client=dask_client) == 2  # the cluster's two worker threads
    out = parallel_map(_square_and_pid, args, n_jobs=-1, client=dask_client)
    assert [v for v, _ in out] == [x * x for x in range(8)]
    assert {pid for _, pid in out} <= worker_pids
    assert os.getpid() not in {pid for _, pid in out}
    # the caller's own joblib block reaches the same cluster (its default client)
    with joblib.parallel_config(backend="dask"):
        again = parallel_map(_square_and_pid, args, n_jobs=-1)
    assert [v for v, _ in again] == [v for v, _ in out]
    assert {pid for _, pid in again} <= worker_pids


def test_bootstrap_replicates_on_a_dask_cluster_equal_the_local_ones(dask_client):
    frame = harmonize_ivs(make_trend_frame("wvs", n=150, seed=31)[0])
    local = bootstrap_ivs(frame, n_boot=4, seed=3, n_jobs=1)
    remote = bootstrap_ivs(frame, n_boot=4, seed=3, n_jobs=-1, client=dask_client)
    pd.testing.assert_frame_equal(local.parameters, remote.parameters)
    pd.testing.assert_frame_equal(local.country_year, remote.country_year)
