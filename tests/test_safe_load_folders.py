"""Which folders' modules a safe load refuses besides the store's: the working directory
always (a notebook or ``python -c`` in a folder below the one someone sent finds its
modules there first, whatever store it reads), and for a data folder that is no store
(``restore(src, datadir='.')``) that folder and the one holding it, but not a folder
below it: a project's ``.venv`` or ``src/``, where the user's allowed modules are
installed, holds no file of a store."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from archived import DataSet, restore

pd = pytest.importorskip("pandas")


def _child(code, cwd):
    import archived as package

    src = os.path.dirname(os.path.dirname(os.path.abspath(package.__file__)))
    env = {**os.environ, "PYTHONPATH": src}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=cwd
    )


@pytest.mark.parametrize("read", ["ds.df", "ds._table()"])
def test_a_safe_load_from_a_folder_below_the_one_someone_sent_never_runs_its_modules(
    tmp_path, read
):
    # got/runs (the store) and got/notebooks/pandas.py; python -c run in got/notebooks:
    # a DataFrame rebuilt, or a table's frame (its entries need no pandas)
    got = tmp_path / "got"
    got.mkdir()
    ds = DataSet("runs", "w", path=str(got))
    if read == "ds.df":
        ds.df = pd.DataFrame({"a": [1, 2]})
    else:
        ds.x = 1.5
    notebooks = got / "notebooks"
    notebooks.mkdir()
    (notebooks / "pandas.py").write_text(f"open({str(tmp_path / 'ran')!r}, 'w')\n")
    code = (
        "from archived import BesideStoreError, DataSet\n"
        "ds = DataSet('runs', 'r', path='..', safe=True)\n"
        f"try:\n    {read}\n"
        "except BesideStoreError as err:\n    print('refused:', err.module, err.file)\n"
    )
    done = _child(code, notebooks)
    assert not (tmp_path / "ran").exists(), done
    assert done.stdout.startswith(f"refused: pandas {notebooks / 'pandas.py'}"), done


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder (no store) whose ``.venv`` and ``src/`` hold the user's modules
    ``labvenv_r32`` and ``labsrc_r32``, both on ``sys.path``, and whose own folder holds
    ``labtop_r32.py``."""
    root = tmp_path / "project"
    site = root / ".venv" / "lib" / "python3" / "site-packages"
    src = root / "src"
    for folder, name in ((site, "labvenv_r32"), (src, "labsrc_r32"), (root, "labtop_r32")):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.py").write_text("def double(x):\n    return 2 * x\n")
        monkeypatch.syspath_prepend(str(folder))
    yield root
    for name in ("labvenv_r32", "labsrc_r32", "labtop_r32"):
        sys.modules.pop(name, None)


@pytest.mark.parametrize("module", ["labvenv_r32", "labsrc_r32"])
def test_a_safe_load_given_a_project_folder_as_datadir_imports_allowed_modules_below_it(
    project, module
):
    src = f"from {module} import double as _d\nx = _d\ndel _d\n"
    got = restore(src, datadir=str(project), safe=True, allow=[module])
    assert got["x"](3) == 6


@pytest.mark.parametrize("below", [False, True])
def test_a_data_folder_that_is_no_store_still_refuses_modules_in_it_and_beside_it(tmp_path, below):
    # got/pandas.py beside the data folder got/data, or in the data folder got itself
    from archived import Archive

    got = tmp_path / "got"
    (got / "data").mkdir(parents=True)
    (got / "pandas.py").write_text(f"open({str(tmp_path / 'ran')!r}, 'w')\n")
    archive = Archive()
    archive.insert(df=pd.DataFrame({"a": [1, 2]}))
    (tmp_path / "df.py").write_text(str(archive))
    datadir = got / "data" if below else got
    code = (
        f"import sys\nsys.path.insert(0, {str(got)!r})\n"
        "from archived import BesideStoreError, restore\n"
        f"src = open({str(tmp_path / 'df.py')!r}).read()\n"
        f"try:\n    restore(src, datadir={str(datadir)!r}, safe=True)\n"
        "except BesideStoreError as err:\n"
        "    print('refused:', err.module, err.file, 'in or beside the data folder' in str(err))\n"
    )
    done = _child(code, tmp_path)
    assert not (tmp_path / "ran").exists(), done
    assert done.stdout.startswith(f"refused: pandas {got / 'pandas.py'} True"), done
