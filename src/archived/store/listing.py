"""What a listing of a store (``archived ls -l``) says of an entry, from its info record.

:func:`describe` reads an entry's kind (a stored call's ``result``, a ``failed`` call, a
``sweep`` record, a plain DataSet ``entry``), function, code version, a one-line summary
of its parameters and when it was made.  The command line lists entries with it, and the
read-side index (:mod:`archived.store.index`) keeps the columns ``ls`` prints beside each
row (:func:`columns`), so listing an unchanged entry decodes no info record at all.

>>> d = describe("f_1", {"function": "m.f", "version": "2", "parameters": {"n": 2},
...                      "status": "ok", "started": "2026-01-31T12:00:00+00:00"})
>>> d.kind, d.function, d.summary, d.started
('result', 'm.f', 'n=2', 1769860800.0)
"""

from __future__ import annotations

import datetime
from typing import Any, NamedTuple

from .._format import format_params, text_of
from ..errors import DamagedEntryError

__all__ = ["describe", "Description", "columns", "KINDS"]

#: Every kind a listing names (``damaged``: the entry or its call record is unreadable;
#: ``edited``: a call's result edited by hand, see :mod:`archived.store.valuedigest`).
KINDS = ("result", "failed", "sweep", "entry", "damaged", "edited")
_STATUS_KINDS = {"ok": "result", "failed": "failed", "sweep": "sweep", "edited": "edited"}


class Description(NamedTuple):
    """An entry as a listing sees it (``started``: a POSIX time, or None: use the
    file's; ``local_time``: ``started`` was read in this machine's time zone)."""

    kind: str
    function: str
    version: str
    summary: str
    error: str
    parameters: dict[str, Any] | None
    started: float | None
    local_time: bool


def describe(name: str, info: Any) -> Description:
    """The kind, function, version, parameters' summary and start time of entry ``name``
    whose info record is ``info`` (a call record whose parameters are not a dict is
    ``damaged``, with the reason as its summary and error).

    >>> describe("x_0", {"mu": 1.5})[:4]
    ('entry', '', '', 'mu=1.5')
    >>> describe("f_2", {"function": "m.f", "parameters": [1]}).kind
    'damaged'
    """
    from .table import record_text

    record = info if isinstance(info, dict) else {}
    status = record_text(record, "status", "ok")
    if "function" not in record or status not in _STATUS_KINDS:
        parameters = None
        if isinstance(info, dict) and all(isinstance(k, str) for k in info):
            parameters = info
        summary = format_params(info) if info is not None else ""
        return Description("entry", "", "", summary, "", parameters, None, False)
    # fields of a record as text, whatever a store holds there (str() of a 5001-digit
    # int raises, so every command died on such a record)
    function = text_of(record["function"])
    version = text_of(record.get("version", ""))
    kind = _STATUS_KINDS[status]
    # a start as text only: 'or' took the truth of whatever a store holds there, and an
    # array's raised numpy's ambiguous-truth ValueError out of ls, show, export, table()
    started, local_time = _iso_time(
        record_text(record, "started") or record_text(record, "created")
    )
    if kind == "sweep":
        points = text_of(record.get("points"))
        summary = f"{points} point" if points == "1" else f"{points} points"
        return Description(kind, function, version, summary, "", None, started, local_time)
    from .table import call_parameters

    try:
        parameters = call_parameters(name, record)
    except DamagedEntryError as err:  # listed as damaged, like unreadable entries
        reason = err.reason
        return Description("damaged", function, version, reason, reason, None, started, local_time)
    error = ""
    if kind == "failed":
        error_name, message = text_of(record.get("error")), text_of(record.get("message"))
        error = f"{error_name}: {message}".rstrip(": ")
    summary = format_params(parameters)
    return Description(kind, function, version, summary, error, parameters, started, local_time)


def columns(name: str, info: Any) -> tuple[str, str, str, str, float | None] | None:
    """``(kind, function, version, summary, started)``: what ``ls`` prints of entry ``name`` from
    its info record, or None when it depends on the reader (a start time written without
    its UTC offset is read in the reader's time zone).

    >>> columns("x_0", {"mu": 1.5})
    ('entry', '', '', 'mu=1.5', None)
    >>> columns("f_1", {"function": "m.f", "started": "2026-01-31T12:00:00"}) is None
    True
    """
    d = describe(name, info)
    if d.local_time:
        return None
    return d.kind, d.function, d.version, d.summary, d.started


def _iso_time(text: Any) -> tuple[float | None, bool]:
    """The POSIX time of an ISO 8601 text, and whether it had no UTC offset (so it was
    read in the local time zone); ``(None, False)`` if it is no such text."""
    if not isinstance(text, str):
        return None, False
    try:
        when = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None, False
    try:
        return when.timestamp(), when.tzinfo is None
    except (OverflowError, OSError, ValueError):  # a year the platform cannot place
        return None, False
