"""Writers of a store: the token naming each one, its hidden files, and whether it is gone.

Every write gets a fresh token ``<host>-<pid>-<random>``.  While it works, a writer
leaves hidden files named after it in the store directory (see :mod:`archived.store.entries`):
``.x_0.<token>.tmp`` (the entry text being written), ``.x_0.<token>.drop`` (the data
files the replaced version used, to delete) and ``.x_0.claim`` (a name reserved by
``_insert``, holding the token).  A writer is *gone* when it ran on this host and its
process no longer exists, or when its file is older than :data:`GRACE_SECONDS`.

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
import re
import secrets
import socket
import time
import zlib
from collections.abc import Iterable, Iterator
from typing import NamedTuple

__all__ = [
    "GRACE_SECONDS",
    "DATA_FILE",
    "new_token",
    "writer_file",
    "WriterFile",
    "store_files",
    "writer_files",
    "writer_gone",
    "read_drop_list",
]

# A writer's leftovers younger than this are kept even if its liveness cannot be proved
# (another host on a shared filesystem): it may still be writing a big array.
GRACE_SECONDS = 3600.0

_TOKEN_SHAPE = r"(?P<host>[0-9a-f]{6})-(?P<pid>\d+)-[0-9a-f]{8}"
TOKEN = re.compile(_TOKEN_SHAPE)
# The data files a writer writes under its token: ``<entry>.<token>[-info].h5``, and the
# array writer's temporary ``.h5.tmp<pid>`` before it is renamed into place.
DATA_FILE = re.compile(
    rf"(?P<name>[A-Za-z_]\w*)\.(?P<token>{_TOKEN_SHAPE})(?:-info)?\.h5(?:\.tmp\d+)?"
)
HOST = format(zlib.crc32(socket.gethostname().encode()) & 0xFFFFFF, "06x")


def new_token() -> str:
    """A fresh ``<host>-<pid>-<random>`` token naming this writer.

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
    if not filename.startswith("."):
        return None
    parts = filename[1:].split(".")
    if len(parts) == 3 and parts[2] in ("tmp", "drop"):
        return parts[0], parts[1], parts[2]
    if len(parts) == 2 and parts[1] == "claim":
        return parts[0], None, "claim"
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
        if token is None:
            token = _claim_token(item)
            if token is None:
                continue
        yield WriterFile(item, name, token, kind, writer_gone(token, item, now))


def writer_gone(token: str, item: os.DirEntry[str], now: float) -> bool:
    """Whether the writer ``token`` whose file is ``item`` is gone (as of time ``now``).

    Gone: ``item`` is older than :data:`GRACE_SECONDS`, or the writer ran on this host
    and its process no longer exists.  A writer on another host is alive until then.

    >>> import os, tempfile, time
    >>> folder = tempfile.mkdtemp()
    >>> token = new_token()
    >>> open(os.path.join(folder, f'.x.{token}.tmp'), 'w').close()
    >>> [writer_gone(token, item, time.time()) for item in os.scandir(folder)]
    [False]
    """
    try:
        if now - item.stat(follow_symlinks=False).st_mtime > GRACE_SECONDS:
            return True
    except OSError:
        return False
    m = TOKEN.fullmatch(token)
    if m is None or m["host"] != HOST:
        return False
    pid = int(m["pid"])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def read_drop_list(path: str) -> list[str]:
    """The data file names listed in the ``.drop`` file at ``path`` ([] if unreadable).

    >>> import json, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), '.x.0a1b2c-1-0a1b2c3d.drop')
    >>> json.dump(['x.0a1b2c-1-00000000.h5'], open(path, 'w'))
    >>> read_drop_list(path), read_drop_list(path + '-missing')
    (['x.0a1b2c-1-00000000.h5'], [])
    """
    try:
        with open(path, encoding="utf-8") as f:
            files = json.load(f)
    except (OSError, ValueError):
        return []
    return [f for f in files if isinstance(f, str)] if isinstance(files, list) else []


def _claim_token(item: os.DirEntry[str]) -> str | None:
    try:
        if item.is_symlink():
            return os.readlink(item.path)
        with open(item.path, encoding="utf-8") as f:
            return f.read().strip()
    except (OSError, UnicodeDecodeError):
        return None
