"""One hand-broken entry among a function's calls no longer stops its whole table:
``func.table()`` raised the entry's DamagedEntryError for every row (and, with its info
record broken, so did ``where()``, ``stale()`` and ``clear()``), with no word of what to
do.  The entry is left out with a ``DamagedEntryWarning`` that names it, the line of its
file, and the next step; nothing on disk changes, and ``clear()`` keeps an entry whose
record it cannot read (it cannot know it is one of the function's calls)."""

import warnings

import pytest

from archived import DamagedEntryWarning, archived


def run(L, T=1.0):
    return {"energy": L * T, "label": f"L{L}"}


def _store(tmp_path):
    f = archived(str(tmp_path / "s"))(run)
    for L in (8, 16, 32):
        f(L)
    [broken] = [c for c in f.calls() if c.parameters["L"] == 16]
    return f, tmp_path / "s" / (broken.name + ".py")


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.name.endswith(".py")}


def test_a_broken_value_is_left_out_of_the_table_with_a_warning_saying_what_to_do(tmp_path):
    f, path = _store(tmp_path)
    text = path.read_text()
    path.write_text(text.replace("'label': 'L16'}", "'label': 'L16'"))  # a bracket lost
    before = _snapshot(tmp_path / "s")
    with pytest.warns(DamagedEntryWarning) as caught:
        rows = f.table(frame=False)
    assert [row["L"] for row in rows] == [8, 32]
    [warning] = [w for w in caught if w.category is DamagedEntryWarning]
    message = str(warning.message)
    assert f"entry {path.stem!r} is damaged" in message
    assert f"at line 21 of {path}" in message
    assert "left out of the table" in message
    assert "call run again with its parameters (L=16 T=1.0)" in message
    assert ".damaged" in message
    assert warning.filename == __file__  # the user's line
    assert warning.message.kept is None
    assert _snapshot(tmp_path / "s") == before  # nothing moved, nothing rewritten


def test_a_broken_info_record_is_left_out_of_table_where_stale_and_clear(tmp_path):
    f, path = _store(tmp_path)
    text = path.read_text()
    path.write_text(text.replace("'parameters': {'L': 16, 'T': 1.0},", "'parameters': {"))
    before = path.read_bytes()
    with pytest.warns(DamagedEntryWarning, match="its info does not load") as caught:
        rows = f.table(frame=False)
    assert [row["L"] for row in rows] == [8, 32]
    message = str(caught[0].message)
    assert f"at line 3 of {path}" in message
    assert "left out" in message and "mend it in an editor" in message
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DamagedEntryWarning)
        assert [c.parameters["L"] for c in f.where()] == [8, 32]
        assert f.stale() == []
        assert f.clear() == 2
    assert path.read_bytes() == before  # clear() cannot know it is a call of run's
