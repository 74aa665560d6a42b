"""A store whose ``.damaged`` is not a folder of its own (a regular file someone put
there, or a link to a folder elsewhere) cannot take a damaged entry aside.  A cached call
on such an entry raised UnsafeFileError before computing: nothing was lost, but the user
got no result.  Now the call computes and returns its result, warns that the damaged
entry could not be moved aside and stays in place, and stores nothing over it: the
damaged entry's files, the ``.damaged`` file and the folder a link names are untouched."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

from archived import archived
from archived.errors import DamagedEntryWarning, ResultNotStoredWarning

COMPUTED = []


def arange(n):
    COMPUTED.append(n)
    return np.arange(float(n))


def _files(folder):
    """Name -> bytes of the regular files directly in ``folder``."""
    found = {}
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if os.path.isfile(path) and not os.path.islink(path):
            with open(path, "rb") as f:
                found[name] = f.read()
    return found


@pytest.mark.parametrize("planted", ["file", "link"])
def test_a_call_on_a_damaged_entry_returns_its_result_when_damaged_is_no_folder(tmp_path, planted):
    store = str(tmp_path / "runs")
    COMPUTED.clear()
    f = archived(store, version="1")(arange)
    f(400)
    [entry] = [n for n in os.listdir(store) if n.startswith("arange_") and n.endswith(".py")]
    with open(os.path.join(store, entry), "a") as out:
        out.write("x = (\n")  # a typo of a hand edit: the entry is damaged
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    damaged_dir = os.path.join(store, ".damaged")
    if planted == "file":
        with open(damaged_dir, "w") as out:
            out.write("my notes on what went wrong\n")
    else:
        os.symlink(elsewhere, damaged_dir)
    before = _files(store)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = f(400)
    assert np.array_equal(result, np.arange(400.0)) and COMPUTED == [400, 400]
    [aside] = [w.message for w in caught if isinstance(w.message, DamagedEntryWarning)]
    assert "could not be moved aside" in str(aside) and "'.damaged'" in str(aside)
    assert "stays in place" in str(aside) and "move '.damaged' out of the store" in str(aside)
    [unstored] = [w.message for w in caught if isinstance(w.message, ResultNotStoredWarning)]
    assert "was computed but not stored" in str(unstored)
    assert _files(store) == before  # the damaged entry and its data file, byte for byte
    assert os.listdir(elsewhere) == []
    if planted == "file":
        with open(damaged_dir) as f_in:
            assert f_in.read() == "my notes on what went wrong\n"
