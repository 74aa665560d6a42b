"""The stores ``archived`` writes: :class:`NativeStore`, one directory of entry files.

It implements :class:`~archived.store.backend.Store` over the entry format and atomic
commit of :mod:`archived.store.entries`, the name claims of :mod:`archived.store.claims`
and the store lock of :mod:`archived.store.locking`; opening it for writing creates the
store (atomically: readers see no store or a complete one) and sweeps what killed
writers left (:mod:`archived.store.leftovers`).

>>> import tempfile
>>> folder = tempfile.mkdtemp() + '/runs'
>>> store = NativeStore.open(folder, writable=True)
>>> name, _ = store.new_name('x_', 0)
>>> store.commit(name, 2.5, {'mu': 1})
>>> store.release_name(name)
>>> NativeStore.open(folder).info_items().__next__()
('x_0', {'mu': 1})
"""

from __future__ import annotations

import os
import re
import shutil
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from ..engine.archive import _gc_paused
from ..engine.readclose import close_read_only
from ..errors import (
    ArchiveError,
    InvalidNameError,
    LockingKindError,
    ReadOnlyError,
    StoreNotFoundError,
    StorePathError,
    StoreReadError,
)
from . import entries, index
from .backend import Entries, EntryView, Listed, Store
from .claims import claim_name, release_claim
from .damaged import set_aside
from .entrynames import LOADER_MARK, check_not_keyword, is_native_store
from .entrynames import is_loader as _is_ours
from .failures import explained
from .leftovers import sweep_leftovers
from .locking import StoreLock
from .storefiles import TOKEN, open_regular
from .table import brief_of
from .writers import create_locked, new_token, writer_gone

__all__ = [
    "NativeStore",
    "IndexedEntry",
    "is_native_store",
    "recorded_locking",
    "LOADER_MARK",
    "LOCKINGS",
    "check_store_name",
    "check_no_shadowing",
    "installed_path",
]

LOCKINGS = ("fcntl", "soft")
# The store's locking kind, recorded when it is created (or, for a store made before the
# record existed, by its first writer): writers holding fcntl locks and writers holding
# soft locks do not exclude each other, so one store must never see both.
LOCKING_FILE = ".locking"


class NativeStore(Store):
    """An ``archived`` store in ``folder``; open it with :meth:`open`.

    Args (of :meth:`open`):
        folder: the store directory; its name is the module name of the store.
        writable: open for writing (creating the store if needed); else read-only
            (``StoreNotFoundError`` if there is no store).
        synchronize: ``False`` holds the store lock from opening to :meth:`close`.
        timeout: of the store lock (:class:`~archived.store.locking.StoreLock`).
        locking: ``'fcntl'`` or ``'soft'``; a store records its kind when it is created
            and a writer of the other kind is refused (``LockingKindError``).  ``None``:
            the store's kind (``'fcntl'`` for a new store).
        array_threshold, backup_data, durable, compress: of every commit (see
            ``DataSet``); mmap_mode: of every value read.
        load: keyword arguments of :func:`~archived.load.restore.restore` for reading
            entries (``{'safe': True, ...}``), or None to execute them.
        report: called as ``report(message, *args)`` for what the store did.
    """

    kind = "archived"

    def __init__(
        self,
        folder: str,
        *,
        writable: bool = False,
        lock: StoreLock | None = None,
        array_threshold: int = 100,
        backup_data: bool = False,
        durable: bool = True,
        load: dict[str, Any] | None = None,
        compress: Any = None,
        mmap_mode: str | None = None,
    ) -> None:
        self.folder = folder
        self.compress = compress
        self.mmap_mode = mmap_mode
        self.writable = writable
        self.lock = lock if lock is not None else StoreLock(os.path.join(folder, ".lock"))
        self.locking = "soft" if self.lock.soft else "fcntl"
        self.array_threshold = array_threshold
        self.backup_data = backup_data
        self.durable = durable
        self.load = load
        self._holds_lock = False

    @classmethod
    def open(
        cls,
        folder: str,
        *,
        writable: bool = False,
        synchronize: bool = True,
        timeout: float = 60,
        locking: str | None = None,
        array_threshold: int = 100,
        backup_data: bool = False,
        durable: bool = True,
        load: dict[str, Any] | None = None,
        report: Callable[..., None] | None = None,
        compress: Any = None,
        mmap_mode: str | None = None,
        shadow_ok: bool = False,
    ) -> NativeStore:
        """Open (with ``writable``, create) the store in ``folder``.

        A new store may not take the name of a standard or installed module unless
        ``shadow_ok`` (:func:`check_no_shadowing`)."""
        report = report or (lambda *args: None)
        if not is_native_store(folder):
            if not writable:
                raise StoreNotFoundError(folder)
            check_not_keyword(os.path.basename(folder))
            if not shadow_ok:
                check_no_shadowing(folder)
            _create(folder, locking or "fcntl", report)
        if writable:
            locking = _settle_locking(folder, locking)
        else:  # readers take no lock: any kind reads
            locking = locking or recorded_locking(folder) or "fcntl"
        lock = StoreLock(os.path.join(folder, ".lock"), timeout, soft=locking == "soft")
        store = cls(
            folder,
            writable=writable,
            lock=lock,
            array_threshold=array_threshold,
            backup_data=backup_data,
            durable=durable,
            load=load,
            compress=compress,
            mmap_mode=mmap_mode,
        )
        if writable:
            if not synchronize:
                lock.pin()  # for the store's lifetime, in whichever thread uses it
                store._holds_lock = True
            # a store locked with flock can trust flock to tell a writer alive
            swept = sweep_leftovers(folder, lock_proof=locking == "fcntl")
            if swept.deleted:
                report("removed leftovers of killed writers: %s", swept.deleted)
            if swept.backed_up:
                report(
                    "moved into %s the data files of versions killed writers replaced "
                    "(their entry files are there): %s",
                    os.path.join(folder, entries.BACKUP_DIR),
                    swept.backed_up,
                )
        return store

    # ---- reading ---------------------------------------------------------------------

    def names(self) -> list[str]:
        try:
            return entries.entry_names(self.folder)
        except FileNotFoundError:
            raise StoreNotFoundError(self.folder) from None

    def contains(self, name: str) -> bool:
        try:
            entries.validate_name(name)
        except InvalidNameError:
            return False
        return entries.entry_exists(self.folder, name)

    def info(self, name: str) -> Any:
        return entries.read_info(self.folder, _key(name), safe=self.load)

    def value(self, name: str) -> Any:
        return entries.read_value(
            self.folder, _key(name), safe=self.load, mmap_mode=self.mmap_mode
        )

    def view(self, names: Iterable[str] | None = None) -> dict[str, EntryView]:
        """Entries as the read-side index sees them (:mod:`archived.store.index`): one
        ``stat`` per entry, info and small values read only from changed entries."""
        if not index.is_many(names):  # a lookup (a hit): pausing would cost more
            return self._view(names)
        with _gc_paused():  # one object per entry, no cycles: the collector would only cost
            return self._view(names)

    def view_each(self, names: Sequence[str]) -> list[EntryView | None]:
        """:meth:`view` of ``names`` by position (None where there is no such entry):
        each name looked up once among the index's rows, no dict of them made (a sweep's
        lookup of 100,000 points made one and then looked each point up in it: memory
        far from the last point's at each look, a cost per point growing with the sweep)."""
        unique = list(dict.fromkeys(names))
        try:
            with _gc_paused():  # one object per entry, no cycles: the collector would only cost
                found = index.rows(self.folder, unique)
                return [
                    None if (row := found.get(name)) is None else IndexedEntry(self, name, row)
                    for name in names
                ]
        except FileNotFoundError:
            raise StoreNotFoundError(self.folder) from None

    def entry(self, name: str) -> EntryView | None:
        """Entry ``name`` as the read-side index sees it now, or None: for an entry
        whose row is settled, one ``lstat`` and nothing else (a cache hit); in a store
        read safely, never an open before an ``lstat``."""
        try:
            row = index.row(self.folder, name, self.load is None)
        except FileNotFoundError:
            raise StoreNotFoundError(self.folder) from None
        return None if row is None else IndexedEntry(self, name, row)

    def entries(self) -> Entries:
        """Every entry as the read-side index keeps it (:func:`index.kept`): one ``stat``
        per entry, and no object per entry when the index file is up to date."""
        try:
            return IndexedEntries(self, index.kept(self.folder))
        except FileNotFoundError:
            raise StoreNotFoundError(self.folder) from None

    def listing(self) -> list[Listed]:
        """Every entry with the columns ``ls`` prints, kept in the read-side index
        (derived from its info record once per version of its file, by this or an
        earlier listing): an unchanged entry costs one ``stat``."""
        try:
            found = index.listings(self.folder)
        except FileNotFoundError:
            raise StoreNotFoundError(self.folder) from None
        with _gc_paused():  # one tuple per entry, no cycles: the collector would only cost
            return [
                (
                    name,
                    columns,
                    size,
                    mtime / 1e9,
                    files,
                    None if columns is not None or row is None else IndexedEntry(self, name, row),
                )
                for name, columns, size, mtime, files, row in found
            ]

    def _view(self, names: Iterable[str] | None) -> dict[str, EntryView]:
        if names is not None and not isinstance(names, (list, tuple, set, frozenset)):
            names = list(names)  # (read twice below)
        try:
            found = index.rows(self.folder, names)
        except FileNotFoundError:
            raise StoreNotFoundError(self.folder) from None
        if names is None:
            return {name: IndexedEntry(self, name, row) for name, row in sorted(found.items())}
        # in the order asked for: a sweep's lookup asks in its grid's order, the order the
        # index file keeps rows in (index.in_commit_order); made in name order, every
        # entry it reached was elsewhere in memory (100,000 points: 12% more time a point)
        return {name: IndexedEntry(self, name, found[name]) for name in names if name in found}

    # ---- writing ---------------------------------------------------------------------

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
        self._check_writable()
        entries.validate_name(name)
        with self._explained(name):
            entries.commit_entry(
                self.folder,
                name,
                value,
                info,
                keep_info=keep_info,
                new=new,
                digest_value=digest_value,
                array_threshold=self.array_threshold,
                lock=self.lock,
                backup_data=self.backup_data,
                durable=self.durable,
                compress=self.compress,
            )

    def set_info(self, name: str, info: Any) -> None:
        self._check_writable()
        entries.validate_name(name)
        with self._explained(name):
            entries.set_info(
                self.folder,
                name,
                info,
                array_threshold=self.array_threshold,
                lock=self.lock,
                backup_data=self.backup_data,
                durable=self.durable,
                compress=self.compress,
            )

    def delete(self, name: str, digest: str | None = None) -> bool:
        self._check_writable()
        entries.validate_name(name)
        with self._explained(name, "delete"):
            return entries.delete_entry(
                self.folder,
                name,
                lock=self.lock,
                backup_data=self.backup_data,
                durable=self.durable,
                digest=digest,
            )

    def set_aside(
        self, name: str, expected: tuple[int, int, int, int] | None = None
    ) -> str | None:
        self._check_writable()
        entries.validate_name(name)
        with self._explained(name):
            return set_aside(
                self.folder, name, lock=self.lock, durable=self.durable, expected=expected
            )

    def new_name(self, prefix: str, start: int) -> tuple[str, int]:
        self._check_writable()
        with self._explained(f"{prefix}{start}"):
            return claim_name(self.folder, prefix, start)

    def release_name(self, name: str) -> None:
        release_claim(self.folder, name)

    def close(self) -> None:
        if self._holds_lock:
            self._holds_lock = False
            self.lock.unpin()

    def _explained(self, name: str, operation: str = "write") -> AbstractContextManager[None]:
        lock = self.lock.lock_path
        return explained(self.folder, name, (lock, lock + ".lease"), operation=operation)

    def _check_writable(self) -> None:
        if not self.writable:
            raise ReadOnlyError(f"the store {self.folder!r} was opened read-only")


class IndexedEntry(EntryView):
    """An entry of a native store as the read-side index saw it.

    Its info and value come from the index row when the row keeps them (they are those
    of the entry file the row was read from); otherwise, or if the row does not decode,
    from the entry file, as long as it is still the version the row was read from (the
    same bytes): a file rewritten since raises
    :class:`~archived.errors.EntryChangedError` (a ``KeyError``), never pairs the
    row's record with another version's value (:meth:`renewed` sees the new one).
    ``size``, ``mtime`` and ``files`` describe the entry file.
    """

    __slots__ = ("row",)
    store: NativeStore

    def __init__(self, store: NativeStore, name: str, row: index.Row) -> None:
        # no super().__init__ call: a view of a big store makes one per entry
        self.store = store
        self.name = name
        self.row = row

    def info(self) -> Any:
        try:
            return self.row.info()
        except KeyError:  # not kept: the entry tells
            pass
        except ValueError:  # a tampered index file: the entry tells
            pass
        return entries.read_info(
            self.store.folder, self.name, safe=self.store.load, once=True, digest=self.row.digest
        )

    def brief(self) -> Any:
        try:
            return self.row.brief()
        except (KeyError, ValueError):  # not kept, or a tampered index file: from the info
            return brief_of(self.info())

    def value(self) -> Any:
        try:
            kept, value = self.row.value()
        except ValueError:
            kept = False
        if kept:
            return value
        return entries.read_value(
            self.store.folder,
            self.name,
            safe=self.store.load,
            mmap_mode=self.store.mmap_mode,
            digest=self.row.digest,
        )

    def value_edited(self) -> bool:
        """Whether this version's value was edited by hand: its value section is not
        the one its record's digest names (:mod:`archived.store.valuedigest`)."""
        return entries.value_edited(self.store.folder, self.name, self.row.digest)

    def renewed(self) -> IndexedEntry | None:
        """The entry as the store's index sees it now (None if it was deleted): after an
        :class:`~archived.errors.EntryChangedError`, the version to read whole."""
        return self.store.entry(self.name)  # type: ignore[return-value]

    @property
    def size(self) -> int:
        """The entry file's size in bytes (data files not included)."""
        return self.row.size

    @property
    def mtime(self) -> float:
        """The entry file's modification time."""
        return self.row.mtime

    @property
    def files(self) -> list[str]:
        """The data files the entry's header lists."""
        return list(self.row.files)

    @property
    def digest(self) -> str:
        """The digest of the entry file's bytes this view describes (what
        :meth:`NativeStore.delete` takes to remove that version only)."""
        return self.row.digest


class IndexedEntries(Entries):
    """Every entry of a native store as the read-side index keeps it now
    (:func:`index.kept`): the brief records and values it keeps decoded at once, an
    :class:`IndexedEntry` made only for an entry that is asked for or whose row keeps
    no text (read from its file then, as :class:`IndexedEntry` reads it)."""

    def __init__(self, store: NativeStore, found: index.Kept) -> None:
        # no super().__init__ call: no view of the store is made
        self.store = store
        self.names = found.names
        self._kept = found

    def entry(self, i: int) -> IndexedEntry:
        return IndexedEntry(self.store, self.names[i], self._kept.row(i))

    def briefs(self, positions: Iterable[int]) -> list[Any]:
        positions = positions if isinstance(positions, range) else list(positions)
        found = index.decode_briefs(self._kept.texts("brief", positions))
        if index.NOT_KEPT not in found:  # (a brief is a dict or None: == is identity)
            return found
        return [
            _brief_or_none(self.entry(i)) if b is index.NOT_KEPT else b
            for i, b in zip(positions, found, strict=True)
        ]

    def values(self, positions: Iterable[int]) -> list[Any]:
        positions = positions if isinstance(positions, range) else list(positions)
        found = index.decode_values(self._kept.texts("value", positions))
        if not any(v is index.NOT_KEPT for v in found):
            return found
        return [
            self.entry(i).value() if v is index.NOT_KEPT else v
            for i, v in zip(positions, found, strict=True)
        ]


def _brief_or_none(entry: EntryView) -> Any:
    try:
        return entry.brief()
    except KeyError:  # deleted meanwhile
        return None


def _key(name: str) -> str:
    """``name`` if it can name an entry; ``KeyError`` (as for a missing one) if not."""
    try:
        return entries.validate_name(name)
    except InvalidNameError:
        raise KeyError(name) from None


# ---- creating a store ---------------------------------------------------------------


def recorded_locking(folder: str) -> str | None:
    """The locking kind the store in ``folder`` records; None for a store made before
    stores recorded it.  A record that is not ``fcntl`` or ``soft`` raises ArchiveError.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp() + '/s'
    >>> recorded_locking(NativeStore.open(folder, writable=True, locking='soft').folder)
    'soft'
    """
    path = os.path.join(folder, LOCKING_FILE)
    try:
        # through the store's gate: never a link followed, never a FIFO opened
        fd = open_regular(folder, LOCKING_FILE, "locking")
    except FileNotFoundError:
        return None
    except StoreReadError:  # a failing disk: no record at fault
        raise
    except (OSError, ArchiveError) as err:
        raise ArchiveError(f"cannot read the store's locking record {path!r} ({err})") from err
    try:
        text = os.read(fd, 64)
    except OSError as err:
        raise StoreReadError.of(err, path) from err
    finally:
        close_read_only(fd)
    kind = text.decode("ascii", "replace").strip()
    if kind not in LOCKINGS:
        raise ArchiveError(
            f"the store's locking record {path!r} holds {kind[:20]!r}, not 'fcntl' or 'soft'; "
            "write the kind all its writers use into it"
        )
    return kind


def _settle_locking(folder: str, wanted: str | None) -> str:
    """The store's locking kind, recorded now if it is not yet; refuse another one."""
    recorded = recorded_locking(folder)
    if recorded is None:
        recorded = _record_locking(folder, wanted or "fcntl")
    if wanted is not None and wanted != recorded:
        raise LockingKindError(folder, recorded, wanted)
    return recorded


def _record_locking(folder: str, kind: str) -> str:
    """Record ``kind`` unless another writer recorded one first; return the recorded one."""
    tmp = os.path.join(folder, f".locking.{new_token()}.tmp")
    with open(create_locked(tmp), "w", encoding="ascii") as f:
        f.write(kind + "\n")
        f.flush()
        os.fsync(f.fileno())
    try:
        os.link(tmp, os.path.join(folder, LOCKING_FILE))  # exclusive, with its content
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)
    entries.fsync_dir(folder)
    return recorded_locking(folder) or kind


def _create(folder: str, locking: str, report: Callable[..., None]) -> None:
    """Make the store; readers see no store or a complete one, never a bare directory."""
    from .module import loader_source

    module_name = os.path.basename(folder)
    init = os.path.join(folder, "__init__.py")
    not_a_store = InvalidNameError(
        module_name,
        f"{folder!r} exists and is not an archived DataSet; "
        "choose another name or an empty directory",
    )
    if os.path.isdir(folder):
        if _is_ours(init):
            return  # another writer renamed its new store into place since we looked
        if any(not n.startswith(".") for n in os.listdir(folder)):
            raise not_a_store
        _write_durably(folder, init, loader_source(module_name))
    else:
        parent = os.path.dirname(folder) or "."
        try:
            os.makedirs(parent, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            blocker = _deepest_existing(parent)
            if os.path.isdir(blocker):
                raise  # not a file in the way (a folder removed meanwhile): as it was
            raise StorePathError(folder, blocker) from None
        staging = os.path.join(parent, f".{module_name}.{new_token()}.new")
        os.mkdir(staging)
        try:
            loader = loader_source(module_name)
            _write_durably(staging, os.path.join(staging, LOCKING_FILE), locking + "\n")
            _write_durably(staging, os.path.join(staging, "__init__.py"), loader)
            os.rename(staging, folder)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
            if not _is_ours(init):
                raise not_a_store from None
            return  # another writer created it first
        entries.fsync_dir(parent)
        _sweep_staging(parent, module_name)
    report("created DataSet %r", folder)


def _deepest_existing(path: str) -> str:
    """The longest leading part of ``path`` that exists: where a folder that ``makedirs``
    could not make or enter is a file (or a link to one).

    >>> _deepest_existing(os.path.join(os.path.dirname(__file__), "no", "such"))[-5:]
    'store'
    """
    while path and not os.path.lexists(path):
        path = os.path.dirname(path)
    return path


def _sweep_staging(parent: str, module_name: str) -> None:
    """Remove staging directories of this store left by creators that were killed: only
    a folder named by a creator's token that holds nothing but what a creator writes
    (any other is a person's, whatever its name: it stays)."""
    prefix, now = f".{module_name}.", time.time()
    with os.scandir(parent) as it:
        for item in it:
            token = item.name[len(prefix) : -len(".new")]
            if (
                item.name.startswith(prefix)
                and item.name.endswith(".new")
                and TOKEN.fullmatch(token)
                and item.is_dir(follow_symlinks=False)
                and writer_gone(token, item, now)
            ):
                _remove_staging(item.path)


def _remove_staging(path: str) -> None:
    """Remove the staging folder ``path`` if it holds only plain files a creator writes
    (its ``.locking``, ``__init__.py`` and their temporary files); else leave it."""
    try:
        with os.scandir(path) as it:
            items = list(it)
        if not all(
            (item.name in (LOCKING_FILE, "__init__.py") or _STAGING_TMP.fullmatch(item.name))
            and item.is_file(follow_symlinks=False)
            for item in items
        ):
            return
        for item in items:
            os.unlink(item.path)
        os.rmdir(path)
    except OSError:  # removed by another creator meanwhile, or not this user's
        return


_STAGING_TMP = re.compile(rf"\.__init__\.{TOKEN.pattern}\.tmp")


def _write_durably(folder: str, path: str, text: str) -> None:
    tmp = os.path.join(folder, f".__init__.{new_token()}.tmp")
    with open(create_locked(tmp), "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    entries.fsync_dir(folder)


# ---- store names ----------------------------------------------------------------------


def check_store_name(module_name: object, writing: bool = False) -> str:
    """``module_name`` if it can name a store, else ``InvalidNameError``.

    A store is a module: its name must be an identifier spelled as Python reads it
    (its NFKC form; ``import ｘ`` imports ``x``).  ``writing``: the store is opened to
    be written (the error says to rename the folder of such a store; one is read as
    it is).

    >>> check_store_name('runs')
    'runs'
    >>> check_store_name('\uff58')
    Traceback (most recent call last):
        ...
    archived.errors.InvalidNameError: invalid name '\uff58': Python imports this name as 'x' ...
    """
    if not isinstance(module_name, str) or not module_name.isidentifier():
        reason = "a store name must be a Python identifier so the store can be imported"
        given = os.fspath(module_name) if isinstance(module_name, os.PathLike) else module_name
        if isinstance(given, str) and os.path.basename(given).isidentifier():
            # a path given as the name (a str or a pathlib.Path): say how to open its store
            folder, name = os.path.split(given)
            if folder:
                reason += f"; for the store at this path, use DataSet({name!r}, path={folder!r})"
            else:
                reason += f"; give the name as a str: DataSet({name!r}, ...)"
        elif writing and isinstance(given, str):
            # a store copied or renamed to such a folder ('runs-2024') reads as it is
            fixed = re.sub(r"\W", "_", given)
            fixed = fixed if fixed.isidentifier() else f"store_{fixed}"
            reason += (
                f"; to write to a store in a folder of that name, rename the folder "
                f"({fixed!r}); opened read-only, it reads as it is"
            )
        raise InvalidNameError(module_name, reason)
    if not entries.is_canonical(module_name):
        raise InvalidNameError(
            module_name,
            f"Python imports this name as {unicodedata.normalize('NFKC', module_name)!r} "
            "(its NFKC form); use that spelling",
        )
    return module_name


def check_no_shadowing(folder: str) -> None:
    """Refuse to create the store ``folder`` if it is named like a standard or installed
    module (``json``, ``tables``): whoever puts its parent directory on ``sys.path`` (as
    the README does to import a store) would get the store instead of that module, or
    the module instead of the store.  A module of the user's own project is no conflict
    elsewhere (a bare ``@archived`` names its store after the function's module, in
    ``archived_results/``), but one in the store's own folder is: Python imports a
    package (the store) before a module of the same name there, so ``analysis/`` made
    beside ``analysis.py`` took the place of the user's module for every script run there.

    >>> check_no_shadowing('/tmp/results/json')
    Traceback (most recent call last):
        ...
    archived.errors.InvalidNameError: invalid name 'json': a store named 'json' would shadow ...
    """
    import importlib.util
    import sys

    name = os.path.basename(folder)
    shadowed = name in getattr(sys, "stdlib_module_names", ()) or name == "archived"
    if not shadowed:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        origin = getattr(spec, "origin", None)
        shadowed = isinstance(origin, str) and installed_path(origin)
    if shadowed:
        raise InvalidNameError(
            name,
            f"a store named {name!r} would shadow the importable module {name!r} when its "
            "directory is on sys.path; choose another name (or pass shadow_ok=True if you "
            "mean it)",
        )
    beside = _module_beside(folder)
    if beside is not None:
        raise InvalidNameError(
            name,
            f"a store named {name!r} in {os.path.dirname(folder) or '.'} would shadow the "
            f"module {beside} there: `import {name}` from that folder (a script there, a "
            f"notebook) would import the store instead; give the store another path, such "
            f"as 'results/{name}' (or, for a DataSet, pass shadow_ok=True if you mean it)",
        )


def _module_beside(folder: str) -> str | None:
    """The name of a module file ``<name>.py`` (or ``.pyc``, an extension module) in the
    folder that would hold the store ``folder``, or None.

    >>> import tempfile
    >>> parent = tempfile.mkdtemp()
    >>> _ = open(os.path.join(parent, "analysis.py"), "w")
    >>> _module_beside(os.path.join(parent, "analysis")), _module_beside(parent + "/runs")
    ('analysis.py', None)
    """
    import importlib.machinery

    parent, name = os.path.split(folder)
    for suffix in importlib.machinery.all_suffixes():
        if os.path.isfile(os.path.join(parent or ".", name + suffix)):
            return name + suffix
    return None


def installed_path(origin: str) -> bool:
    """Whether the path ``origin`` (a module's file, a store's folder) lies inside
    Python's installation: its standard library or a site-packages folder.

    >>> import json
    >>> installed_path(json.__file__), installed_path("/home/ada/project/results/runs")
    (True, False)
    """
    import site
    import sysconfig

    if origin in ("built-in", "frozen"):
        return True
    roots = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    roots.update(getattr(site, "getsitepackages", list)())
    user = getattr(site, "getusersitepackages", lambda: None)()
    if isinstance(user, str):
        roots.add(user)
    path = os.path.abspath(origin)
    return any(path.startswith(os.path.join(os.path.abspath(r), "")) for r in roots if r)
