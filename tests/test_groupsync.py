"""Grouped durability: commits in a group are atomic at once and reach the disk together.

Syncs are counted by wrapping the functions that make them; what a power cut can leave of
a renamed but unsynced entry (nothing, an empty file, a file of zero bytes, or the whole
file) is written by hand, and a cached call must treat each such file as damaged: keep it
aside, compute again, never return it as a result.  A sweep SIGKILLed while its chunk's
syncs are pending keeps every point that finished, whole; the random-instant SIGKILL test
of a grouped writer is in ``test_crash.py``.
"""

import errno
import os
import signal
import subprocess
import sys
import threading
import time
import warnings

import numpy as np
import pytest

from archived import archived, sweep
from archived.cache.sweeprun import _run_chunk
from archived.errors import DamagedEntryError, DamagedEntryWarning, ResultNotStoredWarning
from archived.store import entries, groupsync
from archived.store.entries import commit_entry, read_value
from helpers import RunLog


@pytest.fixture
def syncs(monkeypatch):
    """Every sync made, in order: ("file", path-or-fd), ("fs", folder, entries present)."""
    made = []
    # a sweep of an earlier test leaves its background syncs pending (its driver synced
    # the filesystem itself): drain them, or this test records them as its own
    groupsync._background.wait()
    real_fsync, real_fdatasync = os.fsync, os.fdatasync
    real_fs = groupsync.sync_filesystem

    def fsync(fd):
        made.append(("file", fd))
        real_fsync(fd)

    def fdatasync(fd):
        made.append(("file", fd))
        real_fdatasync(fd)

    def sync_filesystem(folder):
        made.append(("fs", folder, entries.entry_names(folder)))
        real_fs(folder)

    real_end = groupsync._sync_at_end

    def sync_at_end(folder, fd):
        made.append(("end", folder, entries.entry_names(folder)))
        real_end(folder, fd)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "fdatasync", fdatasync)
    monkeypatch.setattr(groupsync, "sync_filesystem", sync_filesystem)
    monkeypatch.setattr(groupsync, "_sync_at_end", sync_at_end)
    yield made
    groupsync._background.wait()  # nothing of this test left running into the next


def test_a_group_of_new_entries_waits_for_the_disk_once_after_the_last(tmp_path, syncs):
    folder = str(tmp_path)
    with groupsync.grouped(max_delay=3600):
        for i in range(20):
            commit_entry(folder, f"x{i}", {"i": i})
        assert syncs == []  # committed (renamed) but not yet synced
        assert [read_value(folder, f"x{i}") for i in range(20)] == [{"i": i} for i in range(20)]
    assert syncs == [("fs", folder, sorted(f"x{i}" for i in range(20)))]


def test_a_group_syncs_when_its_oldest_commit_has_waited_max_delay(tmp_path, syncs):
    folder = str(tmp_path)
    with groupsync.grouped(max_delay=0):
        commit_entry(folder, "a", 1)
        groupsync._background.wait()  # started at the commit, made in the background
        assert syncs == [("fs", folder, ["a"])]
        commit_entry(folder, "b", 2)
    assert syncs == [("fs", folder, ["a"]), ("fs", folder, ["a", "b"])]


def test_a_commit_followed_by_a_long_computation_is_synced_without_another_commit(
    tmp_path, monkeypatch
):
    folder, synced = str(tmp_path), threading.Event()

    def sync_filesystem(folder):
        synced.set()

    monkeypatch.setattr(groupsync, "sync_filesystem", sync_filesystem)
    with groupsync.grouped(max_delay=0.05):
        commit_entry(folder, "a", 1)
        # the block computes for long: no commit, no end; the thread syncs when due
        assert synced.wait(60), "the commit waited for another commit or the block's end"


def test_groups_that_leave_their_sync_to_a_driver_share_one_sync_when_it_falls_due(
    tmp_path, syncs
):
    folder = str(tmp_path)
    for i in range(5):  # five chunks of a sweep, in a row
        with groupsync.grouped(max_delay=3600, wait=False):
            commit_entry(folder, f"x{i}", i)
    assert syncs == []  # none due yet: not one sync per chunk
    groupsync._background.wait()  # what the end of the process, or a waiting group, does
    assert syncs == [("fs", folder, [f"x{i}" for i in range(5)])]


def test_a_group_goes_on_committing_while_its_sync_runs_and_its_end_waits_for_it(
    tmp_path, monkeypatch
):
    folder = str(tmp_path)
    running, release, log = threading.Event(), threading.Event(), []

    def slow_sync(folder):
        log.append(("sync starts", entries.entry_names(folder)))
        running.set()
        assert release.wait(60), "the group waited for its sync before its end"
        log.append(("sync ends", entries.entry_names(folder)))

    monkeypatch.setattr(groupsync, "sync_filesystem", slow_sync)
    with groupsync.grouped(max_delay=0):
        commit_entry(folder, "a", 1)  # starts a sync, which blocks until released
        assert running.wait(60)
        commit_entry(folder, "b", 2)  # committed while the sync of "a" runs
        log.append(("committed", ["a", "b"]))
        release.set()
    # the end waited for both syncs: the one running, and the one of "b" after it
    assert log == [
        ("sync starts", ["a"]),
        ("committed", ["a", "b"]),
        ("sync ends", ["a", "b"]),
        ("sync starts", ["a", "b"]),
        ("sync ends", ["a", "b"]),
    ]


def _failing_sync(folder):
    raise OSError(errno.EIO, "write-back failed", folder)


def test_a_background_sync_that_fails_is_raised_at_the_end_of_its_group(tmp_path, monkeypatch):
    folder = str(tmp_path)
    monkeypatch.setattr(groupsync, "sync_filesystem", _failing_sync)
    with pytest.raises(OSError, match="write-back failed"), groupsync.grouped(max_delay=0):
        commit_entry(folder, "a", 1)
        commit_entry(folder, "b", 2)
    assert read_value(folder, "a") == 1  # committed all the same, as a failed fsync leaves it
    monkeypatch.setattr(groupsync, "sync_filesystem", lambda folder: None)
    with groupsync.grouped():  # said once: the next group is not blamed for it
        commit_entry(folder, "c", 3)


def test_a_failed_sync_a_group_did_not_wait_for_is_raised_by_the_next_group(tmp_path, monkeypatch):
    folder = str(tmp_path)
    monkeypatch.setattr(groupsync, "sync_filesystem", _failing_sync)
    with groupsync.grouped(max_delay=3600, wait=False):  # a sweep's chunk: the driver syncs
        commit_entry(folder, "a", 1)
    groupsync._background.wait()  # failed after its group ended, raised by no one yet
    with pytest.raises(OSError, match="write-back failed"), groupsync.grouped():
        pass


EXITING = r"""
import os, sys
from archived.store import groupsync
from archived.store.entries import commit_entry

folder, how = sys.argv[1], sys.argv[2]

def sync(folder):
    import time
    time.sleep(0.3)  # still running when the main thread is done
    if how == "fail":
        raise OSError(5, "write-back failed", folder)
    open(os.path.join(folder, "synced"), "w").close()

groupsync.sync_filesystem = sync
with groupsync.grouped(wait=False):
    commit_entry(folder, "a", 1)
"""


def test_a_process_exits_only_once_its_background_sync_is_made(tmp_path):
    folder = str(tmp_path)
    subprocess.run([sys.executable, "-c", EXITING, folder, "ok"], check=True)
    assert os.path.exists(os.path.join(folder, "synced"))


def test_a_process_exiting_after_a_failed_background_sync_nobody_raised_warns(tmp_path):
    folder = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", EXITING, folder, "fail"], capture_output=True, text=True
    )
    assert done.returncode == 0
    assert "background sync of a store to disk failed" in done.stderr
    assert "write-back failed" in done.stderr


def test_a_group_left_by_an_exception_still_syncs_what_it_committed(tmp_path, syncs):
    folder = str(tmp_path)
    with pytest.raises(ZeroDivisionError), groupsync.grouped(max_delay=3600):
        commit_entry(folder, "a", 1)
        1 / 0  # noqa: B018
    assert syncs == [("fs", folder, ["a"])]


def test_an_entry_replacing_another_is_synced_before_its_rename_even_in_a_group(tmp_path, syncs):
    folder = str(tmp_path)
    commit_entry(folder, "a", "old")
    syncs.clear()
    with groupsync.grouped(max_delay=3600):
        commit_entry(folder, "a", "new")
        # the new file was synced, then the directory: an existing result is never
        # exposed to an unsynced replacement
        assert [kind for kind, *_ in syncs] == ["file", "file"]
    assert read_value(folder, "a") == "new"


def test_an_entry_bigger_than_a_page_is_synced_before_its_rename_even_in_a_group(tmp_path, syncs):
    folder = str(tmp_path)
    with groupsync.grouped(max_delay=3600):
        commit_entry(folder, "big", "x" * groupsync.PAGE)
        assert [kind for kind, *_ in syncs] == ["file", "file"]  # as a durable commit
        commit_entry(folder, "small", "x")
        assert len(syncs) == 2
    assert syncs[-1] == ("fs", folder, ["big", "small"])


def test_data_files_are_synced_before_the_entry_naming_them_even_in_a_group(tmp_path, syncs):
    folder = str(tmp_path)
    with groupsync.grouped(max_delay=3600):
        commit_entry(folder, "a", np.arange(1000.0))
        assert syncs and all(kind == "file" for kind, *_ in syncs)  # the HDF5 file
    assert syncs[-1] == ("fs", folder, ["a"])


def test_durable_false_commits_sync_nothing_in_a_group(tmp_path, syncs):
    folder = str(tmp_path)
    with groupsync.grouped(max_delay=3600):
        commit_entry(folder, "a", 1, durable=False)
    assert syncs == []


def point(x):
    return {"x": x}


def test_a_sweep_has_every_entry_synced_before_it_returns(tmp_path, syncs):
    f = archived(str(tmp_path / "runs"))(point)
    assert sweep(f, {"x": list(range(40))}, n_jobs=1, progress=False)[-1] == {"x": 39}
    names = [name for name in entries.entry_names(f.store.path) if "_sweep_" not in name]
    assert len(names) == 40
    # the chunks ran here, under the driver's kernel: none waited for its last sync, the
    # driver synced the filesystem once at the end, after every point was committed
    [(folder, present)] = [entry for kind, *entry in syncs if kind == "end"]
    assert folder == f.store.path and set(names) <= set(present)
    # grouped: far fewer syncs than the two per entry of single commits
    assert len(syncs) < 40


def test_a_chunk_run_under_another_kernel_waits_for_its_sync_before_it_returns(tmp_path, syncs):
    f = archived(str(tmp_path / "runs"))(point)
    chunk = [(x, f.call_key(x=x), {"x": x}) for x in range(5)]
    done, _, left, _, _ = _run_chunk(f, chunk, False, "values", ("another-boot-id", 1))
    assert [value for _, value in done] == [{"x": x} for x in range(5)] and not left
    kind, _, present = syncs[-1]  # synced before the chunk returned
    assert kind == "fs" and len(present) == 5
    here = groupsync.disk_token(f.store.path)
    chunk = [(x, f.call_key(x=x), {"x": x}) for x in range(5, 8)]
    assert _run_chunk(f, chunk, False, "values", here)[2]  # its driver syncs at the end


def test_a_failed_sync_at_the_end_of_a_sweep_returns_the_results_and_says_so(
    tmp_path, monkeypatch
):
    # raised, it threw away the results of every point (committed to the store), as a
    # single call's failed sync does not: that call returns its result with a warning
    f = archived(str(tmp_path / "runs"))(point)
    monkeypatch.setattr(groupsync, "_sync_at_end", lambda folder, fd: _failing_sync(folder))
    with pytest.warns(ResultNotStoredWarning, match="write-back failed") as caught:
        assert sweep(f, {"x": [1, 2]}, n_jobs=1, progress=False) == [{"x": 1}, {"x": 2}]
    [told] = [w for w in caught if issubclass(w.category, ResultNotStoredWarning)]
    assert "may not be on the disk" in str(told.message)
    assert told.filename == __file__  # at the user's line
    assert isinstance(told.message.error, OSError)


def test_a_failed_sync_at_the_end_of_a_stopped_sweep_keeps_the_error_that_stopped_it(
    tmp_path, monkeypatch
):
    @archived(str(tmp_path / "runs"))
    def failing(x):
        if x == 2:
            raise ZeroDivisionError("point 2")
        return x

    monkeypatch.setattr(groupsync, "_sync_at_end", lambda folder, fd: _failing_sync(folder))
    with (
        pytest.warns(ResultNotStoredWarning, match="write-back failed"),
        pytest.raises(ZeroDivisionError, match="point 2"),
    ):
        sweep(failing, {"x": [1, 2]}, n_jobs=1, progress=False)


# ---- what a power cut can leave of an entry renamed but not synced --------------------------


def _cached(store):
    runs = RunLog()

    @archived(store)
    def f(n):
        runs.append(n)
        return {"n": n, "data": np.arange(float(n))}

    return f, runs


@pytest.mark.parametrize(
    "leftover",
    [b"", b"\0" * 600, b"\0" * groupsync.PAGE],
    ids=["empty", "zero-bytes", "zero-page"],
)
def test_an_entry_file_left_empty_or_zero_filled_is_damaged_kept_aside_and_recomputed(
    tmp_path, leftover
):
    f, runs = _cached(str(tmp_path / "runs"))
    f(3)
    [name] = list(f.dataset)
    path = os.path.join(f.store.path, name + ".py")
    with open(path, "wb") as out:
        out.write(leftover)
    with pytest.raises(DamagedEntryError):
        entries.read_value(f.store.path, name)
    with pytest.warns(DamagedEntryWarning, match=r"moved to .*\.damaged") as caught:
        result = f(3)
    assert result["n"] == 3 and list(result["data"]) == [0.0, 1.0, 2.0] and runs == [3, 3]
    kept = caught[0].message.kept
    assert open(os.path.join(kept, name + ".py"), "rb").read() == leftover  # kept as found
    assert f(3)["n"] == 3 and runs == [3, 3]  # the recomputed result is stored


@pytest.mark.parametrize("how", ["empty", "zero-bytes", "cut"])
def test_a_data_file_left_empty_zero_filled_or_cut_is_damaged_and_recomputed(tmp_path, how):
    f, runs = _cached(str(tmp_path / "runs"))
    f(500)  # an array big enough for an HDF5 data file
    [name] = list(f.dataset)
    [data] = [n for n in os.listdir(f.store.path) if n.endswith(".h5")]
    path = os.path.join(f.store.path, data)
    size = os.path.getsize(path)
    with open(path, "r+b") as out:
        if how == "empty":
            out.truncate(0)
        elif how == "zero-bytes":
            out.write(b"\0" * size)
        else:
            out.truncate(size // 2)
    with pytest.raises(DamagedEntryError):
        entries.read_value(f.store.path, name)
    with pytest.warns(DamagedEntryWarning, match=r"moved to .*\.damaged"):
        result = f(500)
    np.testing.assert_array_equal(result["data"], np.arange(500.0))
    assert runs == [500, 500]


def test_the_filesystem_sync_reaches_files_written_by_other_processes(tmp_path):
    # a sweep's driver and a group's sync rely on syncfs covering every process's writes;
    # here only that it runs on the store's filesystem and reports no failure
    path = tmp_path / "written_elsewhere"
    subprocess.run([sys.executable, "-c", f"open({str(path)!r}, 'w').write('x')"], check=True)
    groupsync.sync_filesystem(str(tmp_path))
    assert path.read_text() == "x"


# ---- a sweep killed while its chunk's syncs are pending -------------------------------------

SWEEPER = r"""
import os, sys
sys.path.insert(0, sys.argv[3])
from archived import archived, sweep
from test_groupsync import logged_point

f = archived(sys.argv[1], ignore=("log", "stop"))(logged_point)
sweep(f, {"x": list(range(500)), "log": [sys.argv[2]], "stop": [int(sys.argv[4])]},
      n_jobs=1, progress=False)
"""


def logged_point(x, log, stop):
    with open(log, "a") as out:  # appended as the point computes, before its commit
        out.write(f"{x}\n")
    while x == stop:  # the sweep is killed here, its chunk's group not yet synced
        time.sleep(0.01)
    return {"x": x, "square": x * x}


@pytest.mark.parametrize("stop", [3, 60])
def test_a_sweep_killed_mid_chunk_keeps_every_finished_point_intact(tmp_path, stop):
    store, log = str(tmp_path / "runs"), str(tmp_path / "log")
    here = os.path.dirname(os.path.abspath(__file__))
    proc = subprocess.Popen([sys.executable, "-c", SWEEPER, store, log, here, str(stop)])
    try:
        while not os.path.exists(log) or str(stop) not in open(log).read().split():
            assert proc.poll() is None, "the sweep ended before it was killed"
            time.sleep(0.01)
    finally:
        proc.kill()  # SIGKILL: the chunk never ends, its group never syncs
        proc.wait()
    f = archived(store, ignore=("log", "stop"))(logged_point)
    stored = {p["x"]: stored for p, stored in f}
    computed = len(open(log).read().split())
    assert sorted(stored) == list(range(stop))  # every point that finished is there
    assert all(stored[x]() == {"x": x, "square": x * x} for x in stored)  # whole, exact
    with warnings.catch_warnings():
        warnings.simplefilter("error", DamagedEntryWarning)  # nothing half-written
        again = sweep(
            f, {"x": list(range(stop + 2)), "log": [log], "stop": [-1]}, n_jobs=1, progress=False
        )
    assert again == [{"x": x, "square": x * x} for x in range(stop + 2)]
    # only the point in flight and the one never reached were computed again
    assert [int(x) for x in open(log).read().split()][computed:] == [stop, stop + 1]


# ---- a loky worker killed while its group's syncs are pending or running ----------------


def killing_point(x, stop):
    if x == stop:
        os.kill(os.getpid(), signal.SIGKILL)  # mid-chunk: its group neither ended nor synced
    return {"x": x, "square": x * x}


def test_a_loky_worker_killed_mid_group_leaves_every_committed_point_intact(tmp_path):
    from joblib.externals.loky.process_executor import TerminatedWorkerError

    f = archived(str(tmp_path / "runs"), ignore=("stop",))(killing_point)
    grid = {"x": list(range(400)), "stop": [250]}
    with pytest.raises(TerminatedWorkerError):
        sweep(f, grid, n_jobs=2, backend="loky", progress=False)
    stored = {p["x"]: stored for p, stored in f}
    assert 250 not in stored and len(stored) > 0
    assert all(stored[x]() == {"x": x, "square": x * x} for x in stored)  # whole, exact
    with warnings.catch_warnings():
        warnings.simplefilter("error", DamagedEntryWarning)  # nothing half-written
        again = sweep(f, {"x": list(range(400)), "stop": [-1]}, n_jobs=2, progress=False)
    assert again == [{"x": x, "square": x * x} for x in range(400)]


def test_a_sync_by_path_of_an_entry_replaced_by_a_fifo_does_not_block(tmp_path):
    # where a filesystem cannot be synced whole, the background thread syncs each entry
    # file by its path: one replaced by a FIFO meanwhile (a store shared with others)
    # blocked it in open(), and the exit of the process, which waits for it, forever
    fifo = str(tmp_path / "x.py")
    os.mkfifo(fifo)
    done = threading.Event()

    def sync():
        groupsync._sync_group(set(), [fifo])
        done.set()

    threading.Thread(target=sync, daemon=True).start()
    finished = done.wait(60)  # (no window: a sync that does not block ends at once)
    if not finished:  # let the blocked open() go: a writer comes
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert finished
