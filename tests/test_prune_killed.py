"""A prune killed (SIGKILL) at any removal, rename or link of a file loses nothing it
was not asked to delete: every call it was to delete is gone or whole (its arrays
load), the store's other entries and a hand-made copy sharing a deleted call's data file
load as before, and once the next writer has swept what it left and repair has run,
verify finds the store whole; the prune run again deletes what is left."""

from __future__ import annotations

import os
import signal

import numpy as np

from archived import archived
from archived.store import entries
from archived.store.dataset import DataSet
from archived.store.integrity import repair, verify
from helpers import kill_at_step, run_python

PRUNER = (
    r"""
import sys
from archived.cli import main
store, k = sys.argv[1], int(sys.argv[2])
"""
    + kill_at_step("link", "replace", "unlink", "rename")
    + r"""
main(["prune", store, "--where", "group='old'", "--yes"])
print(steps[0])
"""
)


def _store(parent):
    """Three calls of group 'old' (arrays in data files) to prune, one of group 'new',
    and ``mine``: a copy by hand of the first old call's entry file (its own info)."""
    path = os.path.join(parent, "runs")

    @archived(path, version="1")
    def f(n, group):
        return np.arange(float(n))

    for n in (400, 500, 600):
        f(n, "old")
    f(700, "new")
    ds = DataSet("runs", path=parent)
    [first] = [e for e in ds if ds._view([e])[e].info()["parameters"]["n"] == 400]
    text = entries.read_entry_text(path, first)
    header = text.partition("\n")[0]
    _, value, _ = entries.entry_sections(first, text)
    value = value.replace(f"\n{first} = ", "\nmine = ")
    with open(os.path.join(path, "mine.py"), "w") as out:
        out.write(f"{header}\n# ---- info ----\ninfo = 'mine'\n# ---- value ----\n{value}")
    return path


def _calls(path):
    ds = DataSet("runs", path=os.path.dirname(path))
    found = {}
    for name in ds:
        if name != "mine":
            found[name] = (ds._view([name])[name].info()["parameters"], getattr(ds, name))
    return found


def test_a_prune_killed_at_any_step_loses_nothing_it_was_not_asked_to_delete(tmp_path):
    parent = str(tmp_path / "all")
    os.makedirs(parent)
    path = _store(parent)
    done = run_python("-c", PRUNER, path, "-1")
    assert done.returncode == 0, done.stderr
    total = int(done.stdout.strip().splitlines()[-1])
    assert total >= 9  # three entry files, their data files and drop lists
    assert [p["group"] for p, _ in _calls(path).values()] == ["new"]
    for k in range(total):
        parent = str(tmp_path / f"k{k}")
        os.makedirs(parent)
        path = _store(parent)
        killed = run_python("-c", PRUNER, path, str(k))
        assert killed.returncode == -signal.SIGKILL, (k, killed.stderr)
        DataSet("runs", "w", path=parent)  # sweeps what the killed prune left
        for parameters, value in _calls(path).values():  # whole, or gone
            assert np.array_equal(value, np.arange(float(parameters["n"]))), k
        assert any(p["group"] == "new" for p, _ in _calls(path).values()), k
        mine = DataSet("runs", path=parent).mine
        assert np.array_equal(mine, np.arange(400.0)), k
        repair(path)
        report = verify(path)
        assert not report.damaged, (k, report)  # (the copy too: it loads)
        assert not report.orphans and not report.leftovers and not report.in_progress, k
        again = run_python("-c", PRUNER, path, "-1")
        assert again.returncode == 0, (k, again.stderr)
        assert [p["group"] for p, _ in _calls(path).values()] == ["new"], k
        assert np.array_equal(DataSet("runs", path=parent).mine, np.arange(400.0)), k
