"""Telling a user that a sweep computes again points stored before a parameter was added.

A call's key holds its arguments with defaults applied, so adding a parameter to an
``@archived`` function, even one with a default (``seed=0``), gives every call a new
key: ``simulate(1.5)`` is now ``simulate(mu=1.5, seed=0)``, which no stored entry
records, and nothing says the earlier code computed what ``seed=0`` computes.  A sweep
run after such an edit computed every point again without a word (the version pinned,
or not: the stored calls' parameters are not the points', so
:mod:`~archived.cache.stalemiss` did not recognise them).  So before a sweep computes
its missing points, :func:`warn_added_points` looks for those among them stored as calls
of the same function recorded without some of the parameters it has now, the point
giving each of those its default, and warns with an
:class:`~archived.errors.AddedParameterWarning` naming them and where the earlier
results stay readable.  Once per store, function and version in a process.

>>> import tempfile, os, warnings
>>> from archived import archived, sweep
>>> store = os.path.join(tempfile.mkdtemp(), "runs")
>>> def f(x):
...     return x + 1
>>> sweep(archived(store, name="m.f")(f), {"x": [1, 2]}, progress=False)
[2, 3]
>>> def f(x, offset=0):
...     return x + 1 + offset
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     sweep(archived(store, name="m.f")(f), {"x": [1, 2, 3]}, progress=False)
[2, 3, 4]
>>> print(caught[0].message)  # doctest: +ELLIPSIS
2 of the 3 points to compute are stored as calls of f made before its parameter offset ...
"""

from __future__ import annotations

import inspect
import warnings
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._usercode import user_stacklevel
from ..errors import AddedParameterWarning
from .pointwords import points_stored, they

if TYPE_CHECKING:
    from .calls import CallKey
    from .callstore import Calls, CallStore

__all__ = ["warn_added_points", "defaults_of"]

# (store, function, version) already looked at in this process: a sweep run again and
# again after the edit warns once, and reads the function's calls once
_CHECKED: set[tuple[str, str, str]] = set()


def defaults_of(signature: inspect.Signature | None) -> dict[str, Any]:
    """The parameters of ``signature`` that have a default, with it.

    >>> defaults_of(inspect.signature(lambda x, n=2, *, seed=0: x))
    {'n': 2, 'seed': 0}
    """
    if signature is None:
        return {}
    return {p.name: p.default for p in signature.parameters.values() if p.default is not p.empty}


def warn_added_points(
    store: CallStore,
    calls: Sequence[CallKey],
    defaults: Mapping[str, Any],
    columns: Callable[[], Calls] | None = None,
) -> None:
    """Warn if some of ``calls`` (all of one function and version, about to be
    computed) are stored as calls of that function (of any version) recorded without
    some of their parameters, each of which has a default (``defaults``) that the call
    gives it, and with the same values of the others.  Reads the function's calls from
    the store's index once per store, function and version in a process (``columns()``,
    if given, reads them: a sweep's checks share one read)."""
    if not calls or not defaults:
        return
    first = calls[0]
    mark = (store.path, first.identity, first.version)
    if mark in _CHECKED:
        return
    _CHECKED.add(mark)
    try:
        found = (
            columns()
            if columns is not None
            else store.call_columns(first.identity, first.prefix, quiet=True)
        )
        stored = _stored_without(found, first, set(defaults))
    except Exception:  # a damaged store is the call protocol's business, not a warning's
        return
    if not stored:
        return
    twins: Counter[tuple[str, ...]] = Counter()
    for call in calls:
        names = set(call.parameters)
        for recorded, texts in stored.items():
            added = names - recorded
            if recorded < names and added <= set(defaults):
                if all(_at_default(call, name, defaults[name]) for name in added) and (
                    _text({name: call.parameters[name] for name in recorded}) in texts
                ):
                    twins[tuple(name for name in call.parameters if name in added)] += 1
                    break
    if twins:
        commonest, _ = twins.most_common(1)[0]
        _warn(first, twins.total(), len(calls), commonest, defaults)


def _stored_without(
    found: Calls, first: CallKey, optional: set[str]
) -> dict[frozenset[str], set[str]]:
    """The function's stored calls recorded with fewer parameters than ``first`` has,
    the missing ones all among ``optional``: their parameters' texts by the names they
    were recorded with."""
    names = set(first.parameters)
    stored: dict[frozenset[str], set[str]] = {}
    for brief in found.briefs:
        parameters = brief.get("parameters")
        # (a length first: a store of 100,000 calls of the current parameters makes no
        # set per call; a record whose parameters are not a dict is the call's business)
        if type(parameters) is not dict or len(parameters) >= len(names):
            continue
        recorded = frozenset(parameters)
        if recorded < names and names - recorded <= optional:
            stored.setdefault(recorded, set()).add(_text(parameters))
    return stored


def _text(parameters: Mapping[str, Any]) -> str:
    # repr tells 1, 1.0 and np.float64(1.0) apart, as keys do; sorted by name, so a
    # parameter added between two others leaves the rest recorded alike
    return repr(sorted(parameters.items(), key=lambda item: item[0]))


def _at_default(call: CallKey, name: str, default: Any) -> bool:
    """Whether ``call`` gives ``name`` its default: the default itself (not given), or a
    value of its type written alike (given as the grid's value)."""
    if name not in call.arguments:
        return False  # (a key made without the arguments themselves)
    value = call.arguments[name]
    if value is default:
        return True
    try:
        return type(value) is type(default) and repr(value) == repr(default)
    except Exception:
        return False


def _warn(
    call: CallKey, twins: int, total: int, added: tuple[str, ...], defaults: Mapping[str, Any]
) -> None:
    from .funcinfo import short_name

    function = short_name(call.identity)
    given = ", ".join(f"{name}={defaults[name]!r}" for name in added)
    which = (
        f"parameter {added[0]} was" if len(added) == 1 else f"parameters {', '.join(added)} were"
    )
    stored, many = points_stored(twins, total)
    them, results = ("them", "results stay") if many else ("it", "result stays")
    warnings.warn(
        AddedParameterWarning(
            f"{stored} as calls of {function} made before its {which} added, so "
            f"{they(many, 'are')} computed again: a call's key holds every parameter, and "
            f"nothing says the earlier code computed what {given} computes (version= "
            f"cannot make {them} answer). The earlier {results} readable: "
            f"{function}.stale() lists {them}, or {function}.table() and where() while "
            "version= pins their version",
            list(added),
        ),
        stacklevel=user_stacklevel(),
    )
