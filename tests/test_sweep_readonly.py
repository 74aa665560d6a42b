"""A sweep over a store the user may only read (a read-only copy, a colleague's folder)
answers as its calls do: stored points load, and a point computed there is returned with
a ``ResultNotStoredWarning``.  The sweep's own record (for ``ls --status``) used to be
written first, unconditionally, so such a sweep raised ``CommitPermissionError`` before
looking a single point up, even when every point was stored."""

from __future__ import annotations

import errno
import os

import pytest

from archived import archived, sweep
from archived.errors import ResultNotStoredWarning

RUNS: list[int] = []


def cube(x):
    RUNS.append(x)
    return x**3


def deny_writes(monkeypatch, store):
    """Every file the process creates or writes under ``store`` is refused, as on a
    read-only filesystem or in a folder of another user."""
    real = os.open

    def deny(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and str(path).startswith(store):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
        return real(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny)


def test_a_sweep_of_stored_points_in_a_store_it_cannot_write_returns_them(tmp_path, monkeypatch):
    store = str(tmp_path / "runs")
    f = archived(store)(cube)
    sweep(f, {"x": [1, 2, 3]}, progress=False)
    RUNS.clear()
    deny_writes(monkeypatch, store)
    # a part of the grid: a sweep the store holds no record of
    assert sweep(f, {"x": [2, 3]}, progress=False) == [8, 27]
    assert sweep(f, {"x": [1, 3]}, progress=False, results="summary") == [
        {"x": 1, "result": 1},
        {"x": 3, "result": 27},
    ]
    assert RUNS == []


def test_a_sweep_in_a_store_it_cannot_write_returns_computed_points_with_the_warning(
    tmp_path, monkeypatch
):
    store = str(tmp_path / "runs")
    f = archived(store)(cube)
    f(1)
    RUNS.clear()
    deny_writes(monkeypatch, store)
    with pytest.warns(ResultNotStoredWarning, match="not stored"):
        assert sweep(f, {"x": [1, 4]}, n_jobs=1, progress=False) == [1, 64]
    assert RUNS == [4]
    monkeypatch.undo()
    assert not f.is_cached(4)
