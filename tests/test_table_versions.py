"""A DataSet's ``_table()`` tells the results of an edited function's code versions
apart, as ``archived ls -l`` and ``archived export`` do: while a function has results of
several versions (an edit, not yet pruned), a ``version`` column after ``function``;
with one version per function, none.  Without it a stale call and a current call of the
same parameters were two identical-looking rows, the stale result passed off as the
current code's."""

from __future__ import annotations

import csv
import io
import os

import pytest

from archived import DataSet, archived
from archived.cli import main


def square(x):
    return x * x


def halve(x):
    return x / 2


def cube(x, version="v"):
    return x**3


def store_table(store, **kwargs):
    return DataSet(os.path.basename(store), path=os.path.dirname(store))._table(**kwargs)


@pytest.fixture
def edited(tmp_path):
    """square(2) stored by code versions 1 and 2, square(3) by version 2 only."""
    store = str(tmp_path / "runs")
    archived(store, version="1")(square)(2)
    current = archived(store, version="2")(square)
    current(2), current(3)
    return store


def test_dataset_table_has_a_version_column_while_a_function_has_results_of_two_versions(
    edited,
):
    rows = store_table(edited, frame=False)
    assert [list(row) for row in rows] == [["entry", "function", "version", "x", "result"]] * 3
    assert sorted((row["x"], row["version"]) for row in rows) == [(2, "1"), (2, "2"), (3, "2")]
    stale = archived(edited, version="2")(square).stale()
    assert [row["entry"] for row in rows if row["version"] == "1"] == [c.name for c in stale]


def test_dataset_table_as_a_frame_has_the_version_column_too(edited):
    pandas = pytest.importorskip("pandas")
    frame = store_table(edited)
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == ["entry", "function", "version", "x", "result"]
    assert sorted(frame["version"]) == ["1", "2", "2"]


def test_dataset_table_has_no_version_column_while_every_function_has_one_version(tmp_path):
    store = str(tmp_path / "runs")
    archived(store, version="1")(square)(2)
    archived(store, version="7")(halve)(2)  # two functions, one version each
    rows = store_table(store, frame=False)
    assert all("version" not in row for row in rows) and len(rows) == 2


def test_dataset_table_leaves_the_version_out_of_other_entries_rows(edited):
    ds = DataSet("runs", "w", path=os.path.dirname(edited))
    ds.labels = ["a", "b"]
    rows = {row["entry"]: row for row in store_table(edited, frame=False)}
    assert rows["labels"]["function"] is None and rows["labels"]["version"] is None
    assert {row["version"] for name, row in rows.items() if name != "labels"} == {"1", "2"}


def test_a_parameter_named_version_is_kept_apart_from_the_code_version(tmp_path):
    store = str(tmp_path / "runs")
    archived(store, version="1")(cube)(2, version="a")
    archived(store, version="2")(cube)(2, version="a")
    rows = store_table(store, frame=False)
    assert [list(row) for row in rows] == [
        ["entry", "function", "version", "x", "parameter_version", "result"]
    ] * 2
    assert sorted((row["version"], row["parameter_version"]) for row in rows) == [
        ("1", "a"),
        ("2", "a"),
    ]


def test_dataset_table_gives_each_call_the_version_export_gives_it(edited, capsys):
    assert main(["export", edited]) == 0
    exported = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    table = store_table(edited, frame=False)
    assert {r["entry"]: r["version"] for r in exported} == {
        r["entry"]: r["version"] for r in table
    }
    assert list(exported[0]) == list(table[0])


def test_dataset_table_with_details_has_one_version_column(edited):
    rows = store_table(edited, details=True, frame=False)
    assert all(list(row).count("version") == 1 for row in rows)
    assert sorted(row["version"] for row in rows) == ["1", "2", "2"]
