"""Safe loading: evaluate archive source without executing it, in bounded time and memory.

:func:`evaluate` works top-down, in one direction:

1. the budget (:mod:`archived.load.budget`) is set from the size of the source, and the
   memory its syntax tree will take is charged before it is parsed;
2. the whole tree is checked against the grammar the engine writes
   (:mod:`archived.load.grammar`) and the allow-list (:mod:`archived.load.allowlist`);
   nothing is evaluated if any statement is refused;
3. the checked tree is evaluated node by node (:mod:`archived.load.evaluator`): literals
   and displays, names bound earlier, imports of allow-listed modules, calls of guarded
   constructors (:mod:`archived.load.guards`), arrays of the store's own data files
   (:mod:`archived.load.datafiles`), and the scoped form of ``archive_1`` objects, whose
   body is evaluated over its parameters without creating a function.

Pickle payloads load only with ``allow_pickle=True``, which trusts the store completely.
Anything else raises :class:`~archived.errors.UnsafeArchiveError` naming the line and the
construct, or :class:`~archived.errors.BudgetExceededError` naming the budget.

>>> evaluate("from builtins import complex as _c\\nz = _c(1.0, -2.0)\\ndel _c\\n")
{'z': (1-2j)}
>>> evaluate("x = [1]\\nimport os as _os\\n")
Traceback (most recent call last):
    ...
archived.errors.UnsafeArchiveError: unsafe archive: line 2: import of module 'os' ...
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterable
from typing import Any

from ..engine.archive import _gc_paused
from ..errors import UnsafeArchiveError
from .allowlist import Policy
from .budget import Budget, Limits, parse_cost
from .evaluator import Evaluator
from .grammar import MAX_NESTING, Checker
from .usermodules import no_store_imports, working_directory

__all__ = ["evaluate", "check", "MAX_NESTING"]


def evaluate(
    src: str,
    env: dict[str, Any] | None = None,
    *,
    datadir: str | os.PathLike[str] | None = None,
    allowed_modules: Iterable[str] = (),
    allow_pickle: bool = False,
    max_bytes: int | None = None,
    limits: Limits | None = None,
) -> dict[str, Any]:
    """Check archive source against the safe grammar, then evaluate it into ``env``.

    Args:
        src: archive source, as :func:`archived.load.restore` takes it.
        env: the dict receiving the names (default: a new one).  Its existing contents
            are not visible to the archive.
        datadir: directory of the archive's HDF5 data files (default: the directory of
            ``env['__file__']``, else the current directory).
        allowed_modules: extra trusted modules, e.g. ``["mypkg.models"]``.
        allow_pickle: let ``pickle.loads`` payloads load: this trusts the store
            completely, as unpickling runs any code a payload names.
        max_bytes: the memory budget (same as ``limits=Limits(max_bytes=...)``; when
            neither is given, ``ARCHIVED_MAX_BYTES`` if set).
        limits: the budgets of the load (default: proportional to ``len(src)``).

    Raises :class:`~archived.errors.UnsafeArchiveError` for anything outside the grammar
    or the allow-list (:class:`~archived.errors.BudgetExceededError` for a budget),
    ``SyntaxError`` for source that does not parse.

    >>> evaluate("import numpy as _np\\nx = _np.array([1, 2], dtype='int8')\\ndel _np\\n")
    {'x': array([1, 2], dtype=int8)}
    >>> evaluate("x = (lambda: 1)()")
    Traceback (most recent call last):
        ...
    archived.errors.UnsafeArchiveError: unsafe archive: line 1: lambda is not allowed ...
    """
    policy = Policy(allowed_modules, allow_pickle)
    budget = _budget(src, limits, max_bytes)
    budget.policy = policy
    d: dict[str, Any] = {} if env is None else env
    if datadir is None and isinstance(d.get("__file__"), str):
        datadir = os.path.dirname(os.path.abspath(d["__file__"]))
    evaluator = Evaluator(policy, budget)
    # the syntax tree and the values hold no cycles: the collector's passes over them
    # would only cost time, growing with their number
    # (a module found in the store's folder or beside it, in the folder holding it, is
    # refused unless allowed: the files of a store someone sent came with it)
    # (given no folder, the load reads the store's files from the working directory:
    # python -c or a notebook in the folder someone sent, first on sys.path)
    # (and, whatever the data folder, a module found in the working directory is refused
    # unless allowed: a notebook in a folder below the one someone sent finds there first)
    # (a data folder that is no package is no store's folder: a module below it, in a
    # project's .venv or src/, is no file of a store)
    here = working_directory() if datadir is None else None
    with (
        _gc_paused(),
        no_store_imports(
            datadir or here,
            policy.user_modules,
            workdir=datadir is None,
            data=datadir is not None and not _a_store(datadir),
        ),
    ):
        tree = _parse(src, budget)
        Checker(policy, budget).module(tree)
        if datadir is None:
            evaluator.module(tree)
        else:
            from ..engine.hdf5 import using_datadir

            with using_datadir(os.path.abspath(datadir)):
                evaluator.module(tree)
        del tree
    d.update(evaluator.values())
    return d


def check(
    src: str,
    *,
    allowed_modules: Iterable[str] = (),
    allow_pickle: bool = False,
    limits: Limits | None = None,
) -> None:
    """Raise :class:`~archived.errors.UnsafeArchiveError` unless ``src`` is in the grammar.

    Only the static part of the checks runs; nothing is evaluated.

    >>> check("x = [1, 2.5, 'a']")
    >>> check("x = open('f')")
    Traceback (most recent call last):
        ...
    archived.errors.UnsafeArchiveError: unsafe archive: line 1: name 'open' ...
    """
    budget = _budget(src, limits, None)
    Checker(Policy(allowed_modules, allow_pickle), budget).module(_parse(src, budget))


def _a_store(datadir: str | os.PathLike[str]) -> bool:
    """Whether ``datadir`` may be a store (of archived, of persist, a package): it holds
    an ``__init__.py`` of any kind (looked at, never opened)."""
    return os.path.lexists(os.path.join(datadir, "__init__.py"))


def _budget(src: Any, limits: Limits | None, max_bytes: int | None) -> Budget:
    if not isinstance(src, str):
        raise TypeError(f"a safe load needs archive source as str, not {type(src).__name__}")
    if limits is None:
        limits = _DEFAULT
    elif not isinstance(limits, Limits):
        raise TypeError(f"limits= must be an archived.Limits, not {limits!r:.60}")
    if max_bytes is not None:
        limits = Limits(max_bytes, limits.max_elements, limits.max_depth, limits.max_digits)
    return limits.budget(len(src), parse_cost(src))


_DEFAULT = Limits()


def _parse(src: str, budget: Budget) -> ast.Module:
    # the syntax tree takes up to ~1,500 times the source's size: charged before it is built
    budget.charge_bytes(parse_cost(src), "parsing the source")
    try:
        return ast.parse(src, "<archive>")
    except (RecursionError, MemoryError):
        raise UnsafeArchiveError(None, "source nested too deeply to parse") from None
    except ValueError as err:  # null bytes
        raise UnsafeArchiveError(None, f"source that is not text ({err})") from None
