"""A table of calls served from the index file's columns (no row object per entry) is
exactly the table that reading every entry gives: an entry changed, added, deleted or
racy since the file was written is read again, and a file in any doubt is not served."""

import os
import subprocess
import sys
import time

import pytest

from archived import archived
from archived.store import index, indexfile, indexscan
from helpers import count_entry_reads, index_columns, index_text, set_stat_signature

N = 200  # enough entries that a few changed ones are read alone, the others from the file


# each test as in a new process: nothing known of any store's index before or after it
pytestmark = pytest.mark.usefixtures("index_forgotten")


def _point(x):
    return {"energy": x / 2, "label": f"p{x}"}


@pytest.fixture
def settled(monkeypatch):
    """Entries read 10 s after they were written: their rows are settled (not racy)."""
    later = time.time_ns() + 10**10
    monkeypatch.setattr(index.time, "time_ns", lambda: later)


@pytest.fixture
def served(monkeypatch):
    """What each table's look at the index file's columns gave (None: not served)."""
    found = []
    real = index._State.kept

    def kept(self):
        result = real(self)
        found.append(result)
        return result

    monkeypatch.setattr(index._State, "kept", kept)
    return found


def _calls(tmp_path):
    f = archived(str(tmp_path / "calls"), version="1")(_point)
    for x in range(N):
        f(x)
    f.table(frame=False)  # saves the index file
    index.forget()
    return f, f.store.path


def _name(f, x):
    return f.where(x=x)[0].name


def _seen(f):
    return f.table(frame=False), [(c.name, c.load()) for c in f.where(x=3)]


def _truth(f, folder):
    """What reading every entry gives: no index file, a new process."""
    os.remove(os.path.join(folder, index.INDEX_FILE))
    index.forget()
    return _seen(f)


def test_a_table_of_an_unchanged_store_reads_no_entry_and_makes_no_row(
    tmp_path, monkeypatch, settled, served
):
    f, folder = _calls(tmp_path)
    made = []
    real_init = index.Row.__init__

    def init(self, *args, **kwargs):
        made.append(1)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(index.Row, "__init__", init)
    reads = []
    real_read = index.read_entry_bytes
    monkeypatch.setattr(
        index,
        "read_entry_bytes",
        lambda folder, name, **options: reads.append(name) or real_read(folder, name, **options),
    )
    rows = f.table(frame=False)
    assert sorted(row["energy"] for row in rows) == [x / 2 for x in range(N)]
    assert served[-1] is not None and reads == [] and made == []
    calls = f.where(x=7)
    assert len(made) == 1  # where() makes the row of the call it returns only
    assert [c.load() for c in calls] == [_point(7)]


def test_entries_changed_added_or_deleted_since_the_index_file_are_read_again(
    tmp_path, settled, served
):
    f, folder = _calls(tmp_path)
    index_path = os.path.join(folder, index.INDEX_FILE)
    with open(index_path, "rb") as fh:
        written = fh.read()
    store = f.store
    changed, deleted = _name(f, 3), _name(f, 5)
    store.commit(changed, {"energy": -1.0, "label": "changed"}, store.info(changed))
    store.remove(deleted)
    f(N + 7)
    with open(index_path, "wb") as fh:  # as it was before the changes (a look may save it)
        fh.write(written)
    index.forget()
    got = _seen(f)
    assert served[-1] is not None  # the file's columns served the others
    table, where3 = got
    assert where3 == [(changed, {"energy": -1.0, "label": "changed"})]
    assert {row["x"] for row in table} == (set(range(N)) - {5}) | {N + 7}
    assert got == _truth(f, folder)


def test_a_racy_row_of_the_index_file_is_read_again_though_its_signature_is_unchanged(
    tmp_path, monkeypatch, settled, served
):
    # a clock of one-second ticks, and no inode or ctime: a same-size rewrite within the
    # tick keeps the signature, and only the row's racy mark says to read it again
    set_stat_signature(monkeypatch, lambda st: (0, st.st_size, st.st_mtime_ns // 10**9 * 10**9, 0))
    f, folder = _calls(tmp_path)
    name = _name(f, 3)
    path = os.path.join(folder, name + ".py")
    before = os.stat(path)
    index_path = os.path.join(folder, index.INDEX_FILE)
    with open(index_path) as fh:
        columns = index_columns(fh.read())
    i = columns["name"].index(name)
    columns["seen"][i] = columns["mtime"][i]  # read as it was written: racy
    with open(index_path, "w") as fh:
        fh.write(index_text(columns))
    f.store.commit(name, {"energy": 9.5, "label": "p3"}, f.store.info(name))  # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert indexscan.stat_signature(os.stat(path)) == indexscan.stat_signature(before)
    index.forget()
    table, where3 = _seen(f)
    assert served[-1] is not None
    assert where3 == [(name, {"energy": 9.5, "label": "p3"})]
    assert {"x": 3, "energy": 9.5, "label": "p3"} in table


def test_an_index_file_of_rows_in_any_order_serves_every_call(tmp_path, settled, served):
    # a table finds a function's calls among the names by bisection, and files keep their
    # rows in commit order (index.in_commit_order): the names are sorted when served, so
    # rows in any order (here reversed) hide none
    f, folder = _calls(tmp_path)
    expected = _seen(f)
    index.forget()
    index_path = os.path.join(folder, index.INDEX_FILE)
    with open(index_path) as fh:
        columns = index_columns(fh.read())
    with open(index_path, "w") as fh:
        fh.write(index_text({field: column[::-1] for field, column in columns.items()}))
    got = _seen(f)
    assert served[-1] is not None
    assert got == expected


def test_an_index_file_read_in_chunks_shorter_than_its_lines_is_served(
    tmp_path, monkeypatch, settled, served
):
    # each line of the file is decoded from the pieces of the chunks it spans
    f, folder = _calls(tmp_path)
    expected = _seen(f)
    index.forget()
    monkeypatch.setattr(indexfile, "_CHUNK", 7)
    reads = count_entry_reads(monkeypatch)
    assert f.table(frame=False) == expected[0]
    assert served[-1] is not None and reads == []


def test_a_table_reads_the_index_file_again_once_another_process_replaced_it(
    tmp_path, monkeypatch, settled, served
):
    # a process keeps the index file's columns it read for its next table, as long as
    # the file is the one it read
    f, folder = _calls(tmp_path)
    f.table(frame=False)
    name = _name(f, 3)
    f.store.commit(name, {"energy": -1.0, "label": "changed"}, f.store.info(name))
    path = os.path.join(folder, index.INDEX_FILE)
    before = _file_signature(path)
    subprocess.run([sys.executable, "-c", _REBUILDS_INDEX, folder], check=True)
    assert _file_signature(path) != before  # another process saved a new file
    reads = count_entry_reads(monkeypatch)
    table = f.table(frame=False)
    assert served[-1] is not None and reads == []  # its row of the entry is current
    assert {"x": 3, "energy": -1.0, "label": "changed"} in table


_REBUILDS_INDEX = """
import os, sys, time
from archived.store import index
later = time.time_ns() + 10**10  # entries read 10 s after they were written: settled
index.time.time_ns = lambda: later
os.remove(os.path.join(sys.argv[1], index.INDEX_FILE))
index.rows(sys.argv[1])
"""


def _file_signature(path):
    st = os.stat(path)
    return st.st_ino, st.st_size, st.st_mtime_ns


def test_entries_tables_read_again_once_settled_are_saved_once_the_reads_add_up(
    tmp_path, monkeypatch, served
):
    # a few entries rewritten after the index file was saved are read by the next
    # table() as changed; once they settled, every later table() read them again, as
    # the file was never saved (only when more than 1/64 of the store changed)
    clock = [time.time_ns() + 10**10]
    monkeypatch.setattr(index.time, "time_ns", lambda: clock[0])
    f, folder = _calls(tmp_path)
    store = f.store
    changed = [_name(f, 3), _name(f, 8)]
    for name in changed:
        store.commit(name, {"energy": -1.0, "label": "changed"}, store.info(name))
    clock[0] = time.time_ns()  # read just after they were written: racy
    index.forget()
    f.table(frame=False)
    assert served[-1] is not None
    clock[0] = time.time_ns() + 10**10  # then, once they settled
    index.forget()
    reads = count_entry_reads(monkeypatch)
    for _ in range(N // 64 // len(changed) + 1):  # read again until they add up to N/64
        f.table(frame=False)
    assert sorted(reads) == sorted(changed * (N // 64 // len(changed) + 1))
    reads.clear()
    f.table(frame=False)
    index.forget()  # and a new process
    table = f.table(frame=False)
    assert served[-1] is not None and reads == []
    assert table == _truth(f, folder)[0]
