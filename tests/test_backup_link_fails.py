"""A ``backup_data`` write whose copy of the old entry file into ``.backup/`` fails (a
full disk, a filesystem without hard links) changes nothing: the entry and its arrays
stay as they were, and no list of data files to drop is left behind, which verify
would report as a write in progress for as long as the process runs."""

from __future__ import annotations

import errno
import os

import numpy as np
import pytest

from archived.store.dataset import DataSet
from archived.store.integrity import verify
from archived.store.writers import writer_file
from helpers import same


def _failing_link(code):
    def link(src, dst, *args, **kwargs):
        raise OSError(code, os.strerror(code), dst)

    return link


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EPERM])
@pytest.mark.parametrize("operation", ["overwrite", "delete"])
def test_a_failed_backup_link_leaves_the_entry_and_no_drop_list(
    tmp_path, monkeypatch, code, operation
):
    ds = DataSet("s", "w", path=str(tmp_path), backup_data=True)
    ds._insert(np.arange(300.0), info=np.arange(200.0), name="x")
    before = sorted(os.listdir(ds._path))
    monkeypatch.setattr(os, "link", _failing_link(code))
    with pytest.raises(OSError):
        if operation == "overwrite":
            ds.x = np.arange(400.0) + 7
        else:
            del ds.x
    monkeypatch.undo()
    after = sorted(f for f in os.listdir(ds._path) if f != ".backup")
    assert [f for f in after if writer_file(f) is not None] == []
    assert after == before
    assert same(ds.x, np.arange(300.0)) and same(ds["x"], np.arange(200.0))
    report = verify(ds._path)
    assert report.ok and report.in_progress == [], report
