"""A ``backup_data`` writer killed (SIGKILL) at any step of an overwrite or a deletion
loses no version: the entry is the old version or the new one, and the old one, when
replaced, is in ``.backup/`` with its arrays beside it, once the next writer has swept
what the killed one left."""

from __future__ import annotations

import os
import signal
import subprocess

import numpy as np
import pytest

from archived import restore
from archived.store import entries
from archived.store.dataset import DataSet
from archived.store.integrity import verify
from helpers import kill_at_step, run_python, same

OLD_VALUE, OLD_INFO = np.arange(400.0), np.arange(300.0) * 2
NEW_VALUE = np.arange(500.0) + 1e6

# kills itself at its k-th file operation (link, rename, removal) of the write
WRITER = (
    r"""
import os, signal, sys
import numpy as np
from archived.store.dataset import DataSet
folder, k, operation = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ds = DataSet("s", "w", path=folder, backup_data=True)
"""
    + kill_at_step("link", "replace", "unlink")
    + r"""
if operation == "overwrite":
    ds.x = np.arange(500.0) + 1e6
else:
    del ds.x
print(steps[0])
"""
)


def _write(parent: str, k: int, operation: str) -> subprocess.CompletedProcess[str]:
    return run_python("-c", WRITER, parent, str(k), operation)


def _backed_up_values(folder: str) -> list[tuple[object, object]]:
    """(info, value) of every entry file in ``.backup/``, read with its data beside it
    (an info's data file a newer version still uses is in the store, until replaced)."""
    backup = os.path.join(folder, entries.BACKUP_DIR)
    found = []
    for name in sorted(os.listdir(backup) if os.path.isdir(backup) else []):
        if name.endswith(".py"):
            with open(os.path.join(backup, name)) as f:
                text = f.read()
            if text == entries.read_entry_text(folder, "x"):
                continue  # linked there by a writer killed before it replaced it: current
            info_src, value_src, files = entries.entry_sections("x", text)
            in_use = [f for f in files if not os.path.exists(os.path.join(backup, f))]
            assert all(f.endswith("-info.h5") for f in in_use), in_use
            info_dir = folder if in_use else backup
            info = restore(info_src, datadir=info_dir)["info"]
            found.append((info, restore(value_src, datadir=backup)["x"]))
    return found


@pytest.mark.parametrize("operation", ["overwrite", "delete"])
def test_a_backup_writer_killed_at_any_step_keeps_the_old_version_and_its_arrays(
    tmp_path, operation
):
    parent = str(tmp_path)
    DataSet("s", "w", path=parent)._insert(OLD_VALUE, info=OLD_INFO, name="x")
    done = _write(parent, -1, operation)
    assert done.returncode == 0, done.stderr
    total = int(done.stdout)
    assert total >= 4  # the backup link, the swap, and moving both data files
    for k in range(total):
        folder = str(tmp_path / f"k{k}")
        os.makedirs(folder)
        DataSet("s", "w", path=folder)._insert(OLD_VALUE, info=OLD_INFO, name="x")
        killed = _write(folder, k, operation)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        ds = DataSet("s", "w", path=folder, backup_data=True)  # sweeps the killed writer's files
        store = ds._path
        backed_up = _backed_up_values(store)
        now = entries.read_value(store, "x") if "x" in ds else None
        if now is None or not same(now, OLD_VALUE):  # replaced: the old version is kept
            assert operation == "delete" or same(now, NEW_VALUE), k
            assert any(same(i, OLD_INFO) and same(v, OLD_VALUE) for i, v in backed_up), k
        report = verify(store)
        assert not report.damaged and not report.orphans, (k, report)
