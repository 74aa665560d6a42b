"""pandas results are readable calls with their columns in the data file: exact dtypes,
index, names, attrs, categories, time zones and frequencies; and they load safely."""

import re

import numpy as np
import pytest

from golden_reps import check_golden, loads, readable_source_of, source_of

pd = pytest.importorskip("pandas")


def _frame():
    n = 300
    frame = pd.DataFrame(
        {
            "x": np.linspace(0.0, 1.0, n),
            "count": np.arange(n, dtype="int32"),
            "label": [f"s{i}" if i % 7 else None for i in range(n)],
            "kind": pd.Categorical(
                ["a", "b", "c"] * 100, categories=["c", "b", "a"], ordered=True
            ),
            "maybe": pd.array([1, None, 3] * 100, dtype="Int64"),
            "when": pd.date_range("2026-03-29", periods=n, freq="h", tz="Europe/Paris"),
            "day": pd.date_range("2026-01-01", periods=n, freq="D"),
        },
        index=pd.Index(np.arange(n) * 2, name="k"),
    )
    frame.attrs["units"] = {"x": "m"}
    return frame


CASES = {
    "pandas_dataframe": _frame,
    "pandas_dataframe_small": lambda: pd.DataFrame({"a": [1.5, 2.5], "b": ["x", "y"]}),
    "pandas_dataframe_duplicate_and_int_columns": lambda: pd.DataFrame(
        [[1, 2, 3]], columns=pd.Index(["a", "a", 7], dtype=object)
    ),
    "pandas_dataframe_multiindex_columns": lambda: pd.DataFrame(
        np.arange(4.0).reshape(1, 4),
        columns=pd.MultiIndex.from_product([["u", "v"], [1, 2]], names=["var", "rep"]),
    ),
    "pandas_series": lambda: pd.Series([1.0, np.nan], index=["a", "b"], name="n"),
    "pandas_series_string_dtype": lambda: pd.Series(pd.array(["a", None], dtype="string")),
    "pandas_index_with_frequency": lambda: pd.date_range(
        "2026-01-01", periods=3, freq="2h", name="t"
    ),
    "pandas_range_index": lambda: pd.RangeIndex(2, 10, 2, name="r"),
    "pandas_multi_index": lambda: pd.MultiIndex.from_product(
        [["a", "b"], [1, 2]], names=["l", "n"]
    ),
    "pandas_categorical": lambda: pd.Categorical(["lo", "hi", None], categories=["lo", "hi"]),
    "pandas_categorical_index": lambda: pd.CategoricalIndex(["x", "y", "x"], name="c"),
    "pandas_timestamp": lambda: [
        pd.Timestamp("2026-01-02 03:04:05.123456789", tz="Europe/Paris"),
        pd.Timestamp("2026-01-02").as_unit("s"),
        pd.NaT,
    ],
    "pandas_timedelta": lambda: [pd.Timedelta("1 days 2 s"), pd.Timedelta(5, unit="ns")],
}


def check_same(got, want):
    if isinstance(want, list):
        assert type(got) is list and len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            check_same(g, w)
    elif isinstance(want, pd.DataFrame):
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        assert got.attrs == want.attrs
    elif isinstance(want, pd.Series):
        pd.testing.assert_series_equal(got, want, check_exact=True)
    elif isinstance(want, pd.Index):
        pd.testing.assert_index_equal(got, want, exact=True, check_exact=True)
        assert getattr(got, "freq", None) == getattr(want, "freq", None)
    elif isinstance(want, pd.Categorical):
        pd.testing.assert_extension_array_equal(got, want)
    elif want is pd.NaT:
        assert got is pd.NaT
    else:
        assert type(got) is type(want) and got == want and got.unit == want.unit
        assert str(getattr(got, "tz", None)) == str(getattr(want, "tz", None))


@pytest.mark.parametrize("case", sorted(CASES))
def test_pandas_value_round_trips_as_readable_source_and_loads_safely(case, tmp_path):
    value = CASES[case]()
    source = source_of(value, tmp_path)
    check_golden(case, source)
    assert "_loads(" not in source
    check_same(loads(source, tmp_path), value)
    check_same(loads(source, tmp_path, safe=True, allow=()), value)


def test_every_big_column_goes_to_the_data_file_under_its_own_key(tmp_path):
    source = source_of(_frame(), tmp_path)
    assert "'x': _load_array('value.h5', 'a0', digest='" in source
    assert "'count': _load_array('value.h5', 'a1', digest='" in source
    assert re.search(
        r"index=_index\(\s*_load_array\('value.h5', 'a9', digest='\w+'\),\s*name='k',?\s*\)",
        source,
    )


def test_an_unsupported_extension_array_falls_back_to_pickle_with_a_warning(tmp_path):
    from archived.errors import PickleWarning

    frame = pd.DataFrame({"p": pd.period_range("2026-01", periods=2, freq="M")})
    with pytest.warns(PickleWarning, match="PeriodArray"):
        source = source_of(frame, tmp_path)
    check_same(loads(source, tmp_path), frame)


_MI = (
    "_f.multi_index([_f.index(_np.array([1, 2]))], [_np.array([0, 1], dtype='int8')], "
    "names=[None])"
)


def test_rebuilding_functions_refuse_forged_arguments_in_a_safe_load():
    from archived import restore
    from archived.errors import UnsafeArchiveError

    for call, why in (
        ("_f.dataframe({'a': 'not an array'})", "columns must be arrays"),
        ("_f.range_index(0, 1000000000000000, 1)", "max_bytes"),
        ("_f.masked_extension_array(_np.zeros(2), _np.zeros(2, 'bool'), 'Sparse')", "dtype"),
        ("_f.timestamp('2026-01-01', 'fortnights')", "unit"),
        ("_f.categorical(_np.zeros(2, 'int8'), ['a'])", "must be an Index"),
        # pandas' own errors other than TypeError and ValueError came out as they were
        (f"_f.multi_index([{_MI}], [_np.zeros(2, 'int8')], names=[None])", "multi_index"),
        ("_f.range_index(0, 10, 1, name=[1])", "range_index"),
        # more items than a C size: len(range) raised OverflowError through the load
        (f"_f.range_index(0, {10**30}, 1)", "max_bytes"),
        (f"_f.range_index({10**30}, 0, -7)", "max_bytes"),
    ):
        forged = f"import archived.reps as _f\nimport numpy as _np\nvalue = {call}\n"
        with pytest.raises(UnsafeArchiveError, match=why):
            restore(forged, safe=True, max_bytes=10**6)


_RACE = """
import importlib, sys, threading
import numpy as np, pandas as pd
import archived.engine.reps as reps
from archived import Archive

assert "archived.engine.reps_pandas" not in sys.modules
importing, b_done = threading.Event(), threading.Event()
real_import = importlib.import_module

def slow_import(name, *args):
    if name.endswith("reps_pandas") and not importing.is_set():
        importing.set()
        b_done.wait(2)  # let the second thread look while the first is still loading
    return real_import(name, *args)

reps.importlib = type(sys)("fake_importlib")
reps.importlib.import_module = slow_import
sources = {}

def archive(label):
    a = Archive()
    a.insert(df=pd.DataFrame({"x": np.arange(3)}))
    sources[label] = str(a)

first = threading.Thread(target=archive, args=("first",))
first.start()
importing.wait()
second = threading.Thread(target=lambda: (archive("second"), b_done.set()))
second.start()
first.join()
second.join()
print(sorted(label for label, text in sources.items() if "_loads(" in text))
"""


def test_a_dataframe_archived_while_another_thread_loads_the_pandas_reps_is_not_pickled():
    # a threading sweep's first two DataFrame results arrive together: the second must
    # not fall back to pickle while the first is still registering pandas' representations
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", _RACE], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_pandas_missing_marker_na_is_readable_source_not_a_pickle(tmp_path):
    # pd.NA turns up as soon as a result reads one cell of a nullable column
    value = {"score": pd.NA, "first": pd.Series([None, 2], dtype="Int64").iloc[0]}
    source = source_of(value, tmp_path)
    assert "_loads(" not in source and "_not_available()" in source
    for safe in (False, True):
        got = loads(source, tmp_path, safe=safe, allow=())
        assert got["score"] is pd.NA and got["first"] is pd.NA


CATEGORICAL_DTYPES = {
    "pandas_categorical_dtype_ordered": lambda: pd.CategoricalDtype(["hi", "lo"], ordered=True),
    "pandas_categorical_dtype_unknown_categories": lambda: pd.CategoricalDtype(),
    "pandas_categorical_dtype_ints_unsaid": lambda: pd.CategoricalDtype([3, 1], ordered=None),
}


@pytest.mark.parametrize("case", sorted(CATEGORICAL_DTYPES))
def test_a_categorical_dtype_round_trips_as_readable_source_and_loads_safely(case, tmp_path):
    stored = CATEGORICAL_DTYPES[case]()
    source = readable_source_of(stored, tmp_path)
    check_golden(case, source)
    for got in (loads(source, tmp_path), loads(source, tmp_path, safe=True, allow=())):
        assert type(got) is pd.CategoricalDtype and got == stored
        assert got.ordered is stored.ordered
        if stored.categories is not None:
            pd.testing.assert_index_equal(got.categories, stored.categories, exact=True)
        values = pd.Series([*(stored.categories if stored.categories is not None else "xy")])
        assert values.astype(got).equals(values.astype(stored))


# a MultiIndex is an Index pandas makes no categories of: its NotImplementedError came
# out of a safe load as it was, not as the load's refusal
_MULTI = "_mi([_ix(_array([1, 2]))], [_array([0, 1], dtype='int8')], names=[None])"


@pytest.mark.parametrize(
    "call",
    ["_cd(['a', 'b'])", "_cd(None, ordered='yes')", "_cd(_array([1, 2]))", f"_cd({_MULTI})"],
)
def test_a_safe_load_refuses_a_categorical_dtype_of_anything_but_an_index(call):
    from archived import restore
    from archived.errors import UnsafeArchiveError

    forged = (
        "from archived.reps import categorical_dtype as _cd\n"
        "from archived.reps import multi_index as _mi, index as _ix\n"
        "from numpy import array as _array\n"
        f"value = {call}\n"
    )
    with pytest.raises(UnsafeArchiveError, match=r"line 4: categorical_dtype\(\) of these"):
        restore(forged, safe=True)


def test_a_safe_load_refuses_a_categorical_of_multi_index_categories():
    from archived import restore
    from archived.errors import UnsafeArchiveError

    forged = (
        "from archived.reps import categorical as _c\n"
        "from archived.reps import multi_index as _mi, index as _ix\n"
        "from numpy import array as _array\n"
        f"value = _c(_array([0, 1], dtype='int8'), {_MULTI})\n"
    )
    with pytest.raises(UnsafeArchiveError, match=r"line 4: categorical\(\) of these"):
        restore(forged, safe=True)
