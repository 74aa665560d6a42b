"""Who a cached function is and which version of its code made a result.

* :func:`function_identity` names a function the same way in every process: its module and
  qualified name.  A function defined in a script run as ``__main__`` is named after the
  script's file, so running the script and importing it give the same keys.
* :func:`code_version` is a short digest of the function's source text from its ``def`` line
  on (the decorator lines above it do not count, so moving a function to another store
  keeps its keys).  Any edit of the body, even of a comment, is a new version: nothing is
  normalized, so two versions are never confused.  Functions without source (built in a
  REPL or by ``exec``) are versioned by their compiled code instead.
* :func:`entry_prefix` turns a qualified name into the leading part of the store's entry
  names (an identifier that does not start with ``_``).

>>> def f(x):
...     return x + 1
>>> function_identity(f).endswith(".f")
True
>>> len(code_version(f))
16
"""

from __future__ import annotations

import inspect
import marshal
import os
import re
import sys
from collections.abc import Callable
from typing import Any

import xxhash

__all__ = ["function_identity", "code_version", "entry_prefix", "ArgumentBinder"]


def function_identity(func: Callable[..., Any]) -> str:
    """Return ``"<module>.<qualname>"`` for ``func``, with ``__main__`` named after its file.

    >>> import json
    >>> function_identity(json.dumps)
    'json.dumps'
    """
    module = getattr(func, "__module__", None) or "unknown"
    if module == "__main__":
        module = _script_name(func)
    qualname = getattr(func, "__qualname__", None) or getattr(func, "__name__", "function")
    return f"{module}.{qualname}"


def code_version(func: Callable[..., Any]) -> str:
    """Return 16 hex digits identifying the source of ``func`` (its compiled code if none).

    >>> def g(x):
    ...     return x
    >>> code_version(g) == code_version(g)
    True
    """
    target = inspect.unwrap(func)
    try:
        lines, _ = inspect.getsourcelines(target)
    except (OSError, TypeError):
        code = getattr(target, "__code__", None)
        if code is None:
            raise TypeError(
                f"cannot read the source of {function_identity(func)!r} to version its "
                "results; pass version='...' to pin one"
            ) from None
        data = b"code:" + marshal.dumps(code)
    else:
        data = b"source:" + "".join(_without_decorators(lines)).encode("utf-8")
    return xxhash.xxh3_64_hexdigest(data)


def entry_prefix(qualname: str) -> str:
    """Return an entry-name prefix for a qualified name: an identifier not starting with _.

    >>> entry_prefix("Model.fit")
    'Model_fit'
    >>> entry_prefix("outer.<locals>.inner")
    'outer_inner'
    >>> entry_prefix("_private")
    'private'
    """
    name = re.sub(r"\W+", "_", qualname.replace(".<locals>", "")).strip("_")
    if not name or not name[0].isalpha():
        name = "f_" + name
    return name


class ArgumentBinder:
    """Bind call arguments to a signature with defaults applied, as a name -> value dict.

    Plain signatures (no positional-only or variadic parameters), the common case for
    experiment functions, take a fast path; anything else, including every binding error,
    goes through :meth:`inspect.Signature.bind`, so errors read as Python's own.

    >>> import inspect
    >>> def f(x, y=2, *, z=3):
    ...     pass
    >>> bind = ArgumentBinder(inspect.signature(f))
    >>> bind((1,), {"z": 4}), bind((), {"x": 1})
    ({'x': 1, 'y': 2, 'z': 4}, {'x': 1, 'y': 2, 'z': 3})
    >>> bind((1, 2, 3), {})
    Traceback (most recent call last):
        ...
    TypeError: too many positional arguments
    """

    def __init__(self, signature: inspect.Signature) -> None:
        self.signature = signature
        params = list(signature.parameters.values())
        plain = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        self.plain = all(p.kind in plain for p in params)
        self.positional = [
            p.name for p in params if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        ]
        self.names = [p.name for p in params]
        self.defaults = {p.name: p.default for p in params if p.default is not p.empty}

    def __call__(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        if self.plain and len(args) <= len(self.positional):
            given = dict(zip(self.positional, args, strict=False))
            if not any(k in given or k not in self.signature.parameters for k in kwargs):
                given.update(kwargs)
                defaults = self.defaults
                try:
                    return {n: given[n] if n in given else defaults[n] for n in self.names}
                except KeyError:  # a parameter without value: let inspect say which
                    pass
        bound = self.signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return dict(bound.arguments)


def _without_decorators(lines: list[str]) -> list[str]:
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        if stripped.startswith(("def ", "async def ", "class ")):
            return lines[i:]
    return lines


def _script_name(func: Callable[..., Any]) -> str:
    try:
        path = inspect.getsourcefile(inspect.unwrap(func)) or ""
    except TypeError:
        path = ""
    if not path:
        path = getattr(sys.modules.get("__main__"), "__file__", "") or ""
    stem = os.path.splitext(os.path.basename(path))[0]
    return stem if stem.isidentifier() else "__main__"
