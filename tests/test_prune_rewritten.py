"""``archived prune --yes`` deletes the versions of the entries it chose, never one
written since: it planned from a look at the store, then deleted by name, so an entry
another process rewrote in between (a running script's ``ds.latest``, newer than the
``--before`` date) was deleted though the prune would not have chosen it."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from archived.cli import main, tidy
from archived.store.dataset import DataSet

WRITER = """
import sys
from archived.store.dataset import DataSet
ds = DataSet("lab", "w", path=sys.argv[1])
ds.latest = [4, 5, 6]
"""


def test_prune_before_a_date_keeps_an_entry_another_process_rewrote_since_its_plan(
    tmp_path, monkeypatch, capsys
):
    root = str(tmp_path)
    ds = DataSet("lab", "w", path=root)
    ds.old = 1
    ds.latest = [1, 2, 3]
    ten_days_ago = time.time() - 10 * 86400
    for name in ("old", "latest"):
        os.utime(os.path.join(ds._path, name + ".py"), (ten_days_ago, ten_days_ago))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    table = tidy.format_table

    def rewritten_after_the_plan(*args, **kwargs):
        # the prune has chosen both entries and prints them; a script in another process
        # writes its newest reading then, before the deletion
        subprocess.run([sys.executable, "-c", WRITER, root], check=True, env=env)
        return table(*args, **kwargs)

    monkeypatch.setattr(tidy, "format_table", rewritten_after_the_plan)
    yesterday = time.strftime("%Y-%m-%d", time.localtime(time.time() - 86400))
    assert main(["prune", ds._path, "--before", yesterday, "--yes"]) == 0
    out = capsys.readouterr().out
    assert "kept latest: it was rewritten since it was chosen" in out
    assert "deleted 1 entry" in out
    after = DataSet("lab", path=root)
    assert sorted(after) == ["latest"] and after.latest == [4, 5, 6]
