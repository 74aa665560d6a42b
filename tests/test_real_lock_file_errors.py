"""A store's lock file that cannot be created or opened (no permission, a read-only file
system, a full disk, a failing one; the C library's calls fail, tests/faultinject.c) is
told as the library's LockFileError naming the file and saying nothing changed, by
repair, by a store opened with synchronize=False, and by the command line (exit 1, one
line, no traceback): it was a bare OSError that named no store and said nothing of
what was left as it was."""

import errno
import os

import numpy as np
import pytest

import faultshim
from archived.store.dataset import DataSet
from helpers import snapshot

CODES = pytest.mark.parametrize(
    "code", [errno.EACCES, errno.EROFS, errno.ENOSPC, errno.EIO], ids=errno.errorcode.get
)


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return faultshim.build(tmp_path_factory.mktemp("faultlib"))


@pytest.fixture
def store(tmp_path):
    """A store with an entry and an orphaned data file, which repair would remove, and
    no lock file yet: the lock must create it (denied, no read-only one to fall back on)."""
    ds = DataSet("s", "w", path=tmp_path)
    ds.x = np.arange(300.0)
    open(os.path.join(ds._path, "x.0a1b2c-1-0a1b2c3d.h5"), "wb").close()
    os.unlink(os.path.join(ds._path, ".lock"))
    return ds._path


ACT = """
import sys, json, io, contextlib
from archived import errors
from archived.cli import main
from archived.store.dataset import DataSet
from archived.store.integrity import repair
store, how = sys.argv[1], sys.argv[2]
arm(0)
if how == "cli":
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["repair", store])
    print(json.dumps([code, err.getvalue()]))
    raise SystemExit
try:
    if how == "repair":
        repair(store)
    else:
        DataSet("s", "w", path=store.rsplit("/", 1)[0], synchronize=False)
    out = None
except Exception as err:
    out = [type(err).__name__, isinstance(err, errors.ArchiveError), str(err),
           getattr(err, "lock_file", None), err.errno]
print(json.dumps([out, counted()[1]]))
"""


def _fail_lock(library, store, code, how):
    return faultshim.run(
        library, ACT, os.path.dirname(store), ["create"], code=code, match="/.lock",
        args=(store, how),
    )  # fmt: skip


@CODES
@pytest.mark.parametrize("how", ["repair", "synchronize_false"])
def test_a_lock_file_that_cannot_be_opened_is_a_lock_file_error_naming_it(
    library, store, code, how
):
    before = snapshot(store)
    (kind, ours, message, lock_file, got), failed = _fail_lock(library, store, code, how)
    assert failed
    lock = os.path.join(store, ".lock")
    assert (kind, ours, lock_file, got) == ("LockFileError", True, lock, code), message
    assert repr(lock) in message and "nothing was changed" in message
    assert os.strerror(code) in message
    assert snapshot(store) == before  # the orphan repair would remove is still there


@CODES
def test_the_command_line_tells_a_lock_file_error_in_one_line_and_exits_1(library, store, code):
    before = snapshot(store)
    status, err = _fail_lock(library, store, code, "cli")
    assert status == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("archived: error: could not lock the store with its lock file")
    assert repr(os.path.join(store, ".lock")) in err and "nothing was changed" in err
    assert snapshot(store) == before
