"""Grouped durability: commits in a group are atomic at once and reach the disk together.

Syncs are counted by wrapping the functions that make them; what a power cut can leave of
a renamed but unsynced entry (nothing, an empty file, a file of zero bytes, or the whole
file) is written by hand, and a cached call must treat each such file as damaged: keep it
aside, compute again, never return it as a result.  A sweep SIGKILLed while its chunk's
syncs are pending keeps every point that finished, whole; the random-instant SIGKILL test
of a grouped writer is in ``test_crash.py``.
"""

import os
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest

from archived import archived, sweep
from archived.errors import DamagedEntryError, DamagedEntryWarning
from archived.store import entries, groupsync
from archived.store.entries import commit_entry, read_value


@pytest.fixture
def syncs(monkeypatch):
    """Every sync made, in order: ("file", path-or-fd), ("fs", folder, entries present)."""
    made = []
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

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "fdatasync", fdatasync)
    monkeypatch.setattr(groupsync, "sync_filesystem", sync_filesystem)
    return made


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
        assert syncs == [("fs", folder, ["a"])]
        commit_entry(folder, "b", 2)
    assert syncs == [("fs", folder, ["a"]), ("fs", folder, ["a", "b"])]


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
    fs_syncs = [entry for kind, *entry in syncs if kind == "fs"]
    assert fs_syncs and set(names) <= set(fs_syncs[-1][1])
    # grouped: far fewer waits for the disk than the two per entry of single commits
    assert len(syncs) < 40


# ---- what a power cut can leave of an entry renamed but not synced --------------------------


def _cached(store):
    runs = []

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
