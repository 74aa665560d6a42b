"""Key locks as byte ranges of one file: exclusion across objects and processes, release
at a holder's death, no file made per key, and the lock file per key where ranges are
not available."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from archived import archived
from archived.errors import LockTimeout, UnsafeFileError
from archived.store import keylocks
from archived.store.keylocks import RANGES, KeyLock, key_lock, offset_of, ranges_supported
from archived.store.locking import StoreLock
from helpers import RunLog

needs_ranges = pytest.mark.skipif(
    not ranges_supported(), reason="open file description locks (64-bit Linux) only"
)

HOLDER = """
import sys, time
from archived.store.keylocks import key_lock
lock = key_lock(sys.argv[1], sys.argv[2], timeout=5).acquire()
print("held", flush=True)
time.sleep(600)  # killed by the test
"""

COUNTER = """
import sys
from archived.store.keylocks import key_lock
folder, counter, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for _ in range(n):
    with key_lock(folder, "f_0123456789abcdef", timeout=600):
        with open(counter) as f:
            value = int(f.read())
        with open(counter, "w") as f:
            f.write(str(value + 1))
"""


@needs_ranges
def test_two_locks_of_one_key_in_one_process_exclude_each_other_naming_the_key(tmp_path):
    folder = str(tmp_path)
    with key_lock(folder, "f_1", timeout=5):
        with pytest.raises(LockTimeout, match="f_1.lock"):
            key_lock(folder, "f_1", timeout=0.05).acquire()
    with key_lock(folder, "f_1", timeout=0) as again:  # free once released
        assert again.is_locked


@needs_ranges
def test_locks_of_different_keys_are_held_at_once_in_one_file(tmp_path):
    folder = str(tmp_path)
    names = [f"f_{i:016x}" for i in range(50)]
    assert len({offset_of(name) for name in names}) == len(names)
    locks = [key_lock(folder, name, timeout=0).acquire() for name in names]
    assert all(isinstance(lock, KeyLock) and lock.is_locked for lock in locks)
    assert os.listdir(folder) == [RANGES]
    for lock in locks:
        lock.release()


@needs_ranges
def test_a_key_lock_is_reentrant_for_its_holder_and_refuses_an_unheld_release(tmp_path):
    lock = key_lock(str(tmp_path), "f_1", timeout=5)
    with lock:
        with lock:
            assert lock.is_locked
        assert lock.is_locked
        with pytest.raises(LockTimeout):
            key_lock(str(tmp_path), "f_1", timeout=0).acquire()
    assert not lock.is_locked
    with pytest.raises(RuntimeError, match="unheld"):
        lock.release()


def test_processes_incrementing_a_counter_under_one_key_lose_no_update(tmp_path):
    counter = tmp_path / "counter"
    counter.write_text("0")
    folder = tmp_path / "keys"
    folder.mkdir()
    procs = [
        subprocess.Popen([sys.executable, "-c", COUNTER, str(folder), str(counter), "50"])
        for _ in range(4)
    ]
    for p in procs:
        assert p.wait(timeout=600) == 0
    assert counter.read_text() == "200"


def test_the_key_of_a_sigkilled_holder_is_free_at_once(tmp_path):
    folder = str(tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, folder, "f_1"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockTimeout):
            key_lock(folder, "f_1", timeout=0.1).acquire()
        key_lock(folder, "f_2", timeout=0).acquire().release()  # another key is free
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
        with key_lock(folder, "f_1", timeout=60) as lock:  # never freed: LockTimeout
            assert lock.is_locked
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


@needs_ranges
def test_a_computing_miss_holds_its_key_with_no_file_of_its_own(tmp_path):
    store = str(tmp_path / "runs")
    seen = RunLog()

    @archived(store)
    def f(x):
        seen.append(sorted(os.listdir(os.path.join(store, ".keys"))))
        with pytest.raises(LockTimeout):  # the call holds its key while it computes
            call = f.call_key(x=x)
            f.store.key_lock(f.store.first_name(call.prefix, call.key)).acquire()
        return x

    f.store.lock_timeout = 0
    assert f(1) == 1 and f(1) == 1
    assert seen == [[RANGES]]
    assert os.listdir(os.path.join(store, ".keys")) == [RANGES]


def test_without_byte_ranges_a_key_takes_a_lock_file_of_its_own_removed_on_release(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(keylocks, "ranges_supported", lambda: False)
    folder = str(tmp_path)
    lock = key_lock(folder, "f_1", timeout=5)
    assert isinstance(lock, StoreLock)
    with lock:
        assert os.listdir(folder) == ["f_1.lock"]
    assert os.listdir(folder) == []


@needs_ranges
def test_a_ranges_file_this_user_may_only_read_falls_back_to_a_lock_file_per_key(
    tmp_path, monkeypatch
):
    folder = str(tmp_path)
    (tmp_path / RANGES).write_text("")
    opened = []

    def read_only(path):
        opened.append(path)
        return os.open(path, os.O_RDONLY)

    monkeypatch.setattr(keylocks, "_open_lock_file", read_only)
    with key_lock(folder, "f_1", timeout=5) as lock:
        assert lock.is_locked and sorted(os.listdir(folder)) == ["f_1.lock", RANGES]
        with pytest.raises(LockTimeout):  # the fallback excludes the same fallback
            key_lock(folder, "f_1", timeout=0).acquire()
    assert opened and os.listdir(folder) == [RANGES]


@needs_ranges
def test_a_link_planted_as_the_ranges_file_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.write_text("")
    keys = tmp_path / "keys"
    keys.mkdir()
    os.symlink(outside, keys / RANGES)
    with pytest.raises(UnsafeFileError, match="symbolic link"):
        key_lock(str(keys), "f_1", timeout=0).acquire()


@needs_ranges
def test_a_read_lock_over_the_ranges_file_stalls_no_key_it_takes_a_lock_file_of_its_own(
    tmp_path,
):
    # archived takes no read lock; anyone who may read ranges.lock (every reader of a
    # shared store) can take one over every byte: each miss waited for it, forever
    # with lock_timeout=None
    import fcntl
    import struct

    folder = str(tmp_path)
    with key_lock(folder, "f_1", timeout=5):
        pass  # the ranges file exists
    reader = os.open(os.path.join(folder, RANGES), os.O_RDONLY)
    try:
        whole = struct.pack(keylocks._FLOCK, fcntl.F_RDLCK, os.SEEK_SET, 0, 0, 0)
        fcntl.fcntl(reader, fcntl.F_OFD_SETLK, whole)
        with key_lock(folder, "f_1", timeout=0) as lock:
            assert lock.is_locked and os.path.exists(os.path.join(folder, "f_1.lock"))
            with pytest.raises(LockTimeout, match="f_1.lock"):  # still exclusive
                key_lock(folder, "f_1", timeout=0.05).acquire()
        assert not os.path.exists(os.path.join(folder, "f_1.lock"))
    finally:
        os.close(reader)
