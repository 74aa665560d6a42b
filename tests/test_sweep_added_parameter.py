"""A sweep run after a parameter with a default was added to the function says that its
points are stored without it: a key holds every parameter, so they are computed again,
and they were, without a word (the version pinned or not), while the README promised
that a sweep about to compute points stored by earlier code says so."""

from __future__ import annotations

import warnings

import pytest

from archived import AddedParameterWarning, StaleVersionWarning, archived, sweep


def before(x, n=2):
    return x * n


def after(x, n=2, offset=0.0):
    return x * n + offset


def test_a_sweep_after_adding_a_defaulted_parameter_names_it_and_still_computes(tmp_path):
    store = str(tmp_path / "runs")
    sweep(archived(store, name="expt.f", version="1")(before), {"x": [1, 2]}, progress=False)
    edited = archived(store, name="expt.f", version="1")(after)  # the version pinned
    with pytest.warns(AddedParameterWarning) as caught:
        assert sweep(edited, {"x": [1, 2, 3]}, progress=False) == [2.0, 4.0, 6.0]
    [warning] = [w for w in caught if w.category is AddedParameterWarning]
    assert warning.message.names == ["offset"]
    text = str(warning.message)
    assert text.startswith("2 of the 3 points to compute are stored as calls of f made ")
    assert "parameter offset was added" in text and "offset=0.0" in text
    assert len(edited.table(frame=False)) == 5  # the earlier results are still there


def test_an_edit_adding_a_parameter_warns_of_the_added_parameter_not_of_a_stale_version(
    tmp_path,
):
    store = str(tmp_path / "runs")
    sweep(archived(store, name="expt.f", version="1")(before), {"x": [1, 2]}, progress=False)
    edited = archived(store, name="expt.f", version="2")(after)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sweep(edited, {"x": [1, 2]}, progress=False)
    kinds = [w.category for w in caught]
    assert AddedParameterWarning in kinds and StaleVersionWarning not in kinds
    assert sorted(s.parameters["x"] for s in edited.stale()) == [1, 2]  # as it says


def test_only_points_giving_the_added_parameter_its_default_are_counted(tmp_path):
    store = str(tmp_path / "runs")
    sweep(archived(store, name="expt.f", version="1")(before), {"x": [1, 2]}, progress=False)
    edited = archived(store, name="expt.f", version="1")(after)
    with pytest.warns(AddedParameterWarning) as caught:
        sweep(edited, {"x": [1, 2], "offset": [0.0, 1.0], "n": [2, 3]}, progress=False)
    [warning] = [w for w in caught if w.category is AddedParameterWarning]
    assert str(warning.message).startswith("2 of the 8 points to compute are stored")


def test_extending_a_sweep_of_an_unchanged_function_gives_no_added_parameter_warning(
    tmp_path,
):
    store = str(tmp_path / "runs")
    func = archived(store, name="expt.f")(after)
    sweep(func, {"x": [1, 2]}, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sweep(func, {"x": [1, 2, 3], "offset": [0.0]}, progress=False) == [2, 4, 6]
