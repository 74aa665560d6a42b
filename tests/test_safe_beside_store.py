"""A safe load never runs a module found beside the store it reads, in the folder holding
it: a store someone sent comes in a folder of its own (``got/runs`` and ``got/pandas.py``),
and with that folder the working directory of ``python -c`` or a notebook (first on
``sys.path``), or on ``PYTHONPATH``, rebuilding a DataFrame imported its ``pandas.py``,
which ran.  Only a module ``allow=`` names (or one the code of such a module imports
there) is imported from that folder; the command line does the same, by the same check."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from archived import DataSet

pd = pytest.importorskip("pandas")

_LOAD = """
import sys
from archived import BesideStoreError, DataSet
{path}
ds = DataSet("runs", "r", path={parent!r}, safe=True, allow={allow!r})
try:
    value = {read}
except BesideStoreError as err:
    print("refused:", err.module, err.file)
else:
    print("loaded:", type(value).__name__)
"""


def _sent_store(tmp_path, planted="pandas.py"):
    """The folder ``got`` someone sent: the store ``runs`` (a DataFrame ``df``, a float
    ``x``) and, beside it, ``planted`` whose code writes the marker ``tmp_path/ran``."""
    got = tmp_path / "got"
    got.mkdir()
    ds = DataSet("runs", "w", path=str(got))
    ds.df = pd.DataFrame({"a": [1, 2]})
    ds.x = 1.5
    code = f"open({str(tmp_path / 'ran')!r}, 'a').write('ran')\n"
    if planted.endswith(".py"):
        (got / planted).write_text(code)
    else:  # a package
        (got / planted).mkdir()
        (got / planted / "__init__.py").write_text(code)
    return got


def _child(code, cwd, pythonpath=()):
    import archived as package

    src = os.path.dirname(os.path.dirname(os.path.abspath(package.__file__)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, *pythonpath])}
    return subprocess.run(
        [sys.executable, *code], capture_output=True, text=True, env=env, cwd=cwd
    )


@pytest.mark.parametrize("planted", ["pandas.py", "pandas"])
@pytest.mark.parametrize("where", ["the working directory", "a folder put on sys.path"])
def test_a_safe_load_never_runs_a_module_beside_the_store_it_reads(tmp_path, planted, where):
    got = _sent_store(tmp_path, planted)
    if where == "the working directory":  # python -c puts '' first on sys.path
        cwd, path = got, ""
    else:
        cwd, path = tmp_path, f"sys.path.insert(0, {str(got)!r})"
    code = _LOAD.format(path=path, parent=str(got), allow=[], read="ds.df")
    done = _child(["-c", code], cwd)
    assert not (tmp_path / "ran").exists(), done
    file = os.path.join(str(got), "pandas.py" if planted == "pandas.py" else "pandas")
    assert done.stdout.startswith(f"refused: pandas {file}"), done


def test_a_safe_tables_frame_never_imports_a_pandas_beside_the_store(tmp_path):
    # the entry loaded needs no pandas; the table's DataFrame does, imported after it
    got = _sent_store(tmp_path)
    del DataSet("runs", "w", path=str(got)).df
    code = _LOAD.format(path="", parent=str(got), allow=[], read="ds._table()")
    done = _child(["-c", code], got)
    assert not (tmp_path / "ran").exists(), done
    assert done.stdout.startswith("refused: pandas"), done


def test_a_module_beside_the_store_that_allow_names_is_imported(tmp_path):
    # the user's own models.py beside their store, and the helper it imports there
    got = _sent_store(tmp_path)
    (got / "labunits.py").write_text("EV = 2.0\n")
    (got / "labmodels.py").write_text(
        "import dataclasses\nimport labunits\n\n"
        "@dataclasses.dataclass\nclass Run:\n    energy: float\n"
    )
    sys.path.insert(0, str(got))
    try:
        DataSet("runs", "w", path=str(got)).run = __import__("labmodels").Run(-1.5)
    finally:
        sys.path.remove(str(got))
        sys.modules.pop("labmodels", None)
        sys.modules.pop("labunits", None)
    for read, said in (("ds.run", "loaded: Run"), ("ds.df", "refused: pandas")):
        code = _LOAD.format(path="", parent=str(got), allow=["labmodels"], read=read)
        done = _child(["-c", code], got)
        assert done.stdout.startswith(said), done
    assert not (tmp_path / "ran").exists()


def test_the_command_line_never_runs_a_module_beside_the_store_on_pythonpath(tmp_path):
    # __main__ takes the working directory off sys.path, but not a PYTHONPATH entry
    got = _sent_store(tmp_path)
    for argv in (["show", "got/runs", "df"], ["export", "got/runs"]):
        done = _child(["-m", "archived", *argv], tmp_path, [str(got)])
        assert not (tmp_path / "ran").exists(), (argv, done)
        assert f"import of module 'pandas' (its file '{got}{os.sep}pandas.py'" in done.stderr
        # named as the installed pandas: no file of the user's, never advised to --allow
        assert "move it out of that folder" in done.stderr, done.stderr
        assert "--allow" not in done.stderr and "allow=" not in done.stderr, done.stderr


def test_a_package_beside_the_store_holding_an_allowed_module_is_imported(tmp_path):
    # allow=['mylab.models'] imports mylab first (its __init__.py runs), which was refused
    got = _sent_store(tmp_path)
    (got / "mylab").mkdir()
    (got / "mylab" / "__init__.py").write_text("")
    (got / "mylab" / "models.py").write_text(
        "import dataclasses\n\n@dataclasses.dataclass\nclass Run:\n    energy: float\n"
    )
    sys.path.insert(0, str(got))
    try:
        DataSet("runs", "w", path=str(got)).run = __import__("mylab.models").models.Run(-1.5)
    finally:
        sys.path.remove(str(got))
        sys.modules.pop("mylab.models", None)
        sys.modules.pop("mylab", None)
    code = _LOAD.format(path="", parent=str(got), allow=["mylab.models"], read="ds.run")
    done = _child(["-c", code], got)
    assert done.stdout.startswith("loaded: Run"), done
    assert not (tmp_path / "ran").exists()


def test_prune_function_imports_the_users_module_beside_the_store(tmp_path):
    # the module prune --function names is the user's, imported trusted: the check of
    # modules beside a store refused exper.py beside runs/
    got = tmp_path / "project"
    got.mkdir()
    (got / "exper.py").write_text(
        "from archived import archived\n\n@archived('runs')\ndef sim(mu):\n    return 2 * mu\n"
    )
    done = _child(["-c", "import exper; exper.sim(1.0)"], got)
    assert done.returncode == 0, done.stderr
    argv = ["prune", "--stale", "--function", "exper:sim", "runs"]
    done = _child(["-m", "archived", *argv], got, [str(got)])
    assert done.returncode == 0 and "nothing to delete" in done.stdout, done.stderr
