"""A row of the read-side index: what it knows about one entry file (part of
:mod:`archived.store.index`).

A row keeps the entry's info record (and its value, when small) as :mod:`indexcodec`
text, the data files its header lists and the file's signature, all read by the literal
fast path (:mod:`archived.load.literal`): nothing in an entry is executed to make its
row.  It also keeps what is derived from the info record (what ``ls -l`` prints, the
brief record a table reads, a call's key and parameters), so that none of them decodes
an unchanged entry's info again.  A row read from an index file takes its texts from
the file's columns when first asked (:class:`archived.store.indexfile.FileColumns`);
a row made by a lookup (a cache hit) keeps the entry's sections and derives its fields
only when asked.

>>> import os, tempfile, xxhash
>>> from archived.store.entries import commit_entry
>>> folder = tempfile.mkdtemp()
>>> commit_entry(folder, 'a', 2.5, info={'mu': 1})
>>> data = open(os.path.join(folder, 'a.py'), 'rb').read()
>>> st = os.stat(os.path.join(folder, 'a.py'))
>>> from archived.store.indexscan import stat_signature
>>> row = parse_entry('a', data, stat_signature(st), xxhash.xxh3_64_hexdigest(data), 0)
>>> row.info(), row.value()
({'mu': 1}, (True, 2.5))
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import DamagedEntryError
from ..load.literal import NotLiteral, literal_names, literal_value
from ..load.recordfields import call_fields
from . import callcheck, indexcodec, listing, valuedigest
from .entries import FORMAT, INFO_MARK, VALUE_MARK, entry_sections, entry_text
from .table import brief_of, record_text

if TYPE_CHECKING:
    from .indexfile import FileColumns

__all__ = [
    "Row",
    "RACY_SECONDS",
    "NOT_KEPT",
    "kept_values",
    "kept_briefs",
    "decode_values",
    "decode_briefs",
    "parse_entry",
    "fill_listing",
    "call_of",
    "fill_call_fields",
    "file_values",
]

#: A file changed less than this long before it was read is checked by content.
RACY_SECONDS = 3.0
RACY_NS = int(RACY_SECONDS * 1e9)
INFO_CHARS = 64 * 1024  # longer info records are read from their entry
_VALUE_SOURCE_CHARS = 2048  # values of longer source are not kept
# a lookup's row keeps the info section of at most this many characters to read later (a
# longer one is read now, as a full look reads it: its text is kept only if it is short)
_INFO_SOURCE_CHARS = 2 * INFO_CHARS
VALUE_CHARS = 4096
NO_FILES: tuple[str, ...] = ()
_NO_CALL: tuple[None, None] = (None, None)  # the call fields of a row without info

Listing = Sequence[Any]  # (kind, function, version, summary, started): a list if from a file
# (info_text, listing, brief_text, (key, parameters)) of a row (see _info_fields)
InfoFields = tuple["str | None", "Listing | None", "str | None", "tuple[str | None, str | None]"]


class Lazy:
    """The type of :data:`LAZY`: a row's field still in its index file's column."""

    __slots__ = ()


LAZY = Lazy()


class Pending:
    """The type of :data:`PENDING`: a field of a lookup's row not derived yet from the
    entry's sections the row keeps (see :func:`parse_entry`)."""

    __slots__ = ()


PENDING = Pending()
PENDING_READ = Pending()  # a lookup's row's value not derived yet, read once


class Row:
    """What the index knows about one entry file (read-only for callers).

    ``files``: the data files its header lists; ``info()``: its info record, decoded
    afresh on each call (or ``KeyError`` when the row has none: read the entry);
    ``brief()``: the fields of it a table of calls reads (:func:`table.brief_of`);
    ``value()``: ``(True, value)`` when the row keeps the value, else ``(False, None)``;
    ``listing``: what ``ls`` prints from the info record (:func:`listing.columns`), or
    None when not known (see :func:`index.rows`' ``listing``).

    A row read from an index file takes its texts from the file's columns when first
    asked (:class:`indexfile.FileColumns`): a table of calls never decodes the full info records.
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
        info_text: str | None | Lazy | Pending,
        value_text: str | None | Lazy | Pending,
        listed: Listing | None | Lazy | Pending = None,
        brief_text: str | None | Lazy | Pending = None,
        file: FileColumns | None = None,
        pos: int = 0,
        source: Source | None = None,
        call: tuple[str | None, str | None] | Lazy | Pending = _NO_CALL,
    ) -> None:
        self.signature = signature
        # the seen setter, spelt out: an index file of a big store makes many rows
        self._seen = seen
        self.settled = max(signature[2], signature[3]) < seen - RACY_NS
        self.digest = digest
        # most entries have no data file: one shared empty tuple, not a list per row (a
        # big store's rows outlive a table, and every container is one more for the
        # cyclic collector to walk)
        self.files: Sequence[str] = files if files else NO_FILES
        self._info = info_text
        self._value = value_text
        self._listing = listed
        self._brief = brief_text
        self._file = file  # the index file's columns the lazy fields come from
        self._pos = pos
        self._source = source  # the entry's sections the PENDING fields come from
        self._call = call  # (key, parameters text) of the info record: see call_of
        # what a caller derived from this version of the file (in this process only)
        self.memo: Any = None

    @property
    def info_text(self) -> str | None:
        """The info record as :mod:`indexcodec` text, or None if the row has none."""
        text = self._info
        if text is LAZY:  # (spelt out: a table reads one per row)
            text = self._info = self._file.column("info")[self._pos]  # type: ignore[union-attr]
        elif text is PENDING:
            text = self._derive_info()[0]
        return text  # type: ignore[return-value]

    @property
    def value_text(self) -> str | None:
        """The value as :mod:`indexcodec` text, or None if the row does not keep it."""
        text = self._value
        if text is LAZY:  # (spelt out: a table reads one per row)
            text = self._value = self._file.column("value")[self._pos]  # type: ignore[union-attr]
        elif text is PENDING or text is PENDING_READ:
            text = self._derive_value()
        return text  # type: ignore[return-value]

    @property
    def brief_text(self) -> str | None:
        """The brief record (:meth:`brief`; ``"null"``: the info is not a dict) as
        :mod:`indexcodec` text, or None if the row has no info."""
        text = self._brief
        if text is LAZY:
            text = self._brief = self._from_file("brief")
        elif text is PENDING:
            text = self._derive_info()[2]
        return text  # type: ignore[return-value]

    @property
    def call_texts(self) -> tuple[str | None, str | None]:
        """``(key, parameters)`` of the info record (:func:`call_of`: the key if it is a
        text, the parameters as :mod:`indexcodec` text), or ``(None, None)`` if the row
        has no info."""
        call = self._call
        if call is LAZY:
            # not kept in the row: a rerun of a big sweep reads it once per row
            file, pos = self._file, self._pos
            key, shown = file.column("key")[pos], file.column("parameters")[pos]  # type: ignore[union-attr]
            return (None, None) if file.doubt else (key, shown)  # type: ignore[union-attr]
        elif call is PENDING:
            call = self._derive_info()[3]
        return call  # type: ignore[return-value]

    @property
    def edited(self) -> bool:
        """Whether the entry is a stored call whose value (or recorded parameters) was
        edited by hand, as the row derived it (its key: :func:`valuedigest.edited_key`)."""
        file = self._file
        if self._call is LAZY and file is not None:
            # the key column alone (call_texts decodes the parameters' too: a table of a
            # big store asks this of every row)
            key = None if file.doubt else file.column("key")[self._pos]
        else:
            key = self.call_texts[0]
        return key is not None and key.startswith(valuedigest.EDITED_KEY)

    @property
    def listing(self) -> Listing | None:
        """What ``ls`` prints of the entry (None: not known; read the entry)."""
        listed = self._listing
        if listed is LAZY:
            listed = self._listing = self._from_file("listing")
        elif listed is PENDING:
            listed = self._derive_info()[1]
        return listed  # type: ignore[return-value]

    @listing.setter
    def listing(self, listed: Listing | None) -> None:
        self._listing = listed

    def _from_file(self, field: str) -> Any:
        assert self._file is not None
        return self._file.column(field)[self._pos]

    def _derive_info(self) -> InfoFields:
        """Fill the fields derived from the info record of a row made by a lookup
        (:func:`parse_entry` with ``lazy``): its text, listing, brief record and call fields,
        as an eager row has them; returned as ``(info_text, listing, brief_text, call)``."""
        source = self._source
        if source is None:  # derived meanwhile, by another thread
            return self._info, self._listing, self._brief, self._call  # type: ignore[return-value]
        # (edited: as an eager row derives them; without it, the call's own key and a
        # status ok, and the next lookup took the edited value for a hit)
        derived = _info_fields(source.name, source.info, source.edited)
        self._listing, self._brief, self._call = derived[1], derived[2], derived[3]
        self._info = derived[0]  # last: a reader that sees a text finds the others set
        if type(self._value) is not Pending:  # all derived: the sections are no longer needed
            self._source = None  # (after the fields: see info())
        return derived

    def _derive_value(self) -> str | None:
        """Fill the value text of a lookup's row (see :meth:`_derive_info`)."""
        source = self._source
        if source is None:  # derived meanwhile, by another thread
            return self._value  # type: ignore[return-value]
        self._value = text = _value_text(source.name, source.value)
        if self._info is not PENDING:
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
        if self._info is PENDING:  # a lookup's row: read from the entry's own text
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
        if self._info is PENDING and source is not None:
            fields = call_fields(source.info)
            if fields is not None and source.edited:  # no hit of its call (as call_of)
                return valuedigest.edited_key(fields[0]), fields[1]
            return fields
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
        if self._value is PENDING:
            # a lookup's row reads its first value from the entry's own text, and makes
            # the value's text at the next call (a key hit again reads it again, and
            # decoding the text costs a third of reading the source)
            self._value = PENDING_READ
            try:  # (literal_value spelt out: a process's first hit pays every call)
                names = literal_names(source.value)  # type: ignore[union-attr, arg-type]
            except NotLiteral:
                return False, None
            name = source.name  # type: ignore[union-attr]
            return (True, names[name]) if name in names else (False, None)
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
        return max(mtime, ctime) >= self._seen - RACY_NS

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
    >>> from archived.store.index import rows
    >>> folder = tempfile.mkdtemp()
    >>> commit_entry(folder, 'a', (1, 2.5))
    >>> kept_values(list(rows(folder).values()))
    [(1, 2.5)]
    """
    return decode_values([row.value_text for row in rows])


def fill_call_fields(rows: Iterable[Row]) -> None:
    """Set each row's :attr:`Row.memo` that is not set to its :meth:`Row.call_fields`,
    the parameters of them all decoded at once (a sweep's lookup of every point of a
    finished sweep decoded one row's at a time: a scanner call and a copy of each
    parameter's name per point).  Rows made by a lookup from their entry (read from its
    text), and rows whose fields do not decode, are left for ``call_fields``.

    >>> import tempfile
    >>> from archived.store.entries import commit_entry
    >>> from archived.store.index import rows
    >>> folder = tempfile.mkdtemp()
    >>> commit_entry(folder, 'a', 1, info={'key': 'k', 'parameters': {'x': 1}})
    >>> row = rows(folder)['a']
    >>> fill_call_fields([row])
    >>> row.memo
    ('k', {'x': 1})
    """
    todo = []
    keys = []
    texts: list[str | None] = []
    for row in rows:
        if row.memo is not None or row._info is PENDING:
            continue
        key, shown = row.call_texts
        if shown is None:
            continue
        todo.append(row)
        keys.append(key)
        texts.append(shown)
    # a text that does not decode (a tampered index file) is NOT_KEPT: call_fields then
    # finds it so, and info() reads the entry
    for row, key, parameters in zip(todo, keys, decode_values(texts), strict=True):
        if parameters is not NOT_KEPT:
            row.memo = (key, parameters)


def file_values(rows: Sequence[Row | None]) -> list[Any]:
    """``row.value()[1]`` of each row that keeps its value as the index file's text,
    decoded at once (a rerun of a finished sweep decoded one point's at a time);
    :data:`NOT_KEPT` for None, for a row made from its entry (its value is read from
    the entry's own text) and for a text that does not decode: ``row.value()`` then.

    >>> import tempfile
    >>> from archived.store.entries import commit_entry
    >>> from archived.store.index import rows
    >>> folder = tempfile.mkdtemp()
    >>> commit_entry(folder, 'a', {'x': 1.5})
    >>> file_values([rows(folder)['a'], None])
    [{'x': 1.5}, NOT_KEPT]
    """
    texts = [
        row.value_text if row is not None and type(row._value) is not Pending else None
        for row in rows
    ]
    return decode_values(texts)


def kept_briefs(rows: Sequence[Row]) -> list[Any]:
    """``[row.brief() for row in rows]`` decoded at once, :data:`NOT_KEPT` where
    :meth:`Row.brief` raises (no info kept, or a tampered index file).

    >>> import tempfile
    >>> from archived.store.entries import commit_entry
    >>> from archived.store.index import rows
    >>> folder = tempfile.mkdtemp()
    >>> commit_entry(folder, 'a', 0, info={'function': 'm.f', 'host': 'h'})
    >>> kept_briefs(list(rows(folder).values()))
    [{'function': 'm.f'}]
    """
    return decode_briefs([row.brief_text for row in rows])


def decode_values(texts: list[str | None]) -> list[Any]:
    """The values kept as ``texts`` (:attr:`Row.value_text`, or :meth:`index.Kept.texts` of
    ``"value"``) decoded at once, :data:`NOT_KEPT` for None and for a text that does not
    decode.

    >>> decode_values(['[1,2.5]', None, '[1'])
    [[1, 2.5], NOT_KEPT, NOT_KEPT]
    """
    return _decoded(texts, indexcodec.decode)


def decode_briefs(texts: list[str | None]) -> list[Any]:
    """The brief records kept as ``texts`` (:attr:`Row.brief_text`, or :meth:`index.Kept.texts`
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


def parse_entry(
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
    # the layout archived writes for an entry without data files, split by two plain
    # string tests (what entry_sections makes of it, without the header's regular
    # expression and three more calls: a process's first hit pays for every one)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = ""  # (entry_text says what is wrong)
    pieces = (
        text.split(_VALUE_LINE)
        if text.startswith(_PLAIN_HEAD + name + _PLAIN_TAIL) and "\r" not in text
        else ()
    )
    if len(pieces) == 2 and pieces[0].endswith("\n"):  # (the head's "\n" if no info)
        info_src, value_src = pieces[0][len(name) + _PLAIN_CHARS :], pieces[1]
        files: list[str] = []
        ascii_file = data if len(text) == len(data) else None  # (and no "\r": above)
    else:
        ascii_file = None
        try:
            info_src, value_src, files = entry_sections(name, entry_text(name, data))
        except DamagedEntryError:
            return Row(signature, now, digest, [], None, None)
    keeps_value = len(value_src) <= _VALUE_SOURCE_CHARS and (
        not files or all(f.endswith("-info.h5") for f in files)
    )
    # the one hash of a value already read: a value edited by hand is never a hit
    edited = valuedigest.edited(info_src, value_src, ascii_file)
    if lazy and len(info_src) <= _INFO_SOURCE_CHARS:
        value = PENDING if keeps_value else None
        source = Source(name, info_src, value_src if keeps_value else None, edited)
        return Row(
            signature,
            now,
            digest,
            files,
            PENDING,
            value,
            PENDING,
            PENDING,
            None,
            0,
            source,
            PENDING,
        )
    info_text, listed, brief_text, call = _info_fields(name, info_src, edited)
    value_text = _value_text(name, value_src) if keeps_value else None
    return Row(signature, now, digest, files, info_text, value_text, listed, brief_text, call=call)


# the first two lines of an entry without data files, its name between the two, as
# entries.entry_sections reads them: ending where the info section starts
_PLAIN_HEAD = "# archived entry '"
_PLAIN_TAIL = f"', format {FORMAT}, data files: []\n{INFO_MARK}\n"
_PLAIN_CHARS = len(_PLAIN_HEAD) + len(_PLAIN_TAIL)
_VALUE_LINE = f"{VALUE_MARK}\n"


class Source:
    """The info and value sections of an entry file (the value's only when a row may
    keep it), from which a lookup's row reads and derives its fields when asked;
    ``edited``: the value section is not the one its record's digest names."""

    __slots__ = ("name", "info", "value", "edited")

    def __init__(self, name: str, info: str, value: str | None, edited: bool = False) -> None:
        self.name = name
        self.info = info
        self.value = value
        self.edited = edited


def _info_fields(name: str, info_src: str, edited: bool = False) -> InfoFields:
    """``(info_text, listing, brief_text, call)`` of a row from its entry's info section
    (``call``: :func:`call_of`): all None (the call ``(None, None)``) when the info
    record is not literal data, or too long to keep.  ``edited``: its value section was
    edited by hand (:mod:`valuedigest`), so the call's key is derived as
    :func:`valuedigest.edited_key`: no lookup of the call takes it for a hit.  So is a
    call record whose key is not its parameters' (:func:`callcheck.other_key`): its
    parameters were edited by hand, and its value is another call's result."""
    try:
        info = literal_value(info_src, "info")
    except NotLiteral:
        return None, None, None, _NO_CALL
    info_text = indexcodec.encode(info, max_chars=INFO_CHARS)
    if info_text is None:
        return None, None, None, _NO_CALL
    # what ls prints, what a table of calls reads and what a sweep's lookup compares,
    # derived now that the info is at hand (a fraction of the parse), so that none of
    # them ever decodes an unchanged entry's info again
    call = call_of(info)
    shown = info
    # a record whose key is not its parameters' (edited by hand beside the old result):
    # no result of its call either, as a value edited is (one key hashed, here only)
    if call[0] is not None and (edited or callcheck.other_key(info)):
        call = valuedigest.edited_key(call[0]), call[1]
        if record_text(info, "status", "ok") == "ok":
            # what tables and ls see of it: no result of its call (the info text, what
            # show prints, is the record as it is)
            shown = {**info, "status": valuedigest.EDITED}
    return info_text, _listing_of(name, shown), _brief_of(shown), call


def call_of(info: Any) -> tuple[str | None, str | None]:
    """``(key, parameters)`` of an info record as a sweep's lookup reads them (see
    :meth:`Row.call_fields`): its key if it is a text, else None, and its parameters
    (None if it has none) as :mod:`indexcodec` text; ``(None, "null")`` for a record
    that is not a dict.

    >>> call_of({"key": "ab", "parameters": {"x": 1}, "host": "h"}), call_of([1])
    (('ab', '{"x":1}'), (None, 'null'))
    """
    if not isinstance(info, dict):
        return None, "null"
    key = info.get("key")
    return key if type(key) is str else None, indexcodec.encode(info.get("parameters"))


def _value_text(name: str, value_src: str | None) -> str | None:
    """The value of a row from its entry's value section as :mod:`indexcodec` text, or
    None when it is not literal data or too long to keep."""
    if value_src is None:
        return None
    try:
        value = literal_value(value_src, name)
    except NotLiteral:
        return None
    return indexcodec.encode(value, max_chars=VALUE_CHARS)


def _brief_of(info: Any) -> str | None:
    """The brief record of an info record as :mod:`indexcodec` text (see
    :meth:`Row.brief`), or None if it cannot be kept."""
    return indexcodec.encode(brief_of(info))


def _listing_of(name: str, info: Any) -> Listing | None:
    """The listing of entry ``name`` from its info record, if the index can keep it."""
    columns = listing.columns(name, info)
    if columns is not None and max(map(len, columns[1:4])) <= INFO_CHARS:
        return columns
    return None


def fill_listing(found: dict[str, Row]) -> int:
    """Give every row of ``found`` that keeps its info record but no listing its
    listing, if it can be kept; how many rows got one."""
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
