"""How each kind of object is represented in an archive: one registry, easy to extend.

A representation (:class:`Rep`) says how to write one object as a Python expression *given
the expressions of its children*: ``build(child_exprs, aliases)`` returns the text, where
``aliases`` are the names the archive chose for the imports the representation asked for.
Children are objects; the archive walks them, shares them by identity and gives them
variables when needed, so a handler never deals with names, sharing or order.

The pieces live in :mod:`archived.engine.repbase` (the classes and the registry),
:mod:`archived.engine.builtin_reps` (builtins) and :mod:`archived.engine.importable`
(imports, repr, pickle); this module holds the lookup, user classes and numpy, and
re-exports the API.

Lookup order for an object ``obj`` of type ``t`` (:func:`rep_for`):

1. ``REGISTRY[t]`` (exact type: builtins);
2. an ``archive_1()`` or ``get_persistent_rep(env)`` method (user classes);
3. numpy arrays and scalars (through :mod:`archived.arrays`);
4. the representations of an optional library (pandas, xarray, scipy, numpy's masked,
   record and matrix arrays), loaded the first time an object of that library is met
   (:data:`FAMILIES`; the library itself is never imported by the archive);
5. functions, classes, modules and methods, written as imports;
6. ``SUBCLASS_REGISTRY`` along ``t.__mro__`` (dict/list/tuple/set subclasses, namedtuple);
7. dataclasses and attrs classes, as a call with their fields by name
   (:mod:`archived.engine.reps_objects`);
8. ``repr(obj)`` when it evaluates back to an equal object of the same type;
9. other instances of user classes: a call of the class with its ``__init__`` arguments,
   or their plain state (:mod:`archived.engine.reps_objects`);
10. instances whose ``__reduce__`` is a plain call of their class (or of a function),
    maybe with a state: that call, and :func:`set_state` (:mod:`archived.engine.reps_reduce`);
11. ``pickle`` as the last resort, written as ``_loads(b'...')``, with a
    :class:`~archived.errors.PickleWarning` once per type.

Extend it with :func:`register_call` (a constructor and its arguments) or, for full
control of the text, :func:`register`:

>>> class Point:
...     def __init__(self, x, y):
...         self.x, self.y = x, y
>>> register(Point, lambda p, ctx: Rep(
...     lambda kids, al: f"{al[0]}({kids[0]}, {kids[1]})",
...     [p.x, p.y], [("builtins", "complex")]))
>>> rep = rep_for(Point(1, 2), Context())
>>> rep.build(["1", "2"], ["_complex"])
'_complex(1, 2)'
>>> del REGISTRY[Point]
"""

from __future__ import annotations

import importlib
import inspect
import sys
import threading
import weakref
from collections.abc import Callable
from typing import Any

from ..errors import UnarchivableError
from . import reps_stdlib  # noqa: F401  (registers its handlers)
from .builtin_reps import ATOMS, atom_text
from .callrep import register_call
from .importable import find_import, import_rule, pickle_rep, pickle_rule, repr_rule
from .plain_reps import dtype_rep, string_array_rep
from .repbase import (
    REGISTRY,
    SUBCLASS_REGISTRY,
    Context,
    ExprRep,
    Handler,
    Import,
    Rep,
    UserRep,
    register,
    substitute,
)
from .reps_objects import declared_rule, from_state, object_rule
from .reps_reduce import reduce_rule, set_state

__all__ = [
    "Rep",
    "ExprRep",
    "UserRep",
    "Context",
    "Import",
    "REGISTRY",
    "SUBCLASS_REGISTRY",
    "ATOMS",
    "register",
    "register_call",
    "from_state",
    "set_state",
    "FAMILIES",
    "rep_for",
    "atom_text",
    "find_import",
    "object_array",
    "user_hook",
    "substitute",
]


# --------------------------------------------------------------------------- user classes


def _user(obj: Any, ctx: Context) -> Rep | None:
    found = user_hook(obj)
    if found is None:
        return None
    rep, args, imports = found
    return UserRep(rep, args, imports, type(obj).__qualname__)


def user_hook(obj: Any) -> tuple[str, dict[str, Any], list[tuple[str, str | None, str]]] | None:
    """Call ``obj.archive_1()`` (or ``get_persistent_rep(env)``); ``None`` if it has neither.

    Raises :class:`~archived.errors.UnarchivableError` when the hook returns something
    other than ``(rep, args, imports)``; an exception the hook raises reaches the caller
    as it is, with its traceback.

    >>> class A:
    ...     def archive_1(self):
    ...         return ("A()", {}, [("m", "A", "A")])
    >>> user_hook(A())
    ('A()', {}, [('m', 'A', 'A')])
    """
    if isinstance(obj, type):
        return None  # a class with an archive_1 method is itself archived by import
    for hook in ("archive_1", "get_persistent_rep"):
        method = getattr(obj, hook, None)
        if callable(method):
            return _call_hook(obj, hook, method)
    return None


def _call_hook(
    obj: Any, hook: str, method: Callable[..., Any]
) -> tuple[str, dict[str, Any], list[tuple[str, str | None, str]]]:
    type_name = type(obj).__qualname__
    try:
        required = [
            p
            for p in inspect.signature(method).parameters.values()
            if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        required = []
    try:
        result = method({}) if required else method()
    except Exception as err:  # the user's own error, with its traceback, reaches them
        if hasattr(err, "add_note"):
            err.add_note(f"archived: raised by {type_name}.{hook}() while archiving it")
        raise
    ok = (
        isinstance(result, tuple)
        and len(result) == 3
        and isinstance(result[0], str)
        and isinstance(result[1], dict)
        and all(isinstance(k, str) and k.isidentifier() for k in result[1])
        and isinstance(result[2], (list, tuple))
        and all(isinstance(i, tuple) and len(i) == 3 for i in result[2])
    )
    if not ok:
        raise UnarchivableError(
            type_name, "?", f"its {hook}() returned {result!r:.80}, expected (rep, args, imports)"
        )
    rep, args, imports = result
    return rep, args, [tuple(i) for i in imports]


# --------------------------------------------------------------------------- numpy


def object_array(items: list[Any], shape: tuple[int, ...], order: str = "C") -> Any:
    """Rebuild a numpy array of dtype object from its elements, shape and memory order.

    Archives of object arrays call this, so the elements are archived as a graph.
    ``items`` are in the array's own memory order (``'C'`` or ``'F'``).

    >>> object_array([1, [2], None], (3,))
    array([1, list([2]), None], dtype=object)
    >>> object_array([1, 2, 3, 4], (2, 2), "F").flags.f_contiguous
    True
    """
    import numpy as np

    a = np.empty(len(items), dtype=object)
    for i, x in enumerate(items):
        a[i] = x  # element-wise: a slice assignment would broadcast nested lists
    return a.reshape(shape, order="F" if order == "F" else "C")


def _numpy(obj: Any, ctx: Context) -> Rep | None:
    np = sys.modules.get("numpy")
    if np is None:
        return None
    if type(obj) is np.ndarray:
        return _ndarray(obj, ctx, np)
    if isinstance(obj, np.dtype):
        return dtype_rep(obj)
    if isinstance(obj, np.generic) and obj.dtype.hasobject:
        return None  # a structured scalar holding objects: its bytes are pointers
    if isinstance(obj, np.generic):
        from .arrays import inline_scalar

        text, imports = inline_scalar(obj)
        return ExprRep(text, list(imports))
    return None


def _ndarray(a: Any, ctx: Context, np: Any) -> Rep:
    if a.dtype == object:
        shape = a.shape
        order = "F" if a.flags.f_contiguous and not a.flags.c_contiguous else "C"
        tail = ", 'F')" if order == "F" else ")"

        def build(kids: list[str], aliases: list[str]) -> str:
            return f"{aliases[0]}([{', '.join(kids)}], {shape!r}{tail}"

        return Rep(
            build,
            list(a.ravel(order=order)),
            [("archived.reps", "object_array")],
            lambda i: f"[{np.unravel_index(i, shape) if shape else ()}]",
        )
    from .arrays import inline_array, is_plain_string_dtype

    if a.dtype.kind == "T" and a.dtype.hasobject and not is_plain_string_dtype(a.dtype):
        return string_array_rep(a)  # a missing-value object: by value, never to HDF5
    if a.size > ctx.array_threshold:
        import os

        key = ctx.store_array(a)
        name = os.path.basename(os.fspath(ctx.datafile or ""))
        # the digest of its bytes: a load checks that the file holds this array
        # (engine.arraydigest), not another entry's swapped in
        digest = ctx.array_digest(key)
        check = "" if digest is None else f", digest={digest!r}"
        return ExprRep(
            f"_load_array({name!r}, {key!r}{check})",
            [("archived.arrays", "load_array", "_load_array")],
        )
    found = inline_array(a)
    if found is None:  # pragma: no cover - inline_array only declines object arrays
        return pickle_rep(a)
    text, imports = found
    return ExprRep(text, list(imports))


def _subclass(obj: Any, ctx: Context) -> Rep | None:
    for base in type(obj).__mro__[1:]:
        handler = SUBCLASS_REGISTRY.get(base)
        if handler is not None:
            rep = handler(obj, ctx)
            if rep is not None:
                return rep
    return None


# top-level module of a library -> the engine module holding its representations
FAMILIES: dict[str, str] = {
    "numpy": "reps_numpy",
    "pandas": "reps_pandas",
    "xarray": "reps_xarray",
    "scipy": "reps_scipy",
}
_FAMILY_CHECKED: weakref.WeakSet[type] = weakref.WeakSet()
# a type is marked checked only once its library's representations are registered, and
# other threads wait meanwhile: marked earlier, a second thread archiving the same type
# (a threading sweep's first two results) found no representation and pickled it
_FAMILY_LOCK = threading.RLock()


def _family(obj: Any, ctx: Context) -> Rep | None:
    """Load the representations of the library ``obj``'s class comes from, once."""
    t = type(obj)
    if t not in _FAMILY_CHECKED:
        with _FAMILY_LOCK:
            _register_family(t)
    # looked up again even when checked: another thread may have registered it after
    # rep_for's own look-up
    handler = REGISTRY.get(t)
    return None if handler is None else handler(obj, ctx)


def _register_family(t: type) -> None:
    if t in _FAMILY_CHECKED:  # registered by the thread that held the lock before us
        return
    for cls in t.__mro__:
        module = FAMILIES.get(str(getattr(cls, "__module__", "")).partition(".")[0])
        if module is not None:
            found = importlib.import_module(f"{__package__}.{module}")
            register = getattr(found, "register", None)
            if register is not None:  # a library loaded after the module was imported
                register()
    _FAMILY_CHECKED.add(t)


_RULES: list[Handler] = [
    _user,
    _numpy,
    _family,
    import_rule,
    _subclass,
    declared_rule,
    repr_rule,
    object_rule,
    reduce_rule,
    pickle_rule,
]


def rep_for(obj: Any, ctx: Context) -> Rep:
    """The representation of ``obj`` (see the module docstring for the lookup order).

    Raises :class:`~archived.errors.UnarchivableError` (path ``?``, filled in by the
    archive) when nothing can represent it.

    >>> rep_for({1: "a"}, Context()).children
    [1, 'a']
    """
    handler = REGISTRY.get(type(obj))
    if handler is not None:
        rep = handler(obj, ctx)
        if rep is not None:
            return rep
    for rule in _RULES:
        rep = rule(obj, ctx)
        if rep is not None:
            return rep
    raise UnarchivableError(type(obj).__qualname__, "?")  # pragma: no cover - pickle raises
