"""Archives written under numpy 2 load under numpy 1.x too (and under numpy 2 unchanged).

numpy 2 writes its boolean type as ``numpy.bool`` (numpy 1.x: ``numpy.bool_``) and complex
scalars as ``complex64(re, im)`` (numpy 1.x takes one argument).  These tests run under
whichever numpy is installed; the lowest-versions environment runs them under numpy 1.26.
"""

import traceback

import numpy as np
import pytest

from archived import restore

NUMPY_2_FORMS = """\
from builtins import float as _float
from numpy import bool as _bool
from numpy import complex64 as _complex64
from numpy import complex128 as _complex128
flags = [_bool(True), _bool(False)]
numbers = [_complex64(-0.0, _float('nan')), _complex128(1e-310, -0.0), _complex64(1.5, 2.0)]
kinds = [_bool, _complex64]
text = '_complex64(1.0, 2.0) from numpy import bool as _bool'
del _float, _bool, _complex64, _complex128
if __name__ == 'builtins':
    del __builtins__
"""


def bits(x):
    return type(x), x.tobytes()


@pytest.mark.parametrize("safe", [False, True], ids=["exec", "safe"])
def test_numpy_2_bool_and_complex_calls_load_to_the_same_bits(safe):
    d = restore(NUMPY_2_FORMS, safe=safe)
    assert d["flags"][0] is np.True_ and d["flags"][1] is np.False_
    expected = [
        np.complex64(complex(-0.0, float("nan"))),
        np.complex128(complex(1e-310, -0.0)),
        np.complex64(complex(1.5, 2.0)),
    ]
    assert [bits(x) for x in d["numbers"]] == [bits(x) for x in expected]
    assert d["kinds"][0] is np.bool_ and d["kinds"][1] is np.complex64  # types stay types
    assert d["text"] == "_complex64(1.0, 2.0) from numpy import bool as _bool"
    assert sorted(d) == ["flags", "kinds", "numbers", "text"]


def test_a_failing_line_is_reported_with_its_own_line_number():
    source = "from numpy import bool as _bool\nx = _bool(True)\ny = undefined_name\n"
    with pytest.raises(NameError) as info:
        restore(source)
    assert traceback.extract_tb(info.tb)[-1].lineno == 3


def test_numpy_1_spelling_loads_under_either_numpy():
    source = "from numpy import bool_ as _bool_\nx = _bool_(True)\n"
    assert restore(source)["x"] is np.True_
    assert restore(source, safe=True)["x"] is np.True_


def test_calls_of_names_not_imported_from_numpy_are_left_alone():
    source = "from fractions import Fraction as _complex64\nx = _complex64(1, 3)\n"
    assert str(restore(source)["x"]) == str(restore(source, safe=True)["x"]) == "1/3"
