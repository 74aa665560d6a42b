"""The header line of an entry file: ``# archived entry 'x_0', format 1, data files:
[...]``, and the data files it lists (see :mod:`archived.store.entries` for the format).

>>> header_files('a', "# archived entry 'a', format 1, data files: ['a.t.h5']")
['a.t.h5']
"""

from __future__ import annotations

import re

from ..errors import DamagedEntryError
from ..load.literal import NotLiteral, literal_value

__all__ = ["header_files"]

_HEADER = re.compile(
    r"# archived entry '(?P<name>[^']*)', format (?P<format>\d+), "
    r"data files: (?P<files>\[.*\])$"
)


def header_files(name: str, text: str) -> list[str]:
    """The data files listed in the header line of entry ``name``'s ``text``.

    >>> header_files('a', "# archived entry 'a', format 1, data files: ['a.t.h5']")
    ['a.t.h5']
    """
    end = text.find("\n")  # (partition copied the whole text after the line: twice per read)
    first = text if end < 0 else text[:end]
    m = _HEADER.match(first)
    if m is None:
        raise DamagedEntryError(name, "the entry file has no archived header line")
    listed = m["files"]
    if listed == "[]":
        return []
    try:
        files = literal_value(f"files = {listed}\n", "files")
    except NotLiteral:
        raise DamagedEntryError(name, "unreadable data file list in the header") from None
    if not isinstance(files, list):
        raise DamagedEntryError(name, "unreadable data file list in the header")
    return [f for f in files if isinstance(f, str)]
