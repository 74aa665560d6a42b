"""Telling a user that a call missed only because of the type of a number.

``np.float64(1.0)``, ``1.0``, ``1`` and ``True`` are four calls (see
:mod:`archived.cache.hashing`: they can compute different results), and a sweep over
``np.linspace`` followed by the same values typed as floats computes everything twice.
When a call misses, :func:`warn_near_misses` looks for stored calls whose scalar
parameters have the same values as other numeric types, and warns with a
:class:`~archived.errors.NumericTypeWarning` naming both calls, once per function,
parameter and type in a store and process.  It probes the few entry names those calls
would have (a stat each), never lists the store.

>>> import numpy as np
>>> [type(v).__name__ for v in equal_numbers(np.float64(2.0))]
['int', 'float', 'int64', 'float32']
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .._usercode import warn_user
from ..errors import NumericTypeWarning
from .hashing import hash_call, variant_keys
from .recorded import readable

if TYPE_CHECKING:
    from .calls import CallKey
    from .callstore import CallStore

__all__ = ["warn_near_misses", "near_misses_possible", "equal_numbers", "collected", "show"]

_MAX_PROBES = 32
# calls differing from a miss in the types of several numbers, probed after the calls
# differing in one (each such probe keys the whole call again: 15 us a parameter)
_MAX_SEVERAL = 8
# (store, function, parameter, type) already warned about in this process: a sweep of
# 1,000 points typed the other way gets one warning, not 1,000 (and no more probes)
_WARNED: set[tuple[str, str, str, type]] = set()
# the same, of the warnings this process has shown: a sweep's workers, each a process
# of its own, send theirs to the driver (collected()), which shows each one once
_SHOWN: set[tuple[str, str, str, type]] = set()
_COLLECTING = threading.local()

#: A warning a sweep's worker sends to the driver: what it is about, its text, its entry.
Told = tuple[frozenset[tuple[str, str, str, type]], str, str | None]


def equal_numbers(value: Any) -> list[Any]:
    """Numbers of the other common types equal to ``value``: Python's ``bool``, ``int``
    and ``float`` and numpy's ``bool_``, ``int64``, ``float64`` (what ``np.arange``,
    ``np.linspace`` and indexing an array give) and ``float32``; empty if ``value`` is
    not a real number.

    >>> import numpy as np
    >>> equal_numbers(1)
    [True, 1.0, np.True_, np.int64(1), np.float64(1.0), np.float32(1.0)]
    >>> equal_numbers(np.float32(0.5))
    [0.5, np.float64(0.5)]
    >>> equal_numbers(0.1)  # np.float32(0.1) is another number
    [np.float64(0.1)]
    """
    import numpy as np

    kind = type(value)
    if kind not in _REAL and not (
        isinstance(value, np.generic) and value.dtype.kind in "biuf" and value.itemsize <= 8
    ):
        return []  # (a long double has no exact Python float to compare with)
    exact = _exact(value)
    try:
        number = float(value)
    except (OverflowError, ValueError):
        return []
    if number != number:
        return []
    # an integral value as an exact int (a float loses digits of an int beyond 2**53)
    whole = exact if isinstance(exact, int) else int(number) if number.is_integer() else None
    candidates: list[Any] = []
    if whole in (0, 1):
        candidates.append(bool(whole))
    if whole is not None:
        candidates.append(whole)
    candidates.append(number)
    if whole in (0, 1):
        candidates.append(np.bool_(whole))
    if whole is not None and -(2**63) <= whole < 2**63:
        candidates.append(np.int64(whole))
    candidates.append(np.float64(number))
    if abs(number) <= _FLOAT32_MAX or number in (_INF, -_INF):  # no overflowing cast
        candidates.append(np.float32(number))
    return [c for c in candidates if type(c) is not kind and _exact(c) == exact]


def _exact(number: Any) -> int | float:
    """``number`` as a Python int or float, exactly: numpy compares a float32 with a
    Python float, or a float64 with a Python int, after rounding the Python number to
    its own type (``np.float32(0.1) == 0.1``), and those are not equal numbers."""
    import numpy as np

    if isinstance(number, (int, np.integer)):  # bool and np.bool_ are ints here
        return int(number)
    return float(number)


_REAL = (bool, int, float)
_FLOAT32_MAX = 3.4028234663852886e38
_INF = float("inf")


def _type_name(value: Any) -> str:
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"


def near_misses_possible(store: CallStore, calls: list[CallKey]) -> bool:
    """Whether any of ``calls`` (all of one function, found missing together, as a
    sweep's driver does) could find a stored call equal to it but for the numeric type
    of one parameter: only if the store holds a result of the function, or if the calls
    themselves give a parameter numbers of more than one type (one may store another's
    twin).  When neither holds, probing for near misses call by call is skipped, and
    only a result that another process stores meanwhile goes unreported.

    >>> import tempfile, os
    >>> from archived.cache.callstore import CallStore
    >>> from archived.cache.calls import key_call
    >>> store = CallStore(os.path.join(tempfile.mkdtemp(), "runs"))
    >>> calls = [key_call("m.f", "v", "f", {"x": x}) for x in (1, 2)]
    >>> near_misses_possible(store, calls)
    False
    >>> near_misses_possible(store, calls + [key_call("m.f", "v", "f", {"x": 3.0})])
    True
    """
    if not calls:
        return False
    kinds: dict[str, type] = {}
    for call in calls:
        for name, value in call.arguments.items():
            kind = type(value)
            if kinds.setdefault(name, kind) is not kind and equal_numbers(value):
                return True
    return _holds_results(store.path, {call.prefix for call in calls})


def _holds_results(folder: str, prefixes: set[str]) -> bool:
    """Whether ``folder`` holds an entry file named as a call result of one of
    ``prefixes`` (``<prefix>_<16 hex>``, or ``..._<16 hex>`` more after a collision)."""
    import re

    alternatives = "|".join(re.escape(prefix) for prefix in sorted(prefixes))
    result = re.compile(rf"(?:{alternatives})_[0-9a-f]{{16}}(?:_[0-9a-f]{{16}})?\.py")
    try:
        with os.scandir(folder) as found:
            return any(result.fullmatch(item.name) for item in found)
    except FileNotFoundError:
        return False


def warn_near_misses(store: CallStore, call: CallKey) -> None:
    """Warn about stored calls equal to ``call`` but for the numeric types of one of its
    scalar parameters, or of several (a sweep over ``np.linspace`` and ``np.arange``,
    then a call of the same values as Python numbers): called on a miss, before the call
    computes."""
    lookups: list[tuple[str, str, dict[str, Any]]] = []
    variants: list[tuple[str, Any]] = []
    for name, value in call.arguments.items():
        if (store.path, call.identity, name, type(value)) in _WARNED:
            continue  # said once for this store, function, parameter and type: enough
        others = equal_numbers(value)[: _MAX_PROBES - len(lookups)]
        if not others:
            continue
        # the other parameters are encoded once for all the variants of this one
        keys = variant_keys(
            call.identity, call.version, call.arguments, name, others, array_keys=call.array_keys
        )
        for other, key in zip(others, keys, strict=True):
            # the recorded parameters differ from the call's in this one value only
            shown = {**call.parameters, name: readable(other)}
            lookups.append((call.prefix, key, shown))
            variants.append((name, other))
    # a sweep over np.linspace x np.arange, then a call of the same values typed as
    # Python numbers (or the other way round), differs in several parameters at once
    changes = [
        change
        for change in _all_converted(call, min(_MAX_SEVERAL, _MAX_PROBES - len(lookups)))
        if any(_unwarned(store, call, name) for name in change)
    ]
    several: list[dict[str, Any]] = []
    for change in changes:
        key = hash_call(
            call.identity, call.version, {**call.arguments, **change}, array_keys=call.array_keys
        )
        # (looked up only where the key's first entry name is a file: a stat, where the
        # look at the store's index costs 15 us a name; an entry at a collision's second
        # name has its first name taken too)
        first = store.first_name(call.prefix, key) + ".py"
        if os.path.lexists(os.path.join(store.path, first)):
            shown = {**call.parameters, **{name: readable(v) for name, v in change.items()}}
            lookups.append((call.prefix, key, shown))
            several.append(change)
    if not lookups:
        return
    try:  # a stat per name; an entry is read only if it exists (almost never)
        found = store.find_many(lookups)
    except Exception:  # a damaged neighbour is the call protocol's business
        return
    warned: set[str] = set()
    singles = [{name: other} for name, other in variants]
    for change, result in zip(singles + several, found, strict=True):
        if result.hit and not warned.intersection(change):
            warned.update(change)
            about = frozenset(
                (store.path, call.identity, name, type(call.arguments[name])) for name in change
            )
            _WARNED.update(about)
            told = (about, _message(call, change, result.name), result.name)
            collecting = getattr(_COLLECTING, "told", None)
            if collecting is None:
                show(told)
            else:
                collecting.append(told)


@contextlib.contextmanager
def collected() -> Iterator[list[Told]]:
    """Keep the warnings given in this thread for the caller, a sweep's chunk, to send
    to the driver, which shows each one once (:func:`show`): each of a sweep's workers
    warned once, and the driver saw them all.

    >>> with collected() as told:
    ...     pass
    >>> told
    []
    """
    before = getattr(_COLLECTING, "told", None)
    told: list[Told] = []
    _COLLECTING.told = told
    try:
        yield told
    finally:
        _COLLECTING.told = before


def show(told: Told) -> None:
    """Give the warning ``told`` (:func:`collected`), unless this process gave one for
    the same store, function, parameters and types."""
    about, message, entry = told
    if about <= _SHOWN:
        return
    _SHOWN.update(about)
    warn_user(NumericTypeWarning(message, entry))


def _unwarned(store: CallStore, call: CallKey, name: str) -> bool:
    return (store.path, call.identity, name, type(call.arguments[name])) not in _WARNED


def _all_converted(call: CallKey, budget: int) -> list[dict[str, Any]]:
    """The call with two or more of its numbers given as the other kind (a numpy number
    as a Python number, a Python number as numpy's ``float64``, ``int64`` or ``bool_``),
    each as the parameters it changes, fewest changed first, at most ``budget`` of them
    (one number changed alone is probed by the caller, with every other type)."""
    import itertools

    import numpy as np

    other_kind: dict[str, Any] = {}
    for name, value in call.arguments.items():
        if isinstance(value, np.generic):
            want: type = (
                bool
                if isinstance(value, np.bool_)
                else int
                if isinstance(value, np.integer)
                else float
            )
        else:
            want = {bool: np.bool_, int: np.int64, float: np.float64}.get(type(value), type(None))
        other = next((o for o in equal_numbers(value) if type(o) is want), None)
        if other is not None:
            other_kind[name] = other
    changes: list[dict[str, Any]] = []
    for size in range(2, len(other_kind) + 1):
        for names in itertools.combinations(other_kind, size):
            if len(changes) >= budget:
                return changes
            changes.append({name: other_kind[name] for name in names})
    return changes


def _message(call: CallKey, change: dict[str, Any], entry: str | None) -> str:
    from .._format import format_value
    from .funcinfo import short_name

    function = short_name(call.identity)
    given = ", ".join(f"{name}={format_value(call.arguments[name])}" for name in change)
    stored = ", ".join(f"{name}={format_value(other)}" for name, other in change.items())
    types = " and ".join(f"{name} as {_type_name(other)}" for name, other in change.items())
    these = "this" if len(change) == 1 else "these"
    return (
        f"{function}({given}) is not stored, but {function}({stored}) is (entry "
        f"{entry}): numbers of other types are other calls, since they can compute "
        f"other results, so this one is computed; pass {types} to reuse the stored "
        f"result (other calls of {function} missing only for {these} are not reported "
        "again)"
    )
