"""The HDF5 library PyTables has loaded, for the few calls PyTables does not offer.

The writer asks it where a dataset's bytes lie (``H5Dget_offset``), where each chunk of a
compressed dataset lies (``H5Dget_chunk_info``) and to take chunks compressed already
(``H5Dwrite_chunk``).  Only a library already loaded in this process is used: dataset ids
mean nothing to another copy of HDF5.

>>> loaded_hdf5() is None or hasattr(loaded_hdf5(), "H5Dget_offset")
True
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from typing import Any

__all__ = ["loaded_hdf5"]


@functools.cache
def loaded_hdf5() -> Any:
    """The HDF5 library PyTables has loaded (ctypes), if it can be found.

    Only a library already loaded in this process is used (``RTLD_NOLOAD``): dataset ids
    mean nothing to another copy of HDF5.
    """
    import ctypes

    noload = getattr(os, "RTLD_NOLOAD", None)
    if noload is None:
        return None
    for candidate in _candidates():
        if "hdf5_hl" in os.path.basename(candidate):
            continue
        try:
            lib = ctypes.CDLL(candidate, mode=noload | os.RTLD_LAZY)
            lib.H5Dget_offset  # noqa: B018  (the data library, not another one)
        except (OSError, AttributeError):
            continue
        return lib
    return None


def _candidates() -> Iterator[str]:
    """Paths where the loaded HDF5 library may be, most reliable (and cheapest) first."""
    import ctypes.util
    import glob

    import tables

    try:
        with open("/proc/self/maps") as maps:  # Linux: the libraries actually mapped
            yield from dict.fromkeys(line.split()[-1] for line in maps if "libhdf5" in line)
    except OSError:
        pass
    package = os.path.dirname(tables.__file__)
    for pattern in ("../tables.libs/libhdf5*", ".dylibs/libhdf5*", "libhdf5*"):
        yield from glob.glob(os.path.join(package, pattern))
    found = ctypes.util.find_library("hdf5")
    if found:
        yield found
