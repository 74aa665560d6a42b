"""pandas objects as readable calls, their columns and index values in the data file.

A DataFrame is written as its columns by label, each an array archived like any other
(so a big column goes to the HDF5 file beside the entry, under its own key), with its
index and anything else that is not the default::

    value = _dataframe(
        {'x': _load_array('run.h5', 'a0'), 'label': _string_array(...)},
        index=_index(_load_array('run.h5', 'a1'), name='time'),
        attrs={'units': 'm'},
    )

The rebuilding functions live in ``archived.reps`` (:func:`dataframe`, :func:`series`,
:func:`index`, :func:`range_index`, :func:`multi_index`, :func:`categorical`,
:func:`categorical_dtype`,
:func:`masked_extension_array`, :func:`string_array`, :func:`datetime_array`,
:func:`timestamp`, :func:`timedelta`, :func:`not_a_time`, :func:`not_available`); each
checks its arguments' types, so a safe load may call them.  Dtypes round-trip exactly:
numpy dtypes as the arrays' own, pandas' nullable integers, floats and booleans, its
string dtypes (storage and missing-value marker), categoricals (categories and order)
and time-zone-aware datetimes; other extension arrays (periods, intervals, sparse,
Arrow) are left to the next rule (pickle, with its warning).

pandas is never imported here: this module is loaded only once an object of pandas is
met, and its functions find pandas in ``sys.modules`` or import it when a stored frame
is loaded.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import numpy as np

from .callrep import helper_call
from .repbase import REGISTRY, Context, Rep

__all__ = [
    "register",
    "dataframe",
    "series",
    "index",
    "range_index",
    "multi_index",
    "categorical",
    "categorical_dtype",
    "masked_extension_array",
    "string_array",
    "datetime_array",
    "timestamp",
    "timedelta",
    "not_a_time",
    "not_available",
]

_MASKED_DTYPES = frozenset(
    "Int8 Int16 Int32 Int64 UInt8 UInt16 UInt32 UInt64 Float32 Float64 boolean".split()
)


def _pd() -> Any:
    found = sys.modules.get("pandas")
    if found is None:
        found = importlib.import_module("pandas")
    return found


# --------------------------------------------------------------------------- writing


def _values(values: Any) -> Any:
    """The archivable form of a column or index's values, or None if not supported:
    a numpy array, or an extension array whose own rule writes it."""
    pd = _pd()
    if isinstance(values, np.ndarray):
        return values
    if type(values) is pd.arrays.NumpyExtensionArray:  # StringArray is one too: exact type
        return values.to_numpy()
    if isinstance(values, (pd.Categorical, pd.arrays.StringArray)) or _masked_kind(values):
        return values
    if isinstance(values, pd.arrays.DatetimeArray):
        return values if values.tz is not None else values.to_numpy()
    if isinstance(values, pd.arrays.TimedeltaArray):
        return values.to_numpy()
    return values  # any other extension array: its own rule, else pickle


def _masked_kind(values: Any) -> bool:
    pd = _pd()
    return (
        isinstance(values, pd.api.extensions.ExtensionArray)
        and str(values.dtype) in _MASKED_DTYPES
        and hasattr(values, "_mask")
    )


def _frame(df: Any, ctx: Context) -> Rep:
    pd = _pd()
    labels = list(df.columns)
    columns = [_values(df.iloc[:, i].array) for i in range(len(labels))]
    unique = len(set(map(_hashable_key, labels))) == len(labels)
    data: Any = (
        dict(zip(labels, columns, strict=True))
        if unique
        else list(zip(labels, columns, strict=True))
    )
    kwargs: dict[str, Any] = {}
    if not (labels and _default_range(df.index, len(df))):
        kwargs["index"] = df.index
    if not (unique and _same_index(pd.Index(labels), df.columns)):
        kwargs["columns"] = df.columns
    if df.attrs:
        kwargs["attrs"] = dict(df.attrs)
    return helper_call("dataframe", [data], kwargs)


def _hashable_key(label: Any) -> Any:
    return (type(label), label)


def _series(s: Any, ctx: Context) -> Rep:
    kwargs: dict[str, Any] = {}
    if not _default_range(s.index, len(s)):
        kwargs["index"] = s.index
    if s.name is not None:
        kwargs["name"] = s.name
    if s.attrs:
        kwargs["attrs"] = dict(s.attrs)
    return helper_call("series", [_values(s.array)], kwargs)


def _default_range(idx: Any, n: int) -> bool:
    pd = _pd()
    return (
        type(idx) is pd.RangeIndex
        and idx.name is None
        and (idx.start, idx.stop, idx.step) == (0, n, 1)
    )


def _same_index(a: Any, b: Any) -> bool:
    return (
        type(a) is type(b)
        and a.dtype == b.dtype
        and list(a.names) == list(b.names)
        and bool(a.equals(b))
    )


def _range(idx: Any, ctx: Context) -> Rep:
    kwargs = {"name": idx.name} if idx.name is not None else {}
    return helper_call("range_index", [idx.start, idx.stop, idx.step], kwargs)


def _index(idx: Any, ctx: Context) -> Rep:
    kwargs: dict[str, Any] = {}
    if idx.name is not None:
        kwargs["name"] = idx.name
    freq = getattr(idx, "freq", None)
    if freq is not None:
        kwargs["freq"] = freq.freqstr
    return helper_call("index", [_values(idx.array)], kwargs)


def _multi(idx: Any, ctx: Context) -> Rep:
    return helper_call(
        "multi_index",
        [list(idx.levels), [np.asarray(c) for c in idx.codes]],
        {"names": list(idx.names)},
    )


def _categorical(c: Any, ctx: Context) -> Rep:
    kwargs = {"ordered": True} if c.ordered else {}
    return helper_call("categorical", [np.asarray(c.codes), c.categories], kwargs)


def _categorical_dtype(d: Any, ctx: Context) -> Rep:
    kwargs = {} if d.ordered is False else {"ordered": d.ordered}
    return helper_call("categorical_dtype", [d.categories], kwargs)


def _masked_ea(a: Any, ctx: Context) -> Rep | None:
    if not _masked_kind(a):
        return None
    return helper_call(
        "masked_extension_array", [np.asarray(a._data), np.asarray(a._mask), str(a.dtype)]
    )


def _strings(a: Any, ctx: Context) -> Rep | None:
    """A short string array as a list (None where missing), a long one as fixed-width
    text (to the data file) and a mask."""
    pd = _pd()
    kwargs: dict[str, Any] = {}
    if a.dtype.na_value is pd.NA:
        kwargs["na"] = "NA"
    if a.dtype.storage != "python":
        kwargs["storage"] = a.dtype.storage
    items = a.to_numpy(dtype=object, na_value=None)
    if len(items) <= ctx.array_threshold:
        return helper_call("string_array", [items.tolist()], kwargs)
    mask = np.asarray(a.isna())
    filled = items.copy()
    filled[mask] = ""
    texts: np.ndarray = filled.astype("U")
    if any(v.endswith("\0") for v in filled):
        texts = filled  # numpy's fixed-width strings would drop trailing NULs
    return helper_call("string_array", [texts, mask if mask.any() else None], kwargs)


def _datetimes(a: Any, ctx: Context) -> Rep | None:
    if a.tz is None:
        return None
    utc = a.tz_convert("UTC").tz_localize(None).to_numpy()
    return helper_call("datetime_array", [], {"utc": utc, "tz": a.tz})


def _timestamp(t: Any, ctx: Context) -> Rep:
    pd = _pd()
    if t is pd.NaT:
        return helper_call("not_a_time")
    if t.tz is None:
        text = str(np.datetime_as_string(t.to_datetime64()))
        return helper_call("timestamp", [text, t.unit])
    utc = t.tz_convert("UTC").tz_localize(None)
    text = str(np.datetime_as_string(utc.to_datetime64()))
    return helper_call("timestamp", [], {"utc": text, "unit": t.unit, "tz": t.tz})


def _timedelta(t: Any, ctx: Context) -> Rep:
    value = int(t.to_timedelta64().astype("int64"))
    return helper_call("timedelta", [value, t.unit])


def _nat(t: Any, ctx: Context) -> Rep:
    return helper_call("not_a_time")


def _na(t: Any, ctx: Context) -> Rep:
    return helper_call("not_available")


def register() -> None:
    """Register the handlers (pandas is loaded: an object of it was met).

    Called by the engine's family rule each time; idempotent.
    """
    pd = sys.modules.get("pandas")
    if pd is None or pd.DataFrame in REGISTRY:
        return
    REGISTRY.update(
        {
            pd.DataFrame: _frame,
            pd.Series: _series,
            pd.RangeIndex: _range,
            pd.Index: _index,
            pd.DatetimeIndex: _index,
            pd.TimedeltaIndex: _index,
            pd.CategoricalIndex: _index,
            pd.MultiIndex: _multi,
            pd.Categorical: _categorical,
            pd.CategoricalDtype: _categorical_dtype,
            pd.arrays.IntegerArray: _masked_ea,
            pd.arrays.FloatingArray: _masked_ea,
            pd.arrays.BooleanArray: _masked_ea,
            pd.arrays.StringArray: _strings,
            pd.arrays.DatetimeArray: _datetimes,
            pd.Timestamp: _timestamp,
            pd.Timedelta: _timedelta,
            type(pd.NaT): _nat,
            type(pd.NA): _na,
        }
    )


# --------------------------------------------------------------------------- rebuilding


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise TypeError(message)


def _is_values(pd: Any, values: Any) -> bool:
    return type(values) is np.ndarray or isinstance(values, pd.api.extensions.ExtensionArray)


def dataframe(
    data: dict[Any, Any] | list[tuple[Any, Any]],
    index: Any = None,
    columns: Any = None,
    attrs: dict[str, Any] | None = None,
) -> Any:
    """A DataFrame of the columns in ``data`` (label -> values, or (label, values) pairs,
    not copied), with ``index`` (default: 0, 1, ...), ``columns`` (default: the labels)
    and ``attrs``.

    >>> dataframe({"x": np.array([1.5, 2.5])}, attrs={"unit": "m"})
         x
    0  1.5
    1  2.5
    """
    pd = _pd()
    pairs = list(data.items()) if type(data) is dict else data
    _check(
        type(pairs) is list and all(type(p) is tuple and len(p) == 2 for p in pairs),
        "dataframe() needs a dict of columns or a list of (label, column) pairs",
    )
    _check(all(_is_values(pd, v) for _, v in pairs), "dataframe() columns must be arrays")
    _check(index is None or isinstance(index, pd.Index), "dataframe() index must be an Index")
    _check(columns is None or isinstance(columns, pd.Index), "dataframe() columns: an Index")
    _check(attrs is None or type(attrs) is dict, "dataframe() attrs must be a dict")
    frame = pd.DataFrame({i: v for i, (_, v) in enumerate(pairs)}, index=index, copy=False)
    frame.columns = columns if columns is not None else pd.Index([label for label, _ in pairs])
    if attrs:
        frame.attrs = attrs
    return frame


def series(
    values: Any, index: Any = None, name: Any = None, attrs: dict[str, Any] | None = None
) -> Any:
    """A Series of ``values`` (not copied) with ``index`` (default 0, 1, ...) and ``name``.

    >>> series(np.array([1, 2]), name="n").tolist()
    [1, 2]
    """
    pd = _pd()
    _check(_is_values(pd, values), "series() values must be an array")
    _check(index is None or isinstance(index, pd.Index), "series() index must be an Index")
    _check(attrs is None or type(attrs) is dict, "series() attrs must be a dict")
    s = pd.Series(values, index=index, name=name, dtype=values.dtype, copy=False)
    if attrs:
        s.attrs = attrs
    return s


def index(values: Any, name: Any = None, freq: str | None = None) -> Any:
    """An Index of ``values`` keeping their dtype (a DatetimeIndex for datetimes, ...).

    >>> index(np.array([3, 1]), name="n")
    Index([3, 1], dtype='int64', name='n')
    """
    pd = _pd()
    _check(_is_values(pd, values), "index() values must be an array")
    _check(freq is None or type(freq) is str, "index() freq must be a str")
    result = pd.Index(values, dtype=values.dtype, name=name, copy=False)
    if freq is not None:
        _check(
            isinstance(result, (pd.DatetimeIndex, pd.TimedeltaIndex)),
            "index() freq applies to datetimes and timedeltas only",
        )
        result = type(result)(result, freq=freq, name=name)
    return result


def range_index(start: int, stop: int, step: int, name: Any = None) -> Any:
    """``pd.RangeIndex(start, stop, step, name=name)``.

    >>> range_index(0, 6, 2)
    RangeIndex(start=0, stop=6, step=2)
    """
    _check(
        all(type(v) is int for v in (start, stop, step)),
        "range_index() needs int start, stop, step",
    )
    return _pd().RangeIndex(start, stop, step, name=name)


def multi_index(levels: list[Any], codes: list[Any], names: list[Any]) -> Any:
    """A MultiIndex from its levels (Index objects), codes (int arrays) and names.

    >>> multi_index([index(np.array(["a", "b"], dtype=object))], [np.array([1, 0])], ["k"])
    MultiIndex([('b',),
                ('a',)],
               names=['k'])
    """
    pd = _pd()
    _check(
        type(levels) is list and all(isinstance(lv, pd.Index) for lv in levels),
        "multi_index() levels must be a list of Index",
    )
    _check(
        type(codes) is list and all(type(c) is np.ndarray and c.dtype.kind in "iu" for c in codes),
        "multi_index() codes must be a list of int arrays",
    )
    _check(type(names) is list, "multi_index() names must be a list")
    return pd.MultiIndex(levels=levels, codes=codes, names=names, verify_integrity=True)


def _categories(categories: Any) -> bool:
    """Whether ``categories`` is an Index pandas makes categories of: not a MultiIndex,
    whose check raises NotImplementedError (pandas writes tuples in an object Index)."""
    pd = _pd()
    return isinstance(categories, pd.Index) and not isinstance(categories, pd.MultiIndex)


def categorical(codes: np.ndarray, categories: Any, ordered: bool = False) -> Any:
    """A Categorical from its codes (-1 for missing) and categories (an Index).

    >>> categorical(np.array([0, 1, 0], dtype="int8"), index(np.array(["lo", "hi"], dtype=object)))
    ['lo', 'hi', 'lo']
    Categories (2, object): ['lo', 'hi']
    """
    pd = _pd()
    _check(
        type(codes) is np.ndarray and codes.dtype.kind in "iu",
        "categorical() codes must be an int array",
    )
    _check(_categories(categories), "categorical() categories must be an Index (not a MultiIndex)")
    _check(type(ordered) is bool, "categorical() ordered must be True or False")
    dtype = pd.CategoricalDtype(categories, ordered=ordered)
    return pd.Categorical.from_codes(codes, dtype=dtype)


def categorical_dtype(categories: Any, ordered: bool | None = False) -> Any:
    """``pd.CategoricalDtype`` of ``categories`` (an Index, or None: not yet known) and
    ``ordered`` (True, False, or None: pandas' "not said").

    >>> categorical_dtype(index(np.array(["lo", "hi"], dtype=object)), ordered=True)
    CategoricalDtype(categories=['lo', 'hi'], ordered=True, categories_dtype=object)
    """
    pd = _pd()
    _check(
        categories is None or _categories(categories),
        "categorical_dtype() categories must be an Index (not a MultiIndex) or None",
    )
    _check(ordered is None or type(ordered) is bool, "categorical_dtype() ordered: a bool")
    return pd.CategoricalDtype(categories, ordered=ordered)


def masked_extension_array(values: np.ndarray, mask: np.ndarray, dtype: str) -> Any:
    """A nullable integer, float or boolean array: its values, missing-value mask, dtype.

    >>> masked_extension_array(np.array([1, 0]), np.array([False, True]), "Int64")
    <IntegerArray>
    [1, <NA>]
    Length: 2, dtype: Int64
    """
    pd = _pd()
    _check(type(dtype) is str and dtype in _MASKED_DTYPES, f"no masked dtype {dtype!r:.40}")
    _check(
        type(values) is np.ndarray
        and type(mask) is np.ndarray
        and mask.dtype.kind == "b"
        and mask.shape == values.shape == values.shape[:1],
        "masked_extension_array() needs 1-d values and a boolean mask of their shape",
    )
    cls = pd.api.types.pandas_dtype(dtype).construct_array_type()
    return cls(values.astype(pd.api.types.pandas_dtype(dtype).numpy_dtype, copy=False), mask)


def string_array(
    values: list[str | None] | np.ndarray,
    mask: np.ndarray | None = None,
    na: str = "nan",
    storage: str = "python",
) -> Any:
    """A pandas string array: a list of str (None where missing), or an array of text
    with a boolean ``mask`` of the missing ones.  ``na`` is the dtype's missing-value
    marker: ``'nan'`` for pandas' default ``str`` dtype, ``'NA'`` for ``string``.

    >>> string_array(["a", None]).tolist()
    ['a', nan]
    """
    pd = _pd()
    if type(values) is list:
        _check(mask is None, "string_array() of a list takes no mask")
        items = np.empty(len(values), dtype=object)
        items[:] = values
    else:
        _check(
            type(values) is np.ndarray and values.ndim == 1 and values.dtype.kind in "UO",
            "string_array() values must be a list or a 1-d array of text",
        )
        items = np.asarray(values).astype(object)
    _check(
        all(type(v) is str or v is None and type(values) is list for v in items),
        "string_array() values must be str (or None in a list)",
    )
    _check(
        mask is None
        or type(mask) is np.ndarray
        and mask.dtype.kind == "b"
        and mask.shape == items.shape,
        "string_array() mask must be a boolean array of the values' shape",
    )
    _check(storage in ("python", "pyarrow") and na in ("NA", "nan"), "string_array() options")
    dtype = pd.StringDtype(storage, na_value=pd.NA if na == "NA" else np.nan)
    if mask is not None:
        items[mask] = None
    return pd.array(items, dtype=dtype)


def datetime_array(utc: np.ndarray, tz: Any) -> Any:
    """Time-zone-aware datetimes: their UTC times (datetime64) and the zone.

    >>> import datetime
    >>> datetime_array(np.array(["2026-01-01T12"], "M8[s]"), datetime.timezone.utc)[0]
    Timestamp('2026-01-01 12:00:00+0000', tz='UTC')
    """
    import datetime

    pd = _pd()
    _check(
        type(utc) is np.ndarray and utc.dtype.kind == "M" and utc.ndim == 1,
        "datetime_array() utc must be a 1-d datetime64 array",
    )
    _check(isinstance(tz, datetime.tzinfo), "datetime_array() tz must be a time zone")
    return pd.array(utc).tz_localize("UTC").tz_convert(tz)


def timestamp(
    time: str | None = None, unit: str = "ns", *, utc: str | None = None, tz: Any = None
) -> Any:
    """A pandas Timestamp in ``unit``: naive at ``time``, or in zone ``tz`` at the UTC
    time ``utc`` (ISO text, so a time in a daylight-saving change is unambiguous).

    >>> timestamp("2026-01-02T03:04:05", "s")
    Timestamp('2026-01-02 03:04:05')
    """
    import datetime

    pd = _pd()
    text = time if tz is None else utc
    _check(
        type(text) is str and len(text) < 64 and (time is None) == (tz is not None),
        "timestamp() needs the ISO time, or utc= and tz=",
    )
    _check(unit in ("s", "ms", "us", "ns"), f"timestamp() unit {unit!r:.20}")
    _check(tz is None or isinstance(tz, datetime.tzinfo), "timestamp() tz must be a zone")
    t = pd.Timestamp(np.datetime64(text, unit))  # type: ignore[call-overload]
    return t if tz is None else t.tz_localize("UTC").tz_convert(tz)


def timedelta(value: int, unit: str) -> Any:
    """A pandas Timedelta of ``value`` ``unit``s (keeping that unit).

    >>> timedelta(90, "s")
    Timedelta('0 days 00:01:30')
    """
    _check(type(value) is int, "timedelta() needs an int")
    _check(unit in ("s", "ms", "us", "ns"), f"timedelta() unit {unit!r:.20}")
    return _pd().Timedelta(np.timedelta64(value, unit))  # type: ignore[call-overload]


def not_a_time() -> Any:
    """pandas' ``NaT``.

    >>> not_a_time()
    NaT
    """
    return _pd().NaT


def not_available() -> Any:
    """pandas' missing-value marker ``NA``.

    >>> not_available()
    <NA>
    """
    return _pd().NA
