"""The call protocol: the one place that decides hit, miss, compute, damaged and failed.

``@archived`` functions, ``with archived(...)`` blocks and sweeps all go through here, so a
call is handled the same way whichever spelling made it:

1. :func:`key_call` gives the call's :class:`CallKey`: its full key and its parameters as
   recorded in the entry's info (the one place both are computed).
2. :func:`begin` looks the key up.  A *hit* loads the stored result at once, so "cached"
   always means "here is the result".  Otherwise the entry's compute-once lock is taken
   and the key looked up again (another worker may have stored it meanwhile).  An entry
   that is there but cannot be read back is *damaged*: it is reported once, with a
   ``RuntimeWarning``, and the call computes its result again.  A key whose entry names
   are all taken by other calls (a 128-bit collision) is computed and never stored.
3. The caller computes, then calls :meth:`Attempt.succeed` (commit the result) or
   :meth:`Attempt.fail` (record the failure; an exception is never stored as a result).
   :meth:`Attempt.release` frees the lock when neither applies (a ``KeyboardInterrupt``).

:func:`cached_call` runs the whole cycle for a function; a block runs steps 2 and 3 around
its own body.

>>> import tempfile, os
>>> from archived.cache.callstore import CallStore
>>> store = CallStore(os.path.join(tempfile.mkdtemp(), "runs"))
>>> call = key_call("m.double", "v1", "double", {"x": 21})
>>> cached_call(store, call, lambda: 2 * 21)
42
>>> attempt = begin(store, call)
>>> attempt.cached, attempt.value
(True, 42)
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from ..errors import DamagedEntryError
from .callstore import CallStore, call_info
from .hashing import hash_call
from .recorded import readable

__all__ = ["CallKey", "key_call", "Attempt", "begin", "cached_call", "is_stored"]

T = TypeVar("T")


@dataclass(frozen=True)
class CallKey:
    """Who is called with what: the function (or block) identity, its code version, the
    prefix of its entry names, the call's full key and its parameters as recorded.

    >>> key_call("m.f", "v", "f", {"x": 1}).parameters
    {'x': 1}
    """

    identity: str
    version: str
    prefix: str
    key: str
    parameters: dict[str, Any]


def key_call(identity: str, version: str, prefix: str, parameters: Mapping[str, Any]) -> CallKey:
    """The :class:`CallKey` of one call: ``parameters`` are the bound arguments.

    Big arrays are hashed once: the readable parameters reuse the keys computed for the
    call's key.

    >>> a = key_call("m.f", "v", "f", {"x": 1, "y": 2})
    >>> a.key == key_call("m.f", "v", "f", {"y": 2, "x": 1}).key, len(a.key)
    (True, 32)
    """
    array_keys: dict[int, str] = {}
    key = hash_call(identity, version, parameters, array_keys=array_keys)
    return CallKey(identity, version, prefix, key, readable(parameters, array_keys=array_keys))


def is_stored(store: CallStore, call: CallKey) -> bool:
    """Whether ``call``'s result is stored (its info is read, its value is not loaded).

    >>> import tempfile, os
    >>> store = CallStore(os.path.join(tempfile.mkdtemp(), "runs"))
    >>> is_stored(store, key_call("m.f", "v", "f", {"x": 1}))
    False
    """
    return store.find(call.prefix, call.key, call.parameters).hit


def cached_call(store: CallStore, call: CallKey, compute: Callable[[], T]) -> T:
    """The stored result of ``call``, or ``compute()``'s, committed to ``store``.

    >>> import tempfile, os
    >>> store = CallStore(os.path.join(tempfile.mkdtemp(), "runs"))
    >>> call = key_call("m.f", "v", "f", {"x": 1})
    >>> cached_call(store, call, lambda: [1]), cached_call(store, call, lambda: [2])
    ([1], [1])
    """
    attempt = begin(store, call)
    if attempt.cached:
        return attempt.value  # type: ignore[no-any-return]
    try:
        result = compute()
    except Exception as err:
        attempt.fail(err)
        raise
    except BaseException:
        attempt.release()
        raise
    return attempt.succeed(result)


_MISSING = object()


def begin(store: CallStore, call: CallKey) -> Attempt:
    """Start ``call``: return a hit (result loaded) or an attempt that holds the key's lock.

    >>> import tempfile, os
    >>> store = CallStore(os.path.join(tempfile.mkdtemp(), "runs"))
    >>> attempt = begin(store, key_call("m.f", "v", "f", {"x": 1}))
    >>> attempt.cached, attempt.entry
    (False, 'f_...')
    >>> attempt.succeed("one")
    'one'
    """
    found = store.find(call.prefix, call.key, call.parameters)
    if found.hit:
        value = _load(store, found.name)  # type: ignore[arg-type]
        if not isinstance(value, DamagedEntryError) and value is not _MISSING:
            return Attempt(store, call, found.name, cached=True, value=value)
    if found.name is None:  # a key collision: compute, never mix up results
        return Attempt(store, call, None)
    lock = store.key_lock(found.name)
    lock.acquire()
    try:
        found = store.find(call.prefix, call.key, call.parameters)
        if found.hit:  # stored by another worker while this one waited, or damaged
            value = _load(store, found.name)  # type: ignore[arg-type]
            if isinstance(value, DamagedEntryError):
                warnings.warn(f"{value}; computing it again", RuntimeWarning, stacklevel=3)
            elif value is not _MISSING:
                lock.release()
                return Attempt(store, call, found.name, cached=True, value=value)
        if found.name is None:
            lock.release()
            return Attempt(store, call, None)
    except BaseException:
        lock.release()
        raise
    return Attempt(store, call, found.name, lock=lock)


def _load(store: CallStore, name: str) -> Any:
    """The value of entry ``name``; the error if it is damaged, ``_MISSING`` if it is gone."""
    try:
        return store.load(name)
    except AttributeError:  # deleted since it was found
        return _MISSING
    except DamagedEntryError as err:
        return err


class Attempt:
    """One call in progress, made by :func:`begin`.

    Attributes:
        cached: whether the result was stored; then ``value`` holds it.
        entry: the entry that holds (or will hold) the result; ``None`` when the call
            cannot be stored (a key collision).

    A computing attempt holds the entry's compute-once lock until the first of
    :meth:`succeed`, :meth:`fail` or :meth:`release`; only that first one counts.
    """

    __slots__ = ("store", "call", "entry", "cached", "value", "_lock", "_started", "_start")

    def __init__(
        self,
        store: CallStore,
        call: CallKey,
        entry: str | None,
        *,
        cached: bool = False,
        value: Any = None,
        lock: Any = None,
    ) -> None:
        self.store = store
        self.call = call
        self.entry = entry
        self.cached = cached
        self.value = value
        self._lock = lock
        self._started = time.time() if lock is not None else 0.0  # a hit needs no clock
        self._start = time.perf_counter() if lock is not None else 0.0

    def succeed(self, result: T) -> T:
        """Commit ``result`` as the call's entry (unless it cannot be stored); return it."""
        if self._lock is None:  # a hit, a call that cannot be stored, or already ended
            return result
        try:
            self.store.commit(self.entry, result, self._info())  # type: ignore[arg-type]
        finally:
            self.release()
        return result

    def fail(self, error: BaseException) -> None:
        """Record that the call raised ``error`` (never as a result: there is none)."""
        if self._lock is None:
            return
        try:
            if isinstance(error, Exception):
                self.store.record_failure(self.entry, self._info(), error)  # type: ignore[arg-type]
        finally:
            self.release()

    def release(self) -> None:
        """Free the compute-once lock, if this attempt holds it."""
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release()

    def _info(self) -> dict[str, Any]:
        call = self.call
        duration = time.perf_counter() - self._start
        return call_info(
            call.identity, call.version, call.key, call.parameters, self._started, duration
        )

    def __repr__(self) -> str:
        state = "hit" if self.cached else "computing" if self.entry else "unstored"
        return f"<call of {self.call.identity} ({state}) in {self.store.path!r}>"
