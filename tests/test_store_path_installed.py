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
