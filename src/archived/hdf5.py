"""Big arrays in HDF5 files (PyTables), stored and loaded exactly.

An archive keeps arrays above its threshold out of the source: :class:`ArrayWriter`
writes them to one HDF5 file under keys ``a0, a1, ...`` and the source refers to them
with :func:`load_array`.  Each array is an uncompressed contiguous ``tables.Array``, so
writing and reading run at disk speed.  Dtypes HDF5 stores faithfully (native-order
bool, integers, float16/32/64, complex64/128, bytes) are stored as themselves, readable
by any HDF5 tool; every other dtype (unicode, datetimes, structured, long double,
non-native byte order, ...) is stored as its raw bytes with the dtype as an attribute.
Fortran-ordered arrays are stored transposed, so neither side copies them.

>>> import numpy as np, os, tempfile
>>> folder = tempfile.mkdtemp()
>>> with ArrayWriter(os.path.join(folder, 'data.h5')) as writer:
...     writer.add(np.arange(3.0))
'a0'
>>> with using_datadir(folder):
...     load_array('data.h5', 'a0')
array([0., 1., 2.])

PyTables is imported only when a file is first written or read.
"""

from __future__ import annotations

import ast
import contextvars
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from .errors import DamagedArrayError, UnarchivableError

__all__ = ["ArrayWriter", "load_array", "using_datadir"]

_DATADIR: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "archived_datadir", default=None
)

# The HDF5 library PyTables links is usually built without thread safety.
_HDF5_LOCK = threading.RLock()

_NATIVE_KINDS = "biufcS"
_ATTR_DTYPE = "archived_dtype"
_ATTR_SHAPE = "archived_shape"
_ATTR_ORDER = "archived_order"
_ATTR_LAYOUT = "archived_layout"


@contextmanager
def using_datadir(directory: str | os.PathLike[str]) -> Iterator[str]:
    """Resolve relative file names given to :func:`load_array` against ``directory``.

    The setting is a context variable, so threads and asyncio tasks each see their own.

    >>> with using_datadir('/data/run1') as folder:
    ...     folder
    '/data/run1'
    """
    folder = os.fspath(directory)
    token = _DATADIR.set(folder)
    try:
        yield folder
    finally:
        _DATADIR.reset(token)


class ArrayWriter:
    """Write arrays to a new HDF5 file at ``path``; ``add`` returns each array's key.

    Keys are ``'a0', 'a1', ...`` in the order of :meth:`add`.  :meth:`close` (or leaving
    the ``with`` block) flushes the file and fsyncs it to disk before returning.  An
    existing file at ``path`` is overwritten: callers write to a fresh temporary name
    and rename it into place afterwards.

    >>> import numpy as np, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), 'arrays.h5')
    >>> with ArrayWriter(path) as writer:
    ...     writer.add(np.ones((2, 2))), writer.add(np.array(['a', 'bc']))
    ('a0', 'a1')
    >>> load_array(path, 'a1')
    array(['a', 'bc'], dtype='<U2')
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        import tables

        self.path = os.fspath(path)
        self.keys: list[str] = []
        with _HDF5_LOCK:
            self._file: Any = tables.open_file(self.path, mode="w")

    def add(self, a: np.ndarray) -> str:
        """Store the array ``a`` and return its key.

        >>> import numpy as np, os, tempfile
        >>> writer = ArrayWriter(os.path.join(tempfile.mkdtemp(), 'one.h5'))
        >>> writer.add(np.zeros(4)), writer.add(np.zeros(2, dtype='>i4'))
        ('a0', 'a1')
        >>> writer.close()
        """
        if self._file is None:
            raise ValueError(f"ArrayWriter for {self.path!r} is closed")
        key = f"a{len(self.keys)}"
        if not isinstance(a, np.ndarray) or a.dtype.hasobject:
            what = type(a).__name__ if not isinstance(a, np.ndarray) else "object array"
            raise UnarchivableError(what, key, "only numpy arrays without objects go to HDF5")
        from .arrays import contiguous

        b = contiguous(a)
        fortran = b.flags.f_contiguous and not b.flags.c_contiguous
        data = b.T if fortran else b  # C-contiguous in both cases, no copy
        native = b.dtype.isnative and b.dtype.kind in _NATIVE_KINDS and _hdf5_exact(b.dtype)
        if not native:
            data = _raw_bytes(data)
        with _HDF5_LOCK:
            node = self._file.create_array("/", key, obj=data)
            attrs = node._v_attrs
            setattr(attrs, _ATTR_LAYOUT, "native" if native else "raw")
            setattr(attrs, _ATTR_ORDER, "F" if fortran else "C")
            setattr(attrs, _ATTR_SHAPE, repr(tuple(b.shape)))
            setattr(attrs, _ATTR_DTYPE, repr(_dtype_literal(b.dtype)))
        self.keys.append(key)
        return key

    def close(self) -> None:
        """Flush, close and fsync the file; calling it again does nothing."""
        if self._file is None:
            return
        with _HDF5_LOCK:
            try:
                self._file.flush()
            finally:
                self._file.close()
                self._file = None
        fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def __enter__(self) -> ArrayWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._file is None else "open"
        return f"<ArrayWriter {self.path!r} ({state}, {len(self.keys)} arrays)>"


def load_array(filename: str | os.PathLike[str], key: str) -> np.ndarray:
    """Load the array stored under ``key`` in the HDF5 file ``filename``.

    A relative ``filename`` is resolved against the directory of the innermost
    :func:`using_datadir`, else the current directory.  A missing file or key, or a
    damaged file, raises :class:`~archived.errors.DamagedArrayError` naming both.  The
    file is opened read-only and closed before returning.

    >>> load_array('/nonexistent/data.h5', 'a0')
    Traceback (most recent call last):
        ...
    archived.errors.DamagedArrayError: cannot read array 'a0' from '/nonexistent/...': no such file
    """
    path = os.fspath(filename)
    if not os.path.isabs(path):
        path = os.path.join(_DATADIR.get() or os.getcwd(), path)
    if not os.path.exists(path):
        raise DamagedArrayError(path, key, "no such file")
    import tables

    with _HDF5_LOCK:
        try:
            h5 = tables.open_file(path, mode="r")
        except Exception as err:  # HDF5 reports damage through many exception types
            raise DamagedArrayError(path, key, f"not a readable HDF5 file ({err})") from err
        try:
            try:
                node = h5.get_node("/", key)
            except tables.NoSuchNodeError as err:
                raise DamagedArrayError(path, key, "no such key in the file") from err
            try:
                attrs = {name: node._v_attrs[name] for name in node._v_attrs._v_attrnamesuser}
                data = node.read()
            except Exception as err:
                raise DamagedArrayError(path, key, f"unreadable data ({err})") from err
        finally:
            h5.close()
    try:
        return _rebuild(data, attrs)
    except (ValueError, TypeError, SyntaxError) as err:
        raise DamagedArrayError(path, key, f"inconsistent data ({err})") from err


def _rebuild(data: np.ndarray, attrs: dict[str, Any]) -> np.ndarray:
    if _ATTR_LAYOUT not in attrs:
        return data  # written by another tool: return what HDF5 holds
    from .arrays import dtype_from_literal

    dtype = dtype_from_literal(ast.literal_eval(str(attrs[_ATTR_DTYPE])))
    shape = tuple(ast.literal_eval(str(attrs[_ATTR_SHAPE])))
    fortran = str(attrs[_ATTR_ORDER]) == "F"
    stored_shape = shape[::-1] if fortran else shape
    if str(attrs[_ATTR_LAYOUT]) == "raw":
        if data.dtype != np.uint8 or data.size != dtype.itemsize * int(np.prod(shape)):
            raise ValueError(f"{data.size} raw bytes do not hold {shape} of {dtype}")
        data = data.view(dtype) if data.size else np.zeros(0, dtype=dtype)
        data = data.reshape(stored_shape)
    elif data.dtype != dtype or data.shape != stored_shape:
        raise ValueError(f"stored {data.shape} {data.dtype}, expected {stored_shape} {dtype}")
    elif data.dtype.type is not dtype.type:
        data = data.view(dtype)  # e.g. longlong, which HDF5 reads back as int64
    return data.T if fortran else data


def _hdf5_exact(dtype: np.dtype) -> bool:
    """Whether HDF5 stores this native dtype as itself (long doubles lose padding bytes)."""
    return not (dtype.kind in "fc" and dtype.itemsize > (8 if dtype.kind == "f" else 16))


def _raw_bytes(data: np.ndarray) -> np.ndarray:
    """The bytes of the C-contiguous ``data`` as a flat uint8 array, without copying."""
    if data.size == 0:
        return np.zeros(0, dtype=np.uint8)
    return data.reshape(-1).view(np.uint8)


def _dtype_literal(dtype: np.dtype) -> Any:
    from .arrays import dtype_literal

    return dtype_literal(dtype)
