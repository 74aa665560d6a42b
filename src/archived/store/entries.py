"""Entries of a store on disk: the entry file format and its atomic commit.

One entry ``x_0`` is one file ``x_0.py`` in the store directory, plus the HDF5 files its
big arrays went to.  The entry file is readable Python source in two sections, so the
info record loads without touching the value::

    # archived entry 'x_0', format 1, data files: ['x_0.5f3a1c-4211-9e0b77d2.h5']
    # ---- info ----
    info = (10, 1.2)
    # ---- value ----
    from archived.engine.hdf5 import load_array as _load_array
    x_0 = _load_array('x_0.5f3a1c-4211-9e0b77d2.h5', 'a0', digest='9c1e...')

Each section is the source an :class:`~archived.engine.archive.Archive` writes; the info
section defines ``info``, the value section defines the entry's name.  Data file names
are ``<entry>.<token>.h5`` (value) and ``<entry>.<token>-info.h5`` (info), where the
token ``<host>-<pid>-<random>`` is fresh for every write and names the writer.

**Commit protocol** (:func:`commit_entry`): open a hidden temporary file
``.x_0.<token>.tmp``; write the data files (fsynced by the array writer); write the
entry text to the temporary file and fsync it; under the store lock, ``os.replace`` it
onto ``x_0.py``; fsync the directory; then delete (or, with ``backup_data``, move to
``.backup/``) the data files only the replaced version used.  A reader sees the old
entry or the new one, never a mix.  Inside :func:`~archived.store.groupsync.grouped`, a new
entry of one page or less is neither synced before its rename nor followed by a directory
sync: the group syncs them all at once (what a power cut can leave meanwhile is said
there).  A writer killed at any instant leaves at most
hidden files (``.tmp``, ``.claim``, ``.drop``) naming it, and data files sharing their
token (:mod:`archived.store.writers`); :func:`~archived.store.leftovers.sweep_leftovers` removes
those of writers that are gone.  ``_insert`` reserves fresh names with
:mod:`archived.store.claims`.

>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> commit_entry(folder, 'x', [1, 2], info='two numbers')
>>> read_info(folder, 'x'), read_value(folder, 'x')
('two numbers', [1, 2])
"""

from __future__ import annotations

import errno
import io
import json
import keyword
import os
import re
import stat
import time
import tokenize
import unicodedata
import warnings
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from types import TracebackType
from typing import Any

import xxhash

from ..engine.plainsource import plain_source
from ..engine.readclose import close_read_only
from ..engine.textbytes import NulByteError, read_text_bytes
from ..errors import (
    AfterCommitError,
    ArchiveError,
    DamagedEntryError,
    EntryChangedError,
    InvalidNameError,
    MissingImportError,
    StoreReadError,
    UnsafeArchiveError,
    UnsafeFileError,
    UnsafeFileWarning,
    is_read_failure,
)
from ..load import codecache
from ..load.literal import NotLiteral, literal_value
from . import groupsync, valuedigest
from .datarefs import listed_elsewhere
from .entrynames import entry_names, is_canonical, is_native_store
from .entrynames import warn_special as warn_special  # index.py's, from here
from .failures import disk_is_full
from .groupsync import PAGE
from .headerline import header_files
from .storefiles import (
    checked_data_files,
    checked_path,
    is_data_file_name,
    read_small_file,
    remove_file,
    safe_subdir,
)
from .writers import create_locked, fsync_dir, new_token

__all__ = [
    "validate_name",
    "entry_names",
    "entry_exists",
    "commit_entry",
    "set_info",
    "delete_entry",
    "read_info",
    "read_value",
    "value_edited",
    "iter_infos",
    "read_entry_text",
    "read_entry_bytes",
    "entry_text",
    "entry_sections",
    "section_sources",
    "decode_section",
    "header_files",
    "fsync_dir",
    "remove_quietly",
    "back_up_data_files",
    "backed_up_by",
    "NameTaken",
]

FORMAT = 1
INFO_MARK = "# ---- info ----"
VALUE_MARK = "# ---- value ----"
_INFO_LINE = f"\n{INFO_MARK}\n"  # (the marks' lines, as entry_sections splits at them)
_VALUE_LINE = f"{VALUE_MARK}\n"
BACKUP_DIR = ".backup"
# a backed-up entry file is .backup/<entry>.<stamp>-<token>.py, its data files beside it
_STAMP = "%Y%m%dT%H%M%S"
_STAMP_SHAPE = "YYYYmmddTHHMMSS"

_READ_RETRIES = 5


def validate_name(name: object) -> str:
    """Return ``name`` if it can name an entry, else raise ``InvalidNameError``.

    An entry name is a Python identifier (so it is a module attribute), not a keyword,
    and does not start with ``_`` (reserved for the store's own names).

    >>> validate_name('x_0')
    'x_0'
    >>> validate_name('../x')
    Traceback (most recent call last):
        ...
    archived.errors.InvalidNameError: invalid name '../x': not a Python identifier
    """
    if not isinstance(name, str):
        raise InvalidNameError(name, f"entry names are strings, not {type(name).__name__}")
    if not name.isidentifier():
        raise InvalidNameError(name, "not a Python identifier")
    if not is_canonical(name):
        raise InvalidNameError(
            name,
            f"Python reads this name as {unicodedata.normalize('NFKC', name)!r} "
            "(its NFKC form); use that spelling",
        )
    if keyword.iskeyword(name):
        raise InvalidNameError(name, "a Python keyword")
    if name.startswith("_"):
        raise InvalidNameError(name, "names starting with '_' are reserved for the store")
    return name


def entry_exists(folder: str, name: str) -> bool:
    """Whether ``folder`` holds a committed entry ``name`` (a file or a link, seen with
    ``lstat``: a link is never followed).

    >>> import tempfile
    >>> entry_exists(tempfile.mkdtemp(), 'x')
    False
    """
    path = os.path.join(folder, name + ".py")
    try:
        mode = os.lstat(path).st_mode
    except OSError as err:
        if is_read_failure(err):  # unknown: never taken for no entry (and written over)
            raise StoreReadError.of(err, path, entry=name) from err
        return False
    return stat.S_ISREG(mode) or stat.S_ISLNK(mode)


def commit_entry(
    folder: str,
    name: str,
    value: Any,
    info: Any = None,
    *,
    keep_info: bool = False,
    array_threshold: int = 100,
    lock: AbstractContextManager[Any] | None = None,
    backup_data: bool = False,
    durable: bool = True,
    compress: Any = None,
    new: bool = False,
    digest_value: bool = False,
) -> None:
    """Write entry ``name`` (value and info) and commit it atomically.

    With ``keep_info=True`` the info of the entry already on disk is kept (``info`` is
    ignored), which is what assigning a value to an existing entry does.  ``lock`` is
    held only while the entry file is swapped in.  ``new=True``: ``name`` was reserved
    for a new entry (:mod:`archived.store.claims`), so an entry found there when the
    lock is held is never replaced: :class:`NameTaken`, nothing written.  Nothing is
    changed on disk when archiving the value fails.  ``compress`` writes big arrays
    through an HDF5 filter (see :func:`~archived.engine.compression.codec_of`).
    ``digest_value=True`` (a stored call's result, whose info is a dict) adds to the
    info the digest of the value section as written (:mod:`archived.store.valuedigest`),
    by which a value edited by hand is told.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> commit_entry(folder, 'a', 1, info='first')
    >>> commit_entry(folder, 'a', 2, keep_info=True)
    >>> read_info(folder, 'a'), read_value(folder, 'a')
    ('first', 2)
    """
    with _Write(folder, name, backup_data, durable, compress) as write:
        value_src, value_files = write.encode(name, value, array_threshold, ".h5")
        if digest_value and not keep_info and isinstance(info, dict):
            # of the text written (the section as a reader splits it off), once encoded
            info = {**info, valuedigest.FIELD: valuedigest.digest(_ends_line(value_src))}
        if not keep_info:
            info_src, info_files = write.encode("info", info, array_threshold, "-info.h5")
        while True:
            if keep_info:
                base = read_entry_text(folder, name)
                info_src, info_files = (
                    _info_part(name, base) if base is not None else ("info = None\n", [])
                )
                info_files = checked_data_files(folder, name, info_files, others="keep")
            files = value_files + info_files
            write.text(info_src, value_src, files)
            with lock or nullcontext():
                if keep_info and read_entry_text(folder, name) != base:
                    continue  # the info changed under us: rebuild on the new one
                write.swap_in(files, new)
            break


def set_info(
    folder: str,
    name: str,
    info: Any,
    *,
    array_threshold: int = 100,
    lock: AbstractContextManager[Any] | None = None,
    backup_data: bool = False,
    durable: bool = True,
    compress: Any = None,
) -> None:
    """Replace the info record of entry ``name``, keeping its value (None if new).

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> commit_entry(folder, 'a', [1], info='old')
    >>> set_info(folder, 'a', 'new')
    >>> read_info(folder, 'a'), read_value(folder, 'a')
    ('new', [1])
    """
    with _Write(folder, name, backup_data, durable, compress) as write:
        info_src, info_files = write.encode("info", info, array_threshold, "-info.h5")
        # Holding the lock while reading the value keeps a concurrent value write from
        # being undone; no data is written inside it.
        with lock or nullcontext():
            base = read_entry_text(folder, name)
            value_files: list[str] = []
            if base is None:
                value_src = f"{name} = None\n"
            else:
                value_src, value_files = _value_part(name, base)
                value_files = checked_data_files(folder, name, value_files, others="keep")
            files = value_files + info_files
            write.text(info_src, value_src, files)
            write.swap_in(files)


def delete_entry(
    folder: str,
    name: str,
    *,
    lock: AbstractContextManager[Any] | None = None,
    backup_data: bool = False,
    durable: bool = True,
    digest: str | None = None,
) -> bool:
    """Remove entry ``name`` atomically; return whether it existed.  With ``digest``
    (the xxh3 digest of the entry file's bytes a reader chose it by, as the read-side
    index's row keeps it), only that version is removed: a file rewritten since raises
    :class:`~archived.errors.EntryChangedError` and stays.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> commit_entry(folder, 'a', 1)
    >>> delete_entry(folder, 'a'), delete_entry(folder, 'a'), entry_names(folder)
    (True, False, [])
    """
    token = new_token()
    with lock or nullcontext():
        if not entry_exists(folder, name):
            return False
        if digest is not None and _digest_now(folder, name) != digest:
            # (under the lock every writer swaps its entry in with: no rewrite between)
            raise EntryChangedError(name, folder)
        _swap_in(folder, name, None, [], token, backup_data)
    step = "sync"
    try:
        if durable:
            fsync_dir(folder)
        step = "drop"
        _finish_drop(folder, name, token, backup_data)
    except Exception as err:  # the entry is gone: "could not delete" was untrue
        raise after_commit(folder, name, step, err, operation="delete") from err
    return True


def after_commit(
    folder: str, name: str, step: str, err: BaseException, *, operation: str = "write"
) -> AfterCommitError:
    """``err``, raised by ``step`` after entry ``name``'s change was swapped in, as the
    :class:`~archived.errors.AfterCommitError` that says the change is made.

    >>> print(after_commit("/s", "x", "sync", OSError(5, "Input/output error")))
    entry 'x' is stored in the store '/s' (its new value reads back), but the sync ...
    """
    code = getattr(err, "errno", None) if isinstance(err, OSError) else None
    # (a read error's own words say nothing was changed: untrue here)
    reason = (
        f"could not read {err.path!r}: {err.reason}"
        if isinstance(err, StoreReadError)
        else str(err)
    )
    return AfterCommitError(folder, name, step, reason, code, operation=operation)


def _digest_now(folder: str, name: str) -> str | None:
    """The xxh3 digest of entry ``name``'s file now (None: gone, or not a regular file)."""
    try:
        read = read_entry_bytes(folder, name)
    except DamagedEntryError:
        return None
    return None if read is None else xxhash.xxh3_64_hexdigest(read[0])


def read_info(
    folder: str,
    name: str,
    *,
    safe: dict[str, Any] | None = None,
    once: bool = False,
    digest: str | None = None,
) -> Any:
    """Load the info record of entry ``name`` (its value is not loaded).

    ``safe``: keyword arguments of :func:`~archived.engine.archive.restore` for a safe load
    (``{'safe': True, 'allow': [...]}``), or None to execute the entry.  ``once=True``:
    one of many entries read in bulk, not worth compiling for reuse.  ``digest``: read
    only the version of the entry file whose bytes have this xxh3 digest (what the
    store's index saw), :class:`~archived.errors.EntryChangedError` if the file holds another one.

    A missing entry raises ``KeyError``; a damaged one ``DamagedEntryError``.

    >>> import tempfile
    >>> read_info(tempfile.mkdtemp(), 'nothing')
    Traceback (most recent call last):
        ...
    KeyError: 'nothing'
    """
    text = _version_text(folder, name, digest)
    src, files = _info_part(name, text)
    try:
        _check_data_files(folder, name, files)
        return decode_section(name, src, "info", folder, safe, once=once, first_line=INFO_LINE)
    except DamagedEntryError:
        # a data file of the version read gone: rewritten since, if asked for that version
        if digest is not None and read_entry_text(folder, name) != text:
            raise EntryChangedError(name, folder) from None
        raise


def read_value(
    folder: str,
    name: str,
    *,
    safe: dict[str, Any] | None = None,
    mmap_mode: str | None = None,
    digest: str | None = None,
) -> Any:
    """Load the value of entry ``name`` (``KeyError`` if missing); ``safe`` and
    ``digest`` as in read_info.

    A value whose data file vanished because the entry was overwritten meanwhile is
    read again from the new version (with ``digest``: :class:`~archived.errors.EntryChangedError`).
    ``mmap_mode='r'`` returns big uncompressed arrays as read-only memory maps of the
    data files (see :func:`~archived.engine.hdf5.using_mmap_mode`).

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> commit_entry(folder, 'a', {'b': 2})
    >>> read_value(folder, 'a')
    {'b': 2}
    """
    for _ in range(_READ_RETRIES):
        text = _version_text(folder, name, digest)
        src, files = _value_part(name, text)
        _check_data_files(folder, name, files)
        first = value_line(text, src)
        try:
            if mmap_mode is None:
                return decode_section(name, src, name, folder, safe, first_line=first)
            from ..engine.hdf5 import using_mmap_mode

            with using_mmap_mode(mmap_mode):
                return decode_section(name, src, name, folder, safe, first_line=first)
        except DamagedEntryError:
            if read_entry_text(folder, name) == text:
                raise
            if digest is not None:  # rewritten since: not the version asked for
                raise EntryChangedError(name, folder) from None
    raise DamagedEntryError(name, "the entry kept changing while it was read")


def value_edited(folder: str, name: str, digest: str | None = None) -> bool:
    """Whether entry ``name``'s value section is not the one its record's value digest
    names: its value was edited by hand (:mod:`archived.store.valuedigest`; False for a
    record without one).  ``KeyError``, ``digest`` and damage as in read_info.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> commit_entry(folder, 'a', [1], info={'key': 'k'}, digest_value=True)
    >>> value_edited(folder, 'a')
    False
    """
    info_src, value_src, _ = entry_sections(name, _version_text(folder, name, digest))
    return valuedigest.edited(info_src, value_src)


def _version_text(folder: str, name: str, digest: str | None) -> str:
    """The text of entry ``name``'s file (``KeyError`` if there is none); with
    ``digest``, only of the version whose bytes have that xxh3 digest
    (:class:`~archived.errors.EntryChangedError` for any other)."""
    read = read_entry_bytes(folder, name)
    if read is None:
        raise KeyError(name)
    data = read[0]
    if digest is not None and xxhash.xxh3_64_hexdigest(data) != digest:
        raise EntryChangedError(name, folder)
    return entry_text(name, data)


def iter_infos(
    folder: str, names: Iterator[str] | list[str], *, safe: dict[str, Any] | None = None
) -> Iterator[tuple[str, Any]]:
    """Yield ``(name, info)`` for the given entries that still exist, loading only info.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> commit_entry(folder, 'a', 1, info='i')
    >>> list(iter_infos(folder, ['a', 'gone']))
    [('a', 'i')]
    """
    for name in names:
        try:
            yield name, read_info(folder, name, safe=safe, once=True)
        except KeyError:
            continue


def read_entry_text(folder: str, name: str) -> str | None:
    """The text of entry ``name``'s file, or None if there is no such entry.

    Never read through a symbolic link or from anything but a regular file: either is
    ``DamagedEntryError``, as is a file that is not UTF-8.  Line ends are read as Python
    reads source (``\\r\\n`` and ``\\r`` become ``\\n``).

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> commit_entry(folder, 'a', 1, info='i')
    >>> read_entry_text(folder, 'a').splitlines()[:3]
    ["# archived entry 'a', format 1, data files: []", '# ---- info ----', "info = 'i'"]
    >>> read_entry_text(folder, 'b') is None
    True
    """
    read = read_entry_bytes(folder, name)
    return None if read is None else entry_text(name, read[0])


_CHUNK = 2**24  # bytes of an entry file read at once
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK
_NO_SEP_NEEDED = ("", os.sep, os.altsep)  # a folder's last character before a name


def read_entry_bytes(
    folder: str, name: str, *, lstat: bool = True
) -> tuple[bytes, os.stat_result] | None:
    """The bytes of entry ``name``'s file and the status of the file they were read from
    (taken before reading), or None if there is no such entry.

    One ``lstat``, one open, one ``fstat`` and as few reads as the file's size allows
    (one, for a file of the size its ``fstat`` gave).  Never through a symbolic link or
    from anything but a regular file (``DamagedEntryError``), and nothing else is ever
    opened: opening a device node planted as an entry runs its driver.  ``lstat=False``
    where the caller just found a regular file of that name (the index's listing), or
    for a cache hit in the user's own store: the open's ``fstat`` alone checks it.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> commit_entry(folder, 'a', 1)
    >>> data, status = read_entry_bytes(folder, 'a')
    >>> data.startswith(b"# archived entry 'a'"), status.st_size == len(data)
    (True, True)
    """
    # (joined as os.path.join joins a name without a separator: a process's first hit
    # pays for every Python function it calls)
    path = f"{folder}{name}.py" if folder[-1:] in _NO_SEP_NEEDED else f"{folder}{os.sep}{name}.py"
    if lstat:
        try:
            # never opened unless a regular file: opening a device node planted as an
            # entry runs its driver (a tape rewinds, a watchdog arms); fstat checks again
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            return None
        except OSError as err:
            raise _unreadable(name, path, err) from err
        if not stat.S_ISREG(mode):
            raise DamagedEntryError(name, _not_regular(mode))
    try:
        # never through a symbolic link: one planted in the store may point outside it;
        # non-blocking, so a FIFO planted as an entry cannot hang the reader
        fd = os.open(path, _READ_FLAGS)
    except FileNotFoundError:
        return None
    except OSError as err:
        if not is_read_failure(err) and os.path.islink(path):
            raise DamagedEntryError(name, _not_regular(stat.S_IFLNK)) from None
        raise _unreadable(name, path, err) from err
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise DamagedEntryError(name, "the entry file is not a regular file")
        size = status.st_size
        if size < _CHUNK:
            # one byte more than its fstat gave: getting exactly the size is the whole
            # file that size describes (most entries: one read, not a second to see the end)
            data = os.read(fd, size + 1)
            if len(data) == size and b"\0" not in data:
                return data, status
            os.lseek(fd, 0, os.SEEK_SET)  # it grew, a short read or a NUL: read as below
        # one more byte, to see the end of a file that grew meanwhile
        first = min(size + 1, _CHUNK)
        try:
            data = read_text_bytes(lambda n: os.read(fd, n), max(first, 65536), first=first)
        except NulByteError as err:
            raise DamagedEntryError(
                name, f"the entry file holds a NUL byte (at byte {err.offset}): it is not text"
            ) from None
        return data, status
    except (DamagedEntryError, StoreReadError):
        raise
    except OSError as err:
        raise _unreadable(name, path, err) from err
    finally:
        close_read_only(fd)  # (nothing written: its close's EIO is no failed read)


def _unreadable(name: str, path: str, err: OSError) -> DamagedEntryError | StoreReadError:
    """Why entry ``name``'s file ``path`` could not be read: a failing disk or system is
    a :class:`~archived.errors.StoreReadError` (the entry is left as it is: a transient
    read error taken for damage set good entries aside), anything else damage."""
    if is_read_failure(err):
        return StoreReadError.of(err, path, entry=name)
    return DamagedEntryError(name, f"unreadable entry file ({err})")


def _not_regular(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "the entry file is a symbolic link (it may point outside the store)"
    return "the entry file is not a regular file"


def entry_text(name: str, data: bytes) -> str:
    """The text of entry ``name`` from its file's bytes (UTF-8, a leading byte order mark
    dropped; line ends as Python reads them), or ``DamagedEntryError``.

    >>> entry_text('a', b'x = 1\\r\\n')
    'x = 1\\n'
    >>> entry_text('a', b'\\xef\\xbb\\xbfx = 1\\n')  # a byte order mark
    'x = 1\\n'
    """
    if data.startswith(b"\xef\xbb\xbf"):  # saved "UTF-8 with BOM" by a hand edit
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DamagedEntryError(name, f"unreadable entry file ({err})") from err
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def remove_quietly(*paths: str) -> bool:
    """Remove the files at ``paths`` that exist; return whether any was removed.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), 'f')
    >>> open(path, 'w').close()
    >>> remove_quietly(path), remove_quietly(path)
    (True, False)
    """
    done = False
    for path in paths:
        try:
            os.unlink(path)
            done = True
        except FileNotFoundError:
            pass
    return done


# ---- helpers -------------------------------------------------------------------------


class _Write:
    """One write of entry ``name``: its token, temporary entry file and data files.

    Used as a context manager around the write: when it fails before the entry file is
    swapped in, the temporary file and the data files written are removed; once it is
    swapped in, the directory is fsynced and the replaced version's data files dropped.
    """

    def __init__(
        self, folder: str, name: str, backup_data: bool, durable: bool, compress: Any = None
    ) -> None:
        self.folder, self.name = folder, name
        self.backup_data, self.durable = backup_data, durable
        self.compress = compress
        self.token = new_token()
        self.tmp = os.path.join(folder, f".{name}.{self.token}.tmp")
        self.written: list[str] = []  # data files to remove if the write fails
        self._fd = -1
        self._unsynced = False  # a new entry whose sync is left to the thread's group
        self._replaced = True  # until swap_in says: an old version's data files to drop
        self._swapped = False  # the new version is in place: a later failure undoes nothing

    def __enter__(self) -> _Write:
        # locked until closed: proves this writer alive to sweepers in any pid namespace
        self._fd = create_locked(self.tmp)
        return self

    def encode(self, var: str, value: Any, threshold: int, suffix: str) -> tuple[str, list[str]]:
        """Archive ``value`` as ``var`` into ``<entry>.<token><suffix>`` if it has arrays."""
        datafile = f"{self.name}.{self.token}{suffix}"
        src, files = _encode_into(
            self.folder, var, value, threshold, datafile, self.durable, self.compress
        )
        self.written += files
        return src, files

    def text(self, info_src: str, value_src: str, files: list[str]) -> None:
        """(Re)write the temporary entry file (unsynced if a group will sync it: see
        :mod:`archived.store.groupsync` for why only a file of one page)."""
        data = _entry_text(self.name, info_src, value_src, files).encode()
        self._unsynced = self.durable and len(data) <= PAGE and groupsync.active() is not None
        _write_all(self._fd, data, self.durable and not self._unsynced)

    def swap_in(self, files: list[str], new: bool = False) -> None:
        """Commit the temporary entry file; call with the lock held.  ``new``: never
        over an entry (:class:`NameTaken`)."""
        sync_fd = self._fd if self._unsynced else None
        self._replaced = _swap_in(
            self.folder, self.name, self.tmp, files, self.token, self.backup_data, sync_fd, new
        )
        if self._replaced:
            self._unsynced = False  # it replaced an entry: synced before, as outside a group
        self.written = []  # committed: the entry refers to them now, keep them on any error
        self._swapped = True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        ok = exc_type is None
        step = "sync"
        try:
            try:
                group = groupsync.active() if self._unsynced else None
                if ok and group is not None:
                    group.note(self.folder, os.path.join(self.folder, self.name + ".py"))
                elif ok and self.durable:
                    fsync_dir(self.folder)
            except BaseException:
                ok = False
                raise
            finally:
                step = "close" if step == "sync" and ok else step
                try:
                    os.close(self._fd)  # (an error here, NFS's failed flush, is raised...)
                finally:
                    if not ok:  # ...once a failed write's files are gone all the same
                        remove_quietly(
                            self.tmp, *(os.path.join(self.folder, f) for f in self.written)
                        )
            step = "drop"
            if ok and self._replaced:  # a new entry replaced nothing: no drop list was made
                _finish_drop(self.folder, self.name, self.token, self.backup_data)
        except Exception as err:
            if exc_type is not None or not self._swapped:
                raise
            # the new version is in place and reads back: "could not write" was untrue
            raise after_commit(self.folder, self.name, step, err) from err


def _encode_into(
    folder: str,
    var: str,
    value: Any,
    threshold: int,
    datafile: str,
    durable: bool,
    compress: Any = None,
) -> tuple[str, list[str]]:
    """Archive ``value`` as ``var``; return the source and the data files written."""
    src = plain_source(var, value)  # a record of plain data: the same text, no graph
    if src is not None:
        return src, []  # no data file, none to look for
    path = os.path.join(folder, datafile)
    try:
        src = _encode(var, value, threshold, path, durable, compress)
    except BaseException as err:
        # asked before the partial file goes: it is what filled the disk.  (HDF5's
        # errors carry no errno: PyTables' own, and the OSError without one that the
        # compressed writer raises when HDF5 refuses a chunk, which on a full disk said
        # "HDF5 could not write the chunk at row 0" and no word of the disk)
        unnumbered = isinstance(err, OSError) and err.errno is None
        from_hdf5 = type(err).__module__.startswith("tables")
        full = (from_hdf5 or unnumbered) and disk_is_full(folder)
        remove_quietly(path)
        if full:
            # HDF5's own message (chained) may be its whole error stack, 40 lines a
            # warning of each point of a sweep: the system's words and the file say it
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path) from err
        if from_hdf5:
            # PyTables' error (HDF5ExtError, a RuntimeError) is how HDF5 reports a write
            # the system refused (an I/O error, a quota), with no errno: an OSError, so
            # that the store reports it as the failed write it is, naming entry and store
            said = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise OSError(f"HDF5 could not write the data file {datafile!r} ({said})") from err
        raise
    return src, [datafile] if os.path.exists(path) else []


def _encode(
    name: str, value: Any, threshold: int, datafile: str, durable: bool, compress: Any = None
) -> str:
    from ..engine.archive import Archive

    arch = Archive(
        array_threshold=threshold,
        datafile=datafile,
        durable=durable,
        refuse_main=True,
        compress=compress,
    )
    arch.insert(**{name: value})
    return str(arch)


def decode_section(
    entry: str,
    src: str,
    var: str,
    folder: str,
    safe: dict[str, Any] | None = None,
    *,
    once: bool = False,
    first_line: int = 1,
) -> Any:
    """The value the section source ``src`` of entry ``entry`` binds to ``var``: read by
    the literal fast path when it only builds data, else loaded (safely or not, per
    ``safe``: keyword arguments of :func:`~archived.load.restore.restore`); a source that
    does not load is ``DamagedEntryError``.  ``src`` starts at line ``first_line`` of the
    entry file, which a safe load's refusal names (the line a person opens).

    A trusted load compiles a source it sees again (and reuses that code while the
    source is unchanged); ``once=True`` says the source will not be loaded again soon
    (one of many entries read in bulk), so it is never compiled for reuse.
    """
    section = src  # (read by the literal fast path as it is: see below)
    if safe is None:
        # compiled as lines of the entry file: a traceback shows the line a person edits
        filename = os.path.join(folder, entry + ".py")
        src = "\n" * (first_line - 1) + src
        fast = once or (codecache.cached(src, filename) is None and not codecache.seen_before(src))
    else:
        # a safe load builds only what the source spells out; a caller's own budgets
        # are left to the safe loader to count
        fast = safe.get("max_bytes") is None and safe.get("limits") is None
    if fast:
        try:
            # the section, not the lines put before it to compile it: its JSON-like
            # reading takes a source that starts with its assignment, and a section
            # that started with empty lines went to the tokenizer (a trusted verify of
            # small entries took twice the time of a safe one)
            return literal_value(section, var)
        except NotLiteral:
            pass
    # (the loader imported, and the file named, only for a section the fast path does
    # not read: both were a tenth of the time of reading a small one)
    from ..load.restore import restore

    if safe is not None:  # (a trusted load named it above)
        filename = os.path.join(folder, entry + ".py")
    try:
        if safe is None:
            values = restore(src, {"__file__": filename}, datadir=folder)
        else:
            values = restore(src, datadir=folder, **safe)
        if var not in values:
            raise DamagedEntryError(entry, _unbound(var, values, filename))
        return values[var]
    except UnsafeArchiveError as err:
        if err.line is None or first_line == 1:
            raise
        raise err.at_line(err.line + first_line - 1) from None
    except DamagedEntryError as err:
        if err.name == entry:
            raise
        raise DamagedEntryError(entry, str(err)) from err
    except (ArchiveError, MemoryError, RecursionError):
        raise
    except ImportError as err:  # the entry is fine; this program lacks what it names
        raise MissingImportError(entry, err.name, str(err), _store_module(err.name)) from err
    except AttributeError as err:
        if str(err).startswith("Can't get attribute"):  # pickle's missing class
            raise MissingImportError(entry, None, str(err)) from err
        raise DamagedEntryError(entry, _not_loading(var, err, filename)) from err
    except Exception as err:
        # a safe load parsed the section alone: its lines start at first_line of the file
        shift = 0 if safe is None else first_line - 1
        raise DamagedEntryError(entry, _not_loading(var, err, filename, shift)) from err


def _store_module(module: str | None) -> str | None:
    """The folder of the store that this program imported as ``module``, if it did (a
    store named after the module whose classes its entries import), else None."""
    import sys

    init = getattr(sys.modules.get(module or ""), "__file__", None)
    if not isinstance(init, str) or os.path.basename(init) != "__init__.py":
        return None
    folder = os.path.dirname(init)
    return folder if is_native_store(folder) else None


def _unbound(var: str, values: dict[str, Any], filename: str) -> str:
    """Why a section that loads binds no ``var``: an entry file copied by hand to make
    another entry still assigns the first entry's name, which it names.

    >>> print(_unbound("calib_v2", {"calib": 1}, "/s/calib_v2.py"))  # doctest: +ELLIPSIS
    its calib_v2 is not assigned in /s/calib_v2.py, which assigns calib instead ... there)
    """
    names = [name for name in values if not name.startswith("_")]
    if var == "info" or len(names) != 1:
        found = f" (it assigns {', '.join(names)})" if names else ""
        return f"its {var} is not assigned in {filename}{found}"
    [other] = names
    shared = _files_of_another(var, filename)
    if shared:
        # renaming the variable would make a copy that reads the other entry's data
        # files, which go when that entry is deleted or rewritten: its array lost; and
        # the assignment advised replaces this file, edits made in it and all
        return (
            f"its {var} is not assigned in {filename}, which assigns {other} instead (a "
            f"copy of entry {other}'s file? its data files {', '.join(shared)} are "
            f"{other}'s, removed with it: move {filename} out of the store (it keeps "
            f"any edits made in it), make the copy with ds.{var} = ds.{other}, which "
            "gives it data files of its own, then edit that)"
        )
    return (
        f"its {var} is not assigned in {filename}, which assigns {other} instead (an "
        f"entry's file assigns its value to the entry's name: a copy of entry {other}'s "
        f"file? rename {other} to {var} there)"
    )


def _files_of_another(name: str, filename: str) -> list[str]:
    """The data files that the header of entry ``name`` (file ``filename``) lists but
    that are not its own as the drop after an overwrite tells them (another entry's, as
    in a copy of that entry's file)."""
    try:
        text = read_entry_text(os.path.dirname(filename), name)
        files = [] if text is None else header_files(name, text)
    except (OSError, DamagedEntryError):
        return []
    return [f for f in files if not is_data_file_name(f, name)]


# where Python's text of a syntax error names another line (an opening bracket's)
_ON_LINE = re.compile(r"\bon line (\d+)")


def _not_loading(var: str, err: BaseException, filename: str, shift: int = 0) -> str:
    """Why section ``var`` of the entry file ``filename`` does not load, naming the line
    of the file where it failed (a class renamed since, a typo of a hand edit: that line
    is the one to edit).  A syntax error's line is its own, ``shift`` lines before the
    line of the file when the section was parsed alone."""
    line = None
    if isinstance(err, SyntaxError) and err.lineno is not None:
        alone = err.filename != filename
        line = err.lineno + (shift if alone else 0)
        text = err.msg
        if alone and shift:  # "... opening parenthesis '(' on line 3": the section's line
            text = _ON_LINE.sub(lambda m: f"on line {int(m.group(1)) + shift}", text)
        err = SyntaxError(text)  # its own repr would name the section's line
    tb = err.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    where = f" at line {line} of {filename}" if line is not None else ""
    return f"its {var} does not load ({err!r}){where}"


def _entry_text(name: str, info_src: str, value_src: str, files: list[str]) -> str:
    return (
        f"# archived entry '{name}', format {FORMAT}, data files: {files!r}\n"
        f"{INFO_MARK}\n{_ends_line(info_src)}{VALUE_MARK}\n{_ends_line(value_src)}"
    )


def _ends_line(src: str) -> str:
    return src if src.endswith("\n") or not src else src + "\n"


def entry_sections(name: str, text: str) -> tuple[str, str, list[str]]:
    """The info and value sources of entry ``name``'s ``text``, and its data files
    (``DamagedEntryError`` if it is not an entry's text).

    >>> entry_sections('a', "# archived entry 'a', format 1, data files: []\\n"
    ...                "# ---- info ----\\ninfo = 1\\n# ---- value ----\\na = 2\\n")
    ('info = 1\\n', 'a = 2\\n', [])
    """
    files = header_files(name, text)
    info, value = section_sources(name, text)
    return info, value, files


def section_sources(name: str, text: str) -> tuple[str, str]:
    """:func:`entry_sections` without the header's data files (for a caller that read
    them already: ``verify`` parsed every header twice).

    >>> section_sources('a', "# head\\n# ---- info ----\\ninfo = 1\\n# ---- value ----\\na = 2\\n")
    ('info = 1\\n', 'a = 2\\n')
    """
    head, mark, rest = text.partition(_INFO_LINE)
    if not mark:
        raise DamagedEntryError(name, "the entry file has no info section")
    pieces = rest.split(_VALUE_LINE)
    if len(pieces) == 2 and (pieces[0] == "" or pieces[0].endswith("\n")):
        return pieces[0], pieces[1]
    if len(pieces) < 2:
        raise DamagedEntryError(name, "the entry file has no value section")
    return _split_by_tokens(name, rest)


def _split_by_tokens(name: str, rest: str) -> tuple[str, str]:
    # The value mark also occurs inside a string literal: the real one is a comment token.
    try:
        for tok in tokenize.generate_tokens(io.StringIO(rest).readline):
            if tok.type == tokenize.COMMENT and tok.string == VALUE_MARK and tok.start[1] == 0:
                lines = rest.splitlines(keepends=True)
                row = tok.start[0] - 1
                return "".join(lines[:row]), "".join(lines[row + 1 :])
    except (tokenize.TokenError, SyntaxError) as err:
        raise DamagedEntryError(name, f"the entry file does not tokenize ({err})") from err
    raise DamagedEntryError(name, "the entry file has no value section")


INFO_LINE = 3  # the info section starts below the header and its mark


def value_line(text: str, value_src: str) -> int:
    """The line of entry ``text`` where its value section ``value_src`` (its tail) starts.

    >>> text = "# header\\n# ---- info ----\\ninfo = 1\\n# ---- value ----\\na = 2\\n"
    >>> value_line(text, "a = 2\\n")
    5
    """
    return text.count("\n", 0, len(text) - len(value_src)) + 1


def _info_part(name: str, text: str) -> tuple[str, list[str]]:
    info, _, files = entry_sections(name, text)
    return info, [f for f in files if f.endswith("-info.h5")]


def _value_part(name: str, text: str) -> tuple[str, list[str]]:
    _, value, files = entry_sections(name, text)
    return value, [f for f in files if not f.endswith("-info.h5")]


def _write_all(fd: int, data: bytes, durable: bool) -> None:
    os.lseek(fd, 0, os.SEEK_SET)
    os.ftruncate(fd, 0)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    if durable:
        # the data and the size it needs; mtime and the like may follow later
        getattr(os, "fdatasync", os.fsync)(fd)


def _swap_in(
    folder: str,
    name: str,
    tmp: str | None,
    new_files: list[str],
    token: str,
    backup_data: bool,
    sync_fd: int | None = None,
    new: bool = False,
) -> bool:
    """Replace (or with ``tmp=None`` remove) the entry file; call with the lock held.
    Return whether there was an entry to replace; if so, ``sync_fd`` (the unsynced new
    entry file) is synced before it takes the old one's place.  With ``new``, an entry
    there is :class:`NameTaken` instead, and nothing is changed.

    The data files the old version lists are dropped afterwards (:func:`_finish_drop`);
    a listed name that is not a data file of this entry inside the store is reported
    and left alone.
    """
    final = os.path.join(folder, name + ".py")
    old = read_entry_text(folder, name)
    if new and old is not None:
        raise NameTaken(name, folder)
    drop = os.path.join(folder, f".{name}.{token}.drop")
    if old is not None:
        try:
            old_files = header_files(name, old)
        except DamagedEntryError:
            old_files = []
        old_files = checked_data_files(folder, name, old_files, others="skip")
        old_files = [f for f in old_files if f not in new_files]
        backup = safe_subdir(folder, BACKUP_DIR) if backup_data else ""
        if old_files or backup_data:
            try:
                _create_new(drop, json.dumps(old_files))
            except OSError as err:
                if tmp is not None or backup_data or err.errno not in _NO_SPACE:
                    raise
                # a deletion on a full disk (freeing space, most often): the entry goes
                # first and its data files right after, without a list to find them by.
                # Killed in between, they are orphans, which verify reports and repair
                # removes; refused, the biggest entries (those with arrays) could never
                # be deleted to make room
                os.unlink(final)
                try:
                    for file in _not_listed_elsewhere(folder, old_files):
                        remove_file(folder, file, "data", entry=name)
                except Exception as err:  # the entry is gone: "could not delete" was untrue
                    raise after_commit(folder, name, "drop", err, operation="delete") from err
                return True
    try:
        if old is not None and backup_data:
            # failed (a full disk, no hard links on this filesystem): nothing is dropped
            stamp = time.strftime(_STAMP) + f"-{token}"
            os.link(final, os.path.join(backup, f"{name}.{stamp}.py"))
        if old is not None and sync_fd is not None:
            getattr(os, "fdatasync", os.fsync)(sync_fd)
        if tmp is None:
            os.unlink(final)
        else:
            os.replace(tmp, final)
    except BaseException:
        remove_quietly(drop)  # nothing to drop
        raise
    return old is not None


class NameTaken(ArchiveError):
    """The name reserved for a new entry holds an entry already: its reservation was
    taken for a dead writer's (its writer stopped longer than
    :data:`~archived.store.writers.GRACE_SECONDS`, on another host or in another pid
    namespace) and another writer committed there.  That entry is never replaced: the
    new one takes another name.

    >>> print(NameTaken('x_0', '/s'))
    entry 'x_0' of the store '/s' was written by another writer meanwhile
    """

    def __init__(self, name: str, folder: str) -> None:
        super().__init__(
            f"entry {name!r} of the store {folder!r} was written by another writer meanwhile"
        )
        self.name = name


_NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _create_new(path: str, text: str) -> None:
    """Write ``text`` to a file that must not exist yet (never through a planted link)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        with open(fd, "w", encoding="utf-8") as f:
            f.write(text)
    except BaseException:
        # a full disk (or an interrupt) stopped it: no half-written file left behind (it
        # is ours, made by O_EXCL); a drop list cut short would say to drop nothing
        remove_quietly(path)
        raise


def _finish_drop(folder: str, name: str, token: str, backup_data: bool) -> None:
    """Delete (or move to ``.backup/``) the data files the replaced version used."""
    drop = f".{name}.{token}.drop"
    try:
        files = json.loads(read_small_file(folder, drop, "drop"))
    except FileNotFoundError:
        return
    except StoreReadError:  # a failing disk: raised, said as a failure after the commit
        raise
    except ArchiveError as err:  # swapped for something else: the commit itself is done
        warnings.warn(str(err), UnsafeFileWarning, stacklevel=3)
        return
    except ValueError:
        files = []
    if not isinstance(files, list):
        files = []
    files = checked_data_files(folder, name, files)
    if backup_data:
        back_up_data_files(folder, name, files)
    else:
        for file in _not_listed_elsewhere(folder, files):
            remove_file(folder, file, "data", entry=name)
    remove_file(folder, drop, "drop")


def _not_listed_elsewhere(folder: str, files: list[str]) -> list[str]:
    """The data files among ``files`` that no entry header of the store lists: one a
    copy of an entry file made by hand lists is the copy's array too."""
    if not files:
        return files
    listed = listed_elsewhere(folder, files)
    return [f for f in files if f not in listed]


def back_up_data_files(folder: str, name: str, files: list[str]) -> list[str]:
    """Move the data files ``files`` of entry ``name`` into ``.backup/``, beside the
    entry file of the version using them; return the names moved.  A file another
    entry's header lists (a copy of the entry file made by hand) stays, linked there.

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> open(os.path.join(folder, 'x.0a1b2c-1-0a1b2c3d.h5'), 'w').close()
    >>> back_up_data_files(folder, 'x', ['x.0a1b2c-1-0a1b2c3d.h5'])
    ['x.0a1b2c-1-0a1b2c3d.h5']
    >>> os.listdir(os.path.join(folder, BACKUP_DIR))
    ['x.0a1b2c-1-0a1b2c3d.h5']
    """
    moved = []
    files = checked_data_files(folder, name, files)
    alone = _not_listed_elsewhere(folder, files)
    for file in files:
        source, target = (
            os.path.join(folder, file),
            os.path.join(safe_subdir(folder, BACKUP_DIR), file),
        )
        if file not in alone:
            # another entry's header lists it (a copy made by hand): it stays, and the
            # backed-up version reads it through a link (if this filesystem makes one)
            try:
                os.link(source, target)
            except OSError:
                pass
            continue
        try:
            os.replace(source, target)
        except FileNotFoundError:
            continue
        moved.append(file)
    return moved


def backed_up_by(folder: str, name: str, token: str) -> bool:
    """Whether the writer ``token`` put a copy of entry ``name``'s file in ``.backup/``
    (it wrote with ``backup_data``: the data files it meant to drop go there too).

    >>> import tempfile
    >>> backed_up_by(tempfile.mkdtemp(), 'x', '0a1b2c-1-0a1b2c3d')
    False
    """
    start, end = f"{name}.", f"-{token}.py"
    size = len(start) + len(_STAMP_SHAPE) + len(end)
    try:
        with os.scandir(safe_subdir(folder, BACKUP_DIR, create=False)) as it:
            return any(
                len(i.name) == size and i.name.startswith(start) and i.name.endswith(end)
                for i in it
            )
    except (FileNotFoundError, NotADirectoryError):
        return False


def _check_data_files(folder: str, name: str, files: list[str]) -> None:
    """Refuse to read entry ``name`` if its header lists a file that is not a plain data
    file inside the store: the entry is damaged (``DamagedEntryError`` saying why), so
    whoever reads it handles it as any damage (verify reports it, a cached call keeps it
    aside and computes again).

    Reading another entry's data file harms nothing; only deleting one would, so the
    drop after an overwrite also checks that each file is the entry's own."""
    for file in files:
        try:
            checked_path(folder, file, "data")
        except UnsafeFileError as err:
            cause = err.__cause__
            if isinstance(cause, OSError) and is_read_failure(cause):  # no damage
                raise StoreReadError.of(cause, os.path.join(folder, file)) from cause
            raise DamagedEntryError(name, str(err)) from None
