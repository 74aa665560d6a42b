"""A failure after a change is swapped in (the sync of the store's folder, the close of
the entry file, the removal of the replaced version's data files) undoes nothing: the
store reads the new version (or no entry, after a deletion).  The user is told so, with
what failed and what to check, never that the write (or deletion) failed."""

import errno

import pytest

import faultshim

OPS = ["sync", "close", "unlink"]


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return faultshim.build(tmp_path_factory.mktemp("faultlib"))


CHANGE = """
import os, sys, json
import numpy as np
from archived.store.dataset import DataSet

base, action = sys.argv[1], sys.argv[2]
outcomes = []
for at in range(200):  # (far past the change's last call: the loop ends there)
    folder = os.path.join(base, f"s{at}")
    ds = DataSet("s", "w", path=folder, array_threshold=10)
    ds.x = np.arange(5000.0)  # the version a write replaces, with its data file
    arm(at)
    try:
        if action == "write":
            ds.x = np.arange(5000.0) + 1
        else:
            del ds.x
        raised = None
    except Exception as err:
        raised = [type(err).__name__, str(err)]
    calls, failed = counted()
    arm(-1)
    now = DataSet("s", path=folder)
    state = "gone" if "x" not in now else "new" if now.x[0] == 1.0 else "old"
    outcomes.append({"raised": raised, "state": state, "failed": failed})
    if not failed:
        break
print(json.dumps(outcomes))
"""


@pytest.mark.parametrize("sticky", [False, True], ids=["once", "dead_disk"])
@pytest.mark.parametrize("action", ["write", "delete"])
def test_a_failure_after_the_swap_in_says_the_change_is_made_and_what_failed(
    library, tmp_path, action, sticky
):
    # the sync of the folder, the close of the entry file or the unlink of the replaced
    # data file failing after the swap-in said "could not write entry 'x'" (or "could
    # not delete"), and a user retried or gave up on a change that was made
    out = faultshim.run(
        library, CHANGE, tmp_path, OPS, code=errno.EIO, sticky=sticky, args=(tmp_path, action)
    )
    assert len(out) > 3 and not out[-1]["failed"]
    done = "new" if action == "write" else "gone"
    said_made = 0
    for k, point in enumerate(out):
        if point["raised"] is None:
            assert point["state"] == done, (k, point)
            continue
        kind, message = point["raised"]
        if point["state"] == done:
            verb = "stored in" if action == "write" else "deleted from"
            assert kind == "AfterCommitError", (k, point)
            assert f"entry 'x' is {verb} the store" in message, (k, point)
            assert "failed afterwards" in message and "Input/output error" in message
            assert "could not" not in message, (k, point)
            if action == "delete":  # no version replaced it
                assert "replaced version" not in message, (k, point)
            said_made += 1
        else:
            assert point["state"] == "old", (k, point)
            assert message.startswith(f"could not {action} entry 'x'"), (k, point)
    assert said_made  # the steps after the swap-in were each failed in turn


CACHED = """
import sys, json, warnings
import numpy as np
from archived import archived

f = archived(sys.argv[1], name="f", version="1")(lambda x: np.arange(5000.0) + x)
f(0)
outcomes = []
for at in range(50):  # each sync of a cached call's commit failed in turn, once
    arm(at)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        right = f(at + 1).tolist() == (np.arange(5000.0) + at + 1).tolist()
    failed = counted()[1]
    arm(-1)
    outcomes.append({"right": right, "failed": failed, "stored": f.is_cached(at + 1),
                     "told": [str(w.message) for w in caught]})
    if not failed:
        break
print(json.dumps(outcomes))
"""


def test_a_cached_call_whose_sync_fails_after_the_swap_in_says_its_result_is_stored(
    library, tmp_path
):
    # the warning said "computed but not stored (the write failed) ... the next call
    # computes it again" of a result stored (its folder's sync failed after the swap-in)
    store = tmp_path / "runs"
    out = faultshim.run(library, CACHED, store, ["sync"], code=errno.EIO, args=(store,))
    assert not out[-1]["failed"]
    said_stored = 0
    for k, point in enumerate(out[:-1]):
        assert point["right"], (k, point)
        [told] = point["told"]
        if point["stored"]:
            x = k + 1
            assert told.startswith(f"f(x={x}) was computed and stored, but its folder's sync")
            assert "not stored" not in told and "computes it again" not in told, (k, told)
            said_stored += 1
        else:
            assert "was computed but not stored" in told, (k, told)
    assert said_stored


DROP = """
import sys, json
import numpy as np
from archived.store.dataset import DataSet

ds = DataSet("s", "w", path=sys.argv[1], array_threshold=10)
ds.x = np.arange(5000.0)
arm(0)
try:
    ds.x = np.arange(5000.0) + 1
    raised = None
except Exception as err:
    raised = [type(err).__name__, str(err)]
print(json.dumps({"raised": raised, "failed": counted()[1],
                  "now": float(DataSet("s", path=sys.argv[1]).x[0])}))
"""


def test_an_overwrite_whose_drop_list_cannot_be_read_says_the_new_value_is_stored(
    library, tmp_path
):
    # the drop list's read error was warned as "could not read ... nothing was changed"
    # (an UnsafeFileWarning), after the new version had replaced the old one
    out = faultshim.run(
        library, DROP, tmp_path, ["read"], code=errno.EIO, match=".drop", args=(tmp_path,)
    )
    assert out["failed"] and out["now"] == 1.0, out
    kind, message = out["raised"]
    assert kind == "AfterCommitError", out
    assert message.startswith("entry 'x' is stored in the store"), message
    assert (
        "removing the replaced version's data files failed afterwards (could not read" in message
    )
    assert ".drop" in message and "nothing was changed" not in message
