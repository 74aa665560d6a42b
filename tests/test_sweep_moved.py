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


def test_a_sweep_of_a_moved_function_names_its_old_name_and_name_finds_the_results(
    modules, tmp_path
):
    old = modules("expt_before_move")
    sweep(old.simulate, {"mu": [1.0, 2.0]}, progress=False)
    (tmp_path / "expt_before_move.py").unlink()  # the move: the function is defined
    del sys.modules["expt_before_move"]  # in its new module only
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


SCALED = CODE.replace("mu * n", "mu * n * SCALE").replace(
    "RUNS = []", "SCALE = {scale}\nRUNS = []"
)


@pytest.mark.parametrize("loaded", [True, False])
def test_a_twin_function_still_defined_elsewhere_is_never_named_as_the_old_name(modules, loaded):
    # two experiments with the same code reading another global: following the advice,
    # name='expt_scale_one.simulate' answered expt_scale_two's points with the other
    # function's results (10, 20 for 20, 40).  The other is still defined, in a module
    # loaded here or in a file on sys.path (a script run earlier): it did not move
    one = modules("expt_scale_one", body=SCALED.replace("{scale}", "1"))
    sweep(one.simulate, {"mu": [1.0, 2.0]}, progress=False)
    if not loaded:
        del sys.modules["expt_scale_one"]
    two = modules("expt_scale_two", body=SCALED.replace("{scale}", "2"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sweep(two.simulate, {"mu": [1.0, 2.0]}, progress=False) == [20, 40]


def test_a_module_imported_by_another_path_is_named_as_such_in_the_warning(tmp_path):
    # nothing moved: proj/expt_path.py run beside it is module expt_path, and under
    # python -m proj.<script> it is proj.expt_path; the warning said only "if the
    # function moved from there"
    package = tmp_path / "proj"
    package.mkdir()
    (package / "__init__.py").write_text("")
    store = str(tmp_path / "store" / "runs")
    (package / "expt_path.py").write_text(CODE.format(path=store, extra=""))
    sys.path.insert(0, str(package))
    try:
        beside = importlib.import_module("expt_path")
        sweep(beside.simulate, {"mu": [1.0, 2.0]}, progress=False)
    finally:
        sys.path.remove(str(package))
        sys.modules.pop("expt_path", None)
    sys.path.insert(0, str(tmp_path))
    try:
        above = importlib.import_module("proj.expt_path")
        with pytest.warns(MovedFunctionWarning) as caught:
            sweep(above.simulate, {"mu": [1.0, 2.0]}, progress=False)
    finally:
        sys.path.remove(str(tmp_path))
        for module in ("proj.expt_path", "proj"):
            sys.modules.pop(module, None)
    [warning] = caught
    text = str(warning.message)
    assert "imported as module proj.expt_path, not expt_path" in text
    assert "name='expt_path.simulate'" in text
