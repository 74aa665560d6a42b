"""The grammar of archive source, checked before a safe load evaluates anything.

:class:`Checker` walks a parsed archive statement by statement and refuses, with
:class:`~archived.errors.UnsafeArchiveError` naming the line and the construct, anything
outside what :mod:`archived.engine.archive` writes (see its module docstring).  It imports
nothing but modules of the allow-list, and evaluates nothing: it knows which names are
bound when, and to what kind of thing (data, an import of ``module.name``, a parameter, a
scoped function), which is enough to check every call against the allow-list of
:class:`~archived.load.allowlist.Policy`.

The checker also leaves the tree in the few shapes the evaluator
(:mod:`archived.load.evaluator`) knows:

* signed numbers and complex literals (``-1.5``, ``1+2j``) become constants;
* displays holding only short constants become :class:`LiteralList`,
  :class:`LiteralTuple`, :class:`LiteralSet` or :class:`LiteralDict`, and calls of an
  imported name with such arguments :class:`LiteralCall`, built in one step;
* strings and bytes longer than :data:`~archived.load.guards.SMALL_TEXT` become
  :class:`LongText`, whose size the evaluator charges to the budget.

>>> from archived.load.allowlist import Policy
>>> Checker(Policy()).module(ast.parse("from builtins import set as _s\\nx = _s()\\n"))
>>> Checker(Policy()).module(ast.parse("x = [i for i in y]"))
Traceback (most recent call last):
    ...
archived.errors.UnsafeArchiveError: unsafe archive: line 1: list comprehension is not ...
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable
from typing import Any

from ..errors import UnsafeArchiveError
from .allowlist import Policy
from .budget import Budget, Limits
from .guards import SMALL_TEXT

__all__ = [
    "Checker",
    "MAX_NESTING",
    "construct",
    "each_statement",
    "refuse",
    "LiteralList",
    "LiteralTuple",
    "ConstantTuple",
    "LiteralSet",
    "LiteralDict",
    "LiteralCall",
    "LongText",
]

# Generated source nests at most codegen.MAX_DEPTH (40) levels; refuse anything far deeper.
MAX_NESTING = 100


class LiteralList(ast.List):
    """A list display of short constants only."""


class LiteralTuple(ast.Tuple):
    """A tuple display of short constants only: the compiler folds it."""


class ConstantTuple(ast.Tuple):
    """A tuple display of constants and constant tuples: the compiler folds it too."""


class LiteralSet(ast.Set):
    """A set display of short constants only."""


class LiteralDict(ast.Dict):
    """A dict display whose keys and values are short constants only."""


class LiteralCall(ast.Call):
    """A call of an imported constructor with short constants as arguments only."""


class LongText(ast.Constant):
    """A str or bytes constant longer than ``SMALL_TEXT``: its size is charged."""


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


def each_statement(tree: ast.Module, visit: Callable[[ast.stmt], None]) -> None:
    """``visit`` each statement of ``tree`` in order; a refusal that names no line is
    raised again naming the statement's (the checker and the evaluator both read so).

    >>> def visit(stmt):
    ...     if isinstance(stmt.value, ast.Name):
    ...         raise UnsafeArchiveError(None, "name 'y'")
    >>> try:
    ...     each_statement(ast.parse("x = 1\\nz = y"), visit)
    ... except UnsafeArchiveError as err:
    ...     print(err)
    unsafe archive: line 2: name 'y' is not allowed in a safe load
    """
    for stmt in tree.body:
        try:
            visit(stmt)
        except UnsafeArchiveError as err:
            if err.line is None:
                raise err.at_line(stmt.lineno) from None
            raise


def refuse(node: ast.AST | None, construct: str, allow: str | None = None) -> UnsafeArchiveError:
    """The error refusing ``construct`` at the line of ``node`` (raise it); ``allow``:
    the module whose ``allow=`` it advises (:attr:`UnsafeArchiveError.allow`).

    >>> str(refuse(ast.parse("\\nx = y").body[0], "name 'y'"))
    "unsafe archive: line 2: name 'y' is not allowed in a safe load"
    """
    return UnsafeArchiveError(getattr(node, "lineno", None), construct, allow=allow)


def is_cleanup(stmt: ast.stmt) -> bool:
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


class _Bound:
    """What a name holds, as far as the check knows: data, an import, a scoped function."""

    __slots__ = ("kind", "module", "path", "params", "calls", "callable")

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
        self.callable = False  # an import found to be an allow-listed constructor


_Constant = ast.Constant
_VALUE = _Bound("value")
_PARAM = _Bound("param")
Names = dict[str, _Bound]
_NUMBER = (int, float, complex)


class Checker:
    """Checks a whole module against the grammar; knows which names are bound when.

    Calls are checked statically: a callee must be an import (or an attribute of one)
    naming an allow-listed constructor; inside a scoped function a callee may be a
    parameter, and the call site must then pass such an import for it.  Int literals
    may have at most ``budget.max_digits`` digits.

    >>> from archived.load.allowlist import Policy
    >>> Checker(Policy()).module(ast.parse("import numpy as _np\\nx = _np.load('f')"))
    Traceback (most recent call last):
        ...
    archived.errors.UnsafeArchiveError: unsafe archive: line 2: import of numpy.load ...
    """

    def __init__(self, policy: Policy, budget: Budget | None = None) -> None:
        self.policy = policy
        self.budget = budget if budget is not None else Limits().budget(0)
        self.bound: Names = {}
        self.current: _Bound | None = None  # the scoped function being checked
        self.int_bound = _int_bound(self.budget.max_digits)  # int literals lie strictly inside
        self.checks: dict[type, Any] = {
            ast.Name: self.name_use,
            ast.List: self.sequence,
            ast.Tuple: self.sequence,
            ast.Set: self.sequence,
            ast.Dict: self.dict_,
            ast.Attribute: self.attribute,
            ast.Call: self.call,
            ast.UnaryOp: self.unary,
            ast.BinOp: self.binary,
        }

    def module(self, tree: ast.Module) -> None:
        """Check every statement of ``tree`` (and leave it in the evaluator's shapes)."""
        each_statement(tree, self.statement)

    def statement(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Assign):
            self.assign(stmt)
        elif isinstance(stmt, ast.ImportFrom):
            self.import_from(stmt)
        elif isinstance(stmt, ast.Import):
            self.import_(stmt)
        elif isinstance(stmt, ast.FunctionDef):
            self.function(stmt)
        elif isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                if not isinstance(target, ast.Name):
                    raise refuse(stmt, f"del of {construct(target)}")
                self.lookup(target, target.id, self.bound)
                del self.bound[target.id]
        elif not is_cleanup(stmt):
            raise refuse(stmt, construct(stmt))

    # ----------------------------------------------------------------- statements

    def import_from(self, stmt: ast.ImportFrom) -> None:
        module = stmt.module or ""
        if stmt.level:
            raise refuse(stmt, f"relative import from {'.' * stmt.level}{module}")
        self.check_module(stmt, module)
        for alias in stmt.names:
            if alias.name == "*":
                raise refuse(stmt, f"star import from {module!r}")
            if not self.policy.allowed_import(module, alias.name):
                raise refuse(stmt, f"import of {module}.{alias.name}")
            self.bind(stmt, alias.asname or alias.name, _Bound("import", module, (alias.name,)))

    def import_(self, stmt: ast.Import) -> None:
        for alias in stmt.names:
            self.check_module(stmt, alias.name)
            if alias.asname is None and "." in alias.name:
                raise refuse(stmt, f"import of {alias.name!r} without 'as'")
            self.bind(stmt, alias.asname or alias.name, _Bound("import", alias.name))

    def check_module(self, stmt: ast.stmt, module: str) -> None:
        if not self.policy.module_allowed(module):
            raise refuse(stmt, *self.policy.module_refusal(module))

    def assign(self, stmt: ast.Assign) -> None:
        if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
            raise refuse(stmt, "assignment to anything but one name")
        value = stmt.value
        func = value.func if isinstance(value, ast.Call) else None
        scoped = self.bound.get(func.id) if isinstance(func, ast.Name) else None
        if scoped is not None and scoped.kind == "def":
            self.scoped_call(value, scoped)  # type: ignore[arg-type]
        else:
            stmt.value = self.expr(value, self.bound, 0)
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
        ret = stmt.body[0]
        if ret.value is None:
            raise refuse(stmt, f"function {stmt.name!r} returning nothing")
        params = [arg.arg for arg in a.args]
        if len(set(params)) != len(params):
            raise refuse(stmt, f"function {stmt.name!r} with a parameter named twice")
        local: Names = {}
        for p in params:
            self.bind(stmt, p, _PARAM, local)
        scoped = _Bound("def", params=params)
        self.current = scoped
        try:
            ret.value = self.expr(ret.value, local, 0)
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
        call.args = [self.expr(a, self.bound, 1) for a in call.args]
        for kw in call.keywords:
            kw.value = given[kw.arg] = self.expr(kw.value, self.bound, 1)  # type: ignore[index]
        given.update(zip(params, call.args, strict=False))
        for param, attrs, node in scoped.calls:
            self.callee(node, given[param], attrs)

    # ----------------------------------------------------------------- expressions

    def expr(self, node: ast.expr, names: Names, depth: int) -> ast.expr:
        """Check ``node``; return it, or the constant it folds into."""
        if node.__class__ is ast.Constant:
            self.constant(node)
            return node
        if depth > MAX_NESTING:
            raise refuse(node, f"expression nested deeper than {MAX_NESTING} levels")
        check = self.checks.get(node.__class__)
        if check is None:
            raise refuse(node, construct(node))
        return check(node, names, depth + 1)  # type: ignore[no-any-return]

    def constant(self, node: ast.Constant) -> bool:
        """Check a constant; mark long text; True if it is a short one."""
        value: Any = node.value
        tp = value.__class__
        if tp is int:
            if not -self.int_bound < value < self.int_bound:
                self.budget.check_int(value, "an int literal")
        elif tp is str or tp is bytes:
            if len(value) > SMALL_TEXT:
                node.__class__ = LongText
                return False
        return True

    def name_use(self, node: ast.Name, names: Names, depth: int) -> ast.expr:
        if self.lookup(node, node.id, names).kind == "def":
            raise refuse(node, f"use of the scoped function {node.id!r} as a value")
        return node

    def sequence(self, node: ast.List | ast.Tuple | ast.Set, names: Names, depth: int) -> ast.expr:
        elts = node.elts
        literal = self.exprs(elts, names, depth)
        if node.__class__ is ast.Tuple:
            # the compiler makes one object of equal constant tuples, nested ones too
            if literal:
                node.__class__ = LiteralTuple
            elif all(e.__class__ in _TUPLE_PARTS for e in elts):
                node.__class__ = ConstantTuple
        elif literal:
            node.__class__ = _LITERAL[node.__class__]
        return node

    def exprs(self, elts: list[ast.expr], names: Names, depth: int) -> bool:
        """Check the items of a display or call in place; True if all are short constants."""
        literal = True
        bound = self.int_bound
        for i, elt in enumerate(elts):
            if elt.__class__ is _Constant:
                value: Any = elt.value  # type: ignore[attr-defined]
                tp = value.__class__
                if tp is float or (tp is int and -bound < value < bound):
                    continue  # the commonest items, checked inline
                literal = self.constant(elt) and literal  # type: ignore[arg-type]
            else:
                elts[i] = elt = self.expr(elt, names, depth)
                literal = literal and elt.__class__ is _Constant
        return literal

    def dict_(self, node: ast.Dict, names: Names, depth: int) -> ast.expr:
        if None in node.keys:
            raise refuse(node, "'**' unpacking in a dict")
        literal = self.exprs(node.keys, names, depth)  # type: ignore[arg-type]
        literal = self.exprs(node.values, names, depth) and literal
        if literal:
            node.__class__ = LiteralDict
        return node

    def unary(self, node: ast.UnaryOp, names: Names, depth: int) -> ast.expr:
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise refuse(node, f"operator {type(node.op).__name__}")
        operand = node.operand
        if operand.__class__ is ast.Name:
            self.name_use(operand, names, depth)  # its value is checked when evaluated
            return node
        if operand.__class__ is not ast.Constant:
            raise refuse(node, "sign of anything but a number or a name")
        value = operand.value
        if value.__class__ not in _NUMBER:
            raise refuse(node, f"sign of a {type(value).__qualname__}")
        self.constant(operand)
        return _folded(node, -value if isinstance(node.op, ast.USub) else +value)

    def binary(self, node: ast.BinOp, names: Names, depth: int) -> ast.expr:
        """Only complex literals (``1+2j``, ``-0.5-1j``), folded into their value."""
        left, right = node.left, node.right
        sign = 1
        if isinstance(left, ast.UnaryOp) and isinstance(left.op, ast.USub):
            left, sign = left.operand, -1
        ok = (
            isinstance(node.op, (ast.Add, ast.Sub))
            and isinstance(left, ast.Constant)
            and type(left.value) in (int, float)
            and isinstance(right, ast.Constant)
            and type(right.value) is complex
        )
        if not ok:
            raise refuse(node, f"operator {type(node.op).__name__} (only complex literals a+bj)")
        self.constant(left)  # type: ignore[arg-type]
        real: Any = left.value  # type: ignore[attr-defined]
        imag: Any = right.value  # type: ignore[attr-defined]
        return _folded(node, sign * real + (imag if isinstance(node.op, ast.Add) else -imag))

    def attribute(self, node: ast.Attribute, names: Names, depth: int) -> ast.expr:
        if node.attr.startswith("__"):
            raise refuse(node, f"attribute {node.attr!r}")
        root = names.get(node.value.id) if isinstance(node.value, ast.Name) else None
        if root is not None and root.kind == "import" and not root.path:
            if not self.policy.allowed_import(root.module, node.attr):  # a module's name
                raise refuse(node, f"import of {root.module}.{node.attr}")
        node.value = self.expr(node.value, names, depth)
        return node

    def call(self, node: ast.Call, names: Names, depth: int) -> ast.expr:
        func = node.func
        bound = names.get(func.id) if func.__class__ is ast.Name else None  # type: ignore[attr-defined]
        if bound is not None and bound.kind == "import" and bound.callable:
            pass  # a constructor this check allowed already (the common case)
        else:
            node.func = self.expr(func, names, depth)  # names what it is: a lambda, ...
            attrs, root = _chain(node.func)
            if root is None:
                raise refuse(node, f"call of a computed value ({ast.unparse(node.func)[:40]})")
            bound = names[root.id]
            if bound.kind == "param" and self.current is not None:
                self.current.calls.append((root.id, attrs, node))
            else:
                self.callee(node, root, attrs, names)
        literal = self.exprs(node.args, names, depth) if node.args else True
        for kw in node.keywords:
            if kw.arg is None:
                raise refuse(node, "'**' argument")
            if kw.arg.startswith("__"):
                # SimpleNamespace(__array_interface__=...) is an attribute of an instance,
                # where numpy looks for it: np.asarray() of such a value made an array
                # over any address of the process the store wrote
                raise refuse(node, f"dunder keyword {kw.arg!r}")
            value = kw.value
            if value.__class__ is _Constant:
                literal = self.constant(value) and literal  # type: ignore[arg-type]
            else:
                kw.value = value = self.expr(value, names, depth)
                literal = literal and value.__class__ is _Constant
        if literal and node.func.__class__ is ast.Name:
            node.__class__ = LiteralCall
        return node

    def callee(
        self, node: ast.AST, func: ast.expr, attrs: tuple[str, ...], names: Names | None = None
    ) -> None:
        """Refuse unless ``func`` plus ``attrs`` names an allow-listed constructor."""
        more, root = _chain(func)
        bound = (names or self.bound).get(root.id) if root is not None else None
        if bound is None or bound.kind != "import":
            text = ".".join([ast.unparse(func), *attrs])[:60]
            raise refuse(node, f"call of {text!r} (a value, not an imported constructor)")
        path = (*bound.path, *more, *attrs)
        if not self.policy.static_callable(bound.module, path):
            dotted = ".".join([bound.module, *path])
            raise refuse(node, f"call of {dotted!r} (not an allow-listed constructor)")
        if not more and not attrs:
            bound.callable = True

    # ----------------------------------------------------------------- names

    def lookup(self, node: ast.AST, name: str, names: Names) -> _Bound:
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


_LITERAL: dict[type, type] = {ast.List: LiteralList, ast.Set: LiteralSet}
_TUPLE_PARTS = (ast.Constant, LongText, LiteralTuple, ConstantTuple)


@functools.lru_cache(maxsize=8)
def _int_bound(digits: int) -> int:
    return 10**digits


def _folded(node: ast.expr, value: Any) -> ast.Constant:
    return ast.copy_location(ast.Constant(value), node)


def _chain(node: ast.expr) -> tuple[tuple[str, ...], ast.Name | None]:
    """``a.b.c`` -> (('b', 'c'), Name a); anything not rooted at a name -> ((), None)."""
    attrs: list[str] = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return (), None
    return tuple(reversed(attrs)), node
