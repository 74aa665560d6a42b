"""``archived.arrays``: a module path written into archives; it never moves.

Archive source names ``from archived.arrays import from_bytes`` (inline arrays) and
``load_array`` (arrays in HDF5 data files).  The code lives in :mod:`archived.engine`;
this module only re-exports it, so files written by any release keep loading.

>>> from archived.arrays import from_bytes
>>> from_bytes(b'\\x01\\x00', '<i2', (1,))
array([1], dtype=int16)
"""

from .engine.arrays import (
    contiguous,
    dtype_from_literal,
    dtype_literal,
    from_bytes,
    inline_array,
    inline_scalar,
    scalar_from_bytes,
)
from .engine.hdf5 import ArrayWriter, load_array, using_datadir

__all__ = [
    "ArrayWriter",
    "contiguous",
    "dtype_from_literal",
    "dtype_literal",
    "from_bytes",
    "inline_array",
    "inline_scalar",
    "load_array",
    "scalar_from_bytes",
    "using_datadir",
]
