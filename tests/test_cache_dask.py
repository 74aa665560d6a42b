"""@archived under joblib's dask backend: worker processes of a dask.distributed cluster
writing one store lose nothing and compute each key once.

Skipped unless the ``dask`` extra (``dask[distributed]``) is installed.
"""

import os
import time

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from joblib import Parallel, delayed, parallel_config  # noqa: E402

from archived.cache.decorator import archived  # noqa: E402


def work(x, counter, pause=0.0):
    with open(counter, "a") as f:
        f.write(f"{os.getpid()} {x}\n")
    time.sleep(pause)
    return np.arange(50) * x


def computed(counter):
    with open(counter) as f:
        return [line.split() for line in f]


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=40,
    )
    with distributed.Client(cluster) as client:
        yield client
    cluster.close()


@pytest.mark.parametrize("locking", ["fcntl", "soft"])
def test_dask_worker_processes_writing_one_store_lose_nothing(client, tmp_path, locking):
    store, counter = str(tmp_path / "s"), str(tmp_path / "count")
    f = archived(store, ignore=("counter", "pause"), locking=locking)(work)
    n = 40
    with parallel_config(backend="dask"):
        results = Parallel()(delayed(f)(x, counter, 0.02) for x in range(n))
    assert all(np.array_equal(r, np.arange(50) * x) for x, r in enumerate(results))
    lines = computed(counter)
    assert sorted(int(x) for _, x in lines) == list(range(n))
    assert len({pid for pid, _ in lines}) == 2, "both worker processes took part"
    assert len(f.dataset) == n
    assert all(np.array_equal(result(), np.arange(50) * p["x"]) for p, result in f)


def test_dask_workers_missing_the_same_keys_compute_each_once(client, tmp_path):
    store, counter = str(tmp_path / "s"), str(tmp_path / "count")
    f = archived(store, ignore=("counter", "pause"))(work)
    keys = [0, 1, 2] * 4
    with parallel_config(backend="dask"):
        results = Parallel()(delayed(f)(x, counter, 0.2) for x in keys)
    assert [int(r[1]) for r in results] == keys
    assert sorted(int(x) for _, x in computed(counter)) == [0, 1, 2]
