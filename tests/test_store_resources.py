"""Writes that fail for want of a resource say which one (a full disk, a permission, the
lock) and change nothing; lock files another user owns lock a shared store for everyone;
a store held for its lifetime is usable from any thread of its process.

The disk here is really full (a 1 MiB tmpfs), the filesystem really read-only, the other
user really another uid (``setpriv``), the threads real: these need root, and are skipped
with the reason where the machine does not allow them.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading

import numpy as np
import pytest

from archived.errors import (
    CommitError,
    CommitPermissionError,
    CommitTimeout,
    DiskFullError,
    LockTimeout,
)
from archived.store.dataset import DataSet
from archived.store.integrity import verify
from archived.store.locking import StoreLock
from helpers import snapshot

ROOT = os.geteuid() == 0
NOBODY = 65534


def _mount(folder: str, *options: str) -> bool:
    done = subprocess.run(["mount", *options, folder], capture_output=True)
    return done.returncode == 0


@pytest.fixture
def tiny_disk():
    """A 1 MiB tmpfs: writes past it really fail with ENOSPC."""
    if not ROOT or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    folder = tempfile.mkdtemp()
    if not _mount(folder, "-t", "tmpfs", "-o", "size=1m", "tmpfs"):
        os.rmdir(folder)
        pytest.skip("this machine does not allow mounting a tmpfs")
    yield folder
    subprocess.run(["umount", "-l", folder], check=True)
    os.rmdir(folder)


@pytest.fixture
def shared_dir():
    """A directory every user may enter and write, as a group's shared store folder."""
    folder = tempfile.mkdtemp()
    os.chmod(folder, 0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def as_other_user(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a Python process of the user nobody (not the store's owner)."""
    if not ROOT or shutil.which("setpriv") is None:
        pytest.skip("running as another user needs root and setpriv(1)")
    command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    probe = [*command, sys.executable, "-c", "import archived"]
    probe = subprocess.run(probe, capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"user nobody cannot run this Python: {probe.stderr.decode()[-200:]}")
    return subprocess.run(
        [*command, sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_unchanged(ds, before, value):
    assert snapshot(ds._path) == before
    assert same_value(ds.x, value) and sorted(ds) == ["x"]
    assert verify(ds._path).ok


def same_value(a, b):
    return np.array_equal(a, b) if isinstance(b, np.ndarray) else a == b


# ---- a full disk ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "what, value",
    [
        ("an array PyTables writes", np.arange(150_001.0)),  # an unusual size: no known header
        ("an array written directly", np.arange(150_002.0)),
        ("the entry's source", list(range(200_000))),
    ],
)
def test_a_full_disk_is_reported_as_such_and_changes_nothing(tiny_disk, what, value):
    ds = DataSet("s", "w", path=tiny_disk, array_threshold=10)
    ds.x = [1, 2]
    if what == "an array written directly":
        ds.y = np.arange(10.0)  # teaches the writer the float64 header ...
        del ds.y
        value = np.arange(10.0).repeat(15_001)[:150_002]
    before = snapshot(ds._path)
    with pytest.raises(DiskFullError) as info:
        ds.x = value
    err = info.value
    assert err.resource == "disk" and err.errno == errno.ENOSPC and err.entry == "x"
    assert isinstance(err, OSError) and isinstance(err, CommitError)
    assert f"could not write entry 'x' to the store {ds._path!r}: the disk is full" in str(err)
    assert "No space left on device" in str(err)
    assert_unchanged(ds, before, [1, 2])


# ---- permissions --------------------------------------------------------------------------


def test_a_read_only_filesystem_is_reported_as_such_and_changes_nothing(tiny_disk):
    ds = DataSet("s", "w", path=tiny_disk)
    ds.x = [1, 2]
    before = snapshot(ds._path)
    if not _mount(tiny_disk, "-o", "remount,ro"):
        pytest.skip("this machine does not allow remounting read-only")
    try:
        with pytest.raises(CommitPermissionError) as info:
            ds.x = [3]
    finally:
        _mount(tiny_disk, "-o", "remount,rw")
    err = info.value
    assert err.resource == "permission" and err.errno == errno.EROFS
    assert isinstance(err, PermissionError)
    assert "the store is on a read-only filesystem" in str(err)
    assert_unchanged(ds, before, [1, 2])


_WRITE = """
import sys
from archived.errors import CommitError
from archived.store.dataset import DataSet
ds = DataSet("s", "w", path=sys.argv[1])
try:
    ds.y = [3, 4]
except CommitError as err:
    print(type(err).__name__, err.resource, err, sep="|")
else:
    print("wrote", DataSet("s", path=sys.argv[1]).y)
"""


def test_a_store_the_user_may_not_write_is_reported_as_a_permission(shared_dir):
    ds = DataSet("s", "w", path=shared_dir)
    ds.x = [1, 2]
    os.chmod(ds._path, 0o755)  # the owner's store, readable by all
    before = snapshot(ds._path)
    done = as_other_user(_WRITE, shared_dir)
    kind, resource, message = done.stdout.strip().split("|")
    assert (kind, resource) == ("CommitPermissionError", "permission"), done.stderr
    assert "permission denied" in message and "Permission denied" in message
    assert_unchanged(ds, before, [1, 2])


_DELETE = """
import sys
from archived.errors import CommitError
from archived.store.dataset import DataSet
ds = DataSet("s", "w", path=sys.argv[1])
try:
    del ds.x
except CommitError as err:
    print(type(err).__name__, err.resource, err.operation, err, sep="|")
else:
    print("deleted")
"""


def test_a_deletion_the_user_may_not_make_says_it_could_not_delete_and_changes_nothing(
    shared_dir,
):
    ds = DataSet("s", "w", path=shared_dir)
    ds.x = [1, 2]
    os.chmod(ds._path, 0o755)  # the owner's store, readable by all
    before = snapshot(ds._path)
    done = as_other_user(_DELETE, shared_dir)
    kind, resource, operation, message = done.stdout.strip().split("|")
    assert (kind, resource, operation) == ("CommitPermissionError", "permission", "delete")
    assert message.startswith(f"could not delete entry 'x' from the store {ds._path!r}: ")
    assert "permission denied" in message and "Permission denied" in message
    assert_unchanged(ds, before, [1, 2])


def test_a_lock_file_the_user_may_not_open_is_reported_as_the_lock(shared_dir):
    ds = DataSet("s", "w", path=shared_dir)
    ds.x = [1, 2]
    os.chmod(ds._path, 0o777)
    os.chmod(os.path.join(ds._path, ".lock"), 0o000)
    done = as_other_user(_WRITE, shared_dir)
    kind, resource, message = done.stdout.strip().split("|")
    assert (kind, resource) == ("CommitPermissionError", "lock"), done.stderr
    assert f"the lock file {os.path.join(ds._path, '.lock')!r} cannot be opened" in message
    assert sorted(ds) == ["x"] and verify(ds._path).ok


def test_a_lock_file_left_0644_by_another_user_locks_for_every_writer(shared_dir):
    ds = DataSet("s", "w", path=shared_dir)
    ds.x = [1, 2]  # the lock file is root's, 0644 (as the umask leaves it)
    os.chmod(os.path.join(ds._path, ".lock"), 0o644)
    os.chmod(ds._path, 0o777)
    done = as_other_user(_WRITE, shared_dir)
    assert done.stdout.strip() == "wrote [3, 4]", done.stderr
    # and the read-only descriptor really excludes: nobody holds it, root times out
    holder = textwrap.dedent(
        """
        import sys
        from archived.store.dataset import DataSet
        ds = DataSet("s", "w", path=sys.argv[1], synchronize=False)
        print("locked", flush=True)
        sys.stdin.read()
        """
    )
    command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    proc = subprocess.Popen(
        [*command, sys.executable, "-c", holder, shared_dir],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "locked"
        with pytest.raises(CommitTimeout):
            DataSet("s", "w", path=shared_dir, timeout=0.2).z = 1
    finally:
        proc.communicate("")
    assert proc.returncode == 0


def test_a_lock_file_its_owner_made_read_only_is_opened_read_only(shared_dir):
    # chmod 0444 denies its (non-root) owner read-write access
    path = os.path.join(shared_dir, ".lock")
    open(path, "w").close()
    os.chmod(path, 0o444)
    code = """
        import sys
        from archived.store.locking import StoreLock
        with StoreLock(sys.argv[1], timeout=1) as lock:
            print(lock.is_locked)
        """
    if ROOT:
        os.chown(path, NOBODY, NOBODY)
        done = as_other_user(code, path)
    else:
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code), path], capture_output=True, text=True
        )
    assert done.stdout.strip() == "True", done.stderr


# ---- the lock -----------------------------------------------------------------------------


def test_a_commit_that_cannot_take_the_lock_says_so_and_is_a_lock_timeout(tmp_path):
    ds = DataSet("s", "w", path=tmp_path, timeout=0.1)
    ds.x = [1, 2]
    before = snapshot(ds._path)
    with StoreLock(os.path.join(ds._path, ".lock")):
        with pytest.raises(CommitTimeout) as info:
            ds.x = [3]
    err = info.value
    assert err.resource == "lock" and isinstance(err, LockTimeout)
    assert isinstance(err, TimeoutError) and err.lock_file.endswith(".lock")
    assert "could not write entry 'x'" in str(err) and "another writer holds it" in str(err)
    assert_unchanged(ds, before, [1, 2])


# ---- threads --------------------------------------------------------------------------------


def _in_thread(func):
    out = {}

    def run():
        try:
            out["value"] = func()
        except BaseException as err:  # reported to the test's thread
            out["error"] = err

    t = threading.Thread(target=run)
    t.start()
    t.join()
    if "error" in out:
        raise out["error"]
    return out.get("value")


@pytest.mark.parametrize("locking", ["fcntl", "soft"])
def test_a_store_held_for_its_lifetime_is_written_and_closed_from_other_threads(tmp_path, locking):
    ds = DataSet("s", "w", path=tmp_path, synchronize=False, locking=locking, timeout=1)
    ds.a = 1
    _in_thread(lambda: setattr(ds, "b", 2))
    names = _in_thread(lambda: ds._insert(3, info="from a thread"))
    errors = []

    def write(i):
        try:
            for j in range(5):
                ds._insert((i, j), info={"thread": i})
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with pytest.raises(LockTimeout):  # still held by the store, for the process
        DataSet("s", "w", path=tmp_path, synchronize=False, locking=locking, timeout=0.1)
    _in_thread(ds._close)
    with DataSet("s", "w", path=tmp_path, synchronize=False, locking=locking, timeout=1) as again:
        again.c = 4
    assert len(DataSet("s", path=tmp_path)) == 3 + 1 + 20
    assert DataSet("s", path=tmp_path)[names[0]] == "from a thread"
