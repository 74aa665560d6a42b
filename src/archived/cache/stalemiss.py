"""Telling a user that a sweep computes again points stored by other code versions.

Editing an ``@archived`` function gives its calls new keys (see
:mod:`archived.cache.funcinfo`): a sweep run after the edit computes every point again,
however small the edit (a comment, a speed-up).  joblib.Memory says so when it clears a
function's cache; archived keeps the old results, and said nothing.  So before a sweep
computes its missing points, :func:`warn_stale_points` looks for those among them stored
as calls of another version of the function, and warns with a
:class:`~archived.errors.StaleVersionWarning` naming the version and the two ways on:
pin ``version=`` if the edit cannot change a result, or let the points compute and
``prune_stale()`` the old ones (of a function given another ``version=``, which says its
results change, only the latter).  Once per store, function and version in a process.

>>> import tempfile, os, warnings
>>> from archived import archived, sweep
>>> store = os.path.join(tempfile.mkdtemp(), "runs")
>>> def f(x):
...     return x + 1
>>> sweep(archived(store, version="1")(f), {"x": [1, 2]}, progress=False)
[2, 3]
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     sweep(archived(store, version="2")(f), {"x": [1, 2, 3]}, progress=False)
[2, 3, 4]
>>> print(caught[0].message)  # doctest: +ELLIPSIS
2 of the 3 points to compute are stored as calls of f's version 1, while version='2' ...
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from .._usercode import user_stacklevel
from ..errors import StaleVersionWarning
from ..store.table import call_parameters, record_text
from .pointwords import points_stored, they

if TYPE_CHECKING:
    from .calls import CallKey
    from .callstore import Calls, CallStore

__all__ = ["warn_stale_points", "given_version"]

# (store, function, version) already looked at in this process: a sweep run again and
# again after an edit warns once, and reads the function's calls once
_CHECKED: set[tuple[str, str, str]] = set()


def warn_stale_points(
    store: CallStore,
    calls: Sequence[CallKey],
    columns: Callable[[], Calls] | None = None,
    given: str | None = None,
) -> None:
    """Warn if some of ``calls`` (all of one function and version, about to be
    computed) are stored as calls of another version of that function: the same
    parameters, recorded alike.  Reads the function's calls from the store's index
    once per store, function and version in a process (``columns()``, if given, reads
    them: a sweep's checks share one read).  ``given``: the ``version=`` the function
    was given, if any (its results change: no advice to pin the old version)."""
    if not calls:
        return
    first = calls[0]
    mark = (store.path, first.identity, first.version)
    if mark in _CHECKED:
        return
    _CHECKED.add(mark)
    # the parameters as recorded -> (when, version) of the latest other version holding
    # them: after several edits, the one to pin is the code run last, not the first
    # version the store's name order happens to show
    stale: dict[str, tuple[str, str]] = {}
    try:
        # the brief records of the function's calls, as a table reads them (no object
        # made per call: a sweep adding points to a store of 100,000 calls reads them all)
        found = (
            columns()
            if columns is not None
            else store.call_columns(first.identity, first.prefix, quiet=True)
        )
        for name, brief in zip(found.names, found.briefs, strict=True):
            version = record_text(brief, "version")
            if version is not None and version != first.version:
                when = (record_text(brief, "started") or "", version)
                text = _recorded(call_parameters(name, brief))
                if text not in stale or stale[text] < when:
                    stale[text] = when
    except Exception:  # a damaged store is the call protocol's business, not a warning's
        return
    if not stale:
        return
    twins = Counter(
        stale[text][1] for call in calls if (text := _recorded(call.parameters)) in stale
    )
    if twins:
        # the commonest, in one pass (a count of the points per version took the product
        # of points and versions: 52 s for 50,000 points each stored by a version of its
        # own); a tie goes to the version met first, the same in every process
        version, pinned = twins.most_common(1)[0]
        _warn(first, pinned, len(calls), version, twins.total() - pinned, given)


def given_version(func: object) -> str | None:
    """The ``version=`` the ``@archived`` ``func`` was given, or None (its version is a
    digest of its source).

    >>> import tempfile
    >>> from archived import archived
    >>> given_version(archived(tempfile.mkdtemp(), version=2)(abs))
    '2'
    """
    given = getattr(func, "_given", None)
    return None if not isinstance(given, tuple) or given[1] is None else str(given[1])


def _recorded(parameters: object) -> str:
    # repr tells 1, 1.0 and np.float64(1.0) apart, as keys do: two calls recorded with
    # the same text have the same parameters (a mismatch only leaves a warning out)
    return repr(parameters)


def _warn(
    call: CallKey,
    twins: int,
    total: int,
    version: str,
    elsewhere: int = 0,
    given: str | None = None,
) -> None:
    """``twins`` of the ``total`` points to compute are stored by ``version``, the most
    of any other version; ``elsewhere`` more by versions other than that one, which
    pinning ``version`` does not bring back.  ``given``: the ``version=`` the function
    was given, which says its results are not the old ones' (no advice to pin)."""
    from .funcinfo import short_name

    function = short_name(call.identity)
    stored, many = points_stored(twins, total)
    more = (
        f" ({elsewhere} more {'is' if elsewhere == 1 else 'are'} stored by other versions)"
        if elsewhere
        else ""
    )
    if given is not None:  # the user's own word that the results change
        warnings.warn(
            StaleVersionWarning(
                f"{stored} as calls of {function}'s version {version}{more}, while "
                f"version={given!r} is given: a version you set says its results differ "
                f"from the old ones', so {they(many, 'are')} computed again. "
                f"{function}.stale() lists the old results, and {function}.prune_stale() "
                "deletes them once you no longer need them",
                version,
            ),
            stacklevel=user_stacklevel(),
        )
        return
    warnings.warn(
        StaleVersionWarning(
            f"{stored} as calls of {function}'s version {version}{more}, and its code has "
            f"changed since (version {call.version}), so {they(many, 'are')} computed "
            "again. If the edit cannot change a result (a comment, a speed-up), pin the old "
            f"version with @archived(..., version={version!r}) and {they(many, 'answer')} "
            f"again; else {function}.prune_stale() deletes the old results once you no "
            "longer need them",
            version,
        ),
        stacklevel=user_stacklevel(),
    )
