"""The call protocol: a damaged entry is kept aside, never overwritten; a result that
cannot be stored is returned, never thrown away, with the resource that failed."""

import errno
import importlib
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

from archived.cache.decorator import archived
from archived.errors import (
    CommitPermissionError,
    DamagedEntryWarning,
    DiskFullError,
    ResultNotStoredWarning,
)
from archived.store.dataset import DataSet
from archived.store.integrity import repair, verify
from helpers import RunLog, fill_disk


@pytest.fixture
def store(tmp_path):
    return str(tmp_path / "results")


def counted(store):
    runs = RunLog()

    @archived(store)
    def f(n):
        runs.append(n)
        return {"n": n, "values": list(range(n))}

    return f, runs


def entry_file(f):
    [name] = [n for n in f.dataset if not n.endswith("_failed")]
    return name, os.path.join(f.store.path, name + ".py")


@pytest.mark.parametrize("section", ["value", "info"])
def test_a_hand_edited_entry_with_a_typo_is_kept_aside_not_overwritten(store, section):
    f, runs = counted(store)
    f(3)
    name, path = entry_file(f)
    text = open(path).read()
    target = "'values':" if section == "value" else "'parameters':"
    edited = text.replace(target, target + " (", 1)  # a typo in the hand edit
    assert edited != text
    with open(path, "w") as out:
        out.write(edited)

    with pytest.warns(DamagedEntryWarning, match=r"moved to .*\.damaged") as caught:
        assert f(3) == {"n": 3, "values": [0, 1, 2]}
    assert runs == [3, 3] and len(caught) == 1
    kept = caught[0].message.kept
    assert caught[0].message.entry == name and str(kept) in str(caught[0].message)
    assert open(os.path.join(kept, name + ".py")).read() == edited  # the edit, untouched
    assert f(3) == {"n": 3, "values": [0, 1, 2]} and runs == [3, 3]  # the new one is stored

    assert verify(store).ok and repair(store) is not None
    assert open(os.path.join(kept, name + ".py")).read() == edited  # repair keeps it
    assert list(DataSet("results", path=os.path.dirname(store))) == [name]


def test_a_kept_damaged_entry_is_not_importable_from_the_store_module(store):
    f, _ = counted(store)
    f(2)
    name, path = entry_file(f)
    with open(path, "a") as out:
        out.write("\n)\n")
    with pytest.warns(DamagedEntryWarning):
        f(2)
    sys.path.insert(0, os.path.dirname(store))
    try:
        module = importlib.import_module("results")
        assert [n for n in dir(module) if not n.startswith("_")] == [name]
        with pytest.raises(ImportError):
            importlib.import_module("results.damaged")
    finally:
        sys.path.remove(os.path.dirname(store))
        sys.modules.pop("results", None)


def test_a_damaged_entrys_arrays_are_kept_with_it(store):
    @archived(store)
    def ramp(n):
        return np.arange(n, dtype=float)

    ramp(500)
    [h5] = [p for p in os.listdir(store) if p.endswith(".h5")]
    name = h5.split(".")[0]
    with open(os.path.join(store, name + ".py"), "a") as out:
        out.write("oops(\n")
    with pytest.warns(DamagedEntryWarning) as caught:
        np.testing.assert_array_equal(ramp(500), np.arange(500.0))
    assert sorted(os.listdir(caught[0].message.kept)) == sorted([name + ".py", h5])
    assert verify(store).ok


def test_a_damaged_entry_that_cannot_be_moved_stays_and_nothing_is_stored_over_it(
    store, monkeypatch
):
    from archived.store import native

    f, runs = counted(store)
    f(4)
    _, path = entry_file(f)
    with open(path, "a") as out:
        out.write("(\n")
    edited = open(path).read()

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", store)

    monkeypatch.setattr(native, "set_aside", refuse)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert f(4)["n"] == 4
    kinds = [type(w.message) for w in caught]
    assert kinds == [DamagedEntryWarning, ResultNotStoredWarning], caught
    assert caught[0].message.kept is None and "stays in place" in str(caught[0].message)
    assert open(path).read() == edited and runs == [4, 4]


def test_a_write_the_system_denies_returns_the_result_naming_permission(store, monkeypatch):
    f, runs = counted(store)
    f(1)
    real = os.open

    def deny(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_CREAT) and str(path).startswith(store):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
        return real(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny)
    with pytest.warns(ResultNotStoredWarning, match="not stored") as caught:
        assert f(2) == {"n": 2, "values": [0, 1]}
    error = caught[0].message.error
    assert isinstance(error, CommitPermissionError) and error.resource in ("permission", "lock")
    monkeypatch.undo()
    assert f(1)["n"] == 1 and runs == [1, 2] and not f.is_cached(2)


# ---- a real full disk and a real read-only filesystem (a small tmpfs; needs root) --------


@pytest.fixture
def small_disk(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("mounting a small tmpfs needs root: " + mounted.stderr.decode().strip())
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def test_on_a_really_full_disk_the_result_is_returned_and_the_error_says_disk_full(small_disk):
    @archived(str(small_disk / "store"))
    def ones(n):
        return np.ones(n)

    assert ones(10).sum() == 10
    with pytest.warns(ResultNotStoredWarning, match="disk is full") as caught:
        big = ones(200_000)  # 1.6 MB: an HDF5 data file on a 512 kB disk
    assert big.shape == (200_000,) and big.sum() == 200_000
    error = caught[0].message.error
    assert isinstance(error, DiskFullError) and error.errno == errno.ENOSPC
    assert "Problems creating the Array" not in str(error).split("(")[0]
    assert ones.is_cached(10) and not ones.is_cached(200_000)
    assert verify(str(small_disk / "store")).ok


def test_a_full_disk_s_warning_is_one_line_without_the_array_library_s_error_stack(small_disk):
    # each warning carried HDF5's whole error stack (40 lines of H5Fint.c, H5FDsec2.c,
    # ...) inside the message: a sweep on a full disk printed it for every point
    @archived(str(small_disk / "store"))
    def ones(n):
        return np.ones(n)

    assert ones(10).sum() == 10
    filler = fill_disk(str(small_disk), 0)  # full: the data file itself cannot be made
    try:
        with pytest.warns(ResultNotStoredWarning) as caught:
            assert ones(500).sum() == 500
    finally:
        os.unlink(filler)
    message = str(caught[0].message)
    assert "HDF5" not in message and "H5" not in message.replace(".h5", "")
    assert "No space left on device" in message
    assert len(message.splitlines()) == 1, message


def test_on_a_read_only_filesystem_hits_load_and_misses_return_their_result(small_disk):
    @archived(str(small_disk / "store"))
    def double(x):
        return 2 * x

    assert double(1) == 2
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    assert double(1) == 2
    with pytest.warns(ResultNotStoredWarning, match="Read-only file system") as caught:
        assert double(5) == 10
    assert caught[0].message.error.resource in ("lock", "permission")
