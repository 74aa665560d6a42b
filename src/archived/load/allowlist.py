"""What a safe load may import and call: the allow-list, its guards, and safe array reads.

A safe load (:mod:`archived.load.safe`) imports names only from the modules listed here (or
from modules the caller names with ``allow=``), and calls only the constructors listed
here (or classes and plain functions *defined* in the caller's modules).  Every listed
constructor is wrapped by a guard that refuses arguments able to exhaust memory or time
(``bytearray(10**12)``, ``frozenset(range(10**12))``, ``numpy.zeros((10**6, 10**6))``).

Default modules and what they offer:

=====================  ==============================================================
module                 callable constructors (other public names import as values)
=====================  ==============================================================
``builtins``           ``complex float int bool str bytes bytearray set frozenset``
                       ``list tuple dict range slice``; never ``open``, ``eval``, ...
``numpy``              ``array dtype zeros`` and the scalar types (``float32``, ...);
                       never ``save``, ``load``, ``fromfile``, ``memmap``, ...
``math``               none (``nan``, ``inf`` are values)
``collections``        ``OrderedDict Counter defaultdict deque ChainMap``
``datetime``           ``date datetime time timedelta timezone``
``fractions``          ``Fraction``
``decimal``            ``Decimal``
``archived.arrays``    ``from_bytes scalar_from_bytes load_array`` (in-store files only)
``archived.reps``      ``object_array``
``types``              ``SimpleNamespace`` (``NoneType`` and the like are values)
``uuid``               ``UUID``
``pathlib``            the path classes; ``zoneinfo``: ``ZoneInfo`` (a checked key)
``archived.reps``      also ``from_state`` and the rebuilding functions of pandas,
                       xarray, scipy.sparse and numpy's masked/record arrays
                       (:mod:`archived.load.rep_guards`)
``pickle``             ``loads``, of payloads naming only the constructors above
                       (:mod:`archived.load.safepickle`); any payload with ``allow_pickle``
=====================  ==============================================================

>>> policy = Policy(allowed_modules=["mypkg.models"])
>>> policy.module_allowed("mypkg.models.sub"), policy.module_allowed("os")
(True, False)
"""

from __future__ import annotations

import math
import os
import types
from collections.abc import Callable, Iterable
from typing import Any

from ..errors import UnsafeArchiveError
from .numpy_names import numpy_name, numpy_scalar_args
from .rep_guards import REP_HELPERS, REP_MODULES, rep_callables

__all__ = ["Policy", "DEFAULT_MAX_BYTES", "DEFAULT_MODULES", "safe_load_array"]

# The bytes of arrays and buffers one safe load may allocate, all together.
DEFAULT_MAX_BYTES = 16 * 2**30

# module -> names that may be imported from it (None: any public name not denied)
DEFAULT_MODULES: dict[str, frozenset[str] | None] = {
    "builtins": None,
    "numpy": None,
    "math": None,
    "collections": None,
    "datetime": None,
    "fractions": None,
    "decimal": None,
    "archived.arrays": frozenset({"from_bytes", "scalar_from_bytes", "load_array"}),
    "archived.hdf5": frozenset({"load_array"}),
    "archived.reps": frozenset({"object_array"}) | REP_HELPERS,
    "types": frozenset({"NoneType", "EllipsisType", "NotImplementedType", "SimpleNamespace"}),
    "uuid": frozenset({"UUID"}),
    **REP_MODULES,
}

# module -> the constructors a safe load may call (numpy's scalar types are added)
CALLABLE_NAMES: dict[str, frozenset[str]] = {
    "builtins": frozenset(
        "complex float int bool str bytes bytearray set frozenset list tuple dict "
        "range slice".split()
    ),
    "numpy": frozenset({"array", "dtype", "zeros"}),
    "collections": frozenset({"OrderedDict", "Counter", "defaultdict", "deque", "ChainMap"}),
    "datetime": frozenset({"date", "datetime", "time", "timedelta", "timezone"}),
    "fractions": frozenset({"Fraction"}),
    "decimal": frozenset({"Decimal"}),
    "archived.arrays": frozenset({"from_bytes", "scalar_from_bytes", "load_array"}),
    "archived.hdf5": frozenset({"load_array"}),
    "archived.reps": frozenset({"object_array"}) | REP_HELPERS,
    "types": frozenset({"SimpleNamespace"}),
    "uuid": frozenset({"UUID"}),
    **REP_MODULES,
}

# Names never imported, even as plain values: they run code, touch files or the process.
DENIED_NAMES: dict[str, frozenset[str]] = {
    "builtins": frozenset(
        "open eval exec compile getattr setattr delattr globals locals vars input "
        "breakpoint help exit quit copyright credits license".split()
    ),
    "numpy": frozenset(
        "load save savez savez_compressed savetxt loadtxt genfromtxt fromfile fromregex "
        "memmap DataSource ctypeslib lib testing f2py distutils show_config show_runtime "
        "frompyfunc vectorize".split()
    ),
}

_FINITE = (list, tuple, set, frozenset, dict, str, bytes, bytearray)
_SCALARS = (int, float, complex, str, bytes, bool, type(None))


class Policy:
    """The rules of one safe load: extra trusted modules, pickle, and the size limit.

    Args:
        allowed_modules: modules (and their submodules) whose names may be imported and
            whose own classes and functions may be called, e.g. ``["mypkg.models"]``.
        allow_pickle: let ``pickle.loads`` payloads load (they can run any code).
        max_bytes: the budget of one load: refuse arrays and buffers once their
            bytes would add up to more.

    >>> Policy().allowed_import("builtins", "open")
    False
    """

    def __init__(
        self,
        allowed_modules: Iterable[str] = (),
        allow_pickle: bool = False,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        if isinstance(allowed_modules, str):
            allowed_modules = [allowed_modules]
        mods = tuple(allowed_modules)
        for m in mods:
            if not isinstance(m, str) or not all(p.isidentifier() for p in m.split(".")):
                raise TypeError(f"allow= must list module names such as 'mypkg.models', not {m!r}")
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 0:
            raise TypeError(f"max_bytes= must be a non-negative int, not {max_bytes!r}")
        self.user_modules = mods
        self.allow_pickle = bool(allow_pickle)
        self.max_bytes = max_bytes
        self.spent = 0  # bytes of arrays and buffers allocated so far by this load
        self._callables: dict[int, tuple[Any, Callable[..., Any]]] | None = None

    def module_allowed(self, module: str) -> bool:
        """Whether ``import module`` / ``from module import ...`` may run."""
        if module in DEFAULT_MODULES or module == "pickle":
            return True
        return self.user_module(module)

    def user_module(self, module: str) -> bool:
        """Whether ``module`` is one of the caller's trusted modules or inside one."""
        return any(module == m or module.startswith(m + ".") for m in self.user_modules)

    def allowed_import(self, module: str, name: str) -> bool:
        """Whether ``from module import name`` may run (the module must be allowed too)."""
        if name.startswith("__"):
            return False
        if module == "pickle":
            return name == "loads"
        if module in DEFAULT_MODULES:
            names = DEFAULT_MODULES[module]
            if names is not None:
                return name in names
            return name not in DENIED_NAMES.get(module, ())
        return self.user_module(module)

    def static_callable(self, module: str, path: tuple[str, ...]) -> bool:
        """Whether calling ``module.<path>`` may be attempted (checked before evaluation).

        Names of the caller's modules pass here; their values are checked when called.
        """
        if any(part.startswith("__") for part in path):
            return False
        if self.user_module(module):
            return bool(path)
        if len(path) != 1:
            return False
        if module == "pickle":
            return path[0] == "loads"  # the payload is checked by archived.load.safepickle
        if path[0] in CALLABLE_NAMES.get(module, ()):
            return True
        if module == "numpy":
            import numpy as np  # numpy is allow-listed: importing it to look is fine

            return _is_numpy_scalar_type(vars(np).get(numpy_name(path[0])))
        return False

    def guarded(self, func: Any) -> Callable[..., Any] | None:
        """The guarded callable to run for ``func``, or None if it may not be called."""
        if self._callables is None:
            self._callables = _default_callables(self)
        found = self._callables.get(id(func))
        if found is not None and found[0] is func:
            return found[1]
        if _is_numpy_scalar_type(func):
            return _numpy_scalar(func, self)
        if isinstance(func, (type, types.FunctionType)):
            module = getattr(func, "__module__", None)
            if isinstance(module, str) and self.user_module(module):
                return func
        return None


def describe(obj: Any) -> str:
    """A short name of ``obj`` for error messages.

    >>> describe(print), describe([].append), describe(3)
    ('builtins.print', 'list.append', "an object of type 'int'")
    """
    module = getattr(obj, "__module__", None)
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if isinstance(name, str):
        return f"{module}.{name}" if isinstance(module, str) else name
    return f"an object of type {type(obj).__qualname__!r}"


# --------------------------------------------------------------------------- guards


def _default_callables(policy: Policy) -> dict[int, tuple[Any, Callable[..., Any]]]:
    import collections
    import datetime
    import decimal
    import fractions
    import uuid

    import numpy as np

    from ..engine import arrays, hdf5, reps

    finite = _finite
    table: list[tuple[Any, Callable[..., Any]]] = [
        (complex, complex),
        (float, float),
        (int, int),
        (bool, bool),
        (range, range),
        (slice, slice),
        (str, _scalar_args(str)),
        (bytes, _buffer(bytes)),
        (bytearray, _buffer(bytearray)),
        (set, finite(set)),
        (frozenset, finite(frozenset)),
        (list, finite(list)),
        (tuple, finite(tuple)),
        (dict, finite(dict)),
        (collections.OrderedDict, finite(collections.OrderedDict)),
        (collections.Counter, finite(collections.Counter)),
        (collections.defaultdict, _defaultdict),
        (collections.deque, finite(collections.deque)),
        (collections.ChainMap, finite(collections.ChainMap)),
        (types.SimpleNamespace, types.SimpleNamespace),
        (uuid.UUID, uuid.UUID),
        (datetime.date, datetime.date),
        (datetime.datetime, datetime.datetime),
        (datetime.time, datetime.time),
        (datetime.timedelta, datetime.timedelta),
        (datetime.timezone, datetime.timezone),
        (fractions.Fraction, _fraction),
        (decimal.Decimal, decimal.Decimal),
        (np.dtype, np.dtype),
        (np.array, _np_array(policy)),
        (np.zeros, _np_zeros(policy)),
        (arrays.from_bytes, _from_bytes(policy)),
        (arrays.scalar_from_bytes, arrays.scalar_from_bytes),
        (hdf5.load_array, lambda f, k: safe_load_array(f, k, policy)),
        (reps.object_array, _object_array),
        # the engine's representations (archived.load.rep_guards)
        *rep_callables(policy, _check_size),
    ]
    import pickle

    from .safepickle import restricted_loads

    safe_loads = lambda payload: restricted_loads(payload, policy)  # noqa: E731
    table.append((pickle.loads, pickle.loads if policy.allow_pickle else safe_loads))
    return {id(f): (f, g) for f, g in table}


def _refuse(construct: str) -> UnsafeArchiveError:
    return UnsafeArchiveError(None, construct)


def _require_finite(what: str, args: tuple[Any, ...]) -> None:
    for a in args:
        if not isinstance(a, _FINITE):
            raise _refuse(
                f"{what}() of a {type(a).__qualname__} (only literal containers may be converted)"
            )


def _finite(ctor: type) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        _require_finite(ctor.__qualname__, args)
        return ctor(*args, **kwargs)

    return call


def _defaultdict(factory: Any = None, *rest: Any, **kwargs: Any) -> Any:
    import collections

    if factory is not None and not isinstance(factory, (type, types.FunctionType)):
        raise _refuse(f"defaultdict() with factory {describe(factory)} (only a class)")
    _require_finite("defaultdict", rest)
    return collections.defaultdict(factory, *rest, **kwargs)


def _scalar_args(ctor: type) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        for a in (*args, *kwargs.values()):
            if not isinstance(a, _SCALARS):
                raise _refuse(f"{ctor.__qualname__}() of a {type(a).__qualname__}")
        return ctor(*args, **kwargs)

    return call


def _buffer(ctor: type) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        if args and not isinstance(args[0], (bytes, bytearray, str, list, tuple)):
            raise _refuse(
                f"{ctor.__qualname__}() of a {type(args[0]).__qualname__} "
                "(only bytes, str or a list of ints)"
            )
        return ctor(*args, **kwargs)

    return call


def _check_size(nbytes: int, what: str, policy: Policy) -> None:
    """Refuse ``nbytes`` more if the load would then exceed its budget of max_bytes."""
    if nbytes > policy.max_bytes - policy.spent:
        spent = f", {policy.spent} already spent" if policy.spent else ""
        raise _refuse(
            f"{what} of {nbytes} bytes (more than max_bytes={policy.max_bytes}{spent}; "
            "raise max_bytes= if you trust it)"
        )
    policy.spent += nbytes


def _leaves(data: Any, depth: int = 0) -> int:
    if isinstance(data, (list, tuple)):
        if depth > 64:
            raise _refuse("array data nested deeper than 64 levels")
        return sum(_leaves(x, depth + 1) for x in data) or 1
    if isinstance(data, _SCALARS) or _is_numpy_scalar(data):
        return 1
    raise _refuse(f"numpy.array() of a {type(data).__qualname__} (only literal data)")


def _np_array(policy: Policy) -> Callable[..., Any]:
    import numpy as np

    def call(data: Any, dtype: Any = None, *, order: str = "K") -> Any:
        count = _leaves(data)
        itemsize = np.dtype(dtype).itemsize if dtype is not None else 16
        _check_size(count * itemsize, "numpy.array()", policy)
        return np.array(data, dtype=dtype, order=order)  # type: ignore[call-overload]

    return call


def _shape_bytes(shape: Any, dtype: Any) -> int:
    import numpy as np

    dims = (shape,) if isinstance(shape, int) else tuple(shape)
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in dims):
        raise _refuse(f"array shape {shape!r} (only ints)")
    return math.prod(dims) * np.dtype(dtype).itemsize


def _np_zeros(policy: Policy) -> Callable[..., Any]:
    import numpy as np

    def call(shape: Any, dtype: Any = float, order: str = "C") -> Any:
        _check_size(_shape_bytes(shape, dtype), "numpy.zeros()", policy)
        return np.zeros(shape, dtype=dtype, order=order)  # type: ignore[call-overload]

    return call


def _from_bytes(policy: Policy) -> Callable[..., Any]:
    from ..engine.arrays import dtype_from_literal, from_bytes

    def call(data: Any, dtype: Any, shape: Any, order: Any = "C") -> Any:
        _check_size(_shape_bytes(shape, dtype_from_literal(dtype)), "from_bytes()", policy)
        return from_bytes(data, dtype, shape, order)

    return call


def _fraction(*args: Any) -> Any:
    import fractions

    # Fraction('1e999999999') or Fraction(Decimal(...)) computes a power of ten that size
    if not all(isinstance(a, int) for a in args):
        raise _refuse("Fraction() of anything but ints (as archives write it)")
    return fractions.Fraction(*args)


def _object_array(items: Any, shape: Any) -> Any:
    from ..engine.reps import object_array

    if not isinstance(items, list):
        raise _refuse(f"object_array() of a {type(items).__qualname__} (only a list)")
    return object_array(items, shape)


def _numpy_scalar(cls: type, policy: Policy) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        for a in args:
            if not (isinstance(a, _SCALARS) or _is_numpy_scalar(a)):
                raise _refuse(f"numpy.{cls.__name__}() of a {type(a).__qualname__}")
            if isinstance(a, int) and not isinstance(a, bool) and cls.__name__ == "void":
                _check_size(a, "numpy.void()", policy)
        return cls(*numpy_scalar_args(cls, args))

    return call


def _numpy_if_loaded() -> Any:
    import sys

    return sys.modules.get("numpy")


def _is_numpy_scalar_type(t: Any) -> bool:
    """Whether ``t`` is a numpy scalar type that numpy exports under its own name."""
    np = _numpy_if_loaded()
    return (
        np is not None
        and isinstance(t, type)
        and issubclass(t, np.generic)
        and vars(np).get(t.__name__) is t
    )


def _is_numpy_scalar(x: Any) -> bool:
    np = _numpy_if_loaded()
    return np is not None and isinstance(x, np.generic)


# --------------------------------------------------------------------------- arrays


def safe_load_array(filename: Any, key: Any, policy: Policy | None = None) -> Any:
    """:func:`archived.hdf5.load_array`, for a plain file name inside the data directory.

    The name must not contain a path separator, be ``.``/``..`` or absolute, and the
    file must be a regular file (not a symlink); the array's size is checked against
    ``policy.max_bytes`` before a single byte of it is read.

    >>> safe_load_array('../etc/passwd', 'a0')
    Traceback (most recent call last):
        ...
    archived.errors.UnsafeArchiveError: unsafe archive: array file '../etc/passwd' ...
    """
    from ..engine.hdf5 import _DATADIR, load_array

    policy = policy or Policy()
    if not isinstance(filename, str) or not isinstance(key, str):
        raise _refuse(f"load_array({filename!r:.60}, {key!r:.60}) (file and key must be str)")
    if (
        not filename
        or filename in (".", "..")
        or "/" in filename
        or "\\" in filename
        or os.sep in filename
        or "\0" in filename
        or os.path.isabs(filename)
    ):
        raise _refuse(
            f"array file {filename!r} (not a plain file name inside the store directory)"
        )
    folder = _DATADIR.get() or os.getcwd()
    path = os.path.join(folder, filename)
    if os.path.islink(path):
        raise _refuse(f"array file {filename!r} (a symbolic link; it may point outside)")
    if os.path.exists(path) and not os.path.isfile(path):
        raise _refuse(f"array file {filename!r} (not a regular file)")
    if os.path.isfile(path):
        nbytes = _stored_nbytes(path, key)
        if nbytes is not None:
            _check_size(nbytes, f"array {key!r} in {filename!r}", policy)
    return load_array(path, key)


def _stored_nbytes(path: str, key: str) -> int | None:
    """The bytes the array ``key`` of ``path`` would occupy once read, or None if unknown."""
    from ..engine.hdf5 import _read_trailer

    try:
        with open(path, "rb", buffering=0) as f:
            index, _ = _read_trailer(f)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # load_array reports the damage
    if key in index:
        try:
            return int(index[key]["nbytes"])
        except (KeyError, TypeError, ValueError):
            return None
    return _hdf5_node_nbytes(path, key)


def _hdf5_node_nbytes(path: str, key: str) -> int | None:
    import tables

    from ..engine.hdf5 import _HDF5_LOCK

    with _HDF5_LOCK:
        try:
            h5 = tables.open_file(path, mode="r")
        except Exception:
            return None
        try:
            node = h5.get_node("/", key)
            return math.prod(int(n) for n in node.shape) * int(node.dtype.itemsize)
        except Exception:
            return None
        finally:
            h5.close()
