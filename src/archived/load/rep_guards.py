"""Guards of the representations' rebuilding functions for a safe load.

The engine writes some values as calls of its own functions (``archived.reps.from_state``,
``archived.reps.dataframe``, ...) or of standard-library classes (``pathlib``,
``zoneinfo``).  :data:`REP_CONSTRUCTORS` lists them for the allow-list
(:mod:`archived.load.allowlist`) with their guards, ``guard(budget, *args, **kwargs)``
as in :mod:`archived.load.guards`: only the values a safe load can itself produce
(literals, arrays, the results of other guarded calls) get through, and nothing of a
class's own code runs unless the caller trusts its module (``allow=``).

>>> from archived.load.budget import Limits
>>> guards = {name: guard for _, name, guard in REP_CONSTRUCTORS}
>>> guards["PurePosixPath"](Limits().budget(0), "/a/b")
PurePosixPath('/a/b')
"""

from __future__ import annotations

import collections
import enum
import functools
import importlib
import inspect
import re
import sys
import types
from typing import Any

from ..errors import UnsafeArchiveError
from .budget import Budget
from .guards import DEFAULT_CONSTRUCTORS, Guard

__all__ = [
    "REP_CONSTRUCTORS",
    "REP_MODULES",
    "REP_HELPERS",
    "makes_new",
    "array_subclass_",
    "inherited_construction",
]

# the library's own rebuilding functions, imported by archives from archived.reps
REP_HELPERS = frozenset(
    {"from_state", "set_state", "masked_array", "record_array", "matrix", "masked", "range_index"}
    | {"dataframe", "series", "index", "multi_index", "categorical", "string_array"}
    | {"masked_extension_array", "datetime_array", "timestamp", "timedelta", "not_a_time"}
    | {"not_available"}
    | {"data_array", "dataset", "sparse"}
    | {"python_random", "python_array", "bit_generator", "seed_sequence", "numpy_generator"}
    | {"numpy_random_state", "categorical_dtype"}
)

# standard-library modules whose named classes a safe load may import and call
REP_MODULES: dict[str, frozenset[str]] = {
    "pathlib": frozenset(
        {"PurePath", "PurePosixPath", "PureWindowsPath", "Path", "PosixPath", "WindowsPath"}
    ),
    "zoneinfo": frozenset({"ZoneInfo"}),
    "functools": frozenset({"partial"}),
}

# an IANA time zone key: names separated by '/', no '..', no leading '/'
_ZONE_KEY = re.compile(r"[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*")

# rebuilding functions that check every argument's type themselves and build from
# arrays the load already made (and paid for), in memory linear in them; scipy's sparse
# also checks the index bounds in full.  name -> the engine module defining it
_SELF_CHECKING = {
    "masked_array": "reps_numpy",
    "record_array": "reps_numpy",
    "matrix": "reps_numpy",
    "masked": "reps_numpy",
    "dataframe": "reps_pandas",
    "series": "reps_pandas",
    "index": "reps_pandas",
    "multi_index": "reps_pandas",
    "categorical": "reps_pandas",
    "categorical_dtype": "reps_pandas",
    "string_array": "reps_pandas",
    "masked_extension_array": "reps_pandas",
    "datetime_array": "reps_pandas",
    "timestamp": "reps_pandas",
    "timedelta": "reps_pandas",
    "not_a_time": "reps_pandas",
    "not_available": "reps_pandas",
    "data_array": "reps_xarray",
    "dataset": "reps_xarray",
    "sparse": "reps_scipy",
    "python_random": "reps_stdlib",
    "python_array": "reps_stdlib",
    "bit_generator": "reps_numpy",
    "numpy_generator": "reps_numpy",
    "numpy_random_state": "reps_numpy",
}


def _refuse(construct: str) -> UnsafeArchiveError:
    return UnsafeArchiveError(None, construct)


def _engine(module: str, name: str) -> Any:
    return getattr(importlib.import_module(f"archived.engine.{module}"), name)


# what a rebuilding function, or the library under it, raises for arguments it does not
# take: pandas raises NotImplementedError for a MultiIndex where it takes other indexes
_ARGUMENT_ERRORS = (TypeError, ValueError, NotImplementedError)


def _self_checking(name: str, module: str) -> Guard:
    """A guard calling the rebuilding function ``name``: its TypeError, ValueError or
    NotImplementedError becomes the safe load's refusal."""

    def guard(budget: Budget, *args: Any, **kwargs: Any) -> Any:
        func = _engine(module, name)
        try:
            return func(*args, **kwargs)
        except UnsafeArchiveError:
            raise  # (a ValueError too: the library it imports refused, not the arguments)
        except _ARGUMENT_ERRORS as err:
            raise _refuse(f"{name}() of these arguments ({err})") from None

    guard.__qualname__ = f"guard of {name}"
    return guard


def range_index_(budget: Budget, start: Any, stop: Any, step: Any, name: Any = None) -> Any:
    if not all(type(v) is int for v in (start, stop, step)) or step == 0:
        raise _refuse("range_index() of anything but ints with a step")
    # lazy in pandas, but any use of its values makes them: count them like an array
    # (len(range) as ints: len() of more than a C size is an OverflowError)
    items = (stop - start + step - 1) // step if step > 0 else (start - stop - step - 1) // -step
    budget.charge_bytes(8 * max(items, 0), "range_index()")
    # then refused as the other rebuilders are (a name pandas does not take: unhashable)
    return _self_checking("range_index", "reps_pandas")(budget, start, stop, step, name=name)


def from_state_(budget: Budget, cls: Any, state: Any) -> Any:
    module = getattr(cls, "__module__", None)
    policy = budget.policy
    trusted = policy is not None and isinstance(module, str) and policy.user_module(module)
    if not (isinstance(cls, type) and trusted):
        raise _refuse(f"from_state() of {cls!r:.80} (only classes of the modules given in allow=)")
    if type(state) is not dict:
        raise _refuse(f"from_state() with a {type(state).__qualname__} (only a dict)")
    if any("__del__" in vars(c) for c in cls.__mro__[:-1]):
        # its __del__ would later run on attributes the store chose, unchecked
        raise _refuse(f"from_state() of {cls.__qualname__}, which has a __del__ method")
    budget.charge_elements(len(state), "from_state()")
    try:
        return _engine("reps_objects", "from_state")(cls, state)
    except TypeError as err:
        raise _refuse(f"from_state() of {cls.__qualname__}: {err}") from None


def makes_new(func: Any, obj: Any) -> bool:
    """Whether ``obj``, what calling ``func`` returned, is an object that call made: ``func``
    is ``obj``'s class, and no Python code of its ``__new__`` or metaclass ``__call__``
    chose the instance (an interned or singleton class hands out one it keeps, as an
    enum does; a function can return anything).  Read statically: runs no code.

    >>> class Grid:
    ...     pass
    >>> makes_new(Grid, Grid()), makes_new(Grid, object())
    (True, False)
    """
    if not isinstance(func, type) or type(obj) is not func:
        return False
    if inspect.getattr_static(type(func), "__call__", None) is not _TYPE_CALL:
        return False
    new = inspect.getattr_static(func, "__new__", None)
    return type(new) is types.BuiltinFunctionType  # a C type's own, not a staticmethod


_TYPE_CALL = vars(type)["__call__"]


def set_state_(budget: Budget, obj: Any, state: Any) -> Any:
    """``set_state`` of an instance of a class of the caller's ``allow=`` modules only:
    its ``__setstate__`` (or ``__setattr__`` of slots) is that class's own code.

    The evaluator passes only an object a class call of the same expression has just
    made (:meth:`~archived.load.evaluator.Evaluator.call`): never one the process holds
    already.  An enum's call returns its existing member, so no enum is taken.  Without
    a ``__setstate__`` of its class, the state is what unpickling could set: a dict, or
    a ``(dict or None, dict or None)`` pair, of attribute names that are not dunders
    (any other mapping would let ``__setstate__`` itself in, for a later call).
    """
    cls = type(obj)
    module = getattr(cls, "__module__", None)
    policy = budget.policy
    trusted = policy is not None and isinstance(module, str) and policy.user_module(module)
    if not trusted:
        raise _refuse(
            f"set_state() of an object of type {cls.__qualname__!r} (only instances of "
            "classes of the modules given in allow=)"
        )
    if issubclass(cls, enum.Enum):
        raise _refuse(f"set_state() of {cls.__qualname__} member (shared by the whole process)")
    if any("__del__" in vars(c) for c in cls.__mro__[:-1]):
        raise _refuse(f"set_state() of {cls.__qualname__}, which has a __del__ method")
    owner = next((c for c in cls.__mro__ if "__setstate__" in vars(c)), None)
    if owner is not None and not policy.user_module(str(owner.__module__)):
        # inherited from a class outside allow=: not the trusted module's code, and it
        # takes what the store chose (partial's would make the object call any function)
        _library_state(budget, cls, owner, state)
    own = owner is not None
    parts = state if type(state) is tuple and len(state) == 2 else (state,)
    for part in parts:
        if type(part) is dict:
            if any(type(k) is not str or k.startswith("__") and k.endswith("__") for k in part):
                raise _refuse("set_state() needs attribute names that are not dunders")
            budget.charge_elements(len(part), "set_state()")
        elif not (own or part is None and len(parts) == 2):
            raise _refuse(
                f"set_state() of {cls.__qualname__} with a {type(part).__qualname__} "
                "(only a dict, or a pair of a dict and a dict of slots)"
            )
    try:
        return _engine("reps_reduce", "set_state")(obj, state)
    except AttributeError as err:  # a slot the class does not have, a read-only one
        raise _refuse(f"set_state() of {cls.__qualname__}: {err}") from None


def _library_state(budget: Budget, cls: type, owner: type, state: Any) -> None:
    """Refuse ``state`` for the ``__setstate__`` that ``cls`` inherits from ``owner``, a
    class of a module outside ``allow=``, unless it is one whose checks are known:
    ``functools.partial``'s (a state of what :func:`partial_` could make) or
    ``random.Random``'s (its own version and state checks)."""
    import functools
    import random

    if owner is random.Random:
        return
    if owner is not functools.partial:
        raise _refuse(
            f"set_state() of {cls.__qualname__}, whose __setstate__ is "
            f"{owner.__module__}.{owner.__qualname__}'s (a module not given in allow=)"
        )
    func, args, keywords, attributes = (
        state if type(state) is tuple and len(state) == 4 else (None, None, None, None)
    )
    if (
        type(args) is not tuple
        or not (keywords is None or type(keywords) is dict)
        or not (attributes is None or type(attributes) is dict)
        or any(type(k) is not str or k.startswith("__") for k in (attributes or ()))
    ):
        raise _refuse(
            f"set_state() of {cls.__qualname__} with anything but a partial's state "
            "(function, arguments, keywords, attributes)"
        )
    try:
        partial_(budget, func, *args, **(keywords or {}))  # what a partial of them may be
    except UnsafeArchiveError as err:
        raise _refuse(f"set_state() of {cls.__qualname__} as a {err.construct}") from None
    carried = _callable_in(budget, list((attributes or {}).values()))
    if carried is not None:
        raise _refuse(f"set_state() of {cls.__qualname__} carrying {_described(carried)}")


# modules whose classes' __new__, __init__ and metaclass __call__, inherited by a class of
# an allow= module, only make a value of their arguments: open no file, call none of them
_PLAIN_CONSTRUCTION = frozenset(
    {"builtins", "abc", "typing", "enum", "numbers", "collections", "datetime", "decimal"}
    | {"fractions", "uuid", "pathlib", "random", "_random"}
)


def inherited_construction(policy: Any, cls: type) -> Guard | None:
    """None when calling ``cls``, a class of an ``allow=`` module, runs only code of the
    caller's modules or a plain construction (:data:`_PLAIN_CONSTRUCTION`); else the
    guard to call it through: ``functools.partial``'s arguments checked as
    :func:`partial_` checks them, or a refusal (a numpy array subclass, a file class of
    ``io``, a base of another library: its code is not the module's, and it takes what
    the store chose).

    >>> import io
    >>> class Log(io.FileIO):
    ...     pass
    >>> inherited_construction(None, Log).__qualname__
    'guard of Log'
    """
    if issubclass(cls, (type, enum.Enum)):
        return _class_maker_guard(cls)
    np = sys.modules.get("numpy")
    if np is not None and issubclass(cls, np.ndarray):
        return array_subclass_
    import functools

    owner = _foreign_construction(policy, cls)
    if owner is None:
        return _builtin_construction(policy, cls)
    if owner is not functools.partial:
        return _refusing(cls, f"{owner.__module__}.{owner.__qualname__}")

    def guard(budget: Budget, *args: Any, **kwargs: Any) -> Any:
        partial_(budget, *args, **kwargs)  # refuses what a partial may not hold
        return cls(*args, **kwargs)

    guard.__qualname__ = f"guard of {cls.__qualname__}"
    return guard


def _makes_a_class(cls: type, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str | None:
    """Why calling ``cls`` with ``args`` and ``kwargs`` would make a class whose methods
    and attributes the store chose, or None: a metaclass's call, or an enum's with more
    than the value of a member (its functional API: ``Kind('X', {'__hash__':
    Path.unlink, ...})``).  archived writes a class as its import, a member as
    ``Kind(value)`` or ``Kind.NAME``."""
    if issubclass(cls, type):
        return f"call of the metaclass {cls.__module__}.{cls.__qualname__} (it makes a class"
    if issubclass(cls, enum.Enum) and (len(args) != 1 or kwargs):
        return (
            f"call of {cls.__module__}.{cls.__qualname__} with more than a member's value "
            "(enum's functional API: it makes a class"
        )
    return None


def _class_maker_guard(cls: type) -> Guard:
    """The guard of a metaclass or an enum of an ``allow=`` module: an enum's member
    looked up by its value, nothing else.  A class made of the store's dict, its
    ``__hash__`` ``Path.unlink`` and its ``__fspath__`` a path outside the store, had the
    file deleted by the load's own set display of an instance."""

    def guard(budget: Budget, *args: Any, **kwargs: Any) -> Any:
        refusal = _makes_a_class(cls, args, kwargs)
        if refusal is not None:
            raise _refuse(f"{refusal} of the store's choosing)")
        return cls(*args)

    guard.__qualname__ = f"guard of {cls.__qualname__}"
    return guard


def _foreign_construction(policy: Any, cls: type) -> type | None:
    """The class outside ``allow=`` and :data:`_PLAIN_CONSTRUCTION` whose ``__new__``,
    ``__init__`` or metaclass ``__call__`` a call of ``cls`` runs, or None
    (``functools.partial`` only when no other is).  Read statically: runs no code."""
    import functools

    found = None
    for kind, name in ((cls, "__new__"), (cls, "__init__"), (type(cls), "__call__")):
        owner = next(c for c in kind.__mro__ if name in vars(c))
        module = str(getattr(owner, "__module__", ""))
        if module.partition(".")[0] in _PLAIN_CONSTRUCTION or owner in _guarded_types():
            continue  # (a guarded type's, SimpleNamespace's: its arguments checked below)
        if policy is not None and policy.user_module(module):
            continue
        if owner is not functools.partial:
            return owner
        found = owner
    return found


def _builtin_construction(policy: Any, cls: type) -> Guard | None:
    """The guard of a call of ``cls`` whose arguments go straight to the constructor of a
    type a safe load guards (``bytes``, ``list``, ``datetime``, ...: its ``__init__``, else
    its ``__new__``, inherited), which checks and charges them as for that type, or None.
    ``Blob(10**12)`` of a ``bytes`` subclass allocated what ``bytes(10**12)`` refuses."""
    worker = next(c for c in cls.__mro__ if "__init__" in vars(c))
    if worker is object:
        worker = next(c for c in cls.__mro__ if "__new__" in vars(c))
    if policy is not None and policy.user_module(str(worker.__module__)):
        return None  # the module's own code takes the arguments
    if worker is map or worker is filter:
        return _refusing_deferred(cls, worker.__name__)
    checked = _guarded_types().get(_BUILDS_AS.get(worker, worker))
    if checked is None:
        return None

    def guard(budget: Budget, *args: Any, **kwargs: Any) -> Any:
        # its checks and charges (the value it makes is dropped: twice the memory of
        # what the budget allowed, for a moment)
        checked(budget, *args, **kwargs)
        return cls(*args, **kwargs)

    guard.__qualname__ = f"guard of {cls.__qualname__}"
    return guard


# collections' containers written in Python build what list(), dict() and str() build
# of their arguments: those types' guards check them (Tags(range(10**9)) of a UserList
# subclass made a list of a billion ints)
_BUILDS_AS: dict[type, type] = {
    collections.UserList: list,
    collections.UserDict: dict,
    collections.UserString: str,
}


def _refusing_deferred(cls: type, base: str) -> Guard:
    def guard(budget: Budget, *args: Any, **kwargs: Any) -> Any:
        raise _refuse(
            f"call of {cls.__module__}.{cls.__qualname__}, a {base} (once iterated, it "
            "calls the function the store gave it with the store's arguments: "
            "Path.write_text of any path)"
        )

    guard.__qualname__ = f"guard of {cls.__qualname__}"
    return guard


@functools.cache
def _guarded_types() -> dict[type, Guard]:
    """The types whose constructors :data:`guards.DEFAULT_CONSTRUCTORS` guards, and their
    guards (the modules named there are imported by guards itself)."""
    found = {}
    for module, name, guard in DEFAULT_CONSTRUCTORS:
        value = getattr(sys.modules.get(module), name, None)
        if isinstance(value, type):
            found[value] = guard
    return found


def _refusing(cls: type, owner: str) -> Guard:
    def guard(budget: Budget, *args: Any, **kwargs: Any) -> Any:
        raise _refuse(
            f"call of {cls.__module__}.{cls.__qualname__}, whose construction is {owner}'s "
            "code, not its module's (a class of a module not given in allow=)"
        )

    guard.__qualname__ = f"guard of {cls.__qualname__}"
    return guard


def array_subclass_(budget: Budget, *args: Any, **kwargs: Any) -> Any:
    """What a safe load does for a call of a ``numpy.ndarray`` subclass of an ``allow=``
    module: refuse it.  Its constructor is numpy's, not the module's own code:
    ``ndarray(shape, 'O', buffer)`` reads the buffer's bytes as object pointers (a crash,
    or a forged object) and ``memmap`` opens any file.  archived never writes such a
    call (an array subclass is stored as a pickle)."""
    raise _refuse(
        "call of a numpy.ndarray subclass (its constructor, numpy's, makes an array over "
        "a raw buffer in any dtype, object pointers included)"
    )


def _path(name: str) -> Guard:
    def guard(budget: Budget, *parts: Any) -> Any:
        if not all(type(p) is str for p in parts):
            raise _refuse(f"{name}() of anything but str")
        budget.charge_bytes(sum(map(len, parts)), f"{name}()")
        return getattr(importlib.import_module("pathlib"), name)(*parts)

    guard.__qualname__ = f"guard of {name}"
    return guard


def zone_info_(budget: Budget, key: Any) -> Any:
    """``zoneinfo.ZoneInfo(key)`` for a ``key`` spelled as a time zone name: it reads the
    zone from the system's time zone database (``zoneinfo.TZPATH``, else the ``tzdata``
    package), read-only, outside the store.  The zone is the one the rest of the process
    gets (zoneinfo's cache, not ``ZoneInfo.no_cache``): datetimes of one zone compare by
    wall time only when they share its object (a loaded 02:30 in a spring-forward gap
    would otherwise not equal the stored one), and each zone is read once however often
    a store names it.

    >>> from archived.load.budget import Limits
    >>> zone_info_(Limits().budget(0), "UTC")
    zoneinfo.ZoneInfo(key='UTC')
    >>> zone_info_(Limits().budget(0), "../../etc/passwd")
    Traceback (most recent call last):
        ...
    archived.errors.UnsafeArchiveError: unsafe archive: ZoneInfo('../../etc/passwd') (not a ...
    """
    import zoneinfo

    if type(key) is not str or len(key) > 255 or not _ZONE_KEY.fullmatch(key):
        raise _refuse(f"ZoneInfo({key!r:.80}) (not a time zone name)")
    try:
        return zoneinfo.ZoneInfo(key)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as err:
        # not found, a directory ('Europe'), or a file of the database that is no zone
        raise _refuse(
            f"ZoneInfo({key!r}) (no time zone of that name in this system's time zone "
            f"database: {err})"
        ) from err


def partial_(budget: Budget, func: Any, *args: Any, **keywords: Any) -> Any:
    """``functools.partial(func, *args, **keywords)`` of a class, another partial, or a
    function the load imported by its name from a module (through the allow-list: a
    function of your own modules only with ``allow=``); never of a method reached through
    a class or a loaded value (``Path.write_text``, ``Path('~/.bashrc').write_text``),
    whose ``self`` the store would choose.  Making the partial runs nothing; calling it
    later runs ``func``.

    >>> from archived.load.budget import Limits
    >>> partial_(Limits().budget(0), int, "ff", base=16)()
    255
    >>> partial_(Limits().budget(0), [].append, 1)
    Traceback (most recent call last):
        ...
    archived.errors.UnsafeArchiveError: unsafe archive: partial() of a builtin_function_or_...
    """
    import functools

    if not _module_level(func):
        raise _refuse(
            f"partial() of a {type(func).__qualname__} that is not a module's function or "
            "class (a method: only a function or class imported by its name)"
        )
    if _raw_buffer_array(func):
        raise _refuse(_RAW_BUFFER)
    policy = budget.policy
    if isinstance(func, type) and policy is not None and policy.user_module(func.__module__):
        # what a call of it in the load would refuse or check, the partial would call
        # later, unchecked
        if issubclass(func, type) or (
            issubclass(func, enum.Enum) and (len(args) > 1 or keywords)
        ):  # (see _makes_a_class)
            raise _refuse(f"partial() of {func.__qualname__}, a call that makes a class")
        owner = _foreign_construction(policy, func)
        if owner is not None:
            raise _refuse(
                f"partial() of {func.__qualname__}, whose construction is "
                f"{owner.__module__}.{owner.__qualname__}'s code, not its module's"
            )
    if not (isinstance(func, type) or type(func) is functools.partial):
        # the module that defines it must be one a load imports that name from: the
        # library's own readers and rebuilders (archived.hdf5's load_array is
        # archived.engine.hdf5's) check their arguments only when a load calls them,
        # through their guards, and a partial calls them later, unguarded
        if policy is None or not policy.allowed_import(func.__module__, func.__name__):
            raise _refuse(
                f"partial() of {func.__module__}.{func.__name__} (only a function a safe "
                "load may import from the module defining it; the library's own loaders "
                "check their arguments only inside a load)"
            )
    budget.charge_elements(len(args) + len(keywords), "partial()")
    # nor may its arguments carry another function: numpy.fromfunction(f, (), **kw),
    # sorted(key=f), map(f, ...) and iter(f, end) call f with the store's arguments
    carried = _callable_in(budget, [*args, *keywords.values()])
    if carried is not None:
        raise _refuse(
            f"partial() carrying {_described(carried)} (a partial's arguments may hold "
            "only the functions a partial may be made of: numpy.fromfunction, sorted or "
            "map would call it with the store's arguments)"
        )
    return functools.partial(func, *args, **keywords)


def _callable_in(budget: Budget, values: list[Any]) -> Any:
    """The first callable reachable from ``values`` (what they hold, as the collector
    sees it: containers, instances' attributes, object arrays' items) that a safe load
    could not make a partial of, or None.  Reads no attribute and runs no code of them."""
    import functools
    import gc
    import weakref

    np = sys.modules.get("numpy")
    seen: set[int] = set()
    todo = list(values)
    while todo:
        value = todo.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        kind = type(value)
        if issubclass(kind, type) and _raw_buffer_array(value):
            return value
        if issubclass(kind, (type, types.ModuleType, weakref.ReferenceType)):
            continue  # a class (what a partial may be made of); a weak reference holds none
        if kind is functools.partial:
            continue  # checked when it was made
        if np is not None and issubclass(kind, np.ndarray):
            if value.dtype.hasobject:  # the collector does not see an array's items
                budget.charge_elements(value.size, "partial()")
                todo.append(value.view(np.ndarray).tolist())
            continue
        policy = budget.policy
        owner = getattr(kind, "__module__", None)
        trusted = type(owner) is str and policy is not None and policy.user_module(owner)
        if callable(value) and not trusted:
            # (an instance of a class of allow= modules is trusted to be called: its
            # attributes are still looked through)
            if not (
                _module_level(value)
                and policy is not None
                and policy.allowed_import(value.__module__, value.__name__)
            ):
                return value
            continue
        todo.extend(gc.get_referents(value))
    return None


_RAW_BUFFER = (
    "partial() of numpy.ndarray or a subclass, or carrying one (ndarray(shape, 'O', "
    "buffer) reads a raw buffer's bytes as object pointers: a crash, or a fake object)"
)


def _raw_buffer_array(func: Any) -> bool:
    """Whether ``func`` is numpy's array class or a subclass: its constructor makes an
    array over a raw buffer in any dtype, object pointers included (numpy.frombuffer
    refuses those; ``ndarray(shape, dtype, buffer)`` and ``recarray`` do not)."""
    np = sys.modules.get("numpy")
    return np is not None and isinstance(func, type) and issubclass(func, np.ndarray)


def _described(value: Any) -> str:
    module = getattr(type(value), "__module__", "?")
    name = getattr(value, "__qualname__", None)
    if type(name) is str and type(getattr(value, "__module__", None)) is str:
        return f"{value.__module__}.{name}"
    return f"a {module}.{type(value).__qualname__}"


def _module_level(func: Any) -> bool:
    """Whether ``func`` is a class, a partial, or a function (Python's, a builtin, a numpy
    ufunc or array function) bound to its own name in its module: what a safe load can
    import by name.  Only types whose ``__module__`` and ``__name__`` run no code are read."""
    import functools
    import types

    kind = type(func)
    if isinstance(func, type) or kind is functools.partial:
        return True
    np = sys.modules.get("numpy")
    kinds: tuple[Any, ...] = (types.FunctionType, types.BuiltinFunctionType)
    if np is not None:
        kinds += (np.ufunc, type(np.sum))
    if kind not in kinds:
        return False
    module = sys.modules.get(func.__module__) if type(func.__module__) is str else None
    return module is not None and vars(module).get(func.__name__) is func


def seed_sequence_(budget: Budget, entropy: Any, *args: Any, **kwargs: Any) -> Any:
    """``seed_sequence()``, its entropy's digits and the mixing of its pool charged
    first: numpy mixes every word of the pool into every other one, then every further
    word of the entropy and spawn key into each (a pool of 2**16 words took 11 s, from a
    77-byte source); a mixing step is charged as a quarter of an element."""
    pool = kwargs.get("pool_size", args[1] if len(args) > 1 else 4)
    spawn_key = kwargs.get("spawn_key", args[0] if args else ())
    words = 0
    for word in [
        *(entropy if type(entropy) is list else [entropy]),
        *(spawn_key if type(spawn_key) is tuple else ()),
    ]:
        if type(word) is int:
            budget.check_int(word, "seed_sequence()")
            words += max(1, (word.bit_length() + 31) // 32)
    if type(entropy) is list:
        budget.charge_elements(len(entropy), "seed_sequence()")
    np = sys.modules.get("numpy")
    if np is not None and type(entropy) is np.ndarray:
        words += 2 * entropy.size  # up to two 32-bit words per item
    if type(pool) is int and pool > 0:
        budget.charge_elements(pool * (pool + words) // 4, "seed_sequence()")
    return _self_checking("seed_sequence", "reps_numpy")(budget, entropy, *args, **kwargs)


REP_CONSTRUCTORS: list[tuple[str, str, Guard]] = [
    ("archived.reps", "from_state", from_state_),
    ("archived.reps", "set_state", set_state_),
    ("archived.reps", "range_index", range_index_),
    ("archived.reps", "seed_sequence", seed_sequence_),
    *[("archived.reps", name, _self_checking(name, mod)) for name, mod in _SELF_CHECKING.items()],
    *[("pathlib", name, _path(name)) for name in sorted(REP_MODULES["pathlib"])],
    ("zoneinfo", "ZoneInfo", zone_info_),
    ("functools", "partial", partial_),
]
