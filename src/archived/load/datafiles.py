"""Arrays of data files, read by a safe load only as the store wrote them.

The engine writes each big array as contiguous bytes inside an HDF5 file (or, with
``compress=``, as zlib chunks) and appends an index saying where they lie
(:mod:`archived.engine.hdf5`).  A safe load reads an array
only through that index: the bytes must lie inside the file itself, and HDF5 (PyTables)
never sees the file.  So nothing HDF5 could be told to do -- external storage, virtual
datasets, external links, filters that inflate a small file into terabytes -- can happen
in a safe load; an array the index does not describe is refused.

The file name must be a plain name inside the data directory, and the file a regular
file (opened without following a symbolic link).  The array's size is charged to the
budget before a byte of it is read, and so is the memory its index takes once parsed.
A file raises the budget by what the disk holds of it (its blocks), not by its size
alone: the holes of a sparse file, and what a compressing filesystem saved, count for
at most :data:`~archived.load.budget.UNHELD_BYTES` in one load
(:meth:`~archived.load.budget.Budget.allow_file`).

>>> from archived.load.budget import Limits
>>> safe_load_array(Limits().budget(100), '../etc/passwd', 'a0')
Traceback (most recent call last):
    ...
archived.errors.UnsafeArchiveError: unsafe archive: array file '../etc/passwd' ...
"""

from __future__ import annotations

import math
import os
import stat
import zlib
from typing import Any

import numpy as np

from ..engine.readclose import close_read_only
from ..errors import DamagedArrayError, StoreReadError, UnsafeArchiveError, is_read_failure
from .budget import Budget

__all__ = ["safe_load_array"]

_MAX_DTYPE_TEXT = 2**16  # longer dtype texts in an index are not the engine's
# json.loads takes up to ~24 bytes of objects per byte of text ('[{},{},...]'), with room
_INDEX_BYTES_PER_BYTE = 32
_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
_FLAGS |= getattr(os, "O_CLOEXEC", 0)


def safe_load_array(budget: Budget, filename: Any, key: Any, digest: Any = None) -> np.ndarray:
    """The array ``key`` of the data file ``filename``, read through the file's index,
    checked against ``digest`` as :func:`archived.engine.hdf5.load_array` checks it (a
    digest that is not 32 lowercase hex digits is refused before the file is opened).

    ``filename`` is relative to the data directory of the load (see
    :func:`archived.engine.hdf5.using_datadir`), else the current directory.
    """
    from ..engine.arraydigest import is_digest
    from ..engine.hdf5 import _DATADIR

    if not isinstance(filename, str) or not isinstance(key, str):
        raise _refuse(f"load_array({filename!r:.60}, {key!r:.60}) (file and key must be str)")
    if digest is not None and not is_digest(digest):
        shown = repr(digest)[:80] if isinstance(digest, str) else f"a {type(digest).__name__}"
        raise _refuse(f"array digest {shown} (not 32 hex digits, as the store writes it)")
    if not _plain_name(filename):
        raise _refuse(
            f"array file {filename!r:.80} (not a plain file name inside the store directory)"
        )
    if len(key) > 64 or not key.isprintable():
        raise _refuse(f"array key {key!r:.80} (not a key the store writes)")
    folder = os.path.abspath(_DATADIR.get() or os.getcwd())
    path = os.path.join(folder, filename)
    try:
        # never opened unless a regular file: the source may name any file of the store,
        # not only those its header lists (which were checked so), and opening a device
        # node runs its driver; the fstat below checks again (a swap since)
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        raise DamagedArrayError(path, key, "no such file") from None
    except OSError as err:
        if is_read_failure(err):  # a failing disk: no damage, the entry stays
            raise StoreReadError.of(err, path) from err
        raise DamagedArrayError(path, key, f"cannot examine the file ({err})") from err
    if stat.S_ISLNK(mode):
        raise _refuse(f"array file {filename!r} (a symbolic link; it may point outside)")
    if not stat.S_ISREG(mode):
        raise _refuse(f"array file {filename!r} (not a regular file: {_kind(mode)})")
    try:
        fd = os.open(path, _FLAGS)
    except FileNotFoundError:
        raise DamagedArrayError(path, key, "no such file") from None
    except OSError as err:
        if is_read_failure(err):
            raise StoreReadError.of(err, path) from err
        if os.path.islink(path):
            raise _refuse(
                f"array file {filename!r} (a symbolic link; it may point outside)"
            ) from None
        raise DamagedArrayError(path, key, f"cannot open the file ({err})") from err
    try:
        return _read_file(budget, fd, path, filename, key, digest)
    except OSError as err:
        if isinstance(err, StoreReadError) or not is_read_failure(err):
            raise
        raise StoreReadError.of(err, path) from err


def _read_file(
    budget: Budget, fd: int, path: str, filename: str, key: str, digest: str | None
) -> np.ndarray:
    f = open(fd, "rb", buffering=0)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _refuse(f"array file {filename!r} (not a regular file)")
        # st_blocks counts 512-byte units on Linux and macOS; without it nothing is held
        held = getattr(info, "st_blocks", 0) * 512
        budget.allow_file(path, info.st_size, held, file=(info.st_dev, info.st_ino))
        note = "" if held >= info.st_size else _held_note(filename, held, info.st_size)
        return _read(budget, f, path, filename, key, note, digest)
    finally:
        close_read_only(f)  # (nothing written: its close's EIO is no failed read)


def _read(
    budget: Budget, f: Any, path: str, filename: str, key: str, note: str, digest: str | None
) -> np.ndarray:
    from ..engine.arraydigest import DigestMismatch
    from ..engine.hdf5 import _MMAP, _layout, _read_indexed

    index, data_end = _index(budget, f, path, key, filename, note)
    entry = index.get(key)
    if not isinstance(entry, dict):
        raise _refuse(
            f"array {key!r:.60} of {filename!r}, which the file's index does not describe "
            "(a safe load reads arrays only as the store writes them, plain or zlib-compressed, "
            "never through HDF5: one written with compress='blosc:...' or another PyTables "
            "library loads only trusted)"
        )
    try:
        text = entry["dtype"]
        if not isinstance(text, str) or len(text) > _MAX_DTYPE_TEXT:
            raise ValueError("a dtype that is not the engine's")
        dtype, shape, _ = _layout(text, entry["shape"], entry["order"])
        nbytes = int(entry["nbytes"])
        expected = math.prod(shape) * dtype.itemsize
        if nbytes != expected:
            raise ValueError(f"{nbytes} bytes for {expected} bytes of data")
        offset = int(entry.get("offset") or 0)
        # a compressed array's chunks are each checked to lie inside the data, and to
        # inflate to exactly their size, as they are read (engine.compression)
        if nbytes and "chunks" not in entry and not 0 <= offset <= offset + nbytes <= data_end:
            raise ValueError(f"bytes {offset}..{offset + nbytes} lie outside the data")
    except TypeError as err:  # a dtype holding references
        raise _refuse(f"array {key!r} of {filename!r}: {err}") from None
    except (ValueError, KeyError, SyntaxError, RecursionError, MemoryError) as err:
        raise DamagedArrayError(path, key, f"inconsistent index ({err!r:.80})") from None
    mmap_mode = _MMAP.get()
    if mmap_mode is None or "chunks" in entry or entry.get("as") is not None:
        # read into memory (a memory map, as _read_indexed makes one, allocates nothing:
        # its pages are the file's, read when touched)
        copies = 2 if entry.get("as") is not None else 1  # StringDType: converted once more
        _charge(budget, copies * nbytes, f"array {key!r} in {filename!r}", note)
    try:
        return _read_indexed(f, entry, data_end, mmap_mode, digest, key)
    except DigestMismatch as err:
        raise DamagedArrayError(path, key, str(err)) from None
    except (ValueError, TypeError, KeyError, OSError, zlib.error) as err:
        if is_read_failure(err):
            raise StoreReadError.of(err, path) from err
        raise DamagedArrayError(path, key, f"inconsistent data ({err})") from err


def _index(
    budget: Budget, f: Any, path: str, key: str, filename: str, note: str
) -> tuple[dict[str, Any], int]:
    """The index of the open data file ``f`` and where its data ends, parsed once a load.

    What the parse takes is charged first, and kept while the load lasts: an entry of a
    thousand arrays of one file parsed its index a thousand times, a time as long as the
    product of the source's size and the file's.
    """
    from ..engine.hdf5 import _read_trailer

    st = os.fstat(f.fileno())
    stamp = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    known = budget.indexes.get(path)
    if known is not None and known[0] == stamp:
        return known[1], known[2]
    cost = _INDEX_BYTES_PER_BYTE * _index_length(f)
    _charge(budget, cost, f"the index of {filename!r}", note)
    try:
        index, data_end = _read_trailer(f)
    except (OSError, ValueError, TypeError, KeyError, RecursionError) as err:
        if is_read_failure(err):
            raise StoreReadError.of(err, path) from err
        raise DamagedArrayError(path, key, f"unreadable index ({err!r:.80})") from None
    budget.indexes[path] = (stamp, index, data_end)
    return index, data_end


def _index_length(f: Any) -> int:
    """The length of the index that the tail of the open data file ``f`` claims (0: none)."""
    from ..engine.hdf5 import _TRAILER_MAGIC, _TRAILER_TAIL

    size = f.seek(0, os.SEEK_END)
    if size < _TRAILER_TAIL:
        return 0
    f.seek(size - _TRAILER_TAIL)
    tail = f.read(_TRAILER_TAIL)
    if tail[12:] != _TRAILER_MAGIC:
        return 0
    return min(int.from_bytes(tail[4:12], "little"), size)


def _charge(budget: Budget, n: int, what: str, note: str) -> None:
    """Charge ``n`` bytes for ``what``; a refusal says how little of the file is on disk."""
    budget.charge_bytes(n, f"{what} ({note})" if note else what)


def _held_note(filename: str, held: int, size: int) -> str:
    """Why a data file whose disk holds ``held`` of its ``size`` bytes raised the budget
    by less than its size."""
    return (
        f"its file holds {held} bytes on disk for a size of {size}: the rest are the holes "
        "of a sparse file or a compressing filesystem's savings"
    )


def _plain_name(name: str) -> bool:
    return (
        bool(name)
        and name not in (".", "..")
        and "/" not in name
        and "\\" not in name
        and os.sep not in name
        and "\0" not in name
        and not os.path.isabs(name)
        and name.isprintable()
    )


def _kind(mode: int) -> str:
    """Why a file of ``mode`` (from ``lstat``) is no array file."""
    for test, word in (
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a directory"),
    ):
        if test(mode):
            return word
    return "a special file"


def _refuse(construct: str) -> UnsafeArchiveError:
    return UnsafeArchiveError(None, construct)
