"""Syncs to disk made by one background thread while the process that asked goes on.

A :class:`Syncer` takes requests (folders whose filesystems to sync, and files to sync
one by one where a filesystem cannot be synced whole), each due by some time, and runs
them in a daemon thread of its own, started when a request comes and ended when none is
left: when the earliest pending request falls due, one sync covers every request pending
then (those arriving while a sync runs go to the next).  Each request gets a ticket;
:meth:`Syncer.wait` returns once every request up to a ticket has been synced.

A sync that fails is never forgotten: it is counted, the caller that asks
(:meth:`Syncer.failure_since`) gets the error to raise, and a process that exits with a
failure nobody asked about warns on stderr.  At exit (``atexit``), the process waits for
the syncs still running or asked for.  A process killed outright loses only the wait:
what it wrote is in the kernel's page cache, which the kernel writes back on its own.
A child made by ``fork`` starts with no thread and nothing asked (its parent's requests
are its parent's).

>>> done = []
>>> syncer = Syncer(lambda folders, files: done.append(sorted(folders)))
>>> syncer.wait(syncer.start({"/a", "/b"}, []))
>>> done
[['/a', '/b']]
"""

from __future__ import annotations

import atexit
import os
import threading
import time
import warnings
import weakref
from collections.abc import Callable

__all__ = ["Syncer"]

_NEVER = float("inf")

SyncFunction = Callable[[set[str], list[str]], None]


class Syncer:
    """One background thread syncing what it is asked to, in order (see the module)."""

    def __init__(self, sync: SyncFunction) -> None:
        self._sync = sync
        self._reset()
        _ALL.add(self)

    def _reset(self) -> None:
        self._cond = threading.Condition()
        self._folders: set[str] = set()
        self._files: list[str] = []
        self._due = _NEVER  # when the pending requests are to be synced
        self._asked = 0  # tickets handed out
        self._taken = 0  # every request up to this ticket is in a sync, running or done
        self._done = 0  # every request up to this ticket is synced (or its sync failed)
        self._failures: list[BaseException] = []
        self._reported = 0  # failures some caller was given to raise
        self._thread: threading.Thread | None = None

    def start(self, folders: set[str], files: list[str], due: float = 0.0) -> int:
        """Ask for ``folders`` (and ``files``) to be synced by ``due`` (a
        ``time.monotonic()``; at once by default), with every request pending then;
        return the request's ticket at once, without waiting."""
        with self._cond:
            self._folders |= folders
            self._files += files
            self._asked += 1
            if due < self._due:
                self._due = due
                self._cond.notify_all()
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="archived-sync", daemon=True
                )
                self._thread.start()
            return self._asked

    def wait(self, ticket: int | None = None) -> None:
        """Sync at once what is pending, and wait until every request up to ``ticket``
        (all so far: ``None``) is synced or has failed."""
        with self._cond:
            wanted = self._asked if ticket is None else ticket
            if self._taken < wanted:  # not all in the sync running (if any): due now
                self._due = 0.0
                self._cond.notify_all()
            while self._done < wanted:
                self._cond.wait()

    def failures(self) -> int:
        """How many syncs have failed so far (to pass to :meth:`failure_since` later)."""
        with self._cond:
            return len(self._failures)

    def failure_since(self, count: int) -> BaseException | None:
        """The latest failure after the first ``count`` ones or not yet reported, or
        None; it counts as reported (no warning at exit for it)."""
        with self._cond:
            if len(self._failures) <= min(count, self._reported):
                return None
            self._reported = len(self._failures)
            return self._failures[-1]

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    if self._done == self._asked:
                        self._thread = None
                        return
                    delay = self._due - time.monotonic()
                    if delay <= 0:
                        break
                    self._cond.wait(delay)
                folders, files, ticket = self._folders, self._files, self._asked
                self._folders, self._files = set(), []
                self._due = _NEVER
                self._taken = ticket
            failure = None
            try:
                self._sync(folders, files)
            except BaseException as err:  # noqa: BLE001 - kept for the caller to raise
                failure = err
            with self._cond:
                if failure is not None:
                    self._failures.append(failure)
                self._done = ticket
                self._cond.notify_all()

    def _at_exit(self) -> None:
        self.wait()
        with self._cond:
            unreported = self._failures[self._reported :]
            self._reported = len(self._failures)
        for failure in unreported:
            warnings.warn(
                f"archived: a background sync of a store to disk failed ({failure}); "
                "entries committed shortly before it may not survive a power cut",
                RuntimeWarning,
                stacklevel=1,
            )


_ALL: weakref.WeakSet[Syncer] = weakref.WeakSet()


@atexit.register
def _wait_at_exit() -> None:
    for syncer in list(_ALL):
        syncer._at_exit()


def _after_fork() -> None:
    for syncer in list(_ALL):
        syncer._reset()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)
