"""A process killed (SIGKILL) while it saves the read-side index leaves the index file
before it or the one it was saving, whole: never a file whose rows are wrong."""

import os
import signal
import subprocess
import sys

import pytest

from archived.store import entries, index, indexfile, indexrow
from archived.store.dataset import DataSet

# kills itself at its k-th step of saving: a piece of a column written, or just before
# and just after the index file and the sorted names are renamed into place
SAVER = r"""
import os, signal, sys
from archived.store import index, indexfile, indexrow
for module in (index, indexfile, indexrow):
    module.RACY_NS = 0
folder, k = sys.argv[1], int(sys.argv[2])
steps = [0]
real_pieces, real_replace = indexfile._line_pieces, os.replace
def step():
    if steps[0] == k:
        os.kill(os.getpid(), signal.SIGKILL)
    steps[0] += 1
def pieces(column):
    for piece in real_pieces(column):
        step()
        yield piece
def replace(src, dst):
    step()
    real_replace(src, dst)
    step()
indexfile._line_pieces = pieces
os.replace = replace
index.rows(folder)
print(steps[0])
"""


def _save(folder, k):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run(
        [sys.executable, "-c", SAVER, folder, str(k)], capture_output=True, text=True, env=env
    )


def _file(folder):
    with open(os.path.join(folder, index.INDEX_FILE), "rb") as f:
        return f.read()


def test_a_reader_killed_at_any_step_of_saving_the_index_leaves_a_whole_one(tmp_path, monkeypatch):
    for module in (index, indexfile, indexrow):
        monkeypatch.setattr(module, "RACY_NS", 0)
    ds = DataSet("s", "w", path=str(tmp_path))
    folder = ds._path
    for i in range(6):
        ds._insert({"i": i}, info={"i": i}, name=f"e{i}")
    index.rows(folder)
    # the number of steps of one whole save, counted by a saver that is not killed
    ds._insert({"i": -1}, info={"i": -1}, name="e0")
    done = _save(folder, -1)
    assert done.returncode == 0
    total = int(done.stdout)
    assert total > len(indexfile.COLUMNS) + 2  # every piece and both renames were seen
    for k in range(total):
        for i in range(6):  # every row changes: the next reader saves the index again
            ds._insert({"i": k}, info={"i": k, "k": k}, name=f"e{i}")
        before = _file(folder)
        killed = _save(folder, k)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        after = _file(folder)
        assert after == before or indexfile.read_columns(
            os.path.join(folder, index.INDEX_FILE), 2**30
        ), k
        rows = {name: row.info() for name, row in index.rows(folder).items()}
        assert rows == {n: entries.read_info(folder, n) for n in entries.entry_names(folder)}


pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")


@pytest.mark.parametrize("where", ["index", "names"])
def test_an_interrupt_while_saving_the_index_leaves_no_temporary_file(
    tmp_path, monkeypatch, where
):
    # Ctrl-C of a table() that was saving the index: nothing but a writer opening the
    # store or repair removed the temporary file, and a store that is only read kept one
    # per interrupt (index-sized: 80 MB at 100,000 entries)
    from archived.store import sortednames

    folder = str(tmp_path / "s")
    os.makedirs(folder)
    for i in range(40):
        entries.commit_entry(folder, f"x_{i:03d}", i)
    real = os.replace

    def interrupted(src, dst):
        if os.path.basename(dst) == (
            indexfile.INDEX_FILE if where == "index" else sortednames.NAMES_FILE
        ):
            raise KeyboardInterrupt
        return real(src, dst)

    monkeypatch.setattr(os, "replace", interrupted)
    index.forget()
    with pytest.raises(KeyboardInterrupt):
        index.rows(folder)
    monkeypatch.setattr(os, "replace", real)
    assert not [n for n in os.listdir(folder) if n.endswith(".tmp")]
    index.forget()
    assert sorted(index.rows(folder)) == [f"x_{i:03d}" for i in range(40)]


def _temporaries(folder):
    return sorted(n for n in os.listdir(folder) if n.startswith(".index.") and n.endswith(".tmp"))


def test_the_next_save_of_the_index_removes_what_a_reader_killed_while_saving_it_left(
    tmp_path, monkeypatch
):
    # only a writer opening the store or repair removed it: a store that is only read
    # kept an index-sized file (80 MB at 100,000 entries) per reader killed
    for module in (index, indexfile, indexrow):
        monkeypatch.setattr(module, "RACY_NS", 0)
    folder = str(tmp_path / "s")
    os.makedirs(folder)
    for i in range(40):
        entries.commit_entry(folder, f"x_{i:03d}", i)
    killed = _save(folder, 3)  # killed after writing a few pieces of its temporary file
    assert killed.returncode == -signal.SIGKILL
    left = _temporaries(folder)
    assert len(left) == 1
    # a live reader's temporary file (this process's token) is never taken for one
    live = os.path.join(folder, f".index.{indexfile.new_token()}.tmp")
    with open(live, "wb") as f:
        f.write(b"being written")
    index.forget()
    assert sorted(index.rows(folder)) == [f"x_{i:03d}" for i in range(40)]  # saves
    assert os.path.exists(os.path.join(folder, index.INDEX_FILE))
    assert _temporaries(folder) == [os.path.basename(live)]
    with open(live, "rb") as f:
        assert f.read() == b"being written"


def test_an_index_save_clears_a_dead_writer_of_entry_index_with_its_data_files(tmp_path):
    # an entry may be named 'index': its writer's temporary file is .index.<token>.tmp,
    # the shape of a reader's saving the index.  Removing that file alone left the data
    # file the dead writer wrote under its token, which the sweep of a writer opening the
    # store finds only through the .tmp: an orphan no sweep removed any more
    ds = DataSet("st", path=str(tmp_path), mode="w")
    ds["index"] = 5
    folder = str(tmp_path / "st")
    token = "0a1b2c0d0e0f-1-0a1b2c3d"  # a writer of another host, gone for hours
    left = [f".index.{token}.tmp", f"index.{token}.h5"]
    for name in left:
        path = os.path.join(folder, name)
        open(path, "w").close()
        os.utime(path, (0, 0))
    indexfile.write_columns(folder, [[], *([] for _ in indexfile.COLUMNS[1:])])
    assert not set(left) & set(os.listdir(folder))
    assert ds["index"] == 5
