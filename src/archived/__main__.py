"""``python -m archived``: the command line (see :mod:`archived.cli`).

>>> main(["--help"])
usage: archived [-h] [--version] COMMAND ...
...
0
"""

from __future__ import annotations

import os
import sys

from .cli import main

__all__ = ["main"]


def _leave_working_directory_off_sys_path() -> None:
    """Take off ``sys.path`` the working directory ``python -m`` put first, as the
    ``archived`` command (a script) has it: a store someone sent, named ``numpy`` or
    ``pandas`` and listed from the folder holding it, was the module a safe load
    imported, and its ``__init__.py`` ran.  ``--allow``, ``--trust`` and ``prune
    --function`` still find the user's own modules there (:mod:`archived.cli.base`)."""
    if not sys.path:
        return
    try:
        here = os.path.realpath(os.getcwd())
    except OSError:  # the working directory was removed
        return
    if os.path.realpath(sys.path[0] or os.curdir) == here:
        del sys.path[0]


if __name__ == "__main__":
    _leave_working_directory_off_sys_path()
    sys.exit(main())
