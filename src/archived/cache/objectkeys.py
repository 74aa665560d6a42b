"""Keys of arguments that are not plain data: objects, functions, dates, numbers of the
standard library, masked arrays and xarray objects.

:mod:`archived.cache.hashing` hands every value it has no rule of its own for to
:func:`feed_object`, which keys it by *content*, or refuses it when content cannot tell
what the value does:

* A class may say what its key is: a method ``__archived_key__(self)`` returning a
  keyable value (for example the tuple of its settings) makes the key the class's name
  plus that value.  It is the way to key an object whose state holds something
  unkeyable (a cache, a handle) that does not change what it computes.
* ``datetime``, ``date``, ``time`` and ``timedelta`` by their fields (a ``datetime``'s
  ``fold`` and time zone included), ``Decimal`` by its exact digits (``1.0`` and
  ``1.00`` are two keys: they round differently), ``Fraction`` by its numerator and
  denominator, ``uuid.UUID`` by its bytes.
* Masked arrays by data, mask, fill value and hardness; xarray ``DataArray``,
  ``Dataset`` and ``Variable`` by name, dimensions, coordinates, attributes and values.
* Functions by identity (:func:`~archived.cache.funcinfo.function_identity`), code
  (:func:`~archived.cache.funcinfo.code_fingerprint`), defaults and the values of the
  variables they close over; a bound method by its function and its ``self``; builtins,
  numpy ufuncs, classes and modules by their qualified names.
* Any other object by its class's qualified name and its *state*, as pickle sees it
  (``__reduce_ex__``): ``__dict__``, ``__slots__``, ``__getstate__``,
  ``__getnewargs__``... (or the reducer :mod:`copyreg` holds for its class, as for
  ``re.Pattern``). This covers dataclasses (frozen or not), attrs classes,
  NamedTuples, subclasses of builtin containers, and the ``self`` of a method:
  ``Model(3).run(2)`` and ``Model(5).run(2)`` are two calls.
  Values of ``functools.cached_property`` are left out (they follow from the state).
  An object met again inside itself is keyed as a reference back to it, so cycles
  between objects are fine.

Refused, with the reason: iterators and generators (reading them consumes them), random
number generators (``random.Random``, numpy's ``Generator``, ``RandomState`` and bit
generators, and ``SeedSequence``, whose ``spawn()`` advances it: a call advances them, a
hit would not, so the caller's later draws would depend on whether the result was stored;
pass a seed, or a SeedSequence's entropy and spawn_key), open files, a bare ``object()``
(it has an identity, no content) and objects pickle cannot
take apart (locks, sockets, ...): give their class an ``__archived_key__``.

What is *not* in a key: the code of a class's methods and of the helpers and globals a
function uses (as with joblib); only the function's own code makes its version.

>>> import dataclasses
>>> from archived.cache.hashing import hash_value
>>> @dataclasses.dataclass(frozen=True)
... class Config:
...     n: int
...     mu: float = 0.5
>>> hash_value(Config(3)) == hash_value(Config(3)) != hash_value(Config(4))
True
"""

from __future__ import annotations

import copyreg
import datetime
import decimal
import fractions
import functools
import io
import random
import sys
import types
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .funcinfo import code_fingerprint, function_identity

if TYPE_CHECKING:
    from .hashing import _Encoder

__all__ = ["feed_object", "qualified_name", "KEY_METHOD"]

KEY_METHOD = "__archived_key__"


def qualified_name(obj: Any) -> str:
    """``module.qualname`` of a class, function or other named object.

    >>> import collections
    >>> qualified_name(collections.OrderedDict)
    'collections.OrderedDict'
    """
    module = getattr(obj, "__module__", None) or "?"
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or "?"
    return f"{module}.{name}"


def feed_object(encoder: _Encoder, hasher: Any, value: Any, path: str) -> None:
    """Feed the key of ``value`` (not a builtin scalar or container) into ``hasher``."""
    kind = type(value)
    rule = _EXACT.get(kind)
    if rule is not None:
        rule(encoder, hasher, value, path)
        return
    if isinstance(value, type):
        hasher.update(_text(b"K", qualified_name(value)))
        return
    own = getattr(kind, KEY_METHOD, None)
    if own is not None:
        _own_key(encoder, hasher, value, path)
    elif isinstance(value, (types.FunctionType, types.MethodType, types.BuiltinFunctionType)):
        _callable(encoder, hasher, value, path)
    elif isinstance(value, types.ModuleType):
        hasher.update(_text(b"M", value.__name__))
    elif _is_ufunc(value):
        hasher.update(_text(b"U", f"numpy.{value.__name__}"))
    elif _module_root(kind) == "numpy" and _is_masked(value):
        _masked(encoder, hasher, value, path)
    elif _module_root(kind) == "xarray":
        _xarray(encoder, hasher, value, path)
    else:
        _state(encoder, hasher, value, path)


# ---- values with a rule of their own ------------------------------------------------------


def _datetime(encoder: _Encoder, hasher: Any, value: Any, path: str) -> None:
    fields = [value.year, value.month, value.day, value.hour, value.minute, value.second]
    fields += [value.microsecond, value.fold]
    hasher.update(_text(b"W", "datetime") + _ints(fields))
    _tzinfo(encoder, hasher, value.tzinfo, path)


def _date(encoder: _Encoder, hasher: Any, value: Any, path: str) -> None:
    hasher.update(_text(b"W", "date") + _ints([value.year, value.month, value.day]))


def _time(encoder: _Encoder, hasher: Any, value: Any, path: str) -> None:
    fields = [value.hour, value.minute, value.second, value.microsecond, value.fold]
    hasher.update(_text(b"W", "time") + _ints(fields))
    _tzinfo(encoder, hasher, value.tzinfo, path)


def _timedelta(encoder: _Encoder, hasher: Any, value: Any, path: str) -> None:
    fields = [value.days, value.seconds, value.microseconds]
    hasher.update(_text(b"W", "timedelta") + _ints(fields))


def _tzinfo(encoder: _Encoder, hasher: Any, tz: Any, path: str) -> None:
    if tz is None:
        hasher.update(b"N")
    elif type(tz) is datetime.timezone:
        hasher.update(_text(b"z", "timezone"))
        _timedelta(encoder, hasher, tz.utcoffset(None), path)
        hasher.update(_text(b"s", tz.tzname(None) or ""))
    elif type(tz).__module__ == "zoneinfo" and isinstance(getattr(tz, "key", None), str):
        hasher.update(_text(b"z", "zoneinfo") + _text(b"s", tz.key))
    else:
        encoder.feed(hasher, tz, f"{path}.tzinfo")


def _decimal(encoder: _Encoder, hasher: Any, value: Any, path: str) -> None:
    hasher.update(_text(b"Q", str(value)))


def _fraction(encoder: _Encoder, hasher: Any, value: Any, path: str) -> None:
    hasher.update(b"q")
    encoder.feed(hasher, value.numerator, path)
    encoder.feed(hasher, value.denominator, path)


def _uuid(encoder: _Encoder, hasher: Any, value: Any, path: str) -> None:
    hasher.update(b"u" + value.bytes)


_EXACT = {
    datetime.datetime: _datetime,
    datetime.date: _date,
    datetime.time: _time,
    datetime.timedelta: _timedelta,
    decimal.Decimal: _decimal,
    fractions.Fraction: _fraction,
    uuid.UUID: _uuid,
}


def _own_key(encoder: _Encoder, hasher: Any, value: Any, path: str) -> None:
    kind = type(value)
    try:
        key = getattr(value, KEY_METHOD)()
    except Exception as err:  # the object's own method failed: not our key to guess
        encoder.refuse(value, path, f"its {KEY_METHOD}() raised {err!r}")
    hasher.update(_text(b"X", qualified_name(kind)))
    with encoder.inside(value, hasher):
        encoder.feed(hasher, key, f"{path}.{KEY_METHOD}()")


def _callable(encoder: _Encoder, hasher: Any, value: Any, path: str) -> None:
    if isinstance(value, types.MethodType):
        hasher.update(b"m")
        encoder.feed(hasher, value.__func__, f"{path}.__func__")
        encoder.feed(hasher, value.__self__, f"{path}.__self__")
        return
    if isinstance(value, types.BuiltinFunctionType):
        hasher.update(_text(b"H", qualified_name(value)))
        owner = getattr(value, "__self__", None)
        if owner is not None and not isinstance(owner, (types.ModuleType, type)):
            encoder.feed(hasher, owner, f"{path}.__self__")  # a bound builtin: [].append
        return
    if encoder.seen(value, hasher):
        return
    with encoder.inside(value, hasher):
        hasher.update(_text(b"F", function_identity(value)))
        hasher.update(_text(b"k", code_fingerprint(value.__code__)))
        encoder.feed(hasher, value.__defaults__, f"{path}.__defaults__")
        encoder.feed(hasher, value.__kwdefaults__, f"{path}.__kwdefaults__")
        encoder.feed(hasher, closure_values(value), f"{path} closure")


def closure_values(func: Any) -> dict[str, Any]:
    """The variables ``func`` reads from its enclosing functions, by name (unset ones left
    out): they decide what it computes as much as its arguments do.

    >>> def make(p):
    ...     return lambda x: x**p
    >>> closure_values(make(3)), closure_values(len)
    ({'p': 3}, {})
    """
    cells = getattr(func, "__closure__", None) or ()
    names = getattr(getattr(func, "__code__", None), "co_freevars", ())
    values = {}
    for name, cell in zip(names, cells, strict=False):
        try:
            values[name] = cell.cell_contents
        except ValueError:  # not assigned yet
            continue
    return values


def _masked(encoder: _Encoder, hasher: Any, value: Any, path: str) -> None:
    import numpy as np

    hasher.update(_text(b"k", qualified_name(type(value))))
    encoder.feed(hasher, np.asarray(value.data), f"{path}.data")
    encoder.feed(hasher, np.ma.getmaskarray(value), f"{path}.mask")
    encoder.feed(hasher, np.asarray(value.fill_value), f"{path}.fill_value")
    encoder.feed(hasher, bool(value.hardmask), f"{path}.hardmask")


def _xarray(encoder: _Encoder, hasher: Any, value: Any, path: str) -> None:
    """A DataArray, Dataset or Variable: everything its ``to_dict`` shows, values as
    numpy arrays (a lazily loaded array is read)."""
    to_dict = getattr(value, "to_dict", None)
    if not callable(to_dict):
        _state(encoder, hasher, value, path)
        return
    hasher.update(_text(b"x", qualified_name(type(value))))
    try:
        content = to_dict(data="array", encoding=False)
    except TypeError:  # an xarray without the encoding option
        content = to_dict(data="array")
    encoder.feed(hasher, content, path)


def _state(encoder: _Encoder, hasher: Any, value: Any, path: str) -> None:
    """An ordinary object: its class and the state pickle would save."""
    kind = type(value)
    if encoder.seen(value, hasher):
        return
    if _random_generator(value):
        encoder.refuse(
            value,
            path,
            "a random number generator, which the call may advance: a stored result would "
            "come back without advancing it, so the numbers drawn from it afterwards would "
            "differ from those of a run that computed the call",
            advice="Pass a seed (an int) instead, and make the generator from it inside the "
            "function\n(numpy.random.default_rng(seed), random.Random(seed))",
        )
    if _seed_sequence(value):
        encoder.refuse(
            value,
            path,
            "a numpy SeedSequence, which the call may advance (each spawn() adds a child): "
            "a stored result would come back without advancing it, so its spawns afterwards "
            "would differ from those of a run that computed the call",
            advice="Pass its entropy (an int) and spawn_key (a tuple) instead, and make the "
            "SeedSequence from them inside the function\n"
            "(numpy.random.SeedSequence(entropy, spawn_key=spawn_key))",
        )
    refusal = _refusal(value)
    if refusal:
        encoder.refuse(value, path, refusal)
    try:
        # as pickle does: a reducer registered with copyreg first (re.Pattern has one)
        reducer = copyreg.dispatch_table.get(kind)
        reduced = reducer(value) if reducer is not None else value.__reduce_ex__(4)
    except Exception as err:
        encoder.refuse(value, path, f"its state cannot be read ({err})")
    if isinstance(reduced, str):  # a module-level singleton, pickled by name
        hasher.update(_text(b"G", f"{kind.__module__}.{reduced}"))
        return
    constructor, args, *rest = reduced
    rest += [None] * (4 - len(rest))
    state, list_items, dict_items = rest[0], rest[1], rest[2]
    with encoder.inside(value, hasher):
        hasher.update(_text(b"O", qualified_name(kind)))
        hasher.update(_text(b"n", qualified_name(constructor)))
        encoder.feed(hasher, tuple(args), f"{path} constructor arguments")
        encoder.feed(hasher, _without_cached(kind, state), path + ".__dict__")
        encoder.feed(hasher, _items(list_items), path + " items")
        encoder.feed(hasher, dict(_items(dict_items)), path + " items")


def _refusal(value: Any) -> str:
    if type(value) is object:
        return "a bare object() has an identity but no content; use an enum member or a value"
    if isinstance(value, io.IOBase):
        return "it is an open file; pass its path (keyed by name) or its contents"
    if isinstance(value, (Iterator, types.GeneratorType, types.CoroutineType)):
        return "it is an iterator, used up when read; pass a list or tuple of its items"
    return ""


def _random_generator(value: Any) -> bool:
    """Whether ``value`` is a random number generator whose state a call can advance:
    ``random.Random`` or numpy's ``Generator``, ``RandomState`` or bit generators.

    >>> import random
    >>> _random_generator(random.Random(1)), _random_generator(1)
    (True, False)
    """
    if isinstance(value, random.Random):
        return True
    numpy = sys.modules.get("numpy")  # (a subclass of the user's too: it draws alike)
    if numpy is None:
        return False
    np_random = numpy.random
    return isinstance(value, (np_random.Generator, np_random.RandomState, np_random.BitGenerator))


def _seed_sequence(value: Any) -> bool:
    """Whether ``value`` is numpy's ``SeedSequence``, whose ``spawn()`` advances it.

    >>> import numpy as np
    >>> _seed_sequence(np.random.SeedSequence(1)), _seed_sequence(1)
    (True, False)
    """
    numpy = sys.modules.get("numpy")  # (a subclass of the user's too: it spawns alike)
    return numpy is not None and isinstance(value, numpy.random.SeedSequence)


def _without_cached(kind: type, state: Any) -> Any:
    """State minus ``cached_property`` values: computing one must not change the key."""
    if isinstance(state, tuple) and len(state) == 2 and isinstance(state[0], dict):
        return (_without_cached(kind, state[0]), state[1])
    if not isinstance(state, dict):
        return state
    return {
        k: v
        for k, v in state.items()
        if not isinstance(getattr(kind, k, None) if isinstance(k, str) else None, _CACHED)
    }


_CACHED = functools.cached_property


def _items(items: Any) -> list[Any]:
    return [] if items is None else list(items)


def _is_ufunc(value: Any) -> bool:
    kind = type(value)
    return kind.__name__ == "ufunc" and _module_root(kind) == "numpy"


def _is_masked(value: Any) -> bool:
    import numpy as np

    return isinstance(value, np.ma.MaskedArray)


def _module_root(kind: type) -> str:
    return (kind.__module__ or "").partition(".")[0]


def _ints(values: list[int]) -> bytes:
    return b"".join(v.to_bytes(8, "little", signed=True) for v in values)


def _text(tag: bytes, text: str) -> bytes:
    data = text.encode("utf-8", "surrogatepass")
    return tag + len(data).to_bytes(8, "little") + data
