"""Standard-library values are calls of their own constructors: exact, readable, safe."""

import collections
import datetime
import decimal
import fractions
import pathlib
import types
import uuid
import zoneinfo

import numpy as np
import pytest

from golden_reps import check_golden, identical, loads, source_of

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
