"""A bulk lookup (a sweep's "what is left" look at every point) that had to read many
entry files saves the rows it read, so the next process reads none of them again; it
never saves over an index file another process wrote since, nor drops rows of entries
it did not look up."""

import os
import subprocess
import sys

import pytest

from archived import archived, sweep
from archived.store import index
from helpers import count_entry_reads

N = 150  # more than a lookup of a few (FEW): a bulk lookup


# each test as in a new process: nothing known of any store's index before or after it
pytestmark = pytest.mark.usefixtures("index_forgotten")


def _point(x):
    return {"energy": x / 2, "label": f"p{x}"}


def _other(x):
    return -x


def _signature(path):
    st = os.stat(path)
    return st.st_ino, st.st_size, st.st_mtime_ns


def test_a_rerun_of_a_finished_sweep_in_a_store_never_tabled_reads_its_entries_once(
    tmp_path, monkeypatch
):
    # no table() ever saved an index: every rerun, in every new process, read every
    # entry file again (1.0 s at 20,000 points against 0.5 s with the rows saved)
    f = archived(str(tmp_path / "runs"), version="1")(_point)
    grid = {"x": list(range(N))}
    first = sweep(f, grid, progress=False)
    path = os.path.join(f.store.path, index.INDEX_FILE)
    assert not os.path.exists(path)
    index.forget()  # a new process
    reads = count_entry_reads(monkeypatch, racy_ns=0)
    assert sweep(f, grid, progress=False) == first
    assert len(reads) == N and os.path.exists(path)
    index.forget()  # the next new process
    reads.clear()
    assert sweep(f, grid, progress=False) == first
    assert reads == []


def test_a_bulk_lookup_keeps_the_saved_rows_of_entries_it_did_not_look_up(tmp_path, monkeypatch):
    folder = str(tmp_path / "runs")
    f = archived(folder, version="1")(_point)
    g = archived(folder, version="1")(_other)
    sweep(g, {"x": list(range(N))}, progress=False)
    g.table(frame=False)  # the index file: g's rows
    sweep(f, {"x": list(range(N))}, progress=False)  # f's entries: not in the file
    index.forget()
    reads = count_entry_reads(monkeypatch, racy_ns=0)
    sweep(f, {"x": list(range(N))}, progress=False)  # reads f's entries, saves them
    assert len(reads) == N
    index.forget()
    reads.clear()
    assert len(g.table(frame=False)) == N and len(f.table(frame=False)) == N
    # g's rows kept, f's added (only f's sweep record, written after, is read)
    assert reads and all("_sweep_" in name for name in reads)


_SAVES_INDEX = """
import sys
from archived.store import index
index.rows(sys.argv[1])
"""


def test_a_bulk_lookup_never_saves_over_an_index_file_written_since_it_read_one(
    tmp_path, monkeypatch
):
    folder = str(tmp_path / "runs")
    f = archived(folder, version="1")(_point)
    sweep(f, {"x": list(range(N))}, progress=False)
    f.table(frame=False)
    index.forget()
    index.rows(f.store.path)  # this process reads the file
    path = os.path.join(f.store.path, index.INDEX_FILE)
    sweep(f, {"x": list(range(N, 3 * N))}, progress=False)  # entries it has no rows of
    subprocess.run([sys.executable, "-c", _SAVES_INDEX, f.store.path], check=True)
    theirs = _signature(path)  # another process saved every row since
    reads = count_entry_reads(monkeypatch, racy_ns=0)
    monkeypatch.setattr(index._State, "_file_changed", lambda self: False)  # not reloaded
    sweep(f, {"x": list(range(3 * N))}, progress=False)
    assert len(reads) >= 2 * N  # read the new entries itself...
    assert _signature(path) == theirs  # ...and left the other process's file as it was


def test_a_store_this_process_may_not_write_derives_no_index_row_for_a_save(tmp_path, monkeypatch):
    # the save's columns (every row's fields derived) were built for a write that then
    # failed, at every bulk lookup and table() of a read-only store (root writes anyway:
    # the permission is what os.access says)
    f = archived(str(tmp_path / "runs"), version="1")(_point)
    grid = {"x": list(range(N))}
    first = sweep(f, grid, progress=False)
    index.forget()
    real = os.access
    monkeypatch.setattr(
        index.os, "access", lambda path, mode, **kw: mode != os.W_OK and real(path, mode, **kw)
    )
    dumped = []
    real_dump = index.Row.dump
    monkeypatch.setattr(index.Row, "dump", lambda row: dumped.append(row) or real_dump(row))
    assert sweep(f, grid, progress=False) == first
    assert len(f.table(frame=False)) == N
    assert dumped == [] and not os.path.exists(os.path.join(f.store.path, index.INDEX_FILE))
