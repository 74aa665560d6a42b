"""Safe loading: evaluate archive source without executing it.

:func:`evaluate` parses archive source with :mod:`ast`, checks *every* statement
against the grammar :mod:`archived.engine.archive` writes (see its module docstring), and only
then evaluates it, node by node, without ``exec``, ``eval`` or ``compile``:

* literals, list/tuple/set/dict displays, ``-x`` on numbers, ``1+2j``-style complex
  literals, and names bound earlier in the archive;
* ``from M import N as A`` / ``import M as A`` of allow-listed modules only (see
  :mod:`archived.load.allowlist`; a module outside the list is never imported);
* calls of allow-listed constructors, guarded against memory bombs; attribute access
  (no dunders; a module's attribute only if that module has already bound it);
* the scoped form ``def _d(a, ...): return <expr>`` followed by ``x = _d(a=...)``: the
  body is evaluated over its parameters, no function is ever created;
* ``del`` of bound names and the ``if __name__ == 'builtins': del __builtins__`` cleanup;
* ``pickle.loads`` of payloads naming only allow-listed constructors and constants (see
  :mod:`archived.load.safepickle`; any payload with ``allow_pickle=True``).

The grammar check lives in :mod:`archived.load.grammar`, the allow-list in
:mod:`archived.load.allowlist`.

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
import inspect
import os
import struct
import types
from collections.abc import Iterable
from typing import Any

from ..errors import UnsafeArchiveError
from .allowlist import DEFAULT_MAX_BYTES, Policy, describe
from .grammar import MAX_NESTING, Checker, construct, import_refusal, refuse
from .numpy_names import numpy_name

__all__ = ["evaluate", "check", "MAX_NESTING"]


def evaluate(
    src: str,
    env: dict[str, Any] | None = None,
    *,
    datadir: str | os.PathLike[str] | None = None,
    allowed_modules: Iterable[str] = (),
    allow_pickle: bool = False,
    max_bytes: int | None = None,
) -> dict[str, Any]:
    """Check archive source against the safe grammar, then evaluate it into ``env``.

    Args:
        src: archive source, as :func:`archived.load.restore` takes it.
        env: the dict receiving the names (default: a new one).  Its existing contents
            are not visible to the archive.
        datadir: directory of the archive's HDF5 data files (default: the directory of
            ``env['__file__']``, else the current directory).
        allowed_modules: extra trusted modules, e.g. ``["mypkg.models"]``.
        allow_pickle: let ``pickle.loads`` payloads load (only for trusted archives).
        max_bytes: the bytes of arrays and buffers the load may allocate in all
            (default :data:`~archived.load.allowlist.DEFAULT_MAX_BYTES`, 16 GiB).

    Raises :class:`~archived.errors.UnsafeArchiveError` for anything outside the grammar
    or the allow-list, ``SyntaxError`` for source that does not parse.

    >>> evaluate("import numpy as _np\\nx = _np.array([1, 2], dtype='int8')\\ndel _np\\n")
    {'x': array([1, 2], dtype=int8)}
    >>> evaluate("x = (lambda: 1)()")
    Traceback (most recent call last):
        ...
    archived.errors.UnsafeArchiveError: unsafe archive: line 1: lambda is not allowed ...
    """
    limit = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
    policy = Policy(allowed_modules, allow_pickle, limit)
    tree = _parse(src)
    Checker(policy).module(tree)
    d: dict[str, Any] = {} if env is None else env
    if datadir is None and isinstance(d.get("__file__"), str):
        datadir = os.path.dirname(os.path.abspath(d["__file__"]))
    evaluator = _Evaluator(policy)
    if datadir is None:
        evaluator.module(tree)
    else:
        from ..engine.hdf5 import using_datadir

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
    Checker(Policy(allowed_modules, allow_pickle)).module(_parse(src))


def _parse(src: str) -> ast.Module:
    if not isinstance(src, str):
        raise TypeError(f"a safe load needs archive source as str, not {type(src).__name__}")
    try:
        return ast.parse(src, "<archive>")
    except (RecursionError, MemoryError):
        raise UnsafeArchiveError(None, "source nested too deeply to parse") from None
    except ValueError as err:  # null bytes
        raise UnsafeArchiveError(None, f"source that is not text ({err})") from None


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
            raise refuse(node, import_refusal(name, None))
        return importlib.import_module(name)

    def member(self, node: ast.AST, module: types.ModuleType, name: str) -> Any:
        if not self.policy.allowed_import(module.__name__, name):
            raise refuse(node, import_refusal(module.__name__, name))
        if self.policy.user_module(module.__name__):
            value = getattr(module, name)
        else:
            if module.__name__ == "numpy":
                name = numpy_name(name)  # numpy 2's numpy.bool is bool_ in numpy 1.x
            value = vars(module).get(name, _MISSING)
            if value is _MISSING:
                raise refuse(node, f"import of {module.__name__}.{name} (not defined there)")
        if isinstance(value, types.ModuleType) and not self.policy.module_allowed(value.__name__):
            raise refuse(node, import_refusal(value.__name__, None))
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
                raise refuse(node, f"sign of a {type(operand).__qualname__}")
            return -operand if isinstance(node.op, ast.USub) else +operand
        if isinstance(node, ast.BinOp):
            left, right = self.expr(node.left, ns), self.expr(node.right, ns)
            return left + right if isinstance(node.op, ast.Add) else left - right
        if isinstance(node, ast.Attribute):
            return self.attribute(node, self.expr(node.value, ns))
        if isinstance(node, ast.Call):
            return self.call(node, ns)
        raise refuse(node, construct(node))  # pragma: no cover - the checker refused it

    def attribute(self, node: ast.Attribute, base: Any) -> Any:
        if isinstance(base, _ScopedFunction):
            raise refuse(node, "attribute of a scoped function")
        if isinstance(base, types.ModuleType):
            return self.member(node, base, node.attr)
        if not isinstance(base, type):
            # of a value, archives refer only to methods (``(x).append``): never run a
            # property or __getattr__ of data to find out what it is
            found = inspect.getattr_static(base, node.attr, _MISSING)
            if not isinstance(found, _METHODS):
                raise refuse(node, f"attribute {node.attr!r} of a {type(base).__qualname__}")
        return getattr(base, node.attr)

    def call(self, node: ast.Call, ns: dict[str, Any]) -> Any:
        func = self.expr(node.func, ns)
        guarded = None if isinstance(func, _ScopedFunction) else self.policy.guarded(func)
        if guarded is None:
            raise refuse(node, f"call of {describe(func)!r} (not an allow-listed constructor)")
        args = [self.expr(a, ns) for a in node.args]
        kwargs = {kw.arg: self.expr(kw.value, ns) for kw in node.keywords if kw.arg}
        return guarded(*args, **kwargs)


_MISSING = object()
_METHODS = (
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodDescriptorType,
    types.WrapperDescriptorType,
    types.ClassMethodDescriptorType,
    classmethod,
    staticmethod,
)


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
