"""Keys crafted to share one hash value: a set or dict of them takes time growing with
the square of their number to build.

Python hashes an int by its value modulo 2**61 - 1 (a float, a Fraction, a Decimal
alike), so ``{k * (2**61 - 1) for k in range(40_000)}`` -- a 1 MB entry file -- puts
every element in one chain, and its safe load took 14 s (a 4 MB one, minutes) while
every budget held.  Every set and dict a safe load builds from a store (displays, the
constructors it calls, the literal fast path, the index's values) is checked here
first: at most :data:`MAX_SAME_HASH` distinct keys may share a hash value, which no
data a program makes comes near (``-1`` and ``-2`` share one; a str's is random).

>>> crowded_hash([k * (2**61 - 1) for k in range(1, 100)])
99
>>> crowded_hash(list(range(1000))) is None
True
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

__all__ = ["MAX_SAME_HASH", "crowded_hash", "hash_refusal"]

#: distinct keys of one hash value a set or dict from a store may hold
MAX_SAME_HASH = 32


def crowded_hash(keys: Sequence[Any]) -> int | None:
    """How many of ``keys`` share a hash value that more than :data:`MAX_SAME_HASH`
    distinct ones share; else None (also for an unhashable key: building the set
    or dict then raises as it always did).  Linear in ``len(keys)``: equal keys (one
    key written twice) are told apart from colliding ones by comparing a key only with
    the distinct keys of its hash found so far, of which there are at most 33.
    """
    if len(keys) <= MAX_SAME_HASH:
        return None
    try:
        hashes = list(map(hash, keys))
    except TypeError:
        return None
    if len(hashes) - len(set(hashes)) < MAX_SAME_HASH:
        return None  # (a hash of n keys takes n - 1 of the hashes' repeats)
    crowded = {h for h, n in Counter(hashes).items() if n > MAX_SAME_HASH}
    if not crowded:
        return None
    distinct: dict[int, list[Any]] = {}
    for h, key in zip(hashes, keys, strict=True):
        if h not in crowded:
            continue
        found = distinct.setdefault(h, [])
        if not any(key is other or key == other for other in found):
            found.append(key)
            if len(found) > MAX_SAME_HASH:
                # (said in the refusal: the keys of that hash, equal ones included)
                return hashes.count(h)
    return None


def hash_refusal(what: str, count: int) -> str:
    """The words refusing a set or dict of ``count`` keys sharing one hash value.

    >>> hash_refusal("a set display", 99)
    'a set display of 99 keys sharing one hash value (more than 32: crafted to take time ...)'
    """
    return (
        f"{what} of {count} keys sharing one hash value (more than {MAX_SAME_HASH}: "
        "crafted to take time growing with the square of their number to build)"
    )
