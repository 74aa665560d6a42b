"""An entry file copied by hand to make another entry (a lab notebook's ``cp calib.py
calib_v2.py``) still assigns the first entry's name: loading it said only
``its calib_v2 does not load (KeyError('calib_v2'))``.  It now names the variable the
file assigns and what to rename, in trusted and safe loads alike, and the renamed copy
loads."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from archived import DamagedEntryError, DataSet


@pytest.mark.parametrize("safe", [False, True])
def test_a_copied_entry_file_names_the_variable_to_rename_and_loads_once_renamed(tmp_path, safe):
    ds = DataSet("labbook", "w", path=str(tmp_path))
    ds.calib = {"offset": 0.12, "lines": [532.0, 633.0]}
    folder = tmp_path / "labbook"
    shutil.copy(folder / "calib.py", folder / "calib_v2.py")
    reader = DataSet("labbook", path=str(tmp_path), safe=safe)
    with pytest.raises(DamagedEntryError) as caught:
        _ = reader.calib_v2
    message = str(caught.value)
    assert "which assigns calib instead" in message
    assert "rename calib to calib_v2" in message and "KeyError" not in message
    copy = folder / "calib_v2.py"
    copy.write_text(copy.read_text().replace("\ncalib = ", "\ncalib_v2 = "))
    assert DataSet("labbook", path=str(tmp_path), safe=safe).calib_v2 == ds.calib


@pytest.mark.parametrize("safe", [False, True])
def test_a_copied_entry_file_sharing_a_data_file_is_not_advised_to_be_renamed(tmp_path, safe):
    # renaming the variable in a copy of an entry with an array makes a copy that reads
    # the first entry's data file: deleting that entry then took the copy's array
    ds = DataSet("labbook", "w", path=str(tmp_path))
    ds.calib = {"lines": np.arange(50_000.0)}
    folder = tmp_path / "labbook"
    [data] = [f for f in os.listdir(folder) if f.endswith(".h5")]
    shutil.copy(folder / "calib.py", folder / "calib_v2.py")
    with pytest.raises(DamagedEntryError) as caught:
        _ = DataSet("labbook", path=str(tmp_path), safe=safe).calib_v2
    message = str(caught.value)
    assert f"its data files {data} are calib's" in message
    assert "rename calib to calib_v2" not in message
    # the advice given keeps both arrays through a deletion of the first entry
    ds.calib_v2 = ds.calib
    del ds.calib
    assert np.array_equal(
        DataSet("labbook", path=str(tmp_path)).calib_v2["lines"], np.arange(50_000.0)
    )


@pytest.mark.parametrize("safe", [False, True])
def test_the_advice_for_a_copy_sharing_a_data_file_keeps_the_edits_made_in_it(tmp_path, safe):
    # ds.calib_v2 = ds.calib replaces calib_v2.py: the edits made in the copy (an offset
    # corrected by hand) went with it, unannounced, as the advice's first step
    ds = DataSet("labbook", "w", path=str(tmp_path))
    ds.calib = {"offset": 0.12, "lines": np.arange(50_000.0)}
    folder = tmp_path / "labbook"
    copy = folder / "calib_v2.py"
    shutil.copy(folder / "calib.py", copy)
    copy.write_text(copy.read_text().replace("0.12", "0.15"))
    with pytest.raises(DamagedEntryError) as caught:
        _ = DataSet("labbook", path=str(tmp_path), safe=safe).calib_v2
    message = str(caught.value)
    keep = message.find(f"move {copy} out of the store")
    assert 0 <= keep < message.find("ds.calib_v2 = ds.calib"), message
