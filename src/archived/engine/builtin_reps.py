"""Representations of builtin values: atoms, containers and their subclasses.

Immutable atoms (``None``, ``bool``, finite ``float``, ``int``, and ``str``/``bytes``
shorter than :data:`LONG_TEXT`) are written directly by :func:`atom_text` without
becoming graph nodes; their identity is not kept (it is not observable for equal
immutable values, and the compiler merges equal constants anyway).  Everything else here
registers a handler in :data:`~archived.engine.repbase.REGISTRY` (exact types) or
:data:`~archived.engine.repbase.SUBCLASS_REGISTRY` (dict/list/tuple/set subclasses, namedtuple,
enum members).

>>> REGISTRY[list]([1, [2]], Context()).build(["1", "[2]"], [])
'[1, [2]]'
"""

from __future__ import annotations

import enum
import math
import struct
from collections.abc import Callable
from itertools import chain
from typing import Any

from ..errors import UnarchivableError
from .importable import find_import
from .layout import Cat, Group, flat
from .plain_reps import payload_nan_rep
from .repbase import REGISTRY, SUBCLASS_REGISTRY, Build, Context, Import, Layout, Rep

__all__ = ["ATOMS", "LONG_TEXT", "atom_text", "plain_text", "plain_layout", "PLAIN_TYPES"]


# --------------------------------------------------------------------------- atoms


def _float_text(x: float) -> str | None:
    if x - x == 0.0:  # finite: repr round-trips every bit, -0.0 and subnormals included
        return repr(x)
    return None


def _int_text(i: int) -> str:
    try:
        return repr(i)
    except ValueError:  # beyond the int<->str digit limit; hex literals have no limit
        return hex(i)


# Strings and bytes at least this long become graph nodes, so one referenced many times
# is written once (under a variable) instead of once per reference.
LONG_TEXT = 256


def _text_text(s: str | bytes) -> str | None:
    return repr(s) if len(s) < LONG_TEXT else None


_ATOMS: dict[type, Callable[[Any], str | None]] = {
    int: _int_text,
    float: _float_text,
    str: _text_text,
    bytes: _text_text,
    bool: repr,
    type(None): repr,
}


_REPR_EXACT = frozenset({str, int, float, bool, bytes, type(None)})


def plain_text(obj: list[Any] | tuple[Any, ...] | dict[Any, Any]) -> str | None:
    """``repr(obj)`` for an exact list, tuple or dict holding only atoms whose repr is
    exact, or ``None``.  The text equals what the per-element handlers would build, so
    it is a pure speed-up for the commonest leaves of a graph.

    >>> plain_text([1, "a", None]), plain_text([1.0, float("nan")]), plain_text([[1]])
    ("[1, 'a', None]", None, None)
    """
    exact = _REPR_EXACT.issuperset
    if not exact(map(type, obj)):
        return None
    if type(obj) is dict and not exact(map(type, obj.values())):  # type: ignore[union-attr]
        return None
    try:
        text = repr(obj)
    except ValueError:  # an int beyond the digit limit
        return None
    if len(text) >= LONG_TEXT * (len(obj) or 1):  # maybe a long, possibly shared string
        return None
    if "inf" in text or "nan" in text:  # maybe a non-finite float: take the slow path
        return None
    return text


def plain_layout(obj: list[Any] | tuple[Any, ...] | dict[Any, Any], text: str) -> Group:
    """The layout of a leaf whose :func:`plain_text` is ``text``: its items, each whole.

    >>> plain_layout({"a": 1}, "{'a': 1}").items
    ["'a': 1"]
    """
    if type(obj) is dict:
        return Group("{", [f"{k!r}: {v!r}" for k, v in obj.items()], "}", text)
    items = [repr(x) for x in obj]
    if type(obj) is tuple:
        return Group("(", items, ")", text, one=True)
    return Group("[", items, "]", text)


def atom_text(obj: Any) -> str | None:
    """The literal text of an immutable atom, or ``None`` if ``obj`` is not one.

    >>> atom_text(-0.0), atom_text("é"), atom_text([1]) is None, atom_text(float("nan"))
    ('-0.0', "'é'", True, None)
    """
    f = _ATOMS.get(type(obj))
    return None if f is None else f(obj)


ATOMS = _ATOMS  # read by the graph walker's fast path


# --------------------------------------------------------------------------- builtins


def _seq_label(i: int) -> str:
    return f"[{i}]"


def _list(obj: list[Any], ctx: Context) -> Rep:
    return Rep(_build_list, obj, (), _seq_label, _layout_list)


def _layout_list(parts: list[Any], aliases: list[str]) -> Group:
    return Group("[", parts, "]")


def _build_list(kids: list[str], aliases: list[str]) -> str:
    return "[" + ", ".join(kids) + "]"


def _tuple(obj: tuple[Any, ...], ctx: Context) -> Rep:
    return Rep(_build_tuple, obj, (), _seq_label, _layout_tuple)


def _layout_tuple(parts: list[Any], aliases: list[str]) -> Group:
    return Group("(", parts, ")", one=True)


def _build_tuple(kids: list[str], aliases: list[str]) -> str:
    if len(kids) == 1:
        return "(" + kids[0] + ",)"
    return "(" + ", ".join(kids) + ")"


def _dict_children(obj: dict[Any, Any]) -> tuple[list[Any], Callable[[int], str]]:
    keys = list(obj)
    children: list[Any] = list(chain.from_iterable(obj.items()))  # key, value, key, ...

    def label(i: int) -> str:
        k = keys[i // 2]
        return f"[{k!r}]" if i % 2 else f"<key {k!r}>"

    return children, label


def _dict(obj: dict[Any, Any], ctx: Context) -> Rep:
    children, label = _dict_children(obj)
    return Rep(_build_dict, children, (), label, _layout_dict)


def _build_dict(kids: list[str], aliases: list[str]) -> str:
    return "{" + ", ".join(map(": ".join, zip(kids[0::2], kids[1::2], strict=True))) + "}"


def _layout_dict(parts: list[Any], aliases: list[str]) -> Group:
    keys, values = parts[0::2], parts[1::2]
    try:  # the commonest case, all text, at C speed (join refuses a part that is not)
        return Group("{", list(map(": ".join, zip(keys, values, strict=True))), "}")
    except TypeError:
        pass
    return Group(
        "{",
        [
            flat(k) + ": " + v if v.__class__ is str else Cat(flat(k) + ": ", v)
            for k, v in zip(keys, values, strict=True)
        ],
        "}",
    )


def _layout_set(parts: list[Any], aliases: list[str]) -> Group:
    return Group("{", parts, "}")


def _sorted_elements(obj: set[Any] | frozenset[Any]) -> list[Any]:
    """The elements in an order that does not depend on hashing (str hashes vary between
    runs), so equal sets give the same source."""
    kinds = {type(x) for x in obj}
    if (
        len(kinds) == 1
        and kinds <= {int, str, bytes}
        or kinds <= {int, float, bool}
        and all(x == x for x in obj)
    ):
        return sorted(obj)  # totally ordered: the natural order reads best
    return sorted(obj, key=_canonical)


def _canonical(x: Any) -> tuple[Any, ...]:
    t = type(x)
    name = f"{t.__module__}.{t.__qualname__}"
    if isinstance(x, (frozenset, set)):
        return (name, sorted(_canonical(e) for e in x))
    if isinstance(x, tuple):
        return (name, [_canonical(e) for e in x])
    if t in (int, float, bool):
        return (name, float(x) if x == x else math.inf, repr(x))
    return (name, repr(x))


def _set(obj: set[Any], ctx: Context) -> Rep:
    if not obj:
        return Rep(lambda kids, al: al[0] + "()", (), [("builtins", "set")])
    return Rep(
        lambda kids, al: "{" + ", ".join(kids) + "}",
        _sorted_elements(obj),
        (),
        lambda i: f"<element {i}>",
        _layout_set,
    )


def _frozenset(obj: frozenset[Any], ctx: Context) -> Rep:
    if not obj:
        return Rep(lambda kids, al: al[0] + "()", (), [("builtins", "frozenset")])
    return Rep(
        lambda kids, al: al[0] + "({" + ", ".join(kids) + "})",
        _sorted_elements(obj),
        [("builtins", "frozenset")],
        lambda i: f"<element {i}>",
        lambda parts, al: Group(al[0] + "(", [_layout_set(parts, al)], ")"),
    )


def _build_call(kids: list[str], aliases: list[str]) -> str:
    return aliases[0] + "(" + ", ".join(kids) + ")"


def _layout_call(parts: list[Any], aliases: list[str]) -> Group:
    return Group(aliases[0] + "(", parts, ")")


def _float(obj: float, ctx: Context) -> Rep:
    bits = struct.pack(">d", obj)
    if math.isinf(obj):
        text = "'inf'" if obj > 0 else "'-inf'"
    elif bits == struct.pack(">d", float("nan")):
        text = "'nan'"
    elif bits == struct.pack(">d", float("-nan")):
        text = "'-nan'"
    else:  # a NaN with a payload: rebuilt from its bytes
        return payload_nan_rep(obj)
    return Rep(lambda kids, al: f"{al[0]}({text})", (), [("builtins", "float")])


def _complex(obj: complex, ctx: Context) -> Rep:
    # complex(re, im) with float parts keeps -0.0, nan and inf; the repr '(-0-2j)' does not
    return Rep(
        _build_call,
        [obj.real, obj.imag],
        [("builtins", "complex")],
        lambda i: (".real", ".imag")[i],
        _layout_call,
    )


def _start_stop_step(obj: range | slice, ctx: Context) -> Rep:
    """``range`` and ``slice``: a call of the builtin with start, stop and step."""
    return Rep(
        _build_call,
        [obj.start, obj.stop, obj.step],
        [("builtins", type(obj).__name__)],
        lambda i: (".start", ".stop", ".step")[i],
        _layout_call,
    )


def _bytearray(obj: bytearray, ctx: Context) -> Rep:
    text = repr(bytes(obj))
    return Rep(lambda kids, al: f"{al[0]}({text})", (), [("builtins", "bytearray")])


def _long_text(obj: str | bytes, ctx: Context) -> Rep:
    text = repr(obj)
    return Rep(lambda kids, al: text)


def _ellipsis(obj: Any, ctx: Context) -> Rep:
    return Rep(lambda kids, al: "...")


# the exact types plain_text() may short-cut, with the handlers it stands in for
PLAIN_TYPES: dict[type, Any] = {list: _list, tuple: _tuple, dict: _dict}

REGISTRY.update(
    {
        list: _list,
        tuple: _tuple,
        dict: _dict,
        set: _set,
        frozenset: _frozenset,
        float: _float,
        complex: _complex,
        range: _start_stop_step,
        slice: _start_stop_step,
        bytearray: _bytearray,
        type(Ellipsis): _ellipsis,
        str: _long_text,
        bytes: _long_text,
    }
)


# --------------------------------------------------------------------------- subclasses


def _plain_subclass(obj: Any, base: type) -> bool:
    """True if ``type(obj)(base_value)`` rebuilds ``obj``: no own constructor, no attributes."""
    t = type(obj)
    return (
        t.__init__ is base.__init__  # type: ignore[misc]
        and t.__new__ is base.__new__
        and not getattr(obj, "__dict__", None)
        and not any(c.__dict__.get("__slots__") for c in t.__mro__[: t.__mro__.index(base)])
    )


def _wrap(inner: Build, t: type) -> Build:
    rest = "".join("." + part for part in _class_path(t)[1])

    def build(kids: list[str], aliases: list[str]) -> str:
        return aliases[0] + rest + "(" + inner(kids, aliases) + ")"

    return build


def _wrap_layout(args: Callable[[list[Any], list[str]], list[Any]], t: type) -> Layout:
    """The layout of ``_wrap``: the class call, its arguments given by ``args``."""
    rest = "".join("." + part for part in _class_path(t)[1])

    def layout(parts: list[Any], aliases: list[str]) -> Group:
        return Group(aliases[0] + rest + "(", args(parts, aliases), ")")

    return layout


def _dict_subclass(obj: dict[Any, Any], ctx: Context) -> Rep | None:
    import collections

    t = type(obj)
    children, label = _dict_children(obj)
    if t is collections.defaultdict:
        factory = obj.default_factory  # type: ignore[attr-defined]
        return Rep(
            _wrap(lambda kids, al: f"{kids[0]}, {_build_dict(kids[1:], al)}", t),
            [factory, *children],
            [_type_import(t)],
            lambda i: ".default_factory" if i == 0 else label(i - 1),
            _wrap_layout(lambda parts, al: [parts[0], _layout_dict(parts[1:], al)], t),
        )
    if t in (collections.OrderedDict, collections.Counter) or _plain_subclass(obj, dict):
        return Rep(
            _wrap(_build_dict, t),
            children,
            [_type_import(t)],
            label,
            _wrap_layout(lambda parts, al: [_layout_dict(parts, al)], t),
        )
    return None


def _list_subclass(obj: list[Any], ctx: Context) -> Rep | None:
    if not _plain_subclass(obj, list):
        return None
    return Rep(
        _wrap(_build_list, type(obj)),
        list(obj),
        [_type_import(type(obj))],
        _seq_label,
        _wrap_layout(lambda parts, al: [_layout_list(parts, al)], type(obj)),
    )


def _tuple_subclass(obj: tuple[Any, ...], ctx: Context) -> Rep | None:
    t = type(obj)
    fields = getattr(t, "_fields", None)
    if isinstance(fields, tuple) and hasattr(t, "_make") and not getattr(obj, "__dict__", None):
        # namedtuple: its constructor takes the fields positionally
        return Rep(
            _wrap(lambda kids, al: ", ".join(kids), t),
            tuple(obj),
            [_type_import(t)],
            lambda i: f".{fields[i]}",
            _wrap_layout(lambda parts, al: parts, t),
        )
    if not _plain_subclass(obj, tuple):
        return None
    return Rep(
        _wrap(_build_tuple, t),
        tuple(obj),
        [_type_import(t)],
        _seq_label,
        _wrap_layout(lambda parts, al: [_layout_tuple(parts, al)], t),
    )


def _set_subclass(obj: set[Any] | frozenset[Any], ctx: Context) -> Rep | None:
    base = frozenset if isinstance(obj, frozenset) else set
    if not _plain_subclass(obj, base):
        return None
    return Rep(
        _wrap(lambda kids, al: "{" + ", ".join(kids) + "}" if kids else "", type(obj)),
        _sorted_elements(obj),
        [_type_import(type(obj))],
        lambda i: f"<element {i}>",
        _wrap_layout(lambda parts, al: [_layout_set(parts, al)] if parts else [], type(obj)),
    )


def _enum_member(obj: enum.Enum, ctx: Context) -> Rep | None:
    t = type(obj)
    if getattr(t, str(obj.name), None) is not obj:
        try:  # a combination of flags (RED|BLUE) has no name: the class called with its value
            again = t(obj.value)
        except Exception:
            return None
        if again is not obj and not (type(again) is t and again == obj):
            return None
        return Rep(
            _wrap(lambda kids, al: kids[0], t),
            [obj.value],
            [_type_import(t)],
            lambda i: ".value",
            _wrap_layout(lambda parts, al: parts, t),
        )
    imp, rest = _class_path(t)
    rest = [*rest, obj.name]
    return Rep(lambda kids, al: ".".join([al[0], *rest]), (), [imp])


def _type_import(t: type) -> Import:
    return _class_path(t)[0]


def _class_path(t: type) -> tuple[Import, list[str]]:
    """The import of a class's outermost name and the attribute path to the class."""
    try:
        module, qualname = find_import(t)
    except LookupError as err:
        raise UnarchivableError(t.__qualname__, "?", str(err)) from None
    first, *rest = qualname.split(".")
    return (module, first), rest


def _register_subclasses() -> None:
    import enum

    SUBCLASS_REGISTRY.update(
        {
            dict: _dict_subclass,
            list: _list_subclass,
            tuple: _tuple_subclass,
            set: _set_subclass,
            frozenset: _set_subclass,
            enum.Enum: _enum_member,
        }
    )


_register_subclasses()
