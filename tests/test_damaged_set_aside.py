"""Setting a damaged entry aside (into ``.damaged/``) takes only what is its own: a data
file that another entry's header lists (a copy of the entry file made by hand, which
loads) stays for that entry, linked into the folder kept aside; and a data file of a
writer of the same name that has not committed yet is its new version's, and stays."""

from __future__ import annotations

import os
import shutil

import numpy as np

from archived import DataSet
from archived.store.damaged import set_aside
from archived.store.entries import commit_entry, read_value
from archived.store.writers import new_token

LINES = np.arange(5_000.0)


def test_a_damaged_entry_set_aside_leaves_the_data_file_a_hand_made_copy_reads(tmp_path):
    ds = DataSet("labbook", "w", path=str(tmp_path))
    ds.calib = {"offset": 0.12, "lines": LINES}
    folder = tmp_path / "labbook"
    [data] = [f for f in os.listdir(folder) if f.endswith(".h5")]
    copy = folder / "calib_v2.py"
    shutil.copy(folder / "calib.py", copy)
    copy.write_text(copy.read_text().replace("\ncalib = ", "\ncalib_v2 = "))
    with open(folder / "calib.py", "a") as f:
        f.write("calib = (\n")  # a typo of a hand edit: calib is damaged
    kept = set_aside(str(folder), "calib")
    assert sorted(os.listdir(kept)) == sorted(["calib.py", data])  # kept whole
    assert np.array_equal(read_value(str(folder), "calib_v2")["lines"], LINES)
    assert (folder / data).exists()


def test_a_damaged_entry_set_aside_leaves_the_data_files_of_a_writer_of_its_name(tmp_path):
    folder = str(tmp_path)
    commit_entry(folder, "x", LINES)
    [old] = [f for f in os.listdir(folder) if f.endswith(".h5")]
    with open(os.path.join(folder, "x.py"), "a") as f:
        f.write("x = (\n")
    # a writer of x beside it, its new version's data file written, its entry text not
    # yet committed (its .tmp file there, held by a live process: this one)
    token = new_token()
    tmp = os.path.join(folder, f".x.{token}.tmp")
    open(tmp, "w").close()
    fresh = f"x.{token}.h5"
    shutil.copy(os.path.join(folder, old), os.path.join(folder, fresh))
    kept = set_aside(folder, "x")
    assert sorted(os.listdir(kept)) == sorted(["x.py", old])
    assert os.path.exists(os.path.join(folder, fresh))


def _damaged_x(folder):
    """Entry x of ``folder`` (an array in a data file) with a typo; its data file."""
    commit_entry(folder, "x", LINES)
    [data] = [f for f in os.listdir(folder) if f.endswith(".h5")]
    with open(os.path.join(folder, "x.py"), "a") as f:
        f.write("x = (\n")
    return data


def test_a_set_aside_completes_the_one_a_kill_stopped_in_the_same_folder(tmp_path):
    # killed after it moved the data file, before the entry file: the rerun put the
    # entry file into a second folder, away from its array
    folder = str(tmp_path)
    data = _damaged_x(folder)
    begun = os.path.join(folder, ".damaged", "x.20261204T101010Z-0a1b2c3d")
    os.makedirs(begun)
    os.replace(os.path.join(folder, data), os.path.join(begun, data))
    assert set_aside(folder, "x") == begun
    assert os.listdir(os.path.join(folder, ".damaged")) == [os.path.basename(begun)]
    assert sorted(os.listdir(begun)) == sorted(["x.py", data])


def test_a_set_aside_killed_right_after_making_its_folder_is_completed_there(tmp_path):
    folder = str(tmp_path)
    data = _damaged_x(folder)
    begun = os.path.join(folder, ".damaged", "x.20261204T101010Z-0a1b2c3d")
    os.makedirs(begun)
    assert set_aside(folder, "x") == begun
    assert sorted(os.listdir(begun)) == sorted(["x.py", data])


def test_a_set_aside_never_joins_a_finished_one_or_another_versions_files(tmp_path):
    folder = str(tmp_path)
    damaged = os.path.join(folder, ".damaged")
    # a finished set-aside of an earlier version of x: its entry file and array
    _damaged_x(folder)
    finished = set_aside(folder, "x")
    # a killed one of another version (its data file moved, its entry file later
    # overwritten by the user): the header of the version there now does not list it
    other = os.path.join(damaged, "x.20261204T101010Z-0a1b2c3d")
    os.makedirs(other)
    data = _damaged_x(folder)
    shutil.copy(os.path.join(folder, data), os.path.join(other, "x.0a1b2c-1-0a1b2c3d.h5"))
    # a folder of a user's own, named like one, holding a file of their own
    own = os.path.join(damaged, "x.20261204T111111Z-0a1b2c3d")
    os.makedirs(own)
    open(os.path.join(own, "notes.txt"), "w").close()
    kept = set_aside(folder, "x")
    assert kept not in (finished, other, own)
    assert sorted(os.listdir(kept)) == sorted(["x.py", data])
    assert os.listdir(other) == ["x.0a1b2c-1-0a1b2c3d.h5"]
    assert os.listdir(own) == ["notes.txt"] and len(os.listdir(finished)) == 2
