"""The content digest of an array kept in a data file, and its check on every load.

An entry names an array of a data file by file name and key alone, so a data file
swapped with another entry's (or renamed over it, or restored from the wrong backup)
would answer each call with another call's array.  So the writer takes the xxh3_128
digest of each array's bytes as it stores them (in the order the file holds them:
a Fortran array's transposed, a ``StringDType`` array's as fixed-width unicode) and
keeps it in the file's own index beside the array's layout; the source names
:func:`named_digest` of it and of that layout (dtype, shape, order)::

    x = _load_array('x.5f3a1c-4211-9e0b77d2.h5', 'a0', digest='9c1e...')

The layout is in the digest the source names because the bytes do not tell it: the
results ``np.zeros((100, 200))`` and ``np.zeros((200, 100))`` (or ``np.zeros(5)`` and
``np.zeros(5, dtype=int)``) have the same bytes, and with their data files swapped each
call answered with the other's array.

A load given a digest returns the array only when it matches
(:class:`~archived.errors.DamagedArrayError` otherwise: the entry is damaged):

* read into memory, its bytes are hashed as read (xxh3 runs at memory speed, some
  10 GB/s: a few per cent of reading the file), with the layout it is read by;
* memory-mapped, no byte is read until touched, and hashing them all would read the
  whole file at every hit: the digest the file's index holds for the array's bytes,
  with the layout the map is made by, must give the one the source names.  A swapped or
  replaced data file fails this on every load; bytes changed inside a mapped array (bit
  rot) are found by ``archived verify``, which reads every array into memory.

A source naming the digest of the bytes alone (as archived wrote it before it named the
layout too) loads as it did: for such an entry a data file of the same bytes read another
way is not told from its own.  A source without a digest (written before archived
recorded them) loads as it always did; :func:`counting_unchecked` counts such loads, for
``verify`` to say how many arrays it could not check.

>>> import numpy as np
>>> digest_of(np.arange(3, dtype='<i8').view(np.uint8))
'f27cc2aa51e865317fb6f0c094f81c5d'
"""

from __future__ import annotations

import contextvars
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import xxhash

__all__ = [
    "digest_of",
    "named_digest",
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


def named_digest(layout: dict[str, Any], found: str) -> str:
    """The digest an entry names for an array whose bytes have the digest ``found``
    (:func:`digest_of`) and which is read by ``layout``, its data file's index entry
    (or HDF5 attribute): its ``dtype`` text, ``shape``, ``order`` and ``as``.

    Raises ValueError or TypeError for a layout no writer wrote (a shape of no integers).

    >>> layout = {'dtype': "'<f8'", 'shape': [2, 3], 'order': 'C'}
    >>> named_digest(layout, '0' * 32) == named_digest({**layout, 'shape': [3, 2]}, '0' * 32)
    False
    """
    kind = layout.get("as")
    text = json.dumps(
        [
            str(found),
            str(layout["dtype"]),
            [int(n) for n in layout["shape"]],
            str(layout["order"]),
            None if kind is None else str(kind),
        ],
        separators=(",", ":"),
    )
    return xxhash.xxh3_128_hexdigest(text.encode("utf-8", "surrogatepass"))


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
    raw: np.ndarray,
    layout: dict[str, Any],
    expected: str | None,
    where: str,
    found: str | None = None,
) -> None:
    """Raise :class:`DigestMismatch` unless the bytes ``raw`` read from the data file,
    read by ``layout``, have the digest ``expected`` (:func:`named_digest`; ``found``:
    the bytes' digest, taken as they were read); with None, only count the load as
    unchecked.

    >>> layout = {'dtype': "'<f8'", 'shape': [0], 'order': 'C'}
    >>> check_read(np.zeros(0, dtype=np.uint8), layout, '0' * 32, "array 'a0'")
    Traceback (most recent call last):
        ...
    archived.engine.arraydigest.DigestMismatch: its bytes are not those its entry recorded ...
    """
    if expected is None:
        _count(where)
        return
    if found is None:
        found = digest_of(raw)
    if not _names(expected, layout, found):
        raise DigestMismatch(
            f"its bytes are not those its entry recorded (digest {found}, read as "
            f"{_shown_layout(layout)}; the entry recorded {_shown(expected)}): the data file "
            "was replaced (by another entry's?) or changed on disk"
        )


def check_mapped(entry: dict[str, Any], expected: str | None, where: str) -> None:
    """Raise :class:`DigestMismatch` unless the data file's index entry ``entry`` gives
    the array's bytes a digest that, with the layout it maps them by, is ``expected`` (a
    memory map reads no byte: see the module docstring).

    >>> layout = {'dtype': "'<f8'", 'shape': [0], 'order': 'C'}
    >>> check_mapped({**layout, 'digest': '1' * 32}, '2' * 32, "array 'a0'")
    Traceback (most recent call last):
        ...
    archived.engine.arraydigest.DigestMismatch: its data file is not the one its entry wrote ...
    """
    if expected is None:
        _count(where)
        return
    found = entry.get("digest")
    if not isinstance(found, str) or not is_digest(found) or not _names(expected, entry, found):
        held = "no digest" if found is None else f"digest {_shown(found)}"
        raise DigestMismatch(
            f"its data file is not the one its entry wrote (its index gives {held}, read "
            f"as {_shown_layout(entry)}; the entry recorded {_shown(expected)}): it was "
            "replaced (by another entry's?)"
        )


def _names(expected: str, layout: dict[str, Any], found: str) -> bool:
    """Whether the digest ``expected`` an entry names is that of bytes of digest
    ``found`` read by ``layout``: :func:`named_digest`, or ``found`` itself, as archived
    named an array before it named the layout too.  Such an entry loads as it was
    written, with its gap: a data file of the same bytes read another way is not told
    from its own (a new entry's digest is never a bytes digest: it has no such gap)."""
    return expected == found or _named(layout, found) == expected


def _named(layout: dict[str, Any], found: str) -> str | None:
    """:func:`named_digest`, None for a layout no writer wrote."""
    try:
        return named_digest(layout, found)
    except (ValueError, TypeError, KeyError, OverflowError):
        return None


def _shown_layout(layout: dict[str, Any]) -> str:
    """The layout an array was read by, as a message may quote it."""
    parts = (layout.get(field) for field in ("dtype", "shape", "order"))
    text = " ".join(repr(part) for part in parts)
    return text if len(text) <= 80 else f"{text[:76]}..."


@contextmanager
def counting_unchecked() -> Iterator[list[str]]:
    """Within it, every array loaded from a data file without a digest to check it
    against is appended (as ``"array 'a0' of 'x.h5'"``) to the list it gives.

    >>> with counting_unchecked() as unchecked:
    ...     check_read(np.zeros(0, dtype=np.uint8), {}, None, "array 'a0' of 'x.h5'")
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
