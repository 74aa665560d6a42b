"""An insert whose reserved name was taken for a dead writer's never replaces the entry
another writer committed there: both results are kept, under two names.

A writer in another pid namespace (another container sharing the store's volume, or a
job on another host) that is stopped for longer than the grace period while it inserts
(a suspended job, a big array still being written) has its name claim removed by the
next writer opening the store, which takes the name for an insert of its own.  The
stopped writer, resumed, used to commit over that entry: an insert that returned 'x_0'
to the other writer had its result replaced, its arrays deleted.

The writer runs in a new pid namespace (``unshare``, which needs root; the test is
skipped, saying so, where it is missing), stopped at a FIFO until the test lets it go;
its claim is dated two hours back, as a writer stopped that long would have it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

from archived.store.dataset import DataSet
from archived.store.integrity import verify
from archived.store.writers import GRACE_SECONDS
from helpers import same

# inserts a value, stopped after it has claimed its name until the test writes to 'go'
STOPPED = r"""
import os, sys
import numpy as np
from archived.store import entries
from archived.store.dataset import DataSet
parent, go, ready = sys.argv[1:4]
real, stopped = entries._Write.encode, []
def encode(self, *args, **kwargs):
    if not stopped:
        stopped.append(True)
        with open(ready, "w") as f:
            f.write("claimed")
        with open(go) as f:
            f.read()
    return real(self, *args, **kwargs)
entries._Write.encode = encode
print(DataSet("s", "w", path=parent)._insert(np.arange(1000.0) + 0.5, info="stopped")[0])
"""


def _in_new_pid_namespace() -> list[str]:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("a writer in another pid namespace needs root and unshare(1)")
    tried = subprocess.run(["unshare", "-p", "-f", "true"], capture_output=True)
    if tried.returncode != 0:
        pytest.skip("this machine does not allow a new pid namespace: " + tried.stderr.decode())
    return ["unshare", "-p", "-f"]


def test_an_insert_whose_claim_was_taken_for_a_dead_writers_keeps_the_other_entry(tmp_path):
    unshare = _in_new_pid_namespace()
    folder = DataSet("s", "w", path=str(tmp_path))._path
    go, ready = str(tmp_path / "go"), str(tmp_path / "ready")
    os.mkfifo(go)
    os.mkfifo(ready)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    stopped = subprocess.Popen(
        [*unshare, sys.executable, "-c", STOPPED, str(tmp_path), go, ready],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        with open(ready) as f:
            assert f.read() == "claimed"
        claim = os.path.join(folder, ".x_0.claim")
        then = time.time() - 2 * GRACE_SECONDS  # stopped for two grace periods
        os.utime(claim, (then, then), follow_symlinks=False)
        other = DataSet("s", "w", path=str(tmp_path))  # sweeps the claim as a dead writer's
        assert not os.path.lexists(claim)
        assert other._insert(np.arange(1000.0) * 3, info="other") == ["x_0"]
    finally:
        with open(go, "w") as f:
            f.write("go")
        out, err = stopped.communicate()
    assert stopped.returncode == 0, err
    assert out.strip() == "x_1"  # the stopped writer's result took the next free name
    ds = DataSet("s", path=str(tmp_path))
    assert {name: ds[name] for name in ds} == {"x_0": "other", "x_1": "stopped"}
    assert same(ds.x_0, np.arange(1000.0) * 3) and same(ds.x_1, np.arange(1000.0) + 0.5)
    assert verify(folder).ok
