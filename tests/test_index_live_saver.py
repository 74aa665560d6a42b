"""A reader saving the read-side index in another process, alive but paused half-way,
keeps its temporary file through another process's save of the index (whose sweep
removes dead savers' files): it then renames it into place, and every reader after it
reads rows equal to the entries."""

import os
import subprocess
import sys

import pytest

from archived.store import entries, index, indexfile, indexrow

# saves the index of the store argv[1], pausing after its first piece is written: says
# so on stdout, goes on once a line comes on stdin
PAUSED_SAVER = r"""
import sys
from archived.store import index, indexfile, indexrow
for module in (index, indexfile, indexrow):
    module.RACY_NS = 0
real_pieces = indexfile._line_pieces
paused = [False]
def pieces(column):
    for piece in real_pieces(column):
        yield piece
        if not paused[0]:
            paused[0] = True
            print("paused", flush=True)
            sys.stdin.readline()
indexfile._line_pieces = pieces
print(len(index.rows(sys.argv[1])), flush=True)
"""

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pids and os.kill(pid, 0)")


def _temporaries(folder):
    return sorted(n for n in os.listdir(folder) if n.startswith(".index.") and n.endswith(".tmp"))


def test_a_live_reader_in_another_process_keeps_its_index_save_through_another_save(
    tmp_path, monkeypatch
):
    for module in (index, indexfile, indexrow):
        monkeypatch.setattr(module, "RACY_NS", 0)
    folder = str(tmp_path / "s")
    os.makedirs(folder)
    for i in range(30):
        entries.commit_entry(folder, f"x_{i:03d}", i)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    saver = subprocess.Popen(
        [sys.executable, "-c", PAUSED_SAVER, folder],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert saver.stdout.readline() == "paused\n"
        (live,) = _temporaries(folder)  # the saver's, half-written
        # this process saves too (its sweep looks at every .index.<token>.tmp)
        for i in range(30, 40):
            entries.commit_entry(folder, f"x_{i:03d}", i)
        index.forget()
        assert len(index.rows(folder)) == 40
        assert _temporaries(folder) == [live]  # a live saver's file is never taken
        saver.stdin.write("go\n")
        saver.stdin.flush()
        assert saver.stdout.readline() == "30\n"
    finally:
        saver.stdin.close()
        saver.wait()
    assert saver.returncode == 0
    assert _temporaries(folder) == []
    # its older rows are now the file: the next reader finds the ten entries it lacks
    index.forget()
    found = index.rows(folder)
    assert sorted(found) == [f"x_{i:03d}" for i in range(40)]
    assert [found[f"x_{i:03d}"].value() for i in range(40)] == [(True, i) for i in range(40)]
