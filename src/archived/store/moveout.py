"""What to move out of a store to keep an entry a person edited: its file, and the data
files its header lists.  Advice to move the entry file alone left its arrays behind, as
orphans that ``archived repair`` removes: the moved file, kept as advised, no longer
loaded.

>>> import tempfile, os
>>> folder = tempfile.mkdtemp()
>>> _ = open(os.path.join(folder, "f_1.py"), "w").write(
...     "# archived entry 'f_1', format 1, data files: ['f_1.0a1b2c-1-0a1b2c3d.h5']\\n")
>>> entry_files_text(folder, "f_1") == (
...     f"{os.path.join(folder, 'f_1.py')} with its data file f_1.0a1b2c-1-0a1b2c3d.h5 "
...     "(its arrays: keep them together)")
True
"""

from __future__ import annotations

import os
import stat

from .headerline import header_files
from .storefiles import is_data_file_name

__all__ = ["entry_files_text"]


def entry_files_text(folder: str, name: str) -> str:
    """The path of entry ``name``'s file in ``folder``, and the data files its header
    lists, as words for advice to move them out of the store together.  Only the
    file's first line is read; a file that cannot be read gives its path alone.  Only
    names shaped as this entry's own data files are named: the header is the store's
    text, and advice to move ``../../thesis.tex`` (or another entry's arrays, which that
    entry needs) out of the store, or a name holding a terminal's controls, is no
    advice to print."""
    path = os.path.join(folder, name + ".py")
    try:
        # a regular file only, never through a link, nor a FIFO opened (it would block)
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as file:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return path
            first = file.readline(64 * 1024).decode("utf-8", "replace")
        files = header_files(name, first)
    except (OSError, ValueError):  # (DamagedEntryError is an OSError)
        return path
    files = [f for f in files if is_data_file_name(f, name)]
    if not files:
        return path
    which = "data file" if len(files) == 1 else "data files"
    return f"{path} with its {which} {', '.join(files)} (its arrays: keep them together)"
