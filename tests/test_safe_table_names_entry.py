"""A safe DataSet's table that meets an entry it cannot load says which entry, and that
``_table(results=False)`` lists the store without loading values: a colleague's store
holding one result of a class of theirs raised 'unsafe archive: line 25: import of
module ...' from ``ds._table()``, naming no entry of the hundreds it read."""

from __future__ import annotations

import pytest

from archived import DataSet
from archived.errors import UnsafeArchiveError


def test_a_safe_tables_refusal_names_the_entry_and_the_table_without_values(tmp_path, monkeypatch):
    (tmp_path / "colleague_models.py").write_text(
        "import dataclasses\n@dataclasses.dataclass\nclass Fit:\n    slope: float\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    from colleague_models import Fit

    ds = DataSet("runs", "w", path=str(tmp_path))
    ds._insert(1.5, info={"mu": 1}, name="plain")
    ds._insert(Fit(0.5), info={"mu": 2}, name="fitted")
    safe = DataSet("runs", path=str(tmp_path), safe=True)
    with pytest.raises(UnsafeArchiveError) as info:
        safe._table(frame=False)
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "entry 'fitted'" in notes and "_table(results=False)" in notes
    rows = safe._table(results=False, frame=False)  # what the note advises
    assert [row["entry"] for row in rows] == ["fitted", "plain"]
