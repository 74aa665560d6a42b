"""``export -o FILE`` renames its whole table onto FILE, then syncs FILE's folder: without
that sync, a crash or power cut after the export said it was done could bring the
earlier table back (the rename not yet on disk)."""

import errno
import os
import warnings

import pytest

from archived import archived
from archived.cli import main, outfile


def energy(x):
    return {"e": 0.5 * x}


@pytest.fixture
def store(tmp_path):
    f = archived(str(tmp_path / "runs"))(energy)
    f(1), f(2)
    return str(tmp_path / "runs")


def test_export_syncs_the_folder_once_the_table_is_in_place(store, tmp_path, monkeypatch):
    out = tmp_path / "tables" / "out.csv"
    out.parent.mkdir()
    out.write_text("earlier table\n")
    synced = []

    def sync(folder):
        synced.append((folder, out.read_text()))

    monkeypatch.setattr(outfile, "fsync_dir", sync)
    assert main(["export", store, "-o", str(out)]) == 0
    assert len(synced) == 1
    folder, table = synced[0]
    assert os.path.samefile(folder, out.parent)
    assert table == out.read_text() and "earlier" not in table and "0.5" in table


def test_a_folder_sync_that_fails_is_told_and_the_table_stays(store, tmp_path, monkeypatch):
    out = tmp_path / "out.csv"

    def failing(folder):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(outfile, "fsync_dir", failing)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["export", store, "-o", str(out)]) == 0
    told = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(told) == 1 and str(out) in told[0] and "syncing its folder failed" in told[0]
    assert "0.5" in out.read_text()


def test_a_folder_the_file_system_cannot_sync_is_not_told(store, tmp_path, monkeypatch):
    def unsupported(folder):
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(outfile, "fsync_dir", unsupported)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["export", store, "-o", str(tmp_path / "out.csv")]) == 0
    assert not [w for w in caught if "syncing" in str(w.message)]
