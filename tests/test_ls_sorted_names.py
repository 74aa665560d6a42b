"""``archived ls`` of an unchanged store prints the names the index kept sorted, and
sorts them itself whenever the directory lists anything else.

The index writes ``.index.names`` (the names as the directory listed them, and sorted)
when it saves its file; ``ls`` serves the sorted ones only when the directory lists
exactly the names kept, in the same order.  Whatever happens to the store or to that
file, ``ls`` prints what sorting the listing prints.
"""

import io
import os
import subprocess
import sys
from contextlib import redirect_stdout

import pytest

from archived.__main__ import main
from archived.store import entries, index, sortednames
from archived.store.entrynames import entry_names

NAMES = os.path.join("{}", sortednames.NAMES_FILE)


# each test as in a new process: nothing known of any store's index before or after it
pytestmark = pytest.mark.usefixtures("index_forgotten")


@pytest.fixture
def served(monkeypatch):
    """What each ``ls`` got from the kept names: the text, or None (it sorted them)."""
    got = []
    real = sortednames.sorted_text

    def spy(folder, listed):
        got.append(real(folder, listed))
        return got[-1]

    monkeypatch.setattr(sortednames, "sorted_text", spy)
    return got


def ls(folder):
    index.forget()
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["ls", folder]) == 0
    return out.getvalue()


def sorted_listing(folder):
    return "".join(name + "\n" for name in sorted(entry_names(folder)))


def indexed_store(tmp_path, n=40):
    folder = str(tmp_path / "s")
    os.makedirs(folder)
    with open(os.path.join(folder, "__init__.py"), "w") as f:
        f.write("import archived.storemodule\n")
    for i in range(n):
        entries.commit_entry(folder, f"x_{(i * 7919) % 1000:03d}", i)
    entries.commit_entry(folder, "\u00e9t\u00e9", 1.5)  # a name beyond ASCII
    index.rows(folder)  # a reader saves the index, and the names beside it
    index.forget()
    return folder


# a process whose PYTHONHASHSEED is fixed never serves the kept names (see the last test)
needs_secret_seed = pytest.mark.skipif(
    not sortednames._SECRET_SEED, reason="PYTHONHASHSEED is fixed: kept names are not served"
)


@needs_secret_seed
def test_ls_of_an_unchanged_indexed_store_prints_the_kept_names_in_order(tmp_path, served):
    folder = indexed_store(tmp_path)
    assert os.path.isfile(NAMES.format(folder))
    out = ls(folder)
    assert out == sorted_listing(folder) and served == [out]
    assert out.splitlines()[-1] == "\u00e9t\u00e9" and len(out.splitlines()) == 41


@needs_secret_seed
@pytest.mark.parametrize("change", ["add", "remove", "rename"])
def test_ls_sorts_the_names_itself_once_an_entry_is_added_removed_or_renamed(
    tmp_path, served, change
):
    folder = indexed_store(tmp_path)
    if change == "add":
        entries.commit_entry(folder, "a_new", 2)
    elif change == "remove":
        os.remove(os.path.join(folder, "x_000.py"))
    else:
        os.rename(os.path.join(folder, "x_000.py"), os.path.join(folder, "x_00z.py"))
    out = ls(folder)
    assert out == sorted_listing(folder) and served == [None]
    # the next save of the index keeps the names of the store as it is now
    index.rows(folder)
    assert ls(folder) == out and served[-1] == out


def damage(path, how):
    with open(path, "rb") as f:
        data = f.read()
    if how == "flip a byte of the sorted names":
        data = data[:-3] + bytes([data[-3] ^ 1]) + data[-2:]
    elif how == "truncated":
        data = data[:-5]
    elif how == "another version":
        data = data.replace(b"archived names 1", b"archived names 2", 1)
    elif how == "one more byte":
        data += b"x"
    elif how == "empty":
        data = b""
    with open(path, "wb") as f:
        f.write(data)


@pytest.mark.parametrize(
    "how",
    [
        "flip a byte of the sorted names",
        "truncated",
        "another version",
        "one more byte",
        "empty",
    ],
)
def test_a_damaged_names_file_is_not_served(tmp_path, served, how):
    folder = indexed_store(tmp_path)
    damage(NAMES.format(folder), how)
    assert ls(folder) == sorted_listing(folder) and served == [None]


def test_the_names_file_of_another_store_is_not_served(tmp_path, served):
    folder = indexed_store(tmp_path)
    other = indexed_store(tmp_path / "o", n=41)
    os.replace(NAMES.format(other), NAMES.format(folder))
    assert ls(folder) == sorted_listing(folder) and served == [None]


def test_a_fifo_or_a_link_at_the_names_file_is_never_opened(tmp_path, served):
    folder = indexed_store(tmp_path)
    path = NAMES.format(folder)
    aside = str(tmp_path / "names")
    os.replace(path, aside)
    os.symlink(aside, path)  # a valid file of this store's names, through a link
    assert ls(folder) == sorted_listing(folder) and served == [None]
    os.remove(path)
    os.mkfifo(path)  # opened, it would hang ls
    assert ls(folder) == sorted_listing(folder) and served == [None, None]


def test_saving_the_names_of_a_store_that_cannot_be_written_leaves_nothing(tmp_path):
    folder = indexed_store(tmp_path)
    os.remove(NAMES.format(folder))
    os.mkdir(NAMES.format(folder))  # no file can take its place
    sortednames.save(folder, ["b", "a"], ["a", "b"])
    assert sorted(f for f in os.listdir(folder) if f.startswith(".index")) == [
        ".index.json",
        ".index.names",
    ]
    assert ls(folder) == sorted_listing(folder)


def _forge(path, replace):
    """The names file with its sorted names edited by ``replace`` and its head made
    valid again (a checksum is no secret: whoever crafts a store can compute it)."""
    import zlib

    with open(path, "rb") as f:
        data = f.read()
    end = data.index(b"\n")
    head = data[:end].split(b" ")
    size = int(head[4])
    listed, kept = data[end + 1 : end + 1 + size], replace(data[end + 1 + size :])
    assert len(kept) == size
    head[5] = b"%08x" % zlib.crc32(kept)
    with open(path, "wb") as f:
        f.write(b" ".join(head) + b"\n" + listed + kept)


@pytest.mark.parametrize(
    "forgery",
    [
        pytest.param(lambda kept: kept.replace(b"x_003\n", b"x_zzz\n"), id="a name swapped"),
        pytest.param(lambda kept: kept.replace(b"x_000\n", b"x_003\n"), id="a name twice"),
        pytest.param(lambda kept: b"\n".join(kept.split(b"\n")[::-1])[1:] + b"\n", id="unsorted"),
    ],
)
def test_ls_never_prints_kept_names_that_are_not_the_directory_s_sorted(tmp_path, served, forgery):
    # a crafted store could otherwise list entries it does not hold and hide those it does
    folder = indexed_store(tmp_path)
    assert "x_003\n" in ls(folder)
    _forge(NAMES.format(folder), forgery)
    assert ls(folder) == sorted_listing(folder) and served[-1] is None


# four names whose str hashes sum, under PYTHONHASHSEED=0, to those of a0000000..a0000003
# (found offline in seconds by a generalized birthday search over 4 x 2**22 names)
_REAL = ["a0000000", "a0000001", "a0000002", "a0000003"]
_SAME_SUM = ["p00ce0f9", "q016e6d7", "r00e6a64", "s022f20e"]


def test_ls_of_a_process_whose_hash_seed_is_known_never_serves_forged_kept_names(tmp_path):
    # PYTHONHASHSEED set (0, or a number a job script or container fixes): the hashes
    # ls compares the kept names by are no secret, and names summing the same are found
    folder = str(tmp_path / "s")
    os.makedirs(folder)
    with open(os.path.join(folder, "__init__.py"), "w") as f:
        f.write("import archived.storemodule\n")
    for name in [*_REAL, "b0000000"]:
        entries.commit_entry(folder, name, 1)
    listed = entry_names(folder, ordered=False)
    sortednames.save(folder, listed, sorted([*_SAME_SUM, "b0000000"]))
    out = subprocess.run(
        [sys.executable, "-m", "archived", "ls", folder],
        env=dict(os.environ, PYTHONHASHSEED="0"),
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout == sorted_listing(folder)
