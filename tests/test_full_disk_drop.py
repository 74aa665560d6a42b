"""An overwrite or a deletion that a really full disk stops leaves the store as it was:
the entry and its arrays intact, and no half-written file of the write behind.  A
deletion on a full disk (to make room, most often) is done, arrays and all.

The disk is a small tmpfs filled to its last few pages (each number of free pages in
turn, so that the write runs out of space at each of its steps: the entry's temporary
file, the list of the old version's data files to drop).  Mounting it needs root; the
tests are skipped, saying so, where the machine does not allow it.
"""

from __future__ import annotations

import errno
import os

import numpy as np
import pytest

from archived.errors import DiskFullError
from archived.store.dataset import DataSet
from archived.store.integrity import verify
from archived.store.writers import writer_file
from helpers import fill_disk, small_disk


@pytest.fixture
def disk():
    """A 2 MiB tmpfs: writes past it really fail with ENOSPC."""
    with small_disk("2m") as folder:
        yield folder


def writers_files(folder: str) -> list[str]:
    return sorted(n for n in os.listdir(folder) if writer_file(n) is not None)


@pytest.mark.parametrize("operation", ["overwrite", "delete"])
def test_a_write_a_full_disk_stops_leaves_no_half_written_file_of_it(disk, operation):
    old = np.arange(100.0)  # an array in a data file: the new version drops it
    outcomes = set()
    for free in range(4):
        ds = DataSet(f"s{free}", "w", path=disk, array_threshold=10)
        ds.x = old
        ds.y = [1, 2]
        filler = fill_disk(disk, free)
        try:
            if operation == "overwrite":
                ds.x = [3]
            else:
                del ds.x
            outcomes.add("done")
            assert list(ds) == (["x", "y"] if operation == "overwrite" else ["y"])
        except DiskFullError as err:
            assert err.errno == errno.ENOSPC
            outcomes.add("refused")
            assert np.array_equal(ds.x, old)  # the entry and its array as they were
        finally:
            os.unlink(filler)
        assert ds.y == [1, 2]
        # neither the temporary entry file nor the list of files to drop stays behind
        assert writers_files(ds._path) == []
        report = verify(ds._path)
        assert report.ok and not report.in_progress, report
    if operation == "overwrite":
        assert "refused" in outcomes  # the disk was full at some step of the write
    else:  # a deletion needs no room: it is never refused for the lack of it
        assert outcomes == {"done"}


def test_an_entry_with_arrays_is_deleted_on_a_full_disk_arrays_and_all(disk):
    # the deletion used to write the list of the data files to drop first: a full disk
    # refused it, so the biggest entries (with arrays) could not be deleted to make room
    ds = DataSet("s", "w", path=disk, array_threshold=10)
    ds.x = np.arange(30_000.0)  # 240 kB in a data file
    ds.y = np.arange(20.0)
    data = [n for n in os.listdir(ds._path) if n.startswith("x.") and n.endswith(".h5")]
    assert len(data) == 1
    filler = fill_disk(disk, 0)
    free = os.statvfs(disk).f_bfree
    del ds.x
    assert list(ds) == ["y"] and np.array_equal(ds.y, np.arange(20.0))
    assert not os.path.exists(os.path.join(ds._path, data[0]))
    assert os.statvfs(disk).f_bfree > free + 50  # the array's room is free again
    assert writers_files(ds._path) == []
    assert verify(ds._path).ok
    os.unlink(filler)


def test_a_deletion_on_a_full_disk_keeps_the_data_file_a_hand_made_copy_reads(disk):
    # the deletion without a drop list removed every data file its header listed, the
    # one a copy of its entry file (cp x.py x_copy.py, variable renamed) reads too
    ds = DataSet("s", "w", path=disk, array_threshold=10)
    ds.x = np.arange(30_000.0)
    [data] = [n for n in os.listdir(ds._path) if n.endswith(".h5")]
    copy = os.path.join(ds._path, "x_copy.py")
    with open(os.path.join(ds._path, "x.py")) as f:
        text = f.read().replace("\nx = ", "\nx_copy = ")
    with open(copy, "w") as f:
        f.write(text)
    filler = fill_disk(disk, 0)
    del ds.x
    os.unlink(filler)
    assert list(ds) == ["x_copy"] and os.path.exists(os.path.join(ds._path, data))
    assert np.array_equal(DataSet("s", path=disk).x_copy, np.arange(30_000.0))
    assert writers_files(ds._path) == []


def test_a_compressed_array_a_full_disk_stops_is_reported_as_a_full_disk(disk):
    # HDF5 refused a compressed chunk: 'HDF5 could not write the chunk at row 0', an
    # error of no resource, so a cached call warned "the write failed", not that the
    # disk is full
    ds = DataSet("s", "w", path=disk, array_threshold=10, compress=True)
    ds.x = np.arange(100.0)
    filler = fill_disk(disk, 8)  # room for the data file, not for its chunks
    try:
        with pytest.raises(DiskFullError) as caught:
            ds.x = np.random.default_rng(0).random(100_000)  # 800 kB, incompressible
    finally:
        os.unlink(filler)
    assert caught.value.errno == errno.ENOSPC and "No space left on device" in str(caught.value)
    assert np.array_equal(ds.x, np.arange(100.0))  # the version before, as it was
    assert writers_files(ds._path) == [] and verify(ds._path).ok
