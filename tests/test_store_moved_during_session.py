"""A project folder moved (or renamed) while a session holds a function of its store:
the next call refuses, naming the store's path, where it made the whole path again and
stored into an empty twin of the store at the old place, while the moved store (the one
the user looks in) never saw the result.  A store folder deleted alone is still made
again (``test_cache``'s ``rm -rf`` of a results folder beside a running notebook)."""

from __future__ import annotations

import os

import pytest

from archived import DataSet, archived
from archived.errors import StoreNotFoundError


def test_a_call_after_its_project_moved_refuses_and_makes_no_twin_at_the_old_path(tmp_path):
    project = tmp_path / "project"
    f = archived(project / "results" / "runs")(lambda x: x * 2)
    assert f(1) == 2
    os.rename(project, tmp_path / "moved")
    with pytest.raises(StoreNotFoundError, match="is gone too: moved") as caught:
        f(2)
    assert str(project / "results") in str(caught.value)
    assert not project.exists()  # no empty twin made
    moved = DataSet("runs", path=str(tmp_path / "moved" / "results"))
    assert len(moved) == 1  # the moved store is as it was
    with pytest.raises(StoreNotFoundError):  # asked again, refused again
        f(2)
    os.makedirs(project / "results")  # a new store there, if the user wants one
    assert f(2) == 4 and f.is_cached(2)
    assert os.path.isfile(project / "results" / "runs" / "__init__.py")
