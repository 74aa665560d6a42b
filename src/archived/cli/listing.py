"""``archived ls`` (names, ``-l`` table, ``--status`` of sweeps) and ``archived show``."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from typing import Any

from .._format import (
    format_columns,
    format_duration,
    format_params,
    format_size,
    format_table,
    format_time,
    key_text,
    summarize_value,
)
from ..errors import ArchiveError, StoreNotFoundError
from ..store import callcheck
from . import jsondoc
from .base import UsageError, counted, open_args, print_json
from .entries import CALL_KINDS, Entry, data_size, list_entries, mixed_of, note_mixed_versions


def _store_and_entry(path: str) -> tuple[str, str]:
    """The store and entry named by ``path``, an entry's file (``STORE/NAME.py``, as a
    shell completes it) or ``STORE/NAME``; a usage error saying what to type otherwise.

    >>> _store_and_entry("runs")
    Traceback (most recent call last):
        ...
    archived.cli.base.UsageError: 'runs' is no entry of a store: archived show STORE NAME, ...
    """
    from ..store.native import is_native_store

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


def run_ls(args: argparse.Namespace) -> int:
    if args.names and (args.long or args.status or args.json):
        raise UsageError("--names prints names only: it takes none of --long, --status, --json")
    if args.long and args.status:
        raise UsageError("--long lists the entries, --status the sweeps: choose one")
    if not (args.long or args.status or args.json):
        return _ls_names(args)
    ds = open_args(args)
    if args.status:
        return _ls_status(ds, args.path, args.json)
    if args.json:
        return print_json(jsondoc.ls_document(ds._path, list_entries(ds)))
    from ..engine.archive import _gc_paused

    # many objects, no cycles; they are all gone before the collector is back, so its
    # first pass has none of them to walk
    with _gc_paused():
        return _ls_table(ds, args.path)


def _ls_names(args: argparse.Namespace) -> int:
    """The entry names, one a line, from the directory listing alone: no entry file is
    opened or stat'ed, and nothing beyond the listing's name checks is imported (numpy,
    the loaders and the index are not needed to print names).  When the directory lists
    exactly the names the index last kept, in the same order, they are printed in the
    sorted order kept with them (:mod:`archived.store.sortednames`) rather than sorted
    again."""
    from ..store.entrynames import entry_names, is_native_store

    folder = os.path.abspath(args.path)
    if not is_native_store(folder):  # a persist store, or no store: as every command says
        names = open_args(args)._names()
    else:
        from ..store.sortednames import sorted_text

        try:
            names = entry_names(folder, ordered=False)
        except FileNotFoundError:  # removed since its loader was read
            raise StoreNotFoundError(args.path) from None
        text = sorted_text(folder, names)
        if text is not None:
            sys.stdout.write(text)
            return 0
        names.sort()
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
                entry = Entry.read(ds, name, view)
            except KeyError:  # deleted while listing
                continue
            kind, function, version = entry.kind, entry.function, entry.version
            summary, size, when = entry.summary, entry.size, entry.time
        else:
            kind, function, version, summary, started = columns
            if files:
                size += sum(data_size(folder, name, f) for f in files)
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
    mixed = mixed_of(("result", f, v) for f, v in results)
    size_texts = {size: format_size(size) for size in set(sizes)}  # a few sizes, shared
    table = [names, kinds, functions]
    header = ["NAME", "KIND", "FUNCTION"]
    if mixed:
        table.append([v if k in CALL_KINDS else "" for k, v in zip(kinds, versions, strict=True)])
        header.append("VERSION")
    table += [summaries, [size_texts[size] for size in sizes], list(map(format_time, times))]
    # printed by name, the rows gathered as the store lists them (see format_columns)
    order = sorted(range(len(names)), key=names.__getitem__)
    print(format_columns([*header, "PARAMETERS", "SIZE", "DATE"], table, order))
    print(f"{counted(len(names), 'entry', 'entries')}, {format_size(sum(sizes))}")
    if mixed:  # an entry of each such function, which names its class apart from its module
        entry_of = {f: n for n, k, f in zip(names, kinds, functions, strict=True) if k == "result"}
        note_mixed_versions(mixed, "VERSION", sys.stdout, path, entry_of)
    return 0


def _ls_status(ds: Any, path: str, as_json: bool = False) -> int:
    from ..cache.sweeps import recorded_sweeps

    sweeps = list(recorded_sweeps(ds))
    if as_json:
        failed = [e for e in list_entries(ds) if e.kind == "failed"]
        return print_json(jsondoc.sweeps_document(ds._path, sweeps, failed))
    for status in sweeps:
        print(status)
        print()
    if not sweeps:
        print(f"{path}: no sweep recorded (archived.sweep() records its grid)")
    failures = [e for e in list_entries(ds) if e.kind == "failed"]
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


def run_show(args: argparse.Namespace) -> int:
    if args.name is None:
        args.path, args.name = _store_and_entry(args.path)
    ds = open_args(args)
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
    # as the store's index sees it, which tells a value edited by hand (kind "edited"),
    # as ls -l does: read alone, the entry's record says "result" of an edited value
    entry = Entry.read(ds, name, ds._view([name]).get(name))
    if args.json:
        with_value = not args.no_value and entry.kind not in ("failed", "damaged")
        value = getattr(ds, name) if with_value else None
        return print_json(jsondoc.show_document(ds._path, entry, value, with_value=with_value))
    print(f"entry     {name} ({entry.kind})")
    print(f"file      {entry.file} ({format_size(entry.size)} with its data files)")
    print(f"modified  {format_time(entry.time)}")
    if entry.kind == "damaged":
        print(f"error     {entry.error}")
    elif entry.kind == "edited":
        # (which edit: a record whose key is not its parameters' had them edited, its
        # value left as it was; else the value does not have its record's digest)
        edit = (
            "its recorded parameters were edited by hand (its key is not theirs): its value"
            " is not their result"
            if callcheck.other_key(entry.raw_info)
            else "its value was edited by hand: not its call's result"
        )
        print(
            f"edited    {edit}, which a call computes without storing over it (move the"
            " file, with the data files its header lists, out of the store to keep your"
            " edit; the next call then stores its result)"
        )
    print("info:")
    _print_info(entry.raw_info)
    if not args.no_value and entry.kind not in ("failed", "damaged"):
        print("value:")
        value = getattr(ds, name)
        print("  " + summarize_value(value).replace("\n", "\n  "))
    return 0


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
