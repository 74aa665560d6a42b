"""What every command shares: the program's name, usage errors, opening the store a
command names, and the hints that say how to load what a safe load refused.
"""

from __future__ import annotations

import argparse
import importlib.machinery
import os
import stat
import sys
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import ArchiveError, StoreNotFoundError, StoreReadError, is_read_failure
from ..load.usermodules import IN_STORE, asked_by_code_of, working_directory
from . import jsondoc

PROG = "archived"


class UsageError(Exception):
    """Bad arguments found after parsing (exit code 2)."""


TRUST_NOTE = (
    "Entries are loaded safely unless --trust is given: their source is checked and "
    "never executed. With --trust, ls, show, verify, repair, export and prune execute "
    "the Python source of every entry they read: use it only for stores you trust. "
    "(prune --function MODULE:NAME imports your module MODULE, trusted or not.)"
)


def open_store(path: str, *, safe: bool = False, allow: Sequence[str] = ()) -> Any:
    """Open the store at ``path`` read-only (``StoreNotFoundError`` if there is none).

    ``safe=True`` loads its entries without executing them (``allow``: extra trusted
    modules), as every command does unless ``--trust`` is given.

    >>> open_store("/no/such/store")
    Traceback (most recent call last):
        ...
    archived.errors.StoreNotFoundError: no DataSet at '/no/such/store' (open it ...)
    """
    from ..store.dataset import DataSet

    folder = os.path.abspath(path)
    name = os.path.basename(folder)
    if not _has_loader(folder):
        inside = _stores_in(folder)
        if inside:
            raise ArchiveError(
                f"{path!r} is not a store but holds the stores {', '.join(inside[:5])}"
                f"{' ...' if len(inside) > 5 else ''}; "
                f"give one of them, e.g. {os.path.join(path, inside[0])!r}"
            )
        raise StoreNotFoundError(path)
    if safe and os.path.exists(os.path.join(folder, "_this_dir_is_a_DataSet")):
        raise ArchiveError(
            f"{path!r} is a persist store: its entries are programs that only run "
            "unchecked; pass --trust to run them (only if you trust the store)"
        )
    return DataSet(name, "r", path=os.path.dirname(folder), safe=safe, allow=tuple(allow))


def open_args(args: argparse.Namespace) -> Any:
    return open_store(args.path, safe=not args.trust, allow=args.allow or ())


def _has_loader(folder: str) -> bool:
    """Whether the folder ``folder`` given as a store holds a file ``__init__.py``; a
    ``stat`` the disk fails is :class:`~archived.errors.StoreReadError` (the user's store
    was "no store at" it, on a failing disk)."""
    init = os.path.join(folder, "__init__.py")
    try:
        return stat.S_ISREG(os.stat(init).st_mode)
    except OSError as err:
        if is_read_failure(err):
            raise StoreReadError.of(err, init) from err
        return False


def _stores_in(folder: str) -> list[str]:
    """The stores in the folders of ``folder`` (a hint for a folder given that is none):
    one whose loader cannot be read is left out, never failing the command over a store
    it was not given."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    from ..store.native import is_native_store

    def holds(name: str) -> bool:
        try:
            return is_native_store(os.path.join(folder, name))
        except StoreReadError:
            return False

    return [n for n in names if holds(n)]


def no_store(path: str) -> str:
    """Why ``path`` names no store, in the command line's words: no such directory, a
    directory or file that is no store, or an entry file given for its store.

    >>> no_store("/no/such/dir")
    "no store at '/no/such/dir': no such directory"
    """
    folder, file = os.path.split(os.path.abspath(path))
    stem, ext = os.path.splitext(file)
    in_store = os.path.isfile(os.path.join(folder, "__init__.py"))
    if ext == ".py" and in_store and os.path.isfile(path):
        return (
            f"{path!r} is the file of entry {stem!r}; give its store: "
            f"`{PROG} show {os.path.dirname(path) or os.curdir} {stem}`"
        )
    if os.path.isdir(path):
        return f"no store at {path!r}: the directory holds no store written by {PROG}"
    if os.path.lexists(path):
        return f"no store at {path!r}: a store is a directory, and this is a file"
    return f"no store at {path!r}: no such directory"


def inside(path: str, folder: str) -> bool:
    """Whether ``path`` is in the directory ``folder`` or below it (links resolved).

    >>> inside("/data/runs/x_0.py", "/data/runs"), inside("/data/runs.csv", "/data/runs")
    (True, False)
    """
    where = os.path.realpath(os.path.dirname(os.path.abspath(path)))
    top = os.path.realpath(folder).rstrip(os.sep)
    return where == top or where.startswith(top + os.sep)


def cwd_in(path: str) -> bool:
    """Whether the working directory is the folder ``path`` or inside it (links
    resolved; False if it was removed).

    >>> import os
    >>> cwd_in(os.getcwd()), cwd_in("/no/such/store")
    (True, False)
    """
    try:
        here = os.path.realpath(os.getcwd())
    except OSError:  # the working directory was removed
        return False
    store = os.path.realpath(path)
    return here == store or here.startswith(store.rstrip(os.sep) + os.sep)


def leave_store_off_sys_path(path: str | None) -> None:
    """Take the working directory off ``sys.path`` when it is the store ``path`` or a
    folder inside it: ``python -m archived`` puts it first, and a store someone sent may
    hold a ``numpy.py`` that the first ``import numpy`` of a safe load would run.

    >>> import os, sys, tempfile
    >>> store, saved = tempfile.mkdtemp(), list(sys.path)
    >>> here = os.getcwd()
    >>> os.chdir(store); sys.path.insert(0, store)
    >>> leave_store_off_sys_path(".")
    >>> store in sys.path
    False
    >>> os.chdir(here); sys.path[:] = saved
    """
    if not path:
        return
    store = os.path.realpath(path)
    try:
        here = os.path.realpath(os.getcwd())
    except OSError:  # the working directory was removed
        return
    if here == store or here.startswith(store.rstrip(os.sep) + os.sep):
        sys.path[:] = [p for p in sys.path if os.path.realpath(p or os.curdir) != here]


def find_user_modules_here(args: argparse.Namespace) -> None:
    """Let ``--allow MODULE`` and ``--trust`` import the user's own modules from the
    working directory, as ``python -m archived`` and ``prune --function`` do: the
    ``archived`` command (a script) leaves the working directory off ``sys.path``, so
    ``archived show --allow models STORE NAME`` run beside ``models.py`` said
    ``No module named 'models'``.  The directory goes last (an installed ``numpy``
    comes first), and never when it is the store or inside it (see
    :func:`leave_store_off_sys_path`).  With ``--allow`` alone, only the allowed modules
    are found there, and what their code imports there (any other module a safe load
    imports is an installed one).

    >>> import argparse, os, sys, tempfile
    >>> here, saved = os.getcwd(), list(sys.path)
    >>> sys.path[:] = [p for p in saved if p not in ("", ".")]  # no working directory
    >>> os.chdir(tempfile.mkdtemp())
    >>> find_user_modules_here(argparse.Namespace(path="store", allow=["models"], trust=True))
    >>> sys.path[-1] == os.path.realpath(os.getcwd())
    True
    >>> os.chdir(here); sys.path[:] = saved
    """
    if not (getattr(args, "allow", None) or getattr(args, "trust", False)):
        return
    try:
        here = os.path.realpath(os.getcwd())
    except OSError:  # the working directory was removed
        return
    path = getattr(args, "path", None)
    if path:
        store = os.path.realpath(path)
        if here == store or here.startswith(store.rstrip(os.sep) + os.sep):
            return
    if any(os.path.realpath(p or os.curdir) == here for p in sys.path):
        return
    if getattr(args, "trust", False):
        sys.path.append(here)  # (a trusted load runs the store's imports, whichever)
        return
    # only the allowed modules: with the folder on sys.path, a safe load whose entry
    # needs a library not installed here (pandas for a DataFrame) imported the folder's
    # pandas.py, code the user never allowed
    finder = _AllowedHere(here, {name.split(".")[0] for name in args.allow})
    if finder not in sys.meta_path:  # (main run again in one process)
        sys.meta_path.append(finder)


class _AllowedHere:
    """Finds the modules ``names`` (top-level names of ``--allow``) in the folder
    ``here``, and those that their code there imports (``import labunits`` in
    ``labmodels.py``: the user's code, trusted), no other: last on ``sys.meta_path``,
    after the installed ones."""

    def __init__(self, here: str, names: set[str]) -> None:
        self.here, self.names = here, frozenset(names)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _AllowedHere) and (other.here, other.names) == (
            self.here,
            self.names,
        )

    def __hash__(self) -> int:
        return hash((self.here, self.names))

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if path is not None:
            return None  # (a submodule is found through its package's __path__)
        if fullname not in self.names and not self._asked_by_allowed_code():
            return None
        import importlib.machinery

        return importlib.machinery.PathFinder.find_spec(fullname, [self.here])

    def _asked_by_allowed_code(self) -> bool:
        """Whether the import being found runs code of an allowed module of ``here``
        (its frame on the stack): not the safe load's own imports, which a crafted
        store's entries choose."""
        return asked_by_code_of(self.names, self.here)


def imported_file(spec: str, store: str) -> str | None:
    """The file that importing the module of ``spec`` (``MODULE`` or ``MODULE:NAME``) runs
    first, as ``prune STORE --function spec`` and ``--allow MODULE`` import it: its
    top-level module's, found as they find it (in the working directory first, unless
    that is the store, then on ``sys.path``) without importing anything; None when none
    is found or it is imported already (its import runs nothing more).

    >>> imported_file("no_such_module_here:run", "/no/such/store") is None
    True
    """
    top = spec.partition(":")[0].partition(".")[0]
    if not top.isidentifier() or top in sys.modules:  # (a name read from a store)
        return None
    cwd = working_directory()
    here = [] if cwd is None or cwd_in(store) else [cwd]
    places = [p for p in [*here, *sys.path] if type(p) is str]
    try:
        found = importlib.machinery.PathFinder.find_spec(top, places)
    except (ImportError, OSError, ValueError):
        return None
    if found is None:
        return None
    if found.has_location and type(found.origin) is str:
        return found.origin
    return next(iter(found.submodule_search_locations or ()), None)  # (a namespace)


def trust_hint(err: BaseException, args: argparse.Namespace) -> str:
    """How the command line loads what a safe load refused (its own option, not the API's)."""
    from ..errors import BesideStoreError, UnsafeArchiveError

    if not isinstance(err, UnsafeArchiveError) or getattr(args, "trust", True):
        return ""
    if IN_STORE in str(err):  # a store's file as a module: --trust would run it
        return ""
    if isinstance(err, BesideStoreError):
        if err.shadows is not None:  # named as an installed module: never the user's
            return ""
        return (
            f"\n(the store was read safely: `{PROG} {args.command} --allow {err.module}` "
            "imports that file, if it is your own module and you trust its code)"
        )
    # show prints (or with --json, writes) nothing of an entry whose value it refused:
    # its record alone needs no value
    alone = "; --no-value shows its info alone" if args.command == "show" else ""
    # the safe loader's advice, in the command line's words: the module it carries,
    # never one found in its message, which quotes the store's text (a string planted
    # in an entry made `show` advise --allow subprocess)
    if err.allow is not None:
        # the module is named by the store: a store someone sent may come with a file of
        # that name beside it, which --allow would run (found here, never imported)
        runs = imported_file(err.allow, getattr(args, "path", None) or os.getcwd())
        running = "" if runs is None else f" (it imports {runs!r})"
        return (
            f"\n(the entry was loaded safely: `{PROG} {args.command} --allow "
            f"{err.allow}` lets it rebuild that module's classes{running}, if it is your "
            "own module and you trust its code: the store may call any function of "
            f"it{alone})"
        )
    return (
        f"\n(the entry was loaded safely: `{PROG} {args.command} --trust` executes it "
        f"instead, which only a store you trust completely may be{alone})"
    )


def print_json(document: dict[str, Any]) -> int:
    print(jsondoc.dumps(document))
    return 0


def integrity_function(name: str) -> Callable[..., Any]:
    import importlib

    try:
        trust = importlib.import_module("archived.store.integrity")
    except ModuleNotFoundError as err:
        if err.name != "archived.store.integrity":
            raise
        raise ArchiveError(
            f"'{name}' is not available: this installation has no archived.store.integrity module"
        ) from None
    return getattr(trust, name)  # type: ignore[no-any-return]


def counted(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def is_block(function: str) -> bool:
    """Whether ``function`` is a recorded ``with`` block's identity (``block:...``), not
    a function's (:mod:`archived.cache.blockinfo`)."""
    return function.startswith("block:")
