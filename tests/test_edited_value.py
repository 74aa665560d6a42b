"""A stored call's value edited by hand is no hit (promise 1), and the edit is kept
(promise 2): the record holds a digest of the value section, compared on every hit."""

import os
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

from archived import archived, record, sweep
from archived.errors import EditedEntryWarning, StaleVersionWarning
from archived.store import index
from archived.store.dataset import DataSet
from helpers import RunLog


@pytest.fixture
def store(tmp_path):
    return str(tmp_path / "results")


def counted(store):
    runs = RunLog()

    @archived(store)
    def f(n, scale=1.0):
        runs.append(n)
        return {"n": n, "values": [scale * i for i in range(n)]}

    return f, runs


def entry_path(store, name):
    return os.path.join(store, name + ".py")


def edit_value(path, old, new):
    """Replace ``old`` by ``new`` in the value section of the entry file at ``path``."""
    text = open(path, encoding="utf-8").read()
    head, mark, value = text.partition("# ---- value ----\n")
    assert mark and old in value
    edited = head + mark + value.replace(old, new, 1)
    with open(path, "w", encoding="utf-8") as out:
        out.write(edited)
    return edited


def only_entry(f):
    [name] = [n for n in f.dataset if not n.endswith("_failed")]
    return name


def test_a_call_whose_stored_value_was_edited_computes_warns_once_and_keeps_the_edit(store):
    f, runs = counted(store)
    assert f(3) == {"n": 3, "values": [0.0, 1.0, 2.0]}
    name = only_entry(f)
    path = entry_path(store, name)
    edited = edit_value(path, "2.0]", "200.0]")

    with pytest.warns(EditedEntryWarning) as caught:
        assert f(3) == {"n": 3, "values": [0.0, 1.0, 2.0]}  # what the call computes
    assert runs == [3, 3] and len(caught) == 1
    warning = caught[0].message
    assert warning.entry == name and warning.path == path
    assert "edited by hand" in str(warning) and f"move {path} out of the store" in str(warning)
    assert open(path, encoding="utf-8").read() == edited  # never stored over the edit

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # told once for this version of the file
        assert f(3) == {"n": 3, "values": [0.0, 1.0, 2.0]}
    assert runs == [3, 3, 3] and open(path, encoding="utf-8").read() == edited
    assert not f.is_cached(3)

    os.replace(path, path + ".mine")  # the step the warning names
    assert f(3) == {"n": 3, "values": [0.0, 1.0, 2.0]} and f(3) == f(3)
    assert runs == [3, 3, 3, 3] and f.is_cached(3)


def test_an_edited_value_is_no_hit_on_the_general_lookup_and_with_arrays(store):
    # a list argument and a value with a big array (in an HDF5 file) go the general way
    runs = RunLog()

    @archived(store)
    def g(xs):
        runs.append(xs)
        return {"total": sum(xs), "field": np.ones(500)}

    first = g([1, 2])
    assert first["total"] == 3
    path = entry_path(store, only_entry(g))
    edited = edit_value(path, "'total': 3", "'total': 30")
    with pytest.warns(EditedEntryWarning, match="edited by hand"):
        again = g([1, 2])
    assert again["total"] == 3 and np.array_equal(again["field"], np.ones(500))
    assert len(runs) == 2 and open(path, encoding="utf-8").read() == edited


def test_an_edited_block_result_is_not_cached_and_is_kept(store):
    def block():
        with record(store, {"mu": 1.5}, name="fit") as rec:
            if not rec.cached:
                rec.result = [rec.parameters["mu"]] * 2
        return rec

    assert block().result == [1.5, 1.5]
    [name] = list(DataSet("results", path=os.path.dirname(store)))
    path = entry_path(store, name)
    edited = edit_value(path, "[1.5, 1.5]", "[9.0, 9.0]")
    with pytest.warns(EditedEntryWarning):
        rec = block()
    assert not rec.cached and rec.result == [1.5, 1.5]
    assert open(path, encoding="utf-8").read() == edited


@pytest.mark.parametrize("results", ["values", "lazy", "summary"])
def test_a_sweep_rerun_computes_an_edited_point_and_keeps_the_edit(store, results):
    @archived(store)
    def power(x, p=2):
        return x**p

    assert sweep(power, {"x": [1, 2, 3]}, progress=False) == [1, 4, 9]
    [name] = [n for n in power.dataset if power.dataset[n].get("parameters") == {"x": 2, "p": 2}]
    path = entry_path(store, name)
    edited = edit_value(path, "= 4", "= 40")
    with pytest.warns(EditedEntryWarning):
        got = sweep(power, {"x": [1, 2, 3]}, progress=False, results=results)
    if results == "lazy":
        got = [handle.load() for handle in got]
    elif results == "summary":
        got = [row["result"] for row in got]
    assert got == [1, 4, 9]
    assert open(path, encoding="utf-8").read() == edited


def test_an_edited_value_is_found_from_a_saved_index_in_a_new_process(tmp_path):
    script = tmp_path / "exp.py"
    script.write_text(
        "import warnings\n"
        "from archived import archived\n"
        "@archived('results')\n"
        "def f(n):\n"
        "    return [0.5 * i for i in range(n)]\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    print(f(2), [w.category.__name__ for w in caught])\n"
    )

    def run():
        return subprocess.run(
            [sys.executable, str(script)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        ).stdout.strip()

    assert run() == "[0.0, 0.5] []"
    [name] = DataSet("results", path=str(tmp_path))
    edit_value(entry_path(str(tmp_path / "results"), name), "0.5]", "-1.0]")
    index.forget()
    DataSet("results", path=str(tmp_path))._table()  # the index saved, the edited row in it
    assert os.path.exists(tmp_path / "results" / ".index.json")
    assert run() == "[0.0, 0.5] ['EditedEntryWarning']"


def test_an_entry_without_a_value_digest_answers_as_before_edited_or_not(store):
    # an entry written before archived recorded the digest: no check, no warning
    f, runs = counted(store)
    f(2)
    name = only_entry(f)
    path = entry_path(store, name)
    text = open(path, encoding="utf-8").read()
    older = re.sub(r"    'value_digest': '[0-9a-f]{16}',\n", "", text)
    assert older != text
    with open(path, "w", encoding="utf-8") as out:
        out.write(older)
    edit_value(path, "1.0]", "5.0]")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f(2) == {"n": 2, "values": [0.0, 5.0]}  # as archived always answered
    assert runs == [2]


def test_an_edit_of_line_ends_only_or_of_the_record_is_still_a_hit(store):
    f, runs = counted(store)
    f(2)
    path = entry_path(store, only_entry(f))
    text = open(path, encoding="utf-8").read()
    assert "'value_digest': '" in text  # checked, and found unedited
    with open(path, "w", encoding="utf-8", newline="\r\n") as out:  # an editor's CRLF
        out.write(text.replace("'host':", "'note': 'checked by hand',\n    'host':"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f(2) == {"n": 2, "values": [0.0, 1.0]}
    assert runs == [2]


def test_the_digest_is_of_the_value_section_as_written(store):
    from archived.store import valuedigest

    f, _ = counted(store)
    f(2)
    text = open(entry_path(store, only_entry(f)), encoding="utf-8").read()
    info, _, value = text.partition("# ---- value ----\n")
    assert valuedigest.recorded(info) == valuedigest.digest(value)
    assert f.dataset[only_entry(f)]["value_digest"] == valuedigest.digest(value)


def test_plain_dataset_entries_record_no_digest_and_are_edited_freely(tmp_path):
    from archived.store import valuedigest

    ds = DataSet("plain", "w", path=str(tmp_path))
    ds._insert([1, 2], info={"mu": 1.5}, name="x")
    ds.y = 3
    for name in ("x", "y"):
        assert valuedigest.FIELD not in open(tmp_path / "plain" / f"{name}.py").read()
    edit_value(str(tmp_path / "plain" / "x.py"), "[1, 2]", "[1, 20]")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert DataSet("plain", path=str(tmp_path)).x == [1, 20]
        assert ds["x"] == {"mu": 1.5}


def test_call_and_shelve_of_an_edited_call_loads_what_the_call_computes(store):
    f, runs = counted(store)
    f(2)
    path = entry_path(store, only_entry(f))
    edited = edit_value(path, "1.0]", "-1.0]")
    with pytest.warns(EditedEntryWarning):
        handle = f.call_and_shelve(2)
    assert handle.load() == {"n": 2, "values": [0.0, 1.0]} and runs == [2, 2]
    assert open(path, encoding="utf-8").read() == edited


def _tagged(s):
    return [s, 10]


def test_a_note_added_after_the_digest_keeps_the_value_checked(store):
    # the README lets a person add a note to a record; added at its end, after the
    # digest, it left the digest unread, and a value edited by hand was a hit
    from archived import verify

    f, runs = counted(store)
    f(2)
    name = only_entry(f)
    path = entry_path(store, name)
    text = open(path, encoding="utf-8").read()
    noted = re.sub(r"('value_digest': '[0-9a-f]{16}',\n)", r"\1    'note': 'good run',\n", text)
    assert noted != text
    with open(path, "w", encoding="utf-8") as out:
        out.write(noted)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f(2) == {"n": 2, "values": [0.0, 1.0]}  # the note alone: still a hit
    assert runs == [2]
    edit_value(path, "[0.0, 1.0]", "[0.0, 5.0]")
    with pytest.warns(EditedEntryWarning):
        assert f(2) == {"n": 2, "values": [0.0, 1.0]}
    assert runs == [2, 2] and "5.0" in open(path, encoding="utf-8").read()
    with pytest.warns(EditedEntryWarning):
        assert f.table(frame=False) == []
    assert verify(store).edited == [name]


@pytest.mark.parametrize("text", ["'value_digest': '", "'value_digest': '0123456789abcdef'"])
def test_a_parameter_that_spells_the_digest_field_keeps_its_value_checked(store, text):
    # a record whose parameter's text held the digest field's spelling had it twice:
    # the digest was not read, so an edit of the value was a hit, and verify called the
    # call one stored before archived recorded digests
    from archived import verify
    from archived.store import valuedigest

    f = archived(store)(_tagged)
    assert f(text) == [text, 10]
    name = only_entry(f)
    info = open(entry_path(store, name), encoding="utf-8").read().partition("# ---- value")[0]
    assert valuedigest.recorded(info) == f.dataset[name]["value_digest"]
    edit_value(entry_path(store, name), "10]", "11]")
    with pytest.warns(EditedEntryWarning):
        assert f(text) == [text, 10]
    report = verify(store)
    assert report.edited == [name] and not report.no_digest
    for info in (  # the spelling inside a parameter alone is no digest
        "info = {\n    'parameters': {'s': \"'value_digest': '0123456789abcdef'}\"},\n}\n",
        "info = {\n    'parameters': {'value_digest': '0123456789abcdef'},\n    'pid': 1,\n}\n",
        "info = {'key': 'k', 'parameters': {'value_digest': '0123456789abcdef'}}\n",
    ):
        assert valuedigest.recorded(info) is None, info


def test_a_listed_call_read_after_its_value_was_edited_makes_no_hit_of_the_edit(store):
    # a lookup's row of an edited entry knew it edited only until its record's fields
    # were derived (a listed call's load() derives its brief): those said the call's own
    # key and status ok, so load() gave the edited value, and every later hit of the
    # call in the process returned it
    from archived.errors import EntryChangedError

    f, runs = counted(store)
    f(3)
    [call] = f.calls()
    edit_value(entry_path(store, only_entry(f)), "2.0]", "200.0]")
    with pytest.raises(EntryChangedError):
        call.load()
    with pytest.warns(EditedEntryWarning):
        assert f(3) == {"n": 3, "values": [0.0, 1.0, 2.0]}
    assert runs == [3, 3]
    with pytest.warns(EditedEntryWarning):
        assert f.table().empty


def test_an_index_file_of_the_reading_that_derived_edited_calls_as_results_is_not_read(
    store, monkeypatch
):
    # an index file saved by the reading before (2) may hold a lookup's row of an edited
    # call derived as its result (key and status ok): a table read it, and in a new
    # process a hit after the table returned the edited value.  Such files are read no more
    import json

    from archived.store import indexfile, indexrow

    def derived_as_before(row):  # the derivation before the fix: the edit left out
        source = row._source
        derived = indexrow._info_fields(source.name, source.info)
        row._listing, row._brief, row._call = derived[1], derived[2], derived[3]
        row._info = derived[0]
        if type(row._value) is not indexrow.Pending:
            row._source = None
        return derived

    f, runs = counted(store)
    with monkeypatch.context() as before:
        before.setattr(indexfile, "_READ", 2)
        before.setattr(indexrow.Row, "_derive_info", derived_as_before)
        for n in range(60):
            f(n)
        name = f.store.first_name(f.prefix, f.call_key(3).key)
        edit_value(entry_path(store, name), "2.0]", "200.0]")
        with pytest.warns(EditedEntryWarning):
            f(3)
        f.table()
    with open(os.path.join(store, ".index.json")) as file:
        assert json.loads(file.readline())["read"] == 2
    index.forget()  # a new process
    runs.clear()
    with pytest.warns(EditedEntryWarning):
        f.table()
    with warnings.catch_warnings():  # (said once a process: the table said it)
        warnings.simplefilter("ignore", EditedEntryWarning)
        assert f(3) == {"n": 3, "values": [0.0, 1.0, 2.0]}
    assert runs == [3]  # computed: no hit of the edit


def test_an_import_line_corrected_by_hand_is_an_edit_and_its_warning_says_how_to_keep_hits(
    tmp_path, monkeypatch
):
    # a class moved to another module and the entry's import line corrected by hand:
    # the class now imported may build another value, so the entry stays no hit (the
    # digest covers the import lines), but the warning said only that its value was
    # not the one stored, with nothing of the import line nor of the alias that keeps
    # the entry a hit
    for module in ("oldmod", "newmod"):
        (tmp_path / f"{module}.py").write_text(
            "import dataclasses\n\n@dataclasses.dataclass\nclass Result:\n    n: int\n"
        )
    monkeypatch.syspath_prepend(str(tmp_path))
    import oldmod

    runs = RunLog()

    @archived(str(tmp_path / "results"))
    def f(n):
        runs.append(n)
        return oldmod.Result(n)

    assert f(3) == oldmod.Result(3)
    [name] = list(f.dataset)
    path = entry_path(str(tmp_path / "results"), name)
    edit_value(path, "from oldmod import", "from newmod import")
    with pytest.warns(EditedEntryWarning) as caught:
        assert f(3) == oldmod.Result(3)  # computed: no hit of the edited entry
    assert runs == [3, 3] and not f.is_cached(3)
    message = str(caught[0].message)
    assert "its import lines included" in message, message
    assert "keep the old name importable" in message and "undo" in message, message


def test_a_sweep_over_a_point_whose_entry_was_edited_warns_of_the_edit_alone(store):
    # version 1's entry of x=1 edited by hand, the point stored by version 2 too: back
    # at version 1, the sweep warned of the edit and, for the same point, that "its code
    # has changed" (a StaleVersionWarning): it is computed for the edit alone
    def f(x):
        return x + 1

    assert sweep(archived(store, version="1")(f), {"x": [1, 2]}, progress=False) == [2, 3]
    [name] = [c.name for c in archived(store, version="1")(f).calls() if c.parameters["x"] == 1]
    edit_value(entry_path(store, name), " = 2\n", " = 9\n")
    with pytest.warns(StaleVersionWarning):  # x=2 stored by version 1: told
        assert sweep(archived(store, version="2")(f), {"x": [1, 2]}, progress=False) == [2, 3]
    from archived.cache import stalemiss

    stalemiss._CHECKED.clear()  # as in a new session: version 1's store not looked at
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = archived(store, version="1")(f)
        assert sweep(again, {"x": [1, 2]}, progress=False) == [2, 3]
    kinds = [type(w.message).__name__ for w in caught]
    assert kinds == ["EditedEntryWarning"], [str(w.message)[:120] for w in caught]


def test_the_advice_to_move_an_edited_entry_out_names_its_data_files_which_repair_removes(
    store, tmp_path
):
    # "move X.py out of the store" left its arrays behind as an orphaned data file, which
    # `archived repair` (as verify advises) removed: the entry kept as advised lost them
    from archived import repair, restore

    @archived(store)
    def field(n):
        return {"energy": 1.5, "x": np.arange(n, dtype=float)}

    field(500)
    name = only_entry(field)
    edit_value(entry_path(store, name), "'energy': 1.5", "'energy': 1.25")
    [data] = [f for f in os.listdir(store) if f.endswith(".h5")]
    with pytest.warns(EditedEntryWarning) as caught:
        field(500)
    assert f"{entry_path(store, name)} with its data file {data} " in str(caught[0].message)
    with pytest.warns(EditedEntryWarning) as caught:
        assert field.table(frame=False) == []
    assert f"move {entry_path(store, name)} with its data file {data} " in str(caught[0].message)
    kept = tmp_path / "kept"
    kept.mkdir()
    for moved in (name + ".py", data):  # as the warning says: both
        os.replace(os.path.join(store, moved), kept / moved)
    repair(store)
    text = (kept / (name + ".py")).read_text()
    value = restore(text, datadir=str(kept), safe=True)[name]
    assert value["energy"] == 1.25 and value["x"].shape == (500,)
