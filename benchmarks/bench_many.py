"""Reading many entries: @archived against joblib.Memory and diskcache, side by side.

Run:  python benchmarks/bench_many.py [--sizes 1000,20000] [--with-100k] [--repeats 3]

For each size N, one function's store of N small results (a dict of three scalars per
point) is filled the same way in all three caches (archived and joblib.Memory by a
2-worker sweep, diskcache by ``memoize`` in a loop), then each operation is timed
(median of ``--repeats``):

* ``table()``: archived ``func.table(frame=False)``; joblib.Memory: walk its cache folder
  and load every call's arguments and output; diskcache: iterate the cache and get every
  item; floor: read every archived entry file.  ``table(), no index`` removes archived's
  read-side index first (the first table of a store in its lifetime).
* ``where(x=...)``: archived ``func.where(x=N//2)`` (compared with iterating diskcache).
* rerun of a finished sweep (every point stored): archived ``sweep(func, grid,
  n_jobs=2)``; joblib ``Parallel(n_jobs=2)`` over the ``Memory``-cached function;
  diskcache a loop over the memoized function.
* ``ls``: ``python -m archived ls STORE`` (in-process, output to /dev/null); diskcache:
  iterate its keys and print each; floor: list the directory and print each name.
* ``verify``: ``python -m archived verify STORE`` (in-process); floor: read, compile and
  execute each entry file once.

Before each archived measurement the process forgets what it learnt about the store
(the in-memory index and code cache), as a new Python session would; what is on disk
(the read-side index file) is kept, as it would be.  The table then lists the ratios
against the targets of issue 13 and the growth exponents between the sizes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings

import joblib
from joblib import Memory, Parallel, delayed

import archived as archived_pkg
from archived import archived, sweep
from archived.cli import main as cli_main

try:
    import diskcache
except ImportError:  # pip install 'archived[bench]'
    diskcache = None

INDEX_FILE = ".index.json"


def point(x):
    """The experiment: a small dict of scalars per point."""
    return {"energy": 0.5 * x, "steps": x % 97, "label": f"p{x}"}


def median_time(fn, repeats, before=None):
    times = []
    for _ in range(repeats):
        if before is not None:
            before()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def forget():
    """Drop what this process remembers about stores (a new session knows nothing)."""
    for module, name in (("archived.store.index", "forget"), ("archived.load.codecache", "clear")):
        mod = sys.modules.get(module)
        if mod is not None and hasattr(mod, name):
            getattr(mod, name)()


@contextlib.contextmanager
def output_to(sink):
    saved = sys.stdout
    sys.stdout = sink
    try:
        yield
    finally:
        sys.stdout = saved


# ---- filling the stores -----------------------------------------------------------------


def fill(root, n):
    """The three caches of the same N calls; returns (ours, joblib func, diskcache memo)."""
    ours = archived(os.path.join(root, f"ours{n}"), version="1", durable=False)(point)
    grid = {"x": list(range(n))}
    start = time.perf_counter()
    sweep(ours, grid, n_jobs=2, progress=False)
    filled = {"archived": time.perf_counter() - start}
    memory = Memory(os.path.join(root, f"joblib{n}"), verbose=0)
    theirs = memory.cache(point)
    start = time.perf_counter()
    Parallel(n_jobs=2)(delayed(theirs)(x) for x in range(n))
    filled["joblib"] = time.perf_counter() - start
    memo = cache = None
    if diskcache is not None:
        cache = diskcache.Cache(os.path.join(root, f"diskcache{n}"))
        memo = cache.memoize(name="point")(point)
        start = time.perf_counter()
        for x in range(n):
            memo(x)
        filled["diskcache"] = time.perf_counter() - start
    return ours, theirs, cache, memo, filled


# ---- the operations ----------------------------------------------------------------------


def joblib_walk(theirs):
    """Every stored call of a joblib.Memory function: its arguments and its output."""
    folder = theirs.store_backend.location
    # func_id is joblib >= 1.4; older joblib names the folder with the same function
    func_id = getattr(theirs, "func_id", None) or joblib.memory._build_func_identifier(theirs.func)
    func_dir = os.path.join(folder, *func_id.split("/"))
    rows = []
    for item in os.scandir(func_dir):
        if not item.is_dir():
            continue
        with open(os.path.join(item.path, "metadata.json")) as f:
            args = json.load(f)["input_args"]
        rows.append((args, joblib.load(os.path.join(item.path, "output.pkl"))))
    return rows


def diskcache_items(cache):
    return [(key, cache[key]) for key in cache]


def read_every_file(folder):
    for item in os.scandir(folder):
        if item.name.endswith(".py") and not item.name.startswith("_"):
            with open(item.path, "rb") as f:
                f.read()


def exec_every_file(folder):
    for item in os.scandir(folder):
        if item.name.endswith(".py") and not item.name.startswith("_"):
            with open(item.path, "rb") as f:
                code = compile(f.read(), item.path, "exec")
            exec(code, {"__name__": "entry"})


def list_and_print(folder, sink):
    for name in sorted(os.listdir(folder)):
        print(name, file=sink)


def measure(root, n, repeats):
    ours, theirs, cache, memo, filled = fill(root, n)
    folder = ours.store.path
    grid = {"x": list(range(n))}
    devnull = open(os.devnull, "w")
    got = {("fill", k): v for k, v in filled.items()}
    rows = ours.table(frame=False)  # builds the index once, as the first table does
    by_x = {row["x"]: row for row in rows}
    assert len(rows) == n and by_x[7]["energy"] == 3.5, rows[:2]

    def no_index():
        forget()
        with contextlib.suppress(FileNotFoundError):
            os.remove(os.path.join(folder, INDEX_FILE))

    t = median_time
    got["table", "archived"] = t(lambda: ours.table(frame=False), repeats, forget)
    got["table0", "archived"] = t(lambda: ours.table(frame=False), repeats, no_index)
    ours.table(frame=False)  # leave an index behind
    got["table", "joblib"] = t(lambda: joblib_walk(theirs), repeats)
    got["table", "floor"] = t(lambda: read_every_file(folder), repeats)
    got["where", "archived"] = t(lambda: ours.where(x=n // 2), repeats, forget)
    got["rerun", "archived"] = t(
        lambda: sweep(ours, grid, n_jobs=2, progress=False), repeats, forget
    )
    got["rerun", "joblib"] = t(
        lambda: Parallel(n_jobs=2)(delayed(theirs)(x) for x in range(n)), repeats
    )
    with output_to(devnull):
        got["ls", "archived"] = t(lambda: cli_main(["ls", folder]), repeats, forget)
    got["ls", "floor"] = t(lambda: list_and_print(folder, devnull), repeats)
    with output_to(devnull):
        got["verify", "archived"] = t(lambda: cli_main(["verify", folder]), repeats, forget)
    got["verify", "floor"] = t(lambda: exec_every_file(folder), repeats)
    if cache is not None:
        got["table", "diskcache"] = t(lambda: diskcache_items(cache), repeats)
        got["rerun", "diskcache"] = t(lambda: [memo(x) for x in range(n)], repeats)
        got["ls", "diskcache"] = t(lambda: [print(key, file=devnull) for key in cache], repeats)
        cache.close()
    devnull.close()
    return got


# ---- the report ---------------------------------------------------------------------------

ROWS = [
    ("table", "func.table()"),
    ("table0", "func.table(), no index yet"),
    ("where", "func.where(x=...)"),
    ("rerun", "rerun of a finished sweep"),
    ("ls", "archived ls STORE"),
    ("verify", "archived verify STORE"),
    ("fill", "filling the store (a sweep)"),
]
PEERS = ["archived", "joblib", "diskcache", "floor"]

# (what, measured, against, limit): measured / against <= limit
TARGETS = [
    ("table() / diskcache iterate", ("table", "archived"), ("table", "diskcache"), 1.0),
    ("where() / diskcache iterate", ("where", "archived"), ("table", "diskcache"), 1.0),
    ("sweep rerun / joblib.Memory", ("rerun", "archived"), ("rerun", "joblib"), 1.0),
    ("ls / (list + print)", ("ls", "archived"), ("ls", "floor"), 2.0),
    ("verify / (read + exec each file)", ("verify", "archived"), ("verify", "floor"), 1.5),
]


def seconds(value):
    if value is None:
        return ""
    return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"


def report(results):
    for n, got in results.items():
        print(f"\nN = {n:,}")
        print(f"| {'operation':<30} | " + " | ".join(f"{p:>10}" for p in PEERS) + " |")
        print(f"|{'-' * 32}|" + "|".join("-" * 12 for _ in PEERS) + "|")
        for key, label in ROWS:
            cells = [seconds(got.get((key, peer))) for peer in PEERS]
            print(f"| {label:<30} | " + " | ".join(f"{c:>10}" for c in cells) + " |")
        print("\ntargets (ratio, limit):")
        for what, measured, against, limit in TARGETS:
            if measured in got and against in got:
                ratio = got[measured] / got[against]
                verdict = "ok" if ratio <= limit else "MISSED"
                print(f"  {what:<36} {ratio:6.2f}  <= {limit:<4} {verdict}")
    sizes = sorted(results)
    if len(sizes) >= 2:
        print("\ngrowth exponents (time ~ N^k; target k <= 1.05):")
        keys = [(k, "archived") for k, _ in ROWS if k != "fill"]
        for a, b in zip(sizes, sizes[1:], strict=False):
            print(f"  {a:,} -> {b:,}:")
            for key in keys:
                if key in results[a] and key in results[b]:
                    k = math.log(results[b][key] / results[a][key]) / math.log(b / a)
                    print(f"    {key[0]:<8} {k:5.2f}  {'ok' if k <= 1.05 else 'MISSED'}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,20000", help="comma-separated store sizes")
    parser.add_argument("--with-100k", action="store_true", help="add a 100,000-entry store")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dir", default=None, help="where the stores go (default: a temp dir)")
    options = parser.parse_args()
    warnings.simplefilter("ignore")
    sizes = [int(s) for s in options.sizes.split(",")]
    if options.with_100k:
        sizes.append(100_000)
    print(
        f"archived {archived_pkg.__version__}, joblib {joblib.__version__}, diskcache "
        f"{diskcache.__version__ if diskcache else 'not installed'}; repeats "
        f"{options.repeats} (medians)"
    )
    results = {}
    for n in sizes:
        root = tempfile.mkdtemp(prefix="bench_many_", dir=options.dir)
        try:
            results[n] = measure(root, n, options.repeats)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        print(f"measured N = {n:,}", file=sys.stderr)
    report(results)


if __name__ == "__main__":
    main()
