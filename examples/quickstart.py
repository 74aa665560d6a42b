"""Quickstart: cache a slow function, re-run it instantly, open its results as a module.

Run it with ``python examples/quickstart.py``; it works in a temporary directory that it
removes at the end, and takes a few seconds.
"""

import importlib
import os
import sys
import tempfile
import time

from archived import archived
from archived.__main__ import main as archived_command

with tempfile.TemporaryDirectory() as workdir:
    store = os.path.join(workdir, "results")

    # 1. Decorate: every call's result is kept in the store, keyed by its arguments.
    @archived(store)
    def simulate(mu, n=1000):
        """A stand-in for a slow experiment."""
        time.sleep(1.0)
        return {"mean": mu * n / 2, "steps": list(range(3))}

    # 2. Run: the first call computes (about a second) ...
    start = time.perf_counter()
    first = simulate(1.5)
    print(f"first call:  {first} in {time.perf_counter() - start:.2f} s (computed)")

    # 3. ... re-run: the same call loads the stored result instantly.
    start = time.perf_counter()
    again = simulate(1.5)
    print(f"second call: {again} in {time.perf_counter() - start:.3f} s (loaded)")
    assert again == first

    # f(1.5), f(mu=1.5) and f(1.5, n=1000) are the same call: one entry.
    simulate(mu=1.5, n=1000)
    print(f"stored calls: {[params for params, _ in simulate]}")

    # 4. The store is a directory of readable Python files ...
    entry = next(name for name in sorted(os.listdir(store)) if name.startswith("simulate_"))
    print(f"\nthe store {os.path.basename(store)}/ holds {sorted(os.listdir(store))}")
    print(f"--- {entry} ---")
    with open(os.path.join(store, entry)) as f:
        print(f.read().rstrip())

    # 5. ... and an importable module: put its parent directory on sys.path.
    sys.path.insert(0, workdir)
    results = importlib.import_module("results")
    name = entry[: -len(".py")]
    print(f"\nimport results; results.{name} == {getattr(results, name)}")
    print(f"its info: parameters={results._info_dict[name].info['parameters']}")
    sys.path.remove(workdir)

    # 6. The command line lists what is stored: python -m archived ls -l <store>
    #    (without -l: the entry names alone, one a line)
    print(f"\n$ python -m archived ls -l {os.path.basename(store)}")
    archived_command(["ls", "-l", store])
