"""Standard-library values as calls of their own constructors.

``datetime`` (``date``, ``datetime``, ``time``, ``timedelta``, ``timezone``, and
``zoneinfo.ZoneInfo`` time zones), ``Decimal``, ``Fraction``, ``UUID``, ``pathlib``
paths, ``collections.deque``, ``types.SimpleNamespace`` and ``functools.partial``.  Each
is written the way its ``repr`` reads, but built from its parts (no ``eval`` of a repr),
so a time zone or the items of a deque are archived like any other child: shared, and
their arrays in the data file.  A ``random.Random`` is written as its state
(``getstate()``) given to :func:`python_random`, so the restored generator continues
with the same numbers.  An ``array.array`` is written as its type code and its items
as a numpy array given to :func:`python_array` (in the data file when it is big, as
any big array), so it loads exactly, and with ``safe=True``.

>>> import datetime
>>> from archived import Archive, restore
>>> a = Archive()
>>> a.insert(t=datetime.datetime(2026, 1, 2, 3, 4, tzinfo=datetime.timezone.utc))
't'
>>> print(str(a).splitlines()[2])
t = _datetime(2026, 1, 2, 3, 4, tzinfo=_timezone.utc)
"""

from __future__ import annotations

import array
import collections
import datetime
import decimal
import fractions
import functools
import pathlib
import random
import types
import uuid
from typing import Any

from .callrep import call_rep, helper_call
from .repbase import REGISTRY, Context, Rep

__all__ = ["python_random", "python_array"]


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


def _partial(p: functools.partial[Any], ctx: Context) -> Rep | None:
    """``partial(func, *args, **keywords)``; the function is archived like any (an import)."""
    keywords = p.keywords
    if getattr(p, "__dict__", None) or not all(
        type(k) is str and k.isidentifier() for k in keywords
    ):
        return None  # attributes set on it, or keywords no call can spell: the next rule
    return call_rep(functools.partial, (p.func, *p.args), keywords)


def _random(r: random.Random, ctx: Context) -> Rep | None:
    if set(vars(r)) - {"gauss_next"}:  # gauss_next is part of getstate()
        return None  # attributes set on it: the next rule keeps them
    version, internal, gauss_next = r.getstate()
    if version != 3:  # pragma: no cover - the only version CPython has written since 2.4
        return None
    import numpy as np

    from .reps_numpy import mt_state_is_zero

    words = np.array(internal[:-1], dtype=np.uint32)  # one line, or to the data file
    if mt_state_is_zero(words):
        return None  # set by hand to a state python_random() refuses: the next rule
    kwargs = {} if gauss_next is None else {"gauss_next": gauss_next}
    return helper_call("python_random", [words, internal[-1]], kwargs)


_MT_WORDS = 624  # the Mersenne Twister's state: 624 32-bit words and a position


def python_random(words: Any, position: int, gauss_next: float | None = None) -> random.Random:
    """A ``random.Random`` in the state its ``getstate()`` gave as ``(3, (*words,
    position), gauss_next)``: it continues with the numbers the saved one would draw.

    >>> import numpy as np
    >>> r = random.Random(7)
    >>> _, internal, _ = r.getstate()
    >>> again = python_random(np.array(internal[:-1], dtype=np.uint32), internal[-1])
    >>> again.random() == r.random()
    True
    """
    import numpy as np

    ok = (
        type(words) is np.ndarray
        and words.dtype == np.uint32
        and words.shape == (_MT_WORDS,)
        and type(position) is int
        and 0 <= position <= _MT_WORDS
        and (gauss_next is None or type(gauss_next) is float)
    )
    if ok:
        from .reps_numpy import mt_state_is_zero

        ok = not mt_state_is_zero(words)  # 0.0 for ever: normalvariate() never returns
    if not ok:
        raise TypeError(
            f"python_random() needs the {_MT_WORDS} words of the state as a uint32 array "
            f"(some bit of the state set), a position from 0 to {_MT_WORDS} and gauss_next "
            "None or a float"
        )
    r = random.Random(0)  # seeded: no draw from the system's entropy
    try:
        r.setstate((3, (*words.tolist(), position), gauss_next))
    except (ValueError, OverflowError) as err:  # pragma: no cover - all checked above
        raise TypeError(f"python_random() of an invalid state ({err})") from None
    return r


# the type codes of numbers: numpy's type characters name the same C types
_NUMBER_CODES = frozenset("bBhHiIlLqQfd")
# the type codes of text ('u' wchar_t; 'w' a 4-byte code point, Python 3.13): a str
_TEXT_CODES = frozenset("uw") & frozenset(array.typecodes)


def _python_array(a: array.array[Any], ctx: Context) -> Rep | None:
    if a.typecode in _TEXT_CODES:
        return helper_call("python_array", [a.typecode, a.tounicode()])
    if a.typecode not in _NUMBER_CODES:  # pragma: no cover - every code Python has
        return None
    import numpy as np

    # a copy: a view would keep the array from growing while the archive holds it
    items = np.frombuffer(a, dtype=np.dtype(a.typecode)).copy()
    return helper_call("python_array", [a.typecode, items])


def python_array(typecode: str, items: Any) -> array.array[Any]:
    """The ``array.array`` of ``typecode`` holding ``items``: a one-dimensional numpy
    array of that type code's numbers (``'d'``: float64), or a str for ``'u'``/``'w'``.

    >>> import numpy as np
    >>> python_array('d', np.array([1.5, 2.5]))
    array('d', [1.5, 2.5])
    >>> python_array('u', 'hi')
    array('u', 'hi')
    """
    import numpy as np

    if typecode in _TEXT_CODES and type(items) is str:
        return array.array(typecode, items)
    # (a memory map of the data file, in a store opened with mmap_mode="r")
    if typecode in _NUMBER_CODES and type(items) in (np.ndarray, np.memmap) and items.ndim == 1:
        want = np.dtype(typecode)
        # the same numbers in either byte order (a store written on another machine)
        if items.dtype.kind == want.kind and items.dtype.itemsize == want.itemsize:
            out = array.array(typecode)
            out.frombytes(np.ascontiguousarray(items, dtype=want).tobytes())
            return out
    raise TypeError(
        f"python_array() needs a type code of {''.join(sorted(_NUMBER_CODES))} and a "
        "one-dimensional numpy array of its numbers, or 'u'/'w' and a str; not "
        f"{typecode!r} and {type(items).__name__}"
        + (f" of {items.dtype}" if type(items) is np.ndarray else "")
    )


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
            functools.partial: _partial,
            random.Random: _random,
            array.array: _python_array,
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
