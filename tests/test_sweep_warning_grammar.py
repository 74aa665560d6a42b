"""A sweep's warnings about points stored under other code, and its note when stopped,
agree with the number of points: one stale point of twenty read "1 of the 20 points to
compute are stored ..., so they are computed again"."""

from __future__ import annotations

import importlib
import sys

import pytest

from archived import (
    AddedParameterWarning,
    MovedFunctionWarning,
    StaleVersionWarning,
    archived,
    sweep,
)


def square(x, n=2):
    return x**n


def square_with_offset(x, n=2, offset=0):
    return x**n + offset


def as_edited(store, func, version, **options):
    """``func`` decorated as after an edit of its source: its version ``version``, as a
    digest of the source would be, not given with ``version=`` (which says the results
    change, and gets no advice to pin the old version)."""
    edited = archived(store, **options)(func)
    edited.version = version
    return edited


def test_one_stale_point_of_several_is_spoken_of_in_the_singular(tmp_path):
    store = str(tmp_path / "runs")
    sweep(archived(store, version="1")(square), {"x": [1]}, progress=False)
    with pytest.warns(StaleVersionWarning) as caught:
        sweep(as_edited(store, square, "2"), {"x": [1, 2, 3]}, progress=False)
    text = str(caught[0].message)
    assert text.startswith("1 of the 3 points to compute is stored as calls of square's ")
    assert "so it is computed again" in text and "and it answers again" in text
    assert " they " not in text


def test_the_only_point_to_compute_stored_under_an_old_version_is_named_so(tmp_path):
    store = str(tmp_path / "runs")
    sweep(archived(store, version="1")(square), {"x": [1]}, progress=False)
    with pytest.warns(StaleVersionWarning) as caught:
        sweep(archived(store, version="2")(square), {"x": [1]}, progress=False)
    assert str(caught[0].message).startswith("the only point to compute is stored as calls")


def test_one_point_stored_before_a_parameter_was_added_is_singular(tmp_path):
    store = str(tmp_path / "runs")
    sweep(archived(store, name="m.f", version="1")(square), {"x": [1]}, progress=False)
    edited = archived(store, name="m.f", version="1")(square_with_offset)
    with pytest.warns(AddedParameterWarning) as caught:
        sweep(edited, {"x": [1, 2]}, progress=False)
    text = str(caught[0].message)
    assert text.startswith("1 of the 2 points to compute is stored as calls of f made before")
    assert "so it is computed again" in text


def test_one_point_stored_under_a_moved_function_is_singular(tmp_path, monkeypatch):
    store = str(tmp_path / "store" / "runs")
    code = (
        f"from archived import archived\n@archived({store!r})\ndef square(x):\n    return x * x\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "grammar_old_place.py").write_text(code)
    old = importlib.import_module("grammar_old_place")
    sweep(old.square, {"x": [1]}, progress=False)
    (tmp_path / "grammar_old_place.py").unlink()  # moved: defined in its new module only
    monkeypatch.delitem(sys.modules, "grammar_old_place")
    (tmp_path / "grammar_new_place.py").write_text(code)
    moved = importlib.import_module("grammar_new_place")
    try:
        with pytest.warns(MovedFunctionWarning) as caught:
            sweep(moved.square, {"x": [1, 2]}, progress=False)
    finally:
        del sys.modules["grammar_new_place"]
    text = str(caught[0].message)
    assert text.startswith("1 of the 2 points to compute is stored as calls of grammar_old_place")
    assert "so it is computed again" in text and "and it answers again" in text


def test_several_points_keep_the_plural(tmp_path):
    store = str(tmp_path / "runs")
    sweep(archived(store, version="1")(square), {"x": [1, 2]}, progress=False)
    with pytest.warns(StaleVersionWarning) as caught:
        sweep(as_edited(store, square, "2"), {"x": [1, 2, 3]}, progress=False)
    text = str(caught[0].message)
    assert text.startswith("2 of the 3 points to compute are stored")
    assert "so they are computed again" in text and "and they answer again" in text


def stop_at_one(x):
    if x == 1:
        raise KeyboardInterrupt  # as Ctrl-C during the second point
    return x


def test_a_sweep_stopped_after_one_point_says_it_in_the_singular(tmp_path):
    f = archived(str(tmp_path / "runs"))(stop_at_one)
    with pytest.raises(KeyboardInterrupt) as info:
        sweep(f, {"x": [0, 1, 2]}, progress=False)
    assert info.value.__notes__ == [
        "archived.sweep: 1 of 3 points is stored or finished; run the sweep again to "
        "compute the 2 left"
    ]


def test_points_stored_by_several_old_versions_are_counted_against_the_version_named(tmp_path):
    # two points stored by version 2, one by version 1 only: the warning said "3 of the 3
    # points to compute are stored as calls of square's version 2", and pinning version 2
    # brought back two of them
    store = str(tmp_path / "runs")
    sweep(archived(store, version="1")(square), {"x": [3]}, progress=False)
    sweep(archived(store, version="2")(square), {"x": [1, 2]}, progress=False)
    with pytest.warns(StaleVersionWarning) as caught:
        sweep(as_edited(store, square, "3"), {"x": [1, 2, 3]}, progress=False)
    text = str(caught[0].message)
    assert text.startswith(
        "2 of the 3 points to compute are stored as calls of square's version 2 (1 more is "
        "stored by other versions), and its code"
    )
    pinned = archived(store, version="2")(square)
    assert [pinned.is_cached(x) for x in (1, 2, 3)] == [True, True, False]
