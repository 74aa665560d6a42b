"""The grammar of archive source, checked statically for a safe load.

:class:`Checker` walks a parsed archive statement by statement and refuses, with
:class:`~archived.errors.UnsafeArchiveError` naming the line and the construct, anything
outside what :mod:`archived.engine.archive` writes (see its module docstring).  It imports and
evaluates nothing: it knows which names are bound when, and to what kind of thing (data,
an import of ``module.name``, a parameter, a scoped function), which is enough to check
every call against the allow-list of :class:`~archived.load.allowlist.Policy`.

>>> import ast
>>> from archived.load.allowlist import Policy
>>> Checker(Policy()).module(ast.parse("from builtins import set as _s\\nx = _s()\\n"))
>>> Checker(Policy()).module(ast.parse("x = [i for i in y]"))
Traceback (most recent call last):
    ...
archived.errors.UnsafeArchiveError: unsafe archive: line 1: list comprehension is not ...
"""

from __future__ import annotations

import ast

from ..errors import UnsafeArchiveError
from .allowlist import DEFAULT_MODULES, Policy
from .safepickle import pickle_refusal

__all__ = ["Checker", "MAX_NESTING", "construct", "refuse", "import_refusal"]

# Generated source nests at most codegen.MAX_DEPTH (40) levels; refuse anything far deeper.
MAX_NESTING = 100

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


def construct(node: ast.AST) -> str:
    """What ``node`` is, in words for an error message.

    >>> construct(ast.parse("while x: pass").body[0])
    'while loop'
    """
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


def refuse(node: ast.AST | None, construct: str) -> UnsafeArchiveError:
    """The error refusing ``construct`` at the line of ``node`` (raise it).

    >>> str(refuse(ast.parse("\\nx = y").body[0], "name 'y'"))
    "unsafe archive: line 2: name 'y' is not allowed in a safe load"
    """
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


class Checker:
    """Checks a whole module against the grammar; knows which names are bound when.

    Calls are checked statically: a callee must be an import (or an attribute of one)
    naming an allow-listed constructor; inside a scoped function a callee may be a
    parameter, and the call site must then pass such an import for it.

    >>> from archived.load.allowlist import Policy
    >>> Checker(Policy()).module(ast.parse("import numpy as _np\\nx = _np.load('f')"))
    Traceback (most recent call last):
        ...
    archived.errors.UnsafeArchiveError: unsafe archive: line 2: import of numpy.load ...
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
                    raise refuse(stmt, f"del of {construct(target)}")
                self.name(target, target.id, self.bound)
                del self.bound[target.id]
        elif _is_cleanup(stmt):
            pass
        else:
            raise refuse(stmt, construct(stmt))

    def import_from(self, stmt: ast.ImportFrom) -> None:
        module = stmt.module or ""
        if stmt.level:
            raise refuse(stmt, f"relative import from {'.' * stmt.level}{module}")
        self.check_module(stmt, module)
        for alias in stmt.names:
            if alias.name == "*":
                raise refuse(stmt, f"star import from {module!r}")
            if not self.policy.allowed_import(module, alias.name):
                raise refuse(stmt, import_refusal(module, alias.name))
            self.bind(stmt, alias.asname or alias.name, _Bound("import", module, (alias.name,)))

    def import_(self, stmt: ast.Import) -> None:
        for alias in stmt.names:
            self.check_module(stmt, alias.name)
            if alias.asname is None and "." in alias.name:
                raise refuse(stmt, f"import of {alias.name!r} without 'as'")
            self.bind(stmt, alias.asname or alias.name, _Bound("import", alias.name))

    def check_module(self, stmt: ast.stmt, module: str) -> None:
        if not self.policy.module_allowed(module):
            raise refuse(stmt, import_refusal(module, None))

    def assign(self, stmt: ast.Assign) -> None:
        if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
            raise refuse(stmt, "assignment to anything but one name")
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
            raise refuse(stmt, f"function {stmt.name!r} beyond the scoped form (def f(a): ...)")
        if len(stmt.body) != 1 or not isinstance(stmt.body[0], ast.Return):
            raise refuse(stmt, f"function {stmt.name!r} whose body is not one return")
        body = stmt.body[0].value
        if body is None:
            raise refuse(stmt, f"function {stmt.name!r} returning nothing")
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
            raise refuse(call, "call of a scoped function with too many arguments")
        given = dict(zip(params, call.args, strict=False))
        for kw in call.keywords:
            if kw.arg is None:
                raise refuse(call, "'**' argument")
            if kw.arg in given:
                raise refuse(call, f"scoped function argument {kw.arg!r} given twice")
            given[kw.arg] = kw.value
        if sorted(given) != sorted(params):
            raise refuse(call, f"call of a scoped function with arguments {list(given)}")
        for arg in given.values():
            self.expr(arg, self.bound, 1)
        for param, attrs, node in scoped.calls:
            self.callee(node, given[param], attrs)

    def expr(self, node: ast.expr, names: Names, depth: int) -> None:
        if depth > MAX_NESTING:
            raise refuse(node, f"expression nested deeper than {MAX_NESTING} levels")
        depth += 1
        if isinstance(node, ast.Constant):
            return
        if isinstance(node, ast.Name):
            if self.name(node, node.id, names).kind == "def":
                raise refuse(node, f"use of the scoped function {node.id!r} as a value")
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                raise refuse(node, f"operator {type(node.op).__name__}")
            if not isinstance(node.operand, (ast.Constant, ast.Name)):
                raise refuse(node, "sign of anything but a number or a name")
            self.expr(node.operand, names, depth)
        elif isinstance(node, ast.BinOp):
            self.complex_literal(node)
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            for elt in node.elts:
                self.expr(elt, names, depth)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if key is None:
                    raise refuse(node, "'**' unpacking in a dict")
                self.expr(key, names, depth)
                self.expr(value, names, depth)
        elif isinstance(node, ast.Attribute):
            if node.attr.startswith("__"):
                raise refuse(node, f"attribute {node.attr!r}")
            root = names.get(node.value.id) if isinstance(node.value, ast.Name) else None
            if root is not None and root.kind == "import" and not root.path:
                if not self.policy.allowed_import(root.module, node.attr):  # a module's name
                    raise refuse(node, import_refusal(root.module, node.attr))
            self.expr(node.value, names, depth)
        elif isinstance(node, ast.Call):
            self.call(node, names, depth)
        else:
            raise refuse(node, construct(node))

    def call(self, node: ast.Call, names: Names, depth: int) -> None:
        self.expr(node.func, names, depth)  # names what it is: a lambda, a subscript, ...
        attrs, root = _chain(node.func)
        if root is None:
            raise refuse(node, f"call of a computed value ({ast.unparse(node.func)[:40]})")
        bound = names[root.id]
        if bound.kind == "param" and self.current is not None:
            self.current.calls.append((root.id, attrs, node))
        else:
            self.callee(node, root, attrs, names)
        for arg in node.args:
            self.expr(arg, names, depth)
        for kw in node.keywords:
            if kw.arg is None:
                raise refuse(node, "'**' argument")
            self.expr(kw.value, names, depth)

    def callee(
        self, node: ast.AST, func: ast.expr, attrs: tuple[str, ...], names: Names | None = None
    ) -> None:
        """Refuse unless ``func`` plus ``attrs`` names an allow-listed constructor."""
        more, root = _chain(func)
        bound = (names or self.bound).get(root.id) if root is not None else None
        text = ".".join([ast.unparse(func), *attrs])[:60]
        if bound is None or bound.kind != "import":
            raise refuse(node, f"call of {text!r} (a value, not an imported constructor)")
        path = (*bound.path, *more, *attrs)
        if not self.policy.static_callable(bound.module, path):
            dotted = ".".join([bound.module, *path])
            raise refuse(node, f"call of {dotted!r} (not an allow-listed constructor)")
        if (bound.module, path) == ("pickle", ("loads",)) and not self.policy.allow_pickle:
            arg = node.args[0] if isinstance(node, ast.Call) and node.args else None
            payload = arg.value if isinstance(arg, ast.Constant) else None
            refusal = pickle_refusal(payload, self.policy)
            if refusal is not None:
                raise refuse(node, refusal)

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
            raise refuse(node, f"operator {type(node.op).__name__} (only complex literals a+bj)")

    def name(self, node: ast.AST, name: str, names: Names) -> _Bound:
        if name.startswith("__"):
            raise refuse(node, f"dunder name {name!r}")
        bound = names.get(name)
        if bound is None:
            raise refuse(node, f"name {name!r} (not bound earlier in the archive)")
        return bound

    def bind(self, node: ast.AST, name: str, bound: _Bound, names: Names | None = None) -> None:
        if name.startswith("__"):
            raise refuse(node, f"dunder name {name!r}")
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


def import_refusal(module: str, name: str | None) -> str:
    """Words refusing ``import module`` (``name`` None) or ``from module import name``.

    >>> import_refusal("os", None)
    "import of module 'os' (not in the allow-list; pass allow=['os'])"
    """
    if name is None and module not in DEFAULT_MODULES:
        return f"import of module {module!r} (not in the allow-list; pass allow=[{module!r}])"
    return f"import of {module}.{name}" if name else f"import of module {module!r}"
