"""Liveness that is right in containers: a writer in another pid namespace on a host of
the same name is never taken for dead because its pid is missing here; it is dead only
when the kernel dropped the lock it holds on its ``.tmp`` file.

The writers run in real pid namespaces (``unshare --pid --fork``, root only; skipped with
the reason elsewhere), with a pid that does not exist outside their namespace: exactly
the case in which the host-and-pid rule deleted a live writer's files.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from archived.store import writers
from archived.store.dataset import DataSet
from archived.store.integrity import repair, verify

# Writes entry x with a big array, and stops after its data file and its .tmp file are
# written (before the commit) until told to go on.
_PAUSED_WRITER = textwrap.dedent(
    """
    import os, sys
    import numpy as np
    from archived.store import entries
    from archived.store.dataset import DataSet

    real = entries._Write.text

    def text(self, *args):
        real(self, *args)
        print("paused", os.getpid(), self.token, flush=True)
        if sys.stdin.readline() != "go\\n":
            os._exit(3)  # told nothing: die as killed, never commit

    entries._Write.text = text
    DataSet("s", "w", path=sys.argv[1]).x = np.arange(1000.0)
    print("committed", flush=True)
    """
)


def _free_pid() -> int:
    """A pid no process has in this namespace (so a lookup of it here fails).

    It is the free pid just behind the one this namespace gave out last: pids are given
    out in rising order and wrap around, so every other pid is handed out before this one
    is again (a busy machine runs through the high pids quickly).
    """
    with open("/proc/sys/kernel/pid_max") as f:
        top = int(f.read())
    with open("/proc/sys/kernel/ns_last_pid") as f:
        last = int(f.read())
    for step in range(1, top):
        pid = (last - step) % top
        if pid > 300 and not os.path.exists(f"/proc/{pid}"):
            return pid
    raise AssertionError("no free pid")


def in_new_pid_namespace(code: str, *args: str) -> tuple[subprocess.Popen[str], int]:
    """Start ``code`` in a new pid namespace, as a pid absent from this namespace."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("a new pid namespace needs root and unshare(1)")
    pid = _free_pid()
    # the shell is the namespace's pid 1; it runs Python as its child, through a function
    # (a shell may exec a last plain command in its own place, which would keep pid 1)
    command = (
        f'echo {pid - 1} > /proc/sys/kernel/ns_last_pid && run() {{ "$@"; }} && run "$0" "$@"'
    )
    proc = subprocess.Popen(
        ["unshare", "--pid", "--fork", "--kill-child", "sh", "-c", command]
        + [sys.executable, "-c", code, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return proc, pid


def _paused_writer(tmp_path):
    DataSet("s", "w", path=tmp_path).y = 1  # an fcntl store
    for _ in range(20):
        proc, pid = in_new_pid_namespace(_PAUSED_WRITER, str(tmp_path))
        line = proc.stdout.readline().split()
        if not line:
            proc.wait()
            pytest.skip(f"cannot make a pid namespace here: {proc.stderr.read()[-300:]}")
        assert line[0] == "paused" and int(line[1]) == pid, line
        if not os.path.exists(f"/proc/{pid}"):  # the case under test: missing here
            break
        # a process out here took the same pid meanwhile: this writer proves nothing, so
        # it dies uncommitted (its files are another writer's leftovers) and another starts
        proc.stdin.close()
        proc.wait(timeout=600)
        shutil.rmtree(tmp_path / "s")
        DataSet("s", "w", path=tmp_path).y = 1
    else:
        raise AssertionError("every pid chosen for the writer was taken out here")
    token = line[2]
    assert token.startswith(writers.HOST[:6]) and token[:12] != writers.HOST
    return proc, token


def _files_of(folder, token):
    return sorted(f for f in os.listdir(folder) if token in f)


def test_a_live_writer_in_another_pid_namespace_keeps_its_files(tmp_path):
    proc, token = _paused_writer(tmp_path)
    folder = str(tmp_path / "s")
    try:
        mine = _files_of(folder, token)
        assert mine == [f".x.{token}.tmp", f"x.{token}.h5"]
        DataSet("s", "w", path=tmp_path)  # a writer opening the store sweeps leftovers
        report = repair(folder)
        assert _files_of(folder, token) == mine
        assert report.removed == [] and set(mine) <= set(report.in_progress)
        assert set(mine) <= set(verify(folder).in_progress)
        proc.stdin.write("go\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "committed"
    finally:
        proc.stdin.close()
        proc.wait(timeout=600)
    assert proc.returncode == 0, proc.stderr.read()
    np.testing.assert_array_equal(DataSet("s", path=tmp_path).x, np.arange(1000.0))
    assert verify(folder).ok


@pytest.mark.parametrize("namespace", ["here", "another pid namespace"])
def test_a_live_writer_keeps_its_files_however_old_they_look(tmp_path, namespace):
    # files older than the grace period were taken for a dead writer's, even when its
    # process (or its lock) proved it alive: a write taking more than an hour, or a
    # shared filesystem whose clock is behind this one, lost its data file under it
    if namespace == "here":
        DataSet("s", "w", path=tmp_path).y = 1
        proc = subprocess.Popen(
            [sys.executable, "-c", _PAUSED_WRITER, str(tmp_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        token = proc.stdout.readline().split()[2]
    else:
        proc, token = _paused_writer(tmp_path)
    folder = str(tmp_path / "s")
    try:
        mine = _files_of(folder, token)
        for file in mine:
            os.utime(os.path.join(folder, file), (0, 0))
        DataSet("s", "w", path=tmp_path)  # a writer opening the store sweeps leftovers
        assert repair(folder).removed == [] and _files_of(folder, token) == mine
        proc.stdin.write("go\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "committed"
    finally:
        proc.stdin.close()
        proc.wait(timeout=600)
    assert proc.returncode == 0, proc.stderr.read()
    np.testing.assert_array_equal(DataSet("s", path=tmp_path).x, np.arange(1000.0))


def test_a_killed_writer_in_another_pid_namespace_is_swept_once_its_lock_is_gone(tmp_path):
    proc, token = _paused_writer(tmp_path)
    folder = str(tmp_path / "s")
    proc.send_signal(signal.SIGKILL)  # unshare --kill-child takes the namespace with it
    proc.wait()
    # the kernel drops the writer's lock when its namespace is torn down: wait for that
    # (a hang guard, not a time window), then the next writer sweeps what it left
    deadline = time.monotonic() + 600
    while _files_of(folder, token):
        assert time.monotonic() < deadline, _files_of(folder, token)
        DataSet("s", "w", path=tmp_path)
        time.sleep(0.01)
    proc.stdin.close()
    store = DataSet("s", path=tmp_path)
    assert sorted(store) == ["y"] and verify(folder).ok


def test_a_writer_of_a_token_before_namespaces_is_alive_until_the_grace_period(tmp_path):
    ds = DataSet("s", "w", path=tmp_path)
    dead = _free_pid()
    old_host = writers.HOST[:6]  # what this host's tokens were: its name alone
    leftover = os.path.join(ds._path, f".x.{old_host}-{dead}-0123abcd.tmp")
    open(leftover, "w").close()
    DataSet("s", "w", path=tmp_path)
    assert os.path.exists(leftover)  # its pid may live in another namespace
    os.utime(leftover, (0, 0))
    DataSet("s", "w", path=tmp_path)
    assert not os.path.exists(leftover)


def test_each_pid_namespace_is_another_host_in_tokens(tmp_path):
    code = "from archived.store.writers import HOST; print(HOST)"
    proc, _ = in_new_pid_namespace(code)
    out, err = proc.communicate(timeout=600)
    if proc.returncode != 0:
        pytest.skip(f"cannot make a pid namespace here: {err[-300:]}")
    inside = out.strip()
    assert inside != writers.HOST and inside[:6] == writers.HOST[:6]
