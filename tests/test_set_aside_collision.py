"""A damaged entry met at another name of the key's chain (its first name, held by
another key, while the writer holds the lock of its second name) is set aside only as
the version found damaged: the writer moved whatever file was there by then, so the
good result a writer of that name had stored meanwhile went into ``.damaged/`` as if it
were damaged, was warned about, and the call was computed a third time.

Now the writer starts the call again, so the damaged entry is set aside under the lock
of its own name, as the version found damaged.  Real processes: the first writer waits
at two points (after it takes its second name's lock, and just before it sets the
damaged entry aside) until the test lets it go; a second writer of the first name tries
that name's lock in between.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

WRITER = r"""
import os, sys, time, warnings
import numpy as np
from archived import archived
from archived.cache.callstore import CallStore
from archived.store import native
store, mode, tmp = sys.argv[1:4]

def wait(step):
    open(os.path.join(tmp, "ready" + step), "w").close()
    while not os.path.exists(os.path.join(tmp, "go" + step)):
        time.sleep(0.005)

if mode == "first":
    real_identity = CallStore.entry_identity
    def waiting_identity(self, name):
        if not os.path.exists(os.path.join(tmp, "ready1")):
            wait("1")  # its key's lock is held: its lookup under it comes next
        return real_identity(self, name)
    CallStore.entry_identity = waiting_identity
    real_aside = native.set_aside
    def waiting_aside(*args, **kwargs):
        wait("2")
        return real_aside(*args, **kwargs)
    native.set_aside = waiting_aside

# the second writer tries its key's lock once: held, it gives up (LockTimeout)
@archived(store, version="1", lock_timeout=0 if mode == "second" else None)
def f(n):
    with open(os.path.join(tmp, "computed"), "a") as out:
        out.write(f"{os.getpid()}\n")
    return np.arange(float(n))

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    assert np.array_equal(f(400), np.arange(400.0))
if mode == "forge":  # another key sharing the first 16 hex digits holds the first name
    [name] = [n for n in f.dataset if n.startswith("f_")]
    info = f.dataset[name]
    other = dict(info, key=info["key"][:16] + "0" * 16, parameters={"n": -1})
    f.dataset._insert(np.arange(3.0), other, name=name)
print(*sorted({type(w.message).__name__ for w in caught}))
"""


def _kept(store):
    damaged = os.path.join(store, ".damaged")
    return sorted(os.listdir(damaged)) if os.path.isdir(damaged) else []


def _wait_for(path, proc):
    give_up = time.monotonic() + 600  # a hang guard, not a time window
    while not os.path.exists(path):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < give_up
        time.sleep(0.005)


def test_a_writer_never_sets_aside_the_result_stored_meanwhile_at_its_keys_first_name(tmp_path):
    store, tmp = str(tmp_path / "runs"), str(tmp_path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}

    def run(mode):
        return subprocess.run(
            [sys.executable, "-c", WRITER, store, mode, tmp],
            env=env,
            capture_output=True,
            text=True,
        )

    forged = run("forge")
    assert forged.returncode == 0, forged.stderr
    [first_name] = [n[:-3] for n in os.listdir(store) if n.startswith("f_") and n.endswith(".py")]
    first = subprocess.Popen(
        [sys.executable, "-c", WRITER, store, "first", tmp],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(os.path.join(tmp, "ready1"), first)  # it holds its second name's lock
        path = os.path.join(store, first_name + ".py")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as out:  # its info damaged: a typo made by hand
            out.write(text.replace("info = {", "info = ({", 1))
        open(os.path.join(tmp, "go1"), "w").close()
        _wait_for(os.path.join(tmp, "ready2"), first)  # it found the first name damaged
        # a writer of the first name tries it now: it is held by the first writer, which
        # sets the damaged entry aside under it (it stored its result there and the
        # first writer moved it aside as damaged, computing the call a third time)
        second = run("second")
        assert second.returncode == 1 and "LockTimeout" in second.stderr, second
    finally:
        open(os.path.join(tmp, "go1"), "w").close()
        open(os.path.join(tmp, "go2"), "w").close()
        out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err
    assert out.split() == ["DamagedEntryWarning"], (out, err)
    [aside] = _kept(store)  # the damaged version alone, kept
    assert "info = ({" in open(os.path.join(store, ".damaged", aside, first_name + ".py")).read()
    assert len(open(tmp_path / "computed").read().split()) == 2  # the forge's, the first's
    again = run("again")  # a hit at the first name: computed no more
    assert again.returncode == 0 and again.stdout.split() == [], again
    assert len(open(tmp_path / "computed").read().split()) == 2
