"""Clean up after writers that were killed mid-write: :func:`sweep_leftovers`.

A writer killed at any instant leaves at most its hidden files (``.tmp``, ``.drop``,
``.claim``, see :mod:`archived.store.writers`) and the data files sharing its token.  Opening
a store for writing, and :func:`~archived.store.integrity.repair`, sweep those of writers
that are gone; files of live writers are never touched.

>>> import tempfile
>>> sweep_leftovers(tempfile.mkdtemp())
[]
"""

from __future__ import annotations

import os
import stat

from ..errors import DamagedEntryError, StoreReadError, UnsafeFileError, is_read_failure
from .datarefs import listed_elsewhere
from .entries import back_up_data_files, backed_up_by, header_files, read_entry_text
from .lease import remove_dead_takers
from .storefiles import checked_data_files, checked_path, remove_file, warn_unsafe
from .writers import (
    from_elsewhere_here,
    read_drop_list,
    remove_if_unlocked,
    writer_files,
)

__all__ = ["sweep_leftovers", "sweep_index_leftovers", "Swept"]


class Swept(list[str]):
    """The names of the files :func:`sweep_leftovers` took out of the store directory
    (a list, as it always was), and among them in :attr:`backed_up` those it moved into
    ``.backup/`` rather than deleted: the data files of the version a killed
    ``backup_data`` writer replaced, beside that version's entry file there.

    >>> swept = Swept(['.x.0a1b2c-1-0a1b2c3d.drop', 'x.0a1b2c-1-0a1b2c3d.h5'])
    >>> swept.backed_up.append('x.0a1b2c-1-0a1b2c3d.h5')
    >>> swept.deleted
    ['.x.0a1b2c-1-0a1b2c3d.drop']
    """

    def __init__(self, names: list[str] | None = None) -> None:
        super().__init__(names or [])
        self.backed_up: list[str] = []

    @property
    def deleted(self) -> list[str]:
        """The names deleted: all but those moved into ``.backup/``."""
        moved = set(self.backed_up)
        return [name for name in self if name not in moved]


def sweep_leftovers(folder: str, *, lock_proof: bool = False) -> Swept:
    """Remove what killed writers left in ``folder``; return the removed file names
    (:class:`Swept`: those moved into ``.backup/`` are named in its ``backed_up``).

    Only leftovers of writers that are gone are touched: a writer here whose process no
    longer exists, or any writer whose file is older than
    :data:`~archived.store.writers.GRACE_SECONDS`.  With ``lock_proof`` (a store whose
    filesystem honours ``flock``), a writer of this host in another pid namespace is
    gone when no one holds its ``.tmp`` file's lock, and is swept while the lock is held.
    Every name is checked first (:mod:`archived.store.storefiles`): one that is not a
    plain file of the expected shape inside the store is reported with a warning and
    left alone.

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> stale = os.path.join(folder, '.x.0a1b2c-1-0a1b2c3d.tmp')
    >>> open(stale, 'w').close()
    >>> os.utime(stale, (0, 0))  # written long ago by a writer on another host
    >>> sweep_leftovers(folder)
    ['.x.0a1b2c-1-0a1b2c3d.tmp']
    """
    removed = Swept()
    with os.scandir(folder) as it:
        listing = list(it)
    _remove_dead_lock_takers(folder, listing)
    files = [item for item in listing if item.is_file(follow_symlinks=False) or item.is_symlink()]
    for writer in writer_files(files):
        name, token, kind = writer.entry, writer.token, writer.kind
        if lock_proof and kind == "tmp" and from_elsewhere_here(token):
            # its lock tells, whatever the age of its files
            also = [f for f in _data_of(name, token) if _passes(folder, f, name)]
            removed.extend(remove_if_unlocked(writer.item.path, also) or [])
            continue
        if not writer.gone:
            continue
        if kind == "tmp":
            removed.extend(_remove_dead_tmp(folder, name, token, writer.item.name))
            continue
        if kind == "drop":
            dropped = _drop_unreferenced(folder, name, token, writer.item.name, removed)
            if dropped is None:
                continue  # unreadable now: the list stays, for a sweep that can read it
            removed.extend(dropped)
        if remove_file(folder, writer.item.name, kind):
            removed.append(writer.item.name)
    return removed


def _remove_dead_lock_takers(folder: str, listing: list[os.DirEntry[str]]) -> None:
    """Remove the private folders that takers of the store's soft locks (its own, and its
    keys' in ``.keys/``) killed before their rename left (:func:`remove_dead_takers`);
    ``listing``: the store folder's."""
    remove_dead_takers([item for item in listing if ".lease." in item.name])
    keys = os.path.join(folder, ".keys")
    try:
        if not stat.S_ISDIR(os.lstat(keys).st_mode):
            return  # (never a link out of the store)
        with os.scandir(keys) as it:
            found = [item for item in it if ".lease." in item.name]
    except OSError:
        return
    remove_dead_takers(found)


def sweep_index_leftovers(folder: str) -> list[str]:
    """Remove the temporary files of the read-side index (``.index.<token>.tmp``) that
    readers killed while saving it left in ``folder``; return their names.

    A reader saves the index as a writer commits, through a temporary file renamed into
    place; killed (SIGKILL) in between, it leaves a file the size of the index (80 MB at
    100,000 entries) that only a writer opening the store or ``repair`` removed, so a
    store that is only read kept one per killed reader.  Whoever saves the index now
    removes those of readers that are gone (:func:`~archived.store.writers.writer_gone`:
    a process of this host that no longer exists, or a file older than the grace
    period), never a live one's.

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> stale = os.path.join(folder, '.index.0a1b2c-1-0a1b2c3d.tmp')
    >>> open(stale, 'w').close()
    >>> os.utime(stale, (0, 0))  # left long ago by a reader on another host
    >>> sweep_index_leftovers(folder)
    ['.index.0a1b2c-1-0a1b2c3d.tmp']
    """
    try:
        with os.scandir(folder) as it:
            found = [i for i in it if i.name.startswith(".index.") and i.name.endswith(".tmp")]
    except OSError:
        return []
    removed: list[str] = []
    for writer in writer_files(found):
        if writer.entry != "index" or writer.kind != "tmp" or not writer.gone:
            continue
        # an entry may be named 'index': then this may be its dead writer's file, whose
        # data files (found only through it) go with it, as sweep_leftovers removes them
        removed.extend(_remove_dead_tmp(folder, "index", writer.token, writer.item.name))
    return removed


def _remove_dead_tmp(folder: str, name: str, token: str, tmp: str) -> list[str]:
    """Remove the ``.tmp`` file ``tmp`` of the gone writer ``token`` of entry ``name``,
    its data files first (found only through it); return the names removed."""
    removed = [f for f in _data_of(name, token) if remove_file(folder, f, "data", entry=name)]
    if remove_file(folder, tmp, "tmp"):
        removed.append(tmp)
    return removed


def _data_of(name: str, token: str) -> list[str]:
    """The data files writer ``token`` writes for entry ``name``, and the array writer's
    temporary files of them, had it died before renaming them."""
    pid = token.split("-")[1] if token.count("-") == 2 else ""
    data = (f"{name}.{token}.h5", f"{name}.{token}-info.h5")
    return [f for d in data for f in (d, f"{d}.tmp{pid}")]


def _passes(folder: str, file: str, entry: str) -> bool:
    """Whether data file ``file`` of ``entry`` passes the store's gate (else: reported)."""
    try:
        checked_path(folder, file, "data", entry=entry)
    except (UnsafeFileError, StoreReadError) as err:  # (a failing disk: reported, kept)
        warn_unsafe(err)
        return False
    return True


def _drop_unreferenced(
    folder: str, name: str, token: str, drop: str, swept: Swept
) -> list[str] | None:
    """Drop the files the dead writer ``token`` meant to drop that the entry does not use
    now: into ``.backup/`` if it wrote with ``backup_data`` (its copy of the replaced
    entry file is there, and reads them there; named in ``swept.backed_up``), else
    removed.  None when the disk fails reading the list, the entry or ``.backup/``: the
    drop list must then stay (removed, the files it lists, maybe a backup's, were
    orphans that repair deletes)."""
    try:
        files = read_drop_list(folder, drop)
        text = read_entry_text(folder, name)
        current = set(header_files(name, text)) if text is not None else set()
        backed_up = backed_up_by(folder, name, token)
    except DamagedEntryError:
        return []
    except UnsafeFileError as err:  # .backup is not a directory: remove nothing
        warn_unsafe(err)
        return []
    except OSError as err:
        if is_read_failure(err):
            return None
        raise
    unused = [f for f in files if f not in current]
    if backed_up:
        moved = back_up_data_files(folder, name, unused)
        swept.backed_up.extend(moved)
        return moved
    unused = checked_data_files(folder, name, unused)  # (a name that fails is reported)
    listed = listed_elsewhere(folder, unused)  # by a copy of an entry file made by hand
    return [f for f in unused if f not in listed and remove_file(folder, f, "data", entry=name)]
