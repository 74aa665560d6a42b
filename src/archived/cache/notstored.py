"""A sweep's points computed but not stored, reported once per reason, not once a point.

A result that cannot be stored is returned with a
:class:`~archived.errors.ResultNotStoredWarning`.  A sweep whose results all fail so (a
class defined in the script, a store the user may only read, a full disk) gave one such
warning per point: 1,000 of them for a 1,000-point sweep.  Now each chunk of points a
worker runs keeps its points' warnings (:func:`collecting`) and sends them back with its
results; the driver (:class:`NotStoredReport`) gives the first of each reason as it
arrives, saying that the others are counted, and when the sweep ends (or stops) one
warning with how many more there were and the first few of them.  The cached calls made
inside the points (another ``@archived`` function the swept one calls) are reported so
too, apart, per function and reason, the first at the line of the user's that made it:
they warned once each, two warnings a point for a function calling one such cached
function twice.

>>> from archived.cache.calls import key_call
>>> call = key_call("m.f", "v", "f", {"x": 1})
>>> with collecting([call]) as records:
...     keep(call, "the disk is full", "f(x=1)", "f(x=1) was computed but not stored", None)
True
>>> [record[:2] for record in records]
[('the disk is full', 'f(x=1)')]
>>> with collecting([call]) as records:  # a cached call made inside the chunk's point
...     keep(key_call("m.g", "v", "g", {"y": 2}), "the disk is full", "g(y=2)", "", None)
True
>>> records[0][4][0]
'g'

"""

from __future__ import annotations

import contextlib
import pickle
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from .._usercode import calling_line, warn_user
from ..errors import ResultNotStoredWarning
from .funcinfo import short_name

__all__ = ["collecting", "keep", "warn_kept", "NotStoredReport"]

# (reason, point, message, error or None, the function of a cached call made inside a
# point and the user's line that made it, or None for a point of the sweep): plain
# data, sent back from a worker process
Record = tuple[str, str, str, BaseException | None, tuple[str, tuple[str, int, str]] | None]

_CHUNK = threading.local()  # the chunk this thread runs: (ids of its calls, its records)
_NAMED = 3  # points a summary names


@contextlib.contextmanager
def collecting(calls: Iterable[Any]) -> Iterator[list[Record]]:
    """Keep the not-stored warnings of ``calls`` (a chunk's :class:`CallKey` objects)
    in the list given, instead of giving them, while the chunk runs in this thread."""
    records: list[Record] = []
    before = getattr(_CHUNK, "run", None)
    _CHUNK.run = ({id(call) for call in calls}, records)
    try:
        yield records
    finally:
        _CHUNK.run = before


def keep(call: Any, reason: str, point: str, message: str, error: BaseException | None) -> bool:
    """Keep the not-stored warning of ``call`` if a chunk running here collects it (a
    sweep's own point, or a cached call made inside one); whether it was kept."""
    run = getattr(_CHUNK, "run", None)
    if run is None:
        return False
    # a call made inside a point: its warning names the line of the user's that made it
    inside = None if id(call) in run[0] else (_called(call.identity), calling_line())
    run[1].append((reason, point, message, _sendable(error), inside))
    return True


def _called(identity: str) -> str:
    """What a cached call made inside a point is of, in messages: its function's name,
    or a ``with`` block's place."""
    if identity.startswith("block:"):
        return "the block " + identity.removeprefix("block:").partition("#")[0]
    return short_name(identity)


def warn_kept(records: Iterable[Record]) -> None:
    """Give the warnings kept of a chunk whose results never reach the driver (one of
    its points raised)."""
    for _, _, message, error, made in records:
        warn_user(ResultNotStoredWarning(message, error), at=None if made is None else made[1])


def _sendable(error: BaseException | None) -> BaseException | None:
    """``error`` if it survives the trip back from a worker process, else None (an
    exception whose ``__init__`` takes other arguments than its ``args`` cannot be
    unpickled, and would fail the whole chunk in the driver)."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return None
    return error


class NotStoredReport:
    """What the driver says of a sweep's points computed but not stored: the first of
    each reason when it arrives (:meth:`add`), and at the end (:meth:`close`) one
    warning per reason for the points after it, counted and the first few named.

    >>> import warnings
    >>> report = NotStoredReport("f")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     report.add([("the disk is full", f"f(x={x})", f"f(x={x}) not stored", None, None)
    ...                 for x in range(5)])
    ...     report.close()
    >>> len(caught), str(caught[1].message)[:69]
    (2, 'f: 4 more points of this sweep were computed but not stored (the disk')
    """

    def __init__(self, function: str, points: int = 2) -> None:
        self.function = function
        self.points = points  # the sweep's points to run: of one, there are no others
        # by (the function of calls made inside points or None, reason)
        self.first: dict[tuple[str | None, str], Record] = {}
        self.more: dict[tuple[str | None, str], list[str]] = {}

    def add(self, records: Iterable[Record]) -> None:
        """Take a chunk's records; warn of the first of each reason now."""
        for record in records:
            reason, point, message, error, made = record
            inside, line = made if made is not None else (None, None)
            key = (inside, reason)
            if key in self.first:
                self.more[key].append(point)
                continue
            self.first[key] = record
            self.more[key] = []
            if inside is not None:
                message += (
                    f" (the other calls of {inside} made inside this sweep's points and not "
                    "stored for this reason are counted, and named in one warning when it "
                    "ends)"
                )
            elif self.points > 1:
                message += (
                    " (the other points of this sweep not stored for this reason are "
                    "counted, and named in one warning when it ends)"
                )
            warn_user(ResultNotStoredWarning(message, error), at=line)

    def close(self) -> None:
        """Warn once per reason of the points (or calls inside them) after the first."""
        more, self.more = self.more, {}
        for (inside, reason), points in more.items():
            if not points:
                continue
            named = ", ".join(points[:_NAMED])
            if len(points) > _NAMED:
                named += f" and {len(points) - _NAMED} more"
            n = len(points)
            if inside is None:
                what = f"{self.function}: {n} more point{'s' * (n != 1)} of this sweep"
            else:
                what = (
                    f"{inside}: {n} more call{'s' * (n != 1)} made inside the points of this "
                    f"sweep of {self.function}"
                )
            were = "were" if n != 1 else "was"
            if reason.startswith("stored, but "):  # (stored: not computed again)
                text = f"{what} {were} computed and {reason}, {n + 1} in all: {named}"
                text += "; their results are returned"
            else:
                text = (
                    f"{what} {were} computed but not stored ({reason}), {n + 1} in all: "
                    f"{named}; their results are returned, and the next run computes them "
                    "again"
                )
            warn_user(ResultNotStoredWarning(text, self.first[(inside, reason)][3]))
