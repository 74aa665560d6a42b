"""A stored call whose recorded parameters were edited by hand beside its old result is
never listed as a result (promise 1): its key is no longer its parameters', so the
read-side index derives it as edited, once, when its row is made.  table(), where() and
stale() leave it out with one warning naming it, ls -l shows its kind as ``edited``,
export and prune skip it, and an index file saved before this derivation is not read."""

import json
import os
import re

import pytest

from archived import DataSet, archived
from archived.cli import main
from archived.errors import EditedEntryWarning
from archived.store import callcheck, index, indexfile
from helpers import stored_triples


def _edit_parameters(path):
    """Record x=20 in the entry of x=2 at ``path``, beside its result 6."""
    with open(path) as f:
        text = f.read()
    assert "'parameters': {'x': 2}," in text
    with open(path, "w") as f:
        f.write(text.replace("'parameters': {'x': 2},", "'parameters': {'x': 20},"))


@pytest.fixture
def edited(tmp_path):
    triple, store, name, path = stored_triples(tmp_path)
    _edit_parameters(path)
    return triple, store, name, path


def test_table_where_and_stale_leave_a_call_of_edited_parameters_out_naming_it(edited):
    triple, store, name, path = edited
    with pytest.warns(EditedEntryWarning) as caught:
        rows = triple.table(frame=False)
    assert rows == [{"x": 1, "result": 3}, {"x": 3, "result": 9}]  # never x=20 -> 6
    assert len(caught) == 1 and caught[0].message.entry == name
    assert "edited by hand" in str(caught[0].message) and path in str(caught[0].message)
    with pytest.warns(EditedEntryWarning):
        assert triple.where(x=20) == []
    with pytest.warns(EditedEntryWarning):
        assert [c.load() for c in triple.where()] == [3, 9]
    again = archived(store, version="other")(triple.__wrapped__)
    with pytest.warns(EditedEntryWarning):
        assert sorted(c.parameters["x"] for c in again.stale()) == [1, 3]


def test_a_call_of_edited_parameters_is_left_out_of_a_table_made_from_a_saved_index(edited):
    triple, store, name, _ = edited
    with pytest.warns(EditedEntryWarning):
        triple.table(frame=False)  # the index saved, its row derived as edited
    index.forget()  # a new process
    with pytest.warns(EditedEntryWarning):
        assert triple.table(frame=False) == [{"x": 1, "result": 3}, {"x": 3, "result": 9}]
    with pytest.warns(RuntimeWarning, match="other parameters"):
        assert triple(2) == 6  # computed, not stored over the edit


def test_ls_export_prune_and_a_datasets_table_skip_a_call_of_edited_parameters(edited, capsys):
    triple, store, name, path = edited
    assert main(["ls", "-l", store]) == 0
    assert re.search(rf"{name}\s+edited\s", capsys.readouterr().out)
    assert main(["ls", "--json", store]) == 0
    kinds = {e["name"]: e["kind"] for e in json.loads(capsys.readouterr().out)["entries"]}
    assert kinds[name] == "edited" and sorted(kinds.values()).count("result") == 2

    assert main(["export", store]) == 0
    out, err = capsys.readouterr()
    assert f"skipping entry {name}: it was edited by hand" in err
    assert name not in out and "20" not in out.split("\n", 1)[1]

    ds = DataSet("results", path=os.path.dirname(store))
    with pytest.warns(EditedEntryWarning) as caught:
        rows = ds._table(frame=False)
    assert sorted(row["result"] for row in rows) == [3, 9] and name not in str(rows)
    assert [w.message.entry for w in caught if w.category is EditedEntryWarning] == [name]

    text = open(path).read()
    assert main(["prune", store, "--before", "2999-01-01", "--yes"]) == 0
    assert f"kept {name}: it was edited by hand" in capsys.readouterr().out
    assert open(path).read() == text  # the user's edit: never deleted by a prune


def test_an_index_file_that_derived_a_call_of_edited_parameters_as_a_result_is_not_read(
    tmp_path, monkeypatch
):
    # an index file saved by the reading before (3) derived the call's row from its info
    # record alone, as a result: a table listed x=20 beside 6.  Such files are read no more
    triple, store, name, path = stored_triples(tmp_path)
    with monkeypatch.context() as before:
        before.setattr(indexfile, "_READ", 3)
        before.setattr(indexfile, "_DERIVED", 3)
        before.setattr(callcheck, "other_key", lambda info: False)
        _edit_parameters(path)
        listed = triple.table(frame=False)
        assert {"x": 20, "result": 6} in listed  # the hole, as that reading left it
    with open(os.path.join(store, ".index.json")) as file:
        assert json.loads(file.readline())["read"] == 3
    index.forget()  # a new process
    with pytest.warns(EditedEntryWarning) as caught:
        assert triple.table(frame=False) == [{"x": 1, "result": 3}, {"x": 3, "result": 9}]
    assert [w.message.entry for w in caught] == [name]


def test_show_says_the_recorded_parameters_were_edited_not_the_value(edited, capsys):
    triple, store, name, _ = edited
    assert main(["show", store, name]) == 0
    out = capsys.readouterr().out
    assert f"entry     {name} (edited)" in out
    assert "its recorded parameters were edited by hand" in out
    assert "its value was edited" not in out  # (its value is the one stored with its key)
