"""Which files of a store directory are its entries, and whether a directory is a store:
the directory listing alone, with every name checked, importing nothing heavy.

``archived ls STORE`` prints the names from here without loading the engine, the safe
loader or numpy; :mod:`archived.store.entries` re-exports these functions.  A name read
from disk is hostile until checked: an entry file is ``NAME.py`` where ``NAME`` is a
Python identifier, not a keyword, not starting with ``_`` and spelled as Python reads it
(:func:`is_canonical`); anything else in the directory is not an entry.

>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> for name in ('b.py', 'a.py', '_x.py', 'class.py', 'no.txt', '\\ufb01le.py'):
...     open(os.path.join(folder, name), 'w').close()
>>> entry_names(folder)
['a', 'b']
"""

from __future__ import annotations

import keyword
import os
import unicodedata
import warnings

from ..errors import InvalidNameError, StoreReadError, UnsafeFileWarning
from .storefiles import file_kind, read_small_file

__all__ = [
    "entry_names",
    "is_canonical",
    "warn_special",
    "is_native_store",
    "check_not_keyword",
    "LOADER_MARK",
]

LOADER_MARK = "archived.storemodule"


def is_canonical(name: str) -> bool:
    """Whether ``name`` is spelled as Python reads it: equal to its NFKC form.

    Python normalises identifiers in source code, so ``ds.ﬁle`` reads the entry
    ``file``: an entry stored as ``ﬁle`` could never be read by its name.

    >>> is_canonical('file'), is_canonical('\\ufb01le'), is_canonical('\\uff58')
    (True, False, False)
    """
    return name.isascii() or unicodedata.is_normalized("NFKC", name)


def entry_names(folder: str, *, ordered: bool = True) -> list[str]:
    """The names of the committed entries in ``folder``, sorted (``ordered=False``: in
    the order the directory lists them).

    A FIFO, socket, device or directory named like an entry is skipped with an
    :class:`~archived.errors.UnsafeFileWarning` (never opened: a FIFO would block the
    reader); a symbolic link is listed (reading it is refused as damage).  No file is
    opened or stat'ed but those: the directory's own listing says what each is.

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> os.mkfifo(os.path.join(folder, 'x.py'))
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter('always')
    ...     entry_names(folder)
    []
    >>> print(caught[0].message)
    skipped 'x.py' in store ...: a FIFO where an entry file belongs (left untouched)
    """
    names = []
    iskeyword = keyword.iskeyword
    with os.scandir(folder) as it:
        for item in it:
            stem, dot, ext = item.name.rpartition(".")
            if (
                ext == "py"
                and dot
                and stem.isidentifier()
                and not stem.startswith("_")
                and not iskeyword(stem)
                and (stem.isascii() or unicodedata.is_normalized("NFKC", stem))
            ):
                if item.is_file(follow_symlinks=False) or item.is_symlink():
                    names.append(stem)
                else:
                    _warn_special(folder, item)
    if ordered:
        names.sort()
    return names


def _warn_special(folder: str, item: os.DirEntry[str]) -> None:
    try:
        mode = item.stat(follow_symlinks=False).st_mode
    except OSError:
        return  # gone meanwhile
    warn_special(folder, item.name, mode)


def warn_special(folder: str, filename: str, mode: int) -> None:
    """Warn that ``filename`` (of ``mode``), named like an entry file, is skipped."""
    warnings.warn(
        f"skipped {filename!r} in store {folder!r}: {file_kind(mode)} where an entry file "
        "belongs (left untouched)",
        UnsafeFileWarning,
        stacklevel=4,
    )


def is_native_store(folder: str) -> bool:
    """Whether ``folder`` holds a store written by ``archived`` (its loader ``__init__.py``).

    >>> import tempfile
    >>> is_native_store(tempfile.mkdtemp())
    False
    """
    return is_loader(os.path.join(folder, "__init__.py"))


def is_loader(init: str) -> bool:
    """Whether ``init`` is the loader archived writes (read without following a link or
    opening a FIFO: a store someone sent you may hold either under that name).

    A loader that cannot be read (a failing disk, a lost server, no permission) is
    :class:`~archived.errors.StoreReadError` naming it: whether a store is there is not
    known, and taking it for none would report a store as "not an archived DataSet",
    or create one in its place.

    >>> import tempfile
    >>> is_loader(os.path.join(tempfile.mkdtemp(), "__init__.py"))
    False
    """
    try:
        text = read_small_file(os.path.dirname(init), os.path.basename(init), "loader")
    except StoreReadError:
        raise
    except (OSError, ValueError):  # missing, or UnsafeFileError (a link, a FIFO)
        return False
    return LOADER_MARK in text[:4096]


def check_not_keyword(module_name: str) -> None:
    """Refuse a store named with a Python keyword (``class``, ``None``): no ``import``
    statement can name it, so it could never be imported as the module it is.  Soft
    keywords (``match``, ``type``) import as any name.

    >>> check_not_keyword("class")
    Traceback (most recent call last):
        ...
    archived.errors.InvalidNameError: invalid name 'class': a Python keyword ...
    """
    if keyword.iskeyword(module_name):
        raise InvalidNameError(
            module_name,
            f"a Python keyword (`import {module_name}` is a syntax error, so the store could "
            "never be imported); choose another name",
        )
