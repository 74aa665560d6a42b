"""Where the user's code is, for warnings that should point at it.

Every layer warns (the engine when a value is pickled, the cache when a call is not
stored), and the depth of archived's own frames between the user's line and the warning
varies with the path taken (``ds.x = value``, a cached call, a sweep), so a fixed
``stacklevel`` points inside archived on some of them.  This module imports nothing of
the package, so the engine can use it as well as the cache.

>>> user_stacklevel() >= 2
True
"""

from __future__ import annotations

import sys

__all__ = ["user_stacklevel"]


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


def _ours(module: str) -> bool:
    return module.startswith(("archived.", "joblib."))
