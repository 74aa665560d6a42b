"""Files a sweep of a killed ``backup_data`` writer's leftovers moves into ``.backup/``
are reported as moved there, not as removed: ``repair().removed`` and the DataSet's
open-time log listed the replaced version's data files as removed, so a user reading
the report looked for them in vain (they are beside that version's entry file in
``.backup/``).  ``removed`` still names them (as before); ``backed_up`` says which."""

from __future__ import annotations

import json
import logging
import os
import signal

import numpy as np

from archived.cli import main
from archived.store.dataset import DataSet
from archived.store.integrity import repair
from helpers import kill_backup_writer


def _killed_before_the_old_data_moved(tmp_path):
    """A store whose backup writer was killed after swapping in x's new version, before
    moving the old version's data file into .backup/; that file's name."""
    DataSet("s", "w", path=str(tmp_path)).x = np.arange(400.0)
    folder = tmp_path / "s"
    [old] = [f for f in os.listdir(folder) if f.endswith(".h5")]
    # its renames: the new data file into place, the swap, the old data file into .backup/
    killed = kill_backup_writer(str(tmp_path))
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert (folder / old).exists() and [f for f in os.listdir(folder) if f.endswith(".drop")]
    return folder, old


def test_repair_reports_the_files_it_moved_into_backup_as_moved_there(tmp_path):
    folder, old = _killed_before_the_old_data_moved(tmp_path)
    report = repair(str(folder))
    assert (folder / ".backup" / old).exists() and not (folder / old).exists()
    assert report.backed_up == [old] and old in report.removed
    text = str(report)
    assert f"moved {old} into .backup/" in text and f"removed {old}" not in text
    assert any(line.startswith("  removed .x.") for line in text.splitlines())  # the .drop


def test_repair_json_names_the_files_moved_into_backup(tmp_path, capsys):
    folder, old = _killed_before_the_old_data_moved(tmp_path)
    assert main(["repair", str(folder), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["backed_up"] == [old] and old in doc["removed"]


def test_opening_the_store_logs_the_files_it_moved_into_backup_as_moved(tmp_path, caplog):
    folder, old = _killed_before_the_old_data_moved(tmp_path)
    with caplog.at_level(logging.INFO):
        DataSet("s", "w", path=str(tmp_path), verbose=True)
    moved = [r.getMessage() for r in caplog.records if "moved into" in r.getMessage()]
    assert len(moved) == 1 and old in moved[0] and ".backup" in moved[0]
    removed = [r.getMessage() for r in caplog.records if "removed leftovers" in r.getMessage()]
    assert all(old not in message for message in removed)
    assert (folder / ".backup" / old).exists()
