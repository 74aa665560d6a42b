"""xarray DataArrays and Datasets as readable calls; their data in the HDF5 data file.

A variable is written as the tuple xarray itself accepts, ``(dims, values, attrs)``, so
the source reads like the code that built it::

    value = _data_array(
        _load_array('run.h5', 'a0'),
        ('time', 'x'),
        coords={'time': (('time',), _load_array('run.h5', 'a1'), {})},
        name='temperature',
        attrs={'units': 'K'},
    )

Only variables held in memory as numpy arrays are written this way (a dask-backed one
is left to the next rule).  xarray is never imported here: this module is loaded once an
xarray object is met, and its rebuilding functions (:func:`data_array`,
:func:`dataset`, in ``archived.reps``) find xarray in ``sys.modules`` or import it.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import numpy as np

from .callrep import helper_call
from .repbase import REGISTRY, Context, Rep

__all__ = ["register", "data_array", "dataset"]


def _xr() -> Any:
    found = sys.modules.get("xarray")
    if found is None:
        found = importlib.import_module("xarray")
    return found


def _variable(var: Any) -> tuple[Any, ...] | None:
    """``(dims, values, attrs)`` of an in-memory variable, None for lazy ones."""
    data = var.variable._data if hasattr(var, "variable") else var._data
    values = var.values
    if not isinstance(values, np.ndarray) or "dask" in type(data).__module__:
        return None
    return (tuple(var.dims), values, dict(var.attrs))


def _coords(obj: Any) -> dict[Any, Any] | None:
    coords = {}
    for name, coord in obj.coords.items():
        found = _variable(coord)
        if found is None:
            return None
        coords[name] = found
    return coords


def _data_array(da: Any, ctx: Context) -> Rep | None:
    found = _variable(da)
    coords = _coords(da)
    if found is None or coords is None:
        return None
    dims, values, attrs = found
    kwargs: dict[str, Any] = {}
    if coords:
        kwargs["coords"] = coords
    if da.name is not None:
        kwargs["name"] = da.name
    if attrs:
        kwargs["attrs"] = attrs
    return helper_call("data_array", [values, dims], kwargs)


def _dataset(ds: Any, ctx: Context) -> Rep | None:
    variables = {}
    for name, var in ds.data_vars.items():
        found = _variable(var)
        if found is None:
            return None
        variables[name] = found
    coords = _coords(ds)
    if coords is None:
        return None
    kwargs: dict[str, Any] = {}
    if coords:
        kwargs["coords"] = coords
    if ds.attrs:
        kwargs["attrs"] = dict(ds.attrs)
    return helper_call("dataset", [variables], kwargs)


def register() -> None:
    """Register the handlers (xarray is loaded: an object of it was met); idempotent."""
    xr = sys.modules.get("xarray")
    if xr is None or xr.DataArray in REGISTRY:
        return
    REGISTRY.update({xr.DataArray: _data_array, xr.Dataset: _dataset})


# --------------------------------------------------------------------------- rebuilding


def _check_variables(variables: Any, what: str) -> None:
    ok = type(variables) is dict and all(
        type(v) is tuple
        and len(v) == 3
        and type(v[0]) is tuple
        and all(type(d) is str for d in v[0])
        and type(v[1]) is np.ndarray
        and type(v[2]) is dict
        for v in variables.values()
    )
    if not ok:
        raise TypeError(f"{what} must map names to (dims, array, attrs) tuples")


def _check_attrs(attrs: Any) -> None:
    if attrs is not None and type(attrs) is not dict:
        raise TypeError("attrs must be a dict")


def data_array(
    values: np.ndarray,
    dims: tuple[str, ...],
    coords: dict[Any, Any] | None = None,
    name: Any = None,
    attrs: dict[Any, Any] | None = None,
) -> Any:
    """``xarray.DataArray(values, dims=dims, coords=coords, name=name, attrs=attrs)``.

    >>> data_array(np.arange(2.0), ("x",), name="t").name
    't'
    """
    if type(values) is not np.ndarray or type(dims) is not tuple:
        raise TypeError("data_array() needs an array and a tuple of dimension names")
    if coords is not None:
        _check_variables(coords, "data_array() coords")
    _check_attrs(attrs)
    return _xr().DataArray(values, dims=dims, coords=coords, name=name, attrs=attrs)


def dataset(
    data_vars: dict[Any, Any],
    coords: dict[Any, Any] | None = None,
    attrs: dict[Any, Any] | None = None,
) -> Any:
    """``xarray.Dataset(data_vars, coords=coords, attrs=attrs)``.

    >>> dataset({"t": (("x",), np.arange(2.0), {})}).t.dims
    ('x',)
    """
    _check_variables(data_vars, "dataset() data_vars")
    if coords is not None:
        _check_variables(coords, "dataset() coords")
    _check_attrs(attrs)
    return _xr().Dataset(data_vars, coords=coords, attrs=attrs)
