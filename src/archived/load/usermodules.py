"""Importing an ``allow=`` module without importing a file of an archived store.

A store written beside its experiment (``@archived("results/runs")`` in ``mylab/run.py``)
lies inside the package ``mylab``; with ``allow=["mylab"]`` every module below it is
allowed, the store's own files too: a crafted entry's ``from mylab.results.runs.evil
import x`` ran the store's ``evil.py`` (or its ``__init__.py``) in a safe load.  Each
package on the way is found first and imported only when no file of it is in a store.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import os
import stat
import sys
import threading
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import BesideStoreError, UnsafeArchiveError

# what every store's __init__.py imports (the store layer's LOADER_MARK; this layer is
# below it): a folder whose __init__.py names it is a store
STORE_LOADER = b"archived.storemodule"

__all__ = ["import_outside_stores", "no_store_imports", "IN_STORE"]


def import_outside_stores(name: str) -> str | None:
    """Import the packages above ``name`` one by one, each only if it is found outside
    any archived store; return why not (the first found inside one), None if none is.
    ``name`` itself is found but left for the caller to import.  A package or module
    imported already is judged by where it was found (a store the user imported).

    >>> import_outside_stores("json.decoder") is None and "json" in sys.modules
    True
    """
    parts = name.split(".")
    for depth in range(1, len(parts) + 1):
        prefix = ".".join(parts[:depth])
        imported = sys.modules.get(prefix)
        if imported is not None and imported in _OUTSIDE:
            continue
        if imported is not None:
            # imported already (a user's own import of a store, which is a module): where
            # it was found, as a spec would say (its module loads an entry by running it)
            spec: Any = getattr(imported, "__spec__", None)
        else:
            try:
                spec = importlib.util.find_spec(prefix)  # its parent imported (and checked)
            except (ImportError, ValueError):
                return None  # (the import itself then says what is wrong)
            if spec is None:
                return None
        folders = list(getattr(spec, "submodule_search_locations", None) or ())
        origin = getattr(spec, "origin", None)
        if getattr(spec, "has_location", False) and type(origin) is str:
            folders.append(os.path.dirname(origin))
        for folder in folders:
            if _is_store(folder):
                return _in_store(prefix, folder)
        if imported is not None:
            _OUTSIDE.add(imported)
        if depth < len(parts) and imported is None:
            importlib.import_module(prefix)
    return None


# the modules imported already that were found outside every store (where a module was
# found never changes; a module imported since is another object)
_OUTSIDE: weakref.WeakSet[Any] = weakref.WeakSet()

#: what every refusal of a store's file as a module says
IN_STORE = "a file of the archived store"


def _in_store(module: str, folder: str) -> str:
    return (
        f"import of module {module!r} ({IN_STORE} {folder!r}: its files are entries, "
        "never code to run)"
    )


# the store layer looks for the mark in a loader's first 4096 characters: up to four
# bytes each in UTF-8, so the first 16 KiB hold them (2100 wide characters first made a
# store the DataSet opens no store here, and its loader was imported)
_LOADER_HEAD = 4 * 4096


def _is_store(folder: str) -> bool:
    """Whether ``folder``'s ``__init__.py`` is a store's loader (read as the store layer
    reads it: no link followed, no FIFO waited on, as far as it looks for the mark)."""
    init = os.path.join(folder, "__init__.py")
    try:
        if not stat.S_ISREG(os.lstat(init).st_mode):
            return False  # (a device node is never opened: its driver would run)
        fd = os.open(init, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    with open(fd, "rb") as f:
        return stat.S_ISREG(os.fstat(fd).st_mode) and STORE_LOADER in f.read(_LOADER_HEAD)


# ---------------------------------------------------------------- every import of a load

_LOADING = threading.local()  # how deep this thread is in safe loads, what they found


@contextmanager
def no_store_imports(
    store: str | os.PathLike[str] | None = None,
    allow: Iterable[str] = (),
    *,
    workdir: bool = False,
    data: bool = False,
) -> Iterator[None]:
    """Refuse, while this runs in this thread, every import that would run a file of an
    archived store: not only a safe load's entry's own imports but those of the
    libraries it loads through (a DataFrame's rebuilder imports pandas, pandas its
    optional libraries), which Python finds first in a folder on ``sys.path`` -- a
    notebook's or a script's, where a store someone sent named ``pandas`` may sit, or a
    store itself holding a ``pandas.py``.  Also held by what imports a library after
    the loads: a table building its frame, a command line that trusts no store.

    ``store``: the folder of the store read safely.  A module found in the folder
    holding it (the folder someone sent, a ``pandas.py`` beside the store, the working
    directory on ``sys.path``) is refused too (:class:`~archived.errors.BesideStoreError`)
    unless ``allow`` names it, or the code of a module ``allow`` names there imports it.
    Folders are told apart by device and inode too: a bind mount, or another case of a
    name on a filesystem that ignores case, spells the same folder otherwise.
    ``workdir=True``: ``store`` is the working directory, which ``python -c``, a script
    or a notebook finds modules in first, and a load given no data folder reads the
    store's files from: a module found in it is refused so (not one in a folder below
    it: a project's ``.venv``).  ``data=True``: ``store`` is a data folder that is no
    package (``restore(src, datadir='.')``): a module found in it or in the folder holding
    it is refused so, as beside a store, but not one in a folder below it (a project's
    ``.venv``, its ``src/``), which a store's files are never in.  Given a ``store``, a
    module found in the working directory is refused as with ``workdir=True`` too: a
    notebook in a folder below the one someone sent (``got/notebooks``) finds its
    ``pandas.py`` first, whatever store it reads.

    >>> with no_store_imports():
    ...     import json.tool
    """
    if not sys.meta_path or type(sys.meta_path[0]) is not _StoreImports:
        # first again: an import hook put before it since (a notebook's later cell
        # installing one) found a store's file unchecked; the check finds as the finders
        # after it do, in their order, so nothing else changes
        others = [finder for finder in sys.meta_path if type(finder) is not _StoreImports]
        sys.meta_path[:] = [_StoreImports(), *others]
    beside: tuple[_Beside, ...] = ()
    if store is not None:
        beside = (_Beside(store, allow, workdir, data),)
        here = None if workdir else working_directory()
        if here is not None:  # (where python -c and a notebook find modules first)
            beside += (_Beside(here, allow, workdir=True),)
    outer = getattr(_LOADING, "beside", ())
    _LOADING.depth = getattr(_LOADING, "depth", 0) + 1
    _LOADING.beside = outer + beside
    if _LOADING.depth == 1:
        _LOADING.seen = {}  # folder -> whether it is a store, as this load found it
    try:
        yield
    finally:
        _LOADING.depth -= 1
        _LOADING.beside = outer


class _StoreImports:
    """First on ``sys.meta_path``: inside a safe load, finds a module as the finders
    after it do and refuses it (:class:`~archived.errors.UnsafeArchiveError`) when
    its file or folder is in an archived store; outside one, finds nothing."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if not getattr(_LOADING, "depth", 0) or getattr(_LOADING, "finding", False):
            return None
        _LOADING.finding = True
        try:
            spec = None
            for finder in list(sys.meta_path):
                find = getattr(finder, "find_spec", None)
                if finder is self or find is None:
                    continue
                spec = find(fullname, path, target)
                if spec is not None:
                    break
        finally:
            _LOADING.finding = False
        if spec is None:
            return None
        folders = list(spec.submodule_search_locations or ())
        if spec.has_location and spec.origin:
            folders.append(os.path.dirname(spec.origin))
        # the folders holding it, and above them, through their links too: a top-level
        # module's folder on sys.path (PYTHONPATH=~/analysis, a link to a store's folder),
        # and a submodule's, as a namespace package's path is found again from sys.path
        # at each import (a portion inside a store, on sys.path since it was imported)
        real = [os.path.realpath(folder) for folder in folders]
        folders += real + [up for folder in folders + real for up in _above(folder)]
        seen = _LOADING.seen  # (a package's modules share the folders above them)
        for folder in dict.fromkeys(folders):  # (a package's folder is its origin's)
            store = seen.get(folder)
            if store is None:
                store = seen[folder] = _is_store(folder)
            if store:
                raise UnsafeArchiveError(None, _in_store(fullname, folder))
        for beside in getattr(_LOADING, "beside", ()):
            beside.check(fullname, spec)
        return spec


class _Beside:
    """The store a safe load reads and the folder holding it: no module found in the
    store runs, nor one found in that folder that ``allow`` does not name.  With
    ``workdir``, ``store`` is the working directory a load given no data folder reads
    from: no module found in it runs that ``allow`` does not name.  With ``data``,
    ``store`` is a data folder that is no package (no store): no module found in it or in
    the folder holding it runs that ``allow`` does not name."""

    def __init__(
        self,
        store: str | os.PathLike[str],
        allow: Iterable[str],
        workdir: bool = False,
        data: bool = False,
    ) -> None:
        # (its links are resolved at the first module found: most loads import none)
        self.folder = os.path.abspath(os.fspath(store))
        self.workdir, self.data = workdir, data
        self.stores: tuple[str, ...] = ()
        self.parents: frozenset[str] = frozenset()
        self.store_ids: frozenset[tuple[int, int]] = frozenset()
        self.parent_ids: frozenset[tuple[int, int]] = frozenset()
        self.ids: dict[str, tuple[int, int] | None] = {}  # folder -> (device, inode)
        self.allow = tuple(allow)

    def check(self, fullname: str, spec: Any) -> None:
        """Raise unless the module ``fullname`` found as ``spec`` may run."""
        if not self.parents:
            named = tuple(dict.fromkeys((self.folder, os.path.realpath(self.folder))))
            if self.workdir:  # (the folder itself holds the files read, not one below)
                self.parents = frozenset(named)
            elif self.data:  # (and the folder holding it, as a store's)
                self.parents = frozenset(named) | {os.path.dirname(f) for f in named}
            else:
                self.stores = named
                self.parents = frozenset(os.path.dirname(f) for f in named)
            self.store_ids = frozenset(filter(None, map(self._id, self.stores)))
            self.parent_ids = frozenset(filter(None, map(self._id, self.parents)))
        places = [spec.origin] if spec.has_location and type(spec.origin) is str else []
        places += spec.submodule_search_locations or ()
        for place in dict.fromkeys(places):
            place = os.path.abspath(place)
            for where in dict.fromkeys((place, os.path.realpath(place))):
                for store in self.stores:
                    if where.startswith(store.rstrip(os.sep) + os.sep):
                        raise UnsafeArchiveError(None, _in_store(fullname, store))
                folder = os.path.dirname(where)
                if folder in self.parents:
                    self._refuse_beside(fullname, where, folder)
            # the same folders by other names: a bind mount, another case of a name
            folder = os.path.dirname(place)
            if self._id(folder) in self.parent_ids:
                self._refuse_beside(fullname, place, folder)
            if self.store_ids:
                for up in (folder, *_above(folder)):
                    if self._id(up) in self.store_ids:
                        raise UnsafeArchiveError(None, _in_store(fullname, self.stores[0]))

    def _id(self, folder: str) -> tuple[int, int] | None:
        if folder not in self.ids:
            self.ids[folder] = _identity(folder)
        return self.ids[folder]

    def _refuse_beside(self, fullname: str, where: str, folder: str) -> None:
        if self._allowed(fullname, folder):
            return
        raise BesideStoreError(
            fullname,
            where,
            self.stores[0] if self.stores else self.folder,
            shadows=_installed_elsewhere(fullname, folder),
            workdir=self.workdir,
            data=self.data,
        )

    def _allowed(self, fullname: str, folder: str) -> bool:
        for m in self.allow:  # (or a package holding one: importing it runs its __init__)
            if fullname == m or fullname.startswith(m + ".") or m.startswith(fullname + "."):
                return True
        return asked_by_code_of({m.partition(".")[0] for m in self.allow}, folder)


def working_directory() -> str | None:
    """The working directory, or None if it was removed.

    >>> working_directory() is not None
    True
    """
    try:
        return os.getcwd()
    except OSError:  # removed
        return None


def _installed_elsewhere(name: str, folder: str) -> str | None:
    """The file of the module ``name`` found on ``sys.path`` outside ``folder`` (found,
    never imported), or None: a file of that name in ``folder`` is no module of the
    user's to allow (``pandas.py`` beside a store someone sent)."""
    if "." in name:
        return None  # (a portion of a namespace package: its name is its own)
    here = _identity(folder)
    others = [p for p in sys.path if type(p) is str and _identity(p or os.curdir) != here]
    try:
        spec = importlib.machinery.PathFinder.find_spec(name, others)
    except (ImportError, OSError, ValueError):
        return None
    if spec is None:
        return None
    origin = getattr(spec, "origin", None)
    if type(origin) is str and getattr(spec, "has_location", False):
        return origin
    return next(iter(spec.submodule_search_locations or ()), None)


def _identity(folder: str) -> tuple[int, int] | None:
    try:
        st = os.stat(folder)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def asked_by_code_of(names: Iterable[str], folder: str) -> bool:
    """Whether the import being found runs code of a module ``names`` lists (its
    top-level name) whose file is in ``folder`` or below it: that module's frame on the
    stack.  Its code is the user's, trusted; a safe load's own imports, which a crafted
    store's entries choose, are not asked by it.

    >>> asked_by_code_of({"no_such_module"}, "/")
    False
    """
    names = frozenset(names)
    if not names:
        return False
    top = folder.rstrip(os.sep) + os.sep
    frame: Any = sys._getframe(1)
    while frame is not None:
        name = frame.f_globals.get("__name__")
        if type(name) is str and name.partition(".")[0] in names:
            if os.path.realpath(frame.f_code.co_filename).startswith(top):
                return True
        frame = frame.f_back
    return False


def _above(folder: str) -> Iterator[str]:
    """The folders holding ``folder``, nearest first: a folder on ``sys.path`` may lie
    anywhere inside a store (a notebook's, in a folder of the store someone sent).

    >>> list(_above("/data/runs/notebooks"))
    ['/data/runs', '/data', '/']
    """
    while (parent := os.path.dirname(folder)) != folder:
        yield parent
        folder = parent
