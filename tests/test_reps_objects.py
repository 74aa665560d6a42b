"""Instances of user classes are stored as readable calls of their class, or as their
state, never silently as a pickle; classes of ``__main__`` are refused by stores."""

import functools
import re
import sys
import types
import warnings

import numpy as np
import pytest

import reps_models as m
from archived import Archive, DataSet, UnarchivableError, restore
from archived.errors import PickleWarning, UnsafeArchiveError
from archived.reps import register_call
from golden_reps import check_golden, identical, loads, source_of
from helpers import snapshot


def _measured():
    if m.attr is None:
        pytest.skip("attrs is not installed")
    return m.Measured(1.5, "cm", samples=[1, 2])


def _normalised_then_changed():
    n = m.Normalised([1, 2])
    n.values = [3, 1]  # the constructor would sort them: only the state form is exact
    return n


CASES = {
    "dataclass": lambda: m.Result(-1.25, np.linspace(0.0, 1.0, 200), tags=["a", "b"]),
    "dataclass_frozen_computed_field": lambda: m.Frozen(3),
    "dataclass_changed_after_init": _normalised_then_changed,
    "dataclass_slots": lambda: m.Slotted(1, (2, 3)),
    "namedtuple": lambda: m.Point(1.5, -2.0),
    "enum": lambda: [m.Colour.RED, m.Access.READ, m.Access.READ | m.Access.WRITE],
    "plain_class_init_arguments": lambda: m.Run("warmup", np.arange(150), seed=7),
    "plain_class_state": lambda: m.Summary([1, 2, 3]),
    "attrs": _measured,
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_object_round_trips_as_readable_source_and_loads_safely(case, tmp_path):
    value = CASES[case]()
    source = source_of(value, tmp_path)
    check_golden(case, source)
    assert "_loads(" not in source  # no pickle
    assert identical(loads(source, tmp_path), value)
    assert identical(loads(source, tmp_path, safe=True), value)


def test_dataclass_is_a_call_of_its_class_with_fields_by_name_and_array_in_hdf5(tmp_path):
    source = source_of(m.Result(2.0, np.zeros(500)), tmp_path)
    assert re.search(
        r"value = _Result\(\s*energy=2.0,\s*field=_load_array\('value.h5', 'a0', "
        r"digest='\w+'\),\s*tags=\[\],?\s*\)",
        source,
    )


def test_a_class_whose_init_changes_its_arguments_is_stored_as_its_state(tmp_path):
    source = source_of(m.Summary([4, 5]), tmp_path)
    assert "_from_state(_Summary, {'total': 9, 'count': 2})" in source


def test_safe_load_refuses_classes_of_modules_not_trusted(tmp_path):
    source = source_of(m.Summary([4, 5]), tmp_path)
    with pytest.raises(UnsafeArchiveError, match="reps_models"):
        loads(source, tmp_path, safe=True, allow=())


def test_from_state_in_a_safe_load_refuses_classes_outside_allow_and_dunder_names(tmp_path):
    forged = (
        "from archived.reps import from_state as _f\n"
        "from collections import OrderedDict as _O\n"
        "value = _f(_O, {'a': 1})\n"
    )
    with pytest.raises(UnsafeArchiveError, match="from_state"):
        restore(forged, safe=True)
    dunder = (
        "from archived.reps import from_state as _f\n"
        "from reps_models import Summary as _S\n"
        "value = _f(_S, {'__class__': 1})\n"
    )
    with pytest.raises(UnsafeArchiveError, match="dunder"):
        restore(dunder, safe=True, allow=["reps_models"])


class OwnPickling:
    def __init__(self, v):
        self.v = v

    def __reduce__(self):  # a callable that is no class or function: only pickle calls it
        return (functools.partial(type(self)), (self.v,))


def test_pickle_fallback_warns_once_per_type_naming_the_type_and_the_ways_out():
    class_ = type("OnlyPickles", (OwnPickling,), {"__module__": __name__})
    globals()["OnlyPickles"] = class_
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(3):
                a = Archive()
                a.insert(x=[class_(1), class_(2)])
                assert "_loads(" in str(a)
        pickled = [w for w in caught if issubclass(w.category, PickleWarning)]
        assert len(pickled) == 1
        message = str(pickled[0].message)
        assert "test_reps_objects.OnlyPickles" in message
        assert "register_call" in message and "archive_1()" in message
    finally:
        del globals()["OnlyPickles"]


@pytest.fixture
def fresh_pickled_class():
    """A class only pickle can store, new to this test (the warning is once per type)."""
    class_ = type("PickledHere", (OwnPickling,), {"__module__": __name__})
    globals()["PickledHere"] = class_
    yield class_
    del globals()["PickledHere"]


def _pickle_warnings(caught):
    return [w for w in caught if issubclass(w.category, PickleWarning)]


def test_pickle_warning_of_a_dataset_assignment_points_at_the_users_line(
    tmp_path, fresh_pickled_class
):
    ds = DataSet("own", "w", path=str(tmp_path))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds.x = fresh_pickled_class(1)
    [warning] = _pickle_warnings(caught)
    assert warning.filename == __file__, warning.filename


def test_pickle_warning_of_a_cached_result_points_at_the_users_call(tmp_path, fresh_pickled_class):
    from archived import archived

    @archived(tmp_path / "store")
    def make(v):
        return fresh_pickled_class(v)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        make(1)
    [warning] = _pickle_warnings(caught)
    assert warning.filename == __file__, warning.filename


@pytest.fixture
def main_class():
    """A dataclass living in ``__main__``, as in a script."""
    import dataclasses

    main = sys.modules["__main__"]
    cls = dataclasses.make_dataclass("ScriptResult", [("x", float)])
    cls.__module__ = "__main__"
    main.ScriptResult = cls
    pickled = type("ScriptPickled", (OwnPickling,), {"__module__": "__main__"})
    main.ScriptPickled = pickled
    yield types.SimpleNamespace(readable=cls, pickled=pickled)
    del main.ScriptResult, main.ScriptPickled


@pytest.mark.parametrize("kind", ["readable", "pickled"])
def test_a_store_refuses_a_class_of_main_before_writing_anything(tmp_path, main_class, kind):
    ds = DataSet("s", "w", path=str(tmp_path))
    before = snapshot(tmp_path)
    value = getattr(main_class, kind)(1.0)
    with pytest.raises(UnarchivableError, match="defined in __main__.*move it into a module"):
        ds.x = {"nested": [value]}
    assert snapshot(tmp_path) == before
    a = Archive()  # a plain archive, loaded back in this very process, may name __main__
    a.insert(x=value)
    assert "from __main__ import" in str(a) or "__main__" in str(a)


def test_register_call_writes_a_constructor_call_and_is_undone_by_deleting_it(tmp_path):
    from archived.engine.repbase import REGISTRY

    class Celsius:
        def __init__(self, degrees):
            self.degrees = degrees

    register_call(Celsius, lambda c: (float, (c.degrees,)))
    try:
        a = Archive()
        a.insert(t=Celsius(21.5), many=[Celsius(np.float64(1.0))])
        source = str(a)
        assert "t = _float(21.5)" in source
        assert restore(source, safe=True)["t"] == 21.5
    finally:
        del REGISTRY[Celsius]


def test_register_call_refuses_a_reduce_that_returns_nonsense():
    from archived.engine.repbase import REGISTRY

    class Bad:
        pass

    register_call(Bad, lambda b: "not a tuple")
    try:
        with pytest.raises(UnarchivableError, match="expected \\(constructor, args"):
            a = Archive()
            a.insert(x=Bad())
            str(a)
    finally:
        del REGISTRY[Bad]


def test_from_state_in_a_safe_load_refuses_a_class_whose_del_would_run_on_stored_state():
    forged = (
        "from archived.reps import from_state as _f\n"
        "from reps_models import WithFinalizer as _W\n"
        "value = _f(_W, {'path': '/etc/passwd'})\n"
    )
    with pytest.raises(UnsafeArchiveError, match="__del__"):
        restore(forged, safe=True, allow=["reps_models"])
