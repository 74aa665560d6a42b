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
* **One digest for an unchanged store.**  A save records, in the file's head, the
  digest of the directory listing (names and signatures, in the directory's order:
  :func:`indexscan.listing_digest`) when its rows are exactly that listing's entries,
  each settled (below).  A reader whose listing has the same digest takes every row
  without looking each name up in them; any other listing is joined with the rows name
  by name, as before.
* **Racy rows.**  A file rewritten within one tick of the filesystem's clock (same size,
  a reused inode) could keep all four.  So a row whose file changed less than
  :data:`RACY_SECONDS` before it was read is checked by content (an xxh3 digest of the
  file's bytes) every time, until it is older than that (git's "racily clean" rule).
* **Built by readers, never by writers.**  Inserts stay O(1): no writer touches the
  index, and a writer killed at any instant leaves at most an entry whose signature
  no row has, i.e. a stale row that is detected and read again.  Readers save the rows
  in the store's ``.index.json`` (atomically: a temporary file renamed into place) when
  many changed, so the next process starts from them; a store that is not writable is
  indexed in memory only.  The file can be deleted at any time.  Beside it, a save keeps
  the entry names sorted for ``archived ls`` (:mod:`archived.store.sortednames`).
* **Hostile input.**  The file is read by ``json.loads`` only after its checksum
  matched and each line has the shape of its column (:func:`indexfile.check_shape`: a list of
  one item per row, of the kind the column holds, so that parsing builds no more than
  that), and every field is checked.  The file (format 4) holds a line per column,
  so that a reader decodes only the columns it needs (:class:`indexfile.FileColumns`): the
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
the key and parameters of a call (:func:`indexrow.call_of`), which a sweep's lookup of its points
compares (:meth:`Row.call_fields`): a rerun of a finished sweep decodes neither the full
info records nor their column.  A file is read only if its header names the reading and
the derivation of this version (``read``, ``derived``); any other file's entries are
read again (a value edited by hand is derived from its entry, not from its info alone).

The parts: :mod:`indexscan` lists the entry files and their signatures,
:mod:`indexrow` makes a row from an entry file's bytes,
:mod:`indexfile` reads (checking) and writes the index file; this module
keeps each store's rows in a process and decides what to read again.

>>> import tempfile
>>> from archived.store.entries import commit_entry
>>> folder = tempfile.mkdtemp()
>>> commit_entry(folder, 'a', 2.5, info={'mu': 1})
>>> row = rows(folder)['a']
>>> row.info(), row.value()
({'mu': 1}, (True, 2.5))
"""

from __future__ import annotations

import operator
import os
import threading
import time
from collections.abc import Collection, Iterable, Sequence
from itertools import compress, count, repeat
from typing import Any

import xxhash

from ..engine.archive import _gc_paused
from ..errors import DamagedEntryError, StoreReadError
from .entries import read_entry_bytes
from .indexfile import (
    COLUMNS,
    EAGER,
    INDEX_FILE,
    FileColumns,
    most_bytes,
    read_columns,
    read_file,
    write_columns,
)
from .indexrow import (
    NOT_KEPT,
    RACY_NS,
    RACY_SECONDS,
    Listing,
    Row,
    decode_briefs,
    decode_values,
    fill_listing,
    kept_briefs,
    kept_values,
    parse_entry,
)
from .indexscan import (
    FEW,
    Signature,
    changed_entries,
    entry_signatures,
    is_entry_file,
    is_file_or_link,
    is_many,
    listing_digest,
    stat_signature,
)
from .sortednames import save as save_names

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

# the columns of the index file a lookup of calls reads (a hit: the call's key,
# parameters and value), besides those every reader needs
LOOKUP_COLUMNS = ("key", "parameters", "value")

_UNSURE = object()  # a first lookup that leaves the entry to refresh (see _first_read)


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


def listings(folder: str) -> list[tuple[str, Listing | None, int, int, Sequence[str], Row | None]]:
    """Every entry of the store ``folder`` as ``archived ls -l`` prints it, in no
    particular order (``ls -l`` sorts its lines by name; the index file's rows come in
    the order they lie in memory): ``(name, listing, size, mtime_ns, files, row)``, with
    the listing ``rows(folder, listed=True)`` would give (None: read the entry; ``row``
    is then its row).

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
        for name, row in found.items()
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


def row(folder: str, name: str, trusted: bool = True) -> Row | None:
    """The index row of entry ``name`` of the store ``folder`` as it is now, or None if
    there is no such entry: ``rows(folder, [name]).get(name)``, at the cost of one
    ``lstat`` when the row this process holds is settled and its file unchanged.
    ``trusted=False`` (a store read safely): the first read of an entry ``lstat``-s it
    before opening it, as every safe read does (opening a device node runs its driver).

    >>> import tempfile
    >>> from archived.store.entries import commit_entry
    >>> folder = tempfile.mkdtemp()
    >>> commit_entry(folder, 'a', 2.5)
    >>> row(folder, 'a').value(), row(folder, 'b')
    ((True, 2.5), None)
    """
    state = _state(folder)
    with state.lock:
        return state.lookup(name, trusted)


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
        file: FileColumns | None,
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
    __slots__ = (
        "folder",
        "lock",
        "rows",
        "loaded",
        "file",
        "unsaved",
        "columns",
        "kept_reads",
        "refused",
        "kept_refused",
    )

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.lock = threading.Lock()
        self.rows: dict[str, Row] = {}
        self.loaded: tuple[int, int, int] | None = None  # signature of the file read
        self.file: FileColumns | None = None  # the columns of that file (rows use them)
        self.unsaved = 0  # rows read from entries since the file was last read or written
        self.columns: FileColumns | None = None  # the file kept() read last (no rows made)
        # settled rows kept() read again (the file keeps them changed or racy) since it
        # read that file: saved once they add up, as refresh saves (see kept())
        self.kept_reads = 0
        # rows unsaved when a save last failed (a full disk): the next waits until
        # twice as many are, or every lookup on a full disk encoded every row again
        self.refused = 0
        # kept_reads when a save of kept() last failed: tried again at twice as many
        # (every table() on a full disk read the same rows again and encoded every row)
        self.kept_refused = 0

    def refresh(self, names: Iterable[str] | None, listed: bool = False) -> dict[str, Row]:
        now = time.time_ns()  # before any entry is read: the racy rule's reference
        full = names is None
        if self.file is not None and self.file.doubt:
            # a column of the file read failed its checks: none of its rows is trusted
            # (those in use read their entries), and a new file is saved
            self.rows = {n: r for n, r in self.rows.items() if r._file is not self.file}
            self.file = self.loaded = None
        listing = entry_signatures(self.folder, names)
        current: dict[str, Row] = {}
        # the few rows of a new process's lookups are matched after the file is read
        few = full and self.file is None and len(self.rows) * 4 < len(listing)
        todo = self._known(listing, current) if self.rows and not few else listing
        # the rows of `current` are those of self.rows, but for the rows read below and
        # those a load of the file may replace in self.rows
        replaced = False
        # another process may have read these entries already (a single lookup reads
        # its entry rather than a whole index file)
        if todo and (full or len(todo) > 64) and self._file_changed():
            # a lookup (a sweep's driver looking up its points) keeps in memory only the
            # columns a hit reads: the file's info records, listings and brief records
            # (two thirds of its bytes, 40 MB at 100,000 entries) stay on disk until asked for
            self._load(listing if full else todo, None if full or listed else LOOKUP_COLUMNS)
            replaced = bool(current)
            todo = self._known(todo, current)
        elif few and self.rows:
            todo = self._known(todo, current)
        # the rows of a lookup (a cache hit, or a sweep's driver looking up every point)
        # derive the info's fields only when listed, tabled or saved: most are read
        # once, by the hit (a rerun of a finished sweep of 2,000 points spent half its
        # time deriving fields it never read)
        lazy = not full and not listed
        read = {}
        for name, _ in todo:
            row = self._fresh(name, now, lazy)
            if row is not None:
                read[name] = row
        current.update(read)
        if listed:
            self.unsaved += fill_listing(current)
        if not full:
            # (a new process's lookup of every point of a sweep put each of its 100,000
            # rows back where it was: a look in a dict of them all a point, memory far
            # from the last one each time)
            self.rows.update(current if replaced else read)
            if self.unsaved > FEW and self.unsaved * 64 > len(self.rows) and self._extends_file():
                # a bulk lookup that read many entries (a rerun of a finished sweep in a
                # store never tabled: it read every entry again, in every new process,
                # 1.0 s at 20,000 points against 0.5 s with the rows saved) saves them
                self._save()
            return current
        removed = len(self.rows.keys() - current.keys())
        self.rows = current
        if self.unsaved + removed and (
            self.loaded is None or (self.unsaved + removed) * 64 > len(current)
        ):
            # only a full view is saved, and only when enough changed; with the names as
            # the directory listed them (for ls) when every one has its row
            self._save(listing if len(listing) == len(current) else None)
        return current

    def lookup(self, name: str, trusted: bool = True) -> Row | None:
        """:meth:`refresh` of ``[name]``, without building a listing when the known row
        of ``name`` is settled and its file's signature unchanged (a cache hit), or
        racy and its file's content unchanged (read once: its ``fstat`` signature and
        digest both equal the row's)."""
        if not is_entry_file(name + ".py"):  # (checked once here for the paths below)
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
                    and is_file_or_link(st.st_mode)
                    and (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns) == known.signature
                ):
                    return known
        elif trusted and (self.file is None or not self.file.doubt):
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
        digest = xxhash.xxh3_64_hexdigest(data)
        row = parse_entry(name, data, stat_signature(status), digest, now, True)
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
        if stat_signature(status) != known.signature or (
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
        listing = entry_signatures(self.folder, None)
        # the listing column kept in memory (the others left in the file until asked for)
        read = read_columns(self._path(), most_bytes(sig for _, sig in listing), ("listing",))
        if read is None:
            return None
        file = read[1]
        names = file.names
        ino, size, mtime, ctime, seen, _, files = map(file.column, COLUMNS[1:EAGER])
        kept = file.column("listing")
        if _is_listing_of(file, listing) and None not in kept:
            # the file's rows are the store's entries, each settled: served in the
            # file's order (commit order), the order they lie in memory in; in name
            # order, every row reached was elsewhere (ls -l of 100,000 entries grew
            # 1.11 times as fast as 20,000)
            return list(zip(names, kept, size, mtime, files, repeat(None)))
        current = dict(listing)
        # the info column is decoded only if some row has no listing (too long to keep)
        info = file.column("info") if None in kept else kept
        # the rows that still describe their entry file: same signature, not racy (see
        # Row.racy: a file changed within RACY_SECONDS of its reading is read again),
        # and a listing kept if the info is (else its entry is read again); the others
        # are read as refresh would read them
        changed = changed_entries(names, (ino, size, mtime, ctime), current)[0]
        if info is not kept or not file.settled:  # (settled: every row checked at C speed)
            changed.update(
                name
                for name, m, c, when, listed, text in zip(
                    names, mtime, ctime, seen, kept, info, strict=True
                )
                if m >= when - RACY_NS
                or c >= when - RACY_NS
                or (listed is None and text is not None)
            )
        changed &= current.keys()
        if file.doubt or len(changed) > FEW or len(changed) * 64 > len(current):
            return None  # refresh reads them and saves the file (as it would for them)
        if not changed and len(names) == len(current):
            # the file's rows are the store's entries (in the file's order, as above)
            self._record_listing(file, listing)
            return list(zip(names, kept, size, mtime, files, repeat(None)))
        # self.loaded stays: this process keeps none of the file's rows
        fresh = self.refresh(sorted(changed), listed=True) if changed else {}
        found: list[tuple[str, Listing | None, int, int, Sequence[str], Row | None]] = [
            item
            for item in zip(names, kept, size, mtime, files, repeat(None))
            if item[0] in current and item[0] not in changed
        ]
        found += [
            (name, row.listing, row.signature[1], row.signature[2], row.files, row)
            for name, row in fresh.items()  # (a name gone meanwhile has no row)
        ]
        return found

    def kept(self) -> Kept | None:
        """:func:`kept` from the index file and the entries changed since it was written
        (read as :meth:`refresh` reads them), or None to let :meth:`refresh` do it (no
        file, a file of an earlier format, or so many changed that it saves a new one)."""
        listing = entry_signatures(self.folder, None)
        file = self._columns(listing)
        if file is None:
            return None
        names = file.names
        if _is_listing_of(file, listing):  # the file's rows are the store's entries
            order = sorted(range(len(names)), key=names.__getitem__)
            return Kept(list(map(names.__getitem__, order)), file, order)
        current = dict(listing)
        ino, size, mtime, ctime, seen = map(file.column, COLUMNS[1:6])
        # the rows that still describe their entry file: same signature, and not racy
        # (see Row.racy); the others are read as refresh reads them
        changed, removed = changed_entries(names, (ino, size, mtime, ctime), current)
        if not file.settled:
            racy = map(
                operator.ge, map(max, mtime, ctime), map(operator.sub, seen, repeat(RACY_NS))
            )
            changed.update(compress(names, racy))
            changed &= current.keys()
        if (len(changed) + removed) * 64 > len(current):
            return None  # refresh reads them and saves the file (as it would for them)
        if not changed and not removed:  # the file's rows are the store's entries
            order = sorted(range(len(names)), key=names.__getitem__)
            self._record_listing(file, listing, order)
            return Kept(list(map(names.__getitem__, order)), file, order)
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
        if self.kept_reads * 64 > len(current) and self.kept_reads >= 2 * self.kept_refused:
            self._save_kept(listed, file, at, fresh, listing)
        return Kept(listed, file, at, fresh)

    def _record_listing(
        self,
        file: FileColumns,
        listing: list[tuple[str, Signature]],
        order: list[int] | None = None,
    ) -> None:
        """Save index ``file`` again, with the digest of ``listing`` recorded, if it has
        none: its rows were just found to be exactly that listing's entries, each settled,
        one by one (a file saved by a lookup, which lists no directory, or by an earlier
        version).  Once: the next reader of an unchanged store compares one digest
        (``order``: the rows' positions in name order, if known)."""
        if file.listed is not None:
            # (a digest of another interpreter, or of the same entries listed in another
            # order: not saved again at every read)
            return
        if order is None:
            order = sorted(range(len(file.names)), key=file.names.__getitem__)
        self._save_kept([file.names[i] for i in order], file, order, {}, listing)

    def _save_kept(
        self,
        names: list[str],
        file: FileColumns,
        at: list[int],
        fresh: dict[str, Row],
        listing: list[tuple[str, Signature]],
    ) -> None:
        """Save the index file :meth:`kept` served: the rows of ``file`` at positions
        ``at`` (each checked against its entry file by then), the ``fresh`` rows at -1;
        ``listing``: the entries as the directory listed them (kept for ``ls``, and the
        digest of it recorded when the rows are exactly its entries).
        The rows this process keeps (``self.rows``, what :meth:`refresh` compares with
        the file it loaded) are left as they are."""
        if not os.access(self.folder, os.W_OK):
            return  # (a store we may not write: not every columns decoded for nothing)
        kept_columns = [file.column(field) for field in COLUMNS[1:]]
        if file.doubt or file.lost:
            # a column failed its checks (the next refresh rebuilds the file), or could
            # not be read again from a file replaced since (nulls: not worth saving)
            return
        mtime = kept_columns[COLUMNS.index("mtime") - 1]
        saved = sorted(
            zip(names, at, strict=True),
            key=lambda item: (
                fresh[item[0]].signature[2] if item[1] < 0 else mtime[item[1]],
                item[0],
            ),
        )  # in commit order, as _save saves (see in_commit_order)
        columns: list[list[Any]] = [[name for name, _ in saved], *([] for _ in COLUMNS[1:])]
        exact: dict[str, Signature | None] = {}  # each row's signature, if settled
        for name, i in saved:
            fields = fresh[name].dump() if i < 0 else [column[i] for column in kept_columns]
            for column, value in zip(columns[1:], fields, strict=True):
                column.append(value)
            ino, size, mtime, ctime, seen = fields[:5]
            settled = max(mtime, ctime) < seen - RACY_NS
            exact[name] = (ino, size, mtime, ctime) if settled else None
        if write_columns(self.folder, columns, _digest_if_exact(listing, exact)) is None:
            self.kept_refused = self.kept_reads  # (a full disk: see kept())
        else:
            self.columns = None  # the next kept() reads the file saved now
            self.kept_reads = self.kept_refused = 0
            if len(listing) == len(names):  # (else some entry went meanwhile)
                save_names(self.folder, [name for name, _ in listing], names)

    def _columns(self, listing: list[tuple[str, Signature]]) -> FileColumns | None:
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
        self.kept_reads = self.kept_refused = 0  # (another file: not the rows read again)
        # the columns a table of calls reads kept in memory (the info records, listings
        # and keys left in the file until asked for: a call's info, a save)
        wanted = most_bytes(sig for _, sig in listing)
        read = read_columns(self._path(), wanted, ("brief", "value"))
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
            read = read_entry_bytes(self.folder, name, lstat=False)  # (by entry_signatures)
        except DamagedEntryError:
            # a link or a FIFO: no info, so whoever needs it reads it and gets the error
            path = os.path.join(self.folder, name + ".py")
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                return None
            except OSError as err:  # a failing disk: never "deleted meanwhile"
                raise StoreReadError.of(err, path, entry=name) from err
            return Row(stat_signature(st), now, "0" * 16, [], None, None)
        if read is None:
            return None  # deleted meanwhile
        data, status = read
        signature = stat_signature(status)
        digest = xxhash.xxh3_64_hexdigest(data)
        if known is not None and known.signature == signature and known.digest == digest:
            known.seen = now  # unchanged: no longer racy once it is old enough
            # a row that settled is worth saving: in the file it stays racy, and every
            # new process would read its entry again (the last entries of a sweep that
            # was tabled at once were read again by every table() after it)
            self.unsaved += known.settled
            return known
        self.unsaved += 1
        return parse_entry(name, data, signature, digest, now, lazy)

    # ---- the index file ----------------------------------------------------------------

    def _path(self) -> str:
        return os.path.join(self.folder, INDEX_FILE)

    def _extends_file(self) -> bool:
        """Whether this process's rows hold every row of the index file there now: the
        file is the one it read or wrote last, or there is none.  Only then is saving
        rows of some entries alone (a lookup's) no loss: the file keeps rows of entries
        a lookup did not check, and a save never drops what another process saved."""
        try:
            st = os.lstat(self._path())
        except FileNotFoundError:
            return True
        except OSError:
            return False
        return (st.st_ino, st.st_size, st.st_mtime_ns) == self.loaded

    def _file_changed(self) -> bool:
        try:
            st = os.lstat(self._path())
        except OSError:
            return False
        return (st.st_ino, st.st_size, st.st_mtime_ns) != self.loaded

    def _load(
        self, wanted: list[tuple[str, Signature]], keep: Collection[str] | None = None
    ) -> None:
        """Take the rows of the index file that this process does not know yet (read
        only if it is no bigger than rows of the entries ``wanted`` can be: a file of
        more is ignored); ``keep``: the columns held in memory (see :func:`read_file`)."""
        loaded = read_file(self._path(), most_bytes(sig for _, sig in wanted), keep)
        if loaded is None:
            return
        signature, found = loaded
        self.loaded = signature
        self.file = next(iter(found.values()))._file if found else None
        self.unsaved = 0
        if not self.rows:  # a new process: every row of the file is news
            self.rows = found
            return
        for name, row in found.items():
            known = self.rows.get(name)
            if known is None or known.signature != row.signature:
                self.rows[name] = row

    def _save(self, listing: list[tuple[str, Signature]] | None = None) -> None:
        """Save the index file of this process's rows; ``listing``: their entries as the
        directory listed them (:func:`entry_signatures`), whose names are kept sorted
        beside the file for ``ls``, and whose digest the file records when the rows are
        exactly its entries, each settled."""
        if not os.access(self.folder, os.W_OK):
            # a store we may not write (a colleague's folder, a read-only copy): every
            # row's fields derived for a write that fails, at each table() and each
            # sweep's lookup (1.2 s a rerun at 20,000 points)
            return
        if self.unsaved < 2 * self.refused:
            return  # (a failed save is tried again only once twice as much is unsaved)
        names = in_commit_order(self.rows)
        rows = [self.rows[name] for name in names]
        columns: list[list[Any]] = [names, *([] for _ in COLUMNS[1:])]
        appends = [column.append for column in columns[1:]]
        for row in rows:
            for append, value in zip(appends, row.dump(), strict=True):
                append(value)
        if any(
            file is not None and (file.doubt or file.lost) for file in {row._file for row in rows}
        ):
            # rows of a file found in doubt (nulls now): the next refresh drops them; or
            # whose columns could not be read again from it (nulls: not worth saving)
            return
        listed = None
        if listing is not None:
            exact = {n: self.rows[n].signature if self.rows[n].settled else None for n in names}
            listed = _digest_if_exact(listing, exact)
        st = write_columns(self.folder, columns, listed)
        if st is None:
            self.refused = max(self.unsaved, 1)
            return
        self.loaded = (st.st_ino, st.st_size, st.st_mtime_ns)
        self.unsaved = self.refused = 0
        if listing is not None:
            save_names(self.folder, [name for name, _ in listing], sorted(names))


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


def _digest_if_exact(
    listing: list[tuple[str, Signature]], exact: dict[str, Signature | None]
) -> str | None:
    """The digest of ``listing`` (:func:`listing_digest`) if the rows saved are exactly
    its entries, each settled and of the signature listed (``exact``: each row's
    signature, None if it was not settled), else None (a reader then joins its listing
    with the file's rows one by one)."""
    if len(listing) != len(exact):
        return None
    if not all(exact.get(name) == signature for name, signature in listing):
        return None  # (a file changed between its listing and its reading, or racy)
    return listing_digest(listing)


def _is_listing_of(file: FileColumns, listing: list[tuple[str, Signature]]) -> bool:
    """Whether the rows of index ``file`` are exactly the entries of ``listing`` (this
    store's now), each settled and of the signature listed: the digest the file's saver
    recorded after checking so is the listing's (no name looked up)."""
    return (
        file.listed is not None
        and len(file.names) == len(listing)
        and file.listed == listing_digest(listing)
    )


def in_commit_order(rows: dict[str, Row]) -> list[str]:
    """The names of ``rows`` in the order their entry files were last written (by
    modification time, then name): the order an index file keeps its rows in.

    A sweep looks its points up in the order of its grid, which is the order it stored
    them in; rows read from a file in that order lie in memory in it, so the lookup
    walks them one after the other (in name order, the order of the keys' hashes, each
    row reached was somewhere else: at 100,000 points a rerun of a finished sweep took
    15% longer a point than at 20,000).
    """
    return sorted(rows, key=lambda name: (rows[name].signature[2], name))
