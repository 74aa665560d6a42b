"""Reading text files: whole, refused at a NUL, and in no more reads than they need."""

import io
import os

import pytest

from archived.engine.textbytes import NulByteError, read_text_bytes
from archived.store import entries


class Reads:
    """A file's ``read`` that records how much each call asked for, and can hand out
    at most ``most`` bytes a call (a short read, as some filesystems make)."""

    def __init__(self, data, most=None):
        self.file = io.BytesIO(data)
        self.most = most
        self.asked = []

    def __call__(self, n):
        self.asked.append(n)
        return self.file.read(n if self.most is None else min(n, self.most))


def test_a_first_read_giving_the_size_fstat_gave_is_the_whole_file():
    reads = Reads(b"x = 1\n")
    assert read_text_bytes(reads, 65536, first=7, whole=6) == b"x = 1\n"
    assert reads.asked == [7]  # no second read only to see the end


def test_a_file_that_grew_after_its_fstat_is_read_to_its_end():
    reads = Reads(b"x = 1\ny = 2\n")
    assert read_text_bytes(reads, 4, first=7, whole=6) == b"x = 1\ny = 2\n"


def test_short_reads_are_read_on_until_the_end_whatever_the_size_said():
    reads = Reads(b"x = 1\ny = 2\n", most=5)
    assert read_text_bytes(reads, 65536, first=13, whole=12) == b"x = 1\ny = 2\n"
    reads = Reads(b"x = 1\ny = 2\n", most=5)  # a file that shrank: read to its end
    assert read_text_bytes(reads, 65536, first=20, whole=19) == b"x = 1\ny = 2\n"
    assert reads.asked[-1] == 65536 and len(reads.asked) == 4


def test_a_nul_byte_is_refused_in_the_one_read_too():
    with pytest.raises(NulByteError, match="at byte 2"):
        read_text_bytes(Reads(b"x \0 1\n"), 65536, first=7, whole=6)


def test_an_entry_file_is_read_by_one_read(tmp_path, monkeypatch):
    folder = str(tmp_path)
    entries.commit_entry(folder, "a", [1.5, "s"], info={"n": 1})
    sizes = []
    real = os.read
    monkeypatch.setattr(entries.os, "read", lambda fd, n: sizes.append(n) or real(fd, n))
    data, status = entries.read_entry_bytes(folder, "a")
    assert len(sizes) == 1 and len(data) == status.st_size
    assert entries.read_value(folder, "a") == [1.5, "s"]
