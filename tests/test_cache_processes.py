"""@archived functions called from several processes and threads writing one store.

Each computation appends a line to a counter file (an ignored parameter), so the file
shows exactly what was recomputed, across processes.
"""

import multiprocessing
import os
import pickle
import signal
import time

import numpy as np
import pytest
from joblib import Parallel, delayed

from archived.cache.decorator import archived
from archived.errors import LockTimeout
from helpers import per_key_lock_files

SCALE = int(os.environ.get("ARCHIVED_STRESS_SCALE", "1"))


def work(x, counter, pause=0.0, hang=False):
    """The experiment: log the computation, maybe wait, return a recognisable array."""
    with open(counter, "a") as f:
        f.write(f"{x}\n")
    if hang:
        time.sleep(600)
    time.sleep(pause)
    return np.full(10, x, dtype=np.int64)


def cached_work(store, **options):
    return archived(store, ignore=("counter", "pause", "hang"), **options)(work)


def computed(counter):
    with open(counter) as f:
        return sorted(int(line) for line in f)


# a module-level decorated function: pickled by reference
reference_store = os.path.join(os.path.dirname(__file__), "never_created_store")


@archived(reference_store)
def by_reference(x):
    return x


def test_module_level_functions_pickle_by_reference():
    data = pickle.dumps(by_reference)
    assert len(data) < 200 and b"never_created_store" not in data
    assert pickle.loads(data) is by_reference


def test_functions_made_at_runtime_pickle_their_paths_only(tmp_path):
    f = cached_work(str(tmp_path / "s"))
    f(1, str(tmp_path / "c"))
    data = pickle.dumps(f)
    again = pickle.loads(data)
    assert again.store.path == f.store.path and again.is_cached(1, "elsewhere")


@pytest.mark.parametrize("backend", ["loky", "multiprocessing", "threading"])
def test_workers_writing_one_store_lose_nothing(tmp_path, backend):
    store, counter = str(tmp_path / "s"), str(tmp_path / "count")
    f = cached_work(store)
    n = 24 * SCALE
    results = Parallel(n_jobs=2, backend=backend)(delayed(f)(x, counter) for x in range(n))
    assert [int(r[0]) for r in results] == list(range(n))
    assert computed(counter) == list(range(n))
    assert len(f.dataset) == n
    assert sorted(int(p["x"]) for p, _ in f) == list(range(n))
    assert all(int(result()[0]) == p["x"] for p, result in f)


@pytest.mark.parametrize(
    "backend, locking", [("loky", "fcntl"), ("threading", "fcntl"), ("loky", "soft")]
)
def test_workers_missing_the_same_keys_together_compute_each_once(tmp_path, backend, locking):
    store, counter = str(tmp_path / "s"), str(tmp_path / "count")
    f = cached_work(store, locking=locking)
    keys = [0, 1, 2, 3] * 3
    results = Parallel(n_jobs=2, backend=backend)(delayed(f)(x, counter, pause=0.2) for x in keys)
    assert [int(r[0]) for r in results] == keys
    assert computed(counter) == [0, 1, 2, 3]


@pytest.mark.parametrize("locking", ["fcntl", "soft"])
def test_racing_workers_leave_no_key_lock_file_once_entries_are_committed(tmp_path, locking):
    store, counter = str(tmp_path / "s"), str(tmp_path / "count")
    f = cached_work(store, locking=locking)
    keys = list(range(6)) * 3
    Parallel(n_jobs=2, backend="loky")(delayed(f)(x, counter, pause=0.05) for x in keys)
    assert computed(counter) == list(range(6)) and len(f.dataset) == 6
    assert per_key_lock_files(store) == []
    with pytest.raises(TypeError):  # a failing call leaves no lock file either
        f(None, counter, pause="not a number")
    assert per_key_lock_files(store) == []


def _call_in_child(store, counter, x, hang, locking):
    cached_work(store, locking=locking)(x, counter, hang=hang)


def _wait_for_line(counter, child):
    """Wait until ``child`` has started computing, however slowly a busy machine starts it."""
    deadline = time.monotonic() + 600  # only against a hang
    while not (os.path.exists(counter) and open(counter).read().strip()):
        assert child.is_alive(), "the child died before it started computing"
        assert time.monotonic() < deadline, "the child never started computing"
        time.sleep(0.01)


@pytest.mark.parametrize("locking", ["fcntl", "soft"])
def test_a_killed_worker_frees_its_key_and_the_next_call_computes(tmp_path, locking):
    store, counter = str(tmp_path / "s"), str(tmp_path / "count")
    ctx = multiprocessing.get_context("spawn")
    child = ctx.Process(target=_call_in_child, args=(store, counter, 5, True, locking))
    child.start()
    try:
        _wait_for_line(counter, child)
        # the child holds the key: a caller waits for it (here: gives up quickly)
        with pytest.raises(LockTimeout):
            cached_work(store, lock_timeout=0.3, locking=locking)(5, counter)
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        f = cached_work(store, lock_timeout=600, locking=locking)
        assert int(f(5, counter)[0]) == 5
        assert computed(counter) == [5, 5]
        assert f.failures() == [] and len(f.calls()) == 1
    finally:
        if child.is_alive():
            os.kill(child.pid, signal.SIGKILL)
            child.join()


def test_a_waiting_worker_loads_the_result_the_holder_commits(tmp_path):
    store, counter = str(tmp_path / "s"), str(tmp_path / "count")
    ctx = multiprocessing.get_context("spawn")
    child = ctx.Process(target=_slow_child, args=(store, counter))
    child.start()
    try:
        _wait_for_line(counter, child)
        f = cached_work(store, lock_timeout=600)
        assert int(f(9, counter)[0]) == 9  # waits for the child, then loads its entry
        assert computed(counter) == [9]
    finally:
        child.join(600)


def _slow_child(store, counter):
    cached_work(store)(9, counter, pause=1.0)


def test_a_block_in_two_processes_is_computed_once(tmp_path):
    store, counter = str(tmp_path / "s"), str(tmp_path / "count")
    results = Parallel(n_jobs=2, backend="loky")(
        delayed(_block)(store, counter, n) for n in [1, 1, 1, 1]
    )
    assert results == [[0]] * 4
    assert computed(counter) == [1]


def _block(store, counter, n):
    with archived(store, n=n) as rec:
        if not rec.cached:
            with open(counter, "a") as f:
                f.write(f"{n}\n")
            time.sleep(0.2)
            rec.result = list(range(n))
    return rec.result


@pytest.mark.stress
def test_stress_many_workers_many_keys_lose_nothing(tmp_path):
    store, counter = str(tmp_path / "s"), str(tmp_path / "count")
    f = cached_work(store)
    n = 100 * SCALE
    keys = list(range(n)) * 2
    Parallel(n_jobs=4, backend="loky")(delayed(f)(x, counter) for x in keys)
    assert computed(counter) == list(range(n))
    assert len(f.dataset) == n
