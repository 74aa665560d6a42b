"""The ``--allow MODULE`` advice of ``show``, ``export`` and ``verify`` on an entry that a
safe load refused for its module names the file that option would import: the module is
named by the store's own text, and a store someone sent may bring a file of that name
beside it (``got/labmodels_r32.py``, run from ``got``).  The file is found without
importing it; the command runs nothing."""

from __future__ import annotations

import os
import subprocess
import sys

from archived.cli import main

LABMODELS = """
open({marker!r}, "a").write("ran")


class Run:
    def __init__(self, x):
        self.x = x
"""


def _sent_folder(tmp_path):
    """``got``: the store ``runs`` holding ``run``, a ``labmodels_r32.Run``, and beside it
    the ``labmodels_r32.py`` that made it, which writes ``tmp_path/ran`` when run."""
    import archived as package

    got = tmp_path / "got"
    got.mkdir()
    marker = tmp_path / "ran"
    (got / "labmodels_r32.py").write_text(LABMODELS.format(marker=str(marker)))
    src = os.path.dirname(os.path.dirname(os.path.abspath(package.__file__)))
    code = (
        "import archived, labmodels_r32\n"
        "ds = archived.DataSet('runs', 'w', path='.')\n"
        "ds.run = labmodels_r32.Run(3)\n"
    )
    env = {**os.environ, "PYTHONPATH": src}
    subprocess.run([sys.executable, "-c", code], cwd=got, env=env, check=True)
    marker.unlink()
    return got


def test_the_allow_advice_names_the_file_that_allow_would_import(tmp_path, capsys, monkeypatch):
    got = _sent_folder(tmp_path)
    monkeypatch.chdir(got)
    assert main(["show", "runs", "run"]) != 0
    err = capsys.readouterr().err
    file = str(got / "labmodels_r32.py")
    assert (
        f"`archived show --allow labmodels_r32` lets it rebuild that module's classes "
        f"(it imports {file!r}), if it is your own module" in err
    )
    assert "labmodels_r32" not in sys.modules and not (tmp_path / "ran").exists()


def test_the_allow_advice_where_no_file_of_the_module_is_found_names_none(
    tmp_path, capsys, monkeypatch
):
    got = _sent_folder(tmp_path)
    (got / "labmodels_r32.py").unlink()
    monkeypatch.chdir(got)
    assert main(["show", "runs", "run"]) != 0
    err = capsys.readouterr().err
    assert "--allow labmodels_r32` lets it rebuild that module's classes, if it is" in err
    assert not (tmp_path / "ran").exists()
