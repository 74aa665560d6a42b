"""Plain values that archived 0.1.0 wrote as pickles, and that are source now.

``tests/test_golden.py`` pins the source the engine writes for them
(``plain_source.txt``): a safe load reads every one of them, and no pickle is left.
"""

import datetime
import decimal
import struct
import types

import numpy as np


def _bits(word):
    return struct.unpack("<d", struct.pack("<Q", word))[0]


def plain_values():
    """Named objects: dtypes, numpy scalars and types, odd NaNs, time zones and more."""
    utc = datetime.timezone.utc
    plus_two = datetime.timezone(datetime.timedelta(hours=2), "CEST")
    return {
        "dtypes": [
            np.dtype("float64"),
            np.dtype(">i8"),
            np.dtype("<U3"),
            np.dtype("S5"),
            np.dtype("datetime64[ns]"),
            np.dtype(">m8[5s]"),
            np.dtype(("f4", (2, 3))),
            np.dtype([("x", "<f8"), ("n", ">i4", (2,))]),
            np.dtype([("a", "u1"), ("b", "f8")], align=True),
            np.dtype({"names": ["a"], "formats": ["<u2"], "offsets": [2], "itemsize": 4}),
            np.dtype([(("title", "t"), "<f4")]),
            np.dtype("O"),
            np.dtype(np.longlong),
            np.dtype("f8", metadata={"unit": "m"}),
            np.dtypes.StringDType(),
            np.dtypes.StringDType(na_object=None),
        ],
        "scalars": [
            np.float32(1.5),
            np.float64(np.nan),
            np.int8(-3),
            np.uint64(2**64 - 1),
            np.complex64(1 - 2j),
            np.datetime64("2026-12-01T10:00", "m"),
            np.timedelta64(7, "D"),
            np.str_("é"),
            np.bytes_(b"\x00a"),
            np.void(b"\x01\x02"),
            np.zeros(1, dtype=[("x", "<f8"), ("y", "<i2")])[0],
        ],
        "functions_and_types": [np.add, np.sin, np.float32, np.ndarray, int, type(None)],
        "odd_nans": [
            _bits(0x7FF8000000000001),
            _bits(0xFFF4000000000000),
            complex(_bits(0x7FF0000000000001), 1.0),
        ],
        "times": [
            datetime.datetime(2026, 12, 1, 10, 30, tzinfo=utc),
            datetime.datetime(2026, 12, 1, 10, 30, 5, 7, tzinfo=plus_two, fold=1),
            datetime.time(23, 59, tzinfo=utc),
            utc,
            plus_two,
            datetime.timezone(-datetime.timedelta(hours=3, minutes=30)),
        ],
        "others": [
            decimal.Decimal("NaN"),
            decimal.Decimal("-sNaN12"),
            decimal.Decimal("-0E+3"),
            types.SimpleNamespace(a=1, b=[2]),
            NotImplemented,
        ],
    }
