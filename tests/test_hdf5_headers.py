"""One-array HDF5 files of a known layout are written without PyTables, byte for byte.

The first file holding one array of a layout is written through PyTables; the metadata
HDF5 put around its bytes is remembered, and later one-array files of that layout are
written directly (at close: a second array sends the file through PyTables).  These
tests prove the direct files are the very files PyTables writes, that PyTables reads
them, and that a second array falls back to PyTables.
"""

from __future__ import annotations

import numpy as np
import pytest

from archived.engine import hdf5
from archived.engine.hdf5 import ArrayWriter, load_array
from helpers import StringDType

LAYOUTS = {
    "float64_2d": lambda k: np.random.default_rng(k).random((300, 7)),
    "float32_big": lambda k: np.random.default_rng(k).random(300_000).astype(np.float32),
    "fortran": lambda k: np.asfortranarray(np.random.default_rng(k).random((40, 50))),
    "bool": lambda k: np.random.default_rng(k).integers(0, 2, 3000).astype(bool),
    "complex": lambda k: np.random.default_rng(k).random(2000) + 1j * k,
    "bytes": lambda k: np.array([b"ab", b"cde"] * 500) if k % 2 else np.array([b"x"] * 1000, "S3"),
    "unicode_raw": lambda k: np.array(["x", "yz"] * 300) if k % 2 else np.array(["q"] * 600, "U2"),
    "big_endian_raw": lambda k: np.arange(k, k + 4000, dtype=">i4"),
    "datetime_raw": lambda k: np.arange(k, k + 400).astype("datetime64[D]"),
}
if StringDType is not None:
    LAYOUTS["stringdtype"] = lambda k: np.array(
        ["ab", "c" * (k % 2 + 1)] * 50, dtype=StringDType()
    )


@pytest.fixture(autouse=True)
def no_headers_known(monkeypatch):
    monkeypatch.setattr(hdf5, "_HEADERS", {})


def write(path, *arrays) -> bytes:
    with ArrayWriter(path) as writer:
        for a in arrays:
            writer.add(a)
    return path.read_bytes()


def without_pytables(monkeypatch):
    def refuse(self):
        raise AssertionError("PyTables was used")

    monkeypatch.setattr(ArrayWriter, "_open_tables", refuse)


def same(got, a):
    assert got.dtype == a.dtype and got.shape == a.shape
    assert got.flags.f_contiguous == a.flags.f_contiguous or a.ndim < 2
    if a.dtype.kind == "T":
        assert got.tolist() == a.tolist()
    else:
        assert got.tobytes(order="A") == a.tobytes(order="A")


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_a_known_layout_is_written_without_pytables_as_the_very_file_pytables_writes(
    layout, tmp_path, monkeypatch
):
    make = LAYOUTS[layout]
    write(tmp_path / "first.h5", make(1))  # through PyTables: its metadata is learnt
    second = make(2)
    by_pytables = write(tmp_path / "pytables.h5", second)  # known now: goes direct
    hdf5._HEADERS.clear()
    assert write(tmp_path / "reference.h5", second) == by_pytables  # PyTables' own file
    write(tmp_path / "learn.h5", make(3))
    with monkeypatch.context() as m:
        without_pytables(m)
        direct = write(tmp_path / "direct.h5", second)
    assert direct == by_pytables
    same(load_array(tmp_path / "direct.h5", "a0"), second)
    same(hdf5._load_with_pytables(str(tmp_path / "direct.h5"), "a0"), second)


def test_another_shape_or_dtype_or_order_is_not_taken_for_a_known_layout(tmp_path, monkeypatch):
    a = np.arange(12.0).reshape(3, 4)
    write(tmp_path / "first.h5", a)
    for i, other in enumerate([a.reshape(4, 3), a.astype(np.float32), np.asfortranarray(a)]):
        with monkeypatch.context() as m:
            without_pytables(m)
            with pytest.raises(AssertionError, match="PyTables was used"):
                write(tmp_path / f"refused{i}.h5", other)
        write(tmp_path / f"{i}.h5", other)
        same(load_array(tmp_path / f"{i}.h5", "a0"), other)


def test_a_second_array_after_a_known_first_one_gives_the_file_pytables_writes(
    tmp_path, monkeypatch
):
    a, b = np.arange(5000.0), np.arange(7, dtype=np.int16)
    write(tmp_path / "learn.h5", a + 1)
    with monkeypatch.context() as m:  # a0's direct write waits: nothing is written twice
        m.setattr(ArrayWriter, "_write_direct", lambda *args: pytest.fail("written twice"))
        both = write(tmp_path / "both.h5", a, b)
    hdf5._HEADERS.clear()
    assert write(tmp_path / "reference.h5", a, b) == both
    same(load_array(tmp_path / "both.h5", "a0"), a)
    same(load_array(tmp_path / "both.h5", "a1"), b)
    same(hdf5._load_with_pytables(str(tmp_path / "both.h5"), "a0"), a)


def test_a_writer_given_no_array_still_leaves_an_empty_hdf5_file(tmp_path):
    import tables

    write(tmp_path / "empty.h5")
    with tables.open_file(str(tmp_path / "empty.h5")) as h5:
        assert list(h5.root) == []


def test_a_damaged_direct_file_is_reported_not_misread(tmp_path):
    a = np.arange(5000.0)
    write(tmp_path / "learn.h5", a + 1)
    data = bytearray(write(tmp_path / "direct.h5", a))
    (tmp_path / "cut.h5").write_bytes(data[: len(data) // 2])
    with pytest.raises(hdf5.DamagedArrayError, match="a0"):
        load_array(tmp_path / "cut.h5", "a0")


def test_the_known_layouts_are_bounded(tmp_path):
    for n in range(hdf5._HEADERS_KEPT + 10):
        write(tmp_path / f"{n}.h5", np.zeros(n + 1))
    assert len(hdf5._HEADERS) == hdf5._HEADERS_KEPT
