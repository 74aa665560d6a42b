"""scipy.sparse matrices and arrays as their defining arrays, in the HDF5 data file.

A compressed matrix is written as its format and the arrays scipy itself builds it from::

    value = _sparse('csr_matrix', [_load_array('m.h5', 'a0'), _load_array('m.h5', 'a1'),
                                   _load_array('m.h5', 'a2')], (1000, 1000))

``csr``, ``csc`` and ``bsr`` give ``[data, indices, indptr]``, ``coo`` and ``dok``
``[data, row, col]``, ``dia`` ``[data, offsets]``, for both the ``*_matrix`` and the
``*_array`` classes.  :func:`sparse` (in ``archived.reps``) rebuilds the matrix and
checks its structure in full (index bounds and order), so a damaged or forged store
cannot make scipy read outside its arrays.  scipy is never imported here: this module is
loaded once a scipy object is met.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from .callrep import helper_call
from .repbase import REGISTRY, Context, Rep

__all__ = ["register", "sparse"]

_COMPRESSED = ("csr", "csc", "bsr")
_FORMATS = frozenset(
    f"{fmt}_{kind}" for fmt in (*_COMPRESSED, "coo", "dok", "dia") for kind in ("matrix", "array")
)


def _sparse(m: Any, ctx: Context) -> Rep | None:
    kind = type(m).__name__
    if kind not in _FORMATS or len(m.shape) != 2:
        return None
    fmt = m.format
    if fmt in _COMPRESSED:
        arrays = [m.data, m.indices, m.indptr]
    elif fmt == "dia":
        arrays = [m.data, m.offsets]
    else:
        coo = m.tocoo() if fmt == "dok" else m
        arrays = [coo.data, coo.row, coo.col]
    return helper_call("sparse", [kind, arrays, tuple(int(n) for n in m.shape)])


def register() -> None:
    """Register the handlers (scipy.sparse is loaded); idempotent."""
    sp = sys.modules.get("scipy.sparse")
    if sp is None:
        return
    for kind in _FORMATS:
        cls = getattr(sp, kind, None)
        if isinstance(cls, type) and cls not in REGISTRY:
            REGISTRY[cls] = _sparse


def sparse(kind: str, arrays: list[np.ndarray], shape: tuple[int, int]) -> Any:
    """The scipy.sparse matrix or array ``kind`` (e.g. ``'csr_matrix'``) from its arrays.

    >>> m = sparse("coo_array", [np.array([2.0]), np.array([0]), np.array([1])], (2, 2))
    >>> m.toarray()
    array([[0., 2.],
           [0., 0.]])
    """
    if type(kind) is not str or kind not in _FORMATS:
        raise TypeError(f"sparse() of an unknown format {kind!r:.40}")
    if not (
        type(arrays) is list
        and all(type(a) is np.ndarray and not a.dtype.hasobject for a in arrays)
        and type(shape) is tuple
        and len(shape) == 2
        and all(type(n) is int and n >= 0 for n in shape)
    ):
        raise TypeError("sparse() needs a list of arrays and a shape of two ints")
    import scipy.sparse as sp

    cls = getattr(sp, kind)
    fmt = kind.partition("_")[0]
    if fmt in _COMPRESSED:
        if len(arrays) != 3:
            raise TypeError(f"sparse() {fmt} needs data, indices, indptr")
        m = cls(tuple(arrays), shape=shape)
        m.check_format(full_check=True)  # index bounds and order, before any use
        return m
    if fmt == "dia":
        if len(arrays) != 2:
            raise TypeError("sparse() dia needs data and offsets")
        return cls(tuple(arrays), shape=shape)
    if len(arrays) != 3:
        raise TypeError(f"sparse() {fmt} needs data, row, col")
    data, row, col = arrays
    coo = sp.coo_array((data, (row, col)), shape=shape)  # checks the indices' bounds
    return cls(coo) if fmt == "coo" else cls(coo.todok())
