"""Guards of the representations' rebuilding functions for a safe load.

The engine writes some values as calls of its own functions (``archived.reps.from_state``,
``archived.reps.dataframe``, ...) or of standard-library classes (``pathlib``,
``zoneinfo``).  :func:`rep_callables` lists them for the allow-list
(:mod:`archived.load.allowlist`), each wrapped by a guard that checks every argument's
type before anything is built: only the values a safe load can itself produce
(literals, arrays, the results of other guarded calls) get through, and nothing of a
class's own code runs.

>>> from archived.load.allowlist import Policy
>>> guards = dict((f.__name__, g) for f, g in rep_callables(Policy(), lambda *a: None))
>>> guards["PurePosixPath"]("/a/b")
PurePosixPath('/a/b')
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import UnsafeArchiveError

if TYPE_CHECKING:
    from .allowlist import Policy

__all__ = ["rep_callables", "REP_MODULES", "REP_HELPERS"]

# the library's own rebuilding functions, imported by archives from archived.reps
REP_HELPERS = frozenset(
    {"from_state", "masked_array", "record_array", "matrix", "masked", "range_index"}
    | {"dataframe", "series", "index", "multi_index", "categorical", "string_array"}
    | {"masked_extension_array", "datetime_array", "timestamp", "timedelta", "not_a_time"}
    | {"data_array", "dataset", "sparse"}
)

# standard-library modules whose named classes a safe load may import and call
REP_MODULES: dict[str, frozenset[str]] = {
    "pathlib": frozenset(
        {"PurePath", "PurePosixPath", "PureWindowsPath", "Path", "PosixPath", "WindowsPath"}
    ),
    "zoneinfo": frozenset({"ZoneInfo"}),
}

# an IANA time zone key: names separated by '/', no '..', no leading '/'
_ZONE_KEY = re.compile(r"[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*")


def _refuse(construct: str) -> UnsafeArchiveError:
    return UnsafeArchiveError(None, construct)


def rep_callables(
    policy: Policy, check_size: Callable[[int, str, Policy], None]
) -> list[tuple[Any, Callable[..., Any]]]:
    """``(function, guarded function)`` pairs for the allow-list's table of callables;
    ``check_size(nbytes, what, policy)`` charges the load's byte budget."""
    import pathlib

    from ..engine import reps_numpy, reps_objects, reps_pandas, reps_scipy, reps_xarray

    pd = reps_pandas
    table: list[tuple[Any, Callable[..., Any]]] = [
        (reps_objects.from_state, _from_state(policy)),
        (pd.range_index, _range_index(policy, check_size)),
        # these check every argument's type themselves and build from arrays the load
        # already made (and paid for), in memory linear in them
        *_self_checking(
            reps_numpy.masked_array,
            reps_numpy.record_array,
            reps_numpy.matrix,
            reps_numpy.masked,
            pd.dataframe,
            pd.series,
            pd.index,
            pd.multi_index,
            pd.categorical,
            pd.string_array,
            pd.masked_extension_array,
            pd.datetime_array,
            pd.timestamp,
            pd.timedelta,
            pd.not_a_time,
            reps_xarray.data_array,
            reps_xarray.dataset,
            reps_scipy.sparse,  # also checks the index bounds in full
        ),
    ]
    for name in sorted(REP_MODULES["pathlib"]):
        cls = getattr(pathlib, name)
        table.append((cls, _path(cls)))
    try:
        import zoneinfo
    except ImportError:  # pragma: no cover - Python without zoneinfo
        return table
    table.append((zoneinfo.ZoneInfo, _zone_info))
    return table


def _self_checking(*functions: Any) -> list[tuple[Any, Callable[..., Any]]]:
    """Rebuilding functions that check their arguments themselves: their TypeError or
    ValueError becomes the safe load's refusal."""

    def guard(func: Any) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except (TypeError, ValueError) as err:
                raise _refuse(f"{func.__name__}() of these arguments ({err})") from None

        return call

    return [(f, guard(f)) for f in functions]


def _range_index(
    policy: Policy, check_size: Callable[[int, str, Policy], None]
) -> Callable[..., Any]:
    from ..engine.reps_pandas import range_index

    def call(start: Any, stop: Any, step: Any, name: Any = None) -> Any:
        if not all(type(v) is int for v in (start, stop, step)) or step == 0:
            raise _refuse("range_index() of anything but ints with a step")
        # lazy in pandas, but any use of its values makes them: count them like an array
        check_size(8 * len(range(start, stop, step)), "range_index()", policy)
        return range_index(start, stop, step, name=name)

    return call


def _from_state(policy: Policy) -> Callable[..., Any]:
    from ..engine.reps_objects import from_state

    def call(cls: Any, state: Any) -> Any:
        module = getattr(cls, "__module__", None)
        if not (isinstance(cls, type) and isinstance(module, str) and policy.user_module(module)):
            raise _refuse(
                f"from_state() of {cls!r:.80} (only classes of the modules given in allow=)"
            )
        if type(state) is not dict:
            raise _refuse(f"from_state() with a {type(state).__qualname__} (only a dict)")
        try:
            return from_state(cls, state)
        except TypeError as err:
            raise _refuse(f"from_state() of {cls.__qualname__}: {err}") from None

    return call


def _path(cls: type) -> Callable[..., Any]:
    def call(*parts: Any) -> Any:
        if not all(type(p) is str for p in parts):
            raise _refuse(f"{cls.__name__}() of anything but str")
        return cls(*parts)

    call.__name__ = cls.__name__
    return call


def _zone_info(key: Any) -> Any:
    import zoneinfo

    if type(key) is not str or len(key) > 255 or not _ZONE_KEY.fullmatch(key):
        raise _refuse(f"ZoneInfo({key!r:.80}) (not a time zone name)")
    return zoneinfo.ZoneInfo(key)
