"""Grouped durability: many atomic commits, one sync to disk.

A durable commit (:func:`~archived.store.entries.commit_entry`) syncs the entry file
before renaming it into place and syncs the directory after: two waits for the disk per
entry (0.5-8 ms each on a busy disk), for results that may take a millisecond to compute.
Inside :func:`grouped`, a commit of a *new* small entry skips both; the group syncs the
store's filesystem once when it ends (and at a commit, once its oldest unsynced commit is
older than ``max_delay`` seconds), so many commits share one wait.  Nothing syncs between
commits: one followed by a long computation in the same block waits for the next commit,
the block's end or the kernel's own write-back (about 30 s on Linux).

What each commit still guarantees at once, group or not: it is atomic (written to a
temporary file, renamed into place), so a process killed at any instant loses nothing
renamed, since the kernel's page cache outlives the process.  What a group delays is only
protection from a power cut or a kernel crash, and only until the group syncs.  Such a
crash can leave an entry renamed but not synced in one of these states, never another:

* absent: the call is computed again;
* an empty file, or a file of zero bytes (the filesystem's two ways of losing unwritten
  data): it has no header line, so it is a damaged entry: kept aside, computed again;
* complete.

No state in between (a file cut short that still parses) can arise, because a group
defers only entry files that fit in one page (4096 bytes: written back whole or not at
all) and that replace nothing, on a filesystem that writes a file's data before the size
naming it (ext4's default ``data=ordered``, XFS, btrfs); ext4 mounted ``data=writeback``
may show what the block held before, as it may for any file not synced.  Data files
(HDF5) are synced before the entry naming them is renamed, and an entry that replaces
another is synced before its rename, exactly as outside a group, so an existing result is
never exposed to an unsynced replacement.

>>> import os, tempfile
>>> from archived.store.entries import commit_entry, read_value
>>> folder = tempfile.mkdtemp()
>>> with grouped():
...     for i in range(3):
...         commit_entry(folder, f"x{i}", i)
>>> [read_value(folder, f"x{i}") for i in range(3)]
[0, 1, 2]
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["grouped", "active", "PAGE", "sync_filesystem"]

PAGE = 4096  # bytes of an entry file a group may leave unsynced: one page, one write-back
MAX_DELAY = 0.5  # seconds the oldest unsynced commit of a group may wait for its sync

_local = threading.local()


class Group:
    """The commits of one :func:`grouped` block not yet synced: their folders and files."""

    __slots__ = ("max_delay", "folders", "files", "since")

    def __init__(self, max_delay: float) -> None:
        self.max_delay = max_delay
        self.folders: set[str] = set()
        self.files: list[str] = []  # needed only where the filesystem cannot be synced whole
        self.since = 0.0

    def note(self, folder: str, path: str) -> None:
        """Record an entry file renamed into ``folder`` without a sync."""
        if not self.folders:
            self.since = time.monotonic()
        self.folders.add(folder)
        if _syncfs is None:
            self.files.append(path)
        if time.monotonic() - self.since >= self.max_delay:
            self.sync()

    def sync(self) -> None:
        """Make every commit of the group so far durable."""
        folders, files = self.folders, self.files
        self.folders, self.files = set(), []
        for path in files:  # only without syncfs: one by one, as a durable commit does
            _fsync_path(path, os.O_RDONLY)
        for folder in sorted(folders):
            sync_filesystem(folder)


@contextmanager
def grouped(max_delay: float = MAX_DELAY) -> Iterator[Group]:
    """Group the durable commits of new entries made in this thread inside the block:
    each stays atomic at once, and all are synced to disk together, by the end of the
    block (also when it raises) and at a commit once the oldest unsynced one is older
    than ``max_delay`` seconds (nothing syncs between commits).

    Nested blocks join the outer group.

    >>> import tempfile
    >>> from archived.store.entries import commit_entry, entry_names
    >>> folder = tempfile.mkdtemp()
    >>> with grouped() as group:
    ...     commit_entry(folder, "a", 1)
    ...     sorted(group.folders) == [folder]
    True
    >>> entry_names(folder), group.folders
    (['a'], set())
    """
    outer = getattr(_local, "group", None)
    if outer is not None:
        yield outer
        return
    group = _local.group = Group(max_delay)
    try:
        yield group
    finally:
        _local.group = None
        group.sync()


def active() -> Group | None:
    """The group of the :func:`grouped` block this thread is in, or None.

    >>> active() is None
    True
    """
    return getattr(_local, "group", None)


def sync_filesystem(folder: str) -> None:
    """Write to disk everything written to the filesystem holding ``folder`` (Linux's
    ``syncfs``: one flush for any number of files); elsewhere, sync ``folder`` itself
    (its files were synced one by one).

    >>> import tempfile
    >>> sync_filesystem(tempfile.mkdtemp())
    """
    if _syncfs is None:
        _fsync_path(folder, os.O_RDONLY)
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        if _syncfs(fd) != 0:
            code = ctypes.get_errno() or errno.EIO
            raise OSError(code, f"syncing the store's filesystem failed: {os.strerror(code)}")
    finally:
        os.close(fd)


def _fsync_path(path: str, flags: int) -> None:
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:  # replaced or deleted since: its successor was synced
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _find_syncfs() -> Any:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        function = libc.syncfs
    except (OSError, AttributeError, TypeError):  # not Linux (no syncfs), or no libc
        return None
    function.argtypes = [ctypes.c_int]
    function.restype = ctypes.c_int
    return function


_syncfs: Any = _find_syncfs()
