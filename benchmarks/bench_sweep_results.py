"""What a cached rerun of a sweep costs in each results mode, against joblib.Memory.

A sweep of N points, each returning a dict with a 1.6 MB array, is computed once on 2 loky
workers; then it is run again with everything stored, in fresh processes, once per mode:
``results="values"`` (every result loaded and returned), ``"lazy"`` (handles) and
``"summary"`` (parameters and scalars), and joblib's ``Parallel`` + ``Memory`` rerun of the
same work.  Printed: the median wall time of the rerun and how far the process's resident
memory rose above where it stood when the rerun began (Linux's VmHWM, reset by
``/proc/self/clear_refs``).

    python benchmarks/bench_sweep_results.py [N [REPEATS]]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile

RERUN = """
import sys, time
import numpy as np

def big(x):
    return {"x": x, "mean": float(x), "data": np.full(200_000, float(x))}

def status(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))

folder, mode, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
if mode == "joblib":
    from joblib import Memory, Parallel, delayed
    cached = Memory(folder + "/joblib", verbose=0).cache(big)
    run = lambda: Parallel(n_jobs=2)(delayed(cached)(x) for x in range(n))
else:
    from archived import archived, sweep
    f = archived(folder + "/runs", durable=False)(big)
    run = lambda: sweep(f, {"x": range(n)}, n_jobs=2, progress=False, results=mode)
if len(sys.argv) > 4:  # compute everything once
    run()
    sys.exit()
with open("/proc/self/clear_refs", "w") as clear:
    clear.write("5")
before = status("VmRSS")
start = time.perf_counter()
out = run()
seconds = time.perf_counter() - start
assert len(out) == n
print(seconds, (status("VmHWM") - before) / 1024)
"""

MODES = ("values", "lazy", "summary", "joblib")


def main(n: int = 192, repeats: int = 3) -> None:
    folder = tempfile.mkdtemp()
    for mode in ("values", "joblib"):
        subprocess.run([sys.executable, "-c", RERUN, folder, mode, str(n), "fill"], check=True)
    print(f"cached rerun of {n} points of 1.6 MB each (2 loky workers; medians of {repeats})")
    print(f"{'mode':<10} {'time':>8} {'memory rise':>12}")
    rows = {}
    for mode in MODES:
        runs = []
        for _ in range(repeats):
            done = subprocess.run(
                [sys.executable, "-c", RERUN, folder, mode, str(n)],
                check=True,
                capture_output=True,
                text=True,
            )
            runs.append(tuple(map(float, done.stdout.split())))
        seconds = statistics.median(r[0] for r in runs)
        memory = statistics.median(r[1] for r in runs)
        rows[mode] = (seconds, memory)
        label = "joblib" if mode == "joblib" else f'"{mode}"'
        print(f"{label:<10} {seconds:>7.2f}s {memory:>9.0f} MB")
    joblib_time = rows["joblib"][0]
    for mode in MODES[:3]:
        print(f"{mode}: {rows[mode][0] / joblib_time:.2f}x joblib.Memory's time")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
