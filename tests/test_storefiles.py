"""The store side of safety: the one gate for file names read from a store, canonical
names, stores that would shadow a module, and safe reads of stores opened by a relative
path.  The hostile stores themselves are in the catalogue (test_hostile_stores.py)."""

import os
import warnings

import numpy as np
import pytest

from archived import archived
from archived.errors import InvalidNameError, UnsafeFileError, UnsafeFileWarning
from archived.store.dataset import DataSet
from archived.store.storefiles import checked_path, remove_file, safe_subdir

TOKEN = "0a1b2c-1-0a1b2c3d"


@pytest.mark.parametrize(
    "name, kind, entry",
    [
        (f"x.{TOKEN}.h5", "data", "x"),
        (f"x.{TOKEN}-info.h5", "data", "x"),
        (f"x.{TOKEN}.h5.tmp12", "data", None),
        (f".x.{TOKEN}.tmp", "tmp", None),
        (f".x.{TOKEN}.drop", "drop", None),
        (".x_0.claim", "claim", None),
        ("x_0.py", "entry", None),
        (f"\u00e9t\u00e9.{TOKEN}.h5", "data", "\u00e9t\u00e9"),
    ],
)
def test_the_gate_passes_plain_names_of_each_kinds_shape(tmp_path, name, kind, entry):
    assert checked_path(str(tmp_path), name, kind, entry=entry) == str(tmp_path / name)


@pytest.mark.parametrize(
    "name, kind, entry, why",
    [
        ("/etc/passwd", "data", None, "not a plain name"),
        (f"../x.{TOKEN}.h5", "data", None, "not a plain name"),
        (f"sub/x.{TOKEN}.h5", "data", None, "not a plain name"),
        (f"x.{TOKEN}.h5\0", "data", None, "not a plain name"),
        ("..", "data", None, "not a plain name"),
        ("", "data", None, "not a plain name"),
        (3, "data", None, "not a plain name"),
        ("notes.txt", "data", None, "not the name of a data file"),
        (f"x.{TOKEN}.h5", "data", "y", "not a data file of entry 'y'"),
        (f".x.{TOKEN}.tmp", "drop", None, "not the name of a drop file"),
    ],
)
def test_the_gate_refuses_every_other_name(tmp_path, name, kind, entry, why):
    with pytest.raises(UnsafeFileError, match=why):
        checked_path(str(tmp_path), name, kind, entry=entry)


@pytest.mark.parametrize("make", ["symlink", "fifo", "dir"])
def test_the_gate_refuses_anything_but_a_regular_file_and_remove_file_leaves_it(tmp_path, make):
    name = f"x.{TOKEN}.h5"
    path = tmp_path / name
    {"symlink": lambda: os.symlink("/etc/passwd", path), "fifo": lambda: os.mkfifo(path)}.get(
        make, lambda: path.mkdir()
    )()
    with pytest.raises(UnsafeFileError, match="symbolic link|FIFO|directory"):
        checked_path(str(tmp_path), name, "data")
    with pytest.warns(UnsafeFileWarning, match=name):
        assert remove_file(str(tmp_path), name, "data") is False
    assert os.path.lexists(path)


def test_a_claim_may_be_a_link_and_the_store_subdirectories_may_not(tmp_path):
    os.symlink(TOKEN, tmp_path / ".x_0.claim")
    assert checked_path(str(tmp_path), ".x_0.claim", "claim")
    os.symlink(str(tmp_path), tmp_path / ".keys")
    with pytest.raises(UnsafeFileError, match="'.keys'.*symbolic link"):
        safe_subdir(str(tmp_path), ".keys")
    assert os.path.isdir(safe_subdir(str(tmp_path), ".backup"))


def test_a_safe_dataset_opened_by_a_relative_path_reads_its_hdf5_arrays(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    DataSet("sweep", "w", path="results").big = np.arange(300.0)
    assert DataSet("sweep", path="results", safe=True).big[-1] == 299.0


@pytest.mark.parametrize("name", ["\uff58", "\ufb01le", "caf\u0065\u0301"])
def test_entry_names_python_would_read_differently_are_refused(tmp_path, name):
    ds = DataSet("s", "w", path=tmp_path)
    with pytest.raises(InvalidNameError, match="NFKC"):
        ds._insert(1, name=name)
    with pytest.raises(InvalidNameError, match="NFKC"):
        DataSet(name, "w", path=tmp_path)
    assert list(ds) == [] and [f for f in os.listdir(ds._path) if f[0] != "."] == ["__init__.py"]


def test_a_name_in_nfkc_form_is_accepted(tmp_path):
    ds = DataSet("r\u00e9sultats", "w", path=tmp_path)
    ds._insert(1, name="caf\u00e9")
    assert ds.café == 1


@pytest.mark.parametrize("name", ["json", "tables", "numpy", "archived"])
def test_a_new_store_may_not_shadow_a_standard_or_installed_module(tmp_path, name):
    with pytest.raises(InvalidNameError, match=f"would shadow the importable module '{name}'"):
        DataSet(name, "w", path=tmp_path)
    assert not (tmp_path / name).exists()
    ds = DataSet(name, "w", path=tmp_path, shadow_ok=True)
    ds.x = 1
    assert DataSet(name, path=tmp_path).x == 1  # an existing store opens as before


@pytest.mark.parametrize("name", ["class", "None", "lambda"])
def test_a_new_store_may_not_take_a_keyword_no_import_statement_can_name(tmp_path, name):
    # `import class` is a syntax error: the store would never be importable as a module
    with pytest.raises(InvalidNameError, match="a Python keyword"):
        DataSet(name, "w", path=tmp_path)
    with pytest.raises(InvalidNameError, match="a Python keyword"):
        archived(tmp_path / name)(lambda x: x)
    assert os.listdir(tmp_path) == []


def test_a_store_named_after_the_users_own_module_is_fine(tmp_path, monkeypatch):
    (tmp_path / "myexperiment.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        DataSet("myexperiment", "w", path=tmp_path / "results").x = 1


def test_a_new_store_may_not_shadow_the_users_module_in_its_folder(tmp_path):
    # @archived("analysis") in analysis.py made analysis/ beside it: Python imports the
    # package (the store) first, so the next `import analysis` there got the store
    (tmp_path / "analysis.py").write_text("def fit(x):\n    return 2 * x\n")
    f = archived(str(tmp_path / "analysis"))(lambda x: 2 * x)
    with pytest.raises(InvalidNameError, match=r"would shadow the module analysis\.py there"):
        f(3)
    with pytest.raises(InvalidNameError, match="another path, such as 'results/analysis'"):
        DataSet("analysis", "w", path=tmp_path)
    assert not (tmp_path / "analysis").exists()
    assert archived(str(tmp_path / "results" / "analysis"))(lambda x: 2 * x)(3) == 6
    ds = DataSet("analysis", "w", path=tmp_path, shadow_ok=True)  # if you mean it
    ds.x = 1
    assert DataSet("analysis", path=tmp_path).x == 1
