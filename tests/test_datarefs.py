"""A data file is deleted only when no entry header lists it: an entry file copied by
hand (``cp calib.py calib_v2.py``, its variable renamed) reads the first entry's data
files, and deleting or overwriting that entry deleted them, so the copy lost its
arrays.  They now stay while a header lists them, and go with the last one."""

from __future__ import annotations

import os
import shutil
import signal
import warnings

import numpy as np
import pytest

from archived import DataSet
from archived.errors import UnsafeFileWarning
from archived.store import entries
from archived.store.datarefs import listed_elsewhere, one_look
from archived.store.integrity import repair, verify
from helpers import kill_at_step, run_python

LINES = np.arange(5_000.0)


def _store_with_copy(tmp_path, **options):
    """A store with entry calib (an array in a data file) and calib_v2, a copy of its
    file made by hand with the variable renamed, which reads calib's data file."""
    ds = DataSet("labbook", "w", path=str(tmp_path), **options)
    ds.calib = {"offset": 0.12, "lines": LINES}
    folder = tmp_path / "labbook"
    copy = folder / "calib_v2.py"
    shutil.copy(folder / "calib.py", copy)
    copy.write_text(copy.read_text().replace("\ncalib = ", "\ncalib_v2 = "))
    [data] = [f for f in os.listdir(folder) if f.endswith(".h5")]
    return ds, folder, data


def _copy_reads_its_array(tmp_path, safe=False):
    value = DataSet("labbook", path=str(tmp_path), safe=safe).calib_v2
    return value["offset"] == 0.12 and np.array_equal(value["lines"], LINES)


@pytest.mark.parametrize("safe", [False, True])
def test_deleting_an_entry_keeps_the_data_file_a_hand_made_copy_reads(tmp_path, safe):
    ds, folder, data = _store_with_copy(tmp_path)
    assert _copy_reads_its_array(tmp_path, safe)
    del ds.calib
    assert "calib" not in ds and (folder / data).exists()
    assert _copy_reads_its_array(tmp_path, safe)


def test_overwriting_an_entry_keeps_the_data_file_a_hand_made_copy_reads(tmp_path):
    ds, folder, data = _store_with_copy(tmp_path)
    ds.calib = {"offset": 0.5, "lines": LINES * 2}
    assert np.array_equal(DataSet("labbook", path=str(tmp_path)).calib["lines"], LINES * 2)
    assert _copy_reads_its_array(tmp_path)


def test_a_backup_overwrite_keeps_the_copy_s_data_file_and_the_backed_up_version_reads_it(
    tmp_path,
):
    ds, folder, data = _store_with_copy(tmp_path, backup_data=True)
    ds.calib = {"offset": 0.5, "lines": LINES * 2}
    assert _copy_reads_its_array(tmp_path)
    backup = folder / entries.BACKUP_DIR
    [old] = [f for f in os.listdir(backup) if f.endswith(".py")]
    _, value_src, _ = entries.entry_sections("calib", (backup / old).read_text())
    from archived import restore

    assert np.array_equal(restore(value_src, datadir=str(backup))["calib"]["lines"], LINES)


def test_the_data_file_goes_with_the_last_entry_listing_it(tmp_path):
    ds, folder, data = _store_with_copy(tmp_path)
    del ds.calib
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnsafeFileWarning)  # (it is no unsafe name)
        del ds.calib_v2  # not calib_v2's own file: left to repair
    assert verify(str(folder)).orphans == [data]
    repair(str(folder))
    assert not [f for f in os.listdir(folder) if f.endswith(".h5")]


def test_a_hand_made_copy_whose_info_is_set_keeps_the_data_file_it_reads(tmp_path):
    # its new version listed only its own data files: the original's deletion then
    # deleted the array the copy reads (its value: DamagedEntryError, no such file)
    ds, folder, data = _store_with_copy(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnsafeFileWarning)
        ds["calib_v2"] = "my note"
        del ds.calib
    assert (folder / data).exists()
    assert _copy_reads_its_array(tmp_path)
    assert DataSet("labbook", path=str(tmp_path))["calib_v2"] == "my note"
    assert verify(str(folder)).ok


@pytest.mark.parametrize("safe", [False, True])
def test_verify_finds_a_hand_made_copy_that_loads_intact(tmp_path, safe):
    # it called the copy damaged ("its header lists calib.<token>.h5, which is not its
    # data file"), though it loads, and after the original's deletion still did
    ds, folder, data = _store_with_copy(tmp_path)
    assert verify(str(folder), safe=safe).ok
    del ds.calib
    assert verify(str(folder), safe=safe).ok
    assert repair(str(folder)).ok and (folder / data).exists()
    assert _copy_reads_its_array(tmp_path, safe)


def test_an_entry_no_copy_reads_has_its_data_files_deleted_with_it(tmp_path):
    ds = DataSet("labbook", "w", path=str(tmp_path))
    ds.calib = {"lines": LINES}
    ds.other = {"lines": LINES + 1}
    folder = tmp_path / "labbook"
    del ds.calib
    ds.other = 3.0
    assert not [f for f in os.listdir(folder) if f.endswith(".h5")]
    assert verify(str(folder)).ok


def test_a_copy_made_after_the_first_drop_in_a_process_is_seen(tmp_path):
    # the headers read are kept between drops: a copy made later is still found
    ds = DataSet("labbook", "w", path=str(tmp_path))
    ds.first = {"lines": LINES}
    ds.first = 1.0  # a drop: every header read
    _, folder, data = _store_with_copy(tmp_path)
    assert listed_elsewhere(str(folder), [data]) == {data}
    del ds.calib
    assert _copy_reads_its_array(tmp_path)


def test_a_header_the_store_cannot_parse_that_names_the_file_keeps_it(tmp_path):
    ds, folder, data = _store_with_copy(tmp_path)
    copy = folder / "calib_v2.py"
    copy.write_text(copy.read_text().replace("format 1, data files:", "data files ="))
    assert listed_elsewhere(str(folder), [data, "x.0a1b2c-1-0a1b2c3d.h5"]) == {data}


def test_repair_keeps_the_data_file_a_header_it_cannot_parse_names(tmp_path):
    # the deletion kept calib's data file for the copy, whose header a person may mend;
    # repair then called it an orphan (no header it parses lists it, and it is not named
    # after the damaged copy) and deleted it: the array was lost for good
    ds, folder, data = _store_with_copy(tmp_path)
    copy = folder / "calib_v2.py"
    copy.write_text(copy.read_text().replace("format 1, data files:", "data files ="))
    del ds.calib
    assert (folder / data).exists()
    assert data not in verify(str(folder)).orphans  # the copy is reported, as damaged
    repaired = repair(str(folder))
    assert data not in repaired.removed and (folder / data).exists()
    copy.write_text(copy.read_text().replace("data files =", "format 1, data files:"))
    assert _copy_reads_its_array(tmp_path)  # mended by hand: it reads its array again
    assert verify(str(folder)).ok


# deletes calib, killing itself (SIGKILL) at its k-th removal of a file
DELETER = (
    r"""
import sys
from archived.store.dataset import DataSet
folder, k = sys.argv[1], int(sys.argv[2])
ds = DataSet("labbook", "w", path=folder)
"""
    + kill_at_step("unlink")
    + r"""
del ds.calib
print(steps[0])
"""
)


def test_a_deleter_killed_before_its_drop_leaves_the_copy_s_data_file_to_the_sweep(tmp_path):
    _, folder, data = _store_with_copy(tmp_path)
    killed = run_python("-c", DELETER, str(tmp_path), "1")  # after the entry file went
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert not (folder / "calib.py").exists()
    assert [f for f in os.listdir(folder) if f.endswith(".drop")]
    DataSet("labbook", "w", path=str(tmp_path))  # sweeps what the deleter left
    assert not [f for f in os.listdir(folder) if f.endswith(".drop")]
    assert _copy_reads_its_array(tmp_path)


def test_within_one_look_a_deletion_made_since_the_listing_no_longer_keeps_a_file(tmp_path):
    # a prune deleting a copy and then its original deletes the data file at the second
    ds, folder, data = _store_with_copy(tmp_path)
    with one_look(str(folder)):
        assert listed_elsewhere(str(folder), [data]) == {data}
        (folder / "calib_v2.py").unlink()
        del ds.calib
    assert not (folder / data).exists()
    assert verify(str(folder)).ok


def test_within_one_look_an_overwritten_copy_no_longer_keeps_a_file(tmp_path):
    ds, folder, data = _store_with_copy(tmp_path)
    with one_look(str(folder)):
        assert listed_elsewhere(str(folder), [data]) == {data}
        with warnings.catch_warnings():
            warnings.simplefilter("error", UnsafeFileWarning)  # (it is no unsafe name)
            ds.calib_v2 = 1.0  # calib's file, not calib_v2's: left alone
        assert listed_elsewhere(str(folder), [data]) == {data}  # calib's own header
        del ds.calib
    assert not (folder / data).exists()


def _call_with_copy(tmp_path):
    """A store of one call of f (an array in a data file) and ``mine``, a copy of its
    entry file made by hand with the variable renamed."""
    from archived import archived

    store = tmp_path / "runs"

    @archived(str(store), version="1")
    def f(n):
        return np.arange(float(n))

    f(5_000)
    [entry] = [n for n in os.listdir(store) if n.endswith(".py") and n != "__init__.py"]
    text = (store / entry).read_text()
    header = text.partition("\n")[0]
    _, value, _ = entries.entry_sections(entry[:-3], text)
    value = value.replace(f"\n{entry[:-3]} = ", "\nmine = ")
    # its own info: not a call of f, which a prune of f's calls leaves
    (store / "mine.py").write_text(
        f"{header}\n# ---- info ----\ninfo = 'mine'\n# ---- value ----\n{value}"
    )
    return f, store


@pytest.mark.parametrize("how", ["clear", "prune"])
def test_deleting_calls_keeps_the_data_file_a_hand_made_copy_reads(tmp_path, how):
    from archived.cli import main

    f, store = _call_with_copy(tmp_path)
    if how == "clear":
        assert f.clear() == 1
    else:
        argv = ["prune", str(store), "--where", "n=5000", "--yes"]
        assert main(argv) == 0
    assert "mine" in DataSet("runs", path=str(tmp_path))
    assert len(DataSet("runs", path=str(tmp_path))) == 1
    assert np.array_equal(DataSet("runs", path=str(tmp_path)).mine, np.arange(5_000.0))


def test_a_child_forked_while_a_thread_holds_the_headers_lock_still_drops(tmp_path):
    # the lock held by another thread at the fork is never released in the child
    import multiprocessing
    import threading

    from archived.store import datarefs

    folder = str(tmp_path)
    entries.commit_entry(folder, "a", 1)
    held, done = threading.Event(), threading.Event()

    def hold():
        with datarefs._lock:
            held.set()
            done.wait()

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait()
    try:
        child = multiprocessing.get_context("fork").Process(
            target=listed_elsewhere, args=(folder, ["a.0a1b2c-1-0a1b2c3d.h5"])
        )
        child.start()
        child.join(120)  # (a generous bound: a hang, not a speed, is what fails here)
        hung = child.is_alive()
        if hung:
            child.kill()
            child.join()
    finally:
        done.set()
        holder.join()
    assert not hung and child.exitcode == 0


def test_a_store_that_cannot_be_listed_keeps_the_data_files_and_the_deletion_is_done(
    tmp_path, monkeypatch
):
    # an I/O error listing the store: which headers list the files is not known, so
    # they stay (repair removes them once it can tell), and the deletion itself is done
    ds = DataSet("labbook", "w", path=str(tmp_path))
    ds.calib = {"lines": LINES}
    folder = tmp_path / "labbook"
    [data] = [f for f in os.listdir(folder) if f.endswith(".h5")]
    scandir = os.scandir

    def failing(path=".", *args):
        if os.path.abspath(path) == str(folder):
            raise OSError(5, "Input/output error")
        return scandir(path, *args)

    monkeypatch.setattr(os, "scandir", failing)
    del ds.calib
    monkeypatch.undo()
    assert "calib" not in ds and (folder / data).exists()
    assert verify(str(folder)).orphans == [data]


@pytest.mark.parametrize("header", ["unparsed", "of many files"])
def test_a_huge_header_keeps_every_file_and_holds_no_memory_for_it(tmp_path, header):
    # each header line read was kept for the process's life: 300 crafted entry files of
    # 1 MB header lines held 286 MB. One the store cannot have written keeps what it is
    # asked about, as an unreadable one does, and holds nothing
    from archived.store import datarefs

    ds = DataSet("labbook", "w", path=str(tmp_path))
    ds.calib = {"lines": LINES}
    folder = tmp_path / "labbook"
    [data] = [f for f in os.listdir(folder) if f.endswith(".h5")]
    names = [f"x.{i:06x}-1-0a1b2c3d.h5" for i in range(20_000)]
    line = f"# archived entry 'big', format 1, data files: {names!r}"
    if header == "unparsed":
        line = line[:-1]
    (folder / "big.py").write_text(line + "\n# ---- info ----\ninfo = None\n")
    assert listed_elsewhere(str(folder), [data]) == {data}
    held = datarefs._known[os.path.abspath(folder)]
    assert held["big.py"][2] is None
    del ds.calib
    assert data in os.listdir(folder)  # kept while the big header may list it
