"""A bare ``@archived`` names its store apart from the module its functions live in, so
importing the store to browse results never takes the module's place; a store an
earlier archived made under the module's own name is still found and used."""

import os
import textwrap
import warnings

import pytest

from archived import DataSet
from archived.cache.storepath import default_store_path
from archived.errors import StorePathWarning
from helpers import run_python

SIM = """
import dataclasses
from archived import archived

@dataclasses.dataclass
class Result:
    energy: float

@archived
def run(mu):
    print("computed", mu)
    return Result(mu * 2)
"""

BROWSE = """
import sys
sys.path.insert(0, "archived_results")
import sim, sim_results
print(sim.__file__ == sys.argv[1], sim.Result.__name__)
print([getattr(sim_results, n) for n in dir(sim_results) if n.startswith("run_")])
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "sim.py").write_text(textwrap.dedent(SIM))
    monkeypatch.delenv("ARCHIVED_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_store_imported_to_browse_leaves_the_module_its_results_need_in_place(project):
    # archived_results/sim, imported as the README does, was `sim`: the entries' own
    # `from sim import Result` found the store, and `import sim` no longer found sim.py
    assert run_python("-c", "import sim; print(sim.run(1.5))").returncode == 0
    assert sorted(os.listdir(project / "archived_results")) == ["sim_results"]
    (project / "browse.py").write_text(BROWSE)
    run = run_python("browse.py", str(project / "sim.py"))
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["True Result", "[Result(energy=3.0)]"]


def test_a_store_made_under_the_module_name_is_still_read_and_written(project):
    # made by an earlier archived: its results answer, and nothing is made beside it
    earlier = project / "archived_results" / "sim"
    assert run_python("-c", "import sim; print(sim.run(1.5))").returncode == 0
    (project / "archived_results" / "sim_results").rename(earlier)
    run = run_python("-c", "import sim; print(sim.run(1.5)); print(sim.run(2.0))")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["Result(energy=3.0)", "computed 2.0", "Result(energy=4.0)"]
    assert sorted(os.listdir(project / "archived_results")) == ["sim"]
    assert len(DataSet("sim", path=str(project / "archived_results"))) == 2
    assert "StorePathWarning" not in run.stderr


def test_both_default_stores_present_says_which_one_is_read(tmp_path, monkeypatch):
    monkeypatch.setenv("ARCHIVED_DIR", str(tmp_path))

    def h(x):
        return x

    DataSet("test_default_store_name", "w", path=str(tmp_path)).x = 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert default_store_path(h) == str(tmp_path / "test_default_store_name")
    DataSet("test_default_store_name_results", "w", path=str(tmp_path)).x = 1
    with pytest.warns(StorePathWarning, match="whose results this function does not read"):
        path = default_store_path(h)
    assert path == str(tmp_path / "test_default_store_name_results")


def test_a_new_store_named_like_its_functions_module_is_warned_about_once(project):
    # @archived("results/sim") in sim.py: importing the store to browse, as the README
    # does, took sim's place, with no word when the store was made
    (project / "sim.py").write_text(
        textwrap.dedent(SIM).replace("@archived\n", '@archived("results/sim")\n')
    )
    first = run_python("-c", "import sim; sim.run(1.5)")
    assert first.returncode == 0, first.stderr
    assert "StorePathWarning: the store" in first.stderr
    assert "named like the module sim" in first.stderr and "results/sim_results" in first.stderr
    again = run_python("-c", "import sim; sim.run(1.5)")  # the store exists: kept as named
    assert again.returncode == 0 and "StorePathWarning" not in again.stderr


def test_another_modules_store_is_not_taken_for_an_earlier_one_of_this_module(project):
    # archived_results/sim_results, the name an earlier archived gave module
    # sim_results's store, is module sim's store now: sim_results's functions read and
    # wrote it as their own (a store that holds none of their calls)
    assert run_python("-c", "import sim; sim.run(1.5)").returncode == 0
    (project / "sim_results.py").write_text(textwrap.dedent(SIM))
    run = run_python("-c", "import sim_results; print(sim_results.run.store.path)")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(project / "archived_results" / "sim_results_results")
    # a store of that name that holds its calls is its own, as before
    run = run_python("-c", "import sim_results; sim_results.run(2.5)")
    assert run.returncode == 0, run.stderr
    (project / "archived_results" / "sim_results_results").rename(
        project / "archived_results" / "sim_results_mine"
    )
    (project / "archived_results" / "sim_results").rename(project / "archived_results" / "a")
    (project / "archived_results" / "sim_results_mine").rename(
        project / "archived_results" / "sim_results"
    )
    run = run_python("-c", "import sim_results; print(sim_results.run.store.path)")
    assert run.stdout.strip() == str(project / "archived_results" / "sim_results")
