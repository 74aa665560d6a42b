"""The sweep records of a store: the entries ``<function>_sweep_<8 hex>`` a sweep leaves,
listing its points, and which of them a deletion of entries leaves with no point stored.

A module of its own so that the decorator's ``prune_stale()`` and ``clear()`` and the
command line's ``prune`` can use it without importing the sweep runner.

>>> sorted(point_names("f", ["0" * 32]))[:2]
['f_0000000000000000', 'f_0000000000000000_0000000000000000']
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from typing import Any

from ..errors import ArchiveError
from ..store.table import record_text

__all__ = ["sweep_records", "point_names", "sweeps_emptied_by"]

_SWEEP_NAME = re.compile(r"_sweep_[0-9a-f]{8}$")


def sweep_records(dataset: Any) -> Iterator[tuple[str, dict[str, Any], str, list[Any]]]:
    """``(name, info, prefix, (key, point) pairs)`` of every sweep record of a DataSet;
    only the entries named as sweep records are read, and damaged ones are skipped."""
    for name in dataset:
        if not _SWEEP_NAME.search(name):
            continue  # only sweep records are read; the other entries are not touched
        try:
            info = dataset[name]
            if not (isinstance(info, dict) and record_text(info, "status") == "sweep"):
                continue
            points = _sweep_points(getattr(dataset, name))
        except (KeyError, AttributeError, ArchiveError):
            continue  # deleted meanwhile, or damaged: verify reports it
        if points is None:
            continue  # not the list of (key, point) pairs a sweep records: not a sweep
        prefix = record_text(info, "prefix", "")
        if prefix is None:
            continue  # not a sweep's record
        yield name, info, prefix, points


def point_names(prefix: str, keys: list[str]) -> set[str]:
    """Every entry name the calls with ``keys`` may be stored under: their results' and
    their failure records'."""
    names: set[str] = set()
    for key in keys:
        base = f"{prefix}_{key[:16]}"
        full = f"{base}_{key[16:]}"
        names.update((base, full, base + "_failed", full + "_failed"))
    return names


def _sweep_points(value: Any) -> list[tuple[str, Any]] | None:
    """The ``(key, point)`` pairs a sweep record's value lists, or None if it is not
    such a list (a store can hold anything under a sweep's name)."""
    if type(value) not in (list, tuple):
        return None
    pairs = []
    for item in value:
        if type(item) not in (list, tuple) or len(item) != 2 or type(item[0]) is not str:
            return None
        pairs.append((item[0], item[1]))
    return pairs


def sweeps_emptied_by(
    dataset: Any,
    removed: Collection[str],
    records: Collection[str] = (),
    *,
    deleted: bool = False,
    unread: list[str] | None = None,
) -> list[str]:
    """The sweep records a deletion of the entries ``removed`` leaves with none of their
    points stored (no result, no failure record): those that have a point among
    ``removed``, or are named in ``records`` (selected themselves), and no point stored
    outside ``removed``.  A prune or clear deletes them with their entries, so ``ls
    --status`` does not show a deleted grid as all missing; a record with any point
    still stored is never among them.  Nor is a name in ``records`` that is no sweep
    record this can read (damaged, or no list of points): whether a point of it is
    stored is unknown, and a deletion needs certain knowledge; such names are appended
    to ``unread`` when it is given.

    ``deleted``: the entries ``removed`` are deleted already, so any of them stored
    now was stored again meanwhile (a sweep running beside the prune) and counts as a
    point stored; else (a plan, before the deletion) they count as gone.

    >>> import tempfile, os
    >>> from archived import archived, sweep
    >>> f = archived(os.path.join(tempfile.mkdtemp(), "s"))(lambda n: n)
    >>> _ = sweep(f, {"n": [1, 2]}, progress=False)
    >>> names, ds = [c.name for c in f.calls()], f.store.dataset
    >>> sweeps_emptied_by(ds, names[:1]), len(sweeps_emptied_by(ds, names))
    ([], 1)
    """
    removed = set(removed)
    records = set(records)
    emptied = []
    not_read = set(records)
    for name, _, prefix, points in sweep_records(dataset):
        not_read.discard(name)
        names = point_names(prefix, [key for key, _ in points])
        if name not in records and names.isdisjoint(removed):
            continue  # the deletion takes none of its points: not for it to delete
        if not dataset._view(names if deleted else names - removed):  # no point stored
            emptied.append(name)
    if unread is not None:
        unread.extend(sorted(not_read))
    return emptied
