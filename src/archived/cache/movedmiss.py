"""Telling a user that a sweep computes again points stored by the same code under
another name: a function moved to another module (or its module renamed).

A function's calls are keyed by its module and name (see :mod:`archived.cache.funcinfo`),
so moving ``simulate`` from ``experiment.py`` to ``physics/models.py`` gives every call
a new key, and a sweep computes everything again, silently: the results of the old name
stay in the store, and ``@archived(path, name="experiment.simulate")`` finds them.  So
before a sweep computes its missing points, :func:`warn_moved_points` looks for those
among them stored as calls of another function of the same code version (a digest of
its source from the ``def`` line on, the same wherever it lives), and no longer
defined there (else it is another function of the same code, whose globals may differ:
its results are not this one's), and warns with a
:class:`~archived.errors.MovedFunctionWarning` naming the old name.  Once per store,
function and version in a process.

>>> import importlib, os, sys, tempfile, warnings
>>> from archived import sweep
>>> folder = tempfile.mkdtemp()
>>> code = "from archived import archived\\n@archived('runs')\\ndef f(x):\\n    return x + 1\\n"
>>> for module in ("_moved_from", "_moved_to"):
...     with open(os.path.join(folder, module + ".py"), "w") as out:
...         _ = out.write(code)
>>> sys.path.insert(0, folder)
>>> sweep(importlib.import_module("_moved_from").f, {"x": [1, 2]}, progress=False)
[2, 3]
>>> os.remove(os.path.join(folder, "_moved_from.py")); del sys.modules["_moved_from"]
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     sweep(importlib.import_module("_moved_to").f, {"x": [1, 2, 3]}, progress=False)
[2, 3, 4]
>>> print(caught[0].message)  # doctest: +ELLIPSIS
2 of the 3 points ... calls of _moved_from.f, ... name='_moved_from.f') and they answer again
>>> sys.path.remove(folder); del sys.modules["_moved_to"]
"""

from __future__ import annotations

import ast
import importlib.machinery
import re
import sys
import warnings
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .._usercode import user_stacklevel
from ..errors import MovedFunctionWarning
from ..store.table import call_parameters
from .pointwords import points_stored, they

if TYPE_CHECKING:
    from .calls import CallKey
    from .callstore import CallStore

__all__ = ["plain_identity", "still_defined", "warn_moved_points"]

# (store, function, version) already looked at in this process: a sweep run again and
# again after a move warns once, and reads the store's calls once
_CHECKED: set[tuple[str, str, str]] = set()
# a function of a module, named as name= takes it: not a nested function (its line), a
# lambda or a function typed at a prompt (a digest of its code), nor a block
_PLAIN = re.compile(r"[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+")


def warn_moved_points(store: CallStore, calls: Sequence[CallKey]) -> None:
    """Warn if some of ``calls`` (all of one function and version, about to be
    computed) are stored as calls of another function with the same code version and
    entry prefix, recorded with the same parameters.  Reads the calls of the store's
    other functions of that prefix from its index, once per store, function and version
    in a process; nothing when the store holds no other function of that prefix."""
    if not calls:
        return
    first = calls[0]
    if not _PLAIN.fullmatch(first.identity):
        return
    mark = (store.path, first.identity, first.version)
    if mark in _CHECKED:
        return
    _CHECKED.add(mark)
    try:
        found = _stored_twins(store, calls)
    except Exception:  # a damaged store is the call protocol's business, not a warning's
        return
    if found is not None:
        _warn(first.identity, *found, len(calls))


def _stored_twins(store: CallStore, calls: Sequence[CallKey]) -> tuple[str, int] | None:
    """The first other function (by name) of ``calls``' prefix and version that holds
    some of them and is no longer defined (moved away), and how many; None if none does."""
    first = calls[0]
    others = sorted(
        other
        for other in set(store.functions(first.prefix)) - {first.identity}
        if _PLAIN.fullmatch(other)
    )
    if not others:
        return None
    wanted = Counter(repr(call.parameters) for call in calls)
    for other in others:
        found = store.call_columns(other, first.prefix, version=first.version, quiet=True)
        stored = {
            repr(call_parameters(name, brief))
            for name, brief in zip(found.names, found.briefs, strict=True)
        }
        twins = sum(count for text, count in wanted.items() if text in stored)
        if twins and not _still_defined(other):
            return other, twins
    return None


def _still_defined(identity: str) -> bool:
    """Whether the function ``identity`` (module, then qualified name) is still defined:
    its module, loaded here, holds it, or the module's file on ``sys.path`` (found, never
    imported: no code runs) defines it.  Then it did not move: it is another function
    of the same code, whose globals may differ, and ``name=`` it would answer with its
    results (two experiments' ``simulate`` of one body reading their own ``SCALE``)."""
    parts = identity.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module, qualname = ".".join(parts[:cut]), parts[cut:]
        loaded = sys.modules.get(module)
        if loaded is not None:
            found: object = loaded
            for part in qualname:  # (static: a module's or class's __getattr__ never runs)
                found = vars(found).get(part) if hasattr(found, "__dict__") else None
            return found is not None
        origin = _module_file(module)
        if origin is not None:
            try:
                with open(origin, "rb") as f:
                    tree = ast.parse(f.read())
            except (OSError, SyntaxError, ValueError):
                return False
            return _defines(tree.body, qualname)
    return False


def plain_identity(identity: str) -> bool:
    """Whether ``identity`` names a function of a module, as ``name=`` takes it (not a
    nested function, a lambda, a function typed at a prompt, nor a block).

    >>> plain_identity("sim.run"), plain_identity("block:sim.<module>@3")
    (True, False)
    """
    return _PLAIN.fullmatch(identity) is not None


still_defined = _still_defined


def _module_file(module: str) -> str | None:
    """The source file of ``module`` on ``sys.path``, found without importing it (nor
    its packages), or None."""
    path = None
    spec = None
    for part in module.split("."):
        if spec is not None and path is None:
            return None  # a module, not a package: it has no submodule
        try:
            spec = importlib.machinery.PathFinder.find_spec(part, path)
        except (ImportError, ValueError, OSError):
            return None
        if spec is None:
            return None
        path = spec.submodule_search_locations
    origin = spec.origin if spec is not None else None
    return origin if origin is not None and origin.endswith(".py") else None


def _defines(body: list[ast.stmt], qualname: list[str]) -> bool:
    """Whether the statements ``body`` define ``qualname`` (a class's names within it)."""
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and (
            node.name == qualname[0]
        ):
            if len(qualname) == 1:
                return True
            if isinstance(node, ast.ClassDef) and _defines(node.body, qualname[1:]):
                return True
    return False


def _warn(identity: str, other: str, twins: int, total: int) -> None:
    stored, many = points_stored(twins, total)
    warnings.warn(
        MovedFunctionWarning(
            f"{stored} as calls of {other}, whose code is the same as {identity}'s, "
            f"so {they(many, 'are')} computed "
            f"again. If the function moved from there{_another_path(identity, other)}, "
            f"name it @archived(..., name={other!r}) and {they(many, 'answer')} again",
            other,
        ),
        stacklevel=user_stacklevel(),
    )


def _another_path(identity: str, other: str) -> str:
    """Words saying that ``other`` may be ``identity``'s own module imported by another
    path (``exp`` and ``proj.exp``: ``python run.py`` in ``proj/`` against ``python -m
    proj.run`` from its parent), where nothing moved; else nothing.

    >>> print(_another_path("proj.exp.f", "exp.f"))  # doctest: +NORMALIZE_WHITESPACE
    , or its file is now imported as module proj.exp, not exp (python -m
    proj.<script> and a script run inside proj/ import it so)
    >>> _another_path("models.f", "exp.f")
    ''
    """
    mine, theirs = identity.rsplit(".", 1)[0], other.rsplit(".", 1)[0]
    if identity.rsplit(".", 1)[1] != other.rsplit(".", 1)[1]:
        return ""
    if mine.endswith("." + theirs):
        package = mine[: -len(theirs) - 1]
    elif theirs.endswith("." + mine):
        package = theirs[: -len(mine) - 1]
    else:
        return ""
    folder = package.replace(".", "/")
    return (
        f", or its file is now imported as module {mine}, not {theirs} (python -m "
        f"{package}.<script> and a script run inside {folder}/ import it so)"
    )
