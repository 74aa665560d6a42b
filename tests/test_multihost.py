"""Several machines sharing one store: soft locks (leases) and writer liveness across hosts.

Each "machine" is a process started with ``unshare --uts --pid --fork``: its own host name
and its own pid namespace, in which its pid is a number no process has in ours (so a
liveness check that trusted a pid across machines would call it dead).  They share this
machine's filesystem, as machines share an NFS mount.  Needs root (as CI runs); skipped
with the reason elsewhere.
"""

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from archived.errors import LockTimeout
from archived.store.lease import HERE
from archived.store.locking import StoreLock


def _can_unshare():
    if sys.platform != "linux" or shutil.which("unshare") is None:
        return "needs Linux's unshare(1)"
    if os.geteuid() != 0:
        return "needs root to make host-name and pid namespaces (unshare --uts --pid)"
    done = subprocess.run(
        ["unshare", "--uts", "--pid", "--fork", "--mount-proc", "true"], capture_output=True
    )
    return None if done.returncode == 0 else f"unshare failed: {done.stderr.decode().strip()}"


REASON = _can_unshare()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")

# the machine's process gets this pid inside its namespace: none of ours has it
FOREIGN_PID = 3_999_999


def on_machine(host, code, *args, **popen):
    """Run ``code`` in a new pid namespace under host name ``host`` (None: keep ours)."""
    assert not os.path.exists(f"/proc/{FOREIGN_PID}")
    setup = f'echo {FOREIGN_PID - 1} > /proc/sys/kernel/ns_last_pid && "$@"'
    if host is not None:
        setup = f"hostname {host} && {setup}"
    command = ["unshare", "--uts", "--pid", "--fork", "--mount-proc", "--kill-child"]
    argv = [*command, "sh", "-c", setup, "sh", sys.executable, "-c", code, *args]
    return subprocess.Popen(argv, text=True, **popen)


HOLDER = """
import os, sys, time
from archived.store.lease import HERE
from archived.store.locking import StoreLock
path, lease, stop = sys.argv[1], float(sys.argv[2]), sys.argv[3]
lock = StoreLock(path, timeout=600, soft=True, lease=lease).acquire()
print("held", os.getpid(), HERE, flush=True)
while not os.path.exists(stop):
    time.sleep(0.01)
lease_object = lock._soft_lock
lock.release()
print("lost" if lease_object.lost else "kept", flush=True)
"""

MACHINES = [
    pytest.param("host-b", id="other-host"),
    pytest.param(None, id="same-name-other-pid-ns"),
]


def _gone(process):
    """Kill a machine's process group (SIGKILL) and wait until its process is gone."""
    process.send_signal(signal.SIGKILL)  # unshare --kill-child passes it on
    process.wait()
    while any(f"{FOREIGN_PID}" in _cmdline(p) for p in os.listdir("/proc") if p.isdigit()):
        time.sleep(0.01)


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return ""


@pytest.mark.parametrize("host", MACHINES)
def test_a_remote_holder_that_renews_its_lease_is_never_broken(tmp_path, host):
    path, stop = str(tmp_path / ".lock"), str(tmp_path / "stop")
    holder = on_machine(host, HOLDER, path, "2.0", stop, stdout=subprocess.PIPE)
    try:
        held, pid, place = holder.stdout.readline().split()
        assert held == "held" and int(pid) == FOREIGN_PID and place != HERE
        # a waiter on this machine waits three of the holder's leases and never gets it
        with pytest.raises(LockTimeout):
            StoreLock(path, timeout=6, soft=True, lease=0.5).acquire()
        open(stop, "w").close()
        assert holder.stdout.readline().strip() == "kept"
        assert holder.wait() == 0
        with StoreLock(path, timeout=0, soft=True) as lock:  # released: free at once
            assert lock.is_locked
    finally:
        if holder.poll() is None:
            _gone(holder)


@pytest.mark.parametrize("host", MACHINES)
def test_the_lock_of_a_dead_remote_holder_is_reclaimed_after_its_lease(tmp_path, host):
    path, stop = str(tmp_path / ".lock"), str(tmp_path / "stop")
    holder = on_machine(host, HOLDER, path, "2.0", stop, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().startswith("held")
    finally:
        _gone(holder)
    started = time.monotonic()
    with StoreLock(path, timeout=600, soft=True, lease=30) as lock:  # the holder's lease counts
        assert lock.is_locked
    # no pid tells across machines: only the lease, seen to run out, frees it
    assert time.monotonic() - started >= 2.0


COUNTER = """
import sys
from archived.store.locking import StoreLock
path, n = sys.argv[1], int(sys.argv[2])
lock = StoreLock(path + ".lock", timeout=600, soft=True)
for _ in range(n):
    with lock:
        with open(path) as f:
            value = int(f.read())
        with open(path, "w") as f:
            f.write(str(value + 1))
"""


def test_soft_locks_on_three_machines_lose_no_update(tmp_path):
    counter = tmp_path / "counter"
    counter.write_text("0")
    machines = [on_machine(f"host-{c}", COUNTER, str(counter), "40") for c in "abc"]
    assert [m.wait(timeout=600) for m in machines] == [0, 0, 0]
    assert counter.read_text() == "120"
    assert sorted(os.listdir(tmp_path)) == ["counter"]  # no lease left behind


SWEEP = """
import os, sys
from archived import archived, sweep

def work(x, log=None):
    with open(log, "a") as f:
        f.write(f"{x}\\n")
    return x * x

f = archived(sys.argv[1], ignore=("log",), locking="soft")(work)
grid = {"x": range(16), "log": [sys.argv[2]]}
print(sweep(f, grid, n_jobs=2, backend="threading", progress=False))
"""


def test_sweeps_on_two_machines_share_one_store_and_compute_each_point_once(tmp_path):
    store, log = str(tmp_path / "shared"), str(tmp_path / "log")
    hosts = ("host-a", "host-b")
    machines = [on_machine(h, SWEEP, store, log, stdout=subprocess.PIPE) for h in hosts]
    outputs = [m.communicate(timeout=600)[0] for m in machines]
    assert [m.returncode for m in machines] == [0, 0]
    assert all(out.strip() == str([x * x for x in range(16)]) for out in outputs)
    with open(log) as f:
        assert sorted(int(line) for line in f) == list(range(16))
    assert os.listdir(os.path.join(store, ".keys")) == []


WRITER = """
import os, sys, time
from archived import DataSet

class Slow:
    def archive_1(self):  # called while the entry is being written
        print("writing", flush=True)
        while not os.path.exists(sys.argv[2]):
            time.sleep(0.01)
        return ("x", {"x": [1, 2, 3]}, [])

ds = DataSet(os.path.basename(sys.argv[1]), "w", path=os.path.dirname(sys.argv[1]))
print(ds._insert(Slow(), info={"from": "host-b"}), flush=True)
"""


def test_a_live_writer_on_another_machine_keeps_its_files_while_this_one_repairs(tmp_path):
    from archived import DataSet
    from archived.store.integrity import repair

    store, go = str(tmp_path / "shared"), str(tmp_path / "go")
    DataSet("shared", "w", path=str(tmp_path)).first = 0
    writer = on_machine("host-b", WRITER, store, go, stdout=subprocess.PIPE)
    try:
        assert writer.stdout.readline().strip() == "writing"
        before = sorted(os.listdir(store))
        assert any(name.endswith(".claim") for name in before)
        DataSet("shared", "w", path=str(tmp_path)).second = 1  # opening sweeps leftovers
        report = repair(store)
        assert report.removed == [] and report.in_progress
        assert set(before) <= set(os.listdir(store))  # nothing of the live writer removed
        open(go, "w").close()
        assert writer.stdout.readline().strip() == "['x_0']"
        assert writer.wait(timeout=600) == 0
    finally:
        if writer.poll() is None:
            _gone(writer)
    ds = DataSet("shared", path=str(tmp_path))
    assert (ds.x_0, ds["x_0"], ds.first, ds.second) == ([1, 2, 3], {"from": "host-b"}, 0, 1)


STUCK_SWEEP = """
import os, sys, time
from archived import archived, sweep

def work(x, log=None):
    if x == 3 and os.environ.get("STUCK_AT_3"):
        open(log + ".stuck", "w").close()
        while True:  # computing the point, holding its key's lease, until killed
            time.sleep(0.01)
    if x == 3 and os.environ.get("SLOW_AT_3"):
        open(log + ".stuck", "w").close()
        while not os.path.exists(log + ".go"):
            time.sleep(0.01)
    with open(log, "a") as f:
        f.write(f"{x} {os.uname().nodename} {time.monotonic()}\\n")
    return x * x

f = archived(sys.argv[1], ignore=("log",), locking="soft")(work)
print(sweep(f, {"x": range(6), "log": [sys.argv[2]]}, n_jobs=1, progress=False), flush=True)
"""


def _sweep_on(host, store, log, **env):
    """STUCK_SWEEP on machine ``host`` (see on_machine), or here for ``host=HERE``."""
    env = {**os.environ, **env}
    if host == HERE:  # this machine: a pid namespace where the remote worker's pid is no one's
        argv = [sys.executable, "-c", STUCK_SWEEP, store, log]
        return subprocess.Popen(argv, text=True, env=env, stdout=subprocess.PIPE)
    return on_machine(host, STUCK_SWEEP, store, log, env=env, stdout=subprocess.PIPE)


def _wait_for(path, process):
    while not os.path.exists(path):
        assert process.poll() is None, "the sweep exited before it got there"
        time.sleep(0.01)


def _lease_of_point(store):
    """The lease (seconds) written in the one key lock held in ``store``'s ``.keys``."""
    from archived.store.lease import holder_of

    (held,) = os.listdir(os.path.join(store, ".keys"))
    (name,) = os.listdir(os.path.join(store, ".keys", held))
    return holder_of(name)[2]


def _computed(log):
    """``{x: (machine, monotonic time)}`` of each point computed, failing on a point
    computed twice."""
    with open(log) as f:
        lines = [line.split() for line in f]
    points = {int(x): (node, float(t)) for x, node, t in lines}
    assert len(points) == len(lines), lines
    return points


def test_a_sweep_point_of_a_killed_remote_worker_is_computed_here_after_its_set_lease(tmp_path):
    store, log = str(tmp_path / "shared"), str(tmp_path / "log")
    remote = _sweep_on("host-b", store, log, ARCHIVED_LOCK_LEASE="2", STUCK_AT_3="1")
    try:
        _wait_for(log + ".stuck", remote)
        assert _lease_of_point(store) == 2.0  # the lease the user set on that machine
    finally:
        _gone(remote)  # killed while computing x=3, its lease left in .keys
    killed = time.monotonic()
    here = _sweep_on(HERE, store, log)
    assert here.communicate(timeout=600)[0].strip() == str([x * x for x in range(6)])
    computed = _computed(log)
    assert sorted(computed) == list(range(6))
    assert [computed[x][0] for x in range(6)] == ["host-b"] * 3 + [os.uname().nodename] * 3
    # no pid tells across machines: x=3 waited for the dead holder's lease to run out
    assert computed[3][1] - killed >= 2.0
    assert os.listdir(os.path.join(store, ".keys")) == []


def test_a_live_remote_worker_computing_a_point_for_many_leases_keeps_it(tmp_path):
    store, log = str(tmp_path / "shared"), str(tmp_path / "log")
    remote = _sweep_on("host-b", store, log, ARCHIVED_LOCK_LEASE="0.5", SLOW_AT_3="1")
    here = None
    try:
        _wait_for(log + ".stuck", remote)
        here = _sweep_on(HERE, store, log)
        while len(os.listdir(os.path.join(store, ".keys"))) < 2:  # its bid for x=3
            assert here.poll() is None, "the sweep here exited without waiting for x=3"
            time.sleep(0.01)
        time.sleep(4)  # eight of the remote worker's leases, renewed, while this one waits
        open(log + ".go", "w").close()
        expected = str([x * x for x in range(6)])
        assert remote.communicate(timeout=600)[0].strip() == expected
        assert here.communicate(timeout=600)[0].strip() == expected
    finally:
        for machine in (remote, here):
            if machine is not None and machine.poll() is None:
                _gone(machine)
    computed = _computed(log)  # each point once, on either machine
    assert sorted(computed) == list(range(6))
    assert computed[3][0] == "host-b"  # this machine waited, then loaded the remote result
    assert os.listdir(os.path.join(store, ".keys")) == []
