"""Standard-library values are calls of their own constructors: exact, readable, safe."""

import array
import collections
import copy
import datetime
import decimal
import fractions
import functools
import pathlib
import random
import re
import struct
import types
import uuid
import zoneinfo

import numpy as np
import pytest

from golden_reps import check_golden, identical, loads, readable_source_of, source_of

UTC_PLUS_1 = datetime.timezone(datetime.timedelta(hours=1), "CET")

CASES = {
    "datetime_naive": lambda: datetime.datetime(2026, 12, 1, 23, 46, 23, 5),
    "datetime_utc_and_fold": lambda: datetime.datetime(
        2026, 1, 2, 3, 4, tzinfo=datetime.timezone.utc, fold=1
    ),
    "datetime_zoneinfo": lambda: datetime.datetime(
        2026, 3, 29, 2, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")
    ),
    "date": lambda: datetime.date(2026, 12, 1),
    "time_with_offset_zone": lambda: datetime.time(7, 0, 0, 250, tzinfo=UTC_PLUS_1),
    "timedelta": lambda: [datetime.timedelta(0), datetime.timedelta(days=-1, microseconds=5)],
    "timezone": lambda: [
        datetime.timezone.utc,
        UTC_PLUS_1,
        datetime.timezone(-UTC_PLUS_1.utcoffset(None)),
    ],
    "decimal": lambda: [decimal.Decimal("3.14159"), decimal.Decimal("-0"), decimal.Decimal("NaN")],
    "fraction": lambda: fractions.Fraction(-1, 3),
    "uuid": lambda: uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "pathlib": lambda: [pathlib.PurePosixPath("/data/run 1"), pathlib.PureWindowsPath("C:\\x")],
    "ordered_dict": lambda: collections.OrderedDict([("b", 1), ("a", np.arange(200))]),
    "defaultdict": lambda: collections.defaultdict(list, {"a": [1]}),
    "deque": lambda: collections.deque([1, np.arange(3.0)], maxlen=5),
    "counter": lambda: collections.Counter("abracadabra"),
    "simple_namespace": lambda: types.SimpleNamespace(mu=1.5, grid=np.zeros(300)),
    "array_array": lambda: [
        array.array("d", [1.5, -0.0, struct.unpack("<d", b"\x01\x00\x00\x00\x00\x00\xf8\x7f")[0]]),
        array.array("i", range(-2, 3)),
        array.array("B", b"ab"),
        array.array("f", [0.1]),
        array.array("u", "h\xe9"),
        array.array("q", range(300)),  # beyond the threshold: in the data file
    ],
}


def _equal(a, b):
    if isinstance(a, (collections.deque, collections.defaultdict)):
        return (
            type(a) is type(b)
            and getattr(a, "maxlen", None) == getattr(b, "maxlen", None)
            and getattr(a, "default_factory", None) is getattr(b, "default_factory", None)
            and identical(
                list(a.items() if isinstance(a, dict) else a),
                list(b.items() if isinstance(b, dict) else b),
            )
        )
    if isinstance(a, types.SimpleNamespace):
        return type(b) is types.SimpleNamespace and identical(vars(a), vars(b))
    if isinstance(a, list):
        return type(b) is list and len(a) == len(b) and all(map(_equal, a, b))
    if isinstance(a, (datetime.datetime, datetime.time)):
        return type(a) is type(b) and a == b and a.tzinfo == b.tzinfo and a.fold == b.fold
    if isinstance(a, array.array):  # by type code and bytes: a NaN's payload too
        return type(b) is array.array and (a.typecode, a.tobytes()) == (b.typecode, b.tobytes())
    if isinstance(a, decimal.Decimal):
        return type(b) is decimal.Decimal and str(a) == str(b)
    return identical(a, b)


@pytest.mark.parametrize("case", sorted(CASES))
def test_stdlib_value_round_trips_as_readable_source_and_loads_safely(case, tmp_path):
    value = CASES[case]()
    source = source_of(value, tmp_path)
    check_golden(case, source)
    assert "_loads(" not in source
    assert _equal(loads(source, tmp_path), value)
    assert _equal(loads(source, tmp_path, safe=True, allow=()), value)


@pytest.mark.parametrize(
    "key", ["../../etc/passwd", "/etc/passwd", "Europe/../../etc/passwd", "UTC\\x00", "", "a.b"]
)
def test_a_zoneinfo_key_that_is_not_a_zone_name_is_refused_by_a_safe_load(key):
    from archived import restore
    from archived.errors import UnsafeArchiveError

    forged = f"from zoneinfo import ZoneInfo as _Z\nvalue = _Z('{key}')\n"
    with pytest.raises(
        UnsafeArchiveError, match=r"line 2: ZoneInfo\(.*\) \(not a time zone name\)"
    ):
        restore(forged, safe=True)


@pytest.mark.parametrize("key", ["Nowhere/Zone", "Europe"])  # absent, a folder of zones
def test_a_zone_name_missing_from_the_system_database_is_refused_by_name(key):
    from archived import restore
    from archived.errors import UnsafeArchiveError

    forged = f"from zoneinfo import ZoneInfo as _Z\nvalue = _Z('{key}')\n"
    with pytest.raises(UnsafeArchiveError, match=f"ZoneInfo\\('{key}'\\) \\(no time zone"):
        restore(forged, safe=True)


def test_a_safe_load_gives_the_zone_object_the_process_shares(tmp_path):
    # zoneinfo's cache, not ZoneInfo.no_cache(): a datetime in a zone's spring-forward gap
    # equals the stored one only if both hold the same zone object
    stored = CASES["datetime_zoneinfo"]()
    loaded = loads(source_of(stored, tmp_path), tmp_path, safe=True, allow=())
    assert loaded.tzinfo is zoneinfo.ZoneInfo("Europe/Paris")
    assert loaded == stored


def test_a_type_missing_from_its_declared_module_is_imported_from_a_public_module(tmp_path):
    import sys

    from archived.engine.importable import _FOUND

    _FOUND.pop(type(None), None)  # searched afresh, not remembered from another test
    private = type(sys)("_aaa_private_helpers")  # loaded, private, sorted first by name
    private.NoneType = type(None)
    sys.modules[private.__name__] = private
    try:
        source = source_of(type(None), tmp_path)
    finally:
        del sys.modules[private.__name__]
    assert "from types import NoneType as _NoneType" in source


# ---- functools.partial and random.Random: no pickle, the same calls and the same stream


def test_a_partial_is_a_call_of_functools_partial_that_calls_the_same_function(tmp_path):
    stored = functools.partial(int, "ff", base=16)
    source = readable_source_of(stored, tmp_path)
    check_golden("functools_partial", source)
    for safe in (False, True):
        got = loads(source, tmp_path, safe=safe, allow=())
        assert type(got) is functools.partial and got.func is int
        assert got.args == ("ff",) and got.keywords == {"base": 16}
        assert got() == 255


def test_a_partial_of_your_own_function_loads_safely_only_with_its_module_allowed(tmp_path):
    from archived.errors import UnsafeArchiveError
    from reps_models import Point

    stored = functools.partial(Point, np.arange(3.0), y=[1, 2])
    source = readable_source_of(stored, tmp_path)
    with pytest.raises(UnsafeArchiveError, match=r"import of module 'reps_models'.*allow="):
        loads(source, tmp_path, safe=True, allow=())
    for safe in (False, True):
        got = loads(source, tmp_path, safe=safe)
        assert got.func is Point and identical(got.args, stored.args)
        assert got.keywords == {"y": [1, 2]} and identical(got(), stored())


def test_a_partial_with_attributes_or_keywords_no_call_can_spell_is_rebuilt_as_pickle_does(
    tmp_path,
):
    # partial's __reduce__ is a call of partial and a state for its __setstate__: the
    # archive writes those two steps as source, and a safe load refuses the second
    from archived.errors import UnsafeArchiveError

    odd = functools.partial(max, **{"not a name": 1})
    tagged = functools.partial(max, 1)
    tagged.note = "kept"
    for stored in (odd, tagged):
        source = readable_source_of(stored, tmp_path)
        assert "_set_state(_partial(" in source
        got = loads(source, tmp_path)
        assert got.keywords == stored.keywords and vars(got) == vars(stored)
        assert got.func is max and got.args == stored.args
        with pytest.raises(UnsafeArchiveError, match="set_state"):
            loads(source, tmp_path, safe=True)


def test_a_safe_load_refuses_a_partial_of_a_method_whose_self_the_store_chooses():
    from archived import restore
    from archived.errors import UnsafeArchiveError

    forged = (
        "from pathlib import PurePosixPath as _P\nfrom functools import partial as _p\n"
        "value = _p(_P('/a').joinpath, 'b')\n"
    )
    with pytest.raises(UnsafeArchiveError, match=r"line 3: partial\(\) of a .*method"):
        restore(forged, safe=True)
    through_class = forged.replace("_P('/a').joinpath, 'b'", "_P.joinpath, _P('/a'), 'b'")
    with pytest.raises(UnsafeArchiveError, match=r"line 3: partial\(\) of a function that"):
        restore(through_class, safe=True)


def test_a_safe_load_refuses_a_partial_of_the_librarys_own_reader_of_any_path(tmp_path):
    # archived.hdf5 lets a load import load_array, which a load calls only through its
    # guard (in-store files): a partial of it read any file once the user called it
    from archived import restore
    from archived.engine.hdf5 import ArrayWriter
    from archived.errors import UnsafeArchiveError

    outside = tmp_path / "outside.h5"
    with ArrayWriter(str(outside)) as w:
        w.add(np.arange(3))
    for module in ("archived.hdf5", "archived.arrays"):
        forged = (
            f"from {module} import load_array as _L\nfrom functools import partial as _p\n"
            f"value = _p(_L, {str(outside)!r}, 'a0')\n"
        )
        with pytest.raises(UnsafeArchiveError, match=r"line 3: partial\(\) of .*load_array"):
            restore(forged, safe=True)
    # a function of a module given in allow= still makes a partial
    source = "from json import dumps as _d\nfrom functools import partial as _p\nvalue = _p(_d)\n"
    assert restore(source, safe=True, allow=["json"])["value"]([1]) == "[1]"


def test_a_safe_load_makes_a_partial_of_a_numpy_function_or_ufunc():
    from archived import restore

    source = (
        "from numpy import add as _add\nfrom numpy import percentile as _pc\n"
        "from functools import partial as _p\nvalue = [_p(_add, 1), _p(_pc, q=50)]\n"
    )
    add, median = restore(source, safe=True)["value"]
    assert add(2) == 3 and median([1.0, 2.0, 9.0]) == 2.0


@pytest.mark.parametrize("gauss", [False, True])
def test_a_random_generator_continues_with_the_same_numbers_after_a_round_trip(gauss, tmp_path):
    stored = random.Random(20261202)
    stored.random()
    if gauss:
        stored.gauss(0.0, 1.0)  # leaves the second normal of a pair in gauss_next
    source = readable_source_of(stored, tmp_path)
    check_golden("random_generator" + ("_gauss" if gauss else ""), source)
    for safe in (False, True):
        got = loads(source, tmp_path, safe=safe, allow=())
        want = copy.deepcopy(stored)
        assert type(got) is random.Random and got.getstate() == want.getstate()
        assert [got.gauss(0.0, 1.0) for _ in range(3)] == [want.gauss(0.0, 1.0) for _ in range(3)]
        assert [got.random() for _ in range(700)] == [want.random() for _ in range(700)]


_WORDS = f"_a({[0] * 624}, dtype='uint32')"


@pytest.mark.parametrize(
    "args",
    [
        f"{_WORDS}, 625",  # a position past the words: an out-of-bounds read in C
        f"{_WORDS}, -1",
        f"_a({[0] * 624}, dtype='uint64'), 0",
        f"_a({[0] * 623}, dtype='uint32'), 0",
        f"{_WORDS}, 0, gauss_next='x'",
        f"(3, {(0,) * 625}, None)",  # getstate()'s tuple: the engine writes an array
        # no bit of the state set: every draw is 0.0, and normalvariate() loops for ever
        f"{_WORDS}, 624",
    ],
    ids=["past-the-end", "negative", "uint64", "short", "gauss-str", "tuple", "all-zero"],
)
def test_a_safe_load_refuses_a_random_state_the_engine_never_writes(args):
    from archived import restore
    from archived.errors import UnsafeArchiveError

    forged = (
        "from numpy import array as _a\nfrom archived.reps import python_random as _r\n"
        f"value = _r({args})\n"
    )
    with pytest.raises(UnsafeArchiveError, match=r"python_random\(\) of these arguments"):
        restore(forged, safe=True)


def test_a_random_set_by_hand_to_the_all_zero_state_is_written_as_pickle_does_and_loads_back(
    tmp_path,
):
    # python_random() refuses that state (its draws are 0.0 for ever): written as its
    # call, the stored value would never load again; Random's own __reduce__ (the class
    # called, then its __setstate__) rebuilds it
    stored = random.Random()
    stored.setstate((3, (0,) * 624 + (624,), None))
    source = readable_source_of(stored, tmp_path)
    assert "value = _set_state(\n    _Random(),\n" in source
    got = loads(source, tmp_path)
    assert got.getstate() == stored.getstate()


def test_a_big_array_array_goes_to_the_data_file_and_loads_safely(tmp_path):
    # array.array('d') of 1e6 items was its repr inline: a 9.8 MB entry file, 7 s to
    # store, 3 s to load, refused by a safe load (the array module)
    from archived import DataSet

    ds = DataSet("s", "w", path=str(tmp_path))
    ds.x = big = array.array("d", (i / 3 for i in range(100_000)))
    source = (tmp_path / "s" / "x.py").read_text()
    assert len(source) < 1000 and re.search(r"_python_array\(\s*'d',\s*_load_array\(", source)
    for loaded in (ds.x, DataSet("s", path=str(tmp_path), safe=True).x):
        assert type(loaded) is array.array and loaded.tobytes() == big.tobytes()


@pytest.mark.parametrize(
    "args",
    [
        "'d', 'text'",
        "'x', _a([1.0])",
        "'d', _a([1, 2])",
        "'d', _a([[1.0]])",
        "'u', _a([1.0])",
    ],
)
def test_a_safe_load_refuses_an_array_array_the_engine_never_writes(args):
    from archived import restore
    from archived.errors import UnsafeArchiveError

    with pytest.raises(UnsafeArchiveError, match="python_array"):
        restore(
            "from numpy import array as _a\nfrom archived.reps import python_array as _p\n"
            f"x = _p({args})\n",
            safe=True,
        )


@pytest.mark.parametrize("safe", [False, True])
def test_a_big_array_array_loads_from_a_store_opened_with_mmap_mode(tmp_path, safe):
    # its items came as a memory map, which python_array() refused: the entry read as
    # damaged (a cached call would have set it aside and computed it again)
    from archived import DataSet

    ds = DataSet("s", "w", path=str(tmp_path))
    ds.x = big = array.array("d", range(1000))
    loaded = DataSet("s", path=str(tmp_path), mmap_mode="r", safe=safe).x
    assert type(loaded) is array.array and loaded.tobytes() == big.tobytes()
