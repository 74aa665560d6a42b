"""Whether a stored call's key is the key of the call its record names, recomputed from
the record alone: nothing imported, nothing of the store called.

A call's key is the digest of its function's identity, its code version and its
parameters (:mod:`archived.cache.hashing`), and its entry records all three beside the
key.  A person who edits the recorded parameters (or copies an entry file over
another's) leaves an entry whose key is no longer its parameters': every call with that
key warns that its entry records other parameters and computes without storing, while
``func.table()`` lists the edited parameters beside the old result.  :func:`key_status`
tells such an entry, for ``verify``.

The key is recomputed only where the record holds the very values it was made of:
``None``, ``bool``, ``int``, ``float`` and ``complex`` (of those exact types) are
recorded as they are.  Anything else may stand for another value: a text may be an
object's description (an array's ``'array([0, 1, 2])'``, a path, a method's
``'<m.C key=...>'``), bytes a bytearray's, and every NaN reads alike where keys tell
their bits apart; archived 0.1 also recorded numpy scalars as Python numbers (their
numpy types are tried).  Of such a record a matching key still says it is intact, and
a key that does not match says nothing: :data:`UNKNOWN`, never a guess.

>>> from archived.cache.hashing import hash_call
>>> info = {"function": "m.f", "version": "v1", "parameters": {"x": 1, "mu": 0.5}}
>>> info["key"] = hash_call("m.f", "v1", {"x": 1, "mu": 0.5})
>>> key_status(info)
'match'
>>> key_status({**info, "parameters": {"x": 2, "mu": 0.5}})
'mismatch'
>>> key_status({**info, "parameters": {"x": "2", "mu": 0.5}})  # a text may be a description
'unknown'
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .hashing import flat_key, key_of_parts, parameter_bytes

if TYPE_CHECKING:
    from ..load.budget import Limits
    from ..store.integrity import VerifyReport

__all__ = ["key_status", "verify", "repair", "MATCH", "MISMATCH", "UNKNOWN", "NO_CALL"]

MATCH = "match"  # the key is the recorded call's
MISMATCH = "mismatch"  # it is not: the record was edited, or copied over another's
UNKNOWN = "unknown"  # the record does not hold what the key was made of
NO_CALL = "no call"  # not the record of a call (a DataSet's own entry, a sweep's record)

# recorded as they are, so the key made of them is the key of the record
_HELD = (type(None), bool, int, float, complex)
# recorded as they are, or for something else (see the module docstring)
_MAYBE = (str, bytes)
_KEYED = frozenset((*_HELD, *_MAYBE))  # (sets made once: verify asks of every entry)
_MAYBE_KINDS = frozenset(_MAYBE)
_TEXT = frozenset((str,))
# archived 0.1's records of numpy scalars, tried at most this many at once
_LEGACY_TRIES = 1024  # (~30 ms of hashing: a crafted store of many such entries stays checkable)
_FLAT_MOST = 64  # parameters of a record whose key is first made at once (flat_key)
_LEGACY_BYTES = 1 << 24  # hashed by those tries at most (a few ms), whatever the record's size


def key_status(info: Any) -> str:
    """:data:`MATCH`, :data:`MISMATCH` or :data:`UNKNOWN` for the key of the call
    record ``info`` (as its entry's info section loads), :data:`NO_CALL` if ``info``
    records no call of a function or block.

    >>> key_status({"mu": 1.2})
    'no call'
    """
    if not _is_call_record(info):
        return NO_CALL
    function, version, key = info["function"], info["version"], info["key"]
    parameters = info["parameters"]
    if len(parameters) <= _FLAT_MOST and flat_key(function, version, parameters) == key:
        # the common call of a few scalars, its key made at once: the read-side index
        # checks every call it derives (key_status spelt out below took a tenth of a
        # first table's time)
        return MATCH
    kinds = set(map(type, parameters.values()))
    if not kinds <= _KEYED:
        return UNKNOWN  # containers, numpy scalars, descriptions: not the values keyed
    names = sorted(parameters)
    try:
        # hash_call's key, each parameter encoded apart and joined once: flat_key adds
        # up its bytes, which for the 100,000 parameters of a crafted record took 4 s
        parts = [parameter_bytes(name, parameters[name]) for name in names]
        if key_of_parts(function, version, parts) == key:
            return MATCH
    except Exception:  # names that are not text: no key archived makes
        return UNKNOWN
    if kinds & _MAYBE_KINDS or any(map(_is_nan, parameters.values())):
        return UNKNOWN
    legacy = _legacy_match(function, version, parameters, key, parts)
    if legacy is None:
        return UNKNOWN
    return MATCH if legacy else MISMATCH


def _is_call_record(info: Any) -> bool:
    if type(info) is not dict:
        return False
    status = info.get("status", "ok")
    if type(status) is not str or status not in ("ok", "failed"):  # (an array: no truth)
        return False
    get = info.get
    if type(get("function")) is not str or type(get("version")) is not str:
        return False
    parameters = get("parameters")
    return (
        type(get("key")) is str
        and type(parameters) is dict
        and set(map(type, parameters)) <= _TEXT  # (every name a text)
    )


def _is_nan(value: Any) -> bool:
    if type(value) is float:
        return math.isnan(value)
    if type(value) is complex:
        return math.isnan(value.real) or math.isnan(value.imag)
    return False


def _legacy_match(
    function: str, version: str, parameters: dict[str, Any], key: str, parts: list[bytes]
) -> bool | None:
    """Whether ``key`` is that of ``parameters`` with some of its numbers numpy scalars
    that give them back (archived 0.1 recorded ``np.float64(0.5)`` as ``0.5``); None
    when there are more than ``_LEGACY_TRIES`` such calls to try, or their keys would
    hash more than ``_LEGACY_BYTES`` (nothing is known).  ``parts``: each parameter's
    bytes in the key (:func:`~archived.cache.hashing.parameter_bytes`), sorted by name.

    The numbers' twins are found one parameter at a time until the tries run over:
    every number of a record has one, so a record of 100,000 numbers is given up after
    a dozen (finding them all took 20 s)."""
    names = sorted(parameters)
    choices: list[list[Any]] = []
    tries = 1
    for name in names:
        twins = _numpy_twins(parameters[name])
        tries *= 1 + len(twins)
        if tries > _LEGACY_TRIES:
            return None
        choices.append([parameters[name], *twins])
    if tries == 1:
        return False  # no number to read otherwise: the key made above is the only one
    # each choice encoded once: a record of 20,000 parameters beside five numbers (a
    # 470 kB entry) encoded them all again for each of its 864 calls, 9 s per entry
    if tries * sum(map(len, parts)) > _LEGACY_BYTES:
        return None
    options = [
        [part, *(parameter_bytes(name, twin) for twin in values[1:])]
        for name, part, values in zip(names, parts, choices, strict=True)
    ]
    for chosen in itertools.product(*options):
        if key_of_parts(function, version, chosen) == key:
            return True
    return False


def _numpy_twins(value: Any) -> list[Any]:
    """The numpy scalars whose ``item()`` is ``value`` exactly (its type and value).

    >>> _numpy_twins(0.5), _numpy_twins(None), _numpy_twins(2**70)
    ([np.float64(0.5), np.float32(0.5), np.float16(0.5)], [], [])
    """
    import numpy as np

    kind = type(value)
    kinds: tuple[Any, ...] = ()
    if kind is bool:
        kinds = (np.bool_,)
    elif kind is int and _INT_LOW <= value < _UINT_HIGH:  # (no numpy int holds the others:
        # each of the eight raised OverflowError, for every number of a crafted record)
        kinds = (np.int64, np.int32, np.int16, np.int8, np.uint64, np.uint32, np.uint16, np.uint8)
    elif kind is float:
        kinds = (np.float64, np.float32, np.float16)
    elif kind is complex:
        kinds = (np.complex128, np.complex64)
    twins = []
    for numpy_kind in kinds:
        try:
            with np.errstate(all="ignore"):
                twin = numpy_kind(value)
        except (OverflowError, ValueError):
            continue
        item = twin.item()
        if (
            type(item) is kind
            and item == value
            and math.copysign(1, _real(item)) == (math.copysign(1, _real(value)))
        ):
            twins.append(twin)
    return twins


_INT_LOW, _UINT_HIGH = -(2**63), 2**64  # the range numpy's integers hold


def _real(value: Any) -> float:
    return float(value.real) if type(value) is complex else float(value)


def verify(
    path: str | os.PathLike[str],
    *,
    safe: bool = False,
    allow: Iterable[str] = (),
    limits: Limits | None = None,
) -> VerifyReport:
    """Read every entry of the store at ``path`` and report what is wrong; change
    nothing (:func:`archived.store.integrity.verify`), each call's key recomputed from
    its record (:func:`key_status`): a call whose record another call's key holds is a
    problem, named with the step to take.

    >>> import os, tempfile
    >>> from archived.store.dataset import DataSet
    >>> ds = DataSet('s', 'w', path=tempfile.mkdtemp())
    >>> ds.x = 1
    >>> verify(ds._path).ok
    True
    """
    from ..store.integrity import verify as verify_store

    return verify_store(path, safe=safe, allow=allow, limits=limits, rekey=key_status)


def repair(
    path: str | os.PathLike[str],
    *,
    timeout: float = 60,
    safe: bool = False,
    allow: Iterable[str] = (),
) -> VerifyReport:
    """Remove leftovers of crashed writers and orphaned data files; never an entry
    (:func:`archived.store.integrity.repair`); its report's :func:`verify` recomputes
    each call's key.

    >>> import os, tempfile
    >>> from archived.store.dataset import DataSet
    >>> ds = DataSet('s', 'w', path=tempfile.mkdtemp())
    >>> ds.x = 1
    >>> repair(ds._path).ok
    True
    """
    from ..store.integrity import repair as repair_store

    return repair_store(path, timeout=timeout, safe=safe, allow=allow, rekey=key_status)
