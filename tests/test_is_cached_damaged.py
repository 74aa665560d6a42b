"""``f.is_cached(x)`` says whether calling ``f(x)`` would load a stored result, and is a
query: of a damaged entry, which the call sets aside before computing, it answers False
and changes nothing on disk (it raised DamagedEntryError, or answered True of a value
that does not load)."""

import os

import pytest

from archived import archived
from archived.errors import DamagedEntryWarning


def _files(store):
    found = {}
    for folder, _, names in os.walk(store):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                found[os.path.relpath(path, store)] = f.read()
    return found


@pytest.fixture
def triple(tmp_path):
    store = str(tmp_path / "runs")

    @archived(store)
    def triple(x):
        return [3 * x] * 3

    for x in (1, 2, 3):
        triple(x)
    names = {triple.dataset[n]["parameters"]["x"]: n for n in triple.dataset}
    return triple, store, names


def _rewrite(store, name, change):
    path = os.path.join(store, name + ".py")
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(change(text))


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text.replace("'function':", "'function': (", 1),  # its info
        lambda text: text[: text.rindex("[")] + "[6, 6\n",  # its value, cut short
    ],
    ids=["info", "value"],
)
def test_is_cached_of_a_damaged_entry_is_false_and_changes_nothing(triple, damage):
    f, store, names = triple
    _rewrite(store, names[2], damage)
    before = _files(store)
    assert f.is_cached(2) is False  # the call would not load it: it computes
    assert f.is_cached(1) and f.is_cached(3)
    assert _files(store) == before  # a query: nothing set aside, nothing written
    with pytest.warns(DamagedEntryWarning):
        assert f(2) == [6, 6, 6]  # the call sets it aside and computes
    assert f.is_cached(2)
