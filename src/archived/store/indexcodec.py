"""Values of the read-side index as JSON text: exact, and decoded without running anything.

The index (:mod:`archived.store.index`) keeps each entry's info record, and its value when
small, as JSON text, so reading thousands of them costs one C-speed ``json.loads`` each.
JSON has no tuples, sets, bytes, complex numbers or numpy values, so those are written as
a JSON object with a single *tag* key starting with a NUL character (``{"\\u0000t": [1,
2]}`` is the tuple ``(1, 2)``); a dict whose keys are not all strings, or that has a key
starting with NUL, is written as a tagged list of pairs.  Everything else is plain JSON.
Floats keep every bit (``repr``), ``nan``/``inf`` included.

:func:`encode` takes exactly the values the literal fast path builds
(:mod:`archived.load.literal`) and returns None for anything else or anything too big;
:func:`decode` rebuilds them, refusing with ``ValueError`` any text :func:`encode` could
not have written (the index is read from disk: it may have been tampered with).

>>> import numpy as np
>>> text = encode({"x": (1, 2.5), "y": np.float32(0.5), "z": {1: "a"}})
>>> text
'{"x":{"\\\\u0000t":[1,2.5]},"y":{"\\\\u0000n":["float32",0.5]},"z":{"\\\\u0000d":[[1,"a"]]}}'
>>> decode(text)
{'x': (1, 2.5), 'y': np.float32(0.5), 'z': {1: 'a'}}
"""

from __future__ import annotations

import datetime
import json
import json.scanner
import re
import struct
from typing import Any

import numpy as np

from ..load.hashes import crowded_hash
from ..load.numpy_names import numpy_name

__all__ = ["encode", "decode", "decode_many", "MAX_NODES"]

#: Values of more nodes than this are not encoded (shared references would expand).
MAX_NODES = 100_000

_TAG = "\x00"
_ESCAPED_TAG = "\\u0000"  # how json.dumps writes the tag character
_DTYPE = re.compile(
    r"[<>=|]?(?:bool|int(?:8|16|32|64)|uint(?:8|16|32|64)|float(?:16|32|64)|[biuf][1248])"
)
_SCALARS = {  # numpy 2's names, under numpy 1.x too (its bool_ is written "bool")
    name: getattr(np, numpy_name(name))
    for name in (
        "bool float16 float32 float64 int8 int16 int32 int64 uint8 uint16 uint32 uint64 "
        "complex64 complex128"
    ).split()
}
_SCALAR_NAMES = {kind: name for name, kind in _SCALARS.items()}
_TIMES: dict[str, type] = {
    "datetime": datetime.datetime,
    "date": datetime.date,
    "time": datetime.time,
    "timedelta": datetime.timedelta,
}
_NAN_BITS = struct.pack("<d", float("nan"))
_DUMPS = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False).encode


def encode(value: Any, *, max_chars: int | None = None) -> str | None:
    """JSON text for ``value``, or None if it holds something else than the fast path's
    values, more than :data:`MAX_NODES` nodes, or (with ``max_chars``) a longer text.

    >>> encode([1, "a", None, True, float("nan")])
    '[1,"a",null,true,NaN]'
    >>> encode(object()) is None
    True
    """
    text = None
    if _is_json(value, [MAX_NODES], 0, set()):
        # JSON as it is (an info record, a dict of numbers: most values): dumped without
        # the tagged copy _plain makes, 30% of an entry's encodings on a table's first
        # read.  A NUL anywhere (a key that would read as a tag) takes the long way
        text = _DUMPS(value)
        if _ESCAPED_TAG in text:
            text = None
    if text is None:
        try:
            plain = _plain(value, [MAX_NODES], 0, set())
        except _Refused:
            return None
        text = _DUMPS(plain)
    if max_chars is not None and len(text) > max_chars:
        return None
    return text


def decode(text: str) -> Any:
    """The value :func:`encode` wrote as ``text``; ``ValueError`` for any other text.

    >>> decode('{"\\\\u0000c":[1.0,-2.0]}')
    (1-2j)
    >>> decode('{"\\\\u0000x":1}')
    Traceback (most recent call last):
        ...
    ValueError: index value: unknown tag '\\x00x'
    """
    try:
        if _ESCAPED_TAG not in text and _TAG not in text:
            value, end = _scan_plain(text, 0)
        else:
            value, end = _scan_tagged(text, 0)
    except _SCANNER_ERRORS as err:
        raise _refusal(err) from None
    if end != len(text):
        raise ValueError("index value: text after the value")
    return value


def decode_many(texts: list[str]) -> list[Any]:
    """``[decode(t) for t in texts]``, at a fraction of the cost for many short texts
    (a table of a big store decodes a value per row); ``ValueError`` if any text is
    not one :func:`encode` could have written.

    The texts are scanned as one JSON list, in one call of the C scanner: it then makes
    each key text once for all of them (a table of 100,000 calls made a million copies
    of "function", "status" and the parameters' names), and the call's own cost is paid
    once.  A text that is not one value makes the count of values differ, or the list
    not scan; only texts crafted together to hold their neighbours' parts (``'1,2'``
    then ``'[3'`` and ``'4]'``) scan to as many values, each then another text's, which
    is what a crafted index file can already give a row.

    >>> decode_many(['[1,2]', '{"\\\\u0000t":[1]}', 'NaN'])
    [[1, 2], (1,), nan]
    >>> decode_many(['1,2'])
    Traceback (most recent call last):
        ...
    ValueError: index value: text after the value
    """
    if not texts:
        return []
    joined = "[" + ",".join(texts) + "]"
    scan = _scan_tagged if _ESCAPED_TAG in joined or _TAG in joined else _scan_plain
    try:
        values, end = scan(joined, 0)
    except _SCANNER_ERRORS as err:
        raise _refusal(err) from None
    if end != len(joined) or len(values) != len(texts):
        raise ValueError("index value: text after the value")
    return values  # type: ignore[no-any-return]


# what the scanner raises for a text encode() could not have written
_SCANNER_ERRORS = (
    StopIteration,
    json.JSONDecodeError,  # (inside a list or an object: "Expecting ',' delimiter")
    RecursionError,
    TypeError,
    KeyError,
    IndexError,
    OverflowError,
)


def _refusal(err: BaseException) -> ValueError:
    """The ``ValueError`` that :func:`decode` and :func:`decode_many` raise for a scanner
    error ``err`` (a try/except costs nothing on the path of a good text).

    >>> _refusal(StopIteration(0))
    ValueError('index value: not JSON')
    """
    if isinstance(err, (StopIteration, json.JSONDecodeError)):
        return ValueError("index value: not JSON")
    if isinstance(err, RecursionError):
        return ValueError("index value: nested too deeply")
    return ValueError(f"index value: {err}")


# The C scanner of the json module, without the Python layers of json.loads around it
# (they cost more than the scan for the short texts of an index row).  Each NaN is a new
# float, as each nan of the entry is: json's own is one object for all, so the set of
# two nans {nan, nan} came back as {nan}
_scan_plain = json.scanner.make_scanner(json.JSONDecoder(parse_constant=float))  # type: ignore[arg-type]


def _make_tagged_scanner() -> Any:
    decoder = json.JSONDecoder(object_hook=_untag, parse_constant=float)
    return json.scanner.make_scanner(decoder)  # type: ignore[arg-type]


# ---- encoding ---------------------------------------------------------------------------


class _Refused(Exception):
    pass


def _is_json(value: Any, budget: list[int], depth: int, seen: set[int]) -> bool:
    """Whether ``value`` is plain JSON that :func:`_plain` would copy unchanged: strings,
    bools, None, ints, floats that are not nan, and lists and dicts of them (dict keys
    strings), each list and dict met once, within ``budget`` nodes and 100 levels.  (A
    string's NUL is not looked for: the caller finds it in the text.)

    >>> _is_json({"a": [1, 2.5, None, "x"]}, [10], 0, set())
    True
    >>> shared = [1]
    >>> [_is_json(v, [10], 0, set()) for v in ([shared, shared], (1,), {1: 2}, [float("nan")])]
    [False, False, False, False]
    """
    budget[0] -= 1
    if budget[0] < 0 or depth > 100:
        return False
    kind = type(value)
    if kind is not dict and kind is not list:
        return _is_json_atom(value, kind)
    if id(value) in seen:
        return False
    seen.add(id(value))
    depth += 1
    if kind is dict:
        if not set(map(type, value)) <= _STR:
            return False
        value = value.values()
    budget[0] -= len(value)
    if budget[0] < 0:
        return False
    for item in value:
        kind = type(item)
        if kind is dict or kind is list:
            budget[0] += 1  # (counted by the call)
            if not _is_json(item, budget, depth, seen):
                return False
        elif depth > 100 or not _is_json_atom(item, kind):
            return False
    return True


_STR = {str}


def _is_json_atom(value: Any, kind: type) -> bool:
    if kind is str or kind is bool or value is None:
        return True
    if kind is float:
        return value == value  # (a nan: _plain keeps its bits or refuses it)
    return kind is int and value.bit_length() <= 10_000


def _plain(value: Any, budget: list[int], depth: int, mutable: set[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0 or depth > 100:
        raise _Refused
    kind = type(value)
    if kind in _MUTABLE or kind in _INEXACT and value != value:
        # a mutable object met twice is one object shared (``(x, x)``): JSON would decode
        # two copies, and a change to one would no longer show in the other.  A nan too
        # is itself only (a set or dict tells nans apart by identity): decoded, every nan
        # is a new one, so one met twice is not kept
        if id(value) in mutable:
            raise _Refused
        mutable.add(id(value))
    if kind is str or kind is bool or value is None:
        return value
    if kind is float:
        if value != value and _bits(value) != _NAN_BITS:
            raise _Refused  # a nan with a sign or payload: JSON's NaN would lose it
        return value
    if kind is int:
        if value.bit_length() > 10_000:
            raise _Refused  # json.loads refuses integers of more than 4300 digits
        return value
    if kind is list:
        return [_plain(v, budget, depth + 1, mutable) for v in value]
    if kind is dict:
        if all(type(k) is str and not k.startswith(_TAG) for k in value):
            return {k: _plain(v, budget, depth + 1, mutable) for k, v in value.items()}
        pairs = [
            [_plain(k, budget, depth + 1, mutable), _plain(v, budget, depth + 1, mutable)]
            for k, v in value.items()
        ]
        return {_TAG + "d": pairs}
    if kind is tuple:
        return {_TAG + "t": [_plain(v, budget, depth + 1, mutable) for v in value]}
    if kind is set or kind is frozenset:
        items = [_plain(v, budget, depth + 1, mutable) for v in value]
        return {_TAG + ("s" if kind is set else "f"): items}
    if kind is complex:
        return {
            _TAG + "c": [
                _plain(value.real, budget, depth, mutable),
                _plain(value.imag, budget, depth, mutable),
            ]
        }
    if kind is bytes or kind is bytearray:
        return {_TAG + ("b" if kind is bytes else "B"): value.hex()}
    if kind is range:
        return {_TAG + "r": [value.start, value.stop, value.step]}
    if kind is slice:
        parts = (value.start, value.stop, value.step)
        if not all(p is None or type(p) is int for p in parts):
            raise _Refused
        return {_TAG + "l": list(parts)}
    if kind in _SCALAR_NAMES:
        item = value.item()
        if isinstance(item, complex):
            item = [item.real, item.imag]
        elif item != item and value.tobytes() != value.dtype.type(np.nan).tobytes():
            raise _Refused  # a nan with a sign or payload
        return {_TAG + "n": [_SCALAR_NAMES[kind], item]}
    if kind is np.ndarray:
        return _array(value, budget)
    for name, time_kind in _TIMES.items():
        if kind is time_kind:
            return {_TAG + "T": [name, _time_fields(value)]}
    raise _Refused


_MUTABLE = frozenset({list, dict, set, bytearray, np.ndarray})
_INEXACT = frozenset({float, complex, *(_SCALARS[n] for n in _SCALARS if n[0] in "fc")})


def _array(value: np.ndarray, budget: list[int]) -> Any:
    dtype = value.dtype.str if value.dtype.byteorder not in "=|" else value.dtype.name
    budget[0] -= value.size
    if budget[0] < 0 or _DTYPE.fullmatch(dtype) is None or value.size == 0:
        raise _Refused
    if value.dtype.kind == "f" and np.isnan(value).any():
        raise _Refused  # nan bits (sign, payload) would not survive
    order = "F" if value.flags.f_contiguous and not value.flags.c_contiguous else "C"
    return {_TAG + "a": [dtype, order, value.tolist()]}


def _time_fields(value: Any) -> list[int]:
    if isinstance(value, datetime.timedelta):
        return [value.days, value.seconds, value.microseconds]
    if getattr(value, "tzinfo", None) is not None or getattr(value, "fold", False):
        raise _Refused
    fields: tuple[str, ...] = ("hour", "minute", "second", "microsecond")
    if isinstance(value, datetime.datetime):
        fields = ("year", "month", "day", *fields)
    elif isinstance(value, datetime.date):
        fields = ("year", "month", "day")
    return [getattr(value, f) for f in fields]


def _bits(value: float) -> bytes:
    return struct.pack("<d", value)


# ---- decoding ---------------------------------------------------------------------------


def _untag(obj: dict[str, Any]) -> Any:
    if len(obj) != 1:
        if any(k.startswith(_TAG) for k in obj):
            raise ValueError("index value: a tag among other keys")
        return obj
    ((tag, payload),) = obj.items()
    if not tag.startswith(_TAG):
        return obj
    build = _BUILDERS.get(tag)
    if build is None:
        raise ValueError(f"index value: unknown tag {tag!r}")
    return build(payload)


def _need(ok: bool, what: str) -> None:
    if not ok:
        raise ValueError(f"index value: malformed {what}")


def _list(payload: Any, what: str) -> list[Any]:
    _need(type(payload) is list, what)
    return payload  # type: ignore[no-any-return]


def _pairs(payload: Any) -> dict[Any, Any]:
    items = _list(payload, "dict")
    _need(all(type(p) is list and len(p) == 2 for p in items), "dict")
    return {k: v for k, v in _spread([p[0] for p in items], items, "dict")}


def _spread(keys: list[Any], items: list[Any], what: str) -> list[Any]:
    """``items``, unless their ``keys`` were crafted to share one hash value (a set or
    dict of them takes time growing with the square of their number to build)."""
    _need(crowded_hash(keys) is None, what)
    return items


def _complex(payload: Any) -> complex:
    parts = _list(payload, "complex")
    _need(len(parts) == 2 and all(type(p) in (int, float) for p in parts), "complex")
    return complex(parts[0], parts[1])


def _bytes(kind: type) -> Any:
    def build(payload: Any) -> Any:
        _need(type(payload) is str, "bytes")
        return kind(bytes.fromhex(payload))

    return build


def _ints(payload: Any, count: int, none: bool, what: str) -> list[Any]:
    parts = _list(payload, what)
    ok = len(parts) == count and all(type(p) is int or none and p is None for p in parts)
    _need(ok, what)
    return parts


def _scalar(payload: Any) -> Any:
    parts = _list(payload, "numpy scalar")
    _need(len(parts) == 2 and parts[0] in _SCALARS, "numpy scalar")
    kind, item = _SCALARS[parts[0]], parts[1]
    if type(item) is list:
        return kind(_complex(item))
    _need(type(item) in (int, float, bool), "numpy scalar")
    return kind(item)


def _array_of(payload: Any) -> np.ndarray:
    parts = _list(payload, "array")
    _need(len(parts) == 3 and type(parts[0]) is str and parts[1] in ("C", "F"), "array")
    _need(_DTYPE.fullmatch(parts[0]) is not None and _numbers(parts[2], 0), "array")
    dtype = np.dtype(parts[0])
    result = np.array(parts[2], dtype=dtype, order=parts[1])
    _need(result.size > 0, "array")
    return result


def _numbers(value: Any, depth: int) -> bool:
    if type(value) is list:
        return depth < 32 and all(_numbers(v, depth + 1) for v in value)
    return type(value) in (int, float, bool)


def _time(payload: Any) -> Any:
    parts = _list(payload, "time")
    _need(len(parts) == 2 and parts[0] in _TIMES, "time")
    kind = _TIMES[parts[0]]
    fields = _list(parts[1], "time")
    _need(len(fields) <= 7 and all(type(f) is int for f in fields), "time")
    if kind is datetime.timedelta:
        _need(len(fields) == 3, "time")
        return datetime.timedelta(days=fields[0], seconds=fields[1], microseconds=fields[2])
    return kind(*fields)


_scan_tagged = _make_tagged_scanner()

_BUILDERS: dict[str, Any] = {
    _TAG + "t": lambda p: tuple(_list(p, "tuple")),
    _TAG + "s": lambda p: set(_spread(_list(p, "set"), p, "set")),
    _TAG + "f": lambda p: frozenset(_spread(_list(p, "frozenset"), p, "frozenset")),
    _TAG + "d": _pairs,
    _TAG + "c": _complex,
    _TAG + "b": _bytes(bytes),
    _TAG + "B": _bytes(bytearray),
    _TAG + "r": lambda p: range(*_ints(p, 3, False, "range")),
    _TAG + "l": lambda p: slice(*_ints(p, 3, True, "slice")),
    _TAG + "n": _scalar,
    _TAG + "a": _array_of,
    _TAG + "T": _time,
}
