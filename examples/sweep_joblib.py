"""A parameter sweep with joblib: run a grid in parallel, extend it, look at the results.

``archived.sweep`` calls an ``@archived`` function at every point of a grid on joblib
workers, skipping the points already stored; each point is committed the moment it
finishes, so an interrupted sweep (Ctrl-C, a killed job) resumes where it stopped.

Run it with ``python examples/sweep_joblib.py`` (it works in a temporary directory).
Install ``tqdm`` for a progress bar and ``pandas`` to get the table as a DataFrame.
"""

import os
import sys
import tempfile
import time

import numpy as np

from archived import archived, sweep, sweep_status
from archived.__main__ import main as archived_command


def random_walk(drift, steps=200, seed=0):
    """The experiment: a random walk; fails on purpose for a negative drift."""
    if drift < 0:
        raise ValueError(f"negative drift {drift} is not supported")
    time.sleep(0.05)  # pretend to work
    rng = np.random.default_rng(seed)
    path = np.cumsum(drift + rng.normal(size=steps))
    return {"final": float(path[-1]), "max": float(path.max()), "path": path}


with tempfile.TemporaryDirectory() as workdir:
    store = os.path.join(workdir, "walks")
    walk = archived(store)(random_walk)

    # 1. A first, small grid on 2 loky worker processes (the last key varies fastest).
    grid = {"drift": [0.0, 0.1], "seed": [0, 1, 2]}
    results = sweep(walk, grid, n_jobs=2, backend="loky", progress=False)
    print(f"first sweep: {len(results)} points, finals {[round(r['final'], 2) for r in results]}")

    # 2. A bigger grid: only the 6 new points run; the 6 stored ones are loaded.
    grid = {"drift": [0.0, 0.1, 0.2, -1.0], "seed": [0, 1, 2]}
    start = time.perf_counter()
    # (a progress bar goes to stderr; errors="return" keeps going past failing points)
    results = sweep(walk, grid, n_jobs=2, errors="return", progress=True)
    failed = [r for r in results if isinstance(r, Exception)]
    print(
        f"second sweep: {len(results)} points in {time.perf_counter() - start:.2f} s, "
        f"{len(failed)} failed ({failed[0]!r})"
    )

    # 3. Which points are done, failed (with the recorded error) or missing, and how long
    #    each took.  `python -m archived ls --status STORE` shows the same from the shell.
    status = sweep_status(walk, {"drift": [0.2, -1.0, 0.3], "seed": [0]})
    print(f"\n{status}")

    # 4. Parameters and scalar results as a table (a DataFrame when pandas is installed).
    table = walk.table(frame=False)
    print(f"\ntable: {len(table)} rows, columns {list(table[0])}")
    best = max(table, key=lambda row: row["final"])
    print(f"best final value {best['final']:.2f} at drift={best['drift']} seed={best['seed']}")
    print(f"calls with drift 0.1: {len(walk.where(drift=0.1))}")

    # 5. Export to CSV from the command line.
    print("\n$ python -m archived export walks -o walks.csv && head -3 walks.csv")
    csv_file = os.path.join(workdir, "walks.csv")
    archived_command(["export", store, "-o", csv_file])
    sys.stderr.flush()
    with open(csv_file) as f:
        print("".join(f.readlines()[:3]).rstrip())
