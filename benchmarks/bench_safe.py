"""Benchmark: the safe load (check + bounded evaluation) against the normal load (exec).

Each workload is archived once; the source is then restored with ``restore(src)`` and
``restore(src, safe=True)``, alternately, ``--repeats`` times (so the disk's and the
machine's drift hit both alike), the results are checked to be identical (same archive
source), and the medians are printed with their ratio.  Every run loads the source for
the first time: a comment line numbering the run makes each text new, so the trusted
load's code cache (:mod:`archived.load.codecache`, which makes loading the same text
again nearly free) does not serve it.  Reading every entry of a DataSet (small entries,
inline and HDF5 arrays, each read again by every run: the way a program reads a store)
and ``verify`` are timed the same way.

``--clock cpu`` times the process's CPU seconds instead of wall-clock seconds: on a
machine busy with other work, wall-clock medians measure the other work.

Run:  python benchmarks/bench_safe.py [--repeats 15] [--n 10000] [--clock wall|cpu]
"""

from __future__ import annotations

import argparse
import collections
import datetime
import decimal
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from archived import Archive, DataSet, restore, verify


class Point:
    """A user class with an archive_1 method (scoped form)."""

    def __init__(self, x: Any, y: Any) -> None:
        self.x, self.y = x, y

    def archive_1(self) -> tuple[str, dict[str, Any], list[tuple[str, str, str]]]:
        return ("Point(x=x, y=y)", {"x": self.x, "y": self.y}, [(__name__, "Point", "Point")])


def workloads(n: int) -> dict[str, Any]:
    shared = [1, 2.5]
    utc = datetime.timezone.utc
    return {
        "floats and ints": [i * 0.5 if i % 2 else i for i in range(n)],
        "dict of small lists": {f"k{i}": [i, i * 0.25, "x"] for i in range(n // 10)},
        "shared references": [shared, (shared,)] * (n // 20),
        "stdlib values": [
            collections.OrderedDict(a=i) if i % 2 else datetime.date(2020, 1, 1 + i % 28)
            for i in range(n // 10)
        ],
        "dtypes, tz, decimals": [
            [
                np.dtype([("x", "<f8"), ("n", ">i4")]),
                datetime.datetime(2020, 1, 1, i % 24, tzinfo=utc),
            ]
            if i % 2
            else [np.dtype(">f4"), decimal.Decimal("NaN"), np.float32(i)]
            for i in range(n // 20)
        ],
        "numpy inline arrays": [np.arange(10.0) * i for i in range(n // 100)],
        "archive_1 objects": [Point(i, [i]) for i in range(n // 100)],
    }


CLOCK = time.perf_counter


def alternating(funcs: list[Callable[[int], Any]], repeats: int) -> list[float]:
    """The median time of each of ``funcs``, called with the run's number, one after the
    other ``repeats`` times."""
    times: list[list[float]] = [[] for _ in funcs]
    for run in range(repeats):
        for func, spent in zip(funcs, times, strict=True):
            start = CLOCK()
            func(run)
            spent.append(CLOCK() - start)
    return [statistics.median(t) for t in times]


def source_of(value: Any) -> str:
    a = Archive()
    a.insert(v=value)
    return str(a)


def row(name: str, size: str, normal: float, safe: float) -> float:
    print(f"{name:24} {size:>9} {normal * 1e3:9.2f} {safe * 1e3:9.2f} {safe / normal:9.2f}")
    return safe / normal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    args = parser.parse_args()
    global CLOCK
    CLOCK = time.perf_counter if args.clock == "wall" else time.process_time
    allow = [__name__]
    print(
        f"python {sys.version.split()[0]}, numpy {np.__version__}, n={args.n}, "
        f"medians of {args.repeats} alternating runs, {args.clock} clock"
    )
    print(f"{'workload':24} {'source KB':>9} {'exec ms':>9} {'safe ms':>9} {'safe/exec':>9}")
    ratios = []
    for name, value in workloads(args.n).items():
        src = source_of(value)
        assert "_loads(" not in src, name
        assert source_of(restore(src, safe=True, allow=allow)["v"]) == source_of(restore(src)["v"])
        normal, safe = alternating(
            [
                lambda run, src=src: restore(f"{src}# {run}\n"),
                lambda run, src=src: restore(f"{src}# {run}\n", safe=True, allow=allow),
            ],
            args.repeats,
        )
        ratios.append(row(name, f"{len(src) / 1024:.1f}", normal, safe))
    with tempfile.TemporaryDirectory() as folder:
        ds = DataSet("bench", "w", path=folder, durable=False)
        for i in range(200):
            ds._insert([i, i * 0.5, {"a": np.arange(5.0)}], info={"i": i})
        for i in range(20):
            ds._insert(np.arange(1e5) + i, info={"i": i})  # 800 kB each, in HDF5
        names = list(ds)
        trusted = DataSet("bench", path=folder)
        checked = DataSet("bench", path=folder, safe=True)

        def read_all(store: DataSet) -> None:
            for entry in names:
                getattr(store, entry)
                store[entry]

        normal, safe = alternating(
            [lambda run: read_all(trusted), lambda run: read_all(checked)], args.repeats
        )
        ratios.append(row(f"read {len(names)} entries", "", normal, safe))
        path = os.path.join(folder, "bench")
        normal, safe = alternating(
            [lambda run: verify(path), lambda run: verify(path, safe=True)],
            max(3, args.repeats // 3),
        )
        row(f"verify {len(names)} entries", "", normal, safe)
    print(f"safe/exec: at most {max(ratios):.2f}, median {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
