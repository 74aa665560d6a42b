"""Benchmark: the safe load (ast check + evaluation) against the normal load (exec).

Each workload is archived once; the source is then restored with ``restore(src)`` and
``restore(src, safe=True)``, the results are checked to be identical (same archive source),
and the median times are printed with their ratio.  ``verify`` of a DataSet is timed too,
normal and safe.

Run:  python benchmarks/bench_safe.py [--repeats 5] [--n 10000]
"""

from __future__ import annotations

import argparse
import collections
import datetime
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
    return {
        "floats and ints": [i * 0.5 if i % 2 else i for i in range(n)],
        "dict of small lists": {f"k{i}": [i, i * 0.25, "x"] for i in range(n // 10)},
        "shared references": [shared, (shared,)] * (n // 20),
        "stdlib values": [
            collections.OrderedDict(a=i) if i % 2 else datetime.date(2020, 1, 1 + i % 28)
            for i in range(n // 10)
        ],
        "numpy inline arrays": [np.arange(10.0) * i for i in range(n // 100)],
        "archive_1 objects": [Point(i, [i]) for i in range(n // 100)],
    }


def median_time(func: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def source_of(value: Any) -> str:
    a = Archive()
    a.insert(v=value)
    return str(a)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    allow = [__name__]
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, n={args.n}")
    print(f"{'workload':24} {'source KB':>9} {'exec ms':>9} {'safe ms':>9} {'safe/exec':>9}")
    for name, value in workloads(args.n).items():
        a = Archive()
        a.insert(v=value)
        src = str(a)
        normal = median_time(lambda src=src: restore(src), args.repeats)
        safe = median_time(lambda src=src: restore(src, safe=True, allow=allow), args.repeats)
        assert source_of(restore(src, safe=True, allow=allow)["v"]) == source_of(restore(src)["v"])
        print(
            f"{name:24} {len(src) / 1024:9.1f} {normal * 1e3:9.2f} {safe * 1e3:9.2f} "
            f"{safe / normal:9.2f}"
        )
    with tempfile.TemporaryDirectory() as folder:
        ds = DataSet("bench", "w", path=folder, durable=False)
        for i in range(200):
            ds._insert([i, i * 0.5, {"a": np.arange(5.0)}], info={"i": i})
        big = np.arange(1e6)
        ds.big = big
        path = os.path.join(folder, "bench")
        normal = median_time(lambda: verify(path), args.repeats)
        safe = median_time(lambda: verify(path, safe=True), args.repeats)
        print(
            f"{'verify 201 entries':24} {'':9} {normal * 1e3:9.2f} {safe * 1e3:9.2f} "
            f"{safe / normal:9.2f}"
        )


if __name__ == "__main__":
    main()
