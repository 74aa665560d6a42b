"""A safe load's ``set_state`` restores a state only into an object it has just made by
calling a class of the caller's ``allow=`` modules, with a plain dict of attribute
names: never into an object the process already holds (an enum member, a module's
object), never twice into one object, never through a mapping that is not a dict."""

import pytest

import reps_models as m
from archived import restore
from archived.errors import UnsafeArchiveError

HEAD = "from archived.reps import set_state as _set_state\n"


def _safe(source):
    return restore(HEAD + source, safe=True, allow=["reps_models"])["value"]


def test_set_state_of_an_enum_member_is_refused_and_the_member_is_unchanged():
    source = (
        "from reps_models import Colour as _Colour\n"
        "value = _set_state(_Colour.RED, {'_value_': 'green', '_name_': 'GREEN'})\n"
    )
    with pytest.raises(UnsafeArchiveError, match="set_state"):
        _safe(source)
    assert (m.Colour.RED.name, m.Colour.RED.value) == ("RED", "red")


def test_set_state_of_an_enum_member_its_class_call_returns_is_refused():
    source = (
        "from reps_models import Colour as _Colour\n"
        "value = _set_state(_Colour('red'), {'_value_': 'green'})\n"
    )
    with pytest.raises(UnsafeArchiveError, match="set_state"):
        _safe(source)
    assert m.Colour("red") is m.Colour.RED and m.Colour.RED.value == "red"


def test_set_state_of_an_object_the_module_holds_is_refused_and_it_is_unchanged():
    source = "from reps_models import TALLY as _T\nvalue = _set_state(_T, {'count': 41})\n"
    with pytest.raises(UnsafeArchiveError, match="set_state"):
        _safe(source)
    assert m.TALLY.count == 0


def test_set_state_of_an_object_bound_to_a_name_is_refused():
    source = (
        "from reps_models import Grid as _Grid\n"
        "_g = _Grid(1)\n"
        "value = [_g, _set_state(_g, {'n': 5})]\n"
        "del _g\n"
    )
    with pytest.raises(UnsafeArchiveError, match="set_state"):
        _safe(source)


def test_set_state_given_by_keywords_is_refused():
    source = (
        "from reps_models import Grid as _Grid, TALLY as _T\n"
        "value = _set_state(state={'count': 41}, obj=_T)\n"
    )
    with pytest.raises(UnsafeArchiveError, match="set_state"):
        _safe(source)
    assert m.TALLY.count == 0


def test_set_state_of_what_set_state_returned_is_refused():
    source = (
        "from reps_models import Grid as _Grid\n"
        "value = _set_state(_set_state(_Grid(1), {'label': 'a'}), {'label': 'b'})\n"
    )
    with pytest.raises(UnsafeArchiveError, match="set_state"):
        _safe(source)


@pytest.mark.parametrize("mapping", ["OrderedDict", "Counter"])
def test_set_state_with_a_mapping_that_is_not_a_dict_is_refused(mapping):
    # its dunder names escaped the check: an instance __setstate__ of numpy.ones, which a
    # second set_state then called with a shape of the store's choosing, unguarded
    source = (
        f"from collections import {mapping} as _D\n"
        "from reps_models import Grid as _Grid\n"
        "from numpy import ones as _ones\n"
        "value = _set_state(_Grid(1), _D({'__setstate__': _ones}))\n"
    )
    with pytest.raises(UnsafeArchiveError, match="set_state"):
        _safe(source)


@pytest.mark.parametrize(
    "state",
    ["({'label': 'a'}, [('x', 1)])", "[('label', 'a')]", "({'label': 'a'}, {'__dict__': {}})"],
)
def test_set_state_of_a_class_without_setstate_takes_only_dicts_of_plain_names(state):
    source = f"from reps_models import Grid as _Grid\nvalue = _set_state(_Grid(1), {state})\n"
    with pytest.raises(UnsafeArchiveError, match="set_state"):
        _safe(source)


def test_set_state_of_a_fresh_object_still_loads_as_unpickling_would():
    source = (
        "from reps_models import Grid as _Grid, Tagged as _Tagged\n"
        "value = [_set_state(_Grid(2), {'cells': [0, 7], 'label': 'x'}),"
        " _set_state(_Tagged('run'), ('b', 'a'))]\n"
    )
    grid, tagged = _safe(source)
    assert vars(grid) == {"n": 2, "cells": [0, 7], "label": "x"}
    assert tagged.tags == ("a", "b")


def test_set_state_of_an_instance_a_class_new_hands_out_again_is_refused_and_unchanged():
    # Unit.__new__ returns the instance it keeps for each name: the process's METRE
    source = (
        "from reps_models import Unit as _Unit\n"
        "value = _set_state(_Unit('m'), {'factor': 1000.0})\n"
    )
    with pytest.raises(UnsafeArchiveError, match="set_state"):
        _safe(source)
    assert m.Unit("m") is m.METRE and m.METRE.factor == 1.0


def test_set_state_of_the_instance_a_metaclass_call_hands_out_is_refused_and_unchanged():
    source = "from reps_models import Settings as _S\nvalue = _set_state(_S(), {'level': 99})\n"
    with pytest.raises(UnsafeArchiveError, match="set_state"):
        _safe(source)
    assert m.Settings() is m.SETTINGS and m.SETTINGS.level == 1


def test_set_state_of_what_a_function_returns_is_refused_and_the_module_object_unchanged():
    # the function is the module's own code, but the state would be the store's
    source = (
        "from reps_models import default_grid as _d\n"
        "value = _set_state(_d(), {'label': 'the store'})\n"
    )
    with pytest.raises(UnsafeArchiveError, match="set_state"):
        _safe(source)
    assert not hasattr(m.DEFAULT_GRID, "label")


def test_set_state_of_a_partial_subclass_never_makes_it_call_a_method_the_store_chose(tmp_path):
    # partial's own __setstate__ (inherited, no code of the allowed module) took any
    # function: the loaded Step, once called, wrote a file a partial() could never name
    target = tmp_path / "written"
    source = (
        "from reps_models import Step as _Step, scale as _scale\n"
        "from pathlib import Path as _Path\n"
        f"value = _set_state(_Step(_scale), (_Path.write_text, (_Path({str(target)!r}), 'x'),"
        " None, None))\n"
    )
    with pytest.raises(UnsafeArchiveError, match="set_state"):
        _safe(source)
    assert not target.exists()


def test_set_state_of_a_partial_subclass_takes_what_a_partial_may_hold():
    source = (
        "from reps_models import Step as _Step, scale as _scale\n"
        "value = _set_state(_Step(_scale), (_scale, (3,), {'k': 4}, None))\n"
    )
    step = _safe(source)
    assert type(step) is m.Step and step() == 12


def test_set_state_whose_setstate_is_a_class_of_a_module_not_allowed_is_refused():
    # Step's __setstate__ is functools.partial's: only a partial's state goes through
    source = (
        "from reps_models import Step as _Step, scale as _scale\n"
        "value = _set_state(_Step(_scale), (_scale, (), {}, {'__call__': 1}))\n"
    )
    with pytest.raises(UnsafeArchiveError, match="set_state"):
        _safe(source)


def test_set_state_of_a_random_subclass_loads_safely_and_continues_the_same_numbers():
    from archived import Archive

    dice = m.Dice(5)
    dice.random()
    archive = Archive()
    archive.insert(value=dice)
    loaded = restore(str(archive), safe=True, allow=["reps_models"])["value"]
    assert type(loaded) is m.Dice and [loaded.random() for _ in range(3)] == [
        dice.random() for _ in range(3)
    ]
