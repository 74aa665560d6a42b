"""What archived itself imports after a safe store is open, outside the loads of its
entries, is never a file of an archived store: a safe ``DataSet``'s table imports pandas
(and pandas its optional libraries) when it builds the frame, after every value is
loaded, and a notebook opened in a folder of a store someone sent has that folder first
on ``sys.path``."""

from __future__ import annotations

import importlib.util
import os

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
