"""plain_source writes exactly the bytes Archive writes for a record of plain data, and
declines (None) everything else, so the entry files a miss writes stay byte for byte what
they were."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archived import Archive
from archived.cache.callstore import call_info
from archived.engine import builtin_reps, repbase
from archived.engine.plainsource import plain_source
from archived.store.entries import commit_entry, read_entry_text, read_info


def archived_source(name, value):
    arch = Archive(refuse_main=True)
    arch.insert(**{name: value})
    return str(arch)


# strings near the engine's limits: long ones (variables when shared), 'inf'/'nan' inside
# (which make plain_text decline), quotes and newlines
texts = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["inf", "nan", "information", "it's", 'say "x"', "a\nb", "x" * 255]),
    st.text(min_size=250, max_size=300),
)
atoms = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    texts,
)
leaves = st.one_of(
    st.lists(atoms, max_size=6),
    st.lists(atoms, max_size=6).map(tuple),
    st.dictionaries(texts, atoms, max_size=6),
    st.dictionaries(st.integers(), atoms, max_size=3),
)
records = st.dictionaries(
    st.one_of(texts, st.integers(max_value=3)), st.one_of(atoms, leaves), max_size=14
)
names = st.sampled_from(["info", "x", "f_0123456789abcdef_0123456789abcdef", "n" * 60])


@settings(max_examples=400, deadline=None)
@given(names, records)
def test_plain_source_is_archives_source_or_declines(name, record):
    fast = plain_source(name, record)
    if fast is not None:
        assert fast == archived_source(name, record)


@settings(max_examples=100, deadline=None)
@given(names, st.dictionaries(st.text(max_size=8), st.one_of(atoms, leaves), max_size=14))
def test_records_of_shared_leaves_and_long_lines_match_archive(name, record):
    record = dict(record)
    if record:
        first = next(iter(record.values()))
        record["again"] = first  # a leaf held twice: the engine gives it a variable
    fast = plain_source(name, record)
    if fast is not None:
        assert fast == archived_source(name, record)


small = st.one_of(st.integers(-1000, 1000), st.text("abc'", max_size=5), st.booleans())
long_leaves = st.one_of(
    st.lists(small, max_size=40),
    st.lists(small, min_size=1, max_size=40).map(tuple),  # () is one object: shared
    st.dictionaries(st.text("xyz", max_size=4), small, max_size=20),
)


@settings(max_examples=200, deadline=None)
@given(names, st.dictionaries(st.text("kq", max_size=6), st.one_of(small, long_leaves)))
def test_records_whose_leaves_break_over_lines_match_archive(name, record):
    fast = plain_source(name, record)
    assert fast is not None  # all plain: the shortcut must take every one of these
    assert fast == archived_source(name, record)


def test_a_call_record_and_a_small_result_take_the_plain_path():
    info = call_info("m.simulate", "1", "0" * 32, {"i": 45, "mu": 0.5}, 0.0, 0.001)
    for name, value in [("info", info), ("f_0123456789abcdef", {"i": 45, "energy": 22.5})]:
        fast = plain_source(name, value)
        assert fast is not None and fast == archived_source(name, value)
    assert "\n    'parameters': {'i': 45, 'mu': 0.5},\n" in plain_source("info", info)


@pytest.mark.parametrize(
    "value",
    [
        [1, 2],  # not a dict
        {"a": np.float64(1.0)},  # a numpy scalar
        {"a": math.inf},
        {"a": [[1]]},  # nested deeper than a leaf
        {1: 2},
        {"a": "x" * 256},  # a long string: a node of its own
    ],
)
def test_other_values_are_left_to_archive(value):
    assert plain_source("x", value) is None


def test_a_plain_type_registered_anew_is_left_to_archive(monkeypatch):
    monkeypatch.setitem(repbase.REGISTRY, dict, lambda obj, ctx: builtin_reps._dict(obj, ctx))
    assert plain_source("x", {"a": 1}) is None


def test_entries_written_through_the_plain_path_read_back(tmp_path):
    info = call_info("m.f", "1", "ab" * 16, {"n": 3, "label": "run"}, 0.0, 0.25)
    commit_entry(str(tmp_path), "e", {"n": 3, "values": [1, 2, 3]}, info=info)
    assert read_info(str(tmp_path), "e") == info
    text = read_entry_text(str(tmp_path), "e")
    assert text.endswith(
        "e = {'n': 3, 'values': [1, 2, 3]}\n"
        + "if __name__ == 'builtins':\n    del __builtins__\n"
    )
