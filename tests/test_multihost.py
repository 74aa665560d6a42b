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
