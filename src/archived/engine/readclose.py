"""Closing a file that was only read: its close's error is no failure of the read.

Linux frees a descriptor even when ``close`` reports an error, which a network or FUSE
file system does (EIO, a failed flush).  A descriptor a file was only read through has
nothing of the user's to flush: every byte read was returned whole by its ``read``, and
nothing was written, so nothing can be lost.  Raised, that error failed a read that
succeeded (a cache hit, a table, verify), as a bare ``OSError`` naming no file; it is
ignored here.  ``EBADF`` (a descriptor closed twice) is a bug, and raised.

>>> import os, tempfile
>>> fd = os.open(tempfile.mkdtemp(), os.O_RDONLY)
>>> close_read_only(fd)
>>> close_read_only(fd)
Traceback (most recent call last):
    ...
OSError: [Errno 9] Bad file descriptor
"""

from __future__ import annotations

import errno
import os
from typing import IO, Any

__all__ = ["close_read_only"]


def close_read_only(file: int | IO[Any]) -> None:
    """Close ``file`` (a descriptor, or a file object), opened only to read; ignore the
    error its close reports unless it is ``EBADF``."""
    try:
        if isinstance(file, int):
            os.close(file)
        else:
            file.close()
    except OSError as err:
        if err.errno == errno.EBADF:
            raise
