"""Reading many entries: @archived against joblib.Memory and diskcache, side by side.

Run:  python benchmarks/bench_many.py [--sizes 1000,20000] [--with-100k] [--repeats 3]
          [--repeats-100k 3] [--only table,rerun]

For each size N, one function's store of N small results (a dict of three scalars per
point) is filled the same way in all three caches (archived and joblib.Memory by a
2-worker sweep, diskcache by ``memoize`` in a loop).  Every size's stores are built
first; then each of ``--repeats`` rounds runs every operation of every peer once at
every size, the sizes of one operation one after the other (in reverse order every
other round), so a slow spell of the shared machine hits the peers and the sizes alike.
Each operation's time is the median of its rounds (an operation of less than 0.1 s is
run up to 9 times in its round, the round keeping their median):

* ``table()``: archived ``func.table(frame=False)``; joblib.Memory: walk its cache folder
  and load every call's arguments and output; diskcache: iterate the cache and get every
  item; floor: read every archived entry file.  ``table(), no index`` removes archived's
  read-side index first (the first table of a store in its lifetime).
* ``where(x=...)``: archived ``func.where(x=N//2)`` (compared with iterating diskcache).
* rerun of a finished sweep (every point stored): archived ``sweep(func, grid,
  n_jobs=2)``; joblib ``Parallel(n_jobs=2)`` over the ``Memory``-cached function;
  diskcache a loop over the memoized function.
* ``ls``: ``python -m archived ls STORE`` (in-process, output to /dev/null): the entry
  names, one a line; diskcache: iterate its keys and print each; floor: list the
  directory and print each name.
* ``ls -l``: ``python -m archived ls -l STORE``: the table of every entry's kind,
  function, parameters, size and date; floor (what any listing of sizes and dates
  costs): list, stat and print each file.
* ``verify``: ``python -m archived verify STORE`` (in-process); floor: read, compile and
  execute each entry file once.

Before each archived measurement the process forgets what it learnt about the store
(the in-memory index and code cache), as a new Python session would; what is on disk
(the read-side index file) is kept, as it would be.  Before every timed run, of every
peer, the CPU's caches are emptied (a buffer twice the biggest is written), as a new
session finds them.  ``--only table,rerun`` times only those operations.  The table then
lists the ratios against the targets of issue 13 and the growth exponents between the
sizes: time ~ N^k, k computed in each round from that round's pair of times (so a load
phase that slows one round slows both sizes of its pair), and the median of the rounds'
k printed with their range.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
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


def list_stat_and_print(folder, sink):
    """What ``ls -l`` does: list, stat each file, print its name, size and date."""
    for item in sorted(os.scandir(folder), key=lambda item: item.name):
        st = item.stat(follow_symlinks=False)
        print(
            item.name,
            st.st_size,
            time.strftime("%Y-%m-%d %H:%M", time.localtime(st.st_mtime)),
            file=sink,
        )


def prepare(root, n):
    """Fill the stores of size ``n``; return what the rounds run on them."""
    ours, theirs, cache, memo, filled = fill(root, n)
    folder = ours.store.path
    grid = {"x": list(range(n))}
    devnull = open(os.devnull, "w")
    rows = ours.table(frame=False)  # builds the index once, as the first table does
    by_x = {row["x"]: row for row in rows}
    assert len(rows) == n and by_x[7]["energy"] == 3.5, rows[:2]

    def no_index():
        forget()
        with contextlib.suppress(FileNotFoundError):
            os.remove(os.path.join(folder, INDEX_FILE))

    def quiet(fn):
        def run():
            with output_to(devnull):
                fn()

        return run

    # (row, peer, operation, what runs before it untimed)
    ops = [
        (("table", "archived"), lambda: ours.table(frame=False), forget),
        (("table0", "archived"), lambda: ours.table(frame=False), no_index),
        (("table", "joblib"), lambda: joblib_walk(theirs), None),
        (("table", "floor"), lambda: read_every_file(folder), None),
        (("where", "archived"), lambda: ours.where(x=n // 2), forget),
        (("rerun", "archived"), lambda: sweep(ours, grid, n_jobs=2, progress=False), forget),
        (
            ("rerun", "joblib"),
            lambda: Parallel(n_jobs=2)(delayed(theirs)(x) for x in range(n)),
            None,
        ),
        (("ls", "archived"), quiet(lambda: cli_main(["ls", folder])), forget),
        (("ls", "floor"), lambda: list_and_print(folder, devnull), None),
        (("ls-l", "archived"), quiet(lambda: cli_main(["ls", "-l", folder])), forget),
        (("ls-l", "floor"), lambda: list_stat_and_print(folder, devnull), None),
        (("verify", "archived"), quiet(lambda: cli_main(["verify", folder])), forget),
        (("verify", "floor"), lambda: exec_every_file(folder), None),
    ]
    if cache is not None:
        ops += [
            (("table", "diskcache"), lambda: diskcache_items(cache), None),
            (("rerun", "diskcache"), lambda: [memo(x) for x in range(n)], None),
            (("ls", "diskcache"), lambda: [print(key, file=devnull) for key in cache], None),
        ]

    def after_round():
        ours.table(frame=False)  # leave an index behind (the no-index run removed it)

    def close():
        if cache is not None:
            cache.close()
        devnull.close()

    got = {("fill", k): [v] for k, v in filled.items()}
    return {"ops": ops, "after_round": after_round, "close": close, "times": got}


# an operation quicker than QUICK seconds is timed several times in its round (up to
# QUICK_RUNS times or QUICK_SPENT seconds) and the round keeps their median: one run of a
# few milliseconds is at the mercy of the scheduler of a shared machine
QUICK, QUICK_RUNS, QUICK_SPENT = 0.1, 9, 0.3


def cache_bytes():
    """The size of the CPU's biggest cache (from Linux's sysfs; 32 MiB where unknown)."""
    sizes = []
    for folder in glob.glob("/sys/devices/system/cpu/cpu0/cache/index*"):
        with contextlib.suppress(OSError, ValueError):
            with open(os.path.join(folder, "size")) as f:
                text = f.read().strip()
            unit = {"K": 2**10, "M": 2**20}.get(text[-1:], 1)
            sizes.append(int(text.rstrip("KM")) * unit)
    return max(sizes, default=32 * 2**20)


# every timed run starts with the CPU's caches holding nothing of the store, as the first
# call of a new session finds them, and as every run at 20,000 entries finds them anyway
# (its data outgrows the caches, and the other size ran in between).  Without it the
# runs of a quick operation, timed one after the other, each found the previous run's
# data in the caches: at 1,000 entries table() took 11.6 us of CPU per entry right after
# itself, 13.9 after the caches were emptied (medians of 8), which alone raised its
# 1k->20k exponent by 0.06, and the rerun of a finished sweep 25.2 and 28.7
_EVICT = bytearray(2 * cache_bytes())
_LINE = 64


def evict_caches():
    """Write a buffer twice the CPU's biggest cache, a byte per cache line."""
    _EVICT[::_LINE] = bytes([_EVICT[0] ^ 1]) * len(range(0, len(_EVICT), _LINE))


def timed(fn, before):
    """Seconds one run of ``fn`` takes (``before`` runs untimed before each run, and
    then the CPU's caches are emptied of what it and earlier runs left)."""
    runs = []
    while not runs or (runs[0] < QUICK and len(runs) < QUICK_RUNS and sum(runs) < QUICK_SPENT):
        if before is not None:
            before()
        evict_caches()
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def measure(prepared, repeats):
    """Run the rounds; ``repeats``: size -> its rounds (a size takes part in the first
    ``repeats[n]`` rounds).  Returns size -> {(row, peer): [seconds of each round]}."""
    sizes = sorted(prepared)
    times = {n: prepared[n]["times"] for n in sizes}
    for n in sizes:
        for key, _, _ in prepared[n]["ops"]:
            times[n][key] = []
    count = len(prepared[sizes[0]]["ops"])
    for round_ in range(max(repeats.values())):
        order = sizes if round_ % 2 == 0 else sizes[::-1]
        active = [n for n in order if round_ < repeats[n]]
        for i in range(count):  # one operation at every size, one after the other
            for n in active:
                key, fn, before = prepared[n]["ops"][i]
                times[n][key].append(timed(fn, before))
        for n in active:
            prepared[n]["after_round"]()
        print(f"round {round_ + 1} done, load average {os.getloadavg()[0]:.1f}", file=sys.stderr)
    return times


# ---- the report ---------------------------------------------------------------------------

ROWS = [
    ("table", "func.table()"),
    ("table0", "func.table(), no index yet"),
    ("where", "func.where(x=...)"),
    ("rerun", "rerun of a finished sweep"),
    ("ls", "archived ls STORE"),
    ("ls-l", "archived ls -l STORE"),
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
    ("ls -l / (list + stat + print)", ("ls-l", "archived"), ("ls-l", "floor"), 2.0),
    ("verify / (read + exec each file)", ("verify", "archived"), ("verify", "floor"), 1.5),
]


def seconds(value):
    if value is None:
        return ""
    return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"


def report_size(n, got):
    """The table of one size and its targets (printed as soon as the size is measured)."""
    print(f"\nN = {n:,}")
    print(f"| {'operation':<30} | " + " | ".join(f"{p:>10}" for p in PEERS) + " |")
    print(f"|{'-' * 32}|" + "|".join("-" * 12 for _ in PEERS) + "|")
    for key, label in ROWS:
        cells = [seconds(got.get((key, peer))) for peer in PEERS]
        print(f"| {label:<30} | " + " | ".join(f"{c:>10}" for c in cells) + " |")
    print("\ntargets (measured / against = ratio, limit):")
    for what, measured, against, limit in TARGETS:
        if measured in got and against in got:
            ratio = got[measured] / got[against]
            verdict = "ok" if ratio <= limit else "MISSED"
            print(
                f"  {what:<34} {seconds(got[measured]):>9} / {seconds(got[against]):>9}"
                f" = {ratio:6.2f}  <= {limit:<4} {verdict}"
            )
    sys.stdout.flush()


def growth(times, a, b, key):
    """The exponents k (time ~ N^k) from size ``a`` to ``b`` of operation ``key``, one
    per round both sizes ran in (paired: the same round's load phase)."""
    pairs = zip(times[a].get(key, []), times[b].get(key, []), strict=False)
    return [math.log(tb / ta) / math.log(b / a) for ta, tb in pairs if ta > 0 and tb > 0]


def report_growth(times):
    sizes = sorted(times)
    if len(sizes) < 2:
        return
    pairs = list(zip(sizes, sizes[1:], strict=False))
    if len(sizes) > 2:
        pairs.append((sizes[0], sizes[-1]))
    first = times[sizes[0]]
    ours = [(k, "archived") for k, _ in ROWS if k != "fill" and (k, "archived") in first]
    peers = [
        (k, peer) for k, _ in ROWS for peer in PEERS[1:] if k != "fill" and (k, peer) in first
    ]
    print(
        "\ngrowth exponents of archived (time ~ N^k, k of each round's pair of sizes; "
        "median [min-max]; target k <= 1.05):"
    )
    _growth_rows(times, pairs, ours, limit=1.05)
    # the peers' exponents in the same rounds: what the machine, its file system and its
    # caches do as the stores grow (a floor that grows faster than linearly drags ours too)
    print("\ngrowth exponents of the peers, same rounds (no target; for comparison):")
    _growth_rows(times, pairs, peers, limit=None)


def _growth_rows(times, pairs, keys, limit):
    print(f"  {'':<18}" + "".join(f"{f'{a:,}->{b:,}':>26}" for a, b in pairs))
    for key in keys:
        cells = []
        for a, b in pairs:
            ks = growth(times, a, b, key)
            if ks:
                k = statistics.median(ks)
                verdict = "" if limit is None else "ok" if k <= limit else "MISSED"
                cells.append(f"{k:5.2f} [{min(ks):4.2f}-{max(ks):4.2f}] {verdict:>6}")
            else:
                cells.append("")
        label = key[0] if key[1] == "archived" else f"{key[0]} {key[1]}"
        print(f"  {label:<18}" + "".join(f"{c:>26}" for c in cells))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,20000", help="comma-separated store sizes")
    parser.add_argument("--with-100k", action="store_true", help="add a 100,000-entry store")
    parser.add_argument("--repeats", type=int, default=3, help="rounds (medians)")
    parser.add_argument(
        "--repeats-100k", type=int, default=None, help="rounds at 100,000 (default: --repeats)"
    )
    parser.add_argument("--dir", default=None, help="where the stores go (default: a temp dir)")
    parser.add_argument(
        "--only",
        default=None,
        help="comma-separated operations to time (of "
        + ",".join(k for k, _ in ROWS[:-1])
        + "; default: all); every store is filled all the same",
    )
    options = parser.parse_args()
    warnings.simplefilter("ignore")
    sizes = [int(s) for s in options.sizes.split(",")]
    only = None if options.only is None else set(options.only.split(","))
    if only is not None and not only <= {k for k, _ in ROWS[:-1]}:
        parser.error(f"--only: no operation {', '.join(sorted(only - {k for k, _ in ROWS[:-1]}))}")
    if options.with_100k:
        sizes.append(100_000)
    print(
        f"archived {archived_pkg.__version__}, joblib {joblib.__version__}, diskcache "
        f"{diskcache.__version__ if diskcache else 'not installed'}; repeats "
        f"{options.repeats} (medians of rounds; every operation at every size once per round)"
    )
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")
    root = tempfile.mkdtemp(prefix="bench_many_", dir=options.dir)
    prepared = {}
    try:
        for n in sizes:  # every store first: the rounds then visit every size
            prepared[n] = prepare(root, n)
            if only is not None:
                prepared[n]["ops"] = [op for op in prepared[n]["ops"] if op[0][0] in only]
        repeats = {
            n: options.repeats_100k
            if n >= 100_000 and options.repeats_100k is not None
            else options.repeats
            for n in sizes
        }
        times = measure(prepared, repeats)
    finally:
        for bench in prepared.values():
            bench["close"]()
        shutil.rmtree(root, ignore_errors=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    for n in sizes:
        report_size(n, {key: statistics.median(values) for key, values in times[n].items()})
    report_growth(times)


if __name__ == "__main__":
    main()
