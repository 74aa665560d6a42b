"""A script's ``@archived`` function works under plain ``joblib.Parallel`` on every
backend, as the README's table from joblib.Memory says ("works as it is")."""

import textwrap

import pytest

from helpers import run_python

SCRIPT = """
import sys
from joblib import Parallel, delayed
from archived import archived

@archived(sys.argv[1])
def square(x):
    return {"x": x, "square": x * x}

if __name__ == "__main__":
    out = Parallel(n_jobs=2, backend=sys.argv[2])(delayed(square)(x) for x in range(4))
    print([r["square"] for r in out], [square.is_cached(x) for x in range(4)])
"""


@pytest.mark.parametrize("backend", ["multiprocessing", "loky", "threading"])
def test_a_scripts_cached_function_runs_and_stores_under_plain_parallel(tmp_path, backend):
    # under "multiprocessing" the wrapper pickled the script's function by name, which
    # plain pickle refused: PicklingError: Can't pickle <function square ...>: it's not
    # the same object as __main__.square
    script = tmp_path / "experiment.py"
    script.write_text(textwrap.dedent(SCRIPT))
    run = run_python(str(script), str(tmp_path / "store"), backend)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "[0, 1, 4, 9] [True, True, True, True]\n", run.stderr


GLOBALS = """
import sys
from joblib import Parallel, delayed
from archived import archived

SCALE = 1

@archived(sys.argv[1])
def scaled(x):
    return x * SCALE

if __name__ == "__main__":
    run = Parallel(n_jobs=2, backend=sys.argv[2])
    first = run(delayed(scaled)(x) for x in [1, 2])
    SCALE = 10
    print(first, run(delayed(scaled)(x) for x in [3, 4]))
"""


@pytest.mark.parametrize("backend", ["multiprocessing", "loky"])
def test_a_scripts_function_sent_again_reads_the_globals_as_they_are_now(tmp_path, backend):
    # (a global is no part of a key, as with joblib: but a point computed after it
    # changed must see its new value, as the function called here would)
    script = tmp_path / "experiment.py"
    script.write_text(GLOBALS)
    run = run_python(str(script), str(tmp_path / "store"), backend)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "[1, 2] [30, 40]\n", run.stderr
