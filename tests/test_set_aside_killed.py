"""A cached call killed (SIGKILL) at each file operation of setting its damaged entry
aside, and of storing its result after: the damaged version's entry file and data file
are never lost (each is in the store or under ``.damaged/``, byte for byte), and the
next call stores the result and finds the damaged version kept aside, whole in one
folder (it completes the set-aside that was killed)."""

from __future__ import annotations

import os
import shutil
import signal

import pytest

from archived.store.integrity import verify
from helpers import kill_at_step, run_python

CALL = (
    r"""
import sys
import numpy as np
from archived import archived
store, k = sys.argv[1], int(sys.argv[2])
"""
    + kill_at_step("replace", "mkdir", "link", "rename")
    + r"""
@archived(store, version="1")
def f(n):
    return np.arange(float(n))

assert np.array_equal(f(400), np.arange(400.0))
print(steps[0])
"""
)


def _files_under(folder):
    """Relative path -> bytes of every file under ``folder``."""
    found = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                found[os.path.relpath(path, folder)] = f.read()
    return found


@pytest.fixture(scope="module")
def damaged_store(tmp_path_factory):
    """A store whose one entry (an array in a data file) has a typo made by hand; its
    damaged entry file's and data file's bytes."""
    parent = tmp_path_factory.mktemp("template")
    store = str(parent / "runs")
    done = run_python("-c", CALL, store, "-1")
    assert done.returncode == 0, done.stderr
    [entry] = [n for n in os.listdir(store) if n.startswith("f_") and n.endswith(".py")]
    with open(os.path.join(store, entry), "a") as out:
        out.write("x = (\n")
    [data] = [n for n in os.listdir(store) if n.endswith(".h5")]
    files = _files_under(store)
    return store, entry[:-3], files[entry], files[data]


def test_a_call_killed_while_it_sets_its_damaged_entry_aside_loses_none_of_it(
    damaged_store, tmp_path
):
    template, entry, entry_bytes, data_bytes = damaged_store
    k = 0
    while True:
        store = str(tmp_path / f"runs{k}")
        shutil.copytree(template, store)
        killed = run_python("-c", CALL, store, str(k))
        if killed.returncode == 0:
            assert k > 2  # (the set-aside and the commit were each killed)
            break
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        # nothing of the damaged version is lost, killed at step k
        kept = list(_files_under(store).values())
        assert entry_bytes in kept and data_bytes in kept, k
        again = run_python("-c", CALL, store, "-1")
        assert again.returncode == 0, (k, again.stderr)
        aside = _files_under(os.path.join(store, ".damaged"))
        assert entry_bytes in aside.values() and data_bytes in aside.values(), k
        # kept together: the rerun finished the set-aside it was killed in (it had left
        # the data file in one folder, the entry file then moved to a second)
        assert len(os.listdir(os.path.join(store, ".damaged"))) == 1, (k, sorted(aside))
        report = verify(store)
        assert report.ok and report.entries == [entry], (k, str(report))
        k += 1
    print("steps", k)
