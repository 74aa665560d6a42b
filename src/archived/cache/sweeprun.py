"""Running a sweep's missing points on any joblib backend, and what each point returns.

:func:`run_points` computes the points a sweep still needs, here or on joblib workers
(loky, threading, multiprocessing, dask, Ray, or any registered backend), and yields each
result as it finishes.  A backend that cannot stream results (joblib's ``return_as``
generators) is asked for the whole list instead: the sweep is the same, only the
progress bar moves at the end.

Each point goes through the call protocol (:mod:`archived.cache.calls`) with the key the
driver already computed, so a worker never hashes the arguments again.  What travels
back from a worker is chosen by the sweep's ``results=`` mode:

* ``"values"``: the result itself;
* ``"lazy"``: only the entry name; the driver gives a :class:`StoredResult` that loads
  the result from the store when asked;
* ``"summary"``: the point's parameters and its scalar results, as ``func.table()``
  shows them (a dict), never the big arrays.

>>> import tempfile, os
>>> from archived import archived
>>> @archived(os.path.join(tempfile.mkdtemp(), "runs"))
... def stats(n):
...     return {"mean": (n - 1) / 2, "values": list(range(n))}
>>> call = stats.call_key(n=3)
>>> list(run_points(stats, [(0, call, {"n": 3})], n_jobs=1, backend=None, catch=False,
...                 results="summary"))
[(0, {'n': 3, 'mean': 1.0})]
>>> entry = stats.store.find(call.prefix, call.key, call.parameters).name
>>> stored_result(stats, call, {"n": 3}, entry, None, "lazy", False).load()["values"]
[0, 1, 2]
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from typing import Any

from .._usercode import calling_line, points_of, warn_user
from ..errors import ArchiveError, CodeChangedError, ResultNotStoredWarning
from ..store.groupsync import SyncAtEnd, disk_token, grouped
from ..store.indexrow import NOT_KEPT
from .calls import CallKey, cached_call
from .callstore import Found
from .funcinfo import short_name
from .nearmiss import Told, collected
from .nearmiss import show as show_near_miss
from .notstored import NotStoredReport, Record, collecting, warn_kept
from .shelved import StoredResult, shelved_call

__all__ = ["RESULTS", "Chunks", "StoredResult", "run_points", "runs_here", "stored_result"]

RESULTS = ("values", "lazy", "summary")

Task = tuple[int, CallKey, dict[str, Any]]


def run_points(
    func: Any,
    tasks: list[Task],
    *,
    n_jobs: int | None,
    backend: Any,
    catch: bool,
    results: str,
    near_misses: bool = True,
) -> Iterator[tuple[int, Any]]:
    """Yield ``(index, what the point returns)`` for each task as it finishes.

    ``n_jobs=1`` without a backend runs the points here, one by one; anything else goes
    to joblib, whose active configuration (``joblib.parallel_config``) fills in what is
    ``None``.  ``catch`` puts a point's exception in its place instead of raising it.
    The tasks are points the caller found missing: each is looked up again only under
    its key's lock.  ``near_misses=False`` skips the probes for stored calls differing
    only in a number's type (:func:`~archived.cache.nearmiss.near_misses_possible`
    said there can be none).
    """
    if not tasks:
        return
    # the driver syncs once at the end for the chunks run under this kernel, so that no
    # chunk waits for the disk (see _run_chunk)
    later = SyncAtEnd(func.store.path) if func.store.durable else None
    token = None if later is None else later.token
    not_stored = NotStoredReport(short_name(func.identity), len(tasks))
    try:
        if n_jobs == 1 and backend is None:
            chunks = Chunks(tasks, 1)
            for chunk in chunks:
                done, seconds, left, unstored, told = _run_chunk(
                    func, chunk, catch, results, token, near_misses
                )
                chunks.finished(len(done), seconds)
                not_stored.add(unstored)
                any(map(show_near_miss, told))  # (show gives None: any() runs them all)
                if left and later is not None:
                    later.needed = True
                yield from done
            return
        from joblib import delayed

        parallel = _parallel(n_jobs, backend)
        sent = _MainReference(func) if _plain_pickle(parallel, func) else func
        chunks = Chunks(tasks, _workers(parallel))
        line = calling_line()  # for the workers' warnings (they run below no line of ours)
        for done, seconds, left, unstored, told in parallel(
            delayed(_run_chunk)(sent, chunk, catch, results, token, near_misses, line)
            for chunk in chunks
        ):
            chunks.finished(len(done), seconds)
            not_stored.add(unstored)
            # each worker warns once of numbers stored as another type: shown here once
            any(map(show_near_miss, told))
            if left and later is not None:
                later.needed = True
            yield from done
    finally:
        if later is not None:
            _close_synced(later, func)
        not_stored.close()  # (the end of the sweep, or its stop)


def _close_synced(later: SyncAtEnd, func: Any) -> None:
    """The sweep's final sync (:class:`SyncAtEnd`), whose failure is told, never raised:
    the points it would have made durable are committed and their results are the
    caller's (raised, it threw away every result of the sweep, and replaced the error
    a stopped sweep was raising)."""
    try:
        later.close()
    except OSError as err:
        warn_user(
            ResultNotStoredWarning(
                f"the sync of the store {func.store.path!r} to disk at the end of this sweep "
                f"failed ({err}): the points it computed are in the store, and their results "
                "are returned, but they may not be on the disk yet (a crash or power cut "
                "could lose them; a later call computes any lost one again). Check the "
                "disk, then run: archived verify STORE",
                err,
            )
        )


class Chunks:
    """The tasks of a sweep cut into chunks, each run by one worker as one joblib task.

    A chunk shares one sync to disk among its points (:func:`_run_chunk`) and one trip to
    and from the worker; its size follows the time a point takes, so that a chunk runs
    for about ``target`` seconds (one point per chunk for points slower than that), yet
    never more than a quarter of a worker's share of what is left, so the last chunks
    still spread over every worker.  Before any chunk has finished (and on backends that
    return nothing before the end) sizes double from one.

    >>> chunks = Chunks([(i, None, {}) for i in range(100)], workers=2)
    >>> [len(c) for c in chunks][:8]
    [1, 2, 4, 8, 10, 9, 8, 7]
    """

    target = 0.2  # seconds of work per chunk, as joblib's batches aim for

    def __init__(self, tasks: list[Task], workers: int) -> None:
        self.tasks = tasks
        self.workers = max(1, workers)
        self.points = 0
        self.seconds = 0.0

    def finished(self, points: int, seconds: float) -> None:
        """Record that a chunk of ``points`` points took ``seconds`` in its worker."""
        self.points += points
        self.seconds += seconds

    def __iter__(self) -> Iterator[list[Task]]:
        start, size = 0, 1
        while start < len(self.tasks):
            left = len(self.tasks) - start
            fair = max(1, left // (4 * self.workers))
            if self.points:
                per_point = self.seconds / self.points
                wanted = max(1, int(self.target / per_point)) if per_point > 0 else fair
            else:
                wanted = size
            take = min(wanted, fair)
            yield self.tasks[start : start + take]
            start += take
            size = min(2 * size, fair)


def runs_here(n_jobs: int | None, backend: Any) -> bool:
    """Whether :func:`run_points` runs the points in this thread, one by one: itself,
    or through joblib when the configuration comes to one job (joblib then runs them
    sequentially in the caller).

    >>> runs_here(1, None)
    True
    """
    if n_jobs == 1 and backend is None:
        return True
    try:
        return _workers(_parallel(n_jobs, backend)) == 1
    except Exception:  # a backend that cannot even be configured now: not here
        return False


def _workers(parallel: Any) -> int:
    """How many workers ``parallel`` runs (what joblib's active configuration says)."""
    try:
        return int(parallel._effective_n_jobs())
    except Exception:  # a backend that cannot tell before it starts
        return os.cpu_count() or 1


def _run_chunk(
    func: Any,
    chunk: list[Task],
    catch: bool,
    results: str,
    token: Any = None,
    near_misses: bool = True,
    line: tuple[str, int, str] | None = None,
) -> tuple[list[tuple[int, Any]], float, bool, list[Record], list[Told]]:
    """Run the points of ``chunk``; return what each gives, the seconds it took,
    whether its last sync was left to the driver, and the warnings of its points
    computed but not stored, for the driver to report once
    (:mod:`~archived.cache.notstored`), and those of numbers stored as another type,
    for the driver to show once (:func:`~archived.cache.nearmiss.collected`).

    Each point commits its entry atomically as it finishes; the durable syncs of the
    chunk's new entries are grouped (:func:`~archived.store.groupsync.grouped`) and made
    by a background thread while the points compute.  A chunk run under the driver's
    kernel, on the driver's filesystem (``token``, of
    :class:`~archived.store.groupsync.SyncAtEnd`), returns without waiting for its last
    sync: the driver's one sync at the end covers it.  Any other chunk waits, so that
    every entry is on disk before it returns (or raises).  A warning of a point that no
    line of the user's below it explains (a worker's) names ``line``, where the driver
    called ``sweep``.
    """
    start = time.perf_counter()
    _check_same_code(func, chunk)
    leave = token is not None and token == disk_token(func.store.path)
    with (
        grouped(wait=not leave),
        points_of(line),
        collecting(c for _, c, _ in chunk) as kept,
        collected() as told,
    ):
        try:
            done = [
                _run_point(func, index, call, point, catch, results, True, near_misses)
                for index, call, point in chunk
            ]
        except BaseException:
            warn_kept(kept)  # nothing of this chunk comes back to the driver but the error
            any(map(show_near_miss, told))
            raise
    return done, time.perf_counter() - start, leave, kept, told


def _check_same_code(func: Any, chunk: list[Task]) -> None:
    """Refuse to run ``chunk`` if its points were keyed with another code version than
    the function this process runs: a worker imports the function itself, and its source
    may have changed since the driver keyed the sweep (``CodeChangedError``).  Its results
    stored under the driver's keys would be hits for code that never computed them."""
    if chunk:
        keyed, running = chunk[0][1].version, func.version
        if keyed != running:
            raise CodeChangedError(func.identity, keyed, running)


def stored_result(
    func: Any,
    call: CallKey,
    point: dict[str, Any],
    entry: str,
    view: Any,
    results: str,
    catch: bool,
    kept: Any = NOT_KEPT,
) -> Any:
    """What a point whose result is stored as ``entry`` gives, read here in the driver
    through ``view`` (the entry's :class:`~archived.store.backend.EntryView`, or None),
    or ``kept``, the value its index row keeps, decoded already (:data:`NOT_KEPT`: read
    it through ``view``).  A damaged or vanished entry is computed again through the
    call protocol."""
    if results == "lazy":
        found = Found(entry, True, view)
        return StoredResult(
            func.store,
            entry,
            call.parameters,
            call=shelved_call(found, call),
            again=lambda: func(**point),
        )
    if kept is not NOT_KEPT:
        return _summary(call, kept) if results == "summary" else kept
    try:
        if view is None:
            raise KeyError(entry)
        value = view.value()
    except (KeyError, ArchiveError):  # gone or damaged: the protocol handles it
        return _run_point(func, -1, call, point, catch, results)[1]
    return _summary(call, value) if results == "summary" else value


# ---- helpers ---------------------------------------------------------------------------


def _parallel(n_jobs: int | None, backend: Any) -> Any:
    """A joblib ``Parallel`` that streams results if the backend can, else returns a list.

    Unordered streaming (joblib >= 1.4) lets the progress bar follow the workers;
    multiprocessing, dask with joblib < 1.4 and Ray stream nothing, and get the list.
    """
    from joblib import Parallel

    for return_as in ("generator_unordered", "generator"):
        try:
            return Parallel(n_jobs=n_jobs, backend=backend, return_as=return_as)
        except (ValueError, TypeError):  # this backend or joblib cannot stream
            continue
    return Parallel(n_jobs=n_jobs, backend=backend)


def _plain_pickle(parallel: Any, func: Any) -> bool:
    """Whether ``func`` comes from a script (``__main__``) and goes to workers through
    plain ``pickle`` (joblib's multiprocessing backend, and backends built on it such as
    Ray's), which cannot send the script's function by value as cloudpickle (loky, dask)
    does."""
    try:
        from joblib._parallel_backends import MultiprocessingBackend
    except ImportError:  # a joblib without it has no such backend to worry about
        return False
    module = getattr(func.func, "__module__", None)
    backend = getattr(parallel, "_backend", None)
    return module == "__main__" and isinstance(backend, MultiprocessingBackend)


class _MainReference:
    """A script's decorated function sent through plain pickle: by name, for workers that
    ran (fork) or imported (spawn, as ``__mp_main__``) the script and so have it there,
    and by value (cloudpickle, as loky and dask send it) for the others: Ray's backend
    is joblib's multiprocessing one on Ray's pool, whose workers never run the script."""

    def __init__(self, target: Any) -> None:
        self._target = target
        self._value: bytes | None = None

    def __reduce__(self) -> Any:
        if self._value is None:  # once per sweep, not per chunk
            try:
                import cloudpickle  # joblib's own dependency since 1.5
            except ImportError:
                from joblib.externals import cloudpickle  # type: ignore[no-redef]

            self._value = cloudpickle.dumps(self._target)
        return (_main_attribute, (self._target.__qualname__, self._value))

    def __getattr__(self, name: str) -> Any:  # run here when joblib falls back to sequential
        return getattr(self._target, name)


def _main_attribute(qualname: str, value: bytes) -> Any:
    """The script's function ``qualname`` in this worker's ``__main__``, or (a worker
    that never ran the script) the function sent by value."""
    from .decorator import CachedFunction

    obj: Any = sys.modules.get("__main__")
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    if isinstance(obj, CachedFunction):
        return obj
    import pickle

    return pickle.loads(value)  # noqa: S301 - made by the driver of this sweep


def _run_point(
    func: Any,
    index: int,
    call: CallKey,
    point: dict[str, Any],
    catch: bool,
    results: str,
    looked_up: bool = False,
    near_misses: bool = True,
) -> tuple[int, Any]:
    try:
        value = cached_call(
            func.store,
            call,
            lambda: func.func(**point),
            looked_up=looked_up,
            near_misses=near_misses,
        )
    except Exception as err:
        if not catch:
            _name_the_point(err, call)
            raise
        return index, err
    if results == "summary":
        return index, _summary(call, value)
    if results == "lazy":
        found = func.store.find(call.prefix, call.key, call.parameters, call.recorded_before)
        if found.hit:
            checked = shelved_call(found, call)
            return index, StoredResult(None, found.name, call.parameters, call=checked)
        return index, StoredResult(None, None, call.parameters, value)
    return index, value


def _name_the_point(err: Exception, call: CallKey) -> None:
    """Say which point raised ``err`` (a note, which travels back from a worker with the
    exception): the traceback of an error raised in a worker names no argument."""
    from .._format import format_params

    if hasattr(err, "add_note"):
        err.add_note(
            f"archived.sweep: raised at the point {format_params(call.parameters, 200)} "
            "(errors='return' puts a failing point's exception in its place and goes on)"
        )


def _summary(call: CallKey, value: Any) -> dict[str, Any]:
    from ..store.table import result_columns

    return {**call.parameters, **result_columns(value, call.parameters)}
