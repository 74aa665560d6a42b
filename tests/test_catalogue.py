"""The bad-input and fault catalogue: engine, DataSet, cache and verify.

Every case raises the documented exception type with a message naming the problem, and
leaves everything on disk (the stores, their entries and data files) exactly as it was,
file names and bytes.  Lock files are left out of the comparison: they are created on
first use and never deleted, by design (see :mod:`archived.locking`).
"""

import errno
import os
import pickle

import numpy as np
import pytest

from archived import Archive, restore
from archived.cache.decorator import archived
from archived.errors import (
    ArchiveError,
    CycleError,
    DamagedArrayError,
    DamagedEntryError,
    DuplicateError,
    InvalidNameError,
    InvalidOptionError,
    LockTimeout,
    ReadOnlyError,
    ResultNotStoredWarning,
    StoreNotFoundError,
    UnarchivableError,
    UnkeyableArgumentError,
    UnsafeArchiveError,
)
from archived.store.dataset import DataSet
from archived.store.integrity import repair, verify
from archived.store.locking import StoreLock

HERE = __name__


class Point:
    def __init__(self, x):
        self.x = x

    def archive_1(self):
        return ("Point(x=x)", {"x": self.x}, [(HERE, "Point", "Point")])


def generator():
    yield 1


def cyclic():
    d = {"k": []}
    d["k"].append(d)
    return d


def strict(func, *args):
    """Call ``func`` with archived's warnings turned into errors."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", ResultNotStoredWarning)
        return func(*args)


class World:
    """Stores on disk that every case may touch: built before the snapshot."""

    def __init__(self, tmp, monkeypatch):
        self.tmp = str(tmp)
        self.monkeypatch = monkeypatch
        self.ds = DataSet("s", "w", path=self.tmp, array_threshold=10, timeout=0.05)
        self.ds.x = [1, 2]
        self.ds["x"] = {"n": 2}
        self.ds.big = np.arange(100.0)
        self.ds.broken = np.arange(100.0)
        self.ds.user = Point([1])
        self.store = self.ds._path
        h5 = next(f for f in os.listdir(self.store) if f.startswith("broken."))
        with open(os.path.join(self.store, h5), "r+b") as f:
            f.truncate(64)
        self.big_h5 = next(f for f in os.listdir(self.store) if f.startswith("big."))
        text = open(os.path.join(self.store, "x.py")).read()
        with open(os.path.join(self.store, "evil.py"), "w") as f:
            f.write(text.replace("'x'", "'evil'").replace("x = ", "import os as _os\nevil = "))
        outside = os.path.join(self.tmp, "outside.py")
        with open(outside, "w") as f:
            f.write(text.replace("'x'", "'linked'"))
        os.symlink(outside, os.path.join(self.store, "linked.py"))
        self.ro = DataSet("s", path=self.tmp)
        self.safe = DataSet("s", path=self.tmp, safe=True)
        self.closed = DataSet("s", "w", path=self.tmp, synchronize=False)
        self.closed._close()
        os.makedirs(os.path.join(self.tmp, "other"))
        with open(os.path.join(self.tmp, "other", "notes.txt"), "w") as f:
            f.write("mine")
        os.makedirs(os.path.join(self.tmp, "p"))
        open(os.path.join(self.tmp, "p", "_this_dir_is_a_DataSet"), "w").close()
        self.cache = os.path.join(self.tmp, "c")

        @archived(self.cache)
        def square(x):
            return x * x

        @archived(self.cache)
        def unarchivable(x):
            return generator()

        square(3)
        self.square, self.unarchivable = square, unarchivable

    def disk_full(self):
        real = os.write

        def write(fd, data):
            if os.readlink(f"/proc/self/fd/{fd}").startswith(self.tmp):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real(fd, data)

        self.monkeypatch.setattr(os, "write", write)

    def locked(self, action):
        with StoreLock(os.path.join(self.store, ".lock")):
            action()


def archive_str(**objs):
    def run(w):
        a = Archive(array_threshold=2, datafile=os.path.join(w.store, "d.h5"))
        a.insert(**objs)
        return str(a)

    return run


def duplicate(w):
    a = Archive()
    a.insert(x=1)
    a.insert(x=2)


def delete(ds, name):
    del ds[name]


def big_array_without_datafile(w):
    a = Archive(array_threshold=2)
    a.insert(a=np.arange(5))
    str(a)


def closed_write(w):
    w.closed.x = 3


LOAD = "from archived.arrays import load_array as _l\nx = _l({!r}, {!r})\n"

CASES = [
    # (id, action(world), exception type, words the message must contain)
    # ---- engine
    ("engine-cycle", archive_str(a=np.arange(5), c=cyclic()), CycleError, ["cyclic", "c"]),
    (
        "engine-unarchivable",
        archive_str(a=np.arange(5), g=generator()),
        UnarchivableError,
        ["'generator'", "at g"],
    ),
    (
        "engine-big-array-without-datafile",
        big_array_without_datafile,
        ArchiveError,
        ["array_threshold", "datafile"],
    ),
    (
        "engine-negative-threshold",
        lambda w: Archive(array_threshold=-1),
        ValueError,
        ["array_threshold"],
    ),
    ("engine-datafile-not-a-path", lambda w: Archive(datafile=3), TypeError, ["datafile"]),
    ("engine-underscore-name", lambda w: Archive().insert(_x=1), InvalidNameError, ["'_x'"]),
    ("engine-duplicate-name", duplicate, DuplicateError, ["'x'", "already"]),
    ("restore-bytes", lambda w: restore(b"x = 1"), TypeError, ["str", "bytes"]),
    (
        "restore-missing-array-file",
        lambda w: restore(LOAD.format("nofile.h5", "a0"), datadir=w.store),
        DamagedArrayError,
        ["nofile.h5", "no such file"],
    ),
    (
        "restore-missing-array-key",
        lambda w: restore(LOAD.format(w.big_h5, "a9"), datadir=w.store),
        DamagedArrayError,
        ["'a9'"],
    ),
    (
        "safe-import-os",
        lambda w: restore("import os as _os\n", safe=True),
        UnsafeArchiveError,
        ["line 1", "'os'"],
    ),
    (
        "safe-path-escape",
        lambda w: restore(LOAD.format("../s/x.h5", "a0"), safe=True, datadir=w.store),
        UnsafeArchiveError,
        ["'../s/x.h5'", "not a plain file name"],
    ),
    (
        "safe-allow-not-names",
        lambda w: restore("x = 1", safe=True, allow=[3]),
        TypeError,
        ["allow="],
    ),
    (
        "safe-pickle-payload",
        lambda w: restore(
            f"from pickle import loads as _l\nx = _l({pickle.dumps(Point(1))!r})\n", safe=True
        ),
        UnsafeArchiveError,
        ["pickle payload", "allow_pickle=True"],
    ),
    (
        "safe-100-gb",
        lambda w: restore("from numpy import zeros as _z\nx = _z((100000, 1000000))\n", safe=True),
        UnsafeArchiveError,
        ["numpy.zeros", "max_bytes"],
    ),
    # ---- DataSet: opening
    (
        "ds-bad-mode",
        lambda w: DataSet("s", "x", path=w.tmp),
        InvalidOptionError,
        ["mode='x'", "'r', 'w'"],
    ),
    (
        "ds-bad-locking",
        lambda w: DataSet("s", "w", path=w.tmp, locking="nfs"),
        InvalidOptionError,
        ["locking='nfs'", "'fcntl', 'soft'"],
    ),
    (
        "ds-store-name-is-a-path",
        lambda w: DataSet("../s", "w", path=w.tmp),
        InvalidNameError,
        ["'../s'", "identifier"],
    ),
    (
        "ds-missing-store",
        lambda w: DataSet("nope", path=w.tmp),
        StoreNotFoundError,
        ["nope", "mode='w'"],
    ),
    (
        "ds-folder-not-a-store",
        lambda w: DataSet("other", "w", path=w.tmp),
        InvalidNameError,
        ["other", "not an archived DataSet"],
    ),
    (
        "ds-bad-name-prefix",
        lambda w: DataSet("s", "w", path=w.tmp, name_prefix="1"),
        InvalidNameError,
        ["'10'", "identifier"],
    ),
    (
        "ds-persist-store-for-writing",
        lambda w: DataSet("p", "w", path=w.tmp),
        ReadOnlyError,
        ["persist", "read-only"],
    ),
    (
        "ds-persist-store-safe",
        lambda w: DataSet("p", path=w.tmp, safe=True),
        UnsafeArchiveError,
        ["persist"],
    ),
    (
        "ds-lock-held-past-timeout",
        lambda w: w.locked(lambda: DataSet("s", "w", path=w.tmp, synchronize=False, timeout=0.05)),
        LockTimeout,
        [".lock", "0.05"],
    ),
    # ---- DataSet: writing
    ("ds-read-only-value", lambda w: setattr(w.ro, "y", 1), ReadOnlyError, ["read-only"]),
    ("ds-read-only-info", lambda w: w.ro.__setitem__("x", 1), ReadOnlyError, ["read-only"]),
    ("ds-read-only-delete", lambda w: delete(w.ro, "x"), ReadOnlyError, ["read-only"]),
    ("ds-closed", closed_write, ReadOnlyError, ["closed"]),
    (
        "ds-name-underscore",
        lambda w: w.ds._insert(1, name="_x"),
        InvalidNameError,
        ["'_x'", "reserved"],
    ),
    (
        "ds-name-keyword",
        lambda w: w.ds._insert(1, name="class"),
        InvalidNameError,
        ["'class'", "keyword"],
    ),
    (
        "ds-name-dotdot",
        lambda w: w.ds._insert(1, name=".."),
        InvalidNameError,
        ["'..'", "identifier"],
    ),
    (
        "ds-name-separator",
        lambda w: w.ds._insert(1, name="a/b"),
        InvalidNameError,
        ["'a/b'", "identifier"],
    ),
    (
        "ds-name-absolute",
        lambda w: w.ds._insert(1, name="/etc/passwd"),
        InvalidNameError,
        ["'/etc/passwd'"],
    ),
    ("ds-name-not-str", lambda w: w.ds._insert(1, name=3), InvalidNameError, ["int"]),
    ("ds-name-dunder", lambda w: w.ds._insert(1, name="__init__"), InvalidNameError, ["__init__"]),
    (
        "ds-unarchivable-value",
        lambda w: setattr(w.ds, "x", generator()),
        UnarchivableError,
        ["'generator'", "at x"],
    ),
    ("ds-cyclic-value", lambda w: setattr(w.ds, "x", cyclic()), CycleError, ["cyclic"]),
    (
        "ds-unarchivable-info",
        lambda w: w.ds._insert(1, info=generator()),
        UnarchivableError,
        ["'generator'"],
    ),
    (
        "ds-unarchivable-info-set",
        lambda w: w.ds.__setitem__("x", generator()),
        UnarchivableError,
        ["'generator'"],
    ),
    (
        "ds-write-through-symlink",
        lambda w: setattr(w.ds, "linked", 1),
        DamagedEntryError,
        ["'linked'", "symbolic link"],
    ),
    (
        "ds-lock-held-on-write",
        lambda w: w.locked(lambda: setattr(w.ds, "x", 5)),
        LockTimeout,
        [".lock"],
    ),
    (
        "ds-disk-full",
        lambda w: (w.disk_full(), setattr(w.ds, "x", np.arange(50.0))),
        OSError,
        ["No space left"],
    ),
    (
        "ds-disk-full-info",
        lambda w: (w.disk_full(), w.ds.__setitem__("x", "new")),
        OSError,
        ["No space left"],
    ),
    (
        "ds-disk-full-insert",
        lambda w: (w.disk_full(), w.ds._insert([1])),
        OSError,
        ["No space left"],
    ),
    # ---- DataSet: reading
    ("ds-missing-item", lambda w: w.ds["missing"], KeyError, ["missing"]),
    ("ds-missing-attribute", lambda w: w.ds.missing, AttributeError, ["'missing'"]),
    ("ds-delete-missing", lambda w: delete(w.ds, "missing"), KeyError, ["missing"]),
    ("ds-damaged-entry", lambda w: w.ds.broken, DamagedEntryError, ["'broken'"]),
    (
        "ds-symlinked-entry",
        lambda w: w.ds.linked,
        DamagedEntryError,
        ["'linked'", "symbolic link"],
    ),
    ("ds-safe-planted-code", lambda w: w.safe.evil, UnsafeArchiveError, ["'os'"]),
    ("ds-safe-unlisted-class", lambda w: w.safe.user, UnsafeArchiveError, [f"'{HERE}'"]),
    # ---- cache
    ("cache-generator-function", lambda w: archived(w.cache)(generator), TypeError, ["generator"]),
    (
        "cache-unkeyable-argument",
        lambda w: w.square(generator()),
        UnkeyableArgumentError,
        ["'x'", "ignore=('x',)"],
    ),
    (
        "cache-ignore-unknown",
        lambda w: archived(w.cache, ignore=("zz",))(lambda x: x),
        TypeError,
        ["'zz'"],
    ),
    ("cache-target-not-a-path", lambda w: archived(3), TypeError, ["store path", "int"]),
    (
        "cache-options-with-function",
        lambda w: archived(lambda x: x, version="1"),
        TypeError,
        ["options"],
    ),
    (
        "cache-bad-locking",
        lambda w: archived(w.cache, locking="nfs")(lambda x: x),
        ValueError,
        ["locking", "'nfs'"],
    ),
    ("cache-missing-argument", lambda w: w.square(), TypeError, ["'x'"]),
    # a result that cannot be stored is returned with a warning (here made an error)
    (
        "cache-unarchivable-result",
        lambda w: strict(w.unarchivable, 1),
        ResultNotStoredWarning,
        ["'generator'", "not stored"],
    ),
    (
        "cache-disk-full",
        lambda w: (w.disk_full(), strict(w.square, 4)),
        ResultNotStoredWarning,
        ["No space left", "disk is full"],
    ),
    # ---- verify / repair
    (
        "verify-not-a-store",
        lambda w: verify(os.path.join(w.tmp, "other")),
        StoreNotFoundError,
        ["other"],
    ),
    (
        "repair-lock-held",
        lambda w: w.locked(lambda: repair(w.store, timeout=0.05)),
        LockTimeout,
        [".lock"],
    ),
]


def snapshot(folder):
    """Every file under ``folder`` but lock files: relative name -> bytes (link target)."""
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            path = os.path.join(root, name)
            if name.endswith(".lock"):
                continue
            rel = os.path.relpath(path, folder)
            found[rel] = os.readlink(path) if os.path.islink(path) else open(path, "rb").read()
    return found


@pytest.fixture
def world(tmp_path, monkeypatch):
    return World(tmp_path, monkeypatch)


@pytest.mark.parametrize("action, error, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_or_fault_raises_a_clear_error_and_changes_nothing_on_disk(
    world, action, error, words, request
):
    before = snapshot(world.tmp)
    with pytest.raises(error) as info:
        action(world)
    world.monkeypatch.undo()
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    after = snapshot(world.tmp)
    if request.node.callspec.id in RECORDS_THE_FAILURE:
        # a call whose result cannot be stored is recorded as failed, with the reason,
        # like a call that raised; nothing else changes
        recorded = [f for f in set(after) - set(before) if f.endswith("_failed.py")]
        assert len(recorded) == 1 and "cannot pickle" in after[recorded[0]].decode()
        after = {f: data for f, data in after.items() if f not in recorded}
    assert after == before


RECORDS_THE_FAILURE = {"cache-unarchivable-result"}


def test_the_catalogue_has_at_least_forty_cases_across_engine_dataset_and_cache():
    kinds = {case[0].split("-")[0] for case in CASES}
    assert len(CASES) >= 40 and {"engine", "ds", "cache", "safe"} <= kinds
