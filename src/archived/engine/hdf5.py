"""Big arrays in HDF5 files (PyTables), stored and loaded exactly.

An archive keeps arrays above its threshold out of the source: :class:`ArrayWriter`
writes them to one HDF5 file under keys ``a0, a1, ...`` and the source refers to them
with :func:`load_array`.  Each array is an uncompressed contiguous ``tables.Array``, so
writing and reading run at disk speed.  Dtypes HDF5 stores faithfully (native-order
bool, integers, float16/32/64, complex64/128, bytes) are stored as themselves, readable
by any HDF5 tool; every other dtype (unicode, datetimes, structured, long double,
non-native byte order, ...) is stored as its raw bytes with the dtype as an attribute;
numpy 2's variable-width ``StringDType`` is stored as fixed-width unicode.
Fortran-ordered arrays are stored transposed, so neither side copies them.

After the HDF5 part the writer appends a small index (HDF5 ignores bytes past its end):
where each array's bytes lie, their dtype, shape and order, and their digest (with that layout,
checked on load against the one the source names: :mod:`~archived.engine.arraydigest`).
:func:`load_array` reads such files with one ``open`` and one ``read`` straight into the
result, as fast as ``np.load`` and without importing PyTables; other HDF5 files are read
through PyTables.

>>> import numpy as np, os, tempfile
>>> folder = tempfile.mkdtemp()
>>> with ArrayWriter(os.path.join(folder, 'data.h5')) as writer:
...     writer.add(np.arange(3.0))
'a0'
>>> with using_datadir(folder):
...     load_array('data.h5', 'a0')
array([0., 1., 2.])

A file holding one array is, apart from the array's bytes, the same for every array of
that layout (dtype, shape, order).  Once PyTables has written such a file, the writer
keeps the metadata HDF5 put around the bytes and writes later files of that layout
itself, byte for byte the file PyTables would write, without PyTables' fixed cost.

PyTables is imported only when a file is first written, or read without an index.
"""

from __future__ import annotations

import contextvars
import errno
import functools
import json
import math
import os
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO

import numpy as np

from ..errors import DamagedArrayError, StoreReadError, UnarchivableError, is_read_failure
from .arraydigest import (
    DigestMismatch,
    check_mapped,
    check_read,
    digest_of,
    named_digest,
    new_hasher,
)
from .readclose import close_read_only
from .textbytes import NulByteError, read_text_bytes

__all__ = ["ArrayWriter", "load_array", "using_datadir", "using_mmap_mode", "MMAP_MODES"]

MMAP_MODES = ("r", "c")

_DATADIR: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "archived_datadir", default=None
)
_MMAP: contextvars.ContextVar[str | None] = contextvars.ContextVar("archived_mmap", default=None)

# The HDF5 library PyTables links is usually built without thread safety.
_HDF5_LOCK = threading.RLock()

_NATIVE_KINDS = "biufcS"
# One attribute per array, JSON: layout ('native'/'raw'), order, shape, dtype literal and,
# for StringDType arrays, "as": "T".  One attribute, because each costs a write.
_ATTR = "archived"
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)

# The metadata HDF5 writes around the bytes of a file holding one array, by the array's
# layout (attribute text, stored dtype and shape): the same for every such array, as
# nothing in it depends on the values (no fill value, no times).  Learnt from each file
# PyTables writes; a file of a known layout is then written without PyTables, byte for
# byte as PyTables would write it.
_HEADERS: dict[tuple[Any, ...], tuple[bytes, bytes]] = {}
_HEADERS_KEPT = 64


@contextmanager
def using_datadir(directory: str | os.PathLike[str]) -> Iterator[str]:
    """Resolve relative file names given to :func:`load_array` against ``directory``.

    The setting is a context variable, so threads and asyncio tasks each see their own.

    >>> with using_datadir('/data/run1') as folder:
    ...     folder
    '/data/run1'
    """
    # absolute: a relative directory would be joined twice by a reader that resolves a
    # file against it and hands the result on (the safe loader does)
    folder = os.path.abspath(os.fspath(directory))
    token = _DATADIR.set(folder)
    try:
        yield folder
    finally:
        _DATADIR.reset(token)


@contextmanager
def using_mmap_mode(mode: str | None) -> Iterator[str | None]:
    """Have :func:`load_array` return big arrays as memory maps of the stored bytes.

    ``mode`` is ``'r'`` (read-only maps), ``'c'`` (copy-on-write: changes stay in
    memory) or None (read into memory, the default).  Arrays the file holds compressed,
    empty or as variable-width strings are read into memory all the same.  A map stays
    valid while it is alive, even once its entry is overwritten or deleted: the store
    writes new data files under new names and only unlinks the old ones.

    >>> with using_mmap_mode('r') as mode:
    ...     mode
    'r'
    """
    check_mmap_mode(mode)
    token = _MMAP.set(mode)
    try:
        yield mode
    finally:
        _MMAP.reset(token)


def check_mmap_mode(mode: Any) -> str | None:
    """``mode`` if it is a memory-map mode a store allows (``'r'``, ``'c'``) or None.

    >>> check_mmap_mode('w+')
    Traceback (most recent call last):
        ...
    ValueError: mmap_mode='w+' must be 'r' (read-only), 'c' (copy-on-write) or None
    """
    if mode is not None and mode not in MMAP_MODES:
        raise ValueError(
            f"mmap_mode={mode!r} must be 'r' (read-only), 'c' (copy-on-write) or None"
        )
    return mode


class ArrayWriter:
    """Write arrays to a new HDF5 file at ``path``; ``add`` returns each array's key.

    Keys are ``'a0', 'a1', ...`` in the order of :meth:`add`.  :meth:`close` (or leaving
    the ``with`` block) flushes the file and, unless ``durable=False``, fsyncs it to disk
    before returning (``False`` leaves the write-back to the operating system: the file
    survives a killed process but not a power cut).  ``compress`` (see
    :func:`~archived.engine.compression.codec_of`) writes the arrays chunked through a
    standard HDF5 filter.  An
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

    def __init__(
        self, path: str | os.PathLike[str], *, durable: bool = True, compress: Any = None
    ) -> None:
        from .compression import codec_of

        self.path = os.fspath(path)
        self.durable = durable
        self.codec = codec_of(compress)
        self.keys: list[str] = []
        #: key -> the digest the source names for the array: of its bytes as stored and
        #: the layout that reads them (arraydigest.named_digest)
        self.digests: dict[str, str] = {}
        self._index: dict[str, dict[str, Any]] = {}
        self._samples: dict[str, tuple[bytes, bytes]] = {}
        self._closed = False
        self._file: Any = None  # the PyTables file, once one is open
        # Our own descriptor of the file, kept until close: it reserves disk space, reads
        # the samples back and appends the index, with no reopening.
        self._fd = -1
        # A first array of a known layout, written at close without PyTables unless a
        # second array comes: key, index entry, what HDF5 stores, its bytes, attribute,
        # and the metadata around them
        self._deferred: tuple[str, dict[str, Any], np.ndarray, np.ndarray, str, Any] | None
        self._deferred = None
        self._first_layout: tuple[Any, ...] | None = None

    def add(self, a: np.ndarray) -> str:
        """Store the array ``a`` and return its key.

        >>> import numpy as np, os, tempfile
        >>> writer = ArrayWriter(os.path.join(tempfile.mkdtemp(), 'one.h5'))
        >>> writer.add(np.zeros(4)), writer.add(np.zeros(2, dtype='>i4'))
        ('a0', 'a1')
        >>> writer.close()
        """
        if self._closed:
            raise ValueError(f"ArrayWriter for {self.path!r} is closed")
        key = f"a{len(self.keys)}"
        from .arrays import contiguous, is_plain_string_dtype

        if not isinstance(a, np.ndarray):
            raise UnarchivableError(type(a).__name__, key, "only numpy arrays go to HDF5")
        text = is_plain_string_dtype(a.dtype)
        if a.dtype.hasobject and not text:
            what = "StringDType array" if a.dtype.kind == "T" else "object array"
            raise UnarchivableError(what, key, "only arrays of values go to HDF5")
        b = contiguous(a)
        if text:  # variable-width strings: stored fixed-width, restored as StringDType
            width = max(1, int(np.strings.str_len(b).max(initial=0)))
            b = b.astype(f"U{width}")
        fortran = b.flags.f_contiguous and not b.flags.c_contiguous
        data = b.T if fortran else b  # C-contiguous in both cases, no copy
        native = b.dtype.isnative and b.dtype.kind in _NATIVE_KINDS and _hdf5_exact(b.dtype)
        raw = _raw_bytes(data)
        digest = digest_of(raw)
        entry = {
            "layout": "native" if native else "raw",
            "order": "F" if fortran else "C",
            "shape": list(b.shape),
            "dtype": repr(_dtype_literal(b.dtype)),
        }
        if text:
            entry["as"] = "T"
        attr = json.dumps(entry, sort_keys=True)
        layout = (attr, data.dtype.str, data.shape, native, raw.size)
        obj = data if native else raw
        if self._deferred is not None:  # a second array: the file is PyTables' after all
            self._write_deferred_with_tables()
        # the replayed header describes an uncompressed file: never with compression
        header = _HEADERS.get(layout) if not self.keys and self.codec is None else None
        # the digest goes to the file's index alone: in the HDF5 attribute it would make
        # the metadata around a one-array file differ by value (no header replay)
        indexed = {**entry, "digest": digest}
        if self.codec is not None and _compressible(obj):
            self._write_compressed(key, indexed, obj, raw, attr)
        elif header is not None:
            self._deferred = (key, indexed, obj, raw, attr, header)
        else:
            self._record(key, indexed, raw, self._write_with_tables(key, obj, raw, attr))
        if not self.keys:
            self._first_layout = layout
        self.keys.append(key)
        self.digests[key] = named_digest(entry, digest)
        return key

    def close(self) -> None:
        """Close the file, append the fast-read index, fsync if durable; idempotent."""
        if self._closed:
            return
        self._closed = True
        direct = self._deferred is not None
        try:
            if self._deferred is not None:
                key, entry, _, raw, _, header = self._deferred
                self._deferred = None
                self._record(key, entry, raw, self._write_direct(header, raw))
            elif self._fd < 0:  # nothing added: still an (empty) HDF5 file
                self._open_tables()
            if self._file is not None:
                with _HDF5_LOCK:
                    try:
                        self._file.close()  # writes all HDF5 holds: data, then metadata
                    finally:
                        self._file = None
            fd = self._fd
            index = {}
            for k, e in self._index.items():
                if _sample_matches(fd, e, self._samples[k]):
                    index[k] = e
                elif not direct:
                    self._check_written(k)
            if not direct and len(index) == 1 == len(self.keys):
                # learnt only from a file whose offset the sample check confirmed
                self._learn_header(fd, index["a0"])
            if index:
                _append_trailer(fd, index)
            if self.durable:
                os.fsync(fd)
        finally:
            if self._file is not None:  # closing it failed above
                self._file = None
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1

    def _check_written(self, key: str) -> None:
        """Raise ``OSError`` unless array ``key`` reads back through HDF5 as it was added.

        HDF5 writes a small array's bytes when the file is closed, and a write the system
        refuses then (an I/O error) is not reported: the file holds zeros where the array
        belongs, and closes without an error.  Called once the bytes were not where HDF5
        said (an offset misreported, or bytes never written): only the second is an error.
        """
        import tables

        head, tail = self._samples[key]
        try:
            with _HDF5_LOCK, tables.open_file(self.path, mode="r") as h5:
                stored = _raw_bytes(np.ascontiguousarray(h5.get_node("/", key).read()))
            written = bytes(stored[: len(head)]) == head and (
                not tail or bytes(stored[-len(tail) :]) == tail
            )
        except Exception:  # HDF5 reports a file it cannot read through many types
            written = False
        if not written:
            # (no errno: HDF5 keeps the system's; the store says a full disk is one)
            raise OSError(
                f"HDF5 did not write array {key!r} to {self.path!r} (its bytes read back "
                "differ): the system refused a write while HDF5 closed the file"
            )

    def _open_tables(self) -> None:
        """Create the file with PyTables and open our own descriptor of it."""
        import tables

        with _HDF5_LOCK:
            # PyTables' own CLASS/VERSION/TITLE attributes are not needed to read the
            # arrays back (by PyTables, h5py or our index) and cost time per file
            self._file = tables.open_file(self.path, mode="w", pytables_sys_attrs=False)
        # (HDF5 creates the file, not we: PyTables checks an existing file at length)
        try:
            self._fd = os.open(self.path, os.O_RDWR | _CLOEXEC)
        except BaseException:
            with _HDF5_LOCK:
                self._file.close()
                self._file = None
            raise

    def _write_with_tables(self, key: str, obj: np.ndarray, raw: np.ndarray, attr: str) -> Any:
        """Write ``obj`` under ``key`` through PyTables; return its data's offset or None."""
        if self._file is None:
            self._open_tables()
        if raw.size >= _PREALLOCATE_FROM:
            _preallocate(self._fd, os.fstat(self._fd).st_size + raw.size + 2**16)
        with _HDF5_LOCK:
            # no modification times: the same arrays give a byte-identical file
            node = self._file.create_array("/", key, obj=obj, track_times=False)
            setattr(node._v_attrs, _ATTR, attr)
            return _data_offset(node) if raw.size else None

    def _write_compressed(
        self, key: str, entry: dict[str, Any], obj: np.ndarray, raw: np.ndarray, attr: str
    ) -> None:
        """Write ``obj`` chunked through the codec's filter; index its chunks if zlib's."""
        from .compression import chunk_index, write_compressed

        assert self.codec is not None
        if self._file is None:
            self._open_tables()
        with _HDF5_LOCK:
            node = write_compressed(self._file, key, obj, self.codec)
            setattr(node._v_attrs, _ATTR, attr)
            self._file.flush()  # the chunks get their addresses
            chunks = chunk_index(node, node._v_objectid)
        if chunks is not None:
            self._index[key] = {**entry, **chunks, "offset": None, "nbytes": raw.size}
            self._samples[key] = (bytes(raw[: min(raw.size, _SAMPLE)]), b"")

    def _write_direct(self, header: tuple[bytes, bytes], raw: np.ndarray) -> int:
        """Write the one-array file as HDF5 would: its known metadata around the bytes."""
        prefix, suffix = header
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_TRUNC | _CLOEXEC, 0o666)
        if raw.size >= _PREALLOCATE_FROM:
            _preallocate(self._fd, len(prefix) + raw.size + len(suffix) + 2**16)
        _pwrite_all(self._fd, memoryview(prefix), 0)
        _pwrite_all(self._fd, raw.data.cast("B"), len(prefix))
        _pwrite_all(self._fd, memoryview(suffix), len(prefix) + raw.size)
        return len(prefix)

    def _write_deferred_with_tables(self) -> None:
        assert self._deferred is not None
        key, entry, obj, raw, attr, _ = self._deferred
        self._deferred = None
        self._record(key, entry, raw, self._write_with_tables(key, obj, raw, attr))

    def _record(self, key: str, entry: dict[str, Any], raw: np.ndarray, offset: Any) -> None:
        """Index the array ``key`` whose bytes ``raw`` lie at ``offset`` (None: unknown)."""
        if offset is not None or not raw.size:
            self._index[key] = {**entry, "offset": offset, "nbytes": raw.size}
            self._samples[key] = (bytes(raw[:_SAMPLE]), bytes(raw[-_SAMPLE:]))

    def _learn_header(self, fd: int, entry: dict[str, Any]) -> None:
        """Remember the metadata HDF5 wrote around a one-array file's bytes."""
        offset, nbytes = entry["offset"], entry["nbytes"]
        if offset is None or self._first_layout is None:
            return
        end = os.fstat(fd).st_size
        prefix = os.pread(fd, offset, 0)
        suffix = os.pread(fd, end - offset - nbytes, offset + nbytes)
        if len(prefix) != offset or len(suffix) != end - offset - nbytes:
            return
        with _HDF5_LOCK:
            if len(_HEADERS) >= _HEADERS_KEPT:
                del _HEADERS[next(iter(_HEADERS))]
            _HEADERS[self._first_layout] = (prefix, suffix)

    def __enter__(self) -> ArrayWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<ArrayWriter {self.path!r} ({state}, {len(self.keys)} arrays)>"


def load_array(
    filename: str | os.PathLike[str], key: str, digest: str | None = None
) -> np.ndarray:
    """Load the array stored under ``key`` in the HDF5 file ``filename``.

    ``digest``, the xxh3_128 digest of the array's bytes as the writer stored them
    (:attr:`ArrayWriter.digests`, which the source the engine writes names), is checked
    (:mod:`~archived.engine.arraydigest`): an array read into memory must have it, a
    memory-mapped one must have it in the file's index; else
    :class:`~archived.errors.DamagedArrayError`, and no array is returned.

    A relative ``filename`` is resolved against the directory of the innermost
    :func:`using_datadir`, else the current directory.  A missing file or key, or a
    damaged file, raises :class:`~archived.errors.DamagedArrayError` naming both.  The
    file is opened read-only and closed before returning.  Files written by
    :class:`ArrayWriter` are read through their index without PyTables; any other HDF5
    file through PyTables.

    >>> load_array('/nonexistent/data.h5', 'a0')
    Traceback (most recent call last):
        ...
    archived.errors.DamagedArrayError: cannot read array 'a0' from '/nonexistent/...': no such file
    """
    path = os.fspath(filename)
    if not os.path.isabs(path):
        path = os.path.join(_DATADIR.get() or os.getcwd(), path)
    try:
        f = open(path, "rb", buffering=0)
    except FileNotFoundError:
        raise DamagedArrayError(path, key, "no such file") from None
    except OSError as err:
        if is_read_failure(err):  # a failing disk: no damage, the entry stays
            raise StoreReadError.of(err, path) from err
        raise DamagedArrayError(path, key, f"cannot open the file ({err})") from err
    try:
        try:
            index, data_end = _known_trailer(f)
            if key in index:
                return _read_indexed(f, index[key], data_end, _MMAP.get(), digest, key)
        finally:
            close_read_only(f)  # (nothing written: its close's EIO is no failed read)
    except DigestMismatch as err:
        raise DamagedArrayError(path, key, str(err)) from None
    except (ValueError, TypeError, SyntaxError, KeyError, OSError, zlib.error) as err:
        if is_read_failure(err):
            raise StoreReadError.of(err, path) from err
        raise DamagedArrayError(path, key, f"inconsistent data ({err})") from err
    return _load_with_pytables(path, key, digest)


def _load_with_pytables(path: str, key: str, digest: str | None = None) -> np.ndarray:
    import tables

    with _HDF5_LOCK:
        try:
            h5 = tables.open_file(path, mode="r")
        except Exception as err:  # HDF5 reports damage through many exception types
            _raise_read_failure(path)  # (and a failing disk as damage: no errno)
            raise DamagedArrayError(path, key, f"not a readable HDF5 file ({err})") from err
        try:
            try:
                node = h5.get_node("/", key)
            except tables.NoSuchNodeError as err:
                raise DamagedArrayError(path, key, "no such key in the file") from err
            try:
                attrs = node._v_attrs
                text = attrs[_ATTR] if _ATTR in attrs._v_attrnamesuser else None
                data = node.read()
            except Exception as err:
                _raise_read_failure(path)
                raise DamagedArrayError(path, key, f"unreadable data ({err})") from err
        finally:
            h5.close()
    try:
        layout = None if text is None else json.loads(str(text))
        # an attribute no writer of ours wrote: the layout is HDF5's own
        if not isinstance(layout, dict):
            layout = {"dtype": repr(_dtype_literal(data.dtype)), "shape": list(data.shape)}
            layout["order"], text = "C", None
        check_read(_raw_bytes(np.ascontiguousarray(data)), layout, digest, f"array {key!r}")
        return _rebuild(data, None if text is None else layout)
    except DigestMismatch as err:
        raise DamagedArrayError(path, key, str(err)) from None
    except (ValueError, TypeError, SyntaxError, KeyError) as err:
        raise DamagedArrayError(path, key, f"inconsistent data ({err})") from err


def refused_for_room(path: str, error: BaseException | None) -> int | None:
    """``EDQUOT`` (or ``ENOSPC``) if ``error``, HDF5's failure to write the data file
    ``path`` (it drops the system's errno), came of this user's full quota (or a full
    disk); None when it cannot be told, or ``error`` holds the system's own errno.

    The system is asked to reserve one block at the end of the partial file (before it
    is removed: it holds what filled the quota), which a full quota refuses with its
    errno.  One block: a quota with less than that left is full, whatever failed; a
    probe as big as the failed write would blame a quota for an I/O error near its end.

    >>> refused_for_room("/nonexistent/x.h5", RuntimeError("Problems creating the Array."))
    """
    numbered = isinstance(error, OSError) and error.errno is not None
    from_hdf5 = type(error).__module__.startswith("tables")
    if numbered or not (from_hdf5 or isinstance(error, OSError)):
        return None
    reserve = getattr(os, "posix_fallocate", None)
    flags = os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    if reserve is None:
        return None
    try:
        fd = os.open(path, flags | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        reserve(fd, st.st_size, max(st.st_blksize, 512))
    except OSError as err:
        return err.errno if err.errno in _NO_ROOM else None
    finally:
        os.close(fd)
    return None


_NO_ROOM = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))


def _raise_read_failure(path: str) -> None:
    """:class:`~archived.errors.StoreReadError` if the file ``path``, which HDF5 failed
    to read, cannot be read by the system either (HDF5 drops the errno: a failing disk
    read as a damaged file set good entries aside); else nothing."""
    try:
        f = open(path, "rb", buffering=0)
    except OSError as err:
        if is_read_failure(err):
            raise StoreReadError.of(err, path) from err
        return
    try:
        while f.read(1 << 20):
            pass
    except OSError as err:
        if is_read_failure(err):
            raise StoreReadError.of(err, path) from err
    finally:
        # (only read: its close's EIO is no failed read, and a damaged file whose reads
        # all succeeded was told as a read error, never set aside)
        close_read_only(f)


def _rebuild(data: np.ndarray, entry: dict[str, Any] | None) -> np.ndarray:
    if entry is None:
        return data  # written by another tool: return what HDF5 holds
    dtype, shape, fortran = _layout(entry["dtype"], entry["shape"], entry["order"])
    stored_shape = shape[::-1] if fortran else shape
    if entry["layout"] == "raw":
        data = _from_raw(data, dtype, stored_shape)
    elif data.dtype != dtype or data.shape != stored_shape:
        raise ValueError(f"stored {data.shape} {data.dtype}, expected {stored_shape} {dtype}")
    elif data.dtype.type is not dtype.type:
        data = data.view(dtype)  # e.g. longlong, which HDF5 reads back as int64
    return _restore_kind(data.T if fortran else data, entry.get("as"))


def _layout(dtype_text: Any, shape: Any, order: Any) -> tuple[np.dtype, tuple[int, ...], bool]:
    from .arrays import dtype_from_literal, raw_dtype

    dims = tuple(int(n) for n in shape)
    if str(order) not in ("C", "F") or any(n < 0 for n in dims):
        raise ValueError(f"bad layout {order!r} {dims!r}")
    return raw_dtype(dtype_from_literal(str(dtype_text))), dims, str(order) == "F"


def _from_raw(raw: np.ndarray, dtype: np.dtype, stored_shape: tuple[int, ...]) -> np.ndarray:
    """View the flat uint8 ``raw`` as the array it holds (no copy)."""
    count = math.prod(stored_shape)
    if raw.dtype != np.uint8 or raw.size != dtype.itemsize * count:
        raise ValueError(f"{raw.size} raw bytes do not hold {stored_shape} of {dtype}")
    flat = raw.view(dtype) if count else np.zeros(0, dtype=dtype)
    return flat.reshape(stored_shape)


# --- the fast-read index ----------------------------------------------------------------
#
# HDF5 ignores bytes after its end-of-file address, so after closing the file the writer
# appends a small JSON index: for each array, where its raw bytes lie in the file and its
# dtype, shape and order.  A reader then needs neither PyTables nor HDF5: one open, one
# read, no copy -- as fast as np.load.  The index is only written for arrays whose
# location the HDF5 library reported (H5Dget_offset) and whose bytes were checked there.

_TRAILER_MAGIC = b"ARCHVD01"
_TRAILER_TAIL = 20  # the index's crc32 (4 bytes), its length (8 bytes), the magic
_SAMPLE = 4096
_INDEX_CHUNK = 2**20  # bytes of a file's index read at once


def _append_trailer(fd: int, index: dict[str, dict[str, Any]]) -> None:
    text = json.dumps({"format": 1, "arrays": index}, sort_keys=True).encode()
    tail = zlib.crc32(text).to_bytes(4, "little") + len(text).to_bytes(8, "little")
    _pwrite_all(fd, memoryview(text + tail + _TRAILER_MAGIC), os.fstat(fd).st_size)


def _pwrite_all(fd: int, data: memoryview, at: int) -> None:
    while data:
        n = os.pwrite(fd, data, at)
        data, at = data[n:], at + n


# The index of data files read lately, by path, so that each array of a file does not
# re-read and re-parse it.  The library never rewrites a data file (every write makes a
# fresh name), but a person or a tool may rewrite one in place, to other content of the
# same size, and restore its mtime with os.utime.  So a remembered index is used only
# while the file's (device, inode, size, mtime, ctime) are those it was read with -- the
# ctime cannot be set back -- and only for a file that had not changed for _SETTLED_NS
# before it was read: a rewrite within one tick of the filesystem's clock keeps all five,
# so the index of a younger file is read again every time (the rule of the store's index,
# archived.store.index).
Stamp = tuple[int, int, int, int, int]
_TRAILERS: dict[str, tuple[Stamp, dict[str, Any], int]] = {}
_TRAILERS_KEPT = 64
_SETTLED_NS = 3 * 10**9


def _known_trailer(f: BinaryIO) -> tuple[dict[str, Any], int]:
    """:func:`_read_trailer` of the open file ``f``, remembered for the same file."""
    now = time.time_ns()  # before the file is read: the reference of the settled rule
    st = os.fstat(f.fileno())
    stamp = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    name = str(getattr(f, "name", ""))
    found = _TRAILERS.get(name)
    if found is not None and found[0] == stamp:
        return found[1], found[2]
    index, data_end = _read_trailer(f)
    if index and max(st.st_mtime_ns, st.st_ctime_ns) < now - _SETTLED_NS:
        with _HDF5_LOCK:
            if len(_TRAILERS) >= _TRAILERS_KEPT:
                del _TRAILERS[next(iter(_TRAILERS))]
            _TRAILERS[name] = (stamp, index, data_end)
    return index, data_end


def _read_trailer(f: BinaryIO) -> tuple[dict[str, Any], int]:
    """The index of ``f`` and where the HDF5 part of the file ends.

    A file without a valid index (another writer's HDF5 file, or one that HDF5 extended
    over the index after it was written) gives an empty index: PyTables reads it then.
    """
    size = f.seek(0, os.SEEK_END)
    if size < _TRAILER_TAIL:
        return {}, size
    f.seek(size - _TRAILER_TAIL)
    tail = f.read(_TRAILER_TAIL)
    if tail[12:] != _TRAILER_MAGIC:
        return {}, size
    length = int.from_bytes(tail[4:12], "little")
    start = size - _TRAILER_TAIL - length
    if start < 0:
        return {}, size
    f.seek(start)
    try:  # a tail claiming gigabytes of index in a sparse file was read whole into memory
        text = read_text_bytes(f.read, _INDEX_CHUNK, length)
    except (NulByteError, EOFError):
        return {}, size
    if zlib.crc32(text) != int.from_bytes(tail[:4], "little"):
        return {}, size
    try:
        index = json.loads(text)["arrays"]
    except (ValueError, KeyError, TypeError):
        return {}, size
    return dict(index), start


def _read_indexed(
    f: BinaryIO,
    entry: dict[str, Any],
    data_end: int,
    mmap_mode: str | None = None,
    digest: str | None = None,
    key: str = "",
) -> np.ndarray:
    """The array the index ``entry`` describes in ``f``, as ``digest`` names it (see
    :func:`load_array`; :class:`~archived.engine.arraydigest.DigestMismatch` if not)."""
    where = f"array {key!r}"
    hashed = None  # the digest of the bytes, when taken as they were read
    dtype, shape, fortran = _layout(entry["dtype"], entry["shape"], entry["order"])
    stored_shape = shape[::-1] if fortran else shape
    nbytes = int(entry["nbytes"])
    if "chunks" in entry:
        from .compression import read_chunked

        native = entry["layout"] == "native"
        chunked_shape = stored_shape if native else (nbytes,)
        itemsize = dtype.itemsize if native else 1
        raw = read_chunked(f.fileno(), entry, data_end, chunked_shape, itemsize)
    elif nbytes and mmap_mode is not None and entry.get("as") is None:
        check_mapped(entry, digest, where)
        return _mapped(f, entry, data_end, dtype, stored_shape, fortran, mmap_mode)
    elif nbytes:
        offset = int(entry["offset"])
        if offset < 0 or offset + nbytes > data_end:
            raise ValueError(f"array bytes {offset}..{offset + nbytes} lie beyond the data")
        f.seek(offset)
        raw = np.empty(nbytes, dtype=np.uint8)
        hashed = _read_into(f, raw, digest is not None)
    else:
        raw = np.zeros(0, dtype=np.uint8)
    check_read(raw, entry, digest, where, hashed)
    data = _from_raw(raw, dtype, stored_shape)
    return _restore_kind(data.T if fortran else data, entry.get("as"))


def _mapped(
    f: BinaryIO,
    entry: dict[str, Any],
    data_end: int,
    dtype: np.dtype,
    stored_shape: tuple[int, ...],
    fortran: bool,
    mode: str,
) -> np.ndarray:
    """A memory map of the array's bytes in ``f`` (no byte is read until touched)."""
    offset, nbytes = int(entry["offset"]), int(entry["nbytes"])
    if offset < 0 or offset + nbytes > data_end:
        raise ValueError(f"array bytes {offset}..{offset + nbytes} lie beyond the data")
    if nbytes != dtype.itemsize * math.prod(stored_shape):
        raise ValueError(f"{nbytes} bytes do not hold {stored_shape} of {dtype}")
    # mapped through the descriptor already open: the file that was checked, even if
    # the entry is replaced meanwhile
    mapped = np.memmap(f, dtype=dtype, mode=mode, offset=offset, shape=stored_shape)  # type: ignore[call-overload]
    return mapped.T if fortran else mapped


def _restore_kind(data: np.ndarray, kind: Any) -> np.ndarray:
    """Turn stored fixed-width strings back into ``StringDType`` when they were that."""
    if kind is None:
        return data
    if str(kind) != "T":
        raise ValueError(f"unknown stored kind {kind!r}")
    return data.astype(np.dtypes.StringDType())


def _read_into(f: BinaryIO, buffer: np.ndarray, digest: bool = False) -> str | None:
    """Fill ``buffer`` from ``f``; with ``digest``, return the digest of what was read.

    The digest is taken a piece at a time as the pieces are read, while each is still
    in the processor's cache: hashed after the whole read, a 100 MB array was fetched
    from memory once more (measured: reading 100 MB from the page cache 27-28 ms, then
    hashing it +5-11 ms; hashed by pieces +2-6 ms)."""
    view = buffer.data.cast("B")
    hasher = new_hasher() if digest else None
    step = _HASHED_PIECE if digest else len(view)
    done = 0
    while done < len(view):
        n = f.readinto(view[done : done + step])  # type: ignore[attr-defined]
        if not n:
            raise ValueError(f"file ends {len(view) - done} bytes early")
        if hasher is not None:
            hasher.update(view[done : done + n])
        done += n
    return None if hasher is None else hasher.hexdigest()


_HASHED_PIECE = 2**18  # bytes read, then hashed, at once: inside a core's own cache


def _sample_matches(fd: int, entry: dict[str, Any], sample: tuple[bytes, bytes]) -> bool:
    """Whether the file holds the array's first and last bytes where the index says.

    Read back from the file HDF5 has closed, so an offset the library misreported (or
    bytes it moved) leaves the array out of the index rather than misreading it.  For a
    compressed array, its first chunk must inflate to the array's first bytes.
    """
    if not entry["nbytes"]:
        return True
    if "chunks" in entry:
        from .compression import first_chunk_bytes

        head = sample[0]
        try:
            return first_chunk_bytes(fd, entry, os.fstat(fd).st_size)[: len(head)] == head
        except (ValueError, zlib.error, OSError):
            return False
    head, tail = sample
    if os.pread(fd, len(head), entry["offset"]) != head:
        return False
    return os.pread(fd, len(tail), entry["offset"] + entry["nbytes"] - len(tail)) == tail


_PREALLOCATE_FROM = 2**20  # bytes; below this the extent bookkeeping is not worth it


def _preallocate(fd: int, nbytes: int) -> None:
    """Reserve disk space for ``nbytes`` of the file ``fd`` without changing its size.

    This is what ``np.save`` does (``fallocate`` with ``FALLOC_FL_KEEP_SIZE``): one big
    write into reserved extents runs about 25% faster than one that allocates as it
    goes.  HDF5 sees no difference, as the file's size is unchanged.  Only an
    optimisation: where the call is missing or refused, nothing happens.
    """
    fallocate = _libc_fallocate()
    if fallocate is not None:
        fallocate(fd, 1, 0, nbytes)  # 1 = FALLOC_FL_KEEP_SIZE; a failure is harmless


@functools.cache
def _libc_fallocate() -> Any:
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return None
    try:
        func = ctypes.CDLL(None, use_errno=True).fallocate
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong]
    func.restype = ctypes.c_int
    return func


def _data_offset(node: Any) -> int | None:
    """The file offset of a contiguous dataset's bytes, or None if HDF5 cannot say."""
    get_offset = _h5dget_offset()
    if get_offset is None:
        return None
    offset = get_offset(node._v_objectid)
    return None if offset in (0, 2**64 - 1) else int(offset)


@functools.cache
def _h5dget_offset() -> Any:
    """``H5Dget_offset`` of the HDF5 library PyTables has loaded, if it can be found."""
    import ctypes

    from .h5lib import loaded_hdf5

    lib = loaded_hdf5()
    if lib is None:
        return None
    function = lib.H5Dget_offset
    function.restype = ctypes.c_uint64
    function.argtypes = [ctypes.c_int64]
    return function


def _hdf5_exact(dtype: np.dtype) -> bool:
    """Whether HDF5 stores this native dtype as itself (long doubles lose padding bytes)."""
    return not (dtype.kind in "fc" and dtype.itemsize > (8 if dtype.kind == "f" else 16))


def _compressible(obj: np.ndarray) -> bool:
    from .compression import compressible

    return compressible(obj)


def _raw_bytes(data: np.ndarray) -> np.ndarray:
    """The bytes of the C-contiguous ``data`` as a flat uint8 array, without copying."""
    if data.size == 0:
        return np.zeros(0, dtype=np.uint8)
    return data.reshape(-1).view(np.uint8)


def _dtype_literal(dtype: np.dtype) -> Any:
    from .arrays import dtype_literal

    return dtype_literal(dtype)
