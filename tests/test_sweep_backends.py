"""Sweeps on every joblib backend: the active configuration, backends that cannot stream,
points skipped in the driver, and results that travel back only when asked.

Each computation appends ``pid thread x`` to a log file (an ignored parameter), so the log
shows exactly what was computed, and where.
"""

import os
import signal
import subprocess
import sys
import threading

import numpy as np
import pytest
from joblib import parallel_config, register_parallel_backend
from joblib._parallel_backends import ThreadingBackend

from archived import archived
from archived.cache.sweeprun import StoredResult
from archived.cache.sweeps import sweep, sweep_status


def work(x, log=None, size=0):
    with open(log, "a") as f:
        f.write(f"{os.getpid()} {threading.get_ident()} {x}\n")
    if size:
        return {"x": x, "half": x / 2, "data": np.full(size, float(x))}
    return x * x


def computed(log):
    try:
        with open(log) as f:
            return [tuple(int(v) for v in line.split()) for line in f]
    except FileNotFoundError:
        return []


@pytest.fixture
def log(tmp_path):
    return str(tmp_path / "log")


@pytest.fixture
def cached(tmp_path):
    return archived(tmp_path / "runs", ignore=("log",))(work)


class CountingBackend(ThreadingBackend):
    """joblib's threading backend, counting how often a sweep starts its workers."""

    started = 0

    def configure(self, *args, **kwargs):
        CountingBackend.started += 1
        return super().configure(*args, **kwargs)


class NoStreamingBackend(CountingBackend):
    """A backend that cannot stream results (as multiprocessing, Ray, dask under old joblib)."""

    supports_return_generator = False


register_parallel_backend("archived-counting", CountingBackend)
register_parallel_backend("archived-nostream", NoStreamingBackend)


def test_n_jobs_defaults_to_the_active_joblib_configuration(cached, log):
    with parallel_config(backend="threading", n_jobs=2):
        assert sweep(cached, {"x": range(8), "log": [log]}, progress=False) == [
            x * x for x in range(8)
        ]
    threads = {thread for _, thread, _ in computed(log)}
    assert threading.get_ident() not in threads  # workers ran them, not the driver
    assert sorted(x for *_, x in computed(log)) == list(range(8))


def test_without_a_configuration_the_points_run_here_one_by_one(cached, log):
    assert sweep(cached, {"x": range(3), "log": [log]}, progress=False) == [0, 1, 4]
    assert computed(log) == [(os.getpid(), threading.get_ident(), x) for x in range(3)]


@pytest.mark.parametrize(
    "backend", ["loky", "threading", "multiprocessing", "archived-nostream", "sequential"]
)
def test_every_backend_computes_each_point_once_and_returns_grid_order(cached, log, backend):
    grid = {"x": [5, 3, 1, 4, 2, 0], "log": [log]}
    expected = [25, 9, 1, 16, 4, 0]
    assert sweep(cached, grid, n_jobs=2, backend=backend, progress=False) == expected
    assert sweep(cached, grid, n_jobs=2, backend=backend, progress=False) == expected
    assert sorted(x for *_, x in computed(log)) == [0, 1, 2, 3, 4, 5]


def test_a_backend_that_cannot_stream_still_reports_every_point(cached, log, capsys):
    pytest.importorskip("tqdm")
    grid = {"x": range(4), "log": [log]}
    with parallel_config(backend="archived-nostream", n_jobs=2):
        assert sweep(cached, grid, progress=True) == [0, 1, 4, 9]
    assert "4/4" in capsys.readouterr().err


SCRIPT = """
import sys
from archived import archived, sweep

@archived(sys.argv[1])
def square(x):
    return x * x

if __name__ == "__main__":
    print(sweep(square, {"x": range(6)}, n_jobs=2, backend="multiprocessing", progress=False))
    print(sweep(square, {"x": range(6)}, n_jobs=1, backend="multiprocessing", progress=False))
"""


def test_a_script_sweeps_its_own_function_on_multiprocessing(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "squares")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == [str([x * x for x in range(6)])] * 2


def test_stored_points_are_skipped_in_the_driver_without_starting_a_worker(cached, log):
    grid = {"x": range(6), "log": [log]}
    with parallel_config(backend="archived-counting", n_jobs=2):
        sweep(cached, {"x": [0, 2, 4], "log": [log]}, progress=False)
        started = CountingBackend.started
        assert sweep(cached, grid, progress=False) == [0, 1, 4, 9, 16, 25]
        assert CountingBackend.started == started + 1  # for the three missing points
        assert sorted(x for *_, x in computed(log)) == [0, 1, 2, 3, 4, 5]
        for results in ("values", "lazy", "summary"):
            sweep(cached, grid, progress=False, results=results)
        assert CountingBackend.started == started + 1  # nothing left: no worker


def test_each_point_is_keyed_once_per_sweep(cached, log, monkeypatch):
    from archived.cache import calls

    keyed = []
    original = calls.flat_key  # key_call asks it first, once per call keyed

    def counting(*args, **kwargs):
        keyed.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(calls, "flat_key", counting)
    grid = {"x": range(5), "log": [log]}
    sweep(cached, grid, n_jobs=2, backend="threading", progress=False)
    assert len(keyed) == 5
    sweep(cached, grid, n_jobs=2, backend="threading", progress=False)
    assert len(keyed) == 10


@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_lazy_results_are_handles_that_load_from_the_store(cached, log, backend):
    grid = {"x": [1, 2, 3], "log": [log], "size": [300]}
    handles = sweep(cached, grid, n_jobs=2, backend=backend, progress=False, results="lazy")
    assert all(isinstance(h, StoredResult) for h in handles)
    assert [h.parameters["x"] for h in handles] == [1, 2, 3]
    for x, handle in zip([1, 2, 3], handles, strict=True):
        value = handle.load()
        assert value["x"] == x and np.array_equal(value["data"], np.full(300, float(x)))
        assert handle.entry in cached.dataset
    again = sweep(cached, grid, progress=False, results="lazy")
    assert [h.entry for h in again] == [h.entry for h in handles]
    assert len(computed(log)) == 3


def test_summary_gives_parameters_and_scalar_results_only(cached, log):
    grid = {"x": [1, 2], "log": [log], "size": [300]}
    expected = [
        {"x": 1, "size": 300, "result_x": 1, "half": 0.5},
        {"x": 2, "size": 300, "result_x": 2, "half": 1.0},
    ]
    assert sweep(cached, grid, n_jobs=2, backend="loky", progress=False, results="summary") == (
        expected
    )
    assert sweep(cached, grid, progress=False, results="summary") == expected  # all stored


def test_failures_stay_in_place_in_every_results_mode(tmp_path):
    f = archived(tmp_path / "s")(lambda x: 1 / x)
    for results in ("values", "lazy", "summary"):
        out = sweep(f, {"x": [0, 2]}, progress=False, errors="return", results=results)
        assert isinstance(out[0], ZeroDivisionError)
    assert sweep(f, {"x": [2]}, progress=False, results="summary") == [{"x": 2, "result": 0.5}]


def test_an_unknown_results_mode_is_refused_before_anything_runs(cached, log):
    with pytest.raises(ValueError, match="results must be one of"):
        sweep(cached, {"x": [1], "log": [log]}, results="all")
    assert computed(log) == []


MEMORY = """
import sys
import numpy as np
from archived import archived, sweep

def big(x):
    return {"x": x, "data": np.full(200_000, float(x))}  # 1.6 MB

def status(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))

store, mode, points = sys.argv[1], sys.argv[2], int(sys.argv[3])
f = archived(store, durable=False)(big)
warm = archived(store + "_warm", durable=False)(big)
sweep(warm, {"x": [0, 1]}, n_jobs=2, backend="loky", progress=False)  # libraries, workers
[h.load() for h in sweep(warm, {"x": [0, 1]}, progress=False, results="lazy")]
with open("/proc/self/clear_refs", "w") as clear:
    clear.write("5")  # the peak resident size (VmHWM) starts again from the current one
before = status("VmRSS")
out = sweep(f, {"x": range(points)}, n_jobs=2, backend="loky", progress=False, results=mode)
assert len(out) == points
print((status("VmHWM") - before) / 1024)  # MB: the highest the process rose during the sweep
"""


def _peak_growth_mb(tmp_path, mode, points):
    done = subprocess.run(
        [sys.executable, "-c", MEMORY, str(tmp_path / "big"), mode, str(points)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return float(done.stdout)


@pytest.mark.skipif(
    not os.access("/proc/self/clear_refs", os.W_OK),
    reason="needs Linux's /proc/self/clear_refs to measure the peak memory of one sweep",
)
def test_lazy_and_summary_sweeps_hold_no_result_in_memory(tmp_path):
    points = 48  # 77 MB of results
    computing = _peak_growth_mb(tmp_path, "lazy", points)
    rerun_lazy = _peak_growth_mb(tmp_path, "lazy", points)
    rerun_summary = _peak_growth_mb(tmp_path, "summary", points)
    rerun_values = _peak_growth_mb(tmp_path, "values", points)
    assert rerun_values > 60  # the measurement sees results held in memory
    assert computing < 15 and rerun_lazy < 15 and rerun_summary < 15, (
        computing,
        rerun_lazy,
        rerun_summary,
        rerun_values,
    )


# ---- dask: a scheduler and workers started from the command line ---------------------------

TESTS = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(sys.modules["archived"].__file__)))


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A scheduler and two workers started with the ``dask`` command; yields the
    scheduler file."""
    distributed = pytest.importorskip(
        "distributed", reason="the dask extra (dask[distributed]) is not installed"
    )
    folder = tmp_path_factory.mktemp("dask")
    scheduler_file = str(folder / "scheduler.json")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (TESTS, env.get("PYTHONPATH")) if p)
    quiet = {"env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        _dask("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
              "--scheduler-file", scheduler_file),
        **quiet,
    )  # fmt: skip
    worker = ["worker", "--scheduler-file", scheduler_file, "--nthreads", "1", "--nworkers", "1",
              "--memory-limit", "0", "--no-dashboard"]  # fmt: skip
    workers = [
        subprocess.Popen(
            _dask(*worker, "--name", name, "--local-directory", str(folder / name)), **quiet
        )
        for name in ("w1", "w2")
    ]
    try:
        with _connect(distributed, scheduler_file, scheduler) as client:
            client.wait_for_workers(2, timeout=600)
        yield scheduler_file
    finally:
        for process in [*workers, scheduler]:
            process.terminate()
        for process in [*workers, scheduler]:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def dask_client(dask_cluster):
    import distributed

    with distributed.Client(scheduler_file=dask_cluster, timeout=600) as client:
        yield client


def test_the_readme_cluster_recipe_runs_on_command_line_workers(dask_cluster, tmp_path):
    import re

    readme = os.path.join(os.path.dirname(TESTS), "README.md")
    with open(readme, encoding="utf-8") as f:
        (recipe,) = re.findall(r"```py\n(.*?)```", f.read(), flags=re.S)
    store = str(tmp_path / "results" / "runs")
    recipe = recipe.replace("/shared/scheduler.json", dask_cluster)
    recipe = recipe.replace("/shared/results/runs", store) + "\nprint(rows)\n"
    done = subprocess.run(
        [sys.executable, "-c", recipe], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    assert "{'mu': 1.5, 'n': 1000, 'energy': 1500.0}]" in done.stdout
    from archived import DataSet

    results = [n for n in DataSet("runs", path=str(tmp_path / "results")) if "sweep" not in n]
    assert len(results) == 6


def _dask(*arguments):
    return [sys.executable, "-m", "dask", *arguments]


def _connect(distributed, scheduler_file, scheduler):
    import time

    while not os.path.exists(scheduler_file):  # written once the scheduler listens
        assert scheduler.poll() is None, "the dask scheduler exited"
        time.sleep(0.05)
    return distributed.Client(scheduler_file=scheduler_file, timeout=600)


def test_dask_sweep_runs_on_command_line_workers_under_parallel_config(dask_client, cached, log):
    n = 50
    with parallel_config(backend="dask"):
        results = sweep(cached, {"x": range(n), "log": [log]}, progress=False)
    assert results == [x * x for x in range(n)]
    lines = computed(log)
    assert sorted(x for *_, x in lines) == list(range(n))
    pids = {pid for pid, *_ in lines}
    assert os.getpid() not in pids and len(pids) == 2, "both workers ran points, the driver none"
    with parallel_config(backend="dask"):
        handles = sweep(cached, {"x": range(n + 4), "log": [log]}, progress=False, results="lazy")
    assert [h.load() for h in handles] == [x * x for x in range(n + 4)]
    assert sorted(x for *_, x in computed(log)) == list(range(n + 4))


def test_dask_workers_racing_for_the_same_points_compute_each_once(dask_client, tmp_path, log):
    f = archived(tmp_path / "shared", ignore=("log",))(work)
    with parallel_config(backend="dask"):
        grid = [{"x": x, "log": log} for x in [0, 1, 2, 3] * 3]
        assert sweep(f, grid, progress=False) == [0, 1, 4, 9] * 3
    assert sorted(x for *_, x in computed(log)) == [0, 1, 2, 3]


# ---- Ray (an optional extra) ---------------------------------------------------------------


@pytest.fixture(scope="module")
def ray_backend():
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'archived[ray]')")
    from ray.util.joblib import register_ray

    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        # Ray's workers start elsewhere: they get this archived's source, not an installed one
        runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join((TESTS, SOURCE))}},
    )
    # Ray's backend makes joblib's PicklingPool a Ray pool for good (it sets the class's
    # __bases__ when configured): restored here, or a later test of the multiprocessing
    # backend ran its workers as Ray actors, without this archived on their path.  And
    # Ray's progress bars replace builtins.print for good when first shown (a slow task,
    # on a busy machine): a later doctest printing print got ray's safe_print
    import builtins

    from joblib.pool import PicklingPool

    bases, printer = PicklingPool.__bases__, builtins.print
    register_ray()
    try:
        yield
    finally:
        PicklingPool.__bases__ = bases
        builtins.print = printer
        ray.shutdown()


def test_ray_sweep_computes_each_point_once_on_ray_workers(ray_backend, cached, log):
    grid = {"x": range(12), "log": [log]}
    with parallel_config(backend="ray", n_jobs=2):
        assert sweep(cached, grid, progress=False) == [x * x for x in range(12)]
        handles = sweep(cached, grid, progress=False, results="lazy")
    assert [h.load() for h in handles] == [x * x for x in range(12)]
    lines = computed(log)
    assert sorted(x for *_, x in lines) == list(range(12))
    assert os.getpid() not in {pid for pid, *_ in lines}


RAY_SCRIPT = """
import os, sys
import ray
from joblib import parallel_config
from ray.util.joblib import register_ray
from archived import archived, sweep

@archived(sys.argv[1])
def square(x):
    return (x * x, os.getpid())

if __name__ == "__main__":
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": sys.argv[2]}})
    register_ray()
    with parallel_config(backend="ray", n_jobs=2):
        out = sweep(square, {"x": range(6)}, progress=False)
    print([value for value, _ in out])
    print(os.getpid() not in {pid for _, pid in out})
    ray.shutdown()
"""


def test_a_script_sweeps_its_own_function_on_ray_workers(tmp_path):
    pytest.importorskip("ray", reason="Ray is not installed (pip install 'archived[ray]')")
    script = tmp_path / "script.py"
    script.write_text(RAY_SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "squares"), SOURCE],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split("\n")[:2] == [str([x * x for x in range(6)]), "True"]


# ---- a worker that dies mid-sweep (killed, out of memory) ------------------------------------


def work_or_die(x, log=None, died=None):
    """``work``, but the first worker to reach x=5 is SIGKILLed there."""
    if x == 5 and not os.path.exists(died):
        open(died, "w").close()
        os.kill(os.getpid(), signal.SIGKILL)
    return work(x, log)


def test_a_loky_worker_killed_mid_sweep_stops_it_with_every_finished_point_kept(tmp_path, log):
    from joblib.externals.loky.process_executor import TerminatedWorkerError

    f = archived(tmp_path / "runs", ignore=("log", "died"))(work_or_die)
    grid = {"x": range(12), "log": [log], "died": [str(tmp_path / "died")]}
    with pytest.raises(TerminatedWorkerError) as info:
        sweep(f, grid, n_jobs=2, backend="loky", progress=False)
    stored = {p.parameters["x"] for p in sweep_status(f, grid).done}
    assert 5 not in stored
    (note,) = [n for n in info.value.__notes__ if "points were stored" in n]
    # counted as the sweep stopped: the other worker may still have committed one since,
    # which the note says
    assert "may be stored after this note" in note
    assert 0 <= int(note.split()[1]) <= len(stored), note
    assert 12 - len(stored) <= int(note.rstrip(")").split()[-1]), note  # "at most N" left
    before = [x for *_, x in computed(log)]  # (the other worker, stopped, may be mid-point)
    assert stored <= set(before)
    assert sweep(f, grid, n_jobs=2, backend="loky", progress=False) == [x * x for x in range(12)]
    rerun = [x for *_, x in computed(log)][len(before) :]
    assert not set(rerun) & stored and len(rerun) == len(set(rerun))  # the rest, each once
    assert set(before) | set(rerun) == set(range(12))


def test_a_dask_worker_killed_mid_sweep_has_its_points_run_on_another(dask_client, tmp_path, log):
    f = archived(tmp_path / "runs", ignore=("log", "died"))(work_or_die)
    grid = {"x": range(12), "log": [log], "died": [str(tmp_path / "died")]}
    try:
        with parallel_config(backend="dask"):
            assert sweep(f, grid, progress=False) == [x * x for x in range(12)]
    finally:
        dask_client.wait_for_workers(2, timeout=600)  # the nanny restarts the killed one
    assert os.path.exists(tmp_path / "died")
    assert sorted(x for *_, x in computed(log)) == list(range(12))
