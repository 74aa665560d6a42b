"""Every script in examples/ runs as a new user would run it, prints what it promises, and
leaves nothing behind (it works in a temporary directory it removes)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# what each example must print (regular expressions searched in its stdout)
EXPECTED = {
    "quickstart.py": [
        # measured times: any figure (a busy machine stretches the 1 s call, and the load)
        r"first call:  \{'mean': 750.0, 'steps': \[0, 1, 2\]\} in [\d.]+ s \(computed\)",
        r"second call: \{'mean': 750.0, 'steps': \[0, 1, 2\]\} in [\d.]+ s \(loaded\)",
        r"stored calls: \[\{'mu': 1.5, 'n': 1000\}\]",
        r"# archived entry 'simulate_[0-9a-f]{16}'",
        r"import results; results.simulate_[0-9a-f]{16} == \{'mean': 750.0",
        r"its info: parameters=\{'mu': 1.5, 'n': 1000\}",
        r"simulate_[0-9a-f]{16} +result +quickstart.simulate +mu=1.5 n=1000",
        r"1 entry, \d+ B",
    ],
    "sweep_joblib.py": [
        r"first sweep: 6 points, finals \[",
        r"second sweep: 12 points in [\d.]+ s, 3 failed \(ValueError\('negative drift -1.0",
        r"sweep of sweep_joblib.random_walk: 1 done, 1 failed, 1 missing",
        r"drift=0.2 steps=200 seed=0 +done",
        r"drift=-1.0 steps=200 seed=0 +failed .*ValueError: negative drift",
        r"drift=0.3 steps=200 seed=0 +missing",
        r"table: 9 rows, columns \['drift', 'steps', 'seed', 'final', 'max'\]",
        r"calls with drift 0.1: 3",
        r"entry,function,drift,steps,seed,final,max\nrandom_walk_",
    ],
    "reload_as_module.py": [
        r"session 1 stored 2 results",
        r"spectrum_[0-9a-f]{16}: parameters \{'n': 1000, 'width': 1.0\}, shape \(1000,\), "
        r"peak 1.000",
        r"spectrum_[0-9a-f]{16}: parameters \{'n': 5, 'width': 1.0\}, shape \(5,\)",
        r"entries: 2 read-only DataSet",
    ],
    "archive_1_class.py": [
        r"from __main__ import Lattice as _Lattice",
        r"return Lattice\(shape=shape, spacing=spacing, values=values\)",
        r"pair = \[lattice, lattice\]",
        r"equal: True, class: Lattice",
        r"shared object kept: True",
        r"refused by the DataSet: Lattice is defined in __main__ .* move it into a module",
        r"entries: \[\], files: \['__init__.py'\]",
    ],
    "large_arrays.py": [
        r"wrote a 8 MB array",
        r"files: \{'field\.[^']+\.h5': '8\.0\d MB'\}",
        r"field = _load_array\('field\.[^']+\.h5', 'a0', digest='[0-9a-f]{32}'\)",
        r"identical True, dtype float64, shape \(1000, 1000\)",
        r"small = _array\(\[0.10000000149011612, 0.3333333432674408, 3.1415927410125732\], "
        r"dtype='float32'\)",
        r"smooth\(5\): computed in [\d.]+ s, loaded in [\d.]+ s, shape \(1000, 1000\)",
    ],
}


def test_every_example_is_tested():
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs_prints_what_it_promises_and_cleans_up(name, tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    env = dict(os.environ, TMPDIR=str(scratch), PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    for pattern in EXPECTED[name]:
        assert re.search(pattern, done.stdout), f"{pattern!r} not in:\n{done.stdout}"
    assert "Traceback" not in done.stderr
    assert list(cwd.iterdir()) == [] and list(scratch.iterdir()) == []
