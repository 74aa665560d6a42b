"""The call protocol: the one place that decides hit, miss, compute, damaged and failed.

``@archived`` functions, ``with archived(...)`` blocks and sweeps all go through here, so a
call is handled the same way whichever spelling made it:

1. :func:`key_call` gives the call's :class:`CallKey`: its full key and its parameters as
   recorded in the entry's info (the one place both are computed).
2. :func:`begin` looks the key up.  A *hit* loads the stored result at once, so "cached"
   always means "here is the result".  Otherwise the entry's compute-once lock is taken
   and the key looked up again (another worker may have stored it meanwhile).  An entry
   that is there but cannot be read back is *damaged*: it is never overwritten, but moved
   to the store's ``.damaged/`` folder (:mod:`archived.store.damaged`), reported once
   with a :class:`~archived.errors.DamagedEntryWarning` saying where, and the call
   computes its result again.  A key whose entry names are all taken by other calls (a
   128-bit collision) is computed and never stored.
3. The caller computes, then calls :meth:`Attempt.succeed` (commit the result) or
   :meth:`Attempt.fail` (record the failure; an exception is never stored as a result).
   :meth:`Attempt.release` frees the lock when neither applies (a ``KeyboardInterrupt``).
   A result that cannot be stored (disk full, no permission, a lock that cannot be
   taken) is still returned, with a :class:`~archived.errors.ResultNotStoredWarning`
   naming the resource: a computed result is never thrown away.

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

import errno
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .._usercode import warn_user
from ..errors import (
    AfterCommitError,
    ArchiveError,
    CommitError,
    DamagedEntryError,
    DamagedEntryWarning,
    LockTimeout,
    MissingImportError,
    ResultNotStoredWarning,
    StoreReadError,
    UnarchivableError,
    UnsafeFileError,
)
from ..store.failures import explained
from .callstore import CallStore, Found, call_info
from .funcinfo import short_name
from .hashing import flat_key, hash_call
from .nearmiss import warn_near_misses
from .notstored import keep
from .recorded import readable, recorded_before

__all__ = [
    "CallKey",
    "key_call",
    "Attempt",
    "begin",
    "cached_call",
    "is_stored",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)  # (slots: made on every call, twice as fast)
class CallKey:
    """Who is called with what: the function (or block) identity, its code version, the
    prefix of its entry names, the call's full key and its parameters as recorded
    (``arguments`` are the bound values themselves, ``array_keys`` the content keys of
    the arrays among them).

    >>> key_call("m.f", "v", "f", {"x": 1}).parameters
    {'x': 1}
    """

    identity: str
    version: str
    prefix: str
    key: str
    parameters: dict[str, Any]
    arguments: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    array_keys: dict[int, str] = field(default_factory=dict, compare=False, repr=False)

    def recorded_before(self) -> dict[str, Any]:
        """The parameters as archived recorded them before small float arrays were
        recorded exactly (:func:`~archived.cache.recorded.recorded_before`): what an
        entry of this call written then holds.

        >>> import numpy as np
        >>> key_call("m.f", "v", "f", {"a": np.array([1 / 3])}).recorded_before()
        {'a': 'array([0.33333333])'}
        """
        if not self.arguments:  # (a key made without the arguments themselves)
            return self.parameters
        return recorded_before(dict(self.arguments), array_keys=self.array_keys)  # type: ignore[no-any-return]


def key_call(identity: str, version: str, prefix: str, parameters: Mapping[str, Any]) -> CallKey:
    """The :class:`CallKey` of one call: ``parameters`` are the bound arguments.

    Big arrays are hashed once: the readable parameters reuse the keys computed for the
    call's key.

    >>> a = key_call("m.f", "v", "f", {"x": 1, "y": 2})
    >>> a.key == key_call("m.f", "v", "f", {"y": 2, "x": 1}).key, len(a.key)
    (True, 32)
    """
    key = flat_key(identity, version, parameters)
    if key is not None:  # scalars only (most calls): recorded as they are, no array to name
        return CallKey(identity, version, prefix, key, dict(parameters), parameters, {})
    array_keys: dict[int, str] = {}
    key = hash_call(identity, version, parameters, array_keys=array_keys)
    shown = readable(parameters, array_keys=array_keys)
    return CallKey(identity, version, prefix, key, shown, parameters, array_keys)


def is_stored(store: CallStore, call: CallKey) -> bool:
    """Whether ``call``'s result is stored, as calling would load it (its info is read,
    its value is not loaded; nothing on disk is changed): a damaged entry holds none
    (:meth:`~archived.cache.callstore.CallStore.holds`).

    >>> import tempfile, os
    >>> store = CallStore(os.path.join(tempfile.mkdtemp(), "runs"))
    >>> is_stored(store, key_call("m.f", "v", "f", {"x": 1}))
    False
    """
    return store.holds(call.prefix, call.key, call.parameters, call.recorded_before)


def cached_call(
    store: CallStore,
    call: CallKey,
    compute: Callable[[], T],
    *,
    looked_up: bool = False,
    near_misses: bool = True,
    missing: Found | None = None,
) -> T:
    """The stored result of ``call``, or ``compute()``'s, committed to ``store``.

    ``looked_up`` and ``near_misses`` are what a sweep's driver knows: see :func:`begin`;
    ``missing``: the lookup that just found no entry at the key's first name
    (:meth:`~archived.cache.callstore.CallStore.plain_hit`), not looked up again.

    >>> import tempfile, os
    >>> store = CallStore(os.path.join(tempfile.mkdtemp(), "runs"))
    >>> call = key_call("m.f", "v", "f", {"x": 1})
    >>> cached_call(store, call, lambda: [1]), cached_call(store, call, lambda: [2])
    ([1], [1])
    """
    if looked_up:
        attempt = begin(store, call, looked_up=True, near_misses=near_misses)
    elif missing is not None:
        attempt = _after_miss(store, call, missing, near_misses)
    else:
        value, found = _look_up(store, call)
        if value is not _MISSING:  # a hit: its value, and no Attempt made for it
            return value  # type: ignore[no-any-return]
        attempt = _after_miss(store, call, found, near_misses)
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


def begin(
    store: CallStore, call: CallKey, *, looked_up: bool = False, near_misses: bool = True
) -> Attempt:
    """Start ``call``: return a hit (result loaded) or an attempt that holds the key's lock.

    ``looked_up=True`` says the caller has just found the call missing (a sweep's driver
    looks up every point at once): the key's lock is taken without looking it up first,
    since it is looked up again under the lock anyway.  ``near_misses=False`` says no
    stored call can differ from this one only in a number's type, so none is probed for
    (:func:`~archived.cache.nearmiss.warn_near_misses`).

    >>> import tempfile, os
    >>> store = CallStore(os.path.join(tempfile.mkdtemp(), "runs"))
    >>> attempt = begin(store, key_call("m.f", "v", "f", {"x": 1}))
    >>> attempt.cached, attempt.entry
    (False, 'f_...')
    >>> attempt.succeed("one")
    'one'
    """
    if looked_up:  # the key's first name; a collision is found under the lock
        found = Found(store.first_name(call.prefix, call.key), False)
    else:
        value, found = _look_up(store, call)
        if value is not _MISSING:
            return Attempt(store, call, found.name, cached=True, value=value)
    return _after_miss(store, call, found, near_misses)


def _look_up(store: CallStore, call: CallKey) -> tuple[Any, Found]:
    """``(value, found)``: the stored result of ``call`` and where it was found (a hit),
    or ``_MISSING`` and the lookup :func:`_after_miss` goes on from."""
    try:
        found = store.find(call.prefix, call.key, call.parameters, call.recorded_before)
    except DamagedEntryError as err:  # its info cannot be read: decided under the lock
        return _MISSING, Found(err.name, False)
    if found.hit:
        value = _load(store, found)
        if value is not _MISSING and not isinstance(value, DamagedEntryError):
            return value, found
    return _MISSING, found


def _after_miss(store: CallStore, call: CallKey, found: Found, near_misses: bool) -> Attempt:
    """:func:`begin` once the call was not found as a hit: take the key's lock and look
    it up again under it (another worker may have stored it meanwhile)."""
    name = found.name
    if name is None:  # a key collision: compute, never mix up results
        return Attempt(store, call, None)
    lock, failure = _acquire(store, name)
    if lock is None:
        return Attempt(store, call, None, not_stored=failure)
    try:
        while True:  # a damaged entry is set aside, then its name is looked up again
            # the entry file before it is read: the version to set aside if it is damaged
            # (a writer that lost the key meanwhile may have put a good one in its place)
            seen = store.entry_identity(name)
            try:
                found = store.find(call.prefix, call.key, call.parameters, call.recorded_before)
                damaged = None
                if found.hit:  # stored by another worker while this one waited?
                    value = _load(store, found)
                    if isinstance(value, DamagedEntryError):
                        damaged = value
                    elif value is not _MISSING:
                        lock.release()
                        return Attempt(store, call, found.name, cached=True, value=value)
            except DamagedEntryError as err:
                damaged = err
            if damaged is None or damaged.name != name:
                # (damaged at the key's other name: it is set aside under that name's own
                # lock, as the version found then, once the call starts again below)
                break
            moved, kept_in_place = _set_aside(store, damaged, seen)
            if not moved:
                lock.release()
                return Attempt(store, call, None, not_stored=kept_in_place)
        again = damaged is not None or found.name != name  # its entry name changed meanwhile
        if not again and near_misses:
            warn_near_misses(store, call)
    except BaseException:
        lock.release()
        raise
    if not again:
        return Attempt(store, call, name, lock=lock)
    lock.release()
    if damaged is None and found.name is None:  # a key collision: computed, not stored
        return Attempt(store, call, None)
    return begin(store, call, near_misses=near_misses)


def _acquire(store: CallStore, name: str) -> tuple[Any, CommitError | None]:
    """The compute-once lock of entry ``name``, acquired; or None and why it cannot be
    (a lock that cannot even be created: the call is computed, its result not stored).
    A lock another worker holds past ``lock_timeout`` raises ``LockTimeout``."""
    try:
        lock = store.key_lock(name)
        lock.acquire()
    except LockTimeout:
        raise
    except OSError as err:
        try:
            lock_files = (os.path.join(store.path, ".keys"), getattr(err, "filename", None))
            with explained(store.path, name, [f for f in lock_files if f]):
                raise
        except CommitError as failure:
            return None, failure
    return lock, None


def _set_aside(
    store: CallStore, damaged: DamagedEntryError, seen: tuple[int, int, int, int] | None
) -> tuple[bool, ArchiveError | None]:
    """Keep a damaged entry aside (never overwrite it) and say so; ``(False, why)`` if it
    could not be moved: then the call's result must not be stored over it.  Only the
    entry file ``seen`` (its identity before it was read; None: whichever is there) is
    moved: another is a version written since, looked up again."""
    name = damaged.name
    try:
        kept = store.set_aside(name, seen)
    except (CommitError, UnsafeFileError) as err:
        # (UnsafeFileError: the store's .damaged is no folder of its own, a file or a link
        # someone put there; the call raised it before computing, and returned nothing)
        advice = (
            f"; move {err.name!r} out of the store, so that damaged entries can be kept "
            "aside in a folder of that name"
            if isinstance(err, UnsafeFileError)
            else ""
        )
        warn_user(
            DamagedEntryWarning(
                f"{damaged}; it could not be moved aside ({err}), so it stays in place and "
                f"the result computed now is not stored over it{advice}",
                name,
                None,
            ),
        )
        return False, err
    if kept is not None:
        if isinstance(damaged, MissingImportError):  # intact: keeping the others matters
            message = damaged.moved_advice(kept)
        else:
            message = (
                f"{damaged}; it was moved to {kept} (kept for you: delete it when you no "
                "longer need it) and its result is computed again"
            )
        warn_user(
            DamagedEntryWarning(
                message,
                name,
                kept,
            ),
        )
    return True, None


def _load(store: CallStore, found: Found) -> Any:
    """The value of the entry ``found`` (the version whose key matched); the error if it
    is damaged, ``_MISSING`` if it is gone."""
    try:
        return store.load(found.name, found)  # type: ignore[arg-type]
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

    __slots__ = (
        "store",
        "call",
        "entry",
        "cached",
        "value",
        "_lock",
        "_not_stored",
        "_started",
        "_start",
    )

    def __init__(
        self,
        store: CallStore,
        call: CallKey,
        entry: str | None,
        *,
        cached: bool = False,
        value: Any = None,
        lock: Any = None,
        not_stored: ArchiveError | None = None,
    ) -> None:
        self.store = store
        self.call = call
        self.entry = entry
        self.cached = cached
        self.value = value
        self._lock = lock
        self._not_stored = not_stored
        self._started = time.time() if lock is not None else 0.0  # a hit needs no clock
        self._start = time.perf_counter() if lock is not None else 0.0

    def succeed(self, result: T) -> T:
        """Commit ``result`` as the call's entry (unless it cannot be stored); return it.

        A result that cannot be stored (a full disk, a store this user may not write, a
        lock that cannot be taken, a value that cannot be archived) is returned all the
        same, with a :class:`~archived.errors.ResultNotStoredWarning` saying what failed:
        a computed result is never thrown away.  When the value is at fault, the store
        keeps a failure record saying that the result was computed but cannot be
        stored; the next call is a miss and computes it again.
        """
        failure: BaseException | None = self._not_stored
        self._not_stored = None
        if self._lock is not None:
            try:
                self.store.commit(self.entry, result, self._info())  # type: ignore[arg-type]
            except Exception as err:
                failure = err
                # the value is at fault (it cannot be archived, or its own archive_1 or
                # __reduce__ raised), not the store: say so in the store, where a status
                # or ls shows it; a store that cannot be written takes no record either
                if isinstance(err, UnarchivableError) or not isinstance(err, ArchiveError):
                    self.store.record_failure(
                        self.entry,  # type: ignore[arg-type]
                        self._info(),
                        err,
                        computed=True,
                    )
            finally:
                self.release()
        if failure is not None:
            _warn_not_stored(self.call, failure)
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


def _warn_not_stored(call: CallKey, failure: BaseException) -> None:
    from .._format import format_params

    if isinstance(failure, AfterCommitError):  # stored: never "computed again"
        _warn_stored_but(call, failure)
        return
    if isinstance(failure, CommitError):
        quota = failure.resource == "disk" and failure.errno == getattr(errno, "EDQUOT", None)
        what = {
            "disk": "your disk quota is full" if quota else "the disk is full",
            "permission": "no permission to write the store",
            "lock": "its lock cannot be taken",
        }.get(failure.resource, "the write failed")
    elif isinstance(failure, UnsafeFileError):  # (the damaged entry in its place stays)
        what = "the damaged entry in its place could not be moved aside"
    elif isinstance(failure, StoreReadError):  # (never written over unseen)
        what = "the entry in its place could not be read"
    else:
        what = f"it cannot be stored: {type(failure).__name__}"
    params = format_params(call.parameters, width=80)
    if call.identity.startswith("block:"):  # a with block: no call, no name of its own
        block = call.identity.removeprefix("block:").partition("#")[0]
        who = f"the block {block} with {params}" if params else f"the block {block}"
        then = "rec.result holds it, and the block computes it again when run next"
    else:
        who = f"{short_name(call.identity)}({params})"
        then = "the result is returned, and the next call computes it again"
    message = f"{who} was computed but not stored ({what}): {then}. {failure}"
    if keep(call, what, who, message, failure):  # a sweep's point: its driver reports it
        return
    warn_user(ResultNotStoredWarning(message, failure))


def _warn_stored_but(call: CallKey, failure: AfterCommitError) -> None:
    """Say that ``call``'s result is stored, and what failed after it was."""
    from .._format import format_params

    params = format_params(call.parameters, width=80)
    if call.identity.startswith("block:"):
        block = call.identity.removeprefix("block:").partition("#")[0]
        who = f"the block {block} with {params}" if params else f"the block {block}"
    else:
        who = f"{short_name(call.identity)}({params})"
    step = {"sync": "its folder's sync failed", "close": "its file's close failed"}.get(
        failure.step, "a cleanup failed"
    )
    what = f"stored, but {step} afterwards"
    message = f"{who} was computed and {what}: the result is returned. {failure}"
    if keep(call, what, who, message, failure):  # a sweep's point: its driver reports it
        return
    warn_user(ResultNotStoredWarning(message, failure))
