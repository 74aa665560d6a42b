"""DataSet: entries, info records, atomic files on disk, locking modes, damage, leftovers."""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest

from archived.errors import (
    DamagedEntryError,
    EditedEntryWarning,
    InvalidNameError,
    InvalidOptionError,
    LockTimeout,
    ReadOnlyError,
    StoreNotFoundError,
    UnarchivableError,
)
from archived.store import claims, entries, native, writers
from archived.store.dataset import DataSet


@pytest.fixture
def ds(tmp_path):
    return DataSet("store", "w", path=str(tmp_path))


def files(ds):
    return sorted(os.listdir(ds._path))


def data_files(ds):
    return sorted(f for f in os.listdir(ds._path) if f.endswith(".h5"))


# ---- basic behaviour --------------------------------------------------------------------


def test_reading_a_missing_entry_raises_attribute_error_and_key_error(ds):
    with pytest.raises(AttributeError, match="no entry 'nope'"):
        _ = ds.nope
    with pytest.raises(KeyError):
        ds["nope"]
    with pytest.raises(AttributeError):
        del ds.nope
    assert "nope" not in ds


def test_opening_a_missing_store_read_only_raises_store_not_found(tmp_path):
    with pytest.raises(StoreNotFoundError, match="mode='w'"):
        DataSet("absent", path=str(tmp_path))
    assert not (tmp_path / "absent").exists()


def test_assignment_keeps_the_info_and_insert_with_name_replaces_it(ds):
    ds.a = 1
    assert ds["a"] is None
    ds["a"] = "about a"
    ds.a = 2
    assert (ds.a, ds["a"]) == (2, "about a")
    assert ds._insert(3, info="new", name="a") == ["a"]
    assert (ds.a, ds["a"]) == (3, "new")


def test_setting_info_of_a_new_name_creates_an_entry_with_value_none(ds):
    ds["fresh"] = {"n": 1}
    assert "fresh" in ds
    assert ds.fresh is None
    assert ds["fresh"] == {"n": 1}


def test_insert_without_name_numbers_entries_with_the_prefix_past_the_largest(tmp_path):
    ds = DataSet("s", "w", path=str(tmp_path), name_prefix="run")
    assert [ds._insert(i) for i in range(3)] == [["run0"], ["run1"], ["run2"]]
    again = DataSet("s", "w", path=str(tmp_path), name_prefix="run")
    assert again._insert(9) == ["run3"]
    assert again.run3 == 9


def test_iteration_len_contains_and_sorted_list_entry_names(ds):
    for name in ["b", "a", "c"]:
        setattr(ds, name, name)
    assert list(ds) == ["a", "b", "c"]
    assert len(ds) == 3
    assert "b" in ds and "z" not in ds and 3 not in ds and "_x" not in ds
    assert str(ds) == f"DataSet {ds._path!r} containing ['a', 'b', 'c']"
    assert {"a", "b", "c"} <= set(dir(ds))


def test_printing_a_big_store_shows_its_count_and_first_names_not_every_name(ds):
    # print(ds) of a 100,000-point sweep's store printed every entry name (megabytes)
    for i in range(500):
        ds[f"run_{i:03}"] = None
    text = str(ds)
    first = ", ".join(repr(f"run_{i:03}") for i in range(20))
    assert text == (
        f"DataSet {ds._path!r} containing 500 entries, the first 20: [{first}] "
        "(list(ds) lists them all)"
    )
    assert len(list(ds)) == 500


def test_info_items_yields_every_info_without_loading_values(ds):
    ds._insert(np.arange(500.0), info={"k": 1})
    ds._insert("v", info="second")
    os.remove(os.path.join(ds._path, data_files(ds)[0]))  # values would now fail to load
    assert list(ds._info_items()) == [("x_0", {"k": 1}), ("x_1", "second")]


def test_every_read_sees_what_another_instance_wrote(ds):
    other = DataSet("store", "w", path=os.path.dirname(ds._path))
    reader = DataSet("store", path=os.path.dirname(ds._path))
    ds.x = 1
    assert reader.x == 1
    other.x = 2
    assert reader.x == 2 and ds.x == 2
    del other.x
    assert "x" not in reader and "x" not in ds


@pytest.mark.parametrize(
    "value",
    [
        np.arange(101.0),
        np.arange(12, dtype=">i4").reshape(3, 4),
        {"big": np.linspace(0, 1, 1000), "small": np.ones(3), "s": "text"},
        [1, 2.5, "x", None, (1, 2)],
    ],
    ids=["big-array", "small-array", "mixed-dict", "list"],
)
def test_values_round_trip_exactly(ds, value):
    ds.v = value
    got = ds.v
    if isinstance(value, dict):
        assert got.keys() == value.keys()
        for k in value:
            np.testing.assert_array_equal(got[k], value[k])
    elif isinstance(value, np.ndarray):
        assert got.dtype == value.dtype
        np.testing.assert_array_equal(got, value)
    else:
        assert got == value


def test_arrays_above_the_threshold_go_to_an_hdf5_file(tmp_path):
    ds = DataSet("s", "w", path=str(tmp_path), array_threshold=10)
    ds.small = np.ones(10)
    assert data_files(ds) == []
    ds.big = np.ones(11)
    [name] = data_files(ds)
    assert name.startswith("big.") and name.endswith(".h5")


# ---- names and read-only stores ------------------------------------------------------------


@pytest.mark.parametrize("name", ["1x", "a-b", "class", "_private", "a/b", "a.b", ""])
def test_invalid_entry_name_raises_and_writes_nothing(ds, name):
    before = files(ds)
    with pytest.raises(InvalidNameError, match="invalid name"):
        ds._insert(1, name=name)
    with pytest.raises(InvalidNameError):
        ds[name] = "info"
    assert files(ds) == before


def test_read_only_instance_refuses_every_write_with_the_spec_message(ds):
    ds.a = 1
    ro = DataSet("store", path=os.path.dirname(ds._path))
    before = files(ds)
    for write in (
        lambda: setattr(ro, "a", 2),
        lambda: ro.__setitem__("a", "i"),
        lambda: delattr(ro, "a"),
        lambda: ro._insert(5),
    ):
        with pytest.raises(ReadOnlyError) as info:
            write()
        assert str(info.value) == "DataSet opened in read-only mode."
        assert isinstance(info.value, ValueError)
    assert files(ds) == before and ro.a == 1


def test_unarchivable_value_raises_and_leaves_nothing_on_disk(ds):
    ds.keep = np.arange(200.0)
    before = files(ds)
    with pytest.raises(UnarchivableError):
        ds.gen = (i for i in range(3))
    with pytest.raises(UnarchivableError):
        ds._insert({"big": np.arange(500.0), "bad": (i for i in range(2))})
    assert files(ds) == before


def test_directory_that_is_not_a_store_is_refused(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "module.py").write_text("x = 1\n")
    with pytest.raises(InvalidNameError, match="not an archived DataSet"):
        DataSet("pkg", "w", path=str(tmp_path))
    assert os.listdir(tmp_path / "pkg") == ["module.py"]


def test_bad_mode_and_store_name_are_refused(tmp_path):
    with pytest.raises(InvalidOptionError, match=r"invalid mode='a': expected one of 'r', 'w'"):
        DataSet("s", "a", path=str(tmp_path))
    with pytest.raises(InvalidOptionError) as info:
        DataSet("s", "w", path=str(tmp_path), locking="nfs")
    assert isinstance(info.value, ValueError) and not isinstance(info.value, InvalidNameError)
    assert (info.value.option, info.value.value) == ("locking", "nfs")
    assert "expected one of 'fcntl', 'soft'" in str(info.value)
    with pytest.raises(InvalidNameError):
        DataSet("not-a-module", "w", path=str(tmp_path))
    assert os.listdir(tmp_path) == []


# ---- files on disk -------------------------------------------------------------------------


def test_overwriting_removes_the_old_data_files(ds):
    ds.a = np.arange(300.0)
    first = data_files(ds)
    ds.a = np.arange(400.0)
    second = data_files(ds)
    assert len(first) == len(second) == 1 and first != second
    ds.a = 5
    assert data_files(ds) == []
    assert not any(f.startswith(".") and f not in (".lock", ".locking") for f in files(ds))


def test_delete_removes_the_entry_file_and_its_data(ds):
    ds._insert(np.arange(300.0), info=np.arange(200.0), name="a")
    assert len(data_files(ds)) == 2
    del ds.a
    assert files(ds) == [".lock", ".locking", "__init__.py"]
    ds.b = 1
    del ds["b"]
    with pytest.raises(KeyError):
        del ds["b"]


def test_backup_data_keeps_overwritten_and_deleted_entries_loadable(tmp_path):
    ds = DataSet("s", "w", path=str(tmp_path), backup_data=True)
    ds._insert(np.arange(300.0), info="v1", name="a")
    ds.a = np.arange(5.0)
    del ds.a
    backup = os.path.join(ds._path, entries.BACKUP_DIR)
    sources = sorted(f for f in os.listdir(backup) if f.endswith(".py"))
    assert len(sources) == 2
    assert data_files(ds) == []
    # each backup is an entry file whose data sits beside it
    from archived import restore

    loaded = []
    for src in sources:
        text = open(os.path.join(backup, src)).read()
        value_src = text.split(entries.VALUE_MARK + "\n")[1]
        loaded.append(restore(value_src, datadir=backup)["a"])
    shapes = sorted(v.shape for v in loaded)
    assert shapes == [(5,), (300,)]


def test_entry_file_is_readable_source_with_info_then_value(ds):
    ds._insert([1, 2], info="two", name="pair")
    text = open(os.path.join(ds._path, "pair.py")).read()
    assert text.startswith("# archived entry 'pair', format 1, data files: []\n")
    assert text.index(entries.INFO_MARK) < text.index("info = 'two'")
    assert text.index(entries.VALUE_MARK) < text.index("pair = [1, 2]")


def test_value_marker_inside_an_info_string_literal_does_not_split_the_file(ds):
    path = os.path.join(ds._path, "odd.py")
    with open(path, "w") as f:
        f.write(
            "# archived entry 'odd', format 1, data files: []\n"
            f"{entries.INFO_MARK}\n"
            f'info = """line\n{entries.VALUE_MARK}\nmore"""\n'
            f"{entries.VALUE_MARK}\n"
            "odd = 42\n"
        )
    assert ds["odd"] == f"line\n{entries.VALUE_MARK}\nmore"
    assert ds.odd == 42


# ---- damage ---------------------------------------------------------------------------------


def test_truncated_hdf5_file_damages_only_its_entry(ds):
    ds.good = np.arange(300.0)
    ds.bad = np.arange(300.0)
    [bad_file] = [f for f in data_files(ds) if f.startswith("bad.")]
    path = os.path.join(ds._path, bad_file)
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)
    with pytest.raises(DamagedEntryError) as info:
        _ = ds.bad
    assert info.value.name == "bad" and "'bad'" in str(info.value)
    np.testing.assert_array_equal(ds.good, np.arange(300.0))
    assert ds["bad"] is None and sorted(ds) == ["bad", "good"]


HEADER = "# archived entry 'bad', format 1, data files: []\n# ---- info ----\n"


@pytest.mark.parametrize(
    ("text", "value_fails", "info_fails"),
    [
        ("bad = [1, 2\n", True, True),
        (HEADER + "info = (\n# ---- value ----\nbad = 1\n", False, True),
        (HEADER + "info = 1\n", True, True),
        (HEADER + "info = 1\n# ---- value ----\nbad = undefined_name\n", True, False),
    ],
    ids=["no-header", "broken-info", "no-value-section", "failing-value"],
)
def test_broken_entry_source_raises_damaged_entry_naming_it(ds, text, value_fails, info_fails):
    ds.good = [1]
    with open(os.path.join(ds._path, "bad.py"), "w") as f:
        f.write(text)
    for fails, read in ((value_fails, lambda: ds.bad), (info_fails, lambda: ds["bad"])):
        if fails:
            with pytest.raises(DamagedEntryError, match="'bad'"):
                read()
        else:
            read()
    assert ds.good == [1] and ds["good"] is None
    assert sorted(ds) == ["bad", "good"]


def test_a_store_path_given_as_its_name_is_refused_saying_how_to_open_it(tmp_path):
    # a new user writes DataSet("results/runs") as they write `archived ls results/runs`
    where = str(tmp_path / "results")
    with pytest.raises(InvalidNameError) as info:
        DataSet(os.path.join(where, "runs"), "w")
    assert f"use DataSet('runs', path={where!r})" in str(info.value)
    assert os.listdir(tmp_path) == []


def test_a_pathlib_path_given_as_the_name_is_refused_saying_how_to_open_its_store(tmp_path):
    # DataSet(Path("results") / "runs") or DataSet(Path("runs"), path=...): the message
    # named PosixPath('runs') and said nothing of what to write instead
    import pathlib

    where = tmp_path / "results"
    with pytest.raises(InvalidNameError) as info:
        DataSet(where / "runs", "w")
    assert f"use DataSet('runs', path={str(where)!r})" in str(info.value)
    with pytest.raises(InvalidNameError) as info:
        DataSet(pathlib.Path("runs"), "w", path=str(where))
    assert "give the name as a str: DataSet('runs', ...)" in str(info.value)
    assert os.listdir(tmp_path) == []


def test_an_entry_that_fails_to_load_names_the_failing_line_of_its_file(ds):
    # a hand edit (or a class renamed since) breaks one line: the error and its traceback
    # name that line of the entry file, not a line of the section the loader cut out
    ds.bad = [1, 2]
    ds["bad"] = {"n": 1}
    path = os.path.join(ds._path, "bad.py")
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(text.replace("bad = [1, 2]", "bad = [1, 2,\n       1 // 0]"))
    line = open(path).read().splitlines().index("       1 // 0]") + 1
    with pytest.raises(DamagedEntryError) as info:
        _ = ds.bad
    assert str(info.value).endswith(f"at line {line} of {path}")
    tb = info.value.__cause__.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    assert (tb.tb_frame.f_code.co_filename, tb.tb_lineno) == (path, line)


@pytest.mark.parametrize("safe", [True, False], ids=["safe", "trusted"])
def test_a_hand_edit_with_a_syntax_error_is_reported_at_its_line_of_the_entry_file(tmp_path, safe):
    # a safe load parses the value section alone: its SyntaxError named the line of the
    # section ("<archive>", line 3), not the line of the file a person opens
    ds = DataSet("s", "w", path=str(tmp_path))
    ds.bad = {"a": 1.5, "b": 2.5}
    ds["bad"] = {"n": 1}
    path = os.path.join(ds._path, "bad.py")
    with open(path) as f:
        lines = f.read().splitlines(keepends=True)
    lines.insert(len(lines) - 2, "garbage(\n")
    with open(path, "w") as f:
        f.write("".join(lines))
    line = len(lines) - 2
    with pytest.raises(DamagedEntryError) as info:
        _ = DataSet("s", path=str(tmp_path), safe=safe).bad
    assert f"at line {line} of {path}" in str(info.value)
    assert "<archive>" not in str(info.value)


def test_importing_a_store_with_a_damaged_entry_still_works(ds):
    ds.good = 1
    with open(os.path.join(ds._path, "bad.py"), "w") as f:
        f.write("garbage(\n")
    parent = os.path.dirname(ds._path)
    script = (
        f"import sys; sys.path.insert(0, {parent!r}); import store\n"
        "print(store.good)\n"
        "try:\n    store.bad\nexcept Exception as e:\n    print(type(e).__name__, e.name)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["1", "DamagedEntryError", "bad"]


# ---- leftovers of killed writers ------------------------------------------------------------


def _dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_leftovers_of_a_dead_writer_are_removed_by_the_next_writer(ds):
    ds.kept = np.arange(300.0)
    before = files(ds)
    token = f"{writers.HOST}-{_dead_pid()}-0123abcd"
    leftovers = [f".x.{token}.tmp", f"x.{token}.h5", f"x.{token}-info.h5", ".x_7.claim"]
    for name in leftovers:
        with open(os.path.join(ds._path, name), "w") as f:
            f.write(token if name.endswith("claim") else "")
    os.symlink(token, os.path.join(ds._path, ".x_8.claim"))
    # an orphaned old data file recorded by a drop marker of the dead writer
    with open(os.path.join(ds._path, "old.aaaaaa-1-00000000.h5"), "w"):
        pass
    with open(os.path.join(ds._path, f".old.{token}.drop"), "w") as f:
        f.write('["old.aaaaaa-1-00000000.h5"]')
    reader = DataSet("store", path=os.path.dirname(ds._path))
    assert sorted(reader) == ["kept"]  # readers ignore leftovers
    DataSet("store", "w", path=os.path.dirname(ds._path))
    assert files(ds) == before


def test_leftovers_of_a_live_writer_are_kept(ds):
    token = writers.new_token()
    tmp = os.path.join(ds._path, f".x.{token}.tmp")
    open(tmp, "w").close()
    claim = os.path.join(ds._path, ".x_3.claim")
    os.symlink(token, claim)
    DataSet("store", "w", path=os.path.dirname(ds._path))
    assert os.path.exists(tmp) and os.path.islink(claim)
    assert ds._insert(1) == ["x_0"] and ds._insert(2) == ["x_1"]
    assert ds._insert(3) == ["x_2"] and ds._insert(4) == ["x_4"]  # x_3 is claimed


def test_claims_fall_back_to_hard_links_without_symbolic_links(tmp_path, monkeypatch):
    def no_symlinks(*args, **kwargs):
        raise PermissionError("symbolic links are not supported here")

    monkeypatch.setattr(claims.os, "symlink", no_symlinks)
    assert claims.claim_name(str(tmp_path), "x_", 0) == ("x_0", 0)
    assert claims.claim_name(str(tmp_path), "x_", 0) == ("x_1", 1)
    assert (tmp_path / ".x_0.claim").read_text() != ""
    assert sorted(os.listdir(tmp_path)) == [".x_0.claim", ".x_1.claim"]


# ---- locking modes -------------------------------------------------------------------------


def test_unsynchronized_writer_holds_the_lock_until_closed(tmp_path):
    first = DataSet("s", "w", path=str(tmp_path), synchronize=False, timeout=5)
    first.a = 1
    with pytest.raises(LockTimeout):
        DataSet("s", "w", path=str(tmp_path), synchronize=False, timeout=0.2)
    synced = DataSet("s", "w", path=str(tmp_path), timeout=0.2)
    with pytest.raises(TimeoutError):
        synced.b = 2
    assert DataSet("s", path=str(tmp_path)).a == 1  # readers never wait
    first._close()
    with DataSet("s", "w", path=str(tmp_path), synchronize=False, timeout=0.2) as second:
        second.b = 2
    with pytest.raises(ReadOnlyError, match="closed"):
        second.c = 3
    assert sorted(DataSet("s", path=str(tmp_path))) == ["a", "b"]


def test_soft_locking_store_writes_and_reads(tmp_path):
    ds = DataSet("s", "w", path=str(tmp_path), locking="soft", synchronize=False, timeout=0.2)
    ds.a = 1
    with pytest.raises(LockTimeout):
        DataSet("s", "w", path=str(tmp_path), locking="soft", synchronize=False, timeout=0.2)
    ds._close()
    assert DataSet("s", path=str(tmp_path)).a == 1


def test_verbose_store_logs_its_writes(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="archived.dataset"):
        ds = DataSet("s", "w", path=str(tmp_path), verbose=True)
        ds.a = 1
        del ds.a
        quiet = DataSet("s", "w", path=str(tmp_path))
        quiet.b = 1
    messages = [r.getMessage() for r in caplog.records]
    assert any("created" in m for m in messages)
    assert any("wrote 'a'" in m for m in messages)
    assert any("deleted 'a'" in m for m in messages)
    assert not any("'b'" in m for m in messages)


# ---- the store as a module ------------------------------------------------------------------


def test_loader_file_is_not_rewritten_by_writes(ds):
    init = os.path.join(ds._path, "__init__.py")
    before = open(init).read(), os.stat(init).st_mtime_ns
    for i in range(5):
        ds._insert(i, info=i)
    del ds.x_0
    assert (open(init).read(), os.stat(init).st_mtime_ns) == before


def test_imported_store_lists_and_loads_entries_live(ds, monkeypatch):
    import importlib

    monkeypatch.syspath_prepend(os.path.dirname(ds._path))
    ds._insert(np.arange(300.0), info="arr")
    mod = importlib.import_module("store")
    try:
        assert list(mod._info_dict) == ["x_0"]
        ds.later = "added after import"
        assert mod.later == "added after import"
        assert "later" in dir(mod) and "later" in mod._info_dict
        np.testing.assert_array_equal(mod._info_dict["x_0"].load(), np.arange(300.0))
        with pytest.raises(KeyError):
            mod._info_dict["absent"]
    finally:
        sys.modules.pop("store", None)


def test_a_renamed_store_imports_and_its_docstring_names_no_other_store(tmp_path, monkeypatch):
    # the loader's docstring said "The DataSet 'runs'" and "archived.DataSet('runs', ...)"
    # after `mv runs moved`: import worked (the module takes its folder's name), but the
    # help it printed named a store that is not there
    import importlib

    runs = DataSet("runs", "w", path=str(tmp_path))
    runs.x = [1, 2]
    os.rename(tmp_path / "runs", tmp_path / "moved")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        moved = importlib.import_module("moved")
        assert moved.x == [1, 2] and list(moved._info_dict) == ["x"]
        assert "runs" not in moved.__doc__ and "<this folder's name>" in moved.__doc__
        assert DataSet("moved", path=str(tmp_path)).x == [1, 2]
    finally:
        sys.modules.pop("moved", None)


# ---- stores written by persist 3.x --------------------------------------------------------

PERSIST_INIT = """\
_g5 = 'info of a'
_g4 = 'a'

def _g7(_l_0=10, _l_1=1.2):
    return (_l_0, _l_1)
_g7 = _g7()

def _g2(_l_0='x_0', _l_1=_g7):
    return (_l_0, _l_1)
_g2 = _g2()

def _g1(_l_0=_g4,_l_1=_g5):
    return (_l_0, _l_1)
_g1 = _g1()

def _info_dict(_l_0=_g1,_l_1=_g2):
    from builtins import dict
    return dict([_l_0, _l_1])
_info_dict = _info_dict()
del _g1, _g2, _g4, _g5, _g7
try: del __builtins__, _arrays
except NameError: pass
def _g_clear_single_item_modules():
    import sys, types
    if not __name__ in sys.modules:
        return
    this_module = sys.modules[__name__]
    for key in list(this_module.__dict__):
        sub_module = __name__ + '.' + key  # Name of submodule
        if (sub_module in sys.modules
                and not isinstance(sys.modules[sub_module], types.ModuleType)):
            del this_module.__dict__[key]
            del sys.modules[sub_module]
_g_clear_single_item_modules()
del _g_clear_single_item_modules
"""

PERSIST_A = """\
_g3 = 'x'
_g2 = 2.5
_g1 = 1

def a(_l_0=_g1,_l_1=_g2,_l_2=_g3):
    return [_l_0, _l_1, _l_2]
a = a()
del _g3, _g2, _g1
try: del __builtins__, _arrays
except NameError: pass
import sys
import warnings
sys.modules[__name__] = a"""

PERSIST_X0 = """
def _arrays():
    import os.path, numpy
    try: dir = os.path.dirname(__file__)
    except NameError: dir = '/elsewhere/x_0_data'
    res = {}
    for name in ['array_0']:
        filename = os.path.join(dir, 'x_0_data', name + ".npy")
        res[name] = numpy.asarray(numpy.load(filename))
    return res

_arrays = _arrays()
x_0 = _arrays['array_0']
try: del __builtins__, _arrays
except NameError: pass
import sys
import warnings
sys.modules[__name__] = x_0"""


def _persist_layout(folder):
    """The files persist 3.2.1 writes for a = [1, 2.5, 'x'] and one big array x_0."""
    os.makedirs(os.path.join(folder, "x_0_data"))
    open(os.path.join(folder, "_this_dir_is_a_DataSet"), "w").close()
    for name, text in [("__init__.py", PERSIST_INIT), ("a.py", PERSIST_A), ("x_0.py", PERSIST_X0)]:
        with open(os.path.join(folder, name), "w") as f:
            f.write(text)
    np.save(os.path.join(folder, "x_0_data", "array_0.npy"), np.arange(20.0))


def _check_persist_store(path):
    ds = DataSet("old", path=path)
    assert sorted(ds) == ["a", "x_0"] and len(ds) == 2 and "a" in ds
    assert ds["a"] == "info of a" and ds["x_0"] == (10, 1.2)
    assert ds.a == [1, 2.5, "x"]
    np.testing.assert_array_equal(ds.x_0, np.arange(20.0))
    assert dict(ds._info_items()) == {"a": "info of a", "x_0": (10, 1.2)}
    with pytest.raises(AttributeError):
        _ = ds.missing
    with pytest.raises(ReadOnlyError):
        ds.a = 2
    with pytest.raises(ReadOnlyError, match="persist"):
        DataSet("old", "w", path=path)
    assert not any(m.startswith("_archived_persist") for m in sys.modules)


def test_store_in_persist_layout_opens_read_only(tmp_path):
    _persist_layout(str(tmp_path / "old"))
    _check_persist_store(str(tmp_path))


def test_store_written_by_persist_itself_opens_read_only(tmp_path):
    pytest.importorskip("persist.archive", reason="persist 3.x is not installed")
    from persist.archive import DataSet as PersistDataSet

    old = PersistDataSet("old", "w", path=str(tmp_path), array_threshold=10)
    old.a = [1, 2.5, "x"]
    old["a"] = "info of a"
    old._insert(np.arange(20.0), info=(10, 1.2))
    del old
    _check_persist_store(str(tmp_path))


def test_persist_store_entries_copy_into_a_new_store(tmp_path):
    _persist_layout(str(tmp_path / "old"))
    old = DataSet("old", path=str(tmp_path))
    new = DataSet("new", "w", path=str(tmp_path))
    for name, info in old._info_items():
        new._insert(getattr(old, name), info=info, name=name)
    assert dict(new._info_items()) == dict(old._info_items())
    np.testing.assert_array_equal(new.x_0, old.x_0)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to name fds")
@pytest.mark.parametrize("durable", [True, False])
def test_durable_commits_fsync_the_entry_and_the_directory(tmp_path, monkeypatch, durable):
    ds = DataSet("s", "w", path=str(tmp_path), durable=durable)
    synced = []
    real_fsync, real_fdatasync = os.fsync, getattr(os, "fdatasync", os.fsync)

    def spy(real):
        def call(fd):
            synced.append(os.readlink(f"/proc/self/fd/{fd}"))
            return real(fd)

        return call

    monkeypatch.setattr(os, "fsync", spy(real_fsync))
    monkeypatch.setattr(os, "fdatasync", spy(real_fdatasync), raising=False)
    ds._insert([1, 2], info="small", name="a")
    if durable:
        assert len(synced) == 2 and synced[1] == ds._path
        assert os.path.basename(synced[0]).startswith(".a.")  # the entry, before its rename
    else:
        assert synced == []
    assert DataSet("s", path=str(tmp_path)).a == [1, 2]


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to name fds")
@pytest.mark.parametrize("durable", [True, False])
def test_durable_commits_of_big_arrays_fsync_the_data_file_first(tmp_path, monkeypatch, durable):
    ds = DataSet("s", "w", path=str(tmp_path), array_threshold=10, durable=durable)
    synced = []
    real_fsync, real_fdatasync = os.fsync, getattr(os, "fdatasync", os.fsync)

    def spy(real):
        def call(fd):
            synced.append(os.path.basename(os.readlink(f"/proc/self/fd/{fd}")))
            return real(fd)

        return call

    monkeypatch.setattr(os, "fsync", spy(real_fsync))
    monkeypatch.setattr(os, "fdatasync", spy(real_fdatasync), raising=False)
    ds.big = np.arange(50.0)
    if durable:
        assert len(synced) == 3
        assert ".h5" in synced[0] and synced[1].startswith(".big.") and synced[2] == "s"
    else:
        assert synced == []  # not even the HDF5 file: durable=False means no fsync at all
    np.testing.assert_array_equal(DataSet("s", path=str(tmp_path)).big, np.arange(50.0))


def test_a_store_being_created_is_never_visible_half_made(tmp_path):
    import threading

    done = threading.Event()
    seen_bare = []

    def create():
        for n in range(40):
            DataSet(f"s{n}", "w", path=str(tmp_path))
        done.set()

    thread = threading.Thread(target=create)
    thread.start()
    while not done.is_set():
        for n in range(40):
            if os.path.isdir(tmp_path / f"s{n}"):
                try:
                    DataSet(f"s{n}", path=str(tmp_path))
                except StoreNotFoundError:
                    seen_bare.append(n)
    thread.join()
    assert seen_bare == []
    assert sorted(os.listdir(tmp_path)) == sorted(f"s{n}" for n in range(40))


def test_writers_creating_one_store_at_once_all_write_into_it(tmp_path):
    script = (
        "import sys\nfrom archived.store.dataset import DataSet\n"
        "ds = DataSet('s', 'w', path=sys.argv[1])\n"
        "setattr(ds, 'w' + sys.argv[2], int(sys.argv[2]))\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(tmp_path), str(i)]) for i in range(4)
    ]
    assert [p.wait(timeout=600) for p in procs] == [0] * 4
    assert os.listdir(tmp_path) == ["s"]
    ds = DataSet("s", path=str(tmp_path))
    assert {name: getattr(ds, name) for name in ds} == {f"w{i}": i for i in range(4)}


def test_an_existing_empty_directory_becomes_a_store(tmp_path):
    (tmp_path / "s").mkdir()
    DataSet("s", "w", path=str(tmp_path)).a = 1
    assert DataSet("s", path=str(tmp_path)).a == 1


def test_a_pickled_dataset_reopens_the_same_store_with_the_same_settings(tmp_path):
    import pickle

    ds = DataSet("s", "w", path=str(tmp_path), array_threshold=5, name_prefix="r", durable=False)
    ds._insert(np.arange(10.0), info="i")
    copy = pickle.loads(pickle.dumps(ds))
    assert (copy._path, copy._array_threshold, copy._name_prefix) == (ds._path, 5, "r")
    assert copy._durable is False and copy._mode == "w"
    assert copy._insert(np.arange(6.0)) == ["r1"]
    assert len(data_files(ds)) == 2  # the copy's threshold sent the array to HDF5
    ro = pickle.loads(pickle.dumps(DataSet("s", path=str(tmp_path))))
    with pytest.raises(ReadOnlyError):
        ro.x = 1


def test_creating_a_store_removes_staging_left_by_a_killed_creator(tmp_path):
    dead = tmp_path / f".s.{writers.HOST}-{_dead_pid()}-0123abcd.new"
    dead.mkdir()
    (dead / "__init__.py").write_text("# half made\n")
    (dead / ".locking").write_text("fcntl\n")
    (dead / f".__init__.{writers.HOST}-{_dead_pid()}-0123abcd.tmp").write_text("# half\n")
    live = tmp_path / f".s.{writers.new_token()}.new"
    live.mkdir()
    DataSet("s", "w", path=str(tmp_path))
    assert sorted(os.listdir(tmp_path)) == [live.name, "s"]


def test_creating_a_store_keeps_a_folder_of_the_staging_shape_it_did_not_make(tmp_path):
    # a folder named .s.<anything>.new an hour old was removed whole (rmtree) when store
    # s was created beside it: one not named by a creator's token, and one holding what
    # a creator never writes (a folder of results), are a person's, and stay
    old = tmp_path / ".s.backup.new"
    (old / "results").mkdir(parents=True)
    (old / "results" / "run1.csv").write_text("a,b\n")
    os.utime(old, (0, 0))
    other = tmp_path / f".s.{writers.HOST}-{_dead_pid()}-0123abcd.new"
    (other / "notes").mkdir(parents=True)
    (other / "__init__.py").write_text("# mine\n")
    DataSet("s", "w", path=str(tmp_path))
    assert sorted(os.listdir(tmp_path)) == sorted([old.name, other.name, "s"])
    assert (old / "results" / "run1.csv").read_text() == "a,b\n"
    assert sorted(os.listdir(other)) == ["__init__.py", "notes"]


def test_every_public_identifier_is_a_valid_entry_name(tmp_path):
    # the DataSet's own methods start with "_" (as _insert does), so "close" and
    # "table" are free for the user's data
    ds = DataSet("names", "w", path=str(tmp_path))
    ds.close = 1
    ds.table = [2]
    assert (ds.close, ds.table, sorted(ds)) == (1, [2], ["close", "table"])


def test_creator_that_loses_the_race_to_another_creator_opens_its_store(tmp_path):
    # the race: this writer looked, found no store, then another writer renamed its
    # complete store into place before this one created its own
    first = DataSet("s", "w", path=str(tmp_path))
    first.a = 1
    late = DataSet("s", "w", path=str(tmp_path))
    native._create(first._path, "fcntl", lambda *args: None)
    late.b = 2
    assert sorted(DataSet("s", path=str(tmp_path))) == ["a", "b"]


def test_a_relative_path_is_resolved_once_when_the_dataset_is_opened(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    ds = DataSet("s", "w", path="results")
    assert ds._path == str(tmp_path / "a" / "results" / "s")
    monkeypatch.chdir(tmp_path / "b")  # the script changes directory: the store stays
    ds.x = 1
    assert sorted(DataSet("s", path=str(tmp_path / "a" / "results"))) == ["x"]
    assert not (tmp_path / "b" / "results").exists()
    # a worker started in another directory reopens the same store
    code = "import pickle, sys; ds = pickle.loads(sys.stdin.buffer.read()); ds.y = 2"
    subprocess.run([sys.executable, "-c", code], input=pickle.dumps(ds), cwd="/", check=True)
    assert sorted(DataSet("s", path=str(tmp_path / "a" / "results"))) == ["x", "y"]


def test_assigning_a_name_starting_with_underscore_is_refused_not_silently_kept_in_memory(ds):
    # `ds._scratch = x` set a plain attribute: nothing written, gone with the object
    with pytest.raises(InvalidNameError, match="reserved for the store"):
        ds._scratch = [1, 2]
    assert list(ds) == [] and "_scratch" not in vars(ds)
    ds.scratch = [1, 2]
    assert DataSet("store", path=os.path.dirname(ds._path)).scratch == [1, 2]


@pytest.mark.parametrize("safe", [True, False], ids=["safe", "trusted"])
def test_a_hand_edit_saved_with_a_byte_order_mark_loads_as_python_reads_it(tmp_path, safe):
    # an editor saving "UTF-8 with BOM": the entry, still valid Python, was found damaged
    # (no header line), set aside and its result computed again
    from archived import archived

    f = archived(tmp_path / "runs")(_half)
    assert f(3) == 1.5
    [name] = f.dataset
    path = os.path.join(str(tmp_path / "runs"), name + ".py")
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    with open(path, "w", encoding="utf-8-sig") as fh:
        fh.write(text.replace("= 1.5", "= 1.25"))
    assert getattr(DataSet("runs", path=str(tmp_path), safe=safe), name) == 1.25
    with pytest.warns(EditedEntryWarning):
        assert f(3) == 1.5  # an edited value is no hit: the call's result, computed
    with open(path, "w", encoding="utf-8-sig") as fh:
        fh.write(text)  # the value as stored, saved with a mark: read as Python reads it
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f(3) == 1.5 and f.is_cached(3)  # a hit, neither damaged nor edited
    assert not os.path.exists(os.path.join(str(tmp_path / "runs"), ".damaged"))


def _half(x):
    return x / 2
