"""``archived verify``, ``repair`` and ``prune``: check a store, clean what killed writers
left, delete the entries the user chose (a dry run unless ``--yes``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any

from .._format import (
    format_size,
    format_table,
    format_time,
)
from ..errors import ArchiveError, EntryChangedError
from . import jsondoc
from .base import (
    PROG,
    UsageError,
    counted,
    cwd_in,
    integrity_function,
    is_block,
    open_args,
    print_json,
)
from .entries import CALL_KINDS, Entry, list_entries, mixed_versions
from .selection import (
    hint_other_number_types,
    hint_unknown_function,
    hint_unknown_parameter,
    selected,
)


def run_verify(args: argparse.Namespace) -> int:
    return _check("verify", args)


def run_repair(args: argparse.Namespace) -> int:
    return _check("repair", args)


def _check(command: str, args: argparse.Namespace) -> int:
    """Run ``verify`` or ``repair`` on the store, print its report (or its JSON
    document); exit 1 when problems remain (verify: or an entry was not checked)."""
    run = integrity_function(command)
    from ..cache.keycheck import key_status

    # each call's key recomputed from its record: a hand-edited record said OK
    report = run(
        open_args(args)._path, safe=not args.trust, allow=args.allow or (), rekey=key_status
    )
    if args.json:
        print_json(jsondoc.report_document(command, report))
    else:
        print(report)
    if command == "repair":
        # problems remain, or an entry a safe load refused may be damaged; an entry it
        # only needs --allow to check (the user's own results) is no reason to fail
        return 1 if report.problems or report.suspect else 0
    # a script's `verify STORE && ...` must not pass a store none of whose values was read
    return 1 if report.problems or report.unchecked else 0


def run_prune(args: argparse.Namespace) -> int:
    if not (args.stale or args.failed or args.before or args.where or args.function):
        raise UsageError("choose what to delete: --stale, --failed, --before, --where, --function")
    if args.current_version is not None and not args.stale:
        raise UsageError("--version says which version is current, for --stale")
    imported = _imported_function(args.function, args.path) if args.function else None
    if imported is not None:
        args.function = imported.identity  # select exactly its calls
    ds = open_args(args)
    entries = list(list_entries(ds))
    current = _current_versions(args, imported, entries) if args.stale else {}
    kept: dict[str, str] = {}

    def keep(name: str, why: str) -> None:
        # a selected entry left alone, and why: a line, or a field of the JSON document
        if args.json:
            kept[name] = why
        else:
            print(f"kept {name}: {why}")

    def done(chosen: list[Entry], *, dry_run: bool) -> int:
        print_json(jsondoc.prune_document(ds._path, chosen, kept, dry_run=dry_run))
        return 0

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
        if not selected(e, args):
            continue
        if e.kind == "damaged":
            # only --before selects it, by its file's time: whether it is as old as its
            # record says, and what it holds, is unknown (promise 2: deleted only on
            # certain knowledge), as for a sweep record whose points cannot be read
            keep(
                e.name,
                "its info cannot be read, so when it was made is unknown "
                f"({PROG} verify says what is wrong with it)",
            )
            continue
        if e.kind == "edited":
            # a value (or parameters) a person edited is their work (promise 2), not a
            # result to tidy
            keep(
                e.name,
                "it was edited by hand, its value or its recorded parameters (move its "
                "file and the data files its header lists out of the store to keep it, or "
                "delete it yourself)",
            )
            continue
        chosen.append(e)
    chosen = _with_emptied_sweeps(ds, entries, chosen, keep)
    if not chosen:
        hint_unknown_function(entries, args)
        hint_unknown_parameter(entries, args)
        hint_other_number_types(entries, args)
        if args.json:
            return done([], dry_run=not args.yes)
        print("nothing to delete")
        return 0
    if not args.json:
        # a version column while a function has results of several, as ls -l has: the
        # calls of one parameters made by two versions were two identical rows
        versioned = bool(mixed_versions(entries))
        print(
            format_table(
                ["NAME", "KIND", "FUNCTION", *["VERSION"] * versioned, "PARAMETERS", "DATE"],
                [
                    [e.name, e.kind, e.function]
                    + [(e.version or "") if e.kind in CALL_KINDS else ""] * versioned
                    + [e.summary, format_time(e.time)]
                    for e in chosen
                ],
            )
        )
    size = format_size(sum(e.size for e in chosen))
    if not args.yes:
        if args.json:
            return done(chosen, dry_run=True)
        count = counted(len(chosen), "entry", "entries")
        print(f"dry run: {count} ({size}) would be deleted; add --yes to delete")
        return 0
    from ..store.datarefs import one_look
    from ..store.dataset import DataSet
    from ..store.failures import deleting

    writable = DataSet(ds._module_name, "w", path=os.path.dirname(ds._path))
    calls = [e for e in chosen if e.kind != "sweep"]
    records = [e for e in chosen if e.kind == "sweep"]
    # (a failure once some are deleted says so: "nothing was changed" was untrue)
    with deleting(writable._path, len(calls)) as deleted, one_look(writable._path):
        for e in list(calls):
            try:
                # only the version chosen: one written since (a script writing ds.latest
                # while the store is pruned --before a date) was not chosen, and stays
                writable._delete_seen(e.name, e.digest)
                deleted.append(e.name)
            except EntryChangedError:
                keep(e.name, "it was rewritten since it was chosen")
                calls.remove(e)
    chosen = calls + records
    size = format_size(sum(e.size for e in chosen))
    if records:
        with deleting(writable._path, len(calls) + len(records)) as deleted:
            deleted.extend(e.name for e in calls)  # (gone: a failure below says so)
            chosen = _delete_records(ds, writable, calls, records, keep, deleted)
        size = format_size(sum(e.size for e in chosen))
    if args.json:
        return done(chosen, dry_run=False)
    print(f"deleted {counted(len(chosen), 'entry', 'entries')} ({size})")
    return 0


def _delete_records(
    ds: Any, writable: Any, calls: list[Any], records: list[Any], keep: Any, deleted: list[str]
) -> list[Any]:
    """Delete the sweep records among ``records`` that the deletion of ``calls`` left with
    no point stored (each is appended to ``deleted``); return the entries deleted."""
    # decided again now that the calls are gone: a sweep running beside the prune
    # may have stored one of a record's points since the plan (read safely, as the
    # plan was: the writable DataSet would execute the records)
    from ..cache.sweeprecords import sweeps_emptied_by

    planned = [e.name for e in records]
    unread: list[str] = []
    still = set(
        sweeps_emptied_by(ds, [e.name for e in calls], planned, deleted=True, unread=unread)
    )
    for e in records:
        if e.name in unread and e.name in ds:  # damaged since the plan
            keep(
                e.name,
                "its list of points can no longer be read, so whether one is still "
                "stored is unknown (archived verify says what is wrong with it)",
            )
            continue
        if e.name in unread:
            continue  # deleted by someone else meanwhile
        if e.name not in still:
            keep(e.name, "a point of its sweep was stored meanwhile")
            continue
        try:
            delattr(writable, e.name)
            deleted.append(e.name)
        except AttributeError:
            pass
    return calls + [e for e in records if e.name in still]


def _with_emptied_sweeps(
    ds: Any, entries: list[Entry], chosen: list[Entry], keep: Callable[[str, str], None]
) -> list[Entry]:
    """``chosen`` with the sweep records it selected or emptied deleted only when none of
    their points stays stored: ``--before`` may select a record made before some of its
    results, and ``--stale`` or ``--where`` the last results of a grid, whose record
    ``ls --status`` then showed as all missing."""
    from ..cache.sweeprecords import sweeps_emptied_by

    calls = [e for e in chosen if e.kind != "sweep"]
    selected = [e.name for e in chosen if e.kind == "sweep"]
    unread: list[str] = []
    emptied = set(sweeps_emptied_by(ds, [e.name for e in calls], selected, unread=unread))
    for name in unread:
        keep(
            name,
            "its list of points cannot be read, so whether one is still stored is unknown "
            "(archived verify says what is wrong with it)",
        )
    return calls + [e for e in entries if e.name in emptied]


def _current_versions(
    args: argparse.Namespace, imported: Any, entries: list[Entry]
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
        & {e.function for e in entries if selected(e, args)}
    )
    if len(functions) > 1:
        raise UsageError(
            f"--version names one function's current version, but the selection holds "
            f"calls of {len(functions)} functions ({', '.join(functions[:5])}); "
            "choose one with --function"
        )
    return {f: args.current_version for f in functions}


def _imported_function(spec: str, store: str) -> Any:
    """The ``@archived`` function ``module:name`` names, imported; None for a bare name.
    The working directory is searched first, as ``python -m`` would, unless it is the
    ``store`` or inside it: its files are entries, and one named as the module (a file
    planted there) would be imported instead of the user's."""
    module_name, colon, name = spec.partition(":")
    if not colon or is_block(spec):  # a block's identity has a colon, and no module
        return None
    if not all(part.isidentifier() for part in [*module_name.split("."), *name.split(".")]):
        # (checked before anything is imported: 'sim:' imported sim, then found no '')
        raise UsageError(
            f"--function {spec!r} names no function to import: MODULE:NAME is a module's "
            "dotted name and a name in it (exp.sim:run, or exp.sim:Model.fit for a method)"
        )
    import importlib

    from ..cache.decorator import CachedFunction

    if os.getcwd() not in sys.path and "" not in sys.path and not cwd_in(store):
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
