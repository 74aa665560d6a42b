"""Summaries for the command line take bounded time and text, whatever the value."""

import collections
import decimal
import fractions
import types

import pytest

from archived import Limits, restore
from archived._format import format_params, short_repr, summarize_value
from archived.reps import object_array


def laughs(levels, width=10):
    """A list naming one list ``width`` times, ``levels`` deep: width**levels leaves."""
    value = [1] * width
    for _ in range(levels):
        value = [value] * width
    return value


@pytest.mark.parametrize(
    "value",
    [
        laughs(12),  # a trillion leaves
        {("k", i): laughs(12) for i in range(3)},
        types.SimpleNamespace(a=laughs(12)),
        collections.deque([laughs(12)]),
        collections.ChainMap({1: laughs(12)}),
        object_array([laughs(12), 1], (2,)),
        "x" * 10**7,
        2**100_000,
        fractions.Fraction(2**100_000, 3),
        decimal.Decimal("1" * 20_000),
    ],
    ids=lambda v: type(v).__name__,
)
def test_summaries_of_huge_or_hugely_shared_values_stay_short(value):
    assert len(short_repr(value, 80)) <= 80
    assert len(format_params({"p": value, "q": 1}, width=60)) <= 60
    assert len(summarize_value(value)) < 4000
    assert len(summarize_value({"v": value, "w": [value]})) < 8000


@pytest.mark.parametrize(
    "value",
    [
        [1, 2.5, "a", None, True, b"x"],
        (1,),
        {"a": {1, 2}, "b": frozenset({3})},
        set(),
        collections.Counter("aab"),
        collections.deque([1, 2]),
        {"nested": [[1, [2, (3,)]]]},
    ],
)
def test_short_values_are_summarised_as_their_repr(value):
    assert short_repr(value, 200) == repr(value)


def test_a_short_repr_that_is_cut_says_so_with_an_ellipsis():
    assert short_repr(list(range(100)), 20) == "[0, 1, 2, 3, 4, 5..."
    assert short_repr("a" * 100, 10) == "'aaaaaa..."


@pytest.mark.parametrize(
    "value",
    [
        0,
        -7,
        10**299,
        -(10**299),
        10**300,
        2**4000,
        1.5,
        -0.0,
        float("nan"),
        1e308,
        True,
        None,
        "",
        "abc",
        "x" * 12,
        "x" * 13,
        'it\'s "q"\n',
        "\u00e9\x00",
    ],
)
@pytest.mark.parametrize("width", [3, 12, 80])
def test_plain_scalars_are_summarised_as_the_general_writer_does(value, width):
    # short_repr reads ints, floats, bools, None and short strings without its writer:
    # the text must be the writer's, cut or not
    from archived._format import _cut, _Writer

    writer = _Writer(width)
    writer.value(value, 0)
    assert short_repr(value, width) == _cut("".join(writer.parts), width)


def test_a_safely_loaded_shared_structure_is_summarised_quickly():
    src = "_g0 = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n" + "".join(
        f"_g{i} = [{', '.join([f'_g{i - 1}'] * 10)}]\n" for i in range(1, 5)
    )
    value = restore(src + "x = _g4\n", safe=True, limits=Limits(max_elements=10**6))["x"]
    assert len(summarize_value({"x": value})) < 4000


def test_a_crafted_duration_prints_as_a_question_mark_never_a_huge_or_negative_number():
    from archived._format import format_duration

    for crafted in (-1e308, -1, -0.5, 1e308, 10**200, 11 * 365 * 86400, float("inf"), "abc"):
        assert format_duration(crafted) == "?", crafted
    # a real duration, up to years of computing, and no duration at all still print
    assert format_duration(9 * 365 * 86400) == f"{9 * 365 * 24} h 00 min"
    assert format_duration(0) == "0 us"
    assert format_duration(None) == ""
