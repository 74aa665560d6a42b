"""The index file of a store (``.index.json``): its format, the checks a read of it
passes, and its atomic writing (part of the read-side index, :mod:`archived.store.index`).

The file holds a line per column (:data:`COLUMNS`), a value per row, after a head line
naming its format and a checksum of the rest.  It is hostile input: it is read only if
it is no bigger than rows of the store's entries can be, after its checksum matched and
each line has the shape of its column (:func:`check_shape`: a list of one item per row,
of the kind the column holds, so that parsing builds no more than that), and every
field is checked.  The names and signatures every reader needs are checked before any
row is made; a column read later is checked when first read, and once one is in doubt
nothing more of the file is served and the file is removed (:class:`FileColumns`).
Nothing in it is ever executed.

>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> read_columns(os.path.join(folder, INDEX_FILE), 2**20) is None  # no file yet
True
"""

from __future__ import annotations

import functools
import json
import keyword
import math
import operator
import os
import re
import threading
from collections.abc import Collection, Iterable, Iterator
from itertools import count, repeat
from typing import Any

import xxhash

from ..engine.readclose import close_read_only
from . import listing
from .entries import is_canonical
from .indexrow import INFO_CHARS, LAZY, NO_FILES, RACY_NS, VALUE_CHARS, Listing, Row
from .indexscan import Signature
from .leftovers import sweep_index_leftovers
from .storefiles import is_data_file_name, open_regular
from .writers import close_quietly, create_locked, discard_temporary, new_token

__all__ = [
    "INDEX_FILE",
    "COLUMNS",
    "EAGER",
    "FileColumns",
    "check_shape",
    "most_bytes",
    "read_columns",
    "read_file",
    "write_columns",
]

#: The file of the index in a store directory (hidden: it is not an entry).
INDEX_FILE = ".index.json"
_FORMAT = 4  # a line per column, each decoded when first needed; 4 added the brief column
# formats 2 and 3 (one JSON object of columns) are no longer read (the entries are, and
# the file is saved again): a crafted file of them was parsed whole, shape unchecked
# how the listing, brief, key and parameters columns are derived from an entry (its info
# record: listing.columns, table.brief_of, indexrow.call_of; a value edited by hand, a
# key that is not its parameters': indexrow._info_fields): a file of another derivation
# (or none) is not read, its rows are read from their entries again.  Its derived columns
# cannot be made again from its info column alone: a value edited by hand is told only
# by the entry's value section, and its row derived from the info alone listed it as a
# result.  Bump it whenever the derivation changes what it gives: tests/test_index.py
# pins a fingerprint of its output to this number
_DERIVED = 5  # 2 added the key and parameters columns (call_of); 3 cut the longest
# parameters of a listing first, so that every parameter shows (_format.format_params);
# 4: a call whose key is not its recorded parameters' is derived as edited (callcheck);
# 5: a parameter cut keeps its start and its end (_format.format_params)
# how a row's info and value texts are read from its entry file (load.literal's fast path,
# then indexcodec.encode): a file whose header names another reading (or none) is not
# read at all, its texts may not be what this version reads from the same entry.  Bump it
# whenever either changes what it gives: tests/test_index.py pins a fingerprint of them
_READ = 5  # 2: a call whose value was edited by hand is derived as edited (valuedigest);
# 3: the same, for a lookup's row too (a file of 2 may hold one derived as a result);
# 4: the same, for a record with a field added after its digest (a file of 3 may hold one
# derived as a result: valuedigest.recorded read no digest there); 5: read with
# _DERIVED 4 (a file of 4 may hold a call of edited parameters as a result)
_ROW_CHARS = 4 * INFO_CHARS + VALUE_CHARS + 4096  # the most a row of the file may hold
_ROW_BYTES = 4 * _ROW_CHARS  # in UTF-8
# and at most this many times its entry file's bytes, plus _ROW_FIXED: a row's texts are
# derived from its entry, mostly 2-8 times its bytes; a tuple the entry writes once and
# refers to many times is written whole in the row each time (36x measured: a tuple of
# 256 empty tuples built by doubling, in format 4's info and brief).  A row above the
# bound only makes its file unread (the entries are read instead)
_ROW_PER_ENTRY_BYTE = 128
_ROW_FIXED = 512  # a row's numbers, digest and name
_HEX16 = re.compile(r"[0-9a-f]{16}")
_LISTED_CHARS = 100  # a listing's digest in the head line (at most 256 bytes) at most
_MAX_FILE_BYTES = 2**31  # a bigger index file is not read (a store of ~30 million entries)
_CHUNK = 2**22  # bytes of the index file read at once
# the index file's columns, one list each, a row per entry
COLUMNS = (
    "name",
    "ino",
    "size",
    "mtime",
    "ctime",
    "seen",
    "digest",
    "files",
    "info",
    "value",
    "listing",
    "brief",
    "key",
    "parameters",
)
EAGER = 8  # the columns every reader needs (up to files); the others are read on demand
_KINDS = frozenset(listing.KINDS)
_KEYWORDS = frozenset(keyword.kwlist)


def most_bytes(signatures: Iterable[Signature]) -> int:
    """The most an index file of rows for the entry files of ``signatures`` may hold:
    each row at most :data:`_ROW_BYTES`, and at most a few times its entry file's bytes.
    JSON of empty lists takes 20-25 times its bytes once parsed: 1,000 entries of 150
    bytes let an index file of 560 MB of '[],' in (a few kB in a tarball), and each ls
    of that store took 14 GB."""
    sizes = [signature[1] for signature in signatures]
    per_entry = _ROW_PER_ENTRY_BYTE * sum(sizes) + _ROW_FIXED * len(sizes)
    return min(len(sizes) * _ROW_BYTES, per_entry) + 4096


def read_file(
    path: str, max_bytes: int, keep: Collection[str] | None = None
) -> tuple[tuple[int, int, int], dict[str, Row]] | None:
    """The rows of the index file at ``path``, or None if it is missing, bigger than
    ``max_bytes`` or in any doubt (see :func:`read_columns`).  Each row takes its
    texts and listing from the file's columns when first asked (a table of calls
    decodes its brief and value columns only); ``keep``: the columns held in memory
    besides those every reader needs (None: all), any other read from the file again
    when first asked for (:meth:`FileColumns.column`)."""
    read = read_columns(path, max_bytes, keep)
    if read is None:
        return None
    signature, file = read
    names = file.names
    ino, size, mtime, ctime, seen, digest, files = map(file.column, COLUMNS[1:EAGER])
    signatures = zip(ino, size, mtime, ctime, strict=True)
    lazy = repeat(LAZY)
    made = map(
        Row,
        signatures,
        seen,
        digest,
        files,
        lazy,
        lazy,
        lazy,
        lazy,
        repeat(file),
        count(),
        repeat(None),
        lazy,
    )
    return signature, dict(zip(names, made, strict=True))


def read_columns(
    path: str, max_bytes: int, keep: Collection[str] | None = None
) -> tuple[tuple[int, int, int], FileColumns] | None:
    """The columns of the index file at ``path``, those every reader needs checked
    (the others when first read: :class:`FileColumns`), or None if it is missing,
    bigger than ``max_bytes`` or in any doubt.  ``keep``: the columns held in memory
    besides those (None: all); any other is read from the file again when first asked
    for, if it is still the file read (:meth:`FileColumns.column`).

    The bound is what the rows wanted can take: a sparse file of gigabytes takes no
    room on disk, yet was read whole into memory (and parsed) before any check.
    """
    kept = None if keep is None else {*COLUMNS[:EAGER], *keep}
    read = _read_lines(path, max_bytes, kept)
    if read is None:
        return None
    status, head, check, lines = read
    signature = (status.st_ino, status.st_size, status.st_mtime_ns)
    try:
        meta = json.loads(head)
        if (
            type(meta) is not dict
            or meta.get("format") != _FORMAT
            or meta.get("read") != _READ
            or meta.get("check") != check
        ):
            return None
        if meta.get("derived") != _DERIVED:
            # derived by another version: what it kept there is not what this one
            # derives, and cannot be derived again from its info column alone (a value
            # edited by hand is told by the entry's value section): its entries are read
            return None
        if len(lines) != len(COLUMNS):
            raise ValueError("index: unexpected columns")
        # rows of the entries wanted take at least _ROW_FIXED bytes of the bound each: a
        # file of more rows (short ones: 20 MB of them is a million) is not read
        most_rows = max_bytes // _ROW_FIXED
        raw = dict(zip(COLUMNS, lines, strict=True))
        file = FileColumns(path, signature, raw, most_rows, (status.st_ctime_ns, head, check))
        listed = meta.get("listed")
        # (what a reader compares its listing's digest with, nothing else: any text)
        file.listed = listed if type(listed) is str and len(listed) <= _LISTED_CHARS else None
        for field in COLUMNS[:EAGER]:
            file.column(field, strict=True)
    except (ValueError, TypeError, RecursionError, OverflowError):
        # OverflowError: a number no float holds where a float belongs (a listing's
        # start of 10**400 made ls, table() and a cached call die with it)
        return None
    return signature, file


def _read_lines(
    path: str, max_bytes: int, kept: Collection[str] | None
) -> tuple[os.stat_result, bytes, str, list[Any]] | None:
    """The index file at ``path`` as ``(status, head line, checksum of the rest, a
    line per column)``, each line of a column in ``kept`` (None: every column) as the
    pieces of its bytes, any other as :data:`ON_DISK`; None if it is missing, bigger
    than ``max_bytes``, holds a NUL byte or cannot be read.  ``ValueError`` if it holds
    more lines than columns.

    The file is read a chunk at a time into one buffer, and only the lines kept are
    copied out of it: a table of calls keeps about 360 of the 800 bytes a row takes,
    ``ls -l`` about 180, and the file's bytes are no longer held in memory whole until
    the columns asked for are decoded (every read of a big store took fresh pages for
    all of them).
    """
    try:
        # through the store's gate: never a link followed, never a FIFO opened
        fd = open_regular(os.path.dirname(path), os.path.basename(path), "index")
    except (OSError, ValueError):  # missing, or UnsafeFileError
        return None
    try:
        st = os.fstat(fd)
        if st.st_size > min(max_bytes, _MAX_FILE_BYTES):
            return None
        with open(fd, "rb", closefd=False) as f:
            head = f.readline(256)
            buffer = bytearray(min(_CHUNK, st.st_size + 1))
            view = memoryview(buffer)
            digest = xxhash.xxh3_64()
            lines: list[Any] = []
            pieces: list[bytes] | None = [] if kept is None or COLUMNS[0] in kept else None
            while size := f.readinto(buffer):
                # a sparse file within the bound (a store of a few thousand entries
                # allows two GiB) was read whole before its checksum failed: now no line
                # outlives its chunk unless it is kept, and a NUL byte ends the read
                if buffer.find(b"\0", 0, size) >= 0:
                    return None
                digest.update(view[:size])
                start = 0
                while (end := buffer.find(b"\n", start, size)) >= 0:
                    if pieces is not None:
                        pieces.append(bytes(view[start:end]))
                    lines.append(ON_DISK if pieces is None else pieces)
                    # one line too many stops the count (20 MB of 'ab\n' made 14 times
                    # their bytes)
                    if len(lines) == len(COLUMNS):
                        raise ValueError("index: unexpected columns")
                    field = COLUMNS[len(lines)]
                    pieces = [] if kept is None or field in kept else None
                    start = end + 1
                if pieces is not None and start < size:
                    pieces.append(bytes(view[start:size]))
            lines.append(ON_DISK if pieces is None else pieces)
    except (OSError, ValueError):
        return None
    finally:
        close_read_only(fd)
    return st, head, digest.hexdigest(), lines


class _OnDisk:
    """The type of :data:`ON_DISK`: a column's line left in the index file (read again
    when the column is first asked for)."""

    __slots__ = ()


ON_DISK = _OnDisk()


class FileColumns:
    """The columns of one index file, each decoded and checked when first asked for.

    An index file of a big store holds mostly texts (info records, values) that a given
    reader does not need: ``table()`` reads the brief records and the values, ``ls`` the
    listings, neither the info records.  A column that does not pass its checks reads
    as all null (callers read the entries), and the file is removed (if it is still the
    one that was read) so that the next reader rebuilds it.
    """

    def __init__(
        self,
        path: str,
        signature: tuple[int, int, int],
        raw: dict[str, Any],
        most_rows: int,
        read: tuple[int, bytes, str] | None = None,
    ) -> None:
        self.path = path
        self.signature = signature
        self.most_rows = most_rows  # a file of more rows is not read
        self.names: list[str] = []
        self.doubt = False  # a column did not pass its checks
        # a column left in the file could not be read again (the file was replaced or
        # changed since): it reads as all null, and these columns are not saved again
        self.lost = False
        # each column's JSON text (in pieces), until it is decoded; ON_DISK: in the file
        self._raw = raw
        # (ctime, head line, checksum) of the file read: what a read of a column left
        # in it checks the file against
        self._read = read
        self._columns: dict[str, list[Any]] = {}
        # the digest of the store's listing that the file's rows are exactly, each read
        # after its entry file had settled (indexscan.listing_digest), or None
        self.listed: str | None = None
        self._lock = threading.Lock()

    @property
    def settled(self) -> bool:
        """Whether every row of the file was read after its entry file had settled
        (see :meth:`indexrow.Row.racy`): then a row is valid while its signature is unchanged."""
        _, _, mtime, ctime, seen = map(self.column, COLUMNS[1:6])
        changed = map(max, mtime, ctime)
        trusted_before = map(operator.sub, seen, repeat(RACY_NS))
        return all(map(operator.lt, changed, trusted_before))

    def signatures(self) -> dict[str, Signature]:
        """Each row's entry file signature, by name."""
        ino, size, mtime, ctime = map(self.column, COLUMNS[1:5])
        return dict(zip(self.names, zip(ino, size, mtime, ctime, strict=True), strict=True))

    def row(self, pos: int) -> Row:
        """The row at position ``pos`` (as :func:`read_file` makes it)."""
        ino, size, mtime, ctime, seen, digest, files = (
            self.column(field)[pos] for field in COLUMNS[1:EAGER]
        )
        lazy = LAZY
        return Row(
            (ino, size, mtime, ctime),
            seen,
            digest,
            files,
            lazy,
            lazy,
            lazy,
            lazy,
            self,
            pos,
            None,
            lazy,
        )

    def column(self, field: str, strict: bool = False) -> list[Any]:
        """Column ``field``, a value per row; all None once a column of the file is in
        doubt (``strict``: ``ValueError`` then).  The info records, the whole truth of
        each row, are read only after every other column passed its checks."""
        found = self._columns.get(field)
        if found is not None and (not self.doubt or field in COLUMNS[:EAGER]):
            return found  # (the columns every reader needs were checked before any use)
        if field == "info" and not self.doubt:
            for other in [f for f in self._raw if f != "info"]:
                self.column(other)
        with self._lock:
            if self.doubt:
                return [None] * len(self.names)
            found = self._columns.get(field)
            if found is None and self._raw.get(field) is ON_DISK:
                self._read_again()
            found = self._columns.get(field)
            if found is None:
                try:
                    raw = b"".join(self._raw.pop(field))
                    rows = self.most_rows if field == "name" else len(self.names)
                    if field == "files" and raw == _no_files_line(rows):
                        # no entry lists a data file (most stores): each row the one
                        # shared empty tuple, as a row made from its entry has, not a
                        # list each (20,000 more objects for the collector to walk)
                        found = [NO_FILES] * rows
                    else:
                        check_shape(field, raw, rows)  # before json.loads builds anything
                        found = _check_column(field, json.loads(raw), self.names)
                except (ValueError, TypeError, RecursionError, KeyError, OverflowError):
                    if strict:
                        raise
                    found = [None] * len(self.names)
                    self._in_doubt()
                if field == "name":
                    self.names = found
                self._columns[field] = found
        return found

    def _read_again(self) -> None:
        """Read the columns left in the file (:data:`ON_DISK`) from it again, all at
        once, if it is still the file read: the same inode, size, modification and
        change times, head line and checksum.  Else they read as all null (callers
        read the entries) and :attr:`lost` is set."""
        left = [field for field, raw in self._raw.items() if raw is ON_DISK]
        read = _read_lines(self.path, self.signature[1], left)
        if read is not None and self._read is not None:
            st, head, check, lines = read
            same = (st.st_ino, st.st_size, st.st_mtime_ns) == self.signature and (
                st.st_ctime_ns,
                head,
                check,
            ) == self._read
            if same:  # the same bytes: the same lines
                for field, line in zip(COLUMNS, lines, strict=False):
                    if field in left:
                        self._raw[field] = line
                return
        for field in left:
            del self._raw[field]
            self._columns[field] = [None] * len(self.names)
        self.lost = True

    def _in_doubt(self) -> None:
        """A column failed its checks: remove the file if it is still the one read (the
        next reader rebuilds it from the entries); the rows of it are dropped by the
        next refresh of this process (:attr:`doubt`)."""
        self.doubt = True
        _remove_if_same(self.path, self.signature)


def _no_files_line(rows: int) -> bytes:
    """The files column of ``rows`` rows none of which lists a data file, as
    :meth:`index._State._save` writes it.

    >>> _no_files_line(2), _no_files_line(0)
    (b'[[],[]]', b'[]')
    """
    return b"[" + b",".join([b"[]"] * rows) + b"]"


def _remove_if_same(path: str, signature: tuple[int, int, int]) -> None:
    """Remove the index file at ``path`` if it is still the one of ``signature``, never
    one another process renamed in meanwhile: a removal after a check may remove a good
    file renamed in between, so the file is renamed aside first (atomic), checked there,
    and put back (unless a newer one took its place) if it is not the one read."""
    try:
        st = os.lstat(path)
        if (st.st_ino, st.st_size, st.st_mtime_ns) != signature:
            return  # another file already (the common case: nothing moved)
        aside = os.path.join(os.path.dirname(path), f".index.{new_token()}.tmp")
        os.rename(path, aside)
    except OSError:  # gone already, or a store we may not write
        return
    try:
        st = os.lstat(aside)
        if (st.st_ino, st.st_size, st.st_mtime_ns) != signature:
            # renamed in between the check and the rename: back in place, unless a still
            # newer one is there (link never replaces a file)
            os.link(aside, path)
    except OSError:  # a newer file in place, or no hard links here: the index is rebuilt
        pass
    try:
        os.unlink(aside)
    except OSError:  # a sweeper took it for a dead writer's leftover
        pass


def _check_column(field: str, column: Any, names: list[str]) -> list[Any]:
    """Column ``field`` of an index file of format 4, checked (``ValueError`` at the
    first doubt)."""
    if type(column) is not list or (field != "name" and len(column) != len(names)):
        raise ValueError("index: columns of different lengths")
    if field == "name":
        _check_names(column)
    elif field in ("ino", "size", "mtime", "ctime", "seen"):
        _check_numbers(column)
    elif field == "digest":
        _check_digests(column)
    elif field == "files":
        _check_files(column, names)
    elif field == "listing":
        return _checked_listings(column)
    else:
        _check_texts(column, VALUE_CHARS if field == "value" else INFO_CHARS)
    return column


# ---- the shape of a column's line, checked before it is parsed ---------------------------

# JSON of a list of the items a column holds, as _save writes it (no whitespace), the
# text of each string aside: every string is a quote, no quote, a quote (check_shape
# takes the escapes out of the strings first).  Possessive: the match keeps no state per
# item, a line of a million items takes no more memory than one of ten
_STRING = rb'"[^"]*+"'
_TEXT = rb'(?:"[^"]*+"|null)'
_DATA_FILE = rb'"[^"\[\]{}]*+"'  # a data file's name has no bracket (see storefiles)
_LISTED = rb'(?:null|\[(?:"[^"]*+",){4}(?:null|-?[0-9][0-9.eE+-]*+)\])'


def _list_of(item: bytes) -> Any:
    return re.compile(rb"\[(?:" + item + rb"(?:," + item + rb")*+)?\]").fullmatch


_SHAPES = {
    "name": _list_of(_STRING),
    "files": _list_of(rb"\[(?:" + _DATA_FILE + rb"(?:," + _DATA_FILE + rb")*+)?\]"),
    "listing": _list_of(_LISTED),
    "info": _list_of(_TEXT),
    "value": _list_of(_TEXT),
    "brief": _list_of(_TEXT),
    "key": _list_of(_TEXT),
    "parameters": _list_of(_TEXT),
}
_NUMBER_COLUMNS = frozenset(("ino", "size", "mtime", "ctime", "seen"))
_QUOTES_PER_ROW = {
    "name": 2,
    "info": 2,
    "value": 2,
    "brief": 2,
    "listing": 8,
    "key": 2,
    "parameters": 2,
}


def check_shape(field: str, line: bytes, rows: int) -> None:
    """``ValueError`` unless ``line`` has the shape of column ``field`` of ``rows`` rows
    (of at most ``rows`` names for the name column) as :meth:`index._State._save` writes it.

    Checked before ``json.loads`` parses the line: what it builds is then a list of at
    most ``rows`` items of the kind the column holds.  A line of anything else (20 MB
    of ``[],``) made millions of objects, 20-25 times its bytes, before the column's
    check refused it.

    >>> check_shape("size", b"[12,0]", 2), check_shape("info", b'["{\\\\"a\\\\":1}",null]', 2)
    (None, None)
    >>> check_shape("info", b"[[],[],[]]", 3)
    Traceback (most recent call last):
        ...
    ValueError: index: not a column of info
    """
    if field in _NUMBER_COLUMNS or field == "digest":
        # digits between commas (a digest: 16 hex digits in quotes), one item per row
        kept = line.translate(None, _HEX_DIGITS if field == "digest" else _DIGITS)
        item = b'""' if field == "digest" else b""
        if kept != (b"[" + item + (b"," + item) * (rows - 1) + b"]" if rows else b"[]"):
            raise ValueError(f"index: not a column of {field}")
        if field == "digest" and len(line) != max(2, rows * 19 + 1):
            raise ValueError("index: not a column of digests")
        return
    if b"\\" in line:  # the escapes of the strings: what is left of them is no quote
        line = line.replace(b"\\\\", b"").replace(b'\\"', b"")
    if _SHAPES[field](line) is None:
        raise ValueError(f"index: not a column of {field}")
    if field == "files":
        many = line.count(b"[") - 1 != rows
    else:
        many = line.count(b'"') > _QUOTES_PER_ROW[field] * rows
    if many:
        raise ValueError(f"index: more items in column {field} than rows")


_DIGITS = b"0123456789"
_HEX_DIGITS = b"0123456789abcdef"


def _check_names(names: list[Any]) -> None:
    if (
        not set(map(type, names)) <= {str}
        or not all(map(str.isidentifier, names))
        or any(map(_startswith_underscore, names))
        or not _KEYWORDS.isdisjoint(names)
        or len(set(names)) != len(names)
        # spelled as Python reads them, as a lookup of one entry checks (one C scan
        # when every name is ASCII, as nearly always)
        or not ("".join(names).isascii() or all(map(is_canonical, names)))
    ):
        raise ValueError("index: not an entry name")


def _check_numbers(numbers: list[Any]) -> None:
    # (bounded: a file taken on its listing's digest has its signatures compared with no
    # entry file's, and a size or mtime of 10**400, which no float holds, killed ls -l)
    if (
        not set(map(type, numbers)) <= {int}
        or min(numbers, default=0) < 0
        or max(numbers, default=0) >= _MOST_NUMBER
    ):
        raise ValueError("index: malformed signature")


# more than any stat gives: a size is 64 bits, a time 64-bit seconds in ns (< 2**96),
# an inode 64 bits, or 128 where Windows gives a file id of ReFS
_MOST_NUMBER = 2**128


def _check_digests(digests: list[Any]) -> None:
    if not set(map(type, digests)) <= {str} or not all(map(_HEX16.fullmatch, digests)):
        raise ValueError("index: malformed digest")


def _check_files(files: list[Any], names: list[str]) -> None:
    if not set(map(type, files)) <= {list} or not all(
        is_data_file_name(f, name)
        for name, listed in zip(names, files, strict=True)
        if listed
        for f in listed
    ):
        raise ValueError("index: malformed data files")


def _check_texts(texts: list[Any], limit: int) -> None:
    if not set(map(type, texts)) <= {str, type(None)}:
        raise ValueError("index: malformed info or value")
    if max(map(len, filter(None, texts)), default=0) > limit:
        raise ValueError("index: info or value too long")


def _checked_listings(listed: list[Any]) -> list[Listing | None]:
    """The listing column of an index file (``[kind, function, version, summary,
    started]`` or null per row), checked a column at a time, :data:`_CHECKED_ROWS` rows
    at a time; ``ValueError`` at the first doubt.

    Each check is a pass in C over the rows' lists and texts: over the whole column, the
    later passes found none of them in the CPU's caches any more once the column
    outgrew them (0.38 us a row at 20,000 entries, 0.55 at 100,000; 0.29 for both a
    slice at a time)."""
    for start in range(0, len(listed), _CHECKED_ROWS):
        _check_listings(listed[start : start + _CHECKED_ROWS])
    return listed  # each a list of the four: unpacked, never changed


_CHECKED_ROWS = 2048  # rows of a column checked at once (see _checked_listings)


def _check_listings(listed: list[Any]) -> None:
    present = list(filter(_not_none, listed))
    if not present:
        return
    if set(map(type, present)) != {list} or set(map(len, present)) != {5}:
        raise ValueError("index: malformed listing")
    kinds, functions, versions, summaries, started = zip(*present, strict=True)
    texts = functions + versions + summaries
    if (
        not _KINDS.issuperset(kinds)
        or set(map(type, texts)) != {str}
        or max(map(len, texts)) > INFO_CHARS
        or not set(map(type, started)) <= {int, float, type(None)}
        or not all(map(math.isfinite, filter(None, started)))
    ):
        raise ValueError("index: malformed listing")


_not_none = functools.partial(operator.is_not, None)  # a filter in C

_startswith_underscore = operator.methodcaller("startswith", "_")  # a map in C


def write_columns(
    folder: str, columns: list[list[Any]], listed: str | None = None
) -> os.stat_result | None:
    """Write the index file of the store ``folder`` holding ``columns`` (the name column,
    then one per field of :data:`COLUMNS`, a value per row), atomically: a temporary file
    renamed into place.  Its status, or None if it could not be written (a store we may
    not write: the index is then kept in memory only).  ``listed``: the digest of the
    store's listing whose entries the rows are exactly, each settled
    (:func:`~archived.store.indexscan.listing_digest`), if the caller checked so.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> st = write_columns(folder, [[], *([] for _ in COLUMNS[1:])])
    >>> read_columns(os.path.join(folder, INDEX_FILE), 2**20)[1].names
    []
    """
    path = os.path.join(folder, INDEX_FILE)
    tmp = os.path.join(folder, f".index.{new_token()}.tmp")
    try:
        # locked until renamed, as every writer's .tmp: a sweeper in another pid
        # namespace takes an unlocked one for a dead writer's and removes it
        fd = create_locked(tmp)
    except OSError:  # a store we may not write (read-only, full disk): memory only
        return None
    try:
        with open(fd, "wb", closefd=False) as f:
            # the head holds the checksum of the lines after it, known once they are
            # written: its place is kept (a checksum's hex digits are always 16) and it
            # is written last.  Each column is encoded _PIECE_ROWS rows at a time: every
            # line encoded whole (then as UTF-8) held the file's size at once, 80 MB at
            # 100,000 entries, in fresh pages (0.78 page faults an entry, none now)
            f.write(_head("0" * 16, listed))
            digest = xxhash.xxh3_64()
            for i, column in enumerate(columns):
                f.write(b"\n")  # (the checksum's text is the lines joined by line breaks)
                digest.update(b"\n" if i else b"")
                for piece in _line_pieces(column):
                    digest.update(piece)
                    f.write(piece)
            f.seek(0)
            f.write(_head(digest.hexdigest(), listed))
        os.replace(tmp, path)
        st = os.lstat(path)
    except BaseException as err:  # a full disk, or Ctrl-C of a table() saving the index
        discard_temporary(tmp, err)
        return None
    finally:
        close_quietly(fd)  # (a failed flush there leaves a file its checksum refuses)
    sweep_index_leftovers(folder)  # what readers killed while saving it left
    return st


def _head(check: str, listed: str | None = None) -> bytes:
    """The head line of an index file whose lines after it have checksum ``check``
    (and whose rows are the listing of digest ``listed``)."""
    meta: dict[str, Any] = {"format": _FORMAT, "read": _READ, "derived": _DERIVED, "check": check}
    if listed is not None:
        meta["listed"] = listed
    return json.dumps(meta).encode()


_PIECE_ROWS = 1024  # rows of a column encoded at once


def _line_pieces(column: list[Any]) -> Iterator[bytes]:
    """The line of ``column`` in the index file (JSON text, which has no raw line break),
    in pieces of at most :data:`_PIECE_ROWS` rows.  surrogatepass: a str may hold a lone
    surrogate (a file name of undecodable bytes); json.loads reads bytes back with the
    same handler."""
    if len(column) <= _PIECE_ROWS:
        yield _dumps(column).encode("utf-8", "surrogatepass")
        return
    yield b"["
    for start in range(0, len(column), _PIECE_ROWS):
        if start:
            yield b","
        yield _dumps(column[start : start + _PIECE_ROWS])[1:-1].encode("utf-8", "surrogatepass")
    yield b"]"


_dumps = functools.partial(json.dumps, separators=(",", ":"), ensure_ascii=False)
