"""A safe load never advises allowing a library every user trusts the code of: a crafted
entry's ``from pandas import read_pickle`` was refused with 'if ... you trust all of its
code, pass allow=['pandas']' (verify and show: '--allow pandas ... if you trust its
code'), and with allow=['pandas'] the entry's read_pickle of a file it brought ran any
code.  allow= lets a store call every function of the module; the refusal now says so
and points to a trusted load, for a store trusted completely."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys

import pytest

from archived import DataSet, UnsafeArchiveError, restore

pd = pytest.importorskip("pandas")

_READ_PICKLE = "from pandas import read_pickle as _r\nx = _r('payload.pkl')\n"


class _Runs:
    """Unpickled, writes the file its argument names."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _crafted_store(tmp_path):
    ds = DataSet("runs", "w", path=str(tmp_path))
    ds.x = 1.5
    folder = tmp_path / "runs"
    (folder / "payload.pkl").write_bytes(pickle.dumps(_Runs(str(tmp_path / "ran"))))
    (folder / "evil.py").write_text(
        "# archived entry 'evil', format 1, data files: []\n# ---- info ----\ninfo = None\n"
        "# ---- value ----\nfrom pandas import read_pickle as _r\nevil = _r('payload.pkl')\n"
    )
    return folder


def test_a_safe_load_never_advises_allowing_pandas_which_would_run_the_stores_pickle(
    tmp_path,
):
    folder = _crafted_store(tmp_path)
    with pytest.raises(UnsafeArchiveError) as refused:
        restore(_READ_PICKLE, safe=True, datadir=folder)
    said = str(refused.value)
    assert "allow=" not in said and "pandas.read_pickle" in said and "safe=False" in said
    assert not (tmp_path / "ran").exists()


def test_an_honest_entry_of_a_pandas_value_never_rebuilt_safely_is_not_advised_allow(tmp_path):
    DataSet("runs", "w", path=str(tmp_path)).p = pd.Period("2020-01", "M")
    ds = DataSet("runs", "r", path=str(tmp_path), safe=True)
    with pytest.raises(UnsafeArchiveError) as refused:
        print(ds.p)
    assert "allow=" not in str(refused.value), refused.value


@pytest.mark.parametrize("argv", [["verify"], ["show", "evil"], ["ls", "-l"]])
def test_the_command_line_never_advises_allowing_pandas_for_a_crafted_entry(tmp_path, argv):
    import archived as package

    folder = _crafted_store(tmp_path)
    src = os.path.dirname(os.path.dirname(os.path.abspath(package.__file__)))
    done = subprocess.run(
        [sys.executable, "-m", "archived", argv[0], str(folder), *argv[1:]],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": src},
    )
    out = done.stdout + done.stderr
    assert "evil" in out, out
    assert "--allow" not in out and "allow=" not in out, out
    assert not (tmp_path / "ran").exists()


def test_a_module_beside_the_store_named_as_no_installed_module_is_still_advised_allow(
    tmp_path,
):
    import importlib

    from archived import BesideStoreError
    from archived.load.usermodules import no_store_imports

    got = tmp_path / "got"
    got.mkdir()
    DataSet("runs", "w", path=str(got)).x = 1.5
    (got / "labmodels_review30.py").write_text("X = 1\n")
    sys.path.insert(0, str(got))
    try:
        with pytest.raises(BesideStoreError) as refused, no_store_imports(got / "runs"):
            importlib.import_module("labmodels_review30")
    finally:
        sys.path.remove(str(got))
        sys.modules.pop("labmodels_review30", None)
    assert refused.value.shadows is None
    assert "pass allow=['labmodels_review30']" in str(refused.value)


def test_a_safe_load_never_advises_allowing_an_installed_library_whose_loader_runs_pickles(
    tmp_path,
):
    # joblib is no library a safe load rebuilds, but installed all the same: its load
    # unpickles the file the store brought
    pytest.importorskip("joblib")
    with open(tmp_path / "payload.pkl", "wb") as f:
        pickle.dump(_Runs(str(tmp_path / "ran")), f)
    src = "from joblib import load as _l\nx = _l('payload.pkl')\n"
    with pytest.raises(UnsafeArchiveError) as refused:
        restore(src, safe=True, datadir=tmp_path)
    said = str(refused.value)
    assert "allow=" not in said and "installed library 'joblib'" in said, said
    assert not (tmp_path / "ran").exists()


def test_a_module_of_the_users_own_that_is_not_installed_is_still_advised_allow(tmp_path):
    (tmp_path / "labmodels_r30.py").write_text("class Run:\n    pass\n")
    sys.path.insert(0, str(tmp_path))
    try:
        with pytest.raises(UnsafeArchiveError) as refused:
            restore("from labmodels_r30 import Run as _R\nx = _R()\n", safe=True)
    finally:
        sys.path.remove(str(tmp_path))
    assert "pass allow=['labmodels_r30']" in str(refused.value)
