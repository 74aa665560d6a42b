"""``archived.storemodule``: a module path written into every store's ``__init__.py``.

A store's loader runs ``from archived.storemodule import attach``; the code lives in
:mod:`archived.store.module`, and this module only re-exports it, so stores written by
any release keep importing.

>>> from archived.storemodule import attach
>>> attach.__module__
'archived.store.module'
"""

from .store.module import EntryRecord, attach, loader_source

__all__ = ["EntryRecord", "attach", "loader_source"]
