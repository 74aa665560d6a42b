"""Faults: disk full and I/O errors at every step of a commit, permissions, stale and
held locks, and paths escaping the store.  Each gives a clear error (or recovers), keeps
the previous version of the entry, and leaves nothing that looks like an entry."""

import errno
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from archived.cache.decorator import archived
from archived.engine import hdf5
from archived.errors import (
    DamagedEntryError,
    InvalidNameError,
    LockTimeout,
    StoreReadError,
    UnsafeFileWarning,
)
from archived.store import entries
from archived.store.dataset import DataSet
from archived.store.integrity import verify
from helpers import RunLog, snapshot

ROOT = os.geteuid() == 0


@pytest.fixture
def ds(tmp_path):
    ds = DataSet("s", "w", path=tmp_path, array_threshold=10)
    ds.x = np.arange(50.0)
    ds["x"] = {"version": 1}
    return ds


def in_store(fd_or_path, store):
    path = fd_or_path
    if isinstance(fd_or_path, int):
        try:
            path = os.readlink(f"/proc/self/fd/{fd_or_path}")
        except OSError:
            return False
    return os.path.abspath(str(path)).startswith(os.path.abspath(store) + os.sep)


def fail(code):
    return OSError(code, os.strerror(code))


def fill_the_disk(monkeypatch, store, only_tmp=False):
    """Make every os.write to a file in ``store`` (only to its .tmp files) fail: ENOSPC."""
    real = os.write

    def write(fd, data):
        if in_store(fd, store) and (
            not only_tmp or os.readlink(f"/proc/self/fd/{fd}").endswith(".tmp")
        ):
            raise fail(errno.ENOSPC)
        return real(fd, data)

    monkeypatch.setattr(os, "write", write)


def assert_previous_version_intact(ds, before):
    assert snapshot(ds._path) == before  # byte for byte: nothing left, nothing changed
    assert ds.x.tolist() == list(np.arange(50.0)) and ds["x"] == {"version": 1}
    assert sorted(ds) == ["x"]
    assert verify(ds._path).ok


# ---- disk full and I/O errors mid-commit ---------------------------------------------


def test_disk_full_while_writing_the_entry_file(ds, monkeypatch):
    before = snapshot(ds._path)
    fill_the_disk(monkeypatch, ds._path)
    with pytest.raises(OSError) as info:
        ds.x = np.arange(60.0)
    assert info.value.errno == errno.ENOSPC
    monkeypatch.undo()
    assert_previous_version_intact(ds, before)


def test_io_error_on_fsync_of_the_entry_file(ds, monkeypatch):
    before = snapshot(ds._path)

    def sync(fd):
        if os.readlink(f"/proc/self/fd/{fd}").endswith(".tmp"):
            raise fail(errno.EIO)

    monkeypatch.setattr(os, "fsync", sync)
    monkeypatch.setattr(os, "fdatasync", sync)
    with pytest.raises(OSError) as info:
        ds.x = [1, 2, 3]
    assert info.value.errno == errno.EIO
    monkeypatch.undo()
    assert_previous_version_intact(ds, before)


def test_io_error_flushing_a_data_file(ds, monkeypatch):
    before = snapshot(ds._path)
    real = os.fsync

    def fsync(fd):
        if ".h5" in os.readlink(f"/proc/self/fd/{fd}"):
            raise fail(errno.EIO)
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(OSError) as info:
        ds.x = np.arange(60.0)
    assert info.value.errno == errno.EIO
    monkeypatch.undo()
    assert_previous_version_intact(ds, before)


def test_disk_full_half_way_through_writing_the_arrays(ds, monkeypatch):
    before = snapshot(ds._path)
    real = hdf5.ArrayWriter.add

    def add(self, a):
        if self.keys:  # the first array is written, the second hits a full disk
            raise fail(errno.ENOSPC)
        return real(self, a)

    monkeypatch.setattr(hdf5.ArrayWriter, "add", add)
    with pytest.raises(OSError) as info:
        ds.x = [np.arange(60.0), np.arange(70.0)]
    assert info.value.errno == errno.ENOSPC
    monkeypatch.undo()
    assert_previous_version_intact(ds, before)


@pytest.mark.parametrize("target", [".py", ".h5"], ids=["entry", "data_file"])
def test_io_error_when_renaming_into_place(ds, monkeypatch, target):
    before = snapshot(ds._path)
    real = os.replace

    def replace(src, dst):
        if str(dst).endswith(target):
            raise fail(errno.EIO)
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError) as info:
        ds.x = np.arange(60.0)
    assert info.value.errno == errno.EIO
    monkeypatch.undo()
    assert_previous_version_intact(ds, before)


def test_disk_full_while_writing_only_the_info(ds, monkeypatch):
    before = snapshot(ds._path)
    fill_the_disk(monkeypatch, ds._path)
    with pytest.raises(OSError, match="No space left"):
        ds["x"] = {"version": 2}
    monkeypatch.undo()
    assert_previous_version_intact(ds, before)


def test_disk_full_on_a_new_insert_leaves_no_entry_and_no_claim(ds, monkeypatch):
    before = snapshot(ds._path)
    fill_the_disk(monkeypatch, ds._path)
    with pytest.raises(OSError, match="No space left"):
        ds._insert(np.arange(20.0), info="new")
    monkeypatch.undo()
    assert_previous_version_intact(ds, before)
    again = DataSet("s", "w", path=os.path.dirname(ds._path))
    assert again._insert(1) == ["x_0"]  # the name was not taken by the failed insert


def test_io_error_syncing_the_directory_after_the_swap_leaves_a_whole_entry(ds, monkeypatch):
    real = os.fsync

    def fsync(fd):
        if os.path.isdir(f"/proc/self/fd/{fd}"):
            raise fail(errno.EIO)
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(OSError, match="Input/output error"):
        ds.x = np.arange(60.0)
    monkeypatch.undo()
    # the entry was swapped in before the directory sync failed: it is whole, never mixed
    assert ds.x.tolist() == list(np.arange(60.0))
    assert verify(ds._path).ok


def test_a_cached_call_whose_commit_hits_a_full_disk_returns_its_result_and_stores_nothing(
    tmp_path, monkeypatch
):
    from archived.errors import DiskFullError, ResultNotStoredWarning

    store = str(tmp_path / "cache")
    calls = RunLog()

    @archived(store)
    def square(x):
        calls.append(x)
        return np.arange(x * 20.0)

    fill_the_disk(monkeypatch, store, only_tmp=True)
    expected = r"square\(x=3\).*not stored.*disk is full"
    with pytest.warns(ResultNotStoredWarning, match=expected) as w:
        assert square(3).size == 60
    assert isinstance(w[0].message.error, DiskFullError) and w[0].filename == __file__
    monkeypatch.undo()
    assert not square.is_cached(x=3)
    assert square(3).size == 60 and calls == [3, 3]
    assert verify(store).ok


# ---- permissions ----------------------------------------------------------------------


@pytest.mark.skipif(ROOT, reason="root ignores directory permissions")
def test_a_read_only_store_directory_refuses_writes_with_permission_error(ds):
    before = snapshot(ds._path)
    os.chmod(ds._path, 0o555)
    try:
        with pytest.raises(PermissionError):
            ds.y = 1
    finally:
        os.chmod(ds._path, 0o755)
    assert_previous_version_intact(ds, before)


def test_a_write_the_system_denies_raises_permission_error_and_changes_nothing(ds, monkeypatch):
    # as root chmod denies nothing: deny the way a read-only mount would, at os.open
    before = snapshot(ds._path)
    real = os.open

    def deny(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and in_store(path, ds._path):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
        return real(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny)
    with pytest.raises(PermissionError, match="Permission denied"):
        ds.y = [1]
    monkeypatch.undo()
    assert_previous_version_intact(ds, before)


def test_an_entry_file_that_cannot_be_read_raises_a_read_error_naming_it(ds, monkeypatch):
    # a file the system denies is not damaged (its bytes may be fine): as damage, a
    # cached call moved it out of a shared store into .damaged/ and computed it again
    real = os.open

    def deny(path, flags, *args, **kwargs):
        if str(path).endswith("x.py"):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
        return real(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny)
    with pytest.raises(StoreReadError, match=r"could not read entry 'x' \(.*x\.py'\): .*denied"):
        ds.x  # noqa: B018


# ---- locks ------------------------------------------------------------------------------

_HOLDER = textwrap.dedent(
    """
    import sys, time
    from archived.store.dataset import DataSet
    ds = DataSet("s", "w", path=sys.argv[1], synchronize=False, locking=sys.argv[2])
    print("locked", flush=True)
    time.sleep(600)  # killed by the test
    """
)


def hold_the_lock(folder, locking):
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(folder), locking], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "locked"
    return proc


@pytest.mark.parametrize("locking", ["fcntl", "soft"])
def test_a_lock_left_by_a_sigkilled_writer_does_not_block_the_next_one(tmp_path, locking):
    DataSet("s", "w", path=tmp_path, locking=locking).x = 1
    proc = hold_the_lock(tmp_path, locking)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # a lock never reclaimed would raise LockTimeout after 60 s; one reclaimed is taken at
    # once (how fast is the machine's business, not this test's)
    with DataSet("s", "w", path=tmp_path, synchronize=False, timeout=60, locking=locking) as ds:
        ds.x = 2
    assert DataSet("s", path=tmp_path).x == 2


def test_a_lock_held_past_the_timeout_raises_lock_timeout_naming_the_lock_file(tmp_path):
    DataSet("s", "w", path=tmp_path).x = 1
    before = snapshot(tmp_path / "s")
    proc = hold_the_lock(tmp_path, "fcntl")
    try:
        with pytest.raises(LockTimeout, match=r"could not lock '.*s/\.lock' within 0\.3 s"):
            DataSet("s", "w", path=tmp_path, synchronize=False, timeout=0.3)
        ds = DataSet("s", "w", path=tmp_path, timeout=0.3)
        with pytest.raises(LockTimeout):
            ds.x = 3
    finally:
        proc.kill()
        proc.wait()
    assert snapshot(tmp_path / "s") == before


# ---- paths escaping the store -----------------------------------------------------------


@pytest.mark.parametrize("name", ["..", "../x", "a/b", "/etc/passwd", "x.py", "", "a\0b"])
def test_entry_names_that_could_escape_the_store_are_refused(ds, name):
    before = snapshot(ds._path)
    with pytest.raises(InvalidNameError, match="invalid name"):
        ds._insert(1, name=name)
    with pytest.raises(InvalidNameError):
        entries.validate_name(name)
    with pytest.raises(KeyError):
        ds[name]  # noqa: B018
    assert snapshot(ds._path) == before


@pytest.mark.parametrize("name", ["..", "../s", "a/b", "/tmp/s"])
def test_store_names_that_are_paths_are_refused(tmp_path, name):
    with pytest.raises(InvalidNameError, match="identifier"):
        DataSet(name, "w", path=tmp_path)
    assert os.listdir(tmp_path) == []


def test_an_entry_file_symlinked_outside_the_store_is_never_read_or_written_through(ds, tmp_path):
    outside = tmp_path / "outside.py"
    outside.write_text(open(os.path.join(ds._path, "x.py")).read().replace("'x'", "'y'"))
    secret = outside.read_bytes()
    os.symlink(outside, os.path.join(ds._path, "y.py"))
    with pytest.raises(DamagedEntryError, match="symbolic link"):
        ds.y  # noqa: B018
    with pytest.raises(DamagedEntryError, match="symbolic link"):
        ds.y = 5
    assert outside.read_bytes() == secret
    assert "y" in verify(ds._path).damaged


def test_a_fifo_planted_as_an_entry_is_skipped_with_a_warning_and_never_opened(ds):
    os.mkfifo(os.path.join(ds._path, "pipe.py"))
    signal.alarm(10)  # a blocking open would hang forever: fail instead
    try:
        with pytest.raises(DamagedEntryError, match="'pipe' is damaged: .*not a regular file"):
            ds.pipe  # noqa: B018
        with pytest.warns(UnsafeFileWarning, match="'pipe.py' .*a FIFO where an entry file"):
            assert "pipe" not in list(ds)
        with pytest.warns(UnsafeFileWarning):
            report = verify(ds._path)
        assert "a FIFO" in report.unsafe["pipe.py"] and not report.ok
    finally:
        signal.alarm(0)


def test_a_data_file_symlinked_outside_the_store_is_refused_by_a_safe_load(ds, tmp_path):
    h5 = next(f for f in os.listdir(ds._path) if f.startswith("x.") and f.endswith(".h5"))
    real = os.path.join(ds._path, h5)
    moved = tmp_path / "moved.h5"
    os.rename(real, moved)
    os.symlink(moved, real)
    with pytest.raises(Exception, match="symbolic link"):
        DataSet("s", path=os.path.dirname(ds._path), safe=True).x  # noqa: B018
