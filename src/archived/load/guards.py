"""The guards of the constructors a safe load may call.

A guard is called as ``guard(budget, *args, **kwargs)`` instead of the constructor: it
refuses arguments the engine never writes and that could run code, touch files or take
time or memory out of proportion (``bytearray(10**12)``, ``frozenset(range(10**12))``,
``Decimal(<a million digits>)``), charges the :class:`~archived.load.budget.Budget` for
what it is about to allocate, and then builds the value.  :data:`DEFAULT_CONSTRUCTORS`
lists the guards of the default allow-list; :func:`archived.load.allowlist.allow_constructor`
adds more.

>>> from archived.load.budget import Limits
>>> budget = Limits().budget(100)
>>> bytearray_(budget, b"ab")
bytearray(b'ab')
>>> bytearray_(budget, 10**12)
Traceback (most recent call last):
    ...
archived.errors.BudgetExceededError: unsafe archive: bytearray() of 1000000000000 bytes ...
"""

from __future__ import annotations

import collections
import datetime
import decimal
import fractions
import math
import types
import uuid
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import UnsafeArchiveError
from .budget import Budget
from .hashes import crowded_hash, hash_refusal
from .numpy_names import numpy_scalar_args

__all__ = ["Guard", "DEFAULT_CONSTRUCTORS", "refuse_value", "numpy_scalar", "dtype_arg"]

Guard = Callable[..., Any]  # guard(budget, *args, **kwargs) -> the value

_ATOMS = frozenset({int, float, complex, str, bytes, bool, type(None)})
_NUMBERS = (int, float, complex)
_CONTAINERS = (list, tuple, set, frozenset, dict)
# strings no longer than this are charged as elements only (their size is bounded)
SMALL_TEXT = 64
_SMALL_INT = 10**64


def refuse_value(what: str) -> UnsafeArchiveError:
    """The error refusing a call's arguments (the evaluator adds the line).

    >>> str(refuse_value("float() of a list"))
    'unsafe archive: float() of a list is not allowed in a safe load'
    """
    return UnsafeArchiveError(None, what)


def _kind(x: Any) -> str:
    return type(x).__qualname__


# --------------------------------------------------------------------------- numbers


def _number_text(budget: Budget, what: str, x: Any) -> None:
    """Refuse a number, or a string to be read as one, with too many digits."""
    tp = type(x)
    if tp is str or tp is bytes:
        if len(x) > SMALL_TEXT:
            budget.check_digits(len(x), what)
    elif tp is int:
        budget.check_int(x, what)
    elif tp not in _ATOMS and not isinstance(x, np.generic):
        raise refuse_value(f"{what} of a {_kind(x)}")


def float_(budget: Budget, x: Any = 0.0) -> float:
    _number_text(budget, "float()", x)
    return float(x)


def int_(budget: Budget, x: Any = 0, *base: int) -> int:
    _number_text(budget, "int()", x)
    return int(x, *base) if base else int(x)


def complex_(budget: Budget, real: Any = 0.0, imag: Any = 0.0) -> complex:
    _number_text(budget, "complex()", real)
    _number_text(budget, "complex()", imag)
    return complex(real, imag)


def bool_(budget: Budget, x: Any = False) -> bool:
    if type(x) not in _ATOMS and not isinstance(x, np.generic):
        raise refuse_value(f"bool() of a {_kind(x)}")
    return bool(x)


def decimal_(budget: Budget, value: Any = "0", context: Any = None) -> decimal.Decimal:
    if context is not None:
        raise refuse_value("Decimal() with a context")
    if type(value) is tuple:
        sign, digits, exponent = value
        budget.check_digits(len(digits), "Decimal()")
        _number_text(budget, "Decimal()", exponent)
    else:
        # Decimal(<int of a million digits>) converts it to decimal in quadratic time
        _number_text(budget, "Decimal()", value)
    return decimal.Decimal(value)


# the signals a Context's flags and traps list, and its rounding modes: nothing else
_SIGNALS = frozenset(
    getattr(decimal, name)
    for name in (
        "Clamped DivisionByZero Inexact InvalidOperation Overflow Rounded Subnormal "
        "Underflow FloatOperation"
    ).split()
)
_ROUNDINGS = frozenset(name for name in dir(decimal) if name.startswith("ROUND_"))


def context_(budget: Budget, *args: Any) -> decimal.Context:
    """``decimal.Context(prec, rounding, Emin, Emax, capitals, clamp, flags, traps)``
    as archives write it: numbers, a rounding mode's name and lists of signal classes.
    The Context checks the numbers' ranges itself (its ValueError is a refusal)."""
    if len(args) > 8:
        raise refuse_value("Context() of more than 8 arguments")
    for i, a in enumerate(args):
        if a is None:
            continue
        if i == 1:
            ok = type(a) is str and a in _ROUNDINGS
        elif i >= 6:
            ok = type(a) is list and len(a) <= len(_SIGNALS) and all(s in _SIGNALS for s in a)
        else:
            ok = type(a) is int and -_SMALL_INT < a < _SMALL_INT
        if not ok:
            raise refuse_value(f"Context() with argument {i + 1} a {_kind(a)}")
    return decimal.Context(*args)


def fraction_(budget: Budget, *args: Any) -> fractions.Fraction:
    # Fraction('1e999999999') or Fraction(Decimal(...)) computes a power of ten that size
    if not all(type(a) is int for a in args) or len(args) > 2:
        raise refuse_value("Fraction() of anything but ints (as archives write it)")
    for a in args:
        budget.check_int(a, "Fraction()")
    return fractions.Fraction(*args)


def range_(budget: Budget, *args: Any) -> range | slice:
    if not all(type(a) is int for a in args):
        raise refuse_value("range() of anything but ints")
    return range(*args)


def slice_(budget: Budget, *args: Any) -> slice:
    if not all(type(a) in _ATOMS for a in args):
        raise refuse_value("slice() of anything but numbers and None")
    return slice(*args)


# --------------------------------------------------------------------------- text


def str_(budget: Budget, *args: Any) -> str:
    for a in args:
        if type(a) not in _ATOMS:
            raise refuse_value(f"str() of a {_kind(a)}")
        if type(a) is int:
            budget.check_int(a, "str()")
    text = str(*args)
    if len(text) > SMALL_TEXT:
        budget.charge_bytes(len(text) * (1 if text.isascii() else 4), "str()")
    return text


def _buffer_size(budget: Budget, what: str, args: tuple[Any, ...]) -> None:
    if not args:
        return
    source = args[0]
    if type(source) is int:
        budget.charge_bytes(source, what)
    elif type(source) in (list, tuple):
        budget.charge_elements(len(source), what)
        budget.charge_bytes(len(source), what)
    elif type(source) in (bytes, bytearray, str):
        budget.charge_bytes(len(source) * (1 if type(source) is not str else 4), what)
    else:
        raise refuse_value(f"{what} of a {_kind(source)} (only bytes, str or a list of ints)")


def bytes_(budget: Budget, *args: Any) -> bytes:
    _buffer_size(budget, "bytes()", args)
    return bytes(*args)


def bytearray_(budget: Budget, *args: Any) -> bytearray:
    _buffer_size(budget, "bytearray()", args)
    return bytearray(*args)


# --------------------------------------------------------------------------- containers


def _copied(budget: Budget, what: str, args: tuple[Any, ...]) -> None:
    """Charge the copy a container constructor makes of literal containers (and text)."""
    for a in args:
        if isinstance(a, _CONTAINERS) or type(a) in (str, bytes, bytearray):
            budget.charge_elements(len(a), what)
        else:
            raise refuse_value(
                f"{what} of a {_kind(a)} (only literal containers may be converted)"
            )


def _container(ctor: type) -> Guard:
    what = f"{ctor.__qualname__}()"

    def guard(budget: Budget, *args: Any, **kwargs: Any) -> Any:
        _copied(budget, what, args)
        budget.charge_elements(len(kwargs), what)
        _spread(what, ctor, args)
        return ctor(*args, **kwargs)

    guard.__qualname__ = f"guard of {ctor.__qualname__}"
    return guard


def _spread(what: str, ctor: type, args: tuple[Any, ...]) -> None:
    """Refuse the keys a set or dict constructor would make of a list or tuple when
    crafted to share one hash value (:mod:`archived.load.hashes`); those of a set or
    dict given were checked when it was built."""
    if not args or not isinstance(args[0], (list, tuple)):
        return
    if not issubclass(ctor, (set, frozenset, dict)):
        return  # (a list or a tuple hashes nothing)
    keys = args[0]
    if issubclass(ctor, dict) and not issubclass(ctor, collections.Counter):
        keys = [p[0] for p in keys if isinstance(p, (list, tuple)) and len(p) == 2]
    crowded = crowded_hash(keys)
    if crowded is not None:
        raise refuse_value(hash_refusal(what, crowded))


def defaultdict_(budget: Budget, factory: Any = None, *rest: Any, **kwargs: Any) -> Any:
    if factory is not None and not isinstance(factory, type):
        raise refuse_value(f"defaultdict() with a factory that is a {_kind(factory)}")
    _copied(budget, "defaultdict()", rest)
    budget.charge_elements(len(kwargs), "defaultdict()")
    _spread("defaultdict()", dict, rest)
    return collections.defaultdict(factory, *rest, **kwargs)


def deque_(budget: Budget, iterable: Any = (), maxlen: Any = None) -> Any:
    _copied(budget, "deque()", (iterable,))
    if maxlen is not None and type(maxlen) is not int:
        raise refuse_value(f"deque() with maxlen a {_kind(maxlen)}")
    return collections.deque(iterable, maxlen)


def chainmap_(budget: Budget, *maps: Any) -> Any:
    for m in maps:
        if not isinstance(m, dict):
            raise refuse_value(f"ChainMap() of a {_kind(m)} (only dicts)")
    budget.charge_elements(len(maps), "ChainMap()")
    return collections.ChainMap(*maps)


def namespace_(budget: Budget, **kwargs: Any) -> types.SimpleNamespace:
    budget.charge_elements(len(kwargs), "SimpleNamespace()")
    return types.SimpleNamespace(**kwargs)


# --------------------------------------------------------------------------- stdlib


def _plain(ctor: Any, allowed: tuple[type, ...] = ()) -> Guard:
    """A guard passing numbers, strings, None and ``allowed`` types only."""
    what = f"{ctor.__qualname__}()"

    def guard(budget: Budget, *args: Any, **kwargs: Any) -> Any:
        for a in (*args, *kwargs.values()) if kwargs else args:
            tp = type(a)
            if tp is int:
                if not -_SMALL_INT < a < _SMALL_INT:
                    budget.check_int(a, what)
            elif tp is str:
                if len(a) > SMALL_TEXT:
                    budget.check_digits(len(a), what)
            elif tp not in _ATOMS and not isinstance(a, allowed):
                raise refuse_value(f"{what} of a {_kind(a)}")
        return ctor(*args, **kwargs)

    guard.__qualname__ = f"guard of {ctor.__qualname__}"
    return guard


# --------------------------------------------------------------------------- numpy


def dtype_arg(dtype: Any, depth: int = 0) -> None:
    """Refuse a dtype argument that is not literal data (``np.dtype`` reads attributes of
    other objects, which can run their code).

    >>> dtype_arg([('x', '<f8')])
    >>> dtype_arg(object())
    Traceback (most recent call last):
        ...
    archived.errors.UnsafeArchiveError: unsafe archive: a dtype given as a object ...
    """
    tp = type(dtype)
    if tp is str or tp is int or tp is bool or dtype is None or isinstance(dtype, np.dtype):
        return
    if depth > 32:
        raise refuse_value("a dtype nested deeper than 32 levels")
    if tp is list or tp is tuple:
        for item in dtype:
            if type(item) is not str:  # names and type codes need no look
                dtype_arg(item, depth + 1)
    elif tp is dict:
        for key, value in dtype.items():
            dtype_arg(key, depth + 1)
            dtype_arg(value, depth + 1)
    elif not (isinstance(dtype, type) and dtype in _DTYPE_TYPES or _is_scalar_type(dtype)):
        raise refuse_value(f"a dtype given as a {_kind(dtype)} (only literal data)")


_DTYPE_TYPES = (int, float, complex, bool, str, bytes, object)


def _is_scalar_type(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, np.generic) and vars(np).get(t.__name__) is t


def dtype_(budget: Budget, spec: Any, align: Any = False, copy: Any = False, **kw: Any) -> Any:
    dtype_arg(spec)
    metadata = kw.pop("metadata", None)
    if kw or type(align) is not bool or type(copy) is not bool:
        raise refuse_value("numpy.dtype() with arguments archives never write")
    if metadata is not None and type(metadata) is not dict:
        raise refuse_value(f"numpy.dtype() with metadata a {_kind(metadata)}")
    if metadata is None:
        return np.dtype(spec, align=align, copy=copy)
    return np.dtype(spec, align=align, copy=copy, metadata=metadata)


def string_dtype_(budget: Budget, *, na_object: Any = _ATOMS, coerce: Any = True) -> Any:
    if type(coerce) is not bool:
        raise refuse_value(f"StringDType() with coerce a {_kind(coerce)}")
    if na_object is _ATOMS:  # not given
        return np.dtypes.StringDType(coerce=coerce)
    if na_object is not None and type(na_object) not in (str, float):
        raise refuse_value(f"StringDType() with na_object a {_kind(na_object)}")
    return np.dtypes.StringDType(na_object=na_object, coerce=coerce)


def _array_leaves(data: Any, budget: Budget) -> tuple[int, int]:
    """The number of scalars in nested lists ``data`` and the longest text among them."""
    count = width = 0
    todo = [(data, 0)]
    while todo:
        seq, depth = todo.pop()
        if depth > 64:
            raise refuse_value("array data nested deeper than 64 levels")
        kinds = set(map(type, seq))
        if kinds <= _NUMBER_KINDS:  # the common case: a row of numbers
            count += len(seq)
            continue
        for x in seq:
            tp = type(x)
            if tp is list or tp is tuple:
                todo.append((x, depth + 1))
            elif tp is str or tp is bytes:
                count += 1
                if len(x) > width:
                    width = len(x)
            elif tp in _ATOMS or isinstance(x, np.generic):
                count += 1
            else:
                raise refuse_value(f"numpy.array() of a {_kind(x)} (only literal data)")
    return count or 1, width


_NUMBER_KINDS = frozenset({int, float, complex, bool})


def array_(budget: Budget, data: Any, dtype: Any = None, *, order: Any = "K") -> Any:
    tp = type(data)
    if tp is list or tp is tuple:
        count, width = _array_leaves(data, budget)
    elif tp in _ATOMS or isinstance(data, np.generic):
        count, width = 1, len(data) if tp is str or tp is bytes else 0
    else:
        raise refuse_value(f"numpy.array() of a {_kind(data)} (only literal data)")
    if order not in ("K", "C", "F", "A"):
        raise refuse_value(f"numpy.array() with order={order!r}")
    dt = None if dtype is None else dtype_(budget, dtype)
    itemsize = 16 if dt is None else dt.itemsize
    if dt is None or dt.kind in "USVT" or not itemsize:
        itemsize = max(itemsize, 4 * width, 16)  # strings widen to the longest
    budget.charge_bytes(count * itemsize, "numpy.array()")
    return np.array(data, dtype=dt, order=order)


def _shape(shape: Any, what: str) -> tuple[int, ...]:
    dims = (shape,) if type(shape) is int else shape
    if type(dims) is not tuple or not all(type(n) is int and n >= 0 for n in dims):
        raise refuse_value(f"{what} with shape {shape!r:.60} (only non-negative ints)")
    return dims


def zeros_(budget: Budget, shape: Any, dtype: Any = float, order: Any = "C") -> Any:
    dims = _shape(shape, "numpy.zeros()")
    if dtype is not float:
        dtype_arg(dtype)
    dt = np.dtype(dtype)
    if order not in ("C", "F"):
        raise refuse_value(f"numpy.zeros() with order={order!r}")
    budget.charge_bytes(math.prod(dims) * dt.itemsize, "numpy.zeros()")
    return np.zeros(dims, dtype=dt, order=order)


def _raw_text(data: Any, what: str) -> None:
    if type(data) not in (bytes, str):
        raise refuse_value(f"{what} of a {_kind(data)} (only bytes or base64 text)")


def from_bytes_(budget: Budget, data: Any, dtype: Any, shape: Any, order: Any = "C") -> Any:
    from ..engine.arrays import dtype_from_literal, from_bytes

    _raw_text(data, "from_bytes()")
    dtype_arg(dtype)
    dims = _shape(shape, "from_bytes()")
    budget.charge_bytes(math.prod(dims) * dtype_from_literal(dtype).itemsize, "from_bytes()")
    try:
        return from_bytes(data, dtype, dims, order)
    except TypeError as err:  # a dtype holding references
        raise refuse_value(f"from_bytes() of {err}") from None


def scalar_from_bytes_(budget: Budget, data: Any, dtype: Any) -> Any:
    from ..engine.arrays import scalar_from_bytes

    _raw_text(data, "scalar_from_bytes()")
    dtype_arg(dtype)
    budget.charge_bytes(len(data), "scalar_from_bytes()")
    try:
        return scalar_from_bytes(data, dtype)
    except TypeError as err:
        raise refuse_value(f"scalar_from_bytes() of {err}") from None


def object_array_(budget: Budget, items: Any, shape: Any, order: Any = "C") -> Any:
    from ..engine.reps import object_array

    if type(items) is not list:
        raise refuse_value(f"object_array() of a {_kind(items)} (only a list)")
    dims = _shape(shape, "object_array()")
    if math.prod(dims) != len(items) or order not in ("C", "F"):
        raise refuse_value(f"object_array() of {len(items)} items in shape {dims!r}")
    budget.charge_elements(len(items), "object_array()")
    return object_array(items, dims, order)


def numpy_scalar(cls: type) -> Guard:
    """The guard of the numpy scalar type ``cls`` (``numpy.float32(1.5)``, ...).

    >>> from archived.load.budget import Limits
    >>> numpy_scalar(np.float32)(Limits().budget(0), 1.5)
    np.float32(1.5)
    """
    what = f"numpy.{cls.__name__}()"
    text_kind = issubclass(cls, (np.str_, np.bytes_, np.void))

    def guard(budget: Budget, *args: Any) -> Any:
        for a in args:
            tp = type(a)
            if tp not in _ATOMS and not isinstance(a, np.generic):
                raise refuse_value(f"{what} of a {_kind(a)}")
            if tp is int and text_kind:
                budget.charge_bytes(a, what)  # numpy.void(n): n zero bytes
            elif not text_kind:
                _number_text(budget, what, a)
            elif tp is str or tp is bytes:
                budget.charge_bytes(len(a), what)
        return cls(*numpy_scalar_args(cls, args))  # complex64(re, im) under numpy 1.x too

    return guard


# --------------------------------------------------------------------------- the table


def _load_array_guard(budget: Budget, filename: Any, key: Any, digest: Any = None) -> Any:
    from .datafiles import safe_load_array

    return safe_load_array(budget, filename, key, digest)


DEFAULT_CONSTRUCTORS: list[tuple[str, str, Guard]] = [
    ("builtins", "complex", complex_),
    ("builtins", "float", float_),
    ("builtins", "int", int_),
    ("builtins", "bool", bool_),
    ("builtins", "range", range_),
    ("builtins", "slice", slice_),
    ("builtins", "str", str_),
    ("builtins", "bytes", bytes_),
    ("builtins", "bytearray", bytearray_),
    *[
        ("builtins", t.__name__, _container(t))
        for t in (set, frozenset, list, tuple, dict)  # type: ignore[has-type]
    ],
    ("collections", "OrderedDict", _container(collections.OrderedDict)),
    ("collections", "Counter", _container(collections.Counter)),
    ("collections", "defaultdict", defaultdict_),
    ("collections", "deque", deque_),
    ("collections", "ChainMap", chainmap_),
    ("types", "SimpleNamespace", namespace_),
    ("uuid", "UUID", _plain(uuid.UUID)),
    ("datetime", "date", _plain(datetime.date)),
    ("datetime", "datetime", _plain(datetime.datetime, (datetime.tzinfo,))),
    ("datetime", "time", _plain(datetime.time, (datetime.tzinfo,))),
    ("datetime", "timedelta", _plain(datetime.timedelta)),
    ("datetime", "timezone", _plain(datetime.timezone, (datetime.timedelta,))),
    ("fractions", "Fraction", fraction_),
    ("decimal", "Decimal", decimal_),
    ("decimal", "Context", context_),
    ("numpy", "dtype", dtype_),
    ("numpy", "array", array_),
    ("numpy", "zeros", zeros_),
    ("numpy.dtypes", "StringDType", string_dtype_),
    ("archived.arrays", "from_bytes", from_bytes_),
    ("archived.arrays", "scalar_from_bytes", scalar_from_bytes_),
    ("archived.arrays", "load_array", _load_array_guard),
    ("archived.hdf5", "load_array", _load_array_guard),
    ("archived.reps", "object_array", object_array_),
]
