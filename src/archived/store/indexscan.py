"""Which entry files a store holds, and their signatures (part of the read-side index).

An entry file's signature is its ``(inode, size, mtime_ns, ctime_ns)``: every commit
``os.replace``-s a new file onto the entry, so a row of the index (:mod:`archived.store.index`)
is used only while the file's signature equals the row's.  Listing a store ``lstat``-s
each entry file once, never opens one, and leaves out anything but a regular file or a
link (a FIFO or a device planted in a store is warned about, never opened).

>>> import tempfile
>>> from archived.store.entries import commit_entry
>>> folder = tempfile.mkdtemp()
>>> commit_entry(folder, 'a', 2.5)
>>> [name for name, _ in entry_signatures(folder, None)]
['a']
"""

from __future__ import annotations

import keyword
import operator
import os
import re
import stat
import sys
from collections.abc import Iterable, Sequence, Sized

import xxhash

from ..engine.readclose import close_read_only
from ..errors import StoreReadError, is_read_failure
from .entries import is_canonical, warn_special

__all__ = [
    "FEW",
    "Signature",
    "changed_entries",
    "entry_signatures",
    "is_entry_file",
    "is_file_or_link",
    "is_many",
    "listing_digest",
    "stat_signature",
]

Signature = tuple[int, int, int, int]
_KEYWORDS = frozenset(keyword.kwlist)
_KEYWORD_FILES = frozenset(k + ".py" for k in keyword.kwlist)
# an entry file of an ASCII name (an identifier not starting with _ is NFKC already)
_PLAIN_ENTRY_FILE = re.compile(r"[A-Za-z][A-Za-z0-9_]*\.py").fullmatch
FEW = 64  # views of more names than this pause the cyclic collector


def is_many(names: Iterable[str] | None) -> bool:
    """Whether a view of ``names`` (None: every entry) reads many entries, so that
    pausing the cyclic collector pays (a single lookup is cheaper without).

    >>> is_many(None), is_many(["a"]), is_many(iter(["a"]))
    (True, False, True)
    """
    return names is None or not isinstance(names, Sized) or len(names) > FEW


def stat_signature(st: os.stat_result) -> Signature:
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def changed_entries(
    names: list[str], signatures: Sequence[list[int]], current: dict[str, Signature]
) -> tuple[set[str], int]:
    """The entries of ``current`` (name -> signature, as listed now) whose signature is
    not the one an index file keeps for them (``names``, unique, and their columns of
    inode, size, mtime and ctime), and how many of ``names`` are no longer listed.

    >>> changed_entries(["a", "b"], ([1, 2], [10, 20], [5, 5], [5, 5]), {"a": (1, 10, 5, 5)})
    (set(), 1)
    >>> now = {"a": (1, 9, 5, 5), "c": (3, 1, 1, 1)}
    >>> changed, removed = changed_entries(["a"], ([1], [10], [5], [5]), now)
    >>> sorted(changed), removed
    (['a', 'c'], 0)
    """
    kept = zip(*signatures, strict=True)
    # when nothing changed (the commonest case by far), every name's signature is looked
    # up and compared in C, one reused tuple at a time: no dict of the file's signatures
    # and no tuple per entry, which at 100,000 entries outgrew the CPU's caches and took
    # fresh pages at every read
    if len(names) == len(current) and all(map(operator.eq, map(current.get, names), kept)):
        return set(), 0
    valid = dict(zip(names, zip(*signatures, strict=True), strict=True))
    changed = {name for name, sig in current.items() if valid.get(name) != sig}
    return changed, len(valid.keys() - current.keys())


# what listing_digest's hash of the signatures depends on: the interpreter's hash of a
# tuple of ints (not keyed by the hash seed, but not promised across versions either)
_DIGEST_TAG = f"{sys.implementation.cache_tag}-{sys.hash_info.width}:"
_FIRST, _SECOND = operator.itemgetter(0), operator.itemgetter(1)


def listing_digest(listing: Sequence[tuple[str, Signature]]) -> str:
    """A digest of a store's ``listing`` (:func:`entry_signatures`: the entry names and
    their files' signatures, in the order the directory gave them), which an index file
    records when its rows are exactly that listing's entries, each read after its file
    had settled.  A reader whose listing has the same digest then takes every row as
    fresh without looking each name up (:func:`changed_entries`' join, whose lookups in
    a hash table of 100,000 names in another order grew faster than the store).

    The names are hashed as one text (xxh3), the signatures as one tuple by the
    interpreter's hash of ints (deterministic; seeded only for str and bytes), both at C
    speed in the listing's order.  A digest of another interpreter never matches (its
    tag differs): the reader then joins the listing as before.

    >>> a = listing_digest([("a", (1, 10, 5, 5)), ("b", (2, 20, 5, 5))])
    >>> a == listing_digest([("a", (1, 10, 5, 5)), ("b", (2, 20, 5, 5))])
    True
    >>> a == listing_digest([("a", (1, 10, 5, 6)), ("b", (2, 20, 5, 5))])
    False
    >>> a == listing_digest([("b", (2, 20, 5, 5)), ("a", (1, 10, 5, 5))])  # order counts
    False
    """
    names = "/".join(map(_FIRST, listing)).encode("utf-8", "surrogatepass")
    signatures = hash(tuple(map(_SECOND, listing))) & 0xFFFF_FFFF_FFFF_FFFF
    return f"{_DIGEST_TAG}{xxhash.xxh3_64_hexdigest(names)}{signatures:016x}{len(listing)}"


def entry_signatures(folder: str, names: Iterable[str] | None) -> list[tuple[str, Signature]]:
    """``(name, signature)`` of the entry files of ``folder`` (all, or those ``names``).

    A failing disk or system (EIO listing the folder or examining a file) is
    :class:`~archived.errors.StoreReadError` naming the file: never an entry taken for
    absent, which a cached call would compute again and write over."""
    try:
        return _signatures(folder, names)
    except OSError as err:
        if isinstance(err, StoreReadError) or not is_read_failure(err):
            raise
        path = err.filename if isinstance(err.filename, str) else folder
        if not os.path.isabs(path):  # (an lstat through the folder's descriptor)
            path = os.path.join(folder, path)
        raise StoreReadError.of(err, path) from err


def _signatures(folder: str, names: Iterable[str] | None) -> list[tuple[str, Signature]]:
    if names is None:
        if not _SCAN_FD:
            return _listing_all(folder, folder)
        # listed through a descriptor of the directory: each entry's stat then looks up
        # its name in the directory alone, not the whole path again (100,000 of them)
        fd = os.open(folder, os.O_RDONLY | _O_DIRECTORY)
        try:
            return _listing_all(folder, fd)
        finally:
            close_read_only(fd)
    if not _LSTAT_AT or not is_many(names):
        return _listing_of_names(folder, names, folder)
    # many names (a sweep's lookup of its points): each looked up in the directory
    # through a descriptor of it, not by its whole path again (100,000 of them)
    try:
        fd = os.open(folder, os.O_RDONLY | _O_DIRECTORY)
    except (FileNotFoundError, NotADirectoryError):
        return []  # as a lookup of each name by path finds: none of them
    try:
        return _listing_of_names(folder, names, fd)
    finally:
        close_read_only(fd)


def _listing_of_names(
    folder: str, names: Iterable[str], directory: str | int
) -> list[tuple[str, Signature]]:
    """:func:`entry_signatures` of the entry files of ``names``, looked up in ``directory`` (the
    folder's path, or a descriptor of it)."""
    at = directory if type(directory) is int else None
    found: list[tuple[str, Signature]] = []
    for name in names:
        if not is_entry_file(name + ".py"):
            continue
        try:
            if at is None:
                st = os.lstat(os.path.join(folder, name + ".py"))
            else:
                st = os.lstat(name + ".py", dir_fd=at)
        except (FileNotFoundError, NotADirectoryError):
            continue
        if not is_file_or_link(st.st_mode):
            warn_special(folder, name + ".py", st.st_mode)
            continue
        found.append((name, stat_signature(st)))
    return found


def _listing_all(folder: str, directory: str | int) -> list[tuple[str, Signature]]:
    """:func:`entry_signatures` of every entry file of ``folder``, listing ``directory`` (the
    folder's path, or a descriptor of it)."""
    plain, keyword_files, is_regular = _PLAIN_ENTRY_FILE, _KEYWORD_FILES, stat.S_ISREG
    signature = stat_signature  # looked up once (a test replaces it: coarse clocks)
    found: list[tuple[str, Signature]] = []
    append = found.append
    with os.scandir(directory) as it:
        # what entries.entry_names lists, spelt out: this runs once per entry (an ASCII
        # name is checked by one match, any other one in full).  Each file's stat is
        # taken as it is listed and only its signature kept: a list of every listed
        # item and its stat (about 1 kB an entry) took fresh pages at every read of a
        # big store (0.26 page faults an entry at 20,000 entries, 0.09 now)
        for item in it:
            name = item.name
            if (plain(name) is None or name in keyword_files) and (
                name.isascii() or not is_entry_file(name)
            ):
                continue
            try:
                st = item.stat(follow_symlinks=False)
            except FileNotFoundError:  # deleted meanwhile
                continue
            if not is_regular(st.st_mode) and not is_file_or_link(st.st_mode):
                warn_special(folder, name, st.st_mode)  # never opened: a FIFO blocks
                continue
            append((name[:-3], signature(st)))
    return found


_SCAN_FD = os.scandir in os.supports_fd  # (not on Windows)
_LSTAT_AT = os.stat in os.supports_dir_fd  # an lstat of a name in a directory's descriptor
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


def is_file_or_link(mode: int) -> bool:
    """What entries.entry_names lists: a regular file, or a link (read as damage)."""
    return stat.S_ISREG(mode) or stat.S_ISLNK(mode)


def is_entry_file(filename: str) -> bool:
    """Whether ``filename`` is an entry's file (what :func:`entries.entry_names` lists)."""
    if filename[-3:] != ".py":
        return False
    stem = filename[:-3]
    return (
        stem.isidentifier()
        and stem[:1] != "_"
        and stem not in _KEYWORDS
        and (stem.isascii() or is_canonical(stem))  # (is_canonical's own first test)
    )
