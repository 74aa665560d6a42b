"""A hand edit that leaves a bracket open is reported with the line of the entry file in
both places the message gives it: a safe load (``verify``, ``safe=True``) parses the value
section alone, and Python's own text said ``does not match opening parenthesis '(' on
line 4`` (the section's line) beside ``at line 26 of ...`` (the file's), so the user
opened line 4 of the file, the info record."""

from __future__ import annotations

import pytest

from archived import DamagedEntryError, DataSet


@pytest.mark.parametrize("safe", [False, True])
def test_an_unclosed_bracket_is_reported_at_its_line_of_the_entry_file(tmp_path, safe):
    ds = DataSet("labbook", "w", path=str(tmp_path))
    ds.calib = {"operator": "a" * 40, "offset": 0.12, "lamp": "neon " * 10}
    ds["calib"] = {"date": "2026-12-03", "note": "Ne lamp"}
    path = tmp_path / "labbook" / "calib.py"
    lines = path.read_text().splitlines(keepends=True)
    [edited] = [i for i, text in enumerate(lines) if "'offset': 0.12," in text]
    lines[edited] = lines[edited].replace("0.12,", "(0.12,")
    path.write_text("".join(lines))
    with pytest.raises(DamagedEntryError) as caught:
        _ = DataSet("labbook", path=str(tmp_path), safe=safe).calib
    message = str(caught.value)
    assert "does not match opening parenthesis '('" in message
    assert f"'(' on line {edited + 1}\"" in message
