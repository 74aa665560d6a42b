"""Files users keep on disk stay readable, and the source the engine writes stays the same.

``tests/data`` holds an archive, a DataSet and a cache store written by archived 0.1.0
(``tests/data/make_golden.py``), and the same archive as 0.1.0 wrote it under numpy 1.26
(numpy 1.x names ``numpy.bool`` ``bool_`` and cannot call ``complex64(re, im)``, so the
engine writes those two differently there); both archives load under either numpy.
It also holds the source the engine writes today (numpy 2) for plain values 0.1.0 wrote
as pickles (``plain_values.py``, pinned in ``plain_source.txt``).
Archives and store loaders name the module paths ``archived.arrays``, ``archived.hdf5``,
``archived.reps`` and ``archived.storemodule``; a refactor may move code anywhere, but
these paths and the bytes written for the same objects must not change.
"""

import datetime
import importlib
import math
import re
import shutil
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from archived import Archive, DataSet, archived, restore

DATA = Path(__file__).parent / "data"
NUMPY_1 = int(np.__version__.split(".")[0]) < 2
KEPT_ARCHIVES = ["archive_0_1_0.py", "archive_0_1_0_numpy1.py"]  # under numpy 2, numpy 1.26


@pytest.fixture(scope="module")
def golden():
    sys.path.insert(0, str(DATA))
    try:
        yield importlib.import_module("golden_values")
    finally:
        sys.path.remove(str(DATA))


def identical(a, b):
    """``a`` and ``b`` are the same value bit for bit: types, dtypes, memory order, nan bits."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return (
            a.dtype == b.dtype
            and a.dtype.str == b.dtype.str
            and a.shape == b.shape
            and a.flags.f_contiguous == b.flags.f_contiguous
            and a.tobytes("A") == b.tobytes("A")
        )
    if isinstance(a, np.generic):
        return a.dtype == b.dtype and a.tobytes() == b.tobytes()
    if isinstance(a, float):
        return struct.pack("<d", a) == struct.pack("<d", b)
    if isinstance(a, complex):
        return identical(a.real, b.real) and identical(a.imag, b.imag)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(map(identical, a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(identical(a[k], b[k]) for k in a)
    return bool(a == b)


@pytest.mark.parametrize("kept", KEPT_ARCHIVES)
def test_archive_written_by_0_1_0_restores_to_the_same_values(golden, kept):
    source = (DATA / kept).read_text()
    restored = restore(source, datadir=str(DATA))
    expected = golden.archive_values()
    assert list(restored) == list(expected)
    for name, value in expected.items():
        assert identical(restored[name], value), name
    assert math.isnan(restored["nan"])
    shared = restored["shared"]
    assert shared[0] is shared[1] is shared[2]["again"]


@pytest.mark.parametrize("kept", KEPT_ARCHIVES)
def test_archive_written_by_0_1_0_loads_safely_too(golden, kept):
    source = (DATA / kept).read_text()
    restored = restore(source, datadir=str(DATA), safe=True)
    for name, value in golden.archive_values().items():
        assert identical(restored[name], value), name


def test_the_engine_writes_byte_identical_source_for_the_kept_objects(golden, tmp_path):
    arch = Archive(array_threshold=100, datafile=str(tmp_path / "archive_0_1_0.h5"))
    arch.insert(**golden.archive_values())
    source = str(arch)
    # each array of the data file is named with its digest since 0.1.0 (checked on
    # load): everything else is byte for byte what 0.1.0 wrote
    assert source.count("_load_array(") == len(re.findall(r", digest='[0-9a-f]{32}'\)", source))
    assert (
        re.sub(r", digest='[0-9a-f]{32}'", "", source)
        == (DATA / KEPT_ARCHIVES[NUMPY_1]).read_text()
    )


@pytest.fixture(scope="module")
def plain():
    sys.path.insert(0, str(DATA))
    try:
        yield importlib.import_module("plain_values").plain_values()
    finally:
        sys.path.remove(str(DATA))


def source_of(value):
    """Archive source of ``value``: the same text means the same types, dtypes and bits."""
    arch = Archive()
    arch.insert(v=value)
    return str(arch)


@pytest.mark.skipif(NUMPY_1, reason="pinned for numpy 2 (StringDType, numpy.bool)")
def test_plain_values_0_1_0_pickled_are_written_as_the_pinned_source_without_pickle(plain):
    arch = Archive()
    arch.insert(**plain)
    assert str(arch) == (DATA / "plain_source.txt").read_text()
    assert "pickle" not in str(arch)


@pytest.mark.skipif(NUMPY_1, reason="pinned for numpy 2 (StringDType, numpy.bool)")
@pytest.mark.parametrize("safe", [False, True])
def test_the_pinned_plain_source_loads_to_the_same_values(plain, safe):
    restored = restore((DATA / "plain_source.txt").read_text(), safe=safe)
    assert list(restored) == list(plain)
    for name, values in plain.items():
        for got, value in zip(restored[name], values, strict=True):
            assert type(got) is type(value) and source_of(got) == source_of(value), (name, value)
    assert restored["dtypes"][-3].metadata == {"unit": "m"}
    assert [struct.pack("<d", x) for x in restored["odd_nans"][:2]] == [
        struct.pack("<d", x) for x in plain["odd_nans"][:2]
    ]
    assert restored["times"][3] is datetime.timezone.utc


def copy_of(tmp_path, name):
    shutil.copytree(DATA / name, tmp_path / name)
    return tmp_path


@pytest.mark.parametrize("safe", [False, True])
def test_store_written_by_0_1_0_reads_every_entry_and_info(golden, tmp_path, safe):
    folder = copy_of(tmp_path, "store_0_1_0")
    ds = DataSet("store_0_1_0", path=str(folder), safe=safe)
    expected = golden.store_values()
    assert sorted(ds) == sorted([*expected, "x_0"])
    for name, (value, info) in expected.items():
        assert identical(getattr(ds, name), value), name
        assert ds[name] == info
    assert ds.x_0 == [1, 2, 3] and ds["x_0"] == {"inserted": True}


def test_store_written_by_0_1_0_imports_as_a_module_through_archived_storemodule(tmp_path):
    folder = copy_of(tmp_path, "store_0_1_0")
    assert (
        "from archived.storemodule import" in (folder / "store_0_1_0" / "__init__.py").read_text()
    )
    sys.path.insert(0, str(folder))
    try:
        module = importlib.import_module("store_0_1_0")
        assert module.x == 42
        assert module._info_dict["curve"].info == {"unit": "m"}
        assert identical(module._info_dict["curve"].load(), np.linspace(0.0, 1.0, 2000))
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop("store_0_1_0", None)


def test_cache_store_written_by_0_1_0_answers_the_same_calls_without_computing(golden, tmp_path):
    folder = copy_of(tmp_path, "cache_0_1_0")
    store = folder / "cache_0_1_0"
    before = sorted(p.name for p in store.iterdir())
    cached = archived(str(store))(golden.square)
    for args, kwargs, result in [
        ((1,), {}, 1),
        ((2,), {}, 4),
        ((3,), {}, 9),
        ((2,), {"power": 3}, 8),
    ]:
        assert cached.is_cached(*args, **kwargs), (args, kwargs)
        assert cached(*args, **kwargs) == result
    # nothing was computed again (the first writer only recorded the store's locking kind)
    assert sorted(p.name for p in store.iterdir() if p.name != ".locking") == before


@pytest.mark.parametrize(
    "module, names",
    [
        ("archived.arrays", ["from_bytes", "scalar_from_bytes", "load_array"]),
        ("archived.hdf5", ["load_array"]),
        ("archived.reps", ["object_array"]),
        ("archived.storemodule", ["attach"]),
    ],
)
def test_module_paths_written_into_users_files_stay_importable(module, names):
    imported = importlib.import_module(module)
    for name in names:
        assert callable(getattr(imported, name)), f"{module}.{name}"
