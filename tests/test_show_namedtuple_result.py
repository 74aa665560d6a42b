"""``archived show`` of a NamedTuple result names its fields: it was shown as a tuple
subclass, ``Summary((64.8, -2.6))``, or item by item as ``[0] 64.8``, so a user
browsing a store saw numbers without the names the result gave them."""

from __future__ import annotations

import collections
import dataclasses
from typing import NamedTuple

import numpy as np

from archived._format import short_repr, summarize_value


class Summary(NamedTuple):
    energy: float
    magnetization: float


class Fit(NamedTuple):
    slope: float
    curve: np.ndarray
    note: str


def test_a_short_namedtuple_is_shown_with_its_field_names():
    assert summarize_value(Summary(64.5, -2.5)) == "Summary(energy=64.5, magnetization=-2.5)"
    assert short_repr([Summary(1.0, 2.0)]) == "[Summary(energy=1.0, magnetization=2.0)]"


def test_a_long_namedtuple_is_summarised_field_by_field():
    lines = summarize_value(Fit(0.5, np.linspace(0, 1, 200), "ok")).splitlines()
    assert lines[0] == "Fit (namedtuple) with 3 fields"
    assert "  slope: 0.5" in lines
    assert "  curve: ndarray shape=(200,) dtype=float64 min=0 max=1" in lines
    assert "  note: 'ok'" in lines


def test_a_tuple_subclass_whose_fields_do_not_match_is_shown_as_a_tuple():
    class Odd(tuple):
        _fields = ("a",)  # says one field, holds two

    assert short_repr(Odd((1, 2))) == "Odd((1, 2))"
    assert short_repr(collections.namedtuple("P", "x y")(1, 2)) == "P(x=1, y=2)"


class Run(NamedTuple):
    L: int
    T: float
    energy: float
    spins: np.ndarray
    history: np.ndarray
    meta: dict


def test_the_fields_a_long_result_summary_leaves_out_are_named():
    # 'show' listed five fields and '... (1 more)': a result's meta, sixth, was a field
    # nobody browsing the store knew was there
    run = Run(4, 2.0, -1.5, np.ones((8, 8)), np.zeros(50), {"host": "x"})
    assert summarize_value(run).splitlines()[-1] == "  ... (1 more field: meta)"
    dataclass = dataclasses.make_dataclass("Wide", [f"f{i}" for i in range(8)])
    lines = summarize_value(dataclass(*[np.zeros(30)] * 8)).splitlines()
    assert lines[-1] == "  ... (3 more fields: f5, f6, f7)"
