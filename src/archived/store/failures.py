"""Why a write to a store failed, in the user's words: :func:`explained`.

A commit can fail because the disk is full, because the system denies a file, the
directory or the lock file, because the store's lock is held past the timeout, or on
any other I/O error.  The low-level error says so badly or not at all (PyTables reports
a full disk as ``HDF5ExtError: Problems creating the Array.``).  :func:`explained` turns
each into a :class:`~archived.errors.CommitError` subclass naming the store, the entry
and the resource that failed, with the original error chained; everything else
(a value that cannot be archived, an invalid name, the user's own exception from an
``archive_1`` hook) passes through unchanged.

>>> import errno
>>> try:
...     with explained('/s', 'x', ('/s/.lock',)):
...         raise OSError(errno.ENOSPC, 'No space left on device')
... except DiskFullError as err:
...     print(err.resource, '|', err)
disk | could not write entry 'x' to the store '/s': the disk is full ([Errno 28] No ...
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from ..errors import (
    AfterCommitError,
    ArchiveError,
    CommitError,
    CommitPermissionError,
    CommitTimeout,
    DiskFullError,
    LockFileError,
    LockTimeout,
    StoreReadError,
)

__all__ = ["explained", "deleting", "disk_is_full"]

_QUOTA = getattr(errno, "EDQUOT", errno.ENOSPC)
_FULL = (errno.ENOSPC, _QUOTA)
_DENIED = (errno.EACCES, errno.EPERM, errno.EROFS)
# Free space below this after a failed HDF5 write means the write ran the disk full
# (HDF5 writes until the system refuses, so a full disk is left with next to nothing).
_NEARLY_FULL = 1 << 20


@contextmanager
def explained(
    store: str, entry: str, lock_files: Sequence[str] = (), *, operation: str = "write"
) -> Iterator[None]:
    """Raise a write's failure of a resource as a ``CommitError`` saying which one.

    ``lock_files``: the lock files the write may take, so that a denied lock file is
    reported as the lock (``resource='lock'``) rather than as the store's files.
    ``operation``: what the change does, as the message says it (``'write'``, or
    ``'delete'`` for a deletion: "could not delete entry 'x' from the store ...").
    """
    try:
        yield
    except LockTimeout as err:
        if isinstance(err, CommitError):
            raise
        raise CommitTimeout(store, entry, err.lock_file, err.timeout, operation=operation) from err
    except LockFileError as err:  # told as the write's failure, the lock as its resource
        cause = err.__cause__
        failed = cause if isinstance(cause, OSError) else OSError(err.errno, err.reason)
        failed.filename = err.lock_file
        files = (*lock_files, err.lock_file)
        raise _explain(store, entry, failed, files, operation) from err
    except ArchiveError:
        raise
    except OSError as err:
        raise _explain(store, entry, err, lock_files, operation) from err


@contextmanager
def deleting(store: str, total: int) -> Iterator[list[str]]:
    """Tell a failure met once some of ``total`` entries are deleted as what it is: the
    caller appends each entry it deleted to the list yielded, and an error after the
    first is an :class:`~archived.errors.AfterCommitError` saying how many are deleted
    (a read error of the next one said "nothing was changed" of a store whose other
    entries were gone).  An ``AfterCommitError`` (a deletion made, its sync failed)
    passes as it is.

    >>> import errno
    >>> try:
    ...     with deleting('/s', 3) as deleted:
    ...         deleted.append('x')
    ...         raise StoreReadError('/s/y.py', '[Errno 5] Input/output error', errno.EIO)
    ... except AfterCommitError as err:
    ...     print(err)
    entry 'x' is deleted from the store '/s', but deleting the others failed afterwards \
(1 of 3 entries deleted, then: could not read '/s/y.py': [Errno 5] Input/output error): \
the entries not deleted are as they were: run it again once the disk works
    """
    deleted: list[str] = []
    try:
        yield deleted
    except (ArchiveError, OSError) as err:
        if not deleted or isinstance(err, AfterCommitError):
            raise
        # (a read error's own words say nothing was changed: untrue here)
        what = (
            f"could not read {err.path!r}: {err.reason}"
            if isinstance(err, StoreReadError)
            else str(err)
        )
        reason = f"{len(deleted)} of {total} entries deleted, then: {what}"
        code = err.errno if isinstance(err, OSError) else None
        raise AfterCommitError(
            store, deleted[-1], "rest", reason, code, operation="delete"
        ) from err


def disk_is_full(folder: str) -> bool:
    """Whether the filesystem holding ``folder`` has (next to) no space left for us.

    >>> import tempfile
    >>> disk_is_full(tempfile.gettempdir())
    False
    """
    try:
        st = os.statvfs(folder)
    except (OSError, AttributeError):
        return False
    return st.f_bavail * st.f_frsize < _NEARLY_FULL


def _explain(
    store: str, entry: str, err: OSError, lock_files: Sequence[str], operation: str
) -> CommitError:
    code = err.errno
    filename = err.filename if isinstance(err.filename, str) else None
    if code in _FULL:
        what = "your disk quota is full" if code == _QUOTA else "the disk is full"
        return DiskFullError(store, entry, f"{what} ({err})", code, operation=operation)
    if code in _DENIED:
        if filename is not None and filename in lock_files:
            what = f"the lock file {filename!r} cannot be opened"
            return CommitPermissionError(
                store, entry, "lock", f"{what} ({err})", code, operation=operation
            )
        if code == errno.EROFS:
            what = "the store is on a read-only filesystem"
        else:
            what = "permission denied"
        return CommitPermissionError(
            store, entry, "permission", f"{what} ({err})", code, operation=operation
        )
    return CommitError(store, entry, "io", str(err), code, operation=operation)
