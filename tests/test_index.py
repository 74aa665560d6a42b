"""The read-side index: correct or detectably stale, never wrong; an accelerator only.

It can be deleted at any time, reads again only the entries whose file changed (a
same-size rewrite within one tick of the clock included), is never required (a store it
cannot write is indexed in memory), and its file is hostile input: anything in doubt is
ignored and the entries say what is true.
"""

import datetime
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest
import xxhash
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archived.cache.hashing import hash_call
from archived.errors import DamagedEntryError
from archived.store import entries, index, indexcodec, indexfile, indexrow, indexscan
from archived.store.dataset import DataSet
from archived.store.table import BRIEF_KEYS
from helpers import (
    count_entry_reads,
    exact,
    index_columns,
    index_text,
    set_racy_ns,
    set_stat_signature,
)

# each test as in a new process: nothing known of any store's index before or after it
pytestmark = pytest.mark.usefixtures("index_forgotten")


def infos(folder):
    return {name: row.info() for name, row in index.rows(folder).items()}


def truth(folder):
    return {name: entries.read_info(folder, name) for name in entries.entry_names(folder)}


def store_with(tmp_path, n=5):
    ds = DataSet("s", "w", path=str(tmp_path))
    for i in range(n):
        ds._insert(i * 0.5, info={"i": i, "label": f"p{i}"})
    return ds._path


def test_rows_hold_every_entrys_info_and_small_value(tmp_path):
    folder = store_with(tmp_path)
    found = index.rows(folder)
    assert infos(folder) == truth(folder)
    assert found["x_3"].value() == (True, 1.5)
    assert os.path.isfile(os.path.join(folder, index.INDEX_FILE))


@pytest.mark.parametrize("with_data_file", [False, True])
def test_rows_read_from_the_index_file_list_each_entrys_data_files(tmp_path, with_data_file):
    # a store where no entry has a data file reads its files column as one shared empty
    # tuple per row (not a list each); one with data files reads each row's list
    ds = DataSet("s", "w", path=str(tmp_path), array_threshold=4)
    for i in range(5):
        ds._insert(i * 0.5, info={"i": i})
    if with_data_file:
        ds._insert(np.arange(8.0), name="big")
    index.rows(ds._path)  # read from the entries, and saved
    index.forget()  # a new process reads the index file
    found = index.rows(ds._path)
    assert {name: list(row.files) for name, row in found.items()} == {
        name: entries.header_files(name, entries.read_entry_text(ds._path, name)) for name in found
    }
    assert all(found[f"x_{i}"].files == () for i in range(5))
    assert any(row.files for row in found.values()) is with_data_file
    assert infos(ds._path) == truth(ds._path)


def test_a_value_or_info_sharing_a_mutable_object_keeps_the_sharing(tmp_path):
    # executing the entry gives one list seen twice; two equal copies are another value
    # (appending to one would not show in the other)
    ds = DataSet("s", "w", path=str(tmp_path))
    x, arr = [1, 2], np.arange(3.0)
    (name,) = ds._insert((x, x, [arr, arr]), info={"a": x, "b": x})
    index.rows(ds._path)
    index.forget()  # the next process: rows come from the index file
    view = DataSet("s", path=str(tmp_path))._view()[name]
    value, info = view.value(), view.info()
    assert value[0] is value[1] and value[2][0] is value[2][1]
    assert info["a"] is info["b"]


def test_a_hit_of_a_result_holding_nans_is_the_result_the_call_computed(tmp_path):
    # a set tells nans apart by identity: json decoded every NaN as one object, so a hit
    # served from the index gave {nan} for the call's set of three nans
    from archived import archived

    @archived(str(tmp_path / "s"))
    def nans(n):
        shared = float("nan")
        return {float("nan") for _ in range(n)}, [shared] * n, {complex("nan"), complex("nan")}

    computed, hit = nans(3), nans(3)
    assert [len(part) for part in map(set, hit)] == [len(p) for p in map(set, computed)]
    assert [len(part) for part in map(set, hit)] == [3, 1, 2]


def test_a_nan_met_twice_is_not_kept_and_distinct_nans_decode_distinct():
    one = float("nan")
    for shared in ([one, one], (np.float64(one),) * 2, [complex(one, 0)] * 2):
        assert indexcodec.encode(shared) is None
    two = indexcodec.decode(indexcodec.encode({float("nan"), float("nan")}))
    assert len(two) == 2 and len(set(indexcodec.decode("[NaN,NaN]"))) == 2


def test_a_lone_surrogate_in_an_info_record_is_indexed_and_read_back(tmp_path):
    # a file name of undecodable bytes, as os.fsdecode gives it: the index file could
    # not be written, and every view of the store (table, ls) raised UnicodeEncodeError
    ds = DataSet("s", "w", path=str(tmp_path))
    (name,) = ds._insert(1.0, info={"file": "bad\udcff.txt"})
    assert infos(ds._path) == {name: {"file": "bad\udcff.txt"}}
    assert os.path.isfile(os.path.join(ds._path, index.INDEX_FILE))
    index.forget()
    assert infos(ds._path) == {name: {"file": "bad\udcff.txt"}}


def test_the_index_lists_exactly_the_entries_of_the_store(tmp_path, monkeypatch):
    # a FIFO, a directory or a name Python reads differently ('ｘ' is 'x' in source) is
    # no entry: the index opened the FIFO (the README promises it never is) and listed
    # all three, so ls, export, prune and table() showed entries the store does not have
    from archived.errors import UnsafeFileWarning

    folder = store_with(tmp_path, n=2)
    os.mkfifo(os.path.join(folder, "y.py"))
    os.mkdir(os.path.join(folder, "z.py"))
    with open(os.path.join(folder, "x_0.py"), "rb") as f:
        text = f.read()
    with open(os.path.join(folder, "\uff58.py"), "wb") as f:
        f.write(text.replace(b"x_0", "\uff58".encode()))
    reads = count_entry_reads(monkeypatch)
    with pytest.warns(UnsafeFileWarning) as caught:
        listed = index.rows(folder)
    assert sorted(listed) == ["x_0", "x_1"]
    said = " ".join(str(w.message) for w in caught)
    assert "'y.py'" in said and "a FIFO" in said and "'z.py'" in said
    assert sorted(reads) == ["x_0", "x_1"]  # the FIFO never opened
    with pytest.warns(UnsafeFileWarning, match="a FIFO"):
        assert index.rows(folder, ["y", "\uff58", "x_1"]).keys() == {"x_1"}


def test_a_deleted_index_is_rebuilt_from_the_entries(tmp_path):
    folder = store_with(tmp_path)
    index.rows(folder)
    os.remove(os.path.join(folder, index.INDEX_FILE))
    index.forget()
    assert infos(folder) == truth(folder)


def test_only_changed_entries_are_read_again(tmp_path, monkeypatch):
    # files changed less than RACY_SECONDS before a look are checked by content at every
    # look (see the next test); with that window closed, nothing else is read again
    set_racy_ns(monkeypatch, 0)
    folder = store_with(tmp_path, 8)
    index.rows(folder)
    index.forget()  # a new process: starts from the index file
    reads = count_entry_reads(monkeypatch)
    entries.commit_entry(folder, "x_2", "changed", info={"i": 2, "label": "new"})
    entries.delete_entry(folder, "x_5")
    now = infos(folder)
    assert now == truth(folder) and now["x_2"]["label"] == "new" and "x_5" not in now
    assert reads == ["x_2"]
    reads.clear()
    entries.commit_entry(folder, "x_8", 7.5, info={"i": 8, "label": "again"})
    assert infos(folder) == truth(folder)
    assert reads == ["x_8"]


def test_a_row_saved_while_racy_is_read_again_only_until_it_settles(tmp_path, monkeypatch):
    # entries tabled right after a sweep wrote them are racy in the saved file; once
    # a look finds them unchanged and old enough, the file must say so, or every new
    # process reads them again.  The index's clock is set by hand: no wall-clock window
    folder = store_with(tmp_path, 8)
    stamps = [os.stat(os.path.join(folder, f"x_{i}.py")) for i in range(8)]
    oldest = min(max(st.st_mtime_ns, st.st_ctime_ns) for st in stamps)
    newest = max(max(st.st_mtime_ns, st.st_ctime_ns) for st in stamps)
    clock = [oldest + 1]  # every entry changed less than RACY_SECONDS ago
    monkeypatch.setattr(index.time, "time_ns", lambda: clock[0])
    index.rows(folder)  # saved with every row racy
    clock[0] = newest + indexrow.RACY_NS + 10**9  # now every entry is old enough
    index.forget()
    reads = count_entry_reads(monkeypatch)
    assert infos(folder) == truth(folder)
    assert sorted(reads) == [f"x_{i}" for i in range(8)]  # checked by content, once
    reads.clear()
    clock[0] += 10**9
    index.forget()
    assert infos(folder) == truth(folder)
    assert reads == []


def test_a_same_size_rewrite_within_one_clock_tick_is_seen(tmp_path, monkeypatch):
    # a filesystem with one-second timestamps and no inode or ctime to tell: the
    # signature cannot see the rewrite, the content check must
    set_stat_signature(monkeypatch, lambda st: (0, st.st_size, st.st_mtime_ns // 10**9 * 10**9, 0))
    folder = str(tmp_path)
    entries.commit_entry(folder, "a", 1, info={"v": 1})
    assert index.rows(folder)["a"].info() == {"v": 1}
    entries.commit_entry(folder, "a", 2, info={"v": 2})
    row = index.rows(folder)["a"]
    assert (row.info(), row.value()) == ({"v": 2}, (True, 2))


def test_a_hand_edit_in_place_keeping_size_and_mtime_is_seen(tmp_path):
    folder = str(tmp_path)
    entries.commit_entry(folder, "a", 1, info={"v": "one"})
    path = os.path.join(folder, "a.py")
    before = os.stat(path)
    index.rows(folder)
    with open(path, "r+") as f:  # same inode, same size
        text = f.read()
        f.seek(0)
        f.write(text.replace("'one'", "'two'"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert index.rows(folder)["a"].info() == {"v": "two"}


def test_a_lookup_of_one_entry_sees_every_change_a_full_look_sees(tmp_path, monkeypatch):
    # rows settle at once, so a lookup trusts the stat of an unchanged file (a hit)
    set_racy_ns(monkeypatch, 0)
    folder = str(tmp_path)
    entries.commit_entry(folder, "a", 1, info={"v": 1})
    assert index.row(folder, "a").value() == (True, 1)
    assert index.row(folder, "a").settled
    entries.commit_entry(folder, "a", 2, info={"v": 2})
    assert index.row(folder, "a").value() == (True, 2)
    path = os.path.join(folder, "a.py")
    before = os.stat(path)
    with open(path) as f:
        text = f.read()
    while True:  # same inode, size and mtime: only the ctime (no one sets it) moves
        with open(path, "r+") as f:
            f.write(text.replace("{'v': 2}", "{'v': 3}").replace("a = 2", "a = 3"))
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        if os.stat(path).st_ctime_ns != before.st_ctime_ns:
            break
        time.sleep(0.005)  # the filesystem's clock has not ticked yet
    assert index.row(folder, "a").info() == {"v": 3} == index.rows(folder)["a"].info()
    assert index.row(folder, "a").value() == (True, 3)
    os.remove(path)
    assert index.row(folder, "a") is None and index.row(folder, "class") is None


def test_a_lookup_of_a_racy_entry_reads_it_once_and_sees_a_same_size_rewrite(
    tmp_path, monkeypatch
):
    # a signature that never changes for a file of the same size (a coarse clock, no
    # inode or ctime), and a clock that keeps every row racy: only the content tells
    # the rewrite, and the lookup must check it on every call
    set_stat_signature(monkeypatch, lambda st: (0, st.st_size, 0, 0))
    monkeypatch.setattr(index.time, "time_ns", lambda: 1)
    folder = str(tmp_path)
    entries.commit_entry(folder, "a", 1, info={"v": 1})
    reads = count_entry_reads(monkeypatch)
    first = index.row(folder, "a")
    assert first.value() == (True, 1) and not first.settled
    assert index.row(folder, "a") is first  # unchanged: the known row, the file read once
    assert reads == ["a", "a"]
    entries.commit_entry(folder, "a", 2, info={"v": 2})  # same size, same second
    assert indexscan.stat_signature(os.stat(folder + "/a.py")) == first.signature
    row = index.row(folder, "a")
    assert (row.info(), row.value()) == ({"v": 2}, (True, 2))


@pytest.mark.parametrize("kind", ["link", "fifo"])
def test_a_racy_entry_replaced_by_a_link_or_a_fifo_looks_as_a_full_look_sees_it(
    tmp_path, monkeypatch, kind
):
    set_racy_ns(monkeypatch, 10**18)  # every row racy
    folder = str(tmp_path)
    entries.commit_entry(folder, "a", 1, info={"v": 1})
    assert index.row(folder, "a").value() == (True, 1)
    path = os.path.join(folder, "a.py")
    os.remove(path)
    if kind == "link":
        entries.commit_entry(folder, "b", 2, info={"v": 2})
        os.symlink(os.path.join(folder, "b.py"), path)
    else:
        os.mkfifo(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a FIFO is warned of, as every look does
        row = index.row(folder, "a")
        full = index.rows(folder).get("a")
    if kind == "fifo":
        assert row is None and full is None
    else:
        assert not row.has_info and row.value() == (False, None)
        assert not full.has_info
        with pytest.raises(DamagedEntryError, match="symbolic link"):
            entries.read_value(folder, "a")


def test_every_spelling_of_a_store_path_shares_one_index(tmp_path):
    folder = store_with(tmp_path / "real", 2)
    spellings = [folder, str(tmp_path / "real" / "." / "s"), str(tmp_path / "real" / "s") + "/"]
    assert len({id(index._state(path)) for path in spellings}) == 1
    assert index.row(spellings[1], "x_1") is index.row(folder, "x_1")
    # a store not there (yet) has no entries, and is no error
    assert index.row(str(tmp_path / "later" / "s"), "x_0") is None
    assert index.rows(str(tmp_path / "later" / "s"), ["x_0"]) == {}


def test_a_path_through_a_link_reads_the_store_the_link_names_now(tmp_path):
    # a store's index state was shared by its real path and read through the path it was
    # first asked by: once a link (latest) went from run1 to run2, the state of run1 read
    # run2's entries through the link, for run1's own path too (ls -l run1 listed run2)
    def values(folder):
        return {name: row.value()[1] for name, row in index.rows(folder).items()}

    run1, run2 = DataSet("run1", "w", path=str(tmp_path)), DataSet("run2", "w", path=str(tmp_path))
    run1.x = "one"
    run2.x, run2.y = "two", "only in run2"
    latest = str(tmp_path / "latest")
    os.symlink("run1", latest)
    assert values(latest) == {"x": "one"}
    os.remove(latest)
    os.symlink("run2", latest)
    assert values(run1._path) == {"x": "one"}
    assert values(latest) == {"x": "two", "y": "only in run2"}
    assert values(run1._path) == {"x": "one"}
    assert index.row(run1._path, "x").value() == (True, "one")


def test_a_store_made_where_a_deleted_one_was_reads_its_own_entries(tmp_path):
    # a new directory may take the inode of one just deleted: a store is never found by
    # its inode alone (bench_many's second store was read at the deleted first one's path)
    first = store_with(tmp_path / "one", 2)
    assert sorted(index.rows(first)) == ["x_0", "x_1"]
    shutil.rmtree(first)
    second = str(tmp_path / "two")
    os.makedirs(second)
    entries.commit_entry(second, "y", 1.5)
    assert index.row(second, "y").value() == (True, 1.5)
    assert sorted(index.rows(second)) == ["y"]


@pytest.mark.parametrize("rows", [0, 1, 1023, 1024, 1025, 3000])
def test_an_index_file_written_a_piece_at_a_time_holds_each_column_as_one_json_line(
    tmp_path, rows
):
    # the writer encodes a column _PIECE_ROWS rows at a time: the file must be what one
    # json.dumps of each whole column gives, and checksummed as such
    names = [f"x{i}" for i in range(rows)]
    texts = [["\u00e9t\u00e9", "a\udcff", None, '"', 1.5][i % 5] for i in range(rows)]
    fields = indexfile.COLUMNS[1:]
    columns = [names] + [texts if f == "info" else list(range(rows)) for f in fields]
    assert indexfile.write_columns(str(tmp_path), columns) is not None
    with open(os.path.join(str(tmp_path), index.INDEX_FILE), "rb") as f:
        head, *lines = f.read().split(b"\n")
    whole = [
        json.dumps(c, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")
        for c in columns
    ]
    assert lines == whole
    assert json.loads(head)["check"] == xxhash.xxh3_64_hexdigest(b"\n".join(whole))


def test_a_store_the_index_cannot_be_written_to_is_indexed_in_memory(tmp_path):
    folder = store_with(tmp_path)
    os.mkdir(os.path.join(folder, index.INDEX_FILE))  # no file can take its place
    assert infos(folder) == truth(folder)
    assert os.path.isdir(os.path.join(folder, index.INDEX_FILE))
    assert not [f for f in os.listdir(folder) if f.startswith(".index.") and f.endswith(".tmp")]


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: "garbage",
        lambda text: text[: len(text) // 2],
        lambda text: text.replace('"i":1', '"i":666'),  # checksum no longer matches
        lambda text: _resigned(text, lambda cols: {**cols, "name": ["../x", *cols["name"][1:]]}),
        lambda text: _resigned(text, lambda cols: {**cols, "name": ["x_1"] * len(cols["name"])}),
        lambda text: _resigned(text, lambda cols: {k: v for k, v in cols.items() if k != "seen"}),
        lambda text: _resigned(text, lambda cols: {**cols, "ino": cols["ino"][1:]}),
        lambda text: _resigned(
            text, lambda cols: {**cols, "files": [["/etc/passwd"]] * len(cols["files"])}
        ),
        lambda text: _resigned(text, lambda cols: {**cols, "ino": [-1] * len(cols["ino"])}),
        lambda text: _resigned(text, lambda cols: {**cols, "size": [True] * len(cols["size"])}),
        lambda text: "[" * 100_000 + "\n" + "]" * 100_000,
        # a start no float holds: OverflowError out of ls, table() and cached calls
        lambda text: _resigned(
            text,
            lambda cols: {**cols, "listing": [["entry", "", "", "", 10**400]] * len(cols["name"])},
        ),
    ],
)
def test_a_damaged_or_tampered_index_file_is_ignored(tmp_path, damage):
    folder = store_with(tmp_path)
    index.rows(folder)
    path = os.path.join(folder, index.INDEX_FILE)
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(damage(text))
    index.forget()
    # as a view reads them: a row in doubt keeps no info (a column checked when first
    # read, format 4), and its entry is read
    assert dict(DataSet("s", path=str(tmp_path))._info_items()) == truth(folder)
    index.forget()
    assert infos(folder) == truth(folder)  # the next reader rebuilt the file


def _signed_index_lying_about_x_0(tmp_path):
    """A store of 3 entries, its index file's path, and a signed text of that file that
    says another info for x_0 (``{"i": 666}``): a reader that serves it read the file."""
    folder = store_with(tmp_path, n=3)
    index.rows(folder)
    path = os.path.join(folder, index.INDEX_FILE)
    with open(path) as f:
        text = f.read()

    def lie(cols):
        info = ['{"i":666}', *cols["info"][1:]]
        return {**cols, "info": info, "seen": [2**62] * len(cols["seen"])}

    return folder, path, _resigned(text, lie)


@pytest.mark.parametrize("read", [None, 0, 1, 2, 3, 4, 6])
def test_an_index_file_whose_rows_another_version_read_is_not_read(tmp_path, read):
    # a row's info and value texts are what the literal fast path and the codec made of
    # its entry file when the row was read: a file written by a version that read entries
    # otherwise (a fix of the fast path) served its texts while the entries were unchanged
    folder, path, forged = _signed_index_lying_about_x_0(tmp_path)
    with open(path, "w") as f:
        f.write(forged)
    index.forget()
    assert infos(folder)["x_0"] == {"i": 666}  # read by this version: read (and trusted)
    with open(path, "w") as f:
        f.write(index_text(index_columns(forged), read=read))
    index.forget()
    assert infos(folder) == truth(folder)


def test_an_index_file_bigger_than_its_rows_can_be_is_not_read(tmp_path):
    # a sparse file of gigabytes takes no room on disk, yet ls read it whole into memory
    # (4 GB and 20 s for a 2 GB file of 4 kB); a file of rows for this store's entries,
    # signed, with another info for x_0, shows whether the file was read
    folder, path, forged = _signed_index_lying_about_x_0(tmp_path)
    with open(path, "w") as f:
        f.write(forged)
    index.forget()
    assert infos(folder)["x_0"] == {"i": 666}  # a file of this size is read (and trusted)
    padding = " " * (3 * 4 * indexfile._ROW_CHARS + 8192)
    with open(path, "w") as f:
        f.write(_resigned_padded(forged, padding))
    index.forget()
    assert infos(folder) == truth(folder)


def test_the_index_files_temporary_file_is_locked_against_sweepers_until_renamed(
    tmp_path, monkeypatch
):
    # a sweeper of this host name in another pid namespace (a container sharing the
    # store) removes a writer's .tmp that no one holds locked: the index's own was
    # written unlocked, so such a sweep lost a reader's save of the index
    from archived.store import writers

    folder = store_with(tmp_path, n=3)
    swept = []
    replace = os.replace

    def sweep_then_replace(src, dst):
        if os.path.basename(src).startswith(".index."):
            swept.append(writers.remove_if_unlocked(src, []))
        replace(src, dst)

    monkeypatch.setattr(os, "replace", sweep_then_replace)
    index.rows(folder)
    assert swept == [None, None]  # held: the sweeper left them alone (the file, the names)
    monkeypatch.setattr(os, "replace", replace)
    index.forget()
    assert os.path.exists(os.path.join(folder, index.INDEX_FILE))
    assert infos(folder) == truth(folder)


@pytest.mark.parametrize("name", ["\ufb01le", "\uff58"])
def test_an_index_file_naming_an_entry_not_as_python_reads_it_is_ignored(tmp_path, name):
    # the lookup of one entry refuses such a name (Python reads ds.\ufb01le as ds.file);
    # the index file's check let it through: both checks now agree.  The file also says
    # another info for x_0, which shows whether it was read
    folder = store_with(tmp_path, n=3)
    index.rows(folder)
    path = os.path.join(folder, index.INDEX_FILE)
    with open(path) as f:
        text = f.read()

    def lie(cols):
        forged = {**cols, "info": ['{"i":666}', *cols["info"][1:]], "seen": [2**62] * 3}
        return {key: [*column, column[0]] for key, column in forged.items()} | {
            "name": [*cols["name"], name]
        }

    with open(path, "w") as f:
        f.write(_resigned(text, lie))
    index.forget()
    assert infos(folder) == truth(folder)
    # the same file with an ASCII name is read (and trusted): the check is the name's
    with open(path, "w") as f:
        f.write(_resigned(text, lambda cols: {**lie(cols), "name": [*cols["name"], "file"]}))
    index.forget()
    assert infos(folder)["x_0"] == {"i": 666}


def test_an_index_file_many_times_bigger_than_its_entries_is_not_read(tmp_path):
    # the bound was what rows of any entries can hold (560 kB each): a file of empty
    # lists that size takes 20-25 times as much memory once parsed, so an index file of
    # 1,000 tiny entries took 14 GB for each ls; a row's texts come from its entry file,
    # so a file is read only if it is at most a few times the size of its entries
    folder, path, forged = _signed_index_lying_about_x_0(tmp_path)
    sizes = sum(os.path.getsize(os.path.join(folder, f"x_{i}.py")) for i in range(3))
    padding = " " * (indexfile._ROW_PER_ENTRY_BYTE * sizes + 3 * indexfile._ROW_FIXED + 4096)
    assert len(padding) < 3 * indexfile._ROW_BYTES  # within the bound of rows of any entries
    with open(path, "w") as f:
        f.write(_resigned_padded(forged, padding[: len(padding) // 2]))
    index.forget()
    assert infos(folder)["x_0"] == {"i": 666}  # a file of this size is read (and trusted)
    with open(path, "w") as f:
        f.write(_resigned_padded(forged, padding))
    index.forget()
    assert infos(folder) == truth(folder)


def test_an_index_file_of_rows_many_times_their_entry_is_still_read(tmp_path, monkeypatch):
    # a tuple the entry writes once and refers to many times (_g8 = (_g7, _g7)) is written
    # whole in the row each time: 512 bytes of entry, 18 kB of row (info and brief) in
    # format 4, over a bound of 32 times the entry; such a store's index was never read
    ds = DataSet("s", "w", path=str(tmp_path))
    shared = ()
    for _ in range(8):
        shared = (shared, shared)
    info = {"function": "m.f", "status": "ok", "parameters": {"p": shared}}
    for i in range(3):
        ds._insert(float(i), info=info)
    index.rows(ds._path)
    index.forget()
    reads = count_entry_reads(monkeypatch)
    set_racy_ns(monkeypatch, 0)
    assert infos(ds._path) == truth(ds._path) and reads == []


_SPARSE_INDEX = """
import os, resource, sys
from archived.store import index, indexfile
folder = sys.argv[1]
indexfile._ROW_BYTES = 2**30  # the bound a store of thousands of entries allows
indexfile._ROW_PER_ENTRY_BYTE = 2**30  # of big entries
with open(os.path.join(folder, index.INDEX_FILE), "wb") as f:
    f.write(b'{"format": 2, "check": "0000000000000000"}\\n')
    f.truncate(3 * 2**29)  # 1.5 GiB of holes: a few bytes on disk
resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))
print(sorted(index.rows(folder)))
"""


def test_a_sparse_index_file_within_the_bound_is_not_read_whole(tmp_path):
    # a store of a few thousand entries allows an index file of two GiB: ls read a sparse
    # one (a few kB on disk) whole into memory, 4 GB resident and 20 s on every ls of a
    # store it could not rewrite; its first hole (NULs, never in JSON text) ends the read
    folder = store_with(tmp_path, n=3)
    done = subprocess.run(
        [sys.executable, "-c", _SPARSE_INDEX, folder], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip() == "['x_0', 'x_1', 'x_2']"


def _resigned_padded(text, padding):
    """The index file ``text`` with ``padding`` in its last row's brief record, signed
    again: a file of that size, of the shape of its columns (see indexfile.check_shape)."""
    columns = index_columns(text)
    columns["brief"][-1] = indexcodec.encode({"padding": padding})
    return index_text(columns)


def test_a_row_whose_info_does_not_decode_falls_back_to_the_entry(tmp_path):
    folder = store_with(tmp_path)
    index.rows(folder)
    path = os.path.join(folder, index.INDEX_FILE)
    with open(path) as f:
        text = f.read()
    bad = '{"\\u0000x": 1}'

    def spoil(cols):
        return {**cols, "info": [bad] * len(cols["info"]), "value": [bad] * len(cols["value"])}

    with open(path, "w") as f:
        f.write(_resigned(text, spoil))
    index.forget()
    ds = DataSet("s", path=str(tmp_path))
    assert dict(ds._info_items()) == truth(folder)
    assert {n: e.value() for n, e in ds._view().items()} == {f"x_{i}": i * 0.5 for i in range(5)}


def index_files(folder):
    """The index's files in ``folder`` (the file, any set aside), but the sorted names."""
    return [f for f in os.listdir(folder) if f.startswith(".index") and f != ".index.names"]


def test_a_reader_finding_its_index_file_in_doubt_keeps_a_good_one_renamed_in_meanwhile(
    tmp_path, monkeypatch
):
    # a reader that found a column of the file it read in doubt removed the file if it
    # was still that one: checked, then removed, so a good file another process renamed
    # in between the check and the removal was lost (the file is renamed aside first)
    folder = store_with(tmp_path)
    index.rows(folder)
    path = os.path.join(folder, index.INDEX_FILE)
    with open(path) as f:
        good = f.read()
    with open(path, "w") as f:
        f.write(_resigned(good, lambda cols: {**cols, "value": [1] * len(cols["value"])}))
    index.forget()
    file = indexfile.read_columns(path, 2**30)[1]
    lstat, renamed_in = os.lstat, []

    def lstat_then_another_reader_saves(p, *args, **kwargs):
        st = lstat(p, *args, **kwargs)
        if p == path and not renamed_in:
            with open(path + ".other", "w") as f:
                f.write(good)
            os.replace(path + ".other", path)
            renamed_in.append(p)
        return st

    monkeypatch.setattr(os, "lstat", lstat_then_another_reader_saves)
    assert file.column("value") == [None] * 5 and file.doubt
    monkeypatch.setattr(os, "lstat", lstat)
    assert renamed_in
    with open(path) as f:
        assert f.read() == good
    assert index_files(folder) == [index.INDEX_FILE]
    # the file read, in doubt, is still removed when nothing came in between
    with open(path, "w") as f:
        f.write(_resigned(good, lambda cols: {**cols, "value": [1] * len(cols["value"])}))
    file = indexfile.read_columns(path, 2**30)[1]
    assert file.column("value") == [None] * 5
    assert index_files(folder) == []


def _resigned(text, change):
    """The index file with its rows changed and a checksum that matches again."""
    return index_text(change(index_columns(text)))


def test_columns_a_reader_left_in_the_index_file_are_read_from_it_when_first_asked(tmp_path):
    # a table keeps the brief and value columns in memory, ls -l the listings: the
    # others stay in the file until asked for, then are read from it, as a whole read has them
    folder = store_with(tmp_path)
    index.rows(folder)
    path = os.path.join(folder, index.INDEX_FILE)
    whole = indexfile.read_columns(path, 2**30)[1]
    for keep in [("brief", "value"), ("listing",), ()]:
        file = indexfile.read_columns(path, 2**30, keep)[1]
        for field in reversed(indexfile.COLUMNS):  # those left are read at the first
            assert file.column(field) == whole.column(field), (keep, field)
        assert not file.lost and not file.doubt


def test_a_column_left_in_an_index_file_changed_since_reads_as_null_and_the_file_stays(
    tmp_path,
):
    # the column is not read from another file than the one whose columns were checked:
    # one renamed in its place, or one rewritten in place with its size and modification
    # time put back; callers read the entries, and the file (not in doubt) is kept
    folder = store_with(tmp_path)
    index.rows(folder)
    path = os.path.join(folder, index.INDEX_FILE)
    with open(path) as f:
        good = f.read()
    other = _resigned(
        good, lambda cols: {**cols, "info": [t.replace("p", "q") for t in cols["info"]]}
    )
    assert len(other) == len(good)

    file = indexfile.read_columns(path, 2**30, ("brief",))[1]
    with open(path + ".new", "w") as f:
        f.write(good)
    os.replace(path + ".new", path)
    assert file.column("info") == [None] * 5 and file.lost and not file.doubt
    assert file.column("brief") != [None] * 5  # what it kept is still served
    assert os.path.isfile(path)

    file = indexfile.read_columns(path, 2**30, ("brief",))[1]
    st = os.stat(path)
    with open(path, "w") as f:
        f.write(other)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert file.column("info") == [None] * 5 and file.lost and not file.doubt
    with open(path) as f:
        assert f.read() == other


WRITER = r"""
import sys
from archived.store.dataset import DataSet
ds = DataSet("s", "w", path=sys.argv[1], durable=False)
i = 0
while True:
    value, info = {"i": i, "pad": "x" * (i % 50)}, {"i": i, "pad": "y" * (i % 7)}
    ds._insert(value, info=info, name=f"e{i % 40}")
    i += 1
"""


def test_a_writer_killed_at_any_instant_leaves_the_index_correct(tmp_path):
    DataSet("s", "w", path=str(tmp_path))
    folder = os.path.join(str(tmp_path), "s")
    for round_ in range(4):
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)])
        try:
            # read while it writes, until it has written a good many entries
            while len(entries.entry_names(folder)) < 40 or round_ and not index.rows(folder):
                index.rows(folder)
                time.sleep(0.01)
            for _ in range(round_ + 1):
                index.rows(folder)
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait()
        assert infos(folder) == truth(folder)
        view = DataSet("s", path=str(tmp_path))._view()
        assert {n: e.value() for n, e in view.items()} == {
            n: entries.read_value(folder, n) for n in entries.entry_names(folder)
        }


# ---- the codec -----------------------------------------------------------------------------

KEPT = [
    {"a": [1, -0.0, math.inf, math.nan, 10**40, True, None, "é"]},
    (1, (2,), ()),
    {1: "a", (1, 2): "b", None: 0, "\x00t": "tag-like key"},
    {"\x00t": [1]},
    {1, "a", (1,)},
    frozenset({2}),
    1 - 2j,
    b"\x00\xff",
    bytearray(b"x"),
    range(1, 9, 2),
    slice(None, 3, None),
    np.float32(0.5),
    np.int8(-3),
    np.uint64(2**63),
    np.bool_(True),
    np.complex64(1 + 1j),
    np.float64("nan"),
    np.array([[1, 2], [3, 4]], dtype=">i4", order="F"),
    np.array(2.5),
    np.array([True, False]),
    datetime.datetime(2020, 1, 2, 3, 4, 5, 6),
    datetime.date(2020, 1, 1),
    datetime.time(1, 2),
    datetime.timedelta(days=-1, seconds=5),
]


@pytest.mark.parametrize("value", KEPT, ids=lambda v: type(v).__name__)
def test_the_codec_keeps_every_value_of_the_fast_path_exactly(value):
    text = indexcodec.encode(value)
    assert text is not None
    assert exact(value, indexcodec.decode(text))


@pytest.mark.parametrize(
    "value",
    [
        object(),
        np.array([1.0, np.nan]),
        np.zeros(0),
        datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc),
        [0] * (indexcodec.MAX_NODES + 1),
        -math.nan,
        (lambda shared: (shared, {"k": shared}))([1]),
    ],
    ids=["object", "nan array", "empty", "tz", "huge", "signed nan", "shared list"],
)
def test_the_codec_refuses_what_it_cannot_keep_exactly(value):
    assert indexcodec.encode(value) is None


@pytest.mark.parametrize(
    "text",
    [
        '{"\\u0000x":1}',
        '{"\\u0000t":1}',
        '{"\\u0000t":[1],"a":2}',
        '{"\\u0000s":[[1]]}',
        '{"\\u0000a":["object","C",[1]]}',
        '{"\\u0000a":["float64","C",[]]}',
        '{"\\u0000n":["float64","1"]}',
        '{"\\u0000T":["datetime",[2020,1,1,0,0,0,0,9]]}',
        '{"\\u0000b":"zz"}',
        "[" * 10_000 + "]" * 10_000,
    ],
)
def test_the_codec_refuses_text_it_could_not_have_written(text):
    with pytest.raises(ValueError):
        indexcodec.decode(text)


# ---- format 4: columns read on demand ------------------------------------------------------


def _point(x):
    return {"energy": x / 2, "label": f"p{x}"}


def _call_store(tmp_path, n=6, monkeypatch=None):
    from archived import archived

    if monkeypatch is not None:  # entries read 10 s after they were written: settled rows
        later = time.time_ns() + 10**10
        monkeypatch.setattr(index.time, "time_ns", lambda: later)

    f = archived(str(tmp_path / "calls"), version="1")(_point)
    for x in range(n):
        f(x)
    return f, f.store.path


def _rewrite_index(folder, change, fmt=4):
    path = os.path.join(folder, index.INDEX_FILE)
    with open(path) as f:
        columns = index_columns(f.read())
    with open(path, "w") as f:
        f.write(index_text(change(columns), fmt=fmt))


def _table_and_listing(f, folder):
    ds = DataSet("calls", path=os.path.dirname(folder))
    return (
        f.table(frame=False),
        [c.name for c in f.where(x=3)],
        dict(ds._info_items()),
        sorted((n, listed and tuple(listed)) for n, listed, *_ in index.listings(folder)),
    )


@pytest.mark.parametrize(
    "column, damage",
    [
        ("brief", lambda col: col[1:]),  # a column shorter than the names
        ("brief", lambda col: [math.nan] * len(col)),  # json writes NaN: a float, not text
        ("brief", lambda col: [None, 1, *col[2:]]),
        ("value", lambda col: [10**400] * len(col)),  # a number where text belongs
        ("info", lambda col: ["x" * (indexrow.INFO_CHARS + 1)] * len(col)),
        ("listing", lambda col: [["result", 1, "", "", None]] * len(col)),
        ("listing", lambda col: [["spam", "", "", "", math.inf]] * len(col)),
    ],
)
def test_a_tampered_column_read_on_demand_is_ignored_and_the_file_rebuilt(
    tmp_path, monkeypatch, column, damage
):
    # a column that only some readers decode (table: brief and value; ls: listing) is
    # checked when first read, after its rows are in use: they read their entries
    # instead, and the file goes so that the next reader rebuilds it
    f, folder = _call_store(tmp_path, monkeypatch=monkeypatch)
    expected = _table_and_listing(f, folder)
    index.forget()
    _rewrite_index(folder, lambda cols: {**cols, column: damage(cols[column])})
    index.forget()
    assert _table_and_listing(f, folder) == expected  # the rows in use read their entries
    assert _table_and_listing(f, folder) == expected  # the next refresh drops the file's rows
    index.forget()
    _table_and_listing(f, folder)  # a new process: rebuilds and saves a sound file
    index.forget()
    reads = count_entry_reads(monkeypatch)
    assert _table_and_listing(f, folder) == expected
    assert reads == []


@pytest.mark.parametrize("column", ["mtime", "brief"])
def test_a_number_of_thousands_of_digits_in_a_column_ignores_the_file(tmp_path, column):
    # json refuses integers of more than 4300 digits: a signature column (read first)
    # makes the whole file ignored, a column read on demand its rows
    f, folder = _call_store(tmp_path)
    expected = _table_and_listing(f, folder)
    index.forget()
    huge = "9" * 5000
    _rewrite_index(folder, lambda cols: {**cols, column: [huge] * len(cols[column])})
    path = os.path.join(folder, index.INDEX_FILE)
    with open(path) as fh:
        body = fh.read().partition("\n")[2].replace(f'"{huge}"', huge)  # a number now
    with open(path, "w") as fh:
        check = xxhash.xxh3_64_hexdigest(body.encode())
        meta = {
            "format": 4,
            "read": indexfile._READ,
            "derived": indexfile._DERIVED,
            "check": check,
        }
        fh.write(json.dumps(meta))
        fh.write("\n" + body)
    index.forget()
    assert _table_and_listing(f, folder) == expected


@pytest.mark.parametrize("fmt", [2, 3])
def test_an_index_file_of_an_earlier_format_is_rebuilt_from_the_entries_once(
    tmp_path, monkeypatch, fmt
):
    # formats 2 and 3 were one JSON object parsed whole, before any check of its shape:
    # a crafted file chose them to bypass the checks of format 4's lines (_check_shape)
    f, folder = _call_store(tmp_path, monkeypatch=monkeypatch)
    expected = _table_and_listing(f, folder)
    index.forget()

    def earlier(cols):
        cols = {k: v for k, v in cols.items() if k != "brief"}
        return cols if fmt == 3 else {k: v for k, v in cols.items() if k != "listing"}

    _rewrite_index(folder, earlier, fmt=fmt)
    index.forget()
    reads = count_entry_reads(monkeypatch)
    assert _table_and_listing(f, folder) == expected
    assert len(reads) == 6  # each entry read once
    with open(os.path.join(folder, index.INDEX_FILE)) as fh:
        columns = index_columns(fh.read())  # saved again, in format 4
    assert len(columns["brief"]) == len(columns["name"]) and None not in columns["brief"]
    index.forget()
    reads.clear()
    assert _table_and_listing(f, folder) == expected and reads == []


def _items_filling_the_bound(folder, field, item, size):
    """A signed index file of the store at ``folder`` as big as its bound allows, its
    column ``field`` of copies of ``item`` (JSON of ``size`` bytes with its comma)."""
    path = os.path.join(folder, index.INDEX_FILE)
    with open(path) as f:
        columns = index_columns(f.read())
    bound = indexfile.most_bytes(sig for _, sig in indexscan.entry_signatures(folder, None))
    room = bound - os.path.getsize(path) - 4096
    return index_text({**columns, field: [item] * (room // size)}), room


@pytest.mark.parametrize(
    "field, item, size",
    [
        ("value", [], 3),  # '[],': a list made of each 3 bytes
        ("info", {}, 3),
        ("listing", [], 3),
        ("files", [], 3),
        ("brief", "ab", 5),  # a string of 50 bytes for each 5
        ("name", "ab", 5),
        ("size", 1000, 5),
    ],
)
def test_a_column_of_many_small_items_within_the_bound_is_not_parsed(tmp_path, field, item, size):
    # an index file may be 128 times its entries' bytes: one of a column of '[],' within
    # that bound made 20-25 times its bytes of objects before the column's check refused
    # them (0.5 GB for 1,000 entries of 150 bytes); a line is now parsed only if it is
    # of the shape of its column, a list of one item of its kind per row
    import tracemalloc

    folder = store_with(tmp_path, n=200)
    index.rows(folder)
    forged, room = _items_filling_the_bound(folder, field, item, size)
    with open(os.path.join(folder, index.INDEX_FILE), "w") as f:
        f.write(forged)
    index.forget()
    tracemalloc.start()
    try:
        found = index.rows(folder)
        index.kept_values(list(found.values()))  # the lazy columns too
        assert dict(DataSet("s", path=str(tmp_path))._info_items()) == truth(folder)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 6 * room, (peak, room)


def test_a_brief_record_holds_the_fields_a_table_reads_of_every_call_record(tmp_path):
    f, folder = _call_store(tmp_path, n=2)
    for row in index.rows(folder).values():
        info = row.info()
        if isinstance(info, dict):
            assert row.brief() == {k: v for k, v in info.items() if k in BRIEF_KEYS}
            assert list(row.brief()) == [k for k in info if k in BRIEF_KEYS]
    call = f.where(x=1)[0]
    assert call.info == entries.read_info(folder, call.name)  # read when asked for


# ---- the columns derived from the info records ------------------------------------------


@pytest.mark.parametrize("derived", [None, 0, "1"])
def test_an_index_file_of_another_derivation_has_its_listings_and_briefs_derived_again(
    tmp_path, monkeypatch, derived
):
    # ls -l's columns and the brief records a table reads are derived from each info
    # record when its row is made, and kept in the file: one written by another version
    # of that derivation (another archived) was trusted for them, so ls -l, table() and
    # where() served what the older code derived, not what the info records say now
    f, folder = _call_store(tmp_path, monkeypatch=monkeypatch)
    expected = _table_and_listing(f, folder)
    index.forget()
    path = os.path.join(folder, index.INDEX_FILE)
    with open(path) as file:
        columns = index_columns(file.read())
    stale = {
        **columns,
        "listing": [["result", "m.old", "", "x=-1", None]] * len(columns["name"]),
        "brief": ['{"function":"m.old","parameters":{"x":-1}}'] * len(columns["name"]),
    }
    with open(path, "w") as file:
        file.write(index_text(stale))  # of this derivation: trusted (the file is read)
    assert _table_and_listing(f, folder)[3][0][1] == ("result", "m.old", "", "x=-1", None)
    index.forget()
    with open(path, "w") as file:
        file.write(index_text(stale, derived=derived))
    assert _table_and_listing(f, folder) == expected
    index.forget()
    with open(path) as file:  # saved again, derived by this version
        assert json.loads(file.readline())["derived"] == indexfile._DERIVED
    assert _table_and_listing(f, folder) == expected


# what listing.columns, table.brief_of, (from 2) indexrow.call_of and (from 4) a row's
# derivation (indexrow._info_fields) give the records below, by indexfile._DERIVED
_DERIVATION_FINGERPRINTS = {
    1: "9bb23f7f6cf63ce4",
    2: "53a2a79169a82ba8",
    3: "4ffb978167bb43ba",
    4: "7f4e8b839c70317c",
    5: "e658760cc624c727",
}


def test_the_derivation_of_listings_and_briefs_is_pinned_to_its_version():
    # an index file is trusted for the listings and briefs it keeps only if they were
    # derived as this version derives them (indexfile._DERIVED): a change to listing.columns
    # or table.brief_of (or indexrow.call_of) that does not bump it would serve an older
    # derivation's columns
    from archived.store import listing, table

    records = [
        None,
        1.5,
        "text",
        [1, 2],
        {},
        {"mu": 1.5, "label": "a, b", "n": [1, 2, 3]},
        {1: "a", "b": (1, 2)},
        {"function": "m.f", "version": "v2", "status": "ok", "parameters": {"x": 1, "y": 0.5}},
        {"function": "m.f", "parameters": {"s": "t\u202e", "z": 1 + 2j, "b": b"x"}},
        {"function": "m.f", "status": "failed", "error": "ValueError", "message": "bad"},
        {"function": "m.f", "status": "sweep", "points": 12, "created": "2026-01-31T12:00:00Z"},
        {"function": "m.f", "status": "ok", "parameters": [1]},
        {"function": "m.f", "status": "odd", "parameters": {}},
        {"function": 3, "version": None, "parameters": {"x": None}, "duration": 2.5},
        {"function": "m.f", "started": "2026-01-31T12:00:00+01:00", "duration": 0.25},
        {"function": "m.f", "started": "2026-01-31T12:00:00", "host": "h", "pid": 1},
        {"function": "m.f", "started": "not a time", "parameters": {"x": {"k": [1]}}},
        {"key": "0" * 32, "parameters": {"x": 1}, "status": "ok"},
        {"function": "m.f", "parameters": {"a": "ndarray(" + "x" * 70 + ")", "s": 2.0}},
    ]
    derived = repr(
        [(listing.columns(f"f_{i}", r), table.brief_of(r)) for i, r in enumerate(records)]
    )
    if indexfile._DERIVED >= 2:  # and the key and parameters columns a sweep's lookup reads
        derived += repr([indexrow.call_of(r) for r in records])
    if indexfile._DERIVED >= 4:  # and a row's whole derivation from its entry's info
        # section, a value edited or not: a call whose key is its parameters', one whose
        # parameters were edited, and one whose key cannot be recomputed
        key = hash_call("m.f", "v", {"x": 1, "y": 0.5})
        call = {"function": "m.f", "version": "v", "key": key, "parameters": {"x": 1, "y": 0.5}}
        records += [
            call,
            {**call, "parameters": {"x": 2, "y": 0.5}},
            {**call, "parameters": {"x": "2", "y": 0.5}},
            {**call, "status": "failed", "parameters": {"x": 2, "y": 0.5}},
        ]
        derived += repr(
            [
                indexrow._info_fields(f"f_{i}", f"info = {r!r}\n", edited)
                for i, r in enumerate(records)
                for edited in (False, True)
            ]
        )
    fingerprint = xxhash.xxh3_64_hexdigest(derived.encode())
    assert _DERIVATION_FINGERPRINTS.get(indexfile._DERIVED) == fingerprint, (
        "listing.columns or table.brief_of derive other columns than this version of the "
        "index says: bump indexfile._DERIVED and pin the new fingerprint"
    )


def _varied_entries(folder):
    """Entries of every kind a row keeps or leaves to its entry: plain and typed info
    records, one that is not a dict, none, one too long to keep, one the literal reader
    does not read; values kept, shared, too long, in a data file; a damaged entry."""
    call = {
        "function": "m.f",
        "version": "1",
        "key": hash_call("m.f", "1", {"x": 1, "y": 2.5}),  # its own: not derived as edited
        "parameters": {"x": 1, "y": 2.5},
        "status": "ok",
        "started": "2024-01-01T00:00:00+00:00",
        "duration": 0.25,
    }
    shared = [1, 2]
    typed = {
        "x": np.float32(0.5),
        "t": (1, -0.0),
        "n": float("nan"),
        "when": datetime.date(2024, 1, 2),
    }
    made = {
        "plain": (2.5, call),
        "typed": (np.int64(3), dict(call, parameters=typed)),
        "listed": ([0.5, None, "s"], [1, 2]),
        "bare": ({"a": (shared, shared)}, None),
        "long_info": (1, {"blob": "a" * (indexrow.INFO_CHARS + 10)}),
        "long_value": (list(range(1000)), call),
        "data_file": (np.arange(1000.0), call),
    }
    for name, (value, info) in made.items():
        entries.commit_entry(folder, name, value, info=info)
    # an info record the literal reader leaves to the full loader (a call in it)
    path = os.path.join(folder, "plain.py")
    with open(path) as f:
        text = f.read()
    with open(os.path.join(folder, "called.py"), "w") as f:
        f.write(text.replace("plain", "called").replace("'duration': 0.25", "'duration': abs(-1)"))
    with open(os.path.join(folder, "damaged.py"), "w") as f:
        f.write("# archived entry 'damaged', format 1, data files: []\ninfo = {(\n")
    return [*made, "called", "damaged"]


def _what_a_reader_gets(folder, name, row):
    from archived.store.native import IndexedEntry, NativeStore

    entry = IndexedEntry(NativeStore(folder), name, row)
    found = []
    for read in (entry.info, entry.value):
        try:
            found.append(read())
        except DamagedEntryError as err:
            found.append(type(err))
    return found


def test_a_row_made_by_a_lookup_gives_what_a_row_of_a_full_look_gives(tmp_path):
    # a lookup's row reads the entry's text when asked and derives the index text,
    # listing and brief record only when listed, tabled or saved: what it gives, and
    # what it saves, must be what a full look's row holds, for every kind of entry
    folder = str(tmp_path)
    names = _varied_entries(folder)
    looked_up = {}
    for name in names:
        index.forget()  # a new process's first hit
        looked_up[name] = index.row(folder, name)
        assert looked_up[name]._info is indexrow.PENDING or name == "damaged"
    index.forget()
    full = index.rows(folder)
    assert sorted(full) == sorted(names)
    for name in names:
        lazy, eager = looked_up[name], full[name]
        got, want = (
            _what_a_reader_gets(folder, name, lazy),
            _what_a_reader_gets(folder, name, eager),
        )
        assert exact(got, want), name
        # the fields a listing, a table and the index file take, derived when asked
        assert lazy.listing == eager.listing, name
        assert lazy.brief_text == eager.brief_text, name
        dumped, kept = lazy.dump(), eager.dump()
        assert dumped[:4] + dumped[5:] == kept[:4] + kept[5:], name  # all but when read
        assert lazy._source is None, name  # all derived: the entry's text is let go
        assert exact(_what_a_reader_gets(folder, name, lazy), want), name


def test_a_lookups_row_of_an_entry_with_a_long_info_record_keeps_no_copy_of_it(tmp_path):
    # a lookup's row kept its entry's info section as text until something listed,
    # tabled or saved the row: a hit of each of 20 entries of 256 kB info records kept
    # 5 MB for the life of the process (a full look's row keeps none above _INFO_CHARS)
    import gc
    import tracemalloc

    ds = DataSet("s", "w", path=str(tmp_path))
    blob = "a" * (4 * indexrow.INFO_CHARS)
    names = [ds._insert(i, info={"blob": blob, "i": i})[0] for i in range(20)]
    index.forget()
    tracemalloc.start()
    try:
        kept = [index.row(ds._path, name) for name in names]
        assert [row.value() for row in kept] == [(True, i) for i in range(20)]
        view = DataSet("s", path=str(tmp_path))
        assert [view._entry(name).info()["i"] for name in names] == list(range(20))
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert retained < 4 * len(blob), retained
    assert all(row._source is None and row.info_text is None for row in kept)


def test_a_lookups_rows_saved_in_the_index_file_serve_the_next_process(tmp_path):
    folder = str(tmp_path)
    names = _varied_entries(folder)
    looked_up = {name: index.row(folder, name) for name in names}
    want = {name: _what_a_reader_gets(folder, name, row) for name, row in looked_up.items()}
    assert all(
        row._info is indexrow.PENDING for name, row in looked_up.items() if name != "damaged"
    )
    saved = index.rows(folder)  # the lookups' rows, unchanged, are saved as they are
    assert all(saved[name] is looked_up[name] for name in names)
    index.forget()
    from_file = index.rows(folder)
    assert from_file[names[0]]._file is not None  # read from the index file
    for name in names:
        assert exact(_what_a_reader_gets(folder, name, from_file[name]), want[name]), name


def _recorded(row):
    """What a sweep's lookup compares of a row's info record, read in full."""
    from archived.store.table import record_text

    info = row.info()
    if not isinstance(info, dict):
        return None, None
    return record_text(info, "key"), info.get("parameters")


def test_the_key_and_parameters_of_a_row_are_those_of_its_info_record(tmp_path):
    # a sweep's lookup reads a call's key and parameters from the index's columns of
    # them, not from the full info record: for every kind of entry they must be the
    # record's (or None, then the record is read), from a full look's row and from a
    # row of the index file
    folder = str(tmp_path)
    names = _varied_entries(folder)
    eager = index.rows(folder)
    index.forget()
    from_file = index.rows(folder)
    assert from_file[names[0]]._file is not None
    for rows in (eager, from_file):
        for name in names:
            row, got = rows[name], rows[name].call_fields()
            if row.info_text is None:
                assert got is None, name
            else:
                assert got is not None and exact(got, _recorded(row)), name
    assert exact(from_file["typed"].call_fields()[1], _recorded(eager["typed"])[1])


def test_a_rerun_of_a_finished_sweep_decodes_no_info_record_of_the_index_file(
    tmp_path, monkeypatch
):
    # the rerun read each point's key and parameters from its full info record: the
    # index file's whole column of them decoded, then each record (a quarter of the
    # rerun's time), for two of their twelve fields
    from archived import archived, sweep

    f = archived(str(tmp_path / "calls"), version="1")(_point)
    grid = {"x": list(range(2 * indexscan.FEW))}  # a look at many entries
    first = sweep(f, grid, progress=False)
    f.table(frame=False)  # the index file, saved
    folder = f.store.path
    stored = {name: os.lstat(os.path.join(folder, name)).st_ino for name in os.listdir(folder)}
    index.forget()  # a new process
    decoded = []
    real, real_many = indexcodec.decode, indexcodec.decode_many
    monkeypatch.setattr(indexcodec, "decode", lambda text: decoded.append(text) or real(text))
    monkeypatch.setattr(
        indexcodec, "decode_many", lambda texts: decoded.extend(texts) or real_many(texts)
    )
    assert sweep(f, grid, progress=False) == first
    assert {n: os.lstat(os.path.join(folder, n)).st_ino for n in os.listdir(folder)} == stored
    file = index._state(folder).file
    assert file is not None and "info" not in file._columns  # the column is never decoded
    assert decoded and not [text for text in decoded if '"key"' in text]


@pytest.mark.parametrize("columns_kept", [12, 14])
def test_an_index_file_of_another_derivation_is_not_read_and_its_entries_are(
    tmp_path, monkeypatch, columns_kept
):
    # a file of another derivation (the first one's 12 columns, or 14 derived otherwise)
    # is not read: its derived columns cannot be made again from its info column alone
    # (a value edited by hand is told by its entry's value section), so every entry is
    # read again, and the file saved again in this derivation
    f, folder = _call_store(tmp_path, monkeypatch=monkeypatch)
    expected = _table_and_listing(f, folder)
    index.forget()
    path = os.path.join(folder, index.INDEX_FILE)
    with open(path) as file:
        columns = index_columns(file.read())
    other = dict(list(columns.items())[:columns_kept])
    with open(path, "w") as file:
        file.write(index_text(other, derived=indexfile._DERIVED - 1))
    reads = count_entry_reads(monkeypatch)
    found = index.rows(folder)
    assert sorted(reads) == sorted(found) and len(found) == 6
    assert {name: row.call_fields() for name, row in found.items()} == {
        name: _recorded(row) for name, row in found.items()
    }
    index.forget()
    assert _table_and_listing(f, folder) == expected
    with open(path) as file:
        text = file.read()
    assert json.loads(text.partition("\n")[0])["derived"] == indexfile._DERIVED
    assert index_columns(text)["key"] == columns["key"]


def test_a_lookup_of_many_names_finds_what_a_lookup_of_each_path_finds(tmp_path):
    # many names are looked up through a descriptor of the store's directory: the same
    # entries, links and special files as an lstat of each one's path
    folder = str(tmp_path)
    names = _varied_entries(folder)
    os.symlink(os.path.join(folder, "plain.py"), os.path.join(folder, "linked.py"))
    os.mkfifo(os.path.join(folder, "fifo.py"))
    others = ["linked", "fifo", "missing", "_hidden", "class", *(f"n{i}" for i in range(80))]
    asked = [*names, *others]
    with warnings.catch_warnings(record=True) as through_fd:
        warnings.simplefilter("always")
        many = indexscan.entry_signatures(folder, asked)
    with warnings.catch_warnings(record=True) as by_path:
        warnings.simplefilter("always")
        each = [found for name in asked for found in indexscan.entry_signatures(folder, [name])]
    assert many == each and sorted(n for n, _ in many) == sorted([*names, "linked"])
    assert [str(w.message) for w in through_fd] == [str(w.message) for w in by_path]
    assert len(through_fd) == 1  # the FIFO, never opened
    assert index.rows(str(tmp_path / "gone"), asked) == {}
    assert index.rows(os.path.join(folder, "plain.py"), asked) == {}  # not a directory


def test_an_index_file_of_many_short_lines_within_the_bound_is_not_split(tmp_path):
    # a file of a line per column was split into its lines before their number was
    # checked: within the bound, 'ab\n' over and over made 14 times its bytes of lines
    import tracemalloc

    folder = store_with(tmp_path, n=200)
    index.rows(folder)
    path = os.path.join(folder, index.INDEX_FILE)
    bound = indexfile.most_bytes(sig for _, sig in indexscan.entry_signatures(folder, None))
    body = b"ab\n" * ((bound - 4096) // 3)
    check = xxhash.xxh3_64_hexdigest(body)
    head = json.dumps({"format": 4, "read": indexfile._READ, "check": check}).encode()
    with open(path, "wb") as f:
        f.write(head + b"\n" + body)
    index.forget()
    tracemalloc.start()
    try:
        assert infos(folder) == truth(folder)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * len(body), (peak, len(body))


_AWKWARD = st.lists(
    st.sampled_from(['"', "\\", "a", ",", "[", "]", "{", "}", ":", "null", "\n", "\x00"])
    | st.sampled_from(["\udcff", "é", " ", "\u2028", '\\"', "1e5", "-"]),
    max_size=8,
).map("".join)


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(texts=st.lists(_AWKWARD, min_size=1, max_size=3), data=st.booleans())
def test_every_index_file_a_reader_saves_has_the_shape_its_reader_checks(
    tmp_path_factory, texts, data
):
    # the shape of each line is checked before it is parsed (indexfile.check_shape): a line
    # _save writes that the check refused would make every reader read every entry
    root = tmp_path_factory.mktemp("s")
    ds = DataSet("s", "w", path=str(root), array_threshold=4)
    for i, text in enumerate(texts):
        info = {"function": "m.f", "status": "ok", "parameters": {text: text}, "t": text}
        value = np.arange(8.0) if data and i == 0 else {text: [text, None, 1.5]}
        ds._insert(value, info=info, name=["x", "\u00e9", "\u00df"][i])
    index.forget()
    index.rows(ds._path, listed=True)  # read from the entries, and saved
    index.forget()
    read = indexfile.read_columns(os.path.join(ds._path, index.INDEX_FILE), 2**30)
    assert read is not None
    file = read[1]
    assert all(file.column(field) is not None for field in indexfile.COLUMNS)
    assert not file.doubt
    assert infos(ds._path) == truth(ds._path)


# what load.literal's fast path and indexcodec.encode make of the sources below (as the
# writer writes them), by indexfile._READ (2: the same texts, and a call's key derived as
# edited when its value section is not the one its record's digest names; 3: the same,
# a lookup's row of such a call derived as edited too; 4: the same, a digest followed by a
# field a person added; 5: the same, with _DERIVED 4)
_READING_FINGERPRINTS = {
    1: "9ec52540380c1e00",
    2: "9ec52540380c1e00",
    3: "9ec52540380c1e00",
    4: "9ec52540380c1e00",
    5: "9ec52540380c1e00",
}
_SOURCES = [
    "x = {'mu': 1.5, 'n': [1, 2], 't': (3, 'x'), 's': {1, 2}, 'z': -0.0, 'u': None}\n",
    'x = {"k": [1, 2.5e-3, -4, 1e-300, 1180591620717411303424], "t": True, "q": \'it\\\'s\'}\n',
    "from builtins import frozenset as _frozenset\nfrom builtins import complex as _complex\n"
    "x = {'f': _frozenset({'a'}), 'b': b'\\x00\\xff', 'c': _complex(1.0, -2.0)}\n"
    "del _frozenset, _complex\nif __name__ == 'builtins':\n    del __builtins__\n",
    "from numpy import float32 as _float32\nx = _float32(0.5)\ndel _float32\n",
    "from numpy import int8 as _int8\nx = _int8(-3)\ndel _int8\n",
    "from numpy import array as _array\nx = _array([0, 1, 2, 3], dtype='>u2')\ndel _array\n",
    "from numpy import array as _array\nx = _array([[1.5, -0.0], [2.0, 3.0]], dtype='float64')\n",
    "from datetime import datetime as _datetime\nfrom datetime import date as _date\n"
    "from datetime import timedelta as _timedelta\nx = [_datetime(2024, 1, 2, 3, 4, 5, 6), "
    "_date(2024, 1, 2), _timedelta(days=1, seconds=2, microseconds=3)]\n",
    "x = {1: 'a', (1, 2): [], 'x': {}}\n",
    "from builtins import range as _range\nx = _range(0, 10, 3)\n",
    "from builtins import bytearray as _bytearray\nx = _bytearray(b'ab')\n",
    "from builtins import float as _float\nx = [_float('inf'), _float('-inf'), _float('nan')]\n",
    "a = [1, 2]\nx = (a, a, {'k': a})\ndel a\n",
    "x = 'a' * 3\n",
]


def test_the_reading_of_rows_is_pinned_to_its_version():
    # an index file is read only if its rows' texts were read from their entries as this
    # version reads them (indexfile._READ): a change to the literal fast path or the codec
    # that does not bump it would serve an older reading's values for unchanged entries
    from archived.load.literal import NotLiteral, literal_value

    read = []
    for source in _SOURCES:
        try:
            read.append(indexcodec.encode(literal_value(source, "x")))
        except NotLiteral as err:
            read.append(f"not literal: {err}")
    fingerprint = xxhash.xxh3_64_hexdigest(repr(read).encode())
    assert _READING_FINGERPRINTS.get(indexfile._READ) == fingerprint, (
        "the literal fast path or indexcodec read other texts than this version of the "
        "index says: bump indexfile._READ and pin the new fingerprint"
    )


def test_a_first_lookup_opens_the_entry_without_an_lstat_and_gives_the_row_refresh_gives(
    tmp_path, monkeypatch
):
    # a name this process has no row of (a new process's first hit) is read by one open
    # and its fstat, not an lstat first: the row must be the one refresh() makes, and a
    # link, a FIFO, a missing entry or a name that is no entry's must look as before
    folder = str(tmp_path)
    names = _varied_entries(folder)
    os.symlink(os.path.join(folder, "plain.py"), os.path.join(folder, "link.py"))
    os.mkfifo(os.path.join(folder, "fifo.py"))
    lstats = []
    real_lstat = os.lstat
    monkeypatch.setattr(index.os, "lstat", lambda *a, **k: lstats.append(a) or real_lstat(*a, **k))
    for name in [*names, "link", "fifo", "missing", "class", "_private"]:
        index.forget()
        del lstats[:]
        with warnings.catch_warnings(record=True) as first_warned:
            warnings.simplefilter("always")
            first = index.row(folder, name)
        if name in names and name != "damaged":
            assert lstats == [], name  # one open and its fstat only
        index.forget()
        with warnings.catch_warnings(record=True) as old_warned:
            warnings.simplefilter("always")
            old = index._state(folder).refresh([name]).get(name)
        assert [str(w.message) for w in first_warned] == [str(w.message) for w in old_warned]
        assert (first is None) == (old is None), name
        if first is None:
            continue
        assert first.signature == old.signature and first.digest == old.digest, name
        assert list(first.files) == list(old.files), name
        got, want = (
            _what_a_reader_gets(folder, name, first),
            _what_a_reader_gets(folder, name, old),
        )
        assert exact(got, want), name
        assert first.dump()[5:] == old.dump()[5:], name


_HEAD = "# archived entry 'a', format 1, data files: []\n# ---- info ----\n"


@pytest.mark.parametrize(
    "data",
    [
        (_HEAD + "info = {'n': 1}\n# ---- value ----\na = 2.5\n").encode(),
        (_HEAD + "# ---- value ----\na = 2.5\n").encode(),  # no info source
        (_HEAD + "info = 1# ---- value ----\na = 2\n").encode(),  # the mark not on its line
        (_HEAD + "info = '# ---- value ----\n'\n# ---- value ----\na = 2\n").encode(),
        (_HEAD + "info = 1\n# ---- value ----\na = 2\n# ---- value ----\n").encode(),
        (_HEAD + "info = 1\na = 2\n").encode(),  # no value section
        (_HEAD + "info = 1\r\n# ---- value ----\r\na = 2\r\n").encode(),
        (_HEAD + "info = 1\r\n# ---- value ----\na = 2\n").encode(),
        b"\xef\xbb\xbf" + (_HEAD + "info = 1\n# ---- value ----\na = 2\n").encode(),
        (_HEAD + "info = 'caf\u00e9'\n# ---- value ----\na = 2\n").encode(),
        (_HEAD + "info = 1\n# ---- value ----\na = 2\n").encode()[:-3] + b"\xff\n",
        (_HEAD.replace("'a'", "'b'") + "info = 1\n# ---- value ----\na = 2\n").encode(),
        (_HEAD.replace("format 1", "format 2") + "info = 1\n# ---- value ----\na = 2\n").encode(),
        (_HEAD.replace("[]", "['a.t.h5']") + "info = 1\n# ---- value ----\na = 2\n").encode(),
        (_HEAD.replace("[]", "[] ") + "info = 1\n# ---- value ----\na = 2\n").encode(),
        (b"# archived entry 'a', format 1, data files: []\ninfo = 1\n"),
        b"",
    ],
)
@pytest.mark.parametrize("lazy", [True, False])
def test_a_row_holds_the_sections_entry_sections_reads_whatever_the_file(data, lazy):
    # an entry in archived's own layout without data files is split by plain string
    # tests (a first hit's shortcut): its row is the one of the general reading
    try:
        want = entries.entry_sections("a", entries.entry_text("a", data))
    except DamagedEntryError:
        want = None
    row = indexrow.parse_entry("a", data, (1, len(data), 2, 3), "d", 10**19, lazy)
    if want is None:
        assert row.dump()[7:] == [None, None, None, None, None, None], data
        return
    info, value, files = want
    assert list(row.files) == files
    if lazy and row._source is not None:
        kept = value if not files or all(f.endswith("-info.h5") for f in files) else None
        assert (row._source.info, row._source.value) == (info, kept)
    general = indexrow.Row((1, len(data), 2, 3), 10**19, "d", files, *_fields(info, value, files))
    assert row.dump() == general.dump(), data


def _fields(info, value, files):
    info_text, listed, brief_text, call = indexrow._info_fields("a", info)
    keeps = not files or all(f.endswith("-info.h5") for f in files)
    value_text = indexrow._value_text("a", value) if keeps else None
    return info_text, value_text, listed, brief_text, None, 0, None, call


def test_the_index_file_keeps_rows_in_the_order_their_entries_were_written(tmp_path):
    # a sweep stores its points in its grid's order and a rerun looks them up in it: the
    # file's rows in that order lie so in memory when read (by name, the order of the
    # keys' hashes, every row a rerun reached was elsewhere); readers that want names
    # sorted (ls, ls -l, a table's spans) still get them sorted
    folder = str(tmp_path / "s")
    os.mkdir(folder)
    written = ["z_9", "a_1", "m_5", "b_2"]
    for i, name in enumerate(written):
        entries.commit_entry(folder, name, i)
        os.utime(os.path.join(folder, name + ".py"), ns=(10**18 + i * 10**9,) * 2)
    assert set(index.rows(folder)) == set(written)
    with open(os.path.join(folder, indexfile.INDEX_FILE)) as fh:
        assert index_columns(fh.read())["name"] == written
    index.forget()
    # (ls -l sorts the listing it is served: tests/test_ls_index.py)
    assert sorted(row[0] for row in index.listings(folder)) == sorted(written)
    assert index.kept(folder).names == sorted(written)
    assert [index.kept(folder).row(i).value()[1] for i in range(4)] == [1, 3, 2, 0]


@pytest.mark.parametrize("bad", [["entry", "", "", "", math.nan], ["spam", "", "", "", 1.0], [1]])
def test_a_malformed_listing_far_into_a_big_column_is_refused(bad):
    # the listing column is checked a slice of rows at a time: the last slice counts too
    good = ["result", "f", "1", "x=1", 1.5]
    for at in (0, 2047, 2048, 4999):
        column = [list(good) for _ in range(5000)]
        column[at] = bad
        with pytest.raises(ValueError):
            indexfile._check_column("listing", column, [f"e{i}" for i in range(5000)])
    assert indexfile._check_column("listing", [good] * 5000, ["e"] * 5000) == [good] * 5000
