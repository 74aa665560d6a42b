"""What the command line lists of a store someone sent is one line per entry: a line
break in the store's text (a code version, a function's name) is written ``\\n``, never
a line of its own, which made ``ls -l`` and the dry run of ``prune`` (the list a user
checks before ``--yes``) show an entry the store does not hold."""

from __future__ import annotations

from archived import DataSet, archived
from archived.cache.hashing import hash_call
from archived.cli import main

FORGED = "run_0000000000000000  result  forged  2  mu=1  573 B  2026-12-04 16:06"


def _keyed(info, **fields):
    """``info`` with ``fields`` and the key of its function, version and parameters (a
    record whose key is another's is listed as edited, not by its fields)."""
    info = dict(info, **fields)
    return dict(info, key=hash_call(info["function"], info["version"], info["parameters"]))


def _store_of_a_forged_version(tmp_path):
    store = str(tmp_path / "runs")
    run = archived(store, name="run", version="1")(lambda mu: mu)
    run(1)
    ds = DataSet("runs", "w", path=str(tmp_path))
    info = dict(ds[run.where(mu=1)[0].name])
    del info["value_digest"]  # (records of other values: no digest of the first's)
    info["version"] = "1\n" + FORGED
    info["function"] += "\n" + FORGED
    ds._insert(2, info=_keyed(info, function=info["function"].partition("\n")[0]), name="run_a")
    ds._insert(3, info=_keyed(info), name="run_b")  # a function of two versions: a note of it
    ds._insert(4, info=_keyed(info, version="4"), name="run_c")
    return store


def test_ls_and_prune_list_a_line_break_of_a_store_as_an_escape_never_as_a_row(tmp_path, capsys):
    store = _store_of_a_forged_version(tmp_path)
    for argv in (["ls", "-l", store], ["prune", store, "--before", "2100-01-01"]):
        assert main(argv) == 0
        lines = capsys.readouterr().out.splitlines()
        assert not any(line.startswith("run_0000000000000000") for line in lines), lines
        assert sum("\\n" + FORGED in line for line in lines) >= 2, lines
