"""Instances whose ``__reduce__`` rebuilds them with a call, written as that call.

A class that tells pickle "call ``Cls(*args)``" (``__reduce__`` returning ``(Cls, args)``)
and maybe "then restore this state" (``(Cls, args, state)``) is stored as the same steps
in readable source, instead of as a pickle:

* ``_Interval(0.0, 2.5)`` for ``(Interval, (0.0, 2.5))``;
* ``_set_state(_Grid(8), {'cells': [...]})`` for ``(Grid, (8,), {'cells': [...]})``:
  :func:`set_state` restores the state exactly as unpickling does (``__setstate__`` if
  the instance has one, else its ``__dict__`` updated, and slots set from a
  ``(dict, slots)`` pair).

Only what pickle would do itself, step for step: the reduction is asked for as pickle
asks for it (:mod:`copyreg`'s table of the type, else ``__reduce_ex__(4)``), and taken
only when its callable is a class or a plain function importable by name (never
``copyreg``'s ``__newobj__`` forms) and it has no list or dict items to append.  Anything
else is left to the next rule (pickle, with its warning).  A state that refers back to
the object itself is a cycle, refused by the archive like any other.

>>> import sys
>>> from archived import Archive, restore
>>> class Interval:
...     def __init__(self, lo, hi):
...         self.lo, self.hi = lo, hi
...     def __reduce__(self):
...         return (Interval, (self.lo, self.hi))
>>> sys.modules[__name__].Interval = Interval  # importable, as in a real module
>>> a = Archive()
>>> a.insert(i=Interval(0.0, 2.5))
'i'
>>> print(str(a).splitlines()[1])
i = _Interval(0.0, 2.5)
>>> vars(restore(str(a))["i"])
{'lo': 0.0, 'hi': 2.5}
"""

from __future__ import annotations

import copyreg
import sys
import types
from typing import Any

from .callrep import HELPERS, call_rep, target_import
from .importable import find_import
from .layout import Group
from .repbase import Context, Rep

__all__ = ["reduce_rule", "set_state"]

# the protocol pickle_rep() pickles with: the reduction it would store
PROTOCOL = 4


def reduce_rule(obj: Any, ctx: Context) -> Rep | None:
    """``Cls(*args)``, or ``set_state(Cls(*args), state)``, when that is what pickle does.

    None when the object's reduction is anything else.

    >>> reduce_rule(object(), Context()) is None
    True
    """
    if isinstance(obj, type) or type(obj).__module__ == "builtins":
        return None
    found = _reduction(obj)
    if found is None:
        return None
    func, args, state = found
    if state is None:
        return call_rep(func, args)
    (module, first), rest = target_import(func)
    path = "".join("." + part for part in rest)
    n = len(args)

    def build(kids: list[str], al: list[str]) -> str:
        return f"{al[1]}({al[0]}{path}({', '.join(kids[:n])}), {kids[n]})"

    def layout(parts: list[Any], al: list[str]) -> Group:
        return Group(f"{al[1]}(", [Group(f"{al[0]}{path}(", parts[:n], ")"), parts[n]], ")")

    return Rep(
        build,
        [*args, state],
        [(module, first), (HELPERS, "set_state")],
        lambda i: f"<argument {i}>" if i < n else "<state>",
        layout,
    )


def _reduction(obj: Any) -> tuple[Any, tuple[Any, ...], Any] | None:
    """``(callable, args, state)`` of pickle's reduction of ``obj``, if it is a plain call."""
    reducer = copyreg.dispatch_table.get(type(obj))
    try:
        found = reducer(obj) if reducer is not None else obj.__reduce_ex__(PROTOCOL)
    except Exception:  # pickle raises it again, with its own words
        return None
    if type(found) is not tuple or not 2 <= len(found) <= 5:
        return None
    func, args, state, listitems, dictitems = (*found, None, None, None)[:5]
    if listitems is not None or dictitems is not None or type(args) is not tuple:
        return None
    if not _plain_callable(func):
        return None
    return func, args, state


def _plain_callable(func: Any) -> bool:
    """A class, or a function defined with ``def``, importable back as itself; pickle
    treats a callable named ``__newobj__`` / ``__newobj_ex__`` as ``cls.__new__``."""
    if not isinstance(func, (type, types.FunctionType)):
        return False
    if getattr(func, "__name__", "") in ("__newobj__", "__newobj_ex__"):
        return False
    if getattr(func, "__module__", None) == "copyreg":
        return False
    try:
        find_import(func)
    except LookupError:
        return False
    return True


def set_state(obj: Any, state: Any) -> Any:
    """Restore ``state`` into ``obj`` as unpickling does, and return ``obj``.

    ``obj.__setstate__(state)`` if the object has one; else ``state`` is a dict that
    updates ``obj.__dict__``, or a ``(dict or None, slots)`` pair whose slots are set
    with ``setattr``.

    >>> class Grid:
    ...     def __init__(self, n):
    ...         self.n = n
    >>> vars(set_state(Grid(8), {"cells": [0, 1]}))
    {'n': 8, 'cells': [0, 1]}
    """
    setstate = getattr(obj, "__setstate__", None)
    if setstate is not None:
        setstate(state)
        return obj
    slotstate = None
    if isinstance(state, tuple) and len(state) == 2:
        state, slotstate = state
    if state:
        inst_dict = obj.__dict__
        for k, v in state.items():
            inst_dict[sys.intern(k) if type(k) is str else k] = v
    if slotstate:
        for k, v in slotstate.items():
            setattr(obj, k, v)
    return obj
