"""Reading a file that must hold text, a chunk at a time, refused at its first NUL byte.

Text that archived writes (entry files, the index, a data file's trailer) never holds a
NUL, while the holes of a sparse file read as NULs: a file of gigabytes that takes a few
kB on disk is refused after its first hole instead of being read whole into memory.

>>> import io
>>> read_text_bytes(io.BytesIO(b"x = 1\\n").read, 4)
b'x = 1\\n'
>>> read_text_bytes(io.BytesIO(b"x\\0y").read, 4)
Traceback (most recent call last):
...
archived.engine.textbytes.NulByteError: a NUL byte at byte 1
"""

from __future__ import annotations

from collections.abc import Callable


class NulByteError(ValueError):
    """The bytes read hold a NUL at ``offset``: they are not text archived wrote."""

    def __init__(self, offset: int) -> None:
        super().__init__(f"a NUL byte at byte {offset}")
        self.offset = offset


def read_text_bytes(
    read: Callable[[int], bytes], chunk: int, length: int | None = None, first: int | None = None
) -> bytes:
    """Read ``length`` bytes (None: to the end) by calls of ``read``, ``first`` bytes
    (default ``chunk``) and then ``chunk`` bytes at a time, each checked for NUL
    (``NulByteError``).  Fewer bytes than ``length`` is ``EOFError``.

    >>> import io
    >>> read_text_bytes(io.BytesIO(b"abcdef").read, 2, length=4)
    b'abcd'
    >>> read_text_bytes(io.BytesIO(b"ab").read, 2, length=4)
    Traceback (most recent call last):
    ...
    EOFError: 2 of 4 bytes
    """
    chunks = read_text_chunks(read, chunk, length, first)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_text_chunks(
    read: Callable[[int], bytes], chunk: int, length: int | None = None, first: int | None = None
) -> list[bytes]:
    """:func:`read_text_bytes` as the chunks read, not joined (a file of many megabytes
    is not copied once more).

    >>> import io
    >>> read_text_chunks(io.BytesIO(b"abcde").read, 2)
    [b'ab', b'cd', b'e']
    """
    chunks: list[bytes] = []
    done = 0
    size = chunk if first is None else first
    while length is None or done < length:
        piece = read(size if length is None else min(size, length - done))
        if not piece:
            if length is not None:
                raise EOFError(f"{done} of {length} bytes")
            break
        if b"\0" in piece:
            raise NulByteError(done + piece.index(b"\0"))
        chunks.append(piece)
        done += len(piece)
        size = chunk
    return chunks
