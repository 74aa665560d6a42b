"""``archived export -o FILE`` replaces FILE whole or not at all: it truncated the table
an earlier export wrote there, so an export a full disk stopped half-way left a table
cut short in place of the earlier one (130,470 bytes of 3,000 rows became 131,072 bytes
of a partial table, exit status 1)."""

from __future__ import annotations

import os
import signal
import stat

import pytest

from archived import archived
from archived.cli import main
from archived.store.writers import new_token
from helpers import fill_disk, run_python, small_disk


@pytest.fixture
def store(tmp_path):
    path = str(tmp_path / "runs")

    @archived(path, version="1")
    def f(n):
        return n * 2.5

    for i in range(1_000):
        f(i)
    return path, f


def test_an_export_a_full_disk_stops_leaves_the_earlier_table_and_names_the_file(store, capsys):
    path, f = store
    with small_disk("1m") as disk:
        out = os.path.join(disk, "table.csv")
        assert main(["export", path, "-o", out]) == 0
        with open(out) as file:
            earlier = file.read()
        fill_disk(disk, 0)
        for i in range(1_000, 1_100):
            f(i)  # rows more: the new table is pages bigger
        assert main(["export", path, "-o", out]) == 1
        error = capsys.readouterr().err
        assert "No space left on device" in error and repr(out) in error  # which file
        with open(out) as file:
            assert file.read() == earlier
        assert sorted(os.listdir(disk)) == ["filler", "table.csv"]  # no temporary left


def test_an_export_through_a_symbolic_link_replaces_the_file_it_names(store, tmp_path):
    path, _ = store
    target = tmp_path / "tables" / "table.csv"
    target.parent.mkdir()
    target.write_text("old\n")
    os.chmod(target, 0o640)
    link = tmp_path / "latest.csv"
    link.symlink_to(target)
    assert main(["export", path, "-o", str(link)]) == 0
    assert link.is_symlink() and target.read_text().count("\n") == 1_001
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640  # its mode kept
    assert sorted(os.listdir(target.parent)) == ["table.csv"]


EXPORTER = """
import os, signal, sys
from archived.cli import main
store, out = sys.argv[1], sys.argv[2]
real_replace = os.replace
def replace(source, target, **options):  # killed as its table is whole, before the rename
    if os.fspath(target) == out:
        os.kill(os.getpid(), signal.SIGKILL)
    return real_replace(source, target, **options)
os.replace = replace
main(["export", store, "-o", out])
"""


def test_the_temporary_of_an_export_killed_before_its_rename_is_removed_by_the_next_export(
    store, tmp_path
):
    path, f = store
    out = str(tmp_path / "table.csv")
    assert main(["export", path, "-o", out]) == 0
    earlier = open(out).read()
    f(1_000)  # a row more
    killed = run_python("-c", EXPORTER, path, out)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    [left] = [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
    assert open(out).read() == earlier
    # what is not certainly a dead export's stays: a live process's (this one's), one of
    # another machine, one of another shape (another program's, or an older archived's)
    kept = [f".table.csv.{new_token()}.tmp", ".table.csv.0a1b2c3d4e5f-1-0123abcd.tmp"]
    kept += [".table.csv.0123abcd.tmp", f".table.csv.{new_token()}.tmp.x"]
    assert not new_token().startswith("0a1b2c3d4e5f")
    for name in kept:
        (tmp_path / name).write_text("someone's\n")
    assert main(["export", path, "-o", out]) == 0
    assert open(out).read().count("\n") == 1_002
    assert sorted(n for n in os.listdir(tmp_path) if n.startswith(".")) == sorted(kept)
    assert left not in os.listdir(tmp_path)
