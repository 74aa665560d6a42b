"""Hostile HDF5 data files for the catalogue, written with h5py (PyTables cannot write them).

Run as ``python hostile_hdf5.py SHARED``: writes into ``SHARED/outside/`` the files an
attacker points at (a raw file and an HDF5 file holding the secret) and into ``SHARED/``
data files whose array ``a0`` reads them through HDF5 itself: external storage, a
virtual dataset, an external link.  A safe load must refuse each before HDF5 opens
anything outside the store.  Run in its own process: h5py brings its own HDF5 library.
"""

import os
import sys

import numpy as np


def main(shared: str) -> None:
    import h5py

    from hostile_runner import SECRET

    outside = os.path.join(shared, "outside")
    os.makedirs(outside, exist_ok=True)
    secret = np.array([SECRET.encode()] * 4)
    raw = os.path.join(outside, "secret.bin")
    with open(raw, "wb") as f:
        f.write(secret.tobytes())
    source = os.path.join(outside, "source.h5")
    with h5py.File(source, "w") as h5:
        h5["data"] = secret
    with h5py.File(os.path.join(shared, "external_storage.h5"), "w") as h5:
        h5.create_dataset(
            "a0", shape=secret.shape, dtype=secret.dtype, external=[(raw, 0, secret.nbytes)]
        )
    with h5py.File(os.path.join(shared, "virtual_dataset.h5"), "w", libver="latest") as h5:
        layout = h5py.VirtualLayout(shape=secret.shape, dtype=secret.dtype)
        layout[:] = h5py.VirtualSource(source, "data", shape=secret.shape)
        h5.create_virtual_dataset("a0", layout)
    with h5py.File(os.path.join(shared, "external_link.h5"), "w") as h5:
        h5["a0"] = h5py.ExternalLink(source, "/data")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main(sys.argv[1])
