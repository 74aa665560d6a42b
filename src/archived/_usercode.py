"""Where the user's code is, for warnings that should point at it.

Every layer warns (the engine when a value is pickled, the cache when a call is not
stored), and the depth of archived's own frames between the user's line and the warning
varies with the path taken (``ds.x = value``, a cached call, a sweep), so a fixed
``stacklevel`` points inside archived on some of them.  A sweep's point run by a worker
(a loky or multiprocessing process, a thread) has no line of the user's below it at all:
:func:`warn_user` then names the line that called ``sweep``, which the driver records
(:func:`calling_line`) and the worker runs its points under (:func:`points_of`).  This
module imports nothing of the package, so the engine can use it as well as the cache.

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


def warn_user(warning: Warning | str, category: type[Warning] | None = None) -> None:
    """``warnings.warn(warning, category)`` at the user's line: the first caller outside
    archived, or, for a sweep's point run by a worker, the line that called ``sweep``.

    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_user("stored as a pickle", UserWarning)
    >>> str(caught[0].message), caught[0].category.__name__
    ('stored as a pickle', 'UserWarning')
    """
    running = getattr(_RUNNING, "points", None)
    frame: FrameType = sys._getframe(1)
    level = 2  # warnings.warn's level of our caller
    while frame.f_back is not None and _ours(frame.f_globals.get("__name__", "")):
        if running is not None and frame is running[0]:
            # past the point's own code: what lies below is joblib's worker (a process
            # or a thread: multiprocessing/process.py, threading.py), or sweep's driver
            filename, lineno, module = running[1]
            warnings.warn_explicit(
                warning,
                category or UserWarning,
                filename,
                lineno,
                module=module,
                registry=_REGISTRIES.setdefault((filename, lineno), {}),
            )
            return
        frame = frame.f_back
        level += 1
    warnings.warn(warning, category, stacklevel=level)


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
