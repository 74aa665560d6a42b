"""stdout and stderr while a command runs: text from a store written escaped, never an
encoding error half-way through a listing, and a closed pipe ended quietly.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import os
import sys
from collections.abc import Iterator
from typing import TextIO

from .escape import EscapingWriter


@contextlib.contextmanager
def escaping_output(args: argparse.Namespace) -> Iterator[None]:
    """Text read from a store may hold escape sequences a terminal acts on: stdout and
    stderr write them escaped (:mod:`archived.cli.escape`) while the command runs.  CSV
    that ``export`` writes to a pipe or a file keeps its text exactly."""
    stdout, stderr = sys.stdout, sys.stderr
    exact = args.command == "export" and not _is_terminal(stdout)
    if not exact and stdout is not None:
        sys.stdout = EscapingWriter(stdout)  # type: ignore[assignment]
    if stderr is not None:
        sys.stderr = EscapingWriter(stderr)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = stdout, stderr


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no stream, or a closed one
        return False


@contextlib.contextmanager
def printable_stdout() -> Iterator[None]:
    """Text read from a store may hold what stdout cannot encode (a lone surrogate, as
    in a file name of undecodable bytes): it is written escaped (``\\udcff``) for the
    command, never raised half-way through a listing."""
    stream = sys.stdout
    errors = getattr(stream, "errors", None)
    if errors not in ("strict", "surrogateescape") or not hasattr(stream, "reconfigure"):
        yield
        return
    if errors == "surrogateescape":
        codecs.register_error(_ESCAPE, _surrogate_or_backslash)
    stream.reconfigure(errors=_ESCAPE if errors == "surrogateescape" else "backslashreplace")
    try:
        yield
    finally:
        try:
            stream.reconfigure(errors=errors)
        except (OSError, ValueError):  # a reader that went away
            pass


_ESCAPE = "archived.surrogateescape-or-backslashreplace"


def _surrogate_or_backslash(err: UnicodeError) -> tuple[str | bytes, int]:
    """The bytes surrogateescape stands for where it can, else backslash escapes."""
    try:
        return codecs.lookup_error("surrogateescape")(err)  # type: ignore[no-any-return]
    except UnicodeError:
        return codecs.lookup_error("backslashreplace")(err)  # type: ignore[no-any-return]


def drop_stdout() -> None:
    """Send what is left of stdout to /dev/null, so the flush at exit raises nothing."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real stdout (embedded, captured): nothing to flush
        pass
