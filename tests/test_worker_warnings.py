"""A warning archived gives while a sweep's point runs in a worker names the user's
``sweep(...)`` line, as it does when the points run in the driver."""

import os
import re
import textwrap

import pytest

from helpers import run_python

SCRIPT = """
import sys
from archived import archived, sweep

@archived(sys.argv[1])
def loop(x):
    cycle = [x]
    cycle.append(cycle)  # a cycle: the result cannot be stored
    return cycle

if __name__ == "__main__":
    sweep(loop, {{"x": [1, 2]}}, n_jobs={n_jobs}, backend={backend!r}, progress=False)
"""


@pytest.mark.parametrize(
    ("n_jobs", "backend"),
    [(2, "loky"), (2, "multiprocessing"), (2, "threading"), (1, None)],
)
def test_a_warning_from_a_point_names_the_sweep_line(tmp_path, n_jobs, backend):
    # in a loky or multiprocessing worker it named multiprocessing/process.py:108, in a
    # threading worker threading.py: no line of the user's
    script = tmp_path / "experiment.py"
    script.write_text(textwrap.dedent(SCRIPT.format(n_jobs=n_jobs, backend=backend)))
    run = run_python(str(script), str(tmp_path / "store"))
    assert run.returncode == 0, run.stderr
    sweep_line = 1 + SCRIPT.splitlines().index(
        next(line for line in SCRIPT.splitlines() if "sweep(loop" in line)
    )
    found = re.findall(r"^(\S+):(\d+): ResultNotStoredWarning", run.stderr, re.M)
    assert len(found) == 2, run.stderr
    assert found == [(str(script), str(sweep_line))] * 2, run.stderr


NESTED = """
from archived import archived

@archived("store")
def inner(x):
    cycle = [x]
    cycle.append(cycle)
    return cycle

@archived("store")
def outer(x):
    return len(inner(x))
"""


def test_a_warning_of_a_cached_call_inside_a_point_names_the_line_of_that_call(tmp_path):
    # (the functions in a module: a script's own, sent to loky's workers by value, have
    # their file named '<dynamic-code>' by cloudpickle)
    (tmp_path / "nested.py").write_text(NESTED)
    script = tmp_path / "run.py"
    script.write_text(
        "from archived import sweep\nfrom nested import outer\n\n"
        "if __name__ == '__main__':\n"
        "    sweep(outer, {'x': [1]}, n_jobs=2, backend='loky', progress=False)\n"
    )
    run = run_python(str(script))
    assert run.returncode == 0, run.stderr
    line = 1 + NESTED.splitlines().index("    return len(inner(x))")
    found = re.findall(r"^(\S+):(\d+): ResultNotStoredWarning", run.stderr, re.M)
    assert found == [(str(tmp_path / "nested.py"), str(line))], run.stderr


SCRIPT_RAISING = """
import sys
import warnings
from archived import archived, sweep

@archived(sys.argv[1])
def f(x):
    warnings.warn(f"x={x} is odd")
    if x == 2:
        raise ValueError("bad x")
    return x

if __name__ == "__main__":
    sweep(f, {"x": [1, 2]}, n_jobs=2, backend="loky", progress=False)
"""


def test_a_script_s_function_in_a_loky_worker_keeps_its_file_in_warnings_and_tracebacks(
    tmp_path,
):
    # a script's function goes to loky's workers by value, and cloudpickle names its file
    # '<dynamic-code>': the user's own warning read '<dynamic-code>:8: UserWarning' and
    # the traceback of a failing point 'File "<dynamic-code>", line 10, in f', no line
    script = tmp_path / "experiment.py"
    script.write_text(SCRIPT_RAISING)
    run = run_python(str(script), str(tmp_path / "store"))
    assert run.returncode == 1 and "ValueError: bad x" in run.stderr
    assert "<dynamic-code>" not in run.stderr
    lines = SCRIPT_RAISING.splitlines()
    warned = 1 + lines.index('    warnings.warn(f"x={x} is odd")')
    assert f"{script}:{warned}: UserWarning: x=2 is odd" in run.stderr
    raised = 1 + lines.index('        raise ValueError("bad x")')
    assert f'File "{script}", line {raised}, in f\n    raise ValueError("bad x")' in run.stderr


PLAIN_MODULE = """
from archived import archived

@archived("store")
def loop(x):
    cycle = [x]
    cycle.append(cycle)  # a cycle: the result cannot be stored
    return cycle
"""

PLAIN_SCRIPT = """
import sys
from joblib import Parallel, delayed
from plain_loop import loop

if __name__ == "__main__":
    Parallel(n_jobs=2, backend=sys.argv[1])(delayed(loop)(x) for x in range(2))
"""


@pytest.mark.parametrize("backend", ["loky", "multiprocessing", "threading"])
def test_a_warning_from_a_plain_joblib_worker_names_the_decorated_function(tmp_path, backend):
    # Parallel(...)(delayed(f)(x) ...), no sweep: the warning named
    # multiprocessing/process.py:108 (loky) or multiprocessing/pool.py:125, no line of
    # the user's; there is none below a worker's call, so it names f's definition
    (tmp_path / "plain_loop.py").write_text(PLAIN_MODULE)
    script = tmp_path / "run.py"
    script.write_text(PLAIN_SCRIPT)
    run = run_python(str(script), backend)
    assert run.returncode == 0, run.stderr
    found = re.findall(r"^(\S+):(\d+): ResultNotStoredWarning", run.stderr, re.M)
    defined = 1 + PLAIN_MODULE.splitlines().index('@archived("store")')
    assert found == [(str(tmp_path / "plain_loop.py"), str(defined))] * 2, run.stderr


NUMBERS = """
import os
import sys
import time

import numpy as np

from archived import archived, sweep

@archived(sys.argv[1])
def energy(T):
    if type(T) is float:  # the second sweep: both workers run a point at once
        open(os.path.join(sys.argv[2], str(os.getpid())), "w").close()
        deadline = time.monotonic() + 60
        while len(os.listdir(sys.argv[2])) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    return 1.0 / T

if __name__ == "__main__":
    sweep(energy, {"T": np.array([1.0, 2.0, 3.0, 4.0])}, progress=False)
    sweep(energy, {"T": [1.0, 2.0, 3.0, 4.0]}, n_jobs=2, backend="loky", progress=False)
"""


def test_a_sweep_warns_once_of_numbers_stored_as_another_type_not_once_per_worker(tmp_path):
    # each loky worker kept its own note of the warnings it gave: two workers gave two,
    # each saying that other such calls "are not reported again"
    script = tmp_path / "experiment.py"
    script.write_text(NUMBERS)
    (tmp_path / "pids").mkdir()
    run = run_python(str(script), str(tmp_path / "store"), str(tmp_path / "pids"))
    assert run.returncode == 0, run.stderr
    assert len(os.listdir(tmp_path / "pids")) == 2  # both workers ran points
    found = re.findall(r"^(\S+):(\d+): NumericTypeWarning: energy\(T=", run.stderr, re.M)
    line = 1 + NUMBERS.splitlines().index(
        '    sweep(energy, {"T": [1.0, 2.0, 3.0, 4.0]}, n_jobs=2, backend="loky", progress=False)'
    )
    assert found == [(str(script), str(line))], run.stderr
