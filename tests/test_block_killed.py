"""A script of with blocks killed (SIGKILL) at any step of its file operations, then
run again, keeps every block's result it stored and computes only the others: each
block is computed once, but the one in flight when it was killed."""

from __future__ import annotations

import os
import signal
from collections import Counter

from archived.store.dataset import DataSet
from archived.store.integrity import verify
from helpers import kill_at_step, run_python

BLOCKS = 2

# kills itself at its k-th link, rename or removal of a file; logs each computation
SCRIPT = (
    r"""
import os, signal, sys
import numpy as np
from archived import archived
store, log, k, blocks = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
"""
    + kill_at_step("replace", "rename", "unlink", "link")
    + r"""
results = []
for n in range(blocks):
    with archived(store, n=n) as rec:
        if not rec.cached:
            with open(log, "a") as f:
                f.write(f"{n}\n")
            rec.result = {"n": n, "a": np.full(300, float(n))}
    results.append(rec.result)
assert [r["n"] for r in results] == list(range(blocks))
assert all(np.array_equal(r["a"], np.full(300, float(r["n"]))) for r in results)
print(steps[0])
"""
)


def _run(script, folder, k):
    store, log = os.path.join(folder, "runs"), os.path.join(folder, "log")
    return run_python(script, store, log, str(k), str(BLOCKS))


def _computed(folder):
    try:
        with open(os.path.join(folder, "log")) as f:
            return [int(line) for line in f]
    except FileNotFoundError:
        return []


def _stored(folder):
    """The blocks whose results the store holds."""
    if not os.path.isdir(os.path.join(folder, "runs")):
        return set()
    ds = DataSet("runs", path=folder)
    return {ds[n]["parameters"]["n"] for n in ds}


def test_a_script_of_blocks_killed_at_any_step_then_rerun_computes_only_what_was_not_stored(
    tmp_path,
):
    script = tmp_path / "experiment.py"  # blocks are named after the file holding them
    script.write_text(SCRIPT)
    os.makedirs(tmp_path / "full")
    done = _run(script, str(tmp_path / "full"), -1)
    assert done.returncode == 0, done.stderr
    total = int(done.stdout)
    assert total >= 2 * BLOCKS  # each block's data file and entry file renamed into place
    for k in range(total):
        folder = str(tmp_path / f"k{k}")
        os.makedirs(folder)
        killed = _run(script, folder, k)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        first, stored = _computed(folder), _stored(folder)
        assert stored <= set(first), k
        rerun = _run(script, folder, -1)
        assert rerun.returncode == 0, rerun.stderr
        again = Counter(_computed(folder)[len(first) :])
        assert not set(again) & stored, (k, stored, again)  # a stored block is a hit
        assert set(again) | stored == set(range(BLOCKS)) and max(again.values(), default=1) == 1
        assert verify(os.path.join(folder, "runs")).ok, k
