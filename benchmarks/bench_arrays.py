"""Big-array throughput: archived's HDF5 storage against np.save / np.load.

Writes and reads float64 arrays of 8, 80 and 400 MB on the same disk with both, taking
the median of several repeats (each the mean of enough runs to move 80 MB written or
400 MB read), the two sides taking turns.  Both writers fsync before the clock stops,
so the comparison is durable write against durable write.  Reads come from the page
cache for both sides (the file was just written), which is what a user re-reading
results sees.

Run:  python benchmarks/bench_arrays.py [--dir DIR] [--repeats 3] [--sizes 8,80,400]
Ratios are numpy time / archived time: >= 1 means archived is as fast or faster.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable

import numpy as np

from archived.engine.hdf5 import ArrayWriter, load_array


def np_save_durable(path: str, a: np.ndarray) -> None:
    with open(path, "wb") as f:
        np.save(f, a)
        f.flush()
        os.fsync(f.fileno())


def archived_save(path: str, a: np.ndarray) -> None:
    with ArrayWriter(path) as writer:  # close() fsyncs
        writer.add(a)


def interleaved(
    actions: dict[str, Callable[[], object]],
    repeats: int,
    inner: int = 1,
    before: Callable[[], None] = lambda: None,
) -> dict[str, float]:
    """Median time of each action, the actions taking turns so disk noise hits all alike.

    Each of the ``repeats`` samples is the mean of ``inner`` runs (small arrays take
    well under a millisecond, below the timer's and the scheduler's noise);
    ``before`` runs untimed before each run.
    """
    times: dict[str, list[float]] = {name: [] for name in actions}
    for turn in range(repeats):
        # alternate who goes first, so neither always meets the other's after-effects
        for name, action in sorted(actions.items(), reverse=bool(turn % 2)):
            total = 0.0
            for _ in range(inner):
                before()
                start = time.perf_counter()
                action()
                total += time.perf_counter() - start
            times[name].append(total / inner)
    return {name: statistics.median(t) for name, t in times.items()}


def measure(folder: str, megabytes: int, repeats: int) -> dict[str, float]:
    a = np.random.default_rng(megabytes).random(megabytes * 1_000_000 // 8)
    npy = os.path.join(folder, "a.npy")
    h5 = os.path.join(folder, "a.h5")
    inner = max(1, round(80 / megabytes))
    # reads of a few MB take well under a millisecond: average over more of them
    inner_reads = max(1, round(400 / megabytes))

    def remove_old() -> None:
        for old in os.listdir(folder):
            os.remove(os.path.join(folder, old))
        # commit the removal now: otherwise the next fsync pays for freeing (and, on a
        # disk mounted with `discard`, trimming) the other side's file
        os.sync()

    writes = interleaved(
        {
            "np.save": lambda: np_save_durable(npy, a),
            "archived write": lambda: archived_save(h5, a),
        },
        repeats,
        inner,
        before=remove_old,
    )
    np_save_durable(npy, a)
    archived_save(h5, a)
    np.load(npy), load_array(h5, "a0")  # untimed warm-up: both read from the page cache
    reads = interleaved(
        {"np.load": lambda: np.load(npy), "archived read": lambda: load_array(h5, "a0")},
        repeats,
        inner_reads,
    )
    assert np.array_equal(load_array(h5, "a0"), a) and np.array_equal(np.load(npy), a)
    os.remove(npy)
    os.remove(h5)
    return {**writes, **reads}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=None, help="folder on the disk to test (default: tmp)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", default="8,80,400", help="array sizes in MB")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="bench_arrays_") as folder:
        print(f"folder: {folder}   repeats: {args.repeats} (median)   float64 arrays")
        print(
            f"{'MB':>5} | {'np.save s':>9} {'archived s':>10} {'write ratio':>11} | "
            f"{'np.load s':>9} {'archived s':>10} {'read ratio':>10} | "
            f"{'write MB/s':>10} {'read MB/s':>9}"
        )
        worst = []
        for mb in sizes:
            r = measure(folder, mb, args.repeats)
            write_ratio = r["np.save"] / r["archived write"]
            read_ratio = r["np.load"] / r["archived read"]
            worst.append(min(write_ratio, read_ratio))
            print(
                f"{mb:>5} | {r['np.save']:>9.3f} {r['archived write']:>10.3f} "
                f"{write_ratio:>10.2f}x | {r['np.load']:>9.3f} {r['archived read']:>10.3f} "
                f"{read_ratio:>9.2f}x | {mb / r['archived write']:>10.0f} "
                f"{mb / r['archived read']:>9.0f}"
            )
        verdict = "meets" if min(worst) >= 0.8 else "MISSES"
        print(
            f"worst ratio {min(worst):.3f}x: {verdict} the >= 0.8x target (ratio = numpy/archived)"
        )


if __name__ == "__main__":
    main()
