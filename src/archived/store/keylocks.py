"""Compute-once locks of a store's keys as byte ranges of one file, not a file per key.

A cached call that misses holds its key's lock while it computes, so that workers missing
the same key compute it once.  A lock file per key cost every miss two changes of the
``.keys`` directory (create it, delete it on release); on a busy disk each waits for the
filesystem's journal (0.1-1 ms measured), as long as committing the entry itself.  Here
every key of a store is one byte of one file, ``.keys/ranges.lock``, at an offset drawn
from the key's entry name, locked with an open file description lock (Linux's
``F_OFD_SETLK``), which behaves as ``flock`` does:

* exclusive between processes, and between two lock objects of one process (each opens
  the file, so each has its own open file description);
* released by the kernel when its holder exits or is killed, ``SIGKILL`` included;
* no file is created or deleted per key: the shared file is made once and stays empty.

Two entry names share an offset with odds of 2**-62 a pair: they would only wait for
each other.  Where open file description locks are missing (not Linux, a kernel before
3.15, a 32-bit build) or the shared file cannot be locked for writing (one left read-only
by another user), :func:`key_lock` gives the lock file per key of
:class:`~archived.store.locking.StoreLock` (``remove=True``) instead; the two kinds do
not exclude each other, so every writer of a store must be able to use the same one.
So does a key found read-locked: archived takes no read lock, and anybody who may read
the file can take one over every byte (it stalled every miss, forever without a
``lock_timeout``).

>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> with key_lock(folder, "f_0123456789abcdef", timeout=1) as lock:
...     try:
...         key_lock(folder, "f_0123456789abcdef", timeout=0).acquire()
...     except TimeoutError as err:
...         print(type(err).__name__)
LockTimeout
>>> sorted(os.listdir(folder)) == (["ranges.lock"] if ranges_supported() else [])
True
"""

from __future__ import annotations

import errno
import hashlib
import os
import struct
import sys
import time
from types import TracebackType
from typing import Any

from .locking import _FIRST_POLL, StoreLock, _open_lock_file, wait_to_retry
from .writers import close_quietly

__all__ = ["KeyLock", "key_lock", "ranges_supported", "RANGES"]

RANGES = "ranges.lock"  # the shared file, in the store's .keys/ folder

# struct flock of 64-bit Linux: l_type, l_whence, (pad), l_start, l_len, l_pid, (pad)
_FLOCK = "hhqqi4x"


def ranges_supported() -> bool:
    """Whether this platform has open file description locks with 64-bit offsets.

    >>> isinstance(ranges_supported(), bool)
    True
    """
    import fcntl

    return (
        sys.platform.startswith("linux")
        and sys.maxsize > 2**32
        and hasattr(fcntl, "F_OFD_SETLK")
        and not _UNSUPPORTED
    )


def key_lock(folder: str, name: str, timeout: float | None) -> KeyLock | StoreLock:
    """The compute-once lock of entry ``name`` whose locks live in ``folder`` (the
    store's ``.keys/``): a :class:`KeyLock`, or a :class:`StoreLock` on a lock file of
    its own where byte ranges cannot be locked (see the module).  Not yet acquired.

    >>> import tempfile
    >>> lock = key_lock(tempfile.mkdtemp(), "f_1", timeout=5)
    >>> with lock:
    ...     lock.is_locked
    True
    """
    if ranges_supported():
        return KeyLock(folder, name, timeout)
    return StoreLock(os.path.join(folder, name + ".lock"), timeout=timeout, remove=True)


class KeyLock:
    """The exclusive lock of one key: one byte of ``folder/ranges.lock``, at an offset
    drawn from the entry ``name`` (see the module).

    ``lock_path`` is the name a lock file of this key alone would have: errors name it
    (``LockTimeout``), as they would for that file.  Reentrant: an object that holds the
    lock may take it again, and holds it until as many releases.

    >>> import tempfile
    >>> lock = KeyLock(tempfile.mkdtemp(), "f_1", timeout=5).acquire()
    >>> lock.is_locked, lock.release(), lock.is_locked
    (True, None, False)
    """

    soft = False

    def __init__(self, folder: str, name: str, timeout: float | None) -> None:
        self.lock_path = os.path.join(folder, name + ".lock")
        self.file = os.path.join(folder, RANGES)
        self.offset = offset_of(name)
        self.timeout = timeout
        self._fd: int | None = None
        self._depth = 0
        self._fallback: StoreLock | None = None

    @property
    def is_locked(self) -> bool:
        """Whether this object holds the lock now."""
        return self._depth > 0

    def acquire(self) -> KeyLock:
        """Take the lock, waiting up to ``timeout`` seconds (``None``: as long as it is
        held); raise ``LockTimeout`` after."""
        if self._depth == 0:
            self._acquire()
        self._depth += 1
        return self

    def release(self) -> None:
        """Give the lock back (the outermost release of a reentrant hold unlocks it)."""
        if self._depth == 0:
            raise RuntimeError(f"release of an unheld lock {self.lock_path!r}")
        self._depth -= 1
        if self._depth:
            return
        fallback, self._fallback = self._fallback, None
        if fallback is not None:
            fallback.release()
            return
        fd, self._fd = self._fd, None
        assert fd is not None
        try:
            _set(fd, self.offset, _unlock())  # also if a forked child shares the descriptor
        finally:
            close_quietly(fd)  # (the lock goes with the descriptor, even on an error)

    def __enter__(self) -> KeyLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def __repr__(self) -> str:
        state = "locked" if self.is_locked else "unlocked"
        return f"KeyLock({self.lock_path!r}, byte {self.offset} of {RANGES}, {state})"

    def _acquire(self) -> None:
        deadline = None if self.timeout is None else time.monotonic() + max(self.timeout, 0)
        fd = _open_lock_file(self.file)
        poll = _FIRST_POLL
        try:
            while True:
                try:
                    _set(fd, self.offset, _write_lock())
                    break
                except OSError as err:
                    if err.errno in (errno.EINVAL, errno.EBADF):
                        # no such locks here, or a file this user may only read: a lock
                        # file of this key alone, as where ranges are not supported
                        self._fallback = self._file_lock(err)
                        os.close(fd)
                        return
                    if err.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if _read_locked(fd, self.offset):
                        # archived takes no read lock: one is anybody's who may read
                        # the file (a reader of a shared store), over every byte it would
                        # stall every miss; a lock file of this key alone, as above
                        self._fallback = self._file_lock(err)
                        os.close(fd)
                        return
                poll = wait_to_retry(poll, deadline, self.lock_path, self.timeout)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def _file_lock(self, err: OSError) -> StoreLock:
        if err.errno == errno.EINVAL:
            _UNSUPPORTED.append(err)  # the kernel has none: not asked again
        return StoreLock(self.lock_path, timeout=self.timeout, remove=True).acquire()


def offset_of(name: str) -> int:
    """The byte of ``ranges.lock`` that stands for entry ``name`` (below 2**62).

    >>> offset_of("f_0123456789abcdef") == offset_of("f_0123456789abcdef") < 2**62
    True
    """
    digest = hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 2


def _read_locked(fd: int, offset: int) -> bool:
    """Whether the lock in the way of a write lock on byte ``offset`` is a read lock."""
    import fcntl

    query = struct.pack(_FLOCK, fcntl.F_WRLCK, os.SEEK_SET, offset, 1, 0)
    try:
        found = fcntl.fcntl(fd, fcntl.F_OFD_GETLK, query)
    except OSError:
        return False
    return struct.unpack(_FLOCK, found)[0] == fcntl.F_RDLCK


def _write_lock() -> int:
    import fcntl

    return fcntl.F_WRLCK


def _unlock() -> int:
    import fcntl

    return fcntl.F_UNLCK


def _set(fd: int, offset: int, kind: int) -> Any:
    import fcntl

    return fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack(_FLOCK, kind, os.SEEK_SET, offset, 1, 0))


_UNSUPPORTED: list[OSError] = []  # the kernel refused an open file description lock
