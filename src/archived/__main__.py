"""``python -m archived``: the command line (see :mod:`archived.cli`).

>>> main(["--help"])
usage: archived [-h] [--version] COMMAND ...
...
0
"""

from __future__ import annotations

import sys

from .cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
