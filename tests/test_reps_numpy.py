"""numpy's masked arrays, record arrays and matrices: exact, readable and safe to load."""

import numpy as np
import pytest

from golden_reps import check_golden, loads, source_of


def _masked_big():
    data = np.linspace(-1.0, 1.0, 300)
    return np.ma.MaskedArray(data, mask=data > 0.5, fill_value=-999.0, hard_mask=True)


CASES = {
    "masked_array": lambda: np.ma.MaskedArray([1.0, 2.0, 3.0], mask=[False, True, False]),
    "masked_array_big_hard_mask_fill_value": _masked_big,
    "masked_array_without_mask": lambda: np.ma.masked_array(np.arange(3, dtype="int16")),
    "masked_constant": lambda: [np.ma.masked],
    "record_array": lambda: np.rec.fromarrays(
        [np.arange(3.0), np.array([1, 2, 3], dtype="int32")], names="x,n"
    ),
    "record_array_big": lambda: np.rec.fromarrays([np.arange(500.0), np.arange(500)], names="t,i"),
    "matrix": lambda: np.matrix([[1.0, 2.0], [3.0, 4.0]]),
    "matrix_fortran": lambda: np.asmatrix(np.asfortranarray(np.arange(200.0).reshape(20, 10))),
}


def exact(a, b):
    """Same type, dtype, shape, order and bytes; masked arrays also mask, fill and hardness."""
    if a is np.ma.masked or isinstance(a, list):
        return (a is b) or (type(a) is list and len(a) == len(b) and all(map(exact, a, b)))
    same = (
        type(a) is type(b)
        and a.dtype == b.dtype
        and a.dtype.type is b.dtype.type
        and a.shape == b.shape
        and a.flags.f_contiguous == b.flags.f_contiguous
        and np.asarray(a).tobytes("A") == np.asarray(b).tobytes("A")
    )
    if same and isinstance(a, np.ma.MaskedArray):
        same = (
            (a.mask is np.ma.nomask) == (b.mask is np.ma.nomask)
            and np.array_equal(np.ma.getmaskarray(a), np.ma.getmaskarray(b))
            and a.hardmask == b.hardmask
            and (a._fill_value is None) == (b._fill_value is None)
            and (a._fill_value is None or a.fill_value == b.fill_value)
        )
    return same


@pytest.mark.parametrize("case", sorted(CASES))
def test_numpy_subclass_round_trips_as_readable_source_and_loads_safely(case, tmp_path):
    value = CASES[case]()
    source = source_of(value, tmp_path)
    check_golden(case, source)
    assert "_loads(" not in source
    assert exact(loads(source, tmp_path), value)
    assert exact(loads(source, tmp_path, safe=True, allow=()), value)


def test_big_masked_array_data_and_mask_go_to_the_data_file(tmp_path):
    source = source_of(_masked_big(), tmp_path)
    assert (
        "_masked_array(\n    _load_array('value.h5', 'a0'),\n    _load_array('value.h5', 'a1'),"
        in source
    )


def test_the_rebuilding_functions_refuse_anything_but_plain_arrays():
    from archived import restore
    from archived.errors import UnsafeArchiveError

    forged = (
        "from archived.reps import matrix as _m\n"
        "from archived.reps import object_array as _o\n"
        "value = _m(_o([1, 2], (2,)))\n"
    )
    with pytest.raises(UnsafeArchiveError, match="array of values"):
        restore(forged, safe=True)
