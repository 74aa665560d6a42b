"""A call's parameters as recorded in its entry's info: readable, safe to load, typed.

:func:`readable` turns the bound arguments of a call into values a person reads in the
entry file (``ls``, ``show``, ``table()`` show them), which a safe load can rebuild.
Parameters keep their exact type wherever that can be written as plain source:
``np.float64(1.0)`` stays a numpy scalar, so it is never shown as ``1.0`` (a different
call, see :mod:`archived.cache.hashing`); dates, times, ``Decimal``, ``Fraction`` and
``UUID`` stay themselves.  Big arrays, and objects with no plain source form, become
descriptive strings (``Config(n=3, mu=0.5)``, ``<mod.Model key=...>``).

:func:`same_parameters` compares recorded parameters with a call's, exactly (types,
``-0.0``, NaN).  It is the second check of a hit, after the 128-bit key.

>>> import numpy as np
>>> readable({"n": 3, "mu": np.float64(0.5), "xs": (1.5, None)})
{'n': 3, 'mu': np.float64(0.5), 'xs': (1.5, None)}
>>> same_parameters({"mu": 0.5}, {"mu": np.float64(0.5)})
False
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import fractions
import math
import pathlib
import types
import uuid
from collections import OrderedDict
from typing import Any

from .hashing import _pandas_kind, content_key, hash_value
from .objectkeys import KEY_METHOD, qualified_name

__all__ = ["readable", "recorded_before", "same_parameters", "legacy_view", "type_label"]

_PLAIN = (bool, int, float, complex, str, bytes)
# kept as themselves: a safe load rebuilds them (see archived.load.allowlist)
_KEPT = (
    datetime.date,
    datetime.time,
    datetime.timedelta,
    datetime.datetime,
    decimal.Decimal,
    fractions.Fraction,
    uuid.UUID,
)
_DESCRIPTION_LIMIT = 200
# types whose == is what same_parameters asks (no -0.0, NaN or numpy scalar to tell apart)
_EXACT = frozenset((bool, int, str, bytes, type(None)))
_ABSENT = type("_Absent", (), {"__slots__": ()})()  # a dict's missing key (no value is one)


def readable(
    value: Any,
    *,
    array_items: int = 20,
    array_keys: dict[int, str] | None = None,
    exact_arrays: bool = True,
) -> Any:
    """Return ``value`` as a person reads it in an entry's info record.

    Builtin containers and scalars are kept as they are (recursively), numpy scalars and
    the standard library's dates, decimals and fractions too; arrays with at most
    ``array_items`` items become their ``repr`` (every float with as many digits as
    tell it apart: two arrays of different values never read the same, and
    ``where(init=a)`` selects by it), larger ones a summary with dtype, shape and
    content key (taken from ``array_keys``, as filled by
    :func:`~archived.cache.hashing.hash_call`, when there); other objects a descriptive
    string.  The result is for reading and comparing, not for rebuilding the arguments.
    ``exact_arrays=False``: small arrays as archived recorded them before, to numpy's
    default 8 digits (:func:`recorded_before`).

    >>> readable({"n": 3, "xs": (1.5, None)})
    {'n': 3, 'xs': (1.5, None)}
    >>> import numpy as np
    >>> readable(np.float32(0.5)), readable(np.arange(3))
    (np.float32(0.5), 'array([0, 1, 2])')
    >>> readable(np.zeros((100, 100)))
    'ndarray(dtype=float64, shape=(100, 100), key=...)'
    """
    return _Reader(array_items, array_keys or {}, exact_arrays).read(value, ())


def recorded_before(value: Any, *, array_keys: dict[int, str] | None = None) -> Any:
    """``readable(value)`` as archived recorded it before small float arrays were
    recorded exactly (to numpy's default 8 digits): a hit of an entry written then
    compares its parameters with these (its 128-bit key matched already).

    >>> import numpy as np
    >>> readable(np.array([1 / 3])), recorded_before(np.array([1 / 3]))
    ('array([0.3333333333333333])', 'array([0.33333333])')
    """
    return readable(value, array_keys=array_keys, exact_arrays=False)


class _Reader:
    def __init__(self, array_items: int, array_keys: dict[int, str], exact: bool = True) -> None:
        self.array_items = array_items
        self.array_keys = array_keys
        self.exact = exact

    def read(self, value: Any, inside: tuple[int, ...]) -> Any:
        kind = type(value)
        if value is None or kind in _PLAIN:
            return value
        if kind in (list, tuple):
            return kind(self.read(item, inside) for item in value)
        if kind in (set, frozenset):
            items = [self.read(item, inside) for item in value]
            return kind(items) if all(_is_hashable(item) for item in items) else items
        if kind is dict or kind is OrderedDict:
            return {
                (k if _is_hashable(k) else repr(k)): self.read(v, inside) for k, v in value.items()
            }
        if kind is bytearray:
            return bytes(value)
        import numpy as np  # here, not above: plain values (most parameters) need none

        if isinstance(value, np.generic):
            return value if value.dtype.kind in "biufc" else _numpy_repr(value)
        if kind is np.ndarray or kind is np.memmap:
            return self._array(value)
        if kind in _KEPT:
            if getattr(value, "tzinfo", None) is None or type(value.tzinfo) is datetime.timezone:
                return value if getattr(value, "tzinfo", None) is None else repr(value)
            return repr(value)
        if isinstance(value, enum.Enum):
            return f"{kind.__qualname__}.{value.name}"
        if isinstance(value, pathlib.PurePath):
            return str(value)
        if kind in (range, slice):
            return repr(value)
        if not isinstance(value, type) and not hasattr(kind, KEY_METHOD):
            if callable(getattr(kind, "archive_1", None)):  # never a value's own attribute
                rep, args, _ = value.archive_1()
                return f"{rep} with {self.read(dict(args), inside)!r}"
            if _pandas_kind(value) is not None:
                return f"{kind.__name__}(shape={value.shape}, key={hash_value(value)[:16]})"
        return self._describe(value, inside)

    def _array(self, value: Any) -> str:
        if value.size <= self.array_items and value.dtype.kind != "O":
            # numpy's repr rounds floats to 8 digits: two arrays that differ beyond them
            # read the same, and where() selected one for the other.  Printed "unique",
            # each float has the digits that tell it apart; an array whose floats need
            # no more than 8 reads as it always did (entries written before still match)
            exact = self.exact and value.dtype.kind in "fc"
            return _numpy_repr(value, floatmode="unique" if exact else None)
        if value.dtype.hasobject:
            key = hash_value(value)
        else:
            key = self.array_keys.get(id(value)) or content_key(value)
        return f"ndarray(dtype={value.dtype}, shape={value.shape}, key={key[:16]})"

    def _describe(self, value: Any, inside: tuple[int, ...]) -> str:
        """``Class(field=value, ...)`` when short and plain, else the class and key."""
        kind = type(value)
        if isinstance(value, type):
            return f"<class {qualified_name(value)}>"
        if isinstance(value, types.ModuleType):
            return f"<module {value.__name__}>"
        if callable(value) and isinstance(
            value, (types.FunctionType, types.BuiltinFunctionType, types.MethodType)
        ):
            return f"<function {qualified_name(value)}>"
        if id(value) not in inside and not hasattr(kind, KEY_METHOD):
            fields = _fields(value)
            if fields is not None:
                inner = (*inside, id(value))
                body = ", ".join(f"{k}={self.read(v, inner)!r}" for k, v in fields)
                text = f"{kind.__name__}({body})"
                if len(text) <= _DESCRIPTION_LIMIT:
                    return text
        return f"<{qualified_name(kind)} key={hash_value(value)[:16]}>"


# numpy's own defaults: the recorded text of a call must not depend on the print options
# of the process making it (a hit compares it with what was recorded)
_PRINT_DEFAULTS = {
    "precision": 8,
    "threshold": 1000,
    "edgeitems": 3,
    "linewidth": 75,
    "suppress": False,
    "nanstr": "nan",
    "infstr": "inf",
    "formatter": None,
    "sign": "-",
    "floatmode": "maxprec",
    "legacy": False,
}


def _numpy_repr(value: Any, floatmode: str | None = None) -> str:
    """``repr(value)`` of a numpy array or scalar under numpy's default print options,
    whatever ``np.set_printoptions`` the process made (a notebook's ``precision=3``),
    but for ``floatmode`` if given.

    >>> import numpy as np
    >>> with np.printoptions(precision=2):
    ...     _numpy_repr(np.array([0.123456789])), _numpy_repr(np.array([0.1234567891]), "unique")
    ('array([0.12345679])', 'array([0.1234567891])')
    """
    import numpy as np

    current = np.get_printoptions()
    defaults: dict[str, Any] = dict(_PRINT_DEFAULTS)
    if "override_repr" in current:  # numpy >= 2.1
        defaults["override_repr"] = None
    if floatmode is not None:
        defaults["floatmode"] = floatmode
    if all(current.get(name) == default for name, default in defaults.items()):
        return repr(value)
    with np.printoptions(**defaults):
        return repr(value)


def _fields(value: Any) -> list[tuple[str, Any]] | None:
    """The named parts of a dataclass, attrs class, NamedTuple or plain object, in a
    deterministic order; ``None`` when it has none to show."""
    if dataclasses.is_dataclass(value):
        return [(f.name, getattr(value, f.name)) for f in dataclasses.fields(value)]
    attrs = getattr(type(value), "__attrs_attrs__", None)
    if attrs is not None:
        return [(a.name, getattr(value, a.name)) for a in attrs]
    names: Any = getattr(type(value), "_fields", None)
    if isinstance(value, tuple) and names is not None:  # a NamedTuple
        return list(zip(names, value, strict=False))
    state = getattr(value, "__dict__", None)
    if isinstance(state, dict) and state and all(isinstance(k, str) for k in state):
        return sorted((k, v) for k, v in state.items() if not k.startswith("_"))
    return None


def same_parameters(stored: Any, current: Any) -> bool:
    """Whether recorded parameters equal a call's: same types, floats by value with
    ``0.0`` and ``-0.0`` apart and NaN equal to NaN, numpy scalars by dtype and bits.

    >>> same_parameters({"x": [1, 0.0]}, {"x": [1, -0.0]})
    False
    >>> same_parameters(float("nan"), float("nan"))
    True
    """
    kind = type(stored)
    if kind is not type(current):
        return False
    if kind is float:
        if stored != stored:
            return bool(current != current)
        return bool(stored == current and math.copysign(1, stored) == math.copysign(1, current))
    if kind is complex:
        return same_parameters(stored.real, current.real) and same_parameters(
            stored.imag, current.imag
        )
    if kind in (list, tuple):
        return len(stored) == len(current) and all(map(same_parameters, stored, current))
    if kind is dict:
        # (the keys compared by count and lookup, and a float compared here: no key views
        # and no call per value, which a process's first hit pays most)
        if len(stored) != len(current):
            return False
        for k, value in stored.items():
            other = current.get(k, _ABSENT)
            kind = type(value)
            if kind is not type(other):
                return False  # (an absent key too: _ABSENT is of no recorded type)
            if kind in _EXACT:  # == is exact here
                if value != other:
                    return False
            elif kind is float:  # as above: equal and of one sign, or both NaN
                if value != other:
                    if value == value or other == other:
                        return False
                elif value == 0.0 and math.copysign(1, value) != math.copysign(1, other):
                    return False
            elif not same_parameters(value, other):
                return False
        return True
    if _is_numpy_scalar(stored):
        if stored.tobytes() == current.tobytes():
            return True
        return bool(stored.dtype.kind in "fc" and stored != stored and current != current)
    return bool(stored == current)


def legacy_view(parameters: Any) -> Any:
    """Parameters as archived 0.1 recorded them (numpy scalars as Python numbers), to
    recognise entries written before numpy scalars kept their type.

    >>> import numpy as np
    >>> legacy_view({"x": np.float32(0.5), "n": [np.int64(2)]})
    {'x': 0.5, 'n': [2]}
    """
    import numpy as np

    kind = type(parameters)
    if isinstance(parameters, np.generic):
        return parameters.item()
    if kind in (list, tuple):
        return kind(legacy_view(item) for item in parameters)
    if kind is dict:
        return {k: legacy_view(v) for k, v in parameters.items()}
    return parameters


def type_label(value: Any) -> str | None:
    """The type to show beside a recorded value, ``None`` for plain builtins (and
    containers, strings and descriptions, which show their own type).

    >>> import numpy as np
    >>> type_label(np.float64(1.0)), type_label(1.0), type_label(True)
    ('numpy.float64', None, None)
    """
    kind = type(value)
    if value is None or kind in _PLAIN or kind in (list, tuple, dict, set, frozenset):
        return None
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def _is_numpy_scalar(value: Any) -> bool:
    return type(value).__module__ == "numpy" and getattr(value, "shape", None) == ()


def _is_hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
