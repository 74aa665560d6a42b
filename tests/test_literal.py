"""The literal fast path reads plain-data archive source exactly as executing it would,
and hands everything else to the full loader (it never returns another value)."""

import datetime
import math
import re
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archived import Archive
from archived.load import codecache
from archived.load.literal import NotLiteral, literal_names, literal_value
from archived.load.restore import restore
from helpers import NUMPY_1, exact


def executed(src):
    names = restore(src)
    names.pop("__builtins__", None)
    return names


SCALARS = [
    0, -1, 10**30, 1.5, -0.0, math.inf, -math.inf, math.nan, 1e-300, True, None, "it's",
    'say "hi"', "é\n\t", b"\x00\xff", 1 + 2j, np.float64(2.5), np.float32(-0.0),
    np.int8(-3), np.uint64(2**63), np.bool_(True),
    # numpy 1.x's complex types take one argument: the engine writes their scalars from
    # bytes there, which the fast path leaves to the full loader
    *([] if NUMPY_1 else [np.complex128(1 - 2j)]),
    np.float64("nan"), datetime.datetime(2020, 1, 2, 3, 4, 5, 6), datetime.date(2020, 1, 1),
    datetime.timedelta(days=1, seconds=3), range(1, 5, 2), slice(None, 3), bytearray(b"ab"),
    np.arange(3.0), np.zeros((0, 2), dtype=">i4"), np.array([[1, 2], [3, 4]], "u2", order="F"),
    np.array(2.5), np.array([1.0, np.nan, -np.inf], dtype="float32"),
]  # fmt: skip
values = st.recursive(
    st.sampled_from(SCALARS),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(st.sampled_from(["a", "b", 1, 2.5, (1, 2), None]), inner, max_size=4),
        st.frozensets(st.sampled_from([1, "a", (1,), None]), max_size=3),
        inner.map(lambda shared: [shared, shared]),  # a shared reference
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(values)
def test_what_archives_write_reads_the_same_as_executing_it(value):
    src = _archive(value)
    assert exact(executed(src)["x"], literal_names(src)["x"])


def _archive(value):
    a = Archive()
    a.insert(x=value)
    return str(a)


PIECES = list("()[]{},:-'\"\\b_=j.e0x+E\t ") + ["\n", "\n    ", "1", "==", "lambda", ";"]
PIECES += ["True", "None", "1e5", "00", "- 1"]
# what the JSON-like path reads (str-keyed dicts, lists, strings, numbers, True/False/None)
json_like = st.recursive(
    st.sampled_from([0, -1, 10**20, 1.5, -0.0, 1e-300, True, None, "a", "", "é", "1,]", "None"]),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(["a", "b", "", "True", "x y"]), inner, max_size=4),
    ),
    max_leaves=12,
)


@pytest.mark.filterwarnings("ignore::SyntaxWarning", "ignore::DeprecationWarning")
@settings(max_examples=300, deadline=None)
@given(
    st.one_of(values, json_like),
    st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(PIECES)), max_size=3),
)
def test_edited_source_reads_the_same_as_executing_it_or_falls_back(value, edits):
    src = list(_archive(value))
    for where, piece in edits:
        src.insert(where % (len(src) + 1), piece)
    text = "".join(src)
    try:
        expected = executed(text)
    except BaseException:
        expected = None
    try:
        got = literal_names(text)
    except NotLiteral:
        return  # the full loader decides
    assert expected is not None, f"accepted source that does not run: {text!r}"
    assert list(got) == list(expected)
    assert all(exact(expected[k], got[k]) or expected[k] is got[k] for k in expected)


@pytest.mark.parametrize(
    "src",
    [
        "import os\n",
        "x = os.getcwd()\n",
        "from os import system as _s\nx = _s('true')\n",
        "x = [i for i in range(3)]\n",
        "x = (lambda: 1)()\n",
        "x = f'{1}'\n",
        "x = 1 + 2\n",
        "x = y\n",
        "  x = 1\n",
        "x = 1; y = 2\n",
        "x = 007\n",
        "x = 1j\n",
        "x = {**{}}\n",
        "x = b'\xe9'\n",
        "x = '''a'''\n",
        "x = 1\nif __name__ == 'builtins':\n    del __builtins__\n    y = 2\n",
        "x = 1\r\n",
        "x = 'a\x00'\n",
        "from numpy import load as _l\nx = _l('f')\n",
        "from numpy import zeros as _z\nx = _z((10**9,), dtype='float64')\n",
        "from numpy import array as _a\nx = _a(['a'], dtype='<U1')\n",
        # JSON-like, but Python refuses a comma with nothing before it
        "x = [,]\n",
        "x = {,}\n",
        "x = {'a': [ ,]}\n",
        # nested past the tokenizer's limit (and past Python's own 200 levels)
        "x = " + "[" * 101 + "]" * 101 + "\n",
        "x = [" + "{'a': " * 250 + "1" + "}" * 250 + "]\n",
    ],
)
def test_source_outside_the_subset_falls_back(src):
    with pytest.raises(NotLiteral):
        literal_names(src)


def test_parenthesized_value_is_the_value_and_trailing_comma_makes_a_tuple():
    assert literal_names("x = (1)\ny = (1,)\nz = ()\n") == {"x": 1, "y": (1,), "z": ()}


def test_shared_reference_bombs_and_deep_nesting_fall_back_at_once():
    bomb = "_g0 = (1, 2)\n" + "".join(f"_g{i} = (_g{i - 1}, _g{i - 1})\n" for i in range(1, 64))
    start = time.process_time()
    for tail in ("x = _g63\n", "x = {_g63}\n", "x = {_g63: 1}\n"):
        with pytest.raises(NotLiteral, match="expands|hash"):
            literal_names(bomb + tail)
    with pytest.raises(NotLiteral, match="nested"):
        literal_names("x = " + "[" * 10_000 + "]" * 10_000 + "\n")
    assert time.process_time() - start < 5


def test_json_like_nesting_reads_up_to_the_tokenizers_limit():
    deepest = "x = " + "[" * 100 + "]" * 100 + "\n"
    assert literal_names(deepest) == executed(deepest)


def test_literal_value_names_the_missing_variable():
    assert literal_value("a = 1\n", "a") == 1
    with pytest.raises(NotLiteral, match="'b'"):
        literal_value("a = 1\n", "b")


def test_an_unchanged_source_is_compiled_once_and_a_changed_one_again():
    codecache.clear()
    calls = []

    def compile_source(src, filename):
        calls.append(src)
        return [compile(src, filename, "exec")]

    first = codecache.compiled("x = [1]\n", "<archive>", compile_source)
    assert codecache.compiled("x = [1]\n", "<archive>", compile_source) is first
    codecache.compiled("x = [2]\n", "<archive>", compile_source)  # same size, other text
    assert calls == ["x = [1]\n", "x = [2]\n"]
    codecache.clear()
    codecache.compiled("x = [1]\n", "<archive>", compile_source)
    assert len(calls) == 3


# the checks of the JSON-like path as they were before they were made possessive (one
# character at a time) and the trailing-comma rule a lookahead (a group copied back)
_REFERENCE_BETWEEN = re.compile(r"(?:[ \n\d.eE+\-\[\]{}:,\x01]|True|False|None)*", re.ASCII)
_REFERENCE_TRAILING_COMMA = re.compile(r",(\s*[\]}])")
_PIECES = [" ", "\n", "1", ".", "e", "E", "+", "-", "[", "]", "{", "}", ":", ","]
_PIECES += ["\x01", "True", "False", "None", "Tru", "N", "x", "'", "\t"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_the_json_like_checks_between_strings_accept_what_the_reference_ones_do(text):
    from archived.load import literal

    assert (literal._BETWEEN_STRINGS.fullmatch(text) is None) == (
        _REFERENCE_BETWEEN.fullmatch(text) is None
    )
    assert literal._TRAILING_COMMA.sub("", text) == _REFERENCE_TRAILING_COMMA.sub(r"\1", text)
    # a long run of allowed characters before one that is not: a pattern that gave the
    # run back piece by piece would try every split of it before failing
    assert literal._BETWEEN_STRINGS.fullmatch("1" * 64 + text + "x") is None
