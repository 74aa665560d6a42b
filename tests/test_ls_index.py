"""``archived ls -l`` from the read-side index: never wrong about the store as it is now.

ls -l prints the columns the index keeps per entry (kind, function, parameters, date)
and checks every entry file against its row first, so an unchanged entry is never read
again; an edit, a commit, a killed writer or a deleted index shows at once.  Each ls
here runs as in a new process (``index.forget()``), the way the command runs.  ``ls``
without ``-l`` prints the names from the directory listing alone.
"""

import io
import os
import signal
import subprocess
import sys
import time
from contextlib import redirect_stdout

import pytest

from archived import archived
from archived.__main__ import main
from archived.store import entries, index, sortednames
from archived.store.dataset import DataSet
from helpers import count_entry_reads, index_columns, index_text, set_stat_signature

# each test as in a new process: nothing known of any store's index before or after it
pytestmark = pytest.mark.usefixtures("index_forgotten")


def ls(folder, *options, long=True):
    """The output of ``archived ls -l FOLDER`` (``long=False``: ``archived ls FOLDER``)
    run as a new process would run it."""
    index.forget()
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["ls", folder, *(["-l"] if long else []), *options]) == 0
    return out.getvalue()


def ls_from_entries(folder):
    """The output of ls when no index exists: every entry read from its file."""
    path = os.path.join(folder, index.INDEX_FILE)
    if os.path.exists(path):
        os.remove(path)
    return ls(folder)


def counting_reads(monkeypatch):
    # a file changed less than RACY_SECONDS before a look is read again at every look
    # (test_ls_sees_a_same_size_rewrite_within_one_clock_tick); with that window closed,
    # only what changed is read
    return count_entry_reads(monkeypatch, racy_ns=0)


def energy(mu, n=2):
    return mu * n


@pytest.fixture
def store(tmp_path):
    f = archived(tmp_path / "runs")(energy)
    for mu in (0.5, 1.5, 2.5):
        f(mu)
    ds = DataSet("runs", "w", path=str(tmp_path))
    ds.notes = "first try"
    return str(tmp_path / "runs")


def test_ls_of_an_unchanged_store_reads_no_entry_and_prints_what_the_entries_say(
    store, monkeypatch
):
    first = ls(store)
    reads = counting_reads(monkeypatch)
    again = ls(store)
    assert reads == []
    assert again == first
    assert "mu=1.5 n=2" in again and "energy" in again and "notes" in again
    assert again == ls_from_entries(store)


def test_ls_after_a_hand_edit_in_place_of_same_size_and_mtime_shows_the_edit(store, monkeypatch):
    reads = counting_reads(monkeypatch)
    ls(store)  # the index now keeps every entry's columns
    [name] = [line.split()[0] for line in ls(store).splitlines() if "mu=1.5" in line]
    path = os.path.join(store, name + ".py")
    before = os.stat(path)
    with open(path, "r+") as f:  # same inode, same size, mtime set back: only ctime moves
        text = f.read()
        assert text.count("'mu': 1.5") == 1
        f.seek(0)
        f.write(text.replace("'mu': 1.5", "'mu': 7.5"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(path).st_size == before.st_size
    reads.clear()
    after = ls(store)
    assert reads == [name]  # that entry alone is read again
    line = next(line for line in after.splitlines() if line.startswith(name))
    assert "mu=7.5 n=2" in line and "mu=1.5" not in after
    assert after == ls_from_entries(store)


def test_ls_sees_a_same_size_rewrite_within_one_clock_tick(tmp_path, monkeypatch):
    # a filesystem with one-second timestamps and no inode or ctime to tell: the
    # signature cannot see the rewrite, the racy rule (content check) must
    set_stat_signature(monkeypatch, lambda st: (0, st.st_size, st.st_mtime_ns // 10**9 * 10**9, 0))
    ds = DataSet("s", "w", path=str(tmp_path))
    ds._insert(1, info={"v": 1}, name="a")
    assert "v=1" in ls(ds._path)
    ds._insert(2, info={"v": 2}, name="a")
    assert "v=2" in ls(ds._path)


def test_ls_after_the_index_is_deleted_or_damaged_is_the_same(store):
    first = ls(store)
    path = os.path.join(store, index.INDEX_FILE)
    assert os.path.exists(path)
    os.remove(path)
    assert ls(store) == first
    assert os.path.exists(path)  # rebuilt
    with open(path, "r+b") as f:
        f.seek(os.path.getsize(path) // 2)
        f.write(b"#")
    assert ls(store) == first


def test_ls_lists_new_and_deleted_entries_at_once(store, monkeypatch):
    reads = counting_reads(monkeypatch)
    ls(store)
    ds = DataSet("runs", "w", path=os.path.dirname(store))
    ds.later = [1, 2]
    del ds.notes
    reads.clear()
    out = ls(store)
    assert reads == ["later"]
    assert "later" in out and "notes" not in out
    assert out == ls_from_entries(store)


def test_ls_prints_exactly_the_entry_names_reading_no_entry_and_no_index_column(
    store, monkeypatch
):
    names = sorted(DataSet("runs", path=os.path.dirname(store)))
    ls(store)  # an index exists
    touched = []
    monkeypatch.setattr(index, "read_entry_bytes", lambda *a, **k: touched.append(a))
    monkeypatch.setattr(index, "listings", lambda *a, **k: touched.append(a))
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda p, *a, **k: touched.append(p) or real_open(p, *a, **k))
    assert ls(store, long=False).splitlines() == names
    assert ls(store, "--names", long=False).splitlines() == names
    # the loader, and the names kept sorted beside the index (never the index itself)
    opened = [os.path.join(store, "__init__.py"), os.path.join(store, ".index.names")]
    if not sortednames._SECRET_SEED:  # PYTHONHASHSEED fixed: the kept names are not read
        opened.pop()
    assert touched == opened * 2
    assert main(["ls", store, "--names", "--json"]) == 2


def test_ls_of_names_imports_neither_numpy_nor_the_loaders():
    # a new process listing a big store spends its time on the names, not on imports
    code = (
        "import sys, tempfile; from archived.__main__ import main; "
        "from archived.store.dataset import DataSet; "
        "d = tempfile.mkdtemp(); DataSet('s', 'w', path=d).x = 1; "
        "[sys.modules.pop(m) for m in list(sys.modules) if m.startswith(('numpy', "
        "'archived.load', 'archived.engine', 'archived.store.index'))]; "
        "assert main(['ls', d + '/s']) == 0; "
        "print(sorted(m for m in sys.modules if m.startswith(('numpy', 'archived.load', "
        "'archived.engine', 'archived.store.index'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["x", "[]"]


WRITER = r"""
import sys
from archived.store.dataset import DataSet
ds = DataSet("s", "w", path=sys.argv[1], durable=False)
i = 0
while True:
    ds._insert({"i": i}, info={"i": i, "pad": "y" * (i % 7)}, name=f"e{i % 30}")
    i += 1
"""


def test_ls_after_a_writer_is_killed_mid_commit_shows_the_store_as_it_is(tmp_path):
    DataSet("s", "w", path=str(tmp_path))
    folder = os.path.join(str(tmp_path), "s")
    for round_ in range(3):
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)])
        try:
            # list while it writes, until it has written every entry name at least once
            while len(entries.entry_names(folder)) < 30:
                time.sleep(0.01)
            for _ in range(round_ + 2):
                ls(folder)
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait()
        listed = ls(folder)
        truth = {n: entries.read_info(folder, n)["i"] for n in entries.entry_names(folder)}
        for line in listed.splitlines()[1:-1]:
            name, _, parameters, *_ = line.split()
            assert parameters == f"i={truth[name]}", (line, truth[name])
        assert listed == ls_from_entries(folder)


def test_ls_reads_the_entries_the_index_cannot_describe(store, monkeypatch):
    reads = counting_reads(monkeypatch)
    [name] = [line.split()[0] for line in ls(store).splitlines() if "mu=2.5" in line]
    path = os.path.join(store, name + ".py")
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(text.replace("info = {", "info = {(", 1))  # a hand edit gone wrong
    reads.clear()
    for _ in range(2):  # the index has no columns for it: read on every listing
        line = next(line for line in ls(store).splitlines() if line.startswith(name))
        assert line.split()[1] == "damaged" and "SyntaxError" in line
    assert reads == [name]  # once, to index it; after that its file is unchanged


def test_ls_of_a_store_indexed_by_an_earlier_release_is_right(store):
    first = ls(store)
    path = os.path.join(store, index.INDEX_FILE)
    with open(path) as f:
        columns = index_columns(f.read())
    assert any(columns.pop("listing"))
    del columns["brief"]
    with open(path, "w") as f:
        f.write(index_text(columns, fmt=2))  # an index file of format 2: no listing
    assert ls(store) == first


def test_ls_prints_entries_by_name_whatever_order_they_were_written_in(tmp_path, monkeypatch):
    # the index file keeps its rows in the order the entries were written (a sweep's grid
    # order) and ls -l gathers its lines in that order: they are printed by name all the
    # same, from an index that describes every entry, one with an entry changed since
    # (read again), and none
    ds = DataSet("s", "w", path=str(tmp_path))
    written = [f"e_{i}" for i in (7, 3, 9, 0, 5, 1, 8, 2, 6, 4)]
    for i, name in enumerate(written):
        ds._insert(i, info={"v": i}, name=name)
        os.utime(os.path.join(ds._path, name + ".py"), ns=(10**18 + i * 10**9,) * 2)
    ls(ds._path)  # the index file now keeps the rows in the order written
    with open(os.path.join(ds._path, index.INDEX_FILE)) as fh:
        assert index_columns(fh.read())["name"] == written

    def printed():
        return [line.split()[0] for line in ls(ds._path).splitlines()[1:-1]]

    reads = counting_reads(monkeypatch)
    assert printed() == sorted(written)
    assert reads == []  # (served from the index file)
    ds._insert(99, info={"v": 99}, name="e_5")  # changed since: read again
    reads.clear()
    assert printed() == sorted(written)
    assert reads == ["e_5"]
    os.remove(os.path.join(ds._path, index.INDEX_FILE))
    assert printed() == sorted(written)
