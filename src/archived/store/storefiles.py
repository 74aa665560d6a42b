"""The one gate between a file name read from a store and the file system.

Every name the store layer reads from disk (the data files an entry header lists, the
names in a ``.drop`` file, a claim, a leftover found by listing the directory) is
hostile until :func:`checked_path` has passed it: a store someone sent you may list
``/home/you/.bashrc`` or ``../../data.h5`` where a data file name belongs, or hold a
symbolic link, a FIFO or a device under a data file's name.  A name passes when it is

* a ``str``, a plain name directly inside the store: no separator, no NUL, not ``.``
  or ``..``, not absolute;
* of the shape its kind of file has (:data:`SHAPES`; a data file also belongs to its
  entry: ``<entry>.<token>[-info].h5``);
* and, when it exists, a regular file, seen with ``lstat`` (links are never followed).

A name that fails raises :class:`~archived.errors.UnsafeFileError` naming it, before
anything is opened, moved or deleted; callers that clean up (overwrite, delete, the
sweep of leftovers, repair) report it with :func:`warn_unsafe` and leave it untouched.

>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> path = checked_path(folder, 'x.0a1b2c-1-0a1b2c3d.h5', 'data', entry='x')
>>> path == folder + '/x.0a1b2c-1-0a1b2c3d.h5'
True
>>> checked_path(folder, '/etc/passwd', 'data')
Traceback (most recent call last):
    ...
archived.errors.UnsafeFileError: unsafe file name '/etc/passwd' in store ...: not a plain name ...
"""

from __future__ import annotations

import os
import re
import stat
import warnings
from collections.abc import Iterable
from typing import Literal

from ..engine.readclose import close_read_only
from ..errors import StoreReadError, UnsafeFileError, UnsafeFileWarning, is_read_failure

__all__ = [
    "TOKEN",
    "DATA_FILE",
    "SHAPES",
    "SUBDIRS",
    "check_name",
    "checked_path",
    "is_data_file_name",
    "open_regular",
    "is_plain_name",
    "file_kind",
    "safe_subdir",
    "read_small_file",
    "remove_file",
    "warn_unsafe",
    "checked_data_files",
]

# The token naming one write (see archived.store.writers): ``<host>-<pid>-<random>``,
# twelve hex digits of host (name, then boot and pid namespace); six (the name only) in
# tokens written before the host named its pid namespace.
_TOKEN_SHAPE = r"(?P<host>[0-9a-f]{12}|[0-9a-f]{6})-(?P<pid>\d+)-[0-9a-f]{8}"
TOKEN = re.compile(_TOKEN_SHAPE)
# The data files a writer writes under its token: ``<entry>.<token>[-info].h5``, and the
# array writer's temporary ``.h5.tmp<pid>`` before it is renamed into place.
DATA_FILE = re.compile(
    rf"(?P<name>[^\W\d]\w*)\.(?P<token>{_TOKEN_SHAPE})(?:-info)?\.h5(?:\.tmp\d+)?"
)
_ANY_TOKEN = r"(?:[0-9a-f]{12}|[0-9a-f]{6})-\d+-[0-9a-f]{8}"

# kind of store file -> the shape of its name
SHAPES: dict[str, re.Pattern[str]] = {
    "data": DATA_FILE,
    "entry": re.compile(r"[^\W\d]\w*\.py"),
    "tmp": re.compile(rf"\.[^\W\d]\w*\.{_ANY_TOKEN}\.tmp"),
    "drop": re.compile(rf"\.[^\W\d]\w*\.{_ANY_TOKEN}\.drop"),
    "claim": re.compile(r"\.[^\W\d]\w*\.claim"),
    "loader": re.compile(r"__init__\.py"),
    "index": re.compile(r"\.index\.json"),
    "names": re.compile(r"\.index\.names"),
    "locking": re.compile(r"\.locking"),
}
# the store's own subdirectories: real directories, never links out of the store
SUBDIRS = (".backup", ".keys", ".damaged")
# kinds of files that are symbolic links by design (a claim is a link to its token)
_LINKS_ALLOWED = frozenset({"claim"})
_MAX_SMALL_FILE = 1 << 20  # a drop list, a claim, the loader: far smaller
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def is_plain_name(name: object) -> bool:
    """Whether ``name`` names a file directly inside a directory (no path, no tricks).

    >>> is_plain_name('x.py'), is_plain_name('../x.py'), is_plain_name('/x'), is_plain_name('..')
    (True, False, False, False)
    """
    return (
        isinstance(name, str)
        and name not in ("", ".", "..")
        and "/" not in name
        and "\\" not in name
        and "\0" not in name
        and os.sep not in name
        and (os.altsep is None or os.altsep not in name)
        and not os.path.isabs(name)
    )


def file_kind(mode: int) -> str:
    """A person's word for the kind of file ``mode`` (from ``lstat``) describes.

    >>> import stat
    >>> file_kind(stat.S_IFIFO), file_kind(stat.S_IFLNK), file_kind(stat.S_IFREG)
    ('a FIFO', 'a symbolic link (it may point outside the store)', 'a regular file')
    """
    for test, word in (
        (stat.S_ISREG, "a regular file"),
        (stat.S_ISLNK, "a symbolic link (it may point outside the store)"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return word
    return "a special file"


def checked_path(folder: str, name: object, kind: str, *, entry: str | None = None) -> str:
    """The path of store file ``name`` of ``kind`` in ``folder``, once it passed the checks.

    ``kind`` is a key of :data:`SHAPES`; for ``'data'``, ``entry`` (if given) must be the
    entry the file belongs to.  A file that exists must be a regular file (a claim may
    also be a symbolic link, which is never followed).  Raises
    :class:`~archived.errors.UnsafeFileError` otherwise; a missing file passes.  A file
    the disk or the system fails to ``lstat`` (EIO, a lost server, ...) is no unsafe
    name: :class:`~archived.errors.StoreReadError` naming it.

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> os.symlink('/etc/passwd', os.path.join(folder, 'x.0a1b2c-1-0a1b2c3d.h5'))
    >>> checked_path(folder, 'x.0a1b2c-1-0a1b2c3d.h5', 'data')
    Traceback (most recent call last):
        ...
    archived.errors.UnsafeFileError: unsafe file name 'x.0a1b2c-1-0a1b2c3d.h5' ...: a symbolic ...
    """
    path = os.path.join(folder, check_name(folder, name, kind, entry=entry))
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return path
    except OSError as err:
        if is_read_failure(err):  # a failing disk or system: no unsafe name
            raise StoreReadError.of(err, path) from err
        raise UnsafeFileError(folder, name, f"cannot be examined ({err.strerror})") from err
    if not (stat.S_ISREG(mode) or (kind in _LINKS_ALLOWED and stat.S_ISLNK(mode))):
        raise UnsafeFileError(folder, name, file_kind(mode))
    return path


def check_name(folder: str, name: object, kind: str, *, entry: str | None = None) -> str:
    """``name`` if it is a plain name of the shape of ``kind`` (and, for a data file, of
    ``entry``); else :class:`~archived.errors.UnsafeFileError`.  Touches nothing on disk:
    :func:`checked_path` adds the look at the file itself.

    >>> check_name('/s', f'x.0a1b2c-1-0a1b2c3d.h5', 'data', entry='y')
    Traceback (most recent call last):
        ...
    archived.errors.UnsafeFileError: unsafe file name 'x.0a1b2c-1-0a1b2c3d.h5' ...: not a data ...
    """
    if not is_plain_name(name):
        raise UnsafeFileError(folder, name, "not a plain name inside the store")
    assert isinstance(name, str)
    m = SHAPES[kind].fullmatch(name)
    if m is None:
        raise UnsafeFileError(folder, name, f"not the name of a {kind} file of a store")
    if kind == "data" and entry is not None and m["name"] != entry:
        raise UnsafeFileError(folder, name, f"not a data file of entry {entry!r}")
    return name


def is_data_file_name(name: object, entry: str | None = None) -> bool:
    """Whether ``name`` is shaped as a data file (of ``entry``) in a store: the same test
    as the gate's, for names read from disk that are only kept, not yet used.

    >>> is_data_file_name('x.0a1b2c-1-0a1b2c3d.h5', 'x'), is_data_file_name('../x.h5')
    (True, False)
    """
    try:
        check_name("", name, "data", entry=entry)
    except UnsafeFileError:
        return False
    return True


def open_regular(folder: str, name: str, kind: str) -> int:
    """A read-only descriptor of store file ``name`` of ``kind``, once it passed the gate.

    Opened without following a link and without blocking (a FIFO cannot hang the
    reader), then checked to be a regular file; ``FileNotFoundError`` if missing,
    :class:`~archived.errors.UnsafeFileError` for anything else.  The caller closes it.

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> os.symlink('/etc/passwd', os.path.join(folder, '.index.json'))
    >>> open_regular(folder, '.index.json', 'index')
    Traceback (most recent call last):
        ...
    archived.errors.UnsafeFileError: unsafe file name '.index.json' in store ...: a symbolic ...
    """
    path = checked_path(folder, name, kind)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW | _CLOEXEC)
    except FileNotFoundError:
        raise
    except OSError as err:
        if is_read_failure(err):  # a failing disk or system: no unsafe name
            raise StoreReadError.of(err, path) from err
        # swapped for a link or a special file since the check
        raise UnsafeFileError(folder, name, f"cannot be opened ({err.strerror})") from None
    try:
        mode = os.fstat(fd).st_mode
    except OSError as err:
        close_read_only(fd)
        raise StoreReadError.of(err, path) from err
    if not stat.S_ISREG(mode):
        close_read_only(fd)
        raise UnsafeFileError(folder, name, file_kind(mode))
    return fd


def checked_data_files(
    folder: str,
    entry: str,
    names: Iterable[object],
    *,
    warn: bool = True,
    others: Literal["warn", "skip", "keep"] = "warn",
) -> list[str]:
    """The names among ``names`` that pass as data files of ``entry``; warn of the others.
    A file the disk fails to examine is left out with a warning saying so (no unsafe
    name), or, with ``others="keep"`` (a new version would lose it), raises
    :class:`~archived.errors.StoreReadError`.

    ``others``: what becomes of a data file of another entry.  Listed by ``entry``'s
    header, it is no unsafe name (a copy of that entry's file made by hand lists it, and
    reads it): ``"skip"`` leaves it out quietly, ``"keep"`` lets it pass (the files a new
    version keeps listing).  ``"warn"``: it is reported as any other name that fails
    (where only ``entry``'s own files belong: a drop list).

    >>> import tempfile, warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter('always')
    ...     checked_data_files(tempfile.mkdtemp(), 'x', ['x.0a1b2c-1-0a1b2c3d.h5', '../y'])
    ['x.0a1b2c-1-0a1b2c3d.h5']
    >>> print(caught[0].message)
    unsafe file name '../y' in store ...: not a plain name inside the store (left untouched)
    """
    passed = []
    for name in names:
        try:
            try:
                checked_path(folder, name, "data", entry=entry)
            except UnsafeFileError as err:
                if others != "warn" and _of_another(folder, name):
                    if others == "keep":
                        passed.append(str(name))
                elif warn:
                    warn_unsafe(err)
                continue
        except StoreReadError as err:
            if others == "keep":  # left out, the new version would not list a file it uses
                raise
            if warn:
                warn_unsafe(err)  # (left where it is, not dropped: nothing is lost)
            continue
        passed.append(str(name))
    return passed


def _of_another(folder: str, name: object) -> bool:
    """Whether ``name`` passes as a data file of some entry of the store ``folder``."""
    try:
        checked_path(folder, name, "data")
    except UnsafeFileError:
        return False
    return True


def safe_subdir(folder: str, name: str, *, create: bool = True) -> str:
    """The path of the store's own subdirectory ``name`` (``.backup``, ``.keys``).

    It must be a real directory, not a symbolic link to somewhere else; it is created
    if missing (unless ``create=False``).

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> safe_subdir(folder, '.backup') == os.path.join(folder, '.backup')
    True
    >>> os.symlink(tempfile.mkdtemp(), os.path.join(folder, '.keys'))
    >>> safe_subdir(folder, '.keys')
    Traceback (most recent call last):
        ...
    archived.errors.UnsafeFileError: unsafe file name '.keys' in store ...: a symbolic link ...
    """
    if not is_plain_name(name):
        raise UnsafeFileError(folder, name, "not a plain name inside the store")
    path = os.path.join(folder, name)
    if create:
        try:
            os.mkdir(path)
        except FileExistsError:
            pass
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return path
    if not stat.S_ISDIR(mode):
        raise UnsafeFileError(folder, name, file_kind(mode))
    return path


def read_small_file(folder: str, name: str, kind: str) -> str:
    """The text of the small store file ``name`` of ``kind`` (a drop list, the loader).

    Opened without following links and without blocking (a FIFO cannot hang the
    reader); anything but a regular file, or a file over 1 MiB, is
    :class:`~archived.errors.UnsafeFileError`.  A missing file is ``FileNotFoundError``.

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> os.mkfifo(os.path.join(folder, '__init__.py'))
    >>> read_small_file(folder, '__init__.py', 'loader')
    Traceback (most recent call last):
        ...
    archived.errors.UnsafeFileError: unsafe file name '__init__.py' in store ...: a FIFO (left ...)
    """
    fd = open_regular(folder, name, kind)
    try:
        st = os.fstat(fd)
        if st.st_size > _MAX_SMALL_FILE:
            raise UnsafeFileError(folder, name, f"{st.st_size} bytes, far too big for a {kind}")
        pieces: list[bytes] = []
        left = _MAX_SMALL_FILE + 1
        while left > 0 and (piece := os.read(fd, left)):
            pieces.append(piece)
            left -= len(piece)
        data = b"".join(pieces)
    except OSError as err:  # a failing disk: the file's name is known, and not at fault
        if isinstance(err, StoreReadError) or not is_read_failure(err):
            raise
        raise StoreReadError.of(err, os.path.join(folder, name)) from err
    finally:
        close_read_only(fd)  # (nothing written: its close's EIO is no failed read)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UnsafeFileError(folder, name, "not UTF-8 text") from None


def remove_file(folder: str, name: object, kind: str, *, entry: str | None = None) -> bool:
    """Delete store file ``name`` of ``kind`` if it passes the checks; return whether done.

    A name that fails is reported (:func:`warn_unsafe`) and nothing is deleted.

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> open(os.path.join(folder, 'x.0a1b2c-1-0a1b2c3d.h5'), 'w').close()
    >>> remove_file(folder, 'x.0a1b2c-1-0a1b2c3d.h5', 'data'), os.listdir(folder)
    (True, [])
    """
    try:
        path = checked_path(folder, name, kind, entry=entry)
    except (UnsafeFileError, StoreReadError) as err:  # (a failing disk: not deleted either)
        warn_unsafe(err)
        return False
    try:
        os.unlink(path)  # never follows a link: at worst a link inside the store goes
    except FileNotFoundError:
        return False
    return True


def warn_unsafe(err: UnsafeFileError | StoreReadError) -> None:
    """Report a store file left untouched because it failed the checks, or because the
    disk failed to examine it (said as the read error it is, not as an unsafe name).

    >>> import errno, warnings
    >>> failed = StoreReadError('/s/x.0a1b2c-1-0a1b2c3d.h5', '[Errno 5] Input/output error')
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter('always')
    ...     warn_unsafe(failed)
    >>> print(caught[0].message)
    could not examine the store file '/s/x.0a1b2c-1-0a1b2c3d.h5' ([Errno 5] Input/output error): \
it was left as it is (a read error, not an unsafe file). Check the disk or file system
    """
    if isinstance(err, StoreReadError):
        message = (
            f"could not examine the store file {err.path!r} ({err.reason}): it was left as "
            "it is (a read error, not an unsafe file). Check the disk or file system"
        )
    else:
        message = str(err)
    warnings.warn(message, UnsafeFileWarning, stacklevel=3)
