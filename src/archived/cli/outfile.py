"""A file a command writes for the user (``export -o FILE``), replaced whole or not at all.

Opening ``FILE`` for writing truncated the table an earlier export wrote there, so an
export that a full disk, an interrupt or a kill stopped half-way left neither table:
the earlier one was gone and the new one cut short.  :func:`replacing` writes a
temporary file beside it and renames it onto ``FILE`` once it is whole; stopped, the
temporary file is removed and ``FILE`` is as it was.  What is not a plain file of its
own (a device or a FIFO such as ``/dev/stdout``, a file with other hard links) is
written in place, as before; a symbolic link is followed to the file it names.

A process killed before the rename (``SIGKILL``, a machine losing power) cannot remove its
temporary file.  Its name, ``.FILE.<host>-<pid>-<random>.tmp``, says which process wrote
it (the token of :mod:`archived.store.writers`), so the next export to ``FILE`` removes
those whose process, on this host, no longer exists; any other stays (a process still
writing, one on another machine sharing the folder, a file of another program).

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), 'table.csv')
>>> with replacing(path) as f:
...     _ = f.write('a,b\\n')
>>> open(path).read()
'a,b\\n'
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import time
import warnings
from collections.abc import Iterator
from typing import TextIO

from ..errors import ArchiveError, OutputFileError
from ..store.storefiles import TOKEN
from ..store.writers import HOST, fsync_dir, new_token, writer_gone

__all__ = ["replacing"]


@contextlib.contextmanager
def replacing(path: str) -> Iterator[TextIO]:
    """A text file (UTF-8, newlines as written) that becomes ``path`` once the block
    ends without an error; ``path`` is left as it was otherwise.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), 'out.csv')
    >>> open(path, 'w').write('kept\\n')
    5
    >>> try:
    ...     with replacing(path) as f:
    ...         _ = f.write('half')
    ...         raise OSError(28, 'No space left on device')
    ... except OSError:
    ...     pass
    >>> open(path).read(), sorted(os.listdir(os.path.dirname(path)))
    ('kept\\n', ['out.csv'])
    """
    try:
        target = os.path.realpath(path)
        try:
            st = os.stat(target)
        except FileNotFoundError:
            st = None
    except OSError as err:
        raise OutputFileError.of(err, path) from err
    if st is not None and (not stat.S_ISREG(st.st_mode) or st.st_nlink > 1):
        with _in_place(path) as f:
            yield f
        return
    folder, name = os.path.split(target)
    _remove_dead_temporaries(folder, name)
    tmp = os.path.join(folder, f".{name}.{new_token()}.tmp")
    try:
        f = _open(tmp, "x")
    except PermissionError:  # a folder this user may not write in, though the file may be
        with _in_place(path) as f:
            yield f
        return
    except OSError as err:
        # (a full disk, a failing one: written in place, the earlier table would be
        # truncated first, then cut short by the same failure)
        raise OutputFileError.of(err, path) from err
    try:
        with f:
            yield f
            f.flush()
            os.fsync(f.fileno())  # whole on disk before it takes the earlier file's place
        if st is not None:
            os.chmod(tmp, stat.S_IMODE(st.st_mode))  # (as writing it in place kept it)
        os.replace(tmp, target)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(err, OSError) and not isinstance(err, ArchiveError):
            # a write's error names no file ("No space left on device" alone left the
            # user to guess which disk, the store's or the table's, was full)
            raise OutputFileError.of(err, path) from err
        raise
    _sync_folder(folder, path)


def _sync_folder(folder: str, path: str) -> None:
    """Make the rename of the table onto ``path`` durable (its folder synced); a folder
    that cannot be synced is told, not an error: the table is whole in place, only a
    crash or power cut before the disk writes the folder could bring the earlier back."""
    try:
        fsync_dir(folder)
    except OSError as err:
        if err.errno in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            return  # a file system that does not sync folders (some FUSE, SMB mounts)
        warnings.warn(
            f"the table is written to {path}, but syncing its folder failed ({err}): "
            "until the disk is synced, a crash or power cut may bring the earlier file "
            "back; a failing sync is a failing disk or file system: check it",
            RuntimeWarning,
            stacklevel=2,
        )


@contextlib.contextmanager
def _in_place(path: str) -> Iterator[TextIO]:
    """``path`` opened for writing in place (truncated): a device, a FIFO, a file with
    other hard links, or one in a folder this user may not write in."""
    try:
        f = _open(path, "w")
    except OSError as err:
        raise OutputFileError.of(err, path) from err
    try:
        with f:
            yield f
    except OSError as err:
        if isinstance(err, ArchiveError):
            raise
        raise OutputFileError.of(err, path, kept=False) from err


def _remove_dead_temporaries(folder: str, name: str) -> None:
    """Remove the temporary files of ``name`` in ``folder`` that a process of this host,
    gone now, left (killed before its rename): only plain files of exactly that shape."""
    prefix = f".{name}."
    try:
        with os.scandir(folder) as items:
            found = [i for i in items if i.name.startswith(prefix) and i.name.endswith(".tmp")]
    except OSError:
        return
    now = time.time()
    for item in found:
        token = item.name[len(prefix) : -len(".tmp")]
        m = TOKEN.fullmatch(token)
        if m is None or m["host"] != HOST:  # not ours to judge: its process is elsewhere
            continue
        try:
            if item.is_file(follow_symlinks=False) and writer_gone(token, item, now):
                os.unlink(item.path)
        except OSError:  # removed by another export meanwhile, or not this user's
            continue


def _open(path: str, mode: str) -> TextIO:
    file = open(path, mode, newline="", encoding="utf-8", errors="backslashreplace")
    return file  # type: ignore[return-value]  # (a text mode: a TextIOWrapper)
