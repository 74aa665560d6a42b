"""What archived itself imports after a safe store is open, outside the loads of its
entries, is never a file of an archived store: a safe ``DataSet``'s table imports pandas
(and pandas its optional libraries) when it builds the frame, after every value is
loaded, and a notebook opened in a folder of a store someone sent has that folder first
on ``sys.path``."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from archived import DataSet
from helpers import run_python

_TABLE_OF_A_SENT_STORE = """
import sys
sys.path.insert(0, {folder!r})  # (a notebook's own folder, as Jupyter puts it)
from archived import DataSet, UnsafeArchiveError
ds = DataSet("sent", path={parent!r}, safe=True)
assert ds.a == 1.5  # (a float: the load itself imports no library)
try:
    table = ds._table()
except UnsafeArchiveError as err:
    print("refused:", err)
else:
    print("table:", type(table).__name__)
"""


def _planted_library(module: str):
    if module == "pandas":
        return pytest.param(module, id="pandas itself")
    return pytest.param(
        module,
        id=f"{module}, which pandas tries",
        marks=pytest.mark.skipif(
            importlib.util.find_spec("pandas") is None
            or importlib.util.find_spec(module) is not None,
            reason=f"pandas installed, {module} not",
        ),
    )


@pytest.mark.parametrize("module", [_planted_library("pandas"), _planted_library("pyarrow")])
def test_a_safe_stores_table_never_imports_a_library_from_a_folder_of_the_store(tmp_path, module):
    marker = tmp_path / "ran"
    ds = DataSet("sent", "w", path=str(tmp_path))
    ds.a, ds.b = 1.5, 2.5
    folder = os.path.join(ds._path, "notebooks")
    os.makedirs(folder)
    with open(os.path.join(folder, f"{module}.py"), "w") as f:
        # (it hides as a library that is not installed: the table is then a list)
        f.write(f"open({str(marker)!r}, 'a').write('ran')\nraise ImportError('no')\n")
    done = run_python("-c", _TABLE_OF_A_SENT_STORE.format(folder=folder, parent=str(tmp_path)))
    assert done.returncode == 0, done.stderr
    assert not marker.exists(), done.stdout
    assert "refused:" in done.stdout and "a file of the archived store" in done.stdout


@pytest.mark.parametrize("command", [["ls"], ["ls", "-l"], ["show"], ["export"], ["verify"]])
def test_the_command_line_never_imports_a_store_named_as_a_library_it_imports(tmp_path, command):
    # PYTHONPATH=$PYTHONPATH:/opt/lab with PYTHONPATH empty puts the working directory on
    # sys.path; a store someone sent named numpy, looked at from the folder holding it,
    # was the numpy the command imported when it opened the store: its loader ran
    marker = tmp_path / "ran"
    ds = DataSet("numpy", "w", path=str(tmp_path), shadow_ok=True)
    ds.a = 1.5
    with open(os.path.join(ds._path, "__init__.py"), "a") as f:
        f.write(f"open({str(marker)!r}, 'a').write('ran')\n")
    args = [*command, "numpy"] + (["a"] if command == ["show"] else [])
    done = subprocess.run(
        [sys.executable, "-m", "archived", *args],
        capture_output=True,
        text=True,
        cwd=str(tmp_path),
        env={**os.environ, "PYTHONPATH": os.pathsep + os.pathsep.join(sys.path)},
    )
    assert not marker.exists(), (done.stdout, done.stderr)
    if done.returncode == 0:  # (plain ls imports no numpy: it lists the store)
        assert command == ["ls"] and done.stdout == "a\n"
    else:
        assert done.returncode == 1 and "a file of the archived store" in done.stderr
        assert "--trust" not in done.stderr  # (trusting it runs the very file refused)
