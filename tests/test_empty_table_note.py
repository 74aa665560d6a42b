"""An empty ``func.table()`` or ``func.where()`` says where the function's results are
when the store holds them under another code version or another name: after an edit
(even a comment) or a renamed module, both listed nothing and said nothing, while every
earlier result sat in the store beside them."""

from __future__ import annotations

import importlib
import sys
import warnings

import pytest

from archived import MovedFunctionWarning, StaleVersionWarning, archived

CODE = """\
from archived import archived


@archived({path!r})
def simulate(mu, n=10):
    return mu * n{comment}
"""


def as_edited(store, func, version, **options):
    """``func`` decorated as after an edit of its source: its version ``version``, as a
    digest of the source would be, not given with ``version=`` (which says the results
    change, and gets no advice to pin the old version)."""
    edited = archived(str(store), **options)(func)
    edited.version = version
    return edited


@pytest.fixture
def modules(tmp_path):
    """write(module, comment='') -> the module, imported from tmp_path."""
    sys.path.insert(0, str(tmp_path))
    written: list[str] = []

    def write(module, comment=""):
        store = str(tmp_path / "store" / "runs")
        (tmp_path / f"{module}.py").write_text(CODE.format(path=store, comment=comment))
        written.append(module)
        sys.modules.pop(module, None)
        importlib.invalidate_caches()
        return importlib.import_module(module)

    yield write
    sys.path.remove(str(tmp_path))
    for module in written:
        sys.modules.pop(module, None)


def test_an_empty_table_after_an_edit_names_stale_and_the_version_to_pin(tmp_path):
    def simulate(mu, n=10):
        return mu * n

    old = archived(str(tmp_path / "s"), version="v1")(simulate)
    old(1.0), old(2.0)
    edited = as_edited(tmp_path / "s", simulate, "v2")
    with pytest.warns(StaleVersionWarning) as caught:
        assert edited.table(frame=False) == []
    [warning] = caught
    message = str(warning.message)
    assert "simulate has no stored call of its current code (version v2)" in message
    assert "2 of version v1" in message and "simulate.stale()" in message
    assert "version='v1'" in message and warning.message.version == "v1"
    with pytest.warns(StaleVersionWarning):
        assert edited.where(mu=1.0) == []
    pinned = archived(str(tmp_path / "s"), version="v1")(simulate)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # what the warning advised: they answer again
        assert [row["result"] for row in pinned.table(frame=False)] == [10.0, 20.0]
        assert pinned.where(mu=3.0) == []  # calls of this version: criteria matched none


def test_an_empty_table_after_the_module_is_renamed_names_the_old_name(modules, tmp_path):
    old = modules("expt_table_before")
    old.simulate(1.0)
    (tmp_path / "expt_table_before.py").unlink()  # renamed: defined in the new one only
    del sys.modules["expt_table_before"]
    renamed = modules("expt_table_after")
    with pytest.warns(MovedFunctionWarning) as caught:
        assert renamed.simulate.table(frame=False) == []
    [warning] = caught
    assert warning.message.identity == "expt_table_before.simulate"
    assert "name='expt_table_before.simulate'" in str(warning.message)
    assert "has 1" in str(warning.message)


def test_an_empty_table_of_a_function_with_no_call_anywhere_says_nothing(modules, tmp_path):
    first = modules("expt_table_alone")
    first.simulate(1.0)
    other = modules("expt_table_other", comment="  # another code")  # another version
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert other.simulate.table(frame=False) == []
        assert other.simulate.where() == []
    # a function of the same code still defined is another function, not a moved one
    twin = modules("expt_table_twin")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert twin.simulate.table(frame=False) == []


def test_an_empty_table_after_a_parameter_was_added_does_not_advise_pinning(tmp_path):
    # pinning the old version cannot make calls recorded without the new parameter hits
    # (README: "Adding a parameter ... is not such an edit")
    def before(mu, n=10):
        return mu * n

    def after(mu, n=10, seed=0):
        return mu * n + seed

    archived(str(tmp_path / "s"), name="m.simulate", version="v1")(before)(1.0)
    edited = as_edited(tmp_path / "s", after, "v2", name="m.simulate")
    with pytest.warns(StaleVersionWarning) as caught:
        assert edited.table(frame=False) == []
    message = str(caught[0].message)
    assert "1 of version v1" in message and "simulate.stale()" in message
    assert "pinning a version cannot make it answer" in message and "version='" not in message


def test_an_empty_table_after_a_notebook_cell_was_edited_says_it_is_another_function(
    tmp_path,
):
    # a function typed in a cell is keyed by its code: after an edit of the cell, its
    # table was empty and said nothing of the earlier definition's calls beside it
    store = str(tmp_path / "nb")
    namespace = {"archived": archived, "store": store, "__name__": "__main__"}
    cell = "@archived(store)\ndef f(x):\n    return x + 1\n"
    exec(compile(cell, "<stdin>", "exec"), namespace)
    namespace["f"](1), namespace["f"](2)
    exec(compile(cell.replace("+ 1", "+ 2"), "<stdin>", "exec"), namespace)
    with pytest.warns(UserWarning, match="keeps 2 calls of 1 other definition") as caught:
        assert namespace["f"].table(frame=False) == []
    assert "an edited cell is another function" in str(caught[0].message)
    exec(compile(cell, "<stdin>", "exec"), namespace)  # the earlier cell run again
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [row["result"] for row in namespace["f"].table(frame=False)] == [2, 3]


def test_a_sweep_status_after_an_edit_says_its_missing_points_are_stored_by_the_old_version(
    tmp_path,
):
    # every point read missing, with no word, where the sweep itself warns
    from archived import sweep, sweep_status

    def double(x):
        return 2 * x

    sweep(archived(str(tmp_path / "s"), version="v1")(double), {"x": [1, 2]}, progress=False)
    edited = as_edited(tmp_path / "s", double, "v2")
    with pytest.warns(StaleVersionWarning, match="version='v1'") as caught:
        status = sweep_status(edited, {"x": [1, 2, 3]})
    assert [p.state for p in status] == ["missing"] * 3
    assert "2 of the 3 points" in str(caught[0].message)


def test_a_sweep_status_of_numbers_typed_otherwise_names_the_stored_calls(tmp_path):
    # a sweep over np.linspace stores float64 points; the status of the same grid typed
    # as Python floats read every point missing, with no word, where a sweep warns
    import numpy as np

    from archived import NumericTypeWarning, sweep, sweep_status

    f = archived(str(tmp_path / "s"))(lambda T, n: T * n)
    sweep(f, {"T": np.linspace(0, 1, 3), "n": [2]}, progress=False)
    with pytest.warns(NumericTypeWarning, match=r"pass T as numpy\.float64") as caught:
        status = sweep_status(f, {"T": [0.0, 0.5, 1.0], "n": [2]})
    assert [p.state for p in status] == ["missing"] * 3
    assert len([w for w in caught if w.category is NumericTypeWarning]) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a grid of the stored types: done, no word
        assert sweep_status(f, {"T": np.linspace(0, 1, 3), "n": [2]}).counts()["done"] == 3


def test_an_empty_table_after_version_is_bumped_never_advises_pinning_the_old_version_back(
    tmp_path,
):
    def simulate(mu, n=10):
        return mu * n

    archived(str(tmp_path / "s"), version="v1")(simulate)(1.0)
    bumped = archived(str(tmp_path / "s"), version="v2")(simulate)
    with pytest.warns(StaleVersionWarning) as caught:
        assert bumped.table(frame=False) == []
    message = str(caught[0].message)
    assert "version='v2' is given" in message and "simulate.prune_stale()" in message
    assert "version='v1'" not in message and "pin" not in message
