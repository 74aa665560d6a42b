"""Archive: Python objects become importable Python source, and back.

>>> from archived import restore
>>> arch = Archive()
>>> shared = [1, 2]
>>> arch.insert(x=3, l=[shared, shared])
['x', 'l']
>>> src = str(arch)
>>> print(src, end="")
x = 3
_g1 = [1, 2]
l = [_g1, _g1]
del _g1
if __name__ == 'builtins':
    del __builtins__
>>> d = restore(src)
>>> sorted(d), d["l"][0] is d["l"][1]
(['l', 'x'], True)

Executing the source in a fresh dict (``exec(src, {})``) leaves exactly the inserted
names; executing it in a module or at the prompt leaves that namespace's builtins alone.

The grammar of generated source
-------------------------------
Archives stay inside this small grammar, so a safe loader can check them with ``ast``:

* ``from <module> import <name> as <alias>`` and ``import <module> as <alias>``;
* ``<name> = <expr>`` where ``<expr>`` is built from literals (numbers, also negated,
  strings, bytes, ``True``/``False``/``None``, ``...``), list/tuple/dict/set displays,
  names bound earlier in the archive, attribute access on them (``_A.B``,
  ``(x).method``) and calls of them with positional and keyword arguments
  (``_float('nan')``, ``_loads(b'...')``, ``_load_array('data.h5', 'a0')``, the numpy
  constructors of :mod:`archived.arrays`);
* the scoped form of an ``archive_1()`` object (``scoped=True``)::

      def _d(<arg>, ..., <import name>, ...):
          return <rep expression>
      <name> = _d(<arg>=<expr>, ..., <import name>=<alias>, ...)

  where the rep expression is the user's own text, evaluated over its parameters only
  (in the flat form, ``scoped=False``, that text appears inline instead, its argument
  and import names replaced through the ``ast`` by the children's expressions);
* ``del <name>, ...`` of the aliases and helper names;
* the cleanup ``if __name__ == 'builtins':\\n    del __builtins__``.

A statement longer than 88 characters has its displays and argument lists broken one
item per line, as a code formatter would (see :mod:`archived.engine.layout`); that changes the
lines, not the grammar.
"""

from __future__ import annotations

import contextlib
import gc
import keyword
import math
import numbers
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, cast

from ..errors import DuplicateError, InvalidNameError
from .codegen import CLEANUP, generate
from .graph import Graph
from .reps import Context, find_import, substitute, user_hook

__all__ = ["Archive", "repr_", "get_imports"]


class Archive:
    """Collects named objects and writes them as Python source that rebuilds them.

    Args:
        flat: accepted for compatibility and ignored (the graph is always reduced in one
            linear walk; the old tree/flat algorithms gave the same objects).
        tostring: accepted and ignored: arrays are always written exactly.
        check_on_insert: check that each object can be archived when it is inserted.
        array_threshold: numpy arrays with more elements are written to ``datafile``.
        datafile: the HDF5 file for big arrays; the source names it by its base name.
        pytables: accepted and ignored: data files are always HDF5 through PyTables.
        allowed_names: names starting with ``_`` that may be inserted anyway.
        gname_prefix: prefix of helper variables in the source (``_g1``, ``_g2``, ...).
        scoped: write ``archive_1()`` objects as small functions (the spec's scoped form)
            instead of substituting their arguments into their expression (flat form).
        robust_replace: accepted and ignored: no text is ever replaced.
        durable: fsync ``datafile`` before ``str()`` returns (the default); ``False``
            leaves the write-back to the operating system, which is faster and survives
            a killed process, but not a power cut.
        compress: write the arrays of ``datafile`` through a standard HDF5 filter:
            ``True`` or ``'zlib'`` (deflate, readable by any HDF5 tool), ``('zlib', level)``
            or a PyTables library such as ``'blosc:lz4'`` (see
            :mod:`archived.engine.compression`); reading needs no option.
        refuse_main: refuse objects whose class or function is defined in ``__main__``
            (the script being run), which no other program can import back; stores set
            it, so such an entry is refused before anything is written.

    >>> from archived import restore
    >>> a = Archive(scoped=False)
    >>> a.insert(x=4)
    'x'
    >>> restore(str(a))
    {'x': 4}
    """

    def __init__(
        self,
        flat: bool = True,
        tostring: bool = True,
        check_on_insert: bool = False,
        array_threshold: float = math.inf,
        datafile: str | os.PathLike[str] | None = None,
        pytables: bool = True,
        allowed_names: Iterable[str] | None = None,
        gname_prefix: str = "_g",
        scoped: bool = True,
        robust_replace: bool = True,
        *,
        durable: bool = True,
        refuse_main: bool = False,
        compress: Any = None,
    ) -> None:
        from .compression import codec_of

        for option, value in (
            ("flat", flat),
            ("tostring", tostring),
            ("check_on_insert", check_on_insert),
            ("pytables", pytables),
            ("scoped", scoped),
            ("robust_replace", robust_replace),
            ("durable", durable),
            ("refuse_main", refuse_main),
        ):
            if not isinstance(value, bool):
                raise TypeError(f"option {option}= must be True or False, not {value!r}")
        self.flat = flat
        self.tostring = tostring
        self.pytables = pytables
        self.robust_replace = robust_replace
        self.durable = durable
        self.refuse_main = refuse_main
        self.compress = compress
        codec_of(compress)  # a bad compress= is refused now, not at the first big array
        self.check_on_insert = check_on_insert
        self.scoped = scoped
        self.array_threshold = _check_threshold(array_threshold)
        self.datafile = _check_datafile(datafile)
        self.allowed_names = _check_allowed(allowed_names)
        if not isinstance(gname_prefix, str):
            raise TypeError(f"option gname_prefix= must be a str, not {gname_prefix!r}")
        if not (gname_prefix.startswith("_") and gname_prefix.isidentifier()):
            raise ValueError(
                f"option gname_prefix={gname_prefix!r} must be an identifier starting with '_'"
            )
        self.gname_prefix = gname_prefix
        self._names: dict[str, None] = {}  # every inserted name, in order
        self._pending: list[tuple[str, Any]] = []  # inserted, not yet made persistent
        self._chunks: list[str] = []  # source of earlier make_persistent() calls
        self._datafile_closed = False  # an ArrayWriter overwrites: write the datafile once

    def insert(self, *args: Any, **kwargs: Any) -> str | list[str]:
        """Insert objects by name; return the name, or the list of names in order.

        Raises ``InvalidNameError`` (a ``ValueError``) for a name that is not a valid,
        non-keyword identifier or starts with ``_`` (reserved for the archive's helpers,
        unless in ``allowed_names``), ``DuplicateError`` for a name already present.
        Nothing is inserted if any name is refused.

        >>> a = Archive()
        >>> a.insert(x=1, y=2)
        ['x', 'y']
        >>> a.insert(x=5)
        Traceback (most recent call last):
            ...
        archived.errors.DuplicateError: name 'x' is already in the archive; choose another name
        """
        if args:
            raise TypeError(
                f"insert() takes objects by name, insert(x=3), not insert({args[0]!r:.40})"
            )
        if not kwargs:
            raise TypeError("insert() needs at least one name=object")
        for name in kwargs:
            self._check_name(name)
        if self.check_on_insert:
            graph = Graph(self._context(dry=True))
            for name, obj in kwargs.items():
                graph.add_root(name, obj)
        for name, obj in kwargs.items():
            self._names[name] = None
            self._pending.append((name, obj))
        names = list(kwargs)
        return names[0] if len(names) == 1 else names

    def make_persistent(self) -> str:
        """Write the source of the objects inserted since the last call and drop them.

        From then on the archive no longer depends on those objects: mutating them does
        not change it, and an object inserted later that refers to one of them gets its
        own copy.  Big arrays are written to ``datafile`` now (under a temporary name,
        renamed into place only if the whole call succeeds; a datafile is written once
        per archive).  Returns the new source (``str(archive)`` calls this implicitly).

        >>> from archived import restore
        >>> a = Archive()
        >>> l = [1]
        >>> a.insert(l=l)
        'l'
        >>> a.make_persistent()
        'l = [1]\\n'
        >>> l.append(2)
        >>> restore(str(a))["l"]
        [1]
        """
        if not self._pending:
            return ""
        ctx = self._context()
        try:
            with _gc_paused():
                graph = Graph(ctx)
                roots = [(name, *graph.add_root(name, obj)) for name, obj in self._pending]
                chunk = generate(roots, self._names, self.scoped, self.gname_prefix)
                del graph, roots
        except BaseException as err:
            ctx.close(ok=False, error=err)
            raise
        if ctx.writer is not None:
            self._datafile_closed = True
        ctx.close()
        self._chunks.append(chunk)
        self._pending = []
        return chunk

    def names(self) -> list[str]:
        """The inserted names, in insertion order.

        >>> a = Archive(); _ = a.insert(b=1, a=2); a.names()
        ['b', 'a']
        """
        return list(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __len__(self) -> int:
        return len(self._names)

    def __str__(self) -> str:
        self.make_persistent()
        return "".join(self._chunks) + CLEANUP

    def __repr__(self) -> str:
        return f"<Archive of {list(self._names)!r:.200}>"

    # ----------------------------------------------------------------- helpers

    def _check_name(self, name: str) -> None:
        if not name.isidentifier():
            raise InvalidNameError(name, "not a Python identifier")
        if keyword.iskeyword(name):
            raise InvalidNameError(name, "a Python keyword")
        if name.startswith("__") and name.endswith("__"):
            raise InvalidNameError(name, "dunder names are reserved for Python itself")
        if name.startswith("_") and name not in self.allowed_names:
            raise InvalidNameError(
                name,
                "names starting with '_' are reserved for the archive's helper names "
                "(list it in allowed_names= to use it anyway)",
            )
        if name in self._names:
            raise DuplicateError(name)

    def _context(self, dry: bool = False) -> Context:
        datafile = None if self.datafile is None else os.fspath(self.datafile)
        return Context(
            self.array_threshold,
            datafile,
            dry,
            self._datafile_closed,
            durable=self.durable,
            refuse_main=self.refuse_main,
            compress=self.compress,
        )


def _check_threshold(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"option array_threshold= must be a number, not {value!r}")
    if math.isnan(value) or value < 0:
        raise ValueError(f"option array_threshold={value!r} must be >= 0 (inf keeps all inline)")
    return cast(float, value)  # kept as given (an int stays an int in messages)


def _check_datafile(value: Any) -> str | os.PathLike[str] | None:
    if value is None or isinstance(value, (str, os.PathLike)):
        return value
    raise TypeError(f"option datafile= must be a path or None, not {value!r}")


def _check_allowed(value: Any) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise TypeError(f"option allowed_names= must be a list of names, not {value!r}")
    names = set(value)
    bad = [n for n in names if not isinstance(n, str)]
    if bad:
        raise TypeError(f"option allowed_names= must hold str names, not {bad[0]!r}")
    return names


_gc_lock = threading.Lock()
_gc_depth = 0
_gc_was_enabled = False


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while archiving or restoring.

    Both build many objects and no cycles (an archive cannot contain one), so the
    collector's passes over them are pure cost, growing with the number of live objects.
    Nested and concurrent uses share one pause; the collector is re-enabled only if it
    was enabled when the first of them started.
    """
    global _gc_depth, _gc_was_enabled
    with _gc_lock:
        if _gc_depth == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_depth += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_depth -= 1
            if _gc_depth == 0 and _gc_was_enabled:
                gc.enable()


def repr_(obj: Any, robust: bool = True) -> str:
    """Return a representation of ``obj``, using its ``archive_1()`` method if it has one.

    Meant as a stand-in ``__repr__``: the arguments are substituted into the rep through
    the ``ast`` (``robust`` is accepted for compatibility; substitution is always exact).

    >>> class A(object):
    ...     def __init__(self, x):
    ...         self.x = x
    ...     def archive_1(self):
    ...         return ('A(x=x)', dict(x=self.x), [])
    ...     def __repr__(self):
    ...         return repr_(self)
    >>> A(x=[1])
    A(x=[1])
    """
    found = user_hook(obj)
    if found is None:
        return repr(obj)
    rep, args, _imports = found
    return substitute(rep, {name: repr(value) for name, value in args.items()})


def get_imports(obj: Any, env: Mapping[str, Any] | None = None) -> list[tuple[str, str, str]]:
    """Return ``[(module, iname, uiname)]``: the constructor of ``obj`` and how to import it.

    ``iname`` is ``obj`` itself for a class or function, else its class; use it as
    ``from module import iname as uiname``.  ``uiname`` is ``iname`` unless that name is
    already bound in ``env``, then it gets a ``_1``, ``_2``, ... suffix.

    >>> import numpy as np
    >>> a = np.array([1, 2, 3])
    >>> get_imports(a)
    [('numpy', 'ndarray', 'ndarray')]
    """
    target = (
        obj
        if isinstance(obj, type) or callable(obj) and hasattr(obj, "__qualname__")
        else type(obj)
    )
    try:
        module, qualname = find_import(target)
    except LookupError:
        module, qualname = target.__module__, target.__qualname__
    iname = qualname.split(".")[0]
    uiname, k = iname, 0
    while env is not None and uiname in env:
        k += 1
        uiname = f"{iname}_{k}"
    return [(module, iname, uiname)]
