"""Source for plain values that have no exact ``repr``: dtypes, odd NaNs, time zones.

Earlier releases fell back to pickle for these.  A pickle cannot be checked without
running it, so a safe load could not read them; here each becomes a call of a
constructor a safe load allows (:mod:`archived.load.allowlist`):

* numpy dtypes: ``_dtype('>i8')``, ``_dtype([('x', '<f8'), ('n', '<i4')])``, with
  ``metadata={...}`` when they carry some, and ``_StringDType(na_object=...)``;
* arrays of such a ``StringDType``: ``_array(['a', None], dtype=_StringDType(...))``;
* a float NaN with a payload: ``_float(_scalar_from_bytes(b'...', '<f8'))``, every bit kept;
* ``NotImplemented``.

(Datetimes with time zones, ``Decimal`` NaNs and ``SimpleNamespace`` are written by
:mod:`archived.engine.reps_stdlib`.)

>>> import numpy as np
>>> dtype_rep(np.dtype('>i8')).build([], ["_dtype"])
"_dtype('>i8')"
"""

from __future__ import annotations

import struct
from typing import Any

from .importable import pickle_rep
from .layout import Cat, Group
from .repbase import REGISTRY, Context, Rep

__all__ = ["dtype_rep", "payload_nan_rep", "string_array_rep"]

_DTYPE = ("numpy", "dtype")


def dtype_rep(dt: Any) -> Rep:
    """``_dtype(<literal>)`` rebuilding the numpy dtype ``dt`` exactly (pickle if none does).

    >>> import numpy as np
    >>> dtype_rep(np.dtype([('x', '<f8')])).build([], ["_dtype"])
    "_dtype([('x', '<f8')])"
    """
    import numpy as np

    from .arrays import dtype_literal, is_plain_string_dtype

    if dt.kind == "T" and not is_plain_string_dtype(dt):
        return _string_dtype_rep(dt)
    literal = dtype_literal(dt)
    metadata = dt.metadata
    try:
        built = np.dtype(literal, metadata=dict(metadata)) if metadata else np.dtype(literal)
    except (TypeError, ValueError):  # pragma: no cover - dtype_literal round-trips
        return pickle_rep(dt)
    if not _identical_dtypes(built, dt):
        return pickle_rep(dt)  # e.g. metadata on a field: no literal says it
    text = repr(literal)
    if not metadata:
        return Rep(
            lambda kids, al: f"{al[0]}({text})",
            (),
            [_DTYPE],
            layout=lambda parts, al: Group(f"{al[0]}(", [_literal_layout(literal)], ")"),
        )
    return Rep(
        lambda kids, al: f"{al[0]}({text}, metadata={kids[0]})",
        [dict(metadata)],
        [_DTYPE],
        lambda i: ".metadata",
        lambda parts, al: Group(
            f"{al[0]}(", [_literal_layout(literal), Cat("metadata=", parts[0])], ")"
        ),
    )


def _literal_layout(value: Any) -> Any:
    """The layout of a literal of lists, tuples, dicts and atoms: displays may break."""
    if isinstance(value, list):
        return Group("[", [_literal_layout(v) for v in value], "]")
    if isinstance(value, tuple):
        return Group("(", [_literal_layout(v) for v in value], ")", one=True)
    if isinstance(value, dict):
        return Group("{", [Cat(f"{k!r}: ", _literal_layout(v)) for k, v in value.items()], "}")
    return repr(value)


def _identical_dtypes(x: Any, y: Any, depth: int = 0) -> bool:
    """Same dtype in every respect numpy keeps: type, layout, byte order, metadata."""
    if (
        type(x) is not type(y)
        or x != y
        or x.str != y.str
        or x.itemsize != y.itemsize
        or x.isalignedstruct != y.isalignedstruct
        or x.fields != y.fields
        or x.metadata != y.metadata
        or depth > 64
    ):
        return False
    if x.subdtype is not None:
        return _identical_dtypes(x.subdtype[0], y.subdtype[0], depth + 1)
    if x.fields is not None:
        return all(
            _identical_dtypes(x.fields[name][0], y.fields[name][0], depth + 1) for name in x.names
        )
    return True


def _string_dtype_rep(dt: Any) -> Rep:
    """``StringDType`` with a missing-value object or ``coerce=False``."""
    has_na = hasattr(dt, "na_object")
    coerce = "" if dt.coerce else ", coerce=False"

    def build(kids: list[str], aliases: list[str]) -> str:
        args = f"na_object={kids[0]}{coerce}" if has_na else coerce[2:]
        return f"{aliases[0]}({args})"

    return Rep(
        build,
        [dt.na_object] if has_na else [],
        [("numpy.dtypes", "StringDType")],
        lambda i: ".na_object",
    )


def string_array_rep(a: Any) -> Rep:
    """An array of ``StringDType`` with a missing-value object: its values and its dtype.

    >>> import numpy as np
    >>> a = np.array(["a", None], dtype=np.dtypes.StringDType(na_object=None))
    >>> string_array_rep(a).build(["['a', None]", "_S(na_object=None)"], ["_array"])
    "_array(['a', None], dtype=_S(na_object=None))"
    """
    fortran = a.ndim > 1 and a.flags.f_contiguous and not a.flags.c_contiguous
    tail = ", order='F')" if fortran else ")"
    return Rep(
        lambda kids, al: f"{al[0]}({kids[0]}, dtype={kids[1]}{tail}",
        [a.tolist(), a.dtype],
        [("numpy", "array")],
        lambda i: (".tolist()", ".dtype")[i],
        lambda parts, al: Group(
            f"{al[0]}(",
            [parts[0], Cat("dtype=", parts[1])] + (["order='F'"] if fortran else []),
            ")",
        ),
    )


def payload_nan_rep(x: float) -> Rep:
    """A NaN whose bits Python's ``float('nan')`` does not give: rebuilt from its bytes.

    >>> import struct
    >>> odd = struct.unpack('<d', struct.pack('<Q', 0x7FF8000000000001))[0]
    >>> print(payload_nan_rep(odd).build([], ["_float", "_scalar_from_bytes"]))
    _float(_scalar_from_bytes(b'\\x01\\x00\\x00\\x00\\x00\\x00\\xf8\\x7f', '<f8'))
    """
    text = repr(struct.pack("<d", x))
    return Rep(
        lambda kids, al: f"{al[0]}({al[1]}({text}, '<f8'))",
        (),
        [("builtins", "float"), ("archived.arrays", "scalar_from_bytes")],
    )


# --------------------------------------------------------------------------- others


def _not_implemented(obj: Any, ctx: Context) -> Rep:
    return Rep(lambda kids, al: al[0], (), [("builtins", "NotImplemented")])


REGISTRY[type(NotImplemented)] = _not_implemented
