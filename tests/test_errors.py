"""Every exception class pickles intact and sits in the documented hierarchy."""

import inspect
import pickle

import pytest

import archived.errors as errors
from archived.errors import ArchiveError

EXAMPLES = [
    errors.DuplicateError("x"),
    errors.CycleError(["l", "l[0]"]),
    errors.UnarchivableError("generator", "d['g']", "cannot pickle"),
    errors.InvalidNameError("1x", "not a Python identifier"),
    errors.InvalidOptionError("mode", "a", ("r", "w")),
    errors.UnsafeArchiveError(4, "call of 'open'"),
    errors.BudgetExceededError(
        2, "a list of 9 elements, more than max_elements=8", "max_elements"
    ),
    errors.BesideStoreError("pandas", "/got/pandas.py", "/got/runs", 7),
    errors.ReadOnlyError(),
    errors.StoreNotFoundError("/nowhere"),
    errors.StorePathError("/data/out.csv/runs", "/data/out.csv"),
    errors.DamagedEntryError("x_1", "truncated HDF5 file"),
    errors.DamagedArrayError("/s/x_1.h5", "a0", "no such file"),
    errors.MissingImportError("x", "mymod", "No module named 'mymod'"),
    errors.StoreReadError("/s/x.py", "[Errno 5] Input/output error", 5, entry="x"),
    errors.EntryDeletedError("f_1", "/s"),
    errors.EntryChangedError("f_1", "/s"),
    errors.ResultNotSetError("block:m.<module>@3"),
    errors.LockTimeout("/s/.lock", 1.5),
    errors.LockingKindError("/s", "fcntl", "soft"),
    errors.LockFileError("/s/.lock", "[Errno 30] Read-only file system", 30),
    errors.OutputFileError("/t/out.csv", "[Errno 28] No space left on device", 28, kept=False),
    errors.CommitError("/s", "x", "io", "[Errno 5] Input/output error", 5),
    errors.DiskFullError("/s", "x", "the disk is full"),
    errors.AfterCommitError("/s", "x", "sync", "[Errno 5] Input/output error", 5),
    errors.CommitPermissionError("/s", "x", "lock", "the lock file cannot be opened", 13),
    errors.CommitTimeout("/s", "x", "/s/.lock", 1.5),
    errors.UnkeyableArgumentError("rng", "generator"),
    errors.CodeChangedError("m.f", "1a2b", "3c4d"),
    errors.UnsafeFileError("/s", "../etc/passwd", "not a plain name inside the store"),
    ArchiveError("plain"),
]


def test_every_public_exception_class_has_an_example_here():
    classes = {
        c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, ArchiveError)
    }
    assert classes == {type(e) for e in EXAMPLES}


@pytest.mark.parametrize("err", EXAMPLES, ids=lambda e: type(e).__name__)
def test_exception_pickles_with_type_message_and_attributes(err):
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is type(err)
    assert str(again) == str(err)
    assert again.__dict__ == err.__dict__
    assert getattr(again, "errno", None) == getattr(err, "errno", None)


@pytest.mark.parametrize(
    "cls, builtin",
    [
        (errors.ReadOnlyError, ValueError),
        (errors.LockTimeout, TimeoutError),
        (errors.InvalidNameError, ValueError),
        (errors.InvalidOptionError, ValueError),
        (errors.UnkeyableArgumentError, TypeError),
        (errors.StoreNotFoundError, FileNotFoundError),
        (errors.LockingKindError, ValueError),
        (errors.CommitError, OSError),
        (errors.StoreReadError, OSError),
        (errors.LockFileError, OSError),
        (errors.OutputFileError, OSError),
        (errors.AfterCommitError, OSError),
        (errors.CommitPermissionError, PermissionError),
        (errors.CommitTimeout, TimeoutError),
        (errors.CommitTimeout, errors.LockTimeout),
        (errors.StoreNotFoundError, ValueError),  # what persist raised
        (errors.UnsafeFileError, ValueError),
    ],
)
def test_leaf_errors_are_also_the_builtin_a_user_expects(cls, builtin):
    assert issubclass(cls, ArchiveError) and issubclass(cls, builtin)


def test_code_written_for_persist_catches_a_missing_store_as_value_error(tmp_path):
    from archived import DataSet

    try:
        DataSet("missing", path=str(tmp_path))
    except ValueError as err:
        assert isinstance(err, FileNotFoundError) and "missing" in str(err)
    else:
        raise AssertionError("opening a missing store read-only must raise")


def test_import_archived_does_not_import_pytables_or_joblib():
    import subprocess
    import sys

    code = "import sys, archived; print('tables' in sys.modules, 'joblib' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "False"]


def test_import_archived_does_not_import_the_cache_layers_hashing():
    # (30 ms of every `import archived` and of every CLI command, `archived ls` too)
    import subprocess
    import sys

    code = "import sys, archived; print(sorted(m for m in sys.modules if 'archived.cache' in m))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_lazily_loaded_public_name_is_listed_in_all_and_resolves():
    import archived

    assert set(archived._LAZY) <= set(archived.__all__)
    for name in archived.__all__:
        assert getattr(archived, name) is not None


def test_an_entry_whose_module_is_gone_says_how_to_make_it_importable(tmp_path, monkeypatch):
    # a year on (a project moved, a module renamed) the advice was "install or restore
    # it", which named no step; the steps it names now work
    import dataclasses  # noqa: F401 (the module written below uses it)
    import sys

    from archived import DataSet
    from archived.errors import MissingImportError

    code = tmp_path / "code"
    code.mkdir()
    (code / "oldlab_sim.py").write_text(
        "import dataclasses\n\n@dataclasses.dataclass\nclass Obs:\n    energy: float\n"
    )
    monkeypatch.syspath_prepend(str(code))
    import oldlab_sim

    DataSet("runs", "w", path=str(tmp_path)).run = oldlab_sim.Obs(-1.5)
    (code / "oldlab_sim.py").rename(code / "newlab_sim.py")  # the module renamed
    del sys.modules["oldlab_sim"]
    with pytest.raises(MissingImportError) as err:
        DataSet("runs", path=str(tmp_path)).run  # noqa: B018
    message = str(err.value)
    assert "folder holding oldlab_sim.py on sys.path" in message
    assert "`from new_name import *` in oldlab_sim.py" in message
    (code / "oldlab_sim.py").write_text("from newlab_sim import *\n")  # as advised
    assert DataSet("runs", path=str(tmp_path)).run.energy == -1.5
    sys.modules.pop("oldlab_sim", None), sys.modules.pop("newlab_sim", None)
