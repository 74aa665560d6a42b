"""Name claims: how concurrent ``_insert`` calls each get a distinct free entry name.

A claim on ``x_0`` is a hidden file ``.x_0.claim`` created exclusively and holding the
claiming writer's token (:mod:`archived.store.writers`), so a claim left by a killed writer
can be attributed and swept (:mod:`archived.store.leftovers`).

>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> name, n = claim_name(folder, 'x_', 0)
>>> release_claim(folder, name)
>>> claim_name(folder, 'x_', 0)
('x_0', 0)
"""

from __future__ import annotations

import os

from .entries import entry_exists, remove_quietly
from .writers import new_token

__all__ = ["claim_name", "release_claim"]


def claim_name(folder: str, prefix: str, start: int) -> tuple[str, int]:
    """Reserve the first free name ``<prefix>N`` with ``N >= start``; return it and ``N``.

    A claim is a hidden file created exclusively, so concurrent writers never get the
    same name.  Release it with :func:`release_claim` once the entry is committed.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> claim_name(folder, 'x_', 0), claim_name(folder, 'x_', 0)
    (('x_0', 0), ('x_1', 1))
    """
    n = start
    while True:
        name = f"{prefix}{n}"
        if not entry_exists(folder, name):
            claim = os.path.join(folder, f".{name}.claim")
            if not _create_with_content(folder, name, claim):
                n += 1
                continue
            if not entry_exists(folder, name):
                return name, n
            os.unlink(claim)  # committed by someone between our two looks
        n += 1


def release_claim(folder: str, name: str) -> None:
    """Drop the claim on ``name`` taken by :func:`claim_name`.

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> name, _ = claim_name(folder, 'x_', 0)
    >>> release_claim(folder, name)
    >>> os.listdir(folder)
    []
    """
    remove_quietly(os.path.join(folder, f".{name}.claim"))


def _create_with_content(folder: str, name: str, path: str) -> bool:
    """Create ``path`` naming this writer's token, atomically; False if it exists.

    The claim is a symbolic link whose target is the token: one system call creates
    it exclusively *with* its content, so a writer killed halfway never leaves an empty
    claim nobody could attribute.  Where symbolic links are not supported, a file is
    written under a temporary name and hard-linked into place instead.
    """
    token = new_token()
    try:
        os.symlink(token, path)
        return True
    except FileExistsError:
        return False
    except OSError:
        pass
    tmp = os.path.join(folder, f".{name}.{token}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        os.write(fd, token.encode())
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)
        return True
    except FileExistsError:
        return False
    finally:
        os.unlink(tmp)
