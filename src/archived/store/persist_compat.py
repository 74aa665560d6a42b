"""Reading stores written by persist 3.x (and mmf.archive), read-only.

persist's ``DataSet`` lays a store out as::

    store/
      _this_dir_is_a_DataSet   marker file (empty)
      __init__.py              defines _info_dict = {name: info, ...}, rewritten per write
      x_0.py                   defines the value, then ``sys.modules[__name__] = x_0``
      x_0_data/array_0.npy     big arrays (npy, npz or hdf5), found through __file__

Its files are executed as persist itself does (each one as a throw-away module), so
its entries load exactly as persist would load them.  As with persist, only open
stores you trust: loading executes their code.

To move a persist store over, copy every entry into a new archived store::

    old = DataSet('results', path='old')         # the persist store, read-only
    new = DataSet('results', 'w', path='new')
    for name, info in old._info_items():
        new._insert(getattr(old, name), info=info, name=name)

>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> open(os.path.join(folder, '_this_dir_is_a_DataSet'), 'w').close()
>>> with open(os.path.join(folder, '__init__.py'), 'w') as f:
...     _ = f.write("_info_dict = dict([('a', 'info of a')])\\n")
>>> with open(os.path.join(folder, 'a.py'), 'w') as f:
...     _ = f.write("a = [1, 2]\\nimport sys\\nsys.modules[__name__] = a\\n")
>>> store = PersistStore(folder)
>>> store.names(), store.info('a'), store.value('a')
(['a'], 'info of a', [1, 2])
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import sys
import threading
from typing import Any

from ..errors import (
    DamagedEntryError,
    ReadOnlyError,
    StoreReadError,
    UnsafeArchiveError,
    is_read_failure,
)
from .backend import ReadOnlyStore

__all__ = ["PersistStore", "is_persist_store"]

MARK = "_this_dir_is_a_DataSet"
_counter = itertools.count()
_import_lock = threading.Lock()


def is_persist_store(folder: str) -> bool:
    """Whether ``folder`` is a store written by persist (it holds persist's marker file).

    >>> import tempfile
    >>> is_persist_store(tempfile.mkdtemp())
    False
    """
    mark = os.path.join(folder, MARK)
    try:
        os.stat(mark)
    except OSError as err:
        if is_read_failure(err):  # unknown: never taken for no persist store
            raise StoreReadError.of(err, mark) from err
        return False
    return True


class PersistStore(ReadOnlyStore):
    """A persist 3.x store in ``folder``, read fresh from disk on every call; every
    write raises :class:`~archived.errors.ReadOnlyError`.

    >>> import tempfile
    >>> PersistStore(tempfile.mkdtemp()).names()
    []
    """

    kind = "persist"

    def __init__(self, folder: str) -> None:
        self.folder = folder

    @classmethod
    def open(
        cls, folder: str, *, writable: bool = False, load: dict[str, Any] | None = None
    ) -> PersistStore:
        """Open the persist store in ``folder``: read-only, and never for a safe load
        (persist entries are programs; they load only by running them)."""
        if writable:
            raise ReadOnlyError(
                f"{folder!r} is a persist DataSet: it opens read-only; copy its entries "
                "into a new archived store to change them"
            )
        if load is not None and load.get("safe"):
            raise UnsafeArchiveError(
                None,
                f"reading {folder!r}, which is a persist store (its entries are programs "
                "that only run unchecked),",
            )
        return cls(folder)

    def names(self) -> list[str]:
        """The entry names, sorted."""
        return sorted(self._info_dict())

    def contains(self, name: str) -> bool:
        """Whether the store has an entry ``name``."""
        return isinstance(name, str) and name in self._info_dict()

    def info(self, name: str) -> Any:
        """The info record of ``name`` (``KeyError`` if there is no such entry)."""
        return self._info_dict()[name]

    def value(self, name: str) -> Any:
        """The value of entry ``name`` (``KeyError`` if there is no such entry)."""
        if name not in self._info_dict():
            raise KeyError(name)
        path = os.path.join(self.folder, f"{name}.py")
        if not os.path.exists(path):
            raise DamagedEntryError(name, f"{path!r} is missing")
        return _run_entry(name, path)

    def _info_dict(self) -> dict[str, Any]:
        path = os.path.join(self.folder, "__init__.py")
        if not os.path.exists(path):
            return {}
        try:
            module = _execute(path)
            result = module.__dict__.get("_info_dict", {})
        except Exception as err:
            raise DamagedEntryError(
                "__init__", f"persist's __init__.py does not load ({err!r})"
            ) from err
        return dict(result)


def _execute(path: str) -> Any:
    unique = f"_archived_persist_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(unique, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Entries replace their own sys.modules slot by their value, as persist expects.
    with _import_lock:
        dont_write = sys.dont_write_bytecode
        sys.dont_write_bytecode = True
        sys.modules[unique] = module
        try:
            spec.loader.exec_module(module)
            return sys.modules.get(unique, module)
        finally:
            sys.modules.pop(unique, None)
            sys.dont_write_bytecode = dont_write


def _run_entry(name: str, path: str) -> Any:
    try:
        result = _execute(path)
    except Exception as err:
        raise DamagedEntryError(name, f"persist entry does not load ({err!r})") from err
    if type(result).__name__ == "module" and hasattr(result, name):
        return getattr(result, name)
    return result
