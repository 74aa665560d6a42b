"""Instances of user classes as source: dataclasses, attrs classes and plain classes.

An instance is written, in this order of preference:

1. as a call of its class with the arguments that rebuild it, by name:
   ``_Result(energy=1.5, history=_load_array('r.h5', 'a0'))`` -- for dataclasses (their
   ``init`` fields), attrs classes (their ``init`` attributes, by alias) and plain
   classes whose ``__init__`` parameters are attributes of the same name;
2. else, when the class pickles by its plain instance state (no ``__reduce__``,
   ``__getstate__``, ``__setstate__`` or ``__new__`` of its own), as that state:
   ``_from_state(_Result, {'energy': 1.5, 'cache': {}})``, which rebuilds the object
   the way pickle would, without calling ``__init__``.

The call form is chosen only when it is proven to rebuild the object: the archive calls
the class once with those arguments and checks that the new instance holds the very same
objects (or, for attributes the call computes, equal plain values) and nothing else.
So a ``__post_init__`` or ``__init__`` that converts, copies or derives attributes falls
back to the state form instead of being trusted.

>>> import dataclasses
>>> from archived import Archive, restore
>>> @dataclasses.dataclass
... class Point:
...     x: float
...     y: float = 0.0
>>> import sys; sys.modules[__name__].Point = Point  # importable, as in a real module
>>> a = Archive()
>>> a.insert(p=Point(1.5, -2.0))
'p'
>>> print(str(a).splitlines()[1])
p = _Point(x=1.5, y=-2.0)
>>> restore(str(a))["p"]
Point(x=1.5, y=-2.0)
"""

from __future__ import annotations

import copyreg
import inspect
import math
import types
import weakref
from typing import Any

from .callrep import call_rep, helper_call
from .importable import find_import
from .repbase import Context, Rep

__all__ = ["declared_rule", "object_rule", "from_state", "instance_state"]

_NO_STATE = object()


class _Plan:
    """What a class allows: its constructor parameters and whether its state pickles plainly.

    ``params`` is a list of ``(argument, attribute, positional, required)`` or None when
    no call form applies; ``plain_state`` says whether the state form rebuilds it.
    """

    __slots__ = ("params", "plain_state")

    def __init__(
        self, params: list[tuple[str, str, bool, bool]] | None, plain_state: bool
    ) -> None:
        self.params = params
        self.plain_state = plain_state


_PLANS: weakref.WeakKeyDictionary[type, _Plan | None] = weakref.WeakKeyDictionary()


def declared_rule(obj: Any, ctx: Context) -> Rep | None:
    """Dataclass and attrs instances: their class called with their fields by name.

    Tried before ``repr`` (a dataclass's repr is not archive source: its fields may be
    arrays); falls back to the state form when the call does not rebuild the object.

    >>> declared_rule(3, Context()) is None
    True
    """
    t = type(obj)
    if not (hasattr(t, "__dataclass_fields__") or hasattr(t, "__attrs_attrs__")):
        return None
    return _object_rep(obj)


def object_rule(obj: Any, ctx: Context) -> Rep | None:
    """Other instances of user classes: a constructor call when ``__init__`` takes the
    attributes by name and stores them as given, else the plain state, else None.

    >>> object_rule(object(), Context()) is None
    True
    """
    if isinstance(obj, type) or type(obj).__module__ == "builtins":
        return None
    return _object_rep(obj)


def _object_rep(obj: Any) -> Rep | None:
    t = type(obj)
    plan = _plan(t)
    if plan is None:
        return None
    state = instance_state(obj)
    if state is None:
        return None
    if plan.params is not None:
        call = _call_arguments(plan.params, state)
        if call is not None and _rebuilds(t, *call, state):
            return call_rep(t, *call)
    if plan.plain_state:
        return helper_call("from_state", [t, state])
    return None


def _plan(t: type) -> _Plan | None:
    try:
        return _PLANS[t]
    except KeyError:
        pass
    except TypeError:  # not weakly referenceable: never the case for classes
        return None
    plan = _make_plan(t)
    _PLANS[t] = plan
    return plan


def _make_plan(t: type) -> _Plan | None:
    try:
        find_import(t)
    except LookupError:
        return None  # a class defined in a function: nothing can import it back
    plain = _plain_state(t)
    if not plain and not _is_dataclass_or_attrs(t):
        return None  # a pickling or __new__ of its own: the class decides, through pickle
    params = _params(t)
    if params is None and not plain:
        return None
    return _Plan(params, plain)


def _is_dataclass_or_attrs(t: type) -> bool:
    return hasattr(t, "__dataclass_fields__") or hasattr(t, "__attrs_attrs__")


def _params(t: type) -> list[tuple[str, str, bool, bool]] | None:
    """``(argument, attribute, positional, required)`` of the call that rebuilds ``t``."""
    fields = getattr(t, "__dataclass_fields__", None)
    if isinstance(fields, dict):
        import dataclasses

        return [
            (f.name, f.name, False, False)
            for f in dataclasses.fields(t)  # type: ignore[arg-type]
            if f.init
        ]
    attrs = getattr(t, "__attrs_attrs__", None)
    if attrs is not None:
        return [
            (getattr(a, "alias", None) or a.name.lstrip("_"), a.name, False, False)
            for a in attrs
            if a.init
        ]
    if t.__init__ is object.__init__:  # type: ignore[misc]
        return []
    try:
        signature = inspect.signature(t)
    except (TypeError, ValueError):
        return None
    params = []
    for p in signature.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            return None
        params.append((p.name, p.name, p.kind == p.POSITIONAL_ONLY, p.default is p.empty))
    return params


def _plain_state(t: type) -> bool:
    """Whether pickle would rebuild ``t``'s instances as ``object.__new__`` + their state."""
    return (
        t.__new__ is object.__new__
        and t.__reduce_ex__ is object.__reduce_ex__  # type: ignore[comparison-overlap]
        and t.__reduce__ is object.__reduce__  # type: ignore[comparison-overlap]
        and getattr(t, "__getstate__", None) is getattr(object, "__getstate__", None)
        and not hasattr(t, "__setstate__")
        and t not in copyreg.dispatch_table
    )


def _call_arguments(
    params: list[tuple[str, str, bool, bool]], state: dict[str, Any]
) -> tuple[list[Any], dict[str, Any]] | None:
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for argument, attribute, positional, required in params:
        value = state.get(attribute, _NO_STATE)
        if value is _NO_STATE:
            if required:
                return None
            if positional:  # a later positional argument would land in its place
                return None
            continue
        if positional:
            args.append(value)
        else:
            kwargs[argument] = value
    return args, kwargs


def _rebuilds(t: type, args: list[Any], kwargs: dict[str, Any], state: dict[str, Any]) -> bool:
    """Whether ``t(*args, **kwargs)`` holds exactly ``state``: the objects passed
    themselves, and equal plain values for the attributes it computes."""
    try:
        new = t(*args, **kwargs)
    except Exception:
        return False
    if type(new) is not t:
        return False
    again = instance_state(new)
    if again is None or again.keys() != state.keys():
        return False
    return all(again[k] is v or _same(again[k], v) for k, v in state.items())


_ATOMIC = (int, str, bytes, bool, type(None))


def _same(a: Any, b: Any, depth: int = 0) -> bool:
    """Equal plain values of the same types (floats bit for bit, nan included)."""
    t = type(a)
    if t is not type(b) or depth > 20:
        return False
    if t in _ATOMIC:
        return bool(a == b)
    if t is float:
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b) or a != a and b != b
    if t in (list, tuple):
        return len(a) == len(b) and all(_same(x, y, depth + 1) for x, y in zip(a, b, strict=True))
    if t is dict:
        return list(a) == list(b) and all(_same(a[k], b[k], depth + 1) for k in a)
    return False


def instance_state(obj: Any) -> dict[str, Any] | None:
    """The attributes of ``obj``: its ``__dict__`` and the slots that are set.

    None when the instance dict is not a plain dict of str keys.

    >>> class A:
    ...     __slots__ = ("x", "y")
    >>> a = A(); a.x = 1
    >>> instance_state(a)
    {'x': 1}
    """
    d = getattr(obj, "__dict__", None)
    if d is None:
        state: dict[str, Any] = {}
    elif type(d) is dict and all(type(k) is str for k in d):
        state = dict(d)
    else:
        return None
    for name, slot in _slots(type(obj)):
        try:
            state[name] = slot.__get__(obj, type(obj))
        except AttributeError:  # an unset slot stays unset
            pass
    return state


_SLOTS: weakref.WeakKeyDictionary[type, list[tuple[str, Any]]] = weakref.WeakKeyDictionary()


def _slots(t: type) -> list[tuple[str, Any]]:
    found = _SLOTS.get(t)
    if found is None:
        found = []
        for c in reversed(t.__mro__):
            for name, value in vars(c).items():
                if isinstance(value, types.MemberDescriptorType) and name not in dict(found):
                    found.append((name, value))
        _SLOTS[t] = found
    return found


def from_state(cls: type, state: dict[str, Any]) -> Any:
    """Rebuild an instance of ``cls`` from its attributes, as pickle does: no
    ``__init__``, no ``__setattr__``; slots are set through their descriptors.

    Only classes whose instances ``object.__new__`` makes are accepted, and only str
    attribute names that are not dunders; nothing of ``cls``'s own code runs.

    >>> class Run:
    ...     pass
    >>> r = from_state(Run, {"n": 3})
    >>> type(r).__name__, r.n
    ('Run', 3)
    """
    if not isinstance(cls, type) or cls.__new__ is not object.__new__:
        raise TypeError(f"from_state() rebuilds plain classes, not {cls!r:.80}")
    if type(state) is not dict or not all(
        type(k) is str and not (k.startswith("__") and k.endswith("__")) for k in state
    ):
        raise TypeError("from_state() needs a dict of attribute names that are not dunders")
    obj: Any = object.__new__(cls)
    slots = dict(_slots(cls))
    d = getattr(obj, "__dict__", None)
    for name, value in state.items():
        slot = slots.get(name)
        if slot is not None:
            slot.__set__(obj, value)
        elif type(d) is dict:
            d[name] = value
        else:
            raise TypeError(f"{cls.__qualname__} has no slot {name!r} and no instance dict")
    return obj
