"""Real I/O errors from the kernel's side, in the middle of a write: the C library's calls
fail (tests/faultinject.c, preloaded into a child process), below Python's ``os`` module
and inside HDF5 writing an array.  A user gets an error of the library's hierarchy naming
the failed write, every earlier entry still loads intact, no half-written entry shows,
and a computed result is returned, never stored wrong nor thrown away."""

import errno
import os
import sys
import textwrap

import numpy as np
import pytest

import faultshim
from archived.store.dataset import DataSet
from archived.store.integrity import verify
from helpers import snapshot

SMALL = 5000  # float64s: 40 kB, under HDF5's 64 KiB sieve buffer, written at close
BIG = 20000  # 160 kB: HDF5 writes it at once, in create_array


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return faultshim.build(tmp_path_factory.mktemp("faultlib"))


@pytest.fixture
def store(tmp_path):
    ds = DataSet("s", "w", path=tmp_path, array_threshold=10)
    ds.x = np.arange(50.0)
    ds.y = {"v": 1}
    return ds


def assert_earlier_entries_intact(ds, before):
    assert snapshot(ds._path) == before  # nothing left behind, nothing changed
    again = DataSet("s", path=os.path.dirname(ds._path))
    assert again.x.tolist() == list(np.arange(50.0)) and again.y == {"v": 1}
    assert sorted(again) == ["x", "y"]
    assert verify(ds._path).ok


ASSIGN = """
import sys, json
import numpy as np
from archived.store.dataset import DataSet
from archived.errors import ArchiveError
ds = DataSet("s", "w", path=sys.argv[1], array_threshold=10)
value = np.arange(float(sys.argv[2])) + 7
arm(0)
try:
    ds.x = value
    print(json.dumps({"raised": None}))
except Exception as err:
    print(json.dumps({"raised": type(err).__name__, "archive": isinstance(err, ArchiveError),
                      "message": str(err)}))
"""


def assign_under_fault(library, ds, size, code):
    """``ds.x = <size floats>`` in a child whose one write of the array's bytes fails."""
    folder = os.path.dirname(ds._path)
    return faultshim.run(
        library, ASSIGN, ds._path, ["write"], code=code, min_size=size * 8, args=(folder, size)
    )


def test_an_array_hdf5_fails_to_write_at_close_raises_and_is_not_stored_as_zeros(library, store):
    # HDF5 writes a small array's bytes when it closes the file, and says nothing of a
    # write the system refused then: the entry held zeros, and the assignment succeeded
    before = snapshot(store._path)
    out = assign_under_fault(library, store, SMALL, errno.EIO)
    assert out["raised"] == "CommitError" and out["archive"], out
    assert "could not write entry 'x'" in out["message"]
    assert "HDF5 did not write array 'a0'" in out["message"]
    assert_earlier_entries_intact(store, before)


@pytest.mark.parametrize("code", [errno.EIO, errno.EDQUOT], ids=["EIO", "EDQUOT"])
def test_a_big_array_write_hdf5_refuses_is_a_commit_error_naming_the_data_file(
    library, store, code
):
    # HDF5 reports the refused write as PyTables' HDF5ExtError ("Problems creating the
    # Array."), no errno, not of the library's hierarchy, naming neither entry nor store
    before = snapshot(store._path)
    out = assign_under_fault(library, store, BIG, code)
    assert out["raised"] == "CommitError" and out["archive"], out
    assert "could not write entry 'x' to the store" in out["message"]
    assert "HDF5 could not write the data file 'x." in out["message"]
    assert_earlier_entries_intact(store, before)


QUOTA = """
import sys, json
import numpy as np
from archived.store.dataset import DataSet
from archived.errors import DiskFullError
ds = DataSet("s", "w", path=sys.argv[1], array_threshold=10)
value = np.arange(float(sys.argv[2])) + 7
arm(-1, int(sys.argv[3]))  # a quota with this many bytes left
try:
    ds.x = value
    print(json.dumps({"raised": None}))
except Exception as err:
    print(json.dumps({"raised": type(err).__name__, "full": isinstance(err, DiskFullError),
                      "errno": err.errno, "message": str(err)}))
"""


@pytest.mark.parametrize("size", [SMALL, BIG], ids=["at_close", "in_create_array"])
def test_a_quota_that_fills_inside_hdf5_is_told_as_the_users_quota(library, store, size):
    # HDF5 drops the errno of the write the quota refused, and the disk has free space:
    # the user read "HDF5 could not write the data file (Problems creating the Array.)"
    before = snapshot(store._path)
    folder = os.path.dirname(store._path)
    out = faultshim.run(
        library, QUOTA, store._path, ["write"], code=errno.EDQUOT, args=(folder, size, 8192)
    )
    assert out["raised"] == "DiskFullError" and out["errno"] == errno.EDQUOT, out
    assert "could not write entry 'x'" in out["message"]
    assert "your disk quota is full ([Errno 122] Disk quota exceeded" in out["message"]
    assert_earlier_entries_intact(store, before)


def test_an_io_error_inside_hdf5_with_room_left_names_no_full_disk_or_quota(library, store):
    # the quota test above must not guess: an EIO with room left says what HDF5 said
    before = snapshot(store._path)
    out = assign_under_fault(library, store, BIG, errno.EIO)
    assert out["raised"] == "CommitError" and "quota" not in out["message"], out
    assert "disk is full" not in out["message"]
    assert_earlier_entries_intact(store, before)


CACHED = """
import sys, json, warnings
sys.path.insert(0, sys.argv[1])
import experiment
function = getattr(experiment, sys.argv[2])
function(1)  # the store is open, its earlier result read
arm(0)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    try:
        result = function(3)
    except Exception as err:
        print(json.dumps({"raised": repr(err)}))
        sys.exit()
print(json.dumps({
    "right": result.tolist() == (experiment.np.arange(len(result)) + 3.0).tolist(),
    "warnings": [f"{w.category.__name__}: {w.message}" for w in caught],
}))
"""

EXPERIMENT = """
import numpy as np
from archived import archived

@archived({store!r})
def small(x):
    return np.arange({small}.0) + x

@archived({store!r})
def big(x):
    return np.arange({big}.0) + x
"""


@pytest.fixture
def experiment(tmp_path, monkeypatch):
    store = tmp_path / "cache"
    code = tmp_path / "code"
    code.mkdir()
    (code / "experiment.py").write_text(
        textwrap.dedent(EXPERIMENT).format(store=str(store), small=SMALL, big=BIG)
    )
    monkeypatch.syspath_prepend(str(code))
    import experiment

    yield experiment, store
    sys.modules.pop("experiment", None)


@pytest.mark.parametrize("function", ["small", "big"])
def test_a_cached_call_whose_array_write_fails_returns_its_result_and_stores_nothing_wrong(
    library, experiment, function
):
    module, store = experiment
    module.small(1), module.big(1)  # the store and earlier results exist
    code = os.path.dirname(module.__file__)
    out = faultshim.run(
        library,
        CACHED,
        store,
        ["write"],
        code=errno.EIO,
        min_size=SMALL * 8,
        args=(code, function),
    )
    assert out["right"]  # the computed result is returned
    [warning] = out["warnings"]
    assert warning.startswith("ResultNotStoredWarning: ")
    assert f"{function}(x=3) was computed but not stored (the write failed)" in warning
    assert "HDF5" in warning
    # nothing stored under the key (once, zeros were: every later call a wrong hit), and
    # no record blaming the value for a write the disk refused
    func = getattr(module, function)
    assert not func.is_cached(3)
    assert not [name for name in func.dataset if name.endswith("_failed")]
    assert func(3).tolist() == (np.arange(float(len(func(1)))) + 3).tolist()
    assert func(1).tolist() == (np.arange(float(len(func(1)))) + 1).tolist()
    assert verify(str(store)).ok


def test_a_cached_call_returns_its_result_when_every_close_in_the_store_fails(library, experiment):
    # a network or FUSE file system reports a failed flush at close (EIO): the key
    # lock's close raised it from the call, and the result computed was thrown away
    module, store = experiment
    module.small(1)
    code = os.path.dirname(module.__file__)
    out = faultshim.run(library, CACHED, store, ["close"], code=errno.EIO, args=(code, "small"))
    assert out.get("right"), out
    # not stored (the entry file's close failed) and the user told so, or stored whole
    if out["warnings"]:
        [warning] = out["warnings"]
        assert warning.startswith("ResultNotStoredWarning: small(x=3) was computed but not")
        assert not module.small.is_cached(3)
    else:
        assert module.small.is_cached(3)
    assert module.small(3).tolist() == (np.arange(float(SMALL)) + 3).tolist()
    assert module.small(1).tolist() == (np.arange(float(SMALL)) + 1).tolist()
    assert verify(str(store)).ok  # no leftover of the failed write


TABLE = """
import sys, json
sys.path.insert(0, sys.argv[1])
import experiment
arm(0)
try:
    rows = experiment.small.table(frame=False)
except Exception as err:
    print(json.dumps({"raised": repr(err)}))
    sys.exit()
print(json.dumps({"rows": len(rows), "failed": counted()[1]}))
"""


def test_a_table_whose_index_save_fails_at_close_returns_the_table(library, experiment):
    # the index is saved when a table() reads the store: its close failing (a network
    # file system's failed flush, EIO) raised out of the table, a read
    module, store = experiment
    module.small(1), module.small(2)
    for name in (".index.json", ".index.names"):
        if os.path.exists(store / name):
            os.unlink(store / name)
    code = os.path.dirname(module.__file__)
    out = faultshim.run(
        library, TABLE, store, ["close"], code=errno.EIO, match="/.index.", args=(code,)
    )
    assert out == {"rows": 2, "failed": True}
    assert verify(str(store)).ok
    assert len(module.small.table(frame=False)) == 2


def test_the_fault_library_fails_the_call_it_is_armed_for_and_only_under_its_folder(
    library, tmp_path
):
    inside, outside = tmp_path / "in", tmp_path / "out"
    inside.mkdir(), outside.mkdir()
    script = """
import os, sys, json
arm(1)
done = []
for folder in sys.argv[1:]:
    for k in range(2):
        fd = os.open(os.path.join(folder, f"f{k}"), os.O_WRONLY | os.O_CREAT)
        try:
            os.write(fd, b"abc")
            done.append("ok")
        except OSError as err:
            done.append(err.errno)
        os.close(fd)
print(json.dumps({"done": done, "counted": counted()}))
"""
    out = faultshim.run(
        library, script, inside, ["write"], code=errno.EDQUOT, args=(inside, outside)
    )
    assert out == {"done": ["ok", errno.EDQUOT, "ok", "ok"], "counted": [2, True]}
    assert sorted(os.listdir(outside)) == ["f0", "f1"]


SET_ASIDE = """
import sys, json, warnings
import numpy as np
from archived import archived

@archived(sys.argv[1], version="1")
def f(n):
    return np.arange(float(n))

if sys.argv[2] == "fault":
    arm(1)  # the entry file's rename into .damaged/, after its data file's
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    result = f(400)
print(json.dumps({
    "right": result.tolist() == list(range(400)),
    "warnings": [f"{w.category.__name__}: {w.message}" for w in caught],
}))
"""


def test_a_set_aside_whose_entry_file_cannot_move_keeps_all_and_verify_points_to_damaged(
    library, tmp_path
):
    store = str(tmp_path / "runs")
    done = faultshim.run(library, SET_ASIDE, store, [], code=errno.EIO, args=(store, "-"))
    assert done == {"right": True, "warnings": []}
    [entry] = [n[:-3] for n in os.listdir(store) if n.startswith("f_") and n.endswith(".py")]
    with open(os.path.join(store, entry + ".py"), "a") as out:
        out.write("x = (\n")  # a typo made by hand: the entry is damaged
    kept = snapshot(store)
    out = faultshim.run(
        library,
        SET_ASIDE,
        store,
        ["rename"],
        code=errno.EIO,
        sticky=False,
        match=f"/.damaged/{entry}.",
        args=(store, "fault"),
    )
    assert out["right"]  # computed and returned, and the user told why it is not stored
    damaged, not_stored = out["warnings"]
    assert damaged.startswith("DamagedEntryWarning: ") and "could not be moved aside" in damaged
    assert "Input/output error" in damaged and "not stored over it" in damaged
    assert not_stored.startswith("ResultNotStoredWarning: f(n=400) was computed but not stored")
    # nothing of the damaged version is lost: its data file went aside, its entry stayed
    now = snapshot(store)
    assert sorted(now.values()) == sorted(kept.values())
    [(moved, _)] = [(k, v) for k, v in now.items() if k.startswith(".damaged/")]
    folder = os.path.dirname(moved)
    why = verify(store).damaged[entry]
    assert f"is missing: it is in {folder}/, where a set-aside of this entry was cut short" in why
    # the next call completes the set-aside: the whole damaged version in that one folder
    again = faultshim.run(library, SET_ASIDE, store, [], code=errno.EIO, args=(store, "-"))
    assert again["right"] and f"moved to {os.path.join(store, folder)}" in again["warnings"][0]
    assert sorted(os.listdir(os.path.join(store, folder))) == sorted(
        os.path.basename(k)
        for k in kept
        if not k.startswith(".") and (k.endswith(".h5") or k == entry + ".py")
    )
    assert verify(store).ok


EVERY_CALL = """
import sys, os, json, warnings
import numpy as np
from archived import archived

base, count = sys.argv[1], int(sys.argv[2])


def compute(x):
    return np.arange(5000.0) + x


outcomes, at = [], 0
while at < count:
    store = os.path.join(base, f"s{at}")
    f = archived(store, name="compute", version="1")(compute)
    f(1)  # an earlier result, stored before the disk fails
    arm(at)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            right = f(3).tolist() == (np.arange(5000.0) + 3).tolist()
        except Exception as err:
            right = repr(err)
    calls, failed = counted()
    arm(-1)
    told = [str(w.message) for w in caught if w.category.__name__ == "ResultNotStoredWarning"]
    outcomes.append({"store": store, "right": right, "failed": failed, "told": told})
    if not failed:
        break  # past the last call of the commit: every call was failed once
    at += 1
print(json.dumps(outcomes))
"""


@pytest.mark.parametrize("sticky", [False, True], ids=["once", "dead_disk"])
def test_an_io_error_at_every_call_of_a_cached_call_keeps_every_result(library, tmp_path, sticky):
    # every file operation of a cached call's commit fails in turn (EIO; dead_disk: it
    # and every one after it): the result is returned, told when not stored, never
    # stored wrong; the earlier result stays; what a failed write left, repair removes
    from archived.store.integrity import repair

    count = 200  # (far past the commit's last call, about 20: the loop ends there)
    out = faultshim.run(
        library,
        EVERY_CALL,
        tmp_path,
        ["write", "sync", "rename", "link", "unlink", "close", "create"],
        code=errno.EIO,
        sticky=sticky,
        args=(tmp_path, count),
    )
    assert len(out) > 10 and not out[-1]["failed"]  # it ran past the commit's last call
    for k, point in enumerate(out):
        assert point["right"] is True, (k, point)
        from archived import archived as cached

        f = cached(point["store"], name="compute", version="1")(lambda x: np.arange(5000.0) + x)
        assert f.is_cached(1), k
        assert f(1).tolist() == (np.arange(5000.0) + 1).tolist(), k
        if not f.is_cached(3):
            assert point["told"], (k, point)  # not stored: the user was told
        assert f(3).tolist() == (np.arange(5000.0) + 3).tolist(), k
        repair(point["store"])
        assert verify(point["store"]).ok, k


SWEEP = """
import sys, json, warnings
sys.path.insert(0, sys.argv[1])
import experiment
from archived import sweep
experiment.small(1)  # the store is open, its earlier result read
xs = [int(sys.argv[3]) + i for i in range(3)]  # points no run computed before
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    arm(int(sys.argv[2]))
    try:
        results = sweep(experiment.small, {"x": xs}, n_jobs=1, progress=False)
    except Exception as err:
        print(json.dumps({"raised": repr(err)}))
        sys.exit()
calls, failed = counted()
print(json.dumps({
    "right": [r.tolist() == (experiment.np.arange(len(r)) + x).tolist()
              for r, x in zip(results, xs)],
    "warnings": [f"{w.category.__name__}: {w.message}" for w in caught],
    "calls": calls,
    "failed": failed,
}))
"""


def test_a_sweep_whose_final_sync_fails_returns_every_result_and_says_so(library, experiment):
    # an EIO at each close of a sweep in turn and from there on (a dead disk, or a
    # network file system's failed flushes): the last is the sweep's final sync of the
    # store's disk, whose failure raised out of sweep() and threw away the results of
    # every point (the points before the first failure committed to the store)
    module, store = experiment
    code = os.path.dirname(module.__file__)
    unarmed = faultshim.run(library, SWEEP, store, ["close"], code=errno.EIO, args=(code, -1, 0))
    assert unarmed["right"] == [True] * 3 and not unarmed["failed"]
    final_sync_told = False
    for at in range(unarmed["calls"]):
        out = faultshim.run(
            library,
            SWEEP,
            store,
            ["close"],
            code=errno.EIO,
            sticky=True,
            args=(code, at, 10 * (at + 1)),
        )
        assert "raised" not in out, (at, out)
        assert out["right"] == [True] * 3, (at, out)
        assert out["failed"], (at, out)
        final_sync_told |= any(
            "at the end of this sweep failed" in w and "are returned" in w for w in out["warnings"]
        )
    assert final_sync_told
    assert verify(str(store)).ok
