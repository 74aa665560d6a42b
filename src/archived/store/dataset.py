"""DataSet: a directory of entries that is also an importable Python module.

``DataSet('sweep', 'w', path='results')`` opens (creating it) the store
``results/sweep/``.  Assigning an attribute writes that entry to disk at once; reading
one loads it from disk every time (nothing is cached, so stores larger than memory
work, and every read sees what other writers committed).  Each entry carries an *info*
record, read and written with item syntax, that loads without loading the value.

>>> import numpy as np, tempfile
>>> ds = DataSet('sweep', 'w', path=tempfile.mkdtemp())
>>> ds.nxs = [10, 20]
>>> ds['nxs'] = 'Particle numbers'
>>> ds._insert(np.ones(3) * 2.5, info=(3, 2.5))
['x_0']
>>> sorted(ds), ds['x_0'], ds.x_0
(['nxs', 'x_0'], (3, 2.5), array([2.5, 2.5, 2.5]))

The API the caching layer relies on:

- ``ds._insert(data, info=None, *, name=None) -> [name]`` writes value and info in one
  atomic commit; without ``name`` it picks the next free ``<name_prefix>N``, safely
  under concurrent writers.
- ``ds._path``: the store directory; ``ds._info_items()``: ``(name, info)`` pairs,
  reading only the info records; ``ds._lock``: the store's :class:`StoreLock`.
- ``_close()`` and ``with DataSet(...) as ds:`` release the store lock that a writable
  ``synchronize=False`` instance holds for its lifetime.

On disk (see :mod:`archived.store.entries` for the entry format and the commit protocol)::

    results/sweep/
      __init__.py        the loader, written once when the store is created
      nxs.py, x_0.py     one file per entry: its info, then its value, as source
      x_0.<token>.h5     the entry's big arrays, if any
      .lock              the lock file; .backup/ holds overwritten data (backup_data)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ..errors import (
    ArchiveError,
    DamagedEntryError,
    InvalidNameError,
    InvalidOptionError,
    ReadOnlyError,
    UnsafeArchiveError,
)
from . import entries
from .backend import Entries, EntryView, Listed, Store
from .locking import StoreLock
from .native import LOCKINGS, check_store_name

if TYPE_CHECKING:
    from ..load.budget import Limits

__all__ = ["DataSet", "open_store"]

log = logging.getLogger("archived.dataset")

_SHOWN_NAMES = 20  # entry names str(ds) shows of a bigger store

MODES = ("r", "w")


def _plain_folder_name(name: object) -> bool:
    """Whether ``name`` names a folder directly inside the path given (no separator,
    not ``.`` or ``..``, no NUL, spelled as Python reads it): a store read under it
    stays inside that path, whether or not an import could spell it."""
    return (
        isinstance(name, str)
        and name not in ("", ".", "..")
        and os.sep not in name
        and (os.altsep is None or os.altsep not in name)
        and "\0" not in name
        and entries.is_canonical(name)
    )


def open_store(folder: str, *, writable: bool = False, **options: Any) -> Store:
    """Open the store in ``folder`` with the implementation of its kind.

    A store persist wrote (its marker file) opens as a read-only
    :class:`~archived.store.persist_compat.PersistStore`; anything else as an
    ``archived`` :class:`~archived.store.native.NativeStore` (created when ``writable``).
    ``options`` are those of :meth:`NativeStore.open <archived.store.native.NativeStore.open>`.

    >>> import tempfile
    >>> type(open_store(tempfile.mkdtemp() + '/s', writable=True)).__name__
    'NativeStore'
    """
    from .native import NativeStore
    from .persist_compat import PersistStore, is_persist_store

    if is_persist_store(folder):
        return PersistStore.open(folder, writable=writable, load=options.get("load"))
    return NativeStore.open(folder, writable=writable, **options)


class DataSet:
    """A store of named entries in the directory ``path/module_name``.

    Args:
        module_name: the store's directory name, an importable module name.
        mode: ``'r'`` (read only) or ``'w'`` (read and write; creates the store).
        path: the directory holding the store (put it on ``sys.path`` to import it); a
            relative path is taken relative to the working directory when the DataSet
            is opened, once (``_path`` is absolute; ``str()`` shows the path as given).
        synchronize: ``True`` locks the store only while each write commits;
            ``False`` locks it for the lifetime of a writable instance, so only one
            such instance exists at a time (another one times out).
        verbose: report every write and delete through the ``archived.dataset`` logger.
        array_threshold: arrays with more elements go to HDF5 files.
        backup_data: keep overwritten and deleted entries in ``.backup/``.
        name_prefix: prefix of the names :meth:`_insert` makes.
        timeout: seconds to wait for the store lock before ``LockTimeout``.
        locking: ``'fcntl'`` or ``'soft'`` (lock files, for shared filesystems where
            ``fcntl`` locks are unreliable).  A store records the kind it was created
            with (default ``'fcntl'``) and refuses writers of the other kind with
            ``LockingKindError`` (the two kinds do not exclude each other); ``None``
            (default) uses the store's kind.
        durable: fsync every commit (data files, entry file and directory) before
            returning (inside :func:`~archived.store.groupsync.grouped`, a new entry's
            syncs are made together with the group's, before it ends); ``False`` keeps
            commits atomic and safe from killed processes, but lets the last ones vanish
            on power loss (as ``np.save`` or a pickle).
        safe: load entries without executing them (:mod:`archived.load.safe`), for stores
            you do not trust; ``allow`` names extra modules whose classes may be
            rebuilt, ``allow_pickle`` lets pickle payloads load (trusting the store
            completely: unpickling runs any code), ``limits`` (an
            :class:`~archived.load.budget.Limits`) sets the budgets of each entry's load,
            by default proportional to its size; ``max_bytes`` sets its memory alone
            (else the environment variable ``ARCHIVED_MAX_BYTES``, as ``8G``, if set).
        compress: write big arrays through a standard HDF5 filter: ``True`` (zlib, which
            any HDF5 tool reads), ``('zlib', level)`` or a PyTables library such as
            ``'blosc:lz4'`` (see :mod:`archived.engine.compression`); reads need nothing.
        mmap_mode: ``'r'`` returns big uncompressed arrays as read-only memory maps of
            the stored bytes (``'c'``: copy-on-write), as ``joblib.Memory`` does; a map
            stays valid after its entry is overwritten or deleted.
        shadow_ok: let a new store take the name of a module Python can import
            (``json``, ``tables``, ...); refused by default, since putting the store's
            directory on ``sys.path`` would then shadow that module.

    Store and entry names must be spelled as Python reads them (their NFKC form):
    ``ﬁle`` is refused, as Python would read it as ``file``.

    Entries are written on assignment, not on mutation: change a loaded value, then
    assign it again.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> ds = DataSet('d', 'w', path=folder)
    >>> ds.d = dict(a=1, b=2)
    >>> ds.d['a'] = 6        # changes the loaded copy only
    >>> ds.d['a']
    1
    >>> DataSet('d', path=folder).d = 3
    Traceback (most recent call last):
        ...
    archived.errors.ReadOnlyError: DataSet opened in read-only mode.
    """

    def __init__(
        self,
        module_name: str,
        mode: str = "r",
        path: str = ".",
        synchronize: bool = True,
        verbose: bool = False,
        array_threshold: int = 100,
        backup_data: bool = False,
        name_prefix: str = "x_",
        timeout: float = 60,
        *,
        locking: str | None = None,
        durable: bool = True,
        safe: bool = False,
        allow: Iterable[str] = (),
        allow_pickle: bool = False,
        max_bytes: int | None = None,
        limits: Limits | None = None,
        compress: Any = None,
        mmap_mode: str | None = None,
        shadow_ok: bool = False,
    ) -> None:
        from ..engine.compression import codec_of
        from ..engine.hdf5 import check_mmap_mode

        codec_of(compress)
        check_mmap_mode(mmap_mode)
        if mode not in MODES:
            raise InvalidOptionError("mode", mode, MODES)
        if locking is not None and locking not in LOCKINGS:
            raise InvalidOptionError("locking", locking, (*LOCKINGS, None))
        if mode != "r" or not _plain_folder_name(module_name):
            # read-only, a store copied or renamed to a folder no import can spell (a
            # backup 'runs-2024') is read as it is: its name is never imported here
            check_store_name(module_name, writing=mode != "r")
        entries.validate_name(name_prefix + "0")
        # resolved once: a later os.chdir() must not move the store under its writer,
        # and a pickled DataSet must reopen this store in a worker with another cwd
        given = os.path.join(os.fspath(path), module_name)
        folder = os.path.abspath(given)
        d = self.__dict__
        d["_module_name"] = module_name
        d["_mode"] = mode
        d["_path"] = folder
        d["_given_path"] = given  # as the user wrote it, for str() and repr()
        d["_synchronize"] = synchronize
        d["_verbose"] = verbose
        d["_array_threshold"] = array_threshold
        d["_backup_data"] = backup_data
        d["_name_prefix"] = name_prefix
        d["_timeout"] = timeout
        d["_locking"] = locking
        d["_durable"] = durable
        d["_compress"] = compress
        d["_mmap_mode"] = mmap_mode
        load = {"safe": True, "allow": tuple(allow), "allow_pickle": allow_pickle}
        if max_bytes is not None:
            load["max_bytes"] = max_bytes
        if limits is not None:
            load["limits"] = limits
        if (
            safe
            and os.environ.get("ARCHIVED_MAX_BYTES")
            and max_bytes is None
            and (limits is None or limits.max_bytes is None)
        ):
            from ..load.budget import env_max_bytes

            env_max_bytes()  # a bad ARCHIVED_MAX_BYTES: said here, not as damaged entries
        d["_load"] = load if safe else None
        d["_closed"] = False
        d["_next_index"] = None
        d["_shadow_ok"] = shadow_ok
        d["_store"] = None
        store = d["_store"] = open_store(
            folder,
            writable=mode == "w",
            synchronize=synchronize,
            timeout=timeout,
            locking=locking,
            array_threshold=array_threshold,
            backup_data=backup_data,
            durable=durable,
            load=d["_load"],
            report=self._report,
            compress=compress,
            mmap_mode=mmap_mode,
            shadow_ok=shadow_ok,
        )
        d["_locking"] = getattr(store, "locking", locking)

    @property
    def _lock(self) -> StoreLock | None:
        """The store's lock (None for a store kind that is never written)."""
        lock = getattr(self._store, "lock", None)
        return lock if isinstance(lock, StoreLock) else None

    # ---- opening and closing -----------------------------------------------------

    def _close(self) -> None:
        """Release the store lock (if held) and refuse further writes.

        >>> import tempfile
        >>> with DataSet('c', 'w', path=tempfile.mkdtemp(), synchronize=False) as ds:
        ...     ds.a = 1
        >>> ds.a = 2
        Traceback (most recent call last):
            ...
        archived.errors.ReadOnlyError: DataSet ... is closed.
        """
        if self._closed:
            return
        self.__dict__["_closed"] = True
        if self._store is not None:
            self._store.close()

    def __enter__(self) -> DataSet:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._close()

    def __del__(self) -> None:
        try:
            self._close()
        except Exception:  # interpreter shutdown: the OS drops the lock anyway
            pass

    # ---- entries as attributes -----------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._read(name, value=True)
        except KeyError:
            raise AttributeError(f"DataSet {self._path!r} has no entry {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            if name not in self.__dict__ and not hasattr(type(self), name):
                # `ds._scratch = x` wrote nothing, silently, and was gone with the object
                raise InvalidNameError(
                    name,
                    "names starting with '_' are reserved for the store, so this would "
                    "write no entry; choose a name without the leading '_'",
                )
            object.__setattr__(self, name, value)
            return
        self._insert(value, name=name, keep_info=True)

    def __delattr__(self, name: str) -> None:
        if name.startswith("_"):
            object.__delattr__(self, name)
            return
        self._check_writable()
        if not self._store.delete(name):
            raise AttributeError(f"DataSet {self._path!r} has no entry {name!r}")
        self._report("deleted %r", name)

    def _delete_seen(self, name: str, digest: str | None) -> bool:
        """Delete entry ``name`` if its file still holds the version of ``digest`` that a
        view of the store saw (None: whichever); return whether it existed.  Rewritten
        since: ``EntryChangedError``, and it stays.

        >>> import tempfile
        >>> ds = DataSet('d', 'w', path=tempfile.mkdtemp())
        >>> ds.x = 1
        >>> seen = ds._view()['x'].digest
        >>> ds.x = 2
        >>> ds._delete_seen('x', seen)
        Traceback (most recent call last):
        ...
        archived.errors.EntryChangedError: ...
        >>> ds._delete_seen('x', ds._view()['x'].digest), list(ds)
        (True, [])
        """
        self._check_writable()
        done = self._store.delete(name, digest)
        if done:
            self._report("deleted %r", name)
        return bool(done)

    def _set_aside(
        self, name: str, expected: tuple[int, int, int, int] | None = None
    ) -> str | None:
        """Move the damaged entry ``name`` into the store's ``.damaged/`` folder instead of
        deleting it; return where it is kept (None if there is no such entry, or with
        ``expected`` its file is no longer that one: see
        :func:`archived.store.damaged.set_aside`).

        >>> import tempfile
        >>> ds = DataSet('d', 'w', path=tempfile.mkdtemp())
        >>> ds.x = 1
        >>> ds._set_aside('x').split('/')[-2:-1], list(ds)
        (['.damaged'], [])
        """
        self._check_writable()
        kept = self._store.set_aside(name, expected)
        if kept is None:
            return None
        self._report("set the damaged entry %r aside in %s", name, kept)
        return kept

    # ---- info records as items ------------------------------------------------------

    def __getitem__(self, name: str) -> Any:
        return self._read(name, value=False)

    def __setitem__(self, name: str, info: Any) -> None:
        self._check_writable()
        self._store.set_info(name, info)
        self._report("wrote info of %r", name)

    def __delitem__(self, name: str) -> None:
        try:
            self.__delattr__(name)
        except AttributeError:
            raise KeyError(name) from None

    # ---- the collection -------------------------------------------------------------

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._store.contains(name)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._names()))

    def __str__(self) -> str:
        """The store's path and entry names; of a big store, the first
        ``_SHOWN_NAMES`` names and how many there are (``list(ds)`` gives them all):
        ``print(ds)`` of a 100,000-entry sweep printed every name, megabytes of them.

        >>> import tempfile
        >>> ds = DataSet('s', 'w', path=tempfile.mkdtemp())
        >>> for i in range(30):
        ...     ds[f"x{i:02}"] = None
        >>> shown = str(ds).split(" containing ")[1]
        >>> shown[:41], shown[-39:]
        ("30 entries, the first 20: ['x00', 'x01', ", "'x18', 'x19'] (list(ds) lists them all)")
        """
        names = self._names()
        if len(names) <= _SHOWN_NAMES:
            return f"DataSet {self._given_path!r} containing {names!r}"
        first = ", ".join(repr(name) for name in names[:_SHOWN_NAMES])
        return (
            f"DataSet {self._given_path!r} containing {len(names)} entries, the first "
            f"{_SHOWN_NAMES}: [{first}] (list(ds) lists them all)"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as "open the same store with the same settings" (for worker processes).

        >>> import pickle, tempfile
        >>> ds = DataSet('p', 'w', path=tempfile.mkdtemp())
        >>> ds.a = 1
        >>> again = pickle.loads(pickle.dumps(ds))
        >>> again.a, again._path == ds._path
        (1, True)
        """
        load = self._load or {}
        settings = {
            "module_name": self._module_name,
            "mode": self._mode,
            "path": os.path.dirname(self._path),
            "synchronize": self._synchronize,
            "verbose": self._verbose,
            "array_threshold": self._array_threshold,
            "backup_data": self._backup_data,
            "name_prefix": self._name_prefix,
            "timeout": self._timeout,
            "locking": self._locking,
            "durable": self._durable,
            "safe": bool(load),
            "allow": tuple(load.get("allow", ())),
            "allow_pickle": bool(load.get("allow_pickle", False)),
            "max_bytes": load.get("max_bytes"),
            "limits": load.get("limits"),
            "compress": self._compress,
            "mmap_mode": self._mmap_mode,
            "shadow_ok": self._shadow_ok,
        }
        return (_reopen, (settings,))

    def __repr__(self) -> str:
        return (
            f"DataSet({self._module_name!r}, mode={self._mode!r}, path="
            f"{os.path.dirname(self._given_path)!r})"
        )

    def _table(
        self, *, details: bool = False, results: bool = True, frame: bool | None = None
    ) -> Any:
        """Every entry as a row (parameters or info, scalar results) of a pandas DataFrame,
        or a list of dicts without pandas; see :func:`archived.store.table.dataset_table`.
        An entry that does not load (damaged, or refused by a safe load) is left out,
        untouched, with one :class:`~archived.errors.DamagedEntryWarning` naming it and
        what to do, as ``func.table()`` leaves one out; so is a stored call whose value
        or recorded parameters were edited by hand, with one
        :class:`~archived.errors.EditedEntryWarning`.

        >>> import tempfile
        >>> ds = DataSet('t', 'w', path=tempfile.mkdtemp())
        >>> ds._insert(2.5, info={'mu': 1.2})
        ['x_0']
        >>> ds._table(frame=False)
        [{'entry': 'x_0', 'function': None, 'mu': 1.2, 'result': 2.5}]
        """
        from .leftout import Left, warn_edited_left_out, warn_left_out
        from .table import dataset_table

        left: list[Left] = []

        def skip(name: str, err: ArchiveError) -> None:
            left.append((name, err, self._loaded_info(name)))

        # a stored call whose value was edited by hand is no result of its call: left
        # out, said once (an edit that broke it is left out as damaged)
        edited: list[str] = []
        table = dataset_table(
            self, details=details, results=results, frame=frame, skip=skip, edited=edited.append
        )
        warn_edited_left_out(edited, "the table", self._path)
        # one entry that does not load must not cost the table of every other one: the
        # store someone sent holding one result of a class of theirs, one file an
        # editor broke
        what = "the table"
        if results:
            what += " (ds._table(results=False) lists every entry without loading values)"
        warn_left_out(left, what, self._path)
        return table

    # ---- the API the caching layer uses ---------------------------------------------

    def _insert(
        self,
        data: Any,
        info: Any = None,
        *,
        name: str | None = None,
        keep_info: bool = False,
        digest_value: bool = False,
    ) -> list[str]:
        """Write ``data`` with its ``info`` in one atomic commit; return ``[name]``.

        Without ``name`` the next free ``<name_prefix>N`` is used; with it, that entry
        is written (replacing value and info).  ``keep_info=True`` keeps the info
        already stored (what ``ds.name = value`` does).  ``digest_value=True`` records
        the value's digest in the info (a stored call's result: see
        :mod:`archived.store.valuedigest`).

        >>> import tempfile
        >>> ds = DataSet('i', 'w', path=tempfile.mkdtemp())
        >>> ds._insert(1.5, info='a'), ds._insert(2.5, info='b', name='two')
        (['x_0'], ['two'])
        >>> ds['two'], ds.two
        ('b', 2.5)
        """
        self._check_writable()
        store = self._store
        if name is not None:
            store.commit(name, data, info, keep_info=keep_info, digest_value=digest_value)
            self._report("wrote %r", name)
            return [name]
        start = self._next_index
        if start is None:
            start = self._first_free_index()
        while True:
            name, n = store.new_name(self._name_prefix, start)
            self.__dict__["_next_index"] = n + 1
            try:
                # never over an entry: a writer stopped for longer than the grace period
                # (another host's, another container's) has its name reserved again
                store.commit(
                    name, data, info, keep_info=keep_info, new=True, digest_value=digest_value
                )
                break
            except entries.NameTaken:
                start = n + 1
            finally:
                store.release_name(name)
        self._report("wrote %r", name)
        return [name]

    def _info_items(self) -> Iterator[tuple[str, Any]]:
        """Yield ``(name, info)`` for every entry, loading no value.  An entry whose
        info does not load (damaged, or refused by a safe load) is left out, untouched,
        with one :class:`~archived.errors.DamagedEntryWarning` naming it once every
        entry is listed.

        >>> import tempfile
        >>> ds = DataSet('n', 'w', path=tempfile.mkdtemp())
        >>> ds._insert(0, info={'n': 1})
        ['x_0']
        >>> list(ds._info_items())
        [('x_0', {'n': 1})]
        """
        from .leftout import Left, warn_left_out

        left: list[Left] = []
        for name, entry in self._view().items():
            try:
                info = entry.info()
            except KeyError:  # deleted meanwhile
                continue
            except (DamagedEntryError, UnsafeArchiveError) as err:
                left.append((name, err, None))
                continue
            yield name, info
        warn_left_out(left, "the entries listed", self._path)

    def _loaded_info(self, name: str) -> Any:
        """Entry ``name``'s info, or None when it does not load (or is gone)."""
        try:
            return self._store.info(name)
        except (ArchiveError, OSError, KeyError):
            return None

    def _view(self, names: Iterable[str] | None = None) -> dict[str, EntryView]:
        """Every entry, sorted by name (or those ``names`` that exist, in their order), as an
        :class:`~archived.store.backend.EntryView` whose ``info()`` and ``value()`` read
        from the store's read-side index when it holds them: the fast way to read many.

        >>> import tempfile
        >>> ds = DataSet('v', 'w', path=tempfile.mkdtemp())
        >>> ds._insert(0.5, info={'n': 1})
        ['x_0']
        >>> [(name, e.info(), e.value()) for name, e in ds._view().items()]
        [('x_0', {'n': 1}, 0.5)]
        """
        return self._store.view(names)

    def _view_each(self, names: Sequence[str]) -> list[EntryView | None]:
        """Each of ``names`` as :meth:`_view` would give it (None where there is no such
        entry), in their order: the fast way to look up many entries by position.

        >>> import tempfile
        >>> ds = DataSet('v', 'w', path=tempfile.mkdtemp())
        >>> ds._insert(0.5, info={'n': 1}, name='a')
        ['a']
        >>> [e and e.value() for e in ds._view_each(['b', 'a', 'a'])]
        [None, 0.5, 0.5]
        """
        return self._store.view_each(names)

    def _entries(self) -> Entries:
        """Every entry by position in name order (see
        :meth:`~archived.store.backend.Store.entries`): the fast way to read the brief
        records and values of many.

        >>> import tempfile
        >>> ds = DataSet('v', 'w', path=tempfile.mkdtemp())
        >>> ds._insert(0.5, info={'function': 'm.f'})
        ['x_0']
        >>> found = ds._entries()
        >>> found.names, found.briefs(range(1)), found.values(range(1))
        (['x_0'], [{'function': 'm.f'}], [0.5])
        """
        return self._store.entries()

    def _entry(self, name: str) -> EntryView | None:
        """Entry ``name`` as :meth:`_view` would give it, or None if there is none: the
        fast way to look up one entry (a cache hit).

        >>> import tempfile
        >>> ds = DataSet('v', 'w', path=tempfile.mkdtemp())
        >>> ds._insert(0.5, info={'n': 1}, name='a')
        ['a']
        >>> ds._entry('a').value(), ds._entry('b')
        (0.5, None)
        """
        return self._store.entry(name)

    def _listing(self) -> list[Listed]:
        """Every entry as ``archived ls -l`` reads it (see
        :meth:`~archived.store.backend.Store.listing`): ``(name, columns, size, mtime,
        files, entry)``, the columns ``ls`` prints kept by the store's index.

        >>> import tempfile
        >>> ds = DataSet('l', 'w', path=tempfile.mkdtemp())
        >>> ds._insert(0.5, info={'n': 1})
        ['x_0']
        >>> [(name, columns) for name, columns, *_ in ds._listing()]
        [('x_0', ('entry', '', '', 'n=1', None))]
        """
        return self._store.listing()

    # ---- helpers --------------------------------------------------------------------

    def _names(self) -> list[str]:
        return self._store.names()

    def _read(self, name: str, value: bool) -> Any:
        return self._store.value(name) if value else self._store.info(name)

    def _check_writable(self) -> None:
        if self._mode != "w":
            raise ReadOnlyError()
        if self._closed:
            raise ReadOnlyError(f"DataSet {self._path!r} is closed.")

    def _first_free_index(self) -> int:
        prefix = self._name_prefix
        taken = [
            int(n[len(prefix) :])
            for n in self._names()
            if n.startswith(prefix) and n[len(prefix) :].isdigit()
        ]
        return max(taken) + 1 if taken else 0

    def _report(self, message: str, *args: Any) -> None:
        if self._verbose:
            log.info("DataSet %s: " + message, self._path, *args)


def _reopen(settings: dict[str, Any]) -> DataSet:
    return DataSet(**settings)
