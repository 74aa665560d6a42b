"""Standard-library values as calls of their own constructors.

``datetime`` (``date``, ``datetime``, ``time``, ``timedelta``, ``timezone``, and
``zoneinfo.ZoneInfo`` time zones), ``Decimal``, ``Fraction``, ``UUID``, ``pathlib``
paths, ``collections.deque`` and ``types.SimpleNamespace``.  Each is written the way
its ``repr`` reads, but built from its parts (no ``eval`` of a repr), so a time zone or
the items of a deque are archived like any other child: shared, and their arrays in the
data file.

>>> import datetime
>>> from archived import Archive, restore
>>> a = Archive()
>>> a.insert(t=datetime.datetime(2026, 1, 2, 3, 4, tzinfo=datetime.timezone.utc))
't'
>>> print(str(a).splitlines()[2])
t = _datetime(2026, 1, 2, 3, 4, tzinfo=_timezone.utc)
"""

from __future__ import annotations

import collections
import datetime
import decimal
import fractions
import pathlib
import types
import uuid
from typing import Any

from .callrep import call_rep
from .repbase import REGISTRY, Context, Rep

__all__: list[str] = []


def _date(d: datetime.date, ctx: Context) -> Rep:
    return call_rep(datetime.date, (d.year, d.month, d.day))


def _clock(t: datetime.datetime | datetime.time) -> tuple[int, ...]:
    """Hour and minute always, then seconds and microseconds as far as needed (as repr)."""
    if t.microsecond:
        return (t.hour, t.minute, t.second, t.microsecond)
    if t.second:
        return (t.hour, t.minute, t.second)
    return (t.hour, t.minute)


def _zone(t: datetime.datetime | datetime.time) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if t.tzinfo is not None:
        kwargs["tzinfo"] = t.tzinfo
    if t.fold:
        kwargs["fold"] = t.fold
    return kwargs


def _datetime(d: datetime.datetime, ctx: Context) -> Rep:
    return call_rep(datetime.datetime, (d.year, d.month, d.day, *_clock(d)), _zone(d))


def _time(t: datetime.time, ctx: Context) -> Rep:
    return call_rep(datetime.time, _clock(t), _zone(t))


def _timedelta(td: datetime.timedelta, ctx: Context) -> Rep:
    parts = {"days": td.days, "seconds": td.seconds, "microseconds": td.microseconds}
    kwargs = {k: v for k, v in parts.items() if v}
    return call_rep(datetime.timedelta, () if kwargs else (0,), kwargs)


def _timezone(tz: datetime.timezone, ctx: Context) -> Rep:
    if tz is datetime.timezone.utc:
        return Rep(lambda kids, al: al[0] + ".utc", (), [("datetime", "timezone")])
    return call_rep(datetime.timezone, tz.__getinitargs__())  # type: ignore[attr-defined]


def _zoneinfo(tz: Any, ctx: Context) -> Rep | None:
    if not isinstance(tz.key, str):
        return None  # made from a file, not a key: nothing to name it by
    return call_rep(type(tz), (tz.key,))


def _text_call(obj: Any, ctx: Context) -> Rep:
    """``Decimal``, ``UUID``: one call of the class with the value's text."""
    return call_rep(type(obj), (str(obj),))


def _fraction(f: fractions.Fraction, ctx: Context) -> Rep:
    return call_rep(fractions.Fraction, (f.numerator, f.denominator))


def _path(p: pathlib.PurePath, ctx: Context) -> Rep:
    return call_rep(type(p), (str(p),))


def _deque(d: collections.deque[Any], ctx: Context) -> Rep:
    kwargs = {} if d.maxlen is None else {"maxlen": d.maxlen}
    return call_rep(collections.deque, (list(d),), kwargs)


def _namespace(ns: types.SimpleNamespace, ctx: Context) -> Rep | None:
    state = vars(ns)
    if not all(type(k) is str and k.isidentifier() for k in state):
        return None
    return call_rep(types.SimpleNamespace, (), state)


def _register() -> None:
    REGISTRY.update(
        {
            datetime.date: _date,
            datetime.datetime: _datetime,
            datetime.time: _time,
            datetime.timedelta: _timedelta,
            datetime.timezone: _timezone,
            decimal.Decimal: _text_call,
            uuid.UUID: _text_call,
            fractions.Fraction: _fraction,
            collections.deque: _deque,
            types.SimpleNamespace: _namespace,
        }
    )
    for cls in (
        pathlib.PurePath,
        pathlib.PurePosixPath,
        pathlib.PureWindowsPath,
        pathlib.Path,
        pathlib.PosixPath,
        pathlib.WindowsPath,
    ):
        REGISTRY[cls] = _path
    try:
        import zoneinfo
    except ImportError:  # pragma: no cover - Python without zoneinfo
        return
    REGISTRY[zoneinfo.ZoneInfo] = _zoneinfo


_register()
