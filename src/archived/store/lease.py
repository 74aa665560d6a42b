"""Soft locks for shared filesystems: a lease its holder keeps renewing.

``StoreLock(..., soft=True)`` holds the *lease directory* ``<lock file>.lease``.  It
needs only what every shared filesystem gives (NFS, Lustre, GPFS, CephFS, SMB): an atomic
``mkdir`` and ``rename``, and ``unlink`` of an exact name; no ``flock``, and no clocks
compared between machines.

* **Take**: make a private directory holding one file named ``<holder>.<lease>.<n>`` and
  rename it onto ``<lock file>.lease``.  The rename fails while the lease directory
  holds a file (someone holds the lock) and succeeds over a missing or empty one.
* **Renew**: a thread of the holder renames its file from ``.<n>`` to ``.<n+1>`` every
  quarter of its lease.
* **Reclaim**: a waiter that sees the same file name for the holder's whole lease (on the
  waiter's own clock) deletes exactly that name.  A holder that renewed meanwhile has
  changed the name, so the delete fails and nothing is broken: **a lease renewed in time
  is never reclaimed**.  A holder on this host, in this pid namespace, whose process is
  gone is reclaimed at once.
* **Release**: stop renewing, delete the file, remove the empty directory.

A taker killed before its rename (``SIGKILL``, or ``SIGTERM`` while it waits for a held
lock) leaves its private directory ``<lock file>.lease.<token>``; a store opened for
writing (and ``repair``) removes those of takers of this host that are gone
(:func:`remove_dead_takers`).

The lease (seconds) is the holder's promise, written in its file name; waiters honour
the holder's.  It is the longest a lock of a dead remote holder blocks the others:
``StoreLock(lease=...)``, else the environment variable ``ARCHIVED_LOCK_LEASE``, else
:data:`DEFAULT_LEASE`.  No lease may be longer than :data:`MAX_LEASE`, and a waiter honours
no more than that whatever a file name says: a lease file planted in a store (naming
another machine and a lease of centuries) holds the lock for an hour at most, while a live
holder, renewing every quarter of a lease within the limit, is still never broken.
A holder stopped longer than its lease (``SIGSTOP``, a suspended machine) loses the
lock, and is told with a ``RuntimeWarning`` when it releases it.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), ".lock.lease")
>>> lease = SoftLease(path, 30)
>>> lease.acquire(deadline=None, timeout=None)
>>> [holder_of(name)[1:] for name in os.listdir(path)] == [(os.getpid(), 30.0)]
True
>>> lease.release()
>>> os.path.exists(path)
False
"""

from __future__ import annotations

import errno
import json
import os
import re
import socket
import threading
import time
import warnings
from typing import Any

from ..errors import LockTimeout
from .writers import HOST, TOKEN, new_token

__all__ = [
    "DEFAULT_LEASE",
    "MAX_LEASE",
    "SoftLease",
    "default_lease",
    "holder_of",
    "remove_dead_takers",
    "HERE",
]

DEFAULT_LEASE = 60.0
MAX_LEASE = 3600.0  # the longest lease taken, and the longest a waiter honours
_FIRST_POLL = 0.0002
_LAST_POLL = 0.05
_HELD = (errno.EEXIST, errno.ENOTEMPTY)
_FILE = re.compile(rf"(?P<token>{TOKEN.pattern})\.(?P<ms>\d+)\.(?P<n>\d+)")


# where a pid means the same process: host name, boot and pid namespace (as writers' tokens)
HERE = HOST


def default_lease() -> float:
    """The lease of soft locks taken without one: ``ARCHIVED_LOCK_LEASE`` seconds, else
    :data:`DEFAULT_LEASE`.

    >>> default_lease() > 0
    True
    """
    text = os.environ.get("ARCHIVED_LOCK_LEASE")
    if not text:
        return DEFAULT_LEASE
    try:
        lease = float(text)
    except ValueError:
        lease = 0.0
    if not 0 < lease <= MAX_LEASE:
        raise ValueError(
            f"ARCHIVED_LOCK_LEASE must be a number of seconds above 0 and at most "
            f"{MAX_LEASE:g}, not {text!r}"
        )
    return lease


def holder_of(name: str) -> tuple[str, int, float] | None:
    """``(place, pid, lease seconds)`` of a lease file name, or ``None`` if it is not one.

    >>> holder_of("0a1b2c3d4e5f-42-0123abcd.1500.7")
    ('0a1b2c3d4e5f', 42, 1.5)
    """
    m = _FILE.fullmatch(name)
    if m is None:
        return None
    return m["host"], int(m["pid"]), int(m["ms"]) / 1000


class SoftLease:
    """The lease directory ``path``, taken for ``lease`` seconds at a time and renewed by
    a thread of this process while held (see the module docs)."""

    def __init__(self, path: str, lease: float) -> None:
        if not 0 < lease <= MAX_LEASE:
            raise ValueError(
                f"a lock's lease must be a number of seconds above 0 and at most "
                f"{MAX_LEASE:g}, not {lease!r}"
            )
        self.path = path
        self.lease = float(lease)
        self.lost = False
        self._holder = new_token()
        self._prefix = f"{self._holder}.{max(1, round(self.lease * 1000))}."
        self._n = 0
        self._owner = 0  # the pid holding it
        self._next = 0.0  # when the renewer renews it next (monotonic)

    @property
    def file(self) -> str:
        """The lease file's current name."""
        return f"{self._prefix}{self._n}"

    def acquire(self, deadline: float | None, timeout: float | None) -> None:
        """Take the lease, waiting until ``deadline`` (monotonic; None: forever), then
        ``LockTimeout`` naming the lease directory and ``timeout``."""
        self._n, self.lost = 0, False
        private = f"{self.path}.{self._holder}"
        os.mkdir(private)
        try:
            _write_holder(os.path.join(private, self.file), self.lease)
            if not self._take(private, deadline, timeout):
                raise LockTimeout(self.path, timeout or 0)
        finally:
            _remove_tree(private)  # gone after a successful rename
        self._owner = os.getpid()
        _RENEWER.add(self)

    def release(self) -> None:
        """Stop renewing and give the lease back (a lease reclaimed meanwhile warns)."""
        _RENEWER.remove(self)
        if self._owner != os.getpid():  # a forked child's copy: the parent holds it
            return
        if not self.lost:
            try:
                os.unlink(os.path.join(self.path, self.file))
            except FileNotFoundError:
                self.lost = True
        try:
            os.rmdir(self.path)
        except OSError:  # taken again already, or never ours
            pass
        if self.lost:
            warnings.warn(
                f"the soft lock {self.path!r} was reclaimed by another process while this "
                f"one held it: it was not renewed within its lease of {self.lease:g} s "
                "(was the process stopped, or the machine suspended?)",
                RuntimeWarning,
                stacklevel=3,
            )

    def renew(self) -> None:
        """Rename the lease file to the next count, so waiters see the holder is alive."""
        old = os.path.join(self.path, self.file)
        new = os.path.join(self.path, f"{self._prefix}{self._n + 1}")
        try:
            os.rename(old, new)
        except FileNotFoundError:
            if not os.path.exists(new):  # (a retransmitted rename over NFS did it)
                self.lost = True
                return
        self._n += 1

    def _take(self, private: str, deadline: float | None, timeout: float | None) -> bool:
        seen: dict[str, float] = {}
        poll = _FIRST_POLL
        while True:
            try:
                os.rename(private, self.path)
                return True
            except OSError as err:
                if err.errno not in _HELD:
                    raise
            if self._reclaimed(seen):
                continue
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                return False
            time.sleep(poll if deadline is None else min(poll, deadline - now))
            poll = min(poll * 2, _LAST_POLL)

    def _reclaimed(self, seen: dict[str, float]) -> bool:
        """Look at the holder; reclaim its lease if it is over.  True: try again now."""
        try:
            names = os.listdir(self.path)
        except FileNotFoundError:
            return True
        if not names:
            return True  # released meanwhile: renaming over an empty directory works
        now = time.monotonic()
        for name in list(seen):
            if name not in names:
                del seen[name]  # renewed (or released): its clock starts again
        for name in names:
            holder = holder_of(name)
            if holder is not None and holder[0] == HERE and not _process_exists(holder[1]):
                over = True  # its process is gone, here: no need to wait for the lease
            else:
                # the holder's promise, but never more than any holder may promise
                lease = min(holder[2], MAX_LEASE) if holder is not None else self.lease
                over = now - seen.setdefault(name, now) >= lease
            if over:
                try:
                    os.unlink(os.path.join(self.path, name))  # exactly the lease seen
                except FileNotFoundError:
                    continue  # renewed or released at the last moment: not broken
                try:
                    os.rmdir(self.path)
                except OSError:
                    pass
                return True
        return False


class _Renewer:
    """One thread per process renewing every lease the process holds."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._held: list[SoftLease] = []
        self._thread: threading.Thread | None = None

    def add(self, lease: SoftLease) -> None:
        with self._cond:
            lease._next = time.monotonic() + lease.lease / 4
            self._held.append(lease)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="archived-lease-renewer", daemon=True
                )
                self._thread.start()
            self._cond.notify()

    def remove(self, lease: SoftLease) -> None:
        with self._cond:  # waits for a renewal in progress
            if lease in self._held:
                self._held.remove(lease)

    def reset(self) -> None:
        """In a forked child: the parent's leases are the parent's to renew."""
        self._cond = threading.Condition()
        self._held = []
        self._thread = None

    def _run(self) -> None:
        with self._cond:
            while True:
                if not self._held:
                    self._cond.wait()
                    continue
                now = time.monotonic()
                for lease in [h for h in self._held if h._next <= now]:
                    lease.renew()
                    lease._next = now + lease.lease / 4
                    if lease.lost:
                        self._held.remove(lease)
                if self._held:
                    self._cond.wait(max(0.0, min(h._next for h in self._held) - now))


_RENEWER = _Renewer()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_RENEWER.reset)


def remove_dead_takers(items: list[os.DirEntry[str]]) -> list[str]:
    """Remove, among the directory entries ``items``, the private directories of soft
    lock takers killed before their rename (``<lock>.lease.<token>``): only those of a
    process of this host (boot and pid namespace) that is gone, holding nothing but its
    own lease file.  Return the paths removed.

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> os.mkdir(os.path.join(folder, ".lock.lease." + new_token()))  # this live process's
    >>> remove_dead_takers(list(os.scandir(folder)))
    []
    """
    removed = []
    for item in items:
        token = item.name.rpartition(".lease.")[2]
        m = TOKEN.fullmatch(token)
        if m is None or m["host"] != HERE or not item.name.endswith(".lease." + token):
            continue  # not a taker's, or one elsewhere: whether it lives is not known
        pid = int(m["pid"])
        if pid == os.getpid() or _process_exists(pid):
            continue
        try:
            if not item.is_dir(follow_symlinks=False):
                continue
            names = os.listdir(item.path)
            if any(name.partition(".")[0] != token or holder_of(name) is None for name in names):
                continue  # not what a taker makes: left alone
            for name in names:
                os.unlink(os.path.join(item.path, name))
            os.rmdir(item.path)
        except OSError:  # removed by another sweeper meanwhile, or not this user's
            continue
        removed.append(item.path)
    return removed


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _write_holder(path: str, lease: float) -> None:
    """The lease file, with who holds it, for a person looking at a stuck lock."""
    record: dict[str, Any] = {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "lease": lease,
        "since": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(fd, json.dumps(record).encode())
    finally:
        os.close(fd)


def _remove_tree(private: str) -> None:
    try:
        for name in os.listdir(private):
            os.unlink(os.path.join(private, name))
        os.rmdir(private)
    except FileNotFoundError:
        pass
