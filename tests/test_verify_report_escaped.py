"""``str()`` of the report ``archived.verify`` returns escapes what a terminal would act
on, as the command line does: the names and texts it quotes are read from the store (a
function's name, a parameter's), which a store someone sent may craft with an escape
sequence that retitles the window or clears the screen of whoever prints the report."""

from __future__ import annotations

import re

from archived import DataSet, archived, verify

TERMINAL_ACTS_ON = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_str_of_a_verify_report_escapes_the_stores_terminal_controls(tmp_path):
    run = archived(tmp_path / "runs", name="run", version="1")(lambda mu: mu)
    run(1)
    ds = DataSet("runs", "w", path=str(tmp_path))
    info = dict(ds[run.where(mu=1)[0].name])
    del info["value_digest"]  # (a record of another value)
    info["function"] = "m.\x1b]0;owned\x07f"
    info["parameters"] = {"mu\x1b[2J\u202e": 2}
    ds._insert(2, info=info, name="run_a")
    text = str(verify(tmp_path / "runs"))
    assert "run_a holds the key of another call" in text  # quoting its function and parameter
    assert TERMINAL_ACTS_ON.search(text) is None, text
    assert "\\x1b]0;owned\\x07f(mu\\x1b[2J\\u202e=2)" in text, text
