"""A hit's narrow readers give exactly what the general reader gives, or step aside.

:func:`archived.load.recordfields.call_fields` reads a call record's key and parameters
alone, and :func:`archived.load.literal.literal_names` reads a value section of one
number by one match: each must give, type for type and bit for bit, what the general
literal reader (and executing the source) gives, or None / the general path.
"""

import math
import re
import tempfile

from hypothesis import given, settings
from hypothesis import strategies as st

from archived.cache.recorded import readable
from archived.load import literal, recordfields
from archived.load.literal import literal_names, literal_value
from archived.load.recordfields import call_fields
from archived.store import entries
from helpers import exact

KEY = "0123456789abcdef" * 2

scalars = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e16, 1e-5, 5e-324, 1.7976931348623157e308, -1]),
    st.booleans(),
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["", "it's", 'say "hi"', "a\\b", "tab\there", "é", "a,]", "x: 1, 'y"]),
)
parameters = st.dictionaries(
    st.one_of(st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True), st.text(max_size=6)),
    st.one_of(scalars, st.lists(scalars, max_size=2)),
    max_size=5,
)


def info_section(folder, info):
    """The info section archived writes for ``info`` (through the entry writer)."""
    entries.commit_entry(folder, "e", 1, info=info)
    with open(f"{folder}/e.py", "rb") as f:
        return entries.entry_sections("e", entries.entry_text("e", f.read()))[0]


def call_record(params):
    return {
        "function": "m.f",
        "version": "1",
        "key": KEY,
        "parameters": readable(params),
        "status": "ok",
        "started": "2026-01-01T00:00:00+00:00",
        "duration": 2.5e-06,
        "host": "vm",
        "pid": 4560,
    }


@settings(max_examples=300, deadline=None)
@given(params=parameters)
def test_the_key_and_parameters_read_alone_are_those_of_the_whole_record(params):
    with tempfile.TemporaryDirectory() as folder:
        source = info_section(folder, call_record(params))
    found = call_fields(source)
    try:
        info = literal_value(source, "info")
    except literal.NotLiteral:  # left to the full loader
        info = None
    if found is not None:  # else the general reader reads the record, as before
        assert info is not None  # the narrow reader reads nothing the literal one does not
        assert exact(found, (info["key"], info["parameters"]))
        assert exact(found, _executed(source))


def _executed(source):
    names = {"__name__": "e"}
    exec(compile(source, "e", "exec"), names)
    return names["info"]["key"], names["info"]["parameters"]


def test_the_record_of_a_call_of_scalars_is_read_by_the_narrow_reader(tmp_path):
    params = {"x": 227, "y": 2.5, "z": -0.0, "flag": True, "none": None, "s": "a b", "big": 10**30}
    source = info_section(str(tmp_path), call_record(params))
    found = call_fields(source)
    assert found is not None
    assert exact(found, _executed(source))
    assert exact(found, (KEY, params))


def test_a_record_outside_the_layout_is_left_to_the_general_reader():
    head = "info = {\n    'function': 'm.f',\n"
    tail = "}\nif __name__ == 'builtins':\n    del __builtins__\n"
    key = f"    'key': '{KEY}',\n"
    params = "    'parameters': {'x': 1},\n"
    refused = {
        "key twice (a display keeps the last)": head + key + key.replace("0", "1") + params,
        "parameters twice": head + key + params + params.replace("1", "2"),
        "no key": head + params,
        "a key that is no string": head + "    'key': 5,\n" + params,
        "parameters that are no dict": head + key + "    'parameters': 5,\n",
        "a nested parameter": head + key + "    'parameters': {'x': [1]},\n",
        "a call in a field": head + key + params + "    'pid': abs(-1),\n",
        "an escape in a string": head + key + "    'parameters': {'x': 'a\\n'},\n",
        "a number JSON would not spell": head + key + "    'parameters': {'x': 1_0},\n",
        "a statement after the record": head + key + params + "}\ninfo['key'] = 'other'\n",
    }
    for why, source in refused.items():
        source = source if source.endswith("'other'\n") else source + tail
        assert call_fields(source) is None, why


numbers = st.one_of(
    st.integers(min_value=-(10**300), max_value=10**300),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 0, -0, 1e16, 1e-5, 5e-324, 1e22, 123456789012345678]),
)


@settings(max_examples=500, deadline=None)
@given(value=numbers, trailer=st.booleans())
def test_a_value_of_one_number_reads_as_executing_it_gives(value, trailer):
    source = f"v = {value!r}\n" + (literal._TRAILER_TEXT if trailer else "")
    assert literal._NUMBER_ASSIGNMENT.fullmatch(source) is not None  # the narrow path
    executed = {"__name__": "e"}
    exec(compile(source, "e", "exec"), executed)
    got = literal_names(source)
    assert exact(got, {"v": executed["v"]})
    assert exact(got["v"], value) or (isinstance(value, float) and math.isnan(value))


def general(source):
    """What the literal reader gives ``source`` without its narrow path of one number."""
    narrow = literal._NUMBER_ASSIGNMENT
    literal._NUMBER_ASSIGNMENT = re.compile(r"(?!)")
    try:
        return literal_names(source)
    except literal.NotLiteral:
        return literal.NotLiteral
    finally:
        literal._NUMBER_ASSIGNMENT = narrow


def test_a_source_of_one_number_reads_as_the_general_reader_reads_it_or_is_left_to_it():
    texts = ["1_000", "0x10", "1.", ".5", "1j", "01", "+1", "- 1", "1e+99999", "-0", "1E5"]
    sources = [f"v = {text}\n" for text in texts] + [
        "__v = 1\n",
        "None = 1\n",
        "class = 1\n",
        "v = 1\ndel v\n",
        "v = 1  # one\n",
        "v = 1\nif __name__ == 'builtins':\n    del __builtins__\n",
        "v = 1\nif __name__ == 'builtins':\n    del __builtins__\nw = 2\n",
        "v = 1" + "0" * 400 + "\n",
    ]
    for source in sources:
        try:
            got = literal_names(source)
        except literal.NotLiteral:
            got = literal.NotLiteral
        assert exact(got, general(source)), source


# The record's layout as call_fields first checked it: the same pattern with every
# repetition free to give characters back and every value open to another split.  The
# module's pattern keeps no way back (possessive repetitions, atomic values), which is
# only right if no text is matched by one and not by the other.
_STRING_BACKTRACKING = r"'[^'\"\\\x00-\x1f\x7f]*'"
_SCALAR_BACKTRACKING = rf"(?:{_STRING_BACKTRACKING}|{recordfields._NUMBER}|True|False|None)"
_FLAT_DICT_BACKTRACKING = (
    rf"\{{(?:{_STRING_BACKTRACKING}: {_SCALAR_BACKTRACKING}"
    rf"(?:, {_STRING_BACKTRACKING}: {_SCALAR_BACKTRACKING})*)?\}}"
    rf"|\{{\n(?:        {_STRING_BACKTRACKING}: {_SCALAR_BACKTRACKING},\n)*    \}}"
)
_RECORD_BACKTRACKING = re.compile(
    rf"info = \{{\n(?:    {_STRING_BACKTRACKING}: "
    rf"(?:{_SCALAR_BACKTRACKING}|{_FLAT_DICT_BACKTRACKING}),\n)*\}}\n"
    r"(?:if __name__ == 'builtins':\n    del __builtins__\n)?",
    re.ASCII,
)

# values that end where another kind of value, or a longer one, could go on
_NEAR_VALUES = [
    "1",
    "-0",
    "01",
    "1.",
    "1.5",
    "1.5e3",
    "1e",
    "1e+",
    "2.5x",
    "-",
    "1_0",
    "1 ",
    "True",
    "Truex",
    "False",
    "None",
    "Non",
    "'s'",
    "'s'x",
    "''",
    "'it''s'",
    "'a\\'",
    "'",
    "{}",
    "{'a': 1}",
    "{'a': 1,}",
    "{'a': 1, 'b': 'x'}",
    "{'a': 1 }",
    "{\n        'a': 1,\n    }",
    "{\n    }",
    "{\n        'a': 1\n    }",
    "{\n        'a': {},\n    }",
    "[1]",
    "1,",
]
_NAMES = ["'key'", "'parameters'", "'a b'", "''", "'x'y'", '"key"']


@settings(max_examples=1500, deadline=None)
@given(
    lines=st.lists(st.tuples(st.sampled_from(_NAMES), st.sampled_from(_NEAR_VALUES)), max_size=4),
    end=st.sampled_from(["}\n", "}\nif __name__ == 'builtins':\n    del __builtins__\n", "}", ""]),
    indent=st.sampled_from(["    ", "   ", "     "]),
)
def test_the_record_layout_kept_without_a_way_back_matches_what_it_matched_with_one(
    lines, end, indent
):
    source = "info = {\n" + "".join(f"{indent}{k}: {v},\n" for k, v in lines) + end
    assert (recordfields._RECORD.fullmatch(source) is None) == (
        _RECORD_BACKTRACKING.fullmatch(source) is None
    ), source


def test_records_of_every_near_value_are_matched_alike_by_both_layouts():
    for value in _NEAR_VALUES:
        for name in _NAMES:
            source = f"info = {{\n    'key': 'k',\n    {name}: {value},\n}}\n"
            assert (recordfields._RECORD.fullmatch(source) is None) == (
                _RECORD_BACKTRACKING.fullmatch(source) is None
            ), source
    # and the records archived writes, as the property test above makes them
    source = f"info = {{\n    'key': '{KEY}',\n    'parameters': {{'x': 1, 'y': 2.5}},\n}}\n"
    assert recordfields._RECORD.fullmatch(source) is not None
