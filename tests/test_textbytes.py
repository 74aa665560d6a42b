"""Reading text files: whole, refused at a NUL, and an entry file in as few reads as it
needs (one, for a file of the size its fstat gave)."""

import io
import os

import pytest

from archived.engine.textbytes import NulByteError, read_text_bytes
from archived.errors import DamagedEntryError
from archived.store import entries


def test_a_nul_byte_is_refused_with_its_offset():
    with pytest.raises(NulByteError, match="at byte 6"):
        read_text_bytes(io.BytesIO(b"x = 1\n\0").read, 4)


@pytest.fixture
def entry(tmp_path):
    folder = str(tmp_path)
    entries.commit_entry(folder, "a", [1.5, "s"], info={"n": 1})
    with open(os.path.join(folder, "a.py"), "rb") as f:
        return folder, f.read()


def test_an_entry_file_is_read_by_one_read(entry, monkeypatch):
    folder, text = entry
    sizes = []
    real = os.read
    monkeypatch.setattr(entries.os, "read", lambda fd, n: sizes.append(n) or real(fd, n))
    data, status = entries.read_entry_bytes(folder, "a")
    assert data == text and len(sizes) == 1 and status.st_size == len(text)


def test_an_entry_file_that_grew_after_its_fstat_is_read_to_its_end(entry, monkeypatch):
    folder, text = entry
    real = os.fstat

    def fstat_then_grow(fd):
        status = real(fd)
        with open(os.path.join(folder, "a.py"), "ab") as f:
            f.write(b"# more\n")
        return status

    monkeypatch.setattr(entries.os, "fstat", fstat_then_grow)
    data, status = entries.read_entry_bytes(folder, "a")
    assert data == text + b"# more\n" and status.st_size == len(text)


def test_short_reads_of_an_entry_file_are_read_on_to_its_end(entry, monkeypatch):
    folder, text = entry
    real = os.read
    monkeypatch.setattr(entries.os, "read", lambda fd, n: real(fd, min(n, 5)))
    assert entries.read_entry_bytes(folder, "a")[0] == text


def test_an_entry_file_holding_a_nul_is_damaged_at_its_offset(entry):
    folder, text = entry
    with open(os.path.join(folder, "a.py"), "wb") as f:
        f.write(text[:10] + b"\0" + text[11:])
    with pytest.raises(DamagedEntryError, match=r"NUL byte \(at byte 10\)"):
        entries.read_entry_bytes(folder, "a")


def test_an_entry_is_read_alike_through_its_folder_with_or_without_a_closing_separator(entry):
    folder, text = entry
    for spelt in (folder, folder + os.sep, folder + os.sep + os.sep):
        data, status = entries.read_entry_bytes(spelt, "a")
        assert data == text and status.st_ino == os.stat(os.path.join(folder, "a.py")).st_ino
    relative = os.path.relpath(folder)
    assert entries.read_entry_bytes(relative, "a")[0] == text
    assert entries.read_entry_bytes(folder, "b") is None
