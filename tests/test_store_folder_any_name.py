"""A store copied or renamed to a folder no import can spell (a backup ``runs-2024``,
``runs.old``) reads as it is: every command and a read-only DataSet refused it as "a
store name must be a Python identifier", so a copy of one's results could not be read
by the tools made to read it.  Writing to it is refused with the folder's new name to
give it, nothing changed."""

from __future__ import annotations

import os
import shutil

import pytest

from archived import DataSet, archived
from archived.cli import main
from archived.errors import InvalidNameError


def _stored(tmp_path):
    @archived(str(tmp_path / "runs"))
    def square(x):
        return {"y": x * x}

    for x in (1, 2):
        square(x)
    return square


@pytest.mark.parametrize("folder", ["runs-2024", "runs.old", "2024 runs"])
def test_a_store_copied_to_a_folder_no_import_can_spell_reads_as_it_is(tmp_path, capsys, folder):
    _stored(tmp_path)
    shutil.copytree(tmp_path / "runs", tmp_path / folder)
    copy = str(tmp_path / folder)
    for safe in (False, True):
        ds = DataSet(folder, path=str(tmp_path), safe=safe)
        assert sorted(row["y"] for row in ds._table(frame=False)) == [1, 4]
    for command in (["ls", "-l"], ["verify"], ["export"], ["ls", "--status"]):
        assert main([*command, copy]) == 0, command
    out = capsys.readouterr().out
    assert "x=2" in out and "OK" in out and "y" in out
    name = sorted(DataSet(folder, path=str(tmp_path)))[0]
    assert main(["show", copy, name]) == 0


def test_writing_to_a_store_in_such_a_folder_names_the_folder_to_rename_it_to(tmp_path):
    _stored(tmp_path)
    os.rename(tmp_path / "runs", tmp_path / "runs-2024")
    before = sorted(os.listdir(tmp_path / "runs-2024"))
    with pytest.raises(InvalidNameError, match=r"rename the folder \('runs_2024'\)"):
        DataSet("runs-2024", "w", path=str(tmp_path))
    with pytest.raises(InvalidNameError):  # read-only, still no way out of its path
        DataSet("..", path=str(tmp_path / "runs-2024"))
    assert sorted(os.listdir(tmp_path / "runs-2024")) == before
