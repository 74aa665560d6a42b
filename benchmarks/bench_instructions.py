"""Growth in instructions: archived's operations on many entries, counted by valgrind.

Run:  python benchmarks/bench_instructions.py [--sizes 1000,20000] [--with-100k]
          [--only table,rerun] [--dir DIR]

``bench_many.py`` times each operation against its peers.  On a shared machine its
growth exponents swing with what the other tenants do to the memory caches: the same
code's rerun of a finished sweep grew as 1.28 from 20k to 100k entries in one run and as
0.89-0.97 in runs minutes later.  This script counts instead of timing.  Each operation
runs in a new process exactly as ``bench_many`` times it (its ``--one`` session: the
same imports, set-up and operation), under valgrind's cachegrind, which counts the
instructions executed; the same session without the operation is counted too and
subtracted.  The counts do not depend on the load, so the exponent ``k`` of
``instructions ~ N**k`` says whether the code does more work per entry as the store
grows.  What it cannot see is the memory hierarchy: a working set that outgrows the
CPU's caches makes each instruction slower, not more numerous, so a time exponent above
the instruction exponent is the machine's share.

Only archived's own operations are counted (a peer's parallel rerun runs in worker
processes, which valgrind does not follow).  Needs ``valgrind`` on the PATH; a count
takes 20-60 times the operation's time (about 15 minutes for every operation with
``--with-100k``).  Hash randomization is fixed (``PYTHONHASHSEED=0``) so that two runs
count alike.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings

import bench_many

# archived's operations, as bench_many names and runs them
OPERATIONS = [key for key in bench_many.OPS if key[1] == "archived"]
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def instructions(key, n, paths, idle=False):
    """Instructions of one ``bench_many --one`` session of operation ``key`` at size
    ``n``; ``idle``: of the session without its operation."""
    spec = json.dumps({"key": key, "n": n, "paths": paths, "idle": idle})
    env = {**bench_many.session_env(paths["root"]), "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        [
            *("valgrind", "--tool=cachegrind", "--cache-sim=no"),
            "--cachegrind-out-file=/dev/null",
            *(sys.executable, bench_many.__file__, "--one", spec),
        ],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    found = _REFS.findall(done.stderr)
    if done.returncode != 0 or bench_many.RESULT not in done.stdout or not found:
        raise RuntimeError(f"{key} at {n} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return int(found[-1].replace(",", ""))


def prepare(root, n):
    """archived's store of ``n`` entries with its index, and the paths a session takes."""
    ours, _ = bench_many.fill_ours(root, n)
    ours.table(frame=False)  # the read-side index, as bench_many leaves it

    def restore_index():  # "table(), no index yet" removed it
        bench_many.forget()
        ours.table(frame=False)

    paths = {"root": root, "archived": os.path.join(root, f"ours{n}"), "folder": ours.store.path}
    return paths, restore_index


def count(stores, operations):
    """Instructions per entry: {(operation, n): net instructions / n}."""
    per_entry = {}
    for key in operations:
        for n, (paths, restore_index) in stores.items():
            # once untimed first: what a first run leaves (its index rows saved) is
            # what every one of bench_many's rounds but its first finds
            bench_many.in_new_process(key, n, paths)
            restore_index()
            idle = instructions(key, n, paths, idle=True)
            busy = instructions(key, n, paths)
            restore_index()
            per_entry[key, n] = (busy - idle) / n
            print(
                f"{key[0]} at {n:,}: {busy - idle:,} instructions ({busy:,} - {idle:,} idle)",
                file=sys.stderr,
            )
    return per_entry


def exponent(per_entry, key, a, b):
    """k of instructions ~ N**k between sizes ``a`` and ``b``."""
    low, high = per_entry[key, a] * a, per_entry[key, b] * b
    if low <= 0 or high <= 0:
        return float("nan")
    return math.log(high / low) / math.log(b / a)


def report(per_entry, operations, sizes):
    names = dict(bench_many.ROWS)
    pairs = list(zip(sizes[:-1], sizes[1:], strict=True))
    if len(sizes) > 2:
        pairs.append((sizes[0], sizes[-1]))
    head = ["operation", *(f"at {n:,}" for n in sizes), *(f"{a:,}->{b:,}" for a, b in pairs)]
    print("instructions per entry, and growth exponents (instructions ~ N^k, limit 1.05):")
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    for key in operations:
        cells = [names[key[0]], *(f"{per_entry[key, n]:,.0f}" for n in sizes)]
        for a, b in pairs:
            k = exponent(per_entry, key, a, b)
            cells.append(f"{k:.3f}" + ("" if k <= 1.05 else " MISSED"))
        print("| " + " | ".join(cells) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,20000", help="comma-separated store sizes")
    parser.add_argument("--with-100k", action="store_true", help="add a 100,000-entry store")
    parser.add_argument("--only", default=None, help="comma-separated operations to count")
    parser.add_argument("--dir", default=None, help="where the stores go (default: a temp dir)")
    options = parser.parse_args()
    if shutil.which("valgrind") is None:
        parser.error("valgrind is not installed (apt install valgrind)")
    sizes = sorted(
        {int(s) for s in options.sizes.split(",")} | ({100_000} if options.with_100k else set())
    )
    operations = OPERATIONS
    if options.only is not None:
        wanted = set(options.only.split(","))
        unknown = wanted - {key[0] for key in OPERATIONS}
        if unknown:
            parser.error(f"--only: no operation {', '.join(sorted(unknown))}")
        operations = [key for key in OPERATIONS if key[0] in wanted]
    warnings.simplefilter("ignore")
    root = tempfile.mkdtemp(prefix="bench_instructions_", dir=options.dir)
    try:
        stores = {n: prepare(root, n) for n in sizes}
        report(count(stores, operations), operations, sizes)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
