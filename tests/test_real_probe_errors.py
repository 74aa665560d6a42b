"""A look at a place that is not the user's store (a StorePathWarning's check for a store
an earlier archived left elsewhere, the command line's hint of the stores a folder
holds) takes a store whose loader the disk fails to read (tests/faultinject.c) for no
store there: it must not fail the user's call.  The store actually used still raises
StoreReadError on such a read."""

import errno
import os

import pytest

import faultshim
from archived.store.dataset import DataSet

READS = ["read", "open", "stat"]


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return faultshim.build(tmp_path_factory.mktemp("faultlib"))


RESOLVE = """
import os, sys, json, warnings
from archived.cache.storepath import resolve_store_path
os.chdir(sys.argv[1])
arm(0)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    try:
        out = resolve_store_path("results/runs", sys.argv[2])
    except Exception as err:
        out = [type(err).__name__, str(err)]
print(json.dumps([out, counted()[1], [str(w.message) for w in caught]]))
"""


def test_a_store_where_0_1_put_it_that_cannot_be_read_fails_no_call(library, tmp_path):
    # @archived("results/runs") in project/experiment.py, run from tmp_path where
    # archived 0.1 made results/runs: its loader unreadable raised StoreReadError out of
    # the decorator, for a store the call does not use
    project = tmp_path / "project"
    project.mkdir()
    DataSet("runs", "w", path=str(tmp_path / "results"))
    old = tmp_path / "results" / "runs"
    out, failed, told = faultshim.run(
        library, RESOLVE, old, READS, code=errno.EIO, args=(tmp_path, project / "experiment.py")
    )
    assert failed
    assert out == str(project / "results" / "runs") and told == []


DEFAULT = """
import os, sys, json
sys.path.insert(0, sys.argv[1])
from archived.cache.storepath import default_store_path
import sim
arm(0)
try:
    out = default_store_path(sim.run)
except Exception as err:
    out = [type(err).__name__, str(err)]
print(json.dumps([out, counted()[1]]))
"""


def test_the_default_store_looks_past_an_unreadable_earlier_one_only_when_it_exists(
    library, tmp_path
):
    # a bare @archived in sim.py keeps its results in archived_results/sim_results; a
    # store at archived_results/sim (an earlier archived's name) is looked at for a
    # warning.  Unreadable, it failed the call though sim_results is the store used
    (tmp_path / "sim.py").write_text("def run(x):\n    return x\n")
    results = tmp_path / "archived_results"
    DataSet("sim_results", "w", path=str(results))
    DataSet("sim", "w", path=str(results))
    earlier = results / "sim"
    args = (tmp_path,)
    out, failed = faultshim.run(library, DEFAULT, earlier, READS, code=errno.EIO, args=args)
    assert failed and out == str(results / "sim_results")
    # with no sim_results, which store is used turns on that look: told, never taken
    # for no store (a new store made beside the unreadable one)
    os.rename(results / "sim_results", tmp_path / "moved")
    (kind, message), failed = faultshim.run(
        library, DEFAULT, earlier, READS, code=errno.EIO, args=args
    )
    assert kind == "StoreReadError" and str(earlier / "__init__.py") in message
    assert not (results / "sim_results").exists()


CLI = """
import sys, json, io, contextlib
from archived.cli import main
arm(0)
err, out = io.StringIO(), io.StringIO()
with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
    code = main(sys.argv[2:])
print(json.dumps([code, err.getvalue(), counted()[1]]))
"""


def test_the_hint_of_the_stores_a_folder_holds_skips_one_that_cannot_be_read(library, tmp_path):
    # `archived ls FOLDER` of a folder holding stores names them; one of them with an
    # unreadable loader made the command fail with its read error
    DataSet("good", "w", path=str(tmp_path))
    bad = DataSet("bad", "w", path=str(tmp_path))
    code, err, failed = faultshim.run(
        library, CLI, bad._path, READS, code=errno.EIO, args=(tmp_path, "ls", tmp_path)
    )
    assert failed and code == 1
    assert "is not a store but holds the stores good;" in err, err
    assert "could not read" not in err


def test_a_store_given_whose_loader_cannot_be_examined_is_a_read_error_not_no_store(
    library, tmp_path
):
    # the command line looked for the store's __init__.py with os.path.isfile, which
    # takes an EIO for no file: "no store at ...: the directory holds no store"
    ds = DataSet("s", "w", path=str(tmp_path))
    ds.x = 1
    code, err, failed = faultshim.run(
        library, CLI, ds._path, ["stat"], code=errno.EIO, match="/__init__.py",
        args=(tmp_path, "ls", "-l", ds._path),
    )  # fmt: skip
    assert failed and code == 1
    assert f"could not read {os.path.join(ds._path, '__init__.py')!r}" in err, err
    assert "no store" not in err


def test_the_default_store_that_cannot_be_examined_is_a_read_error_not_the_earlier_one(
    library, tmp_path
):
    # both sim_results and an earlier archived's sim exist: a stat of sim_results that
    # the disk fails was taken for no store there (os.path.exists), and the call's
    # results went to the earlier store
    (tmp_path / "sim.py").write_text("def run(x):\n    return x\n")
    results = tmp_path / "archived_results"
    DataSet("sim_results", "w", path=str(results))
    DataSet("sim", "w", path=str(results))
    store = results / "sim_results"
    out, failed = faultshim.run(
        library, DEFAULT, results, ["stat"], code=errno.EIO, match="/sim_results",
        args=(tmp_path,),
    )  # fmt: skip
    assert failed and out != str(results / "sim"), "the earlier store took its results"
    kind, message = out
    assert kind == "StoreReadError" and f"could not read {str(store)!r}" in message
