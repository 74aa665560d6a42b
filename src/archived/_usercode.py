"""Where the user's code is, for warnings that should point at it.

Every layer warns (the engine when a value is pickled, the cache when a call is not
stored), and the depth of archived's own frames between the user's line and the warning
varies with the path taken (``ds.x = value``, a cached call, a sweep), so a fixed
``stacklevel`` points inside archived on some of them.  A sweep's point run by a worker
(a loky or multiprocessing process, a thread) has no line of the user's below it at all:
:func:`warn_user` then names the line that called ``sweep``, which the driver records
(:func:`calling_line`) and the worker runs its points under (:func:`points_of`).  A
cached function that joblib's workers call without a sweep (``Parallel(n_jobs=2)(
delayed(f)(x) for x in xs)``) has no line of the user's below it and no sweep line: its
warnings name the definition of ``f``.  This module imports nothing of the package, so
the engine can use it as well as the cache.

>>> user_stacklevel() >= 2
True
"""

from __future__ import annotations

import contextlib
import sys
import threading
import warnings
from collections.abc import Iterator
from types import FrameType
from typing import Any

__all__ = ["user_stacklevel", "warn_user", "calling_line", "points_of"]

# (frame running a sweep's points, (file, line, module) of its sweep call) of this thread
_RUNNING = threading.local()
# per line named, as warnings keeps one per module: "default" shows a warning once there
_REGISTRIES: dict[tuple[str, int], dict[Any, Any]] = {}


def user_stacklevel() -> int:
    """The ``stacklevel`` of the first caller outside ``archived`` (and outside joblib,
    which runs a sweep's points in the driver too), for a warning raised by the function
    calling this one: it points at the user's call, assignment, ``with`` or ``sweep`` line.

    >>> import warnings
    >>> def warn_at_caller():
    ...     warnings.warn("here", stacklevel=user_stacklevel())
    """
    frame = sys._getframe(2)
    level = 2
    while frame.f_back is not None and _ours(frame.f_globals.get("__name__", "")):
        frame = frame.f_back
        level += 1
    return level


def warn_user(
    warning: Warning | str,
    category: type[Warning] | None = None,
    at: tuple[str, int, str] | None = None,
) -> None:
    """``warnings.warn(warning, category)`` at the user's line: the first caller outside
    archived, or, for a sweep's point run by a worker, the line that called ``sweep``;
    ``at``: that line, ``(file, line, module)``, found before (:func:`calling_line`).

    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_user("stored as a pickle", UserWarning)
    >>> str(caught[0].message), caught[0].category.__name__
    ('stored as a pickle', 'UserWarning')
    """
    if at is not None:
        _warn_at(warning, category, at)
        return
    running = getattr(_RUNNING, "points", None)
    frame: FrameType = sys._getframe(1)
    level = 2  # warnings.warn's level of our caller
    while frame.f_back is not None and _ours(frame.f_globals.get("__name__", "")):
        if running is not None and frame is running[0]:
            # past the point's own code: what lies below is joblib's worker (a process
            # or a thread: multiprocessing/process.py, threading.py), or sweep's driver
            _warn_at(warning, category, running[1])
            return
        frame = frame.f_back
        level += 1
    if running is None and _worker_machinery(frame.f_globals.get("__name__", "")):
        # a cached function called by joblib's workers with no sweep (Parallel(...)(
        # delayed(f)(x) ...)): nothing of the user's lies below; name f's definition
        defined = _decorated_function_line(sys._getframe(1))
        if defined is not None:
            _warn_at(warning, category, defined)
            return
    warnings.warn(warning, category, stacklevel=level)


def _warn_at(
    warning: Warning | str, category: type[Warning] | None, where: tuple[str, int, str]
) -> None:
    """Warn as from the line ``where`` (``(file, line, module)``), once per line as
    ``warnings.warn`` would (each line keeps its own registry)."""
    filename, lineno, module = where
    warnings.warn_explicit(
        warning,
        category or UserWarning,
        filename,
        lineno,
        module=module,
        registry=_REGISTRIES.setdefault((filename, lineno), {}),
    )


def _worker_machinery(module: str) -> bool:
    """Whether ``module`` runs a worker's tasks (a process or thread pool, a dask or Ray
    worker): a frame of it is no line of the user's."""
    return module.split(".")[0] in (
        "multiprocessing",
        "concurrent",
        "threading",
        "distributed",
        "ray",
    )


def _decorated_function_line(frame: FrameType | None) -> tuple[str, int, str] | None:
    """``(file, line, module)`` of the definition of the ``@archived`` function whose
    call runs in ``frame`` or below it, or None."""
    import inspect

    while frame is not None:
        if (
            frame.f_code.co_name == "__call__"
            and frame.f_globals.get("__name__") == "archived.cache.decorator"
        ):
            func = getattr(frame.f_locals.get("self"), "func", None)
            target = inspect.unwrap(func) if callable(func) else None
            code = getattr(target, "__code__", None)
            if code is not None:
                module = getattr(target, "__module__", None) or ""
                return code.co_filename, code.co_firstlineno, module
        frame = frame.f_back
    return None


def calling_line() -> tuple[str, int, str]:
    """``(file, line, module)`` of the first caller outside archived and joblib, for a
    worker to name (:func:`points_of`).

    >>> calling_line()[1] > 0
    True
    """
    frame = sys._getframe(1)
    while frame.f_back is not None and _ours(frame.f_globals.get("__name__", "")):
        frame = frame.f_back
    return frame.f_code.co_filename, frame.f_lineno, frame.f_globals.get("__name__", "")


@contextlib.contextmanager
def points_of(line: tuple[str, int, str] | None) -> Iterator[None]:
    """Run a sweep's points in the caller's frame: a warning they give that no line of
    the user's below them explains is given at ``line``, the ``sweep`` call's.

    >>> with points_of(("run.py", 12, "__main__")):
    ...     pass
    """
    before = getattr(_RUNNING, "points", None)
    _RUNNING.points = None if line is None else (sys._getframe(2), line)
    try:
        yield
    finally:
        _RUNNING.points = before


def _ours(module: str) -> bool:
    return module.startswith(("archived.", "joblib."))
