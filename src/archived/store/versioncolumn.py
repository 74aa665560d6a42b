"""The ``version`` column of a table of a store's calls, added while a function has
results of several code versions (:func:`with_version_column`).

A store keeps the results of old code versions (until pruned) beside the current
ones, under the same parameters: a table that does not tell them apart shows a stale
call and a current one as duplicate rows, and passes the old version's result off as
the current code's.  ``archived ls -l``, ``archived export`` and a DataSet's
``_table()`` then add the column; with one version per function it says nothing and
is left out (``details=True`` tables always have it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["mixed_functions", "version_column", "with_version", "with_version_column"]


def mixed_functions(calls: Iterable[tuple[Any, Any]]) -> set[str]:
    """The functions of ``(function, version)`` pairs (one per stored result) that have
    results of more than one code version.

    >>> sorted(mixed_functions([("m.f", "1"), ("m.f", "2"), ("m.g", "1"), ("m.g", "1")]))
    ['m.f']
    """
    versions: dict[str, set[Any]] = {}
    for function, version in calls:
        if function:
            versions.setdefault(function, set()).add(version)
    return {f for f, v in versions.items() if len(v) > 1}


def version_column(columns: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """The name of each of a table's ``columns`` once it has the column ``version`` after
    ``function`` (as in a table's details, a parameter named ``version`` moves to
    ``parameter_version``), and the columns then.  Decided from all the columns, never a
    row's own: a row holds only the cells it has.

    >>> version_column(["entry", "function", "version", "x"])
    ({'entry': 'entry', 'function': 'function', 'version': 'parameter_version', 'x': 'x'}, \
['entry', 'function', 'version', 'parameter_version', 'x'])
    """
    columns = list(columns)
    named: dict[str, str] = {}
    out: list[str] = []
    for key in columns:
        column = key
        while column == "version" or (column != key and column in columns):
            column = "parameter_" + column
        named[key] = column
        out.append(column)
        if key == "function":
            out.append("version")
    return named, out


def with_version(row: dict[str, Any], version: Any, named: Mapping[str, str]) -> dict[str, Any]:
    """``row`` with its columns ``named`` (:func:`version_column`) and, if it is a
    call's, its ``version``.

    >>> with_version({"entry": "f_1", "function": "m.f", "x": 1}, "2", {
    ...     "entry": "entry", "function": "function", "x": "x"})
    {'entry': 'f_1', 'function': 'm.f', 'version': '2', 'x': 1}
    """
    out: dict[str, Any] = {}
    for key, value in row.items():
        out[named[key]] = value
        if key == "function" and value:
            out["version"] = version
    return out


def with_version_column(
    rows: list[dict[str, Any]], columns: Iterable[str], versions: Mapping[str, tuple[Any, Any]]
) -> tuple[list[dict[str, Any]], list[str]] | None:
    """``rows`` (each with its ``entry``) and their ``columns`` with the column
    ``version`` after ``function``, when the calls' ``versions`` (entry ->
    ``(function, version)``, one per stored result) mix versions of a function; else
    None (the table is left as it is).

    >>> rows = [{"entry": "f_1", "function": "m.f", "x": 1},
    ...         {"entry": "f_2", "function": "m.f", "x": 1}]
    >>> with_version_column(rows, ["entry", "function", "x"], {
    ...     "f_1": ("m.f", "1"), "f_2": ("m.f", "2")})[0]  # doctest: +NORMALIZE_WHITESPACE
    [{'entry': 'f_1', 'function': 'm.f', 'version': '1', 'x': 1},
     {'entry': 'f_2', 'function': 'm.f', 'version': '2', 'x': 1}]
    """
    if not mixed_functions(versions.values()):
        return None
    named, out = version_column(columns)
    versioned = [
        with_version(row, versions.get(row.get("entry", ""), (None, ""))[1], named) for row in rows
    ]
    return versioned, out
