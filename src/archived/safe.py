"""Safe loading: evaluate archive source without executing it.

:func:`evaluate` parses archive source with :mod:`ast`, checks *every* statement
against the grammar :mod:`archived.archive` writes (see its module docstring), and only
then evaluates it, node by node, without ``exec``, ``eval`` or ``compile``:

* literals, list/tuple/set/dict displays, ``-x`` on numbers, ``1+2j``-style complex
  literals, and names bound earlier in the archive;
* ``from M import N as A`` / ``import M as A`` of allow-listed modules only (see
  :mod:`archived.allowlist`; a module outside the list is never imported);
* calls of allow-listed constructors, guarded against memory bombs; attribute access
  (no dunders; a module's attribute only if that module has already bound it);
* the scoped form ``def _d(a, ...): return <expr>`` followed by ``x = _d(a=...)``: the
  body is evaluated over its parameters, no function is ever created;
* ``del`` of bound names and the ``if __name__ == 'builtins': del __builtins__`` cleanup.

Anything else raises :class:`~archived.errors.UnsafeArchiveError` naming the line and the
construct *before any statement runs*.  Checks that need values (which callable a name
holds, how big an array is) refuse during evaluation, before the offending call.

>>> evaluate("from builtins import complex as _c\\nz = _c(1.0, -2.0)\\ndel _c\\n")
{'z': (1-2j)}
>>> evaluate("x = [1]\\nimport os as _os\\n")
Traceback (most recent call last):
    ...
archived.errors.UnsafeArchiveError: unsafe archive: line 2: import of module 'os' ...
"""

from __future__ import annotations

import ast
import importlib
import os
import struct
import types
from collections.abc import Iterable
from typing import Any

from .allowlist import DEFAULT_MAX_BYTES, DEFAULT_MODULES, Policy, describe
from .errors import UnsafeArchiveError
from .safepickle import pickle_refusal

__all__ = ["evaluate", "check", "MAX_NESTING"]

# Generated source nests at most codegen.MAX_DEPTH (40) levels; refuse anything far deeper.
MAX_NESTING = 100


def evaluate(
    src: str,
    env: dict[str, Any] | None = None,
    *,
    datadir: str | os.PathLike[str] | None = None,
    allowed_modules: Iterable[str] = (),
    allow_pickle: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> dict[str, Any]:
    """Check archive source against the safe grammar, then evaluate it into ``env``.

    Args:
        src: archive source, as :func:`archived.restore` takes it.
        env: the dict receiving the names (default: a new one).  Its existing contents
            are not visible to the archive.
        datadir: directory of the archive's HDF5 data files (default: the directory of
            ``env['__file__']``, else the current directory).
        allowed_modules: extra trusted modules, e.g. ``["mypkg.models"]``.
        allow_pickle: let ``pickle.loads`` payloads load (only for trusted archives).
        max_bytes: refuse any array or buffer bigger than this.

    Raises :class:`~archived.errors.UnsafeArchiveError` for anything outside the grammar
    or the allow-list, ``SyntaxError`` for source that does not parse.

    >>> evaluate("import numpy as _np\\nx = _np.array([1, 2], dtype='int8')\\ndel _np\\n")
    {'x': array([1, 2], dtype=int8)}
    >>> evaluate("x = (lambda: 1)()")
    Traceback (most recent call last):
        ...
    archived.errors.UnsafeArchiveError: unsafe archive: line 1: lambda is not allowed ...
    """
    policy = Policy(allowed_modules, allow_pickle, max_bytes)
    tree = _parse(src)
    _Checker(policy).module(tree)
    d: dict[str, Any] = {} if env is None else env
    if datadir is None and isinstance(d.get("__file__"), str):
        datadir = os.path.dirname(os.path.abspath(d["__file__"]))
    evaluator = _Evaluator(policy)
    if datadir is None:
        evaluator.module(tree)
    else:
        from .hdf5 import using_datadir

        with using_datadir(datadir):
            evaluator.module(tree)
    d.update(evaluator.ns)
    return d


def check(src: str, *, allowed_modules: Iterable[str] = (), allow_pickle: bool = False) -> None:
    """Raise :class:`~archived.errors.UnsafeArchiveError` unless ``src`` is in the grammar.

    Only the static part of the checks runs; nothing is imported or evaluated.

    >>> check("x = [1, 2.5, 'a']")
    >>> check("x = open('f')")
    Traceback (most recent call last):
        ...
    archived.errors.UnsafeArchiveError: unsafe archive: line 1: name 'open' ...
    """
    _Checker(Policy(allowed_modules, allow_pickle)).module(_parse(src))


def _parse(src: str) -> ast.Module:
    if not isinstance(src, str):
        raise TypeError(f"a safe load needs archive source as str, not {type(src).__name__}")
    try:
        return ast.parse(src, "<archive>")
    except (RecursionError, MemoryError):
        raise UnsafeArchiveError(None, "source nested too deeply to parse") from None
    except ValueError as err:  # null bytes
        raise UnsafeArchiveError(None, f"source that is not text ({err})") from None


# --------------------------------------------------------------------------- the check

_CONSTRUCTS: dict[type, str] = {
    ast.Lambda: "lambda",
    ast.ListComp: "list comprehension",
    ast.SetComp: "set comprehension",
    ast.DictComp: "dict comprehension",
    ast.GeneratorExp: "generator expression",
    ast.While: "while loop",
    ast.For: "for loop",
    ast.AsyncFor: "async for loop",
    ast.With: "with statement",
    ast.AsyncWith: "async with statement",
    ast.Try: "try statement",
    ast.Raise: "raise statement",
    ast.Assert: "assert statement",
    ast.Global: "global statement",
    ast.Nonlocal: "nonlocal statement",
    ast.ClassDef: "class definition",
    ast.AsyncFunctionDef: "async function definition",
    ast.AugAssign: "augmented assignment",
    ast.AnnAssign: "annotated assignment",
    ast.Expr: "expression statement",
    ast.Pass: "pass statement",
    ast.Return: "return outside the scoped form",
    ast.Starred: "starred argument",
    ast.Subscript: "subscript",
    ast.Compare: "comparison",
    ast.BoolOp: "boolean operator",
    ast.IfExp: "conditional expression",
    ast.JoinedStr: "f-string",
    ast.NamedExpr: "assignment expression",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield from",
    ast.Slice: "slice syntax",
}


def _construct(node: ast.AST) -> str:
    return _CONSTRUCTS.get(type(node), f"{type(node).__name__} node")


def _is_cleanup(stmt: ast.stmt) -> bool:
    """``if __name__ == 'builtins': del __builtins__`` exactly, as codegen writes it."""
    return (
        isinstance(stmt, ast.If)
        and not stmt.orelse
        and isinstance(stmt.test, ast.Compare)
        and isinstance(stmt.test.left, ast.Name)
        and stmt.test.left.id == "__name__"
        and len(stmt.test.ops) == 1
        and isinstance(stmt.test.ops[0], ast.Eq)
        and len(stmt.test.comparators) == 1
        and isinstance(stmt.test.comparators[0], ast.Constant)
        and stmt.test.comparators[0].value == "builtins"
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], ast.Delete)
        and len(stmt.body[0].targets) == 1
        and isinstance(stmt.body[0].targets[0], ast.Name)
        and stmt.body[0].targets[0].id == "__builtins__"
    )


def _refuse(node: ast.AST | None, construct: str) -> UnsafeArchiveError:
    return UnsafeArchiveError(getattr(node, "lineno", None), construct)


class _Bound:
    """What a name holds, as far as the check knows: data, an import, a scoped function."""

    __slots__ = ("kind", "module", "path", "params", "calls")

    def __init__(
        self,
        kind: str,
        module: str = "",
        path: tuple[str, ...] = (),
        params: list[str] | None = None,
    ) -> None:
        self.kind = kind  # 'value', 'import', 'param' or 'def'
        self.module = module
        self.path = path
        self.params = params or []
        self.calls: list[tuple[str, tuple[str, ...], ast.AST]] = []  # def: callee params


_VALUE = _Bound("value")
_PARAM = _Bound("param")
Names = dict[str, _Bound]


class _Checker:
    """Checks a whole module against the grammar; knows which names are bound when.

    Calls are checked statically: a callee must be an import (or an attribute of one)
    naming an allow-listed constructor; inside a scoped function a callee may be a
    parameter, and the call site must then pass such an import for it.
    """

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.bound: Names = {}
        self.current: _Bound | None = None  # the scoped function being checked

    def module(self, tree: ast.Module) -> None:
        for stmt in tree.body:
            self.statement(stmt)

    def statement(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.ImportFrom):
            self.import_from(stmt)
        elif isinstance(stmt, ast.Import):
            self.import_(stmt)
        elif isinstance(stmt, ast.Assign):
            self.assign(stmt)
        elif isinstance(stmt, ast.FunctionDef):
            self.function(stmt)
        elif isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                if not isinstance(target, ast.Name):
                    raise _refuse(stmt, f"del of {_construct(target)}")
                self.name(target, target.id, self.bound)
                del self.bound[target.id]
        elif _is_cleanup(stmt):
            pass
        else:
            raise _refuse(stmt, _construct(stmt))

    def import_from(self, stmt: ast.ImportFrom) -> None:
        module = stmt.module or ""
        if stmt.level:
            raise _refuse(stmt, f"relative import from {'.' * stmt.level}{module}")
        self.check_module(stmt, module)
        for alias in stmt.names:
            if alias.name == "*":
                raise _refuse(stmt, f"star import from {module!r}")
            if not self.policy.allowed_import(module, alias.name):
                raise _refuse(stmt, _import_refusal(module, alias.name))
            self.bind(stmt, alias.asname or alias.name, _Bound("import", module, (alias.name,)))

    def import_(self, stmt: ast.Import) -> None:
        for alias in stmt.names:
            self.check_module(stmt, alias.name)
            if alias.asname is None and "." in alias.name:
                raise _refuse(stmt, f"import of {alias.name!r} without 'as'")
            self.bind(stmt, alias.asname or alias.name, _Bound("import", alias.name))

    def check_module(self, stmt: ast.stmt, module: str) -> None:
        if not self.policy.module_allowed(module):
            raise _refuse(stmt, _import_refusal(module, None))

    def assign(self, stmt: ast.Assign) -> None:
        if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
            raise _refuse(stmt, "assignment to anything but one name")
        value = stmt.value
        func = value.func if isinstance(value, ast.Call) else None
        scoped = self.bound.get(func.id) if isinstance(func, ast.Name) else None
        if isinstance(value, ast.Call) and scoped is not None and scoped.kind == "def":
            self.scoped_call(value, scoped)
        else:
            self.expr(value, self.bound, 0)
        self.bind(stmt, stmt.targets[0].id, _VALUE)

    def function(self, stmt: ast.FunctionDef) -> None:
        a = stmt.args
        plain = not (
            a.posonlyargs
            or a.vararg
            or a.kwonlyargs
            or a.kwarg
            or a.defaults
            or a.kw_defaults
            or stmt.decorator_list
            or stmt.returns
            or getattr(stmt, "type_params", None)
            or any(arg.annotation for arg in a.args)
        )
        if not plain:
            raise _refuse(stmt, f"function {stmt.name!r} beyond the scoped form (def f(a): ...)")
        if len(stmt.body) != 1 or not isinstance(stmt.body[0], ast.Return):
            raise _refuse(stmt, f"function {stmt.name!r} whose body is not one return")
        body = stmt.body[0].value
        if body is None:
            raise _refuse(stmt, f"function {stmt.name!r} returning nothing")
        params = [arg.arg for arg in a.args]
        local: Names = {}
        for p in params:
            self.bind(stmt, p, _PARAM, local)
        scoped = _Bound("def", params=params)
        self.current = scoped
        try:
            self.expr(body, local, 0)
        finally:
            self.current = None
        self.bind(stmt, stmt.name, scoped)

    def scoped_call(self, call: ast.Call, scoped: _Bound) -> None:
        params = scoped.params
        if len(call.args) > len(params):
            raise _refuse(call, "call of a scoped function with too many arguments")
        given = dict(zip(params, call.args, strict=False))
        for kw in call.keywords:
            if kw.arg is None:
                raise _refuse(call, "'**' argument")
            if kw.arg in given:
                raise _refuse(call, f"scoped function argument {kw.arg!r} given twice")
            given[kw.arg] = kw.value
        if sorted(given) != sorted(params):
            raise _refuse(call, f"call of a scoped function with arguments {list(given)}")
        for arg in given.values():
            self.expr(arg, self.bound, 1)
        for param, attrs, node in scoped.calls:
            self.callee(node, given[param], attrs)

    def expr(self, node: ast.expr, names: Names, depth: int) -> None:
        if depth > MAX_NESTING:
            raise _refuse(node, f"expression nested deeper than {MAX_NESTING} levels")
        depth += 1
        if isinstance(node, ast.Constant):
            return
        if isinstance(node, ast.Name):
            if self.name(node, node.id, names).kind == "def":
                raise _refuse(node, f"use of the scoped function {node.id!r} as a value")
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                raise _refuse(node, f"operator {type(node.op).__name__}")
            if not isinstance(node.operand, (ast.Constant, ast.Name)):
                raise _refuse(node, "sign of anything but a number or a name")
            self.expr(node.operand, names, depth)
        elif isinstance(node, ast.BinOp):
            self.complex_literal(node)
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            for elt in node.elts:
                self.expr(elt, names, depth)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if key is None:
                    raise _refuse(node, "'**' unpacking in a dict")
                self.expr(key, names, depth)
                self.expr(value, names, depth)
        elif isinstance(node, ast.Attribute):
            if node.attr.startswith("__"):
                raise _refuse(node, f"attribute {node.attr!r}")
            self.expr(node.value, names, depth)
        elif isinstance(node, ast.Call):
            self.call(node, names, depth)
        else:
            raise _refuse(node, _construct(node))

    def call(self, node: ast.Call, names: Names, depth: int) -> None:
        self.expr(node.func, names, depth)  # names what it is: a lambda, a subscript, ...
        attrs, root = _chain(node.func)
        if root is None:
            raise _refuse(node, f"call of a computed value ({ast.unparse(node.func)[:40]})")
        bound = names[root.id]
        if bound.kind == "param" and self.current is not None:
            self.current.calls.append((root.id, attrs, node))
        else:
            self.callee(node, root, attrs, names)
        for arg in node.args:
            self.expr(arg, names, depth)
        for kw in node.keywords:
            if kw.arg is None:
                raise _refuse(node, "'**' argument")
            self.expr(kw.value, names, depth)

    def callee(
        self, node: ast.AST, func: ast.expr, attrs: tuple[str, ...], names: Names | None = None
    ) -> None:
        """Refuse unless ``func`` plus ``attrs`` names an allow-listed constructor."""
        more, root = _chain(func)
        bound = (names or self.bound).get(root.id) if root is not None else None
        text = ".".join([ast.unparse(func), *attrs])[:60]
        if bound is None or bound.kind != "import":
            raise _refuse(node, f"call of {text!r} (a value, not an imported constructor)")
        path = (*bound.path, *more, *attrs)
        if not self.policy.static_callable(bound.module, path):
            dotted = ".".join([bound.module, *path])
            raise _refuse(node, f"call of {dotted!r} (not an allow-listed constructor)")
        if (bound.module, path) == ("pickle", ("loads",)) and not self.policy.allow_pickle:
            arg = node.args[0] if isinstance(node, ast.Call) and node.args else None
            payload = arg.value if isinstance(arg, ast.Constant) else None
            refusal = pickle_refusal(payload, self.policy)
            if refusal is not None:
                raise _refuse(node, refusal)

    def complex_literal(self, node: ast.BinOp) -> None:
        left, right = node.left, node.right
        if isinstance(left, ast.UnaryOp) and isinstance(left.op, ast.USub):
            left = left.operand
        ok = (
            isinstance(node.op, (ast.Add, ast.Sub))
            and isinstance(left, ast.Constant)
            and type(left.value) in (int, float)
            and isinstance(right, ast.Constant)
            and type(right.value) is complex
        )
        if not ok:
            raise _refuse(node, f"operator {type(node.op).__name__} (only complex literals a+bj)")

    def name(self, node: ast.AST, name: str, names: Names) -> _Bound:
        if name.startswith("__"):
            raise _refuse(node, f"dunder name {name!r}")
        bound = names.get(name)
        if bound is None:
            raise _refuse(node, f"name {name!r} (not bound earlier in the archive)")
        return bound

    def bind(self, node: ast.AST, name: str, bound: _Bound, names: Names | None = None) -> None:
        if name.startswith("__"):
            raise _refuse(node, f"dunder name {name!r}")
        (self.bound if names is None else names)[name] = bound


def _chain(node: ast.expr) -> tuple[tuple[str, ...], ast.Name | None]:
    """``a.b.c`` -> (('b', 'c'), Name a); anything not rooted at a name -> ((), None)."""
    attrs: list[str] = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return (), None
    return tuple(reversed(attrs)), node


def _import_refusal(module: str, name: str | None) -> str:
    if name is None and module not in DEFAULT_MODULES:
        return f"import of module {module!r} (not in the allow-list; pass allow=[{module!r}])"
    return f"import of {module}.{name}" if name else f"import of module {module!r}"


# --------------------------------------------------------------------------- evaluation


class _ScopedFunction:
    """A checked ``def _d(...): return <expr>``: its parameters and body, never a function."""

    __slots__ = ("params", "body")

    def __init__(self, params: list[str], body: ast.expr) -> None:
        self.params = params
        self.body = body


class _Evaluator:
    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.ns: dict[str, Any] = {}
        self.constants: dict[Any, tuple[Any, ...]] = {}

    def module(self, tree: ast.Module) -> None:
        for stmt in tree.body:
            try:
                self.statement(stmt)
            except UnsafeArchiveError as err:
                if err.line is None:
                    raise UnsafeArchiveError(stmt.lineno, err.construct) from None
                raise

    def statement(self, stmt: ast.stmt) -> None:
        ns = self.ns
        if isinstance(stmt, ast.ImportFrom):
            module = self.import_module(stmt, stmt.module or "")
            for alias in stmt.names:
                ns[alias.asname or alias.name] = self.member(stmt, module, alias.name)
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                module = self.import_module(stmt, alias.name)
                ns[alias.asname or alias.name] = module
        elif isinstance(stmt, ast.Assign):
            target = stmt.targets[0]
            assert isinstance(target, ast.Name)
            ns[target.id] = self.value(stmt.value)
        elif isinstance(stmt, ast.FunctionDef):
            body = stmt.body[0]
            assert isinstance(body, ast.Return) and body.value is not None
            ns[stmt.name] = _ScopedFunction([a.arg for a in stmt.args.args], body.value)
        elif isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                assert isinstance(target, ast.Name)
                del ns[target.id]
        # the builtins cleanup: a safe load never adds __builtins__, nothing to remove

    def import_module(self, node: ast.AST, name: str) -> types.ModuleType:
        if not self.policy.module_allowed(name):  # checked already; never import otherwise
            raise _refuse(node, _import_refusal(name, None))
        return importlib.import_module(name)

    def member(self, node: ast.AST, module: types.ModuleType, name: str) -> Any:
        if self.policy.user_module(module.__name__):
            value = getattr(module, name)
        else:
            value = vars(module).get(name, _MISSING)
            if value is _MISSING:
                raise _refuse(node, f"import of {module.__name__}.{name} (not defined there)")
        if isinstance(value, types.ModuleType) and not self.policy.module_allowed(value.__name__):
            raise _refuse(node, _import_refusal(value.__name__, None))
        return value

    def value(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            func = self.ns[node.func.id]
            if isinstance(func, _ScopedFunction):
                positional = [self.expr(a, self.ns) for a in node.args]
                args = dict(zip(func.params[: len(positional)], positional, strict=True))
                for kw in node.keywords:
                    assert kw.arg is not None
                    args[kw.arg] = self.expr(kw.value, self.ns)
                return self.expr(func.body, args)
        return self.expr(node, self.ns)

    def expr(self, node: ast.expr, ns: dict[str, Any]) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return ns[node.id]
        if isinstance(node, ast.List):
            return [self.expr(e, ns) for e in node.elts]
        if isinstance(node, ast.Tuple):
            value = tuple(self.expr(e, ns) for e in node.elts)
            if _is_literal(node):  # share it as the compiler shares constant tuples
                value = self.constants.setdefault(_constant_key(value), value)
            return value
        if isinstance(node, ast.Set):
            return {self.expr(e, ns) for e in node.elts}
        if isinstance(node, ast.Dict):
            return {
                self.expr(k, ns): self.expr(v, ns)  # type: ignore[arg-type]
                for k, v in zip(node.keys, node.values, strict=True)
            }
        if isinstance(node, ast.UnaryOp):
            operand = self.expr(node.operand, ns)
            if isinstance(operand, bool) or not _is_number(operand):
                raise _refuse(node, f"sign of a {type(operand).__qualname__}")
            return -operand if isinstance(node.op, ast.USub) else +operand
        if isinstance(node, ast.BinOp):
            left, right = self.expr(node.left, ns), self.expr(node.right, ns)
            return left + right if isinstance(node.op, ast.Add) else left - right
        if isinstance(node, ast.Attribute):
            return self.attribute(node, self.expr(node.value, ns))
        if isinstance(node, ast.Call):
            return self.call(node, ns)
        raise _refuse(node, _construct(node))  # pragma: no cover - the checker refused it

    def attribute(self, node: ast.Attribute, base: Any) -> Any:
        if isinstance(base, _ScopedFunction):
            raise _refuse(node, "attribute of a scoped function")
        if isinstance(base, types.ModuleType):
            return self.member(node, base, node.attr)
        return getattr(base, node.attr)

    def call(self, node: ast.Call, ns: dict[str, Any]) -> Any:
        func = self.expr(node.func, ns)
        guarded = None if isinstance(func, _ScopedFunction) else self.policy.guarded(func)
        if guarded is None:
            raise _refuse(node, f"call of {describe(func)!r} (not an allow-listed constructor)")
        args = [self.expr(a, ns) for a in node.args]
        kwargs = {kw.arg: self.expr(kw.value, ns) for kw in node.keywords if kw.arg}
        return guarded(*args, **kwargs)


_MISSING = object()


def _is_literal(node: ast.expr) -> bool:
    """Whether the compiler folds ``node`` into one constant (numbers, strings, tuples)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.operand, ast.Constant)
    if isinstance(node, ast.BinOp):
        return True  # the checker allows only complex literals such as 1+2j
    if isinstance(node, ast.Tuple):
        return all(_is_literal(e) for e in node.elts)
    return False


def _constant_key(value: Any) -> Any:
    """A key telling literal values apart as the compiler does (-0.0 from 0.0, 1 from 1.0)."""
    if isinstance(value, tuple):
        return tuple, tuple(_constant_key(v) for v in value)
    if isinstance(value, float):
        return float, struct.pack(">d", value)
    if isinstance(value, complex):
        return complex, struct.pack(">dd", value.real, value.imag)
    return type(value), value


def _is_number(x: Any) -> bool:
    if isinstance(x, (int, float, complex)):
        return True
    import sys

    np = sys.modules.get("numpy")
    return np is not None and isinstance(x, np.number)
