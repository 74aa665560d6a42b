"""A DataSet's own listings leave out an entry that does not load, as ``func.table()``
does: ``ds._table()`` raised for the whole store on one hand-broken file (trusted or
safe) or one entry a safe load refuses (a colleague's result of a class of theirs), and
``ds._info_items()`` stopped half-way on one broken info record.  The entry is left out,
untouched, with one ``DamagedEntryWarning`` in the words ``func.table()`` uses
(:mod:`archived.store.leftout`), naming it and what to do."""

from __future__ import annotations

import warnings

import pytest

from archived import DamagedEntryWarning, DataSet, archived


def run(L, T=1.0):
    return {"energy": L * T, "label": f"L{L}"}


def _store(tmp_path):
    f = archived(str(tmp_path / "s"))(run)
    for L in (8, 16, 32):
        f(L)
    [broken] = [c for c in f.calls() if c.parameters["L"] == 16]
    return tmp_path / "s" / (broken.name + ".py")


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.name.endswith(".py")}


@pytest.mark.parametrize("safe", [False, True], ids=["trusted", "safe"])
def test_a_damaged_value_is_left_out_of_a_datasets_table_with_one_warning_naming_it(
    tmp_path, safe
):
    path = _store(tmp_path)
    path.write_text(path.read_text().replace("'label': 'L16'}", "'label': 'L16'"))
    before = _snapshot(tmp_path / "s")
    ds = DataSet("s", path=str(tmp_path), safe=safe)
    with pytest.warns(DamagedEntryWarning) as caught:
        rows = ds._table(frame=False)
    assert sorted(row["L"] for row in rows) == [8, 32]
    [warning] = [w for w in caught if w.category is DamagedEntryWarning]
    message = str(warning.message)
    assert f"entry {path.stem!r} is damaged" in message
    assert f"at line 21 of {path}" in message
    assert "left out of the table" in message and "_table(results=False)" in message
    assert "call run again with its parameters (L=16 T=1.0)" in message
    assert warning.filename == __file__ and warning.message.entry == path.stem
    assert _snapshot(tmp_path / "s") == before  # nothing moved, nothing rewritten
    # the parameters of every call, the broken one's too, without loading a value
    with warnings.catch_warnings():
        warnings.simplefilter("error", DamagedEntryWarning)
        assert len(ds._table(results=False, frame=False)) == 3


def test_a_broken_info_record_is_left_out_of_info_items_and_the_table(tmp_path):
    path = _store(tmp_path)
    path.write_text(
        path.read_text().replace("'parameters': {'L': 16, 'T': 1.0},", "'parameters': {")
    )
    before = _snapshot(tmp_path / "s")
    ds = DataSet("s", path=str(tmp_path))
    with pytest.warns(DamagedEntryWarning, match="left out of the entries listed") as caught:
        infos = dict(ds._info_items())
    assert len(infos) == 2 and path.stem not in infos
    assert [w.message.entry for w in caught if w.category is DamagedEntryWarning] == [path.stem]
    with pytest.warns(DamagedEntryWarning, match="its info does not load"):
        assert len(ds._table(results=False, frame=False)) == 2
    assert _snapshot(tmp_path / "s") == before


def test_a_damaged_entry_of_the_datasets_own_is_left_out_advising_no_call(tmp_path):
    ds = DataSet("d", "w", path=str(tmp_path))
    ds._insert([1, 2], info={"mu": 1}, name="kept")
    ds._insert([3, 4], info={"mu": 2}, name="broken")
    path = tmp_path / "d" / "broken.py"
    path.write_text(path.read_text().replace("[3, 4]", "[3, 4"))
    with pytest.warns(DamagedEntryWarning) as caught:
        rows = DataSet("d", path=str(tmp_path))._table(frame=False)
    assert [row["entry"] for row in rows] == ["kept"]
    message = str(caught[0].message)
    assert "entry 'broken' is damaged" in message
    assert "mend it in an editor, or store it again" in message
    assert "call" not in message.split("left out")[1]  # no function to call again
