"""Objects written as one call of an importable constructor: ``_Point(x=1.0, y=2.0)``.

:func:`call_rep` is the building block of most representations in the ``reps_*``
modules: an import, optional attribute path, positional and keyword arguments.  The
arguments are children of the graph, so big arrays among them go to the HDF5 data file,
shared objects stay shared and long calls are broken over lines like any other.

:func:`register_call` is its public face: a third-party class tells the archive how to
rebuild its instances by returning a constructor and its arguments, as ``__reduce__``
does for pickle, but written as readable source:

>>> from archived import Archive
>>> class Celsius:
...     def __init__(self, degrees):
...         self.degrees = degrees
>>> register_call(Celsius, lambda c: (float, (c.degrees,)))
>>> a = Archive()
>>> a.insert(t=Celsius(21.5))
't'
>>> print(str(a).splitlines()[1])
t = _float(21.5)
>>> from archived.engine.repbase import REGISTRY
>>> del REGISTRY[Celsius]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..errors import UnarchivableError
from .importable import find_import
from .layout import Cat, Group
from .repbase import REGISTRY, SUBCLASS_REGISTRY, Context, Import, Rep

__all__ = ["call_rep", "helper_call", "register_call", "HELPERS", "target_import"]

# The module path written into archives for the library's own rebuilding functions; it
# never moves (pinned by tests/test_golden.py), whatever engine module implements them.
HELPERS = "archived.reps"

Reduce = Callable[
    [Any], "tuple[Any, Sequence[Any]] | tuple[Any, Sequence[Any], Mapping[str, Any]]"
]


def call_rep(
    target: Import | Any,
    args: Sequence[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
    rest: Sequence[str] = (),
) -> Rep:
    """A call ``alias.rest(*args, **kwargs)`` of ``target``: an ``(module, name)`` import
    or an importable callable (a class, a function, a class's method).

    >>> rep = call_rep(("datetime", "timedelta"), (), {"days": 1})
    >>> rep.build(["1"], ["_timedelta"])
    '_timedelta(days=1)'
    """
    if not (isinstance(target, tuple) and len(target) == 2):
        target, found = target_import(target)
        rest = [*found, *rest]
    kwargs = {} if kwargs is None else dict(kwargs)
    names = list(kwargs)
    npos = len(args)
    path = "".join("." + part for part in rest)

    def build(kids: list[str], aliases: list[str]) -> str:
        parts = kids[:npos] + [f"{k}={v}" for k, v in zip(names, kids[npos:], strict=True)]
        return f"{aliases[0]}{path}({', '.join(parts)})"

    def layout(parts: list[Any], aliases: list[str]) -> Group:
        items = parts[:npos] + [Cat(f"{k}=", p) for k, p in zip(names, parts[npos:], strict=True)]
        return Group(f"{aliases[0]}{path}(", items, ")")

    def label(i: int) -> str:
        return f"<argument {i}>" if i < npos else f".{names[i - npos]}"

    return Rep(build, [*args, *kwargs.values()], [target], label, layout)


def helper_call(
    name: str, args: Sequence[Any] = (), kwargs: Mapping[str, Any] | None = None
) -> Rep:
    """A call of the library's own rebuilding function ``archived.reps.<name>``.

    >>> helper_call("from_state", ["C"], {}).imports
    [('archived.reps', 'from_state')]
    """
    return call_rep((HELPERS, name), args, kwargs)


def target_import(target: Any) -> tuple[Import, list[str]]:
    """The import of ``target``'s outermost name and the attribute path to it.

    A method bound to a class (a classmethod such as ``Index.from_arrays``) is reached
    as an attribute of its class.

    >>> import collections
    >>> target_import(collections.OrderedDict.fromkeys)
    (('collections', 'OrderedDict'), ['fromkeys'])
    """
    owner = getattr(target, "__self__", None)
    if isinstance(owner, type) and not isinstance(target, type):
        (module, first), rest = target_import(owner)
        return (module, first), [*rest, target.__name__]
    try:
        module, qualname = find_import(target)
    except LookupError as err:
        raise UnarchivableError(getattr(target, "__qualname__", "?"), "?", str(err)) from None
    first, *rest = qualname.split(".")
    return (module, first), rest


def register_call(cls: type, reduce: Reduce, *, subclasses: bool = False) -> None:
    """Archive instances of ``cls`` as a call ``constructor(*args, **kwargs)``.

    ``reduce(obj)`` returns ``(constructor, args)`` or ``(constructor, args, kwargs)``:
    an importable callable and the arguments that rebuild ``obj``.  The arguments are
    archived like any value (big arrays go to the data file).  With
    ``subclasses=True`` the rule also serves subclasses without their own.  A safe
    load calls the constructor only if its module is trusted (``allow=[...]``).

    >>> import datetime
    >>> from archived import Archive
    >>> class Stamp:
    ...     def __init__(self, when):
    ...         self.when = when
    >>> register_call(Stamp, lambda s: (datetime.datetime.fromtimestamp, (0.0,),
    ...                                 {"tz": datetime.timezone.utc}))
    >>> a = Archive()
    >>> a.insert(s=Stamp(None))
    's'
    >>> print(str(a).splitlines()[-4])
    s = _datetime.fromtimestamp(0.0, tz=_timezone.utc)
    >>> from archived.engine.repbase import REGISTRY
    >>> del REGISTRY[Stamp]
    """
    if not isinstance(cls, type):
        raise TypeError(f"register_call() needs a class, not {cls!r}")
    if not callable(reduce):
        raise TypeError(
            f"register_call() needs a function obj -> (constructor, args), not {reduce!r}"
        )

    def handler(obj: Any, ctx: Context) -> Rep:
        try:
            found = reduce(obj)
        except Exception as err:
            raise UnarchivableError(
                type(obj).__qualname__, "?", f"its registered reduce raised {err!r}"
            ) from err
        if not (isinstance(found, tuple) and len(found) in (2, 3)):
            raise UnarchivableError(
                type(obj).__qualname__,
                "?",
                f"its registered reduce returned {found!r:.80}, expected (constructor, args"
                "[, kwargs])",
            )
        func, args, *more = found
        kwargs = dict(more[0]) if more else {}
        if not all(isinstance(k, str) and k.isidentifier() for k in kwargs):
            raise UnarchivableError(
                type(obj).__qualname__, "?", f"keyword names {list(kwargs)!r} are not identifiers"
            )
        return call_rep(func, tuple(args), kwargs)

    (SUBCLASS_REGISTRY if subclasses else REGISTRY)[cls] = handler
