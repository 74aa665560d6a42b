"""The store interface: the primitives a :class:`~archived.store.dataset.DataSet` is built on.

A *store* is one directory of named entries, each with a value and an info record.
:class:`Store` lists what every kind of store does; :class:`~archived.store.native.NativeStore`
(the stores ``archived`` writes) and :class:`~archived.store.persist_compat.PersistStore`
(stores written by persist 3.x, read-only) implement it.  ``DataSet`` keeps the user's
surface (attributes, items, ``_insert``) and delegates every disk operation here, so
there is one place per kind that knows its files, and no branch on the kind elsewhere.

The contract, checked over every kind by ``tests/test_store_conformance.py``:

* ``names()`` is the sorted list of committed entries; ``contains(name)`` agrees with
  it and is False for anything that cannot name an entry;
* ``info(name)`` / ``value(name)`` read fresh from disk every time and raise
  ``KeyError`` for a missing (or impossible) name, ``DamagedEntryError`` for one that
  cannot be read back;
* writes (``commit``, ``set_info``, ``delete``, ``new_name``) are atomic and raise
  :class:`~archived.errors.ReadOnlyError` on a store kind that cannot be written;
* ``close()`` releases what the store holds (a lock held for its lifetime).

>>> import tempfile
>>> from archived.store.native import NativeStore
>>> store = NativeStore.open(tempfile.mkdtemp() + '/s', writable=True)
>>> store.commit('a', [1, 2], 'two numbers')
>>> store.names(), store.info('a'), store.value('a')
(['a'], 'two numbers', [1, 2])
"""

from __future__ import annotations

import abc
import bisect
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, ClassVar

from ..errors import ArchiveError, ReadOnlyError
from .table import BRIEF_KEYS, brief_of

__all__ = ["Store", "EntryView", "Entries", "Listed", "BRIEF_KEYS"]


class EntryView:
    """One entry of a store as :meth:`Store.view` saw it: its info and value on request.

    ``info()`` and ``value()`` read fresh from disk here; a store kind with a read-side
    index (:class:`~archived.store.native.NativeStore`) serves them from the index when it
    holds them (the version of the entry the view saw).  ``KeyError`` if the entry was
    deleted meanwhile, ``DamagedEntryError`` if it cannot be read back.
    """

    __slots__ = ("store", "name")

    def __init__(self, store: Store, name: str) -> None:
        self.store = store
        self.name = name

    def info(self) -> Any:
        """The entry's info record (a fresh object)."""
        return self.store.info(self.name)

    def value(self) -> Any:
        """The entry's value (a fresh object)."""
        return self.store.value(self.name)

    def renewed(self) -> EntryView | None:
        """The entry as it is now (None if it was deleted): for a view whose ``info()``
        or ``value()`` raised :class:`~archived.errors.EntryChangedError` (its
        version was rewritten since it was seen).  Here the view reads the entry fresh
        every time, so it is its own renewal.

        >>> import tempfile
        >>> from archived.store.native import NativeStore
        >>> store = NativeStore.open(tempfile.mkdtemp() + "/s", writable=True)
        >>> store.commit("a", 1)
        >>> EntryView(store, "a").renewed().value()
        1
        """
        return self if self.store.contains(self.name) else None

    def brief(self) -> Any:
        """The items of the entry's info record that a table of calls reads (its keys
        among :data:`BRIEF_KEYS`), a new dict in the record's order; None if the
        record is not a dict.  A store with a read-side index decodes no more of it.

        >>> import tempfile
        >>> from archived.store.native import NativeStore
        >>> store = NativeStore.open(tempfile.mkdtemp() + "/s", writable=True)
        >>> store.commit("f_1", 2, {"function": "m.f", "host": "h", "parameters": {"n": 1}})
        >>> EntryView(store, "f_1").brief()
        {'function': 'm.f', 'parameters': {'n': 1}}
        """
        return brief_of(self.info())

    def __repr__(self) -> str:
        return f"<entry {self.name!r} of {self.store.folder!r}>"


class Entries:
    """Every entry of a store, by position in name order, read many at a time: what a
    table of calls reads (:meth:`Store.entries`).  ``names``: the entries, sorted.

    A store with a read-side index decodes the brief records and values it keeps at
    once, and makes no object per entry (:class:`~archived.store.native.NativeStore`);
    here, each comes from the entry's :class:`EntryView`.

    >>> import tempfile
    >>> from archived.store.native import NativeStore
    >>> store = NativeStore.open(tempfile.mkdtemp() + "/s", writable=True)
    >>> store.commit("f_1", 2, {"function": "m.f", "host": "h"})
    >>> store.commit("g_1", 3)
    >>> found = Entries(Store.view(store))
    >>> span = found.span("f_")
    >>> list(span), found.briefs(span), found.values(span)
    ([0], [{'function': 'm.f'}], [2])
    """

    def __init__(self, view: dict[str, EntryView]) -> None:
        self.names = list(view)
        self._entries = list(view.values())

    def span(self, prefix: str) -> range:
        """The positions of the entries whose names start with ``prefix`` (one range:
        the names are sorted)."""
        names = self.names
        lo = bisect.bisect_left(names, prefix)
        if prefix and prefix[-1] < chr(sys.maxunicode):
            after = prefix[:-1] + chr(ord(prefix[-1]) + 1)  # the first text past them all
            return range(lo, bisect.bisect_left(names, after, lo))
        hi = lo
        while hi < len(names) and names[hi].startswith(prefix):
            hi += 1
        return range(lo, hi)

    def entry(self, i: int) -> EntryView:
        """The entry at position ``i``."""
        return self._entries[i]

    def briefs(self, positions: Iterable[int]) -> list[Any]:
        """The brief records (:meth:`EntryView.brief`) of the entries at ``positions``,
        None for an entry deleted meanwhile."""
        found = []
        for i in positions:
            try:
                found.append(self.entry(i).brief())
            except KeyError:
                found.append(None)
        return found

    def briefs_each(
        self, positions: Sequence[int], refused: type[ArchiveError]
    ) -> tuple[list[Any], list[tuple[str, ArchiveError]]]:
        """:meth:`briefs` of ``positions``, all at once unless one of them raises
        ``refused`` (an entry broken by hand, or refused by a safe read): then each alone,
        None for each that raised.  Returns the briefs and ``(name, error)`` of each
        entry left out.

        >>> import tempfile
        >>> from archived.store.native import NativeStore
        >>> store = NativeStore.open(tempfile.mkdtemp() + "/s", writable=True)
        >>> store.commit("f_1", 2, {"function": "m.f"})
        >>> Entries(Store.view(store)).briefs_each(range(1), ArchiveError)
        ([{'function': 'm.f'}], [])
        """
        try:
            return self.briefs(positions), []
        except refused:
            pass
        found: list[Any] = []
        left: list[tuple[str, ArchiveError]] = []
        for position in positions:
            try:
                found.extend(self.briefs([position]))
            except refused as err:
                found.append(None)
                left.append((self.names[position], err))
        return found, left

    def values(self, positions: Iterable[int]) -> list[Any]:
        """The values of the entries at ``positions`` (``KeyError`` for an entry deleted
        meanwhile)."""
        return [self.entry(i).value() for i in positions]


# (name, (kind, function, version, summary, started) or None, size, mtime, data files, entry view):
# one per entry of Store.listing(); a plain tuple, as a big store lists 100,000 of them
Listed = tuple[
    str,
    Sequence[Any] | None,
    int,
    float,
    Sequence[str],
    EntryView | None,
]


class Store(abc.ABC):
    """One store directory of named entries (value + info record each).

    Attributes:
        folder: the store directory.
        kind: what wrote the store (``"archived"``, ``"persist"``), for messages.
        writable: whether this store object accepts writes.
    """

    kind: ClassVar[str]
    folder: str
    writable: bool

    # ---- reading ---------------------------------------------------------------------

    @abc.abstractmethod
    def names(self) -> list[str]:
        """The committed entries, sorted (``StoreNotFoundError`` if the store vanished)."""

    @abc.abstractmethod
    def contains(self, name: str) -> bool:
        """Whether entry ``name`` exists (False for a name no entry can have)."""

    @abc.abstractmethod
    def info(self, name: str) -> Any:
        """The info record of entry ``name`` (``KeyError`` if there is none)."""

    @abc.abstractmethod
    def value(self, name: str) -> Any:
        """The value of entry ``name`` (``KeyError`` if there is none)."""

    def info_items(self) -> Iterator[tuple[str, Any]]:
        """``(name, info)`` of every entry, loading no value; entries deleted meanwhile
        are skipped."""
        for name, entry in self.view().items():
            try:
                yield name, entry.info()
            except KeyError:
                continue

    def view(self, names: Iterable[str] | None = None) -> dict[str, EntryView]:
        """Every entry (or those of ``names`` that exist) as an :class:`EntryView`, by
        name in sorted order: the way to read many entries' info or values at once."""
        if names is None:
            return {name: EntryView(self, name) for name in self.names()}
        return {n: EntryView(self, n) for n in sorted(set(names)) if self.contains(n)}

    def view_each(self, names: Sequence[str]) -> list[EntryView | None]:
        """Each of ``names`` as :meth:`view` sees it (None where there is no such
        entry), in their order: the way to look up many entries and walk them by
        position."""
        found = self.view(names)
        return [found.get(name) for name in names]

    def entries(self) -> Entries:
        """Every entry as :meth:`view` sees it, by position in name order: the way to
        read the brief records and values of many entries at once."""
        return Entries(self.view())

    def entry(self, name: str) -> EntryView | None:
        """Entry ``name`` as :meth:`view` sees it, or None if there is none: the way to
        look up one entry (a cache hit)."""
        return self.view([name]).get(name)

    def listing(self) -> list[Listed]:
        """Every entry as ``archived ls -l`` reads it, in any order (it sorts them):
        ``(name, columns, size, mtime, files, entry)``.  ``columns`` is what ``ls``
        prints from the info record (``(kind, function, version, summary, started)``,
        see :func:`archived.store.listing.columns`) when the store keeps it at hand, and
        then ``size``, ``mtime`` and ``files`` describe the entry file; when ``columns``
        is None, read ``entry`` (None: the store by name) instead."""
        return [(name, None, 0, 0.0, (), entry) for name, entry in self.view().items()]

    # ---- writing ---------------------------------------------------------------------

    @abc.abstractmethod
    def commit(
        self,
        name: str,
        value: Any,
        info: Any = None,
        *,
        keep_info: bool = False,
        new: bool = False,
        digest_value: bool = False,
    ) -> None:
        """Write entry ``name`` (value and info) in one atomic commit; ``keep_info`` keeps
        the info already stored; ``new``: ``name`` was reserved by :meth:`new_name`, and
        an entry written there meanwhile is never replaced (``NameTaken``);
        ``digest_value``: record the value's digest in the info (a stored call's, see
        :mod:`archived.store.valuedigest`)."""

    @abc.abstractmethod
    def set_info(self, name: str, info: Any) -> None:
        """Replace the info record of entry ``name``, keeping its value (None if new)."""

    @abc.abstractmethod
    def delete(self, name: str, digest: str | None = None) -> bool:
        """Remove entry ``name`` atomically; return whether it existed.  ``digest``: only
        the version of that digest (a view's), else ``EntryChangedError``."""

    def set_aside(
        self, name: str, expected: tuple[int, int, int, int] | None = None
    ) -> str | None:
        """Move the damaged entry ``name`` out of the store, keeping it (see
        :mod:`archived.store.damaged`); return where it is kept, None if it is gone (or,
        with ``expected``, no longer the entry file of that identity)."""
        raise NotImplementedError(f"a {self.kind} store cannot keep damaged entries aside")

    @abc.abstractmethod
    def new_name(self, prefix: str, start: int) -> tuple[str, int]:
        """Reserve the first free name ``<prefix>N`` with ``N >= start`` against
        concurrent writers; return it and ``N``.  Release it with :meth:`release_name`."""

    @abc.abstractmethod
    def release_name(self, name: str) -> None:
        """Drop the reservation :meth:`new_name` made."""

    # ---- lifetime --------------------------------------------------------------------

    def close(self) -> None:  # noqa: B027 - most kinds hold nothing
        """Release what the store holds (a lock held for its lifetime); idempotent."""


class ReadOnlyStore(Store):
    """A store kind that cannot be written: every write raises ``ReadOnlyError``."""

    writable = False

    def _refuse(self) -> ReadOnlyError:
        return ReadOnlyError(f"{self.folder!r} is a {self.kind} store: it opens read-only")

    def commit(
        self,
        name: str,
        value: Any,
        info: Any = None,
        *,
        keep_info: bool = False,
        new: bool = False,
        digest_value: bool = False,
    ) -> None:
        raise self._refuse()

    def set_info(self, name: str, info: Any) -> None:
        raise self._refuse()

    def delete(self, name: str, digest: str | None = None) -> bool:
        raise self._refuse()

    def set_aside(
        self, name: str, expected: tuple[int, int, int, int] | None = None
    ) -> str | None:
        raise self._refuse()

    def new_name(self, prefix: str, start: int) -> tuple[str, int]:
        raise self._refuse()

    def release_name(self, name: str) -> None:
        raise self._refuse()
