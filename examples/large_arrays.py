"""Large arrays: small ones are written inline as exact source, big ones go to HDF5.

Arrays with more elements than ``array_threshold`` (100 by default) are written once to an
HDF5 file beside the entry, and the entry's source refers to them by key; smaller ones are
written inline, bit for bit.  Either way the entry is committed atomically and a reader
loads only the entries it asks for.

Run it with ``python examples/large_arrays.py`` (it works in a temporary directory).
"""

import os
import tempfile
import time

import numpy as np

from archived import DataSet, archived

with tempfile.TemporaryDirectory() as workdir:
    ds = DataSet("fields", "w", path=workdir)
    rng = np.random.default_rng(0)
    field = rng.normal(size=(1000, 1000))  # 8 MB of float64

    # 1. Store a big array with its parameters as the entry's info.
    start = time.perf_counter()
    ds.field = field
    ds["field"] = {"grid": field.shape, "seed": 0}
    print(f"wrote a {field.nbytes / 1e6:.0f} MB array in {time.perf_counter() - start:.2f} s")
    files = {f: os.path.getsize(os.path.join(ds._path, f)) for f in sorted(os.listdir(ds._path))}
    print("files:", {f: f"{size / 1e6:.2f} MB" for f, size in files.items() if size > 1000})
    with open(os.path.join(ds._path, "field.py")) as f:
        source = f.read()
    print(f"--- field.py ({len(source)} bytes): the array is a reference into the HDF5 file ---")
    print(source.rstrip())

    # 2. Load it back: bit-exact, dtype and shape kept.
    start = time.perf_counter()
    loaded = ds.field
    same = np.array_equal(loaded, field)
    print(
        f"--- loaded in {time.perf_counter() - start:.2f} s: identical {same}, "
        f"dtype {loaded.dtype}, shape {loaded.shape}"
    )

    # 3. A small array stays inline, readable and exact (every float bit).
    ds.small = np.array([0.1, 1 / 3, np.pi], dtype=np.float32)
    with open(os.path.join(ds._path, "small.py")) as f:
        print("--- small.py, value section ---")
        print(f.read().split("# ---- value ----\n")[1].rstrip())

    # 4. Cached functions returning big arrays work the same way; hits are cheap.
    @archived(os.path.join(workdir, "smoothed"))
    def smooth(width, size=1000):
        kernel = np.ones(width) / width
        data = np.random.default_rng(1).normal(size=(size, size))
        return np.apply_along_axis(np.convolve, 1, data, kernel, mode="same")

    start = time.perf_counter()
    smooth(5)
    computed = time.perf_counter() - start
    start = time.perf_counter()
    result = smooth(5)
    print(
        f"--- smooth(5): computed in {computed:.2f} s, loaded in "
        f"{time.perf_counter() - start:.2f} s, shape {result.shape}"
    )
