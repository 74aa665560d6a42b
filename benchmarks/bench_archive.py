"""Benchmark: archive to source and restore, against persist 3.2.1, pickle and repr+exec.

The data is a dict of N entries whose values are small lists, tuples and floats; every list
and tuple is the value of two entries, so it is shared.  Each method turns the dict into
bytes or text and back, and its result is checked for equality (and, for ``archived`` and
``pickle``, for the sharing).  Times are medians over repeats, all in the same run.

Run:  python benchmarks/bench_archive.py [--sizes 1000 10000 100000] [--repeats 3]
persist is optional (``pip install persist==3.2.1``, the ``bench`` extra); without it its
column is skipped.
"""

from __future__ import annotations

import argparse
import math
import pickle
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from archived import Archive, restore


def make_data(n: int) -> dict[str, Any]:
    """N entries over N/2 values: lists and tuples each referenced twice, plus floats."""
    values: list[Any] = []
    for j in range(max(n // 2, 1)):
        kind = j % 3
        if kind == 0:
            values.append([j * 0.5, j])
        elif kind == 1:
            values.append((j, j * 0.25))
        else:
            values.append(j * 0.1)
    return {f"k{i}": values[i % len(values)] for i in range(n)}


def via_archived(data: dict[str, Any]) -> Any:
    arch = Archive()
    arch.insert(d=data)
    return restore(str(arch))["d"]


def via_persist(data: dict[str, Any]) -> Any:
    from persist.archive import Archive as PersistArchive

    arch = PersistArchive()
    arch.insert(d=data)
    env: dict[str, Any] = {}
    exec(str(arch), env)
    return env["d"]


def via_pickle(data: dict[str, Any]) -> Any:
    return pickle.loads(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))


def via_repr_exec(data: dict[str, Any]) -> Any:
    env: dict[str, Any] = {}
    exec("d = " + repr(data), env)
    return env["d"]


def shares(d: dict[str, Any], n: int) -> bool:
    half = max(n // 2, 1)
    return n < 2 * half or all(d[f"k{i}"] is d[f"k{i + half}"] for i in range(0, half, 3))


def median_times(
    methods: dict[str, Callable[[Any], Any]], data: Any, repeats: int
) -> dict[str, tuple[float, float, Any]]:
    """Median wall and CPU time of each method.  The methods take turns in every round, so
    a change in the machine's load affects all of them alike; CPU time (of this process)
    is the figure that other processes on a busy machine disturb least."""
    wall: dict[str, list[float]] = {name: [] for name in methods}
    cpu: dict[str, list[float]] = {name: [] for name in methods}
    outs: dict[str, Any] = {}
    for _ in range(repeats):
        for name, fn in methods.items():
            c0, t0 = time.process_time(), time.perf_counter()
            outs[name] = fn(data)
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
    return {
        name: (statistics.median(wall[name]), statistics.median(cpu[name]), outs[name])
        for name in methods
    }


def exponent(sizes: list[int], times: list[float]) -> float:
    xs = [math.log(n) for n in sizes]
    ys = [math.log(t) for t in times]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--repeats", type=int, default=5, help="rounds at N >= 10000 (more below)")
    args = parser.parse_args(argv)
    methods: dict[str, Callable[[Any], Any]] = {
        "archived": via_archived,
        "persist": via_persist,
        "pickle": via_pickle,
        "repr+exec": via_repr_exec,
    }
    try:
        import persist  # noqa: F401
    except ImportError:
        print("persist not installed: its column is skipped", file=sys.stderr)
        del methods["persist"]
    results: dict[str, dict[str, list[float]]] = {
        clock: {m: [] for m in methods} for clock in ("wall", "cpu")
    }
    rows: dict[str, list[str]] = {"wall": [], "cpu": []}
    for n in args.sizes:
        data = make_data(n)
        repeats = max(1, args.repeats * 10**4 // max(n, 10**3) // 2) if n < 10**4 else args.repeats
        for name, (wall, cpu, out) in median_times(methods, data, repeats).items():
            if out != data:
                raise SystemExit(f"{name} did not restore the data at N={n}")
            if name in ("archived", "pickle") and not shares(out, n):
                raise SystemExit(f"{name} lost shared references at N={n}")
            results["wall"][name].append(wall)
            results["cpu"][name].append(cpu)
        for clock, table in results.items():
            arch = table["archived"][-1]
            ratio = table["persist"][-1] / arch if "persist" in table else float("nan")
            line = f"{n:>8} " + " ".join(f"{table[m][-1]:>14.4f}" for m in methods)
            rows[clock].append(line + f" {ratio:>13.1f} {arch / table['repr+exec'][-1]:>10.2f}")
        print(f"N={n} done", file=sys.stderr, flush=True)
    header = f"{'N':>8} " + " ".join(f"{m + ' [s]':>14}" for m in methods)
    header += f" {'persist/arch':>13} {'arch/repr':>10}"
    for clock, title in (("wall", "wall-clock"), ("cpu", "CPU (this process)")):
        print(
            f"\npython {sys.version.split()[0]}, str + restore, {title} seconds, "
            "median of interleaved rounds"
        )
        print(header)
        print("\n".join(rows[clock]))
        if len(args.sizes) > 1:
            print(
                "scaling exponent (log-log fit of time vs N): "
                + ", ".join(
                    f"{name} {exponent(args.sizes, times):.2f}"
                    for name, times in results[clock].items()
                )
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
