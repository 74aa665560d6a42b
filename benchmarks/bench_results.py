"""Result types as readable source: their cost against pickle, numpy and raw bytes.

Four measurements, each against peers run in the same process on the same disk, the
sides taking turns (medians of ``--repeats``):

1. a 200k x 5 DataFrame result: stored (``DataSet`` insert, ``durable=False`` like a
   pickle file) and hit (``@archived`` function) against ``df.to_pickle`` /
   ``pd.read_pickle``, and its size on disk against the raw bytes of its columns;
2. a dataclass holding arrays against a dict holding the same arrays (write + read);
3. a memory-mapped hit of a big array (``mmap_mode="r"``) against reading it, and the
   peak RSS it adds before the data is touched (each in a fresh process);
4. ``compress=True`` writes of compressible arrays against ``np.savez_compressed``:
   time and size on disk (neither fsyncs).

Run:  python benchmarks/bench_results.py [--rows 200000] [--mmap-gb 0.25] [--repeats 5]
                                         [--compress-mb 80] [--dir DIR]
(``--mmap-gb 2`` for the figure the README quotes.)  Ratios are archived / peer: below
1 means archived is faster (or smaller).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import numpy as np


def interleaved(actions: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median seconds of each action, the actions taking turns (disk noise hits all alike)."""
    times: dict[str, list[float]] = {name: [] for name in actions}
    for turn in range(repeats):
        for name, action in sorted(actions.items(), reverse=bool(turn % 2)):
            start = time.perf_counter()
            action()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def files_size(folder: str, prefix: str) -> int:
    return sum(
        os.path.getsize(os.path.join(folder, f))
        for f in os.listdir(folder)
        if f.startswith(prefix + ".") and (f.endswith(".py") or f.endswith(".h5"))
    )


# --------------------------------------------------------------------------- 1. DataFrame


def bench_dataframe(workdir: str, rows: int, repeats: int) -> None:
    import pandas as pd

    from archived import DataSet, archived

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({f"c{i}": rng.standard_normal(rows) for i in range(5)})
    raw = sum(frame[c].to_numpy().nbytes for c in frame)
    ds = DataSet("frames", "w", path=workdir, durable=False)
    pickle_path = os.path.join(workdir, "frame.pkl")
    counter = iter(range(10**9))

    @archived(os.path.join(workdir, "cache"), durable=False)
    def result(n: int) -> pd.DataFrame:
        return frame

    result(rows)  # stored once: every later call is a hit
    write = interleaved(
        {
            "archived": lambda: ds._insert(frame, name=f"f{next(counter)}"),
            "pickle": lambda: frame.to_pickle(pickle_path),
        },
        repeats,
    )
    hit = interleaved(
        {"archived": lambda: result(rows), "pickle": lambda: pd.read_pickle(pickle_path)},
        repeats,
    )
    pd.testing.assert_frame_equal(result(rows), frame)
    disk = files_size(ds._path, "f0")
    print(f"\n1. DataFrame {rows} x 5 float64 ({raw / 1e6:.1f} MB of column bytes)")
    print("| | archived | pickle | archived / pickle |")
    print("|---|---|---|---|")
    print(
        f"| write | {ms(write['archived'])} | {ms(write['pickle'])} | "
        f"{write['archived'] / write['pickle']:.2f} |"
    )
    print(
        f"| hit | {ms(hit['archived'])} | {ms(hit['pickle'])} | "
        f"{hit['archived'] / hit['pickle']:.2f} |"
    )
    print(
        f"| size on disk | {disk / 1e6:.2f} MB | {os.path.getsize(pickle_path) / 1e6:.2f} MB | "
        f"{disk / raw:.3f} x the column bytes |"
    )


# --------------------------------------------------------------------------- 2. dataclass


@dataclasses.dataclass
class Result:
    """A typical result: a few arrays and scalars."""

    energy: float
    field: np.ndarray
    history: np.ndarray
    spectrum: np.ndarray
    label: str


def bench_dataclass(workdir: str, repeats: int) -> None:
    # this script runs as __main__, whose classes a store refuses: the importable module
    from bench_results import Result

    from archived import DataSet

    rng = np.random.default_rng(1)
    arrays = {
        "field": rng.standard_normal((1000, 1000)),
        "history": rng.standard_normal(10_000),
        "spectrum": rng.standard_normal(4_096),
    }
    as_class = Result(energy=1.25, label="run", **arrays)
    as_dict = {"energy": 1.25, "label": "run", **arrays}
    ds = DataSet("objects", "w", path=workdir, durable=False)
    ds.obj, ds.plain = as_class, as_dict
    write = interleaved(
        {
            "dataclass": lambda: setattr(ds, "obj", as_class),
            "dict": lambda: setattr(ds, "plain", as_dict),
        },
        repeats * 3,
    )
    read = interleaved({"dataclass": lambda: ds.obj, "dict": lambda: ds.plain}, repeats * 3)
    assert isinstance(ds.obj, Result)
    megabytes = sum(a.nbytes for a in arrays.values()) / 1e6
    print(f"\n2. dataclass vs dict holding the same arrays ({megabytes:.1f} MB)")
    print("| | dataclass | dict | dataclass / dict |")
    print("|---|---|---|---|")
    for what, t in (("write", write), ("read", read)):
        ratio = t["dataclass"] / t["dict"]
        print(f"| {what} | {ms(t['dataclass'])} | {ms(t['dict'])} | {ratio:.2f} |")


# --------------------------------------------------------------------------- 3. mmap

_MMAP_CHILD = r"""
import json, sys, time
import numpy as np
from archived import DataSet

def status(field):
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) * 1024 for l in f if l.startswith(field + ":"))

path, mode = sys.argv[1], sys.argv[2]
ds = DataSet("big", path=path, mmap_mode="r" if mode == "mmap" else None)
ds.small  # imports and a first read done before the baseline
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # the peak RSS restarts from the current RSS
base = status("VmRSS")
start = time.perf_counter()
a = ds.x
seconds = time.perf_counter() - start
growth = status("VmHWM") - base
assert float(a[0]) == 1.0 and float(a[-1]) == 1.0  # usable: two pages touched, after
print(json.dumps({"seconds": seconds, "rss_growth": growth, "type": type(a).__name__}))
"""


def bench_mmap(workdir: str, gigabytes: float, repeats: int) -> None:
    from archived import DataSet

    n = int(gigabytes * 2**30) // 8
    ds = DataSet("big", "w", path=workdir, durable=False)
    ds.small = np.arange(1000.0)
    ds.x = np.ones(n)  # written through the page cache, as a fresh result would be
    runs: dict[str, list[dict[str, float]]] = {"mmap": [], "read": []}
    for turn in range(repeats):
        for mode in sorted(runs, reverse=bool(turn % 2)):
            out = subprocess.run(
                [sys.executable, "-c", _MMAP_CHILD, workdir, mode],
                capture_output=True,
                text=True,
                check=True,
            )
            runs[mode].append(json.loads(out.stdout))
    t = {m: statistics.median(r["seconds"] for r in runs[m]) for m in runs}
    rss = {m: statistics.median(r["rss_growth"] for r in runs[m]) for m in runs}
    size = n * 8
    print(f"\n3. a hit on a {size / 2**30:.2f} GiB array (each in a fresh process)")
    print("| | mmap_mode='r' | read | read / mmap |")
    print("|---|---|---|---|")
    print(f"| hit | {ms(t['mmap'])} | {ms(t['read'])} | {t['read'] / t['mmap']:.0f}x |")
    print(
        f"| peak RSS growth | {rss['mmap'] / 2**20:.2f} MiB ({100 * rss['mmap'] / size:.3f}% of "
        f"the array) | {rss['read'] / 2**20:.0f} MiB | |"
    )
    del ds.x


# --------------------------------------------------------------------------- 4. compression


def bench_compress(workdir: str, megabytes: float, repeats: int) -> None:
    from archived.engine.hdf5 import load_array

    n = int(megabytes * 1e6) // 8
    rng = np.random.default_rng(2)
    cases = {
        "smooth field (float64)": np.sin(np.linspace(0.0, 400.0, n))
        * np.exp(-np.linspace(0, 3, n)),
        "counts (int64)": rng.poisson(3, n),
        "mostly zeros (float64)": np.where(rng.random(n) > 0.97, rng.random(n), 0.0),
    }
    print(f"\n4. compress=True (zlib) against np.savez_compressed, {megabytes:.0f} MB arrays")
    print(
        "| data | archived write | savez write | ratio | archived size | savez size | ratio "
        "| archived read | np.load read |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    h5 = os.path.join(workdir, "c.h5")
    npz = os.path.join(workdir, "c.npz")
    for name, a in cases.items():
        write = interleaved(
            {
                "archived": lambda a=a: _write_compressed(h5, a),
                "savez": lambda a=a: np.savez_compressed(npz, a=a),
            },
            repeats,
        )
        read = interleaved(
            {"archived": lambda: load_array(h5, "a0"), "savez": lambda: np.load(npz)["a"]},
            repeats,
        )
        assert np.array_equal(load_array(h5, "a0"), a)
        size_h5, size_npz = os.path.getsize(h5), os.path.getsize(npz)
        print(
            f"| {name} | {ms(write['archived'])} | {ms(write['savez'])} | "
            f"{write['archived'] / write['savez']:.2f} | {size_h5 / 1e6:.2f} MB | "
            f"{size_npz / 1e6:.2f} MB | {size_h5 / size_npz:.2f} | {ms(read['archived'])} | "
            f"{ms(read['savez'])} |"
        )


def _write_compressed(path: str, a: np.ndarray) -> None:
    from archived.engine.hdf5 import ArrayWriter

    with ArrayWriter(path, durable=False, compress=True) as writer:
        writer.add(a)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--mmap-gb", type=float, default=0.25)
    parser.add_argument("--compress-mb", type=float, default=80)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dir", default=None, help="where to write (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as workdir:
        bench_dataframe(workdir, args.rows, args.repeats)
        bench_dataclass(workdir, args.repeats)
        bench_mmap(workdir, args.mmap_gb, args.repeats)
        bench_compress(workdir, args.compress_mb, args.repeats)
    print("\nratios: archived / peer (below 1: archived faster or smaller)")


if __name__ == "__main__":
    main()
