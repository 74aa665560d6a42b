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
prints one JSON document instead of a table: see :mod:`archived.cli.jsondoc` (``ls --json``
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
import os
import sys
from collections.abc import Sequence
from contextlib import nullcontext

from ..errors import ArchiveError, StoreNotFoundError
from ..load.usermodules import no_store_imports
from .base import (
    PROG,
    UsageError,
    find_user_modules_here,
    is_block,
    leave_store_off_sys_path,
    no_store,
    open_store,
    trust_hint,
)
from .escape import escaped
from .parser import build_parser, cached_parser
from .streams import drop_stdout, escaping_output, printable_stdout

__all__ = ["main", "build_parser", "open_store"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code (0 ok, 1 failed, 2 bad arguments).

    >>> main(["--version"])
    archived ...
    0
    """
    parser = cached_parser()
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
    leave_store_off_sys_path(getattr(args, "path", None))
    find_user_modules_here(args)
    if os.environ.get("ARCHIVED_MAX_BYTES"):  # (ls imports no loader without it)
        from ..load.budget import env_max_bytes

        try:
            env_max_bytes()  # a bad value said once, not as every entry's load failing
        except ValueError as err:
            print(escaped(f"{PROG}: error: {err}"), file=sys.stderr)
            return 2
    # a command that trusts no store imports no file of one, whoever imports it: with
    # the working directory on sys.path (an empty PYTHONPATH entry), a store someone
    # sent named numpy was the numpy the command imported to open it
    # (nor a module beside the store, in the folder holding it, that --allow names not:
    # with that folder on PYTHONPATH, a store someone sent came with its pandas.py)
    trusted = getattr(args, "trust", False)
    path = getattr(args, "path", None)
    beside = (path, _named_modules(args)) if path else ()
    try:
        with (
            nullcontext() if trusted else no_store_imports(*beside),
            printable_stdout(),
            escaping_output(args),
        ):
            code = int(args.run(args) or 0)
            sys.stdout.flush()  # a reader that went away shows here, not at interpreter exit
        return code
    except BrokenPipeError:  # `archived ls | head`: the reader has all it wanted
        drop_stdout()
        return 0
    except UsageError as err:
        print(escaped(f"{PROG} {args.command}: error: {err}"), file=sys.stderr)
        return 2
    except StoreNotFoundError as err:  # the API's advice (mode='w') means nothing here
        print(escaped(f"{PROG}: error: {no_store(err.path)}"), file=sys.stderr)
        return 1
    except (ArchiveError, OSError) as err:
        print(escaped(f"{PROG}: error: {err}{trust_hint(err, args)}"), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _named_modules(args: argparse.Namespace) -> list[str]:
    """The modules the command line names, which may be found beside the store: those of
    ``--allow``, and the module of ``prune --function MODULE:NAME`` (imported, trusted).

    >>> _named_modules(argparse.Namespace(allow=["models"], function="exp:run"))
    ['models', 'exp']
    """
    named = list(getattr(args, "allow", None) or ())
    function = getattr(args, "function", None)
    if isinstance(function, str) and ":" in function and not is_block(function):
        named.append(function.partition(":")[0])
    return named
