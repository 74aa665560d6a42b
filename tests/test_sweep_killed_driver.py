"""A sweep whose driver is killed (SIGKILL) at any step of its file operations, then
run again, keeps every point it stored and computes again only the others: each point
is computed once, but the one in flight when it was killed."""

from __future__ import annotations

import os
import signal
from collections import Counter

from archived.store.dataset import DataSet
from archived.store.integrity import verify
from helpers import kill_at_step, run_python

POINTS = 2

# the sweep's script: kills itself at its k-th link, rename or removal of a file
DRIVER = (
    r"""
import os, signal, sys
import numpy as np
from archived import archived, sweep
store, log, k = sys.argv[1], sys.argv[2], int(sys.argv[3])

def work(x, log=None):
    with open(log, "a") as f:
        f.write(f"{x}\n")
    return {"x": x, "data": np.full(300, float(x))}

f = archived(store, ignore=("log",), name="work")(work)
"""
    + kill_at_step("replace", "rename", "unlink", "link")
    + r"""
n = int(sys.argv[4])
results = sweep(f, {"x": range(n), "log": [log]}, progress=False)
assert [r["x"] for r in results] == list(range(n))
assert all(np.array_equal(r["data"], np.full(300, float(r["x"]))) for r in results)
print(steps[0])
"""
)


def _drive(store, log, k):
    return run_python("-c", DRIVER, str(store), log, str(k), str(POINTS))


def _computed(log):
    try:
        with open(log) as f:
            return [int(line) for line in f]
    except FileNotFoundError:
        return []


def _stored(store):
    """The points whose results the store holds."""
    if not os.path.isdir(store):
        return set()
    ds = DataSet(os.path.basename(store), path=os.path.dirname(store))
    return {ds[n]["parameters"]["x"] for n in ds if "parameters" in (ds[n] or {})}


def test_a_sweep_driver_killed_at_any_step_then_rerun_computes_only_what_was_not_stored(
    tmp_path,
):
    done = _drive(tmp_path / "full" / "runs", str(tmp_path / "full.log"), -1)
    assert done.returncode == 0, done.stderr
    total = int(done.stdout)
    assert total >= 2 * POINTS  # every point's commit was seen
    for k in range(total):
        store, log = tmp_path / f"k{k}" / "runs", str(tmp_path / f"k{k}.log")
        killed = _drive(store, log, k)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        first = _computed(log)
        stored = _stored(str(store))
        assert stored <= set(first), k
        rerun = _drive(store, log, -1)
        assert rerun.returncode == 0, rerun.stderr
        again = Counter(_computed(log)[len(first) :])
        assert not set(again) & stored, (k, stored, again)  # a stored point is a hit
        assert set(again) | stored == set(range(POINTS)) and max(again.values(), default=1) == 1
        assert _stored(str(store)) == set(range(POINTS)), k
        assert verify(str(store)).ok, (k, verify(str(store)))
