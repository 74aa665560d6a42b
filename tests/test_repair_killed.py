"""A repair killed (SIGKILL) at any removal, rename or link of a file loses no entry and
no kept version: every entry loads as before, the version a killed backup writer
replaced stays readable in ``.backup/``, and repair run again leaves the store whole."""

from __future__ import annotations

import os
import signal

import numpy as np

from archived import restore
from archived.store import entries
from archived.store.dataset import DataSet
from archived.store.integrity import verify
from helpers import kill_at_step, kill_backup_writer, run_python

REPAIRER = (
    r"""
import sys
from archived.store.integrity import repair
store, k = sys.argv[1], int(sys.argv[2])
"""
    + kill_at_step("link", "replace", "unlink", "rename")
    + r"""
repair(store)
print(steps[0])
"""
)


def _damaged_store(parent):
    """A store holding y, x (replaced by a backup writer killed before it moved the old
    version's data file), an orphaned data file and a stale writer's temporary file."""
    ds = DataSet("s", "w", path=parent)
    ds.x = np.arange(400.0)
    ds.y = np.arange(300.0)
    killed = kill_backup_writer(parent)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    store = ds._path
    orphan = os.path.join(store, "z.0a1b2c-1-0a1b2c3d.h5")
    with open(orphan, "wb") as f:
        f.write(b"not an entry's")
    stale = os.path.join(store, ".w.0a1b2c-1-0a1b2c3e.tmp")
    open(stale, "w").close()
    os.utime(stale, (0, 0))  # left long ago by a writer on another host
    return store


def _old_version_in_backup(store):
    backup = os.path.join(store, entries.BACKUP_DIR)
    for name in os.listdir(backup):
        if name.endswith(".py"):
            with open(os.path.join(backup, name)) as f:
                _, value_src, files = entries.entry_sections("x", f.read())
            where = [backup if os.path.exists(os.path.join(backup, f)) else store for f in files]
            if len(set(where)) == 1:
                value = restore(value_src, datadir=where[0])["x"]
                if np.array_equal(value, np.arange(400.0)):
                    return True
    return False


def test_a_repair_killed_at_any_step_loses_no_entry_and_no_kept_version(tmp_path):
    store = _damaged_store(str(tmp_path / "all"))
    done = run_python("-c", REPAIRER, store, "-1")
    assert done.returncode == 0, done.stderr
    total = int(done.stdout.strip().splitlines()[-1])
    assert total >= 3  # the old data file moved, the drop list, the orphan, the stale file
    for k in range(total):
        parent = str(tmp_path / f"k{k}")
        store = _damaged_store(parent)
        killed = run_python("-c", REPAIRER, store, str(k))
        assert killed.returncode == -signal.SIGKILL, (k, killed.stderr)
        ds = DataSet("s", path=parent)
        assert np.array_equal(ds.x, np.arange(500.0) + 1e6), k
        assert np.array_equal(ds.y, np.arange(300.0)), k
        again = run_python("-c", REPAIRER, store, "-1")
        assert again.returncode == 0, (k, again.stderr)
        assert verify(store).ok, k
        assert _old_version_in_backup(store), k
