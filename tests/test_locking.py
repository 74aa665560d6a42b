"""StoreLock: exclusion across objects, threads and processes; timeouts; crash release."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from archived.errors import LockTimeout
from archived.store import lease as lease_module
from archived.store.locking import StoreLock

KINDS = [pytest.param(False, id="fcntl"), pytest.param(True, id="soft")]

HOLDER = """
import sys, time
from archived.store.locking import StoreLock
lock = StoreLock(sys.argv[1], timeout=5, soft=sys.argv[2] == "1")
lock.acquire()
print("held", flush=True)
time.sleep(600)  # killed by the test
"""

COUNTER = """
import sys
from archived.store.locking import StoreLock
path, soft, n = sys.argv[1], sys.argv[2] == "1", int(sys.argv[3])
lock = StoreLock(path + ".lock", timeout=600, soft=soft)
for _ in range(n):
    with lock:
        with open(path) as f:
            value = int(f.read())
        with open(path, "w") as f:
            f.write(str(value + 1))
"""


@pytest.mark.parametrize("soft", KINDS)
def test_second_lock_on_same_file_times_out_with_lock_timeout_naming_the_file(tmp_path, soft):
    path = str(tmp_path / ".lock")
    with StoreLock(path, timeout=1, soft=soft):
        start = time.monotonic()
        with pytest.raises(LockTimeout) as info:
            StoreLock(path, timeout=0.2, soft=soft).acquire()
        waited = time.monotonic() - start
    assert waited >= 0.2  # how much longer depends on how busy the machine is
    assert path in str(info.value)
    assert isinstance(info.value, TimeoutError)


@pytest.mark.parametrize("soft", KINDS)
def test_lock_is_free_again_after_release(tmp_path, soft):
    path = str(tmp_path / ".lock")
    first = StoreLock(path, timeout=1, soft=soft)
    with first:
        assert first.is_locked
    assert not first.is_locked
    with StoreLock(path, timeout=0.5, soft=soft) as second:
        assert second.is_locked


def test_lock_is_reentrant_in_the_holding_thread(tmp_path):
    lock = StoreLock(tmp_path / ".lock", timeout=0.2)
    with lock, lock, lock:
        assert lock.is_locked
    assert not lock.is_locked


def test_release_of_unheld_lock_raises(tmp_path):
    with pytest.raises(RuntimeError, match="unheld"):
        StoreLock(tmp_path / ".lock", timeout=1).release()


def test_one_lock_object_shared_by_threads_excludes_the_other_thread(tmp_path):
    lock = StoreLock(tmp_path / ".lock", timeout=600)
    inside = []
    overlaps = []

    def work():
        for _ in range(200):
            with lock:
                inside.append(1)
                if len(inside) > 1:
                    overlaps.append(1)
                inside.pop()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == []


def test_other_thread_times_out_while_one_thread_holds_the_lock(tmp_path):
    lock = StoreLock(tmp_path / ".lock", timeout=0.1)
    errors = []
    with lock:

        def other():
            try:
                lock.acquire()
            except LockTimeout as err:
                errors.append(err)

        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert len(errors) == 1


@pytest.mark.parametrize("soft", KINDS)
def test_processes_incrementing_a_counter_under_the_lock_lose_no_update(tmp_path, soft):
    counter = tmp_path / "counter"
    counter.write_text("0")
    procs = [
        subprocess.Popen([sys.executable, "-c", COUNTER, str(counter), "1" if soft else "0", "50"])
        for _ in range(4)
    ]
    for p in procs:
        assert p.wait(timeout=600) == 0
    assert counter.read_text() == "200"


@pytest.mark.parametrize("soft", KINDS)
def test_lock_of_a_sigkilled_holder_is_released(tmp_path, soft):
    path = str(tmp_path / ".lock")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, path, "1" if soft else "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockTimeout):
            StoreLock(path, timeout=0.1, soft=soft).acquire()
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
        with StoreLock(path, timeout=60, soft=soft) as lock:  # never reclaimed: LockTimeout
            assert lock.is_locked
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


@pytest.mark.parametrize("soft", KINDS)
def test_zero_timeout_tries_once_and_never_sleeps(tmp_path, monkeypatch, soft):
    path = tmp_path / ".lock"
    with StoreLock(path, timeout=1, soft=soft):
        monkeypatch.setattr(time, "sleep", lambda seconds: pytest.fail("slept while waiting"))
        with pytest.raises(LockTimeout):
            StoreLock(path, timeout=0, soft=soft).acquire()


def test_soft_lock_is_free_on_a_lock_file_left_by_fcntl_locking(tmp_path):
    path = str(tmp_path / ".lock")
    with StoreLock(path, timeout=1):
        pass
    assert os.path.exists(path)  # fcntl lock files are never deleted
    with StoreLock(path, timeout=0.2, soft=True) as lock:
        assert lock.is_locked


def test_store_written_with_fcntl_locking_can_be_written_with_soft_locking(tmp_path):
    from archived import DataSet

    DataSet("s", "w", path=str(tmp_path)).x = 1
    os.remove(tmp_path / "s" / ".locking")  # a store made before stores recorded their kind
    soft = DataSet("s", "w", path=str(tmp_path), locking="soft", timeout=1)
    soft.y = 2
    assert (DataSet("s", path=str(tmp_path)).x, soft.y) == (1, 2)
    assert not os.path.exists(tmp_path / "s" / ".lock.soft")


# ---- lock files removed on release (per-key locks) -----------------------------------------

REMOVING_COUNTER = """
import os, sys
from archived.store.locking import StoreLock
path, log, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for _ in range(n):
    with StoreLock(path + ".lock", timeout=60, remove=True):
        with open(path) as f:
            value = int(f.read())
        with open(log, "a") as f:
            f.write(f"in {os.getpid()}\\n")
        with open(path, "w") as f:
            f.write(str(value + 1))
        with open(log, "a") as f:
            f.write(f"out {os.getpid()}\\n")
"""


def test_a_removing_lock_deletes_its_file_on_release_and_the_next_holder_makes_a_new_one(
    tmp_path,
):
    path = str(tmp_path / "k.lock")
    for _ in range(2):
        with StoreLock(path, timeout=1, remove=True):
            assert os.path.exists(path)
        assert not os.path.exists(path)


def _open_fds_on(path):
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") in (path, path + " (deleted)"):
                found.append(fd)
        except OSError:
            continue
    return found


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to see open files")
def test_a_waiter_on_a_deleted_lock_file_never_holds_it_while_another_holds_the_new_file(
    tmp_path,
):
    path = str(tmp_path / "k.lock")
    first = StoreLock(path, timeout=5).acquire()
    got = threading.Event()

    def wait_for_it():
        with StoreLock(path, timeout=None):
            got.set()

    waiter = threading.Thread(target=wait_for_it)
    waiter.start()
    while len(_open_fds_on(path)) < 2:  # the waiter has opened the file `first` holds
        time.sleep(0.001)
    os.unlink(path)  # what a removing holder does before it unlocks
    with StoreLock(path, timeout=0):  # a new file of the same name, locked at once
        first.release()  # the waiter can now lock the deleted file, and must let it go
        time.sleep(0.3)
        assert not got.is_set()
    waiter.join(timeout=30)
    assert got.is_set()


def test_processes_with_removing_locks_never_overlap_and_leave_no_lock_file(tmp_path):
    counter, log = tmp_path / "counter", tmp_path / "log"
    counter.write_text("0")
    procs = [
        subprocess.Popen([sys.executable, "-c", REMOVING_COUNTER, str(counter), str(log), "60"])
        for _ in range(4)
    ]
    for p in procs:
        assert p.wait(timeout=120) == 0
    assert counter.read_text() == "240"
    lines = log.read_text().split("\n")[:-1]
    assert len(lines) == 480
    for enter, leave in zip(lines[::2], lines[1::2], strict=True):  # never interleaved
        assert enter.split()[0] == "in" and leave == "out " + enter.split()[1]
    assert not os.path.exists(str(counter) + ".lock")


def _plant_lease(lock_path, seconds):
    """A lease file of a holder on another machine, as a crafted store could hold one."""
    folder = lock_path + ".lease"
    os.mkdir(folder)
    name = f"0a1b2c3d4e5f-42-0123abcd.{round(seconds * 1000)}.0"
    assert lease_module.holder_of(name)[0] != lease_module.HERE
    open(os.path.join(folder, name), "w").close()


def test_a_planted_lease_of_centuries_holds_the_lock_no_longer_than_the_longest_lease(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(lease_module, "MAX_LEASE", 1.0)  # an hour, shortened for the test
    path = str(tmp_path / ".lock")
    _plant_lease(path, 1e12)  # ~31,000 years, named for a machine that is not this one
    started = time.monotonic()
    with StoreLock(path, timeout=600, soft=True, lease=0.5) as lock:  # a hang guard only
        assert lock.is_locked
    assert time.monotonic() - started >= 1.0  # honoured up to the longest lease


@pytest.mark.parametrize("lease", [3600.001, 1e9])
def test_a_lease_longer_than_the_longest_is_refused_naming_the_limit(tmp_path, lease, monkeypatch):
    with pytest.raises(ValueError, match="at most 3600"):
        StoreLock(str(tmp_path / ".lock"), timeout=1, soft=True, lease=lease).acquire()
    assert os.listdir(tmp_path) == []  # nothing taken, nothing left
    monkeypatch.setenv("ARCHIVED_LOCK_LEASE", str(lease))
    with pytest.raises(ValueError, match="ARCHIVED_LOCK_LEASE .*at most 3600"):
        lease_module.default_lease()


TAKER = """
import sys
from archived.store.locking import StoreLock
StoreLock(sys.argv[1], timeout=None, soft=True).acquire()
"""


def test_the_lease_folder_of_a_soft_lock_taker_killed_while_it_waits_goes_when_the_store_opens(
    tmp_path,
):
    from archived.store.dataset import DataSet
    from archived.store.writers import new_token

    store = tmp_path / "runs"
    DataSet("runs", "w", path=str(tmp_path), locking="soft")
    lock = str(store / ".lock")
    with StoreLock(lock, timeout=5, soft=True):
        taker = subprocess.Popen([sys.executable, "-c", TAKER, lock])
        while not [n for n in os.listdir(store) if n.startswith(".lock.lease.")]:
            assert taker.poll() is None  # waiting with its lease made, to offer
            time.sleep(0.005)
        taker.kill()
        taker.wait()
    [left] = [n for n in os.listdir(store) if n.startswith(".lock.lease.")]
    assert f"-{taker.pid}-" in left  # (it stayed there: no one ever removed it)
    # what is not certainly a dead taker's stays: a live one's (this process's), one of
    # another machine, one holding what no taker makes
    kept = [f".lock.lease.{new_token()}", ".lock.lease.0a1b2c3d4e5f-42-0123abcd"]
    for name in kept:
        os.mkdir(store / name)
    odd = store / f".lock.lease.{left.rpartition('.lease.')[2][:-8]}01234567"
    os.mkdir(odd)
    (odd / "notes.txt").write_text("someone's\n")
    kept.append(odd.name)
    DataSet("runs", "w", path=str(tmp_path), locking="soft")
    assert sorted(n for n in os.listdir(store) if ".lease." in n) == sorted(kept)
