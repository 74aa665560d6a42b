"""The read-side index file records the digest of the store listing its rows are exactly
(indexscan.listing_digest): a reader of an unchanged store compares that one digest
rather than looking each listed name up in the file's rows, and any change of an entry
file still makes the reader look at the entries one by one."""

import json
import os

import pytest

from archived.cli import main
from archived.store import entries, index, indexfile, indexscan
from archived.store.dataset import DataSet
from helpers import set_racy_ns

pytestmark = pytest.mark.usefixtures("index_forgotten")


def store_with(tmp_path, n=8):
    ds = DataSet("s", "w", path=str(tmp_path))
    for i in range(n):
        ds._insert(i * 0.5, info={"i": i, "label": f"p{i}"})
    return ds._path


def head(folder):
    with open(os.path.join(folder, index.INDEX_FILE), "rb") as f:
        return json.loads(f.readline())


def set_head(folder, **changes):
    """Rewrite the index file's head line (its checksum covers the lines after it only)."""
    path = os.path.join(folder, index.INDEX_FILE)
    with open(path, "rb") as f:
        first, rest = f.readline(), f.read()
    meta = json.loads(first)
    for key, value in changes.items():
        if value is None:
            meta.pop(key, None)
        else:
            meta[key] = value
    with open(path, "wb") as f:
        f.write(json.dumps(meta).encode() + b"\n" + rest)


def no_join(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the listing was joined with the file's rows name by name")

    monkeypatch.setattr(index, "changed_entries", refuse)


def labels(folder):
    kept = index.kept(folder)
    return {name: kept.row(i).info()["label"] for i, name in enumerate(kept.names)}


def listed_names(folder):
    return sorted(item[0] for item in index.listings(folder))


def test_an_unchanged_store_is_read_by_its_listing_digest_without_a_join(tmp_path, monkeypatch):
    set_racy_ns(monkeypatch, 0)  # rows settle at once
    folder = store_with(tmp_path)
    index.rows(folder)  # a full look saves the file with its listing's digest
    assert head(folder)["listed"] == indexscan.listing_digest(
        indexscan.entry_signatures(folder, None)
    )
    index.forget()
    no_join(monkeypatch)
    assert labels(folder) == {f"x_{i}": f"p{i}" for i in range(8)}
    index.forget()
    assert listed_names(folder) == sorted(f"x_{i}" for i in range(8))


@pytest.mark.parametrize("change", ["rewrite", "delete", "add", "edit in place"])
def test_any_entry_changed_after_the_digest_was_recorded_is_read_again(
    tmp_path, monkeypatch, change
):
    set_racy_ns(monkeypatch, 0)
    folder = store_with(tmp_path)
    index.rows(folder)
    index.forget()
    expected = {f"x_{i}": f"p{i}" for i in range(8)}
    if change == "rewrite":
        entries.commit_entry(folder, "x_2", 1.0, info={"i": 2, "label": "new"})
        expected["x_2"] = "new"
    elif change == "delete":
        entries.delete_entry(folder, "x_5")
        del expected["x_5"]
    elif change == "add":
        entries.commit_entry(folder, "x_9", 1.0, info={"i": 9, "label": "added"})
        expected["x_9"] = "added"
    else:  # same inode, size and mtime: only the ctime tells
        path = os.path.join(folder, "x_3.py")
        before = os.stat(path)
        with open(path, "r+") as f:
            text = f.read()
            f.seek(0)
            f.write(text.replace("'p3'", "'q3'"))
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        expected["x_3"] = "q3"
    assert labels(folder) == expected
    index.forget()
    assert listed_names(folder) == sorted(expected)


def test_a_file_saved_without_a_digest_records_one_at_its_first_full_read(tmp_path, monkeypatch):
    # (a file an earlier version saved, or a lookup's, which lists no directory)
    set_racy_ns(monkeypatch, 0)
    folder = store_with(tmp_path)
    index.rows(folder)
    set_head(folder, listed=None)
    index.forget()
    assert labels(folder)["x_1"] == "p1"  # joined, found exact: saved with the digest
    assert "listed" in head(folder)
    index.forget()
    no_join(monkeypatch)
    assert labels(folder)["x_1"] == "p1"


def test_a_file_of_racy_rows_records_no_digest(tmp_path, monkeypatch):
    # rows read right after their files changed are read again by the next reader: the
    # file must not let it take them on one digest
    folder = store_with(tmp_path)
    newest = max(
        max(st.st_mtime_ns, st.st_ctime_ns)
        for st in (os.stat(os.path.join(folder, f"x_{i}.py")) for i in range(8))
    )
    monkeypatch.setattr(index.time, "time_ns", lambda: newest + 1)
    index.rows(folder)
    assert os.path.exists(os.path.join(folder, index.INDEX_FILE))
    assert "listed" not in head(folder)


def test_a_digest_that_is_not_the_listings_is_joined_and_not_saved_again(tmp_path, monkeypatch):
    # another interpreter's digest (or a forged one): the rows are checked one by one
    # as before, and a store read by two interpreters is not saved again at every read
    set_racy_ns(monkeypatch, 0)
    folder = store_with(tmp_path)
    index.rows(folder)
    set_head(folder, listed="cpython-399-64:" + "0" * 32 + "8")
    path = os.path.join(folder, index.INDEX_FILE)
    before = os.stat(path)
    index.forget()
    assert labels(folder)["x_4"] == "p4"
    index.forget()
    assert listed_names(folder) == sorted(f"x_{i}" for i in range(8))
    after = os.stat(path)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    entries.commit_entry(folder, "x_4", 2.0, info={"i": 4, "label": "again"})
    index.forget()
    assert labels(folder)["x_4"] == "again"


def test_the_listing_digest_tells_every_part_of_a_signature_and_the_order():
    listing = [("a", (1, 10, 5, 6)), ("b", (2, 20, 7, 8))]
    digest = indexscan.listing_digest(listing)
    for i in range(4):
        changed = list((1, 10, 5, 6))
        changed[i] += 1
        assert indexscan.listing_digest([("a", tuple(changed)), listing[1]]) != digest
    assert indexscan.listing_digest([("c", (1, 10, 5, 6)), listing[1]]) != digest
    assert indexscan.listing_digest(listing[::-1]) != digest
    assert indexscan.listing_digest(listing[:1]) != digest


def forge_with_the_listings_digest(folder, field, value):
    """Write the store's index file again with ``value`` in the first row of column
    ``field`` and the digest of the store's listing now (what anyone who may write the
    store can compute), so that a reader takes its rows without a name looked up."""
    path = os.path.join(folder, index.INDEX_FILE)
    _, file = indexfile.read_columns(path, 2**30)
    columns = {name: list(file.column(name)) for name in indexfile.COLUMNS}
    columns[field][0] = value
    digest = indexscan.listing_digest(indexscan.entry_signatures(folder, None))
    indexfile.write_columns(folder, [columns[name] for name in indexfile.COLUMNS], digest)
    index.forget()


@pytest.mark.parametrize("field", ["size", "mtime"])
def test_a_file_of_the_listings_digest_with_a_number_no_file_has_is_not_read(
    tmp_path, monkeypatch, capsys, field
):
    # taken on its digest, the file's signatures are never compared with the entry
    # files': a size or mtime of 10**400 (no float holds it) made ls -l die of an
    # OverflowError.  A number no stat gives makes the file unread (the entries are)
    set_racy_ns(monkeypatch, 0)
    folder = store_with(tmp_path)
    index.rows(folder)
    forge_with_the_listings_digest(folder, field, 10**400)
    assert main(["ls", "-l", folder]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert sorted(line.split()[0] for line in lines[1:-1]) == sorted(f"x_{i}" for i in range(8))
    forge_with_the_listings_digest(folder, field, 10**400)
    assert labels(folder) == {f"x_{i}": f"p{i}" for i in range(8)}


def test_an_index_file_of_file_ids_of_128_bits_is_read(tmp_path, monkeypatch):
    # (Windows gives a ReFS file's 128-bit id as its inode: the bound on a signature's
    # numbers must not make every index file of such a store unread)
    set_racy_ns(monkeypatch, 0)
    folder = store_with(tmp_path)
    index.rows(folder)
    forge_with_the_listings_digest(folder, "ino", 2**128 - 1)
    path = os.path.join(folder, index.INDEX_FILE)
    assert indexfile.read_columns(path, 2**30) is not None
