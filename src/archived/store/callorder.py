"""The order of a function's stored calls in ``table()`` and ``where()``: by parameters.

Calls are listed by their parameters, in the order of the function's signature (the
first parameter varies slowest), whatever order they ran in: a sweep run on several
workers finishes its points in an order that changes from run to run, and listed in
that order its table read as shuffled.  Numbers sort by value (``1``, ``1.5``, ``2``),
texts alphabetically (an array given as a parameter by its recorded text, see
:mod:`archived.cache.recorded`), tuples and lists item by item; values of different
kinds in one column are grouped by kind (``None`` first, then numbers, texts, bytes,
tuples and lists, anything else by its text), and NaN after the other numbers.  Calls
whose parameters sort alike (``1`` and ``1.0``, or calls of one value whose keys hold
more than it, as a nested function's closure) are listed by entry name, so
the order never depends on when or where the calls ran.

>>> briefs = [
...     {"parameters": {"mu": 2.0, "n": 1}},
...     {"parameters": {"mu": 0.5, "n": 3}},
...     {"parameters": {"mu": 0.5, "n": 2}},
... ]
>>> call_order(briefs, ["mu", "n"])
[2, 1, 0]
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any

__all__ = ["call_order", "sort_key", "parameter_names", "rows_in_call_order"]

# the kinds of values, in the order a column lists them
_NONE, _NUMBER, _NAN, _TEXT, _BYTES, _SEQUENCE, _OTHER = range(7)
# kinds a column of one type sorts by as they are (a total order, no key to make)
_PLAIN = frozenset((int, str))
_PARAMETERS = operator.itemgetter("parameters")


def call_order(briefs: Sequence[dict[str, Any]], names: Iterable[str]) -> list[int]:
    """The positions of calls' brief records ``briefs`` (each a dict with
    ``parameters``; the calls given in the order of their entries' names), ordered by
    the parameters ``names`` in turn, then by entry name.

    >>> call_order([{"parameters": {"x": "b"}}, {"parameters": {"x": "a"}}], ["x"])
    [1, 0]
    """
    try:
        parameters = list(map(_PARAMETERS, briefs))  # at C speed, as most briefs are
    except (KeyError, TypeError):
        parameters = [brief.get("parameters") if type(brief) is dict else None for brief in briefs]
    if set(map(type, parameters)) != {dict}:
        parameters = [each if type(each) is dict else {} for each in parameters]
    names = list(names)
    # a parameter the signature lacks (**kwargs): after the others, by name (a store's
    # names may be of any kind: sort_key orders them all)
    names += sorted(set().union(*parameters).difference(names), key=sort_key)
    # stable sorts by each parameter, from the last to the first (each faster than one
    # sort by tuples of them); the calls come in the order of their entries' names.  A
    # run of parameters some calls lack is sorted in one pass, by what each call records
    # of them: a store's calls may each record names of their own (the first call's
    # names are the export's), and a pass per name over every call took the cube of the
    # store's size (400 calls of 400 names each, 1.6 MB: 22 s)
    order = list(range(len(parameters)))
    for segment in reversed(_segments(names, parameters)):
        if isinstance(segment, dict):
            sparse = _sparse_keys(parameters, segment)
            order.sort(key=sparse.__getitem__)
            continue
        column = list(map(operator.itemgetter(segment), parameters))
        kinds = set(map(type, column))
        if (len(kinds) == 1 and kinds <= _PLAIN) or (
            kinds == {float} and not any(map(math.isnan, column))
        ):
            order.sort(key=column.__getitem__)
        else:
            keys = list(map(sort_key, column))
            order.sort(key=keys.__getitem__)
    return order


def _segments(names: list[str], parameters: list[dict[str, Any]]) -> list[str | dict[str, int]]:
    """``names`` in order, each one every call records as itself, and each run of those
    some calls lack as one dict (name -> its position in ``names``)."""
    if set(map(len, parameters)) <= {len(names)}:  # (names hold each call's: all record all)
        return list(names)
    present: dict[str, int] = dict.fromkeys(names, 0)
    for each in parameters:
        for name in each:
            present[name] += 1
    everywhere = len(parameters)
    segments: list[str | dict[str, int]] = []
    for i, name in enumerate(names):
        if present[name] == everywhere:
            segments.append(name)
        elif segments and isinstance(segments[-1], dict):
            segments[-1][name] = i
        else:
            segments.append({name: i})
    return segments


def _sparse_keys(parameters: list[dict[str, Any]], segment: dict[str, int]) -> list[list[Any]]:
    """Each call's key over the parameters of ``segment``, some of which it lacks: what
    it records of them by their positions, then an end mark.  A call recording a name
    that another lacks sorts first there, as a value sorts before an absent one."""
    keys: list[list[Any]] = []
    for each in parameters:
        if len(each) <= len(segment):
            found: list[Any] = [
                (segment[name], sort_key(v)) for name, v in each.items() if name in segment
            ]
        else:
            found = [(i, sort_key(each[name])) for name, i in segment.items() if name in each]
        found.sort(key=_FIRST)
        found.append(_END)
        keys.append(found)
    return keys


_FIRST = operator.itemgetter(0)
_END = (math.inf,)


def rows_in_call_order(
    rows: list[dict[str, Any]], parameters_of: Callable[[Any], Any]
) -> list[dict[str, Any]]:
    """A store's table ``rows`` (each with its ``entry`` and ``function``) with each
    function's calls together, the functions by name, and each function's calls in
    :func:`call_order` of their parameters (``parameters_of(entry)``, in the order they
    are recorded: the function's signature); rows of no function (plain entries) last,
    as given.

    >>> rows = [
    ...     {"entry": "f_2", "function": "m.f", "x": 2},
    ...     {"entry": "notes", "function": None},
    ...     {"entry": "f_1", "function": "m.f", "x": 1},
    ... ]
    >>> [row["entry"] for row in rows_in_call_order(rows, lambda e: {"x": int(e[-1])})]
    ['f_1', 'f_2', 'notes']
    """
    groups: dict[str | None, list[int]] = {}
    for i, row in enumerate(rows):
        function = row.get("function")
        groups.setdefault(function if type(function) is str else None, []).append(i)
    order: list[int] = []
    for function in sorted(groups, key=lambda f: (f is None, f or "")):
        members = groups[function]
        if function is None:
            order += members
            continue
        briefs = [{"parameters": parameters_of(rows[i].get("entry"))} for i in members]
        first = briefs[0]["parameters"]
        names = list(first) if type(first) is dict else []
        order += map(members.__getitem__, call_order(briefs, names))
    return list(map(rows.__getitem__, order))


def parameter_names(func: Any) -> list[str]:
    """The parameters of the ``@archived`` ``func`` that a call records, in order.

    >>> import tempfile, os
    >>> from archived import archived
    >>> f = archived(os.path.join(tempfile.mkdtemp(), "s"), ignore=("verbose",))(
    ...     lambda mu, verbose=False, n=1: mu * n
    ... )
    >>> parameter_names(f)
    ['mu', 'n']
    """
    return [name for name in func.signature.parameters if name not in func.ignore]


def sort_key(value: Any) -> tuple[Any, ...]:
    """A key that orders recorded parameter values of any kinds (a store may hold any),
    never raising: numbers by value, then texts, bytes, sequences item by item, and
    anything else by its text.

    >>> sorted([3, "a", None, 1.5, float("nan"), (1, 2)], key=sort_key)
    [None, 1.5, 3, nan, 'a', (1, 2)]
    """
    kind = type(value)
    if value is None:
        return (_NONE,)
    if kind is str:
        return (_TEXT, value)
    if kind is bytes:
        return (_BYTES, value)
    if kind is tuple or kind is list:
        return (_SEQUENCE, tuple(map(sort_key, value)))
    number = _real(value)
    if number is not None:
        return (_NAN,) if number != number else (_NUMBER, number)
    try:
        text = repr(value)
    except Exception:  # a store may hold anything: an int of 5,001 digits has no repr
        text = ""
    return (_OTHER, kind.__name__, text)


def _real(value: Any) -> int | float | None:
    """``value`` as a Python int or float if it is a real number (numpy's too).

    Only the ``item`` method of the value's class is called, never an attribute of the
    value itself: a store read safely may record ``SimpleNamespace(item=partial(print,
    ...), dtype=...)`` as a parameter, and listing a call must not call what it made.

    >>> from types import SimpleNamespace as N
    >>> _real(N(item=lambda: 1 / 0, dtype=N(kind="f"))) is None
    True
    """
    if isinstance(value, (bool, int, float)):
        return value
    item = getattr(type(value), "item", None)
    dtype = getattr(value, "dtype", None)
    if callable(item) and getattr(dtype, "kind", None) in ("b", "i", "u", "f"):
        try:
            number = item(value)
        except Exception:
            return None
        return number if isinstance(number, (bool, int, float)) else None
    return None
