"""What a safe load may import and call: the allow-list and its registry of constructors.

A safe load imports names only from the modules listed here (or from modules the caller
names with ``allow=``), binds only classes, functions and immutable constants from them
(never a module outside the list, a dict, a list or any other object it could mutate),
and calls only the constructors registered here, each through its guard
(:mod:`archived.load.guards`), or classes and plain functions *defined* in the caller's
modules (a class only when its construction is that module's code, or a plain one of the
standard library's: :func:`~archived.load.rep_guards.inherited_construction`).  Pickle
payloads load only with ``allow_pickle=True``, which trusts the store completely.

Default modules and the constructors a safe load may call from them:

=====================  ==============================================================
module                 constructors (other public names import as values)
=====================  ==============================================================
``builtins``           ``complex float int bool str bytes bytearray set frozenset``
                       ``list tuple dict range slice``; never ``open``, ``eval``, ...
``numpy``              ``array dtype zeros`` and the scalar types (``float32``, ...);
                       never ``save``, ``load``, ``fromfile``, ``memmap``, ``info``,
                       ``test``, ``seterr``, ...
``numpy.dtypes``       ``StringDType``
``math``               none (``nan``, ``inf`` are values)
``collections``        ``OrderedDict Counter defaultdict deque ChainMap``
``datetime``           ``date datetime time timedelta timezone``
``fractions``          ``Fraction``
``decimal``            ``Decimal Context``
``archived.arrays``    ``from_bytes scalar_from_bytes load_array`` (in-store files only)
``archived.reps``      ``object_array``, ``from_state`` and ``set_state`` (of classes
                       of ``allow=`` modules only) and the rebuilding functions of pandas, xarray,
                       scipy.sparse, numpy's masked/record arrays and
                       random generators (:mod:`archived.load.rep_guards`)
``types``              ``SimpleNamespace`` (``NoneType`` and the like are values)
``uuid``               ``UUID``
``pathlib``            the path classes; ``zoneinfo``: ``ZoneInfo`` (a checked key)
``functools``          ``partial`` (of a function or class the load imported)
=====================  ==============================================================

Other libraries make their constructors safe to load with :func:`allow_constructor`.

>>> policy = Policy(allowed_modules=["mypkg.models"])
>>> policy.module_allowed("mypkg.models.sub"), policy.module_allowed("os")
(True, False)
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterable
from typing import Any

from .guards import DEFAULT_CONSTRUCTORS, Guard, numpy_scalar
from .numpy_names import numpy_name
from .rep_guards import REP_CONSTRUCTORS, REP_HELPERS, REP_MODULES, inherited_construction

__all__ = ["Policy", "DEFAULT_MODULES", "allow_constructor", "describe"]

# module -> names that may be imported from it (None: any public name not denied)
DEFAULT_MODULES: dict[str, frozenset[str] | None] = {
    "builtins": None,
    "numpy": None,
    "numpy.dtypes": None,
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

# Names never imported, even as plain values: they run code, touch files or the process.
DENIED_NAMES: dict[str, frozenset[str]] = {
    "builtins": frozenset(
        "open eval exec compile getattr setattr delattr globals locals vars input "
        "breakpoint help exit quit copyright credits license __import__".split()
    ),
    "numpy": frozenset(
        "load save savez savez_compressed savetxt loadtxt genfromtxt fromfile fromregex "
        "memmap DataSource ctypeslib lib testing f2py distutils show_config show_runtime "
        "frompyfunc vectorize".split()
        # info(x, toplevel=M) imports module M, test() runs pytest on the arguments it is
        # given: a partial of either (importable, so allowed) runs code once called
        + ["info", "test"]
        # they change the whole process's numbers or printing (seterrcall: a function
        # numpy calls on every floating-point error): a partial would, once called
        + "set_printoptions printoptions seterr seterrcall setbufsize".split()
        # numpy 1.x's namespace (numpy >= 1.26 is supported) holds more of each kind:
        # recfromtxt/recfromcsv read any path (a URL: fetched into the working
        # directory), lookfor and add_newdoc import the module named, source reads any
        # object's file; the others change every array's printing, operators, error
        # handling or numpy's documentation for the whole process
        + "recfromtxt recfromcsv lookfor add_newdoc source set_string_function seterrobj "
        "set_numeric_ops add_docstring add_newdoc_ufunc".split()
    ),
    "decimal": frozenset({"setcontext"}),  # the thread's precision and rounding, as numpy's
}

# (module, name) -> guard; see allow_constructor
_CONSTRUCTORS: dict[tuple[str, str], Guard] = {
    (module, name): guard for module, name, guard in [*DEFAULT_CONSTRUCTORS, *REP_CONSTRUCTORS]
}
# id(constructor) -> (constructor, guard), resolved from _CONSTRUCTORS when first needed
_RESOLVED: dict[int, tuple[Any, Guard]] = {}

# libraries whose values a safe load rebuilds through archived.reps: never advised for
# allow=, which every user trusts the code of, but whose functions do anything asked
# (a function of each that runs code or reads any file, for the refusal to name)
_REBUILT_LIBRARIES = {
    "numpy": "numpy.load(allow_pickle=True) unpickles a file, which runs any code",
    "pandas": "pandas.read_pickle unpickles a file, which runs any code",
    "xarray": "xarray.open_dataset reads any file",
    "scipy": "scipy.io.loadmat reads any file",
    "archived": "archived.restore runs any source",
}

_PICKLE_TAIL = (
    "(unpickling can run any code: pass allow_pickle=True only for a store you trust completely)"
)
# modules outside DEFAULT_MODULES that registered constructors: the names importable
_EXTRA_IMPORTS: dict[str, set[str]] = {}
# what a safe load may bind besides modules and callables: values nobody can mutate
_IMMUTABLE = (
    int,
    float,
    complex,
    str,
    bytes,
    bool,
    type(None),
    type(...),
    type(NotImplemented),
    frozenset,
)


def allow_constructor(module: str, name: str, guard: Guard, *, importable: bool = True) -> None:
    """Let safe loads call ``module.name`` through ``guard(budget, *args, **kwargs)``.

    The guard refuses arguments the archive source of that type never holds, charges
    the :class:`~archived.load.budget.Budget` (``charge_bytes``, ``charge_elements``,
    ``check_digits``) for what it will allocate, and returns the value; it raises
    :class:`~archived.errors.UnsafeArchiveError` to refuse.  ``module`` becomes
    importable in safe loads (only ``name`` from it, unless the module is a default one),
    so its import-time code is trusted like the guard.  ``budget.policy`` is the load's
    :class:`Policy`, for a guard that calls code of the caller's ``allow=`` modules.

    >>> from archived.errors import UnsafeArchiveError
    >>> def unit(budget, name):
    ...     if type(name) is not str or len(name) > 20:
    ...         raise UnsafeArchiveError(None, "unit() of anything but a short name")
    ...     return ("unit", name)
    >>> allow_constructor("doc_example_units", "unit", unit)
    >>> Policy().static_callable("doc_example_units", ("unit",))
    True
    """
    if not isinstance(module, str) or not all(p.isidentifier() for p in module.split(".")):
        raise TypeError(f"allow_constructor() needs a module name, not {module!r}")
    if not isinstance(name, str) or not all(p.isidentifier() for p in name.split(".")):
        raise TypeError(f"allow_constructor() needs a name such as 'DataFrame', not {name!r}")
    if not callable(guard):
        raise TypeError(f"allow_constructor() needs a guard function, not {guard!r}")
    _CONSTRUCTORS[(module, name)] = guard
    _RESOLVED.clear()
    if importable and module not in DEFAULT_MODULES:
        _EXTRA_IMPORTS.setdefault(module, set()).add(name.split(".")[0])
    elif importable and DEFAULT_MODULES[module] is not None:
        DEFAULT_MODULES[module] = DEFAULT_MODULES[module] | {name.split(".")[0]}  # type: ignore[operator]


class Policy:
    """The rules of one safe load: extra trusted modules, and pickle.

    Args:
        allowed_modules: modules (and their submodules) whose names may be imported and
            whose own classes and functions may be called, e.g. ``["mypkg.models"]``.
            They are trusted: their code runs when called.
        allow_pickle: let ``pickle.loads`` payloads load.  Unpickling runs whatever
            code the payload names: this trusts the store completely.

    >>> Policy().allowed_import("builtins", "open")
    False
    """

    def __init__(self, allowed_modules: Iterable[str] = (), allow_pickle: bool = False) -> None:
        if isinstance(allowed_modules, str):
            allowed_modules = [allowed_modules]
        mods = tuple(allowed_modules)
        for m in mods:
            if not isinstance(m, str) or not all(p.isidentifier() for p in m.split(".")):
                raise TypeError(f"allow= must list module names such as 'mypkg.models', not {m!r}")
        self.user_modules = mods
        self.allow_pickle = bool(allow_pickle)
        self._trusted: dict[int, tuple[Any, Guard]] = {}

    def module_allowed(self, module: str) -> bool:
        """Whether ``import module`` / ``from module import ...`` may run."""
        if module in DEFAULT_MODULES or module in _EXTRA_IMPORTS:
            return True
        if module == "pickle":
            return self.allow_pickle
        return self.user_module(module)

    def user_module(self, module: str) -> bool:
        """Whether ``module`` is one of the caller's trusted modules or inside one."""
        return any(module == m or module.startswith(m + ".") for m in self.user_modules)

    def allowed_import(self, module: str, name: str) -> bool:
        """Whether ``from module import name`` may run (the module must be allowed too)."""
        if name.startswith("__"):
            return False
        if module == "pickle":
            return self.allow_pickle and name == "loads"
        if module in DEFAULT_MODULES:
            names = DEFAULT_MODULES[module]
            if names is not None:
                return name in names
            # public names only: a module's internals are not its data types
            # (numpy.dtypes._add_dtype_helper rebinds the module's names once called)
            return name[:1] != "_" and name not in DENIED_NAMES.get(module, ())
        if module in _EXTRA_IMPORTS and name in _EXTRA_IMPORTS[module]:
            return True
        return self.user_module(module)

    def refusal_of_module(self, module: str) -> str:
        """Words refusing ``import module``.

        A standard-library module is never suggested for ``allow=``: it is there to run
        commands, touch files or load code, which a safe load never does.

        >>> print(Policy().refusal_of_module("os"))
        import of module 'os' (not in the allow-list; a standard-library module a safe load ...)

        Nor is an installed library (found in a folder of installed packages), or one whose
        values the safe load rebuilds (pandas): every user trusts its code, yet allowing
        it lets the store call any of its functions with its arguments
        (``pandas.read_pickle``, ``joblib.load``: they unpickle a file, which runs code).

        >>> print(Policy().refusal_of_module("pandas"))  # doctest: +ELLIPSIS
        import of module 'pandas' (not in the allow-list; ...(pandas.read_pickle unpickles ...)
        >>> print(Policy().refusal_of_module("mypkg.models"))
        import of module 'mypkg.models' (... trust all of its code, pass allow=['mypkg.models'])
        """
        return self.module_refusal(module)[0]

    def module_refusal(self, module: str) -> tuple[str, str | None]:
        """The words of :meth:`refusal_of_module`, and the module whose ``allow=`` they
        advise (``module``, one that may be the user's own), or None where they advise
        none (a standard-library module, an installed library, pickle): the refusal
        carries it (:attr:`~archived.errors.UnsafeArchiveError.allow`) for whoever
        repeats the advice, and what it is is found once (a search of the installed
        packages' folders).

        >>> Policy().module_refusal("mypkg.models")[1], Policy().module_refusal("os")[1]
        ('mypkg.models', None)
        """
        kind = _refused_kind(module)
        return self._refusal_words(module, kind), (module if kind == "own" else None)

    @staticmethod
    def _refusal_words(module: str, kind: str) -> str:
        """The words of :meth:`refusal_of_module` for ``module`` of ``kind``
        (:func:`_refused_kind`)."""
        if kind == "pickle":
            return f"a pickle payload {_PICKLE_TAIL}"
        if kind == "stdlib":
            return (
                f"import of module {module!r} (not in the allow-list; a standard-library "
                "module a safe load never imports)"
            )
        if kind == "library":
            # allow= lets a store call any function its module defines, with arguments of
            # the store's choosing: pandas.read_pickle, joblib.load unpickle a file, which
            # runs code; its users trust its code all the same
            top = module.partition(".")[0]
            example = _REBUILT_LIBRARIES.get(top, "a reader of pickles among them runs any code")
            return (
                f"import of module {module!r} (not in the allow-list; it is a module of the "
                f"installed library {top!r}, and allowing it would let the store call any "
                f"of its functions with arguments of its choosing ({example}): only a "
                "trusted load, safe=False, reads this, of a store you trust completely)"
            )
        return (
            f"import of module {module!r} (not in the allow-list; if it is your own module "
            f"of data classes and you trust all of its code, pass allow=[{module!r}])"
        )

    def static_callable(self, module: str, path: tuple[str, ...]) -> bool:
        """Whether calling ``module.<path>`` may be attempted (checked before evaluation).

        Names of the caller's modules pass here; their values are checked when called.
        """
        if any(part.startswith("__") for part in path):
            return False
        if self.user_module(module):
            return bool(path)
        if module == "pickle":
            return self.allow_pickle and path == ("loads",)
        if (module, ".".join(path)) in _CONSTRUCTORS:
            return True
        if module == "numpy" and len(path) == 1:
            import numpy as np  # allow-listed: importing it to look is harmless

            return _is_numpy_scalar_type(vars(np).get(numpy_name(path[0])), np)
        return False

    def guard(self, func: Any) -> Guard | None:
        """The guard to call instead of ``func``, or None if it may not be called.

        A guard takes the budget first: ``guard(budget, *args, **kwargs)``.
        """
        found = _RESOLVED.get(id(func))
        if found is None:
            _resolve()
            found = _RESOLVED.get(id(func))
        if found is not None and found[0] is func:
            return found[1]
        np = sys.modules.get("numpy")
        if np is not None and _is_numpy_scalar_type(func, np):
            guard = numpy_scalar(func)
            _RESOLVED[id(func)] = (func, guard)
            return guard
        trusted = self._trusted.get(id(func))
        if trusted is not None and trusted[0] is func:
            return trusted[1]
        if isinstance(func, (type, types.FunctionType)):
            module = getattr(func, "__module__", None)
            if isinstance(module, str) and self.user_module(module):
                if isinstance(func, type):
                    # its __new__ or __init__ inherited from another library: not the
                    # module's code (numpy's array over a raw buffer, io's open)
                    checked = inherited_construction(self, func)
                    if checked is not None:
                        self._trusted[id(func)] = (func, checked)
                        return checked
                return self._trust(func)
        if func is _pickle_loads() and self.allow_pickle:
            return self._trust(func)
        return None

    def _trust(self, func: Any) -> Guard:
        guard = _trusted(func)
        self._trusted[id(func)] = (func, guard)
        return guard

    def value_refusal(self, value: Any) -> str | None:
        """Why a safe load may not bind ``value`` imported from a module, or None.

        Modules of the allow-list, classes, functions and immutable constants pass;
        anything else (``numpy.sctypeDict``, ``decimal.DefaultContext``, a module outside
        the list) could be changed by whoever holds it, or could reach further.

        >>> import decimal, math
        >>> Policy().value_refusal(math.pi) is None, Policy().value_refusal(decimal.DefaultContext)
        (True, "a value of type 'Context' (only classes, functions and constants)")
        """
        if isinstance(value, types.ModuleType):
            if self.module_allowed(value.__name__):
                return None
            return self.refusal_of_module(value.__name__)
        if callable(value) or isinstance(value, _IMMUTABLE):
            if isinstance(value, frozenset) and not all(isinstance(v, _IMMUTABLE) for v in value):
                return "a frozenset of mutable values"
            return None
        np = sys.modules.get("numpy")
        if np is not None and isinstance(value, np.generic):
            return None
        return (
            f"a value of type {type(value).__qualname__!r} (only classes, functions and constants)"
        )


def _refused_kind(module: str) -> str:
    """What :meth:`Policy.refusal_of_module` says ``module`` is: ``"pickle"``, a
    ``"stdlib"`` module, a module of an installed ``"library"`` (or one whose values a
    safe load rebuilds), or what may be the user's ``"own"`` module (the only kind
    advised for ``allow=``).

    >>> [_refused_kind(m) for m in ("pickle", "os.path", "pytest", "mypkg.models")]
    ['pickle', 'stdlib', 'library', 'own']
    """
    if module == "pickle":
        return "pickle"
    top = module.partition(".")[0]
    if top in getattr(sys, "stdlib_module_names", ()) or top in sys.builtin_module_names:
        return "stdlib"
    if top in _REBUILT_LIBRARIES or _installed_library(top):
        return "library"
    return "own"


def _installed_library(top: str) -> bool:
    """Whether the top-level module ``top`` is found (never imported) in a folder of
    installed packages (site-packages): a library, not a module of the user's own
    data classes, which lies in their project (an editable install's too).

    >>> _installed_library("pytest"), _installed_library("no_such_module_here")
    (True, False)
    """
    import importlib.machinery
    import os
    import site
    import sysconfig

    try:
        spec = importlib.machinery.PathFinder.find_spec(top)
    except (ImportError, OSError, ValueError):
        return False
    if spec is None:
        return False
    origin = spec.origin if spec.has_location and type(spec.origin) is str else None
    where = origin or next(iter(spec.submodule_search_locations or ()), None)
    if type(where) is not str:
        return False
    paths = sysconfig.get_paths()
    folders = {paths.get("purelib"), paths.get("platlib")}
    folders.update(getattr(site, "getsitepackages", list)())
    folders.add(getattr(site, "getusersitepackages", str)())
    found = os.path.realpath(where)
    return any(
        type(f) is str and f and found.startswith(os.path.realpath(f).rstrip(os.sep) + os.sep)
        for f in folders
    )


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


def _resolve() -> None:
    """Map the registered constructors of modules already imported to their guards."""
    for (module, name), guard in _CONSTRUCTORS.items():
        mod = sys.modules.get(module)
        if mod is None:
            continue  # nothing of it can have been imported by a load yet
        obj: Any = mod
        for part in name.split("."):
            obj = vars(obj).get(part) if isinstance(obj, (type, types.ModuleType)) else None
        if obj is not None:
            _RESOLVED[id(obj)] = (obj, guard)


def _is_numpy_scalar_type(t: Any, np: Any) -> bool:
    """Whether ``t`` is a numpy scalar type that numpy exports under its own name."""
    return isinstance(t, type) and issubclass(t, np.generic) and vars(np).get(t.__name__) is t


def _trusted(func: Any) -> Guard:
    def call(budget: Any, *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return call


def _pickle_loads() -> Any:
    pickle = sys.modules.get("pickle")
    return None if pickle is None else pickle.loads
