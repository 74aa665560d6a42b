"""``with archived(path, **parameters) as rec:`` — record the result of a block.

``rec.cached`` tells whether a result for these parameters is stored.  If it is not, the
block computes it and sets ``rec.result``; the result is committed (with an info record
like a cached function's) only when the block ends without an exception, and a block that
raises leaves a failure record instead.  If it is stored, it is loaded on entering the
block (a stored result that cannot be read back is reported and computed again, as for a
cached function: both go through :mod:`archived.cache.calls`).  While a block computes,
other processes entering a block with the same parameters wait for it and then find the
result cached.  A block that finds its result stored and sets ``rec.result`` anyway
(computed without ``if not rec.cached:``) keeps the stored result in the store, with a
:class:`~archived.errors.ResultNotStoredWarning`: the new value is in ``rec.result`` only.

A block is named by its place in the code (module, enclosing function, line of the
``with``) and versioned by a digest of its source, so two blocks with the same
parameters never share results and editing a block gives new keys
(:mod:`archived.cache.blockinfo`).  ``archived(path, name="fib", **parameters)`` names it
instead (``name`` is never a parameter): its results then survive moving the code.

``archived(path, **parameters)`` treats every other keyword as a parameter; to give
options (a pinned version, soft locking, ...) call :func:`record` instead.

>>> import tempfile, os
>>> store = os.path.join(tempfile.mkdtemp(), "blocks")
>>> for attempt in range(2):
...     with record(store, {"n": 4}, name="fib") as rec:
...         if not rec.cached:
...             a, b = 0, 1
...             for _ in range(rec.parameters["n"]):
...                 a, b = b, a + b
...             rec.result = a
...     print(rec.cached, rec.result)
False 3
True 3
"""

from __future__ import annotations

import os
import sys
import warnings
from types import FrameType, TracebackType
from typing import Any

from .._usercode import user_stacklevel
from ..errors import InvalidNameError, ResultNotSetError, ResultNotStoredWarning
from .blockinfo import block_place
from .blockinputs import check_inputs
from .calls import Attempt, begin, key_call
from .callstore import CallStore
from .funcinfo import interactive_code
from .movedblock import warn_moved_block
from .storepath import resolve_store_path

__all__ = ["record", "Record"]

_UNSET = object()


def record(
    path: str | os.PathLike[str],
    parameters: dict[str, Any] | None = None,
    *,
    name: str | None = None,
    version: str | None = None,
    locking: str | None = None,
    timeout: float = 60,
    lock_timeout: float | None = None,
    durable: bool = True,
    compress: Any = None,
    mmap_mode: str | None = None,
) -> Record:
    """Record a block with ``parameters``; options as for ``@archived``.

    ``name`` plays the part of a function's identity (by default the block's place in
    the code): blocks with different names never share results.  ``version`` pins the
    code version (by default a digest of the ``with`` statement's source, so an edit of
    the block gives new keys).

    >>> import tempfile, os
    >>> with record(os.path.join(tempfile.mkdtemp(), "s"), {"x": 2}, name="sq") as rec:
    ...     rec.result = rec.parameters["x"] ** 2
    >>> rec.result, rec.entry
    (4, 'sq_...')
    """
    return Record(
        path,
        parameters or {},
        name=name,
        version=version,
        locking=locking,
        timeout=timeout,
        lock_timeout=lock_timeout,
        durable=durable,
        compress=compress,
        mmap_mode=mmap_mode,
    )


class Record:
    """The state of one recorded block; made by :func:`record` or ``archived(path, ...)``.

    Attributes:
        parameters: the block's parameters.  cached: whether the result was stored on entry.
        entry: the store entry holding the result.  result: the result (see the module).
        identity: the block's identity in the store (set on entry).
        version: its code version (set on entry; the pinned one if given), what ``ls -l``
            shows and ``archived prune --stale --function IDENTITY --version V`` takes.

    >>> import tempfile, os
    >>> rec = Record(os.path.join(tempfile.mkdtemp(), "s"), {"a": 1})
    >>> with rec:
    ...     rec.result = "done"
    >>> rec.cached, rec.store.load(rec.entry)
    (False, 'done')
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        parameters: dict[str, Any],
        *,
        name: str | None = None,
        version: str | None = None,
        locking: str | None = None,
        timeout: float = 60,
        lock_timeout: float | None = None,
        durable: bool = True,
        compress: Any = None,
        mmap_mode: str | None = None,
    ) -> None:
        if name is not None and (
            not isinstance(name, str) or not name.isidentifier() or name.startswith("_")
        ):
            raise InvalidNameError(name, "a block name must be an identifier not starting with _")
        self.parameters = dict(parameters)
        self.name = name
        self._pinned = version
        self.version = None if version is None else str(version)
        frame = _user_frame()  # where the block is: a relative path is relative to its file
        code = frame.f_code
        anchor = None
        if not interactive_code(code.co_filename, frame.f_globals.get("__name__")):
            anchor = code.co_filename
        del frame
        self.store = CallStore(
            resolve_store_path(path, anchor),
            locking=locking,
            timeout=timeout,
            lock_timeout=lock_timeout,
            durable=durable,
            compress=compress,
            mmap_mode=mmap_mode,
        )
        self.cached = False
        self.identity: str | None = None
        self.entry: str | None = None
        self._result: Any = _UNSET
        self._attempt: Attempt | None = None

    @property
    def result(self) -> Any:
        """The block's result: the stored one if cached, else what the block set."""
        if self._result is _UNSET:
            raise AttributeError(
                "rec.result has not been set: the block sets it (rec.result = value) "
                "when rec.cached is False"
            )
        return self._result

    @result.setter
    def result(self, value: Any) -> None:
        self._result = value

    def __repr__(self) -> str:
        """What a notebook shows of ``rec``: the block, its parameters, and whether its
        result was found stored, in which entry.

        >>> import tempfile, os
        >>> with Record(os.path.join(tempfile.mkdtemp(), "s"), {"a": 1}, name="fit") as rec:
        ...     rec.result = "done"
        >>> rec
        <recorded block block:fit a=1: not found stored, entry fit_...>
        """
        from .._format import format_params

        block = self.identity or (f"block:{self.name}" if self.name else "block")
        if self.identity is None:
            state = "not run yet"
        elif self.cached:
            state = f"found stored, entry {self.entry}"
        else:
            state = f"not found stored, entry {self.entry}"
        shown = format_params(self.parameters)
        return f"<recorded block {block}{' ' + shown if shown else ''}: {state}>"

    def __enter__(self) -> Record:
        frame = _user_frame()
        place = block_place(frame, self.name)
        version = place.version if self._pinned is None else str(self._pinned)
        call = key_call(place.identity, version, place.prefix, self.parameters)
        self.identity, self.version = place.identity, version
        self._attempt = attempt = begin(self.store, call)
        self.entry = attempt.entry
        self.cached = attempt.cached
        if attempt.cached:
            self._result = attempt.value
        elif self.name is None:
            warn_moved_block(self.store, call, frame.f_code.co_filename)
        check_inputs(frame, self.store.path, place.identity, call.key, attempt.entry, self.cached)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        attempt, self._attempt = self._attempt, None
        if attempt is None:
            return
        if exc is not None:
            attempt.fail(exc)
        elif self._result is _UNSET:
            attempt.release()
            raise ResultNotSetError(attempt.call.identity)
        elif attempt.cached:
            if not _same(self._result, attempt.value):
                _warn_result_replaced(self)
        else:
            attempt.succeed(self._result)


def _warn_result_replaced(rec: Record) -> None:
    """A block found its result stored and set another: say which one the store keeps."""
    warnings.warn(
        ResultNotStoredWarning(
            f"the block's result was already stored (entry {rec.entry}), yet the block set "
            "rec.result again: rec.result holds the new value, the store keeps the stored "
            "one; compute under `if not rec.cached:`, or delete the entry to store another"
        ),
        stacklevel=user_stacklevel(),
    )


def _same(new: Any, stored: Any) -> bool:
    """Whether ``new`` is plainly the stored result (the same object, or an equal value
    of its type whose ``==`` says True; an array's elementwise answer is no answer)."""
    if new is stored:
        return True
    try:
        return type(new) is type(stored) and (new == stored) is True
    except Exception:
        return False


def _user_frame() -> FrameType:
    """The frame of the ``with`` statement: the first caller outside ``archived``."""
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith("archived."):
        frame = frame.f_back
    return frame
