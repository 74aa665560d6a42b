"""The content digest of an array kept in a data file, and its check on every load.

An entry names an array of a data file by file name and key alone, so a data file
swapped with another entry's (or renamed over it, or restored from the wrong backup)
would answer each call with another call's array.  So the writer takes the xxh3_128
digest of each array's bytes as it stores them (in the order the file holds them:
a Fortran array's transposed, a ``StringDType`` array's as fixed-width unicode), keeps
it in the file's own index beside the array's layout, and the source names it too::

    x = _load_array('x.5f3a1c-4211-9e0b77d2.h5', 'a0', digest='9c1e...')

A load given a digest returns the array only when it matches
(:class:`~archived.errors.DamagedArrayError` otherwise: the entry is damaged):

* read into memory, its bytes are hashed as read (xxh3 runs at memory speed, some
  10 GB/s: a few per cent of reading the file);
* memory-mapped, no byte is read until touched, and hashing them all would read the
  whole file at every hit: the digest the file's index holds for the array must be the
  one the source names.  A swapped or replaced data file fails this on every load;
  bytes changed inside a mapped array (bit rot) are found by ``archived verify``, which
  reads every array into memory.

A source without a digest (written before archived recorded them) loads as it always
did; :func:`counting_unchecked` counts such loads, for ``verify`` to say how many
arrays it could not check.

>>> import numpy as np
>>> digest_of(np.arange(3, dtype='<i8').view(np.uint8))
'f27cc2aa51e865317fb6f0c094f81c5d'
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import xxhash

__all__ = [
    "digest_of",
    "new_hasher",
    "check_read",
    "check_mapped",
    "is_digest",
    "counting_unchecked",
]

_DIGEST = re.compile(r"[0-9a-f]{32}")
_UNCHECKED: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "archived_unchecked_arrays", default=None
)


class DigestMismatch(ValueError):
    """An array's bytes (or its data file's record of them) are not those its entry names."""


def digest_of(raw: np.ndarray) -> str:
    """The xxh3_128 hex digest of the flat uint8 array ``raw`` (no copy is made).

    >>> digest_of(np.zeros(0, dtype=np.uint8))
    '99aa06d3014798d86001c324468d497f'
    """
    return xxhash.xxh3_128(raw.data.cast("B") if raw.size else b"").hexdigest()


def new_hasher() -> Any:
    """A fresh xxh3_128 hasher: fed the bytes piece by piece, its ``hexdigest()`` is
    :func:`digest_of` of them all.

    >>> h = new_hasher(); h.update(b''); h.hexdigest() == digest_of(np.zeros(0, np.uint8))
    True
    """
    return xxhash.xxh3_128()


def is_digest(value: Any) -> bool:
    """Whether ``value`` is a digest as the writer writes it: 32 lowercase hex digits.

    >>> is_digest('0' * 32), is_digest('0' * 33), is_digest(7)
    (True, False, False)
    """
    return type(value) is str and len(value) == 32 and _DIGEST.fullmatch(value) is not None


def check_read(
    raw: np.ndarray, expected: str | None, where: str, found: str | None = None
) -> None:
    """Raise :class:`DigestMismatch` unless the bytes ``raw`` read from the data file have
    the digest ``expected`` (``found``: their digest, taken as they were read); with
    None, only count the load as unchecked.

    >>> check_read(np.zeros(0, dtype=np.uint8), '0' * 32, "array 'a0'")
    Traceback (most recent call last):
        ...
    archived.engine.arraydigest.DigestMismatch: its bytes are not those its entry recorded ...
    """
    if expected is None:
        _count(where)
        return
    if found is None:
        found = digest_of(raw)
    if found != expected:
        raise DigestMismatch(
            f"its bytes are not those its entry recorded (digest {found}, "
            f"recorded {_shown(expected)}): the data file was replaced (by another entry's?) "
            "or changed on disk"
        )


def check_mapped(entry: dict[str, Any], expected: str | None, where: str) -> None:
    """Raise :class:`DigestMismatch` unless the data file's index gives the array the
    digest ``expected`` (a memory map reads no byte: see the module docstring).

    >>> check_mapped({'digest': '1' * 32}, '2' * 32, "array 'a0'")
    Traceback (most recent call last):
        ...
    archived.engine.arraydigest.DigestMismatch: its data file is not the one its entry wrote ...
    """
    if expected is None:
        _count(where)
        return
    found = entry.get("digest")
    if found != expected:
        held = "no digest" if found is None else f"digest {_shown(found)}"
        raise DigestMismatch(
            f"its data file is not the one its entry wrote (its index gives "
            f"{held}, the entry recorded {_shown(expected)}): it was replaced (by another "
            "entry's?)"
        )


@contextmanager
def counting_unchecked() -> Iterator[list[str]]:
    """Within it, every array loaded from a data file without a digest to check it
    against is appended (as ``"array 'a0' of 'x.h5'"``) to the list it gives.

    >>> with counting_unchecked() as unchecked:
    ...     check_read(np.zeros(0, dtype=np.uint8), None, "array 'a0' of 'x.h5'")
    >>> unchecked
    ["array 'a0' of 'x.h5'"]
    """
    found: list[str] = []
    token = _UNCHECKED.set(found)
    try:
        yield found
    finally:
        _UNCHECKED.reset(token)


def _count(where: str) -> None:
    found = _UNCHECKED.get()
    if found is not None:
        found.append(where)


def _shown(value: Any) -> str:
    """A digest read from a file or a source, as a message may quote it (any value)."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:36]}...'"
