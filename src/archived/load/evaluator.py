"""Evaluation of checked archive source: values built node by node, within a budget.

:class:`Evaluator` runs only on a tree :class:`~archived.load.grammar.Checker` accepted
whole, so it meets the shapes the checker leaves and nothing else.  It never runs
``exec``, ``eval`` or ``compile``.  It creates every value itself, imports only modules
of the allow-list, binds from them only classes, functions and constants
(:meth:`~archived.load.allowlist.Policy.value_refusal`), reads attributes only through
static lookups of methods, and calls only guarded constructors
(:mod:`archived.load.guards`).

Every name is bound with its cost: the elements and bytes its value holds and how deep
it nests, shared references expanded.  The first use of a name hands its value on (it
was paid for when it was built); every further use charges its whole cost again, and so
does a name left bound at the end that was also used (it is one more root to walk).  A
list naming one big value a thousand times costs a thousand values, and what the load
charges bounds what walking, copying or hashing its results will cost
(:mod:`archived.load.budget`).

>>> import ast
>>> from archived.load.allowlist import Policy
>>> from archived.load.budget import Limits
>>> from archived.load.grammar import Checker
>>> tree = ast.parse("_g1 = [1, 2]\\nx = [_g1, _g1]\\ndel _g1\\n")
>>> Checker(Policy()).module(tree)
>>> evaluator = Evaluator(Policy(), Limits().budget(30))
>>> evaluator.module(tree)
>>> evaluator.values(), evaluator.budget.elements
({'x': [[1, 2], [1, 2]]}, 6)
"""

from __future__ import annotations

import ast
import datetime
import decimal
import enum
import fractions
import importlib
import inspect
import struct
import types
from typing import Any

from ..errors import ArchiveError, UnsafeArchiveError
from .allowlist import Policy, describe
from .budget import Budget
from .grammar import (
    ConstantTuple,
    LiteralCall,
    LiteralDict,
    LiteralList,
    LiteralSet,
    LiteralTuple,
    LongText,
    each_statement,
    is_cleanup,
    refuse,
)
from .hashes import MAX_SAME_HASH, crowded_hash, hash_refusal
from .numpy_names import numpy_name
from .rep_guards import makes_new, set_state_
from .usermodules import import_outside_stores

__all__ = ["Evaluator"]

# A bound name: [value, elements, bytes, depth, used] -- its value, what it holds (shared
# references expanded) and whether it was used already (its first use is free).
Entry = list[Any]
Scope = dict[str, Entry]

_Constant = ast.Constant
_Name = ast.Name


class ScopedFunction:
    """A checked ``def _d(...): return <expr>``: its parameters and body, never a function."""

    __slots__ = ("params", "body")

    def __init__(self, params: list[str], body: ast.expr) -> None:
        self.params = params
        self.body = body


class Evaluator:
    """Evaluates a checked module into :meth:`values`, charging ``budget`` as it goes."""

    def __init__(self, policy: Policy, budget: Budget) -> None:
        self.policy = policy
        self.budget = budget
        self.scope: Scope = {}
        self.deepest = 0  # the deepest nesting reached by the statement being evaluated
        # the costs of first uses, not charged but part of what the values built hold
        self.free_elements = 0
        self.free_bytes = 0
        self.constants: dict[Any, tuple[Any, ...]] = {}  # literal tuples, shared
        self.crowding: dict[int, int] = {}  # hash -> the constants of it (see shared)
        self.guards: dict[int, tuple[Any, Any]] = {}
        self.states_set: dict[int, list[Any]] = {}  # what set_state() returned, by id
        self.dispatch: dict[type, Any] = {
            _Constant: self.constant,
            LongText: self.long_text,
            _Name: self.name,
            ast.List: self.list_,
            LiteralList: self.literal_list,
            ast.Tuple: self.tuple_,
            LiteralTuple: self.literal_tuple,
            ConstantTuple: self.constant_tuple,
            ast.Set: self.set_,
            LiteralSet: self.literal_set,
            ast.Dict: self.dict_,
            LiteralDict: self.literal_dict,
            ast.Attribute: self.attribute,
            ast.Call: self.call,
            LiteralCall: self.literal_call,
            ast.UnaryOp: self.sign,
        }

    def values(self) -> dict[str, Any]:
        """The names the module left bound, and their values."""
        return {name: entry[0] for name, entry in self.scope.items()}

    def module(self, tree: ast.Module) -> None:
        """Evaluate every statement of the checked ``tree`` in order."""
        each_statement(tree, self.statement)
        budget = self.budget
        for name, (_, elements, nbytes, _, used) in self.scope.items():
            if used and (elements or nbytes):  # a result that is also part of another
                budget.elements += elements
                budget.bytes += nbytes
                if budget.elements > budget.max_elements or budget.bytes > budget.max_bytes:
                    self.over(
                        budget, f"the result {name!r}, also used in another", elements, nbytes
                    )

    def statement(self, stmt: ast.stmt) -> None:
        scope = self.scope
        if stmt.__class__ is ast.Assign:
            target = stmt.targets[0]  # type: ignore[attr-defined]
            scope[target.id] = self.assigned(stmt.value)  # type: ignore[attr-defined]
        elif isinstance(stmt, ast.ImportFrom):
            module = self.import_module(stmt, stmt.module or "")
            for alias in stmt.names:
                value = self.member(stmt, module, alias.name)
                scope[alias.asname or alias.name] = [value, 0, 0, 0, False]
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                module = self.import_module(stmt, alias.name)
                scope[alias.asname or alias.name] = [module, 0, 0, 0, False]
        elif isinstance(stmt, ast.FunctionDef):
            body = stmt.body[0].value  # type: ignore[attr-defined]
            function = ScopedFunction([a.arg for a in stmt.args.args], body)
            scope[stmt.name] = [function, 0, 0, 0, False]
        elif isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                del scope[target.id]  # type: ignore[attr-defined]
        elif not is_cleanup(stmt):  # the builtins cleanup: a safe load adds no __builtins__
            raise refuse(stmt, "a statement the check did not pass")  # pragma: no cover

    def assigned(self, node: ast.expr) -> Entry:
        """Evaluate the value of an assignment; return it with what one use of it costs."""
        budget = self.budget
        self.deepest = 0
        if node.__class__ is ast.Call:
            func = node.func  # type: ignore[attr-defined]
            entry = self.scope.get(func.id) if func.__class__ is _Name else None
            if entry is not None and entry[0].__class__ is ScopedFunction:
                return self.scoped_call(node, entry[0])  # type: ignore[arg-type]
        elements = budget.elements + self.free_elements
        nbytes = budget.bytes + self.free_bytes
        value = self.dispatch[node.__class__](node, self.scope, 0)
        return [
            value,
            budget.elements + self.free_elements - elements,
            budget.bytes + self.free_bytes - nbytes,
            self.deepest,
            False,
        ]

    def scoped_call(self, node: ast.Call, function: ScopedFunction) -> Entry:
        """``_d(a=..., b=...)``: the body evaluated over its arguments, no function made."""
        params: Scope = {}
        for param, arg in zip(function.params, node.args, strict=False):
            params[param] = self.assigned(arg)
        for kw in node.keywords:
            params[kw.arg] = self.assigned(kw.value)  # type: ignore[index]
        budget = self.budget
        self.deepest = 0
        # the arguments were paid for; the result holds what the body takes of them
        elements = budget.elements + self.free_elements
        nbytes = budget.bytes + self.free_bytes
        value = self.dispatch[function.body.__class__](function.body, params, 0)
        return [
            value,
            budget.elements + self.free_elements - elements,
            budget.bytes + self.free_bytes - nbytes,
            self.deepest,
            False,
        ]

    # ----------------------------------------------------------------- imports

    def import_module(self, node: ast.AST, name: str) -> types.ModuleType:
        if not self.policy.module_allowed(name):  # checked already; never import otherwise
            raise refuse(node, *self.policy.module_refusal(name))
        try:
            if self.policy.user_module(name):  # (imported already too: a store module)
                in_store = import_outside_stores(name)
                if in_store is not None:
                    raise refuse(node, in_store)
            return importlib.import_module(name)
        except UnsafeArchiveError as err:  # a module it imports is a store's file
            line = getattr(node, "lineno", None)
            if err.line is not None or line is None:
                raise
            raise err.at_line(line) from None

    def member(self, node: ast.AST, module: types.ModuleType, name: str) -> Any:
        """``module.name`` as a safe load may bind it: allow-listed, and no mutable object."""
        policy = self.policy
        if not policy.allowed_import(module.__name__, name):
            raise refuse(node, f"import of {module.__name__}.{name}")
        if policy.user_module(module.__name__):
            value = getattr(module, name, _MISSING)
        else:
            if module.__name__ == "numpy":
                name = numpy_name(name)  # numpy 2's numpy.bool is bool_ in numpy 1.x
            value = vars(module).get(name, _MISSING)  # never a module __getattr__
        if value is _MISSING:
            if policy.user_module(module.__name__):
                # the user's module lacks a class it had when the entry was written (renamed
                # since): as a trusted load's ImportError, an intact entry this program
                # cannot load, not a construct refused
                raise ImportError(
                    f"cannot import name {name!r} from {module.__name__!r}",
                    name=module.__name__,
                )
            raise refuse(node, f"import of {module.__name__}.{name} (not defined there)")
        if isinstance(value, types.ModuleType) and not policy.module_allowed(value.__name__):
            # a module outside the list: the advice of its refusal, if any, goes with it
            words, advised = policy.module_refusal(value.__name__)
            raise refuse(node, f"import of {module.__name__}.{name}: {words}", advised)
        refusal = policy.value_refusal(value)
        if refusal is not None:
            raise refuse(node, f"import of {module.__name__}.{name}: {refusal}")
        return value

    # ----------------------------------------------------------------- expressions

    def constant(self, node: ast.Constant, scope: Scope, depth: int) -> Any:
        return node.value

    def long_text(self, node: ast.Constant, scope: Scope, depth: int) -> Any:
        value: Any = node.value
        size = len(value) if value.__class__ is bytes or value.isascii() else 4 * len(value)
        self.budget.charge_bytes(size, "a string")
        return value

    def name(self, node: ast.Name, scope: Scope, depth: int) -> Any:
        entry = scope[node.id]
        value, elements, nbytes, deep, used = entry
        if not (elements or nbytes):
            pass
        elif used:
            budget = self.budget
            budget.elements += elements
            budget.bytes += nbytes
            if budget.elements > budget.max_elements or budget.bytes > budget.max_bytes:
                self.over(budget, f"a use of {node.id!r}", elements, nbytes)
        else:
            entry[4] = True
            self.free_elements += elements
            self.free_bytes += nbytes
        if deep + depth > self.deepest:
            self.deeper(deep + depth, node.id)
        return value

    def items(self, elts: list[ast.expr], scope: Scope, depth: int) -> list[Any]:
        """The values of ``elts`` one level deeper than ``depth``, their slots charged."""
        depth += 1
        if depth > self.deepest:
            self.deeper(depth, "a display")
        out: list[Any] = []
        append = out.append
        dispatch = self.dispatch
        for e in elts:
            tp = e.__class__
            if tp is _Constant:
                append(e.value)  # type: ignore[attr-defined]
            elif tp is _Name:
                append(self.name(e, scope, depth))  # type: ignore[arg-type]
            else:
                append(dispatch[tp](e, scope, depth))
        self.charge(len(out), "a display")
        return out

    def literal_items(self, elts: list[ast.expr], depth: int) -> list[Any]:
        if depth + 1 > self.deepest:
            self.deeper(depth + 1, "a display")
        self.charge(len(elts), "a display")
        return [e.value for e in elts]  # type: ignore[attr-defined]

    def list_(self, node: ast.List, scope: Scope, depth: int) -> Any:
        return self.items(node.elts, scope, depth)

    def literal_list(self, node: ast.List, scope: Scope, depth: int) -> Any:
        return self.literal_items(node.elts, depth)

    def tuple_(self, node: ast.Tuple, scope: Scope, depth: int) -> Any:
        return tuple(self.items(node.elts, scope, depth))

    def literal_tuple(self, node: ast.Tuple, scope: Scope, depth: int) -> Any:
        # one object for equal literal tuples, as the compiler makes them
        return self.shared(tuple(self.literal_items(node.elts, depth)))

    def constant_tuple(self, node: ast.Tuple, scope: Scope, depth: int) -> Any:
        return self.shared(tuple(self.items(node.elts, scope, depth)))

    def shared(self, value: tuple[Any, ...]) -> tuple[Any, ...]:
        """The one object of the literal tuples equal to ``value``, as the compiler
        makes them; but not kept once :data:`~archived.load.hashes.MAX_SAME_HASH`
        others of its hash are: tuples of ints crafted to share one hash value
        (``[(k * (2**61 - 1),) for k in ...]``) made each one compared with all before
        it, a list of 20,000 of them took 6.7 s to load."""
        key = _constant_key(value)
        found = self.constants.get(key)
        if found is not None:
            return found
        crowd = hash(key)
        kept = self.crowding.get(crowd, 0)
        if kept < MAX_SAME_HASH:
            self.crowding[crowd] = kept + 1
            self.constants[key] = value
        return value

    def set_(self, node: ast.Set, scope: Scope, depth: int) -> Any:
        return set(_spread(node, self.items(node.elts, scope, depth)))

    def literal_set(self, node: ast.Set, scope: Scope, depth: int) -> Any:
        return set(_spread(node, self.literal_items(node.elts, depth)))

    def dict_(self, node: ast.Dict, scope: Scope, depth: int) -> Any:
        keys = _spread(node, self.items(node.keys, scope, depth))  # type: ignore[arg-type]
        return dict(zip(keys, self.items(node.values, scope, depth), strict=True))

    def literal_dict(self, node: ast.Dict, scope: Scope, depth: int) -> Any:
        if depth + 1 > self.deepest:
            self.deeper(depth + 1, "a display")
        keys = node.keys
        self.charge(2 * len(keys), "a display")
        _spread(node, [k.value for k in keys])  # type: ignore[union-attr]
        return {k.value: v.value for k, v in zip(keys, node.values, strict=True)}  # type: ignore[union-attr, attr-defined]

    def sign(self, node: ast.UnaryOp, scope: Scope, depth: int) -> Any:
        operand = self.name(node.operand, scope, depth)  # type: ignore[arg-type]
        if isinstance(operand, bool) or not _is_number(operand):
            raise refuse(node, f"sign of a {type(operand).__qualname__}")
        return -operand if isinstance(node.op, ast.USub) else +operand

    def attribute(self, node: ast.Attribute, scope: Scope, depth: int) -> Any:
        value = node.value
        base = self.dispatch[value.__class__](value, scope, depth)
        attr = node.attr
        # type() only: isinstance() would read base.__class__, running a class's own
        # __getattribute__ or property
        kind = type(base)
        if issubclass(kind, types.ModuleType):
            return self.member(node, base, attr)
        if kind is ScopedFunction:
            raise refuse(node, "attribute of a scoped function")
        found = inspect.getattr_static(base, attr, _MISSING)  # runs no code of base
        if issubclass(kind, type):
            if issubclass(type(found), type):
                return found  # a nested class
            if type(found) is base and (issubclass(kind, enum.EnumMeta) or base in _VALUES):
                return found  # an enum member, or a constant such as timezone.utc
            if issubclass(type(found), _METHODS) and kind.__getattribute__ is _TYPE_GETATTR:
                return getattr(base, attr)  # binds a classmethod; runs no code of base
            raise refuse(node, f"attribute {attr!r} of class {describe(base)!r}")
        # of a value, archives refer only to methods (``(x).append``): never run a
        # property or __getattr__ of data to find out what it is
        if not issubclass(type(found), _METHODS) or not _plain_lookup(kind):
            raise refuse(node, f"attribute {attr!r} of a {kind.__qualname__}")
        if not (_touchless_method(kind, attr, found) or self.policy.user_module(kind.__module__)):
            # the method, once the user calls what they loaded, would act with the
            # store's receiver: Path('~/.bashrc').unlink, DataFrame.to_clipboard (runs
            # a command), Path(...).read_text
            raise refuse(
                node,
                f"attribute {attr!r} of a {kind.__qualname__} (a method that can touch "
                "files or run commands once called)",
            )
        return getattr(base, attr)

    def literal_call(self, node: ast.Call, scope: Scope, depth: int) -> Any:
        func = scope[node.func.id][0]  # type: ignore[attr-defined]  # an import
        found = self.guards.get(id(func))
        if found is None or found[0] is not func:
            found = self.guard(node, func)
        args = node.args
        keywords = node.keywords
        self.charge(len(args) + len(keywords), "a call")
        try:
            if keywords:
                kwargs: dict[str, Any] = {kw.arg: kw.value.value for kw in keywords}  # type: ignore[attr-defined, misc]
                return found[1](self.budget, *[a.value for a in args], **kwargs)  # type: ignore[attr-defined]
            return found[1](self.budget, *[a.value for a in args])  # type: ignore[attr-defined]
        except ArchiveError:
            raise
        except _ARGUMENT_ERRORS as err:
            raise _refused_arguments(node, func, err) from None

    def guard(self, node: ast.Call, func: Any) -> tuple[Any, Any]:
        """The guard of ``func``, remembered by its identity, or refuse to call it."""
        guard = None if isinstance(func, ScopedFunction) else self.policy.guard(func)
        if guard is None:
            raise refuse(node, f"call of {describe(func)!r} (not an allow-listed constructor)")
        self.guards[id(func)] = found = (func, guard)
        return found

    def call(self, node: ast.Call, scope: Scope, depth: int) -> Any:
        func = node.func
        if func.__class__ is _Name:
            func = scope[func.id][0]  # type: ignore[attr-defined]  # an import: costs nothing
        else:
            func = self.dispatch[func.__class__](func, scope, depth)
        found = self.guards.get(id(func))
        if found is None or found[0] is not func:
            found = self.guard(node, func)
        args = self.items(node.args, scope, depth) if node.args else ()
        try:
            if found[1] is set_state_:
                return self.set_state(node, args, scope, depth)
            if node.keywords:
                values = self.items([kw.value for kw in node.keywords], scope, depth)
                names: list[Any] = [kw.arg for kw in node.keywords]
                kwargs: dict[str, Any] = dict(zip(names, values, strict=True))
                return found[1](self.budget, *args, **kwargs)
            return found[1](self.budget, *args)
        except ArchiveError:
            raise
        except _ARGUMENT_ERRORS as err:
            raise _refused_arguments(node, func, err) from None

    def set_state(self, node: ast.Call, args: Any, scope: Scope, depth: int) -> Any:
        """``set_state(Cls(...), state)``: its object must be the one the call written
        as its first argument has just made, and not one ``set_state`` returned already.
        A name, an attribute (an enum member) or an import (a module's object) would
        let the store change an object the process holds, or one of its own twice; so
        would a function's result or a class whose ``__new__`` or metaclass hands out
        an instance it keeps (:func:`~archived.load.rep_guards.makes_new`)."""
        first = node.args[0] if len(node.args) == 2 and not node.keywords else None
        fresh = (
            isinstance(first, ast.Call)
            and not any(obj is args[0] for obj in self.states_set.get(id(args[0]), ()))
            and makes_new(self.callee(first, scope, depth), args[0])
        )
        if not fresh:
            raise refuse(
                node,
                "set_state() of anything but the object a call written as its first "
                "argument has just made",
            )
        value = set_state_(self.budget, *args)
        self.states_set.setdefault(id(value), []).append(value)  # kept alive: ids stay
        return value

    def callee(self, node: ast.Call, scope: Scope, depth: int) -> Any:
        """What ``node`` called (evaluated already: an import, or an attribute of one)."""
        func = node.func
        if func.__class__ is _Name:
            return scope[func.id][0]  # type: ignore[attr-defined]
        return self.dispatch[func.__class__](func, scope, depth)

    # ----------------------------------------------------------------- budget

    def charge(self, n: int, what: str) -> None:
        budget = self.budget
        budget.elements += n
        if budget.elements > budget.max_elements:
            raise budget.exceeded("max_elements", what, n, budget.elements, "elements")

    def deeper(self, depth: int, what: str) -> None:
        self.deepest = depth
        if depth > self.budget.max_depth:
            what = f"a use of {what!r}" if what != "a display" else what
            self.budget.check_depth(depth, f"{what} nesting")

    def over(self, budget: Budget, what: str, elements: int, nbytes: int) -> None:
        if budget.elements > budget.max_elements:
            raise budget.exceeded("max_elements", what, elements, budget.elements, "elements")
        raise budget.exceeded("max_bytes", what, nbytes, budget.bytes, "bytes")


_MISSING = object()
# what a constructor raises for arguments it does not take (datetime's OverflowError for a
# year of 31 digits, decimal's InvalidOperation, numpy's ValueError for a dimension past
# its limit): a crafted archive's call, refused as such rather than let out raw
_ARGUMENT_ERRORS = (TypeError, ValueError, ArithmeticError, LookupError)


def _refused_arguments(node: ast.AST, func: Any, err: BaseException) -> Exception:
    return refuse(
        node,
        f"call of {describe(func)!r} with these arguments ({type(err).__name__}: {err!s:.200})",
    )


_METHODS = (
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodDescriptorType,
    types.WrapperDescriptorType,
    types.ClassMethodDescriptorType,
    classmethod,
    staticmethod,
)
_SIMPLE = frozenset({int, str, bytes, bool, type(None)})
# classes of immutable values whose constants a safe load may read (timezone.utc, ...)
_VALUES = frozenset(
    {
        datetime.date,
        datetime.datetime,
        datetime.time,
        datetime.timedelta,
        datetime.timezone,
        decimal.Decimal,
        fractions.Fraction,
    }
)
_GETATTR = object.__getattribute__
_TYPE_GETATTR = type.__getattribute__


def _plain_lookup(kind: type) -> bool:
    """Whether reading an attribute of a ``kind`` runs no code but its library's own
    (numpy's ufuncs look attributes up themselves, a user's class could do anything)."""
    if kind.__getattribute__ is _GETATTR:
        return True
    return str(getattr(kind, "__module__", "")).partition(".")[0] in _LIBRARIES


# libraries of the default allow-list, whose own types' attribute lookups are trusted
_LIBRARIES = frozenset({"builtins", "numpy", "datetime", "decimal", "fractions", "collections"})
# ... and whose values' methods touch nothing outside the value (numpy's tofile and dump
# write only to a file the caller names), with the other default modules' value types
_TOUCHLESS = _LIBRARIES | {"uuid", "zoneinfo", "random", "types", "functools"}


def _touchless_method(kind: type, attr: str, found: Any) -> bool:
    """Whether the method ``attr`` (``found`` statically) of a value of class ``kind``
    touches nothing outside the value when called: not a concrete path's (``unlink``,
    ``read_text``, ``write_text``: a pure path's own methods are), nor a pandas,
    xarray or scipy object's (``to_clipboard`` runs a command, ``plot`` imports)."""
    import pathlib

    if issubclass(kind, pathlib.PurePath):
        return inspect.getattr_static(pathlib.PurePath, attr, None) is found
    module = getattr(kind, "__module__", None)
    return type(module) is str and module.partition(".")[0] in _TOUCHLESS


def _constant_key(value: Any) -> Any:
    """A key telling literal values apart as the compiler does (-0.0 from 0.0, 1 from 1.0)."""
    if value.__class__ is tuple:
        kinds = tuple(map(type, value))
        if _SIMPLE.issuperset(kinds):
            return value, kinds  # equal values of the same types are the same constant
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
    return np is not None and isinstance(x, np.generic) and isinstance(x, np.number)


def _spread(node: ast.AST, keys: list[Any]) -> list[Any]:
    """``keys`` of a set or dict display, refused if crafted to share one hash value
    (:mod:`archived.load.hashes`)."""
    crowded = crowded_hash(keys)
    if crowded is not None:
        raise refuse(node, hash_refusal("a display", crowded))
    return keys
