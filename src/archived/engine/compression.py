"""Compressed arrays in the HDF5 data files: standard filters, read back without HDF5.

``compress=`` (of an :class:`~archived.engine.archive.Archive`, a DataSet or a cached
function) writes each big array as a chunked HDF5 dataset through PyTables' filters:

* ``True`` or ``"zlib"``: HDF5's built-in *deflate* filter (zlib, level 4 by default,
  ``("zlib", 9)`` for another level), preceded by HDF5's *shuffle* filter when that
  makes the array smaller (decided on a sample of it).  Both filters are part of every
  HDF5 library, so h5py, ``h5dump``, HDFView, MATLAB or R read these files unchanged;
* ``"blosc:lz4"``, ``"blosc2:zstd"``, ... (any PyTables compression library): faster
  or smaller, but readers other than PyTables need the matching HDF5 filter plugin
  (``hdf5-blosc``), so it is opt-in.

Chunks are slabs of whole rows of about :data:`CHUNK_BYTES`.  For deflate the writer
records where each chunk lies in the index it appends to the file (see
:mod:`archived.engine.hdf5`), so :func:`read_chunked` reads a compressed array with
``pread`` and ``zlib`` alone -- no HDF5, no PyTables -- and refuses any chunk that lies
outside the file or does not inflate to exactly its size.  Other libraries are read
through PyTables.

>>> codec_of(True), codec_of(("zlib", 9)), codec_of(None)
(('zlib', 4), ('zlib', 9), None)
"""

from __future__ import annotations

import ctypes
import functools
import math
import os
import zlib
from typing import Any

import numpy as np

__all__ = ["codec_of", "CHUNK_BYTES", "write_compressed", "chunk_index", "read_chunked"]

CHUNK_BYTES = 1 << 20
DEFAULT_LEVEL = 4
_SAMPLE_BYTES = 1 << 18
_MAX_CHUNK = (1 << 32) - 1  # HDF5's limit on one chunk's bytes

Codec = tuple[str, int]


def codec_of(compress: Any) -> Codec | None:
    """The ``(library, level)`` that ``compress=`` asks for, or None for no compression.

    Raises ``ValueError`` naming the option for anything else.

    >>> codec_of("blosc:zstd")
    ('blosc:zstd', 4)
    >>> codec_of("gzip")
    Traceback (most recent call last):
        ...
    ValueError: compress='gzip' is not a compression: use True (zlib), 'zlib', ...
    """
    if compress is None or compress is False:
        return None
    if compress is True:
        return ("zlib", DEFAULT_LEVEL)
    library, level = (compress, DEFAULT_LEVEL) if isinstance(compress, str) else (None, None)
    if isinstance(compress, tuple) and len(compress) == 2:
        library, level = compress
    if (
        isinstance(library, str)
        and _known_library(library)
        and isinstance(level, int)
        and not isinstance(level, bool)
        and 1 <= level <= 9
    ):
        return (library, level)
    raise ValueError(
        f"compress={compress!r} is not a compression: use True (zlib), 'zlib', "
        "('zlib', level 1-9), or a PyTables library such as 'blosc:lz4' (readable "
        "elsewhere only with the hdf5-blosc plugin)"
    )


def _known_library(library: str) -> bool:
    if library == "zlib":
        return True
    try:
        import tables
    except ImportError:  # pragma: no cover - PyTables is a dependency
        return False
    return library in tables.filters.all_complibs


def compressible(data: np.ndarray) -> bool:
    """Whether ``data`` (C-contiguous) can be stored in row chunks: not 0-d nor empty,
    and one row within HDF5's chunk size limit."""
    return data.ndim > 0 and data.size > 0 and _row_bytes(data) <= _MAX_CHUNK


def _row_bytes(data: np.ndarray) -> int:
    return int(data.itemsize * (data.size // data.shape[0]))


def write_compressed(h5: Any, key: str, obj: np.ndarray, codec: Codec) -> Any:
    """Create the chunked, filtered dataset ``key`` holding ``obj`` in the PyTables file
    ``h5``; return its node.  Call with the HDF5 lock held.

    For zlib the chunks are compressed here, by Python's zlib on all cores, and handed to
    HDF5 as they are (``H5Dwrite_chunk``): the bytes HDF5's own filters would write,
    without its one-chunk-at-a-time pipeline.
    """
    import tables

    library, level = codec
    rows = max(1, min(obj.shape[0], CHUNK_BYTES // max(1, _row_bytes(obj))))
    shuffle = obj.itemsize > 1 and _shuffle_helps(obj, level)
    filters = tables.Filters(complevel=level, complib=library, shuffle=shuffle)
    chunkshape = (rows, *obj.shape[1:])
    write_chunk = _direct_chunk_write() if library == "zlib" else None
    if write_chunk is None:
        return h5.create_carray(
            "/", key, obj=obj, filters=filters, chunkshape=chunkshape, track_times=False
        )
    node = h5.create_carray(
        "/",
        key,
        atom=tables.Atom.from_dtype(obj.dtype),
        shape=obj.shape,
        filters=filters,
        chunkshape=chunkshape,
        track_times=False,
    )
    _write_chunks(write_chunk, node._v_objectid, obj, rows, shuffle, level)
    return node


def _write_chunks(
    write_chunk: Any, object_id: int, obj: np.ndarray, rows: int, shuffle: bool, level: int
) -> None:
    """Compress ``obj``'s row chunks in threads (zlib releases the GIL), write them in order."""
    from concurrent.futures import ThreadPoolExecutor

    row_bytes = _row_bytes(obj)
    data = obj.reshape(-1).view(np.uint8)
    chunk_bytes = rows * row_bytes
    starts = range(0, obj.shape[0], rows)

    def compress(start: int) -> bytes:
        piece = data[start * row_bytes : (start + rows) * row_bytes]
        if len(piece) < chunk_bytes:  # HDF5 stores an edge chunk whole, padded
            piece = np.concatenate([piece, np.zeros(chunk_bytes - len(piece), np.uint8)])
        if shuffle:
            piece = piece.reshape(-1, obj.itemsize).T.copy()
        return zlib.compress(piece.data, level)

    offset = (ctypes.c_uint64 * obj.ndim)()
    workers = min(4, os.cpu_count() or 1, len(starts))
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        window = 2 * max(1, workers)  # compressed chunks waiting to be written, at most
        for first in range(0, len(starts), window):
            batch = starts[first : first + window]
            for start, blob in zip(batch, pool.map(compress, batch), strict=True):
                offset[0] = start
                if write_chunk(object_id, 0, 0, offset, len(blob), blob) < 0:
                    raise OSError(f"HDF5 could not write the chunk at row {start}")


@functools.cache
def _direct_chunk_write() -> Any:
    """``H5Dwrite_chunk`` of the HDF5 library PyTables loaded (1.10.3 and later), or None."""
    from .h5lib import loaded_hdf5

    lib = loaded_hdf5()
    function = getattr(lib, "H5Dwrite_chunk", None) if lib is not None else None
    if function is None:
        return None
    function.restype = ctypes.c_int
    function.argtypes = [
        ctypes.c_int64,
        ctypes.c_int64,
        ctypes.c_uint32,
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.c_char_p,
    ]
    return function


def _shuffle_helps(obj: np.ndarray, level: int) -> bool:
    """Whether HDF5's byte shuffle makes a sample of ``obj`` compress smaller.

    Shuffling groups the n-th bytes of all items, which helps smooth or small numbers
    a lot and hurts data whose items repeat whole (rounded decimals, mostly zeros).
    """
    flat = obj.reshape(-1)
    sample = flat[: max(1, _SAMPLE_BYTES // obj.itemsize)]
    plain = np.ascontiguousarray(sample).view(np.uint8)
    shuffled = plain.reshape(-1, obj.itemsize).T.copy()
    return len(zlib.compress(shuffled.data, level)) < len(zlib.compress(plain.data, level))


# --------------------------------------------------------------------------- the index


def chunk_index(node: Any, object_id: int) -> dict[str, Any] | None:
    """Where each chunk of the deflate-compressed dataset ``node`` lies in the file, for
    the fast-read index; None when HDF5 cannot say or the filters are not zlib's.

    Call after the file was flushed (chunks have addresses then), with the lock held.
    """
    filters = node.filters
    if filters.complib != "zlib" or filters.fletcher32 or filters.bitshuffle:
        return None
    functions = _chunk_functions()
    if functions is None:
        return None
    get_count, get_info = functions
    count = ctypes.c_uint64()
    if get_count(object_id, 0, ctypes.byref(count)) < 0:
        return None
    offset = (ctypes.c_uint64 * max(1, node.ndim))()
    mask, addr, size = ctypes.c_uint(), ctypes.c_uint64(), ctypes.c_uint64()
    chunks = []
    found = (ctypes.byref(mask), ctypes.byref(addr), ctypes.byref(size))
    for i in range(count.value):
        if get_info(object_id, 0, i, offset, *found) < 0:
            return None
        chunks.append([int(offset[0]), int(mask.value), int(addr.value), int(size.value)])
    chunks.sort()
    return {
        # HDF5 applies the filters in this order when writing; mask bit i skips filter i
        "filters": ["shuffle", "deflate"] if filters.shuffle else ["deflate"],
        "chunkrows": int(node.chunkshape[0]),
        "chunks": chunks,
    }


@functools.cache
def _chunk_functions() -> tuple[Any, Any] | None:
    """``H5Dget_num_chunks`` and ``H5Dget_chunk_info`` of the HDF5 library PyTables loaded."""
    from .h5lib import loaded_hdf5

    lib = loaded_hdf5()
    if lib is None:
        return None
    try:
        get_count, get_info = lib.H5Dget_num_chunks, lib.H5Dget_chunk_info
    except AttributeError:  # HDF5 before 1.10.5
        return None
    get_count.restype = get_info.restype = ctypes.c_int
    get_count.argtypes = [ctypes.c_int64, ctypes.c_int64, ctypes.POINTER(ctypes.c_uint64)]
    get_info.argtypes = [
        ctypes.c_int64,
        ctypes.c_int64,
        ctypes.c_uint64,
        ctypes.c_void_p,
        ctypes.POINTER(ctypes.c_uint),
        ctypes.POINTER(ctypes.c_uint64),
        ctypes.POINTER(ctypes.c_uint64),
    ]
    return get_count, get_info


_PIPELINES = (["deflate"], ["shuffle", "deflate"])  # the filter lists chunk_index writes


def read_chunked(
    fd: int, entry: dict[str, Any], data_end: int, stored_shape: tuple[int, ...], itemsize: int
) -> np.ndarray:
    """The bytes of a compressed array, as a flat uint8 array, from its index ``entry``.

    Raises ``ValueError`` when a chunk lies outside the HDF5 part of the file, the chunks
    do not cover the array, or a chunk does not inflate to exactly its size.
    """
    nbytes = int(entry["nbytes"])
    rows = int(entry["chunkrows"])
    row_bytes = itemsize * math.prod(stored_shape[1:])
    chunk_bytes = rows * row_bytes
    filters = [str(f) for f in entry["filters"]]
    # the two pipelines chunk_index writes: a list of deflate 100,000 times over had each
    # chunk inflated as many times (a zlib stream that inflates to itself exists)
    if rows < 1 or filters not in _PIPELINES:
        raise ValueError(f"unknown chunk layout {rows} rows, filters {filters!r:.80}")
    out = np.empty(nbytes, dtype=np.uint8)
    chunks = entry["chunks"]
    for i, (first, *_) in enumerate(chunks):
        if int(first) != i * rows:
            raise ValueError(f"chunk {i} starts at row {first}, not {i * rows}")
    if len(chunks) * chunk_bytes < nbytes or (len(chunks) - 1) * chunk_bytes >= max(nbytes, 1):
        raise ValueError(f"{len(chunks)} chunks of {chunk_bytes} bytes do not hold {nbytes}")
    if chunk_bytes > max(nbytes, row_bytes):
        # the writer's chunks are never longer than the array (bar one row of an empty
        # one): a longer one would be inflated whole, whatever the array's size charged
        raise ValueError(f"chunks of {chunk_bytes} bytes for an array of {nbytes}")

    def one(i: int) -> None:
        _, mask, addr, size = chunks[i]
        chunk = _chunk(fd, (mask, addr, size), filters, chunk_bytes, itemsize, data_end)
        start = i * chunk_bytes
        end = min(start + chunk_bytes, nbytes)
        out[start:end] = np.frombuffer(chunk, dtype=np.uint8, count=end - start)

    _in_threads(one, len(chunks))
    return out


def _in_threads(work: Any, count: int) -> None:
    """Run ``work(0) ... work(count - 1)`` on all cores (zlib releases the GIL)."""
    workers = min(4, os.cpu_count() or 1, count)
    if workers <= 1:
        for i in range(count):
            work(i)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for _ in pool.map(work, range(count)):
            pass


def first_chunk_bytes(fd: int, entry: dict[str, Any], data_end: int) -> bytes:
    """The bytes the first chunk of a compressed array's index ``entry`` inflates to."""
    from .arrays import dtype_from_literal

    itemsize = dtype_from_literal(str(entry["dtype"])).itemsize
    native = entry["layout"] == "native"
    shape = [int(n) for n in entry["shape"]]
    if entry["order"] == "F":
        shape.reverse()
    row_bytes = itemsize * math.prod(shape[1:]) if native else 1
    _, mask, addr, size = entry["chunks"][0]
    chunk_bytes = int(entry["chunkrows"]) * row_bytes
    filters = [str(f) for f in entry["filters"]]
    if filters not in _PIPELINES:
        raise ValueError(f"unknown filters {filters!r:.80}")
    itemsize = itemsize if native else 1
    return _chunk(fd, (mask, addr, size), filters, chunk_bytes, itemsize, data_end)


def _chunk(
    fd: int,
    where: tuple[Any, Any, Any],
    filters: list[str],
    chunk_bytes: int,
    itemsize: int,
    data_end: int,
) -> bytes:
    """Read one chunk and undo its filters, last applied first."""
    mask, addr, size = (int(v) for v in where)
    if addr < 0 or size < 0 or addr + size > data_end:
        raise ValueError(f"a chunk ({addr}+{size}) lies beyond the data")
    if size > _deflate_bound(chunk_bytes):
        # read whole before inflating: a chunk is never longer than zlib makes its bytes
        # (or than they are, stored unfiltered), so the reads add up to the array's size
        raise ValueError(f"a chunk of {size} bytes for {chunk_bytes} bytes of data")
    chunk = os.pread(fd, size, addr)
    for bit, name in reversed(list(enumerate(filters))):
        if mask >> bit & 1:
            continue  # HDF5 stored this chunk without that filter
        chunk = _inflate(chunk, chunk_bytes) if name == "deflate" else _unshuffle(chunk, itemsize)
    if len(chunk) != chunk_bytes:
        raise ValueError(f"a chunk holds {len(chunk)} bytes, not {chunk_bytes}")
    return chunk


def _deflate_bound(n: int) -> int:
    """The longest zlib stream of ``n`` bytes, from zlib or HDF5's deflate filter (whose
    output buffer is ``1.001 n + 12`` bytes; a chunk that does not fit is stored raw).

    >>> _deflate_bound(2**20) - 2**20
    1112
    """
    return n + n // 1000 + 64


def _inflate(data: bytes, expected: int) -> bytes:
    inflater = zlib.decompressobj()
    out = inflater.decompress(data, expected)  # never more than one chunk's bytes
    if inflater.unconsumed_tail or not inflater.eof:
        raise ValueError("a chunk does not inflate to its size")
    return out


def _unshuffle(data: bytes, itemsize: int) -> bytes:
    if itemsize == 1 or len(data) % itemsize:
        return data
    planes = np.frombuffer(data, dtype=np.uint8).reshape(itemsize, -1)
    return planes.T.tobytes()
