"""Which data files the entry headers of a store list: a data file is deleted only when
none does.

The store itself never makes two entries list one data file (``ds.b = ds.a`` writes
``b``'s own), but a person may: ``cp calib.py calib_v2.py`` and renaming the variable in
the copy makes an entry that reads ``calib``'s data files.  Deleting or overwriting
``calib`` then deleted them, and the copy lost its arrays.  So the drop after an
overwrite or a deletion (and the sweep of a killed writer's drop) asks
:func:`listed_elsewhere` which of the files it is about to delete some entry header
still lists, and keeps those.

Each call lists the store (one ``lstat`` per entry file) and reads the header line of
the entry files that changed since this process last read them; a header line read
within :data:`RACY_NS` of its file's last change is read again next time (a hand edit in
place may keep the size and the clock tick).  An entry file that cannot be read (no
permission) may list anything: every file asked about is then kept.

>>> import tempfile
>>> from archived.store.entries import commit_entry
>>> folder = tempfile.mkdtemp()
>>> commit_entry(folder, 'a', 1)
>>> listed_elsewhere(folder, ['a.0a1b2c-1-0a1b2c3d.h5'])
set()
"""

from __future__ import annotations

import keyword
import os
import stat
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from ..engine.readclose import close_read_only
from ..errors import DamagedEntryError
from .entrynames import is_canonical
from .headerline import header_files

__all__ = ["listed_elsewhere", "one_look", "RACY_NS"]

RACY_NS = 2_000_000_000  # a header read this soon after its file changed is read again
_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_CHUNK = 4096
_MAX_LINE = 1 << 20  # a header line longer than this is not one the store wrote
# what one header's listing may keep in memory (for the process's life): a store's own
# lists an entry's few data files; a hand-made or crafted one listing more (or a line
# the store cannot parse longer than this) may list anything, as an unreadable one.
# Kept whole, 300 entry files of 1 MB header lines held 286 MB until the process ended
_MAX_KEPT_FILES = 256
_MAX_KEPT_LINE = 1 << 14
_UNREADABLE = None  # a header that could not be read: it may list anything

# what an entry file's header line lists: the data file names (a header the store
# reads), the line itself (one it does not read: a name it holds counts as listed), or
# _UNREADABLE
Listed = frozenset[str] | bytes | None
# folder -> entry file name -> (its (inode, size, mtime_ns, ctime_ns), when read, listed)
_known: dict[str, dict[str, tuple[tuple[int, int, int, int], int, Listed]]] = {}
_lock = threading.Lock()
_looks: dict[str, int] = {}  # folder -> how many one_look() are open on it
# folder -> data file name -> the entry files listing it, as listed inside one_look();
# the entry files whose header could not be parsed under the name None
_looked: dict[str, dict[str | None, set[str]]] = {}


def _after_fork() -> None:
    # a lock held by another thread at the fork would never be released in the child
    global _lock
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def listed_elsewhere(folder: str, files: Iterable[str], *, besides: str | None = None) -> set[str]:
    """The names among ``files`` that the header line of some entry of the store
    ``folder`` (but entry ``besides``) lists now (all of them if some entry file cannot
    be read).

    >>> import tempfile
    >>> listed_elsewhere(tempfile.mkdtemp(), ['x.0a1b2c-1-0a1b2c3d.h5'])
    set()
    """
    wanted = set(files)
    if not wanted:
        return set()
    key = os.path.abspath(folder)
    with _lock:
        if key in _looks:
            headers = _confirmed(key, wanted)
        else:
            headers = _headers(folder)
    headers.pop(f"{besides}.py", None)
    found: set[str] = set()
    for listed in headers.values():
        if listed is _UNREADABLE:
            return wanted
        if isinstance(listed, bytes):
            found.update(f for f in wanted if f.encode("utf-8", "replace") in listed)
        else:
            found |= wanted & listed
        if found == wanted:
            break
    return found


@contextmanager
def one_look(folder: str) -> Iterator[None]:
    """Within it, :func:`listed_elsewhere` lists the store ``folder`` once, not at each
    drop: what deletes many entries (a prune) would otherwise ``lstat`` every entry
    file at each.  An entry file found listing a file asked about is checked again (a
    deletion or an overwrite made since no longer counts); a copy made by hand while
    it runs is not seen.

    >>> import tempfile
    >>> with one_look(tempfile.mkdtemp()):
    ...     pass
    """
    key = os.path.abspath(folder)
    with _lock:
        _looks[key] = _looks.get(key, 0) + 1
    try:
        yield
    finally:
        with _lock:
            _looks[key] -= 1
            if not _looks[key]:
                del _looks[key]
                _looked.pop(key, None)


def _confirmed(key: str, wanted: set[str]) -> dict[str, Listed]:
    """:func:`_headers` inside :func:`one_look`: the store listed at the first call, then
    only the entry files listed as naming a file of ``wanted`` looked at again."""
    by_file = _looked.get(key)
    if by_file is None:
        first = _headers(key)
        by_file = _looked[key] = {}
        for name, (_, _, listed) in _known.get(key, {}).items():
            for file in listed if isinstance(listed, frozenset) else [None]:
                by_file.setdefault(file, set()).add(name)
        return first
    known = _known.get(key, {})
    names = set(by_file.get(None, ()))
    for file in wanted:
        names.update(by_file.get(file, ()))
    headers: dict[str, Listed] = {}
    for name in names:
        kept = known.get(name)
        if kept is None:
            continue
        signature, read_at, listed = kept
        path = os.path.join(key, name)
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            del known[name]
            continue
        except OSError:
            headers[name] = _UNREADABLE
            continue
        now_signature = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        if now_signature != signature or max(st.st_mtime_ns, st.st_ctime_ns) >= read_at - RACY_NS:
            read_at = time.time_ns()
            now = _header_of(path, name[:-3]) if stat.S_ISREG(st.st_mode) else False
            if now is False:
                del known[name]
                continue
            listed = now  # type: ignore[assignment]
            known[name] = (now_signature, read_at, listed)
            # (a file it lists now that it did not is not in by_file: only files it
            # listed are asked about again, and those of other entries are theirs)
        headers[name] = listed
    return headers


def _headers(folder: str) -> dict[str, Listed]:
    """What each entry file's header line lists (:data:`Listed`), by file name."""
    key = os.path.abspath(folder)
    before = _known.get(key, {})
    now_known: dict[str, tuple[tuple[int, int, int, int], int, Listed]] = {}
    try:
        with os.scandir(folder) as it:
            items = [i for i in it if _is_entry_file(i.name)]
    except FileNotFoundError:
        return {}
    except OSError:  # (an I/O error: what the entries list is not known)
        return {"": _UNREADABLE}
    for item in items:
        try:
            st = item.stat(follow_symlinks=False)
        except FileNotFoundError:
            continue
        except OSError:
            now_known[item.name] = ((0, 0, 0, 0), 0, _UNREADABLE)
            continue
        if not stat.S_ISREG(st.st_mode):
            continue  # a link or a special file is never read as an entry: it lists nothing
        signature = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        known = before.get(item.name)
        if (
            known is not None
            and known[0] == signature
            and max(st.st_mtime_ns, st.st_ctime_ns) < known[1] - RACY_NS
        ):
            now_known[item.name] = known
            continue
        read_at = time.time_ns()  # before reading: the racy rule's reference
        listed = _header_of(item.path, item.name[:-3])
        if listed is not False:
            now_known[item.name] = (signature, read_at, listed)  # type: ignore[assignment]
    _known[key] = now_known
    return {name: listed for name, (_, _, listed) in now_known.items()}


def _header_of(path: str, name: str) -> Listed | bool:
    """What the header line of the entry file ``path`` lists (:data:`Listed`); False if
    it is gone or not a regular file (it lists nothing)."""
    try:
        fd = os.open(path, _FLAGS)
    except FileNotFoundError:
        return False
    except OSError:
        if os.path.islink(path):
            return False  # swapped for a link meanwhile: never read as an entry
        return _UNREADABLE
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        line = b""
        while b"\n" not in line:
            chunk = os.read(fd, _CHUNK)
            if not chunk:
                break
            line += chunk
            if len(line) > _MAX_LINE:
                return _UNREADABLE
    except OSError:
        return _UNREADABLE
    finally:
        close_read_only(fd)  # (nothing written: its close's EIO is no failed read)
    first = line.partition(b"\n")[0]
    if b".h5" not in first:
        return frozenset()  # (most entries: no data file; or no header, so no entry)
    try:
        files = frozenset(header_files(name, first.decode("utf-8")))
    except (UnicodeDecodeError, DamagedEntryError):
        # a header the store does not read (a hand edit gone wrong?) naming data files:
        # a person may mend it, so what it names stays
        return first if len(first) <= _MAX_KEPT_LINE else _UNREADABLE
    return files if len(files) <= _MAX_KEPT_FILES else _UNREADABLE


def _is_entry_file(filename: str) -> bool:
    """Whether ``filename`` is an entry's file, as :func:`~archived.store.entrynames.entry_names`
    tells them."""
    stem = filename[:-3]
    return (
        filename.endswith(".py")
        and stem.isidentifier()
        and not stem.startswith("_")
        and not keyword.iskeyword(stem)
        and is_canonical(stem)
    )
