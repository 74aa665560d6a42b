"""A where() or table() given a list that matches no call says how to ask for any of
several values: where(L=[8, 16]) returned [] and no word of why."""

import warnings

import pytest

from archived import archived


def run(L, T=1):
    return L * T


def test_a_list_criterion_matching_nothing_says_to_pass_a_predicate(tmp_path):
    f = archived(str(tmp_path / "s"))(run)
    for L in (8, 16, 32):
        f(L)
    with pytest.warns(UserWarning, match=r"L=\[8, 16\] matched no stored call of ") as caught:
        assert f.where(L=[8, 16]) == []
    assert "a list selects the calls given that list itself" in str(caught[0].message)
    assert "pass a predicate: L=lambda v: v in (8, 16)" in str(caught[0].message)
    assert caught[0].filename == __file__  # the user's line
    assert [c.parameters["L"] for c in f.where(L=lambda v: v in (8, 16))] == [8, 16]
    with pytest.warns(UserWarning, match=r"L=\(8,\) matched no .* v in \(8,\)$"):
        assert len(f.table(L=(8,), frame=False)) == 0


def test_a_list_criterion_that_matches_a_list_parameter_says_nothing(tmp_path):
    f = archived(str(tmp_path / "s"))(run)
    f([8, 16])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [c.load() for c in f.where(L=[8, 16])] == [[8, 16]]
        assert f.where(L=99) == []  # a plain value matching nothing: no advice needed
