"""``archived export``: parameters and scalar results as CSV, a row per call."""

from __future__ import annotations

import argparse
import contextlib
import csv
import sys
from typing import Any, TextIO

from .._format import format_value, int_text
from ..errors import ArchiveError, MissingImportError
from ..store.versioncolumn import version_column, with_version
from .base import PROG, UsageError, counted, inside, open_args, trust_hint
from .entries import Entry, list_entries, mixed_versions, note_mixed_versions
from .outfile import replacing
from .selection import hint_unknown_function, hint_unknown_parameter, selected

# what a user without the results' classes (a colleague) can still export
_NO_RESULTS = f"\n(`{PROG} export --no-results` writes the parameters alone, loading no value)"


def run_export(args: argparse.Namespace) -> int:
    from ..store.callorder import rows_in_call_order
    from ..store.table import dataset_rows

    if args.output == "-":  # the usual spelling of stdout, not a file named '-'
        args.output = None
    if args.output and inside(args.output, args.path):
        # `-o STORE/x_0.py` (a tab-completed path) replaced that entry with the CSV
        raise UsageError(
            f"-o {args.output!r} is inside the store {args.path!r}, where the CSV would "
            "replace or sit among its entries; write it outside the store"
        )
    ds = open_args(args)
    listed = list(list_entries(ds))
    # a value (or parameters) edited by hand is no result of its call: not a row of its
    # calls (an edit that broke it is skipped as a value that does not load, saying why)
    edited = {e.name for e in listed if e.kind == "edited" and _value_loads(ds, e.name)}
    for e in listed:
        if e.kind == "damaged":
            print(f"{PROG} export: skipping damaged entry {e.name}: {e.error}", file=sys.stderr)
        elif e.name in edited:
            print(
                f"{PROG} export: skipping entry {e.name}: it was edited by hand (its value "
                f"or its recorded parameters), so it is not its call's result ({PROG} "
                "verify lists it)",
                file=sys.stderr,
            )
    skipped = edited | {e.name for e in listed if e.kind == "damaged"}
    keep = {e.name for e in listed if e.name not in skipped and selected(e, args)}
    if not keep:
        hint_unknown_function(listed, args)
        hint_unknown_parameter(listed, args)
    unloadable: dict[str, ArchiveError] = {}

    def skip(name: str, err: ArchiveError) -> None:
        if isinstance(err, MissingImportError):
            # this program lacks a module: the whole store needs it, say so, and how to
            # have the parameters all the same
            raise ArchiveError(f"{err}{_NO_RESULTS}") from err
        # refused by a safe load too: one entry of a store someone sent (a pickle, a
        # planted call) stopped the whole export, and its error advised --trust
        unloadable[name] = err

    # each row its own cells (a row of every column cost the product of rows and columns:
    # 1.2 GB for 300 calls each recording 300 names of their own), the CSV's columns apart
    rows, columns = dataset_rows(
        ds, details=args.details, results=not args.no_results, entries=keep, skip=skip
    )
    recorded = {e.name: e.parameters for e in listed}
    rows = rows_in_call_order(rows, recorded.get)  # as func.table() lists them
    if unloadable:  # one broken (or outdated) entry must not cost the whole export
        names = sorted(unloadable)
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if names[3:] else "")
        first = unloadable[names[0]]
        print(
            f"{PROG} export: skipping {counted(len(names), 'entry', 'entries')} whose value "
            f"does not load ({shown}); the first: {first}{trust_hint(first, args)}"
            f"{_NO_RESULTS}",
            file=sys.stderr,
        )
    mixed = mixed_versions([e for e in listed if e.name in keep and e.name not in unloadable])
    if mixed and not args.details:  # say which code made each row (--details does)
        versions = {e.name: e.version for e in listed}
        named, columns = version_column(columns)
        rows = [with_version(row, versions.get(row.get("entry", ""), ""), named) for row in rows]
    entry_of = {e.function: e.name for e in listed if e.kind == "result" and e.function in mixed}
    note_mixed_versions(mixed, "version", sys.stderr, args.path, entry_of)
    if not rows:  # no columns are known without a row: write nothing, and say why
        _say_why_no_rows(listed, keep, args)
        damaged_only = bool(listed) and all(e.kind == "damaged" for e in listed)
        # (a sweep's or failure's record gives no row: a sweep's store of results that
        # were all skipped wrote an empty CSV and exited 0 beside its sweep record)
        rowed = {e.name for e in listed if e.name in keep and e.kind not in ("sweep", "failed")}
        if (rowed and rowed <= set(unloadable)) or damaged_only:
            # every entry asked for (or the store holds) was skipped: an empty CSV and
            # exit 0 read as a successful export to a script (and -o replaced the table
            # written before)
            where = f" (nothing written to {args.output})" if args.output else ""
            print(f"{PROG} export: no entry could be exported{where}", file=sys.stderr)
            return 1
        if args.output:
            # (an empty store, criteria matching nothing): an empty file replaced the
            # table exported there before, and exit 0 let `... -o t.csv && plot t.csv`
            # go on; to stdout the empty output is the answer and replaces nothing
            print(f"{PROG} export: nothing written to {args.output}", file=sys.stderr)
            return 1
    if args.output:
        with replacing(args.output) as f:  # (stopped half-way: the file as it was)
            _write_csv(rows, columns, f)
        print(f"wrote {counted(len(rows), 'row', 'rows')} to {args.output}", file=sys.stderr)
    else:
        _write_csv(rows, columns, sys.stdout)
    return 0


def _value_loads(ds: Any, name: str) -> bool:
    """Whether entry ``name``'s value loads (as ``ds`` loads it: safely or not)."""
    try:
        getattr(ds, name)
    except Exception:  # damaged, refused, a module missing: the export says which
        return False
    return True


def _say_why_no_rows(listed: list[Entry], keep: set[str], args: argparse.Namespace) -> None:
    """Say on stderr why an export has no row: an empty store, criteria that match no
    entry (with the values each ``--where`` parameter takes in the store), or entries
    that all failed to load (said already)."""
    if keep:
        return  # every selected entry was skipped, each with its reason
    if not listed:
        print(f"{PROG} export: the store holds no entry to export", file=sys.stderr)
        return
    if not any(e.kind != "damaged" for e in listed):
        return  # every entry is damaged, each skipped with its reason
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
        f"{PROG} export: no entry matches {' '.join(criteria)}"
        + (f" (in this store {'; '.join(takes)})" if takes else ""),
        file=sys.stderr,
    )


def _write_csv(rows: list[dict[str, Any]], columns: list[str], out: TextIO) -> None:
    """The CSV of a table's ``rows``, each holding the cells it has of ``columns``."""
    if not rows:
        return  # nothing at all, not the blank line of a header without columns
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    where = {column: i for i, column in enumerate(columns)}
    blank = [""] * len(columns)
    for row in rows:
        # (a line of empty cells copied, then the row's own: at C speed whatever the
        # number of columns, where a cell looked up per column cost rows times columns)
        cells = blank.copy()
        for key, value in row.items():
            cells[where[key]] = _cell(value)
        writer.writerow(cells)


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
