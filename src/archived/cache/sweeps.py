"""Parameter sweeps over an ``@archived`` function: run what is missing, in parallel.

:func:`sweep` calls a cached function at every point of a grid with joblib, skipping the
points already stored, and returns the results in grid order.  Each point commits its
entry the moment it finishes, so interrupting a sweep (Ctrl-C, a killed job) loses no
completed point, and running the same sweep again computes only what is missing.

A grid is a dict of lists, expanded to the cartesian product with the *last* key varying
fastest (the order of :func:`itertools.product`, keys in the dict's order), or a list of
dicts, taken as it is.  :func:`sweep_status` tells, point by point, what is done (and how
long it took), what failed (with the recorded error) and what is missing.

Every sweep leaves a small *sweep record* in the store, the entry
``<function>_sweep_<8 hex>`` listing its points, so ``python -m archived ls --status``
can show the same view without the function at hand.

>>> import tempfile, os
>>> from archived import archived
>>> @archived(os.path.join(tempfile.mkdtemp(), "runs"))
... def power(x, p=2):
...     return x ** p
>>> sweep(power, {"x": [1, 2], "p": [2, 3]}, progress=False)
[1, 1, 4, 8]
>>> status = sweep_status(power, {"x": [1, 2, 3]})
>>> [s.state for s in status]
['done', 'done', 'missing']
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from .._format import seconds_of, text_of
from ..engine.archive import _gc_paused
from ..errors import ArchiveError, EntryChangedError
from ..store.indexrow import NOT_KEPT, file_values
from ..store.table import record_text
from .addedmiss import defaults_of, warn_added_points
from .calls import CallKey
from .callstore import Found
from .hashing import hash_value
from .movedmiss import warn_moved_points
from .nearmiss import near_misses_possible, warn_near_misses
from .progress import progress_bar
from .stalemiss import given_version, warn_stale_points
from .sweeprecords import point_names, sweep_records
from .sweeprun import RESULTS, StoredResult, run_points, runs_here, stored_result

__all__ = ["sweep", "sweep_status", "grid_points", "SweepStatus", "PointStatus"]

if TYPE_CHECKING:
    from .decorator import CachedFunction

Grid = Mapping[str, Iterable[Any]] | Sequence[Mapping[str, Any]]
R = TypeVar("R")

_STATES = ("done", "failed", "missing")
_ERRORS = ("raise", "return")


@overload
def sweep(
    func: CachedFunction[..., R],
    grid: Grid,
    *,
    n_jobs: int | None = None,
    backend: Any = None,
    progress: bool = True,
    errors: Literal["raise"] = "raise",
    results: Literal["values"] = "values",
) -> list[R]: ...
@overload
def sweep(
    func: CachedFunction[..., R],
    grid: Grid,
    *,
    n_jobs: int | None = None,
    backend: Any = None,
    progress: bool = True,
    errors: Literal["return"],
    results: Literal["values"] = "values",
) -> list[R | Exception]: ...
@overload
def sweep(
    func: CachedFunction[..., Any],
    grid: Grid,
    *,
    n_jobs: int | None = None,
    backend: Any = None,
    progress: bool = True,
    errors: Literal["raise"] = "raise",
    results: Literal["lazy"],
) -> list[StoredResult]: ...
@overload
def sweep(
    func: CachedFunction[..., Any],
    grid: Grid,
    *,
    n_jobs: int | None = None,
    backend: Any = None,
    progress: bool = True,
    errors: Literal["raise"] = "raise",
    results: Literal["summary"],
) -> list[dict[str, Any]]: ...
@overload
def sweep(  # errors or results not known before run time: what a point gives
    func: CachedFunction[..., Any],
    grid: Grid,
    *,
    n_jobs: int | None = None,
    backend: Any = None,
    progress: bool = True,
    errors: str,
    results: str = "values",
) -> list[Any]: ...
@overload
def sweep(
    func: CachedFunction[..., Any],
    grid: Grid,
    *,
    n_jobs: int | None = None,
    backend: Any = None,
    progress: bool = True,
    errors: str = "raise",
    results: str,
) -> list[Any]: ...


def sweep(
    func: Any,
    grid: Grid,
    *,
    n_jobs: int | None = None,
    backend: Any = None,
    progress: bool = True,
    errors: str = "raise",
    results: str = "values",
) -> list[Any]:
    """Call the ``@archived`` function ``func`` at every point of ``grid``; return what
    each point gives, in grid order.

    Args:
        func: a function decorated with ``@archived``.
        grid: a dict of lists (cartesian product, last key fastest) or a list of dicts.
        n_jobs: joblib workers (``-1``: one per core; ``1``: run here, one by one).
            ``None`` (default) takes the active ``joblib.parallel_config`` (so a sweep
            inside ``parallel_config(backend="dask")`` runs on the cluster), and runs
            here when there is none.
        backend: a joblib backend (``"loky"``, ``"threading"``, ``"multiprocessing"``,
            ``"dask"``, ``"ray"`` once registered, ...); ``None`` is the active
            configuration's, else joblib's default (loky).
        progress: show the progress on stderr: a bar on a terminal or in a notebook
            (tqdm when installed, a plain counter otherwise), and plain lines
            elsewhere (a log file, a cluster job's output): ``name: done/total
            points`` at the start, at each tenth of the points and at the end, and
            nothing when every point is stored.  ``False`` is quiet.
        errors: ``"raise"`` stops at the first failing point (points already finished
            stay stored); ``"return"`` puts the exception in that point's place and goes
            on.  Either way the failure is recorded in the store.
        results: what comes back for each point.  ``"values"``: its result.
            ``"lazy"``: a :class:`~archived.cache.sweeprun.StoredResult` handle that
            loads the result from the store when asked (workers send back only the
            entry name, and nothing is held in memory).  ``"summary"``: a dict of the
            point's parameters and scalar results, as ``func.table()`` shows them.

    Points are sent to the workers in chunks sized to take about 0.2 s each; the new
    entries a worker commits are synced to disk together (one sync of the store's
    filesystem at least every half second, made by a background thread while the points
    compute: :mod:`archived.store.groupsync`).  A chunk run on another machine waits for
    its last sync before it reports back; the chunks run on this one leave it to the
    driver, which syncs the filesystem once before ``sweep`` returns.  So with the
    default ``durable=True`` every point is on disk when ``sweep`` returns.

    Points already stored are not run: the driver finds them (one key computation per
    point, one look at the store's index) and starts no worker for them; it loads their
    results only in ``"values"`` and ``"summary"`` mode.  Each computed point is
    committed as soon as it finishes, so an interrupted sweep loses no finished point.
    Backends that cannot stream results (multiprocessing, Ray, dask under joblib < 1.4)
    return them all at the end.

    >>> import tempfile, os
    >>> from archived import archived
    >>> @archived(os.path.join(tempfile.mkdtemp(), "s"))
    ... def inverse(x):
    ...     return 1 / x
    >>> sweep(inverse, [{"x": 2}, {"x": 0}, {"x": 4}], progress=False, errors="return")
    [0.5, ZeroDivisionError('division by zero'), 0.25]
    >>> sweep(inverse, {"x": [2, 4]}, progress=False, results="summary")
    [{'x': 2, 'result': 0.5}, {'x': 4, 'result': 0.25}]
    """
    _check_function(func)
    if errors not in _ERRORS:
        raise ValueError(f"errors must be one of {_ERRORS}, not {errors!r}")
    if results not in RESULTS:
        raise ValueError(f"results must be one of {RESULTS}, not {results!r}")
    # keying the points and looking them up, then reading what was stored, build many
    # objects and no cycles: the collector's passes over them are pure cost, growing with
    # the size of the sweep (a finished 20k-point rerun: 11% of its time).  The points
    # computed in this process run with the collector as the caller had it; when every
    # point is stored, the pause lasts until _sweep's objects are freed (the collector
    # resumed at the end of the lookup went over every one of them, at the first
    # allocation: 5% of the rerun of a finished sweep, a cost growing with its size)
    with contextlib.ExitStack() as paused:
        paused.enter_context(_gc_paused())
        return _sweep(func, grid, paused, n_jobs, backend, progress, errors == "return", results)


def _sweep(
    func: Any,
    grid: Grid,
    paused: contextlib.ExitStack[Any],
    n_jobs: int | None,
    backend: Any,
    progress: bool,
    catch: bool,
    results: str,
) -> list[Any]:
    """:func:`sweep`'s work, the collector ``paused``: the pause ends before a point is
    computed in this process."""
    points = grid_points(grid)
    keyed = [_keyed_point(func, point) for point in points]
    _record_if_possible(func, keyed)
    # what is left: one look at the store's index for every point
    found = func.store.find_many(
        [(c.prefix, c.key, c.parameters) for c in keyed],
        [c.recorded_before for c in keyed],
    )
    tasks = [(i, keyed[i], points[i]) for i, lookup in enumerate(found) if not lookup.hit]
    if tasks:
        paused.close()
    missing = [call for _, call, _ in tasks]
    near_misses = near_misses_possible(func.store, missing)
    if near_misses:
        # the store holds calls of the function's name: of an earlier version, of the
        # same code under the name it had in another module, or made before a parameter
        # it now has (at its default) was added?  The function's calls are read once for
        # the two checks that read them (150 ms a read at 20,000 calls)
        columns = functools.cache(
            lambda: func.store.call_columns(missing[0].identity, missing[0].prefix, quiet=True)
        )
        # not a point whose entry was edited by hand (no name to store in): computed
        # for the edit, which its own warning told, it was said "its code has changed" too
        stored = [call for i, call, _ in tasks if found[i].name is not None]
        warn_stale_points(func.store, stored, columns, given_version(func))
        warn_moved_points(func.store, missing)
        defaults = defaults_of(getattr(func, "signature", None))
        warn_added_points(func.store, missing, defaults, columns)
    out: list[Any] = [None] * len(points)
    bar = progress_bar(progress, len(points), len(points) - len(tasks), _short_name(func))
    finished: set[int] = set()
    running = run_points(
        func,
        tasks,
        n_jobs=n_jobs,
        backend=backend,
        catch=catch,
        results=results,
        near_misses=near_misses,
    )
    try:
        for index, result in running:
            if isinstance(result, StoredResult) and result.store is None:
                result.store = func.store  # handles travel back from workers without it
                result.again = functools.partial(func, **points[index])
            out[index] = result
            finished.add(index)
            bar.update(1)
    except BaseException as err:
        if hasattr(err, "add_note"):
            err.add_note(
                _stopped_note(func, tasks, finished, len(points), running, n_jobs, backend)
            )
        raise
    finally:
        bar.close()
        if tasks:
            _record_again(func, keyed)
    with _gc_paused():
        _fill_stored(func, keyed, points, found, out, results, catch)
    return out


def _stopped_note(
    func: Any,
    tasks: list[Any],
    finished: set[int],
    total: int,
    running: Iterator[Any],
    n_jobs: int | None,
    backend: Any,
) -> str:
    """What a stopped sweep has stored, in words true after the note is read.

    The workers are told to stop first (no new chunk starts), but a point a worker is
    running then may still finish and be stored afterwards (a thread cannot be stopped,
    a dask task runs on): counted now, it would be missing from the note, which says
    so.  Points run here, one by one, stop with the sweep: that count is exact.
    """
    try:
        getattr(running, "close", lambda: None)()
    except BaseException:  # a second Ctrl-C, or the backend's own failure to stop
        pass
    left = _left_to_compute(func, tasks, finished)
    done = total - left
    if runs_here(n_jobs, backend):
        return (
            f"archived.sweep: {done} of {total} points {'is' if done == 1 else 'are'} "
            f"stored or finished; run the sweep again to compute the {left} left"
        )
    return (
        f"archived.sweep: {done} of {total} points {'was' if done == 1 else 'were'} "
        "stored or finished when the sweep "
        "stopped, and points the workers were still running may be stored after this "
        f"note; run the sweep again to compute the rest (at most {left})"
    )


def _left_to_compute(func: Any, tasks: list[Any], finished: set[int]) -> int:
    """How many of a stopped sweep's ``tasks`` neither came back nor are stored now.

    The driver hears of a chunk's points only when the whole chunk returns, so the
    points an interrupted chunk committed are counted by looking them up.  Should the
    look-up fail too (the disk that broke the sweep), the driver's own count stands.
    """
    pending = [call for index, call, _ in tasks if index not in finished]
    try:
        found = func.store.find_many([(c.prefix, c.key, c.parameters) for c in pending])
    except BaseException:  # a second Ctrl-C, or the failure that stopped the sweep
        return len(pending)
    return sum(not lookup.hit for lookup in found)


def grid_points(grid: Grid) -> list[dict[str, Any]]:
    """The points of a grid, in sweep order, as keyword-argument dicts.

    A dict of lists gives the cartesian product with the last key varying fastest; a
    list of dicts is taken as it is.

    >>> grid_points({"a": [1, 2], "b": ["x", "y"]})
    [{'a': 1, 'b': 'x'}, {'a': 1, 'b': 'y'}, {'a': 2, 'b': 'x'}, {'a': 2, 'b': 'y'}]
    >>> grid_points([{"a": 1}, {"a": 5, "b": 0}])
    [{'a': 1}, {'a': 5, 'b': 0}]
    >>> grid_points({"a": 3})
    Traceback (most recent call last):
        ...
    TypeError: grid value of 'a' must be a list of values to sweep over, not int; write [3]

    A 1-D array is a list of values; an array of more dimensions is refused, since
    splitting it into rows is rarely what a fixed argument meant:

    >>> import numpy as np
    >>> len(grid_points({"x": np.linspace(0, 1, 5)}))
    5
    >>> grid_points({"init": np.zeros((4, 3))})
    Traceback (most recent call last):
        ...
    TypeError: grid value of 'init' is a 2-dimensional ndarray, ... write [init] ...
    """
    if isinstance(grid, Mapping):
        names = list(grid)
        axes = []
        for name in names:
            if not isinstance(name, str):
                raise TypeError(f"grid keys are parameter names (str), not {name!r}")
            values = grid[name]
            ndim = getattr(values, "ndim", 1)  # arrays, DataFrames: iterated by their rows
            if (
                isinstance(values, (str, bytes, Mapping))
                or not isinstance(values, Iterable)
                or ndim == 0
            ):
                raise TypeError(
                    f"grid value of {name!r} must be a list of values to sweep over, not "
                    f"{type(values).__name__}; write [{values!r}]"
                )
            if isinstance(ndim, int) and ndim > 1:
                # a 2-D array given for a fixed argument would silently become a point
                # per row (a DataFrame, a point per column name)
                raise TypeError(
                    f"grid value of {name!r} is a {ndim}-dimensional "
                    f"{type(values).__name__}, which would be split into a point per row; "
                    f"write [{name}] to give every point the whole of it, or list({name}) "
                    "to sweep over its rows"
                )
            axes.append(list(values))
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*axes)]
    if isinstance(grid, (str, bytes)) or not isinstance(grid, Iterable):
        raise TypeError(f"a grid is a dict of lists or a list of dicts, not {type(grid).__name__}")
    points = []
    for i, point in enumerate(grid):
        if not isinstance(point, Mapping):
            raise TypeError(f"grid point {i} must be a dict of parameters, not {point!r}")
        points.append(dict(point))
    return points


@dataclass(frozen=True)
class PointStatus:
    """The state of one grid point: ``"done"``, ``"failed"`` or ``"missing"``.

    ``parameters`` are the point's parameters as recorded (readable values); ``entry``
    names the store entry holding its result or failure record; ``duration`` (seconds)
    and ``started`` (ISO time) come from that record; ``error`` is ``"Type: message"``
    for a failed point.

    >>> PointStatus({"x": 1}, "missing").error is None
    True
    """

    parameters: dict[str, Any]
    state: str
    entry: str | None = None
    duration: float | None = None
    started: str | None = None
    error: str | None = None


class SweepStatus(Sequence[PointStatus]):
    """The status of every point of a sweep, in grid order; ``str()`` prints a table.

    ``function`` is the function's identity, ``version`` the code version of the keys,
    ``record`` the sweep record's entry name (for a sweep read from the store).

    >>> import tempfile, os
    >>> from archived import archived
    >>> f = archived(os.path.join(tempfile.mkdtemp(), "s"))(lambda n: n)
    >>> _ = f(1)
    >>> status = sweep_status(f, {"n": [1, 2]})
    >>> status.counts(), [p.parameters for p in status.missing]
    ({'done': 1, 'failed': 0, 'missing': 1}, [{'n': 2}])
    """

    def __init__(
        self,
        function: str,
        points: list[PointStatus],
        *,
        version: str | None = None,
        record: str | None = None,
    ) -> None:
        self.function = function
        self.points = points
        self.version = version
        self.record = record

    def __getitem__(self, index: Any) -> Any:
        return self.points[index]

    def __len__(self) -> int:
        return len(self.points)

    @property
    def done(self) -> list[PointStatus]:
        """The points whose result is stored."""
        return [p for p in self.points if p.state == "done"]

    @property
    def failed(self) -> list[PointStatus]:
        """The points whose last attempt failed (and that have no result)."""
        return [p for p in self.points if p.state == "failed"]

    @property
    def missing(self) -> list[PointStatus]:
        """The points never run, or interrupted before they finished."""
        return [p for p in self.points if p.state == "missing"]

    def counts(self) -> dict[str, int]:
        """How many points are in each state."""
        return {state: sum(p.state == state for p in self.points) for state in _STATES}

    def __str__(self) -> str:
        from .._format import format_duration, format_params, format_table

        # where the parameters do not fit the column, one the same in every point (a
        # config, a settings dict) is said once: in each row it took the room of those
        # that vary, all cut alike, and the rows of T=0.512 and T=0.587 read "T=0.5..."
        parameters = [p.parameters for p in self.points]
        cut = any(len(format_params(p, _COLUMN + 1)) > _COLUMN for p in parameters)
        same = _same_in_every_point(parameters) if cut else {}
        rows = [
            [
                format_params(_without(p.parameters, same), _COLUMN),
                p.state,
                format_duration(p.duration),
                p.error or "",
            ]
            for p in self.points
        ]
        counts = ", ".join(f"{n} {state}" for state, n in self.counts().items())
        table = format_table(["PARAMETERS", "STATE", "TIME", "ERROR"], rows)
        label = self.function
        if self.record is not None:
            label += f" (version {self.version}, record {self.record})"
        if same:
            counts += f"\nin every point: {format_params(same, _ROOM)}"
        return f"sweep of {label}: {counts}\n{table}"

    def __repr__(self) -> str:
        return f"<SweepStatus of {self.function}: {self.counts()}>"


_ROOM = 200  # the width of the line naming the parameters the same in every point
_COLUMN = 60  # the width of the table's column of parameters (format_params's)


def _same_in_every_point(points: list[Any]) -> dict[str, Any]:
    """The parameters (name: value) that every point of ``points`` (parameter dicts)
    gives the same value, told by their text (uncut: a value whose text is cut may
    differ after the cut), or none if none varies (nothing would be left to tell
    the rows apart) or there is one point."""
    from .._format import short_repr

    if len(points) < 2 or not all(isinstance(p, dict) for p in points):
        return {}
    first = points[0]
    texts = {name: short_repr(value, _ROOM) for name, value in first.items()}
    same = {name: t for name, t in texts.items() if isinstance(name, str) and len(t) < _ROOM}
    for point in points[1:]:
        for name in [n for n, t in same.items() if n not in point]:
            del same[name]
        for name in [n for n, t in same.items() if short_repr(point[n], _ROOM) != t]:
            del same[name]
        if not same:
            return {}
    if len(same) == len(first) and all(len(p) == len(first) for p in points):
        return {}  # every parameter the same: the rows are told apart by nothing else
    return {name: first[name] for name in same}


def _without(parameters: Any, same: dict[str, Any]) -> Any:
    """``parameters`` without those named in ``same`` (a dict; anything else as it is)."""
    if not same or not isinstance(parameters, dict):
        return parameters
    return {k: v for k, v in parameters.items() if k not in same}


def sweep_status(func: Any, grid: Grid) -> SweepStatus:
    """Which points of ``grid`` are done, failed or missing for the ``@archived`` ``func``
    (current code version); nothing is run or loaded but info records.  Missing points
    stored by another code version, under the function's old name, or with numbers of
    another type (``np.float64(0.5)`` for ``0.5``), are named by the warning a sweep
    gives (:class:`~archived.errors.StaleVersionWarning`,
    :class:`~archived.errors.MovedFunctionWarning`,
    :class:`~archived.errors.NumericTypeWarning`).

    >>> import tempfile, os
    >>> from archived import archived
    >>> f = archived(os.path.join(tempfile.mkdtemp(), "s"))(lambda x: 1 / x)
    >>> _ = sweep(f, {"x": [1, 0]}, progress=False, errors="return")
    >>> [(p.state, p.error) for p in sweep_status(f, {"x": [1, 0]})]
    [('done', None), ('failed', 'ZeroDivisionError: division by zero')]
    """
    _check_function(func)
    keyed = [_keyed_point(func, point) for point in grid_points(grid)]
    # done where a sweep takes the stored result: the lookup it makes (an entry of the
    # point's key whose parameters were edited by hand is no hit: the sweep computes it)
    found = func.store.find_many(
        [(c.prefix, c.key, c.parameters) for c in keyed], [c.recorded_before for c in keyed]
    )
    infos = _infos_of(func.store.dataset, func.prefix, [call.key for call in keyed])
    points = []
    for call, lookup in zip(keyed, found, strict=True):
        status = point_status(None, func.prefix, call.key, call.parameters, infos=infos)
        if status.state == "done" and not lookup.hit:
            status = PointStatus(call.parameters, "missing")
        points.append(status)
    # missing after an edit or a move: a sweep would say so before computing them; its
    # status, read first, said nothing of the results beside them
    missing = [c for c, p in zip(keyed, points, strict=True) if p.state == "missing"]
    # (as a sweep: not a point whose entry was edited by hand, told by its own warning)
    stored = [
        c
        for c, p, lookup in zip(keyed, points, found, strict=True)
        if p.state == "missing" and lookup.name is not None
    ]
    warn_stale_points(func.store, stored, given=given_version(func))
    warn_moved_points(func.store, missing)
    if near_misses_possible(func.store, missing):  # stored as numbers of another type
        for call in missing:
            warn_near_misses(func.store, call)  # (once per parameter and type: the rest skip)
    return SweepStatus(func.identity, points, version=func.version)


def point_status(
    dataset: Any,
    prefix: str,
    key: str,
    parameters: dict[str, Any],
    *,
    infos: Callable[[str], dict[str, Any] | None] | None = None,
) -> PointStatus:
    """The status of the call with full ``key`` among the entries ``<prefix>_...`` of a
    DataSet (opened for reading or writing); ``infos`` (an entry name's info record or
    None, as :func:`_infos_of` gives it) replaces the DataSet for many points at once.

    >>> import tempfile
    >>> from archived.store.dataset import DataSet
    >>> ds = DataSet("s", "w", path=tempfile.mkdtemp())
    >>> point_status(ds, "f", "0" * 32, {"x": 1}).state
    'missing'
    """
    if infos is None:
        infos = lambda name: _info_or_none(dataset, name)  # noqa: E731
    base = f"{prefix}_{key[:16]}"
    for name in (base, f"{base}_{key[16:]}"):
        info = infos(name)
        if info is None:
            failure = infos(name + "_failed")
            if failure is not None and record_text(failure, "key") == key:
                kind = text_of(failure.get("error", "Exception"))
                error = f"{kind}: {text_of(failure.get('message', ''))}"
                return PointStatus(
                    parameters, "failed", name + "_failed", *_timing(failure), error.rstrip(": ")
                )
            break
        if record_text(info, "key") == key:
            return PointStatus(parameters, "done", name, *_timing(info))
    return PointStatus(parameters, "missing")


def recorded_sweeps(dataset: Any) -> Iterator[SweepStatus]:
    """The status of every sweep recorded in a DataSet (what ``ls --status`` shows).

    >>> import tempfile, os
    >>> from archived import archived
    >>> from archived.store.dataset import DataSet
    >>> folder = tempfile.mkdtemp()
    >>> f = archived(os.path.join(folder, "s"))(lambda n: n)
    >>> _ = sweep(f, {"n": [1, 2]}, progress=False)
    >>> [s.counts() for s in recorded_sweeps(DataSet("s", path=folder))]
    [{'done': 2, 'failed': 0, 'missing': 0}]
    """
    for name, info, prefix, points in sweep_records(dataset):
        view = dataset._view(point_names(prefix, [key for key, _ in points]))
        infos = _infos_in(dataset, view)
        statuses = []
        for key, shown in points:
            status = point_status(None, prefix, key, shown, infos=infos)
            # done where a sweep takes the stored result, as sweep_status says: an entry
            # of the point's key whose parameters or value were edited by hand is none
            if status.state == "done" and not _taken(dataset, view, status.entry, key, shown):
                status = PointStatus(shown, "missing")
            statuses.append(status)
        yield SweepStatus(
            text_of(info.get("function")),
            statuses,
            version=None if info.get("version") is None else text_of(info.get("version")),
            record=name,
        )


def _taken(dataset: Any, view: dict[str, Any], name: str | None, key: str, shown: Any) -> bool:
    """Whether a sweep's lookup of the call of ``key`` and recorded parameters ``shown``
    (as its sweep record keeps them) takes entry ``name`` of ``view`` for a hit
    (:func:`~archived.cache.callstore.takes_record`).  Damaged or gone: not taken."""
    from .callstore import takes_record

    if name is None:
        return False
    try:
        return takes_record(view.get(name), dataset._entry, name, key, shown)
    except ArchiveError:  # damaged, or refused by a safe load: as _infos_of
        return False


# ---- helpers ---------------------------------------------------------------------------


def _timing(record: dict[str, Any]) -> tuple[float | None, str | None]:
    """A call record's duration and start, or None for what a store holds there instead
    of a number and a text (ls --status printed them, and died on a duration of text)."""
    started = record.get("started")
    return seconds_of(record.get("duration")), started if type(started) is str else None


def _infos_of(
    dataset: Any, prefix: str, keys: list[str]
) -> Callable[[str], dict[str, Any] | None]:
    """The info record (or None) of every entry the calls with ``keys`` may be stored
    under, from one look at the store's index."""
    return _infos_in(dataset, dataset._view(point_names(prefix, keys)))


def _infos_in(dataset: Any, view: dict[str, Any]) -> Callable[[str], dict[str, Any] | None]:
    """:func:`_infos_of` of the entries of a view of the DataSet."""

    def info_of(name: str) -> dict[str, Any] | None:
        entry = view.get(name)
        if entry is None:
            return None
        try:
            info = entry.info()
        except EntryChangedError:  # rewritten since the view saw it: as it is now
            return _info_or_none(dataset, name)
        except KeyError:
            return None
        except ArchiveError:
            # damaged (or refused by a safe load): as good as not stored, which a sweep
            # computes again once it set the entry aside; verify reports it.  One such
            # entry made the status of the whole sweep (ls --status) an error
            return None
        return info if isinstance(info, dict) else None

    return info_of


def _info_or_none(dataset: Any, name: str) -> dict[str, Any] | None:
    try:
        info = dataset[name]
    except (KeyError, ArchiveError):  # damaged: as _infos_of
        return None
    return info if isinstance(info, dict) else None


def _fill_stored(
    func: Any,
    keyed: list[CallKey],
    points: list[dict[str, Any]],
    found: list[Found],
    out: list[Any],
    results: str,
    catch: bool,
) -> None:
    """Put what the points found stored give in ``out``: handles (``"lazy"``), or their
    results, read through the entry each lookup saw (the version whose key and
    parameters matched: small results from the store's index, others from their entry
    files), one at a time; a point whose entry vanished or cannot be read back goes
    through the call protocol (which recomputes it).  The entries are not looked up a
    second time: a rerun of a finished sweep read every entry file twice."""
    if results == "lazy":
        kept = [NOT_KEPT] * len(found)
    else:  # the values the store's index keeps, decoded at once
        kept = file_values([getattr(f.entry, "row", None) if f.hit else None for f in found])
    for i, lookup in enumerate(found):
        if lookup.hit:
            assert lookup.name is not None
            out[i] = stored_result(
                func, keyed[i], points[i], lookup.name, lookup.entry, results, catch, kept[i]
            )


def _check_function(func: Any) -> None:
    from .decorator import CachedFunction

    if not isinstance(func, CachedFunction):
        raise TypeError(
            f"sweep needs a function decorated with @archived, not {func!r}; decorate it "
            "so each point's result is stored"
        )


def _keyed_point(func: Any, point: dict[str, Any]) -> CallKey:
    try:
        return func.call_key(**point)  # type: ignore[no-any-return]
    except TypeError as err:
        if isinstance(err, ArchiveError):  # an unkeyable value: its own message says which
            raise
        raise TypeError(
            f"grid point {point!r} does not fit {func.identity}: {err}{_unknown(func, point)}"
        ) from None


def _unknown(func: Any, point: dict[str, Any]) -> str:
    """Words naming the keys of ``point`` that are no parameter of ``func`` (a misspelt
    grid key reads as a missing argument), or nothing."""
    try:
        params = func.signature.parameters
    except AttributeError:
        return ""
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return ""
    names = [p.name for p in params.values() if p.kind not in (p.VAR_POSITIONAL,)]
    unknown = [key for key in point if key not in params]
    if not unknown:
        return ""
    which = ", ".join(repr(key) for key in unknown)
    verb = "is" if len(unknown) == 1 else "are"
    return f"; {which} {verb} not among its parameters ({', '.join(names)})"


def _write_record(func: Any, keyed: list[CallKey]) -> None:
    """Store the sweep's points once, so its status can be shown from the store alone."""
    digest = hash_value([call.key for call in keyed])[:8]
    name = f"{func.prefix}_sweep_{digest}"
    func.store._reopen_if_deleted()
    dataset = func.store.dataset
    if name in dataset:
        return
    info = {
        "status": "sweep",
        "function": func.identity,
        "version": func.version,
        "prefix": func.prefix,
        "points": len(keyed),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(),
    }
    dataset._insert([[call.key, call.parameters] for call in keyed], info, name=name)


def _record_if_possible(func: Any, keyed: list[CallKey]) -> None:
    """Write the sweep's record unless the store cannot take it: a store the user may
    only read (a read-only copy, a colleague's folder) still answers the points stored
    there, as a call does, and a point computed there is returned with the call's
    ``ResultNotStoredWarning``; only ``ls --status`` lacks the sweep."""
    try:
        _write_record(func, keyed)
    except (OSError, ArchiveError):
        pass


def _record_again(func: Any, keyed: list[CallKey]) -> None:
    """Write the sweep's record again if a prune or clear deleted it while the sweep
    ran (it saw none of the points stored then): the points computed since are stored,
    and their record goes with them.  One look when it is there; a failure to write it
    never hides the sweep's own outcome (its exception, or its results)."""
    _record_if_possible(func, keyed)


def _short_name(func: Any) -> str:
    return str(getattr(func, "__qualname__", None) or func.identity)
