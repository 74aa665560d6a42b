"""Stored calls as a table: one row per call, its parameters and its scalar results.

``func.table()`` (an ``@archived`` function) and ``DataSet._table()`` return a pandas
``DataFrame`` when pandas is installed (``pip install archived[pandas]``), else a list of
dicts with the same columns (``frame=False`` asks for the list either way).  Results
become columns when they are scalars (column ``result``), dicts of scalars (a column per
key, prefixed ``result_`` if it clashes with a parameter), dataclasses (a column per
scalar field, likewise) or tuples (``result_0``, ``result_1``, ...; a namedtuple's field
names).  A dataclass, namedtuple or dict of text keys inside one of those gives its
scalars too, each column named by its path (``obs.energy`` for the field ``energy`` of
a namedtuple held by the field ``obs``); lists, arrays and other results are left out
of the table (load them with ``func.where(...)``).  Rows are ordered by the calls'
parameters, in the order of the function's signature (see
:mod:`archived.store.callorder`), whatever order the calls ran in: the table of a sweep
run on several workers reads as its grid.

``func.where(mu=1.2)`` lists the stored calls whose parameters match; a criterion may be
a value or a predicate (``n=lambda n: n > 10``).

>>> import tempfile, os
>>> from archived import archived
>>> @archived(os.path.join(tempfile.mkdtemp(), "runs"))
... def stats(n, scale=1.0):
...     return {"mean": scale * (n - 1) / 2, "n_items": n}
>>> _ = stats(3), stats(5), stats(5, scale=2.0)
>>> for row in function_table(stats, frame=False):
...     print(row)
{'n': 3, 'scale': 1.0, 'mean': 1.0, 'n_items': 3}
{'n': 5, 'scale': 1.0, 'mean': 2.0, 'n_items': 5}
{'n': 5, 'scale': 2.0, 'mean': 4.0, 'n_items': 5}
>>> [call.load()["mean"] for call in where(stats, n=5, scale=lambda s: s > 1)]
[4.0]
"""

from __future__ import annotations

import dataclasses
import functools
import numbers
import operator
import sys
from collections.abc import Callable, Collection, Iterable
from itertools import chain
from typing import Any

from .._format import key_text
from ..engine.archive import _gc_paused
from ..errors import ArchiveError, DamagedEntryError, UnsafeArchiveError
from ..load.usermodules import no_store_imports
from .callorder import call_order, parameter_names, rows_in_call_order
from .versioncolumn import with_version_column
from .versions import read_one_version

__all__ = [
    "function_table",
    "dataset_table",
    "check_table_size",
    "TABLE_CELL_BYTES",
    "where",
    "equal_parameter",
    "exact_number",
    "to_table",
    "dataset_rows",
    "with_types",
    "is_scalar",
    "result_columns",
    "record_text",
    "brief_of",
    "BRIEF_KEYS",
]

#: The keys of a call record that a table of calls, ``where()`` and their order read
#: (:func:`brief_of`): the read-side index keeps them apart, a fraction of the record.
BRIEF_KEYS = ("function", "version", "status", "parameters", "started", "duration")
_BRIEF = frozenset(BRIEF_KEYS)

_DETAILS = ("entry", "version", "started", "duration")

#: What one cell of a table costs to build as a DataFrame from rows (measured: ~25 bytes,
#: the frame's own 8 and the arrays pandas makes on the way), charged to a safe table.
TABLE_CELL_BYTES = 32


def function_table(
    func: Any, *, details: bool = False, frame: bool | None = None, **criteria: Any
) -> Any:
    """The stored calls of the ``@archived`` ``func`` (current code version) as a table.

    Args:
        details: add the columns ``entry``, ``version``, ``started`` and ``duration``.
        frame: ``None`` gives a DataFrame if pandas is installed, else a list of dicts;
            ``False`` always the list; ``True`` a DataFrame (pandas required).
        criteria: keep only calls whose parameters match, as in :func:`where`.

    >>> import tempfile, os
    >>> from archived import archived
    >>> f = archived(os.path.join(tempfile.mkdtemp(), "s"))(lambda x: x / 2)
    >>> _ = f(1), f(3)
    >>> function_table(f, frame=False, x=3)
    [{'x': 3, 'result': 1.5}]
    """
    _check_criteria(func, criteria, "table")
    with _gc_paused():  # many objects, no cycles: the collector's passes are pure cost
        # the rows are made in the order of the entries' names, the order their brief
        # records and values were decoded in (and lie in memory), and listed in the
        # order of their parameters: made in that order, every row read a brief record, its
        # parameters and a value from all over memory (13% of a table of 20,000 calls,
        # none of one of 1,000, whose records all fit in the CPU's cache)
        calls = _matching_calls(func, criteria)
        # each row's record and result of one version of its entry: a call deleted since
        # it was listed is left out, one rewritten since is read again whole
        entries, briefs, values = calls.read(
            (lambda brief: _matches(call_parameters("", brief), criteria)) if criteria else None
        )
        del calls
        if not entries:
            _note_several_values(func, criteria)
            # no call yet (or none of this version, after an edit): the parameters are
            # still the table's columns, so that t[t.mu > 1] selects nothing rather than
            # raising KeyError (its results' columns are not known before a call)
            empty = {"parameters": dict.fromkeys(parameter_names(func))}
            return _ordered_table([], None, frame, list(_call_row("", empty, None, details)))
        order = call_order(briefs, parameter_names(func))
        found = None if details else _plain_rows(briefs, values)
        if found is not None:
            del entries, briefs, values
            return _ordered_table(with_types(*found), order, frame)
        rows = []
        parts_of: list[list[str]] = []  # each row's columns of results (_results_apart)
        names: dict[str, Any] = {}  # the parameters' names (their values do not matter)
        for name, brief, value in zip(entries, briefs, values, strict=True):
            parameters = brief.get("parameters")
            if not details and type(parameters) is dict and "result" not in parameters:
                # the common row, at C speed (what _call_row makes of it); the commonest
                # result, a dict of builtin scalars under text keys no parameter has, is
                # its own columns (what _results makes of it)
                if (
                    type(value) is dict
                    and _PLAIN.issuperset(map(type, value.values()))
                    and _TEXT.issuperset(map(type, value))
                    and parameters.keys().isdisjoint(value)
                ):
                    rows.append({**parameters, **value})
                    parts_of.append(list(value))
                else:
                    columns = _results(value, parameters)
                    rows.append({**parameters, **columns})
                    parts_of.append(list(columns))
                names.update(parameters)
                continue
            parts: list[str] = []
            rows.append(_call_row(name, brief, functools.partial(_same, value), details, parts))
            parts_of.append(parts)
            names.update(dict.fromkeys(call_parameters(name, brief)))
        # the calls go before the collector is back: its first pass would otherwise walk
        # every one of them once more
        del entries, briefs, values
        # a result part named like another call's parameter (one renamed or added under
        # a pinned version=) is prefixed in every row: no column holds both
        rows = _results_apart(rows, parts_of)
        return _ordered_table(with_types(rows, names), order, frame)


def _plain_rows(
    briefs: list[dict[str, Any]], values: list[Any]
) -> tuple[list[dict[str, Any]], dict[str, None]] | None:
    """The rows of a table of calls without details (and the parameters' names), when
    every call is the common one: its parameters a dict, none named ``result``, and its
    result a dict of builtin scalars under text keys that no parameter of any call has,
    so that each row is its parameters, then its result's items (what the row loop of
    :func:`function_table` makes of each); else None (each row is made there).

    Checked a field of every call at a time and the rows made in C: at 100,000 calls,
    the loop's checks read every call's records from all over memory once more.

    >>> _plain_rows([{"parameters": {"n": 1}}], [{"mean": 0.5}])
    ([{'n': 1, 'mean': 0.5}], {'n': None})
    >>> _plain_rows([{"parameters": {"n": 1}}], [{"n": 0.5}]) is None  # a clash: renamed
    True
    """
    try:
        parameters = list(map(_PARAMETERS, briefs))
    except KeyError:  # a call without parameters: no column of them
        return None
    if not parameters or set(map(type, parameters)) != {dict} or set(map(type, values)) != {dict}:
        return None
    if not _PLAIN.issuperset(map(type, chain.from_iterable(map(dict.values, values)))):
        return None
    keys = set(chain.from_iterable(values))
    names = dict.fromkeys(chain.from_iterable(parameters))
    if not _TEXT.issuperset(map(type, keys)) or "result" in names or not keys.isdisjoint(names):
        return None
    rows = list(map(dict, parameters))  # copies: the records are not the table's to change
    any(map(dict.update, rows, values))  # (update gives None: any() runs them all)
    return rows, names


_PARAMETERS = operator.itemgetter("parameters")


def dataset_table(
    dataset: Any,
    *,
    details: bool = False,
    results: bool = True,
    frame: bool | None = None,
    entries: Collection[str] | None = None,
    skip: Callable[[str, ArchiveError], None] | None = None,
    edited: Callable[[str], None] | None = None,
) -> Any:
    """Every entry of a DataSet as a table row (sweep records and failures left out).

    Rows come as :func:`function_table` lists them and ``archived export`` writes
    them: each function's calls together, the functions by name, each one's calls by
    their parameters (:func:`~archived.store.callorder.rows_in_call_order`); the
    other entries last, by name.  A stored call gives ``entry``, ``function``, its
    parameters and its scalar results;
    while a function has results of several code versions (an edit, not yet pruned), a
    ``version`` column after ``function`` tells a stale call from a current one of the
    same parameters, as ``archived ls -l`` and ``export`` do (``details=True`` always
    has it; see :mod:`archived.store.versioncolumn`);
    another entry gives ``entry``, its info (a dict's items as columns, anything else in
    column ``info``) and its value if scalar.  ``results=False`` loads no value at all;
    ``entries`` limits the table to those entry names.  An entry whose value does not
    load raises its :class:`~archived.errors.DamagedEntryError` (or a safe load's
    :class:`~archived.errors.UnsafeArchiveError`), or with ``skip`` given is passed to it
    (name, error) and left out.  With ``edited`` given, a stored call whose value was
    edited by hand (and loads) is passed to it (name) and left out: no result of its
    call (:mod:`archived.store.valuedigest`).  A safe DataSet's table must fit in the
    memory budget of a safe load of its entries (:func:`check_table_size`).

    >>> import tempfile
    >>> from archived.store.dataset import DataSet
    >>> ds = DataSet("d", "w", path=tempfile.mkdtemp())
    >>> ds._insert(0.5, info={"mu": 1.2})
    ['x_0']
    >>> ds.labels = ["a", "b"]
    >>> for row in dataset_table(ds, frame=False):
    ...     print(row)
    {'entry': 'labels', 'function': None, 'info': None, 'mu': None, 'result': None}
    {'entry': 'x_0', 'function': None, 'info': None, 'mu': 1.2, 'result': 0.5}
    """
    versions: dict[str, tuple[Any, Any]] = {}
    recorded: dict[str, Any] = {}
    with _gc_paused():  # many objects, no cycles: the collector's passes are pure cost
        rows, columns = _dataset_rows(
            dataset, details, results, entries, skip, TABLE_CELL_BYTES, versions, recorded, edited
        )
        if not details:  # (details have it already, with every row's)
            added = with_version_column(rows, columns[0], versions)
            if added is not None:
                rows, names = added
                columns = (dict.fromkeys(names), False)
        # as func.table() and `archived export` list them, not by entry name (a hash)
        rows = rows_in_call_order(rows, recorded.get)
        return _ordered_table(rows, None, frame, columns=columns, store=dataset)


def dataset_rows(
    dataset: Any,
    *,
    details: bool = False,
    results: bool = True,
    entries: Collection[str] | None = None,
    skip: Callable[[str, ArchiveError], None] | None = None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """:func:`dataset_table`'s rows as ``(rows, columns)``: each row holds only the
    columns it has a value in, and ``columns`` are the table's, in its order.  What a
    table of every column would make costs the product of rows and columns: a store
    whose calls each record names of their own made it the square of the store.  Of a
    safe DataSet, rows x columns must still fit in a safe load's budget at a byte a
    cell, what a writer of every cell (a CSV file) spends at least.

    >>> import tempfile
    >>> from archived.store.dataset import DataSet
    >>> ds = DataSet("d", "w", path=tempfile.mkdtemp())
    >>> ds._insert(0.5, info={"mu": 1.2})
    ['x_0']
    >>> ds.labels = ["a", "b"]
    >>> dataset_rows(ds)
    ([{'entry': 'labels', 'function': None, 'info': None}, \
{'entry': 'x_0', 'function': None, 'mu': 1.2, 'result': 0.5}], \
['entry', 'function', 'info', 'mu', 'result'])
    """
    with _gc_paused():
        rows, (columns, _) = _dataset_rows(dataset, details, results, entries, skip, 1)
        return rows, list(columns)


def _dataset_rows(
    dataset: Any,
    details: bool,
    results: bool,
    entries: Collection[str] | None,
    skip: Callable[[str, ArchiveError], None] | None,
    cell_bytes: int,
    versions: dict[str, tuple[Any, Any]] | None = None,
    recorded: dict[str, Any] | None = None,
    edited: Callable[[str], None] | None = None,
) -> tuple[list[dict[str, Any]], tuple[dict[str, None], bool]]:
    """The table's rows, each with only its own cells, and their :func:`_table_columns`
    (found once, for the size check of a safe DataSet and for the table).  ``versions``
    gets each call row's ``(function, code version)`` by entry name, ``recorded`` its
    recorded parameters."""
    rows = []
    parts_of: list[list[str]] = []  # each row's columns of results (see _results_apart)
    seen: dict[str, tuple[Any, Any]] = {}  # the call's of the version a row was made of
    parameters: dict[str, None] = {}
    source = 0  # bytes of the entry files read: a safe table's budget
    view = dataset._view(entries)  # the store's index: small values need no file read
    # by name (a view of given names comes in their order; of all, sorted already)
    for name, entry in sorted(view.items()):
        if edited is not None and _edited_and_loads(entry):
            edited(name)
            continue
        parts: list[str] = []

        def row_of(
            entry: Any, name: str = name, parts: list[str] = parts
        ) -> dict[str, Any] | None:
            info = entry.info()
            parts.clear()  # (a version read again makes its row anew)

            # results=False: no value is loaded, and no result column is made (a column
            # of None would read as results that are None)
            load = _naming(entry.value, name) if results else None
            if isinstance(info, dict) and "function" in info:
                if record_text(info, "status", "ok") != "ok" or "parameters" not in info:
                    return None  # a failure or sweep record: not a result
                row = _call_row(
                    name, info, load, details, parts, entry=name, function=info["function"]
                )
                seen[name] = (info["function"], record_text(info, "version") or "")
                if recorded is not None:
                    recorded[name] = info["parameters"]
                parameters.update(dict.fromkeys(call_parameters(name, info)))
            else:
                row = {"entry": name, "function": None}
                _add(row, info.items() if _is_record(info) else [("info", info)], "info_")
                if load is not None:
                    parts.extend(_add(row, _results(load(), row).items(), "result_"))
            return row

        try:
            # its info and value of one version of the entry: one rewritten since the
            # view saw it is read again whole, one deleted meanwhile left out
            found, row = read_one_version(entry, row_of)
        except (DamagedEntryError, UnsafeArchiveError) as err:
            if skip is None:
                raise
            skip(name, err)
            continue
        if found and row is not None:
            rows.append(row)
            parts_of.append(list(parts))
            if versions is not None and name in seen:
                versions[name] = seen[name]
            source += getattr(entry, "size", 0)
    rows = with_types(_results_apart(rows, parts_of), parameters)
    columns = _table_columns(rows, None)
    if getattr(dataset, "_load", None):  # a safe DataSet: a store someone sent
        check_table_size(dataset, len(rows), len(columns[0]), source, cell_bytes)
    return rows, columns


def _edited_and_loads(entry: Any) -> bool:
    """Whether a viewed entry is a stored call whose value (or recorded parameters) was
    edited by hand, as the store's index derived it, and that value loads (else it is
    left out as damaged, saying why)."""
    row = getattr(entry, "row", None)
    if row is None or not row.edited:
        return False
    try:
        entry.value()
    except Exception:  # damaged or refused: the table says so, as of any such entry
        return False
    return True


def _results_apart(rows: list[dict[str, Any]], parts_of: list[list[str]]) -> list[dict[str, Any]]:
    """``rows`` where no column holds a result in one row and something else in another:
    a result part named like another row's parameter (or info key, or the table's own
    column) is prefixed ``result_`` in every row, as it is in a row of a call with that
    parameter.  ``parts_of`` holds each row's columns of results.

    Of a store of ``f(n)`` returning ``{"n": ...}`` (column ``result_n``, apart from its
    parameter) and ``g(x)`` returning ``{"n": ...}``, column ``n`` held ``f``'s parameter
    and ``g``'s result.

    >>> _results_apart([{"n": 1, "result_n": 2}, {"x": 0.5, "n": 3}], [["result_n"], ["n"]])
    [{'n': 1, 'result_n': 2}, {'x': 0.5, 'result_n': 3}]
    """
    others: set[str] = set()  # the columns holding something else than a result
    for row, parts in zip(rows, parts_of, strict=True):
        others.update(row.keys() - parts if parts else row)
    if not others.intersection(chain.from_iterable(parts_of)):
        return rows
    out = []
    for row, parts in zip(rows, parts_of, strict=True):
        if others.isdisjoint(parts):
            out.append(row)
            continue
        renamed: dict[str, Any] = {}
        for column, value in row.items():
            if column in parts and column in others:
                name = "result_" + column
                while name in row or name in renamed or name in others:
                    name = "result_" + name
                column = name
            renamed[column] = value
        out.append(renamed)
    return out


def check_table_size(
    dataset: Any, rows: int, columns: int, source: int, cell_bytes: int = TABLE_CELL_BYTES
) -> None:
    """Refuse a table of ``rows`` x ``columns`` cells of a safe DataSet whose entries
    (``source`` bytes on disk) allow a safe load less memory than its cells take
    (``cell_bytes`` each; a DataFrame's by default).

    Every row has every column: a store whose N calls each record N parameter names of
    their own makes N**3 cells of N**2 bytes (300 calls of a 2.4 MB store: 27 million
    cells, 0.75 GB as a DataFrame).  A table of a DataSet opened with ``safe=True`` (a
    store someone sent) is kept to the budget of a safe load of its entries, raised as
    theirs is (``limits=``, ``max_bytes=``, ``ARCHIVED_MAX_BYTES``), which a store of
    many functions, and so many columns, stays far inside (100,000 calls x 500 columns
    of a 60 MB store: 1.6 GB of a 3.9 GB budget); a trusted DataSet's is not limited.

    >>> from types import SimpleNamespace
    >>> check_table_size(SimpleNamespace(_load={"safe": True}), 300, 90_003, 2_400_000)
    Traceback (most recent call last):
        ...
    archived.errors.BudgetExceededError: unsafe archive: a table of 300 rows x 90,003 \
columns ...
    >>> check_table_size(SimpleNamespace(_load=None), 300, 90_003, 2_400_000)
    """
    load = getattr(dataset, "_load", None)
    if not load:
        return
    from ..load.budget import Limits

    limits = load.get("limits") or Limits()
    if load.get("max_bytes") is not None:
        limits = dataclasses.replace(limits, max_bytes=load["max_bytes"])
    cells = rows * columns
    limits.budget(source).charge_bytes(
        cells * cell_bytes,
        f"a table of {rows:,} rows x {columns:,} columns (every row has every column "
        f"its entries record: {cells:,} cells)",
    )


def where(func: Any, **criteria: Any) -> list[Any]:
    """The stored calls of ``func`` (current version) whose parameters match ``criteria``.

    A criterion is a value (compared with ``==``: ``n=1`` selects ``1.0``, ``True`` and
    ``np.int64(1)`` too, numbers by their exact values; see :func:`equal_parameter`) or a
    one-argument predicate.  Each call has ``.parameters``, ``.info`` and ``.load()``;
    they are listed by their parameters, as :func:`function_table` lists its rows.
    Naming a parameter ``func`` does not have raises ``TypeError``.

    >>> import tempfile, os
    >>> from archived import archived
    >>> f = archived(os.path.join(tempfile.mkdtemp(), "s"))(lambda mu, n=1: mu * n)
    >>> _ = f(1.2), f(1.2, n=3), f(2.0)
    >>> sorted(c.load() for c in where(f, mu=1.2))
    [1.2, 3.5999999999999996]
    >>> where(f, nu=1)
    Traceback (most recent call last):
        ...
    TypeError: where(): 'nu' is not a parameter of ...; its parameters are mu, n
    """
    _check_criteria(func, criteria)
    with _gc_paused():
        found = _stored_calls(func, criteria).calls()
    if not found:
        _note_several_values(func, criteria)
    return found  # type: ignore[no-any-return]


def _note_several_values(func: Any, criteria: dict[str, Any]) -> None:
    """Warn when a ``where`` (or ``table``) that matched nothing was given a list, tuple
    or set: it selects the calls given that very container (``where(L=[8, 16])``: the
    calls of ``L=[8, 16]``), which a user asking for any of its values got no word of."""
    import warnings

    from .._usercode import user_stacklevel

    for name, want in criteria.items():
        if isinstance(want, (list, tuple, set, frozenset)) and want:
            values = repr(tuple(list(want)[:3]))
            if len(want) > 3:
                values = values[:-1] + ", ...)"
            warnings.warn(
                f"{name}={want!r:.80} matched no stored call of {func.identity}: a "
                f"{type(want).__name__} selects the calls given that "
                f"{type(want).__name__} itself; for any of several values pass a "
                f"predicate: {name}=lambda v: v in {values}",
                UserWarning,
                stacklevel=user_stacklevel(),
            )


def _check_criteria(func: Any, criteria: dict[str, Any], method: str = "where") -> None:
    names = [n for n in func.signature.parameters if n not in func.ignore]
    kwargs = [p.name for p in func.signature.parameters.values() if p.kind is p.VAR_KEYWORD]
    for name in criteria:
        if name not in names:
            # a keyword **kwargs takes is recorded inside it (kwargs={'a': 5}), never as
            # a parameter of its own: a criterion of its name matched no call, silently
            within = (
                f"; {name!r} given as a keyword is recorded inside **{kwargs[0]}: select "
                f"it with {method}({kwargs[0]}=lambda d: d.get({name!r}) == VALUE)"
                if kwargs and name not in func.ignore
                else ""
            )
            raise TypeError(
                f"{method}(): {name!r} is not a parameter of {func.identity}; its parameters "
                f"are {', '.join(names)}{within}"
            )


def _stored_calls(func: Any, criteria: dict[str, Any]) -> Any:
    """The stored calls of ``func`` (current version) matching ``criteria``, in the
    order of their parameters (:func:`~archived.store.callorder.call_order`), as
    :class:`~archived.cache.callstore.Calls`."""
    calls = _matching_calls(func, criteria)
    return calls.take(call_order(calls.briefs, parameter_names(func)))


def _matching_calls(func: Any, criteria: dict[str, Any]) -> Any:
    """The stored calls of ``func`` (current version) matching ``criteria``, in the
    order of their entries' names, as :class:`~archived.cache.callstore.Calls`."""
    calls = func.store.call_columns(func.identity, func.prefix, version=func.version)
    names, briefs = calls.names, calls.briefs
    if criteria:
        return calls.take(
            [
                i
                for i, (name, brief) in enumerate(zip(names, briefs, strict=True))
                if _matches(call_parameters(name, brief), criteria)
            ]
        )
    # no copy of each call's parameters, but a damaged record is still refused
    for name, brief in zip(names, briefs, strict=True):
        if type(brief.get("parameters", {})) is not dict:
            call_parameters(name, brief)
    return calls


def call_parameters(name: str, info: dict[str, Any]) -> dict[str, Any]:
    """The parameters the call record ``info`` of entry ``name`` holds (a new dict);
    ``DamagedEntryError`` if they are not a dict (a store can hold any record).

    >>> call_parameters("f_1", {"function": "m.f", "parameters": {"n": 2}})
    {'n': 2}
    >>> call_parameters("f_1", {"function": "m.f", "parameters": [1, 2]})
    Traceback (most recent call last):
        ...
    archived.errors.DamagedEntryError: entry 'f_1' is damaged: its call record's parameters ...
    """
    parameters = info.get("parameters")
    if parameters is None:
        return {}
    if type(parameters) is not dict:
        kind = type(parameters).__name__
        raise DamagedEntryError(name, f"its call record's parameters are a {kind}, not a dict")
    return dict(parameters)


def brief_of(info: Any) -> dict[str, Any] | None:
    """The items of the info record ``info`` whose keys are in :data:`BRIEF_KEYS` (a new
    dict, in the record's order), or None if it is not a dict.

    >>> brief_of({"function": "m.f", "host": "h", "parameters": {"n": 2}, "status": "ok"})
    {'function': 'm.f', 'parameters': {'n': 2}, 'status': 'ok'}
    >>> brief_of([1]) is None
    True
    """
    if not isinstance(info, dict):
        return None
    return {k: v for k, v in info.items() if k in _BRIEF}


def record_text(info: dict[str, Any], field: str, default: str | None = None) -> str | None:
    """The text field ``field`` of a record (a call's function, status, key, version), or
    None where a store holds something else (an array there made every ``==`` with it
    raise numpy's ambiguous-truth ValueError, out of calls, tables and the commands).

    >>> import numpy as np
    >>> record_text({"status": "ok"}, "status"), record_text({"status": np.ones(2)}, "status")
    ('ok', None)
    """
    value = info.get(field, default)
    return value if type(value) is str else None


def to_table(rows: list[dict[str, Any]], *, frame: bool | None = None) -> Any:
    """Rows (dicts) as a DataFrame, or as a list of dicts all having every column.

    Columns come in the order they first appear.

    >>> to_table([{"a": 1}, {"b": 2}], frame=False)
    [{'a': 1, 'b': None}, {'a': None, 'b': 2}]
    """
    return _ordered_table(rows, None, frame)


def _ordered_table(
    rows: list[dict[str, Any]],
    order: list[int] | None,
    frame: bool | None,
    empty: list[str] | None = None,
    columns: tuple[dict[str, None], bool] | None = None,
    store: Any = None,
) -> Any:
    """:func:`to_table` of ``rows`` listed in the ``order`` of their positions (None: as
    they are), each looked at in the order given, the order they were made in; a
    DataFrame of no rows has the columns ``empty``.  ``columns``: the rows'
    :func:`_table_columns` when the caller found them already.  ``store``: the DataSet
    the rows were read from (read safely: pandas is never a module beside it).

    >>> _ordered_table([{"a": 1}, {"b": 2}, {"a": 3}], [1, 2, 0], False)
    [{'b': 2, 'a': None}, {'b': None, 'a': 3}, {'b': None, 'a': 1}]
    """
    names, alike = _table_columns(rows, order, empty) if columns is None else columns
    if order is not None:
        rows = list(map(rows.__getitem__, order))
    if frame is not False:
        # pandas (and the optional libraries it imports) is imported here, after the
        # values are loaded: never from a store someone sent, whose folder may be a
        # notebook's, first on sys.path (a safe load's own imports are checked alike)
        load = getattr(store, "_load", None)
        with no_store_imports(*((store._path, load["allow"]) if load else ())):
            try:
                import pandas
            except ImportError:
                if frame:
                    raise ImportError(
                        "frame=True needs pandas: pip install 'archived[pandas]'"
                    ) from None
            else:
                table = pandas.DataFrame(rows, columns=list(names))
                _keep_integers(table, rows, pandas)
                return table
    if alike:
        return rows  # every row has every column, in order
    # (each row a copy of a row of None, then its own cells: at C speed; a lookup of
    # every column in every row took 15 of the 24 s of a table of 300 calls each
    # recording 300 names of their own)
    blank = dict.fromkeys(names)
    return [{**blank, **row} for row in rows]


def _keep_integers(table: Any, rows: list[dict[str, Any]], pandas: Any) -> None:
    """Give back their integers to the columns of ``table`` (made of ``rows``) that pandas
    made floats (``pandas`` is the module).  A column of integers and floats (a result
    ``8`` in one row, ``1.5`` in another) holds its values as they are (dtype object):
    pandas showed ``8.0``, no result any call returned.  A column of integers with a cell
    a row lacks, which pandas fills with NaN, becomes pandas' nullable ``Int64`` (the gap
    ``<NA>``; a DataSet of two functions, each with parameters of its own, had every
    parameter's ``n=3`` as ``3.0``; an integer above 2**53 lost its digits), or holds the
    integers as objects where they do not fit in 64 bits.

    >>> import pandas
    >>> rows = [{"r": 8}, {"r": 1.5}]
    >>> table = pandas.DataFrame(rows)
    >>> _keep_integers(table, rows, pandas)
    >>> table["r"].tolist(), str(table["r"].dtype)
    ([8, 1.5], 'object')
    """
    import numpy

    floats = [c for c, dtype in zip(table.columns, table.dtypes, strict=True) if dtype.kind == "f"]
    for column in floats:
        cells = table[column].to_numpy()
        known = cells[~numpy.isnan(cells)]
        if not (known == numpy.trunc(known)).any():
            continue  # no whole number: no cell was an integer (told without a row read)
        values = [row.get(column) for row in rows]
        kinds = set(map(type, values))  # (a column's types at once: most hold floats)
        numbers = kinds - {type(None)}
        if not any(map(_integer_type, numbers)):
            continue  # floats, whole ones among them
        if type(None) in kinds and all(map(_integer_type, numbers)):
            try:
                table[column] = pandas.array(values, dtype="Int64")
                continue
            except (OverflowError, TypeError, ValueError):  # beyond 64 bits: as they are
                pass
        table[column] = pandas.Series(values, index=table.index, dtype=object)


def _integer_type(kind: type) -> bool:
    """Whether ``kind`` is Python's or a numpy integer type (not bool, nor a subclass of
    int, whose values a store read safely may have made anything but a number).

    >>> import numpy as np
    >>> [_integer_type(type(v)) for v in (3, np.uint8(3), True, np.bool_(True), 3.0, "3")]
    [True, True, False, False, False, False]
    """
    if kind is int:
        return True
    numpy = sys.modules.get("numpy")
    return numpy is not None and issubclass(kind, numpy.integer)


def _table_columns(
    rows: list[dict[str, Any]], order: list[int] | None, empty: list[str] | None = None
) -> tuple[dict[str, None], bool]:
    """The columns of a table of ``rows`` listed in ``order`` (see _ordered_table), in the
    order they first appear, and whether every row has them all, in that order.

    >>> _table_columns([{"a": 1}, {"b": 2}, {"a": 3}], [1, 2, 0])
    ({'b': None, 'a': None}, False)
    """
    shapes: dict[tuple[str, ...], int] = {}
    kinds = []  # each row's shape (its position in shapes)
    for row in rows:
        shape = tuple(row)
        kind = shapes.get(shape)  # most rows have the same columns: each kind kept once
        if kind is None:
            kind = shapes[shape] = len(shapes)
        kinds.append(kind)
    columns: dict[str, None] = dict.fromkeys(empty or ())
    if len(shapes) == 1:
        return dict.fromkeys(next(iter(shapes))), True
    if shapes:  # in the order they first appear in the rows as listed
        kind_of = kinds if order is None else list(map(kinds.__getitem__, order))
        shape_of = list(shapes)
        for kind in dict.fromkeys(kind_of):
            columns.update(dict.fromkeys(shape_of[kind]))
    return columns, False


def with_types(rows: list[dict[str, Any]], names: Iterable[str]) -> list[dict[str, Any]]:
    """Rows with a column ``type(<name>)`` after each parameter ``<name>`` that holds a
    value of a type other than a plain builtin in some row: ``np.float64(1.0)`` and
    ``1.0`` are different calls, and a table must not show them as the same.

    >>> import numpy as np
    >>> for row in with_types([{"x": np.float64(1.0)}, {"x": 1.0}, {"x": 2}], ["x"]):
    ...     print(row["type(x)"])
    numpy.float64
    float
    int
    >>> with_types([{"x": 1.0}], ["x"])
    [{'x': 1.0}]
    """
    # the types of the cells at once, at C speed: most tables hold builtins alone
    if _BUILTINS.issuperset(map(type, chain.from_iterable(map(dict.values, rows)))):
        return rows
    # the columns holding another type, from the cells each row has (a scan of every
    # row for each name cost the product of rows and names: a store whose calls each
    # record names of their own made it the square of the store)
    if not isinstance(names, (dict, set, frozenset)):
        names = set(names)
    typed = set()
    for row in rows:
        for key, value in row.items():
            if type(value) not in _BUILTINS and key in names:
                typed.add(key)
    if not typed:
        return rows
    out = []
    for row in rows:
        new: dict[str, Any] = {}
        for key, value in row.items():
            new[key] = value
            if key in typed:
                new[f"type({key})"] = _type_label(value) or type(value).__name__
        out.append(new)
    return out


# the types with_types shows no type of (plain builtins, containers included)
_BUILTINS = frozenset({type(None), bool, int, float, complex, str, bytes, list, tuple, dict})


def _type_label(value: Any) -> str | None:
    """The type of a recorded value, None for plain builtins (containers included)."""
    kind = type(value)
    if kind in _BUILTINS:
        return None
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"


def is_scalar(value: Any) -> bool:
    """Whether ``value`` fits in one table cell: a number, string, bool or None
    (numpy scalars and 0-d arrays included).

    >>> import numpy as np
    >>> [is_scalar(v) for v in (1, "a", None, np.float32(2), np.array(3.0), [1], np.ones(2))]
    [True, True, True, True, True, False, False]
    """
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes)):
        return True
    shape = getattr(value, "shape", None)
    # the class's item method, never the value's own attribute: a store read safely may
    # hold SimpleNamespace(shape=(), item=partial(...)), which _plain would call
    return shape == () and callable(getattr(type(value), "item", None))


def result_columns(value: Any, parameters: Iterable[str] = ()) -> dict[str, Any]:
    """The table columns a result gives (its scalar parts), named apart from the
    ``parameters``.

    >>> result_columns({"mean": 1.5, "xs": [1, 2], "n": 2}, ["n"])
    {'mean': 1.5, 'result_n': 2}
    >>> result_columns({"fit": {"slope": 2.0, "error": 0.1}, "label": "run 1"})
    {'fit.slope': 2.0, 'fit.error': 0.1, 'label': 'run 1'}
    """
    return _results(value, parameters)


# ---- helpers ---------------------------------------------------------------------------


def _call_row(
    name: str,
    info: dict[str, Any],
    load: Callable[[], Any] | None,
    details: bool,
    parts: list[str] | None = None,
    **first: Any,
) -> dict[str, Any]:
    """A stored call's row: its parameters, then its results (none if ``load`` is
    None), the ``first`` columns before and the details after.  A column of the
    table's own (``entry``, ``function``, ``version``, ...) keeps its name: a
    parameter named like it is prefixed ``parameter_``, a result part ``result_`` (a
    parameter ``version`` overwrote, with details, every call's parameter with the
    code version).  ``parts`` gets the columns of the results."""
    parameters = call_parameters(name, info)
    if load is not None and not details and not first and "result" not in parameters:
        columns = _results(load(), parameters)
        if parts is not None:
            parts.extend(columns)
        return {**parameters, **columns}  # the common row, at C speed
    row = {"entry": name, **first} if details else first
    after = {k: info.get(k) for k in _DETAILS[1:]} if details else {}
    _add(row, parameters.items(), "parameter_", after)
    if load is not None:
        made = _add(row, _results(load(), {**row, **after}).items(), "result_", after)
        if parts is not None:
            parts.extend(made)
    row.update(after)
    return row


def _add(
    row: dict[str, Any],
    items: Iterable[tuple[Any, Any]],
    prefix: str,
    also: Collection[str] = (),
) -> list[str]:
    """Put ``items`` in ``row``, each under a column no other one has (``prefix`` added
    until it has none), so that no column overwrites another; return those columns."""
    columns = []
    for key, value in items:
        column = key_text(key)
        while column in row or column in also:
            column = prefix + column
        row[column] = value
        columns.append(column)
    return columns


def _naming(load: Callable[[], Any], name: str) -> Callable[[], Any]:
    """``load``, whose refusal (a safe load's, a damaged value's) notes the entry it read
    and the table that loads no value: of a table of hundreds of entries, a safe load's
    'line 25: import of module ...' named none."""

    def value() -> Any:
        try:
            return load()
        except (DamagedEntryError, UnsafeArchiveError) as err:
            err.add_note(
                f"(the value of entry {name!r}, read for the table; _table(results=False) "
                "lists every entry without loading the values)"
            )
            raise

    return value


def _results(value: Any, taken: Iterable[str]) -> dict[str, Any]:
    """The result columns of ``value``, named apart from the columns ``taken``."""
    if type(value) in _PLAIN or is_scalar(value):
        column = "result"
        while column in taken:  # a parameter named result
            column = "result_" + column
        return {column: value if type(value) in _PLAIN else _plain(value)}
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        value = {f"result_{i}": item for i, item in enumerate(value)}  # return a, b
    parts = _named_parts(value)
    if parts is None:
        return {}
    if not isinstance(taken, (dict, set, frozenset)):
        taken = set(taken)
    out: dict[str, Any] = {}
    _add_parts(parts, "", taken, out, [value])
    return out


def _named_parts(value: Any, nested: bool = False) -> dict[Any, Any] | None:
    """The parts of ``value`` that have names (a dict's items, a dataclass's fields, a
    namedtuple's fields), or None: a list or a plain tuple is not flattened, nor is a
    ``nested`` dict with a key that is not a text (``{bin: count}``, data rather than
    named results: a column per bin, different in every row)."""
    if isinstance(value, dict):
        if nested and not all(type(key) is str for key in value):
            return None
        return value
    if isinstance(value, tuple):
        fields = getattr(value, "_fields", None)  # a namedtuple
        if isinstance(fields, tuple) and len(fields) == len(value):
            return dict(zip(fields, value, strict=True))
        return None
    if hasattr(type(value), "__dataclass_fields__"):  # a dataclass instance (not a class)
        # the README's typed result: its scalar fields are its columns, as a dict's keys
        return {f.name: getattr(value, f.name, None) for f in dataclasses.fields(value)}
    return None


def _add_parts(
    parts: dict[Any, Any], path: str, taken: Any, out: dict[str, Any], within: list[Any]
) -> None:
    """Put the scalar ``parts`` in ``out`` as columns ``path`` + their names, and those of
    the named structures among them under their own paths (``obs.energy``); ``within``
    holds the structures this one is inside, so a structure holding itself ends."""
    for key, item in parts.items():
        if type(item) in _PLAIN:  # most results: builtin scalars, kept as they are
            plain = item
        elif is_scalar(item):
            plain = _plain(item)
        else:
            inner = None if len(within) > _MAX_NESTING else _named_parts(item, nested=True)
            if inner is not None and not any(item is outer for outer in within):
                within.append(item)
                _add_parts(inner, f"{path}{key_text(key)}.", taken, out, within)
                within.pop()
            continue
        column = path + key_text(key)
        while column in taken or column in out:  # {1: a, '1': b} are two columns
            column = "result_" + column
        out[column] = plain


_MAX_NESTING = 16  # the named structures a column is inside, at most: deeper is left out


# scalars that fit a cell as they are (exact types: a subclass goes through is_scalar)
_PLAIN = frozenset({bool, int, float, complex, str, bytes, type(None)})
_TEXT = frozenset({str})


def _plain(value: Any) -> Any:
    item = getattr(type(value), "item", None)  # see is_scalar: the class's, never the value's
    if callable(item) and getattr(value, "shape", None) == ():
        return item(value)
    return value


def _is_record(info: Any) -> bool:
    return isinstance(info, dict) and all(isinstance(k, str) for k in info)


def _same(value: Any) -> Any:
    return value


def _matches(parameters: dict[str, Any], criteria: dict[str, Any]) -> bool:
    for name, wanted in criteria.items():
        if name not in parameters:
            return False
        value = parameters[name]
        if callable(wanted):
            if not wanted(value):
                return False
        elif not equal_parameter(value, wanted):
            return False
    return True


def equal_parameter(value: Any, wanted: Any) -> bool:
    """Whether a recorded parameter ``value`` equals the criterion ``wanted``, as
    ``where()`` and the command line's ``--where`` select calls: with ``==``, so ``1``
    selects ``1.0``, ``True`` and ``np.int64(1)`` too, but numbers of different types by
    their exact values (numpy rounds ``2**53 + 1`` to a float64 before comparing it).  A
    value that compares element by element (an array a store recorded) and cannot say is
    not equal.

    >>> import numpy as np
    >>> equal_parameter(1.0, 1), equal_parameter(np.int64(3), 3)
    (True, True)
    >>> equal_parameter(np.float64(2**53), 2**53 + 1), equal_parameter([1, 2], [1, 2])
    (False, True)
    """
    if type(value) is not type(wanted) and _is_number(value) and _is_number(wanted):
        value, wanted = exact_number(value), exact_number(wanted)
    try:
        return bool(value == wanted)
    except Exception:  # noqa: BLE001 - numpy's ambiguous truth value, and the like
        return False


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Number)


def exact_number(number: Any) -> Any:
    """``number`` as the Python int, float or complex of exactly its value (a numpy
    scalar converted), else as it is.

    >>> import numpy as np
    >>> exact_number(np.int64(2**53 + 1)), exact_number(np.float32(0.5))
    (9007199254740993, 0.5)
    """
    if isinstance(number, int):
        return int(number)
    if isinstance(number, float):
        return float(number)
    if isinstance(number, complex):
        return complex(number)
    np = sys.modules.get("numpy")  # without numpy loaded, no value is a numpy scalar
    if np is None:
        return number
    if isinstance(number, np.integer):
        return int(number)
    if isinstance(number, np.floating) and not isinstance(number, np.longdouble):
        return float(number)
    if type(number) in (np.complex64, np.complex128):
        return complex(number)
    return number
