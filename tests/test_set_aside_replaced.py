"""A damaged entry is set aside only as the version found damaged: a writer that found
it damaged, then lost its key's soft lock (stopped past its lease) while another writer
set it aside and stored the call's result, moved that good result into ``.damaged/`` as
if it were damaged, said so, and computed the call again.  Now it finds the result
stored meanwhile, a hit, and the one damaged version is all ``.damaged/`` keeps.

Real processes: the first writer waits, just before it sets the entry aside, until the
test lets it go (it is stopped meanwhile, so its lease runs out), and the second runs
whole in between.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from helpers import run_python

WRITER = r"""
import os, sys, time, warnings
import numpy as np
from archived import archived
from archived.store import native
store, ready, go = sys.argv[1:4]
if ready:  # waits just before it sets the damaged entry aside, until the test lets it go
    real = native.set_aside
    def waiting(*args, **kwargs):
        open(ready, "w").close()
        while not os.path.exists(go):
            time.sleep(0.005)
        return real(*args, **kwargs)
    native.set_aside = waiting

@archived(store, version="1", locking="soft")
def f(n):
    with open(os.path.join(os.path.dirname(store), "computed"), "a") as out:
        out.write(f"{os.getpid()}\n")
    return np.arange(float(n))

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    assert np.array_equal(f(400), np.arange(400.0))
print(*sorted({type(w.message).__name__ for w in caught}))
"""


def _kept(store):
    damaged = os.path.join(store, ".damaged")
    return sorted(os.listdir(damaged)) if os.path.isdir(damaged) else []


def test_a_writer_that_lost_its_key_never_sets_aside_the_result_stored_meanwhile(tmp_path):
    store = str(tmp_path / "runs")
    ready, go = str(tmp_path / "ready"), str(tmp_path / "go")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "ARCHIVED_LOCK_LEASE": "1"}
    done = run_python("-c", WRITER, store, "", "")
    assert done.returncode == 0, done.stderr
    [entry] = [n for n in os.listdir(store) if n.startswith("f_") and n.endswith(".py")]
    with open(os.path.join(store, entry), "a") as out:
        out.write("x = (\n")  # damaged: a typo made by hand
    first = subprocess.Popen(
        [sys.executable, "-c", WRITER, store, ready, go],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        give_up = time.monotonic() + 600  # a hang guard, not a time window
        while not os.path.exists(ready):
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < give_up
            time.sleep(0.005)
        os.kill(first.pid, signal.SIGSTOP)  # its lease runs out: it renews no more
        second = subprocess.run(
            [sys.executable, "-c", WRITER, store, "", ""], env=env, capture_output=True, text=True
        )
        assert second.returncode == 0, second.stderr
        assert second.stdout.split() == ["DamagedEntryWarning"]  # it set the typo aside
        [aside] = _kept(store)
        assert "x = (" in open(os.path.join(store, ".damaged", aside, entry)).read()
        with open(os.path.join(store, entry)) as f:
            good = f.read()
    finally:
        open(go, "w").close()
        os.kill(first.pid, signal.SIGCONT)
        out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err
    # its lease was taken from it (a RuntimeWarning says so); the result stored meanwhile
    # is a hit: not set aside, not computed again
    assert out.split() == ["RuntimeWarning"], (out, err)
    assert _kept(store) == [aside]
    assert open(os.path.join(store, entry)).read() == good
    assert len(open(tmp_path / "computed").read().split()) == 2  # the setup's, the second's
