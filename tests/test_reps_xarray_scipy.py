"""xarray DataArrays and Datasets, and scipy.sparse matrices: readable calls with their
arrays in the data file, exact, and safe to load."""

import numpy as np
import pytest

from golden_reps import check_golden, loads, source_of

xr = pytest.importorskip("xarray")
sp = pytest.importorskip("scipy.sparse")
pd = pytest.importorskip("pandas")


def _data_array():
    return xr.DataArray(
        np.arange(600.0).reshape(20, 30),
        dims=("t", "x"),
        coords={
            "t": pd.date_range("2026-01-01", periods=20),
            "x": ("x", np.linspace(0.0, 1.0, 30), {"units": "m"}),
            "station": ("t", [f"s{i % 3}" for i in range(20)]),
        },
        name="temperature",
        attrs={"units": "K"},
    )


def _dense():
    rng = np.random.default_rng(7)
    return (rng.random((40, 50)) > 0.9) * rng.random((40, 50))


CASES = {
    "xarray_data_array": _data_array,
    "xarray_dataset": lambda: xr.Dataset(
        {"temperature": _data_array(), "pressure": (("x",), np.ones(30), {"units": "Pa"})},
        attrs={"run": 3},
    ),
    "sparse_csr_matrix": lambda: sp.csr_matrix(_dense()),
    "sparse_csc_array": lambda: sp.csc_array(_dense().astype("float32")),
    "sparse_coo_matrix": lambda: sp.coo_matrix(_dense()),
    "sparse_bsr_matrix": lambda: sp.bsr_matrix(_dense(), blocksize=(2, 5)),
    "sparse_dia_matrix": lambda: sp.dia_matrix(np.diag(np.arange(1.0, 6.0))),
    "sparse_dok_matrix": lambda: sp.dok_matrix(_dense()[:5, :5]),
}


def check_same(got, want):
    if isinstance(want, (xr.DataArray, xr.Dataset)):
        xr.testing.assert_identical(got, want)
        return
    assert type(got) is type(want) and got.dtype == want.dtype and got.shape == want.shape
    assert (got != want).nnz == 0
    if hasattr(want, "blocksize"):
        assert got.blocksize == want.blocksize


@pytest.mark.parametrize("case", sorted(CASES))
def test_value_round_trips_as_readable_source_and_loads_safely(case, tmp_path):
    value = CASES[case]()
    source = source_of(value, tmp_path)
    check_golden(case, source)
    assert "_loads(" not in source
    check_same(loads(source, tmp_path), value)
    check_same(loads(source, tmp_path, safe=True, allow=()), value)


def test_a_data_array_shared_by_a_dataset_is_stored_once(tmp_path):
    da = _data_array()
    source = source_of([da, xr.Dataset({"temperature": da})], tmp_path)
    assert source.count("_load_array('value.h5', 'a0', digest=") == 1
    assert "'a1'" not in source  # the 600 values went to the data file once


def test_a_forged_sparse_matrix_with_out_of_range_indices_is_refused():
    from archived import restore
    from archived.errors import UnsafeArchiveError

    forged = (
        "import archived.reps as _f\nimport numpy as _np\n"
        "value = _f.sparse('csr_matrix', [_np.array([1.0]), _np.array([99]),"
        " _np.array([0, 1])], (1, 2))\n"
    )
    with pytest.raises(UnsafeArchiveError, match="sparse"):
        restore(forged, safe=True)
