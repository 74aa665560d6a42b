"""Sweeps: grid order, skipping stored points, interruption, failures, status, progress.

Each computation appends its point to a counter file (an ignored parameter), so the file
shows exactly what was computed, across threads and processes.
"""

import gc
import io
import os
import re
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from archived import NumericTypeWarning, archived
from archived.cache.sweeps import grid_points, recorded_sweeps, sweep, sweep_status
from archived.store.dataset import DataSet


def work(x, y=0, counter=None, stop_at=None, fail_at=None):
    """The experiment: log the computation, maybe stop like Ctrl-C or fail, return x*10+y."""
    if x == stop_at:
        raise KeyboardInterrupt
    if x == fail_at:
        raise ValueError(f"bad point {x}")
    with open(counter, "a") as f:
        f.write(f"{x},{y}\n")
    return x * 10 + y


def computed(counter):
    try:
        with open(counter) as f:
            return [tuple(int(v) for v in line.split(",")) for line in f]
    except FileNotFoundError:
        return []


@pytest.fixture
def cached(tmp_path):
    return archived(tmp_path / "runs", ignore=("counter", "stop_at", "fail_at"))(work)


@pytest.fixture
def counter(tmp_path):
    return str(tmp_path / "counter.txt")


def test_dict_grid_is_the_cartesian_product_with_the_last_key_fastest():
    assert grid_points({"x": [1, 2], "y": [0, 5, 7]}) == [
        {"x": 1, "y": 0}, {"x": 1, "y": 5}, {"x": 1, "y": 7},
        {"x": 2, "y": 0}, {"x": 2, "y": 5}, {"x": 2, "y": 7},
    ]  # fmt: skip


def test_list_grid_is_taken_in_its_own_order():
    assert grid_points([{"x": 3}, {"x": 1, "y": 2}]) == [{"x": 3}, {"x": 1, "y": 2}]


@pytest.mark.parametrize(
    "grid, message",
    [
        ({"x": 3}, r"grid value of 'x' must be a list.*write \[3\]"),
        ({"x": "abc"}, "grid value of 'x'"),
        (5, "a grid is a dict of lists or a list of dicts"),
        ([{"x": 1}, 2], "grid point 1 must be a dict"),
    ],
)
def test_bad_grids_raise_type_errors_naming_the_problem(grid, message):
    with pytest.raises(TypeError, match=message):
        grid_points(grid)


@pytest.mark.parametrize(
    "values",
    [np.zeros((4, 3)), np.zeros((2, 2, 2)), pytest.param("frame", id="DataFrame")],
)
def test_a_grid_value_of_several_dimensions_is_refused_not_split_into_rows(values):
    # {"init": np.zeros((4, 3))} meant one fixed array, and gave four points of one row
    # each (a DataFrame: a point per column name), computed and stored without a word
    if isinstance(values, str):
        pd = pytest.importorskip("pandas")
        values = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]})
    with pytest.raises(TypeError, match=r"grid value of 'init' is a \d-dimensional.*\[init\]"):
        grid_points({"x": [1, 2], "init": values})
    assert grid_points({"init": [values]})[0]["init"] is values
    assert len(grid_points({"init": list(values)})) == len(values)


def test_a_one_dimensional_array_is_a_list_of_values_and_a_0d_array_is_refused():
    assert grid_points({"x": np.array([0.5, 1.5])}) == [{"x": 0.5}, {"x": 1.5}]
    with pytest.raises(TypeError, match=r"grid value of 'x' must be a list.*write \["):
        grid_points({"x": np.array(2.0)})


def test_sweep_returns_results_in_grid_order_and_computes_each_point_once(cached, counter):
    grid = {"x": [3, 1, 2], "y": [1, 0], "counter": [counter]}
    assert sweep(cached, grid, progress=False) == [31, 30, 11, 10, 21, 20]
    assert sorted(computed(counter)) == [(1, 0), (1, 1), (2, 0), (2, 1), (3, 0), (3, 1)]


@pytest.mark.parametrize("enabled", [True, False])
def test_points_computed_in_the_driver_run_with_the_collector_as_the_caller_had_it(
    tmp_path, enabled
):
    # the sweep pauses the collector while it keys, looks up and reads back its points;
    # the user's function runs with it as it was, and it is as it was after the sweep
    @archived(str(tmp_path / "runs"))
    def collector_on(x):
        return gc.isenabled()

    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        assert sweep(collector_on, {"x": [1, 2]}, progress=False) == [enabled, enabled]
        assert gc.isenabled() is enabled
        assert sweep(collector_on, {"x": [1, 2, 3]}, progress=False) == [enabled] * 3
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_threads_finishing_out_of_order_still_give_grid_order(cached, counter):
    grid = [{"x": x, "counter": counter} for x in range(12, 0, -1)]
    results = sweep(cached, grid, n_jobs=3, backend="threading", progress=False)
    assert results == [x * 10 for x in range(12, 0, -1)]
    assert sorted(computed(counter)) == [(x, 0) for x in range(1, 13)]


def test_loky_workers_store_every_point_once(cached, counter):
    grid = {"x": [1, 2, 3, 4], "counter": [counter]}
    assert sweep(cached, grid, n_jobs=2, backend="loky", progress=False) == [10, 20, 30, 40]
    assert sweep(cached, grid, n_jobs=2, backend="loky", progress=False) == [10, 20, 30, 40]
    assert sorted(computed(counter)) == [(1, 0), (2, 0), (3, 0), (4, 0)]


def test_running_again_computes_only_the_new_points(cached, counter):
    sweep(cached, {"x": [1, 2], "counter": [counter]}, progress=False)
    results = sweep(cached, {"x": [0, 1, 2, 3], "counter": [counter]}, progress=False)
    assert results == [0, 10, 20, 30]
    assert computed(counter) == [(1, 0), (2, 0), (0, 0), (3, 0)]


@pytest.mark.parametrize("stop_at", [5, 30])
def test_interrupted_sweep_says_how_many_points_are_stored_counting_its_unreported_chunk(
    cached, counter, stop_at
):
    # points run in chunks, and the driver hears of a chunk's points only when the whole
    # chunk returns: the note counted only those, though the interrupted chunk had
    # committed the points before the interrupt ('1 of 40 stored', 5 were)
    xs = list(range(40))
    with pytest.raises(KeyboardInterrupt) as info:
        sweep(cached, {"x": xs, "counter": [counter], "stop_at": [stop_at]}, progress=False)
    stored = len(sweep_status(cached, {"x": xs, "counter": [counter]}).done)
    assert stored == stop_at
    assert info.value.__notes__ == [
        f"archived.sweep: {stored} of 40 points are stored or finished; run the sweep "
        f"again to compute the {40 - stored} left"
    ]


_RELEASE = threading.Event()
_STARTED = threading.Event()


def held_or_stop(x):
    """x=0 runs until the test releases it; x=1 stops the sweep once x=0 is running."""
    if x == 0:
        _STARTED.set()
        _RELEASE.wait(120)
        return 0
    _STARTED.wait(120)
    raise KeyboardInterrupt


def test_a_point_still_running_on_a_worker_when_the_sweep_stops_is_not_counted_as_left(tmp_path):
    # the note counted the points stored as the sweep stopped and said how many were
    # left, exactly: a thread (or a dask task) still running then stored its point after
    # the note was printed, and the note undercounted
    f = archived(tmp_path / "runs")(held_or_stop)
    _STARTED.clear()
    _RELEASE.clear()
    try:
        with pytest.raises(KeyboardInterrupt) as info:
            sweep(f, {"x": [0, 1]}, n_jobs=2, backend="threading", progress=False)
    finally:
        _RELEASE.set()
    [note] = info.value.__notes__
    assert note == (
        "archived.sweep: 0 of 2 points were stored or finished when the sweep stopped, and "
        "points the workers were still running may be stored after this note; run the "
        "sweep again to compute the rest (at most 2)"
    )
    deadline = time.monotonic() + 120  # not a timing condition: only a bound on a hang
    while sweep_status(f, {"x": [0, 1]})[0].state != "done":
        assert time.monotonic() < deadline, "the released point was never stored"
        time.sleep(0.01)
    assert [p.state for p in sweep_status(f, {"x": [0, 1]})] == ["done", "missing"]


@pytest.mark.parametrize("n_jobs, backend", [(1, None), (2, "threading")])
def test_interrupted_sweep_keeps_finished_points_and_rerun_computes_only_the_rest(
    cached, counter, n_jobs, backend
):
    xs = list(range(8))
    grid = {"x": xs, "counter": [counter], "stop_at": [5]}
    with pytest.raises(KeyboardInterrupt) as info:
        sweep(cached, grid, n_jobs=n_jobs, backend=backend, progress=False)
    if hasattr(info.value, "__notes__"):
        assert "run the sweep again" in info.value.__notes__[0]
    status = sweep_status(cached, {"x": xs, "counter": [counter]})
    # threads already running may still finish (and commit) after the interrupt: read
    # the counter after the status, every point done then was computed before
    first = computed(counter)
    assert {tuple(p.parameters.values()) for p in status.done} <= set(first)
    if n_jobs == 1:
        assert first == [(x, 0) for x in range(5)]
    assert all(x != 5 for x, _ in first)
    # the interrupted point left no failure record: it is missing, not failed
    assert status.counts()["failed"] == 0
    assert status[5].state == "missing"

    results = sweep(cached, {"x": xs, "counter": [counter]}, progress=False)
    assert results == [x * 10 for x in xs]
    assert sorted(computed(counter)) == [(x, 0) for x in xs]  # no point computed twice


def test_sequential_interrupt_at_point_k_stored_exactly_the_points_before_it(cached, counter):
    with pytest.raises(KeyboardInterrupt):
        sweep(cached, {"x": range(6), "counter": [counter], "stop_at": [3]}, progress=False)
    assert computed(counter) == [(0, 0), (1, 0), (2, 0)]
    assert [p.state for p in sweep_status(cached, {"x": range(6)})] == [
        "done", "done", "done", "missing", "missing", "missing",
    ]  # fmt: skip


def test_first_failure_stops_the_sweep_with_its_error_and_keeps_earlier_points(cached, counter):
    with pytest.raises(ValueError, match="bad point 2"):
        sweep(cached, {"x": range(5), "counter": [counter], "fail_at": [2]}, progress=False)
    assert computed(counter) == [(0, 0), (1, 0)]


def test_errors_return_puts_exceptions_in_place_and_goes_on(cached, counter):
    grid = {"x": range(4), "counter": [counter], "fail_at": [1]}
    results = sweep(cached, grid, progress=False, errors="return")
    assert results[0] == 0 and results[2:] == [20, 30]
    assert isinstance(results[1], ValueError) and str(results[1]) == "bad point 1"


def test_status_shows_done_failed_and_missing_with_times_and_the_recorded_error(cached, counter):
    sweep(cached, {"x": [1, 2], "counter": [counter], "fail_at": [2]}, errors="return",
          progress=False)  # fmt: skip
    status = sweep_status(cached, {"x": [1, 2, 3]})
    assert [p.state for p in status] == ["done", "failed", "missing"]
    done, failed, missing = status
    assert done.parameters == {"x": 1, "y": 0}
    assert done.duration is not None and done.duration >= 0 and done.started
    assert done.entry.startswith("work_")
    assert failed.error == "ValueError: bad point 2" and failed.duration is not None
    assert failed.entry.endswith("_failed")
    assert missing.entry is None and missing.duration is None
    assert status.counts() == {"done": 1, "failed": 1, "missing": 1}
    text = str(status)
    assert "1 done, 1 failed, 1 missing" in text
    assert re.search(r"x=2 y=0 +failed +\d+(?:\.\d)? (?:us|ms) +ValueError: bad point 2\n", text)
    assert re.search(r"x=3 y=0 +missing$", text)


def test_a_point_that_failed_and_then_succeeded_is_done(cached, counter):
    sweep(cached, {"x": [2], "counter": [counter], "fail_at": [2]}, errors="return",
          progress=False)  # fmt: skip
    sweep(cached, {"x": [2], "counter": [counter]}, progress=False)
    assert [p.state for p in sweep_status(cached, {"x": [2]})] == ["done"]


def test_recorded_sweeps_give_the_status_from_the_store_alone(tmp_path, cached, counter):
    sweep(cached, {"x": [1, 2, 3], "counter": [counter], "fail_at": [3]}, errors="return",
          progress=False)  # fmt: skip
    cached.dataset.__delattr__(cached.store.find(cached.prefix, *_key(cached, x=2)).name)
    (status,) = recorded_sweeps(DataSet("runs", path=str(tmp_path)))
    assert [p.state for p in status] == ["done", "missing", "failed"]
    assert cached.identity in status.function


def test_a_damaged_point_is_missing_from_the_status_not_an_error(tmp_path, cached, counter):
    # one entry whose info does not load made sweep_status raise and ls --status fail
    grid = {"x": [1, 2], "counter": [counter]}
    sweep(cached, grid, progress=False)
    path = os.path.join(
        cached.store.path, cached.store.find(cached.prefix, *_key(cached, x=2)).name
    )
    with open(path + ".py") as f:
        text = f.read()
    with open(path + ".py", "w") as f:
        f.write(text.replace("info = {", "info = {("))  # a typo
    assert [p.state for p in sweep_status(cached, {"x": [1, 2]})] == ["done", "missing"]
    (status,) = recorded_sweeps(DataSet("runs", path=str(tmp_path)))
    assert [p.state for p in status] == ["done", "missing"]
    assert sweep(cached, grid, progress=False) == [10, 20]  # set aside, computed again
    assert [p.state for p in sweep_status(cached, {"x": [1, 2]})] == ["done", "done"]


def test_the_same_grid_twice_records_one_sweep(tmp_path, cached, counter):
    grid = {"x": [1], "counter": [counter]}
    sweep(cached, grid, progress=False)
    sweep(cached, grid, progress=False)
    sweep(cached, {"x": [1, 2], "counter": [counter]}, progress=False)
    assert len(list(recorded_sweeps(DataSet("runs", path=str(tmp_path))))) == 2


class Terminal(io.StringIO):
    """stderr as a terminal: progress bars are drawn on it."""

    def isatty(self):
        return True


def test_progress_bar_is_drawn_on_a_terminal_and_quiet_mode_prints_nothing(
    cached, counter, monkeypatch
):
    pytest.importorskip("tqdm")
    monkeypatch.setattr(sys, "stderr", Terminal())
    sweep(cached, {"x": [1, 2], "counter": [counter]}, progress=True)
    err = sys.stderr.getvalue()
    assert "2/2" in err and "work" in err and "\r" in err
    monkeypatch.setattr(sys, "stderr", Terminal())
    sweep(cached, {"x": [1, 2, 3], "counter": [counter]}, progress=False)
    assert sys.stderr.getvalue() == ""


def test_without_tqdm_a_plain_counter_shows_progress(cached, counter, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    monkeypatch.setattr(sys, "stderr", Terminal())
    sweep(cached, {"x": [1, 2], "counter": [counter]}, progress=True)
    err = sys.stderr.getvalue()
    assert "work: 0/2 points" in err and "work: 2/2 points" in err


def test_a_sweep_without_stderr_shows_no_progress_and_runs(cached, counter, monkeypatch):
    monkeypatch.setattr(sys, "stderr", None)  # pythonw, a daemon
    assert sweep(cached, {"x": [1, 2], "counter": [counter]}, progress=True) == [10, 20]


def test_progress_in_a_log_file_is_a_few_plain_lines_not_bar_redraws(cached, counter, capsys):
    # stderr of a cluster job is a file: each redraw of a bar stayed in it, a line per
    # point or more; a log gets the start, each tenth of the points and the end
    sweep(cached, {"x": range(30), "counter": [counter]}, progress=True)
    sweep(cached, {"x": range(60), "counter": [counter]}, progress=True)
    err = capsys.readouterr().err
    assert "\r" not in err
    lines = err.splitlines()
    assert lines[0] == "work: 0/30 points" and "work: 30/30 points" in lines
    assert lines[lines.index("work: 30/60 points") :] == [
        f"work: {n}/60 points" for n in [30, *range(36, 61, 6)]
    ]
    assert len(lines) <= 2 * 12


def test_a_rerun_with_every_point_stored_writes_no_progress_to_a_log(cached, counter, capsys):
    # a finished 300-point study run again in a batch job wrote 'work: 300/300 points'
    # to its log at every rerun (a loop of such sweeps, a line each): nothing computed,
    # nothing for a log to keep; a terminal still shows its bar
    grid = {"x": range(300), "counter": [counter]}
    sweep(cached, grid, progress=True)
    assert capsys.readouterr().err.splitlines()[-1] == "work: 300/300 points"
    for _ in range(3):
        sweep(cached, grid, progress=True)
    assert capsys.readouterr().err == ""
    sweep(cached, {"x": range(301), "counter": [counter]}, progress=True)  # one to compute
    assert capsys.readouterr().err.splitlines() == ["work: 300/301 points", "work: 301/301 points"]


def test_sweep_refuses_an_undecorated_function():
    with pytest.raises(TypeError, match="decorated with @archived"):
        sweep(work, {"x": [1]})


def test_a_misspelt_grid_key_is_named_as_no_parameter_not_only_as_a_missing_one(cached):
    # 'missing a required argument: x' alone left the misspelling to be found by eye
    with pytest.raises(TypeError) as info:
        sweep(cached, {"xx": [1, 2]}, progress=False)
    assert str(info.value).endswith(
        "missing a required argument: 'x'; 'xx' is not among its parameters "
        "(x, y, counter, stop_at, fail_at)"
    )


def test_a_point_that_does_not_fit_the_signature_is_named_before_anything_runs(cached, counter):
    with pytest.raises(TypeError, match=r"grid point \{'x': 1, 'z': 2.*does not fit"):
        sweep(cached, [{"x": 1, "counter": counter}, {"x": 1, "z": 2}], progress=False)
    assert computed(counter) == []


def test_unknown_errors_mode_is_refused(cached):
    with pytest.raises(ValueError, match="errors must be one of"):
        sweep(cached, {"x": [1]}, errors="ignore")


def _key(func, **kwargs):
    call = func.call_key(**kwargs)
    return call.key, call.parameters


# Points 0-2 finish; points from 3 on wait for the gate file, which exists only for the
# rerun: Ctrl-C then always lands with exactly 0-2 done, however busy the machine is.
SCRIPT = """
import os, signal, sys, time
from archived import archived, sweep

# Ctrl-C raises KeyboardInterrupt, as in a terminal, even when this test runs with SIGINT
# ignored (as background jobs and some CI runners start it), which children inherit
signal.signal(signal.SIGINT, signal.default_int_handler)

def slow(x, counter=None, gate=None):
    with open(counter, "a") as f:
        f.write(f"start {x}\\n")
    while x >= 3 and not os.path.exists(gate):
        time.sleep(0.02)
    return x * x

f = archived(sys.argv[1], ignore=("counter", "gate"))(slow)
print(sweep(f, {"x": range(12), "counter": [sys.argv[2]], "gate": [sys.argv[3]]}, n_jobs=2,
            backend="loky", progress=False))
"""


def _done_points(store):
    if not os.path.isdir(store):
        return set()
    statuses = list(recorded_sweeps(DataSet(os.path.basename(store), path=os.path.dirname(store))))
    return {p.parameters["x"] for s in statuses for p in s.done}


def test_ctrl_c_on_a_loky_sweep_loses_no_finished_point_and_the_rerun_does_the_rest(tmp_path):
    script = tmp_path / "sweep_script.py"
    script.write_text(SCRIPT)
    store, counter = str(tmp_path / "squares"), str(tmp_path / "counter.txt")
    gate = tmp_path / "gate"
    command = [sys.executable, str(script), store, counter, str(gate)]
    child = subprocess.Popen(command, start_new_session=True, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 600  # only against a hang: points 0-2 always finish
        while _done_points(store) != {0, 1, 2}:
            assert child.poll() is None, child.communicate()[1]
            assert time.monotonic() < deadline, "points 0-2 never finished"
            time.sleep(0.05)
        os.killpg(child.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends: the group
        _, err = child.communicate(timeout=600)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    assert child.returncode != 0 and "KeyboardInterrupt" in err
    assert _done_points(store) == {0, 1, 2}
    starts_before = len(computed_lines(counter))

    gate.touch()
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.strip() == str([x * x for x in range(12)])
    recomputed = computed_lines(counter)[starts_before:]
    assert sorted(int(line.split()[1]) for line in recomputed) == list(range(3, 12))


def computed_lines(counter):
    with open(counter) as f:
        return f.read().splitlines()


def test_copies_of_a_store_received_by_one_worker_open_it_once(tmp_path):
    # every batch of a sweep brings its own copy of the function's store; opening the
    # store lists its whole directory, so a worker opens it once per thread and options
    import pickle
    import threading

    from archived.cache.callstore import CallStore

    store = CallStore(tmp_path / "runs", durable=False)
    first, second = (pickle.loads(pickle.dumps(store)) for _ in range(2))
    assert first.dataset is second.dataset
    other_options = pickle.loads(pickle.dumps(CallStore(tmp_path / "runs", durable=True)))
    assert other_options.dataset is not first.dataset
    in_thread = []
    worker = threading.Thread(target=lambda: in_thread.append(second.dataset))
    worker.start()
    worker.join()
    assert in_thread[0] is not first.dataset
    first.commit("f_1", [1], {"function": "m.f", "parameters": {"n": 1}})
    assert second.load("f_1") == [1]


# The driver imports the experiment, then the file is edited (the user starts on the next
# run) before the loky workers, started afresh, import it: they would run the new code.
EDITED_DURING_SWEEP = """
import sys
sys.dont_write_bytecode = True  # the edited file keeps its size class; no stale .pyc
sys.path.insert(0, sys.argv[1])
import experiment
from archived import sweep
from archived.errors import CodeChangedError

with open(experiment.__file__) as f:
    source = f.read()
with open(experiment.__file__, "w") as f:
    f.write(source.replace("x + 1000", "x + 20000"))
try:
    print(sweep(experiment.f, {"x": [1, 2, 3, 4]}, n_jobs=2, backend="loky", progress=False))
except CodeChangedError as err:
    print("refused:", err)
"""

EXPERIMENT = """
from archived import archived

@archived({store!r})
def f(x):
    return x + 1000
"""


def _run_experiment(tmp_path, script):
    """Run ``script`` (a driver of ``experiment.f``, whose store is ``tmp_path/runs``) in
    a new process; its standard output."""
    (tmp_path / "experiment.py").write_text(EXPERIMENT.format(store=str(tmp_path / "runs")))
    path = tmp_path / "drive.py"
    path.write_text(script)
    run = subprocess.run([sys.executable, str(path), str(tmp_path)], capture_output=True,
                         text=True, timeout=600)  # fmt: skip
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_a_sweep_refuses_workers_running_other_code_than_the_driver_keyed(tmp_path):
    stdout = _run_experiment(tmp_path, EDITED_DURING_SWEEP)
    assert stdout.startswith("refused:"), stdout
    assert "experiment.f" in stdout
    # nothing the new code computed is stored under the old code's keys
    ds = DataSet("runs", path=str(tmp_path))
    assert [getattr(ds, name) for name in ds if not name.startswith("f_sweep")] == []


# A notebook: a sweep, then the experiment edited and reloaded in the driver, then another
# sweep; loky keeps its workers, which imported the old code for the first sweep.
RELOADED_BETWEEN_SWEEPS = """
import importlib, sys
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])
import experiment
from archived import sweep
from archived.errors import CodeChangedError

print(sweep(experiment.f, {"x": [1, 2]}, n_jobs=2, backend="loky", progress=False))
with open(experiment.__file__) as f:
    source = f.read()
with open(experiment.__file__, "w") as f:
    f.write(source.replace("x + 1000", "x + 20000"))
importlib.reload(experiment)
try:
    print(sweep(experiment.f, {"x": [3, 4]}, n_jobs=2, backend="loky", progress=False))
except CodeChangedError as err:
    print("refused:", err)
"""


def test_a_sweep_after_a_reload_refuses_the_workers_loky_kept_with_the_old_code(tmp_path):
    first, second = _run_experiment(tmp_path, RELOADED_BETWEEN_SWEEPS).splitlines()
    assert first == "[1001, 1002]"
    assert second.startswith("refused:") and "get_reusable_executor().shutdown" in second
    ds = DataSet("runs", path=str(tmp_path))
    values = sorted(getattr(ds, name) for name in ds if not name.startswith("f_sweep"))
    assert values == [1001, 1002]  # the old code's results only, under the old code's keys


def test_a_warning_of_a_point_run_in_the_driver_points_at_the_sweep_call(cached, counter):
    # joblib runs the points of n_jobs=None in the driver: the NumericTypeWarning of a
    # point typed otherwise than its stored twin pointed at joblib/parallel.py
    import warnings

    import numpy as np

    from archived.errors import NumericTypeWarning

    cached(1, counter=counter)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sweep(cached, {"x": [np.int64(1)], "counter": [counter]}, progress=False)
    [warning] = [w for w in caught if issubclass(w.category, NumericTypeWarning)]
    assert warning.filename == __file__


@pytest.mark.parametrize("n_jobs, backend", [(1, None), (2, "threading")])
def test_a_point_that_stops_a_sweep_is_named_in_a_note_of_its_error(tmp_path, n_jobs, backend):
    # the error raised in a worker named no argument: 'ValueError: math domain error',
    # and which of 64 points raised it was left to guess
    def root(x):
        if x < 0:
            raise ValueError("math domain error")
        return x**0.5

    f = archived(str(tmp_path / "roots"))(root)
    with pytest.raises(ValueError) as err:
        sweep(f, {"x": [4, -1, 9]}, n_jobs=n_jobs, backend=backend, progress=False)
    assert any("raised at the point x=-1" in note for note in err.value.__notes__)
    assert any("errors='return'" in note for note in err.value.__notes__)


def test_a_sweep_after_an_edit_warns_once_that_it_computes_points_of_the_old_version(
    tmp_path,
):
    # an edit gives new keys: the sweep run after it computes every point again, which
    # joblib.Memory says (as it clears the cache) and archived did not
    import warnings

    from archived import StaleVersionWarning

    def square(x):
        return x * x

    store = str(tmp_path / "runs")
    assert sweep(archived(store, version="1")(square), {"x": [1, 2]}, progress=False) == [1, 4]
    edited = archived(store)(square)
    edited.version = "2"  # as an edit of its source gives (version= says results change)
    with pytest.warns(StaleVersionWarning) as caught:
        assert sweep(edited, {"x": [1, 2, 3]}, progress=False) == [1, 4, 9]
    [warning] = caught
    assert warning.message.version == "1"
    assert str(warning.message).startswith("2 of the 3 points to compute are stored as calls")
    assert "version='1'" in str(warning.message) and "prune_stale()" in str(warning.message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per store, function and version
        assert sweep(edited, {"x": [4, 1]}, progress=False) == [16, 1]
        # pinned back to the old version, its results answer again: nothing to compute
        assert sweep(archived(store, version="1")(square), {"x": [1, 2]}, progress=False)


def test_the_stale_version_warning_names_the_commonest_version_a_tie_the_first_met(tmp_path):
    # points each stored by a version of their own (a crafted store): the version to name
    # was found by counting the points once per version, 6 s for 20,000 points and 52 s
    # for 50,000, and of tied versions the one a set of them listed first, another in
    # each process (here one of 100: this fails 99 times in 100 on that code)
    from archived import StaleVersionWarning
    from archived.cache.calls import key_call
    from archived.cache.callstore import CallStore
    from archived.cache.hashing import hash_call
    from archived.cache.stalemiss import warn_stale_points

    ds = DataSet("runs", "w", path=str(tmp_path), durable=False)
    for i in range(201):
        version = "v50" if i == 200 else f"v{i % 100}"
        key = hash_call("m.f", version, {"x": i})  # (its own: another is an edited record)
        info = {"function": "m.f", "version": version, "key": key, "status": "ok"}
        ds._insert(i, info={**info, "parameters": {"x": i}}, name=f"f_{i:016x}")
    calls = [key_call("m.f", "new", "f", {"x": i}) for i in range(201)]
    store = CallStore(str(tmp_path / "runs"))
    with pytest.warns(StaleVersionWarning) as caught:
        warn_stale_points(store, calls[:200])  # 100 versions, two points each
    [warning] = caught
    assert warning.message.version == "v0"
    assert str(warning.message).startswith(
        "2 of the 200 points to compute are stored as calls of f's version v0 (198 more are "
        "stored by other versions)"
    )
    with pytest.warns(StaleVersionWarning) as caught:
        warn_stale_points(store, [key_call("m.f", "newer", "f", c.parameters) for c in calls])
    assert caught[0].message.version == "v50"  # three points, the others two


def test_after_two_edits_the_stale_version_warning_names_the_version_run_last(tmp_path):
    # it named the first other version in the store's name order: after two edits, as
    # likely the first code as the one run last, whose version is the one to pin
    import warnings

    from archived import StaleVersionWarning

    def square(x):
        return x * x

    store = str(tmp_path / "runs")
    entries = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StaleVersionWarning)  # of 'a', while making 'b'
        for version in ("a", "b"):
            f = archived(store, version=version)(square)
            assert sweep(f, {"x": [1]}, progress=False) == [1]
            [entries[version]] = [c.name for c in f.calls()]
        first, second = sorted(entries, key=entries.get)  # by entry name: the store's order
        # make the version whose entry comes first the older one: computed again, after
        os.remove(os.path.join(store, entries[second] + ".py"))
        assert sweep(archived(store, version=second)(square), {"x": [1]}, progress=False) == [1]
    with pytest.warns(StaleVersionWarning) as caught:
        sweep(archived(store, version="c")(square), {"x": [1]}, progress=False)
    [warning] = caught
    assert warning.message.version == second, str(warning.message)


def test_a_sweep_of_new_points_or_new_numeric_types_gives_no_stale_version_warning(tmp_path):
    import warnings

    def cube(x):
        return x**3

    store = str(tmp_path / "runs")
    sweep(archived(store, version="1")(cube), {"x": [1, 2]}, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # x=1.0 is another call than x=1 (a NumericTypeWarning's business, not this one's)
        warnings.filterwarnings("ignore", category=NumericTypeWarning)
        assert sweep(archived(store, version="2")(cube), {"x": [3, 1.0]}, progress=False)


def _tenfold(x):
    return 10 * x


def test_sweep_status_counts_a_point_whose_entry_records_other_parameters_as_missing(
    tmp_path,
):
    # a point is done where a sweep takes its stored result: an entry of its key whose
    # parameters were edited by hand is no hit (the sweep computes that point, without
    # storing it), and sweep_status called it done
    f = archived(str(tmp_path / "runs"))(_tenfold)
    grid = {"x": [1, 2, 3]}
    sweep(f, grid, progress=False)
    [edited] = [c.name for c in f.calls() if c.parameters["x"] == 2]
    path = tmp_path / "runs" / (edited + ".py")
    path.write_text(path.read_text().replace("{'x': 2}", "{'x': 7}"))
    with pytest.warns(RuntimeWarning, match="other parameters"):
        status = sweep_status(f, grid)
    assert [p.state for p in status] == ["done", "missing", "done"]
    with pytest.warns(RuntimeWarning, match="other parameters"):
        assert sweep(f, grid, progress=False) == [10, 20, 30]  # the point it computes


def test_recorded_sweeps_count_an_edited_entry_as_missing_as_sweep_status_does(tmp_path):
    # ls --status (recorded_sweeps) called done a point whose entry records other
    # parameters, or a value edited by hand: the sweep takes neither (it computes both
    # points, without storing them), and sweep_status already called them missing
    from archived.errors import EditedEntryWarning

    f = archived(str(tmp_path / "runs"))(_tenfold)
    grid = {"x": [1, 2, 3]}
    sweep(f, grid, progress=False)
    names = {c.parameters["x"]: c.name for c in f.calls()}
    params = tmp_path / "runs" / (names[2] + ".py")
    params.write_text(params.read_text().replace("{'x': 2}", "{'x': 7}"))
    value = tmp_path / "runs" / (names[3] + ".py")
    line = f"\n{names[3]} = 30\n"
    assert line in value.read_text()
    value.write_text(value.read_text().replace(line, f"\n{names[3]} = 31\n"))
    [status] = recorded_sweeps(DataSet("runs", path=str(tmp_path)))
    assert [p.state for p in status] == ["done", "missing", "missing"]
    with pytest.warns(RuntimeWarning, match="other parameters"):
        with pytest.warns(EditedEntryWarning):
            assert [p.state for p in sweep_status(f, grid)] == ["done", "missing", "missing"]


def test_a_sweep_after_version_is_bumped_never_advises_pinning_the_old_version_back(tmp_path):
    # version= bumped says the results change: the warning advised pinning the old
    # version "if the edit cannot change a result", whose results would then answer
    from archived import StaleVersionWarning

    def square(x):
        return x * x

    store = str(tmp_path / "runs")
    sweep(archived(store, version="1")(square), {"x": [1, 2]}, progress=False)
    with pytest.warns(StaleVersionWarning) as caught:
        sweep(archived(store, version="2")(square), {"x": [1, 2]}, progress=False)
    text = str(caught[0].message)
    assert "while version='2' is given" in text and "prune_stale()" in text
    assert "version='1'" not in text and "pin" not in text
