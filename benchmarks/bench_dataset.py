"""DataSet figures against persist 3.2.1's DataSet and numpy's np.save / np.load.

Run:  python benchmarks/bench_dataset.py [--sizes 100,1000,5000] [--mb 8,80,400]

Prints three tables:

1. per-insert time (median of ``--repeat`` inserts of a small value with an info
   record; durable, and with ``durable=False`` as "nosync"; "floor" is a bare durable
   atomic file create on the same disk at the same moments) when the store already
   holds 100, 1,000 and 5,000 entries, plus the time to open the store and to read one
   entry's value and info at that size;
2. big-array write and read throughput against ``np.save`` / ``np.load`` of the same
   array on the same disk: a durable write (three fsyncs: data file, entry, directory)
   against ``np.save`` + fsync, and a ``durable=False`` write (no fsync, like
   ``np.save``) against plain ``np.save``;
3. the targets of issue 3 with the measured ratios.

persist is optional (``pip install persist==3.2.1``): its columns say ``n/a`` when it is
not installed.  Its store is pre-filled by writing its file layout directly (going
through its API would take hours at 5,000 entries, since it rewrites ``__init__.py``
on every insert); its inserts are then timed through its API.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

import numpy as np

from archived import DataSet

try:
    from persist.archive import DataSet as PersistDataSet
except Exception:  # noqa: BLE001 - any import failure means "not available"
    PersistDataSet = None


def small_value(i: int) -> dict:
    return {"step": i, "energy": -1.5 + i * 1e-3, "label": f"run {i}"}


def small_info(i: int) -> dict:
    return {"nx": 16 + i % 7, "mu": 0.5 * (i % 11)}


def median_ms(times: list[float]) -> float:
    return statistics.median(times) * 1e3


def time_calls(fn, n: int) -> list[float]:
    out = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - t)
    return out


def inserter(store):
    return lambda i: store._insert(small_value(i), info=small_info(i))


def opener(cls, name: str, root: str):
    return lambda i: cls(name, "r", path=root)


def durable_floor(folder: str):
    """The least any durable atomic create costs: 200 bytes, fdatasync, rename, dir fsync."""

    def create(i: int) -> None:
        tmp, final = os.path.join(folder, f".floor{i}.tmp"), os.path.join(folder, f".floor{i}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        os.write(fd, b"x" * 200)
        os.fdatasync(fd)
        os.close(fd)
        os.replace(tmp, final)
        dfd = os.open(folder, os.O_RDONLY)
        os.fsync(dfd)
        os.close(dfd)
        os.remove(final)

    return create


def read_times(reader, size: int, n: int) -> tuple[list[float], list[float]]:
    """Times to read one entry's value, and one entry's info, picked across the store."""
    reads = time_calls(lambda i: getattr(reader, f"x_{(i * 37) % size}"), n)
    infos = time_calls(lambda i: reader[f"x_{(i * 37) % size}"], n)
    return reads, infos


# ---- archived ---------------------------------------------------------------------------


def archived_growth(root: str, sizes: list[int], repeat: int) -> dict[int, dict[str, float]]:
    """Time inserts, opens and reads in stores of each size, interleaving the sizes.

    The disk's speed drifts by several times within a minute when other programs write,
    so every round measures a few operations on each store in turn: drift then affects
    all sizes alike and the medians compare the stores, not the moments.
    """
    names = {size: f"grow{size}" for size in sizes}
    for size, name in names.items():
        filler = DataSet(name, "w", path=root, durable=False)  # the files are the same
        for i in range(size):
            filler._insert(small_value(i), info=small_info(i))
    samples = {
        size: {k: [] for k in ("insert", "nosync", "floor", "open", "read", "info")}
        for size in sizes
    }
    batch = 5
    for _ in range(max(1, repeat // batch)):
        for durable, key in ((True, "insert"), (False, "nosync")):
            # inserts alternate between the stores one by one, so a drift of the disk
            # within a batch hits every size alike
            stores = {
                size: DataSet(name, "w", path=root, durable=durable)
                for size, name in names.items()
            }
            for size, ds in stores.items():
                ds.__dict__["_next_index"] = size
            for i in range(batch):
                for size, ds in stores.items():
                    t = time.perf_counter()
                    ds._insert(small_value(i), info=small_info(i))
                    samples[size][key].append(time.perf_counter() - t)
            for size, ds in stores.items():
                for n in range(size, size + batch):  # back to `size` entries
                    del ds[f"x_{n}"]
        for size, name in names.items():
            got = samples[size]
            got["floor"] += time_calls(durable_floor(os.path.join(root, name)), batch)
            got["open"] += time_calls(opener(DataSet, name, root), batch)
            reads, infos = read_times(DataSet(name, path=root), size, batch)
            got["read"] += reads
            got["info"] += infos
    return {size: {k: median_ms(v) for k, v in got.items()} for size, got in samples.items()}


# ---- persist ------------------------------------------------------------------------------


def persist_prefill(folder: str, size: int) -> None:
    """Write persist's layout for `size` small entries directly (its API is O(n) per insert)."""
    os.makedirs(folder, exist_ok=True)
    open(os.path.join(folder, "_this_dir_is_a_DataSet"), "w").close()
    for i in range(size):
        with open(os.path.join(folder, f"x_{i}.py"), "w") as f:
            f.write(f"x_{i} = {small_value(i)!r}\nimport sys\nsys.modules[__name__] = x_{i}\n")
    infos = {f"x_{i}": small_info(i) for i in range(size)}
    with open(os.path.join(folder, "__init__.py"), "w") as f:
        f.write(f"_info_dict = {infos!r}\n")


def persist_growth(root: str, sizes: list[int], repeat: int) -> dict[int, dict[str, float]]:
    results = {}
    for size in sizes:
        name = f"p{size}"
        persist_prefill(os.path.join(root, name), size)
        n = repeat if size <= 1000 else max(3, repeat // 4)
        times = time_calls(inserter(PersistDataSet(name, "w", path=root)), n)
        opens = time_calls(opener(PersistDataSet, name, root), max(3, n // 2))
        reads, infos = read_times(PersistDataSet(name, "r", path=root), size, n)
        results[size] = {
            "insert": median_ms(times),
            "open": median_ms(opens),
            "read": median_ms(reads),
            "info": median_ms(infos),
        }
    return results


# ---- big arrays -----------------------------------------------------------------------------


def fsync_path(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def big_arrays(root: str, sizes_mb: list[int], repeat: int) -> list[dict[str, float]]:
    """Write and read each array `repeat` times, always to a fresh file / entry name."""
    rows = []
    ds = DataSet("big", "w", path=root)
    nosync = DataSet("big", "w", path=root, durable=False)
    ds.warm_up = np.zeros(1000)  # load PyTables and HDF5 before timing anything
    assert ds.warm_up.shape == (1000,)
    del ds.warm_up
    for mb in sizes_mb:
        a = np.random.default_rng(mb).random(mb * 2**20 // 8)
        w_np, w_npf, w_ar, w_ns, r_np, r_ar = [], [], [], [], [], []
        # small arrays take well under a millisecond to read: repeat them until each size
        # has moved about 400 MB, so one noisy sample cannot decide the median
        for r in range(max(repeat, -(-400 // mb))):
            npy = os.path.join(root, f"a{mb}_{r}.npy")
            t = time.perf_counter()
            np.save(npy, a)
            w_np.append(time.perf_counter() - t)
            os.remove(npy)
            t = time.perf_counter()
            np.save(npy, a)
            fsync_path(npy)
            w_npf.append(time.perf_counter() - t)
            t = time.perf_counter()
            np.load(npy)
            r_np.append(time.perf_counter() - t)
            os.remove(npy)
            name = f"big{mb}_{r}"
            t = time.perf_counter()
            ds._insert(a, name=name)
            w_ar.append(time.perf_counter() - t)
            t = time.perf_counter()
            b = getattr(ds, name)
            r_ar.append(time.perf_counter() - t)
            assert np.array_equal(a, b)
            del b
            delattr(ds, name)
            t = time.perf_counter()
            nosync._insert(a, name=name)
            w_ns.append(time.perf_counter() - t)
            delattr(nosync, name)
        mbs = a.nbytes / 2**20
        rows.append(
            {
                "MB": mbs,
                "np.save": mbs / statistics.median(w_np),
                "np.save+fsync": mbs / statistics.median(w_npf),
                "archived write": mbs / statistics.median(w_ar),
                "nosync write": mbs / statistics.median(w_ns),
                "np.load": mbs / statistics.median(r_np),
                "archived read": mbs / statistics.median(r_ar),
            }
        )
    return rows


# ---- printing ---------------------------------------------------------------------------------


def fmt(x: float | None, spec: str = "8.2f") -> str:
    return format(x, spec) if x is not None else format("n/a", ">" + spec.split(".")[0])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--mb", default="8,80,400")
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--big-repeat", type=int, default=5)
    parser.add_argument("--dir", default=None, help="where to put the stores (a temp dir)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    mbs = [int(s) for s in args.mb.split(",") if s]
    root = tempfile.mkdtemp(dir=args.dir, prefix="bench_dataset_")
    try:
        ours = archived_growth(root, sizes, args.repeat)
        theirs = persist_growth(root, sizes, args.repeat) if PersistDataSet else None
        big = big_arrays(root, mbs, args.big_repeat)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    print(
        f"python {sys.version.split()[0]}, numpy {np.__version__}, "
        f"persist {'3.2.1' if PersistDataSet else 'not installed'}; medians, ms"
    )
    print("\n1. store growth: small value + info record per entry (ms, median)")
    head = f"{'entries':>8} | {'insert':>8} {'nosync':>8} {'floor':>8} {'open':>8} {'read':>8}"
    head += f" {'info':>8} |"
    head += f" {'persist insert':>14} {'open':>8} {'read':>8} {'info':>8}"
    print(head)
    print("-" * len(head))
    for size in sizes:
        o = ours[size]
        p = theirs[size] if theirs else {}
        print(
            f"{size:>8} | {o['insert']:8.2f} {o['nosync']:8.2f} {o['floor']:8.2f} "
            f"{o['open']:8.2f} {o['read']:8.2f} "
            f"{o['info']:8.2f} | {fmt(p.get('insert'), '14.2f')} {fmt(p.get('open'))} "
            f"{fmt(p.get('read'))} {fmt(p.get('info'))}"
        )
    if not theirs:
        print("(persist columns: n/a, persist 3.2.1 is not installed)")

    print("\n2. big arrays: throughput, MB/s (median)")
    cols = [
        "np.save",
        "nosync write",
        "np.save+fsync",
        "archived write",
        "np.load",
        "archived read",
    ]
    print(f"{'MB':>6} | " + " ".join(f"{c:>14}" for c in cols))
    for row in big:
        print(f"{row['MB']:6.0f} | " + " ".join(f"{row[c]:14.0f}" for c in cols))

    print("\n3. targets")
    first, last = ours[sizes[0]]["insert"], ours[sizes[-1]]["insert"]
    print(f"per-insert at {sizes[-1]} / at {sizes[0]}: {last / first:.2f}x (target <= 1.2x)")
    durable = statistics.median(o["insert"] for o in ours.values())
    floor = statistics.median(o["floor"] for o in ours.values())
    print(
        f"small durable insert, median: {durable:.2f} ms (target <= 3 ms); the disk's floor "
        f"for any durable atomic create meanwhile: {floor:.2f} ms"
    )
    for row in big:
        print(
            f"{row['MB']:.0f} MB: durable write "
            f"{row['archived write'] / row['np.save+fsync']:.2f}x np.save+fsync, "
            f"durable=False write {row['nosync write'] / row['np.save']:.2f}x np.save, "
            f"read {row['archived read'] / row['np.load']:.2f}x np.load (targets >= 0.8x)"
        )


if __name__ == "__main__":
    main()
