"""Grouped durability: many atomic commits, one sync to disk.

A durable commit (:func:`~archived.store.entries.commit_entry`) syncs the entry file
before renaming it into place and syncs the directory after: two waits for the disk per
entry (0.5-8 ms each on a busy disk), for results that may take a millisecond to compute.
Inside :func:`grouped`, a commit of a *new* small entry skips both; the group syncs the
store's filesystem once when it ends, and a background thread
(:mod:`archived.store.syncthread`) syncs it once the oldest unsynced commit is
``max_delay`` seconds old, whether or not another commit comes (a commit followed by a
long computation waits no longer), so many commits share one sync.  The group goes on
computing while the disk syncs:
``syncfs`` on a shared disk takes 3-300 ms, since it writes back every process's data.
Only the group's end waits for them, and a sweep's chunk does not even wait there when
its driver runs under the same kernel: the driver syncs the filesystem once, at the end
of the sweep (:class:`SyncAtEnd`), which covers every worker's writes.

A sync that fails (an I/O error writing back) is raised at the end of the group, or of
the next group in the process if the group did not wait; a process exiting with one
raised nowhere warns on stderr.  The commits it covered are in the page cache and read
back whole until the machine stops, but may not survive a power cut: the error says so
rather than let the sweep report them as safe.

What each commit still guarantees at once, group or not: it is atomic (written to a
temporary file, renamed into place), so a process killed at any instant loses nothing
renamed, since the kernel's page cache outlives the process.  What a group delays is only
protection from a power cut or a kernel crash, and only until the group syncs.  Such a
crash can leave an entry renamed but not synced in one of these states, never another
(a background sync changes nothing here: the kernel writes each page back whole or not
at all, whoever asks, and a sync thread killed with its process leaves the page cache as
it was):

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
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .syncthread import Syncer

__all__ = ["grouped", "active", "PAGE", "sync_filesystem", "SyncAtEnd", "disk_token"]

PAGE = 4096  # bytes of an entry file a group may leave unsynced: one page, one write-back
MAX_DELAY = 0.5  # seconds the oldest unsynced commit of a group may wait for its sync

_local = threading.local()


class Group:
    """One :func:`grouped` block: its latest request to the background syncer, and how
    many background syncs had failed before it (see :meth:`check`)."""

    __slots__ = ("max_delay", "ticket", "failures")

    def __init__(self, max_delay: float) -> None:
        self.max_delay = max_delay
        self.ticket = 0  # the group's latest request to the background syncer
        self.failures = _background.failures()  # background syncs failed before the group

    def note(self, folder: str, path: str) -> None:
        """Record an entry file renamed into ``folder`` without a sync: the background
        thread syncs it within ``max_delay`` seconds, with every other commit pending."""
        files = [path] if _syncfs is None else []
        self.ticket = _background.start({folder}, files, time.monotonic() + self.max_delay)

    def sync(self) -> None:
        """Make every commit of the group so far durable: wait for its syncs."""
        _background.wait(self.ticket)
        self.check()

    def check(self) -> None:
        """Raise the error of a background sync that failed while the group was open,
        or that no group has raised yet (the commits it should have made durable may not
        survive a power cut)."""
        failure = _background.failure_since(self.failures)
        if failure is not None:
            self.failures = _background.failures()
            raise failure


@contextmanager
def grouped(max_delay: float = MAX_DELAY, *, wait: bool = True) -> Iterator[Group]:
    """Group the durable commits of new entries made in this thread inside the block:
    each stays atomic at once, and all are synced to disk together, in a background
    thread, each within ``max_delay`` seconds of its commit (one sync for all those
    pending), and when the block ends (also when it raises).  The block's end waits for
    those syncs; with ``wait=False`` it leaves them to the thread, for a caller that
    syncs the whole filesystem itself later (a sweep's driver: :class:`SyncAtEnd`).
    Either way the end raises the error of a background sync that failed while the
    block was open.

    Nested blocks join the outer group.

    >>> import tempfile
    >>> from archived.store.entries import commit_entry, entry_names
    >>> folder = tempfile.mkdtemp()
    >>> with grouped() as group:
    ...     commit_entry(folder, "a", 1)
    >>> entry_names(folder)
    ['a']
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
        if wait:
            group.sync()
        else:
            group.check()


def active() -> Group | None:
    """The group of the :func:`grouped` block this thread is in, or None.

    >>> active() is None
    True
    """
    return getattr(_local, "group", None)


class SyncAtEnd:
    """A sweep driver's promise to sync the filesystem of ``folder`` once, at the end,
    for the groups of its workers that ended without waiting (``grouped(wait=False)``).

    Only a worker under the same kernel, writing to the same filesystem, may leave its
    sync to the driver: a ``syncfs`` writes back every dirty page of that filesystem in
    the kernel's page cache, whichever process wrote it.  :attr:`token` says which
    kernel and filesystem (None where ``syncfs`` is not available: then no group leaves
    its sync); a worker compares it with :func:`disk_token` of its own.  The folder is
    opened at once, before any work is handed out: on Linux 5.8 and later, the final
    ``syncfs`` of that descriptor reports any write-back error of the filesystem since,
    including one met by a worker's background sync.

    >>> import tempfile
    >>> later = SyncAtEnd(tempfile.mkdtemp())
    >>> later.needed = True
    >>> later.close()
    """

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.token = disk_token(folder)
        self.needed = False  # set when a group left its sync to this promise
        self._fd = os.open(folder, os.O_RDONLY) if self.token is not None else -1

    def close(self) -> None:
        """Sync the filesystem if a group left its sync here (raise ``OSError`` if the
        sync fails), and close the folder."""
        fd, self._fd = self._fd, -1
        if fd < 0:
            return
        try:
            if self.needed:
                _sync_at_end(self.folder, fd)
        finally:
            os.close(fd)


def disk_token(folder: str) -> tuple[str, int] | None:
    """The kernel (its boot id) and filesystem (its device) holding ``folder``, or None
    where the whole filesystem cannot be synced, or the kernel does not say who it is.

    >>> import tempfile
    >>> token = disk_token(tempfile.mkdtemp())
    >>> token is None or len(token) == 2
    True
    """
    boot = _boot_id()
    if boot is None or _syncfs is None:
        return None
    try:
        return boot, os.stat(folder).st_dev
    except OSError:
        return None


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
        _syncfs_fd(fd)
    finally:
        os.close(fd)


def _syncfs_fd(fd: int) -> None:
    if _syncfs(fd) != 0:
        code = ctypes.get_errno() or errno.EIO
        raise OSError(code, f"syncing the store's filesystem failed: {os.strerror(code)}")


def _sync_at_end(folder: str, fd: int) -> None:
    """The sync of :meth:`SyncAtEnd.close`: ``fd`` is ``folder``, opened earlier."""
    _syncfs_fd(fd)


def _sync_group(folders: set[str], files: list[str]) -> None:
    """What a group's background sync does: ``files`` one by one (only without
    syncfs), then the filesystem of each folder; a folder removed since has nothing
    left to sync."""
    for path in files:
        _fsync_path(path, os.O_RDONLY)
    for folder in sorted(folders):
        try:
            sync_filesystem(folder)
        except FileNotFoundError:
            pass


def _fsync_path(path: str, flags: int) -> None:
    try:
        # never blocking: a FIFO put in place of an entry since (a store shared with
        # others) blocked the background sync in open(), and the process's exit with it
        fd = os.open(path, flags | os.O_NONBLOCK)
    except FileNotFoundError:  # replaced or deleted since: its successor was synced
        return
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISREG(mode) or stat.S_ISDIR(mode):  # anything else was not written here
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


def _boot_id() -> str | None:
    global _BOOT
    if _BOOT == "":
        try:
            with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as f:
                _BOOT = f.read(64).strip() or None
        except OSError:  # not Linux
            _BOOT = None
    return _BOOT


_BOOT: str | None = ""  # not read yet
_syncfs: Any = _find_syncfs()
_background = Syncer(lambda folders, files: _sync_group(folders, files))
