"""The source of a small record of plain data, written without walking a graph.

A cached call's info record (function, key, parameters, times, versions) and many small
results are a dict of strings, numbers and small plain containers.  :class:`Archive`
writes them by building its graph of nodes and generating code from it, which costs ten
times what the text itself does.  :func:`plain_source` writes the same bytes directly
for that one shape, and answers ``None`` for anything else (the caller then uses
``Archive``): a dict with string keys whose values are atoms (short strings, ints,
finite floats, bools, None) or dicts, lists and tuples of atoms, none of them shared.
The layout (one line, or one item per line past :data:`~archived.engine.layout.LINE_LIMIT`)
is the engine's own :func:`~archived.engine.layout.render`, given the parts the code
generator would give it; ``tests/test_plainsource.py`` proves the text equal to
``Archive``'s over generated records.

>>> print(plain_source("info", {"key": "ab", "parameters": {"n": 3}}), end="")
info = {'key': 'ab', 'parameters': {'n': 3}}
if __name__ == 'builtins':
    del __builtins__
>>> plain_source("info", {"shared": [1], "again": None, 3: 4}) is None  # not a str key
True
"""

from __future__ import annotations

from typing import Any

from .builtin_reps import LONG_TEXT, PLAIN_TYPES, plain_layout, plain_text
from .codegen import CLEANUP
from .layout import LINE_LIMIT, Cat, Group, render
from .repbase import REGISTRY

__all__ = ["plain_source"]

_FITS = LINE_LIMIT - len(" = ")  # as the code generator: name + expression on one line
_BIG = 1 << 4000  # ints beyond are written in hex by the engine: not plain here


class _Leaf:
    """A plain container inside the record: its one-line text, broken on request."""

    __slots__ = ("obj", "expr")

    def __init__(self, obj: Any, expr: str) -> None:
        self.obj = obj
        self.expr = expr


def plain_source(name: str, value: Any) -> str | None:
    """The source :class:`~archived.engine.archive.Archive` writes for ``value`` inserted
    as ``name`` alone, when ``value`` is a record of plain data (see the module); else
    None.

    >>> plain_source("x", {"a": [1, 2], "b": 0.5}) == str(_archive("x", {"a": [1, 2], "b": 0.5}))
    True
    """
    if type(value) is not dict or not _plain_handlers():
        return None
    items: list[Any] = []
    flat: list[str] = []
    seen = {id(value)}
    for key, item in value.items():
        if type(key) is not str or len(key) >= LONG_TEXT:
            return None
        head = repr(key) + ": "
        text = _atom(item)
        if text is not None:
            items.append(head + text)
            flat.append(head + text)
            continue
        if type(item) not in PLAIN_TYPES or id(item) in seen:
            return None  # another kind of object, or one the record holds twice
        seen.add(id(item))
        text = plain_text(item)
        if text is None:
            return None
        items.append(Cat(head, _Leaf(item, text)))
        flat.append(head + text)
    expr = "{" + ", ".join(flat) + "}"
    if len(name) + len(expr) <= _FITS:
        line = f"{name} = {expr}"
    else:
        line = render(Group("{", items, "}", expr), name + " = ", _expand)
    return line + "\n" + CLEANUP


def _atom(item: Any) -> str | None:
    """The text the graph writes inline for an atom, or None if ``item`` is not one."""
    tp = type(item)
    if tp is str:
        return repr(item) if len(item) < LONG_TEXT else None
    if tp is int:
        return repr(item) if -_BIG < item < _BIG else None
    if tp is float:
        return repr(item) if item - item == 0.0 else None
    if item is None or tp is bool:
        return repr(item)
    return None


def _expand(leaf: _Leaf) -> Group:
    return plain_layout(leaf.obj, leaf.expr)


def _plain_handlers() -> bool:
    """Whether lists, tuples and dicts are written by the engine's own handlers (a user
    may register others, which this shortcut would bypass)."""
    return all(REGISTRY.get(t) is handler for t, handler in PLAIN_TYPES.items())


def _archive(name: str, value: Any) -> Any:
    from .archive import Archive

    arch = Archive()
    arch.insert(**{name: value})
    return arch
