"""Choosing entries by ``--function`` and ``--where``, and saying why a choice selected
nothing (a typo, or a number of another type).
"""

from __future__ import annotations

import argparse
import ast
import datetime
import re
import sys
from typing import Any

from .._format import (
    format_value,
)
from .base import PROG, counted
from .entries import Entry


def selected(entry: Entry, args: argparse.Namespace) -> bool:
    if args.function:
        name = args.function
        full = entry.function
        if not full or not (full == name or full.endswith("." + name)):
            return False
    if not args.where:
        return True
    # export selects as func.where() does (1 selects 1.0); prune deletes only the calls
    # of the number type named (see _equal)
    from ..store.table import equal_parameter

    equal = _equal if args.command == "prune" else equal_parameter
    parameters = entry.parameters or {}
    for key, wanted in args.where:
        if key not in parameters or not equal(parameters[key], wanted):
            return False
    return True


def hint_unknown_function(entries: list[Entry], args: argparse.Namespace) -> None:
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
        f"{PROG} {args.command}: no entry is of a function named {name!r}"
        + (f"; the store's functions: {known}" if known else ""),
        file=sys.stderr,
    )


def hint_unknown_parameter(entries: list[Entry], args: argparse.Namespace) -> None:
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
            f"{PROG} {args.command}: no entry has a parameter {key!r}"
            + (f"; the parameters of its calls: {known}" if known else ""),
            file=sys.stderr,
        )


def hint_other_number_types(entries: list[Entry], args: argparse.Namespace) -> None:
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
                f"{counted(n, 'entry', 'entries')} with {key}={spelled}: select them with "
                f"--where {key}={spelled}"
                for spelled, n in others.items()
            )
            print(
                f"{PROG} {args.command}: no entry has {key}={format_value(wanted)} "
                f"({type(wanted).__name__}), a number of its own type; {found}",
                file=sys.stderr,
            )


def _equal_number(value: Any, wanted: Any) -> bool:
    """``value`` is a number of another type than ``wanted`` with the same value."""
    from ..store.table import exact_number

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


def criterion(text: str) -> tuple[str, Any]:
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


def parse_date(text: str) -> float:
    try:
        when = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO date like 2026-01-31 or 2026-01-31T12:00, got {text!r}"
        ) from None
    return when.timestamp()
