"""The runtime behind a store's ``__init__.py``: importing a store as a module.

A store directory is a Python package whose ``__init__.py`` is written once, when the
store is created, from :func:`loader_source`.  It calls :func:`attach`, which gives the
module

- ``_info_dict``: a live read-only mapping ``name -> record``; ``record.info`` loads
  the entry's info record and ``record.load()`` its value;
- a module ``__getattr__`` (PEP 562) that loads an entry when its name is accessed,
  and a ``__dir__`` that lists the entries.

Nothing is cached: every access reads the directory as it is now.

>>> import importlib, sys, tempfile
>>> from archived.store.dataset import DataSet
>>> parent = tempfile.mkdtemp()
>>> ds = DataSet('runs', 'w', path=parent)
>>> ds._insert([1, 2], info='first run')
['x_0']
>>> sys.path.insert(0, parent)
>>> runs = importlib.import_module('runs')
>>> runs.x_0, runs._info_dict['x_0'].info, 'x_0' in dir(runs)
([1, 2], 'first run', True)
>>> _ = sys.path.remove(parent), sys.modules.pop('runs')
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..errors import EntryDeletedError
from . import entries

__all__ = ["loader_source", "attach", "EntryRecord"]

_TEMPLATE = '''\
"""A store written by archived (a DataSet): this folder, imported as a module.

Each entry is a file <name>.py beside this one (its info record, then its value, as
Python source); big arrays are in <name>.<token>.h5 files.  Importing this module loads
no entry: `<module>.x_0` loads entry x_0 when accessed, `_info_dict['x_0'].info` its info
record and `_info_dict['x_0'].load()` its value.  This file is written once, when the
store is created; writing entries never changes it, and nothing in the folder names the
folder, which can be renamed or moved.  Open the store for writing with
archived.DataSet('<this folder's name>', 'w', path=<the folder holding this one>).
"""

from archived.storemodule import attach as _attach

_info_dict, __getattr__, __dir__ = _attach(__name__, __file__, globals())
'''


def loader_source(module_name: str) -> str:
    """The text of the ``__init__.py`` of a new store named ``module_name``.  The text
    does not name the store (the module takes the name of its folder when imported), so
    a store renamed or moved with ``mv`` says nothing false about itself.

    >>> 'archived.storemodule' in loader_source('sweep')
    True
    """
    return _TEMPLATE


class EntryRecord:
    """One entry of an imported store: ``.info`` loads its info, ``.load()`` its value.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> entries.commit_entry(folder, 'a', [3], info='three')
    >>> rec = EntryRecord(folder, 'a')
    >>> rec.info, rec.load()
    ('three', [3])
    """

    def __init__(self, folder: str, name: str) -> None:
        self.folder = folder
        self.name = name

    @property
    def info(self) -> Any:
        """The entry's info record, read from disk (:class:`EntryDeletedError`, a
        ``KeyError``, if the entry was deleted since)."""
        try:
            return entries.read_info(self.folder, self.name)
        except KeyError:
            raise EntryDeletedError(self.name, self.folder) from None

    def load(self) -> Any:
        """The entry's value, read from disk (:class:`EntryDeletedError`, a ``KeyError``,
        if the entry was deleted since)."""
        try:
            return entries.read_value(self.folder, self.name)
        except KeyError:
            raise EntryDeletedError(self.name, self.folder) from None

    def __repr__(self) -> str:
        return f"<entry {self.name!r} of {self.folder!r}>"


class _InfoDict(Mapping[str, EntryRecord]):
    def __init__(self, folder: str) -> None:
        self._folder = folder

    def __getitem__(self, name: str) -> EntryRecord:
        if not isinstance(name, str) or not _is_entry(self._folder, name):
            raise KeyError(name)
        return EntryRecord(self._folder, name)

    def __iter__(self) -> Iterator[str]:
        return iter(entries.entry_names(self._folder))

    def __len__(self) -> int:
        return len(entries.entry_names(self._folder))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _is_entry(self._folder, name)

    def __repr__(self) -> str:
        return f"<entries of {self._folder!r}: {entries.entry_names(self._folder)!r}>"


def attach(
    module_name: str, init_file: str, namespace: dict[str, Any]
) -> tuple[Mapping[str, EntryRecord], Callable[[str], Any], Callable[[], list[str]]]:
    """Give a store module its ``_info_dict``, ``__getattr__`` and ``__dir__``.

    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> entries.commit_entry(folder, 'a', 1)
    >>> info_dict, getattr_, dir_ = attach('m', os.path.join(folder, '__init__.py'), {})
    >>> getattr_('a'), list(info_dict), 'a' in dir_()
    (1, ['a'], True)
    """
    folder = os.path.dirname(os.path.abspath(init_file))
    info_dict = _InfoDict(folder)

    def __getattr__(name: str) -> Any:
        if _is_entry(folder, name):
            try:
                return entries.read_value(folder, name)
            except KeyError:
                pass
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(entries.entry_names(folder)))

    return info_dict, __getattr__, __dir__


def _is_entry(folder: str, name: str) -> bool:
    return name.isidentifier() and not name.startswith("_") and entries.entry_exists(folder, name)
