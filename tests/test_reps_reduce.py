"""Instances whose ``__reduce__`` is a plain call of their class (or of a function),
maybe with a state, are stored as that call in readable source, not as a pickle, and
rebuilt exactly as unpickling would rebuild them."""

import pickle
import warnings

import numpy as np
import pytest

import reps_models as m
from archived import Archive, CycleError, restore
from archived.errors import PickleWarning, UnsafeArchiveError
from golden_reps import check_golden, identical, loads, readable_source_of, source_of


def _grid():
    g = m.Grid(3)
    g.cells[1] = 7
    g.label = "after init"  # only the state restores it
    return g


def _tagged():
    t = m.Tagged("run")
    t.tags = ("b", "a")
    return t


CASES = {
    "reduce_call_of_class": lambda: m.Interval(0.0, 2.5),
    "reduce_call_with_state_dict": _grid,
    "reduce_call_with_setstate": _tagged,
    "reduce_call_of_function": lambda: m.Pair("x", np.arange(3)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_reduce_to_a_call_round_trips_as_readable_source_equal_to_unpickling(case, tmp_path):
    value = CASES[case]()
    source = readable_source_of(value, tmp_path)
    check_golden(case, source)
    unpickled = pickle.loads(pickle.dumps(value, protocol=4))
    assert identical(loads(source, tmp_path), unpickled)
    assert identical(loads(source, tmp_path, safe=True), unpickled)


def test_reduce_to_a_call_is_written_as_that_call_and_its_state(tmp_path):
    assert "value = _Interval(0.0, 2.5)\n" in source_of(m.Interval(0.0, 2.5), tmp_path)
    source = source_of(_grid(), tmp_path)
    assert "value = _set_state(_Grid(3), {'cells': [0, 7, 0], 'label': 'after init'})" in source


def test_a_setstate_receives_the_state_as_pickle_gives_it(tmp_path):
    back = loads(source_of(_tagged(), tmp_path), tmp_path)
    assert back.tags == ("a", "b")  # sorted by __setstate__, as unpickling does


def test_objects_shared_through_reduced_calls_stay_shared(tmp_path):
    shared = [1, 2]
    interval = m.Interval(shared, shared)
    value = {"i": interval, "again": interval, "p": m.Pair(shared, 0)}
    back = loads(readable_source_of(value, tmp_path), tmp_path)
    assert back["i"] is back["again"]
    assert back["i"].lo is back["i"].hi is back["p"].a


def test_a_state_that_refers_back_to_its_object_is_refused_as_a_cycle():
    g = m.Grid(1)
    g.cells[0] = g
    a = Archive()
    a.insert(g=g)
    with pytest.raises(CycleError, match="g"):
        str(a)


def test_a_reduce_with_list_items_is_still_pickled_with_its_warning(tmp_path):
    bag = m.Bag()
    bag.extend([1, 2])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        source = source_of(bag, tmp_path)
    assert "_loads(" in source
    assert any(issubclass(w.category, PickleWarning) for w in caught)
    assert restore(source)["value"].items == [1, 2]


def test_a_safe_load_runs_no_reduced_constructor_of_a_module_not_allowed(tmp_path):
    source = source_of(m.Counted(5), tmp_path)
    assert "value = _Counted(5)" in source
    before = m.Counted.made
    with pytest.raises(UnsafeArchiveError, match="reps_models"):
        loads(source, tmp_path, safe=True, allow=())
    assert m.Counted.made == before
    assert loads(source, tmp_path, safe=True).v == 5  # allow=['reps_models'] trusts it
    assert m.Counted.made == before + 1


def test_set_state_in_a_safe_load_refuses_objects_outside_allow_and_dunder_names():
    forged = (
        "from archived.reps import set_state as _s\n"
        "from collections import OrderedDict as _O\n"
        "value = _s(_O(), {'a': 1})\n"
    )
    with pytest.raises(UnsafeArchiveError, match="set_state"):
        restore(forged, safe=True)
    dunder = (
        "from archived.reps import set_state as _s\n"
        "from reps_models import Grid as _G\n"
        "value = _s(_G(1), {'__class__': 1})\n"
    )
    with pytest.raises(UnsafeArchiveError, match="dunder"):
        restore(dunder, safe=True, allow=["reps_models"])
