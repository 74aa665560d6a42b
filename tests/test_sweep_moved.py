"""A sweep of a function moved to another module says that its points are stored under
the old name: keys hold the module, so after the move every point was computed again
with no word, while the old results sat in the store under ``name=``'s reach."""

from __future__ import annotations

import importlib
import sys
import warnings

import pytest

from archived import MovedFunctionWarning, sweep

CODE = """\
from archived import archived

RUNS = []


@archived({path!r}{extra})
def simulate(mu, n=10):
    RUNS.append(mu)
    return mu * n
"""


@pytest.fixture
def modules(tmp_path):
    """write(module, extra='', body=CODE) -> the module, imported from tmp_path."""
    sys.path.insert(0, str(tmp_path))
    written: list[str] = []

    def write(module, extra="", body=CODE):
        store = str(tmp_path / "store" / "runs")
        (tmp_path / f"{module}.py").write_text(body.format(path=store, extra=extra))
        written.append(module)
        return importlib.import_module(module)

    yield write
    sys.path.remove(str(tmp_path))
    for module in written:
        sys.modules.pop(module, None)


def test_a_sweep_of_a_moved_function_names_its_old_name_and_name_finds_the_results(modules):
    old = modules("expt_before_move")
    sweep(old.simulate, {"mu": [1.0, 2.0]}, progress=False)
    moved = modules("expt_after_move")
    with pytest.warns(MovedFunctionWarning) as caught:
        assert sweep(moved.simulate, {"mu": [1.0, 2.0, 3.0]}, progress=False) == [10, 20, 30]
    [warning] = caught
    assert warning.message.identity == "expt_before_move.simulate"
    assert "2 of the 3 points to compute are stored as calls of expt_before_move.simulate" in (
        str(warning.message)
    )
    assert "name='expt_before_move.simulate'" in str(warning.message)
    named = modules("expt_named_after_move", extra=", name='expt_before_move.simulate'")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sweep(named.simulate, {"mu": [1.0, 2.0]}, progress=False) == [10, 20]
    assert named.RUNS == []  # what the warning advised: the old results answer


def test_a_function_of_another_code_with_the_same_name_is_not_taken_for_a_moved_one(modules):
    other = modules("expt_other_code", body=CODE.replace("mu * n", "mu * n + 1"))
    sweep(other.simulate, {"mu": [1.0, 2.0]}, progress=False)
    mine = modules("expt_mine")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sweep(mine.simulate, {"mu": [1.0, 2.0]}, progress=False) == [10, 20]
    assert mine.RUNS == [1.0, 2.0]


def test_a_moved_function_with_other_parameters_stored_is_not_warned_about(modules):
    old = modules("expt_old_grid")
    sweep(old.simulate, {"mu": [1.0, 2.0]}, progress=False)
    moved = modules("expt_new_grid")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sweep(moved.simulate, {"mu": [5.0]}, progress=False) == [50]


NESTED = """\
from archived import archived


def make():
    @archived({path!r}{extra})
    def simulate(mu):
        return mu

    return simulate
"""


def test_a_nested_function_is_never_named_as_moved(modules):
    # name= cannot take a nested function's identity (it holds the line of its def), so
    # a maker moved to another module gets no advice to name it
    first = modules("expt_nested_before", body=NESTED).make()
    second = modules("expt_nested_after", body=NESTED).make()
    assert (first.version, first.prefix) == (second.version, second.prefix)
    sweep(first, {"mu": [1.0]}, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sweep(second, {"mu": [1.0]}, progress=False) == [1.0]
