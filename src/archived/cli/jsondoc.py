"""``--json``: the command line's output for programs, one JSON document per command.

Every document is an object whose first key, ``"schema"``, names the document and its
version (``"archived.ls/1"``, ...).  A version only ever gains keys; a change that
removes or redefines a key gets a new version number.  Sizes are bytes, durations
seconds, times ISO 8601 strings with their UTC offset (``null`` when unknown).

``archived ls PATH --json`` (``archived.ls/1``; the same with ``-l``): every entry's full
record, what ``ls -l`` shows (``ls`` without ``--json`` prints the names alone)::

    {"schema": "archived.ls/1", "store": "/abs/path", "count": 2, "size": 1234,
     "entries": [{"name": "f_0123abcd...", "kind": "result", "function": "m.f",
                  "version": "...", "parameters": {"x": 1}, "size": 617,
                  "date": "2026-01-31T12:00:00+00:00", "error": null}, ...]}

``kind`` is ``result``, ``failed`` (a recorded failure, ``error`` says why), ``sweep`` (a
sweep record), ``entry`` (a plain DataSet entry; ``parameters`` is its info record when
that is a dict of names) or ``damaged`` (``error`` says why).  ``function``, ``version``
and ``parameters`` are ``null`` where an entry has none.  ``date`` is when the call
started (results, failures), when the sweep was recorded, or when the entry file was
last written (plain entries).

``archived ls PATH --status --json`` (``archived.sweeps/1``): ``"sweeps"``, a list of
``{"function", "version", "record", "counts": {"done", "failed", "missing"}, "points":
[{"parameters", "state", "entry", "duration", "started", "error"}]}``, and ``"failed"``,
the recorded failures as ``ls`` entries.

``archived show PATH NAME --json`` (``archived.show/1``): the ``ls`` fields of the entry,
plus ``"file"`` (its path), ``"info"`` (the whole info record) and ``"value"``
(``{"type": "module.Type", "summary": "..."}``, or ``null`` with ``--no-value`` and for
failed or damaged entries).

``archived prune PATH ... --json`` (``archived.prune/1``): ``{"store", "dry_run",
"count", "size", "entries", "kept"}``: ``entries`` are the ``ls`` records of the entries
deleted (in a dry run, of those ``--yes`` would delete), ``kept`` the entries selected
but kept, each with why (``{"latest": "it was rewritten since it was chosen"}``).

``archived verify PATH --json`` (``archived.verify/1``) and ``repair`` (``archived.repair/1``):
``{"store", "ok", "entries", "damaged": {name: why}, "unimportable": {name: why},
"orphans", "leftovers", "in_progress", "removed", "kept_aside", "backed_up", "other_key",
"key_unchecked", "edited", "no_digest", "misnamed", "no_array_digest"}``, the fields of
:class:`~archived.store.integrity.VerifyReport` (``backed_up``: the files of ``removed``
moved into ``.backup/`` rather than deleted; ``edited``: the stored calls whose value was
edited by hand, a problem: ``ok`` is false and the command exits 1; ``no_digest``: the
stored calls written before archived recorded a value digest, not a problem;
``misnamed``: entry name -> the name its recorded key gives it, a problem;
``no_array_digest``: the entries whose arrays of data files were written before archived
recorded their digests, not a problem).

Values (parameters, info records) are written as JSON where JSON holds them exactly:
``None``, ``bool``, ``int``, ``str``, finite ``float``, lists, and dicts with ``str``
keys.  Any other value (a tuple, a NaN, a numpy scalar, a set, a dict with other keys,
...) is written as ``{"type": "module.Type", "repr": "..."}``, and so is a dict whose
keys are exactly ``type`` and ``repr``: an object with exactly those two keys is always
such an escaped value, never a user's dict.

>>> print(dumps(json_value({"x": 1.5, "shape": (2, 3), "bad": float("nan")})))
{
  "x": 1.5,
  "shape": {
    "type": "tuple",
    "repr": "(2, 3)"
  },
  "bad": {
    "type": "float",
    "repr": "nan"
  }
}
"""

from __future__ import annotations

import datetime
import json
import math
from collections.abc import Iterable
from typing import Any

from .._format import int_text, seconds_of
from .escape import json_escaped

__all__ = [
    "json_value",
    "dumps",
    "ls_document",
    "sweeps_document",
    "show_document",
    "report_document",
    "prune_document",
]


def json_value(value: Any) -> Any:
    """``value`` as JSON data: itself where JSON holds it exactly, else escaped as
    ``{"type": ..., "repr": ...}`` (see the module docs).

    >>> json_value({"a": [1, None, "s"], "b": {1, 2}})
    {'a': [1, None, 's'], 'b': {'type': 'set', 'repr': '{1, 2}'}}
    >>> json_value({"type": "x", "repr": "y"})
    {'type': 'dict', 'repr': "{'type': 'x', 'repr': 'y'}"}
    """
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:  # one too long to write in decimal is escaped as its hex literal
        text = int_text(value)
        return value if not text.startswith(("0x", "-0x")) else {"type": "int", "repr": text}
    if kind is float and math.isfinite(value):
        return value
    if kind is list:
        return [json_value(item) for item in value]
    if kind is dict and all(type(k) is str for k in value) and value.keys() != _ESCAPED:
        return {k: json_value(v) for k, v in value.items()}
    return {"type": _type_name(kind), "repr": _repr(value)}


def dumps(document: Any) -> str:
    """The JSON text of a document (indented, keys in their given order, strict JSON:
    no NaN or Infinity).

    >>> dumps({"schema": "archived.ls/1", "count": 0})
    '{\\n  "schema": "archived.ls/1",\\n  "count": 0\\n}'
    """
    text = json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate read from a store: escapes, as JSON has
        text = json.dumps(document, indent=2, ensure_ascii=True, allow_nan=False)
    # C1 and bidirectional controls read from a store, as JSON escapes (the terminal
    # showing the document would act on them; JSON escapes only C0 itself)
    return json_escaped(text)


def ls_document(store: str, entries: Iterable[Any]) -> dict[str, Any]:
    """The ``archived.ls/1`` document of a store's listed entries (``Entry`` objects of
    :mod:`archived.cli.entries`).

    >>> ls_document("/s", [])
    {'schema': 'archived.ls/1', 'store': '/s', 'count': 0, 'size': 0, 'entries': []}
    """
    listed = [entry_fields(e) for e in entries]
    return {
        "schema": "archived.ls/1",
        "store": store,
        "count": len(listed),
        "size": sum(e["size"] for e in listed),
        "entries": listed,
    }


def sweeps_document(store: str, sweeps: Iterable[Any], failed: Iterable[Any]) -> dict[str, Any]:
    """The ``archived.sweeps/1`` document: recorded sweeps (``SweepStatus``) and the
    recorded failures (listed entries of kind ``failed``).

    >>> sweeps_document("/s", [], [])["sweeps"]
    []
    """
    return {
        "schema": "archived.sweeps/1",
        "store": store,
        "sweeps": [
            {
                "function": s.function,
                "version": s.version,
                "record": s.record,
                "counts": s.counts(),
                "points": [
                    {
                        "parameters": json_value(p.parameters),
                        "state": p.state,
                        "entry": p.entry,
                        "duration": _number(p.duration),
                        "started": p.started,
                        "error": p.error,
                    }
                    for p in s.points
                ],
            }
            for s in sweeps
        ],
        "failed": [entry_fields(e) for e in failed],
    }


def show_document(
    store: str, entry: Any, value: Any = None, *, with_value: bool
) -> dict[str, Any]:
    """The ``archived.show/1`` document of one entry (an ``Entry`` of
    :mod:`archived.cli.entries`) and, if ``with_value``, a summary of its loaded ``value``."""
    from .._format import summarize_value

    document = {"schema": "archived.show/1", "store": store, **entry_fields(entry)}
    document["file"] = entry.file
    document["info"] = json_value(entry.raw_info)
    document["value"] = (
        {"type": _type_name(type(value)), "summary": summarize_value(value)}
        if with_value
        else None
    )
    return document


def prune_document(
    store: str, entries: Iterable[Any], kept: dict[str, str], *, dry_run: bool
) -> dict[str, Any]:
    """The ``archived.prune/1`` document: the entries deleted (or to be, in a dry run)
    and the selected entries kept, each with why.

    >>> prune_document("/s", [], {"x": "its info cannot be read"}, dry_run=True)["kept"]
    {'x': 'its info cannot be read'}
    """
    listed = [entry_fields(e) for e in entries]
    return {
        "schema": "archived.prune/1",
        "store": store,
        "dry_run": dry_run,
        "count": len(listed),
        "size": sum(e["size"] for e in listed),
        "entries": listed,
        "kept": dict(kept),
    }


def report_document(command: str, report: Any) -> dict[str, Any]:
    """The ``archived.verify/1`` (or ``archived.repair/1``) document of a ``VerifyReport``.

    >>> from archived.store.integrity import VerifyReport
    >>> report_document("verify", VerifyReport("/s", ["a"]))["ok"]
    True
    """
    return {
        "schema": f"archived.{command}/1",
        "store": report.path,
        "ok": report.ok,
        "entries": list(report.entries),
        "damaged": dict(report.damaged),
        "unimportable": dict(report.unimportable),
        "orphans": list(report.orphans),
        "leftovers": list(report.leftovers),
        "in_progress": list(report.in_progress),
        "removed": list(report.removed),
        "kept_aside": list(report.kept_aside),
        "backed_up": list(report.backed_up),
        "other_key": dict(report.other_key),
        "key_unchecked": list(report.key_unchecked),
        "edited": list(report.edited),
        "no_digest": list(report.no_digest),
        "misnamed": dict(report.misnamed),
        "no_array_digest": list(report.no_array_digest),
    }


def entry_fields(entry: Any) -> dict[str, Any]:
    """The fields every document gives of a listed entry (an ``Entry`` of
    :mod:`archived.cli.entries`)."""
    return {
        "name": entry.name,
        "kind": entry.kind,
        "function": entry.function or None,
        "version": entry.version or None,
        "parameters": None if entry.parameters is None else json_value(entry.parameters),
        "size": entry.size,
        "date": _iso(entry.time),
        "error": entry.error or None,
    }


_ESCAPED = {"type", "repr"}


def _type_name(kind: type) -> str:
    module = getattr(kind, "__module__", "")
    name = getattr(kind, "__qualname__", kind.__name__)
    return name if module in ("builtins", "") else f"{module}.{name}"


def _repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception as err:  # a broken __repr__ must not stop the listing
        return f"<unrepresentable: {type(err).__name__}>"


def _number(value: Any) -> float | None:
    return value if seconds_of(value) is not None else None


def _iso(timestamp: float | None) -> str | None:
    if not timestamp:
        return None
    try:
        return datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc).isoformat()
    except (ValueError, OverflowError, OSError):  # a time no calendar shows (see format_time)
        return None
