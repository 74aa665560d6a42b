"""Telling a user that a ``with`` block computes again a result stored by the same code
at another line of its function: lines added or removed above the block moved it.

A block without ``name=`` is named by its place (module, function, line of its ``with``:
see :mod:`archived.cache.blockinfo`), so an ``import`` added at the top of a script
gives every block below it a new key, and each computes again, silently: the results
stay in the store under the old line.  When a block misses, :func:`warn_moved_block`
looks for a call of the same code version, with the same parameters, stored by a block
of the same function at another line, and warns with a
:class:`~archived.errors.MovedBlockWarning` naming it, unless a block of that code is
still at that line (then it is another block of the same code, which may read other
data set above it: its results are not this one's).  It probes the entry names the call
would have at the lines around the block's, nearest first (a stat each, the parameters
encoded once), never lists the store, and only for the first few misses of a block and
version in a process; one warning per block and version.

>>> import os, subprocess, sys, tempfile, textwrap
>>> folder = tempfile.mkdtemp()
>>> script = os.path.join(folder, "study.py")
>>> block = textwrap.dedent('''
...     from archived import archived
...     with archived("runs", mu=1.5) as rec:
...         if not rec.cached:
...             rec.result = rec.parameters["mu"] * 2
... ''')
>>> def run(above=""):
...     with open(script, "w") as out:
...         _ = out.write(above + block)
...     env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
...     done = subprocess.run([sys.executable, script], env=env, capture_output=True, text=True)
...     return done.stderr
>>> run()
''
>>> err = run(above="import math\\n")  # the block is at line 4 now
>>> "MovedBlockWarning: the block at line 4 of study.py" in err
True
>>> "stored one at line 3 (block:study.<module>@3)" in err
True
"""

from __future__ import annotations

import os
import re
import warnings
from collections import Counter
from typing import TYPE_CHECKING

from .._usercode import user_stacklevel
from ..errors import MovedBlockWarning
from .blockinfo import source_version, with_statement_source
from .hashing import identity_keys

if TYPE_CHECKING:
    from .calls import CallKey
    from .callstore import CallStore

__all__ = ["warn_moved_block"]

# a block of a file, named by its place: 'block:<module>.<function>@<line>' (a named
# block, or one typed at a prompt or in a cell, whose name ends in a digest, never moves)
_PLACE = re.compile(r"block:(.+)@([0-9]+)")
_WINDOW = 200  # lines above and below the block's where it may have been
_PROBED = 8  # misses of a block and version probed in a process: a loop of cheap
# blocks pays for a few, and a grid extended at its front still finds the moved points
# (store, block, version) -> misses probed; in _WARNED once warned about
_MISSES: Counter[tuple[str, str, str]] = Counter()
_WARNED: set[tuple[str, str, str]] = set()


def warn_moved_block(store: CallStore, call: CallKey, filename: str) -> None:
    """Warn if ``call`` (a block's, missed: about to be computed) is stored as a call of
    the same code version at another line of the same function, near the block's, and no
    block of that code is at that line of ``filename`` now."""
    place = _PLACE.fullmatch(call.identity)
    if place is None:
        return
    mark = (store.path, call.identity, call.version)
    if mark in _WARNED or _MISSES[mark] >= _PROBED:
        return
    _MISSES[mark] += 1
    where, line = place.group(1), int(place.group(2))
    lines = sorted(
        (n for n in range(max(1, line - _WINDOW), line + _WINDOW + 1) if n != line),
        key=lambda n: (abs(n - line), n),
    )
    try:
        keys = identity_keys(
            [f"block:{where}@{n}" for n in lines],
            call.version,
            call.arguments,
            array_keys=call.array_keys,
        )
        found = store.find_many([(call.prefix, key, call.parameters) for key in keys])
        for old, result in zip(lines, found, strict=True):
            if not result.hit:
                continue
            source = with_statement_source(filename, old)
            if source is not None and source_version(source) == call.version:
                continue  # a block of this code is still there: another block, not moved
            _WARNED.add(mark)
            _warn(line, f"block:{where}@{old}", os.path.basename(filename), store.path)
            return
    except Exception:  # a damaged store is the call protocol's business, not a warning's
        return


def _warn(line: int, other: str, filename: str, store: str) -> None:
    old = other.rpartition("@")[2]
    warnings.warn(
        MovedBlockWarning(
            f"the block at line {line} of {filename} finds no result for these parameters, "
            f"but the same code stored one at line {old} ({other}), so it is computed "
            f"again: a block is named by the line of its with, and lines added or removed "
            f"above it moved it. Move it back to line {old} and its results answer again; "
            f"give it a name (archived(path, name='...', ...)) to keep its results when "
            f"the code around it moves. The results of line {old} stay in the store: "
            f"archived prune {store} --function '{other}' --yes deletes them",
            other,
        ),
        stacklevel=user_stacklevel(),
    )
