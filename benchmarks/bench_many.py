"""Reading many entries: @archived against joblib.Memory and diskcache, side by side.

Run:  python benchmarks/bench_many.py [--sizes 1000,20000] [--with-100k] [--repeats 3]
          [--repeats-100k 3] [--only table,rerun] [--quick-runs 9] [--dir DIR]

For each size N, one function's store of N small results (a dict of three scalars per
point) is filled the same way in all three caches (archived and joblib.Memory by a
2-worker sweep, diskcache by ``memoize`` in a loop).  Every size's stores are built
first; then each of ``--repeats`` rounds runs every operation of every peer once at
every size, the sizes of one operation one after the other (in reverse order every
other round), so a slow spell of the shared machine hits the peers and the sizes alike.
Each operation's time is the median of its rounds (an operation taking less than a
second at the biggest size is run several times in each round, as many as fit in a
second there and at most ``--quick-runs``, 9 by default, the same number at every size,
the round keeping their median).

Every timed run, of every peer, is read back as a new session would: in a Python
process of its own, started for that run alone.  Untimed, that process imports the
libraries (archived, joblib, diskcache: the same modules whichever peer it times, as a
user's session would have imported theirs), makes its peer's cache object as the
user's script would (the decorated function, the ``Memory``, the ``Cache``), does what
its row asks before the operation (removes archived's index file for "no index yet";
starts the 2 loky workers of a parallel rerun, for every peer's rerun alike), and
empties the CPU's caches (a buffer twice the biggest is written); then only the
operation is timed, and its result checked after the clock stops.  So no run reuses
memory, pages, caches or in-memory state that an earlier run left in the process: a
run of 1,000 entries takes its memory from the kernel as a run of 100,000 does, which
is what a new session finds (timed one after the other in one long-lived process, the
1,000 entries' runs reused pages the process already held, 0.01 page faults per entry
against 0.8-1.2 at 20,000 entries).  What is on disk is kept, as it would be: the
stores, archived's read-side index file, the page cache.  Modules are imported from
their byte code, as an installed package's are (see ``session_env``).  The operations:

* ``table()``: archived ``func.table(frame=False)``; joblib.Memory: walk its cache folder
  and load every call's arguments and output; diskcache: iterate the cache and get every
  item; floor: read every archived entry file.  ``table(), no index`` removes archived's
  read-side index first (the first table of a store in its lifetime).
* ``where(x=...)``: archived ``func.where(x=N//2)`` (compared with iterating diskcache).
* rerun of a finished sweep (every point stored): archived ``sweep(func, grid,
  n_jobs=2)``; joblib ``Parallel(n_jobs=2)`` over the ``Memory``-cached function;
  diskcache a loop over the memoized function.
* ``ls``: ``archived ls STORE`` (its ``main()``, output to /dev/null): the entry
  names, one a line; diskcache: iterate its keys and print each; floor: list the
  directory and print each name.
* ``ls -l``: ``archived ls -l STORE``: the table of every entry's kind,
  function, parameters, size and date; floor (what any listing of sizes and dates
  costs): list, stat and print each file.
* ``verify``: ``archived verify STORE`` (its ``main()``); floor: read, compile and
  execute each entry file once.

``--only table,rerun`` times only those operations.  The table then lists the ratios
against the targets of issue 13 and the growth exponents between the sizes: time ~ N^k,
k computed in each round from that round's pair of times (so a load phase that slows one
round slows both sizes of its pair), and the median of the rounds'
k printed with their range; then the same exponents in the timed processes' CPU time
(what a busy machine adds to the wall time left out; no target, which is in time).
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
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


def fill_ours(root, n):
    """archived's store of the N calls, filled by a 2-worker sweep; returns (the decorated
    function, seconds the sweep took)."""
    ours = archived(os.path.join(root, f"ours{n}"), version="1", durable=False)(point)
    start = time.perf_counter()
    sweep(ours, {"x": list(range(n))}, n_jobs=2, progress=False)
    return ours, time.perf_counter() - start


def fill(root, n):
    """The three caches of the same N calls; returns (ours, joblib func, diskcache memo)."""
    ours, seconds = fill_ours(root, n)
    filled = {"archived": seconds}
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
    count = 0
    for item in os.scandir(folder):
        if item.name.endswith(".py") and not item.name.startswith("_"):
            with open(item.path, "rb") as f:
                f.read()
            count += 1
    return count


def exec_every_file(folder):
    count = 0
    for item in os.scandir(folder):
        if item.name.endswith(".py") and not item.name.startswith("_"):
            with open(item.path, "rb") as f:
                code = compile(f.read(), item.path, "exec")
            exec(code, {"__name__": "entry"})
            count += 1
    return count


def list_and_print(folder, sink):
    names = sorted(os.listdir(folder))
    for name in names:
        print(name, file=sink)
    return len(names)


def list_stat_and_print(folder, sink):
    """What ``ls -l`` does: list, stat each file, print its name, size and date."""
    items = sorted(os.scandir(folder), key=lambda item: item.name)
    for item in items:
        st = item.stat(follow_symlinks=False)
        print(
            item.name,
            st.st_size,
            time.strftime("%Y-%m-%d %H:%M", time.localtime(st.st_mtime)),
            file=sink,
        )
    return len(items)


def prepare(root, n):
    """Fill the stores of size ``n``; return what the rounds run on them."""
    ours, theirs, cache, memo, filled = fill(root, n)
    rows = ours.table(frame=False)  # builds the index once, as the first table does
    by_x = {row["x"]: row for row in rows}
    assert len(rows) == n and by_x[7]["energy"] == 3.5, rows[:2]
    if cache is not None:
        cache.close()
    paths = {
        "root": root,
        "archived": os.path.join(root, f"ours{n}"),
        "folder": ours.store.path,
        "joblib": os.path.join(root, f"joblib{n}"),
        "diskcache": os.path.join(root, f"diskcache{n}"),
    }
    keys = [key for key in OPS if diskcache is not None or key[1] != "diskcache"]

    def after_round():
        forget()
        ours.table(frame=False)  # leave an index behind (the no-index run removed it)

    got = {("fill", k): [v] for k, v in filled.items()}
    return {"n": n, "paths": paths, "ops": keys, "after_round": after_round, "times": got}


# ---- one timed run, in a new process --------------------------------------------------
#
# Every timed run of every peer is a Python process of its own (this script, run with
# --one), as a user's new session is: it imports the same modules (archived, joblib,
# diskcache, whichever peer it times), makes its peer's cache object as a session's
# script would (the decorated function, the Memory, the Cache), does what the row asks
# before the operation (removes archived's index file for "no index yet"; starts the 2
# loky workers of a rerun, for every peer alike), empties the CPU's caches, and only then
# starts the clock.  The time is exactly the operation's; its result is checked after the
# clock stops.  So no run finds memory, pages or data that an earlier run left in the
# process: every run, at every size, takes its memory from the kernel as a new session
# does (a long-lived process timing the operations one after the other handed the 1,000
# entries' runs pages the process already held, 0.01 page faults per entry against
# 0.8-1.2 at 20,000 and 100,000).


def _quiet(fn):
    def run():
        with open(os.devnull, "w") as sink, output_to(sink):
            return fn(sink)

    return run


def _session(key, n, paths):
    """What a new session does before the timed operation: returns (operation, check),
    ``check`` telling from the operation's result that it did the whole job."""
    row, peer = key
    folder = paths["folder"]
    if row == "rerun":  # the workers of a parallel run, started before the clock
        Parallel(n_jobs=2)(delayed(point)(x) for x in range(4))
    if peer == "archived":
        ours = archived(paths["archived"], version="1", durable=False)(point)
        if row == "table0":
            with contextlib.suppress(FileNotFoundError):
                os.remove(os.path.join(folder, INDEX_FILE))
        grid = {"x": list(range(n))}
        return {
            "table": (lambda: ours.table(frame=False), lambda r: len(r) == n),
            "table0": (lambda: ours.table(frame=False), lambda r: len(r) == n),
            "where": (lambda: ours.where(x=n // 2), lambda r: len(r) == 1),
            "rerun": (lambda: sweep(ours, grid, n_jobs=2, progress=False), lambda r: len(r) == n),
            "ls": (_quiet(lambda sink: cli_main(["ls", folder])), lambda r: r == 0),
            "ls-l": (_quiet(lambda sink: cli_main(["ls", "-l", folder])), lambda r: r == 0),
            "verify": (_quiet(lambda sink: cli_main(["verify", folder])), lambda r: r == 0),
        }[row]
    if peer == "joblib":
        theirs = Memory(paths["joblib"], verbose=0).cache(point)
        return {
            "table": (lambda: joblib_walk(theirs), lambda r: len(r) == n),
            "rerun": (
                lambda: Parallel(n_jobs=2)(delayed(theirs)(x) for x in range(n)),
                lambda r: len(r) == n and r[7]["energy"] == 3.5,
            ),
        }[row]
    if peer == "diskcache":
        cache = diskcache.Cache(paths["diskcache"])
        memo = cache.memoize(name="point")(point)
        return {
            "table": (lambda: diskcache_items(cache), lambda r: len(r) == n),
            "rerun": (
                lambda: [memo(x) for x in range(n)],
                lambda r: len(r) == n and r[7]["energy"] == 3.5,
            ),
            "ls": (
                _quiet(lambda sink: sum(1 for key in cache if print(key, file=sink) is None)),
                lambda r: r == n,
            ),
        }[row]
    return {  # the floors: what reading, listing or executing the entry files costs
        "table": (lambda: read_every_file(folder), lambda r: r >= n),
        "ls": (_quiet(lambda sink: list_and_print(folder, sink)), lambda r: r >= n),
        "ls-l": (_quiet(lambda sink: list_stat_and_print(folder, sink)), lambda r: r >= n),
        "verify": (lambda: exec_every_file(folder), lambda r: r >= n),
    }[row]


def run_one(spec):
    """The body of a timed process: set up untimed, time the operation, print seconds."""
    warnings.simplefilter("ignore")
    key, n = tuple(spec["key"]), spec["n"]
    operation, check = _session(key, n, spec["paths"])
    evict_caches()  # once untimed: the buffer's pages are the process's before the clock
    evict_caches()
    if spec.get("idle"):  # the session alone (bench_instructions.py subtracts its count)
        print(RESULT + json.dumps({"seconds": 0.0, "cpu": 0.0, "faults": 0}), flush=True)
        return
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    result = operation()
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    if not check(result):
        raise SystemExit(f"{key} at {n}: the operation did not do the whole job: {result!r:.200}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    faults = after.ru_minflt - before.ru_minflt
    print(RESULT + json.dumps({"seconds": elapsed, "cpu": cpu, "faults": faults}), flush=True)


RESULT = "bench_many run: "
RAW = None  # the file of --raw

# the operations, in the order a round runs them: (row, peer)
OPS = [
    ("table", "archived"),
    ("table0", "archived"),
    ("table", "joblib"),
    ("table", "floor"),
    ("table", "diskcache"),
    ("where", "archived"),
    ("rerun", "archived"),
    ("rerun", "joblib"),
    ("rerun", "diskcache"),
    ("ls", "archived"),
    ("ls", "floor"),
    ("ls", "diskcache"),
    ("ls-l", "archived"),
    ("ls-l", "floor"),
    ("verify", "archived"),
    ("verify", "floor"),
]


def session_env(root):
    """The environment of the timed processes: this one's, with byte-code caches.

    An installed package's modules are imported from their compiled byte code; where
    the environment says not to write it (PYTHONDONTWRITEBYTECODE, as this project's
    machines do), every module a timed operation imports the first time (archived's
    and the peers' lazily imported ones) would be compiled from source inside the
    timed part, 8 ms of a new session's table() of 5 entries.  So the timed processes
    keep their byte code under the benchmark's own folder (PYTHONPYCACHEPREFIX; nothing
    is written beside the sources), filled by one untimed run of every operation
    (:func:`warm_up`) before the rounds.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = os.path.join(root, "pycache")
    return env


def in_new_process(key, n, paths, tag="warm-up"):
    """One run of operation ``key`` at size ``n``, timed in a new process: its
    ``seconds``, ``cpu`` (seconds of CPU time) and page ``faults``."""
    spec = json.dumps({"key": key, "n": n, "paths": paths})
    done = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--one", spec],
        capture_output=True,
        text=True,
        check=False,
        env=session_env(paths["root"]),
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT)]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{key} at {n} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    run = json.loads(lines[-1][len(RESULT) :])
    if RAW is not None:  # --raw FILE: every timed run, with its CPU time and page faults
        print(json.dumps({"key": key, "n": n, "round": tag, **run}), file=RAW, flush=True)
    return run


# an operation whose run at the biggest size takes less than QUICK_SPENT seconds is
# timed several times in each round (as many as fit in QUICK_SPENT at that size, at most
# --quick-runs), each in its own process, and the round keeps their median: one run of a
# few milliseconds is at the mercy of the scheduler of a shared machine.  The count is
# the operation's, the same at every size: when a size's count was its own (the runs of
# under 0.1 s timed up to 9 times, the others once), ls kept the median of 9 runs at
# 20,000 entries and one run at 100,000, and a slow spell caught by that one run showed
# as growth (ls's 20k->100k exponent 1.09 [0.95-1.25] in one run of the benchmark, 0.94
# for medians of 9 runs at both sizes, alternating, minutes later).  The biggest size's
# time is taken once, untimed, before the rounds (:func:`pilot`).
QUICK_RUNS, QUICK_SPENT = 9, 1.0


def runs_of(seconds_at_biggest, quick_runs):
    """How many runs a round times of an operation that took ``seconds_at_biggest`` at
    the biggest size: as many as fit in QUICK_SPENT, at least 1, at most ``quick_runs``.

    >>> runs_of(0.12, 9), runs_of(0.3, 9), runs_of(4.0, 9), runs_of(0.01, 5)
    (8, 3, 1, 5)
    """
    return max(1, min(quick_runs, int(QUICK_SPENT / max(seconds_at_biggest, 1e-9))))


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
# (its data outgrows the caches, and the other size ran in between).  When the runs of a
# quick operation were timed one after the other in one process, each found the previous
# run's data in the caches: at 1,000 entries table() took 11.6 us of CPU per entry right
# after itself, 13.9 after the caches were emptied (medians of 8), which alone raised its
# 1k->20k exponent by 0.06, and the rerun of a finished sweep 25.2 and 28.7.  (Made in
# the timed process only: the parent, which times nothing, keeps no such buffer.)
_EVICT = None
_LINE = 64


def evict_caches():
    """Write a buffer twice the CPU's biggest cache, a byte per cache line."""
    global _EVICT
    if _EVICT is None:
        _EVICT = bytearray(2 * cache_bytes())
    _EVICT[::_LINE] = bytes([_EVICT[0] ^ 1]) * len(range(0, len(_EVICT), _LINE))


def timed(key, n, paths, runs, tag):
    """Seconds and CPU seconds of operation ``key`` at size ``n`` in this round: the
    medians of ``runs`` runs, each in a new process."""
    got = [in_new_process(key, n, paths, tag) for _ in range(runs)]
    return statistics.median(r["seconds"] for r in got), statistics.median(r["cpu"] for r in got)


def warm_up(bench):
    """One untimed run of every operation, in a new process each, at one size: writes
    the byte code of every module the operations import (see :func:`session_env`)."""
    for key in bench["ops"]:
        in_new_process(key, bench["n"], bench["paths"])
    bench["after_round"]()


def pilot(bench, quick_runs):
    """One untimed run of every operation at the biggest size: (row, peer) -> the number
    of runs each round times it, at every size (see :func:`runs_of`)."""
    runs = {}
    for key in bench["ops"]:
        runs[key] = runs_of(in_new_process(key, bench["n"], bench["paths"])["seconds"], quick_runs)
    bench["after_round"]()
    return runs


def measure(prepared, repeats, quick_runs):
    """Run the rounds; ``repeats``: size -> its rounds (a size takes part in the first
    ``repeats[n]`` rounds).  Returns size -> {(row, peer): [seconds of each round]}, and
    the same of CPU seconds (the timed process's own: a parallel run's workers are not in
    it)."""
    sizes = sorted(prepared)
    times = {n: prepared[n]["times"] for n in sizes}
    cpus: dict[int, dict] = {n: {} for n in sizes}
    for n in sizes:
        for key in prepared[n]["ops"]:
            times[n][key] = []
            cpus[n][key] = []
    count = len(prepared[sizes[0]]["ops"])
    warm_up(prepared[sizes[0]])
    # (one run each needs no pilot)
    runs = (
        pilot(prepared[sizes[-1]], quick_runs)
        if quick_runs > 1
        else dict.fromkeys(prepared[sizes[-1]]["ops"], 1)
    )
    for round_ in range(max(repeats.values())):
        order = sizes if round_ % 2 == 0 else sizes[::-1]
        active = [n for n in order if round_ < repeats[n]]
        for i in range(count):  # one operation at every size, one after the other
            for n in active:
                key = prepared[n]["ops"][i]
                seconds, cpu = timed(key, n, prepared[n]["paths"], runs[key], round_ + 1)
                times[n][key].append(seconds)
                cpus[n][key].append(cpu)
        for n in active:
            prepared[n]["after_round"]()
        print(f"round {round_ + 1} done, load average {os.getloadavg()[0]:.1f}", file=sys.stderr)
    return times, cpus


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


def report_growth(times, cpus=None):
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
    if cpus is not None:
        # the same in CPU time: what a busy machine adds to the wall time (waiting for a
        # core, for the disk) left out; no target, which is stated in time
        print("\ngrowth exponents of archived in CPU time (same rounds; no target):")
        _growth_rows(cpus, pairs, ours, limit=None)
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
    parser.add_argument(
        "--quick-runs",
        type=int,
        default=QUICK_RUNS,
        help=f"most new processes timing an operation in a round (as many as take {QUICK_SPENT} s"
        f" at the biggest size), the round keeping their median (default {QUICK_RUNS})",
    )
    parser.add_argument(
        "--raw", default=None, help="write every timed run (seconds, CPU, page faults) to FILE"
    )
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)  # a timed process
    options = parser.parse_args()
    if options.one is not None:
        run_one(json.loads(options.one))
        return
    global RAW
    if options.raw is not None:
        RAW = open(options.raw, "w")  # noqa: SIM115 (open for the whole run)
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
                prepared[n]["ops"] = [key for key in prepared[n]["ops"] if key[0] in only]
        repeats = {
            n: options.repeats_100k
            if n >= 100_000 and options.repeats_100k is not None
            else options.repeats
            for n in sizes
        }
        times, cpus = measure(prepared, repeats, max(1, options.quick_runs))
        print(f"load average {os.getloadavg()[0]:.1f} at the end")
        for n in sizes:
            report_size(n, {key: statistics.median(values) for key, values in times[n].items()})
        report_growth(times, cpus)
    finally:  # (minutes for 100,000 entries of joblib's: a folder each)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
