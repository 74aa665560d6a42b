"""The values kept in ``tests/data``: the same objects, every time, on every machine.

``make_golden.py`` wrote the files beside this one with archived 0.1.0 (before the
layers became folders); ``tests/test_golden.py`` checks that today's code reads them back
to exactly these values, and writes byte-identical source for them.
"""

import collections
import datetime
import decimal
import fractions

import numpy as np


def archive_values():
    """Named objects for one archive: every kind the engine writes, shared references too."""
    rng = np.random.default_rng(20261201)
    shared = [1, "two", 3.0]
    return {
        "ints": [0, 1, -7, 2**70, True, False, None],
        "floats": [0.1, -0.0, float("inf"), float("-inf"), 1e-310, 2.5e300],
        "nan": float("nan"),
        "complexes": [1 + 2j, complex(0, -0.0)],
        "texts": ["", "plain", "quote ' and \" and \\", "ünïcödé", b"\x00\xffbytes"],
        "containers": {
            "tuple": (1, (2, (3,))),
            "set": {3, 1, 2},
            "frozen": frozenset({"a", "b"}),
            "nested": {"k": [{"deep": [1, 2]}]},
            "range": range(2, 20, 3),
            "slice": slice(1, None, 2),
            "ellipsis": ...,
        },
        "shared": [shared, shared, {"again": shared}],
        "stdlib": [
            fractions.Fraction(1, 3),
            decimal.Decimal("3.14159"),
            datetime.date(2026, 12, 1),
            datetime.datetime(2026, 12, 1, 23, 46, 23, 5),
            datetime.timedelta(days=1, seconds=2),
            collections.OrderedDict([("b", 1), ("a", 2)]),
        ],
        "small_arrays": [
            np.arange(6, dtype=np.float32).reshape(2, 3),
            np.array([1, -2, 3], dtype=">i8"),
            np.array([1 + 1j, np.nan], dtype=np.complex128),
            np.array([True, False]),
            np.array(["a", "bc"]),
            np.array(["2026-12-01", "NaT"], dtype="datetime64[D]"),
            np.asfortranarray(np.arange(4.0).reshape(2, 2)),
            np.zeros(3, dtype=[("x", "<f8"), ("n", "<i4")]),
        ],
        "scalars": [np.float64(0.5), np.int16(-3), np.complex64(1j), np.bool_(True)],
        "big_array": rng.standard_normal(500),
        "big_ints": np.arange(1000, dtype=np.int32).reshape(10, 100),
    }


def store_values():
    """Entries of the kept DataSet: ``name -> (value, info)``."""
    return {
        "x": (42, None),
        "params": ({"mu": 1.5, "n": 10, "label": "run"}, {"note": "a dict entry"}),
        "curve": (np.linspace(0.0, 1.0, 2000), {"unit": "m"}),
        "small": (np.arange(5), None),
        "shared": ([[1, 2]] * 2, "two references to one list"),
    }


def square(x, power=2):
    """The cached function of the kept cache store."""
    return x**power
