"""The read-side index of a store: every entry's info record at the cost of one stat.

Reading the info records of many entries (a table, a sweep's status, ``ls``) used to
compile and execute one file per entry.  :func:`rows` instead keeps, per store, what it
learnt from each entry file: its info record (and its value, when small) as JSON text
(:mod:`archived.store.indexcodec`), the data files its header lists, and the file's
signature.  Asked again, it checks every entry file's signature with one ``stat`` and
reads again only the entries whose file changed.

The entries stay the only source of truth:

* **Signature.**  Every commit ``os.replace``-s a new file onto the entry, so its inode
  and ctime change (and a hand edit in place changes its mtime and ctime).  A row is
  used only while the file's ``(inode, size, mtime_ns, ctime_ns)`` equals the row's.
* **Racy rows.**  A file rewritten within one tick of the filesystem's clock (same size,
  a reused inode) could keep all four.  So a row whose file changed less than
  :data:`RACY_SECONDS` before it was read is checked by content (an xxh3 digest of the
  file's bytes) every time, until it is older than that (git's "racily clean" rule).
* **Built by readers, never by writers.**  Inserts stay O(1): no writer touches the
  index, and a writer killed at any instant leaves at most an entry whose signature
  no row has, i.e. a stale row that is detected and read again.  Readers save the rows
  in the store's ``.index.json`` (atomically: a temporary file renamed into place) when
  many changed, so the next process starts from them; a store that is not writable is
  indexed in memory only.  The file can be deleted at any time.
* **Hostile input.**  The file is read by ``json.loads`` only after its checksum
  matched and each line has the shape of its column (:func:`_check_shape`: a list of
  one item per row, of the kind the column holds, so that parsing builds no more than
  that), and every field is checked.  The file (format 4) holds a line per column,
  so that a reader decodes only the columns it needs (:class:`_FileColumns`): the
  names and signatures every reader needs are checked before any row is made, and on
  any doubt the whole file is ignored (the rows are then rebuilt from the entries); a
  column read later (values, brief records, listings) is checked when first read, and
  once one is in doubt nothing more of the file is served (its rows read their
  entries), the file is removed and the next refresh rebuilds it.  The info records
  are served only after every other column passed.  A row's info or value that does
  not decode falls back to reading that entry.  Nothing in it is ever executed.

Only what the literal fast path (:mod:`archived.load.literal`) reads goes into a row, so
a row serves trusted and safe loads alike; an entry whose info is not plain data (or
that is damaged) has a row without info, and callers read that entry itself.  A row
also keeps what ``archived ls -l`` prints of its entry (:func:`archived.store.listing.columns`,
derived from the info when the row is made), and :func:`listings` lists a store for a
new process straight from the file's columns, after the same check of every entry file.
And it keeps the brief record of a call (:func:`archived.store.table.brief_of`: its
function, version, status, parameters, start and duration), so that ``table()`` and
``where()`` of a big store decode neither the full info records nor the file's column
of them (:func:`kept_briefs` and :func:`kept_values` decode many rows at once).  And
the key and parameters of a call (:func:`_call_of`), which a sweep's lookup of its points
compares (:meth:`Row.call_fields`): a rerun of a finished sweep decodes neither the full
info records nor their column.  The derived columns are read only from a file whose
header names the derivation of this version (``derived``); any other file's rows derive
them again from their info records.

>>> import tempfile
>>> from archived.store.entries import commit_entry
>>> folder = tempfile.mkdtemp()
>>> commit_entry(folder, 'a', 2.5, info={'mu': 1})
>>> row = rows(folder)['a']
>>> row.info(), row.value()
({'mu': 1}, (True, 2.5))
"""

from __future__ import annotations

import functools
import json
import keyword
import math
import operator
import os
import re
import stat
import threading
import time
from collections.abc import Iterable, Sequence, Sized
from itertools import compress, count, repeat
from typing import Any

import xxhash

from ..engine.archive import _gc_paused
from ..engine.textbytes import NulByteError, read_text_chunks
from ..errors import DamagedEntryError
from ..load.literal import NotLiteral, literal_value
from ..load.recordfields import call_fields
from . import indexcodec, listing
from .entries import (
    entry_sections,
    entry_text,
    is_canonical,
    read_entry_bytes,
    warn_special,
)
from .storefiles import is_data_file_name, open_regular
from .table import brief_of
from .writers import create_locked, new_token

__all__ = [
    "rows",
    "row",
    "Row",
    "forget",
    "is_many",
    "INDEX_FILE",
    "RACY_SECONDS",
    "NOT_KEPT",
    "kept_values",
    "kept_briefs",
    "decode_values",
    "decode_briefs",
    "kept",
    "Kept",
]

#: The file of the index in a store directory (hidden: it is not an entry).
INDEX_FILE = ".index.json"
#: A file changed less than this long before it was read is checked by content.
RACY_SECONDS = 3.0
_FORMAT = 4  # a line per column, each decoded when first needed; 4 added the brief column
# (a file of derivation 2 has two more lines, the key and parameters columns; one of 12
# lines is read as a file of another derivation: its derived columns are derived again)
# formats 2 and 3 (one JSON object of columns) are no longer read (the entries are, and
# the file is saved again): a crafted file of them was parsed whole, shape unchecked
# how the listing and brief columns are derived from an info record (listing.columns,
# table.brief_of): a file of another derivation (or none) is read without them, and they
# are derived again.  Bump it whenever either changes what it gives:
# tests/test_index.py pins a fingerprint of their output to this number
_DERIVED = 3  # 2 added the key and parameters columns (_call_of); 3 cut the longest
# parameters of a listing first, so that every parameter shows (_format.format_params)
# how a row's info and value texts are read from its entry file (load.literal's fast path,
# then indexcodec.encode): a file whose header names another reading (or none) is not
# read at all, its texts may not be what this version reads from the same entry.  Bump it
# whenever either changes what it gives: tests/test_index.py pins a fingerprint of them
_READ = 1
_DERIVED_COLUMNS = ("listing", "brief", "key", "parameters")
_RACY_NS = int(RACY_SECONDS * 1e9)
_INFO_CHARS = 64 * 1024  # longer info records are read from their entry
_VALUE_SOURCE_CHARS = 2048  # values of longer source are not kept
# a lookup's row keeps the info section of at most this many characters to read later (a
# longer one is read now, as a full look reads it: its text is kept only if it is short)
_INFO_SOURCE_CHARS = 2 * _INFO_CHARS
_VALUE_CHARS = 4096
_ROW_CHARS = 4 * _INFO_CHARS + _VALUE_CHARS + 4096  # the most a row of the file may hold
_ROW_BYTES = 4 * _ROW_CHARS  # in UTF-8
# and at most this many times its entry file's bytes, plus _ROW_FIXED: a row's texts are
# derived from its entry, mostly 2-8 times its bytes; a tuple the entry writes once and
# refers to many times is written whole in the row each time (36x measured: a tuple of
# 256 empty tuples built by doubling, in format 4's info and brief).  A row above the
# bound only makes its file unread (the entries are read instead)
_ROW_PER_ENTRY_BYTE = 128
_ROW_FIXED = 512  # a row's numbers, digest and name
_HEX16 = re.compile(r"[0-9a-f]{16}")
_MAX_FILE_BYTES = 2**31  # a bigger index file is not read (a store of ~30 million entries)
_CHUNK = 2**22  # bytes of the index file read at once
# the index file's columns, one list each, a row per entry
_COLUMNS = (
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
_COLUMNS_OF_DERIVATION_1 = _COLUMNS[:12]  # (no key and parameters columns)
_EAGER = 8  # the columns every reader needs (up to files); the others are read on demand
_KINDS = frozenset(listing.KINDS)
_KEYWORDS = frozenset(keyword.kwlist)
_KEYWORD_FILES = frozenset(k + ".py" for k in keyword.kwlist)
# an entry file of an ASCII name (an identifier not starting with _ is NFKC already)
_PLAIN_ENTRY_FILE = re.compile(r"[A-Za-z][A-Za-z0-9_]*\.py").fullmatch
_NO_FILES: tuple[str, ...] = ()
_NO_CALL: tuple[None, None] = (None, None)  # the call fields of a row without info
_FEW = 64  # views of more names than this pause the cyclic collector


class Row:
    """What the index knows about one entry file (read-only for callers).

    ``files``: the data files its header lists; ``info()``: its info record, decoded
    afresh on each call (or ``KeyError`` when the row has none: read the entry);
    ``brief()``: the fields of it a table of calls reads (:func:`table.brief_of`);
    ``value()``: ``(True, value)`` when the row keeps the value, else ``(False, None)``;
    ``listing``: what ``ls`` prints from the info record (:func:`listing.columns`), or
    None when not known (see :func:`rows`' ``listing``).

    A row read from an index file takes its texts from the file's columns when first
    asked (:class:`_FileColumns`): a table of calls never decodes the full info records.
    """

    __slots__ = (
        "signature",
        "_seen",
        "settled",
        "digest",
        "files",
        "_info",
        "_value",
        "_listing",
        "_brief",
        "_file",
        "_pos",
        "_source",
        "_call",
        "memo",
    )

    def __init__(
        self,
        signature: tuple[int, int, int, int],
        seen: int,
        digest: str,
        files: Sequence[str],
        info_text: str | None | _Lazy | _Pending,
        value_text: str | None | _Lazy | _Pending,
        listed: Listing | None | _Lazy | _Pending = None,
        brief_text: str | None | _Lazy | _Pending = None,
        file: _FileColumns | None = None,
        pos: int = 0,
        source: _Source | None = None,
        call: tuple[str | None, str | None] | _Lazy | _Pending = _NO_CALL,
    ) -> None:
        self.signature = signature
        # the seen setter, spelt out: an index file of a big store makes many rows
        self._seen = seen
        self.settled = max(signature[2], signature[3]) < seen - _RACY_NS
        self.digest = digest
        # most entries have no data file: one shared empty tuple, not a list per row (a
        # big store's rows outlive a table, and every container is one more for the
        # cyclic collector to walk)
        self.files: Sequence[str] = files if files else _NO_FILES
        self._info = info_text
        self._value = value_text
        self._listing = listed
        self._brief = brief_text
        self._file = file  # the index file's columns the lazy fields come from
        self._pos = pos
        self._source = source  # the entry's sections the _PENDING fields come from
        self._call = call  # (key, parameters text) of the info record: see _call_of
        # what a caller derived from this version of the file (in this process only)
        self.memo: Any = None

    @property
    def info_text(self) -> str | None:
        """The info record as :mod:`indexcodec` text, or None if the row has none."""
        text = self._info
        if text is _LAZY:  # (spelt out: a table reads one per row)
            text = self._info = self._file.column("info")[self._pos]  # type: ignore[union-attr]
        elif text is _PENDING:
            text = self._derive_info()[0]
        return text  # type: ignore[return-value]

    @property
    def value_text(self) -> str | None:
        """The value as :mod:`indexcodec` text, or None if the row does not keep it."""
        text = self._value
        if text is _LAZY:  # (spelt out: a table reads one per row)
            text = self._value = self._file.column("value")[self._pos]  # type: ignore[union-attr]
        elif text is _PENDING or text is _PENDING_READ:
            text = self._derive_value()
        return text  # type: ignore[return-value]

    @property
    def brief_text(self) -> str | None:
        """The brief record (:meth:`brief`; ``"null"``: the info is not a dict) as
        :mod:`indexcodec` text, or None if the row has no info."""
        text = self._brief
        if text is _LAZY:
            if self._file is not None and self._file.has("brief"):
                text = self._file.column("brief")[self._pos]
            else:  # a row of an index file of another derivation: from the info
                text = _brief_of_text(self.info_text)
            self._brief = text
        elif text is _PENDING:
            text = self._derive_info()[2]
        return text  # type: ignore[return-value]

    @property
    def call_texts(self) -> tuple[str | None, str | None]:
        """``(key, parameters)`` of the info record (:func:`_call_of`: the key if it is a
        text, the parameters as :mod:`indexcodec` text), or ``(None, None)`` if the row
        has no info."""
        call = self._call
        if call is _LAZY:
            file = self._file
            if file is not None and file.has("parameters"):
                # not kept in the row: a rerun of a big sweep reads it once per row
                pos = self._pos
                key, shown = file.column("key")[pos], file.column("parameters")[pos]
                return (None, None) if file.doubt else (key, shown)
            call = self._call = _call_of_text(self.info_text)  # another derivation's
        elif call is _PENDING:
            call = self._derive_info()[3]
        return call  # type: ignore[return-value]

    @property
    def listing(self) -> Listing | None:
        """What ``ls`` prints of the entry (None: not known; read the entry)."""
        listed = self._listing
        if listed is _LAZY:
            listed = self._listing = self._from_file("listing")
        elif listed is _PENDING:
            listed = self._derive_info()[1]
        return listed  # type: ignore[return-value]

    @listing.setter
    def listing(self, listed: Listing | None) -> None:
        self._listing = listed

    def _from_file(self, field: str) -> Any:
        assert self._file is not None
        return self._file.column(field)[self._pos]

    def _derive_info(self) -> _InfoFields:
        """Fill the fields derived from the info record of a row made by a lookup
        (:func:`_parse` with ``lazy``): its text, listing, brief record and call fields,
        as an eager row has them; returned as ``(info_text, listing, brief_text, call)``."""
        source = self._source
        if source is None:  # derived meanwhile, by another thread
            return self._info, self._listing, self._brief, self._call  # type: ignore[return-value]
        derived = _info_fields(source.name, source.info)
        self._listing, self._brief, self._call = derived[1], derived[2], derived[3]
        self._info = derived[0]  # last: a reader that sees a text finds the others set
        if type(self._value) is not _Pending:  # all derived: the sections are no longer needed
            self._source = None  # (after the fields: see info())
        return derived

    def _derive_value(self) -> str | None:
        """Fill the value text of a lookup's row (see :meth:`_derive_info`)."""
        source = self._source
        if source is None:  # derived meanwhile, by another thread
            return self._value  # type: ignore[return-value]
        self._value = text = _value_text(source.name, source.value)
        if self._info is not _PENDING:
            self._source = None
        return text

    @property
    def size(self) -> int:
        """The entry file's size in bytes."""
        return self.signature[1]

    @property
    def mtime(self) -> float:
        """The entry file's modification time (seconds since the epoch)."""
        return self.signature[2] / 1e9

    @property
    def has_info(self) -> bool:
        """Whether the row keeps the info record (else the entry must be read)."""
        return self.info_text is not None

    def info(self) -> Any:
        """The entry's info record, a fresh object on each call.

        ``KeyError`` if the row does not keep it; ``ValueError`` if the kept text does
        not decode (a tampered index file): read the entry then.
        """
        # the sections first: they are dropped only once every field is derived, so a
        # field still pending after them finds them there (another thread may derive)
        source = self._source
        if self._info is _PENDING:  # a lookup's row: read from the entry's own text
            try:
                return literal_value(source.info, "info")  # type: ignore[union-attr]
            except NotLiteral:
                raise KeyError("info not in the index") from None
        text = self.info_text
        if text is None:
            raise KeyError("info not in the index")
        return indexcodec.decode(text)

    def call_fields(self) -> tuple[str | None, Any] | None:
        """``(key, parameters)`` of the entry's info record as a sweep's lookup reads
        them (``info()["key"]`` if it is a text, else None, and ``info().get("parameters")``;
        ``(None, None)`` if the record is not a dict), without decoding the rest of the
        record; None: read ``info()``.

        A row made by a lookup reads them from the entry's text when the record is in
        archived's layout of a call of scalars
        (:func:`~archived.load.recordfields.call_fields`); any other row from its key
        and parameters columns (a rerun of a finished sweep of 20,000 points decoded
        every full info record, and the index file's whole column of them, for these two
        fields: a quarter of its time)."""
        source = self._source
        if self._info is _PENDING and source is not None:
            return call_fields(source.info)
        key, shown = self.call_texts
        if shown is None:
            return None
        try:
            return key, indexcodec.decode(shown)
        except ValueError:  # a tampered index file: info() reads the entry
            return None

    def brief(self) -> Any:
        """The entry's brief record (:func:`archived.store.table.brief_of` its info
        record): a fresh dict, or None if the record is not a dict.

        ``KeyError`` and ``ValueError`` as :meth:`info`.
        """
        text = self.brief_text
        if text is None:
            raise KeyError("info not in the index")
        brief = indexcodec.decode(text)
        if brief is not None and type(brief) is not dict:
            raise ValueError("index: a brief record that is not a dict")
        return brief

    def value(self) -> tuple[bool, Any]:
        """``(True, value)`` (a fresh object) if the row keeps the value, else
        ``(False, None)``; ``ValueError`` as :meth:`info`."""
        source = self._source  # first, as in info()
        if self._value is _PENDING:
            # a lookup's row reads its first value from the entry's own text, and makes
            # the value's text at the next call (a key hit again reads it again, and
            # decoding the text costs a third of reading the source)
            self._value = _PENDING_READ
            try:
                return True, literal_value(source.value, source.name)  # type: ignore[union-attr, arg-type]
            except NotLiteral:
                return False, None
        text = self.value_text
        if text is None:
            return False, None
        return True, indexcodec.decode(text)

    @property
    def seen(self) -> int:
        """When (ns since the epoch) the file was last read, or checked by content."""
        return self._seen

    @seen.setter
    def seen(self, when: int) -> None:
        self._seen = when
        self.settled = not self.racy()

    def racy(self) -> bool:
        """Whether the file changed too shortly before it was read to trust its signature."""
        _, _, mtime, ctime = self.signature
        return max(mtime, ctime) >= self._seen - _RACY_NS

    def dump(self) -> list[Any]:
        """The row's fields as the index file keeps them (its name aside)."""
        return [
            *self.signature,
            self.seen,
            self.digest,
            self.files,
            self.info_text,
            self.value_text,
            self.listing,
            self.brief_text,
            *self.call_texts,
        ]


def rows(
    folder: str, names: Iterable[str] | None = None, *, listed: bool = False
) -> dict[str, Row]:
    """The index rows of the entries of the store ``folder`` as they are now, by name.

    Every entry file is checked (one ``stat``); only the changed ones are read again.
    With ``names``, only those entries are checked and returned (missing ones left
    out, and the index file is read only if many of them are new to this process).
    An entry that cannot be read (a symbolic link, a FIFO) has a row without info or
    value: callers read it themselves and get the error.  ``listed``: fill each row's
    ``listing`` where its info record gives it (kept in the index file, so the next
    ``ls`` of unchanged entries decodes nothing).

    >>> import tempfile
    >>> rows(tempfile.mkdtemp())
    {}
    """
    state = _state(folder)
    if not is_many(names):  # a lookup of a few (a hit): pausing would cost more
        with state.lock:
            return state.refresh(names, listed)
    with state.lock, _gc_paused():  # many rows, no cycles: the collector would only cost
        return state.refresh(names, listed)


#: What :func:`kept_values` and :func:`kept_briefs` give for a row that keeps none.
class _NotKept:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_KEPT"


NOT_KEPT: Any = _NotKept()


def kept_values(rows: Sequence[Row]) -> list[Any]:
    """``[row.value()[1] for row in rows]`` decoded at once (a table of a big store
    decodes a value per row), :data:`NOT_KEPT` for a row that keeps none or whose text
    does not decode (a tampered index file): read those entries.

    >>> import tempfile
    >>> from archived.store.entries import commit_entry
    >>> folder = tempfile.mkdtemp()
    >>> commit_entry(folder, 'a', (1, 2.5))
    >>> kept_values(list(rows(folder).values()))
    [(1, 2.5)]
    """
    return decode_values([row.value_text for row in rows])


def kept_briefs(rows: Sequence[Row]) -> list[Any]:
    """``[row.brief() for row in rows]`` decoded at once, :data:`NOT_KEPT` where
    :meth:`Row.brief` raises (no info kept, or a tampered index file).

    >>> import tempfile
    >>> from archived.store.entries import commit_entry
    >>> folder = tempfile.mkdtemp()
    >>> commit_entry(folder, 'a', 0, info={'function': 'm.f', 'host': 'h'})
    >>> kept_briefs(list(rows(folder).values()))
    [{'function': 'm.f'}]
    """
    return decode_briefs([row.brief_text for row in rows])


def decode_values(texts: list[str | None]) -> list[Any]:
    """The values kept as ``texts`` (:attr:`Row.value_text`, or :meth:`Kept.texts` of
    ``"value"``) decoded at once, :data:`NOT_KEPT` for None and for a text that does not
    decode.

    >>> decode_values(['[1,2.5]', None, '[1'])
    [[1, 2.5], NOT_KEPT, NOT_KEPT]
    """
    return _decoded(texts, indexcodec.decode)


def decode_briefs(texts: list[str | None]) -> list[Any]:
    """The brief records kept as ``texts`` (:attr:`Row.brief_text`, or :meth:`Kept.texts`
    of ``"brief"``) decoded at once, :data:`NOT_KEPT` where :meth:`Row.brief` would raise.

    >>> decode_briefs(['{"function":"m.f"}', None, '[1]'])
    [{'function': 'm.f'}, NOT_KEPT, NOT_KEPT]
    """
    return _decoded(texts, _decode_brief)


def _decode_brief(text: str) -> Any:
    brief = indexcodec.decode(text)
    if brief is not None and type(brief) is not dict:
        raise ValueError("index: a brief record that is not a dict")
    return brief


def _decoded(texts: list[str | None], decode: Any) -> list[Any]:
    """The values of ``texts`` (each as ``decode`` reads it), :data:`NOT_KEPT` for None
    and for a text that does not decode."""
    kept = [text for text in texts if text is not None]
    try:
        values = indexcodec.decode_many(kept)
        if decode is _decode_brief and not set(map(type, values)) <= {dict, type(None)}:
            raise ValueError("index: a brief record that is not a dict")
    except ValueError:  # one at a time: the others still count
        values = []
        for text in kept:
            try:
                values.append(decode(text))
            except ValueError:
                values.append(NOT_KEPT)
    if len(kept) == len(texts):
        return values
    found = iter(values)
    return [NOT_KEPT if text is None else next(found) for text in texts]


def listings(folder: str) -> list[tuple[str, Listing | None, int, int, Sequence[str], Row | None]]:
    """Every entry of the store ``folder``, sorted by name, as ``archived ls -l`` prints it:
    ``(name, listing, size, mtime_ns, files, row)``, with the listing ``rows(folder,
    listed=True)`` would give (None: read the entry; ``row`` is then its row).

    A listing of a new process, straight from the index file: every entry file is
    checked against its row there (one ``stat``, as :func:`rows` does), but no row is
    made unless its file changed, and only the changed entries are read.  When many
    changed, or this process already keeps rows of the store, :func:`rows` does it.

    >>> import tempfile
    >>> listings(tempfile.mkdtemp())
    []
    """
    state = _state(folder)
    with state.lock, _gc_paused():
        fast = state.listings() if not state.rows else None
        if fast is not None:
            return fast
        found = state.refresh(None, listed=True)
    return [
        (name, row.listing, row.signature[1], row.signature[2], row.files, row)
        for name, row in sorted(found.items())
    ]


def kept(folder: str) -> Kept:
    """Every entry of the store ``folder`` as :func:`rows` gives it now, as columns
    (:class:`Kept`): straight from the index file when its rows still describe the
    entry files (every one checked by one ``stat``, the changed ones read again), with
    no :class:`Row` made per entry; else from :func:`rows`.

    >>> import tempfile
    >>> from archived.store.entries import commit_entry
    >>> folder = tempfile.mkdtemp()
    >>> commit_entry(folder, 'b', 2.5)
    >>> commit_entry(folder, 'a', [1])
    >>> found = kept(folder)
    >>> found.names, found.texts("value", range(2)), found.row(1).value()
    (['a', 'b'], ['[1]', '2.5'], (True, 2.5))
    """
    state = _state(folder)
    with state.lock, _gc_paused():
        found = state.kept()
        if found is None:
            found = Kept.of_rows(state.refresh(None))
    return found


def row(folder: str, name: str) -> Row | None:
    """The index row of entry ``name`` of the store ``folder`` as it is now, or None if
    there is no such entry: ``rows(folder, [name]).get(name)``, at the cost of one
    ``lstat`` when the row this process holds is settled and its file unchanged.

    >>> import tempfile
    >>> from archived.store.entries import commit_entry
    >>> folder = tempfile.mkdtemp()
    >>> commit_entry(folder, 'a', 2.5)
    >>> row(folder, 'a').value(), row(folder, 'b')
    ((True, 2.5), None)
    """
    state = _state(folder)
    with state.lock:
        return state.lookup(name)


def is_many(names: Iterable[str] | None) -> bool:
    """Whether a view of ``names`` (None: every entry) reads many entries, so that
    pausing the cyclic collector pays (a single lookup is cheaper without).

    >>> is_many(None), is_many(["a"]), is_many(iter(["a"]))
    (True, False, True)
    """
    return names is None or not isinstance(names, Sized) or len(names) > _FEW


def forget(folder: str | None = None) -> None:
    """Drop what this process keeps in memory about ``folder`` (or about every store);
    the index file on disk is left as it is.

    >>> forget()
    """
    with _states_lock:
        if folder is None:
            _states.clear()
        else:
            _states.pop(_key(folder), None)
        _by_path.clear()


class Kept:
    """Every entry of a store as the read-side index keeps it, by position in name order,
    without an object per entry (what :func:`kept` gives).

    ``names``: the entries, sorted; :meth:`texts`: a field's kept texts (None: not kept,
    read the entry); :meth:`row`: an entry's :class:`Row`, made when asked for.
    """

    __slots__ = ("names", "_file", "_at", "_rows")

    def __init__(
        self,
        names: list[str],
        file: _FileColumns | None,
        at: list[int] | None = None,
        rows: dict[str, Row] | None = None,
    ) -> None:
        self.names = names
        self._file = file  # the index file's columns the rows come from (None: all in _rows)
        # each entry's row in the file's columns (None: the same position), -1: in _rows
        self._at = at
        self._rows = rows if rows is not None else {}  # the entries' rows not in the file

    @classmethod
    def of_rows(cls, found: dict[str, Row]) -> Kept:
        """The entries of ``found`` (:func:`rows`), their texts taken from each row."""
        return cls(sorted(found), None, None, found)

    def texts(self, field: str, positions: Iterable[int]) -> list[str | None]:
        """The kept text of ``field`` (``"brief"``: :attr:`Row.brief_text`, ``"value"``:
        :attr:`Row.value_text`) of the entries at ``positions``."""
        text_of = _TEXT_OF[field]
        file, at, names = self._file, self._at, self.names
        if file is None:
            return list(
                map(text_of, map(self._rows.__getitem__, map(names.__getitem__, positions)))
            )
        column = file.column(field)
        if at is None:  # every entry's row is the file's, at the same position
            if type(positions) is range and positions.step == 1:
                return column[positions.start : positions.stop]
            return list(map(column.__getitem__, positions))
        rows = self._rows
        return [
            column[at[i]] if at[i] >= 0 else text_of(rows[names[i]])  # type: ignore[misc]
            for i in positions
        ]

    def row(self, i: int) -> Row:
        """The :class:`Row` of the entry at position ``i``."""
        name = self.names[i]
        found = self._rows.get(name)
        if found is not None:
            return found
        assert self._file is not None
        return self._file.row(i if self._at is None else self._at[i])


_TEXT_OF = {
    "brief": operator.attrgetter("brief_text"),
    "value": operator.attrgetter("value_text"),
}


# ---- one store's index ------------------------------------------------------------------


class _State:
    """The rows of one store in this process, and how they relate to its index file."""

    # (slots: no attribute dict made and filled by a process's first lookup)
    __slots__ = ("folder", "lock", "rows", "loaded", "file", "unsaved", "columns", "kept_reads")

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.lock = threading.Lock()
        self.rows: dict[str, Row] = {}
        self.loaded: tuple[int, int, int] | None = None  # signature of the file read
        self.file: _FileColumns | None = None  # the columns of that file (rows use them)
        self.unsaved = 0  # rows read from entries since the file was last read or written
        self.columns: _FileColumns | None = None  # the file kept() read last (no rows made)
        # settled rows kept() read again (the file keeps them changed or racy) since it
        # read that file: saved once they add up, as refresh saves (see kept())
        self.kept_reads = 0

    def refresh(self, names: Iterable[str] | None, listed: bool = False) -> dict[str, Row]:
        now = time.time_ns()  # before any entry is read: the racy rule's reference
        full = names is None
        if self.file is not None and self.file.doubt:
            # a column of the file read failed its checks: none of its rows is trusted
            # (those in use read their entries), and a new file is saved
            self.rows = {n: r for n, r in self.rows.items() if r._file is not self.file}
            self.file = self.loaded = None
        listing = _listing(self.folder, names)
        current: dict[str, Row] = {}
        # the few rows of a new process's lookups are matched after the file is read
        few = full and self.file is None and len(self.rows) * 4 < len(listing)
        todo = self._known(listing, current) if self.rows and not few else listing
        # another process may have read these entries already (a single lookup reads
        # its entry rather than a whole index file)
        if todo and (full or len(todo) > 64) and self._file_changed():
            self._load(listing if full else todo)
            todo = self._known(todo, current)
        elif few and self.rows:
            todo = self._known(todo, current)
        # the rows of a lookup (a cache hit, or a sweep's driver looking up every point)
        # derive the info's fields only when listed, tabled or saved: most are read
        # once, by the hit (a rerun of a finished sweep of 2,000 points spent half its
        # time deriving fields it never read)
        lazy = not full and not listed
        for name, _ in todo:
            row = self._fresh(name, now, lazy)
            if row is not None:
                current[name] = row
        if listed:
            self.unsaved += _fill_listing(current)
        if not full:
            self.rows.update(current)
            return current
        removed = len(self.rows.keys() - current.keys())
        self.rows = current
        if self.unsaved + removed and (
            self.loaded is None or (self.unsaved + removed) * 64 > len(current)
        ):
            self._save()  # only a full view is saved, and only when enough changed
        return current

    def lookup(self, name: str) -> Row | None:
        """:meth:`refresh` of ``[name]``, without building a listing when the known row
        of ``name`` is settled and its file's signature unchanged (a cache hit), or
        racy and its file's content unchanged (read once: its ``fstat`` signature and
        digest both equal the row's)."""
        if not _is_entry_file(name + ".py"):  # (checked once here for the paths below)
            return self.refresh([name]).get(name)
        known = self.rows.get(name)
        if known is not None:
            if not known.settled:
                now = time.time_ns()  # before the file is read, as in refresh
                if self._same_content(name, known, now):
                    return known
            else:
                try:
                    st = os.lstat(os.path.join(self.folder, name + ".py"))
                except OSError:
                    st = None
                if (
                    st is not None
                    and _is_file_or_link(st.st_mode)
                    and (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns) == known.signature
                ):
                    return known
        elif self.file is None or not self.file.doubt:
            first = self._first_read(name)
            if first is not _UNSURE:
                return first  # type: ignore[return-value]
        return self.refresh([name]).get(name)

    def _first_read(self, name: str) -> Row | None | object:
        """The row of entry ``name`` that this process has no row of (its first hit),
        read as :meth:`refresh` of ``[name]`` reads it, without its ``lstat``: the open
        (never through a link) and its ``fstat`` tell what the ``lstat`` told, and give
        the signature (a cache hit in the user's own store: a safe load's reader
        ``lstat``-s first, so that a device node planted there is never opened).  None if
        there is no such entry; ``_UNSURE`` for anything but a regular entry file read
        whole (a link, a special file, an unreadable one), which :meth:`refresh` then
        handles as ever.  ``name`` is an entry's name (:meth:`lookup` checked it)."""
        now = time.time_ns()  # before the file is read, as in refresh
        try:
            read = read_entry_bytes(self.folder, name, lstat=False)
        except DamagedEntryError:
            return _UNSURE
        if read is None:
            return None  # as refresh: no file of that name (or no folder)
        data, status = read
        row = _parse(name, data, _signature(status), xxhash.xxh3_64_hexdigest(data), now, True)
        self.unsaved += 1
        self.rows[name] = row
        return row

    def _same_content(self, name: str, known: Row, now: int) -> bool:
        """Whether the entry file of the racy row ``known`` still holds the bytes the row
        was read from (then it is marked seen at ``now``); anything else, a link or a
        special file included, is left to :meth:`refresh`."""
        try:
            read = read_entry_bytes(self.folder, name)
        except DamagedEntryError:
            return False
        if read is None:
            return False
        data, status = read
        if _signature(status) != known.signature or (
            xxhash.xxh3_64_hexdigest(data) != known.digest
        ):
            return False
        known.seen = now
        self.unsaved += known.settled  # as _fresh: a row that settled is worth saving
        return True

    def listings(
        self,
    ) -> list[tuple[str, Listing | None, int, int, Sequence[str], Row | None]] | None:
        """:func:`listings` from the index file and the entries changed since it was
        written, or None to let :meth:`refresh` do it (no file, or many changed)."""
        current = dict(_listing(self.folder, None))
        read = _read_columns(self._path(), _most_bytes(current.values()))
        if read is None:
            return None
        file = read[1]
        names = file.names
        ino, size, mtime, ctime, seen, _, files = map(file.column, _COLUMNS[1:_EAGER])
        kept = file.column("listing")
        # the info column is decoded only if some row has no listing (another derivation)
        info = file.column("info") if None in kept else kept
        # the rows that still describe their entry file: same signature, not racy (see
        # Row.racy: a file changed within RACY_SECONDS of its reading is read again),
        # and a listing kept if the info is (one of another derivation has none); the others
        # are read as refresh would read them
        changed = _changed(names, (ino, size, mtime, ctime), current)[0]
        changed.update(
            name
            for name, m, c, when, listed, text in zip(
                names, mtime, ctime, seen, kept, info, strict=True
            )
            if m >= when - _RACY_NS
            or c >= when - _RACY_NS
            or (listed is None and text is not None)
        )
        changed &= current.keys()
        if file.doubt or len(changed) > _FEW or len(changed) * 64 > len(current):
            return None  # refresh reads them and saves the file (as it would for them)
        if not changed and len(names) == len(current) and names == sorted(names):
            # the file's rows are the store's entries, in order: no row to make
            return list(zip(names, kept, size, mtime, files, repeat(None), strict=False))
        # self.loaded stays: this process keeps none of the file's rows
        fresh = self.refresh(sorted(changed), listed=True) if changed else {}
        position = dict(zip(names, range(len(names)), strict=True))
        found: list[tuple[str, Listing | None, int, int, Sequence[str], Row | None]] = []
        append = found.append
        for name in sorted(current):
            if name in changed:
                row = fresh.get(name)
                if row is not None:  # else deleted meanwhile
                    append((name, row.listing, row.signature[1], row.signature[2], row.files, row))
                continue
            i = position[name]
            append((name, kept[i], size[i], mtime[i], files[i], None))
        return found

    def kept(self) -> Kept | None:
        """:func:`kept` from the index file and the entries changed since it was written
        (read as :meth:`refresh` reads them), or None to let :meth:`refresh` do it (no
        file, a file of an earlier format, or so many changed that it saves a new one)."""
        current = dict(_listing(self.folder, None))
        file = self._columns(current)
        if file is None:
            return None
        names = file.names
        if not file.has("brief") or names != sorted(names):
            return None  # (refresh saves it again, sorted, in this format)
        ino, size, mtime, ctime, seen = map(file.column, _COLUMNS[1:6])
        # the rows that still describe their entry file: same signature, and not racy
        # (see Row.racy); the others are read as refresh reads them
        changed, removed = _changed(names, (ino, size, mtime, ctime), current)
        if not file.settled:
            racy = map(
                operator.ge, map(max, mtime, ctime), map(operator.sub, seen, repeat(_RACY_NS))
            )
            changed.update(compress(names, racy))
            changed &= current.keys()
        if (len(changed) + removed) * 64 > len(current):
            return None  # refresh reads them and saves the file (as it would for them)
        if not changed and not removed:
            return Kept(names, file)  # the file's rows are the store's entries, in order
        now = time.time_ns()  # before any entry is read: the racy rule's reference
        fresh: dict[str, Row] = {}
        for name in sorted(changed):
            row = self._fresh(name, now)
            if row is not None:  # else deleted meanwhile
                fresh[name] = row
        self.rows.update(fresh)
        position = dict(zip(names, count()))
        listed = sorted(current.keys() - changed | fresh.keys())
        at = [-1 if name in fresh else position[name] for name in listed]
        # the file is saved once the settled rows read again add up to what refresh saves
        # at, or every table() after this one would read these entries again (a row the
        # file keeps as changed or racy stays so until a reader saves it settled).  Not at
        # once: a save decodes and writes every column (0.26 s at 20,000 entries, where
        # the table took 0.29 s), reading a few entries again costs a fraction of that
        self.kept_reads += sum(row.settled for row in fresh.values())
        if self.kept_reads * 64 > len(current):
            self._save_kept(listed, file, at, fresh)
        return Kept(listed, file, at, fresh)

    def _save_kept(
        self, names: list[str], file: _FileColumns, at: list[int], fresh: dict[str, Row]
    ) -> None:
        """Save the index file :meth:`kept` served: the rows of ``file`` at positions
        ``at`` (each checked against its entry file by then), the ``fresh`` rows at -1.
        The rows this process keeps (``self.rows``, what :meth:`refresh` compares with
        the file it loaded) are left as they are."""
        if not os.access(self.folder, os.W_OK):
            return  # (a store we may not write: not every columns decoded for nothing)
        kept_columns = [file.column(field) for field in _COLUMNS[1:]]
        if file.doubt:
            return  # a column failed its checks: the next refresh rebuilds the file
        columns: list[list[Any]] = [names, *([] for _ in _COLUMNS[1:])]
        for name, i in zip(names, at, strict=True):
            fields = fresh[name].dump() if i < 0 else [column[i] for column in kept_columns]
            for column, value in zip(columns[1:], fields, strict=True):
                column.append(value)
        if self._write(columns) is not None:
            self.columns = None  # the next kept() reads the file saved now
            self.kept_reads = 0

    def _columns(self, current: dict[str, Signature]) -> _FileColumns | None:
        """The columns of the index file for :meth:`kept`: those read last if the file
        is still the one read (and no column of it in doubt), else read now."""
        file = self.columns
        if file is not None and not file.doubt:
            try:
                st = os.lstat(self._path())
            except OSError:
                st = None
            if st is not None and (st.st_ino, st.st_size, st.st_mtime_ns) == file.signature:
                return file
        self.columns = None
        self.kept_reads = 0  # (another file, whose rows are not those read again)
        read = _read_columns(self._path(), _most_bytes(current.values()))
        if read is None:
            return None
        self.columns = read[1]
        return read[1]

    def _known(
        self, listing: list[tuple[str, Signature]], current: dict[str, Row]
    ) -> list[tuple[str, Signature]]:
        """Put the rows still valid for ``listing`` in ``current``; return the others."""
        file = self.file
        if (
            file is not None
            and len(listing) == len(self.rows) == len(file.names)
            and file.settled
            and file.signatures() == (wanted := dict(listing))
            and self.rows.keys() == wanted.keys()
            and all(row.settled for row in self.rows.values() if row._file is not file)
        ):
            # nothing changed since the file was written (a new process, mostly): the
            # rows hold the file's names (each its row or a known one of the same
            # signature), and every signature is compared in C rather than one by one
            current.update(self.rows)
            return []
        todo = []
        for name, signature in listing:
            row = self.rows.get(name)
            if row is not None and row.signature == signature and row.settled:
                current[name] = row
            else:
                todo.append((name, signature))
        return todo

    def _fresh(self, name: str, now: int, lazy: bool = False) -> Row | None:
        """The row of entry ``name``: the known one if its content is unchanged, else a
        new one read from the file (None if it is gone)."""
        known = self.rows.get(name)
        try:
            read = read_entry_bytes(self.folder, name, lstat=False)  # (by _listing)
        except DamagedEntryError:
            # a link or a FIFO: no info, so whoever needs it reads it and gets the error
            try:
                st = os.lstat(os.path.join(self.folder, name + ".py"))
            except OSError:
                return None
            return Row(_signature(st), now, "0" * 16, [], None, None)
        if read is None:
            return None  # deleted meanwhile
        data, status = read
        signature = _signature(status)
        digest = xxhash.xxh3_64_hexdigest(data)
        if known is not None and known.signature == signature and known.digest == digest:
            known.seen = now  # unchanged: no longer racy once it is old enough
            # a row that settled is worth saving: in the file it stays racy, and every
            # new process would read its entry again (the last entries of a sweep that
            # was tabled at once were read again by every table() after it)
            self.unsaved += known.settled
            return known
        self.unsaved += 1
        return _parse(name, data, signature, digest, now, lazy)

    # ---- the index file ----------------------------------------------------------------

    def _path(self) -> str:
        return os.path.join(self.folder, INDEX_FILE)

    def _file_changed(self) -> bool:
        try:
            st = os.lstat(self._path())
        except OSError:
            return False
        return (st.st_ino, st.st_size, st.st_mtime_ns) != self.loaded

    def _load(self, wanted: list[tuple[str, Signature]]) -> None:
        """Take the rows of the index file that this process does not know yet (read
        only if it is no bigger than rows of the entries ``wanted`` can be: a file of
        more is ignored)."""
        loaded = _read_file(self._path(), _most_bytes(sig for _, sig in wanted))
        if loaded is None:
            return
        signature, found = loaded
        self.loaded = signature
        self.file = next(iter(found.values()))._file if found else None
        # a file of an older format is saved again in this one (with its brief column)
        self.unsaved = 0 if self.file is None or self.file.has("brief") else len(found)
        if not self.rows:  # a new process: every row of the file is news
            self.rows = found
            return
        for name, row in found.items():
            known = self.rows.get(name)
            if known is None or known.signature != row.signature:
                self.rows[name] = row

    def _save(self) -> None:
        names = sorted(self.rows)
        rows = [self.rows[name] for name in names]
        columns: list[list[Any]] = [names, *([] for _ in _COLUMNS[1:])]
        appends = [column.append for column in columns[1:]]
        for row in rows:
            for append, value in zip(appends, row.dump(), strict=True):
                append(value)
        if any(file is not None and file.doubt for file in {row._file for row in rows}):
            return  # rows of a file found in doubt (nulls now): the next refresh drops them
        st = self._write(columns)
        if st is not None:
            self.loaded = (st.st_ino, st.st_size, st.st_mtime_ns)
            self.unsaved = 0

    def _write(self, columns: list[list[Any]]) -> os.stat_result | None:
        """Write the index file of ``columns`` (atomically: a temporary file renamed into
        place); its status, or None if it could not be written."""
        # a line per column (JSON text has no raw line break), so that a reader decodes
        # the columns it needs only.  surrogatepass: a str may hold a lone surrogate (a
        # file name of undecodable bytes); json.loads reads bytes back with the same handler
        lines = [
            json.dumps(column, separators=(",", ":"), ensure_ascii=False).encode(
                "utf-8", "surrogatepass"
            )
            for column in columns
        ]
        # the body is the lines joined by line breaks, checked and written line by line:
        # joined (and the head put before it) it was copied twice more, 800 bytes an
        # entry each time, into memory a store of 20,000 entries or more takes fresh
        digest = xxhash.xxh3_64()
        for i, line in enumerate(lines):
            digest.update(b"\n" if i else b"")
            digest.update(line)
        check = digest.hexdigest()
        meta = {"format": _FORMAT, "read": _READ, "derived": _DERIVED, "check": check}
        head = json.dumps(meta)
        tmp = os.path.join(self.folder, f".index.{new_token()}.tmp")
        try:
            # locked until renamed, as every writer's .tmp: a sweeper in another pid
            # namespace takes an unlocked one for a dead writer's and removes it
            fd = create_locked(tmp)
        except OSError:  # a store we may not write (read-only, full disk): memory only
            return None
        try:
            with open(fd, "wb", closefd=False) as f:
                f.write(head.encode())
                for line in lines:
                    f.write(b"\n")
                    f.write(line)
            os.replace(tmp, self._path())
            return os.lstat(self._path())
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            return None
        finally:
            os.close(fd)


_states: dict[str, _State] = {}
_by_path: dict[str, _State] = {}  # an absolute path as callers spell it -> its state
_states_lock = threading.Lock()


def _after_fork() -> None:
    # a lock held by another thread at the fork would never be released in the child
    global _states_lock
    _states_lock = threading.Lock()
    _states.clear()
    _by_path.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def _state(folder: str) -> _State:
    """The state of the store at path ``folder``: one per path (its spellings share it),
    reading through that path, so that it reads what the path names now.

    Not one per real path: a path through a symbolic link names another store once the
    link is re-pointed, and a state shared with the real path of the store it named
    before read that one through it, and through the real path the new one (``ls -l
    run1`` listed run2's entries once ``latest`` went from run1 to run2).
    """
    state = _by_path.get(folder)
    if state is not None:
        return state
    key = _key(folder)
    with _states_lock:
        state = _states.get(key)
        if state is None:
            state = _states[key] = _State(key)
        # a relative one names another store after a chdir (a store's own path, absolute
        # and normal, is its key: told apart without another call)
        if key == folder or os.path.isabs(folder):
            _by_path[folder] = state
        return state


def _key(folder: str) -> str:
    """The path of store ``folder`` as its state reads through it: absolute, and
    normalised (as every store path of the library is: ``os.path.abspath``)."""
    return os.path.abspath(folder)


def _most_bytes(signatures: Iterable[Signature]) -> int:
    """The most an index file of rows for the entry files of ``signatures`` may hold:
    each row at most :data:`_ROW_BYTES`, and at most a few times its entry file's bytes.
    JSON of empty lists takes 20-25 times its bytes once parsed: 1,000 entries of 150
    bytes let an index file of 560 MB of '[],' in (a few kB in a tarball), and each ls
    of that store took 14 GB."""
    sizes = [signature[1] for signature in signatures]
    per_entry = _ROW_PER_ENTRY_BYTE * sum(sizes) + _ROW_FIXED * len(sizes)
    return min(len(sizes) * _ROW_BYTES, per_entry) + 4096


def _changed(
    names: list[str], signatures: Sequence[list[int]], current: dict[str, Signature]
) -> tuple[set[str], int]:
    """The entries of ``current`` (name -> signature, as listed now) whose signature is
    not the one an index file keeps for them (``names``, unique, and their columns of
    inode, size, mtime and ctime), and how many of ``names`` are no longer listed.

    >>> _changed(["a", "b"], ([1, 2], [10, 20], [5, 5], [5, 5]), {"a": (1, 10, 5, 5)})
    (set(), 1)
    >>> now = {"a": (1, 9, 5, 5), "c": (3, 1, 1, 1)}
    >>> changed, removed = _changed(["a"], ([1], [10], [5], [5]), now)
    >>> sorted(changed), removed
    (['a', 'c'], 0)
    """
    kept = zip(*signatures, strict=True)
    # when nothing changed (the commonest case by far), every name's signature is looked
    # up and compared in C, one reused tuple at a time: no dict of the file's signatures
    # and no tuple per entry, which at 100,000 entries outgrew the CPU's caches and took
    # fresh pages at every read
    if len(names) == len(current) and all(map(operator.eq, map(current.get, names), kept)):
        return set(), 0
    valid = dict(zip(names, zip(*signatures, strict=True), strict=True))
    changed = {name for name, sig in current.items() if valid.get(name) != sig}
    return changed, len(valid.keys() - current.keys())


def _signature(st: os.stat_result) -> Signature:
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


Signature = tuple[int, int, int, int]
Listing = Sequence[Any]  # (kind, function, version, summary, started): a list if from a file
# (info_text, listing, brief_text, (key, parameters)) of a row (see _info_fields)
_InfoFields = tuple["str | None", "Listing | None", "str | None", "tuple[str | None, str | None]"]


def _listing(folder: str, names: Iterable[str] | None) -> list[tuple[str, Signature]]:
    """``(name, signature)`` of the entry files of ``folder`` (all, or those ``names``)."""
    if names is None:
        if not _SCAN_FD:
            return _listing_all(folder, folder)
        # listed through a descriptor of the directory: each entry's stat then looks up
        # its name in the directory alone, not the whole path again (100,000 of them)
        fd = os.open(folder, os.O_RDONLY | _O_DIRECTORY)
        try:
            return _listing_all(folder, fd)
        finally:
            os.close(fd)
    if not _LSTAT_AT or not is_many(names):
        return _listing_of_names(folder, names, folder)
    # many names (a sweep's lookup of its points): each looked up in the directory
    # through a descriptor of it, not by its whole path again (100,000 of them)
    try:
        fd = os.open(folder, os.O_RDONLY | _O_DIRECTORY)
    except (FileNotFoundError, NotADirectoryError):
        return []  # as a lookup of each name by path finds: none of them
    try:
        return _listing_of_names(folder, names, fd)
    finally:
        os.close(fd)


def _listing_of_names(
    folder: str, names: Iterable[str], directory: str | int
) -> list[tuple[str, Signature]]:
    """:func:`_listing` of the entry files of ``names``, looked up in ``directory`` (the
    folder's path, or a descriptor of it)."""
    at = directory if type(directory) is int else None
    found: list[tuple[str, Signature]] = []
    for name in names:
        if not _is_entry_file(name + ".py"):
            continue
        try:
            if at is None:
                st = os.lstat(os.path.join(folder, name + ".py"))
            else:
                st = os.lstat(name + ".py", dir_fd=at)
        except (FileNotFoundError, NotADirectoryError):
            continue
        if not _is_file_or_link(st.st_mode):
            warn_special(folder, name + ".py", st.st_mode)
            continue
        found.append((name, _signature(st)))
    return found


def _listing_all(folder: str, directory: str | int) -> list[tuple[str, Signature]]:
    """:func:`_listing` of every entry file of ``folder``, listing ``directory`` (the
    folder's path, or a descriptor of it)."""
    plain, keyword_files = _PLAIN_ENTRY_FILE, _KEYWORD_FILES
    with os.scandir(directory) as it:
        # what entries.entry_names lists, spelt out: this runs once per entry (an
        # ASCII name is checked by one match, any other one in full)
        items = [
            item
            for item in it
            if (plain(item.name) is not None and item.name not in keyword_files)
            or (not item.name.isascii() and _is_entry_file(item.name))
        ]
    signature = _signature  # looked up once (a test replaces it: coarse clocks)
    try:  # every file's stat at once (a store of 100,000 entries: as many stats)
        stats = list(map(_LSTAT, items))
    except FileNotFoundError:  # one deleted meanwhile: one at a time below
        stats = []
    if len(stats) == len(items) and all(map(stat.S_ISREG, map(_MODE, stats))):
        return list(zip([item.name[:-3] for item in items], map(signature, stats), strict=True))
    found: list[tuple[str, Signature]] = []
    append = found.append
    for item in items:
        try:
            st = item.stat(follow_symlinks=False)
        except FileNotFoundError:
            continue
        if not _is_file_or_link(st.st_mode):
            warn_special(folder, item.name, st.st_mode)  # never opened: a FIFO blocks
            continue
        append((item.name[:-3], signature(st)))
    return found


_SCAN_FD = os.scandir in os.supports_fd  # (not on Windows)
_LSTAT_AT = os.stat in os.supports_dir_fd  # an lstat of a name in a directory's descriptor
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_LSTAT = operator.methodcaller("stat", follow_symlinks=False)
_MODE = operator.attrgetter("st_mode")


def _is_file_or_link(mode: int) -> bool:
    """What entries.entry_names lists: a regular file, or a link (read as damage)."""
    return stat.S_ISREG(mode) or stat.S_ISLNK(mode)


def _is_entry_file(filename: str) -> bool:
    """Whether ``filename`` is an entry's file (what :func:`entries.entry_names` lists)."""
    if filename[-3:] != ".py":
        return False
    stem = filename[:-3]
    return (
        stem.isidentifier()
        and stem[:1] != "_"
        and stem not in _KEYWORDS
        and (stem.isascii() or is_canonical(stem))  # (is_canonical's own first test)
    )


def _parse(
    name: str,
    data: bytes,
    signature: tuple[int, int, int, int],
    digest: str,
    now: int,
    lazy: bool = False,
) -> Row:
    """A row from an entry file's bytes: what the literal fast path reads of it.

    ``lazy`` (a lookup of named entries: a cache hit, a sweep's lookup of its points):
    the row keeps the entry's info and value sections as text and reads them when
    asked (a hit reads the key, the parameters and the value once); the fields derived
    from the info record (its index text, listing and brief record) are made only when
    something lists, tables or saves the row.  A row from a lookup is mostly read
    once, and deriving them cost a first hit two thirds of its time.
    """
    try:
        info_src, value_src, files = entry_sections(name, entry_text(name, data))
    except DamagedEntryError:
        return Row(signature, now, digest, [], None, None)
    keeps_value = len(value_src) <= _VALUE_SOURCE_CHARS and (
        not files or all(f.endswith("-info.h5") for f in files)
    )
    if lazy and len(info_src) <= _INFO_SOURCE_CHARS:
        value = _PENDING if keeps_value else None
        source = _Source(name, info_src, value_src if keeps_value else None)
        return Row(
            signature,
            now,
            digest,
            files,
            _PENDING,
            value,
            _PENDING,
            _PENDING,
            None,
            0,
            source,
            _PENDING,
        )
    info_text, listed, brief_text, call = _info_fields(name, info_src)
    value_text = _value_text(name, value_src) if keeps_value else None
    return Row(signature, now, digest, files, info_text, value_text, listed, brief_text, call=call)


class _Source:
    """The info and value sections of an entry file (the value's only when a row may
    keep it), from which a lookup's row reads and derives its fields when asked."""

    __slots__ = ("name", "info", "value")

    def __init__(self, name: str, info: str, value: str | None) -> None:
        self.name = name
        self.info = info
        self.value = value


def _info_fields(name: str, info_src: str) -> _InfoFields:
    """``(info_text, listing, brief_text, call)`` of a row from its entry's info section
    (``call``: :func:`_call_of`): all None (the call ``(None, None)``) when the info
    record is not literal data, or too long to keep."""
    try:
        info = literal_value(info_src, "info")
    except NotLiteral:
        return None, None, None, _NO_CALL
    info_text = indexcodec.encode(info, max_chars=_INFO_CHARS)
    if info_text is None:
        return None, None, None, _NO_CALL
    # what ls prints, what a table of calls reads and what a sweep's lookup compares,
    # derived now that the info is at hand (a fraction of the parse), so that none of
    # them ever decodes an unchanged entry's info again
    return info_text, _listing_of(name, info), _brief_of(info), _call_of(info)


def _call_of(info: Any) -> tuple[str | None, str | None]:
    """``(key, parameters)`` of an info record as a sweep's lookup reads them (see
    :meth:`Row.call_fields`): its key if it is a text, else None, and its parameters
    (None if it has none) as :mod:`indexcodec` text; ``(None, "null")`` for a record
    that is not a dict.

    >>> _call_of({"key": "ab", "parameters": {"x": 1}, "host": "h"}), _call_of([1])
    (('ab', '{"x":1}'), (None, 'null'))
    """
    if not isinstance(info, dict):
        return None, "null"
    key = info.get("key")
    return key if type(key) is str else None, indexcodec.encode(info.get("parameters"))


def _call_of_text(info_text: str | None) -> tuple[str | None, str | None]:
    """:func:`_call_of` the info record kept as ``info_text`` (a row of an index file
    of another derivation), ``(None, None)`` if there is none or it does not decode."""
    if info_text is None:
        return _NO_CALL
    try:
        return _call_of(indexcodec.decode(info_text))
    except ValueError:
        return _NO_CALL


def _value_text(name: str, value_src: str | None) -> str | None:
    """The value of a row from its entry's value section as :mod:`indexcodec` text, or
    None when it is not literal data or too long to keep."""
    if value_src is None:
        return None
    try:
        value = literal_value(value_src, name)
    except NotLiteral:
        return None
    return indexcodec.encode(value, max_chars=_VALUE_CHARS)


def _brief_of(info: Any) -> str | None:
    """The brief record of an info record as :mod:`indexcodec` text (see
    :meth:`Row.brief`), or None if it cannot be kept."""
    return indexcodec.encode(brief_of(info))


def _brief_of_text(info_text: str | None) -> str | None:
    """:func:`_brief_of` the info record kept as ``info_text`` (a row of an index file
    of another derivation), or None if there is none or it does not decode."""
    if info_text is None:
        return None
    try:
        return _brief_of(indexcodec.decode(info_text))
    except ValueError:
        return None


def _listing_of(name: str, info: Any) -> Listing | None:
    """The listing of entry ``name`` from its info record, if the index can keep it."""
    columns = listing.columns(name, info)
    if columns is not None and max(map(len, columns[1:4])) <= _INFO_CHARS:
        return columns
    return None


def _fill_listing(found: dict[str, Row]) -> int:
    """Give every row of ``found`` that keeps its info record but no listing (a row of
    an index file of another derivation) its listing; how many rows got one."""
    filled = 0
    for name, row in found.items():
        if row.listing is not None or row.info_text is None:
            continue
        try:
            row.listing = _listing_of(name, row.info())
        except ValueError:  # a tampered index file: ls reads the entry
            continue
        filled += row.listing is not None
    return filled


def _read_file(path: str, max_bytes: int) -> tuple[tuple[int, int, int], dict[str, Row]] | None:
    """The rows of the index file at ``path``, or None if it is missing, bigger than
    ``max_bytes`` or in any doubt (see :func:`_read_columns`).  Each row takes its
    texts and listing from the file's columns when first asked (a table of calls
    decodes its brief and value columns only)."""
    read = _read_columns(path, max_bytes)
    if read is None:
        return None
    signature, file = read
    names = file.names
    ino, size, mtime, ctime, seen, digest, files = map(file.column, _COLUMNS[1:_EAGER])
    signatures = zip(ino, size, mtime, ctime, strict=True)
    lazy = repeat(_LAZY)
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


def _read_columns(path: str, max_bytes: int) -> tuple[tuple[int, int, int], _FileColumns] | None:
    """The columns of the index file at ``path``, those every reader needs checked
    (the others when first read: :class:`_FileColumns`), or None if it is missing,
    bigger than ``max_bytes`` or in any doubt.

    The bound is what the rows wanted can take: a sparse file of gigabytes takes no
    room on disk, yet was read whole into memory (and parsed) before any check.
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
            # a sparse file within the bound (a store of a few thousand entries allows two
            # GiB) was read whole into memory before its checksum failed
            chunks = read_text_chunks(f.read, _CHUNK)
    except (OSError, NulByteError):
        return None
    finally:
        os.close(fd)
    signature = (st.st_ino, st.st_size, st.st_mtime_ns)
    digest = xxhash.xxh3_64()
    for chunk in chunks:
        digest.update(chunk)
    try:
        meta = json.loads(head)
        if (
            type(meta) is not dict
            or meta.get("format") != _FORMAT
            or meta.get("read") != _READ
            or meta.get("check") != digest.hexdigest()
        ):
            return None
        # each line stays in the chunks read until its column is decoded (the info
        # records, half the file, are never copied for a reader that needs none); one
        # line too many stops the count (20 MB of 'ab\n' made 14 times their bytes)
        lines = _lines(chunks, (len(_COLUMNS), len(_COLUMNS_OF_DERIVATION_1)))
        fields = _COLUMNS if len(lines) == len(_COLUMNS) else _COLUMNS_OF_DERIVATION_1
        # rows of the entries wanted take at least _ROW_FIXED bytes of the bound each: a
        # file of more rows (short ones: 20 MB of them is a million) is not read
        most_rows = max_bytes // _ROW_FIXED
        file = _FileColumns(path, signature, dict(zip(fields, lines, strict=True)), most_rows)
        for field in _COLUMNS[:_EAGER]:
            file.column(field, strict=True)
        if meta.get("derived") != _DERIVED or fields is not _COLUMNS:
            # derived by another version of listing.columns or table.brief_of: what it
            # kept there is not what this one derives (the info records are the truth)
            file.drop_derived()
    except (ValueError, TypeError, RecursionError, OverflowError):
        # OverflowError: a number no float holds where a float belongs (a listing's
        # start of 10**400 made ls, table() and a cached call die with it)
        return None
    return signature, file


def _lines(chunks: list[bytes], expected: tuple[int, ...]) -> list[list[memoryview]]:
    """The lines of the text read as ``chunks``, as many as one of ``expected`` (the
    most first), each as the pieces of the chunks it spans (``ValueError`` if there
    are more or another number)."""
    lines: list[list[memoryview]] = [[]]
    for chunk in chunks:
        view = memoryview(chunk)
        start = 0
        while (end := chunk.find(b"\n", start)) >= 0:
            lines[-1].append(view[start:end])
            if len(lines) == expected[0]:
                raise ValueError("index: unexpected columns")
            lines.append([])
            start = end + 1
        lines[-1].append(view[start:])
    if len(lines) not in expected:
        raise ValueError("index: unexpected columns")
    return lines


class _Lazy:
    """The type of :data:`_LAZY`: a row's field still in its index file's column."""

    __slots__ = ()


_LAZY = _Lazy()


class _Pending:
    """The type of :data:`_PENDING`: a field of a lookup's row not derived yet from the
    entry's sections the row keeps (see :func:`_parse`)."""

    __slots__ = ()


_PENDING = _Pending()
_PENDING_READ = _Pending()  # a lookup's row's value not derived yet, read once
_UNSURE = object()  # a first lookup that leaves the entry to refresh (see _first_read)


class _FileColumns:
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
        raw: dict[str, list[memoryview]],
        most_rows: int,
    ) -> None:
        self.path = path
        self.signature = signature
        self.most_rows = most_rows  # a file of more rows is not read
        self.names: list[str] = []
        self.doubt = False  # a column did not pass its checks
        self._raw = raw  # each column's JSON text (in pieces), until it is decoded
        self._columns: dict[str, list[Any]] = {}
        self._lock = threading.Lock()

    @property
    def settled(self) -> bool:
        """Whether every row of the file was read after its entry file had settled
        (see :meth:`Row.racy`): then a row is valid while its signature is unchanged."""
        _, _, mtime, ctime, seen = map(self.column, _COLUMNS[1:6])
        changed = map(max, mtime, ctime)
        trusted_before = map(operator.sub, seen, repeat(_RACY_NS))
        return all(map(operator.lt, changed, trusted_before))

    def signatures(self) -> dict[str, Signature]:
        """Each row's entry file signature, by name."""
        ino, size, mtime, ctime = map(self.column, _COLUMNS[1:5])
        return dict(zip(self.names, zip(ino, size, mtime, ctime, strict=True), strict=True))

    def drop_derived(self) -> None:
        """Read the file as one without the columns derived from its info records (a
        row then derives its listing and brief record again, and the file is saved
        again with them)."""
        for field in _DERIVED_COLUMNS:
            self._raw.pop(field, None)
            self._columns.pop(field, None)
        self._columns["listing"] = [None] * len(self.names)

    def row(self, pos: int) -> Row:
        """The row at position ``pos`` (as :func:`_read_file` makes it)."""
        ino, size, mtime, ctime, seen, digest, files = (
            self.column(field)[pos] for field in _COLUMNS[1:_EAGER]
        )
        lazy = _LAZY
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

    def has(self, field: str) -> bool:
        """Whether the file has column ``field`` (one of another derivation has no brief)."""
        return field in self._columns or field in self._raw

    def column(self, field: str, strict: bool = False) -> list[Any]:
        """Column ``field``, a value per row; all None once a column of the file is in
        doubt (``strict``: ``ValueError`` then).  The info records, the whole truth of
        each row, are read only after every other column passed its checks."""
        found = self._columns.get(field)
        if found is not None and (not self.doubt or field in _COLUMNS[:_EAGER]):
            return found  # (the columns every reader needs were checked before any use)
        if field == "info" and not self.doubt:
            for other in [f for f in self._raw if f != "info"]:
                self.column(other)
        with self._lock:
            if self.doubt:
                return [None] * len(self.names)
            found = self._columns.get(field)
            if found is None:
                try:
                    raw = b"".join(self._raw.pop(field))
                    rows = self.most_rows if field == "name" else len(self.names)
                    if field == "files" and raw == _no_files_line(rows):
                        # no entry lists a data file (most stores): each row the one
                        # shared empty tuple, as a row made from its entry has, not a
                        # list each (20,000 more objects for the collector to walk)
                        found = [_NO_FILES] * rows
                    else:
                        _check_shape(field, raw, rows)  # before json.loads builds anything
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

    def _in_doubt(self) -> None:
        """A column failed its checks: remove the file if it is still the one read (the
        next reader rebuilds it from the entries); the rows of it are dropped by the
        next refresh of this process (:attr:`doubt`)."""
        self.doubt = True
        _remove_if_same(self.path, self.signature)


def _no_files_line(rows: int) -> bytes:
    """The files column of ``rows`` rows none of which lists a data file, as
    :meth:`_State._save` writes it.

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
        _check_texts(column, _VALUE_CHARS if field == "value" else _INFO_CHARS)
    return column


# ---- the shape of a column's line, checked before it is parsed ---------------------------

# JSON of a list of the items a column holds, as _save writes it (no whitespace), the
# text of each string aside: every string is a quote, no quote, a quote (_check_shape
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


def _check_shape(field: str, line: bytes, rows: int) -> None:
    """``ValueError`` unless ``line`` has the shape of column ``field`` of ``rows`` rows
    (of at most ``rows`` names for the name column) as :meth:`_State._save` writes it.

    Checked before ``json.loads`` parses the line: what it builds is then a list of at
    most ``rows`` items of the kind the column holds.  A line of anything else (20 MB
    of ``[],``) made millions of objects, 20-25 times its bytes, before the column's
    check refused it.

    >>> _check_shape("size", b"[12,0]", 2), _check_shape("info", b'["{\\\\"a\\\\":1}",null]', 2)
    (None, None)
    >>> _check_shape("info", b"[[],[],[]]", 3)
    Traceback (most recent call last):
        ...
    ValueError: index: not a column of info
    """
    if field in _NUMBER_COLUMNS or field == "digest":
        # digits between commas (a digest: 16 hex digits in quotes), one item per row
        kept = line.translate(None, _HEX_DIGITS if field == "digest" else _DIGITS)
        item = b'""' if field == "digest" else b""
        if kept != (b"[" + b",".join([item] * rows) + b"]"):
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
    if not set(map(type, numbers)) <= {int} or min(numbers, default=0) < 0:
        raise ValueError("index: malformed signature")


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
    started]`` or null per row), checked a column at a time; ``ValueError`` at the first
    doubt."""
    present = list(filter(_not_none, listed))
    if not present:
        return listed
    if set(map(type, present)) != {list} or set(map(len, present)) != {5}:
        raise ValueError("index: malformed listing")
    kinds, functions, versions, summaries, started = zip(*present, strict=True)
    texts = functions + versions + summaries
    if (
        not _KINDS.issuperset(kinds)
        or set(map(type, texts)) != {str}
        or max(map(len, texts)) > _INFO_CHARS
        or not set(map(type, started)) <= {int, float, type(None)}
        or not all(map(math.isfinite, filter(None, started)))
    ):
        raise ValueError("index: malformed listing")
    return listed  # each a list of the four: unpacked, never changed


_not_none = functools.partial(operator.is_not, None)  # a filter in C

_startswith_underscore = operator.methodcaller("startswith", "_")  # a map in C
