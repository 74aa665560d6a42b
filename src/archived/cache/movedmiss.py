"""Telling a user that a sweep computes again points stored by the same code under
another name: a function moved to another module (or its module renamed).

A function's calls are keyed by its module and name (see :mod:`archived.cache.funcinfo`),
so moving ``simulate`` from ``experiment.py`` to ``physics/models.py`` gives every call
a new key, and a sweep computes everything again, silently: the results of the old name
stay in the store, and ``@archived(path, name="experiment.simulate")`` finds them.  So
before a sweep computes its missing points, :func:`warn_moved_points` looks for those
among them stored as calls of another function of the same code version (a digest of
its source from the ``def`` line on, the same wherever it lives) and warns with a
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
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     sweep(importlib.import_module("_moved_to").f, {"x": [1, 2, 3]}, progress=False)
[2, 3, 4]
>>> print(caught[0].message)  # doctest: +ELLIPSIS
2 of the 3 points ... calls of _moved_from.f, ... name='_moved_from.f') and they answer again
>>> sys.path.remove(folder); del sys.modules["_moved_from"], sys.modules["_moved_to"]
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .._usercode import user_stacklevel
from ..errors import MovedFunctionWarning
from ..store.table import call_parameters

if TYPE_CHECKING:
    from .calls import CallKey
    from .callstore import CallStore

__all__ = ["warn_moved_points"]

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
    some of them, and how many; None if none does."""
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
        found = store.call_columns(other, first.prefix, version=first.version)
        stored = {
            repr(call_parameters(name, brief))
            for name, brief in zip(found.names, found.briefs, strict=True)
        }
        twins = sum(count for text, count in wanted.items() if text in stored)
        if twins:
            return other, twins
    return None


def _warn(identity: str, other: str, twins: int, total: int) -> None:
    warnings.warn(
        MovedFunctionWarning(
            f"{twins} of the {total} points to compute are stored as calls of {other}, "
            f"whose code is the same as {identity}'s, so they are computed again. If the "
            f"function moved from there, name it @archived(..., name={other!r}) and they "
            "answer again",
            other,
        ),
        stacklevel=user_stacklevel(),
    )
