"""What a deletion says when the disk fails around it (tests/faultinject.c fails the C
library's calls on the store's files): an I/O error examining a file the cleanup would
remove is a read error, not an unsafe file name, and the file stays; a deletion whose
entry is gone never says it could not delete it."""

import errno
import os

import numpy as np
import pytest

import faultshim
from archived.store.dataset import DataSet
from archived.store.writers import HOST


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return faultshim.build(tmp_path_factory.mktemp("faultlib"))


@pytest.fixture
def store(tmp_path):
    ds = DataSet("s", "w", path=tmp_path)
    ds.x = np.arange(300.0)  # (a data file beside its entry file)
    ds.y = 1
    return ds._path


DELETE = """
import sys, json, warnings
from archived.store.dataset import DataSet
ds = DataSet("s", "w", path=sys.argv[1])
arm(0)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    try:
        del ds.x
        out = None
    except Exception as err:
        out = [type(err).__name__, str(err)]
calls, failed = counted()
arm(-1)
print(json.dumps([out, failed, [f"{w.category.__name__}: {w.message}" for w in caught]]))
"""


def _data_files(folder):
    return [f for f in os.listdir(folder) if f.startswith("x.") and f.endswith(".h5")]


def test_a_data_file_the_disk_fails_to_examine_is_a_read_error_and_stays(library, store):
    # the deletion's look at the data file it would drop (an lstat) fails with EIO: it
    # said "unsafe file name 'x....h5' ...: cannot be examined (Input/output error)"
    [data] = _data_files(store)
    out, failed, told = faultshim.run(
        library, DELETE, store, ["stat"], code=errno.EIO, match=".h5",
        args=(os.path.dirname(store),),
    )  # fmt: skip
    assert failed and out is None
    assert len(told) == 1, told
    assert "unsafe file name" not in told[0], told
    assert f"could not examine the store file {os.path.join(store, data)!r}" in told[0]
    assert "Input/output error" in told[0] and "read error" in told[0]
    assert _data_files(store) == [data]  # left as it is, for repair once the disk works
    assert "x" not in DataSet("s", path=os.path.dirname(store))


@pytest.mark.parametrize("code", [errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)])
def test_a_full_disk_deletion_whose_entry_is_gone_says_it_is_deleted(library, store, code):
    # on a full disk the drop list cannot be created: the entry file goes first, its
    # data files after it.  Removing one of those failing raised "could not delete entry
    # 'x'" (a CommitError: nothing changed) of an entry that is gone
    (out, failed, told), [data] = (
        faultshim.run(
            library, DELETE, store, ["create", "unlink"], code=code, match=HOST,
            args=(os.path.dirname(store),),
        ),
        _data_files(store),
    )  # fmt: skip
    assert failed
    kind, message = out
    assert kind == "AfterCommitError", message
    assert f"entry 'x' is deleted from the store {store!r}" in message
    assert "could not delete" not in message and os.strerror(code) in message
    assert "x" not in DataSet("s", path=os.path.dirname(store))
    assert os.path.exists(os.path.join(store, data))  # its orphan, for repair
    assert not told, told
