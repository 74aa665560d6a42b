"""Every read, open and stat call on a store's files failed in turn, once or from there
on (a dead disk; tests/faultinject.c), under ``call_and_shelve``, ``clear()``,
``archived prune``, ``repair`` and ``archived export`` (and, for export, every write, sync, rename,
create, unlink and close call, its output file's too, the disk failing or full): nothing
the user stored is lost, no file is deleted on uncertain knowledge, a computed result is
never thrown away, and every failure is the library's own error saying what happened
(never a bare OSError)."""

import errno
import os
import re
import subprocess
import sys

import pytest

import faultshim
from archived.store.integrity import verify
from helpers import snapshot

READS = ["read", "open", "stat"]
WRITES = ["write", "sync", "rename", "create", "unlink", "link", "close"]
# (the write faults of call_and_shelve and clear, and every fault of a stored call's
# call_and_shelve, were swept too and held before these tests: only the sweeps that
# failed are kept, as every test here must fail without its fix)
READ_FAULTS = pytest.mark.parametrize(
    "ops, code, sticky",
    [(READS, errno.EIO, False), (READS, errno.EIO, True)],
    ids=["read-once", "read-dead"],
)
FAULTS = pytest.mark.parametrize(
    "ops, code, sticky",
    [
        (READS, errno.EIO, False),
        (READS, errno.EIO, True),
        (WRITES, errno.EIO, False),
        (WRITES, errno.ENOSPC, True),
    ],
    ids=["read-once", "read-dead", "write-once", "disk-full"],
)


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return faultshim.build(tmp_path_factory.mktemp("faultlib"))


# compute(1) and compute(2) (each with a data file), other(5) of another function
SETUP = """
import sys
import numpy as np
from archived import archived

def compute(x):
    return {"a": np.arange(300.0) + x, "s": x}

def other(x):
    return np.arange(300.0) * x

archived(sys.argv[1] + "/s", name="compute", version="1")(compute)(1)
archived(sys.argv[1] + "/s", name="compute", version="1")(compute)(2)
archived(sys.argv[1] + "/s", name="other")(other)(5)
with open(sys.argv[1] + "/out.csv", "w") as f:
    f.write("earlier table\\n")
open(sys.argv[1] + "/s/gone_1.0a1b2c3d4e5f-1-0a1b2c3d.h5", "wb").close()  # an orphan
"""

SWEEP = """
import os, shutil, sys, json, warnings, io, contextlib
import numpy as np
from archived import archived
from archived.errors import ArchiveError
template, base, action = sys.argv[1], sys.argv[2], sys.argv[3]
ran = []

def compute(x):
    ran.append(x)
    return {"a": np.arange(300.0) + x, "s": x}

def right(value, x):
    return value["s"] == x and value["a"].tolist() == (np.arange(300.0) + x).tolist()

def act(root):
    store = root + "/s"
    f = archived(store, name="compute", version="1")(compute)
    if action == "shelve_miss":
        x = 3
        handle = f.call_and_shelve(x)
        try:
            loaded = right(handle.load(), x)
        except ArchiveError as err:  # (a fault of the load's own reads: told)
            loaded = f"{type(err).__name__}: {err}"
        return {"kept": handle.entry is None, "loaded": loaded}
    if action == "clear":
        return f.clear(warn=False)
    if action == "repair":
        from archived.store.integrity import repair
        return repair(store).ok
    if action == "prune":
        from archived.cli import main
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(["prune", store, "--function", "compute", "--yes"])
        return [code, err.getvalue()]
    if action == "export":
        from archived.cli import main
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = main(["export", store, "-o", root + "/out.csv"])
        return [code, err.getvalue()]

outcomes = []
for at in range(1000):
    root = os.path.join(base, f"r{at}")
    shutil.copytree(template, root, symlinks=True)
    del ran[:]
    arm(at)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = act(root)
        except ArchiveError as err:
            out = f"{type(err).__name__}: {err}"
        except Exception as err:
            out = f"bare {err!r}"
    calls, failed = counted()
    arm(-1)
    told = [f"{w.category.__name__}: {w.message}" for w in caught]
    outcomes.append({"root": root, "out": out, "ran": list(ran), "told": told})
    if not failed:
        break
print(json.dumps(outcomes))
"""


def sweep(library, tmp_path, action, ops, code, sticky, least=5):
    template, base = tmp_path / "template", tmp_path / "runs"
    base.mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    subprocess.run([sys.executable, "-c", SETUP, str(template)], check=True, env=env)
    out = faultshim.run(
        library, SWEEP, base, ops, code=code, sticky=sticky, args=(template, base, action)
    )
    assert len(out) > least, "the loop never passed the last call"
    return template, out


def entry_files(folder, prefix):
    return {n: d for n, d in snapshot(folder).items() if n.startswith(prefix) and "/" not in n}


def common(point):
    """What every outcome must hold: no bare error, no read error told as an unsafe
    name, nothing set aside as damaged, every entry left reads back."""
    store = os.path.join(point["root"], "s")
    assert not str(point["out"]).startswith("bare "), point
    assert not any("unsafe file name" in t for t in point["told"]), point
    assert not os.path.exists(os.path.join(store, ".damaged")), point
    report = verify(store)
    assert not report.damaged, (point, report.damaged)
    return store


@READ_FAULTS
def test_call_and_shelve_under_any_fault_never_loses_a_computed_result(
    library, tmp_path, ops, code, sticky
):
    # before: an lstat's EIO before the computation was a bare OSError (entry_identity),
    # and a dead disk after it raised StoreReadError from the lookup of the stored
    # entry, throwing the computed (and not stored) result away
    template, out = sweep(library, tmp_path, "shelve_miss", ops, code, sticky)
    before = entry_files(template / "s", "compute_")
    for k, point in enumerate(out):
        store = common(point)
        if point["ran"]:  # computed: a handle is returned, whatever failed
            assert isinstance(point["out"], dict), (k, point)
        if isinstance(point["out"], dict) and point["out"]["kept"]:
            assert point["out"]["loaded"] is True, (k, point)  # held in the handle
        elif isinstance(point["out"], dict):
            assert point["out"]["loaded"] is True or point["out"]["loaded"].startswith(
                "StoreReadError: "
            ), (k, point)
        else:
            assert point["out"].startswith(("StoreReadError: ", "LockFileError: ")), (k, point)
        now = entry_files(store, "compute_")
        assert {n: now.get(n) for n in before} == before, k  # the stored calls, whole


@READ_FAULTS
def test_clear_under_any_fault_deletes_only_its_calls_and_says_what_it_did(
    library, tmp_path, ops, code, sticky
):
    template, out = sweep(library, tmp_path, "clear", ops, code, sticky)
    others = entry_files(template / "s", "other_")
    before = entry_files(template / "s", "compute_")
    for k, point in enumerate(out):
        store = common(point)
        result = point["out"]
        assert result == 2 or result.startswith(
            ("CommitError: ", "DiskFullError: ", "AfterCommitError: ", "StoreReadError: ")
        ), (k, point)
        failed = re.match(r"\w+Error: could not delete entry '(\w+)'", str(result))
        if failed:  # "could not delete" only of an entry still there
            assert os.path.exists(os.path.join(store, failed[1] + ".py")), (k, point)
        if result != 2 and not result.startswith("AfterCommitError: "):
            # an error saying nothing was changed (or naming one entry it could not
            # delete) is raised with every call still there: once one is deleted, the
            # failure says how many are (clear() deleted one, then said a read error
            # of the next changed nothing)
            assert entry_files(store, "compute_") == before, (k, point)
        assert entry_files(store, "other_") == others, k  # another function's: untouched


@READ_FAULTS
def test_prune_under_any_fault_says_how_many_it_deleted_before_it_failed(
    library, tmp_path, ops, code, sticky
):
    template, out = sweep(library, tmp_path, "prune", ops, code, sticky)
    others = entry_files(template / "s", "other_")
    before = entry_files(template / "s", "compute_")
    for k, point in enumerate(out):
        store = common(point)
        status, err = point["out"]
        assert entry_files(store, "other_") == others, k  # not chosen: untouched
        if status == 0:  # (a data file the disk failed to examine stays, said so)
            assert not [n for n in entry_files(store, "compute_") if n.endswith(".py")], k
            continue
        assert status == 1 and err.startswith("archived: error: "), (k, point)
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1, (k, point)
        if "is deleted from the store" not in err:  # (AfterCommitError's words)
            # a read error of the second call said nothing was changed once the first
            # was deleted
            assert entry_files(store, "compute_") == before, (k, point)


ORPHAN = "gone_1.0a1b2c3d4e5f-1-0a1b2c3d.h5"


@pytest.mark.parametrize(
    "ops, code, sticky",
    [(READS, errno.EIO, False), (READS, errno.EIO, True), (["unlink"], errno.EIO, True)],
    ids=["read-once", "read-dead", "unlink-fails"],
)
def test_repair_under_any_fault_removes_the_orphan_alone_and_says_what_it_did(
    library, tmp_path, ops, code, sticky
):
    # before: an unlink the disk refused was a bare OSError out of repair, and a read
    # error met once the orphan was removed said "nothing was changed"
    template, out = sweep(library, tmp_path, "repair", ops, code, sticky, least=1)
    kept = {**entry_files(template / "s", "compute_"), **entry_files(template / "s", "other_")}
    for k, point in enumerate(out):
        store = common(point)
        result = point["out"]
        now = {**entry_files(store, "compute_"), **entry_files(store, "other_")}
        assert now == kept, k  # every entry and its data files, whole
        removed = not os.path.exists(os.path.join(store, ORPHAN))
        if result is True:
            assert removed, (k, point)
        elif result is False:  # the orphan stays (not known for one, or its removal
            # refused, and said so), listed by the report
            assert not removed, (k, point)
            if ops == ["unlink"]:
                assert any("could not remove" in t for t in point["told"]), (k, point)
        else:
            assert result.startswith(("StoreReadError: ", "LockFileError: ")), (k, point)
            if removed:
                assert "nothing was changed" not in result, (k, point)
                assert "repair had removed 1 leftover or orphaned file(s)" in result, k


@FAULTS
def test_export_under_any_fault_writes_the_whole_table_or_leaves_the_earlier_one(
    library, tmp_path, ops, code, sticky
):
    # before: the output file's errors were bare OSErrors ('[Errno 5] Input/output
    # error', naming no file); a temporary file that could not be created (a full disk)
    # made the export write in place, truncating the earlier table first
    template, out = sweep(library, tmp_path, "export", ops, code, sticky)
    whole = out[-1]
    assert whole["out"][0] == 0
    table = (tmp_path / "runs" / os.path.basename(whole["root"]) / "out.csv").read_text()
    for k, point in enumerate(out):
        common(point)
        status, err = point["out"]
        csv = os.path.join(point["root"], "out.csv")
        with open(csv) as f:
            written = f.read()
        if status == 0:
            assert written == table, (k, point)
        else:
            assert status == 1 and err.startswith("archived: error: could not "), (k, point)
            assert "Traceback" not in err and len(err.strip().splitlines()) == 1, (k, point)
            assert written == "earlier table\n", (k, point)
        leftovers = [n for n in os.listdir(point["root"]) if n.startswith(".out.csv.")]
        # (a temporary file stays only where its removal failed too: the next export
        # removes it, its process gone)
        assert not leftovers or sticky, (k, point)
