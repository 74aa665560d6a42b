"""Numpy arrays and scalars as exact Python source.

:func:`inline_array` and :func:`inline_scalar` turn a numpy value into a Python
expression plus the imports it needs.  Evaluating the expression rebuilds the value
bit-exactly: same dtype (byte order, units, structured layout), same shape, same memory
order, every bit of every element (nan payloads, ``-0.0``, padding bytes).  Numpy's
summarised repr (``[0., 1., ..., 1999.]``) is never used.

The expression is readable when a readable form is exact (``_array([1.0, 2.5],
dtype='float64')``) and otherwise falls back to the raw bytes
(``_from_bytes(b'...', '<f8', (2,), 'C')``).  Arrays of more than 10,000 elements always
use the raw bytes, base64-encoded: nobody reads a million numbers, and Python parses a
million-element list literal a hundred times slower than the same data as a string.
The only identifiers in an expression are the aliases of the returned imports, so a
caller may rename them with :mod:`ast`.

>>> import numpy as np
>>> inline_array(np.array([1.0, 2.5]))
("_array([1.0, 2.5], dtype='float64')", [('numpy', 'array', '_array')])

Big arrays are stored in HDF5 files instead, see :mod:`archived.hdf5`.
"""

from __future__ import annotations

import ast
import base64
import functools
import math
from collections.abc import Iterator
from typing import Any, Literal, cast

import numpy as np

__all__ = [
    "inline_array",
    "inline_scalar",
    "from_bytes",
    "scalar_from_bytes",
    "contiguous",
    "is_plain_string_dtype",
    "READABLE_LIMIT",
    "dtype_literal",
    "dtype_from_literal",
    "raw_dtype",
]

Import = tuple[str, str, str]
Order = Literal["C", "F"]

_ARRAY: Import = ("numpy", "array", "_array")
_ZEROS: Import = ("numpy", "zeros", "_zeros")
_FROM_BYTES: Import = ("archived.arrays", "from_bytes", "_from_bytes")
_SCALAR_FROM_BYTES: Import = ("archived.arrays", "scalar_from_bytes", "_scalar_from_bytes")
_NAN: Import = ("math", "nan", "nan")
_INF: Import = ("math", "inf", "inf")

# Above this many elements the bytes form is used (see the module docstring).
READABLE_LIMIT = 10_000
# Raw data longer than this many bytes is written as base64 text, not a bytes literal
# (a third of the size for binary data).
_BYTES_LITERAL_LIMIT = 256


def inline_array(a: np.ndarray) -> tuple[str, list[Import]] | None:
    """Return ``(expression, imports)`` rebuilding ``a`` exactly, or None for object arrays.

    ``imports`` is a list of ``(module, name, alias)``; after ``from module import name
    as alias`` for each, evaluating ``expression`` gives an array with the same dtype,
    shape, memory order (Fortran arrays stay Fortran-contiguous, other non-contiguous
    views become contiguous copies) and bytes as ``a``.  Object arrays (and ndarray
    subclasses other than memmap) are left to the caller: the result is None.

    >>> import numpy as np
    >>> inline_array(np.array([[1, 2], [3, 4]], dtype='>i2', order='F'))[0]
    "_array([[1, 2], [3, 4]], dtype='>i2', order='F')"
    >>> inline_array(np.zeros((0, 3)))[0]
    "_zeros((0, 3), dtype='float64')"
    >>> expr, imports = inline_array(np.array([1.0, -0.0, np.inf, np.nan]))
    >>> expr, sorted(alias for _, _, alias in imports)
    ("_array([1.0, -0.0, inf, nan], dtype='float64')", ['_array', 'inf', 'nan'])
    """
    if not isinstance(a, np.ndarray):
        raise TypeError(f"inline_array() needs a numpy.ndarray, not {type(a).__name__!r}")
    if type(a) is not np.ndarray and not isinstance(a, np.memmap):
        return None
    if a.dtype.hasobject and not is_plain_string_dtype(a.dtype):
        return None
    b = contiguous(a)
    order: Order = "F" if b.flags.f_contiguous and not b.flags.c_contiguous else "C"
    dtype_text = repr(dtype_literal(b.dtype))
    order_kw = ", order='F'" if order == "F" else ""
    if b.size == 0:
        return f"_zeros({b.shape!r}, dtype={dtype_text}{order_kw})", [_ZEROS]
    if b.dtype.kind == "T":  # no bytes form: its items point into an arena
        return f"_array({b.tolist()!r}, dtype={dtype_text}{order_kw})", [_ARRAY]
    readable = _readable_values(b) if b.size <= READABLE_LIMIT else None
    if readable is not None:
        values, extra = readable
        return f"_array({values}, dtype={dtype_text}{order_kw})", [_ARRAY, *extra]
    data = _bytes_text(b.tobytes(order=order))
    return f"_from_bytes({data}, {dtype_text}, {b.shape!r}, {order!r})", [_FROM_BYTES]


def inline_scalar(x: np.generic) -> tuple[str, list[Import]]:
    """Return ``(expression, imports)`` rebuilding the numpy scalar ``x`` exactly.

    The result has the same type (``np.float32``, ``np.longlong``, ``np.void``, ...),
    dtype and bits as ``x``.

    >>> import numpy as np
    >>> inline_scalar(np.float32(1.5))
    ('_float32(1.5)', [('numpy', 'float32', '_float32')])
    >>> inline_scalar(np.datetime64('2020-01-02', 'D'))[0]
    "_datetime64('2020-01-02', 'D')"
    """
    if not isinstance(x, np.generic):
        raise TypeError(f"inline_scalar() needs a numpy scalar, not {type(x).__name__!r}")
    readable = _readable_scalar(x)
    if readable is not None and _same_scalar(_evaluate(*readable), x):
        return readable
    data = _bytes_text(x.tobytes())
    dtype_text = repr(dtype_literal(x.dtype))
    return f"_scalar_from_bytes({data}, {dtype_text})", [_SCALAR_FROM_BYTES]


def from_bytes(
    data: bytes | str, dtype: Any, shape: tuple[int, ...], order: Order = "C"
) -> np.ndarray:
    """Rebuild a writeable array from its raw bytes (in ``order``), dtype literal and shape.

    ``data`` is the bytes, or their base64 encoding as a ``str``.

    >>> from_bytes(b'\\x01\\x00\\x02\\x00', '<i2', (2,))
    array([1, 2], dtype=int16)
    >>> from_bytes('AQACAA==', '<i2', (2,))
    array([1, 2], dtype=int16)
    """
    if order not in ("C", "F"):
        raise ValueError(f"order must be 'C' or 'F', not {order!r}")
    dt = raw_dtype(dtype_from_literal(dtype))
    if math.prod(shape) == 0:
        return np.zeros(shape, dtype=dt, order=order)
    # copying the bytearray, not the array: numpy's copy of a structured array
    # does not keep its padding bytes
    flat = np.frombuffer(bytearray(_decode(data)), dtype=dt)
    return flat.reshape(shape, order=order)


def scalar_from_bytes(data: bytes | str, dtype: Any) -> np.generic:
    """Rebuild a numpy scalar from its raw bytes (or their base64 text) and dtype literal.

    >>> x = scalar_from_bytes(b'\\x00\\x00\\xc0\\x7f', '<f4')
    >>> type(x).__name__, x.tobytes()
    ('float32', b'\\x00\\x00\\xc0\\x7f')
    """
    dt = raw_dtype(dtype_from_literal(dtype))
    return cast(np.generic, np.frombuffer(bytearray(_decode(data)), dtype=dt).reshape(())[()])


def _bytes_text(data: bytes) -> str:
    if len(data) <= _BYTES_LITERAL_LIMIT:
        return repr(data)
    return repr(base64.b64encode(data).decode("ascii"))


def _decode(data: bytes | str) -> bytes:
    if isinstance(data, str):
        return base64.b64decode(data.encode("ascii"), validate=True)
    return bytes(data)


def contiguous(a: np.ndarray) -> np.ndarray:
    """``a`` itself if contiguous, else a contiguous copy keeping every byte of each item.

    The copy follows ``a``'s memory layout (a strided view of a Fortran array stays
    Fortran-ordered).  Unlike ``a.copy()``, padding bytes of structured items are kept.

    >>> import numpy as np
    >>> contiguous(np.arange(6.0).reshape(2, 3)[:, ::2])
    array([[0., 2.],
           [3., 5.]])
    """
    if a.strides in (_strides(a, "C"), _strides(a, "F")):
        return a
    if a.dtype.hasobject:  # items are references: no raw view, and no padding either
        return a.copy(order="K")
    # a copy also when numpy calls ``a`` contiguous but its strides are odd (length-1
    # axes with any stride): code handing the buffer to C may trust the strides
    raw = a.view(np.dtype((np.void, a.dtype.itemsize)))
    return raw.copy(order="K").view(a.dtype)


def _strides(a: np.ndarray, order: str) -> tuple[int, ...]:
    """The strides of a contiguous array of ``a``'s shape and dtype in ``order``."""
    step = a.dtype.itemsize
    out = []
    for n in a.shape if order == "F" else reversed(a.shape):
        out.append(step)
        step *= n
    return tuple(out) if order == "F" else tuple(reversed(out))


def is_plain_string_dtype(dt: np.dtype) -> bool:
    """Whether ``dt`` is numpy 2's variable-width ``StringDType()`` with default options.

    Such arrays are archived by value, as ``dtype='T'``; a ``StringDType`` with an
    ``na_object`` has no literal form and is left to the caller, like object arrays.

    >>> import numpy as np
    >>> is_plain_string_dtype(np.dtype('U3'))  # numpy 2: is_plain_string_dtype(np.dtype('T'))
    False
    """
    return dt.kind == "T" and repr(dt) == "StringDType()"


def dtype_literal(dt: np.dtype) -> Any:
    """A Python literal (str, tuple, list or dict) that ``np.dtype()`` rebuilds into ``dt``.

    Native simple dtypes use their readable name, others their explicit byte-order
    string, or their type code for aliases such as ``longlong`` so they keep their own
    scalar type; structured dtypes keep their field offsets, alignment and titles.

    >>> import numpy as np
    >>> dtype_literal(np.dtype('>f8')), dtype_literal(np.dtype('float32'))
    ('>f8', 'float32')
    >>> dtype_literal(np.dtype([('x', '<f8'), ('n', '<i4', (2,))]))
    [('x', '<f8'), ('n', '<i4', (2,))]
    """
    if dt.subdtype is not None:
        base, shape = dt.subdtype
        return (dtype_literal(base), shape)
    if dt.fields is None:
        return _simple_dtype_literal(dt)
    try:
        descr = dt.descr  # the readable list form, when it says everything
        if _same_dtype(np.dtype(descr), dt):
            return descr
    except (TypeError, ValueError):  # overlapping or out-of-order fields have no descr
        pass
    return _structured_dtype_dict(dt)


def dtype_from_literal(literal: Any) -> np.dtype:
    """The dtype described by a literal from :func:`dtype_literal` (or its text).

    >>> dtype_from_literal("{'names': ['a'], 'formats': ['<u2'], 'offsets': [2], 'itemsize': 4}")
    dtype({'names': ['a'], 'formats': ['<u2'], 'offsets': [2], 'itemsize': 4})
    """
    if isinstance(literal, str):
        return _dtype_from_text(literal)
    return np.dtype(literal)


def raw_dtype(dt: np.dtype) -> np.dtype:
    """``dt`` if raw bytes may be read as it: no field or item holds a reference.

    Items of object fields (and of ``StringDType``) are pointers: bytes read from a file
    would become pointers to anywhere.  Numpy refuses such dtypes itself, unless their
    flags were tampered with (a pickled dtype can say it holds no objects while a field
    does), so the fields are checked here, not the flags alone.  Raises ``TypeError``.

    >>> raw_dtype(np.dtype([('a', '<f8')]))
    dtype([('a', '<f8')])
    >>> raw_dtype(np.dtype([('a', 'O')]))
    Traceback (most recent call last):
        ...
    TypeError: raw bytes cannot be read as dtype [('a', 'O')]: its items hold references
    """
    if dt.hasobject or _holds_references(dt, 0):
        raise TypeError(f"raw bytes cannot be read as dtype {dt}: its items hold references")
    return dt


def _holds_references(dt: np.dtype, depth: int) -> bool:
    if depth > 64:
        return True  # nested deeper than any dtype written: do not trust it
    if dt.kind in "OT":
        return True
    if dt.subdtype is not None:
        return _holds_references(dt.subdtype[0], depth + 1)
    if dt.fields is not None:
        return any(_holds_references(f[0], depth + 1) for f in dt.fields.values())
    return False


@functools.lru_cache(maxsize=256)
def _dtype_from_text(text: str) -> np.dtype:
    # every array read parses its dtype; dtypes are immutable, so parse each text once
    return np.dtype(ast.literal_eval(text) if text[:1] in "[{(\"'" else text)


def _simple_dtype_literal(dt: np.dtype) -> str:
    if dt.kind == "T":
        return "T"
    if dt.isnative and dt.kind in "biufcmM":
        if _is_exact_name(dt.name, dt):
            return dt.name
        if _is_exact_name(dt.char, dt):
            return dt.char
    return dt.str


def _is_exact_name(name: str, dt: np.dtype) -> bool:
    try:
        other = np.dtype(name)
    except TypeError:
        return False
    return other == dt and other.type is dt.type and other.str == dt.str


def _structured_dtype_dict(dt: np.dtype) -> dict[str, Any]:
    names = list(dt.names or ())
    fields = [dt.fields[name] for name in names] if dt.fields else []
    spec: dict[str, Any] = {
        "names": names,
        "formats": [dtype_literal(f[0]) for f in fields],
        "offsets": [f[1] for f in fields],
        "itemsize": dt.itemsize,
    }
    titles = [f[2] if len(f) > 2 else None for f in fields]
    if any(t is not None for t in titles):
        spec["titles"] = titles
    if dt.isalignedstruct:
        spec["aligned"] = True
    return spec


def _same_dtype(x: np.dtype, y: np.dtype) -> bool:
    return (
        x == y
        and x.itemsize == y.itemsize
        and x.isalignedstruct == y.isalignedstruct
        and x.str == y.str
        and x.fields == y.fields
    )


def _readable_values(b: np.ndarray) -> tuple[str, list[Import]] | None:
    """Readable text of ``b``'s values and its extra imports, when that text is exact."""
    kind = b.dtype.kind
    if kind in "iu":
        return repr(b.tolist()), []
    if kind == "b":
        if b.view(np.uint8).max() > 1:
            return None  # bool bytes other than 0/1 would be normalised
        return repr(b.tolist()), []
    if kind == "f" and b.dtype.itemsize <= 8:
        return _readable_floats(b)
    if kind == "c" and b.dtype.itemsize <= 16:
        return _readable_complex(b)
    if kind == "U" and np.ravel(b, order="K").view(b.dtype.byteorder + "u4").max() > 0x10FFFF:
        return None  # not a code point: python cannot write it as a literal
    if kind in "SU":
        try:
            return repr(b.tolist()), []
        except (UnicodeError, ValueError, SystemError):  # invalid code points in 'U'
            return None
    if kind == "M":
        return _verified(b, lambda: repr(np.datetime_as_string(b).tolist()))
    if kind == "m":
        return _verified(b, lambda: repr(b.view(b.dtype.byteorder + "i8").tolist()))
    if kind == "V" and _plain_fields(b.dtype) and _covers_every_byte(b.dtype):
        return _verified(b, lambda: repr(b.tolist()))
    return None


def _readable_floats(b: np.ndarray) -> tuple[str, list[Import]] | None:
    extra: list[Import] = []
    if np.isinf(b).any():
        extra.append(_INF)
    nans = np.isnan(b)
    if not nans.any():
        return repr(b.tolist()), extra
    extra.append(_NAN)
    # every nan must be what python's nan or -nan (x86's result of inf - inf) becomes
    # in this dtype; other payloads need the bytes form
    bits = np.frombuffer(b[nans].tobytes(), dtype=f"u{b.dtype.itemsize}")
    positive, negative = (
        np.frombuffer(np.array(v, dtype=b.dtype).tobytes(), dtype=bits.dtype)[0]
        for v in (math.nan, -math.nan)
    )
    is_negative = bits == negative
    if not ((bits == positive) | is_negative).all():
        return None
    if not is_negative.any():
        return repr(b.tolist()), extra
    return _nested_text(b.tolist()), extra


def _nested_text(values: Any) -> str:
    """Like ``repr`` of nested lists of floats, but writing a negative nan as ``-nan``."""
    if isinstance(values, list):
        return "[" + ", ".join(_nested_text(v) for v in values) + "]"
    return _float_text(values)


def _float_text(x: float) -> str:
    if math.isnan(x):
        return "-nan" if math.copysign(1.0, x) < 0 else "nan"
    return repr(x)


def _readable_complex(b: np.ndarray) -> tuple[str, list[Import]] | None:
    parts = np.ravel(b, order="K").view(b.dtype.byteorder + f"f{b.dtype.itemsize // 2}")
    if not np.isfinite(parts).all():
        return None
    # repr turns complex(-0.0, 1) into (-0+1j), which evaluates to +0.0, and
    # complex(0.0, -1) into -1j, which evaluates to complex(-0.0, -1): keep bytes then
    if (np.signbit(parts) & (parts == 0)).any():
        return None
    pairs = parts.reshape(-1, 2)
    if ((pairs[:, 0] == 0) & np.signbit(pairs[:, 1])).any():
        return None
    return repr(b.tolist()), []


def _plain_fields(dt: np.dtype) -> bool:
    """Whether every field is of a kind whose python value has an exact literal repr."""
    if dt.subdtype is not None:
        return _plain_fields(dt.subdtype[0])
    if dt.fields is None:
        return dt.kind in "biuSU" or (dt.kind == "f" and dt.itemsize <= 8)
    return all(_plain_fields(f[0]) for f in dt.fields.values())


def _covers_every_byte(dt: np.dtype) -> bool:
    """Whether the fields of ``dt`` fill its items exactly once: no padding, no overlap.

    ``np.array(values, dtype)`` leaves padding bytes uninitialised, so a readable form
    of a padded structured array could not restore them.
    """
    covered = np.zeros(dt.itemsize, dtype=np.int64)
    for start, size in _leaf_spans(dt, 0):
        covered[start : start + size] += 1
    return bool((covered == 1).all())


def _leaf_spans(dt: np.dtype, offset: int) -> Iterator[tuple[int, int]]:
    if dt.fields is None or dt.subdtype is not None:
        base = dt.subdtype[0] if dt.subdtype is not None else dt
        if base.fields is not None:
            count = dt.itemsize // base.itemsize
            for i in range(count):
                yield from _leaf_spans(base, offset + i * base.itemsize)
        else:
            yield offset, dt.itemsize
        return
    for name in dt.names or ():
        field, field_offset = dt.fields[name][:2]
        yield from _leaf_spans(field, offset + field_offset)


def _verified(b: np.ndarray, values: Any) -> tuple[str, list[Import]] | None:
    """The readable text from ``values()`` if evaluating it gives back ``b``'s bytes."""
    try:
        text = values()
    except (TypeError, ValueError, UnicodeError, OverflowError):
        return None
    extra = [_NAN, _INF] if b.dtype.kind == "V" else []
    namespace = {alias: _resolve(module, name) for module, name, alias in extra}
    try:
        rebuilt = np.array(eval(text, {"__builtins__": {}}, namespace), dtype=b.dtype)
    except Exception:  # any failure only means the readable form is not usable
        return None
    if rebuilt.shape != b.shape or rebuilt.tobytes() != b.tobytes():
        return None
    used = [imp for imp in extra if imp[2] in text and _mentions(text, imp[2])]
    return text, used


def _mentions(text: str, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(ast.parse(text)))


def _readable_scalar(x: np.generic) -> tuple[str, list[Import]] | None:
    t = type(x)
    if getattr(np, t.__name__, None) is not t:
        return None
    alias = "_" + t.__name__
    ctor: Import = ("numpy", t.__name__, alias)
    kind = x.dtype.kind
    if kind == "b":
        return f"{alias}({bool(x)!r})", [ctor]
    if kind in "iu":
        return f"{alias}({int(x)!r})", [ctor]
    if kind == "f" and x.dtype.itemsize <= 8:
        value = float(x)
        return f"{alias}({_float_text(value)})", [ctor, *_special_imports(value)]
    if kind == "c" and x.dtype.itemsize <= 16:
        re, im = float(x.real), float(x.imag)
        text = f"{alias}({_float_text(re)}, {_float_text(im)})"
        return text, [ctor, *_special_imports(re, im)]
    if kind == "S":
        return f"{alias}({bytes(cast(bytes, x))!r})", [ctor]
    if kind == "U":
        return f"{alias}({str(x)!r})", [ctor]
    if kind in "mM":
        return _readable_time_scalar(x, alias, ctor)
    if kind == "V" and x.dtype.names is None:
        return f"{alias}({x.tobytes()!r})", [ctor]
    return None


def _readable_time_scalar(x: Any, alias: str, ctor: Import) -> tuple[str, list[Import]]:
    unit, count = np.datetime_data(x.dtype)
    if unit == "generic":
        return f"{alias}('NaT')", [ctor]
    unit_text = unit if count == 1 else f"{count}{unit}"
    if x.dtype.kind == "M" and count == 1:
        return f"{alias}({str(np.datetime_as_string(x))!r}, {unit_text!r})", [ctor]
    if np.isnat(x):
        return f"{alias}('NaT', {unit_text!r})", [ctor]
    return f"{alias}({int(x.view('i8'))!r}, {unit_text!r})", [ctor]


def _special_imports(*values: float) -> list[Import]:
    extra: list[Import] = []
    if any(math.isinf(v) for v in values):
        extra.append(_INF)
    if any(math.isnan(v) for v in values):
        extra.append(_NAN)
    return extra


def _evaluate(text: str, imports: list[Import]) -> Any:
    namespace = {alias: _resolve(module, name) for module, name, alias in imports}
    try:
        return eval(text, {"__builtins__": {}}, namespace)
    except Exception:  # a readable form that fails to evaluate is simply not used
        return None


def _resolve(module: str, name: str) -> Any:
    import importlib

    return getattr(importlib.import_module(module), name)


def _same_scalar(y: Any, x: np.generic) -> bool:
    if type(y) is not type(x) or y.dtype != x.dtype or y.dtype.str != x.dtype.str:
        return False
    return bool(y.tobytes() == x.tobytes())
