"""A cached call's writer killed (SIGKILL) at each file operation of taking its key's lock
from a dead holder (reclaiming a soft lock's lease, or a lock file of its own where byte
ranges are missing), of computing, committing and releasing it: the next writer of the key
proceeds and stores the exact result; while it holds the key a live writer of the same
key waits and never computes it too (its lock is never broken); the entry that was
there before loads as before.

Three processes per kill: the dead holder (killed holding the key, and with soft locking
the store's lease too, at the commit of its entry), the writer killed at step ``k``, then
a live writer that computes the key and waits inside it until the test lets it go, while
a fourth writer of the same key waits for it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from archived.store.dataset import DataSet
from archived.store.integrity import verify
from helpers import kill_at_step, run_python

OPS = ("mkdir", "open", "rename", "replace", "unlink", "rmdir", "link")

WRITER = (
    r"""
import os, sys, time
store, k, role, log, stop, kind = sys.argv[1:7]
k = int(k)
"""
    + kill_at_step(*OPS)
    + r"""
paths = []  # what each counted call is given: which steps are the locks'
def record(real):
    def recorded(*args, **kwargs):
        paths.append(os.fsdecode(args[0]) if isinstance(args[0], (str, bytes)) else "")
        return real(*args, **kwargs)
    return recorded
"""
    + "".join(f"os.{op} = record(os.{op})\n" for op in OPS)
    + r"""
import numpy as np
from archived import archived
if role == "dead":  # killed at its second os.replace: the commit of its entry text
    replaces, real_replace = [0], os.replace
    def replace(*args):
        replaces[0] += 1
        if replaces[0] == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        return real_replace(*args)
    os.replace = replace
from archived.store import keylocks
if kind == "file":  # no byte ranges here: a lock file per key, removed on release
    keylocks._UNSUPPORTED.append(OSError("no byte-range locks (test)"))

@archived(store, version="1", locking="fcntl" if kind == "file" else "soft")
def f(n):
    with open(log, "a") as out:
        out.write(f"in {role} {os.getpid()}\n")
    while role == "live" and not os.path.exists(stop):
        time.sleep(0.005)
    return np.arange(float(n))

value = f(int(sys.argv[7]))
assert np.array_equal(value, np.arange(float(sys.argv[7])))
locks = [i for i, p in enumerate(paths) if "/.keys/" in p or "/.lock" in p]
print("done", steps[0], *locks, flush=True)
"""
)

KINDS = [pytest.param("soft", id="soft-lease"), pytest.param("file", id="lock-file-per-key")]


def _writer(store, k, role, log, stop, kind, n=400, **popen):
    args = ["-c", WRITER, store, str(k), role, log, stop, kind, str(n)]
    if popen:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        return subprocess.Popen([sys.executable, *args], text=True, env=env, **popen)
    return run_python(*args)


def _dead_holder(parent, kind):
    """A store holding f(300), and a writer of f(400) killed at the commit of its entry:
    it dies holding f(400)'s key (and with soft locking the store's lease)."""
    store, log = os.path.join(parent, "runs"), os.path.join(parent, "log")
    done = _writer(store, -1, "setup", log, "", kind, n=300)
    assert done.returncode == 0, done.stderr
    dead = _writer(store, -1, "dead", log, "", kind)
    assert dead.returncode == -signal.SIGKILL, dead.stderr
    keys = os.listdir(os.path.join(store, ".keys"))
    if kind == "soft":  # what it held is still there, to reclaim
        assert [n for n in keys if n.endswith(".lease")], keys
        assert os.listdir(os.path.join(store, ".lock.lease")), "the store's lease"
    else:
        assert [n for n in keys if n.endswith(".lock")], keys
    return store, log


def _waiting(store, pid, kind):
    """Whether process ``pid`` is waiting for a key lock of ``store``: with a soft lock, its
    lease is made and being offered; with a lock file, it has it open."""
    keys = os.path.join(store, ".keys")
    if kind == "soft":
        return any(
            ".lease." in name and f"-{pid}-" in name and os.listdir(os.path.join(keys, name))
            for name in os.listdir(keys)
        )
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith(keys + "/f_"):
                return True
        except OSError:
            continue
    return False


def _wait_for(predicate, process):
    """Poll ``predicate`` until it holds (the processes' pace, not a time window: the
    600 s is a hang guard); fail if ``process`` ended first."""
    give_up = time.monotonic() + 600
    while not predicate():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < give_up
        time.sleep(0.002)


def _live_writers_never_overlap(store, log, stop, kind):
    """A live writer of f(400) and a second one waiting for it: the second never computes
    while the first holds the key, and the first's lock is not reclaimed (no warning)."""
    live = _writer(
        store, -1, "live", log, stop, kind, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    waiter = None
    try:
        _wait_for(lambda: f"in live {live.pid}" in open(log).read(), live)
        waiter = _writer(
            store, -1, "waiter", log, stop, kind, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        _wait_for(lambda: _waiting(store, waiter.pid, kind), waiter)
        time.sleep(0.2)  # the waiter polls the held lock many times meanwhile
        assert live.poll() is None and waiter.poll() is None
    finally:
        open(stop, "w").close()
        out, err = live.communicate(timeout=600)
        assert live.returncode == 0 and out.startswith("done"), err
        assert "reclaimed" not in err, err
        if waiter is not None:
            out, err = waiter.communicate(timeout=600)
            assert waiter.returncode == 0 and out.startswith("done"), err
    assert "waiter" not in open(log).read()  # it found the live writer's result


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to see waiters")
@pytest.mark.parametrize("kind", KINDS)
def test_a_writer_killed_at_any_step_of_reclaiming_a_dead_holders_key_breaks_no_lock(
    tmp_path, kind
):
    template = str(tmp_path / "dead")
    os.makedirs(template)
    store, log = _dead_holder(template, kind)
    parent = str(tmp_path / "all")
    shutil.copytree(template, parent, symlinks=True)
    done = _writer(os.path.join(parent, "runs"), -1, "killed", log, "", kind)
    assert done.returncode == 0, done.stderr
    steps = [int(k) for k in done.stdout.split()[1:]]
    total, locks = steps[0], steps[1:]
    assert total > len(locks) >= 4
    for k in locks:  # each step that makes, renames or removes a lock's file
        parent = str(tmp_path / f"k{k}")
        shutil.copytree(template, parent, symlinks=True)
        store, log = os.path.join(parent, "runs"), os.path.join(parent, "log")
        killed = _writer(store, k, "killed", log, "", kind)
        assert killed.returncode == -signal.SIGKILL, (k, killed.stderr)
        ds = DataSet("runs", path=parent)
        entries = {ds._view([e])[e].info()["parameters"]["n"]: getattr(ds, e) for e in ds}
        assert set(entries) <= {300, 400}, k
        for n, value in entries.items():  # whole, or not there
            assert np.array_equal(value, np.arange(float(n))), k
        assert 300 in entries, k
        stop = os.path.join(parent, "stop")
        if 400 in entries:  # committed before it was killed: the next writer finds it
            done = _writer(store, -1, "next", log, stop, kind)
            assert done.returncode == 0, (k, done.stderr)
            assert "next" not in open(log).read(), k
        else:
            _live_writers_never_overlap(store, log, stop, kind)
        ds = DataSet("runs", "w", path=parent)  # sweeps what the killed writers left
        keys = os.path.join(store, ".keys")
        private = [n for n in os.listdir(store) + os.listdir(keys) if ".lease." in n]
        assert not private, (k, private)  # a killed taker's lease folder: swept too
        assert sorted(np.sum(getattr(ds, e)) for e in ds) == [44850.0, 79800.0], k
        report = verify(store)
        assert not report.damaged and not report.orphans and not report.leftovers, (k, report)
        assert not report.in_progress, (k, report)
