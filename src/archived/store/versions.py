"""One version of an entry: what a reader pairs (a record and a result) read from one.

A view of a store (:class:`~archived.store.backend.EntryView`) sees each entry as one
version of its file; a native store's view serves what its read-side index keeps of that
version and reads the rest from the file only while it still holds that version
(:class:`~archived.errors.EntryChangedError` otherwise).  :func:`read_one_version`
reads an entry so, and reads a rewritten one again whole.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import DamagedEntryError, EntryChangedError

__all__ = ["read_one_version"]

T = TypeVar("T")
_RENEWALS = 5  # an entry rewritten this many times while it is read is reported damaged


def read_one_version(entry: Any, read: Callable[[Any], T]) -> tuple[bool, T | None]:
    """``(True, read(entry))``, everything ``read`` takes from the entry (its record, its
    value) of one version of it: of the version the view saw, or if that was rewritten
    since (:class:`~archived.errors.EntryChangedError`), read again whole from the
    version there now.  ``(False, None)`` if the entry was deleted;
    ``DamagedEntryError`` if it kept changing while it was read.

    >>> import tempfile
    >>> from archived.store.native import NativeStore
    >>> store = NativeStore.open(tempfile.mkdtemp() + "/s", writable=True)
    >>> store.commit("a", list(range(1000)), {"n": 1})  # a value the index does not keep
    >>> entry = store.entry("a")
    >>> store.commit("a", list(range(2000)), {"n": 2})
    >>> read_one_version(entry, lambda e: (e.info(), len(e.value())))
    (True, ({'n': 2}, 2000))
    """
    for _ in range(_RENEWALS):
        try:
            return True, read(entry)
        except EntryChangedError:
            renewed = entry.renewed()
            if renewed is None:
                return False, None
            entry = renewed
        except KeyError:  # deleted since it was seen
            return False, None
    raise DamagedEntryError(entry.name, "the entry kept changing while it was read")
