"""A reader on a full disk does not try again to save the read-side index at every
lookup: each save it tried encoded every row the process keeps and failed, so looking up
5,000 entries one by one took 60 s (4,936 saves tried) where it takes well under one;
a failed save is now tried again only once twice as many rows are unsaved."""

from __future__ import annotations

import os

import pytest

from archived.store import index
from archived.store.entries import commit_entry
from helpers import fill_disk, small_disk


@pytest.fixture
def disk():
    with small_disk("8m") as folder:
        yield folder


def test_lookups_on_a_full_disk_try_to_save_the_index_a_few_times_only(disk, monkeypatch):
    n = 1_000
    for i in range(n):
        commit_entry(disk, f"x_{i}", i, info={"mu": i}, durable=False)
    index.forget(disk)
    filler = fill_disk(disk, 0)
    tried = []
    write = index.write_columns
    monkeypatch.setattr(index, "write_columns", lambda *a: tried.append(1) or write(*a))
    for i in range(n):
        assert index.rows(disk, [f"x_{i}"])[f"x_{i}"].info() == {"mu": i}
    assert 1 <= len(tried) <= 12  # (one per doubling of the rows read; 936 before)
    assert not os.path.exists(os.path.join(disk, index.INDEX_FILE))
    assert not [f for f in os.listdir(disk) if f.startswith(".index.")]  # no temporary left
    # room again: the rows are saved once enough more are read
    os.unlink(filler)
    index.forget(disk)
    index.rows(disk)
    assert os.path.exists(os.path.join(disk, index.INDEX_FILE))
