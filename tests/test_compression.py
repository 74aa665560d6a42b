"""compress= writes big arrays through a standard HDF5 filter that other HDF5 readers
understand; archived reads them back exactly, without PyTables, and refuses damage."""

import os
import subprocess
import sys

import numpy as np
import pytest
import tables

from archived import Archive, DamagedArrayError, DataSet, archived, restore
from archived.engine.hdf5 import ArrayWriter, _read_trailer, load_array

RNG = np.random.default_rng(3)
ARRAYS = {
    "smooth_float64": np.sin(np.linspace(0.0, 60.0, 400_000)),  # shuffle helps
    "rounded_decimals": np.cumsum(RNG.standard_normal(300_000)).round(2),  # shuffle hurts
    "counts_2d_int16": RNG.poisson(4, (700, 513)).astype(np.int16),  # partial last chunk
    "fortran_float32": np.asfortranarray(RNG.random((300, 900)).astype(np.float32)),
    "big_endian": np.arange(200_000, dtype=">f8"),  # stored as raw bytes
    "structured": np.zeros(50_000, dtype=[("x", "<f8"), ("n", "<i4")]),
    "unicode": np.array(["abc", "de"] * 20_000),
    "one_row_per_chunk": RNG.random((3, 200_000)),
}


def exact(a, b):
    return (
        type(a) is type(b)
        and a.dtype == b.dtype
        and a.dtype.str == b.dtype.str
        and a.shape == b.shape
        and a.flags.f_contiguous == b.flags.f_contiguous
        and a.tobytes("A") == b.tobytes("A")
    )


@pytest.fixture(scope="module")
def zlib_file(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("z") / "data.h5")
    with ArrayWriter(path, compress=True) as writer:
        keys = {name: writer.add(a) for name, a in ARRAYS.items()}
    return path, keys


@pytest.mark.parametrize("name", sorted(ARRAYS))
def test_zlib_compressed_arrays_come_back_exactly_through_the_index(zlib_file, name):
    path, keys = zlib_file
    with open(path, "rb") as f:
        index, _ = _read_trailer(f)
    assert "chunks" in index[keys[name]]  # read by archived itself, no HDF5
    assert exact(load_array(path, keys[name]), ARRAYS[name])


def test_zlib_files_use_hdf5s_own_filters_so_any_hdf5_reader_opens_them(zlib_file):
    path, keys = zlib_file
    with tables.open_file(path) as h5:  # PyTables stands in for h5py, h5dump, HDFView
        node = h5.get_node("/", keys["smooth_float64"])
        assert node.filters.complib == "zlib" and node.filters.shuffle
        assert not h5.get_node("/", keys["rounded_decimals"]).filters.shuffle
        np.testing.assert_array_equal(node.read(), ARRAYS["smooth_float64"])
        counts = h5.get_node("/", keys["counts_2d_int16"]).read()
        np.testing.assert_array_equal(counts, ARRAYS["counts_2d_int16"])


def test_compressible_data_takes_less_room_than_raw(zlib_file):
    path, _ = zlib_file
    assert os.path.getsize(path) < 0.6 * sum(a.nbytes for a in ARRAYS.values())


def test_reading_a_zlib_array_needs_no_pytables(tmp_path):
    path = str(tmp_path / "d.h5")
    with ArrayWriter(path, compress=True) as writer:
        writer.add(ARRAYS["smooth_float64"])
    code = (
        "import sys; from archived.engine.hdf5 import load_array\n"
        f"a = load_array({path!r}, 'a0')\n"
        "print(a.shape, 'tables' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.split() == ["(400000,)", "False"], out.stderr


def test_blosc_is_written_through_pytables_and_read_back_by_it(tmp_path):
    path = str(tmp_path / "b.h5")
    with ArrayWriter(path, compress="blosc:lz4") as writer:
        writer.add(ARRAYS["counts_2d_int16"])
    with tables.open_file(path) as h5:
        assert h5.root.a0.filters.complib == "blosc:lz4"
    assert exact(load_array(path, "a0"), ARRAYS["counts_2d_int16"])


@pytest.mark.parametrize("bad", ["gzip", ("zlib", 0), ("zlib", 10), 3, ("zlib", "9")])
def test_an_unknown_compression_is_refused_naming_the_option(bad, tmp_path):
    with pytest.raises(ValueError, match="compress="):
        Archive(compress=bad)
    with pytest.raises(ValueError, match="compress="):
        DataSet("s", "w", path=str(tmp_path), compress=bad)


def test_a_damaged_compressed_chunk_is_reported_as_damage(tmp_path):
    path = str(tmp_path / "d.h5")
    with ArrayWriter(path, compress=True) as writer:
        writer.add(ARRAYS["smooth_float64"])
    with open(path, "rb") as f:
        index, _ = _read_trailer(f)
    _, _, addr, size = index["a0"]["chunks"][1]
    with open(path, "r+b") as f:
        f.seek(addr + size // 2)
        f.write(b"\xff" * 16)
    with pytest.raises(DamagedArrayError, match="a0"):
        load_array(path, "a0")


def test_a_store_and_a_cached_function_compress_their_big_arrays(tmp_path):
    data = ARRAYS["counts_2d_int16"]
    ds = DataSet("s", "w", path=str(tmp_path), compress=True)
    ds.counts = data
    [h5] = [f for f in os.listdir(ds._path) if f.endswith(".h5")]
    assert os.path.getsize(os.path.join(ds._path, h5)) < data.nbytes / 3
    assert exact(DataSet("s", path=str(tmp_path)).counts, data)  # reading needs no option
    assert exact(DataSet("s", path=str(tmp_path), safe=True).counts, data)

    @archived(str(tmp_path / "cache"), compress=("zlib", 1))
    def counts(n):
        return data[:n]

    assert exact(counts(700), data)
    folder = str(tmp_path / "cache")
    [h5] = [f for f in os.listdir(folder) if f.endswith(".h5")]
    assert os.path.getsize(os.path.join(folder, h5)) < data.nbytes / 3
    assert exact(counts(700), data)


def test_a_safe_load_of_a_blosc_array_says_only_a_trusted_load_reads_it(tmp_path):
    # a colleague opening the store safely: the refusal names the cause, not only the index
    from archived import UnsafeArchiveError

    data = ARRAYS["counts_2d_int16"]
    ds = DataSet("s", "w", path=str(tmp_path), compress="blosc:lz4")
    ds.counts = data
    with pytest.raises(UnsafeArchiveError, match=r"compress='blosc:\.\.\.'.* loads only trusted"):
        _ = DataSet("s", path=str(tmp_path), safe=True).counts
    assert exact(DataSet("s", path=str(tmp_path)).counts, data)


def test_a_compressed_archive_restores_like_any_other(tmp_path):
    a = Archive(array_threshold=100, datafile=str(tmp_path / "v.h5"), compress=True)
    a.insert(x={"field": ARRAYS["fortran_float32"], "n": 3})
    got = restore(str(a), datadir=str(tmp_path), safe=True)["x"]
    assert exact(got["field"], ARRAYS["fortran_float32"]) and got["n"] == 3
