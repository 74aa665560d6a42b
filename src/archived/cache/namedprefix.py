"""The entry-name prefix of a function given ``name=``: what lets a moved function keep
its results.

A call's entry is named ``<prefix>_<16 hex of its key>``.  A function's prefix is made
from its qualified name (``simulate`` for ``experiment.simulate``), and one given
``@archived(path, name=...)`` from that name (``experiment_simulate``).  A function
moved to another module (``sim.simulate``) and given its old identity,
``name="experiment.simulate"`` as ``ls -l`` shows it, has the same keys as before, but
its entries were made under the old prefix: looked up under the name's, they were never
found, and every call was computed again.

So a function given ``name=`` uses its name's prefix, unless the store holds no entry of
that prefix and some of the function's own (its qualified name's): then it uses that
one, and finds the results it made before it moved.  A store that already holds entries
under the name's prefix keeps using it, unless those are another function's (one whose
qualified name is ``experiment_simulate``) and only its own prefix's entries hold its
calls: then it reads the records of both (from the store's index).  An entry of a
prefix is ``<prefix>_<16 hex>`` (and what a collision or a failure adds):
``lab_fit_fast_...``, another function's, is none of the prefix ``lab_fit``'s.  Sharing
a prefix with another function is safe (two modules' ``simulate`` do by default): every
key holds the function's identity and version, and a hit compares the whole key.

>>> import os, tempfile
>>> store = tempfile.mkdtemp()
>>> named_prefix(store, "experiment.simulate", "simulate")  # no entries yet
'experiment_simulate'
>>> open(os.path.join(store, "simulate_0fd56e2a713b316a.py"), "w").close()
>>> named_prefix(store, "experiment.simulate", "simulate")  # made before the move
'simulate'
>>> open(os.path.join(store, "experiment_simulate_1a2b3c4d5e6f7a8b.py"), "w").close()
>>> named_prefix(store, "experiment.simulate", "simulate")
'experiment_simulate'
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

from .funcinfo import entry_prefix

__all__ = ["named_prefix"]


def named_prefix(
    store: str, name: str, own: str, holds: Callable[[str], bool] | None = None
) -> str:
    """The prefix of the entries of a function named ``name`` whose own prefix (from its
    qualified name) is ``own``, in the store directory ``store``: ``name``'s, unless the
    store holds entries of ``own`` and none of ``name``'s (see the module docs).  Reads
    the directory listing only; no entry file is opened.

    Where the store holds entries of both, ``holds(prefix)`` (if given) says whether
    those of ``prefix`` hold calls of this function: another function's prefix may be
    the name's own (one whose qualified name is ``experiment_simulate``), and its
    entries hid the function's own results.  Then ``own`` is taken if only its entries
    hold the function's calls.

    >>> named_prefix("/nonexistent/store", "pkg.Model.fit", "Model_fit")
    'pkg_Model_fit'
    """
    named = entry_prefix(name)
    if named == own:
        return named
    found_named = found_own = False
    try:
        with os.scandir(store) as listing:
            for item in listing:
                file = item.name
                if not file.endswith(".py"):
                    continue
                if _of_prefix(file, named):
                    if holds is None:
                        return named
                    found_named = True
                else:
                    found_own = found_own or _of_prefix(file, own)
                if found_named and found_own:
                    break
    except OSError:  # no store yet (or unreadable: the store reports that itself)
        return named
    if not found_own:
        return named
    if not found_named:
        return own
    assert holds is not None
    return own if not holds(named) and holds(own) else named


def _of_prefix(file: str, prefix: str) -> bool:
    """Whether ``file`` is the entry file of a call (or failure) named with ``prefix``:
    ``<prefix>_<16 hex>``, a collision's ``_<16 hex>`` more, ``_failed``, then ``.py``.
    Only the prefix and an underscore was not enough: ``lab_fit_fast_...``, another
    function's, is not an entry of the prefix ``lab_fit``.

    >>> _of_prefix("lab_fit_0123456789abcdef.py", "lab_fit")
    True
    >>> _of_prefix("lab_fit_fast_0123456789abcdef.py", "lab_fit")
    False
    """
    return file.startswith(prefix) and _CALL_SUFFIX(file, len(prefix)) is not None


_CALL_SUFFIX = re.compile(r"_[0-9a-f]{16}(?:_[0-9a-f]{16})?(?:_failed)?\.py").fullmatch
