"""mmap_mode="r" returns big stored arrays as read-only memory maps of their bytes, which
stay valid while alive even when the entry is overwritten or deleted."""

import os

import numpy as np
import pytest

from archived import DataSet, archived
from helpers import needs_stringdtype


@pytest.fixture
def store(tmp_path):
    writer = DataSet("s", "w", path=str(tmp_path))
    reader = DataSet("s", path=str(tmp_path), mmap_mode="r")
    return writer, reader


def test_a_big_array_is_a_read_only_map_of_the_stored_bytes(store):
    writer, reader = store
    data = np.arange(100_000, dtype="<f8").reshape(100, 1000)
    writer.x = {"field": data, "small": np.arange(3)}
    got = reader.x
    field = got["field"]
    assert isinstance(field, np.memmap) and not field.flags.writeable
    assert field.dtype == data.dtype and field.shape == data.shape
    np.testing.assert_array_equal(field, data)
    with pytest.raises(ValueError, match="read-only"):
        field[0, 0] = 1.0
    assert type(got["small"]) is np.ndarray  # inline arrays are in the source


@pytest.mark.parametrize(
    "data",
    [
        np.asfortranarray(np.arange(20_000.0).reshape(100, 200)),
        np.arange(5_000, dtype=">i4"),
        np.zeros(1_000, dtype=[("x", "<f8"), ("n", "<i2")]),
    ],
    ids=["fortran", "big-endian", "structured"],
)
def test_maps_keep_order_byte_order_and_structure(store, data):
    writer, reader = store
    writer.x = data
    got = reader.x
    assert isinstance(got, np.memmap)
    assert got.dtype.str == data.dtype.str and got.flags.f_contiguous == data.flags.f_contiguous
    assert got.tobytes("A") == data.tobytes("A")


@pytest.mark.parametrize("backup_data", [False, True])
def test_a_map_stays_valid_after_its_entry_is_overwritten_then_deleted(tmp_path, backup_data):
    writer = DataSet("s", "w", path=str(tmp_path), backup_data=backup_data)
    reader = DataSet("s", path=str(tmp_path), mmap_mode="r")
    writer.x = np.full(50_000, 1.0)
    mapped = reader.x
    writer.x = np.full(50_000, 2.0)  # a new data file; the old one is unlinked (or moved)
    assert not [f for f in os.listdir(writer._path) if f.endswith(".h5") and "x." in f][1:]
    np.testing.assert_array_equal(mapped, 1.0)
    del writer.x
    np.testing.assert_array_equal(mapped, 1.0)
    assert float(mapped.sum()) == 50_000.0


def test_copy_on_write_maps_change_in_memory_only(store):
    writer, _ = store
    writer.x = np.zeros(10_000)
    cow = DataSet("s", path=os.path.dirname(writer._path), mmap_mode="c").x
    cow[:] = 7.0
    np.testing.assert_array_equal(writer.x, 0.0)


def test_compressed_arrays_are_read_into_memory(tmp_path):
    DataSet("s", "w", path=str(tmp_path), compress=True).x = np.zeros(10_000)
    got = DataSet("s", path=str(tmp_path), mmap_mode="r").x
    assert type(got) is np.ndarray
    np.testing.assert_array_equal(got, 0.0)


@needs_stringdtype
def test_string_arrays_are_read_into_memory(tmp_path):
    DataSet("s", "w", path=str(tmp_path)).x = np.array(["a", "bc"] * 100, dtype="T")
    got = DataSet("s", path=str(tmp_path), mmap_mode="r").x
    assert type(got) is np.ndarray
    assert got.dtype == np.dtypes.StringDType() and list(got[:3]) == ["a", "bc", "a"]


def test_a_cached_function_returns_maps_on_hits(tmp_path):
    @archived(str(tmp_path / "c"), mmap_mode="r")
    def ramp(n):
        return np.arange(float(n))

    first = ramp(1000)
    assert type(first) is np.ndarray  # a miss returns what the function computed
    hit = ramp(1000)
    assert isinstance(hit, np.memmap) and not hit.flags.writeable
    np.testing.assert_array_equal(hit, first)


def test_safe_loads_map_too(tmp_path):
    DataSet("s", "w", path=str(tmp_path)).x = np.arange(1000)
    got = DataSet("s", path=str(tmp_path), safe=True, mmap_mode="r").x
    assert isinstance(got, np.memmap)


def test_only_read_only_and_copy_on_write_maps_are_accepted(tmp_path):
    for bad in ("r+", "w+", "readwrite", 1):
        with pytest.raises(ValueError, match="mmap_mode="):
            DataSet("s", "w", path=str(tmp_path), mmap_mode=bad)
