"""A store's entry names kept sorted beside its read-side index (``.index.names``), so
that ``archived ls`` of an unchanged store prints them without sorting them again.

Sorting is the one part of ``ls`` that grows faster than the store: once the names
outgrow the CPU's caches (100,000 of them, on a machine whose other work shares the
caches), visiting them in sorted order costs several cache misses a name, in the sort
and again in the printing, where listing the directory costs the same per name at any
size.  Whoever saves the index (:mod:`archived.store.index`) has just listed the
directory, so it writes here the names in the order the directory gave them and sorted
(:func:`save`).  ``ls`` lists the directory as always and asks :func:`sorted_text`: the
sorted names are served only when the directory gave exactly the names kept, in the
same order (one comparison of two texts, no name looked up or hashed); anything else
(an entry added, removed or renamed, another size, a damaged, truncated or foreign
file, a link, FIFO or device at its name, never opened) gives None, and ``ls`` sorts
the names itself; so does a process whose hash seed is fixed (``PYTHONHASHSEED``),
which cannot tell forged names from the listing's.  The file is an accelerator like
the index: deleting it changes only the time, a writer killed while saving it leaves
the one before (a temporary file renamed into place), and nothing in it is executed.

>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> save(folder, ["b", "a"], ["a", "b"])
>>> sorted_text(folder, ["b", "a"])
'a\\nb\\n'
>>> sorted_text(folder, ["a", "b"]) is None  # listed in another order: sort them
True
"""

from __future__ import annotations

import itertools
import operator
import os
import sys
import zlib
from collections.abc import Sequence

from ..engine.readclose import close_read_only
from ..errors import UnsafeFileError
from .storefiles import open_regular
from .writers import close_quietly, create_locked, discard_temporary, new_token

__all__ = ["NAMES_FILE", "save", "sorted_text"]

#: The file of the sorted names in a store directory (hidden: it is not an entry).
NAMES_FILE = ".index.names"
_MAGIC = b"archived names 1"
_HEAD_MOST = 100  # bytes of the head line at most (the magic and three numbers)
# whether this process's str hashes are keyed by a secret seed: not when PYTHONHASHSEED
# fixed it (0, or a number a job script or container sets), where names whose hashes
# sum as the listing's are found in seconds; sorted_text then serves nothing
_SECRET_SEED = bool(sys.flags.hash_randomization) and os.environ.get(
    "PYTHONHASHSEED", "random"
) in ("", "random")


def _text(names: Sequence[str]) -> bytes:
    # (surrogatepass: what the index does with a lone surrogate; an entry name has none)
    return ("\n".join(names) + "\n").encode("utf-8", "surrogatepass")


def save(folder: str, listed: Sequence[str], ordered: Sequence[str]) -> None:
    """Keep the entry names of ``folder`` as the directory listed them (``listed``) and
    sorted (``ordered``, the same names).  Quietly does nothing where the store cannot
    be written (the file is only an accelerator).

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> save(folder, ["x"], ["x"])
    >>> sorted_text(folder, ["x"])
    'x\\n'
    """
    if not listed:
        return  # ls of an empty store has nothing to sort
    first, second = _text(listed), _text(ordered)
    if len(first) != len(second):
        return  # not the same names (a caller's slip): nothing kept rather than a lie
    head = b"%s %d %d %08x\n" % (_MAGIC, len(listed), len(first), zlib.crc32(second))
    tmp = os.path.join(folder, f".index.{new_token()}.tmp")
    try:
        fd = create_locked(tmp)  # (locked until renamed, as the index file's .tmp)
    except OSError:
        return
    try:
        with open(fd, "wb", closefd=False) as f:
            f.write(head)
            f.write(first)
            f.write(second)
        os.replace(tmp, os.path.join(folder, NAMES_FILE))
    except BaseException as err:  # (an interrupt too)
        discard_temporary(tmp, err)
    finally:
        close_quietly(fd)  # (a failed flush there leaves a file its crc32 refuses)


def sorted_text(folder: str, listed: list[str]) -> str | None:
    """The names ``listed`` (as the directory of store ``folder`` listed them now),
    sorted, one a line, from the file :func:`save` wrote, or None when that file does
    not hold exactly these names in this order (then sort them).

    >>> import tempfile
    >>> sorted_text(tempfile.mkdtemp(), ["a"]) is None  # no file
    True
    """
    if not listed or not _SECRET_SEED:
        return None
    expected = _text(listed)
    size = len(expected)
    try:
        # never through a link, and a FIFO or device is refused before it is opened
        fd = open_regular(folder, NAMES_FILE, "names")
    except (OSError, UnsafeFileError):
        return None
    f = open(fd, "rb")
    try:
        if os.fstat(fd).st_size > 2 * size + _HEAD_MOST:
            return None  # not the file of these names (read no more than they can take)
        data = f.read(2 * size + _HEAD_MOST + 1)
    finally:
        close_read_only(f)  # (nothing written: its close's EIO is no failed read)
    end = data.find(b"\n", 0, _HEAD_MOST)
    head = data[:end].split(b" ")
    if (
        end < 0
        or len(head) != 6
        or b" ".join(head[:3]) != _MAGIC
        or head[3] != b"%d" % len(listed)
        or head[4] != b"%d" % size
        or len(data) != end + 1 + 2 * size
        or not data.startswith(expected, end + 1)  # the listing as the file keeps it
    ):
        return None
    body = memoryview(data)[end + 1 + size :]
    if head[5] != b"%08x" % zlib.crc32(body):
        return None  # damaged
    try:
        text = str(body, "utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return None
    # a checksum is no secret: a crafted file could keep this listing beside other
    # names, listing entries the store does not hold and hiding some it does.  Printed
    # only if they are these names (the sums of their hashes, keyed by this process's
    # secret seed: _SECRET_SEED, agree) in strictly increasing order: one pass over
    # each, in the order they lie in memory, not the sort's visit of the names all over it
    kept = text[:-1].split("\n")
    if (
        len(kept) != len(listed)
        or sum(map(hash, kept)) != sum(map(hash, listed))
        or not all(map(operator.lt, kept, itertools.islice(kept, 1, None)))
    ):
        return None
    return text
