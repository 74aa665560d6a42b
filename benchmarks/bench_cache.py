"""@archived against joblib.Memory in the same run: hit and miss overheads, and a sweep.

Run: ``python benchmarks/bench_cache.py [--sweep-tasks 200] [--task-seconds 0.1]``

1. Per-call overhead (time of a cached call minus the bare function's) for a function of
   two scalars, of a 1 MB array and of a 100 MB array, on a hit (best of 5 rounds) and on
   a miss (mean over fresh keys).
2. A sweep of ``--sweep-tasks`` tasks on 2 loky workers, each returning a 100 KB array
   after ``--task-seconds`` of work, uncached, under @archived and under joblib.Memory;
   then every stored entry is counted and checked.  A last, diagnostic run repeats the
   @archived sweep with ``os.fsync`` disabled in the workers, to show what the durable
   commits cost.

Targets (issue 4): scalar hit <= joblib's; 100 MB-argument hit >= 10x faster than
joblib's; sweep overhead <= 10 % over uncached with 0 entries lost.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
import warnings

import numpy as np

ARRAY_ITEMS = 12_800  # 100 KB of float64


def scalar_task(x, y):
    return x * y + 1


def array_task(a):
    return float(a[0])  # the task itself must not dominate: read one item


def sweep_task(i, seconds):
    deadline = time.perf_counter() + seconds
    rng = np.random.default_rng(i)
    out = rng.random(ARRAY_ITEMS)
    while time.perf_counter() < deadline:  # stand-in for real work: busy, not sleeping
        out = np.sqrt(out * out)
    return out


def per_call(func, args_list, repeat=5):
    """Seconds per call, the best of ``repeat`` rounds (other processes share the cores)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for args in args_list:
            func(*args)
        best = min(best, (time.perf_counter() - start) / len(args_list))
    return best


def overheads(name, func, make_args, hits, misses, root):
    """Hit and miss overhead (seconds per call) of @archived and joblib.Memory."""
    from joblib import Memory

    from archived import archived

    bare = per_call(func, [make_args(0)] * hits)
    ours = archived(os.path.join(root, f"ours_{name}"), version="1")(func)
    theirs = Memory(os.path.join(root, f"joblib_{name}"), verbose=0).cache(func)
    row = {}
    for label, cached in (("archived", ours), ("joblib", theirs)):
        offset = 1000 if label == "archived" else 2000
        row[label, "miss"] = _timed_misses(cached, make_args, offset, misses) - bare
        cached(*make_args(0))
        row[label, "hit"] = per_call(cached, [make_args(0)] * hits) - bare
    return row


def _timed_misses(cached, make_args, offset, misses):
    total = 0.0
    for i in range(misses):
        args = make_args(offset + i)  # not timed: making a fresh argument
        start = time.perf_counter()
        cached(*args)
        total += time.perf_counter() - start
    return total / misses


def array_maker(nbytes):
    base = np.random.default_rng(0).random(nbytes // 8)

    def make(i):
        a = base.copy() if nbytes < 10_000_000 else base
        a[0] = i  # a different key per i (the 100 MB array is reused: no 100 MB copies)
        return (a,)

    return make


def sweep(tasks, seconds, root):
    from joblib import Memory, Parallel, delayed

    from archived import archived

    ours = archived(os.path.join(root, "ours_sweep"), version="1")(sweep_task)
    theirs = Memory(os.path.join(root, "joblib_sweep"), verbose=0).cache(sweep_task)
    unsynced = archived(os.path.join(root, "ours_nofsync"), version="1")(sweep_task)
    runs = (
        ("uncached", sweep_task, ()),
        ("archived", ours, ()),
        ("joblib", theirs, ()),
        ("archived*", without_fsync, (unsynced,)),  # last: it leaves the workers unsynced
    )
    with Parallel(n_jobs=2, backend="loky") as parallel:
        parallel(delayed(sweep_task)(i, 0.0) for i in range(4))  # start the workers
        times = {}
        for label, func, head in runs:
            start = time.perf_counter()
            results = parallel(delayed(func)(*head, i, seconds) for i in range(tasks))
            times[label] = time.perf_counter() - start
            assert all(np.array_equal(r, sweep_task(i, 0.0)) for i, r in enumerate(results))
    stored = {
        "archived": _count_ours(ours, tasks),
        "joblib": sum(theirs.check_call_in_cache(i, seconds) for i in range(tasks)),
        "archived*": _count_ours(unsynced, tasks),
    }
    return times, stored


def without_fsync(func, *args):
    """Diagnostic only: call ``func`` in a worker whose ``os.fsync`` does nothing."""
    os.fsync = lambda fd: None
    return func(*args)


def _count_ours(ours, tasks):
    found = {int(p["i"]): result for p, result in ours}
    good = [i for i in range(tasks) if i in found and np.array_equal(found[i](), sweep_task(i, 0))]
    return len(good)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sweep-tasks", type=int, default=200)
    parser.add_argument("--task-seconds", type=float, default=0.1)
    parser.add_argument("--dir", default=None, help="where the stores go (default: a temp dir)")
    options = parser.parse_args()
    warnings.simplefilter("ignore")
    root = tempfile.mkdtemp(prefix="bench_cache_", dir=options.dir)
    try:
        cases = [
            ("scalars", scalar_task, lambda i: (i, 2.5), 300, 30),
            ("1 MB array", array_task, array_maker(1_000_000), 100, 20),
            ("100 MB array", array_task, array_maker(100_000_000), 5, 3),
        ]
        print("Per-call overhead over the bare function (ms; lower is better)")
        print(f"{'argument':<14}{'case':<6}{'archived':>10}{'joblib':>10}{'joblib/archived':>17}")
        for name, func, make, hits, misses in cases:
            row = overheads(name.split()[0], func, make, hits, misses, root)
            for case in ("hit", "miss"):
                ours, theirs = row["archived", case], row["joblib", case]
                print(
                    f"{name:<14}{case:<6}{ours * 1e3:>10.3f}{theirs * 1e3:>10.3f}"
                    f"{theirs / ours:>16.1f}x"
                )
        tasks, seconds = options.sweep_tasks, options.task_seconds
        times, stored = sweep(tasks, seconds, root)
        print()
        print(
            f"Sweep: {tasks} tasks x {seconds * 1e3:.0f} ms on 2 loky workers, each returning "
            "a 100 KB array"
        )
        print(f"{'run':<10}{'seconds':>9}{'overhead':>10}{'entries':>10}")
        base = times["uncached"]
        print(f"{'uncached':<10}{base:>9.2f}{'':>10}{'':>10}")
        for label in ("archived", "joblib", "archived*"):
            over = (times[label] - base) / base * 100
            print(f"{label:<10}{times[label]:>9.2f}{over:>9.1f}%{stored[label]:>6}/{tasks}")
        print(
            "* diagnostic: os.fsync disabled in the workers, i.e. what the entries cost\n"
            "  without durable commits (joblib.Memory never fsyncs; the DataSet fsyncs the\n"
            "  HDF5 file, the entry and the directory of every entry)"
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
