"""Where the user's code is, for warnings that should point at it.

>>> user_stacklevel() >= 2
True
"""

from __future__ import annotations

import sys

__all__ = ["user_stacklevel"]


def user_stacklevel() -> int:
    """The ``stacklevel`` of the first caller outside ``archived`` (and outside joblib,
    which runs a sweep's points in the driver too), for a warning raised by the function
    calling this one: it points at the user's call, ``with`` or ``sweep`` line."""
    frame = sys._getframe(2)
    level = 2
    while frame.f_back is not None and _ours(frame.f_globals.get("__name__", "")):
        frame = frame.f_back
        level += 1
    return level


def _ours(module: str) -> bool:
    return module.startswith(("archived.", "joblib."))
