"""``archived show`` of a dataclass result lists its fields, each summarised as a dict's
items are: it printed the dataclass's repr cut at 400 characters, so a result holding a
200-point loss curve showed five lines of that array and none of its other fields (the
weights, the note), which a user browsing a colleague's store could not see."""

from __future__ import annotations

import dataclasses

import numpy as np

from archived._format import summarize_value


@dataclasses.dataclass
class Curve:
    lr: float
    loss: np.ndarray
    weights: np.ndarray
    note: str = ""


def test_a_dataclass_result_is_summarised_field_by_field():
    curve = Curve(0.01, np.exp(-0.01 * np.arange(200)), np.ones(150), "converged")
    text = summarize_value(curve)
    lines = text.splitlines()
    assert lines[0] == "Curve (dataclass) with 4 fields"
    assert "  lr: 0.01" in lines
    assert "  loss: ndarray shape=(200,) dtype=float64 min=0.136695 max=1" in lines
    assert "  weights: ndarray shape=(150,) dtype=float64 min=1 max=1" in lines
    assert "  note: 'converged'" in lines


def test_a_dataclass_class_itself_or_a_short_one_is_shown_by_its_repr():
    assert summarize_value(Curve) == repr(Curve)
    short = Curve(0.1, np.zeros(2), np.ones(1))
    assert summarize_value(short) == repr(short)
