"""A file a command writes for the user (``export -o FILE``), replaced whole or not at all.

Opening ``FILE`` for writing truncated the table an earlier export wrote there, so an
export that a full disk, an interrupt or a kill stopped half-way left neither table:
the earlier one was gone and the new one cut short.  :func:`replacing` writes a
temporary file beside it and renames it onto ``FILE`` once it is whole; stopped, the
temporary file is removed and ``FILE`` is as it was.  What is not a plain file of its
own (a device or a FIFO such as ``/dev/stdout``, a file with other hard links) is
written in place, as before; a symbolic link is followed to the file it names.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), 'table.csv')
>>> with replacing(path) as f:
...     _ = f.write('a,b\\n')
>>> open(path).read()
'a,b\\n'
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from typing import TextIO

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
    target = os.path.realpath(path)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    if st is not None and (not stat.S_ISREG(st.st_mode) or st.st_nlink > 1):
        with _open(path, "w") as f:
            yield f
        return
    folder, name = os.path.split(target)
    tmp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
    try:
        f = _open(tmp, "x")
    except OSError:  # a folder this user may not write in, though the file may be
        with _open(path, "w") as f:
            yield f
        return
    try:
        with f:
            yield f
        if st is not None:
            os.chmod(tmp, stat.S_IMODE(st.st_mode))  # (as writing it in place kept it)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _open(path: str, mode: str) -> TextIO:
    file = open(path, mode, newline="", encoding="utf-8", errors="backslashreplace")
    return file  # type: ignore[return-value]  # (a text mode: a TextIOWrapper)
