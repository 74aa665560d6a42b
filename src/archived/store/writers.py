"""Writers of a store: the token naming each one, its hidden files, and whether it is gone.

Every write gets a fresh token ``<host>-<pid>-<random>``.  While it works, a writer
leaves hidden files named after it in the store directory (see :mod:`archived.store.entries`):
``.x_0.<token>.tmp`` (the entry text being written), ``.x_0.<token>.drop`` (the data
files the replaced version used, to delete) and ``.x_0.claim`` (a name reserved by
``_insert``, holding the token).

``<host>`` names where the writer's pid means something: six hex digits of the host
name, then six of the kernel's boot id and the writer's pid namespace, so two containers
that share a host name but not their pids have different hosts.  A writer is *gone* when

* it ran here (same host name, boot and pid namespace) and its process no longer
  exists (however old its files: a live one may write for hours), or
* it ran under this host name in another pid namespace (or boot) and its ``.tmp`` file
  is not locked (however old it is, in a store that trusts ``flock``), or
* it ran elsewhere and its file is older than :data:`GRACE_SECONDS`.

For the second: every writer holds an ``flock`` on its ``.tmp`` from creating it to
committing it (:func:`create_locked`), which the kernel drops when the writer dies,
whatever pid namespace it ran in.  Only a sweeper of a store that trusts ``flock`` acts
on that proof, and only while it holds the lock itself (:func:`remove_if_unlocked`).
A writer here is judged by its pid alone: its ``.tmp`` is unlocked for a moment after it
is created, and the leftovers of a dead one whose pid another process took wait for it.

A writer on another host is alive until the grace period is over, and so is one whose
token predates the pid namespace in it (six hex digits of host name only).

This is the one place that tells a writer's files and its liveness: the sweep on open
(:mod:`archived.store.leftovers`) and :func:`~archived.store.integrity.verify` both ask it.

>>> writer_file('.x_0.0a1b2c-1-0a1b2c3d.tmp')
('x_0', '0a1b2c-1-0a1b2c3d', 'tmp')
>>> writer_file('x_0.py') is None
True
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import stat
import time
import zlib
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from ..errors import StoreReadError
from .storefiles import DATA_FILE, SHAPES, TOKEN, read_small_file

__all__ = [
    "GRACE_SECONDS",
    "DATA_FILE",
    "new_token",
    "fsync_dir",
    "writer_file",
    "WriterFile",
    "store_files",
    "writer_files",
    "writer_gone",
    "close_quietly",
    "create_locked",
    "remove_if_unlocked",
    "discard_temporary",
    "from_elsewhere_here",
    "read_drop_list",
]

# A writer's leftovers younger than this are kept even if its liveness cannot be proved
# (another host on a shared filesystem): it may still be writing a big array.
GRACE_SECONDS = 3600.0


def fsync_dir(folder: str) -> None:
    """Make the renames and removals in directory ``folder`` durable.

    >>> import tempfile
    >>> fsync_dir(tempfile.mkdtemp())
    """
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _this_host() -> str:
    """Where this process's pid means something: host name, then boot and pid namespace."""
    name = format(zlib.crc32(socket.gethostname().encode()) & 0xFFFFFF, "06x")
    parts = []
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as f:
            parts.append(f.read().strip())
    except OSError:
        pass
    try:
        ns = os.stat("/proc/self/ns/pid")
        parts.append(f"{ns.st_dev}:{ns.st_ino}")
    except OSError:  # no /proc (macOS): one pid namespace per host name
        pass
    return name + format(zlib.crc32("\0".join(parts).encode()) & 0xFFFFFF, "06x")


HOST = _this_host()


def new_token() -> str:
    """A fresh ``<host>-<pid>-<random>`` token naming this writer (see :func:`_this_host`).

    >>> TOKEN.fullmatch(new_token()) is not None
    True
    """
    return f"{HOST}-{os.getpid()}-{secrets.token_hex(4)}"


def writer_file(filename: str) -> tuple[str, str | None, str] | None:
    """Split a writer's hidden file name into ``(entry, token, kind)``, else None.

    ``kind`` is ``'tmp'``, ``'drop'`` or ``'claim'``; a claim's name holds no token
    (None: the token is its content, see :func:`writer_files`).

    >>> writer_file('.x_0.claim'), writer_file('.x_0.0a1b2c-1-0a1b2c3d.drop')
    (('x_0', None, 'claim'), ('x_0', '0a1b2c-1-0a1b2c3d', 'drop'))
    """
    if filename[:1] != ".":  # every writer's file is hidden: an entry's is not
        return None
    for kind in ("tmp", "drop", "claim"):
        if SHAPES[kind].fullmatch(filename):
            parts = filename[1:].split(".")
            return parts[0], (parts[1] if kind != "claim" else None), kind
    return None


class WriterFile(NamedTuple):
    """A hidden file of a writer found in a store, and whether that writer is gone."""

    item: os.DirEntry[str]
    entry: str
    token: str
    kind: str
    gone: bool


def store_files(folder: str) -> list[os.DirEntry[str]]:
    """The files and symbolic links directly in ``folder`` (no directories).

    >>> import tempfile
    >>> store_files(tempfile.mkdtemp())
    []
    """
    with os.scandir(folder) as it:
        return [item for item in it if item.is_file(follow_symlinks=False) or item.is_symlink()]


def writer_files(items: Iterable[os.DirEntry[str]]) -> Iterator[WriterFile]:
    """The writers' hidden files among ``items``, each with whether its writer is gone.

    A claim's token is read from the claim (a symbolic link to it, or a file holding
    it); an unreadable claim is passed over.

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> os.symlink(new_token(), os.path.join(folder, '.x_0.claim'))
    >>> [(w.entry, w.kind, w.gone) for w in writer_files(store_files(folder))]
    [('x_0', 'claim', False)]
    """
    now = time.time()
    for item in items:
        parsed = writer_file(item.name)
        if parsed is None:
            continue
        name, token, kind = parsed
        if kind != "claim" and not item.is_file(follow_symlinks=False):
            continue  # not a writer's file: verify reports it as unsafe
        if token is None:
            token = _claim_token(item)
            if token is None:
                continue
        yield WriterFile(item, name, token, kind, writer_gone(token, item, now))


def writer_gone(token: str, item: os.DirEntry[str], now: float) -> bool:
    """Whether the writer ``token`` whose file is ``item`` is gone (as of time ``now``).

    Gone: ``item`` is older than :data:`GRACE_SECONDS`, or the writer ran here (this
    host, boot and pid namespace) and its process no longer exists.  Any other writer
    is alive until then, unless a sweeper proves it dead by its lock
    (:func:`remove_if_unlocked`).

    >>> import os, tempfile, time
    >>> folder = tempfile.mkdtemp()
    >>> token = new_token()
    >>> open(os.path.join(folder, f'.x.{token}.tmp'), 'w').close()
    >>> [writer_gone(token, item, time.time()) for item in os.scandir(folder)]
    [False]
    """
    m = TOKEN.fullmatch(token)
    if m is not None and m["host"] == HOST:
        # its process tells, never its file's age: a write of a big array may take longer
        # than the grace period, and a shared filesystem's clock is not this one (a live
        # writer's files were deleted under it once they looked an hour old)
        pid = int(m["pid"])
        if pid == os.getpid():
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except (PermissionError, OverflowError):
            return False
        return False
    try:
        old = now - item.stat(follow_symlinks=False).st_mtime > GRACE_SECONDS
    except OSError:
        return False
    # a writer of this host name in another pid namespace holds its .tmp locked while it
    # lives, however old the file looks
    return old and not (
        item.name.endswith(".tmp") and from_elsewhere_here(token) and _held(item.path)
    )


def _held(path: str) -> bool:
    """Whether a writer holds the lock of its file ``path`` (False if it cannot be told)."""
    try:
        import fcntl

        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK)
    except (ImportError, OSError):
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
    return False


def from_elsewhere_here(token: str) -> bool:
    """Whether ``token`` names a writer of this host name whose pid is not ours to look
    up (another pid namespace or boot), which holds its ``.tmp`` locked while it lives.

    >>> other_namespace = HOST[:6] + '000000-1-0a1b2c3d'
    >>> from_elsewhere_here(new_token()), from_elsewhere_here(other_namespace)
    (False, True)
    """
    m = TOKEN.fullmatch(token)
    host = m["host"] if m is not None else ""
    return len(host) == 12 and host != HOST and host[:6] == HOST[:6]


def create_locked(path: str) -> int:
    """Create ``path`` exclusively and hold an ``flock`` on it; return the descriptor.

    The lock proves this writer alive to sweepers in any pid namespace until the
    descriptor is closed (or the process dies).  A sweeper that took the file for a
    dead writer's between its creation and its locking removed it: it is made again.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), '.x.t.tmp')
    >>> fd = create_locked(path)
    >>> remove_if_unlocked(path, [])  # held: not removed
    >>> os.close(fd)
    >>> remove_if_unlocked(path, [])
    ['.x.t.tmp']
    """
    while True:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            if _lock_and_check(fd, path, blocking=True):
                return fd
        except BaseException:
            os.close(fd)
            # ours (made by O_EXCL under this writer's token): a failed check of it (an
            # EIO of its stat) left it for a sweeper, as a dead writer's leftover
            try:
                os.unlink(path)
            except OSError:
                pass
            raise
        os.close(fd)


def remove_if_unlocked(path: str, also: Iterable[str]) -> list[str] | None:
    """Remove the writer file ``path`` and the files ``also`` (beside it) if no writer
    holds its lock, holding the lock while removing; return the names removed, or None
    if a writer holds it (or it cannot be told: no ``flock`` here)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode) or not _lock_and_check(fd, path):
            return None
        folder = os.path.dirname(path)
        removed = [f for f in also if _unlink(os.path.join(folder, f))]
        if _unlink(path):
            removed.append(os.path.basename(path))
        return removed
    finally:
        os.close(fd)


def _lock_and_check(fd: int, path: str, *, blocking: bool = False) -> bool:
    """Lock ``fd`` and check it is still the file at ``path``; False if it is not, or
    if the lock is held by another (not ``blocking``) or not supported here."""
    try:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (ImportError, OSError):
        return blocking  # a writer goes on unlocked; a sweeper proves nothing
    try:
        here = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (here.st_dev, here.st_ino) == (held.st_dev, held.st_ino)


def discard_temporary(tmp: str, err: BaseException) -> None:
    """After ``err`` stopped the write of the temporary file ``tmp`` (a reader saving
    the index, say): remove ``tmp``, and raise ``err`` again unless it is an ``OSError``
    (a failed write, that the caller takes for "not saved").  An interrupt (Ctrl-C)
    removes it too: only a writer opening the store or repair would remove it later, and
    a store that is only read may never see either.

    >>> import os, tempfile
    >>> tmp = os.path.join(tempfile.mkdtemp(), ".x.tmp")
    >>> open(tmp, "w").close()
    >>> discard_temporary(tmp, OSError("disk full")); os.path.exists(tmp)
    False
    """
    try:
        os.unlink(tmp)
    except OSError:
        pass
    if not isinstance(err, OSError):
        raise err


def close_quietly(fd: int) -> None:
    """Close ``fd``, the descriptor of a file whose loss costs nothing (a lock file, the
    index, saved again when it is missed), and never raise: Linux frees a descriptor
    even when ``close`` reports an error (a network or FUSE file system reports a failed
    flush there, EIO), which raised would fail the read or the call that saved it.

    >>> import os, tempfile
    >>> fd = os.open(tempfile.mkdtemp(), os.O_RDONLY)
    >>> close_quietly(fd); close_quietly(fd)  # (the second: EBADF, said nothing)
    """
    try:
        os.close(fd)
    except OSError:
        pass


def _unlink(path: str) -> bool:
    try:
        os.unlink(path)
        return True
    except FileNotFoundError:
        return False


def read_drop_list(folder: str, name: str) -> list[str]:
    """The data file names listed in the ``.drop`` file ``name`` ([] if missing or not
    a drop list; :class:`~archived.errors.StoreReadError` if the disk fails reading it).

    The drop file is read through :func:`~archived.store.storefiles.read_small_file`
    (no link followed, no FIFO opened); the names it lists are *not* checked here:
    every caller checks each name before touching the file it names.

    >>> import json, os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> name = '.x.0a1b2c-1-0a1b2c3d.drop'
    >>> json.dump(['x.0a1b2c-1-00000000.h5'], open(os.path.join(folder, name), 'w'))
    >>> read_drop_list(folder, name), read_drop_list(folder, name + '-missing')
    (['x.0a1b2c-1-00000000.h5'], [])
    """
    try:
        files = json.loads(read_small_file(folder, name, "drop"))
    except StoreReadError:  # a failing disk: what it lists is unknown, not nothing
        raise
    except (OSError, ValueError):  # missing, unsafe (UnsafeFileError is a ValueError), bad
        return []
    return [f for f in files if isinstance(f, str)] if isinstance(files, list) else []


def _claim_token(item: os.DirEntry[str]) -> str | None:
    try:
        if item.is_symlink():
            return os.readlink(item.path)
        folder = os.path.dirname(item.path)
        return read_small_file(folder, item.name, "claim").strip()
    except (OSError, ValueError):
        return None
