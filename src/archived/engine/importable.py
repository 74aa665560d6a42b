"""Objects written as imports (functions, classes, modules, methods), by an exact repr,
or, as the last resort, as a pickle.

>>> import os.path
>>> find_import(os.path.join)[1]
'join'
>>> repr_rep(__import__("fractions").Fraction(1, 3)).text
'_Fraction(1, 3)'
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import pickle
import sys
import threading
import types
import weakref
from typing import Any, cast

from .._usercode import warn_user
from ..errors import PickleWarning, UnarchivableError
from .repbase import Context, ExprRep, Rep

__all__ = [
    "find_import",
    "resolve",
    "import_rule",
    "repr_rule",
    "pickle_rep",
    "repr_rep",
    "pickle_rule",
    "main_reason",
]


# --------------------------------------------------------------------------- imports

_IMPORTABLE = (
    type,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.ModuleType,
    types.WrapperDescriptorType,
    types.MethodDescriptorType,
    types.ClassMethodDescriptorType,
    types.MethodWrapperType,
)


def import_rule(obj: Any, ctx: Context) -> Rep | None:
    """Write functions, classes, modules and methods as imports (methods as an attribute
    of their owner, which stays a shared child); ``None`` for other objects.

    >>> import math
    >>> import_rule(math.sin, Context()).imports
    [('math', 'sin')]
    """
    if isinstance(obj, types.ModuleType):
        return Rep(lambda kids, al: al[0], (), [(obj.__name__, None)])
    owner = getattr(obj, "__self__", None)
    if (
        isinstance(obj, (types.MethodType, types.BuiltinMethodType, types.MethodWrapperType))
        and owner is not None
        and not isinstance(owner, types.ModuleType)
    ):
        name = obj.__name__

        def build(kids: list[str], aliases: list[str]) -> str:
            base = kids[0] if kids[0].replace(".", "").isidentifier() else f"({kids[0]})"
            return f"{base}.{name}"

        return Rep(build, [owner], (), lambda i: ".__self__")
    if (
        not isinstance(obj, _IMPORTABLE)
        and not isinstance(getattr(obj, "__qualname__", None), str)
        and not _is_numpy_ufunc(obj)
    ):
        return None
    try:
        module, qualname = find_import(obj)
    except LookupError as err:
        if isinstance(obj, _IMPORTABLE):
            raise UnarchivableError(
                str(getattr(type(obj), "__name__", "?")), "?", str(err)
            ) from None
        return None
    first, *rest = qualname.split(".")
    return Rep(lambda kids, al: ".".join([al[0], *rest]), (), [(module, first)])


def find_import(obj: Any) -> tuple[str, str]:
    """Return ``(module, qualname)`` such that importing gives back ``obj`` itself.

    Raises ``LookupError`` naming the object when it is not importable (a lambda, a class
    defined inside a function, ...).

    >>> import collections
    >>> find_import(collections.OrderedDict), find_import(dict)
    (('collections', 'OrderedDict'), ('builtins', 'dict'))
    """
    module = getattr(obj, "__module__", None)
    if module is None and hasattr(obj, "__objclass__"):
        module = obj.__objclass__.__module__
    if module is None and _is_numpy_ufunc(obj):
        module = "numpy"  # numpy < 2.2 gives ufuncs no __module__; np.sin is numpy.sin
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if not isinstance(qualname, str):
        raise LookupError(f"{obj!r:.60} has no name to import it by")
    if "<locals>" in qualname:
        raise LookupError(f"{qualname} is defined inside a function and cannot be imported")
    if "<" in qualname:  # a lambda (or a comprehension's code) has no name to import
        raise LookupError(
            f"{qualname} has no name to import it by: define it with def at the top "
            "level of a module and use that function"
        )
    if isinstance(module, str) and resolve(module, qualname) is obj:
        return module, qualname
    try:
        cached = _FOUND.get(obj, _MISSING)
    except TypeError:  # not weakly referenceable: not cached
        cached = _MISSING
    if cached is _MISSING:
        found = _search(obj, module, qualname)
        with contextlib.suppress(TypeError):
            _FOUND[obj] = found
    else:
        found = cast("tuple[str, str] | None", cached)
    if found is None:
        raise LookupError(f"{module}.{qualname} cannot be imported back as the same object")
    return found


def _is_numpy_ufunc(obj: Any) -> bool:
    t = type(obj)
    return t.__name__ == "ufunc" and t.__module__ == "numpy"


# the results of the slow search below, so many objects of one such type search once
_FOUND: weakref.WeakKeyDictionary[Any, tuple[str, str] | None] = weakref.WeakKeyDictionary()


def _search(obj: Any, module: Any, qualname: str) -> tuple[str, str] | None:
    """Find a loaded module that re-exports ``obj`` (its declared module may be private).

    Public modules are tried first, shallow ones before deep ones, so ``NoneType`` is
    found in ``types``, not in some library's private helpers that happen to be loaded.
    """
    for name in sorted(sys.modules, key=_public_first):
        if name != module and resolve(name, qualname, load=False) is obj:
            return name, qualname
    return None


_MISSING = object()


def _public_first(module: str) -> tuple[bool, int, str]:
    parts = module.split(".")
    return (any(p.startswith("_") for p in parts), len(parts), module)


def resolve(module: str, qualname: str, load: bool = True) -> Any:
    """The object at ``module.qualname`` (importing the module if ``load``), or a sentinel.

    >>> resolve("math", "pi")
    3.141592653589793
    """
    mod = sys.modules.get(module)
    if mod is None and load:
        try:
            mod = importlib.import_module(module)
        except Exception:
            return _MISSING
    if mod is None:
        return _MISSING
    obj: Any = mod
    for part in qualname.split("."):
        try:
            obj = getattr(obj, part)
        except Exception:
            return _MISSING
    return obj


# --------------------------------------------------------------------------- repr, pickle


def repr_rule(obj: Any, ctx: Context) -> Rep | None:
    """The rule form of :func:`repr_rep`.

    >>> repr_rule(object(), Context()) is None
    True
    """
    return repr_rep(obj)


def repr_rep(obj: Any) -> ExprRep | None:
    """Use ``repr(obj)`` when it names importable things and evaluates back equal.

    >>> import decimal
    >>> repr_rep(decimal.Decimal("1.5")).text, repr_rep(object())
    ("_Decimal('1.5')", None)
    """
    try:
        text = repr(obj)
        tree = ast.parse(text, mode="eval") if text and not text.startswith("<") else None
    except Exception:
        return None
    if tree is None:
        return None
    resolver = _ReprNames(type(obj))
    try:
        tree = resolver.visit(tree)
        value = eval(compile(tree, "<repr>", "eval"), {"__builtins__": {}}, resolver.env)
        same = type(value) is type(obj) and bool(value == obj)
    except Exception:
        return None
    if not same:
        return None
    return ExprRep(ast.unparse(tree), resolver.imports)


class _ReprNames(ast.NodeTransformer):
    """Replace names in a repr by import aliases; fail (LookupError) on unknown names."""

    def __init__(self, t: type) -> None:
        self.t = t
        self.env: dict[str, Any] = {}
        self.imports: list[tuple[str, str | None, str]] = []
        self.aliases: dict[tuple[str, str | None], str] = {}

    def visit_Attribute(self, node: ast.Attribute) -> ast.expr:
        dotted = _dotted(node)
        if dotted is None:
            self.generic_visit(node)
            return node
        return self._replace(dotted)

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return self._replace(node.id)

    def _replace(self, dotted: str) -> ast.expr:
        target = self._lookup(dotted)
        if isinstance(target, types.ModuleType):
            module, first, rest = target.__name__, None, []
            alias = "_" + module.rsplit(".", 1)[-1]
        else:
            module, qualname = find_import(target)
            first, *rest = qualname.split(".")
            alias = "_" + first
        key = (module, first)
        if key in self.aliases:
            alias = self.aliases[key]
        else:
            base, k = alias, 0
            while alias in self.env:  # e.g. the module datetime and its class datetime
                k += 1
                alias = f"{base}_{k}"
            self.aliases[key] = alias
            self.env[alias] = resolve(module, first) if first else target
            self.imports.append((module, first, alias))
        return ast.parse(".".join([alias, *rest]), mode="eval").body

    def _lookup(self, dotted: str) -> Any:
        t = self.t
        if dotted in (t.__name__, t.__qualname__):
            return t
        root, _, rest = dotted.partition(".")
        for module, name in ((root, rest), (t.__module__, dotted), ("builtins", dotted)):
            if module == root and not rest:
                continue
            found = resolve(module, name, load=False) if name else sys.modules.get(module)
            if found is not _MISSING and found is not None:
                return found
        raise LookupError(dotted)


def _dotted(node: ast.expr) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def pickle_rule(obj: Any, ctx: Context) -> Rep:
    """The last resort, :func:`pickle_rep`, made visible: a :class:`PickleWarning` once
    per type names the type and the ways out.  With ``ctx.refuse_main`` a payload that
    names anything in ``__main__`` is refused (no other program can load it).

    >>> pickle_rule(object(), Context()).text.startswith("_loads(b'")
    True
    """
    rep = pickle_rep(obj)
    if ctx.refuse_main and _names_main(rep.text):
        raise UnarchivableError(type(obj).__qualname__, "?", main_reason(type(obj)))
    _warn_pickled(type(obj))
    return rep


def main_reason(what: Any) -> str:
    """Why an object of ``__main__`` cannot be stored, and what to do.

    >>> main_reason(type("Result", (), {}))
    "Result is defined in __main__ (the script being run, or a notebook's or prompt's..."
    """
    name = getattr(what, "__qualname__", None) or type(what).__qualname__
    return (
        f"{name} is defined in __main__ (the script being run, or a notebook's or "
        "prompt's code), which no other program can import; move it into a module and "
        "import it from there"
    )


def replaced_reason(what: Any) -> str | None:
    """Why ``what``, a class or function whose module now names another object under
    its name, cannot be stored, and what to do; None if its name finds it (or nothing).

    An object made before ``importlib.reload`` of its module (a notebook's usual way to
    take in an edit) is of the class the reload replaced: its source would name the new
    class, whose fields or code may differ, and pickle refuses it.

    >>> import json
    >>> Old = type("JSONDecoder", (), {"__module__": "json"})
    >>> replaced_reason(Old)
    'json.JSONDecoder of this program is another object than this one, an earlier...'
    >>> replaced_reason(json.JSONDecoder) is None
    True
    """
    module = getattr(what, "__module__", None)
    qualname = getattr(what, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str):
        return None
    found: Any = sys.modules.get(module)
    for part in qualname.split("."):
        found = getattr(found, part, None)
    if found is None or found is what:
        return None
    name = f"{module}.{qualname}"
    return (
        f"{name} of this program is another object than this one, an earlier definition "
        f"of it (its module was reloaded, by importlib.reload or an autoreload, or "
        f"{qualname} was defined again, after this object was made): make the object "
        f"again with the current {name}, or restart the program"
    )


_WARNED: weakref.WeakSet[type] = weakref.WeakSet()
_WARN_LOCK = threading.Lock()


def _warn_pickled(t: type) -> None:
    with _WARN_LOCK:
        if t in _WARNED:
            return
        _WARNED.add(t)
    name = f"{t.__module__}.{t.__qualname__}"
    warn_user(
        PickleWarning(
            f"{name} has no readable representation and is stored as a pickle (opaque, "
            "breaks when the class moves, refused by safe loads); give it one with "
            f"archived.reps.register_call({t.__qualname__}, ...) or an archive_1() method"
        ),  # the user's line that stored it, at any depth
    )


def _names_main(text: str) -> bool:
    """Whether the pickle payload in ``_loads(b'...')`` imports from ``__main__``."""
    if "__main__" not in text:
        return False
    import pickletools

    data = ast.literal_eval(text[len("_loads(") : -1])
    try:
        for op, arg, _ in pickletools.genops(data):
            if op.name in ("GLOBAL", "INST") and str(arg).startswith("__main__ "):
                return True
            if isinstance(arg, str) and arg == "__main__":
                return True  # the module of a STACK_GLOBAL
    except Exception:  # not parsable: pickle wrote it, so this cannot happen
        return True
    return False


def pickle_rep(obj: Any) -> ExprRep:
    """The last resort: ``_loads(b'...')``, raising UnarchivableError if pickle fails.

    >>> pickle_rep(3).imports
    [('pickle', 'loads')]
    """
    try:
        data = pickle.dumps(obj, protocol=4)
    except Exception as err:
        # a script's class rebuilt in a worker (cloudpickle) says __main__ but is not in
        # the worker's __main__: say what the script's own process says, not pickle's
        what = obj if isinstance(obj, type) or callable(obj) else type(obj)
        if getattr(what, "__module__", None) == "__main__":
            reason = main_reason(what)
        else:
            reason = replaced_reason(what) or f"cannot pickle it: {err}"
        raise UnarchivableError(type(obj).__qualname__, "?", reason) from None
    return ExprRep(f"_loads({data!r})", [("pickle", "loads", "_loads")])
