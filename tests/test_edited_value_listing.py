"""A stored call's value edited by hand is never shown as its call's result: table(),
where() and stale() leave it out with one warning naming it, ls -l shows its kind as
``edited``, export and prune skip it, and verify lists it as its own status."""

import json
import os
import re
import warnings

import pytest

from archived import DataSet, archived
from archived.cli import main
from archived.errors import EditedEntryWarning
from archived.store import index
from helpers import index_of_another_derivation, stored_triples


@pytest.fixture
def edited(tmp_path):
    """A function with three stored calls, the value of x=2 edited by hand."""
    triple, store, name, path = stored_triples(tmp_path)
    text = open(path).read()
    with open(path, "w") as out:
        out.write(text.replace(f"{name} = 6\n", f"{name} = 60\n"))
    return triple, store, name, path


def test_table_where_and_stale_leave_an_edited_call_out_with_one_warning_naming_it(edited):
    triple, store, name, path = edited
    with pytest.warns(EditedEntryWarning) as caught:
        rows = triple.table(frame=False)
    assert rows == [{"x": 1, "result": 3}, {"x": 3, "result": 9}]
    assert len(caught) == 1 and caught[0].message.entry == name
    assert "edited by hand" in str(caught[0].message) and path in str(caught[0].message)
    with pytest.warns(EditedEntryWarning):
        assert [c.load() for c in triple.where()] == [3, 9]
    again = archived(store, version="other")(triple.__wrapped__)
    with pytest.warns(EditedEntryWarning):
        assert sorted(c.parameters["x"] for c in again.stale()) == [1, 3]
    text = open(path).read()
    with pytest.warns(EditedEntryWarning):
        assert triple.clear() == 2  # the calls' results; the edit is the user's
    assert open(path).read() == text


def test_a_datasets_table_leaves_an_edited_call_out_with_one_warning(edited):
    triple, store, name, path = edited
    ds = DataSet("results", path=os.path.dirname(store))
    with pytest.warns(EditedEntryWarning) as caught:
        rows = ds._table(frame=False)
    assert sorted(row["result"] for row in rows) == [3, 9] and name not in str(rows)
    assert [w.message.entry for w in caught if w.category is EditedEntryWarning] == [name]


def test_an_edited_call_is_left_out_of_a_table_made_from_a_saved_index(edited):
    triple, store, name, _ = edited
    with pytest.warns(EditedEntryWarning):
        triple.table(frame=False)  # the index saved, its row derived as edited
    index.forget()
    with pytest.warns(EditedEntryWarning):
        assert triple.table(frame=False) == [{"x": 1, "result": 3}, {"x": 3, "result": 9}]


def test_ls_shows_an_edited_call_as_edited_and_export_and_prune_skip_it(edited, capsys):
    triple, store, name, path = edited
    assert main(["ls", "-l", store]) == 0
    listed = capsys.readouterr().out
    assert re.search(rf"{name}\s+edited\s", listed), listed
    assert main(["ls", "--json", store]) == 0
    kinds = {e["name"]: e["kind"] for e in json.loads(capsys.readouterr().out)["entries"]}
    assert kinds[name] == "edited" and sorted(kinds.values()).count("result") == 2

    assert main(["export", store]) == 0
    out, err = capsys.readouterr()
    assert f"skipping entry {name}: it was edited by hand (its value" in err
    assert name not in out and "60" not in out.split("\n", 1)[1]

    text = open(path).read()
    assert main(["prune", store, "--before", "2999-01-01", "--yes"]) == 0
    out = capsys.readouterr().out
    assert f"kept {name}: it was edited by hand, its value" in out
    assert open(path).read() == text  # the edit is the user's: never deleted by a prune


def test_verify_lists_an_edited_call_as_its_own_problem_and_exits_1(edited, capsys):
    triple, store, name, path = edited
    assert main(["verify", store]) == 1
    out = capsys.readouterr().out
    assert f"entry {name} holds a value edited by hand" in out and path in out
    assert "damaged" not in out and "1 problem" in out
    assert main(["verify", "--json", store]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["edited"] == [name] and document["damaged"] == {}
    assert document["ok"] is False and document["no_digest"] == []

    os.replace(path, path + ".mine")  # the step verify names
    assert main(["verify", store]) == 0


def test_verify_says_which_calls_have_no_digest_and_is_still_ok(tmp_path, capsys):
    store = str(tmp_path / "results")

    @archived(store)
    def double(x):
        return 2 * x

    double(1)
    [name] = list(double.dataset)
    path = os.path.join(store, name + ".py")
    text = open(path).read()
    older = re.sub(r"    'value_digest': '[0-9a-f]{16}',\n", "", text)  # as stored before
    assert older != text
    with open(path, "w") as out:
        out.write(older)
    assert main(["verify", store]) == 0
    out = capsys.readouterr().out
    assert "1 stored call with no value digest" in out and name in out
    assert main(["verify", "--json", store]) == 0
    assert json.loads(capsys.readouterr().out)["no_digest"] == [name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert double.table(frame=False) == [{"x": 1, "result": 2}]


def test_show_names_an_edited_call_edited_not_its_calls_result(edited, capsys):
    triple, store, name, path = edited
    assert main(["show", store, name]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"entry     {name} (edited)\n"), out
    assert "edited by hand" in out and "not its call's result" in out
    assert main(["show", "--json", store, name]) == 0
    assert json.loads(capsys.readouterr().out)["kind"] == "edited"
    others = [n for n in triple.dataset if n != name]
    assert main(["show", store, others[0]]) == 0
    assert capsys.readouterr().out.startswith(f"entry     {others[0]} (result)\n")


def test_an_index_file_of_another_derivation_never_lists_an_edited_value_as_a_result(edited):
    # a file of another derivation but this reading had its derived columns (key, brief,
    # listing) made again from its info column alone, which cannot tell a value edited
    # by hand (only the entry's value section does): the edited call was listed as a
    # result.  Its entries are read instead, whichever number a change forgot to bump
    triple, store, name, _ = edited
    with pytest.warns(EditedEntryWarning):
        triple.table(frame=False)  # the index saved
    index_of_another_derivation(store)
    index.forget()  # a new process
    with pytest.warns(EditedEntryWarning) as caught:
        assert triple.table(frame=False) == [{"x": 1, "result": 3}, {"x": 3, "result": 9}]
    assert [w.message.entry for w in caught] == [name]


def test_ls_of_an_index_file_of_another_derivation_shows_an_edited_value_as_edited(edited, capsys):
    triple, store, name, _ = edited
    assert main(["ls", "-l", store]) == 0  # the index saved
    capsys.readouterr()
    index_of_another_derivation(store)
    index.forget()  # a new process
    assert main(["ls", "-l", store]) == 0
    assert re.search(rf"{name}\s+edited\s", capsys.readouterr().out)
