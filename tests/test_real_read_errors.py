"""Real read errors from the kernel's side: the C library's open, read and stat calls on a
store's files fail (tests/faultinject.c, preloaded into a child process) as a failing
disk or a network file system's lost server makes them fail.  A read error is not
damage and not a missing file: the user gets a ``StoreReadError`` naming the file, and
nothing is set aside, computed again over the stored entry, reported damaged or deleted
because of it."""

import errno
import os
import subprocess
import sys

import numpy as np
import pytest

import faultshim
from archived.store.dataset import DataSet
from archived.store.integrity import verify
from helpers import snapshot

READS = ["read", "open", "stat"]


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return faultshim.build(tmp_path_factory.mktemp("faultlib"))


# The store: compute(1) of version 1 (stale for version 2), compute(2) and compute(3) of
# version 2 (a sweep's, with its record).  The child copies it afresh (a store no
# process has read yet) for each ACTION run with its at-th read call failing (and,
# dead_disk, every one after it), until a run fails none.
SETUP = """
import sys
import numpy as np
from archived import archived, sweep

def compute(x):
    return np.arange(5000.0) + x

archived(sys.argv[1], name="compute", version="1")(compute)(1)
sweep(archived(sys.argv[1], name="compute", version="2")(compute), {"x": [2, 3]}, progress=False)
"""

ACTIONS = """
import os, shutil, sys, json, warnings
import numpy as np
from archived import archived, sweep
from archived import errors
from archived.store.integrity import verify

StoreReadError = getattr(errors, "StoreReadError", ())  # (none before: caught as others)
template, base, action = sys.argv[1], sys.argv[2], sys.argv[3]


def compute(x):
    return np.arange(5000.0) + x


def act(store):
    f = archived(store, name="compute", version="2")(compute)
    if action == "hit":
        return f(2).tolist() == (np.arange(5000.0) + 2).tolist()
    if action == "sweep":
        got = sweep(f, {"x": [2, 3]}, progress=False)
        return [r.tolist() for r in got] == [(np.arange(5000.0) + x).tolist() for x in (2, 3)]
    if action == "table":
        return len(f.table(frame=False)) == 2
    if action == "verify":
        return not verify(store).damaged
    if action == "prune":
        return f.prune_stale() == 1


outcomes = []
for at in range(400):  # (far past the last read call of any action: the loop ends there)
    store = os.path.join(base, f"s{at}")
    shutil.copytree(template, store, symlinks=True)
    arm(at)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            right = act(store)
        except StoreReadError as err:
            named = err.path == store or err.path.startswith(store + os.sep)
            right = "read error" if named else repr(err)
        except Exception as err:
            right = repr(err)
    calls, failed = counted()
    arm(-1)
    told = [f"{w.category.__name__}: {w.message}" for w in caught]
    outcomes.append({"store": store, "right": right, "failed": failed, "told": told})
    if not failed:
        break
print(json.dumps(outcomes))
"""


def stored(folder):
    """What the user stored: every file but the read-side index (a cache of the entry
    files, saved by reads) and the compute-once locks."""
    return {
        name: data
        for name, data in snapshot(folder).items()
        if not name.startswith((".keys", ".index."))
    }


def run_actions(library, tmp_path, action, sticky, ops=READS):
    """The outcome of ``action`` at each call of ``ops`` failed in turn, and what the
    store held before."""
    template, base = tmp_path / "template", tmp_path / "runs"
    base.mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    subprocess.run([sys.executable, "-c", SETUP, str(template)], check=True, env=env)
    before = stored(template)
    out = faultshim.run(
        library, ACTIONS, base, ops, code=errno.EIO, sticky=sticky,
        args=(template, base, action),
    )  # fmt: skip
    assert len(out) > 5 and not out[-1]["failed"], "the loop never passed the last read"
    return out, before


STICKY = pytest.mark.parametrize("sticky", [False, True], ids=["once", "dead_disk"])


@STICKY
@pytest.mark.parametrize("action", ["hit", "sweep", "table", "verify"])
def test_a_read_error_at_any_call_is_told_as_one_and_nothing_is_set_aside_or_written_over(
    library, tmp_path, action, sticky
):
    # before: an EIO reading an entry file made it "damaged" (moved into .damaged/ and
    # computed again), an EIO on the store's loader made it "not an archived DataSet",
    # verify called entries damaged (or their data files missing) on a read error
    out, before = run_actions(library, tmp_path, action, sticky)
    for k, point in enumerate(out):
        assert point["right"] in (True, "read error"), (k, point)
        assert not point["told"], (k, point)  # no damage, no result not stored
        assert stored(point["store"]) == before, k
        assert verify(point["store"]).ok, k
    assert any(point["right"] == "read error" for point in out)


@pytest.mark.parametrize("action", ["hit", "sweep", "table", "verify"])
def test_a_failed_close_of_a_file_only_read_fails_nothing(library, tmp_path, action):
    # a network or FUSE file system's EIO at close (every close, from the first): the
    # descriptors of files only read raised it, a bare OSError naming no file, out of
    # a hit, a table or verify whose reads had all succeeded (ignored now: nothing was
    # written through them, and every byte read came back whole)
    out, before = run_actions(library, tmp_path, action, True, ["close"])
    for k, point in enumerate(out):
        assert point["right"] is True and not point["told"], (k, point)
        assert stored(point["store"]) == before, k


@STICKY
def test_prune_under_a_read_error_deletes_only_the_stale_entry_it_chose(library, tmp_path, sticky):
    out, before = run_actions(library, tmp_path, "prune", sticky)
    from archived import archived

    f = archived(str(tmp_path / "template"), name="compute", version="2")(lambda x: x)
    [stale] = [call.name for call in f.stale()]
    kept = {n: d for n, d in before.items() if not n.startswith((stale + ".", f".{stale}."))}
    for k, point in enumerate(out):
        right = point["right"]
        # (a deletion's folder sync or drop failing after it: AfterCommitError says so)
        assert right in (True, "read error") or right.startswith(
            ("CommitError(", "AfterCommitError(")
        ), (k, point)
        now = stored(point["store"])
        # the results of version 2 and the sweep's record are kept whole, always
        assert {n: now.get(n) for n in kept} == kept, k
        assert not os.path.exists(os.path.join(point["store"], ".damaged")), k


OPEN = """
import sys, json
from archived.store.dataset import DataSet
from archived import errors
StoreReadError = getattr(errors, "StoreReadError", ())  # (none before: caught as others)
arm(0)
out = {}
for mode in ("r", "w"):
    try:
        DataSet("s", mode, path=sys.argv[1])
        out[mode] = None
    except Exception as err:
        out[mode] = [type(err).__name__, isinstance(err, StoreReadError), str(err)]
print(json.dumps(out))
"""


@pytest.mark.parametrize("op", READS)
def test_a_store_whose_loader_cannot_be_read_is_a_read_error_naming_it_not_no_store(
    library, tmp_path, op
):
    # is_loader took any OSError on __init__.py for "not a store": opened to write, the
    # store "exists and is not an archived DataSet"; to read, "no DataSet at"
    ds = DataSet("s", "w", path=tmp_path)
    ds.x = np.arange(50.0)
    before = snapshot(ds._path)
    init = os.path.join(ds._path, "__init__.py")
    out = faultshim.run(
        library, OPEN, tmp_path, [op], code=errno.EIO, match="/__init__.py", args=(tmp_path,)
    )
    for mode in ("r", "w"):
        kind, is_read_error, message = out[mode]
        assert is_read_error, (mode, out)
        assert f"could not read {init!r}: [Errno 5] Input/output error" in message
    assert snapshot(ds._path) == before


def test_the_command_line_reports_an_unreadable_loader_as_a_read_error(library, tmp_path):
    ds = DataSet("s", "w", path=tmp_path)
    ds.x = 1
    script = """
import sys, json, contextlib, io
from archived.cli import main
err = io.StringIO()
arm(0)
with contextlib.redirect_stderr(err):
    code = main(["ls", sys.argv[1]])
print(json.dumps([code, err.getvalue()]))
"""
    code, err = faultshim.run(
        library, script, tmp_path, ["read"], code=errno.EIO, match="/__init__.py", args=(ds._path,)
    )
    assert code != 0
    assert "could not read" in err and "__init__.py" in err and "Input/output error" in err
    assert "no store" not in err.lower()


DEAD_DROP = """
import sys, json
from archived.store.dataset import DataSet
arm(0)
DataSet("s", "w", path=sys.argv[1])  # a writer sweeps a dead writer's leftovers
print(json.dumps(counted()))
"""


def test_a_dead_writers_drop_list_that_cannot_be_read_stays_with_its_files(library, tmp_path):
    # the list was taken for empty and removed: the old version's data files it named
    # became orphans, which repair deletes (a backup_data writer's were to be kept)
    from archived.store import writers

    ds = DataSet("s", "w", path=tmp_path)
    ds.x = np.arange(300.0)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    token = f"{writers.HOST}-{dead.pid}-0123abcd"
    old = "x.aaaaaaaaaaaa-1-00000000.h5"
    (tmp_path / "s" / old).write_bytes(b"old data")
    drop = tmp_path / "s" / f".x.{token}.drop"
    drop.write_text(f'["{old}"]')
    calls, failed = faultshim.run(
        library, DEAD_DROP, tmp_path, ["read"], code=errno.EIO, match=".drop", args=(tmp_path,)
    )
    assert failed
    assert drop.exists() and (tmp_path / "s" / old).exists()
    DataSet("s", "w", path=tmp_path)  # readable again: swept as ever
    assert not drop.exists() and not (tmp_path / "s" / old).exists()


LEGACY = """
import sys, json
from archived.engine.hdf5 import load_array
arm(0)
try:
    out = load_array(sys.argv[1], "a0").tolist()
except Exception as err:
    out = [type(err).__name__, str(err)]
print(json.dumps([out, counted()[1]]))
"""


def test_a_damaged_data_file_pytables_reads_is_damage_when_its_close_fails(library, tmp_path):
    # a data file written by another tool (or archived 0.1) is read through PyTables;
    # when HDF5 finds it damaged, the file is read once more to tell a failing disk: that
    # read's close raised its EIO, so a damaged file was "a read error, nothing changed"
    # (never set aside, and a retry fails the same) where every read had succeeded
    import tables

    path = str(tmp_path / "old.h5")
    with tables.open_file(path, "w") as h5:
        h5.create_array("/", "a0", np.arange(3000.0))
    data = open(path, "rb").read()
    open(path, "wb").write(data[: len(data) // 2])
    out, failed = faultshim.run(library, LEGACY, tmp_path, ["close"], code=errno.EIO, args=(path,))
    assert failed
    assert out[0] == "DamagedArrayError" and "not a readable HDF5 file" in out[1], out


CLOSED = """
import sys, json, io, contextlib
from archived.cli import main
arm(0)
out, err = io.StringIO(), io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
    code = main(sys.argv[1:])
print(json.dumps([code, out.getvalue(), err.getvalue(), counted()[1]]))
"""


def test_repair_and_ls_ignore_a_failed_close_of_a_file_they_only_read(library, tmp_path):
    # every close failing (a network file system's EIO): repair's look at the entries'
    # headers (is an orphan listed by one?) and ls's read of the names the index sorted
    # raised the close's bare OSError, naming no file, after reads that had succeeded
    ds = DataSet("s", "w", path=tmp_path)
    ds.x = np.arange(300.0)
    ds.y = np.arange(300.0)
    orphan = os.path.join(ds._path, "x.0a1b2c3d4e5f-1-0a1b2c3d.h5")
    open(orphan, "wb").close()
    from archived.cli import main

    assert main(["ls", "-l", ds._path]) == 0  # (the index, and its sorted names, saved)
    run = lambda *argv: faultshim.run(  # noqa: E731
        library, CLOSED, ds._path, ["close"], code=errno.EIO, args=argv
    )
    code, out, err, failed = run("ls", ds._path)
    assert failed and (code, out, err) == (0, "x\ny\n", "")
    code, out, err, failed = run("repair", ds._path)
    assert failed and code == 0 and "Traceback" not in err and "Errno" not in err, err
    assert not os.path.exists(orphan)
