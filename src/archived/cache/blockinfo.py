"""Who a recorded block is: its place in the code, and which version of its code ran.

A ``with archived(path, **parameters) as rec:`` block has no name of its own, so it is
named by where it is: the module (a script run as ``__main__`` is named after its file,
as for functions), the function around it and the line of its ``with``.  Two blocks with
the same parameters in different places are different blocks, and never share results.
Its code version is a digest of the source of the whole ``with`` statement, so editing
the block gives new keys, as editing a function does (a file edited while the program
runs no longer holds the running code's source: the code is versioned by its compiled
form then, which the edited code never shares).

``name=`` replaces the place: a named block keeps its results when the code around it
moves (its code version still follows its source).  A block typed at a prompt or in a
notebook cell is named by its line there and a digest of its code: two blocks of one cell
are two blocks, but the same block at the same line of two cells is one (no file tells
the cells apart; ``name=`` does).

>>> import sys
>>> place = block_place(sys._getframe(), None)
>>> place.identity.startswith("block:"), place.prefix, len(place.version)
(True, 'block', 16)
"""

from __future__ import annotations

import ast
import functools
import linecache
import textwrap
import types
from dataclasses import dataclass

import xxhash

from .funcinfo import (
    code_fingerprint,
    entry_prefix,
    interactive_code,
    script_stem,
    source_runs,
)

__all__ = ["BlockPlace", "block_place", "source_version", "with_statement_source"]


@dataclass(frozen=True)
class BlockPlace:
    """A block's identity (as in its entries' info), entry-name prefix and code version.

    >>> BlockPlace("block:exp.<module>@12", "block", "0123456789abcdef").prefix
    'block'
    """

    identity: str
    prefix: str
    version: str


def block_place(frame: types.FrameType, name: str | None) -> BlockPlace:
    """The place and code version of the ``with`` block running in ``frame`` (the user's
    frame, stopped at the ``with`` line), named ``name`` if given.

    >>> import sys
    >>> block_place(sys._getframe(), "fib").identity
    'block:fib'
    """
    code = frame.f_code
    line = frame.f_lineno
    source = with_statement_source(code.co_filename, line)
    if source is not None and not _interactive(frame) and not source_runs(code.co_filename, code):
        source = None  # the file was edited since it was loaded: not this code's source
    if source is not None:
        version = source_version(source)
    else:  # no source to read (an exec'd string): the code that runs it
        version = code_fingerprint(code)
    if name is not None:
        return BlockPlace(f"block:{name}", entry_prefix(name), version)
    module = _module_name(frame)
    where = getattr(code, "co_qualname", code.co_name)
    if _interactive(frame):
        # no file names the code, so its digest does; the line still tells apart two
        # blocks of one cell (or ``-c`` string) with the same code and parameters, which
        # may read different data set above them
        return BlockPlace(f"block:{module}.{where}@{line}#{version[:12]}", "block", version)
    return BlockPlace(f"block:{module}.{where}@{line}", "block", version)


def source_version(source: str) -> str:
    """The code version of a block whose ``with`` statement's source is ``source``.

    >>> len(source_version("with archived('runs') as rec:\\n    rec.result = 1\\n"))
    16
    """
    return xxhash.xxh3_64_hexdigest(b"block:" + source.encode("utf-8", "surrogatepass"))


def with_statement_source(filename: str, line: int) -> str | None:
    """The source of the innermost ``with`` statement (body included) whose items span
    ``line`` in ``filename``, dedented; None if there is no such source.

    >>> with_statement_source("<stdin>", 1) is None
    True
    """
    lines = linecache.getlines(filename)
    if not lines:
        return None
    text = "".join(lines)
    spans = _with_spans(filename, xxhash.xxh3_64_hexdigest(text.encode("utf-8", "replace")))
    best: tuple[int, int, int] | None = None
    for start, items_end, end in spans:
        if start <= line <= items_end and (best is None or start >= best[0]):
            best = (start, items_end, end)
    if best is None:
        return None
    return textwrap.dedent("".join(lines[best[0] - 1 : best[2]]))


@functools.lru_cache(maxsize=64)
def _with_spans(filename: str, digest: str) -> tuple[tuple[int, int, int], ...]:
    """(first line, last line of the items, last line) of every ``with`` in the file
    (cached by content digest: a file parsed once however many blocks it runs)."""
    try:
        tree = ast.parse("".join(linecache.getlines(filename)))
    except (SyntaxError, ValueError):
        return ()
    spans = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.With, ast.AsyncWith)):
            items_end = max(item.context_expr.end_lineno or node.lineno for item in node.items)
            spans.append((node.lineno, items_end, node.end_lineno or items_end))
    return tuple(spans)


def _module_name(frame: types.FrameType) -> str:
    module = str(frame.f_globals.get("__name__") or "unknown")
    if module != "__main__":
        return module
    stem = script_stem(frame.f_code.co_filename)
    return stem if stem.isidentifier() and not _interactive(frame) else "__main__"


def _interactive(frame: types.FrameType) -> bool:
    """Whether the block was typed where no file names it (a prompt, a notebook cell)."""
    return interactive_code(frame.f_code.co_filename, frame.f_globals.get("__name__"))
