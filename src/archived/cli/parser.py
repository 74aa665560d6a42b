"""The argument parser of every command (``archived COMMAND --help``)."""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable
from typing import Any

from .._version import __version__
from .base import PROG, TRUST_NOTE
from .export import run_export
from .listing import run_ls, run_show
from .selection import criterion, parse_date
from .tidy import run_prune, run_repair, run_verify


@functools.lru_cache(maxsize=1)
def cached_parser() -> argparse.ArgumentParser:
    """The parser :func:`main` uses, built once per process: building it costs more than
    ``archived ls`` of a thousand names (parsing changes nothing in it)."""
    return build_parser()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command (``--help`` on each).

    >>> sorted(build_parser()._subparsers._group_actions[0].choices)
    ['export', 'ls', 'prune', 'repair', 'show', 'verify']
    """
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Look into, check and tidy stores written by archived (DataSets).",
        epilog="Run 'archived COMMAND --help' for the options of a command. " + TRUST_NOTE,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, run: Callable[[argparse.Namespace], int], text: str) -> Any:
        p = sub.add_parser(name, help=text, description=text, epilog=TRUST_NOTE)
        p.add_argument("path", metavar="PATH", help="the store directory")
        p.set_defaults(run=run)
        trust_options(p)
        return p

    p = command(
        "ls",
        run_ls,
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
    json_option(
        p,
        "print one JSON document of every entry's full record, as -l lists it "
        "(schema: archived.cli.jsondoc)",
    )
    p = command("show", run_show, "Show one entry: its info record and a summary of its value.")
    p.add_argument(
        "name",
        metavar="NAME",
        nargs="?",
        help="the entry name (as listed by ls); show STORE/NAME.py, the entry's file, works too",
    )
    p.add_argument("--no-value", action="store_true", help="show the info only")
    json_option(p)
    p = command(
        "verify",
        run_verify,
        "Check every entry and data file of a store; exit 1 if a problem is found or an "
        "entry is not checked: refused by a safe load (--allow MODULE or --trust checks "
        "it), or intact but not loadable here (its module missing, its class renamed "
        "since: install or restore it).",
    )
    json_option(p)
    p = command(
        "repair",
        run_repair,
        "Remove leftovers of crashed writers and orphaned data files (never an entry); "
        "exit 1 if problems remain (damaged entries are only reported) or an entry a "
        "safe load refused may be damaged (an entry it refuses only for a module --allow "
        "would name, or that cannot be loaded here, is no problem).",
    )
    json_option(p)
    p = command(
        "prune",
        run_prune,
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
        type=parse_date,
        help="entries made before DATE (ISO, local time); one whose info cannot be read is kept",
    )
    selection_options(p)
    p.add_argument("--yes", action="store_true", help="really delete (default: dry run)")
    json_option(
        p,
        "print one JSON document of the entries deleted (or, in a dry run, to be deleted) "
        "and of those kept, with why (schema: archived.cli.jsondoc)",
    )
    p = command("export", run_export, "Write parameters and scalar results as CSV.")
    p.description = (
        "Write parameters and scalar results as CSV, a row per call: each function's "
        "calls together, ordered by their parameters as func.table() orders them, then "
        "the store's other entries. Each cell holds its value's text "
        "exactly, for pandas, R or csv readers: a text beginning with =, +, - or @ (a "
        "string parameter or result, say of a store someone sent you) is a formula to a "
        "spreadsheet program that opens the file, so import such a file there as text. "
        "An entry whose value does not load is left out, and said so; when every entry "
        "is left out, nothing is written and the exit status is 1. With -o, an export "
        "of no row (an empty store, criteria matching nothing) writes nothing too, "
        "leaving FILE as it was, and exits 1."
    )
    p.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE instead of stdout ('-': stdout)"
    )
    p.add_argument(
        "--details", action="store_true", help="add version, start time and duration columns"
    )
    p.add_argument(
        "--no-results",
        action="store_true",
        help="the parameters and records alone, no value loaded: for a store whose "
        "results are of classes you do not have",
    )
    selection_options(p)
    return parser


def trust_options(p: argparse.ArgumentParser) -> None:
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


def json_option(
    p: argparse.ArgumentParser,
    text: str = "print one JSON document instead of a table (schema: archived.cli.jsondoc)",
) -> None:
    p.add_argument("--json", action="store_true", help=text)


def selection_options(p: argparse.ArgumentParser) -> None:
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
        type=criterion,
        help="only entries whose parameter KEY equals VALUE (a Python literal, or a numpy "
        "number as ls shows it: int64(3), float64(0.5); repeatable). export compares with "
        "== as func.where() does: 1 selects 1.0, True and int64(1) too; prune deletes only "
        "the calls of the number type given (1, 1.0, True and int64(1) are four calls)",
    )
