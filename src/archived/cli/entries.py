"""What ``ls -l``, ``prune`` and ``export`` know about an entry: its kind, function,
code version, parameters, size and time, read from the store's index where it can be.
"""

from __future__ import annotations

import functools
import os
import shlex
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from ..cache.funcinfo import entry_prefix, short_name
from ..errors import ArchiveError, DamagedEntryError
from .base import PROG, imported_file, is_block


class Entry:
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
        "digest",
    )

    def __init__(self, ds: Any, name: str, info: Any, error: str = "", listed: Any = None) -> None:
        self.name = name
        self.info = info if isinstance(info, dict) else {}
        self.raw_info = info
        self.file = os.path.join(ds._path, name + ".py")
        self.size, self.time = _size_and_mtime(ds._path, name, listed)
        # the version read (its file's digest, None if not known): what prune deletes
        self.digest: str | None = getattr(listed, "digest", None)
        self.error = error
        if error:
            self.kind, self.summary = "damaged", error
            self.function = self.version = ""
            self.parameters = None
            return
        from ..store.listing import describe

        d = describe(name, info)
        row = getattr(listed, "row", None)
        edited = d.kind == "result" and row is not None and row.edited  # (ls -l's kind)
        self.kind, self.function, self.version, self.summary = (
            "edited" if edited else d.kind,
            d.function,
            d.version,
            d.summary,
        )
        self.error, self.parameters = d.error, d.parameters
        self.time = d.started or self.time

    @classmethod
    def read(cls, ds: Any, name: str, listed: Any = None) -> Entry:
        """The entry ``name`` (``listed``: as a view of the store saw it)."""
        try:
            info = listed.info() if listed is not None else ds[name]
        except KeyError:
            raise
        except Exception as err:  # a damaged entry is listed, not fatal
            return cls(ds, name, None, error=f"{type(err).__name__}: {err}", listed=listed)
        return cls(ds, name, info, listed=listed)


def list_entries(ds: Any) -> list[Entry]:
    from ..engine.archive import _gc_paused

    entries = []
    # one look at the store's index: info records without reading unchanged entries;
    # many objects and no cycles, so the collector's passes would be pure cost
    from ..store.versions import read_one_version

    with _gc_paused():
        for name, listed in ds._view().items():
            try:
                # rewritten since the view saw it: read again whole, as it is now
                found, entry = read_one_version(listed, functools.partial(Entry.read, ds, name))
            except DamagedEntryError as err:  # it kept changing while it was read
                found, entry = True, Entry(ds, name, None, error=f"{type(err).__name__}: {err}")
            if found and entry is not None:  # else deleted while listing
                entries.append(entry)
    return entries


def _size_and_mtime(folder: str, name: str, listed: Any = None) -> tuple[int, float]:
    if hasattr(listed, "files"):  # listed by the store's index: no file to open
        files = listed.files
        size = listed.size
        if files:
            size += sum(data_size(folder, name, f) for f in files)
        return size, listed.mtime

    import stat

    from ..store.entries import header_files, read_entry_text

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
    return st.st_size + sum(data_size(folder, name, f) for f in files), st.st_mtime


def data_size(folder: str, name: str, file: object) -> int:
    """The size of data file ``file`` of entry ``name``: 0 if missing or not a data file
    of the store (a name read from a store is checked before it is even stat'ed)."""
    from ..store.storefiles import checked_path

    try:
        return os.lstat(checked_path(folder, file, "data", entry=name)).st_size
    except (OSError, ArchiveError):
        return 0


CALL_KINDS = ("result", "failed")


def mixed_versions(entries: list[Entry]) -> dict[str, set[str]]:
    """function -> its code versions, for the functions whose results come from several.

    A store keeps the results of old code versions (until pruned) beside the current
    ones, under the same parameters: a listing or export that does not tell them apart
    passes an old version's result off as the current code's.
    """
    return mixed_of((e.kind, e.function, e.version) for e in entries)


def mixed_of(calls: Iterable[Sequence[str]]) -> dict[str, set[str]]:
    """:func:`mixed_versions` of ``(kind, function, version)`` triples."""
    versions: dict[str, set[str]] = {}
    for kind, function, version in calls:
        if kind == "result" and function:
            versions.setdefault(function, set()).add(version)
    return {f: v for f, v in versions.items() if len(v) > 1}


def note_mixed_versions(
    mixed: dict[str, set[str]],
    column: str,
    out: TextIO,
    path: str = "PATH",
    entry_of: dict[str, str] | None = None,
) -> None:
    """Say which functions have results of several code versions, and the ``prune``
    command that removes the stale ones: of the store ``path`` as the user gave it, each
    function named as ``--function`` imports it (``entry_of``: a stored entry name of
    each function, which tells its qualified name from its module's)."""
    for function, versions in sorted(mixed.items()):
        then = ""
        if is_block(function):  # nothing to import: its version is the user's to say
            how = (
                f"--function {shlex.quote(function)} --version V` (V: your current block's "
                "version, rec.version after it ran)"
            )
        elif spec := import_spec(function, (entry_of or {}).get(function)):
            how = f"--function {shlex.quote(spec)}`"
            # the module is named by the store's text, and a store someone sent may come
            # with a file of that name beside it: say what importing it runs
            if runs := imported_file(spec, path):
                then = (
                    f" (it imports {spec.partition(':')[0]} to read the current version, "
                    f"running {runs!r}: only if that is your own code)"
                )
        else:  # a lambda, a nested or interactive function: it cannot be imported
            how = (
                f"--function {shlex.quote(function)} --version V` (V: your current code's "
                f"version, {short_name(function)}.version)"
            )
        note = (
            f"{function}: results of {len(versions)} code versions side by side (column "
            f"{column}), only one of them your current code's; `{PROG} prune "
            f"{shlex.quote(path)} --stale {how} removes the others{then}"
        )
        print(note.replace("\n", "\\n"), file=out)  # (a store's name: one line, its own)


def import_spec(function: str, entry: str | None = None) -> str | None:
    """The ``MODULE:NAME`` that ``prune --function`` imports the function ``function``
    (an identity, ``module.qualname``) by; None if it has none (a lambda, a nested or
    interactive function).  Its stored ``entry`` name, which begins with its qualified
    name's prefix, tells a method's class from its module.

    >>> import_spec("study.sim.run"), import_spec("study.Model.fit", "Model_fit_0a1b")
    ('study.sim:run', 'study:Model.fit')
    >>> print(import_spec("study.<lambda>#3f2a9c1b0e4d"), import_spec("__main__.run"))
    None None
    >>> print(import_spec("..study.run"), import_spec("my study.run"))
    None None
    """
    parts = function.split(".")
    if any(c in function for c in "<>#@:") or parts[0] == "__main__":
        return None  # (a script whose file name is no module name: nothing imports it)
    if not all(part.isidentifier() for part in parts):
        return None  # (read from a store: '..x.run' made a prune that crashed, 'a b' one)
    for cut in range(len(parts) - 1, 0, -1):  # the shortest qualified name first
        qualname = ".".join(parts[cut:])
        if entry is not None and entry.startswith(entry_prefix(qualname) + "_"):
            return f"{'.'.join(parts[:cut])}:{qualname}"
    if len(parts) < 2:
        return None
    return f"{'.'.join(parts[:-1])}:{parts[-1]}"
