"""Adding a parameter to a cached function, even with a default, gives every call a new
key (a key holds the arguments bound with defaults applied), so pinning ``version=``
cannot bring the results stored before it back as hits: nothing tells that they
computed what the new default computes.  They stay in the store, listed and loadable,
as the README says ("After an edit")."""

from __future__ import annotations

import importlib
import sys

import pytest

from archived import archived

BEFORE = "def simulate(mu):\n    return 2 * mu\n"
AFTER = "def simulate(mu, scale=2):\n    return scale * mu\n"


@pytest.fixture
def edit(tmp_path, monkeypatch):
    """A module ``added_param_exp`` holding BEFORE; calling the fixture's result rewrites
    it as AFTER and returns the reloaded module."""
    monkeypatch.syspath_prepend(str(tmp_path))
    source = tmp_path / "added_param_exp.py"
    source.write_text(BEFORE)
    module = importlib.import_module("added_param_exp")

    def edited():
        source.write_text(AFTER)
        return importlib.reload(module)

    yield module, edited
    sys.modules.pop("added_param_exp", None)


def test_a_parameter_added_with_a_default_makes_old_calls_misses_even_with_the_version_pinned(
    tmp_path, edit
):
    module, edited = edit
    store = str(tmp_path / "runs")
    archived(store, version="1")(module.simulate)(5)
    new = archived(store, version="1")(edited().simulate)
    assert not new.is_cached(5) and not new.is_cached(5, scale=2)
    # the old call stays listed with its new parameter empty, and loads
    assert new.table(frame=False) == [{"mu": 5, "result": 10}]
    [old] = new.where(mu=5)
    assert old.load() == 10 and old.parameters == {"mu": 5}


def test_results_stored_before_an_added_parameter_are_listed_as_stale_without_a_pin(
    tmp_path, edit
):
    module, edited = edit
    store = str(tmp_path / "runs")
    old = archived(store)(module.simulate)
    old(5)
    new = archived(store)(edited().simulate)
    assert not new.is_cached(5) and new.table(frame=False) == []
    [stale] = new.stale()
    assert stale.parameters == {"mu": 5} and stale.load() == 10
    assert new.prune_stale() == 1 and new.stale() == []
