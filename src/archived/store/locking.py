"""Inter-process locks for stores: ``fcntl`` locks, or lock files on shared filesystems.

:class:`StoreLock` is the one interface.  By default it takes an exclusive ``fcntl.flock``
on a lock file: the operating system releases it when the holder exits or is killed
(even by ``SIGKILL``), so a crashed writer never leaves a store locked.  Network
filesystems do not always honour ``fcntl`` locks; there ``soft=True`` takes a *lease*
(:mod:`archived.store.lease`): a lock directory whose holder keeps renewing it, reclaimed
by the others once it has not been renewed for its lease (a holder gone on this host is
reclaimed at once), and never while it is renewed.

A lock is reentrant in the thread that holds it, and two :class:`StoreLock` objects
on the same file exclude each other even inside one process, so one object per
writer is all a caller needs.  :meth:`StoreLock.pin` holds the file lock for the whole
process (a ``synchronize=False`` DataSet, for its lifetime): then every thread of the
process may take the lock (threads still exclude each other), and any thread may
:meth:`~StoreLock.unpin` it.  A lock not acquired within ``timeout`` seconds raises
:class:`~archived.errors.LockTimeout` naming the lock file; a lock file that cannot be
created, opened or locked (no permission, a read-only or full disk, an I/O error) raises
:class:`~archived.errors.LockFileError` naming it, before anything is changed.

A lock file is opened read-only when this user may not write it (one left ``0644`` by
another user of a shared store): ``flock`` needs only a descriptor, not write access.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), ".lock")
>>> with StoreLock(path, timeout=1):
...     try:
...         with StoreLock(path, timeout=0.05):
...             pass
...     except TimeoutError as err:
...         print(type(err).__name__)
LockTimeout
"""

from __future__ import annotations

import os
import threading
import time
from types import TracebackType
from typing import Any

from ..errors import ArchiveError, LockFileError, LockTimeout, UnsafeFileError
from .storefiles import file_kind
from .writers import close_quietly

__all__ = ["StoreLock"]

# Polling starts fast so an uncontended or briefly contended lock costs microseconds,
# and backs off so many waiting processes do not spin.
_FIRST_POLL = 0.0002
_LAST_POLL = 0.02


def wait_to_retry(
    poll: float, deadline: float | None, lock_path: str, timeout: float | None
) -> float:
    """Sleep ``poll`` seconds (at most until ``deadline``, a ``time.monotonic()`` time;
    None: no limit) before the next try of the held lock ``lock_path``, and return the
    next, longer pause; ``LockTimeout`` once the deadline has passed.

    >>> wait_to_retry(0.0001, None, "x.lock", None)
    0.0002
    >>> wait_to_retry(0.0001, 0.0, "x.lock", 0.0)
    Traceback (most recent call last):
    ...
    archived.errors.LockTimeout: ...
    """
    now = time.monotonic()
    if deadline is not None and now >= deadline:
        raise LockTimeout(lock_path, timeout or 0) from None
    time.sleep(poll if deadline is None else min(poll, deadline - now))
    return min(poll * 2, _LAST_POLL)


class StoreLock:
    """An exclusive, reentrant inter-process lock on the file ``lock_path``.

    Args:
        lock_path: the lock file; created if missing.
        timeout: seconds to wait for the lock; ``0`` tries once, ``None`` waits forever.
        soft: take a lease instead of an ``fcntl`` lock (for NFS and other shared
            filesystems where ``fcntl`` locks are unreliable).  The lease is the
            directory ``lock_path + ".lease"``, present only while held: ``lock_path``
            itself outlives every ``fcntl`` holder, so taking it as a soft lock would make
            a store once written with ``fcntl`` locking look locked forever.
        lease: seconds a soft lock's holder promises to renew it within, so the longest
            a lock of a dead holder on another machine blocks the others (``None``:
            ``ARCHIVED_LOCK_LEASE``, else 60 s; see :mod:`archived.store.lease`).
        remove: delete the lock file when the lock is released (for the many short-lived
            per-key locks).  The holder deletes it while it still holds the lock, and every
            acquirer checks, once it holds a lock, that the file it locked is still the
            one at ``lock_path`` (else it locked a deleted file and tries again), so two
            holders never lock two different files of one name.

    Use it as a context manager, or call :meth:`acquire` / :meth:`release`:

    >>> import os, tempfile
    >>> lock = StoreLock(os.path.join(tempfile.mkdtemp(), "k.lock"), timeout=5)
    >>> with lock:
    ...     with lock:          # reentrant in the holding thread
    ...         lock.is_locked
    True
    >>> lock.is_locked
    False
    """

    def __init__(
        self,
        lock_path: str | os.PathLike[str],
        timeout: float | None = 60,
        *,
        soft: bool = False,
        remove: bool = False,
        lease: float | None = None,
    ) -> None:
        self.lock_path = os.fspath(lock_path)
        self.timeout = timeout
        self.soft = soft
        self.remove = remove
        self.lease = lease
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._pinned = False
        self._fd: int | None = None
        self._soft_lock: Any = None

    @property
    def is_locked(self) -> bool:
        """Whether this object holds the lock now.

        >>> import os, tempfile
        >>> StoreLock(os.path.join(tempfile.mkdtemp(), "l"), 1).is_locked
        False
        """
        return self._depth > 0 or self._pinned

    def acquire(self) -> StoreLock:
        """Take the lock, waiting up to ``timeout`` seconds; raise ``LockTimeout`` after.

        >>> import os, tempfile
        >>> lock = StoreLock(os.path.join(tempfile.mkdtemp(), "l"), 1).acquire()
        >>> lock.release()
        """
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        wait = -1 if self.timeout is None else max(self.timeout, 0)
        if not self._thread_lock.acquire(timeout=wait):
            raise LockTimeout(self.lock_path, self.timeout or 0)
        try:
            if self._depth == 0 and not self._pinned:
                self._acquire_file(deadline)
            self._depth += 1
        except BaseException:
            self._thread_lock.release()
            raise
        return self

    def release(self) -> None:
        """Give the lock back (the outermost release of a reentrant hold unlocks the file).

        >>> import os, tempfile
        >>> lock = StoreLock(os.path.join(tempfile.mkdtemp(), "l"), 1)
        >>> with lock: pass
        >>> lock.release()
        Traceback (most recent call last):
            ...
        RuntimeError: release of an unheld lock ...
        """
        if self._depth == 0:
            raise RuntimeError(f"release of an unheld lock {self.lock_path!r}")
        self._depth -= 1
        try:
            if self._depth == 0 and not self._pinned:
                self._release_file()
        finally:
            self._thread_lock.release()

    def pin(self) -> None:
        """Hold the file lock for this process until :meth:`unpin`, from any thread.

        Waits up to ``timeout`` like :meth:`acquire`.  While pinned, threads still take
        the lock one at a time, but none of them waits for the file.

        >>> import os, tempfile, threading
        >>> lock = StoreLock(os.path.join(tempfile.mkdtemp(), "l"), 1)
        >>> lock.pin()
        >>> other = threading.Thread(target=lock.unpin)
        >>> other.start(); other.join()
        >>> lock.is_locked
        False
        """
        with self:
            self._pinned = True

    def unpin(self) -> None:
        """Give back the hold :meth:`pin` took (a no-op if there is none); any thread may.

        Waits for a thread inside the lock to leave it first.
        """
        with self._thread_lock:
            if self._pinned:
                self._pinned = False
                if self._depth == 0:
                    self._release_file()

    def __enter__(self) -> StoreLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def __repr__(self) -> str:
        kind = "soft" if self.soft else "fcntl"
        state = "locked" if self.is_locked else "unlocked"
        return f"StoreLock({self.lock_path!r}, {kind}, {state})"

    def _acquire_file(self, deadline: float | None) -> None:
        try:
            if self.soft:
                self._acquire_soft(deadline)
            else:
                self._acquire_fcntl(deadline)
        except OSError as err:
            if isinstance(err, ArchiveError):  # (a LockTimeout)
                raise
            # a lock file the system denies, on a read-only or full disk, or a failing
            # one: a bare OSError said neither that it was the lock nor that nothing
            # was changed (repair's own lock, a synchronize=False store's)
            where = err.filename if isinstance(err.filename, str) else self.lock_path
            raise LockFileError.of(err, where) from err

    def _release_file(self) -> None:
        if self.soft:
            self._soft_lock.release()
            self._soft_lock = None
        else:
            assert self._fd is not None
            if self.remove:
                # while still held: a waiter that then locks this deleted file sees that
                # it is no longer at lock_path and tries again
                _unlink_quietly(self.lock_path)
            close_quietly(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    def _acquire_fcntl(self, deadline: float | None) -> None:
        import fcntl

        poll = _FIRST_POLL
        while True:
            fd = _open_lock_file(self.lock_path)
            try:
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        poll = wait_to_retry(poll, deadline, self.lock_path, self.timeout)
                # lock, then verify: a holder that deletes the file (remove=True) does so
                # while holding it, so the file locked here may be one already deleted
                # while another process locks a new file of that name
                if _same_file(fd, self.lock_path):
                    self._fd = fd
                    return
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)

    def _acquire_soft(self, deadline: float | None) -> None:
        from .lease import SoftLease, default_lease

        lease = SoftLease(
            self.lock_path + ".lease", self.lease if self.lease is not None else default_lease()
        )
        lease.acquire(deadline, self.timeout)
        self._soft_lock = lease


def _open_lock_file(path: str) -> int:
    """A descriptor of the lock file to ``flock``, creating the file if it is missing.

    Read-write if this user may write it, else read-only: a lock file another user
    left ``0644`` must not lock everyone else out of a shared store.  Never opened
    through a link, nor when it is not a regular file: a store someone sent could hold
    a link that makes the lock create or lock a file outside the store.
    """
    import stat

    folder, name = os.path.split(path)
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        pass
    else:
        if not stat.S_ISREG(mode):
            raise UnsafeFileError(folder, name, f"{file_kind(mode)} where the lock file belongs")
    flags = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | os.O_NONBLOCK
    try:
        try:
            return os.open(path, os.O_RDWR | os.O_CREAT | flags, 0o666)
        except PermissionError as denied:
            try:
                return os.open(path, os.O_RDONLY | flags)
            except FileNotFoundError:
                raise denied from None
    except OSError:
        if os.path.islink(path):
            raise UnsafeFileError(
                folder, name, "a symbolic link where the lock file belongs"
            ) from None
        raise


def _same_file(fd: int, path: str) -> bool:
    """Whether the open file ``fd`` is the file now at ``path``."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    try:
        own = os.fstat(fd)
    except OSError as err:  # (named: an fstat's error names no file)
        raise OSError(err.errno, err.strerror, path) from err
    return (st.st_dev, st.st_ino) == (own.st_dev, own.st_ino)


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:  # gone already, or in a directory this user may not change: harmless
        pass
