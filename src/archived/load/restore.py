"""Restore: archive source becomes Python objects again, executed or checked safely.

:func:`restore` executes trusted source (compiled in pieces, the cyclic collector paused;
the code of a source loaded again is reused, see :mod:`archived.load.codecache`) or, with
``safe=True``, hands it to :mod:`archived.load.safe`, which checks and evaluates
it without executing anything.

>>> from archived import Archive
>>> a = Archive()
>>> a.insert(x=[1, 2])
'x'
>>> restore(str(a))
{'x': [1, 2]}
"""

from __future__ import annotations

import os
import types
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..engine.archive import _gc_paused
from .codecache import compiled
from .numpy_names import compile_for_installed_numpy

if TYPE_CHECKING:
    from .budget import Limits

__all__ = ["restore"]


def restore(
    archive: str,
    env: dict[str, Any] | None = None,
    *,
    datadir: str | os.PathLike[str] | None = None,
    safe: bool = False,
    allow: Iterable[str] = (),
    allow_pickle: bool = False,
    max_bytes: int | None = None,
    limits: Limits | None = None,
) -> dict[str, Any]:
    """Execute archive source and return the dict of the names it defines.

    ``env`` (default: a new dict) receives the names; a ``__builtins__`` it did not hold
    before is removed again, one it held is kept.  Big arrays are read from ``datadir``,
    else from the directory of ``env['__file__']``, else from the current directory.

    ``safe=True`` loads untrusted source without executing it (see :mod:`archived.load.safe`):
    only the grammar archives use, imports from builtins, numpy and the modules listed in
    ``allow``, and work bounded by ``limits`` (an :class:`~archived.load.budget.Limits`;
    by default proportional to the size of the source; ``max_bytes``, else the
    environment variable ``ARCHIVED_MAX_BYTES``, sets its memory budget alone);
    anything else raises :class:`~archived.errors.UnsafeArchiveError` before any
    statement runs.  ``allow_pickle=True`` lets pickle payloads load, which
    trusts the source completely: unpickling runs any code a payload names.

    >>> from archived import Archive
    >>> a = Archive()
    >>> a.insert(a=1, b=2)
    ['a', 'b']
    >>> d = restore(str(a))
    >>> print("%(a)i, %(b)i" % d)
    1, 2
    """
    if not isinstance(archive, str):
        read = (
            " (read the file: restore(open(path).read()))"
            if isinstance(archive, os.PathLike)
            else ""
        )
        raise TypeError(
            f"restore() needs archive source as str, not {type(archive).__name__}{read}"
        )
    # (a safe load stats no path: its source may come from a store someone sent)
    if not safe and archive.endswith(".py") and "\n" not in archive and os.path.isfile(archive):
        raise TypeError(
            f"restore() takes archive source, not a file name ({archive!r}): "
            "restore(open(path).read()), or open its store with DataSet"
        )
    if env is not None and not isinstance(env, dict):
        raise TypeError(f"restore() needs env= to be a dict, not {type(env).__name__}")
    if safe:
        from .safe import evaluate

        return evaluate(
            archive,
            env,
            datadir=datadir,
            allowed_modules=allow,
            allow_pickle=allow_pickle,
            max_bytes=max_bytes,
            limits=limits,
        )
    d: dict[str, Any] = {} if env is None else env
    saved = d.get("__builtins__", _ABSENT)
    # an entry file's sections each end in "if __name__ == 'builtins': del
    # __builtins__" (for a namespace holding only what they make): without a __name__,
    # the first section's deleted __builtins__ and the second's raised NameError.  So
    # a namespace without one runs under a name of its own, taken off again after, as
    # __builtins__ is
    named = "__name__" in d
    if not named:
        d["__name__"] = "archived.restored"
    if datadir is None and isinstance(d.get("__file__"), str):
        datadir = os.path.dirname(os.path.abspath(d["__file__"]))
    with _gc_paused():
        # compiled once per process and source (an unchanged entry loaded again)
        codes = compiled(archive, str(d.get("__file__", "<archive>")), _compile)
    try:
        with _gc_paused():
            if datadir is None:
                for code in codes:
                    exec(code, d)
            else:
                from ..engine.hdf5 import using_datadir

                with using_datadir(datadir):
                    for code in codes:
                        exec(code, d)
    finally:
        if saved is _ABSENT:
            d.pop("__builtins__", None)
        else:
            d["__builtins__"] = saved
        if not named:
            d.pop("__name__", None)
    return d


_ABSENT = object()
_CHUNK_LINES = 2000


def _compile(source: str, filename: str) -> list[types.CodeType]:
    """Compile module source, in pieces of about ``_CHUNK_LINES`` lines when it is long.

    CPython compiles one huge module in more than linear time; run one after the other in
    the same namespace, pieces of straight-line module code do exactly what the whole
    does.  A cut inside a bracket, string, continued line or compound statement leaves a
    piece that does not compile, and then the whole source is compiled as one.
    """
    adapted = compile_for_installed_numpy(source, filename)  # numpy 2's forms on numpy 1
    if adapted is not None:
        return [adapted]
    lines = source.split("\n")
    if len(lines) <= _CHUNK_LINES:
        return [compile(source, filename, "exec", dont_inherit=True)]
    codes = []
    start = 0
    try:
        while start < len(lines):
            end = min(start + _CHUNK_LINES, len(lines))
            while end < len(lines) and not lines[end][:1].isidentifier():
                end += 1  # cut only before a line that can start a statement
            piece = "\n".join(lines[start:end])
            codes.append(_shifted(compile(piece, filename, "exec", dont_inherit=True), start))
            start = end
    except SyntaxError:
        return [compile(source, filename, "exec", dont_inherit=True)]
    return codes


def _shifted(code: types.CodeType, lines: int) -> types.CodeType:
    """``code`` with its line numbers (and those of functions in it) moved down."""
    consts = tuple(
        _shifted(c, lines) if isinstance(c, types.CodeType) else c for c in code.co_consts
    )
    return code.replace(co_firstlineno=code.co_firstlineno + lines, co_consts=consts)
