"""Compiled archive source, kept per process and keyed by the source itself.

Loading the same unchanged entry again (a cache hit of a big result, say) compiles the
same text again, and compiling is most of the cost of a trusted load.
:func:`compiled` keeps the code objects of recent sources in memory, keyed by the full
source text and file name: a lookup compares the text itself, so an entry rewritten with
other content (of the same size, within the same second, even with the same inode) can
never be served code compiled from what it held before.  It is an accelerator only:
:func:`clear` drops it at any time, nothing of it is written to disk, and a safe load
never uses it (it never compiles anything).

A caller that can read a source some cheaper way the first time (the literal fast path
of :mod:`archived.load.literal`) asks :func:`seen_before` first: compiling pays off only
for a source loaded again.

>>> code = compiled("x = [1, 2]\\n", "<archive>", lambda s, f: [compile(s, f, "exec")])
>>> cached("x = [1, 2]\\n", "<archive>") is code   # no second compile
True
>>> seen_before("y = 1\\n"), seen_before("y = 1\\n")
(False, True)
>>> clear()
"""

from __future__ import annotations

import os
import threading
import types
from collections import OrderedDict
from collections.abc import Callable

__all__ = ["compiled", "cached", "seen_before", "clear", "MAX_SOURCES", "MAX_CHARS"]

Codes = list[types.CodeType]

#: At most this many sources are kept, and at most this many characters of them in all
#: (code objects take a few times their source's size).
MAX_SOURCES = 256
MAX_CHARS = 8 * 2**20

_lock = threading.Lock()
_codes: OrderedDict[tuple[str, str], Codes] = OrderedDict()
_chars = 0
# hashes of sources loaded once without compiling (a collision only costs a compile)
_seen: OrderedDict[int, None] = OrderedDict()


def compiled(
    source: str, filename: str, compile_source: Callable[[str, str], Codes] | None
) -> Codes:
    """The code of ``source`` (as ``compile_source(source, filename)`` gives it), compiled
    once per process while it stays among the recently used sources.

    ``compile_source`` may be None only when the source is known to be cached.
    """
    codes = cached(source, filename)
    if codes is not None:
        return codes
    if compile_source is None:
        raise KeyError("source not compiled yet")
    key = (source, filename)
    codes = compile_source(source, filename)
    if len(source) <= MAX_CHARS // 4:
        _keep(key, codes)
    return codes


def cached(source: str, filename: str) -> Codes | None:
    """The code of ``source`` if it is cached, else None (nothing is compiled)."""
    key = (source, filename)
    with _lock:
        codes = _codes.get(key)
        if codes is not None:
            _codes.move_to_end(key)
        return codes


def seen_before(source: str) -> bool:
    """Whether ``source`` was passed here before (recently); remembers it either way."""
    key = hash(source)
    with _lock:
        if key in _seen:
            _seen.move_to_end(key)
            return True
        _seen[key] = None
        if len(_seen) > 4 * MAX_SOURCES:
            _seen.popitem(last=False)
        return False


def clear() -> None:
    """Forget every compiled source (the next load of each compiles it again)."""
    global _chars
    with _lock:
        _codes.clear()
        _seen.clear()
        _chars = 0


def _after_fork() -> None:
    # a lock held by another thread at the fork would never be released in the child
    global _lock
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def _keep(key: tuple[str, str], codes: Codes) -> None:
    global _chars
    with _lock:
        if key in _codes:
            return
        _codes[key] = codes
        _chars += len(key[0])
        while len(_codes) > MAX_SOURCES or _chars > MAX_CHARS:
            (source, _), _ = _codes.popitem(last=False)
            _chars -= len(source)
