"""A relative store path in code installed with ``pip install .`` puts the store inside
site-packages, which a new environment does not keep: a StorePathWarning says so."""

import site
import sys
import textwrap
import warnings

import pytest

from archived import StorePathWarning

MODULE = textwrap.dedent(
    """
    from archived import archived

    @archived("../results/runs")
    def simulate(mu):
        return 2 * mu

    @archived
    def bare(mu):
        return 3 * mu
    """
)


def _import(folder, name, monkeypatch):
    (folder / name).mkdir(parents=True)
    (folder / name / "__init__.py").write_text("")
    (folder / name / "sim.py").write_text(MODULE)
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.delitem(sys.modules, f"{name}.sim", raising=False)
    monkeypatch.delitem(sys.modules, name, raising=False)
    return __import__(f"{name}.sim").sim


def test_a_relative_store_of_installed_code_is_said_to_be_inside_the_installation(
    tmp_path, monkeypatch
):
    # the results of an experiment package installed without -e went into
    # site-packages/results/runs, without a word, and left with the environment
    installed = tmp_path / "venv" / "site-packages"
    monkeypatch.setattr(site, "getsitepackages", lambda: [str(installed)])
    monkeypatch.delenv("ARCHIVED_DIR", raising=False)
    with pytest.warns(StorePathWarning) as caught:
        sim = _import(installed, "installedexp", monkeypatch)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 2  # the path given, and bare @archived's default
    store = installed / "results" / "runs"
    assert caught[0].message.store == str(store) and caught[0].message.other is None
    assert f"so the store is {store}, inside the Python installation" in messages[0]
    assert "pip install -e ." in messages[0] and "ARCHIVED_DIR" in messages[1]
    assert sim.simulate(2) == 4  # a warning, not a refusal: the result is stored there
    assert sim.simulate.is_cached(2)


def test_a_relative_store_of_a_project_s_code_gives_no_warning(tmp_path, monkeypatch):
    monkeypatch.setattr(site, "getsitepackages", lambda: [str(tmp_path / "venv")])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sim = _import(tmp_path / "project", "projectexp", monkeypatch)
        assert sim.simulate(2) == 4
    assert sim.simulate.dataset._path == str(tmp_path / "project" / "results" / "runs")


LIBRARY = "def spectrum(n):\n    return list(range(n))\n"


def _library(tmp_path, monkeypatch):
    """A module installed in (a stand-in for) site-packages: a library's code."""
    installed = tmp_path / "venv" / "site-packages"
    (installed / "speclib").mkdir(parents=True)
    (installed / "speclib" / "__init__.py").write_text(LIBRARY)
    monkeypatch.setattr(site, "getsitepackages", lambda: [str(installed)])
    monkeypatch.syspath_prepend(str(installed))
    monkeypatch.delitem(sys.modules, "speclib", raising=False)
    return installed


def test_a_library_function_cached_in_a_notebook_keeps_its_store_in_the_working_directory(
    tmp_path, monkeypatch
):
    # archived("results/eig")(np.linalg.eigvalsh) typed in a notebook, as joblib's
    # memory.cache(np.linalg.eigvalsh), put its store in numpy's installed folder
    installed = _library(tmp_path, monkeypatch)
    notebook = tmp_path / "notebooks"
    notebook.mkdir()
    monkeypatch.chdir(notebook)
    namespace = {"__name__": "__main__"}
    cell = (
        "import speclib\nfrom archived import archived\n"
        "cached = archived('results/eig')(speclib.spectrum)\n"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing inside the installation: no warning
        exec(compile(cell, "<stdin>", "exec"), namespace)
        assert namespace["cached"](3) == [0, 1, 2]
    assert namespace["cached"].store.path == str(notebook / "results" / "eig")
    assert not (installed / "speclib" / "results").exists()


def test_a_library_function_cached_by_a_script_keeps_its_store_beside_the_script(
    tmp_path, monkeypatch
):
    from archived import DataSet

    installed = _library(tmp_path, monkeypatch)
    project = tmp_path / "project"
    project.mkdir()
    (project / "analysis.py").write_text(
        "import speclib\nfrom archived import archived\n"
        "cached = archived('results/eig')(speclib.spectrum)\n"
    )
    monkeypatch.syspath_prepend(str(project))
    monkeypatch.delitem(sys.modules, "analysis", raising=False)
    monkeypatch.chdir(tmp_path)
    # a store that earlier versions made inside the library's folder for this path
    old = installed / "speclib" / "results" / "eig"
    DataSet("eig", "w", path=str(old.parent)).kept = 1
    with pytest.warns(StorePathWarning, match="a store exists at") as caught:
        import analysis
    assert caught[0].message.other == str(old)
    assert analysis.cached.store.path == str(project / "results" / "eig")
    assert analysis.cached(2) == [0, 1] and DataSet("eig", path=str(old.parent)).kept == 1
