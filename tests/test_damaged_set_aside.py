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
