"""Whether a stored call's record still holds its own call: the key it records
recomputed from the function, version and parameters it records.

A person who edits the recorded parameters of an entry beside its old result leaves an
entry whose key is no longer its parameters': the read-side index derives it as edited
(no result of any call: :mod:`archived.store.indexrow`), as it derives a value edited by
hand (:mod:`archived.store.valuedigest`).  Keys are made by the cache layer
(:func:`archived.cache.keycheck.key_status`), which this layer cannot import: the
package's ``__init__`` (run before any of its modules) gives it here with
:func:`use`, and :func:`other_key` refuses to guess without it.

>>> other_key({"function": "m.f", "version": "v", "key": "0" * 32, "parameters": {"x": 1}})
True
>>> other_key({"mu": 1.5})
False
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["use", "other_key", "MISMATCH"]

#: What the key check says of a record whose key is certainly not its parameters'.
MISMATCH = "mismatch"

_check: list[Callable[[Any], str]] = []


def use(check: Callable[[Any], str]) -> None:
    """Check keys with ``check`` (a record -> ``'match'``, ``'mismatch'``, ``'unknown'``
    or ``'no call'``, as :func:`archived.cache.keycheck.key_status`).

    >>> from archived.cache.keycheck import key_status
    >>> use(key_status)
    """
    _check[:] = [check]


def other_key(info: Any) -> bool:
    """Whether the call record ``info`` certainly records the key of another call than
    its function, version and parameters make (False: it is its own, it is not known,
    or ``info`` is no call record).  ``RuntimeError`` if no check was given (:func:`use`):
    never an unchecked record taken for a result.

    >>> other_key([1])
    False
    """
    if not _check:
        raise RuntimeError("archived: no key check was given to the store layer")
    return _check[0](info) == MISMATCH
