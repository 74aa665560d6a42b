"""A safe DataSet's table leaves out an entry it refuses and says which, and that
``_table(results=False)`` lists the store without loading values: a colleague's store
holding one result of a class of theirs raised 'unsafe archive: line 25: import of
module ...' from ``ds._table()``, naming no entry of the hundreds it read, and then for
the whole table."""

from __future__ import annotations

import warnings

import pytest

from archived import DamagedEntryWarning, DataSet


def test_a_safe_table_leaves_out_the_entry_it_refuses_naming_it_and_the_table_without_values(
    tmp_path, monkeypatch
):
    (tmp_path / "colleague_models.py").write_text(
        "import dataclasses\n@dataclasses.dataclass\nclass Fit:\n    slope: float\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    from colleague_models import Fit

    ds = DataSet("runs", "w", path=str(tmp_path))
    ds._insert(1.5, info={"mu": 1}, name="plain")
    ds._insert(Fit(0.5), info={"mu": 2}, name="fitted")
    before = {p.name: p.read_bytes() for p in (tmp_path / "runs").glob("*.py")}
    safe = DataSet("runs", path=str(tmp_path), safe=True)
    with pytest.warns(DamagedEntryWarning) as caught:
        rows = safe._table(frame=False)
    assert [row["entry"] for row in rows] == ["plain"]
    [warning] = [w for w in caught if w.category is DamagedEntryWarning]
    message = str(warning.message)
    assert "entry 'fitted' is refused by a safe load" in message
    assert "allow=['colleague_models']" in message  # the safe loader's own advice
    assert "_table(results=False)" in message and "untouched" in message
    assert warning.message.entry == "fitted"
    with warnings.catch_warnings():
        warnings.simplefilter("error", DamagedEntryWarning)
        rows = safe._table(results=False, frame=False)  # what the warning advises
    assert [row["entry"] for row in rows] == ["fitted", "plain"]
    assert {p.name: p.read_bytes() for p in (tmp_path / "runs").glob("*.py")} == before
