"""Which declared result types can never be stored, known before anything is computed.

A cached function whose return annotation names a lazy or live object (an iterator, a
generator, a coroutine, a file, a lock...) or a class no other program can import (one
defined in ``__main__`` or inside a function) would compute a result and then fail to
store it, every time.  :func:`unstorable_annotation` says so from the annotation alone, so
``@archived`` can refuse such a function when it is decorated.  Annotations it cannot
resolve, or that name ordinary types, pass: the first result is then checked as it is
stored (and returned all the same, with the reason, when it cannot be).

>>> from collections.abc import Iterator
>>> def lazy(n) -> Iterator[int]:
...     yield from range(n)
>>> unstorable_annotation(lazy)
'it returns an iterator, which can only be consumed once, not stored'
>>> def fine(n) -> list[int]:
...     return list(range(n))
>>> unstorable_annotation(fine) is None
True
"""

from __future__ import annotations

import collections.abc as abc
import io
import threading
import types
import typing
from typing import Any

__all__ = ["unstorable_annotation"]

# annotation origins that name live or lazy objects, which no store can hold
_LAZY: dict[Any, str] = {
    abc.Iterator: "iterator",
    abc.Generator: "generator",
    abc.AsyncIterator: "async iterator",
    abc.AsyncGenerator: "async generator",
    abc.Coroutine: "coroutine",
    abc.Awaitable: "awaitable",
    types.GeneratorType: "generator",
    types.CoroutineType: "coroutine",
}
_LIVE: tuple[type, ...] = (
    io.IOBase,
    type(threading.Lock()),
    threading.Thread,
    types.FrameType,
    types.TracebackType,
)


def unstorable_annotation(func: Any) -> str | None:
    """Why the results ``func`` declares (its return annotation) can never be stored, or
    None when they may be (or the annotation cannot be resolved)."""
    try:
        hints = typing.get_type_hints(func)
    except Exception:  # a forward reference to a name not defined yet, and the like
        return None
    if "return" not in hints:
        return None
    return _why(hints["return"])


def _why(tp: Any) -> str | None:
    origin = typing.get_origin(tp) or tp
    if origin is typing.Union or origin is types.UnionType:
        reasons = [_why(arg) for arg in typing.get_args(tp)]
        return reasons[0] if reasons and all(reasons) else None  # one storable choice suffices
    kind = _LAZY.get(origin)
    if kind is not None:
        article = "an" if kind[0] in "aeiou" else "a"
        return f"it returns {article} {kind}, which can only be consumed once, not stored"
    if isinstance(origin, type):
        if issubclass(origin, _LIVE):
            return f"it returns a {origin.__qualname__}, a live object that cannot be stored"
        if origin.__module__ == "__main__":
            return (
                f"it returns a {origin.__qualname__}, defined in __main__ (the script being "
                "run), which no other program can import; move the class into a module"
            )
        if "<locals>" in origin.__qualname__:
            return (
                f"it returns a {origin.__qualname__}, a class defined inside a function, "
                "which cannot be imported back"
            )
    return None
