"""numpy's array subclasses: masked arrays, record arrays and ``np.matrix``.

Each is written as a call of a small rebuilding function of ``archived.reps`` around
plain arrays, which are archived like any array (inline when small, in the HDF5 data
file when big), so their bytes, dtype and memory order come back exactly:

* ``masked_array(data, mask, fill_value=..., hard_mask=True)`` -- the data keeps the
  values under the mask too; ``mask=None`` stands for numpy's ``nomask``;
* ``record_array(data)`` -- the structured array viewed as ``np.recarray``;
* ``matrix(data)`` -- the 2-d array viewed as ``np.matrix``;
* ``masked()`` -- the ``np.ma.masked`` constant.

>>> import numpy as np
>>> from archived import Archive
>>> a = Archive()
>>> a.insert(m=np.ma.MaskedArray([1, 2], mask=[False, True]))
'm'
>>> print(str(a).splitlines()[2])
m = _masked_array(_array([1, 2], dtype='int64'), _array([False, True], dtype='bool'))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .callrep import helper_call
from .repbase import REGISTRY, Context, Rep

__all__ = ["masked_array", "record_array", "matrix", "masked"]


def _masked(m: Any, ctx: Context) -> Rep:
    mask = None if m.mask is np.ma.nomask else np.ma.getmaskarray(m)
    kwargs: dict[str, Any] = {}
    if m._fill_value is not None:  # None: numpy's default, chosen again on load
        kwargs["fill_value"] = m._fill_value[()]
    if m.hardmask:
        kwargs["hard_mask"] = True
    return helper_call("masked_array", [np.ma.getdata(m), mask], kwargs)


def _record(r: Any, ctx: Context) -> Rep:
    return helper_call("record_array", [r.view(np.ndarray)])


def _matrix(m: Any, ctx: Context) -> Rep:
    return helper_call("matrix", [m.view(np.ndarray)])


def _masked_constant(m: Any, ctx: Context) -> Rep:
    return helper_call("masked")


REGISTRY.update(
    {
        np.ma.MaskedArray: _masked,
        np.recarray: _record,
        np.matrix: _matrix,
        np.ma.core.MaskedConstant: _masked_constant,
    }
)


# --------------------------------------------------------------------------- rebuilding


def _plain_array(a: Any, what: str) -> np.ndarray:
    if type(a) is not np.ndarray or a.dtype.hasobject:
        raise TypeError(f"{what} must be a numpy array of values, not {type(a).__qualname__}")
    return a


def masked_array(
    data: np.ndarray, mask: np.ndarray | None, fill_value: Any = None, hard_mask: bool = False
) -> np.ma.MaskedArray:
    """A masked array over ``data`` (not copied) with ``mask`` (None: no mask at all).

    >>> masked_array(np.arange(3.0), np.array([True, False, False]))
    masked_array(data=[--, 1.0, 2.0],
                 mask=[ True, False, False],
           fill_value=1e+20)
    """
    _plain_array(data, "masked_array() data")
    if mask is not None:
        _plain_array(mask, "masked_array() mask")
        if mask.dtype.kind != "b" and mask.dtype.names is None or mask.shape != data.shape:
            raise TypeError("masked_array() needs a boolean mask of the data's shape")
    if not (fill_value is None or isinstance(fill_value, (np.generic, int, float, str, bytes))):
        raise TypeError(f"masked_array() fill_value of a {type(fill_value).__qualname__}")
    if type(hard_mask) is not bool:
        raise TypeError("masked_array() hard_mask must be True or False")
    return np.ma.MaskedArray(
        data,
        mask=np.ma.nomask if mask is None else mask,
        fill_value=fill_value,
        hard_mask=hard_mask,
        copy=False,
        shrink=False,
    )


def record_array(data: np.ndarray) -> np.recarray:
    """The structured array ``data`` viewed as a record array (no copy).

    >>> record_array(np.zeros(2, dtype=[("x", "<f8")])).x
    array([0., 0.])
    """
    _plain_array(data, "record_array() data")
    if data.dtype.names is None:
        raise TypeError("record_array() needs a structured array")
    return data.view(np.recarray)


def matrix(data: np.ndarray) -> np.matrix[Any, Any]:
    """The 2-d array ``data`` viewed as ``np.matrix`` (no copy).

    >>> matrix(np.eye(2))
    matrix([[1., 0.],
            [0., 1.]])
    """
    _plain_array(data, "matrix() data")
    if data.ndim != 2:
        raise TypeError("matrix() needs a 2-d array")
    return data.view(np.matrix)


def masked() -> Any:
    """numpy's ``np.ma.masked`` constant.

    >>> masked() is np.ma.masked
    True
    """
    return np.ma.masked
