"""The command line: ``python -m archived COMMAND PATH ...`` (or the ``archived`` script).

Commands: ``ls`` (the entry names, one a line, like Unix ``ls``; ``-l`` for a table of
each entry's kind, function, parameters, size and date; ``--status`` for sweeps),
``show`` (one entry's info and a summary of its value), ``verify`` / ``repair`` (check a
store, clean what killed writers left), ``prune`` (delete stale, old, failed or matching
entries; a dry run unless ``--yes``) and ``export`` (parameters and scalar results as CSV).

Every command that reads entries loads them **safely** by default: their source is
checked against the grammar archived writes and never executed, so looking into a store
someone sent you runs none of its code.  ``--trust`` executes the entries instead (needed
for entries holding pickles, or classes the safe loader does not know; ``--allow
MODULE`` lets a safe load rebuild the classes of a module you trust).  ``--safe`` is
accepted for compatibility: it is the default.

Exit codes: 0 success; 1 a failed operation (no store at PATH, no such entry, damage
found by ``verify``); 2 bad arguments.  Errors go to stderr as ``archived: error: ...``.
A reader that closes the pipe early (``archived ls | head``) ends the command quietly,
with exit code 0.  ``--json`` (``ls``, ``ls --status``, ``show``, ``verify``, ``repair``)
prints one JSON document instead of a table: see :mod:`archived.cli_json` (``ls --json``
gives every entry's full record, what ``ls -l`` shows, with or without ``-l``).

>>> import tempfile, os
>>> from archived import archived
>>> store = os.path.join(tempfile.mkdtemp(), "runs")
>>> @archived(store)
... def energy(mu):
...     return 2 * mu
>>> energy(1.5)
3.0
>>> main(["ls", store])
energy_...
0
>>> main(["ls", "-l", store])
NAME                     KIND    FUNCTION             PARAMETERS  SIZE   DATE
energy_...  result  archived.cli.energy...  mu=1.5  ...
1 entry, ... B
0
>>> main(["ls", "/no/such/store"])  # the message goes to stderr
1
"""

from __future__ import annotations

import argparse
import ast
import codecs
import contextlib
import csv
import datetime
import functools
import os
import re
import shlex
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TextIO

from . import cli_json
from ._format import (
    format_columns,
    format_duration,
    format_params,
    format_size,
    format_table,
    format_time,
    format_value,
    int_text,
    key_text,
    summarize_value,
)
from ._version import __version__
from .cli_escape import EscapingWriter, escaped
from .errors import ArchiveError, DamagedEntryError, MissingImportError, StoreNotFoundError

__all__ = ["main", "build_parser", "open_store"]

_PROG = "archived"


class UsageError(Exception):
    """Bad arguments found after parsing (exit code 2)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code (0 ok, 1 failed, 2 bad arguments).

    >>> main(["--version"])
    archived ...
    0
    """
    parser = _parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if getattr(args, "name", "") is None and len(extra) == 1 and extra[0][:1] != "-":
            args.name = extra[0]  # show PATH --json NAME: argparse took NAME as absent
        elif extra:
            parser.parse_args(argv)  # its usage error, exactly as it words it
    except SystemExit as done:  # --help, --version, or an argparse error (already printed)
        return done.code if isinstance(done.code, int) else 0
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    _leave_store_off_sys_path(getattr(args, "path", None))
    if os.environ.get("ARCHIVED_MAX_BYTES"):  # (ls imports no loader without it)
        from .load.budget import env_max_bytes

        try:
            env_max_bytes()  # a bad value said once, not as every entry's load failing
        except ValueError as err:
            print(escaped(f"{_PROG}: error: {err}"), file=sys.stderr)
            return 2
    try:
        with _printable_stdout(), _escaping_output(args):
            code = int(args.run(args) or 0)
            sys.stdout.flush()  # a reader that went away shows here, not at interpreter exit
        return code
    except BrokenPipeError:  # `archived ls | head`: the reader has all it wanted
        _drop_stdout()
        return 0
    except UsageError as err:
        print(escaped(f"{_PROG} {args.command}: error: {err}"), file=sys.stderr)
        return 2
    except StoreNotFoundError as err:  # the API's advice (mode='w') means nothing here
        print(escaped(f"{_PROG}: error: {_no_store(err.path)}"), file=sys.stderr)
        return 1
    except (ArchiveError, OSError) as err:
        print(escaped(f"{_PROG}: error: {err}{_trust_hint(err, args)}"), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _no_store(path: str) -> str:
    """Why ``path`` names no store, in the command line's words: no such directory, a
    directory or file that is no store, or an entry file given for its store.

    >>> _no_store("/no/such/dir")
    "no store at '/no/such/dir': no such directory"
    """
    folder, file = os.path.split(os.path.abspath(path))
    stem, ext = os.path.splitext(file)
    in_store = os.path.isfile(os.path.join(folder, "__init__.py"))
    if ext == ".py" and in_store and os.path.isfile(path):
        return (
            f"{path!r} is the file of entry {stem!r}; give its store: "
            f"`{_PROG} show {os.path.dirname(path) or os.curdir} {stem}`"
        )
    if os.path.isdir(path):
        return f"no store at {path!r}: the directory holds no store written by {_PROG}"
    if os.path.lexists(path):
        return f"no store at {path!r}: a store is a directory, and this is a file"
    return f"no store at {path!r}: no such directory"


def _inside(path: str, folder: str) -> bool:
    """Whether ``path`` is in the directory ``folder`` or below it (links resolved).

    >>> _inside("/data/runs/x_0.py", "/data/runs"), _inside("/data/runs.csv", "/data/runs")
    (True, False)
    """
    where = os.path.realpath(os.path.dirname(os.path.abspath(path)))
    top = os.path.realpath(folder).rstrip(os.sep)
    return where == top or where.startswith(top + os.sep)


def _leave_store_off_sys_path(path: str | None) -> None:
    """Take the working directory off ``sys.path`` when it is the store ``path`` or a
    folder inside it: ``python -m archived`` puts it first, and a store someone sent may
    hold a ``numpy.py`` that the first ``import numpy`` of a safe load would run.

    >>> import os, sys, tempfile
    >>> store, saved = tempfile.mkdtemp(), list(sys.path)
    >>> here = os.getcwd()
    >>> os.chdir(store); sys.path.insert(0, store)
    >>> _leave_store_off_sys_path(".")
    >>> store in sys.path
    False
    >>> os.chdir(here); sys.path[:] = saved
    """
    if not path:
        return
    store = os.path.realpath(path)
    try:
        here = os.path.realpath(os.getcwd())
    except OSError:  # the working directory was removed
        return
    if here == store or here.startswith(store.rstrip(os.sep) + os.sep):
        sys.path[:] = [p for p in sys.path if os.path.realpath(p or os.curdir) != here]


def _trust_hint(err: BaseException, args: argparse.Namespace) -> str:
    """How the command line loads what a safe load refused (its own option, not the API's)."""
    from .errors import UnsafeArchiveError

    if not isinstance(err, UnsafeArchiveError) or getattr(args, "trust", True):
        return ""
    # show prints (or with --json, writes) nothing of an entry whose value it refused:
    # its record alone needs no value
    alone = "; --no-value shows its info alone" if args.command == "show" else ""
    allow = re.search(r"allow=\['([\w.]+)'\]", str(err))
    if allow is not None:  # the safe loader's advice, in the command line's words
        return (
            f"\n(the entry was loaded safely: `{_PROG} {args.command} --allow "
            f"{allow.group(1)}` lets it rebuild that module's classes, if you trust its "
            f"code{alone})"
        )
    return (
        f"\n(the entry was loaded safely: `{_PROG} {args.command} --trust` executes it "
        f"instead, which only a store you trust completely may be{alone})"
    )


@contextlib.contextmanager
def _escaping_output(args: argparse.Namespace) -> Iterator[None]:
    """Text read from a store may hold escape sequences a terminal acts on: stdout and
    stderr write them escaped (:mod:`archived.cli_escape`) while the command runs.  CSV
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
def _printable_stdout() -> Iterator[None]:
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


def _drop_stdout() -> None:
    """Send what is left of stdout to /dev/null, so the flush at exit raises nothing."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real stdout (embedded, captured): nothing to flush
        pass


@functools.lru_cache(maxsize=1)
def _parser() -> argparse.ArgumentParser:
    """The parser :func:`main` uses, built once per process: building it costs more than
    ``archived ls`` of a thousand names (parsing changes nothing in it)."""
    return build_parser()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command (``--help`` on each).

    >>> sorted(build_parser()._subparsers._group_actions[0].choices)
    ['export', 'ls', 'prune', 'repair', 'show', 'verify']
    """
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="Look into, check and tidy stores written by archived (DataSets).",
        epilog="Run 'archived COMMAND --help' for the options of a command. " + _TRUST_NOTE,
    )
    parser.add_argument("--version", action="version", version=f"{_PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, run: Callable[[argparse.Namespace], int], text: str) -> Any:
        p = sub.add_parser(name, help=text, description=text, epilog=_TRUST_NOTE)
        p.add_argument("path", metavar="PATH", help="the store directory")
        p.set_defaults(run=run)
        _trust_options(p)
        return p

    p = command(
        "ls",
        _ls,
        "List the entries of a store: their names, one a line (no entry file is read or "
        "stat'ed); -l for each one's kind, function, parameters, size and date.",
    )
    p.add_argument(
        "-l",
        "--long",
        action="store_true",
        help="a table of each entry's kind, function, code version (where several), "
        "parameters, size and date (one stat of each entry file, like ls -l)",
    )
    p.add_argument(
        "--status",
        action="store_true",
        help="show the recorded sweeps: which points are done, failed or missing",
    )
    p.add_argument(
        "--names",
        action="store_true",
        help="the names only, one a line: the default (kept for compatibility)",
    )
    _json_option(
        p,
        "print one JSON document of every entry's full record, as -l lists it "
        "(schema: archived.cli_json)",
    )
    p = command("show", _show, "Show one entry: its info record and a summary of its value.")
    p.add_argument(
        "name",
        metavar="NAME",
        nargs="?",
        help="the entry name (as listed by ls); show STORE/NAME.py, the entry's file, works too",
    )
    p.add_argument("--no-value", action="store_true", help="show the info only")
    _json_option(p)
    p = command("verify", _verify, "Check every entry and data file of a store.")
    _json_option(p)
    p = command(
        "repair",
        _repair,
        "Remove leftovers of crashed writers and orphaned data files (never an entry); "
        "exit 1 if problems remain (damaged entries are only reported).",
    )
    _json_option(p)
    p = command(
        "prune",
        _prune,
        "Delete entries: of stale code versions, older than a date, failed, or matching "
        "parameters (criteria combine with AND). A dry run unless --yes.",
    )
    p.add_argument(
        "--stale",
        action="store_true",
        help="results and failures of code versions other than the current one, which "
        "--function MODULE:NAME (imported) or --version V says; never guessed",
    )
    p.add_argument(
        "--version",
        dest="current_version",
        metavar="V",
        help="with --stale: V is the current code version (of the one function selected)",
    )
    p.add_argument("--failed", action="store_true", help="records of failed calls")
    p.add_argument(
        "--before",
        metavar="DATE",
        type=_date,
        help="entries made before DATE (ISO, local time); one whose info cannot be read is kept",
    )
    _selection_options(p)
    p.add_argument("--yes", action="store_true", help="really delete (default: dry run)")
    p = command("export", _export, "Write parameters and scalar results as CSV.")
    p.description = (
        "Write parameters and scalar results as CSV, a row per call: each function's "
        "calls together, ordered by their parameters as func.table() orders them, then "
        "the store's other entries. Each cell holds its value's text "
        "exactly, for pandas, R or csv readers: a text beginning with =, +, - or @ (a "
        "string parameter or result, say of a store someone sent you) is a formula to a "
        "spreadsheet program that opens the file, so import such a file there as text."
    )
    p.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE instead of stdout ('-': stdout)"
    )
    p.add_argument(
        "--details", action="store_true", help="add version, start time and duration columns"
    )
    _selection_options(p)
    return parser


_TRUST_NOTE = (
    "Entries are loaded safely unless --trust is given: their source is checked and "
    "never executed. With --trust, ls, show, verify, repair, export and prune execute "
    "the Python source of every entry they read: use it only for stores you trust. "
    "(prune --function MODULE:NAME imports your module MODULE, trusted or not.)"
)


def open_store(path: str, *, safe: bool = False, allow: Sequence[str] = ()) -> Any:
    """Open the store at ``path`` read-only (``StoreNotFoundError`` if there is none).

    ``safe=True`` loads its entries without executing them (``allow``: extra trusted
    modules), as every command does unless ``--trust`` is given.

    >>> open_store("/no/such/store")
    Traceback (most recent call last):
        ...
    archived.errors.StoreNotFoundError: no DataSet at '/no/such/store' (open it ...)
    """
    from .errors import StoreNotFoundError
    from .store.dataset import DataSet

    folder = os.path.abspath(path)
    name = os.path.basename(folder)
    if not os.path.isfile(os.path.join(folder, "__init__.py")):
        inside = _stores_in(folder)
        if inside:
            raise ArchiveError(
                f"{path!r} is not a store but holds the stores {', '.join(inside[:5])}"
                f"{' ...' if len(inside) > 5 else ''}; "
                f"give one of them, e.g. {os.path.join(path, inside[0])!r}"
            )
        raise StoreNotFoundError(path)
    if safe and os.path.exists(os.path.join(folder, "_this_dir_is_a_DataSet")):
        raise ArchiveError(
            f"{path!r} is a persist store: its entries are programs that only run "
            "unchecked; pass --trust to run them (only if you trust the store)"
        )
    return DataSet(name, "r", path=os.path.dirname(folder), safe=safe, allow=tuple(allow))


def _open(args: argparse.Namespace) -> Any:
    return open_store(args.path, safe=not args.trust, allow=args.allow or ())


def _stores_in(folder: str) -> list[str]:
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    from .store.native import is_native_store

    return [n for n in names if is_native_store(os.path.join(folder, n))]


# ---- commands ---------------------------------------------------------------------------


def _store_and_entry(path: str) -> tuple[str, str]:
    """The store and entry named by ``path``, an entry's file (``STORE/NAME.py``, as a
    shell completes it) or ``STORE/NAME``; a usage error saying what to type otherwise.

    >>> _store_and_entry("runs")
    Traceback (most recent call last):
        ...
    archived.cli.UsageError: 'runs' is no entry of a store: archived show STORE NAME, ...
    """
    from .store.native import is_native_store

    store, name = os.path.split(os.path.normpath(path))
    if name.endswith(".py"):
        name = name[: -len(".py")]
    if name.isidentifier() and not os.path.isdir(path) and is_native_store(store or "."):
        return store or ".", name
    if os.path.isdir(path):
        quoted = shlex.quote(path)
        raise UsageError(
            f"show needs an entry: archived show {quoted} NAME (archived ls {quoted} lists "
            "the names), or archived show STORE/NAME.py"
        )
    raise UsageError(
        f"{path!r} is no entry of a store: archived show STORE NAME, or archived show "
        "STORE/NAME.py"
    )


def _ls(args: argparse.Namespace) -> int:
    if args.names and (args.long or args.status or args.json):
        raise UsageError("--names prints names only: it takes none of --long, --status, --json")
    if args.long and args.status:
        raise UsageError("--long lists the entries, --status the sweeps: choose one")
    if not (args.long or args.status or args.json):
        return _ls_names(args)
    ds = _open(args)
    if args.status:
        return _ls_status(ds, args.path, args.json)
    if args.json:
        return _print_json(cli_json.ls_document(ds._path, _entries(ds)))
    from .engine.archive import _gc_paused

    # many objects, no cycles; they are all gone before the collector is back, so its
    # first pass has none of them to walk
    with _gc_paused():
        return _ls_table(ds, args.path)


def _ls_names(args: argparse.Namespace) -> int:
    """The entry names, one a line, from the directory listing alone: no entry file is
    opened or stat'ed, and nothing beyond the listing's name checks is imported (numpy,
    the loaders and the index are not needed to print names)."""
    from .store.entrynames import entry_names, is_native_store

    folder = os.path.abspath(args.path)
    if not is_native_store(folder):  # a persist store, or no store: as every command says
        names = _open(args)._names()
    else:
        try:
            names = entry_names(folder)
        except FileNotFoundError:  # removed since its loader was read
            raise StoreNotFoundError(args.path) from None
    if names:
        sys.stdout.write("\n".join(names) + "\n")
    return 0


def _ls_table(ds: Any, path: str) -> int:
    # one pass gathering the columns, one formatting them: a store may list 100,000
    # entries, and a list per row cost as much as the index's part of the work
    folder = ds._path
    names: list[str] = []
    kinds: list[str] = []
    functions: list[str] = []
    versions: list[str] = []
    summaries: list[str] = []
    sizes: list[int] = []
    times: list[float] = []
    results: set[tuple[str, str]] = set()  # (function, version) of every result
    for name, columns, size, mtime, files, view in ds._listing():
        if columns is None:  # not at hand in the store's index: read the entry
            try:
                entry = _Entry.read(ds, name, view)
            except KeyError:  # deleted while listing
                continue
            kind, function, version = entry.kind, entry.function, entry.version
            summary, size, when = entry.summary, entry.size, entry.time
        else:
            kind, function, version, summary, started = columns
            if files:
                size += sum(_data_size(folder, name, f) for f in files)
            when = started or mtime
        if kind == "result" and function:
            results.add((function, version))
        names.append(name)
        kinds.append(kind)
        functions.append(function)
        versions.append(version)
        summaries.append(summary)
        sizes.append(size)
        times.append(when)
    if not names:
        print(f"{path}: empty store")
        return 0
    mixed = _mixed(("result", f, v) for f, v in results)
    size_texts = {size: format_size(size) for size in set(sizes)}  # a few sizes, shared
    table = [names, kinds, functions]
    header = ["NAME", "KIND", "FUNCTION"]
    if mixed:
        table.append([v if k in _CALL_KINDS else "" for k, v in zip(kinds, versions, strict=True)])
        header.append("VERSION")
    table += [summaries, [size_texts[size] for size in sizes], list(map(format_time, times))]
    print(format_columns([*header, "PARAMETERS", "SIZE", "DATE"], table))
    print(f"{_count(len(names), 'entry', 'entries')}, {format_size(sum(sizes))}")
    _note_mixed_versions(mixed, "VERSION", sys.stdout)
    return 0


_CALL_KINDS = ("result", "failed")


def _mixed_versions(entries: list[_Entry]) -> dict[str, set[str]]:
    """function -> its code versions, for the functions whose results come from several.

    A store keeps the results of old code versions (until pruned) beside the current
    ones, under the same parameters: a listing or export that does not tell them apart
    passes an old version's result off as the current code's.
    """
    return _mixed((e.kind, e.function, e.version) for e in entries)


def _mixed(calls: Iterable[Sequence[str]]) -> dict[str, set[str]]:
    """:func:`_mixed_versions` of ``(kind, function, version)`` triples."""
    versions: dict[str, set[str]] = {}
    for kind, function, version in calls:
        if kind == "result" and function:
            versions.setdefault(function, set()).add(version)
    return {f: v for f, v in versions.items() if len(v) > 1}


def _note_mixed_versions(mixed: dict[str, set[str]], column: str, out: TextIO) -> None:
    for function, versions in sorted(mixed.items()):
        if _is_block(function):  # nothing to import: its version is the user's to say
            how = (
                f"--function '{function}' --version V` (V: your current block's version, "
                "rec.version after it ran)"
            )
        else:
            how = "--function MODULE:NAME`"
        print(
            f"{function}: results of {len(versions)} code versions side by side (column "
            f"{column}), only one of them your current code's; `{_PROG} prune PATH --stale "
            f"{how} removes the others",
            file=out,
        )


def _is_block(function: str) -> bool:
    """Whether ``function`` is a recorded ``with`` block's identity (``block:...``), not
    a function's (:mod:`archived.cache.blockinfo`)."""
    return function.startswith("block:")


def _ls_status(ds: Any, path: str, as_json: bool = False) -> int:
    from .cache.sweeps import recorded_sweeps

    sweeps = list(recorded_sweeps(ds))
    if as_json:
        failed = [e for e in _entries(ds) if e.kind == "failed"]
        return _print_json(cli_json.sweeps_document(ds._path, sweeps, failed))
    for status in sweeps:
        print(status)
        print()
    if not sweeps:
        print(f"{path}: no sweep recorded (archived.sweep() records its grid)")
    failures = [e for e in _entries(ds) if e.kind == "failed"]
    if failures and not sweeps:
        print(
            format_table(
                ["FAILED CALL", "PARAMETERS", "TIME", "ERROR"],
                [
                    [e.name, e.summary, format_duration(e.info.get("duration")), e.error]
                    for e in failures
                ],  # fmt: skip
            )
        )
    return 0


def _show(args: argparse.Namespace) -> int:
    if args.name is None:
        args.path, args.name = _store_and_entry(args.path)
    ds = _open(args)
    name = args.name
    if name.endswith(".py") and name not in ds:  # the entry's file name, tab-completed
        name = name[: -len(".py")]
    if name not in ds:
        names = list(ds)
        # the start of a hashed name, as a user types it from ls: the names it begins
        starting = [n for n in names if n.startswith(name)] if name else []
        shown = starting or names
        hint = f"; {'did you mean' if starting else 'entries:'} {', '.join(shown[:10])}"
        hint += " ..." if len(shown) > 10 else ""
        raise ArchiveError(f"no entry {name!r} in {args.path!r}{hint if names else ''}")
    entry = _Entry.read(ds, name)
    if args.json:
        with_value = not args.no_value and entry.kind not in ("failed", "damaged")
        value = getattr(ds, name) if with_value else None
        return _print_json(cli_json.show_document(ds._path, entry, value, with_value=with_value))
    print(f"entry     {name} ({entry.kind})")
    print(f"file      {entry.file} ({format_size(entry.size)} with its data files)")
    print(f"modified  {format_time(entry.time)}")
    if entry.kind == "damaged":
        print(f"error     {entry.error}")
    print("info:")
    _print_info(entry.raw_info)
    if not args.no_value and entry.kind not in ("failed", "damaged"):
        print("value:")
        value = getattr(ds, name)
        print("  " + summarize_value(value).replace("\n", "\n  "))
    return 0


def _verify(args: argparse.Namespace) -> int:
    verify = _trust("verify")
    report = verify(_open(args)._path, safe=not args.trust, allow=args.allow or ())
    if args.json:
        _print_json(cli_json.report_document("verify", report))
        return 0 if report.ok else 1
    print(report)
    return 0 if report.ok else 1


def _repair(args: argparse.Namespace) -> int:
    repair = _trust("repair")
    report = repair(_open(args)._path, safe=not args.trust, allow=args.allow or ())
    if args.json:
        _print_json(cli_json.report_document("repair", report))
        return 0 if report.ok else 1
    print(report)
    return 0 if report.ok else 1


def _prune(args: argparse.Namespace) -> int:
    if not (args.stale or args.failed or args.before or args.where or args.function):
        raise UsageError("choose what to delete: --stale, --failed, --before, --where, --function")
    if args.current_version is not None and not args.stale:
        raise UsageError("--version says which version is current, for --stale")
    imported = _imported_function(args.function) if args.function else None
    if imported is not None:
        args.function = imported.identity  # select exactly its calls
    ds = _open(args)
    entries = list(_entries(ds))
    current = _current_versions(args, imported, entries) if args.stale else {}
    chosen = []
    for e in entries:
        if args.stale and not (
            e.function in current
            and e.kind in ("result", "failed")
            and e.version != current[e.function]
        ):
            continue
        if args.failed and e.kind != "failed":
            continue
        if args.before and not e.time < args.before:
            continue
        if not _selected(e, args):
            continue
        if e.kind == "damaged":
            # only --before selects it, by its file's time: whether it is as old as its
            # record says, and what it holds, is unknown (promise 2: deleted only on
            # certain knowledge), as for a sweep record whose points cannot be read
            print(
                f"kept {e.name}: its info cannot be read, so when it was made is unknown "
                f"({_PROG} verify says what is wrong with it)"
            )
            continue
        chosen.append(e)
    chosen = _with_emptied_sweeps(ds, entries, chosen)
    if not chosen:
        print("nothing to delete")
        _hint_unknown_function(entries, args)
        _hint_unknown_parameter(entries, args)
        _hint_other_number_types(entries, args)
        return 0
    print(
        format_table(
            ["NAME", "KIND", "FUNCTION", "PARAMETERS", "DATE"],
            [[e.name, e.kind, e.function, e.summary, format_time(e.time)] for e in chosen],
        )
    )
    size = format_size(sum(e.size for e in chosen))
    if not args.yes:
        count = _count(len(chosen), "entry", "entries")
        print(f"dry run: {count} ({size}) would be deleted; add --yes to delete")
        return 0
    from .store.dataset import DataSet

    writable = DataSet(ds._module_name, "w", path=os.path.dirname(ds._path))
    calls = [e for e in chosen if e.kind != "sweep"]
    records = [e for e in chosen if e.kind == "sweep"]
    for e in calls:
        try:
            delattr(writable, e.name)
        except AttributeError:  # deleted by someone else meanwhile
            pass
    if records:
        # decided again now that the calls are gone: a sweep running beside the prune
        # may have stored one of a record's points since the plan (read safely, as the
        # plan was: the writable DataSet would execute the records)
        from .cache.sweeprecords import sweeps_emptied_by

        planned = [e.name for e in records]
        unread: list[str] = []
        still = set(
            sweeps_emptied_by(ds, [e.name for e in calls], planned, deleted=True, unread=unread)
        )
        for e in records:
            if e.name in unread and e.name in ds:  # damaged since the plan
                print(
                    f"kept {e.name}: its list of points can no longer be read, so whether "
                    "one is still stored is unknown (archived verify says what is wrong "
                    "with it)"
                )
                continue
            if e.name in unread:
                continue  # deleted by someone else meanwhile
            if e.name not in still:
                print(f"kept {e.name}: a point of its sweep was stored meanwhile")
                continue
            try:
                delattr(writable, e.name)
            except AttributeError:
                pass
        chosen = calls + [e for e in records if e.name in still]
        size = format_size(sum(e.size for e in chosen))
    print(f"deleted {_count(len(chosen), 'entry', 'entries')} ({size})")
    return 0


def _with_emptied_sweeps(ds: Any, entries: list[_Entry], chosen: list[_Entry]) -> list[_Entry]:
    """``chosen`` with the sweep records it selected or emptied deleted only when none of
    their points stays stored: ``--before`` may select a record made before some of its
    results, and ``--stale`` or ``--where`` the last results of a grid, whose record
    ``ls --status`` then showed as all missing."""
    from .cache.sweeprecords import sweeps_emptied_by

    calls = [e for e in chosen if e.kind != "sweep"]
    selected = [e.name for e in chosen if e.kind == "sweep"]
    unread: list[str] = []
    emptied = set(sweeps_emptied_by(ds, [e.name for e in calls], selected, unread=unread))
    for name in unread:
        print(
            f"kept {name}: its list of points cannot be read, so whether one is still stored "
            "is unknown (archived verify says what is wrong with it)"
        )
    return calls + [e for e in entries if e.name in emptied]


def _export(args: argparse.Namespace) -> int:
    from .store.callorder import rows_in_call_order
    from .store.table import dataset_table

    if args.output == "-":  # the usual spelling of stdout, not a file named '-'
        args.output = None
    if args.output and _inside(args.output, args.path):
        # `-o STORE/x_0.py` (a tab-completed path) replaced that entry with the CSV
        raise UsageError(
            f"-o {args.output!r} is inside the store {args.path!r}, where the CSV would "
            "replace or sit among its entries; write it outside the store"
        )
    ds = _open(args)
    listed = list(_entries(ds))
    for e in listed:
        if e.kind == "damaged":
            print(f"{_PROG} export: skipping damaged entry {e.name}: {e.error}", file=sys.stderr)
    keep = {e.name for e in listed if e.kind != "damaged" and _selected(e, args)}
    if not keep:
        _hint_unknown_function(listed, args)
        _hint_unknown_parameter(listed, args)
    unloadable: dict[str, ArchiveError] = {}

    def skip(name: str, err: ArchiveError) -> None:
        if isinstance(err, MissingImportError):
            raise err  # this program lacks a module: the whole store needs it, say so
        # refused by a safe load too: one entry of a store someone sent (a pickle, a
        # planted call) stopped the whole export, and its error advised --trust
        unloadable[name] = err

    rows = dataset_table(ds, details=args.details, frame=False, entries=keep, skip=skip)
    recorded = {e.name: e.parameters for e in listed}
    rows = rows_in_call_order(rows, recorded.get)  # as func.table() lists them
    if unloadable:  # one broken (or outdated) entry must not cost the whole export
        names = sorted(unloadable)
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if names[3:] else "")
        first = unloadable[names[0]]
        print(
            f"{_PROG} export: skipping {_count(len(names), 'entry', 'entries')} whose value "
            f"does not load ({shown}); the first: {first}{_trust_hint(first, args)}",
            file=sys.stderr,
        )
    mixed = _mixed_versions([e for e in listed if e.name in keep and e.name not in unloadable])
    if mixed and not args.details:  # say which code made each row (--details does)
        versions = {e.name: e.version for e in listed}
        rows = [_with_version(row, versions.get(row.get("entry", ""), "")) for row in rows]
    _note_mixed_versions(mixed, "version", sys.stderr)
    if not rows:  # no columns are known without a row: write nothing, and say why
        _say_why_no_rows(listed, keep, args)
    if args.output:
        with open(args.output, "w", newline="", encoding="utf-8", errors="backslashreplace") as f:
            _write_csv(rows, f)
        print(f"wrote {_count(len(rows), 'row', 'rows')} to {args.output}", file=sys.stderr)
    else:
        _write_csv(rows, sys.stdout)
    return 0


def _say_why_no_rows(listed: list[_Entry], keep: set[str], args: argparse.Namespace) -> None:
    """Say on stderr why an export has no row: an empty store, criteria that match no
    entry (with the values each ``--where`` parameter takes in the store), or entries
    that all failed to load (said already)."""
    if keep:
        return  # every selected entry was skipped, each with its reason
    if not any(e.kind != "damaged" for e in listed):
        print(f"{_PROG} export: the store holds no entry to export", file=sys.stderr)
        return
    criteria = ([f"--function {args.function}"] if args.function else []) + [
        f"--where {key}={format_value(wanted)}" for key, wanted in args.where or ()
    ]
    takes = []
    for key, _ in args.where or ():
        found = [
            e.parameters[key]
            for e in listed
            if isinstance(e.parameters, dict) and key in e.parameters
        ]
        with contextlib.suppress(Exception):  # values that do not compare stay as listed
            found.sort()
        values = list(dict.fromkeys(format_value(value, 40) for value in found))
        if values:
            shown = ", ".join(values[:10]) + (" ..." if len(values) > 10 else "")
            takes.append(f"{key} takes {shown}")
    print(
        f"{_PROG} export: no entry matches {' '.join(criteria)}"
        + (f" (in this store {'; '.join(takes)})" if takes else ""),
        file=sys.stderr,
    )


# ---- what ls, prune and export know about an entry --------------------------------------


class _Entry:
    """One entry as the commands see it: kind, function, parameters, size, time."""

    __slots__ = (
        "name",
        "info",
        "raw_info",
        "file",
        "size",
        "time",
        "function",
        "version",
        "error",
        "parameters",
        "kind",
        "summary",
    )

    def __init__(self, ds: Any, name: str, info: Any, error: str = "", listed: Any = None) -> None:
        self.name = name
        self.info = info if isinstance(info, dict) else {}
        self.raw_info = info
        self.file = os.path.join(ds._path, name + ".py")
        self.size, self.time = _size_and_mtime(ds._path, name, listed)
        self.error = error
        if error:
            self.kind, self.summary = "damaged", error
            self.function = self.version = ""
            self.parameters = None
            return
        from .store.listing import describe

        d = describe(name, info)
        self.kind, self.function, self.version, self.summary = (
            d.kind,
            d.function,
            d.version,
            d.summary,
        )
        self.error, self.parameters = d.error, d.parameters
        self.time = d.started or self.time

    @classmethod
    def read(cls, ds: Any, name: str, listed: Any = None) -> _Entry:
        """The entry ``name`` (``listed``: as a view of the store saw it)."""
        try:
            info = listed.info() if listed is not None else ds[name]
        except KeyError:
            raise
        except Exception as err:  # a damaged entry is listed, not fatal
            return cls(ds, name, None, error=f"{type(err).__name__}: {err}", listed=listed)
        return cls(ds, name, info, listed=listed)


def _entries(ds: Any) -> list[_Entry]:
    from .engine.archive import _gc_paused

    entries = []
    # one look at the store's index: info records without reading unchanged entries;
    # many objects and no cycles, so the collector's passes would be pure cost
    from .store.versions import read_one_version

    with _gc_paused():
        for name, listed in ds._view().items():
            try:
                # rewritten since the view saw it: read again whole, as it is now
                found, entry = read_one_version(listed, functools.partial(_Entry.read, ds, name))
            except DamagedEntryError as err:  # it kept changing while it was read
                found, entry = True, _Entry(ds, name, None, error=f"{type(err).__name__}: {err}")
            if found and entry is not None:  # else deleted while listing
                entries.append(entry)
    return entries


def _size_and_mtime(folder: str, name: str, listed: Any = None) -> tuple[int, float]:
    if hasattr(listed, "files"):  # listed by the store's index: no file to open
        files = listed.files
        size = listed.size
        if files:
            size += sum(_data_size(folder, name, f) for f in files)
        return size, listed.mtime

    import stat

    from .store.entries import header_files, read_entry_text

    path = os.path.join(folder, name + ".py")
    try:
        st = os.lstat(path)  # never a link followed, never a FIFO opened
    except OSError:  # deleted meanwhile, or a persist store's other layout
        return 0, 0.0
    if not stat.S_ISREG(st.st_mode):
        return 0, st.st_mtime
    try:
        text = read_entry_text(folder, name)
        files = header_files(name, text) if text is not None else []
    except ArchiveError:
        files = []  # a damaged header: count the entry file alone
    return st.st_size + sum(_data_size(folder, name, f) for f in files), st.st_mtime


def _data_size(folder: str, name: str, file: object) -> int:
    """The size of data file ``file`` of entry ``name``: 0 if missing or not a data file
    of the store (a name read from a store is checked before it is even stat'ed)."""
    from .store.storefiles import checked_path

    try:
        return os.lstat(checked_path(folder, file, "data", entry=name)).st_size
    except (OSError, ArchiveError):
        return 0


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _current_versions(
    args: argparse.Namespace, imported: Any, entries: list[_Entry]
) -> dict[str, str]:
    """function identity -> its current version, as the user said it; never guessed.

    The newest *written* version is not the current code's: after an edit and a revert
    (a git checkout) it is the edit's, and pruning by it deletes the current results.
    """
    if imported is not None:
        if args.current_version is not None and args.current_version != imported.version:
            raise UsageError(
                f"--version {args.current_version!r} contradicts the imported function, "
                f"whose current version is {imported.version!r}"
            )
        return {imported.identity: imported.version}
    if args.current_version is None:
        raise UsageError(
            "--stale needs the current code version, and the newest version in the store "
            "is not necessarily it (after an edit and a revert it is not): give "
            "--function MODULE:NAME to import the function and read its version, or "
            "--function NAME --version V"
        )
    functions = sorted(
        {e.function for e in entries if e.function and e.kind in ("result", "failed")}
        & {e.function for e in entries if _selected(e, args)}
    )
    if len(functions) > 1:
        raise UsageError(
            f"--version names one function's current version, but the selection holds "
            f"calls of {len(functions)} functions ({', '.join(functions[:5])}); "
            "choose one with --function"
        )
    return {f: args.current_version for f in functions}


def _imported_function(spec: str) -> Any:
    """The ``@archived`` function ``module:name`` names, imported; None for a bare name."""
    module_name, colon, name = spec.partition(":")
    if not colon or _is_block(spec):  # a block's identity has a colon, and no module
        return None
    import importlib

    from .cache.decorator import CachedFunction

    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())  # as `python -m` would find the user's module
    try:
        found: Any = importlib.import_module(module_name)
        for part in name.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError) as err:
        hint = ""
        if isinstance(err, ModuleNotFoundError) and err.name == module_name.split(".")[0]:
            hint = (
                f" (looked for in the current folder {os.getcwd()!r} and on PYTHONPATH: "
                f"run archived from the folder holding {err.name}.py, or add that folder "
                "to PYTHONPATH)"
            )
        raise ArchiveError(f"cannot import the function {spec!r}: {err}{hint}") from err
    if not isinstance(found, CachedFunction):
        raise ArchiveError(
            f"{spec!r} is a {type(found).__name__}, not an @archived function: "
            "its version is unknown"
        )
    return found


def _selected(entry: _Entry, args: argparse.Namespace) -> bool:
    if args.function:
        name = args.function
        full = entry.function
        if not full or not (full == name or full.endswith("." + name)):
            return False
    if not args.where:
        return True
    # export selects as func.where() does (1 selects 1.0); prune deletes only the calls
    # of the number type named (see _equal)
    from .store.table import equal_parameter

    equal = _equal if args.command == "prune" else equal_parameter
    parameters = entry.parameters or {}
    for key, wanted in args.where:
        if key not in parameters or not equal(parameters[key], wanted):
            return False
    return True


def _hint_unknown_function(entries: list[_Entry], args: argparse.Namespace) -> None:
    """Say on stderr that ``--function`` named no function of the store (a typo selected
    nothing, silently), and which functions it holds."""
    name = args.function
    if not name:
        return
    functions = sorted({e.function for e in entries if e.function})
    if any(f == name or f.endswith("." + name) for f in functions):
        return
    known = ", ".join(functions[:10]) + (" ..." if len(functions) > 10 else "")
    print(
        f"{_PROG} {args.command}: no entry is of a function named {name!r}"
        + (f"; the store's functions: {known}" if known else ""),
        file=sys.stderr,
    )


def _hint_unknown_parameter(entries: list[_Entry], args: argparse.Namespace) -> None:
    """Say on stderr that a ``--where`` key is no parameter of any call (a typo selected
    nothing, silently), and which parameters the calls have."""
    names: dict[str, None] = {}
    for e in entries:
        if e.kind in ("result", "failed") and isinstance(e.parameters, dict):
            names.update(dict.fromkeys(e.parameters))
    for key, _ in args.where or ():
        if key in names:
            continue
        known = ", ".join(list(names)[:20]) + (" ..." if len(names) > 20 else "")
        print(
            f"{_PROG} {args.command}: no entry has a parameter {key!r}"
            + (f"; the parameters of its calls: {known}" if known else ""),
            file=sys.stderr,
        )


def _hint_other_number_types(entries: list[_Entry], args: argparse.Namespace) -> None:
    """Say on stderr which spelling selects the calls a prune ``--where`` number missed by
    type.

    ``prune --where n=3`` deletes no call of ``n=int64(3)`` (another call, which can compute
    another result), but a sweep over a numpy grid records only those: name them exactly.
    """
    for key, wanted in args.where or ():
        if not _is_number(wanted):
            continue
        values = [
            e.parameters[key]
            for e in entries
            if isinstance(e.parameters, dict) and key in e.parameters
        ]
        if any(_equal(value, wanted) for value in values):
            continue  # the criterion selects calls: another criterion excluded them
        others: dict[str, int] = {}
        for value in values:
            if _equal_number(value, wanted):
                spelled = format_value(value)
                others[spelled] = others.get(spelled, 0) + 1
        if others:
            found = "; ".join(
                f"{_count(n, 'entry', 'entries')} with {key}={spelled}: select them with "
                f"--where {key}={spelled}"
                for spelled, n in others.items()
            )
            print(
                f"{_PROG} {args.command}: no entry has {key}={format_value(wanted)} "
                f"({type(wanted).__name__}), a number of its own type; {found}",
                file=sys.stderr,
            )


def _equal_number(value: Any, wanted: Any) -> bool:
    """``value`` is a number of another type than ``wanted`` with the same value."""
    from .store.table import exact_number

    if not _is_number(value) or type(value) is type(wanted):
        return False
    try:  # exactly: numpy rounds 2**53 + 1 to a float64 before comparing it
        return bool(exact_number(value) == exact_number(wanted))
    except Exception:
        return False


def _equal(value: Any, wanted: Any) -> bool:
    # 1, 1.0, True and numpy's 1.0 are different calls (ls shows them apart): prune
    # deletes only the calls of the number type named, so prune --where x=1 never deletes
    # x=True; func.where() and export, which delete nothing, select them all (==)
    if _is_number(value) or _is_number(wanted):
        if type(value) is not type(wanted):
            return False
    try:
        return bool(value == wanted)
    except Exception:
        return False


def _is_number(value: Any) -> bool:
    import numbers

    return isinstance(value, numbers.Number)


def _with_version(row: dict[str, Any], version: str) -> dict[str, Any]:
    """``row`` with the column ``version`` after ``function``; as in a table's details, a
    parameter named ``version`` moves to ``parameter_version``."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        column = key
        while column == "version" or (column != key and column in row):
            column = "parameter_" + column
        out[column] = value
        if key == "function":
            out["version"] = version if value else None
    return out


def _write_csv(rows: list[dict[str, Any]], out: TextIO) -> None:
    if not rows:
        return  # nothing at all, not the blank line of a header without columns
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(columns))
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if type(value) is int:  # too long for decimal: its exact hex literal
        return int_text(value)
    if isinstance(value, (str, int, float, bool)):
        return str(value)
    if type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0:
        return str(value)  # int64(3) is the number 3: its type has a column of its own
    return repr(value)


_KEY_WIDTH = 24


def _print_info(info: Any) -> None:
    if not isinstance(info, dict):
        print("  " + summarize_value(info).replace("\n", "\n  "))
        return
    # keys are aligned up to a width: each line padded to the longest key made a record of
    # one 100 kB key and 1,000 short ones print 100 MB (work beyond the store's size)
    width = min(max((len(key_text(k)) for k in info), default=0), _KEY_WIDTH)
    for key, value in info.items():
        key = key_text(key)
        if isinstance(value, str) and "\n" in value:
            print(f"  {key:<{width}}")
            print("    " + value.rstrip("\n").replace("\n", "\n    "))
        elif isinstance(value, str):
            print(f"  {key:<{width}}  {value}")
        elif key == "duration" and isinstance(value, float):
            print(f"  {key:<{width}}  {format_duration(value)}")
        else:
            print(f"  {key:<{width}}  {format_params(value, width=200)}")


# ---- arguments ----------------------------------------------------------------------------


def _trust_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--trust",
        action="store_true",
        help="execute the entries' Python source instead of checking it (only for stores "
        "you trust: a store someone sent you can run any code this way)",
    )
    p.add_argument(
        "--safe",
        action="store_true",
        help="load entries without executing them (the default; kept for compatibility)",
    )
    p.add_argument(
        "--allow",
        metavar="MODULE",
        action="append",
        help="a module you trust whose classes a safe load may rebuild (repeatable)",
    )


def _json_option(
    p: argparse.ArgumentParser,
    text: str = "print one JSON document instead of a table (schema: archived.cli_json)",
) -> None:
    p.add_argument("--json", action="store_true", help=text)


def _print_json(document: dict[str, Any]) -> int:
    print(cli_json.dumps(document))
    return 0


def _selection_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--function",
        metavar="NAME",
        help="only calls of this function (name or module.name); MODULE:NAME imports it "
        "(from the current directory too) to read its current version; a with block is "
        "named as ls -l shows it ('block:exp.<module>@12', or 'block:NAME')",
    )
    p.add_argument(
        "--where",
        metavar="KEY=VALUE",
        action="append",
        type=_criterion,
        help="only entries whose parameter KEY equals VALUE (a Python literal, or a numpy "
        "number as ls shows it: int64(3), float64(0.5); repeatable). export compares with "
        "== as func.where() does: 1 selects 1.0, True and int64(1) too; prune deletes only "
        "the calls of the number type given (1, 1.0, True and int64(1) are four calls)",
    )


def _criterion(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip().isidentifier():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        parsed = ast.literal_eval(value.strip())
    except (ValueError, SyntaxError):
        parsed = _numpy_scalar(value.strip())
    return key.strip(), parsed


# numpy scalars as ls shows them (int64(3), float64(0.5), bool(True)), numpy's own repr
# (np.int64(3)) or numpy.int64(3): a sweep over numpy grids records its parameters so
_NUMPY_SCALAR = re.compile(
    r"(?:np\.|numpy\.)?(bool_?|u?int(?:8|16|32|64)|float(?:16|32|64)|complex(?:64|128))"
    r"\((.*)\)",
    re.DOTALL,
)


def _numpy_scalar(text: str) -> Any:
    """The numpy scalar ``text`` spells, or ``text`` itself (a bare word is a string)."""
    match = _NUMPY_SCALAR.fullmatch(text)
    if match is None:
        return text
    try:
        inner = ast.literal_eval(match.group(2))
    except (ValueError, SyntaxError):
        return text
    import numpy as np

    kind = np.dtype("bool" if match.group(1) == "bool_" else match.group(1)).type
    try:
        scalar = kind(inner)
    except (TypeError, ValueError, OverflowError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a {match.group(1)}") from None
    if scalar != inner and not (inner != inner and scalar != scalar):  # nan is nan
        raise argparse.ArgumentTypeError(f"{inner!r} does not fit in a {match.group(1)}")
    return scalar


def _date(text: str) -> float:
    try:
        when = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO date like 2026-01-31 or 2026-01-31T12:00, got {text!r}"
        ) from None
    return when.timestamp()


def _trust(name: str) -> Callable[..., Any]:
    import importlib

    try:
        trust = importlib.import_module(f"{__package__}.store.integrity")
    except ModuleNotFoundError as err:
        if err.name != f"{__package__}.store.integrity":
            raise
        raise ArchiveError(
            f"'{name}' is not available: this installation has no archived.store.integrity module"
        ) from None
    return getattr(trust, name)  # type: ignore[no-any-return]
