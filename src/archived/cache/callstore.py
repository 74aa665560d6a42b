"""Where cached calls live: one DataSet, an entry per call, a lock per key.

:class:`CallStore` is the machinery under the call protocol (:mod:`archived.cache.calls`)
shared by ``@archived`` functions, ``with archived(...)`` blocks and sweeps.  It holds only
a path and options, never an open file or lock, so objects holding it pickle; the DataSet
is opened on first use in each thread of each process.

Layout inside the store directory (the DataSet's own files aside)::

    <prefix>_<16 hex>          the entry of one call: value = result, info = call record
    <prefix>_<16 hex>_failed   the record of the last failed attempt, removed on success
    .keys/ranges.lock          the compute-once locks of the entries, a byte each
                               (soft locking: .keys/<entry>.lock.lease, while held)

If two different keys share the 16 hex digits of an entry name, the second gets the name
``<prefix>_<16 hex>_<next 16 hex>``; a hit always compares the full 128-bit key and the
call's readable parameters, so a collision can never return another call's result.

>>> import tempfile, os
>>> store = CallStore(os.path.join(tempfile.mkdtemp(), "runs"))
>>> found = store.find("f", "0" * 32, {"x": 1})
>>> found.hit, found.name
(False, 'f_0000000000000000')
"""

from __future__ import annotations

import functools
import operator
import os
import platform
import socket
import threading
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .._format import format_params
from .._usercode import warn_user
from ..errors import (
    DamagedEntryError,
    EditedEntryWarning,
    EntryChangedError,
    EntryDeletedError,
    InvalidNameError,
    StoreNotFoundError,
)
from ..store import index, valuedigest
from ..store.backend import Entries
from ..store.damaged import entry_identity
from ..store.entrynames import check_not_keyword
from ..store.indexrow import fill_call_fields
from ..store.keylocks import KeyLock, key_lock
from ..store.leftout import Left, warn_edited_left_out, warn_left_out
from ..store.locking import StoreLock
from ..store.moveout import entry_files_text
from ..store.native import NativeStore
from ..store.storefiles import safe_subdir
from ..store.table import call_parameters, record_text
from ..store.versions import read_one_version
from .funcinfo import short_name
from .recorded import legacy_view, same_parameters

__all__ = ["CallStore", "Found", "StoredCall", "call_info", "hit_parameters", "takes_record"]

_LOCKINGS = ("fcntl", "soft")
_OTHER_CALL = object()  # a call's entry rewritten with another call's record
_UNREAD = object()  # what an entry records, not read (damaged, or rewritten since seen)
_RENEWALS = 5  # an entry rewritten this many times while it is looked up is damaged


@dataclass(frozen=True, slots=True)  # (slots: made on every lookup, twice as fast)
class Found:
    """The outcome of looking a key up: the entry name to use, and whether it holds the call.

    ``name`` is ``None`` when the key's names are all taken by other calls (a 128-bit key
    collision): the call is then computed and not stored.

    ``entry`` is the entry as the look-up saw it (for a hit: the version whose key
    matched), so loading the hit reads that very version.

    >>> Found("f_0123456789abcdef", hit=False)
    Found(name='f_0123456789abcdef', hit=False)
    """

    name: str | None
    hit: bool
    entry: Any = field(default=None, compare=False, repr=False)


class StoredCall:
    """One stored call: its parameters and info at hand, its result loaded on request.

    ``brief`` holds the fields of the info record that a table of calls reads
    (:func:`~archived.store.table.brief_of`); ``info``, the whole record, is read from
    the listed entry when first asked for (a table of a big store never decodes it).

    >>> import tempfile, os
    >>> store = CallStore(os.path.join(tempfile.mkdtemp(), "runs"))
    >>> store.commit("f_1", [1, 2], {"function": "m.f", "parameters": {"n": 2}})
    >>> [(c.parameters, c.load()) for c in store.calls("m.f", "f")]
    [({'n': 2}, [1, 2])]
    """

    __slots__ = ("store", "name", "brief", "_info", "_entry")  # a table of a big store makes many

    def __init__(
        self,
        store: CallStore,
        name: str,
        info: dict[str, Any] | None,
        entry: Any = None,
        brief: dict[str, Any] | None = None,
    ) -> None:
        self.store = store
        self.name = name
        self._info = info  # None: read from the entry when first asked for
        self.brief: dict[str, Any] = brief if brief is not None else info  # type: ignore[assignment]
        self._entry = entry  # the entry as listed, when it came from a view of the store

    @property
    def info(self) -> dict[str, Any]:
        """The call's info record, read as :meth:`load` reads the result: of the entry
        version listed, or if that was rewritten since, of the version there now when it
        records this very call; :class:`EntryDeletedError` if the entry was deleted,
        :class:`EntryChangedError` if it was rewritten with another call (never the
        record of a call that is gone, whether or not the store's index kept it)."""
        if self._entry is None:
            if self._info is not None:
                return self._info
            info = self.store.info(self.name)
            if info is None:
                raise EntryDeletedError(self.name, self.store.path)
            return info
        return self._read_this_call(lambda entry: entry.info())  # type: ignore[no-any-return]

    @property
    def parameters(self) -> dict[str, Any]:
        """The call's parameters as recorded (readable values), as the call was listed:
        no file is read (:attr:`info` and :meth:`load` say if the entry is gone)."""
        return call_parameters(self.name, self.brief)

    def load(self) -> Any:
        """Load and return the stored result: of the entry version listed, or if that was
        rewritten since, of the version there now when it records this very call (same
        function, version and parameters); :class:`EntryDeletedError` if the entry was
        deleted, :class:`EntryChangedError` if it was rewritten with another call's
        result (never that result with these parameters)."""
        if self._entry is None:
            return self.store.load(self.name)
        return self._read_this_call(lambda entry: entry.value())

    def _read_this_call(self, read: Callable[[Any], Any]) -> Any:
        """``read(entry)`` of the entry as it is now (one stat: a deleted one is not read
        from the index) when it is the version listed or records this call."""
        current = self.store._entry(self.name)
        found, got = (
            read_one_version(current, functools.partial(self._of_this_call, read))
            if current
            else (False, None)
        )
        if not found:
            raise EntryDeletedError(self.name, self.store.path)
        if got is _OTHER_CALL:
            raise EntryChangedError(self.name, self.store.path)
        return got

    def _of_this_call(self, read: Callable[[Any], Any], entry: Any) -> Any:
        """``read(entry)`` of ``entry`` (a version of this call's entry) if it is the
        version listed or records this call, else ``_OTHER_CALL``."""
        listed, now = getattr(self._entry, "row", None), getattr(entry, "row", None)
        if listed is None or now is None or now.digest != listed.digest:
            brief = entry.brief()
            if not (
                type(brief) is dict
                and all(
                    same_parameters(brief.get(k), self.brief.get(k))
                    for k in ("function", "version", "status", "parameters")
                )
            ):
                return _OTHER_CALL
        return read(entry)

    __call__ = load

    def __repr__(self) -> str:
        # the call, not the entry's name alone (a hash): a printed where() tells them apart
        function = self.brief.get("function") if type(self.brief) is dict else None
        try:
            call = f"{short_name(str(function))}({format_params(self.parameters, 80)})"
        except Exception:  # a record a person edited: the repr must still print
            call = f"of {function}"
        return f"<stored call {call}: entry {self.name}>"


class Calls:
    """Stored calls of one function, in the order of their names, as columns: ``names``,
    ``briefs`` (each call's brief record, :func:`~archived.store.table.brief_of`), the
    results decoded at once by :meth:`values`, and a :class:`StoredCall` made only for
    a call that is asked for (a table of a big store makes none).

    >>> import tempfile, os
    >>> store = CallStore(os.path.join(tempfile.mkdtemp(), "runs"))
    >>> store.commit("f_1", [1], {"function": "m.f", "parameters": {"n": 1}})
    >>> store.commit("f_2", [2], {"function": "m.f", "parameters": {"n": 2}})
    >>> calls = store.call_columns("m.f", "f").take([1, 0])
    >>> calls.names, calls.values(), calls.call(0).parameters
    (['f_2', 'f_1'], [[2], [1]], {'n': 2})
    """

    __slots__ = ("store", "names", "briefs", "_entries", "_positions", "_listed")

    def __init__(
        self,
        store: CallStore,
        entries: Entries,
        positions: list[int],
        briefs: list[dict[str, Any]],
        listed: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        self.store = store
        self._entries = entries  # the entries of the store the calls were listed from
        self._positions = positions  # each call's position among them
        self.names: list[str] = list(map(entries.names.__getitem__, positions))
        self.briefs = briefs
        # whether a brief record is of a call these are (the function, status and version
        # listed): the new record of an entry rewritten since is checked again
        self._listed = listed

    def __len__(self) -> int:
        return len(self._positions)

    def take(self, order: Iterable[int]) -> Calls:
        """The calls at the positions ``order`` (of these calls), in that order."""
        order = list(order)
        positions = list(map(self._positions.__getitem__, order))
        briefs = list(map(self.briefs.__getitem__, order))
        return Calls(self.store, self._entries, positions, briefs, self._listed)

    def values(self) -> list[Any]:
        """Each call's result, of the entry version it was listed with (decoded at once
        from the store's index where it keeps them); :class:`EntryDeletedError` (an
        ``AttributeError``) naming a call's entry deleted since it was listed,
        :class:`EntryChangedError` (one too) one rewritten since (:meth:`read` reads the
        calls as they are now)."""
        try:
            return self._entries.values(self._positions)
        except KeyError:
            pass
        for name, position in zip(self.names, self._positions, strict=True):
            try:
                self._entries.values([position])
            except EntryChangedError:
                raise EntryChangedError(name, self.store.path) from None
            except KeyError:
                raise EntryDeletedError(name, self.store.path) from None
        return self._entries.values(self._positions)  # (one came back meanwhile)

    def read(
        self, keep: Callable[[dict[str, Any]], bool] | None = None
    ) -> tuple[list[str], list[dict[str, Any]], list[Any]]:
        """Each call's name, brief record and result, the record and the result of one
        version of its entry (what a table shows as one row): the version listed, whose
        results are decoded at once from the store's index where it keeps them.  A call
        whose entry was deleted since it was listed is left out; one whose entry was
        rewritten since is read again whole, its new record and result, and kept if the
        record is still of a call listed here (and ``keep`` it).

        >>> import tempfile, os
        >>> store = CallStore(os.path.join(tempfile.mkdtemp(), "runs"))
        >>> store.commit("f_1", list(range(900)), {"function": "m.f", "parameters": {"n": 1}})
        >>> calls = store.call_columns("m.f", "f")
        >>> store.commit("f_1", list(range(800)), {"function": "m.f", "parameters": {"n": 2}})
        >>> names, briefs, values = calls.read()
        >>> briefs[0]["parameters"], len(values[0])
        ({'n': 2}, 800)
        """
        try:
            return self.names, self.briefs, self._entries.values(self._positions)
        except KeyError:  # one deleted or rewritten since it was listed
            pass
        except DamagedEntryError:  # one broken by hand: left out below, with a warning
            pass
        names: list[str] = []
        briefs: list[dict[str, Any]] = []
        values: list[Any] = []
        left: list[Left] = []
        for name, brief, position in zip(self.names, self.briefs, self._positions, strict=True):
            listed = self._entries.entry(position)

            def read(entry: Any, listed: Any = listed, brief: Any = brief) -> Any:
                return (brief if entry is listed else entry.brief()), entry.value()

            try:
                found, pair = read_one_version(listed, read)
            except DamagedEntryError as err:  # the others' rows are still the table's
                left.append((name, err, brief))
                continue
            if not found:
                continue  # deleted since it was listed
            now, value = pair  # type: ignore[misc]
            if now is not brief and not (
                type(now) is dict
                and (self._listed is None or self._listed(now))
                and (keep is None or keep(now))
            ):
                continue  # rewritten with a record of no call listed here
            names.append(name)
            briefs.append(now)
            values.append(value)
        warn_left_out(left, store=self.store.path)
        return names, briefs, values

    def call(self, i: int) -> StoredCall:
        """The ``i``-th call as a :class:`StoredCall`."""
        entry = self._entries.entry(self._positions[i])
        return StoredCall(self.store, self.names[i], None, entry, self.briefs[i])

    def calls(self) -> list[StoredCall]:
        """Every call as a :class:`StoredCall`."""
        return [self.call(i) for i in range(len(self._positions))]


class CallStore:
    """The DataSet at ``path`` seen as a store of call results.

    Args:
        path: the store directory; its last component is the DataSet's module name and
            must be an identifier.
        locking: ``"fcntl"`` or ``"soft"`` lock files (for filesystems such as NFS where
            ``fcntl`` locks are not reliable); ``None`` (default): the kind the store
            records (``"fcntl"`` for a new store).
        timeout: seconds to wait for the store's own lock when committing an entry.
        lock_timeout: seconds to wait while another worker computes the same key
            (``None``: as long as it runs; a killed worker's ``fcntl`` lock is freed at once).
        durable: fsync every committed entry (default) before the call returns; inside
            :func:`~archived.store.groupsync.grouped` (each chunk of a sweep) the syncs of
            new entries are made together, before the group ends.  ``False`` keeps
            commits atomic and safe from killed workers but not from a power cut, and
            makes a miss cheaper (as joblib.Memory, which never syncs).
        compress, mmap_mode: write big arrays through an HDF5 filter; return them on
            a hit as read-only memory maps (see ``DataSet``).

    The cycle of one call, as ``@archived`` runs it:

    >>> import tempfile, os
    >>> store = CallStore(os.path.join(tempfile.mkdtemp(), "runs"))
    >>> key, params = "ab" * 16, {"n": 3}
    >>> found = store.find("f", key, params)
    >>> with store.key_lock(found.name):
    ...     store.commit(found.name, [0, 1, 2], call_info("m.f", "v", key, params, 0.0, 0.1))
    >>> found = store.find("f", key, params)
    >>> found.hit, store.load(found.name), store.info(found.name)["parameters"]
    (True, [0, 1, 2], {'n': 3})
    >>> store.record_failure("f_other", {"function": "m.f"}, ValueError("bad n"))
    >>> [(c.name, c.info["error"]) for c in store.calls("m.f", "f", status="failed")]
    [('f_other_failed', 'ValueError')]
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        locking: str | None = None,
        timeout: float = 60,
        lock_timeout: float | None = None,
        durable: bool = True,
        compress: Any = None,
        mmap_mode: str | None = None,
    ) -> None:
        self.path = os.path.abspath(os.fspath(path))
        self.compress = compress
        self.mmap_mode = mmap_mode
        module = os.path.basename(self.path)
        if not module.isidentifier() or module.startswith("_"):
            raise InvalidNameError(
                module,
                "a store directory's name must be a Python identifier not starting with '_' "
                "(it is imported as a module)",
            )
        check_not_keyword(module)
        if locking is not None and locking not in _LOCKINGS:
            raise ValueError(f"locking must be one of {_LOCKINGS}, not {locking!r}")
        self.locking = locking
        self.timeout = timeout
        self.lock_timeout = lock_timeout
        self.durable = durable
        self._local = threading.local()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        del state["_local"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._local = threading.local()
        # a copy sent to a worker (every batch of a sweep brings one): the worker opens
        # the store once, not once per batch (each open sweeps the leftovers of killed
        # writers, a listing of the whole directory: a 100,000-point sweep spent its
        # time listing)
        self._shared = True

    @property
    def dataset(self) -> Any:
        """The DataSet, opened for writing on first use in this thread and process."""
        local = self._local
        # a forked child opens its own (the parent's may hold its lock); counted by a fork
        # hook, since os.getpid() is a system call on every hit
        if getattr(local, "forks", None) != _forks[0]:
            local.dataset = self._shared_open() if self.__dict__.get("_shared") else self._open()
            local.forks = _forks[0]
        return local.dataset

    def _shared_open(self) -> Any:
        """The DataSet this thread of this process opened for copies of this store with
        the same options (opened now if none did)."""
        key = self._shared_key()
        dataset = _opened.get(key)
        if dataset is None:
            dataset = _opened[key] = self._open()
        return dataset

    def _shared_key(self) -> tuple[Any, ...]:
        return (
            os.getpid(),
            threading.get_ident(),
            self.path,
            self.locking,
            self.timeout,
            self.durable,
            repr(self.compress),
            self.mmap_mode,
        )

    def _reopen_if_deleted(self) -> None:
        """Forget the DataSet this thread opened if the store's directory is gone (the
        results folder deleted beside a running notebook), so that the next use opens
        it again, making the store as the first call did.  One ``stat``: called where a
        call misses and where calls are listed or looked up by a sweep, never on a hit."""
        local = self._local
        if getattr(local, "forks", None) == _forks[0] and not os.path.isdir(self.path):
            parent = os.path.dirname(self.path)
            try:
                os.stat(parent)
            except FileNotFoundError:  # the project moved: no twin at the old path
                raise StoreNotFoundError(self.path, _gone_with_its_folder(parent)) from None
            except OSError:  # (a failing disk: not known gone, the open tells what failed)
                pass
            _opened.pop(self._shared_key(), None)
            local.forks = None

    def _open(self) -> Any:
        from ..store.dataset import DataSet

        return DataSet(
            os.path.basename(self.path),
            mode="w",
            path=os.path.dirname(self.path),
            timeout=self.timeout,
            locking=self.locking,
            durable=self.durable,
            compress=self.compress,
            mmap_mode=self.mmap_mode,
        )

    def find(
        self,
        prefix: str,
        key: str,
        parameters: dict[str, Any],
        before: Callable[[], dict[str, Any]] | None = None,
    ) -> Found:
        """Look up the call with full ``key`` and readable ``parameters``; ``before``
        gives them as older versions of archived recorded them
        (:meth:`~archived.cache.calls.CallKey.recorded_before`), for an entry they wrote."""
        return self._find(prefix, key, parameters, self._entry, before)

    def holds(
        self,
        prefix: str,
        key: str,
        parameters: dict[str, Any],
        before: Callable[[], dict[str, Any]] | None = None,
    ) -> bool:
        """Whether a call of ``key`` would load a stored result (:meth:`find`'s hit),
        read without changing anything on disk: an entry found damaged (its record does
        not load, or its value is not the one its record's digest names and does not
        load either) holds none, as the call sets it aside and computes.  A big value's
        data file is not read (only loading it tells it damaged).

        >>> import tempfile, os
        >>> store = CallStore(os.path.join(tempfile.mkdtemp(), "runs"))
        >>> store.commit("f_" + "1" * 16, 1, {"key": "1" * 32, "parameters": {}})
        >>> store.holds("f", "1" * 32, {}), store.holds("f", "2" * 32, {})
        (True, False)
        """
        try:
            found = self.find(prefix, key, parameters, before)
            if not found.hit:
                return False
            recorded = _recorded_in(found.entry)
        except (DamagedEntryError, EntryChangedError):
            return False  # (rewritten since: the next look says what it holds)
        # a hit of the edited key is an edit that broke the value (find hands it to the
        # call, which sets it aside): no result
        return recorded is not None and recorded[0] == key

    def plain_hit(self, prefix: str, key: str, parameters: dict[str, Any]) -> tuple[bool, Any]:
        """:meth:`find` and :meth:`load` of a call of plain scalars (``parameters``, as
        recorded) in one go, for the commonest hit: ``(True, value)`` when the entry of
        the key's first name records this key and these parameters and keeps a literal
        value; ``(False, Found(name, False))`` when there is no such entry (a miss);
        ``(False, None)`` for anything else (another key there, other parameters, a
        record or value read otherwise, a damaged entry), which :meth:`find` decides.

        The same index row, record and comparison as :meth:`find`, without its layers:
        a process's first hit pays for every Python function it runs.

        >>> import tempfile, os
        >>> store = CallStore(os.path.join(tempfile.mkdtemp(), "runs"))
        >>> store.plain_hit("f", "1" * 32, {})
        (False, Found(name='f_1111111111111111', hit=False))
        """
        store = self.dataset._store
        if type(store) is not NativeStore:
            return False, None
        name = f"{prefix}_{key[:16]}"
        try:
            row = index.row(store.folder, name)
        except (DamagedEntryError, OSError):  # find says what it is
            return False, None
        if row is None:
            return False, Found(name, False)
        recorded = row.memo  # as _recorded_in remembers it with the row
        if recorded is None:
            recorded = row.call_fields()
            if recorded is None:
                return False, None
            row.memo = recorded
        if recorded[0] != key or not same_parameters(recorded[1], parameters):
            return False, None
        try:
            kept, value = row.value()
        except ValueError:  # a tampered index file: the entry tells
            return False, None
        return (True, value) if kept else (False, None)

    @staticmethod
    def first_name(prefix: str, key: str) -> str:
        """The entry name of a call with full ``key``, unless another key holds it (then
        the call's entry is ``<first name>_<rest of the key>``).

        >>> CallStore.first_name("f", "0123456789abcdef" * 2)
        'f_0123456789abcdef'
        """
        return f"{prefix}_{key[:16]}"

    def find_many(
        self,
        lookups: list[tuple[str, str, dict[str, Any]]],
        before: list[Callable[[], dict[str, Any]]] | None = None,
    ) -> list[Found]:
        """:meth:`find` for many ``(prefix, key, parameters)`` at once (one look at the
        store's index for all of them); ``before``: each one's, as :meth:`find` takes it.

        >>> import tempfile, os
        >>> store = CallStore(os.path.join(tempfile.mkdtemp(), "runs"))
        >>> store.commit("f_" + "1" * 16, 1, {"key": "1" * 32, "parameters": {}})
        >>> [f.hit for f in store.find_many([("f", "1" * 32, {}), ("f", "2" * 32, {})])]
        [True, False]
        """
        firsts = [self.first_name(prefix, key) for prefix, key, _ in lookups]
        # every look below walks the lookups in the order given: a sweep's grid order,
        # the order it stored them in, which the index file keeps its rows in (and so
        # they lie in memory: index.in_commit_order).  In name order (the keys' hashes'),
        # each call reached was elsewhere: at 100,000 points, 15% more time a point
        self._reopen_if_deleted()
        # each lookup's first entry, looked up once by name and then, with what it
        # records, handed along by position: every further look by name (in a dict of
        # every point) reached memory far from the last one, a cost per point that grew
        # with the sweep (100,000 points: 1.5 us a point against 1.0 at 20,000)
        view = self.dataset._view_each(firsts)
        # what each entry records, its parameters of all decoded at once
        rows = (getattr(entry, "row", None) for entry in view)
        fill_call_fields(row for row in rows if row is not None)
        firsts_seen = [_first_seen(entry) for entry in view]
        # a key's second name is looked at only when its first holds another key (a
        # collision): probed only there, not where the first holds this key (a rerun
        # of a finished sweep stat-ed a missing second name for every point)
        seconds = {
            f"{first}_{key[16:]}"
            for first, (_, key, _), (_, recorded) in zip(firsts, lookups, firsts_seen, strict=True)
            if _other_key(recorded, key)
        }
        second_view = self.dataset._view(sorted(seconds)) if seconds else {}
        earlier = before if before is not None else [None] * len(lookups)
        return [
            self._find_or_miss(prefix, key, parameters, second_view.get, then, seen)
            for (prefix, key, parameters), then, seen in zip(
                lookups, earlier, firsts_seen, strict=True
            )
        ]

    def _find_or_miss(
        self,
        prefix: str,
        key: str,
        parameters: dict[str, Any],
        entry_of: Callable[[str], Any],
        before: Callable[[], dict[str, Any]] | None,
        first: tuple[Any, Any],
    ) -> Found:
        # a damaged entry is a miss here: the call decides under its lock (it sets the
        # entry aside), as find's caller does; one made a whole sweep raise
        try:
            return self._find(prefix, key, parameters, entry_of, before, first)
        except DamagedEntryError as err:
            return Found(err.name, False)

    def _find(
        self,
        prefix: str,
        key: str,
        parameters: dict[str, Any],
        entry_of: Callable[[str], Any],
        before: Callable[[], dict[str, Any]] | None = None,
        first: tuple[Any, Any] | None = None,
    ) -> Found:
        """The call's entry among those ``entry_of`` gives; ``before``: as in find;
        ``first``: ``(entry, what it records)`` of the key's first name as a view saw it
        (:func:`_first_seen`), which ``entry_of`` is then not asked for."""
        name = self.first_name(prefix, key)
        for second in (False, True):
            if second:  # the first name holds another key: this key's second name
                name = f"{name}_{key[16:]}"
            if second or first is None:
                entry, recorded = _current_record(entry_of(name), self._entry, name)
            else:
                entry, recorded = first
                if recorded is _UNREAD:  # (read again: damaged, or rewritten since)
                    entry, recorded = _current_record(entry, self._entry, name)
            if recorded is None:
                return Found(name, False)
            stored_key, stored_parameters = recorded
            edited = stored_key == valuedigest.edited_key(key)
            if stored_key == key or edited:
                if (
                    same_parameters(stored_parameters, parameters)
                    or same_parameters(stored_parameters, legacy_view(parameters))
                    or (before is not None and _recorded_so_before(stored_parameters, before()))
                ):
                    if not edited or _damaged(entry):
                        # (an edit that broke the value: damaged, kept aside as any is)
                        return Found(name, True, entry)
                    # its value edited by hand: not what the call computes, and the
                    # user's work, so computed without storing, as other parameters are
                    _warn_edited(self.path, name, getattr(entry, "digest", None))
                    return Found(None, False)
                warn_user(
                    f"entry {name!r} has the key of this call but other parameters "
                    f"({stored_parameters!r}): it is not this call's result and is left as "
                    "it is (a call computes its result without storing it); to have this "
                    f"call's result stored, move {entry_files_text(self.path, name)} "
                    "out of the store (an entry whose parameters were edited by hand, or a "
                    "copy of another call's entry)",
                    RuntimeWarning,
                )
                return Found(None, False)
        return Found(None, False)

    def _entry(self, name: str) -> Any:
        """Entry ``name`` as the store's index sees it now (None if there is none): one
        ``stat``, and for an unchanged entry nothing decoded again (see _recorded_in)."""
        return self.dataset._entry(name)

    def info(self, name: str) -> dict[str, Any] | None:
        """The info record of entry ``name``, or ``None`` if there is no such entry."""
        try:
            info = self.dataset[name]
        except KeyError:
            return None
        return info if isinstance(info, dict) else {}

    def load(self, name: str, found: Found | None = None) -> Any:
        """Load the value of entry ``name`` (:class:`EntryDeletedError`, an
        ``AttributeError``, if there is none: a handle's entry deleted since); with
        the ``found`` hit of :meth:`find`, the version whose key matched
        (:class:`EntryChangedError`, an ``AttributeError`` too, if it was rewritten since).

        A small value comes from the store's index when the entry file is the one it
        read (one ``stat``, no file opened); any other is read from the entry.
        """
        if found is not None and found.name == name and found.entry is not None:
            entry = found.entry
        else:
            entry = self._entry(name)
        if entry is None:
            raise EntryDeletedError(name, self.path)
        try:
            return entry.value()
        except EntryChangedError:  # rewritten since the hit: not the version found
            raise
        except KeyError:  # deleted since it was seen
            raise EntryDeletedError(name, self.path) from None

    def load_call(self, name: str, key: str, recorded: Any) -> Any:
        """Load the value of entry ``name`` while it still holds the call a hit found
        there: full ``key``, and the parameters ``recorded`` as its record held them then
        (:func:`hit_parameters`), with the value its record's digest names.  What a
        handle of a stored result loads (:class:`~archived.cache.shelved.StoredResult`):
        an entry rewritten since with another call's record, or with a value edited by
        hand, raises :class:`EntryChangedError` (never another call's result);
        :class:`EntryDeletedError` if it is gone.

        >>> import tempfile, os
        >>> store = CallStore(os.path.join(tempfile.mkdtemp(), "runs"))
        >>> store.commit("f_1", [1, 2], {"key": "k" * 32, "parameters": {"n": 2}})
        >>> store.load_call("f_1", "k" * 32, {"n": 2})
        [1, 2]
        """
        entry = self._entry(name)
        if entry is None:
            raise EntryDeletedError(name, self.path)
        entry, recorded_now = _current_record(entry, self._entry, name)
        if recorded_now is None:
            raise EntryDeletedError(name, self.path)
        stored_key, stored_parameters = recorded_now
        if stored_key == valuedigest.edited_key(key) and same_parameters(
            stored_parameters, recorded
        ):
            # its value is not the one its digest names: edited by hand, or damaged (a
            # truncated file), which raises DamagedEntryError here, as the call meets it
            self.load(name, Found(name, True, entry))
            raise EntryChangedError(name, self.path)
        if stored_key != key or not same_parameters(stored_parameters, recorded):
            raise EntryChangedError(name, self.path)
        return self.load(name, Found(name, True, entry))

    def key_lock(self, name: str) -> KeyLock | StoreLock:
        """The compute-once lock of entry ``name`` (not yet acquired): a byte of the one
        file ``.keys/ranges.lock`` (:mod:`archived.store.keylocks`: a miss creates no
        file for its lock), or with soft locking a lease removed when it is released, so
        a store keeps no file per key it ever computed."""
        self._reopen_if_deleted()
        directory = safe_subdir(self.dataset._path, ".keys")  # never a link out of the store
        if (self.locking or self.dataset._locking) != "soft":
            return key_lock(directory, name, self.lock_timeout)
        return StoreLock(
            os.path.join(directory, name + ".lock"),
            timeout=self.lock_timeout,
            soft=True,
            remove=True,
        )

    def set_aside(
        self, name: str, expected: tuple[int, int, int, int] | None = None
    ) -> str | None:
        """Move the damaged entry ``name`` to the store's ``.damaged/`` folder (see
        :mod:`archived.store.damaged`); return where it is kept, or None if it is gone
        or no longer the file of identity ``expected`` (:meth:`entry_identity`)."""
        return self.dataset._set_aside(name, expected)  # type: ignore[no-any-return]

    def entry_identity(self, name: str) -> tuple[int, int, int, int] | None:
        """Which file entry ``name`` is now (:func:`archived.store.damaged.entry_identity`):
        taken before it is found damaged, it keeps :meth:`set_aside` from moving a version
        written since."""
        return entry_identity(self.dataset._path, name)

    def commit(self, name: str, result: Any, info: dict[str, Any]) -> None:
        """Store ``result`` with ``info`` as entry ``name`` and drop its failure record."""
        dataset = self.dataset
        # the value's digest in its record: a value edited by hand is then no hit
        dataset._insert(result, info, name=name, digest_value=True)
        failed = name + "_failed"
        if failed in dataset:
            try:
                delattr(dataset, failed)
            except (AttributeError, KeyError):  # another worker removed it first
                pass

    def record_failure(
        self, name: str, info: dict[str, Any], error: BaseException, *, computed: bool = False
    ) -> None:
        """Record a failed attempt of entry ``name`` (never its result).

        ``computed=True``: the call returned a result, which ``error`` kept from being
        stored (the caller has it); the record's message says so, so that a status or
        ``ls`` does not read as if the function had failed.
        """
        message = str(error)
        if computed:
            message = f"the result was computed and returned, but it cannot be stored: {message}"
        failure = {
            "error": type(error).__qualname__,
            "message": message,
            "traceback": "".join(
                traceback.format_exception(type(error), error, error.__traceback__)
            ),
        }
        record = dict(info, status="failed", **failure)
        try:
            self.dataset._insert(failure, record, name=name + "_failed")
        except Exception as err:  # never hide the caller's exception behind ours
            warnings.warn(
                f"could not record the failure of {name!r}: {err!r}", RuntimeWarning, stacklevel=3
            )

    def calls(self, identity: str, prefix: str, *, status: str = "ok") -> Iterator[StoredCall]:
        """Every stored call of the function ``identity`` with the given status (read
        from the store's index: one ``stat`` per entry, changed entries read again)."""
        yield from self.call_columns(identity, prefix, status=status).calls()

    def call_columns(
        self,
        identity: str,
        prefix: str,
        *,
        status: str = "ok",
        version: str | None = None,
        quiet: bool = False,
    ) -> Calls:
        """The stored calls of the function ``identity`` with the given status (and code
        ``version``, if given) as :class:`Calls`, in the order of their names: their
        brief records decoded at once, no object made per call.  An entry of the prefix
        whose record does not load is left out (it may be no call of ``identity``), with
        a :class:`~archived.errors.DamagedEntryWarning` unless ``quiet``."""
        self._reopen_if_deleted()
        entries = self.dataset._entries()
        span = entries.span(prefix + "_")
        found = self._briefs(entries, span, quiet)
        if _all_of_call(found, identity, status, version):
            # every entry of the span a call of this function, status and version (a
            # function's store, mostly): checked a field at a time, at C speed, with no
            # loop over the calls here (a third of a microsecond each, and the briefs
            # read again from all over memory at 100,000 calls)
            return Calls(self, entries, list(span), found, _listed(identity, status, version))
        positions: list[int] = []
        briefs: list[dict[str, Any]] = []
        edited: list[str] = []  # calls whose value was edited by hand: no result of theirs
        for position, brief in zip(span, found, strict=True):
            if type(brief) is not dict:  # not a record, or deleted meanwhile
                continue
            # record_text spelt out (once per call of a big store): compared only as text
            function = brief.get("function")
            state = brief.get("status", "ok")
            if (
                type(function) is str
                and function == identity
                and type(state) is str
                and (version is None or record_text(brief, "version") == version)
            ):
                if state == status:
                    positions.append(position)
                    briefs.append(brief)
                elif state == valuedigest.EDITED and status == "ok":
                    if _damaged(entries.entry(position)):
                        # an edit that broke the value: listed, so that the table says
                        # it is damaged and what to do, as of any damaged value
                        positions.append(position)
                        briefs.append(brief)
                    else:
                        edited.append(entries.names[position])
        if not quiet:
            warn_edited_left_out(edited, "the calls listed", self.path)
        return Calls(self, entries, positions, briefs, _listed(identity, status, version))

    def _briefs(self, entries: Entries, span: range, quiet: bool) -> list[Any]:
        """The brief records of the entries of ``span``, decoded at once; None for each
        that does not load (one broken by hand: the others are still read), left out
        with one warning unless ``quiet``."""
        found, left = entries.briefs_each(span, DamagedEntryError)
        if left and not quiet:
            warn_left_out([(name, err, None) for name, err in left], "the calls listed", self.path)
        return found

    def functions(self, prefix: str) -> Iterator[str]:
        """The function of each stored call (result or failure) whose entry name has
        ``prefix``, as its record names it, one per call (read from the store's index);
        an entry whose record does not load names none."""
        self._reopen_if_deleted()
        entries = self.dataset._entries()
        span = entries.span(prefix + "_")
        found = self._briefs(entries, span, quiet=True)
        for brief in found:
            if type(brief) is dict and type(brief.get("function")) is str:
                if brief.get("status", "ok") in ("ok", "failed"):
                    yield brief["function"]

    def remove(self, name: str) -> None:
        """Delete entry ``name`` (a no-op if it is already gone)."""
        try:
            delattr(self.dataset, name)
        except (AttributeError, KeyError):
            pass


def _listed(identity: str, status: str, version: str | None) -> Callable[[dict[str, Any]], bool]:
    """Whether a brief record is of a call of ``identity`` with ``status`` (and code
    ``version``, if given)."""

    def listed(brief: dict[str, Any]) -> bool:
        return (
            record_text(brief, "function") == identity
            and record_text(brief, "status", "ok") == status
            and (version is None or record_text(brief, "version") == version)
        )

    return listed


_FUNCTION = operator.methodcaller("get", "function")
_STATUS = operator.methodcaller("get", "status", "ok")
_VERSION = operator.methodcaller("get", "version")


def _all_of_call(briefs: list[Any], identity: str, status: str, version: str | None) -> bool:
    """Whether every one of ``briefs`` is a record (a dict) of a call of ``identity``
    with ``status`` (and ``version``, if given), each field a text: what
    :meth:`CallStore.call_columns` checks of each, a field of them all at a time.

    >>> b = {"function": "m.f", "version": "1"}
    >>> _all_of_call([b, b], "m.f", "ok", "1"), _all_of_call([b, {}], "m.f", "ok", None)
    (True, False)
    """
    if not briefs or set(map(type, briefs)) != {dict}:
        return False
    fields = [(_FUNCTION, identity), (_STATUS, status)]
    if version is not None:
        fields.append((_VERSION, version))
    for read, wanted in fields:
        texts = list(map(read, briefs))
        # types first: == of a text with an array a store holds there is no truth value
        if set(map(type, texts)) != {str} or texts.count(wanted) != len(texts):
            return False
    return True


# stores opened by copies of CallStores received by this process, by thread and options
_opened: dict[tuple[Any, ...], Any] = {}
# how many times this process's line was forked (the child counts one more)
_forks = [0]


def _after_fork() -> None:
    _forks[0] += 1


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def call_info(
    identity: str,
    version: str,
    key: str,
    parameters: dict[str, Any],
    started: float,
    duration: float,
) -> dict[str, Any]:
    """The info record of one call, as plain builtins.

    >>> info = call_info("m.f", "abc", "0" * 32, {"x": 1}, 0.0, 0.5)
    >>> info["function"], info["parameters"], info["started"], info["status"]
    ('m.f', {'x': 1}, '1970-01-01T00:00:00+00:00', 'ok')
    """
    import datetime

    import numpy

    from .._version import __version__

    return {
        "function": identity,
        "version": version,
        "key": key,
        "parameters": parameters,
        "status": "ok",
        "started": datetime.datetime.fromtimestamp(started, datetime.timezone.utc).isoformat(),
        "duration": duration,
        "host": _host(),
        "pid": os.getpid(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "archived": __version__,
    }


@functools.lru_cache(maxsize=1)
def _host() -> str:
    return socket.gethostname()


def _damaged(entry: Any) -> bool:
    """Whether the value of a viewed entry does not load (read now: an edited entry's)."""
    try:
        entry.value()
    except DamagedEntryError:
        return True
    except (KeyError, AttributeError):  # gone or rewritten since: not known damaged
        return False
    return False


def _value_edited(entry: Any) -> bool:
    """Whether the value of a viewed entry was edited by hand (read from its file)."""
    edited = getattr(entry, "value_edited", None)
    return edited is not None and bool(edited())


# the entry files (store, name, digest of the file) this process has warned of as edited
_warned_edited: set[tuple[str, str, str | None]] = set()


def _warn_edited(path: str, name: str, file_digest: str | None) -> None:
    """Say once per version of the entry file and process that entry ``name``'s value was
    edited by hand, so its call is computed and not stored (:class:`EditedEntryWarning`)."""
    seen = (path, name, file_digest)
    if seen in _warned_edited:
        return
    _warned_edited.add(seen)
    filename = os.path.join(path, name + ".py")
    warn_user(
        EditedEntryWarning(
            f"entry {name!r} was edited by hand: its value section (the text after "
            "'# ---- value ----', its import lines included) is not the one its call stored "
            "(the digest its record holds does not match), so it is not this call's result; "
            "the result is computed and returned, not stored, and the edited file is kept "
            "as it is. To have this call's result stored again, move "
            f"{entry_files_text(path, name)} out of the store. If you only corrected an "
            "import line (a class moved or renamed since), that is an edit too (the class "
            "now imported may build another value): undo it and keep the old name "
            "importable instead (`OldName = NewName` in the "
            "old module), and the entry is this call's result again",
            name,
            filename,
        )
    )


def hit_parameters(found: Found, parameters: dict[str, Any]) -> Any:
    """The parameters the entry of the hit ``found`` records (``parameters``, the call's,
    if it was rewritten since the lookup saw it): what :meth:`CallStore.load_call` finds
    there again while the entry holds that call (an entry an older archived wrote
    records some parameters otherwise than the call's own).

    >>> hit_parameters(Found("f_1", True), {"x": 1})
    {'x': 1}
    """
    try:
        recorded = _recorded_in(found.entry)
    except (EntryChangedError, DamagedEntryError):
        return parameters
    return parameters if recorded is None else recorded[1]


def takes_record(
    entry: Any, entry_of: Callable[[str], Any], name: str, key: str, parameters: Any
) -> bool:
    """Whether a lookup of the call of full ``key`` and recorded ``parameters`` takes
    entry ``name`` (``entry``, as a view saw it; ``entry_of`` gives it anew if it was
    rewritten since) for a hit, as :meth:`CallStore.find` decides, without warning: it
    records this key and these parameters, and its value is the one its record's digest
    names (:mod:`archived.store.valuedigest`).  What a sweep's status calls done.

    >>> import tempfile
    >>> from archived.store.dataset import DataSet
    >>> ds = DataSet("s", "w", path=tempfile.mkdtemp())
    >>> _ = ds._insert(1, {"key": "k" * 32, "parameters": {"x": 1}}, name="f_1")
    >>> [takes_record(ds._entry("f_1"), ds._entry, "f_1", "k" * 32, {"x": x}) for x in (1, 2)]
    [True, False]
    """
    _, recorded = _current_record(entry, entry_of, name)
    if recorded is None:
        return False
    stored_key, stored_parameters = recorded
    return stored_key == key and (
        same_parameters(stored_parameters, parameters)
        or same_parameters(stored_parameters, legacy_view(parameters))
    )


def _recorded_so_before(stored: Any, before: dict[str, Any]) -> bool:
    """Whether ``stored`` parameters are a call's as an older archived recorded them
    (``before``; numpy scalars as Python numbers before that)."""
    return same_parameters(stored, before) or same_parameters(stored, legacy_view(before))


def _first_seen(entry: Any) -> tuple[Any, Any]:
    """``(entry, what it records)`` (:func:`_recorded_in`) of a key's first name as a
    view saw it: ``_UNREAD`` for what a damaged entry, or one rewritten since the view
    saw it, records (:meth:`CallStore._find` reads it again and decides)."""
    if entry is None:
        return None, None
    try:
        return entry, _recorded_in(entry)
    except (DamagedEntryError, EntryChangedError):
        return entry, _UNREAD


def _other_key(recorded: Any, key: str) -> bool:
    """Whether a key's first name records another key than ``key`` (then a call of
    ``key`` is stored under its second name, if at all); ``recorded`` as
    :func:`_first_seen` gives it.  A damaged entry is a miss at its first name (see
    _find_or_miss), and one rewritten since the view saw it is left to _find."""
    return (
        recorded is not None
        and recorded is not _UNREAD
        and recorded[0] not in (key, valuedigest.edited_key(key))
    )


def _current_record(
    entry: Any, entry_of: Callable[[str], Any], name: str
) -> tuple[Any, tuple[Any, Any] | None]:
    """``(entry, what it records)`` (:func:`_recorded_in`) of one version of entry
    ``name``: of ``entry`` (as a view saw it), or if that version was rewritten since,
    of the version ``entry_of(name)`` gives now, so that a hit's record and the value it
    loads are of one version; ``(None, None)`` if it is gone."""
    for _ in range(_RENEWALS):
        try:
            return entry, _recorded_in(entry)
        except EntryChangedError:
            entry = entry_of(name)
    raise DamagedEntryError(name, "the entry kept changing while it was read")


def _recorded_in(entry: Any) -> tuple[Any, Any] | None:
    """The (key, parameters) recorded in the info of a viewed entry (None: no entry),
    remembered with the entry file's index row so an unchanged entry is decoded once."""
    if entry is None:
        return None
    row = getattr(entry, "row", None)
    if row is not None:
        memo = row.memo
        if memo is not None:
            return memo  # type: ignore[no-any-return]
        # a lookup's row of a record of scalars: its two fields read alone (a first hit)
        recorded = row.call_fields()
        if recorded is not None:
            row.memo = recorded
            return recorded
    try:
        info = entry.info()
    except EntryChangedError:
        # the entry file was rewritten since the row was read: what it records now is
        # not the row's version, and must not be remembered with it (the caller reads
        # the version there now)
        raise
    except KeyError:
        return None
    recorded = (
        (record_text(info, "key"), info.get("parameters"))
        if isinstance(info, dict)
        else (None, None)
    )
    if recorded[0] is not None and valuedigest.FIELD in info and _value_edited(entry):
        # (a record the row does not keep, too long: the row's key says it otherwise)
        recorded = (valuedigest.edited_key(recorded[0]), recorded[1])
    if row is not None:
        row.memo = recorded
    return recorded


def _gone_with_its_folder(parent: str) -> str:
    """Why a store this program opened is not made again: its folder ``parent`` is gone
    too (the project moved or renamed, a drive unmounted), and making the whole path
    again would start an empty store beside the one moved, taking every later result.

    >>> _gone_with_its_folder("/p/results")[:42]
    "it was there, and its folder '/p/results' "
    """
    return (
        f"it was there, and its folder {parent!r} is gone too: moved, renamed or removed "
        "since this program opened the store. archived does not make that path again, "
        "which would start an empty store beside the one moved: point the function at "
        f"the store's new place, or make {parent!r} again to start a new store there"
    )
