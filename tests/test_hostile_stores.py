"""The hostile-store catalogue: every case ends cleanly and touches nothing outside its store.

The cases live in tests/hostile_catalogue.py; each runs in a child process
(tests/hostile_runner.py) under a memory limit (RLIMIT_AS) and an alarm, several cases
per process, two processes at a time.  A case that kills its process (a segfault), hangs
it, or changes the interpreter gets the blame alone: the cases after it run in a fresh
process.  See the runner for what is checked after every case.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from hostile_catalogue import CASES
from hostile_runner import CASE_SECONDS

HERE = os.path.dirname(os.path.abspath(__file__))
BATCH = 12
WORKERS = 2
# wall-clock seconds without a line from a child in a case: it hangs in C code, where
# the CPU-time alarm cannot interrupt it (a busy machine only makes this take longer)
SILENCE = 6 * CASE_SECONDS
STARTUP = 300  # seconds to the first line (imports and warm-up; a busy machine is slow)


def _has_h5py() -> bool:
    import importlib.util

    return importlib.util.find_spec("h5py") is not None


def _param(case):
    marks = []
    if case.xfail:
        marks.append(pytest.mark.xfail(strict=True, reason=case.xfail))
    if "hdf5" in case.needs and not _has_h5py():
        marks.append(pytest.mark.skip(reason="h5py writes the hostile HDF5 files"))
    return pytest.param(case.id, marks=marks, id=case.id)


@pytest.fixture(scope="module")
def outcomes(request, tmp_path_factory):
    """Run every selected case in child processes; case id -> its result."""
    selected = [
        item.callspec.params["case_id"]
        for item in request.session.items
        if getattr(item, "originalname", None) == "test_hostile_store_is_refused_cleanly"
        and not item.get_closest_marker("skip")
    ]
    shared = str(tmp_path_factory.mktemp("hostile_shared"))
    if _has_h5py():
        subprocess.run(
            [sys.executable, os.path.join(HERE, "hostile_hdf5.py"), shared],
            check=True,
            timeout=300,
        )
    else:
        os.makedirs(os.path.join(shared, "outside"))
    workdir = str(tmp_path_factory.mktemp("hostile"))
    return run_cases(selected, workdir, shared)


def run_cases(ids: list[str], workdir: str, shared: str) -> dict[str, dict]:
    results: dict[str, dict] = {}
    lock = threading.Lock()
    batches = [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]

    def work(batch: list[str]) -> None:
        pending = list(batch)
        while pending:
            done = _run_batch(pending, workdir, shared)
            with lock:
                results.update(done)
            pending = [i for i in pending if i not in done]

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(work, batches))
    return results


def _run_batch(ids: list[str], workdir: str, shared: str) -> dict[str, dict]:
    """Run ``ids`` in one child until it finishes, dies, hangs or is tainted."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    proc = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "hostile_runner.py"), workdir, shared, *ids],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=workdir,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    done: dict[str, dict] = {}
    running = None
    started = False
    while True:
        try:
            line = lines.get(timeout=SILENCE if started else STARTUP)
        except queue.Empty:
            proc.kill()
            proc.wait()
            if running is not None:
                done[running] = {"id": running, "problems": [f"hung for {SILENCE} s"]}
            elif not done:
                done[ids[0]] = {"id": ids[0], "problems": ["the child hung before any case"]}
            return done
        if line is None:
            break
        started = True
        message = json.loads(line)
        if "start" in message:
            running = message["start"]
        else:
            done[message["id"]] = message
            running = None
            if message.get("tainted"):
                break
    proc.wait()
    stderr = proc.stderr.read() if proc.stderr else ""
    if running is not None:  # the child died inside a case
        done[running] = {
            "id": running,
            "problems": [f"the process died (exit {proc.returncode}): {stderr[-800:]}"],
        }
    elif not done:
        done[ids[0]] = {"id": ids[0], "problems": [f"the child failed: {stderr[-2000:]}"]}
    return done


@pytest.mark.parametrize("case_id", [_param(c) for c in CASES])
def test_hostile_store_is_refused_cleanly(outcomes, case_id):
    """Refused (or warned) by name; nothing outside the store touched; interpreter intact."""
    result = outcomes[case_id]
    assert not result["problems"], "\n".join(result["problems"]) + "\n" + result.get("detail", "")


def test_the_catalogue_has_at_least_80_cases_of_every_class():
    kinds = {}
    for case in CASES:
        kinds[case.kind] = kinds.get(case.kind, 0) + 1
    assert len(CASES) >= 80 and len({c.id for c in CASES}) == len(CASES)
    assert set(kinds) == {"pickle", "outside", "hdf5", "work", "execute", "names", "special"}
    assert min(kinds.values()) >= 4, kinds
