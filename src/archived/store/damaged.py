"""Keeping a damaged entry aside instead of overwriting it: :func:`set_aside`.

An entry that cannot be read back (a hand edit with a typo, a data file deleted) may
still hold what someone needs: its source, its arrays.  Before its name is used again,
the entry file and its data files move to a folder of their own::

    <store>/.damaged/<entry>.<UTC time>-<random>/<entry>.py, <entry>.<token>.h5, ...

The data files move first and the entry file last.  A set-aside killed in between (a
crash, a SIGKILL) left the entry in the store, still damaged, and some of its files in a
folder of their own; the next set-aside of that entry completes it: the folder of that
entry's name holding no entry file, only data files its header lists (or none at all),
takes the rest, so an entry kept aside is always whole in one folder.

The folder's name starts with a dot, so the store's module never imports it, and
``verify``/``repair`` and the sweep of killed writers' leftovers look only at the files
directly in the store: nothing there is ever removed by ``archived``.  Delete it by hand
once it is no longer needed.

>>> import os, tempfile
>>> from archived.store.entries import commit_entry, entry_names
>>> folder = tempfile.mkdtemp()
>>> commit_entry(folder, 'x', 1)
>>> with open(os.path.join(folder, 'x.py'), 'a') as f:
...     _ = f.write('x = (\\n')  # a typo
>>> kept = set_aside(folder, 'x')
>>> entry_names(folder), os.listdir(kept)
([], ['x.py'])
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import time
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from ..errors import DamagedEntryError, StoreReadError, is_read_failure
from .datarefs import listed_elsewhere
from .entries import fsync_dir, header_files, read_entry_text
from .storefiles import DATA_FILE, checked_data_files, safe_subdir
from .writers import writer_files

__all__ = ["set_aside", "entry_identity", "DAMAGED_DIR"]

DAMAGED_DIR = ".damaged"

Identity = tuple[int, int, int, int]


def set_aside(
    folder: str,
    name: str,
    *,
    lock: AbstractContextManager[Any] | None = None,
    durable: bool = True,
    expected: Identity | None = None,
) -> str | None:
    """Move entry ``name`` of the store ``folder`` (its file and data files) into a new
    folder under ``.damaged/``; return that folder, or None if there is no such entry.

    ``expected``: the :func:`entry_identity` the entry file had before it was found
    damaged.  If it is another file now (a writer replaced it meanwhile, with a good
    version), nothing moves and None is returned: look it up again.

    The data files move first and the entry file last, so a crash in between leaves the
    entry where it was (still damaged) rather than data files that belong to no entry;
    the next set-aside of it moves the rest into the folder the killed one began.
    """
    with lock or nullcontext():
        entry = os.path.join(folder, name + ".py")
        found = entry_identity(folder, name)
        if found is None or (expected is not None and found != expected):
            return None
        listed = _listed(folder, name)
        # a real directory of the store: one planted as a link would move files out of it
        damaged_dir = safe_subdir(folder, DAMAGED_DIR)
        kept = _unfinished(damaged_dir, name, listed)
        if kept is None:
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
            kept = os.path.join(damaged_dir, f"{name}.{stamp}-{secrets.token_hex(4)}")
            os.mkdir(kept)
        files = _data_files(folder, name, listed)
        shared = listed_elsewhere(folder, files, besides=name)
        for file in files:
            source, target = os.path.join(folder, file), os.path.join(kept, file)
            if file in shared:
                # another entry's header lists it (a copy of the entry file made by
                # hand, which loads): it stays for that entry, linked here if it can be
                with contextlib.suppress(OSError):
                    os.link(source, target)
                continue
            try:
                os.replace(source, target)
            except FileNotFoundError:
                pass
        os.replace(entry, os.path.join(kept, name + ".py"))
    if durable:
        fsync_dir(kept)
        fsync_dir(folder)
    return kept


def entry_identity(folder: str, name: str) -> Identity | None:
    """Which file entry ``name`` of the store ``folder`` is now: its inode, size and
    times of change (a file put in its place by a writer differs), or None if none.

    >>> import tempfile
    >>> from archived.store.entries import commit_entry
    >>> folder = tempfile.mkdtemp()
    >>> commit_entry(folder, 'x', 1)
    >>> before = entry_identity(folder, 'x')
    >>> commit_entry(folder, 'x', 2)
    >>> entry_identity(folder, 'x') == before, entry_identity(folder, 'y')
    (False, None)
    """
    path = os.path.join(folder, name + ".py")
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as err:  # a failing disk: told by name, as every read of an entry
        if is_read_failure(err):
            raise StoreReadError.of(err, path, entry=name) from err
        raise
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _listed(folder: str, name: str) -> list[str] | None:
    """The data files the header of entry ``name`` lists, as it spells them (not yet
    checked), or None if it cannot be read."""
    try:
        text = read_entry_text(folder, name)
        return None if text is None else header_files(name, text)
    except DamagedEntryError:
        return None


_KEPT = re.compile(r"\.\d{8}T\d{6}Z-[0-9a-f]{8}")  # what follows an entry's name


def _unfinished(damaged_dir: str, name: str, listed: list[str] | None) -> str | None:
    """The folder of ``damaged_dir`` where a set-aside of entry ``name`` was killed
    before it moved the entry file (the newest, if several), or None.

    Only a folder of exactly that name's shape, holding no entry file and nothing but
    finished data files named after the entry: none at all (killed right after it was
    made), or at least one that the entry's header ``listed`` names (a data file's name
    holds its writer's random token), or any when the header cannot be read."""
    found = []
    with os.scandir(damaged_dir) as it:
        for item in it:
            if (
                item.name.startswith(name + ".")
                and _KEPT.fullmatch(item.name, len(name))
                and item.is_dir(follow_symlinks=False)
            ):
                found.append(item.name)
    for candidate in sorted(found, reverse=True):
        path = os.path.join(damaged_dir, candidate)
        try:
            inside = [(f, os.lstat(os.path.join(path, f)).st_mode) for f in os.listdir(path)]
        except OSError:
            continue
        if all(_own_data_file(f, mode, name) for f, mode in inside) and (
            not inside or listed is None or any(f in listed for f, _ in inside)
        ):
            return path
    return None


def _own_data_file(file: str, mode: int, name: str) -> bool:
    """Whether ``file`` (of ``mode``) is a finished data file of entry ``name``."""
    m = DATA_FILE.fullmatch(file)
    return bool(m and m["name"] == name and file.endswith(".h5") and stat.S_ISREG(mode))


def _data_files(folder: str, name: str, listed: list[str] | None) -> list[str]:
    """The data files of entry ``name``: those its header ``listed`` (every name that
    passes the store's gate; None: a header that cannot be read) and every finished data
    file named after it (a broken header lists none)."""
    files: set[str] = set()
    if listed is not None:
        files.update(checked_data_files(folder, name, listed, others="skip"))
    with os.scandir(folder) as it:
        listing = list(it)
    # a writer's token whose entry text is not committed yet: its data files are its new
    # version's (a writer of this name beside the one setting it aside), not this one's
    writing = {w.token for w in writer_files(listing) if w.kind == "tmp" and w.entry == name}
    for item in listing:
        m = DATA_FILE.fullmatch(item.name)
        if (
            m
            and m["name"] == name
            and m["token"] not in writing
            and not item.name.partition(".h5")[2]
            and item.is_file(follow_symlinks=False)
        ):
            files.add(item.name)
    return sorted(files)
