"""``@archived``: keep every call's result, with its parameters, as an entry of a DataSet.

Three spellings, one name:

* ``@archived`` (bare) stores under ``archived_results/<module>_results`` next to the
  file defining the function (see :func:`~archived.cache.storepath.default_store_path`;
  the environment variable ``ARCHIVED_DIR`` replaces ``archived_results``).  ``<module>``
  is the defining module's name with dots turned into underscores (a script run as
  ``__main__`` is named after its file); ``import <module>_results`` reads the store
  without taking the place of the module.
* ``@archived(path, ignore=(), version=None, locking=None, timeout=60,
  lock_timeout=None, durable=True, compress=None, mmap_mode=None)``: keyword arguments
  are *options* when the result of ``archived(path, ...)`` is applied to a function.
* ``with archived(path, **parameters) as rec:`` records a block: keyword arguments are the
  block's *parameters* when ``archived(path, ...)`` is used in a ``with`` statement (see
  :mod:`archived.cache.record`; :func:`archived.cache.record.record` takes options too).

A call is keyed by the function's identity (module and qualified name, made unique for
lambdas, nested and interactively defined functions: see :mod:`archived.cache.funcinfo`),
its code version (a digest of its source, or ``version=``) and its arguments bound to the
signature with defaults applied, so
``f(1)``, ``f(x=1)`` and ``f(1, 2)`` with default ``y=2`` are one key.  Arguments are keyed
by content (:mod:`archived.cache.hashing`); a method's ``self`` too, so ``Model(3).run(2)``
and ``Model(5).run(2)`` are two calls.  A nested function's identity includes the values
of the variables it closes over, as they are when it is decorated: ``make(2)`` and
``make(3)`` of a factory ``make(p)`` returning a decorated ``lambda x: x**p`` are two
functions.
A hit loads only that entry; a miss runs the function, then commits result and info in one
atomic write (the call protocol of :mod:`archived.cache.calls`, shared with blocks and
sweeps).  An entry that cannot be read back (a hand edit with a typo, a data file deleted)
is moved to the store's ``.damaged/`` folder, never overwritten, and computed again, with a
``DamagedEntryWarning`` saying where it went.  A result that cannot be stored (disk full,
no permission) is returned with a ``ResultNotStoredWarning`` naming what failed.  An
exception is never stored as a result; the failed attempt is recorded (entry
``<name>_failed``) and the next call retries.
When several workers miss the same key together, one computes it and the others wait for
its entry (a per-key lock the operating system frees if the holder dies).

Editing the function gives new keys; the old results stay, listed by :meth:`stale` and
removed only by :meth:`prune_stale`.

Every entry is fsynced before the call returns, so a result survives a power cut too
(``sweep`` groups the syncs of a worker's points, made in a background thread while the
points compute, and every point is on disk when ``sweep`` returns: see
:mod:`archived.store.groupsync`).  For many cheap calls, ``durable=False``
skips the syncs: commits stay atomic and survive killed workers, and a miss costs about
half as much (joblib.Memory never syncs).
``compress=True`` writes big arrays through HDF5's zlib filter, and ``mmap_mode="r"``
returns them on a hit as read-only memory maps of the stored bytes (see ``DataSet``).

Workers: decorated functions run under joblib's loky, multiprocessing and threading
backends, and under its dask backend on a ``dask.distributed`` cluster, all writing one
store.  ``locking="fcntl"`` (what a new store gets; ``locking=None``, the default, takes
the kind the store records) is right for a local disk and for shared
filesystems that honour ``fcntl``/``flock`` locks; a lock is freed by the kernel the moment
its holder dies.  Use ``locking="soft"`` (leases, :mod:`archived.store.lease`) when workers
on several machines share a store over NFS or another network filesystem whose ``flock``
is a no-op or local to each client: a lock left by a worker killed on the same host is
reclaimed at once, one left by a dead *remote* worker once its lease (60 s, or
``ARCHIVED_LOCK_LEASE``) has run out unrenewed.

>>> import tempfile, os
>>> store = os.path.join(tempfile.mkdtemp(), "squares")
>>> @archived(store)
... def square(x, offset=0):
...     return x * x + offset
>>> square(3), square(3), square.is_cached(x=3, offset=0)
(9, 9, True)
>>> [(params, result()) for params, result in square]
[({'x': 3, 'offset': 0}, 9)]
"""

from __future__ import annotations

import functools
import inspect
import os
import shlex
import sys
import textwrap
import threading
import types
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from .._usercode import user_stacklevel
from ..engine.storable import unstorable_annotation
from ..errors import (
    ArchiveError,
    ClosureChangedWarning,
    DamagedEntryError,
    StoreReadError,
    UnarchivableError,
)
from ..store.datarefs import one_look
from ..store.failures import deleting
from ..store.table import record_text
from .calls import CallKey, cached_call, is_stored, key_call
from .callstore import CallStore, Found, StoredCall
from .emptytable import note_other_calls
from .funcinfo import (
    ArgumentBinder,
    check_identifiable,
    code_version,
    entry_prefix,
    function_identity,
)
from .hashing import closure_digest, positional_key, positional_plan, prime_head
from .namedprefix import named_prefix
from .record import Record
from .recorded import readable
from .shelved import StoredResult, shelved_call
from .storepath import (
    default_store_path,
    resolve_store_path,
    store_anchor,
    warn_named_like_module,
)

# the wrappers whose closure each thread is keying now (see archived._closure_identity)
_KEYING = threading.local()

__all__ = ["archived", "CachedFunction", "default_store_path"]

P = ParamSpec("P")
P2 = ParamSpec("P2")
R = TypeVar("R")
S = TypeVar("S")

_OPTIONS = (
    "name",
    "ignore",
    "version",
    "locking",
    "timeout",
    "lock_timeout",
    "durable",
    "compress",
    "mmap_mode",
)


@overload
def archived(target: Callable[P, R], /) -> CachedFunction[P, R]: ...
@overload
def archived(
    target: str | os.PathLike[str] | None = None,
    /,
    *,
    name: str | None = None,
    ignore: Iterable[str] = (),
    version: str | None = None,
    locking: str | None = None,
    timeout: float = 60,
    lock_timeout: float | None = None,
    durable: bool = True,
    compress: Any = None,
    mmap_mode: str | None = None,
    **parameters: Any,
) -> Archived: ...


def archived(target: Any = None, /, **kwargs: Any) -> Any:
    """Cache a function's calls in a DataSet, or record a block; see the module docs.

    ``@archived`` (bare) or ``@archived(path, ...)`` decorates a function; the options:

    * ``name``: the function's identity in the store (default: module and qualified
      name), for a function redefined in notebook cells, or one that moved: given its
      old identity (``name="experiment.simulate"``, as ``ls -l`` shows it) it finds the
      results it made before (:mod:`archived.cache.namedprefix`);
    * ``ignore``: parameter names left out of the key (only those that cannot change
      the result: a logger, a progress bar);
    * ``version``: pin the code version (default: a digest of the source);
    * ``locking``: ``"fcntl"`` or ``"soft"`` (lock files, for NFS and the like;
      default: the kind the store records, ``"fcntl"`` for a new one);
    * ``timeout``: seconds to wait for the store's lock when committing;
    * ``lock_timeout``: seconds to wait while another worker computes the same call;
    * ``durable``: fsync every entry before the call returns (a sweep: before it
      returns); ``False``: atomic but not power-cut safe;
    * ``compress``: write big arrays through HDF5's zlib filter (``True`` or a level);
    * ``mmap_mode``: ``"r"`` returns big arrays on a hit as read-only memory maps.

    ``with archived(path, **parameters) as rec:`` records a block: there every keyword
    but ``name`` is a parameter of the block.

    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> with archived(os.path.join(folder, "blocks"), n=3) as rec:
    ...     if not rec.cached:
    ...         rec.result = list(range(rec.parameters["n"]))
    >>> rec.result
    [0, 1, 2]
    """
    if callable(target) and not isinstance(target, (str, os.PathLike)):
        if kwargs:
            raise TypeError("use @archived(path, option=...) to give options, not both forms")
        return CachedFunction(target)
    if target is not None and not isinstance(target, (str, os.PathLike)):
        raise TypeError(
            f"archived() takes a store path (str or os.PathLike) or a function, not "
            f"{type(target).__name__}"
        )
    return Archived(target, kwargs)


# help() and inspect show the options (the implementation takes **kwargs so that, in a
# with statement, every keyword but name can be a parameter of the block)
archived.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        inspect.Parameter("target", inspect.Parameter.POSITIONAL_ONLY, default=None),
        *(
            inspect.Parameter(option, inspect.Parameter.KEYWORD_ONLY, default=default)
            for option, default in (
                ("name", None),
                ("ignore", ()),
                ("version", None),
                ("locking", None),
                ("timeout", 60),
                ("lock_timeout", None),
                ("durable", True),
                ("compress", None),
                ("mmap_mode", None),
            )
        ),
        inspect.Parameter("parameters", inspect.Parameter.VAR_KEYWORD),
    ]
)


class Archived:
    """What ``archived(path, **kwargs)`` returns: a decorator, or a context manager.

    Applied to a function, ``kwargs`` are options (``ignore``, ``version``, ``locking``,
    ``timeout``, ``lock_timeout``, ``durable``, ``compress``, ``mmap_mode``); entered
    with ``with``, they are the block's parameters.

    >>> import tempfile, os
    >>> deco = archived(os.path.join(tempfile.mkdtemp(), "s"), version="1")
    >>> double = deco(lambda x: 2 * x)
    >>> double(4), double.version
    (8, '1')
    """

    def __init__(self, path: str | os.PathLike[str] | None, kwargs: dict[str, Any]) -> None:
        self.path = path
        self.kwargs = kwargs
        self._record: Record | None = None

    def __call__(self, func: Callable[P, R]) -> CachedFunction[P, R]:
        unknown = sorted(set(self.kwargs) - set(_OPTIONS))
        if unknown:
            raise TypeError(
                f"unknown option(s) {', '.join(map(repr, unknown))} for @archived; "
                f"options are {', '.join(_OPTIONS)}"
            )
        if not callable(func):
            raise TypeError(f"@archived decorates a function, not {type(func).__name__}")
        return CachedFunction(func, self.path, **self.kwargs)

    def __enter__(self) -> Record:
        if self.path is None:
            raise TypeError("with archived(path, **parameters): give the store path")
        parameters = dict(self.kwargs)
        name = parameters.pop("name", None)
        options = [option for option in _OPTIONS if option in parameters]
        if options:  # keyed, so never wrong, but the option the user meant is not applied
            warnings.warn(
                f"with archived(path, {options[0]}=...): in a with block every keyword but "
                f"name is a parameter, so {', '.join(map(repr, options))} is keyed as one and "
                "not used as an option; to give a block options, call "
                "archived.record(path, {parameters...}, option=...)",
                UserWarning,
                stacklevel=2,
            )
        self._record = Record(self.path, parameters, name=name)
        return self._record.__enter__()

    def __exit__(self, *exc: Any) -> None:
        if self._record is not None:
            self._record.__exit__(*exc)


class CachedFunction(Generic[P, R]):
    """A function whose calls are stored in a DataSet; made by ``@archived``.

    It keeps the decorated function's parameters and return type for type checkers:
    ``CachedFunction[P, R]`` is called as the function is, and returns what it does.

    Attributes:
        dataset: the :class:`~archived.store.dataset.DataSet` holding the results.
        identity: ``"<module>.<qualname>"``; version: the code version in the keys.

    It pickles by reference (module and name) when it is reachable that way, so joblib
    workers import it rather than receive a copy; it holds paths only, never open files.

    >>> import tempfile, os
    >>> @archived(os.path.join(tempfile.mkdtemp(), "store"), ignore=("verbose",))
    ... def total(xs, verbose=False):
    ...     return sum(xs)
    >>> total([1, 2]), total([1, 2], verbose=True), len(total.dataset)
    (3, 3, 1)
    """

    # (names, positional_plan) when a call may give every parameter by position
    _positional: tuple[tuple[str, ...], Any] | None = None
    # (code, names, positional_plan, identity, version) of the straight line (see
    # __call__), one tuple replaced whole: a call in another thread reads all of them
    # of one code, never the parameters of one and the version of another
    _straight: tuple[Any, tuple[str, ...], Any, str, str] | None = None

    def __init__(
        self,
        func: Callable[P, R],
        path: str | os.PathLike[str] | None = None,
        *,
        name: str | None = None,
        ignore: Iterable[str] = (),
        version: str | None = None,
        locking: str | None = None,
        timeout: float = 60,
        lock_timeout: float | None = None,
        durable: bool = True,
        compress: Any = None,
        mmap_mode: str | None = None,
    ) -> None:
        check_identifiable(func)
        if inspect.isgeneratorfunction(func) or inspect.iscoroutinefunction(func):
            raise TypeError(
                f"@archived cannot cache {function_identity(func)!r}: it returns a "
                "generator or coroutine, not a result; return a list or the awaited value"
            )
        declared = unstorable_annotation(func)
        if declared is not None:  # refused now, not after every computation
            annotation = inspect.signature(func).return_annotation
            raise UnarchivableError(
                str(getattr(annotation, "__qualname__", annotation)),
                f"the result of {function_identity(func)}",
                declared,
            )
        if isinstance(ignore, str):
            ignore = (ignore,)
        self.func = func
        self.ignore = tuple(ignore)
        self._target: Any = inspect.unwrap(func)
        self._bind_signature()
        self._check_ignore()
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise TypeError(f"name= gives a function's identity: a non-empty str, not {name!r}")
        self._warned_closure = False
        self._base = function_identity(func) if name is None else name
        self.identity = self._base + closure_digest(func, self)
        self.version = str(version) if version is not None else code_version(func)
        # the code the key was made for: a tool that swaps new code into this function
        # object (IPython's %autoreload does, after an edit) makes it compute other results
        self._code = getattr(self._target, "__code__", None)
        self._given = (name, version)
        self._publish()
        if self._positional is not None:
            prime_head(self._identity, self._version)  # (what every key begins with)
        if path is None:
            store_path = default_store_path(func)
        else:
            store_path = resolve_store_path(path, store_anchor(func, path))
            warn_named_like_module(func, store_path)
        self.store = CallStore(
            store_path,
            locking=locking,
            timeout=timeout,
            lock_timeout=lock_timeout,
            durable=durable,
            compress=compress,
            mmap_mode=mmap_mode,
        )
        self.prefix = entry_prefix(getattr(func, "__qualname__", "function"))
        if name is not None:  # a moved function named as before finds its old entries
            self.prefix = named_prefix(self.store.path, name, self.prefix, self._holds_calls)
        functools.update_wrapper(self, func)
        self.__doc__ = _documented(func, self.store.path)

    def _holds_calls(self, prefix: str) -> bool:
        """Whether the store holds calls of this function under the entry-name ``prefix``
        (read from its index: see :func:`~archived.cache.namedprefix.named_prefix`)."""
        identity = self.identity
        try:
            return any(function == identity for function in self.store.functions(prefix))
        except (OSError, ArchiveError):  # unreadable: the name's prefix, as before
            return False

    @property
    def identity(self) -> str:
        """The function's identity in its calls' keys (see :func:`function_identity`),
        with the values of the variables a nested function closes over as they are now."""
        self._follow_code()
        return self._closure_identity() if self._closed else self._identity

    @identity.setter
    def identity(self, value: str) -> None:
        self._identity = value
        self._publish()

    @property
    def version(self) -> str:
        """The code version in its calls' keys: of the code the function runs now."""
        self._follow_code()
        return self._version

    @version.setter
    def version(self, value: str) -> None:
        self._version = value
        self._publish()

    def _bind_signature(self) -> None:
        """Bind calls by the signature the function has now, and remember its defaults
        (see :meth:`_follow_code`)."""
        func, target = self.func, self._target
        self.signature = inspect.signature(func)
        self._binder = binder = ArgumentBinder(self.signature)
        # (the defaults as they are: a new tuple, or a keyword default set, is a change)
        self._defaults = _defaults_of(target)
        # a nested function's closure is keyed as it is at each call (see identity)
        self._closed = bool(getattr(func, "__closure__", None))
        self._closure_names = tuple(getattr(getattr(func, "__code__", None), "co_freevars", ()))
        # a call giving every parameter by position is keyed straight (see __call__)
        self._positional = None
        if binder.all_positional and not self.ignore and not self._closed:
            self._positional = (tuple(binder.names), positional_plan(binder.names))

    def _follow_code(self) -> None:
        target = self.__dict__.get("_target")
        if target is None:
            return
        if not _same_defaults(self._defaults, _defaults_of(target)):
            # new defaults (%autoreload copies them in with the code, or set by hand):
            # a call leaving a parameter out runs with the new value, so it binds it
            self._bind_signature()
            self._publish()
        code = getattr(target, "__code__", None)
        if code is self._code:
            return
        # swapped in place: key what runs now, by its parameters (they may be others)
        self._bind_signature()
        name, version = self._given
        if name is None:
            self._base = function_identity(self.func)
            self._identity = self._base + closure_digest(self.func, self)
        if version is None:
            self._version = code_version(self.func)
        # last: a call in another thread takes the straight line (see __call__) only once
        # the code is this one, and then keys it by all of the above, never by the
        # version or parameters of the code before
        self._code = code
        self._publish()

    def _publish(self) -> None:
        """Give the straight line (see __call__) the code, parameters, identity and
        version the function has now, in one tuple."""
        positional = self._positional
        if positional is None or "_code" not in self.__dict__:
            self._straight = None
        else:
            names, plan = positional
            self._straight = (self._code, names, plan, self._identity, self._version)

    def _closure_identity(self) -> str:
        """The identity with the closure's values as they are now: ``s = 5`` in the
        enclosing function, or a change to a list it closes over, after a call makes the
        nested function compute other results, so its calls are other calls."""
        base = self._base
        keying = _KEYING.__dict__.setdefault("wrappers", set())
        if id(self) in keying:  # nested functions closing over each other: no cycle
            return base
        keying.add(id(self))
        try:
            return base + closure_digest(self.func, self)
        finally:
            keying.discard(id(self))

    # ---- calling --------------------------------------------------------------------

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        straight = self._straight  # (read once: see _publish)
        if (
            straight is not None
            and not kwargs
            and len(args) == len(straight[1])
            and getattr(self._target, "__code__", None) is straight[0]
        ):
            # every parameter given by position, none ignored, no closure, the code the
            # same: keyed and looked up straight (the same key, record and comparison
            # as below; a process's first hit pays for every Python function it runs)
            _, names, plan, identity, version = straight
            key = positional_key(identity, version, plan, args)
            if key is not None:  # scalars only: recorded as they are (see key_call)
                parameters = dict(zip(names, args))  # noqa: B905 (one length: checked)
                hit, found = self.store.plain_hit(self.prefix, key, parameters)
                if hit:
                    return found  # type: ignore[no-any-return]
                call = CallKey(identity, version, self.prefix, key, dict(parameters), parameters)
                return cached_call(
                    self.store, call, lambda: self.func(*args, **kwargs), missing=found
                )
        call = self._call_key(args, kwargs)
        if not self._closed:
            return cached_call(self.store, call, lambda: self.func(*args, **kwargs))
        return cached_call(self.store, call, lambda: self._run_closed(call, args, kwargs))

    def _run_closed(self, call: CallKey, args: Any, kwargs: Any) -> Any:
        """Run a nested function, and warn once if it changed what it closes over: its
        result is stored under the key of the values it started with, which the next call
        no longer has."""
        result = self.func(*args, **kwargs)
        if not self._warned_closure and self._closure_identity() != call.identity:
            self._warned_closure = True
            changed = ", ".join(self._closure_names) or "its closure"
            warnings.warn(
                ClosureChangedWarning(
                    f"{self._base} changed a variable it closes over ({changed}) while it "
                    "ran; their values are part of its calls' keys, so the next call is "
                    "another call and will not find this result. Keep state such as a "
                    "list of calls or a counter outside the function (a module global)."
                ),
                stacklevel=user_stacklevel(),
            )
        return result

    def call_key(self, *args: P.args, **kwargs: P.kwargs) -> CallKey:
        """The key of a call and its parameters as recorded (nothing is run or read).

        >>> import tempfile, os
        >>> f = archived(os.path.join(tempfile.mkdtemp(), "s"))(lambda x, y=2: x)
        >>> call = f.call_key(1)
        >>> call.parameters, len(call.key), call.key == f.call_key(x=1, y=2).key
        ({'x': 1, 'y': 2}, 32, True)
        """
        return self._call_key(args, kwargs)

    def _call_key(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> CallKey:
        # (the arguments as the call packed them: not packed again on every call)
        self._follow_code()  # once: the two properties would each check the code
        identity = self._closure_identity() if self._closed else self._identity
        return key_call(identity, self._version, self.prefix, self._bind(args, kwargs))

    def __archived_key__(self) -> tuple[str, str]:
        """A cached function passed as an argument is keyed by identity and version."""
        return (self.identity, self.version)

    def bind(self, *args: P.args, **kwargs: P.kwargs) -> dict[str, Any]:
        """The call's parameters: arguments bound to the signature, defaults applied,
        ignored names left out.

        >>> import tempfile, os
        >>> @archived(os.path.join(tempfile.mkdtemp(), "s"))
        ... def f(x, y=2, *rest, **options):
        ...     return x
        >>> f.bind(1)
        {'x': 1, 'y': 2, 'rest': (), 'options': {}}
        >>> f.bind(x=1, y=3, z=4)
        {'x': 1, 'y': 3, 'rest': (), 'options': {'z': 4}}
        """
        return self._bind(args, kwargs)

    def _bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        parameters = self._binder(args, kwargs)
        for name in self.ignore:
            parameters.pop(name, None)
        return parameters

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> CachedFunction[P, R]: ...
    @overload
    def __get__(
        self: CachedFunction[Concatenate[S, P2], R], instance: S, owner: type | None = None
    ) -> Callable[P2, R]: ...

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        return types.MethodType(self, instance)

    # ---- looking at what is stored ----------------------------------------------------

    @property
    def dataset(self) -> Any:
        """The DataSet holding this function's results (opened for writing).

        >>> import tempfile, os
        >>> f = archived(os.path.join(tempfile.mkdtemp(), "s"))(lambda x: x)
        >>> f(2), [f.dataset[name]["parameters"] for name in f.dataset]
        (2, [{'x': 2}])
        """
        return self.store.dataset

    def is_cached(self, *args: P.args, **kwargs: P.kwargs) -> bool:
        """Whether the result of this call is stored, so that calling loads it (nothing is
        run, loaded or changed on disk): an entry found damaged answers False, where the
        call sets it aside and computes.

        >>> import tempfile, os
        >>> f = archived(os.path.join(tempfile.mkdtemp(), "s"))(lambda x: x)
        >>> f.is_cached(1), f(1), f.is_cached(1)
        (False, 1, True)
        """
        return is_stored(self.store, self.call_key(*args, **kwargs))

    check_call_in_cache = is_cached

    def call_and_shelve(self, *args: P.args, **kwargs: P.kwargs) -> StoredResult:
        """Store this call's result, computing it as calling the function does unless it
        is stored, and return a handle whose ``load()`` reads it from the store: joblib's
        ``f.call_and_shelve(x).get()`` is ``f.call_and_shelve(x).load()``.  A stored
        call is not loaded, and a joblib worker sends back the handle, not the result.
        Nothing is written but the call's entry (no sweep record); a result that could not
        be stored is kept in the handle, with the warning calling gives.

        >>> import tempfile, os
        >>> f = archived(os.path.join(tempfile.mkdtemp(), "s"))(lambda x: [x] * 3)
        >>> handle = f.call_and_shelve(2)
        >>> handle.parameters, handle.load(), f.is_cached(2)
        ({'x': 2}, [2, 2, 2], True)
        """
        call = self._call_key(args, kwargs)
        again = functools.partial(self, *args, **kwargs)  # for an entry found damaged
        found = self._shelved(call)
        if found is not None and found.hit:
            return self._handle(found, call, again)
        if self._closed:
            value = cached_call(self.store, call, lambda: self._run_closed(call, args, kwargs))
        else:
            value = cached_call(self.store, call, lambda: self.func(*args, **kwargs))
        try:
            found = self._shelved(call)
        except StoreReadError:  # (a failing disk: the result computed is never lost)
            return StoredResult(None, None, call.parameters, value)
        if found is not None and found.hit:
            return self._handle(found, call, again)
        return StoredResult(None, None, call.parameters, value)  # not stored: kept here

    def _handle(self, found: Found, call: CallKey, again: Callable[[], Any]) -> StoredResult:
        """The handle :meth:`call_and_shelve` returns of ``call``, stored where ``found``
        says; ``again``: the call, made if its entry is found damaged at load."""
        return StoredResult(
            self.store, found.name, call.parameters, call=shelved_call(found, call), again=again
        )

    def _shelved(self, call: CallKey) -> Found | None:
        """Where ``call`` is stored, for :meth:`call_and_shelve`; None where its entry's
        record is damaged: the call protocol sets it aside and computes (a damaged entry
        kept in place, which could not be moved, holds no result for the handle)."""
        try:
            return self.store.find(call.prefix, call.key, call.parameters, call.recorded_before)
        except DamagedEntryError:
            return None

    def __iter__(self) -> Iterator[tuple[dict[str, Any], StoredCall]]:
        """Yield ``(parameters, result)`` for every stored call of the current version;
        ``result`` is a :class:`~archived.cache.callstore.StoredCall`: call it (or its ``load()``)
        to load the value.

        >>> import tempfile, os
        >>> f = archived(os.path.join(tempfile.mkdtemp(), "s"))(lambda x: x * 10)
        >>> _ = f(1), f(2)
        >>> sorted((p["x"], result()) for p, result in f)
        [(1, 10), (2, 20)]
        """
        for call in self.calls():
            yield call.parameters, call

    def calls(self) -> list[StoredCall]:
        """The stored calls of the current code version.

        >>> import tempfile, os
        >>> f = archived(os.path.join(tempfile.mkdtemp(), "s"))(lambda x: [x])
        >>> _ = f(1)
        >>> [(c.parameters, c.load(), c.info["status"]) for c in f.calls()]
        [({'x': 1}, [1], 'ok')]
        """
        return self.store.call_columns(self.identity, self.prefix, version=self.version).calls()

    def failures(self) -> list[StoredCall]:
        """The recorded failed calls of the current version (their info has ``error``,
        ``message``, ``traceback``, ``duration``).

        >>> import tempfile, os
        >>> f = archived(os.path.join(tempfile.mkdtemp(), "s"))(lambda x: 1 / x)
        >>> try:
        ...     f(0)
        ... except ZeroDivisionError:
        ...     pass
        >>> [(c.parameters, c.info["error"]) for c in f.failures()]
        [({'x': 0}, 'ZeroDivisionError')]
        """
        return [
            c
            for c in self.store.calls(self.identity, self.prefix, status="failed")
            if record_text(c.brief, "version") == self.version
        ]

    def stale(self) -> list[StoredCall]:
        """Stored calls (results and failures) made by other versions of the code.

        >>> import tempfile, os
        >>> store = os.path.join(tempfile.mkdtemp(), "s")
        >>> def f(x):
        ...     return x
        >>> archived(store, version="1")(f)(5)
        5
        >>> new = archived(store, version="2")(f)
        >>> [(c.parameters, c.info["version"]) for c in new.stale()]
        [({'x': 5}, '1')]
        """
        return [
            c
            for status in ("ok", "failed")
            for c in self.store.calls(self.identity, self.prefix, status=status)
            if record_text(c.brief, "version") != self.version
        ]

    def table(self, *, details: bool = False, frame: bool | None = None, **criteria: Any) -> Any:
        """Parameters and scalar results of the stored calls (current version) as a pandas
        DataFrame, or a list of dicts without pandas; see :mod:`archived.store.table`.

        >>> import tempfile, os
        >>> f = archived(os.path.join(tempfile.mkdtemp(), "s"))(lambda x: x + 1)
        >>> _ = f(1)
        >>> f.table(frame=False)
        [{'x': 1, 'result': 2}]
        """
        from ..store.table import function_table

        table = function_table(self, details=details, frame=frame, **_as_recorded(criteria))
        if not len(table):  # after an edit or a move, say where the results are
            note_other_calls(self)
        return table

    def where(self, **criteria: Any) -> list[StoredCall]:
        """The stored calls (current version) whose parameters match ``criteria`` (values
        or predicates); see :func:`archived.store.table.where`.

        >>> import tempfile, os
        >>> f = archived(os.path.join(tempfile.mkdtemp(), "s"))(lambda mu: 2 * mu)
        >>> _ = f(1.2), f(3.0)
        >>> [c.load() for c in f.where(mu=1.2)]
        [2.4]
        """
        from ..store.table import where

        found = where(self, **_as_recorded(criteria))
        if not found:  # after an edit or a move, say where the results are
            note_other_calls(self)
        return found

    def prune_stale(self) -> int:
        """Delete the entries of other code versions; return how many were deleted.
        The records of their sweeps go with them once none of a sweep's points is
        stored (``ls --status`` showed such a grid as all missing).  A function typed
        at a prompt or in a notebook cell is keyed by its code, so an edited cell's
        earlier calls are another function's: a ``UserWarning`` names the command that
        deletes them.

        >>> import tempfile, os
        >>> store = os.path.join(tempfile.mkdtemp(), "s")
        >>> def f(x):
        ...     return x
        >>> archived(store, version="1")(f)(5)
        5
        >>> new = archived(store, version="2")(f)
        >>> new.prune_stale(), new.stale()
        (1, [])
        """
        stale = self.stale()
        self._remove([call.name for call in stale])
        _note_other_definitions(self)
        return len(stale)

    def clear(self, warn: bool = True) -> int:
        """Delete every stored call of this function (all versions, failures too) and
        the records of its sweeps left with no point stored; other entries of the store
        are kept.  Returns how many calls were deleted.  A function typed at a prompt or
        in a notebook cell is keyed by its code: the calls of its earlier definitions
        (an edited cell) are another function's, kept, and a ``UserWarning`` names the
        command that deletes them; ``warn=False`` (joblib's ``clear(warn=False)``)
        leaves that warning out, and deletes the same.

        >>> import tempfile, os
        >>> f = archived(os.path.join(tempfile.mkdtemp(), "s"))(lambda x: x)
        >>> _ = f(1), f(2)
        >>> f.clear(), f.is_cached(1), f.clear(warn=False)
        (2, False, 0)
        """
        calls = [
            c
            for status in ("ok", "failed")
            for c in self.store.calls(self.identity, self.prefix, status=status)
        ]
        self._remove([call.name for call in calls])
        if warn:
            _note_other_definitions(self, "clear() deletes only the calls of")
        return len(calls)

    def _remove(self, names: list[str]) -> None:
        """Delete the entries ``names``, then the sweep records none of whose points is
        stored any more (one with a point stored meanwhile stays)."""
        from .sweeprecords import sweeps_emptied_by

        # (a failure once some are deleted says so: "nothing was changed" was untrue)
        with deleting(self.store.path, len(names)) as deleted:
            with one_look(self.store.path):  # (the store listed once, not at each deletion)
                for name in names:
                    self.store.remove(name)
                    deleted.append(name)
            if names:
                # decided after the deletion: a point stored again meanwhile (a sweep
                # running beside this) keeps its record
                for record in sweeps_emptied_by(self.store.dataset, names, deleted=True):
                    self.store.remove(record)

    # ---- pickling ------------------------------------------------------------------

    def __reduce__(self) -> Any:
        module = getattr(self.func, "__module__", None)
        qualname = getattr(self.func, "__qualname__", "")
        if module and module != "__main__" and _lookup_or_none(module, qualname) is self:
            return (_lookup, (module, qualname))
        identity = (self.identity, self.version, self.prefix)
        code = getattr(inspect.unwrap(self.func), "__code__", None)
        filename = code.co_filename if code is not None else None
        rebuilt = (self.func, self.store, self.ignore, identity, filename)
        if module == "__main__" and _lookup_or_none(module, qualname) is self:
            # a script's function: plain pickle (joblib's multiprocessing backend, under
            # Parallel(...)(delayed(f)(x) ...) as under sweep) pickles self.func by name
            # and fails (__main__.f is this wrapper, not that function); sent by name for
            # a worker that has the script's __main__, by value (cloudpickle) for others;
            # pickled anew each time, with the globals it reads as they are now
            return (_main_or_rebuilt, (qualname, _by_value(rebuilt)))
        return (_rebuild, rebuilt)

    def __repr__(self) -> str:
        return f"<archived function {self.identity} in {self.store.path!r}>"

    def _check_ignore(self) -> None:
        params = self.signature.parameters
        takes_kwargs = any(p.kind is p.VAR_KEYWORD for p in params.values())
        for name in self.ignore:
            if name not in params and not takes_kwargs:
                raise TypeError(
                    f"ignore={self.ignore!r}: {name!r} is not a parameter of "
                    f"{function_identity(self.func)}; its parameters are "
                    f"{', '.join(params) or 'none'}"
                )


def _defaults_of(target: Any) -> tuple[Any, dict[str, Any] | None, tuple[Any, ...]]:
    """The default values of ``target``'s parameters as it has them now: its tuple of
    positional defaults, and its dict of keyword-only ones with their values (a dict
    that may change in place)."""
    keyword = getattr(target, "__kwdefaults__", None)
    return getattr(target, "__defaults__", None), keyword, tuple((keyword or {}).items())


def _same_defaults(before: tuple[Any, Any, tuple[Any, ...]], now: tuple[Any, ...]) -> bool:
    """Whether two :func:`_defaults_of` hold the same objects under the same names (never
    compared with ``==``: a default's own comparison may be anything, a numpy array's
    raises)."""
    if before[0] is not now[0] or before[1] is not now[1] or len(before[2]) != len(now[2]):
        return False
    return all(a[0] == b[0] and a[1] is b[1] for a, b in zip(before[2], now[2], strict=True))


def _note_other_definitions(
    func: CachedFunction[..., Any], deletes: str = "prune_stale() deletes only older versions of"
) -> None:
    """Warn when the store holds calls of other definitions of a function typed at a
    prompt or in a notebook cell: each is keyed by its code, so an edited cell is another
    function, whose calls ``prune_stale()`` and ``clear()`` leave (a module's function
    has versions); ``deletes`` says what the method deleted."""
    base, mark, _ = func.identity.partition("#")
    if not mark or "<lambda>" in base:
        return
    others: dict[str, int] = {}
    for identity in func.store.functions(func.prefix):
        if identity != func.identity and identity.partition("#")[0] == base:
            others[identity] = others.get(identity, 0) + 1
    if not others:
        return
    calls, first = sum(others.values()), sorted(others)[0]
    more = len(others) - 1
    warnings.warn(
        f"{deletes} this definition of {base}: the "
        f"store keeps {calls} call{'s' * (calls > 1)} of {len(others)} other "
        f"definition{'s' * (len(others) > 1)} typed at a prompt or in a notebook cell (an "
        "edited cell is another function, keyed by its code); delete them with: archived "
        f"prune {shlex.quote(func.store.path)} --function {shlex.quote(first)} --yes"
        + (f" (and so for the {more} other{'s' * (more > 1)} ls -l lists)" if more else "")
        + ", or define the function in a module, whose edits are versions",
        UserWarning,
        stacklevel=user_stacklevel(),
    )


def _lookup_or_none(module: str, qualname: str) -> Any:
    obj: Any = sys.modules.get(module)
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    return obj


def _lookup(module: str, qualname: str) -> Any:
    import importlib

    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _by_value(rebuilt: tuple[Any, ...]) -> bytes:
    """``_rebuild``'s arguments pickled by cloudpickle (the function by value)."""
    try:
        import cloudpickle  # joblib's own dependency since 1.5
    except ImportError:
        from joblib.externals import cloudpickle  # type: ignore[no-redef]

    return cloudpickle.dumps(rebuilt)  # type: ignore[no-any-return]


def _main_or_rebuilt(qualname: str, payload: bytes) -> Any:
    """The script's ``@archived`` function ``qualname`` in this process's ``__main__``
    (a worker forked from the script, or one that imported it as ``__mp_main__``), or
    the function sent by value (any other worker)."""
    found = _lookup_or_none("__main__", qualname)
    if isinstance(found, CachedFunction):
        return found
    import pickle

    return _rebuild(*pickle.loads(payload))  # noqa: S301 - made by the __reduce__ above


def _rebuild(
    func: Callable[..., Any],
    store: CallStore,
    ignore: tuple[str, ...],
    identity: tuple[str, str, str],
    filename: str | None = None,
) -> CachedFunction[..., Any]:
    # identity travels with the pickle: a worker that received ``func`` by value (from a
    # script's __main__) could not work out the same module name by itself
    target = inspect.unwrap(func)
    code = getattr(target, "__code__", None)
    if filename and code is not None and code.co_filename == _SENT_BY_VALUE:
        # cloudpickle names the file of code it sends by value '<dynamic-code>': the
        # user's warnings and the tracebacks of a failing point would name no file, and
        # show no line, of theirs.  The same code, its file named again
        target.__code__ = _named_file(code, filename)
    cached = CachedFunction.__new__(CachedFunction)
    cached.func = func
    cached.signature = inspect.signature(func)
    cached._binder = ArgumentBinder(cached.signature)
    cached.ignore = ignore
    cached.identity, cached.version, cached.prefix = identity
    cached._closed = False  # the closure's values travelled with func, keyed as sent
    cached.store = store
    functools.update_wrapper(cached, func)
    return cached


# the file name cloudpickle gives the code of a function it sends by value
_SENT_BY_VALUE = "<dynamic-code>"


def _named_file(code: types.CodeType, filename: str) -> types.CodeType:
    """``code``, and the code nested in it (its functions, lambdas, comprehensions), with
    the file name ``filename`` where cloudpickle wrote its placeholder.

    >>> code = compile("lambda: 1", "<dynamic-code>", "eval")
    >>> [c.co_filename for c in (code, _named_file(code, "run.py"))]
    ['<dynamic-code>', 'run.py']
    """
    consts = tuple(
        _named_file(c, filename)
        if isinstance(c, types.CodeType) and c.co_filename == _SENT_BY_VALUE
        else c
        for c in code.co_consts
    )
    return code.replace(co_filename=filename, co_consts=consts)


def _documented(func: Callable[..., Any], store: str) -> str:
    """``func``'s docstring, then what ``@archived`` added to it: ``help(f)`` shows the
    docstring of the wrapper, and without this nothing there told of ``f.table()``."""
    name = getattr(func, "__name__", "f")
    added = textwrap.fill(
        f"Its calls are stored by @archived in {store}: {name}.table() and "
        f"{name}.where(**parameters) list the stored calls of this code version, "
        f"{name}.stale() those of earlier versions, {name}.is_cached(...) tells whether a "
        f"call is stored, {name}.failures() lists the calls that raised; "
        f"{name}.prune_stale() and {name}.clear() delete entries. See "
        "help(archived.CachedFunction).",
        width=76,
        break_on_hyphens=False,
        break_long_words=False,
    )
    own = inspect.getdoc(func) if func.__doc__ else None
    return added if not own else f"{own}\n\n{added}"


def _as_recorded(criteria: dict[str, Any]) -> dict[str, Any]:
    """Criteria of ``where``/``table`` as the parameters are recorded: an array or an
    object is kept as its description (content key, ``Config(L=8)``), so a criterion
    given as the value itself is compared by its description, not with ``==`` against a
    string (never equal, or numpy's ambiguous-truth error).  Predicates stay as they are.
    """
    return {name: want if callable(want) else readable(want) for name, want in criteria.items()}
