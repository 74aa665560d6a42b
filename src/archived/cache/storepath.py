"""Where a relative store path points: next to the code, not wherever the script runs.

``@archived("results/runs")`` in ``~/project/experiment.py`` stores in
``~/project/results/runs`` whether the script is started from ``~/project``, from ``~``
or by a job scheduler in some other directory: a relative store path is taken relative
to the folder of the file that holds the code (the decorated function, or the ``with``
block), as an import would be: a script run through a symbolic link (linked into a run
folder) finds the store next to the file the link points to.  Absolute paths and ``~``
are taken as they are.

Code with no file (typed at a prompt, in a notebook cell, by ``exec``) has nothing to
be relative to but the working directory, which is what a notebook's folder is.  A
relative ``ARCHIVED_DIR`` is taken from the working directory too, like any path in an
environment variable.  :class:`~archived.store.dataset.DataSet` paths are plain paths,
relative to the working directory, as ``open()``'s.

archived 0.1 took relative store paths from the working directory.  When the store a
relative path names next to the code does not exist yet but one exists where 0.1 put it
(from the working directory), a :class:`~archived.errors.StorePathWarning` says so,
naming both, so no one recomputes a finished sweep without knowing why.

>>> import os
>>> resolve_store_path("results/runs", "/home/ada/project/experiment.py")
'/home/ada/project/results/runs'
>>> resolve_store_path("/data/runs", "/home/ada/project/experiment.py")
'/data/runs'
>>> resolve_store_path("runs", None) == os.path.abspath("runs")
True
"""

from __future__ import annotations

import functools
import inspect
import os
import warnings
from collections.abc import Callable
from typing import Any

from .._usercode import calling_line, user_stacklevel
from ..errors import (
    ArchiveError,
    InvalidNameError,
    StorePathWarning,
    StoreReadError,
    is_read_failure,
)
from ..store.native import installed_path, is_native_store
from .funcinfo import function_identity, interactive_code

__all__ = [
    "resolve_store_path",
    "code_file",
    "store_anchor",
    "default_store_path",
    "warn_named_like_module",
]


def default_store_path(func: Callable[..., Any]) -> str:
    """The store of a function decorated with bare ``@archived``:
    ``archived_results/<module>_results`` next to the file defining it, or
    ``$ARCHIVED_DIR/<module>_results``.

    The store is named apart from the module (``sim.py``'s functions keep their results
    in ``archived_results/sim_results``), so importing it to browse results, with
    ``archived_results`` on ``sys.path``, never takes the module's place, nor finds the
    module in the store's.  A store an earlier archived made under the module's own name
    (``archived_results/sim``) is kept and used while no ``sim_results`` exists beside it:
    move the folder to that name (nothing in a store names its folder) to import it.

    >>> import json
    >>> path = default_store_path(json.dumps)
    >>> path.endswith(os.path.join("json", "archived_results", "json_results"))
    True
    """
    module = function_identity(func).rsplit(".", len(func.__qualname__.split(".")))[0]
    name = module.replace(".", "_").strip("_") or "main"
    root = os.environ.get("ARCHIVED_DIR")
    if root:  # a path in an environment variable: relative to the working directory
        store = os.path.abspath(os.path.join(os.path.expanduser(root), f"{name}_results"))
    else:
        store = resolve_store_path(
            os.path.join("archived_results", f"{name}_results"), code_file(func)
        )
    earlier = os.path.join(os.path.dirname(store), name)
    if not _exists(store):
        # the results an earlier archived kept for this module's functions, if there:
        # which store is used turns on this look, so a loader there that cannot be read
        # is told (StoreReadError), never taken for no store and a new one made beside it
        # (unless it is another module's default store: a name ending in _results)
        if is_native_store(earlier) and not _another_modules(earlier, module):
            return earlier
        return store
    if not _holds_store(earlier) or _another_modules(earlier, module):
        return store
    warnings.warn(
        StorePathWarning(
            f"the store of {func.__qualname__!r} (a bare @archived) is {store}; a store "
            f"exists at {earlier} too, the name earlier versions of archived gave it, whose "
            f"results this function does not read; to read them, give its path: "
            f"@archived({earlier!r})",
            store,
            earlier,
        ),
        stacklevel=user_stacklevel(),
    )
    return store


def _another_modules(store: str, module: str) -> bool:
    """Whether ``store``, found where an earlier archived kept the results of
    ``module``'s functions, is another module's default store: a name ending in
    ``_results`` (``archived_results/sim_results``, module ``sim_results``'s earlier
    store, is module ``sim``'s now) and holding calls, none of a function of ``module``.
    Its records are read (safely) only for such a name: a store of another name can be
    no module's default store.

    >>> _another_modules("/tmp/archived_results/sim", "sim")
    False
    """
    if not os.path.basename(store).endswith("_results"):
        return False
    from ..store.dataset import DataSet

    try:
        ds = DataSet(os.path.basename(store), path=os.path.dirname(store), safe=True)
        entries = ds._entries()
        # one damaged or refused: the others one at a time (it names no function)
        briefs = entries.briefs_each(range(len(entries.names)), ArchiveError)[0]
    except (OSError, ArchiveError):  # unreadable: taken as the earlier store, as before
        return False
    functions = {
        b["function"] for b in briefs if type(b) is dict and type(b.get("function")) is str
    }
    return bool(functions) and not any(f.startswith(module + ".") for f in functions)


def warn_named_like_module(func: Callable[..., Any], store: str) -> None:
    """Warn, before a store is made, when it is named like the module of the function
    that keeps its results there (``@archived("results/spectra")`` in ``spectra.py``):
    importing the store to browse results, with ``results`` on ``sys.path`` as the README
    does, takes that module's place (or finds the module instead of the store), and its
    entries' ``from spectra import Fit`` find the store.  Said once, in the program that
    makes the store (not in a sweep's workers, nor once it exists).

    >>> import json
    >>> warn_named_like_module(json.dumps, "/tmp/results/runs")  # no warning
    """
    import multiprocessing

    if os.path.exists(store) or multiprocessing.parent_process() is not None:
        return
    module = function_identity(func).rsplit(".", len(func.__qualname__.split(".")))[0]
    name = os.path.basename(store)
    if name != module.split(".")[0]:
        return
    folder = os.path.dirname(store)
    warnings.warn(
        StorePathWarning(
            f"the store {store} is named like the module {name} that holds "
            f"{func.__qualname__!r}: importing the store to browse its results (with "
            f"{folder} on sys.path) would take that module's place, or find the module "
            f"instead; give the store another name, such as "
            f"{os.path.join(os.path.basename(folder), name + '_results')!r}",
            store,
            None,
        ),
        stacklevel=user_stacklevel(),
    )


def resolve_store_path(path: str | os.PathLike[str], anchor: str | None) -> str:
    """The absolute store path for ``path`` given in the file ``anchor`` (None: code with
    no file, so the working directory); an empty ``path`` is ``InvalidNameError``."""
    given = os.path.expanduser(os.fspath(path))
    if not given.strip():
        raise InvalidNameError(
            given,
            "the store path is empty; give the store's directory, as in @archived('results/runs')",
        )
    if os.path.isabs(given):
        return os.path.normpath(given)
    here = os.path.abspath(given)
    if anchor is None:
        return here
    folder = _code_folder(anchor)
    resolved = os.path.normpath(os.path.join(folder, given))
    beside = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(anchor)), given))
    # a store where an earlier archived put it for this path, if this one is not made yet:
    # beside a symbolic link the script ran through (before the store followed the link's
    # target), or relative to the working directory (archived 0.1)
    if beside != resolved and not os.path.exists(resolved) and _holds_store(beside):
        other, code = beside, f"the file the link {anchor} points to"
        where = "beside the link, where earlier versions of archived put it"
    elif resolved != here and not os.path.exists(resolved) and _holds_store(here):
        other, code = here, os.path.basename(anchor)
        where = "where archived 0.1 put it (relative to the working directory)"
    else:
        if _in_installation(resolved):
            _warn_installed(path, folder, resolved)
        return resolved
    warnings.warn(
        StorePathWarning(
            f"the store path {os.fspath(path)!r} is relative to {folder} (the folder of "
            f"{code}), so the store is {resolved}; a store exists at {other}, {where}. "
            "Move it, or give an absolute path, to use its results",
            resolved,
            other,
        ),
        stacklevel=user_stacklevel(),
    )
    return resolved


def _exists(path: str) -> bool:
    """Whether ``path`` exists; a ``stat`` the disk fails is
    :class:`~archived.errors.StoreReadError` (``os.path.exists`` took it for no store
    there, and the results went to the store an earlier archived made beside it).

    >>> _exists("/no/such/store")
    False
    """
    try:
        os.stat(path)
    except OSError as err:
        if is_read_failure(err):
            raise StoreReadError.of(err, path) from err
        return False
    return True


def _holds_store(folder: str) -> bool:
    """Whether ``folder``, a place looked at for a warning but not the store used, holds
    a store: one whose loader cannot be read (a failing disk, no permission) is taken
    for none there.  Raised, that read error failed the user's call over a folder that
    is no store of theirs.

    >>> import tempfile
    >>> _holds_store(tempfile.mkdtemp())
    False
    """
    try:
        return is_native_store(folder)
    except StoreReadError:
        return False


@functools.lru_cache(maxsize=256)
def _in_installation(store: str) -> bool:
    """Whether ``store`` lies in Python's installation, asked once per store path: a
    with block resolves its path on every entry, and the installation's folders take
    half a millisecond to list."""
    return installed_path(os.path.join(store, ""))


def _warn_installed(path: str | os.PathLike[str], folder: str, resolved: str) -> None:
    """Say that a relative store path of installed code (``pip install .``, not ``-e``)
    puts the store inside the Python installation, where nobody looks for results and
    reinstalling the package or removing the environment deletes them."""
    warnings.warn(
        StorePathWarning(
            f"the store path {os.fspath(path)!r} is relative to {folder}, the folder of "
            f"installed code, so the store is {resolved}, inside the Python installation: "
            "removing or rebuilding the environment deletes its results. Give an absolute "
            "path (os.path.expanduser('~/results/...'), a path from an environment "
            "variable; for a bare @archived, set ARCHIVED_DIR), or install your package "
            "in editable mode (pip install -e .) so the path is taken from your project's "
            "folder",
            resolved,
            None,
        ),
        stacklevel=user_stacklevel(),
    )


def _code_folder(anchor: str) -> str:
    """The folder of the code file ``anchor``: of the file a symbolic link named
    ``anchor`` points to (a script linked into a run folder holds no code, and Python
    imports beside its target), else of ``anchor`` as given (its folders' links kept, so
    a store on a shared mount keeps the path every machine knows it by).

    >>> _code_folder("/home/ada/project/experiment.py")
    '/home/ada/project'
    """
    if os.path.islink(anchor):
        return os.path.dirname(os.path.realpath(anchor))
    return os.path.dirname(os.path.abspath(anchor))


def store_anchor(func: Callable[..., Any], path: str | os.PathLike[str] | None) -> str | None:
    """The file a relative store ``path`` of ``func`` is taken from (None: the working
    directory), for ``archived(path)(func)`` called by the code calling this.

    It is the file holding ``func``'s code, unless that lies in Python's installation
    while the code applying ``archived`` does not: a library's function cached by the
    user (``archived("results/eig")(np.linalg.eigvalsh)`` in a notebook, as joblib's
    ``memory.cache(np.linalg.eigvalsh)``) keeps the user's results, beside the user's
    code (the working directory, for a notebook), never inside numpy's folder, which a
    new environment does not keep.  A store already made there for that path is named
    by a :class:`~archived.errors.StorePathWarning`.

    >>> import json
    >>> cell = {"__name__": "__main__", "store_anchor": store_anchor, "json": json}
    >>> exec("anchor = store_anchor(json.dumps, 'results/runs')", cell)  # typed at a prompt
    >>> cell["anchor"] is None  # (json is installed): the working directory
    True
    """
    anchor = code_file(func)
    if anchor is None or path is None or os.path.isabs(os.path.expanduser(os.fspath(path))):
        return anchor
    if not _in_installation(os.path.dirname(os.path.abspath(anchor))):
        return anchor
    caller, _, module = calling_line()
    if interactive_code(caller, module):
        applied: str | None = None
    elif _in_installation(os.path.dirname(os.path.abspath(caller))):
        return anchor  # installed code caching installed code: its warning says so
    else:
        applied = caller
    given = os.path.expanduser(os.fspath(path))
    before = os.path.normpath(os.path.join(_code_folder(anchor), given))
    now = os.path.normpath(
        os.path.join(os.getcwd() if applied is None else _code_folder(applied), given)
    )
    if not os.path.exists(now) and _holds_store(before):
        warnings.warn(
            StorePathWarning(
                f"the store path {os.fspath(path)!r} is relative to the code applying "
                f"archived to {getattr(func, '__qualname__', func)!r}, so the store is "
                f"{now}; a store exists at {before}, relative to that function's "
                "installed file, where earlier versions of archived put it. Move it, or "
                "give an absolute path, to use its results",
                now,
                before,
            ),
            stacklevel=user_stacklevel(),
        )
    return applied


def code_file(func: Callable[..., Any]) -> str | None:
    """The file holding ``func``'s code, or None if it has none (typed at a prompt, in a
    notebook cell, by ``exec``; a builtin).

    >>> import json
    >>> code_file(json.dumps).endswith("json/__init__.py"), code_file(len)
    (True, None)
    """
    target = inspect.unwrap(func)
    code = getattr(target, "__code__", None)
    if code is None:
        return None
    if interactive_code(code.co_filename, getattr(target, "__module__", None)):
        return None
    return code.co_filename
