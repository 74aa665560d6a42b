"""Telling a user that a call missed only because of the type of a number.

``np.float64(1.0)``, ``1.0``, ``1`` and ``True`` are four calls (see
:mod:`archived.cache.hashing`: they can compute different results), and a sweep over
``np.linspace`` followed by the same values typed as floats computes everything twice.
When a call misses, :func:`warn_near_misses` looks for stored calls whose scalar
parameters have the same values as other numeric types, and warns once per such pair
with a :class:`~archived.errors.NumericTypeWarning` naming both.  It probes the few
entry names those calls would have (a stat each), never lists the store.

>>> import numpy as np
>>> [type(v).__name__ for v in equal_numbers(np.float64(2.0))]
['int', 'float', 'int64', 'float32']
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from ..errors import NumericTypeWarning
from .hashing import hash_call
from .recorded import readable
from .usercode import user_stacklevel

if TYPE_CHECKING:
    from .calls import CallKey
    from .callstore import CallStore

__all__ = ["warn_near_misses", "equal_numbers"]

_MAX_PROBES = 64


def equal_numbers(value: Any) -> list[Any]:
    """Numbers of other common types equal to ``value`` (bool, int, float and numpy's
    bool, int64, float64, float32); empty if ``value`` is not a real number.

    >>> equal_numbers(1)
    [True, 1.0, np.True_, np.int64(1), np.float64(1.0), np.float32(1.0)]
    """
    import numpy as np

    kind = type(value)
    if kind not in _REAL and not (isinstance(value, np.generic) and value.dtype.kind in "biuf"):
        return []
    try:
        number = float(value)
    except (OverflowError, ValueError):
        return []
    if number != number:
        return []
    candidates: list[Any] = []
    if number in (0.0, 1.0):
        candidates += [bool(number)]
    if number.is_integer():
        candidates += [int(number)]
    candidates += [number]
    if number in (0.0, 1.0):
        candidates += [np.bool_(number)]
    if number.is_integer() and abs(number) < 2**63:
        candidates += [np.int64(number)]
    candidates += [np.float64(number), np.float32(number)]
    return [c for c in candidates if type(c) is not kind and bool(c == value)]


_REAL = (bool, int, float)


def _type_name(value: Any) -> str:
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"


def warn_near_misses(store: CallStore, call: CallKey) -> None:
    """Warn about stored calls equal to ``call`` but for the numeric types of one of its
    scalar parameters (called on a miss, before the call computes)."""
    probes = 0
    for name, value in call.arguments.items():
        for other in equal_numbers(value):
            probes += 1
            if probes > _MAX_PROBES:
                return
            variant = dict(call.arguments)
            variant[name] = other
            key = hash_call(call.identity, call.version, variant, array_keys=call.array_keys)
            shown = readable(variant, array_keys=call.array_keys)
            try:
                found = store.find(call.prefix, key, shown)
            except Exception:  # a damaged neighbour is the call protocol's business
                continue
            if found.hit:
                _warn(call, name, value, other, found.name)


def _warn(call: CallKey, name: str, value: Any, other: Any, entry: str | None) -> None:
    from .._format import format_value
    from .funcinfo import short_name

    function = short_name(call.identity)
    warnings.warn(
        NumericTypeWarning(
            f"{function}({name}={format_value(value)}) is not stored, but "
            f"{function}({name}={format_value(other)}) is (entry {entry}): numbers of other "
            "types are other calls, since they can compute other results, so this one is "
            f"computed; pass {name} as {_type_name(other)} to reuse the stored result",
            entry,
        ),
        stacklevel=user_stacklevel(),
    )
