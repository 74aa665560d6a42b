"""Telling a user why ``func.table()`` or ``func.where()`` is empty when the store holds
the function's results all the same.

``table()`` and ``where()`` list the calls of the function's current code: after an edit
of the function (even a comment), or once its module is renamed or the function moved
(its calls are keyed by module and name), they list nothing, and said nothing, while
every earlier result sat in the store beside them (``ls -l`` showed them).  So when one
of them finds no call of the current code, :func:`note_other_calls` looks for the
function's calls of other code versions (a :class:`~archived.errors.StaleVersionWarning`
naming ``stale()`` and the version to pin); if there are none, for calls of other
definitions of a function typed in a notebook cell (a ``UserWarning``: an edited cell is
another function), or of another function of the same code that is no longer defined (a
:class:`~archived.errors.MovedFunctionWarning` naming the ``name=`` that finds them).

>>> import tempfile, os, warnings
>>> from archived import archived
>>> store = os.path.join(tempfile.mkdtemp(), "runs")
>>> def f(x):
...     return x + 1
>>> archived(store, version="1")(f)(1)
2
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     archived(store, version="2")(f).table(frame=False)
[]
>>> print(caught[0].message)  # doctest: +ELLIPSIS
f has no stored call of its current code (version 2), but 1 of version 1: ... f.stale() ...
"""

from __future__ import annotations

import warnings
from collections import Counter
from typing import Any

from .._format import short_name
from .._usercode import user_stacklevel
from ..errors import MovedFunctionWarning, StaleVersionWarning
from ..store.callorder import parameter_names
from ..store.table import record_text
from .movedmiss import plain_identity, still_defined
from .pointwords import they
from .stalemiss import given_version

__all__ = ["note_other_calls"]


def note_other_calls(func: Any) -> None:
    """Warn if the ``@archived`` ``func`` has no stored call of its current code version
    while the store holds its calls of other versions, or (none) calls of a function of
    the same code no longer defined (moved away).  Nothing if it has calls of its current
    version (criteria matched none of them); a store that cannot be read is left to the
    calls that read it."""
    store, identity, prefix, version = func.store, func.identity, func.prefix, func.version
    try:
        if store.call_columns(identity, prefix, version=version, quiet=True).names:
            return
        found = store.call_columns(identity, prefix, quiet=True)
        names = set(parameter_names(func))
        latest: dict[str, str] = {}  # each other version -> when its last call started
        alike: dict[str, str] = {}  # the same, of calls recorded with today's parameters
        counts: Counter[str] = Counter()
        for brief in found.briefs:
            other = record_text(brief, "version")
            if other is not None and other != version:
                counts[other] += 1
                when = max(latest.get(other, ""), record_text(brief, "started") or "")
                latest[other] = when
                parameters = brief.get("parameters")
                if type(parameters) is dict and set(parameters) == names:
                    alike[other] = when
        if counts:
            pin = max(alike, key=alike.__getitem__) if alike else None
            last = max(latest, key=latest.__getitem__)
            _warn_stale(identity, version, counts, last, pin, given_version(func))
            return
        if _other_definitions(func):
            return
        if not plain_identity(identity):
            return
        for other in sorted(set(store.functions(prefix)) - {identity}):
            if not plain_identity(other):
                continue
            calls = store.call_columns(other, prefix, version=version, quiet=True).names
            if calls and not still_defined(other):
                _warn_moved(identity, other, len(calls))
                return
    except Exception:  # a damaged store is the call protocol's business, not a warning's
        return


def _other_definitions(func: Any) -> bool:
    """Warn, and say so, if the store holds calls of other definitions of ``func``, a
    function typed at a prompt or in a notebook cell (keyed by its code: an edited cell
    is another function, with no versions to pin)."""
    base, mark, _ = func.identity.partition("#")
    if not mark or "<lambda>" in base:
        return False
    others = Counter(
        other
        for other in func.store.functions(func.prefix)
        if other != func.identity and other.partition("#")[0] == base
    )
    if not others:
        return False
    many, kinds = others.total(), len(others)
    warnings.warn(
        f"{short_name(base)} as defined now has no stored call, but the store keeps {many} "
        f"call{'s' * (many > 1)} of {kinds} other definition{'s' * (kinds > 1)} of it typed "
        "at a prompt or in a notebook cell: such a function is keyed by its code, so an "
        "edited cell is another function, whose results do not answer this one; run the "
        "earlier cell again to reach them, or define the function in a "
        "module, whose edits are versions that @archived(..., version=...) can pin",
        UserWarning,
        stacklevel=user_stacklevel(),
    )
    return True


def _warn_stale(
    identity: str,
    version: str,
    counts: Counter[str],
    last: str,
    pin: str | None,
    given: str | None = None,
) -> None:
    """``pin``: the latest other version whose calls recorded the parameters the function
    has now (None: every stored call was made before a parameter was added or removed,
    and no pinned version makes it a hit).  ``given``: the ``version=`` the function was
    given, which says its results are not the old ones' (no advice to pin)."""
    name = short_name(identity)
    many = counts.total()
    versions = (
        f"version {last}"
        if len(counts) == 1
        else f"{len(counts)} other versions, the last run {last}"
    )
    if given is not None:
        then = (
            f"version={given!r} is given, which says the results differ from "
            f"{'theirs' if many > 1 else 'its'}: {name}.prune_stale() deletes "
            f"{'them' if many > 1 else 'it'} once you no longer need "
            f"{'them' if many > 1 else 'it'}"
        )
    elif pin is not None:
        then = (
            "if the edit cannot change a result (a comment, a speed-up), pin "
            f"{'that version' if pin == last else f'version {pin}'} with "
            f"@archived(..., version={pin!r}) and its calls answer again"
        )
    else:
        then = (
            f"{'they were' if many > 1 else 'it was'} recorded with other parameters than "
            "the function has now (a parameter added or removed since), so pinning a "
            f"version cannot make {'them' if many > 1 else 'it'} answer its calls"
        )
    warnings.warn(
        StaleVersionWarning(
            f"{name} has no stored call of its current code (version {version}), but "
            f"{many} of {versions}: its code has changed since "
            f"{'they were' if many > 1 else 'it was'} computed. {name}.stale() lists "
            f"{'them' if many > 1 else 'it'} and loads "
            f"{'their results' if many > 1 else 'its result'}; {then}",
            pin or last,
        ),
        stacklevel=user_stacklevel(),
    )


def _warn_moved(identity: str, other: str, many: int) -> None:
    warnings.warn(
        MovedFunctionWarning(
            f"{short_name(identity)} has no stored call, but {other}, whose code is the "
            f"same and which is no longer defined, has {many}. If the function moved "
            f"from there (or its module was renamed), name it "
            f"@archived(..., name={other!r}) and {they(many > 1, 'answer')} again",
            other,
        ),
        stacklevel=user_stacklevel(),
    )
