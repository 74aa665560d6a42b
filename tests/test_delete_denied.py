"""A deletion the system refuses (a store the user may only read: a colleague's folder,
a read-only copy) says it could not *delete* the entry, names the entry and the cause,
is the same ``CommitPermissionError`` (a ``PermissionError``) a refused write is, and
changes nothing on disk.  It used to say "could not write entry ...", which sent a user
pruning or clearing a store looking for what archived had tried to write."""

from __future__ import annotations

import errno
import os

import pytest

from archived import archived
from archived.cli import main
from archived.errors import (
    ArchiveError,
    CommitError,
    CommitPermissionError,
    ResultNotStoredWarning,
)
from helpers import snapshot


def double(x):
    return 2 * x


def deny_changes(monkeypatch, store):
    """Every change of a file under ``store`` is refused, as in a folder of another
    user: files opened for writing, renamed, linked or removed."""

    def refused(path):
        return PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)

    def under(path):
        return str(os.fspath(path)).startswith(store)

    real_open = os.open

    def open_(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and under(path):
            raise refused(path)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_)
    for name in ("rename", "replace", "link"):
        real = getattr(os, name)

        def two(src, dst, *args, _real=real, **kwargs):
            if under(src) or under(dst):
                raise refused(src)
            return _real(src, dst, *args, **kwargs)

        monkeypatch.setattr(os, name, two)
    for name in ("unlink", "remove", "rmdir", "mkdir"):
        real = getattr(os, name)

        def one(path, *args, _real=real, **kwargs):
            if under(path):
                raise refused(path)
            return _real(path, *args, **kwargs)

        monkeypatch.setattr(os, name, one)


@pytest.fixture
def store(tmp_path):
    """A store with a stale call (version 1) and a current one (version 2) of double."""
    store = str(tmp_path / "runs")
    archived(store, version="1")(double)(1)
    archived(store, version="2")(double)(2)
    return store


def assert_says_it_could_not_delete(err, store, entries):
    assert isinstance(err, CommitPermissionError) and isinstance(err, PermissionError)
    assert isinstance(err, CommitError) and isinstance(err, ArchiveError)
    assert err.operation == "delete" and err.entry in entries
    assert err.errno == errno.EACCES
    message = str(err)
    assert message.startswith(f"could not delete entry {err.entry!r} from the store {store!r}")
    assert "permission denied" in message and "Permission denied" in message
    assert "write" not in message


def test_prune_stale_in_a_store_it_cannot_change_says_it_could_not_delete_and_changes_nothing(
    store, monkeypatch
):
    f = archived(store, version="2")(double)
    stale = [c.name for c in f.stale()]
    assert len(stale) == 1
    before = snapshot(store)
    deny_changes(monkeypatch, store)
    with pytest.raises(CommitPermissionError) as info:
        f.prune_stale()
    assert_says_it_could_not_delete(info.value, store, stale)
    monkeypatch.undo()
    assert snapshot(store) == before
    assert [c.name for c in f.stale()] == stale and f(2) == 4


def test_clear_in_a_store_it_cannot_change_says_it_could_not_delete_and_changes_nothing(
    store, monkeypatch
):
    f = archived(store, version="2")(double)
    before = snapshot(store)
    names = [n[:-3] for n in before if n.endswith(".py") and not n.startswith("_")]
    deny_changes(monkeypatch, store)
    with pytest.raises(CommitPermissionError) as info:
        f.clear()
    assert_says_it_could_not_delete(info.value, store, names)
    monkeypatch.undo()
    assert snapshot(store) == before


def test_cli_prune_in_a_store_it_cannot_change_says_it_could_not_delete_and_changes_nothing(
    store, monkeypatch, capsys
):
    before = snapshot(store)
    deny_changes(monkeypatch, store)
    assert main(["prune", store, "--function", f"{__name__}.double", "--yes"]) != 0
    monkeypatch.undo()
    err = capsys.readouterr().err
    assert "could not delete entry 'double_" in err and f"from the store {store!r}" in err
    assert "permission denied" in err and "could not write" not in err
    assert snapshot(store) == before


def test_a_write_refused_in_the_same_store_still_says_it_could_not_write(store, monkeypatch):
    f = archived(store, version="2")(double)
    deny_changes(monkeypatch, store)
    with pytest.warns(ResultNotStoredWarning) as caught:
        assert f(3) == 6
    monkeypatch.undo()
    assert "could not write entry 'double_" in str(caught[0].message)
    assert "could not delete" not in str(caught[0].message)
    assert not f.is_cached(3)
