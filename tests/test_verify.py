"""verify() reports damaged entries, orphans and leftovers of killed writers and changes
nothing; repair() removes leftovers and orphans, never a committed entry."""

import functools
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from archived.errors import LockTimeout, PickleWarning, StoreNotFoundError
from archived.store.dataset import DataSet
from archived.store.integrity import VerifyReport, repair, verify
from archived.store.locking import StoreLock
from archived.store.writers import new_token
from helpers import snapshot


def entry_files(folder):
    return {k: v for k, v in snapshot(folder).items() if k.endswith(".py")}


@pytest.fixture
def store(tmp_path):
    ds = DataSet("s", "w", path=tmp_path, array_threshold=10)
    ds.small = [1, 2.5, "x"]
    ds.big = np.arange(100.0)
    ds["big"] = {"n": np.arange(50)}
    return ds._path


def data_file(store, entry):
    return next(f for f in os.listdir(store) if f.startswith(entry + ".") and f.endswith(".h5"))


def test_a_sound_store_verifies_ok_and_verify_changes_nothing(store):
    before = snapshot(store)
    report = verify(store)
    assert report.ok and report.entries == ["big", "small"]
    assert not (report.damaged or report.orphans or report.leftovers or report.removed)
    assert "2 entries checked, OK" in str(report)
    assert snapshot(store) == before


def test_a_truncated_data_file_is_reported_as_a_damaged_entry(store):
    with open(os.path.join(store, data_file(store, "big")), "r+b") as f:
        f.truncate(100)
    report = verify(store)
    assert not report.ok and list(report.damaged) == ["big"]
    assert "damaged entry big" in str(report)


def test_a_missing_data_file_is_reported_by_name(store):
    name = data_file(store, "big")
    os.unlink(os.path.join(store, name))
    assert f"its data file '{name}' is missing" in verify(store).damaged["big"]


def test_an_entry_file_that_is_not_an_archive_is_damaged_and_repair_keeps_it(store):
    path = os.path.join(store, "junk.py")
    with open(path, "w") as f:
        f.write("not an entry")
    assert "no archived header line" in verify(store).damaged["junk"]
    report = repair(store)
    assert os.path.exists(path) and "junk" in report.damaged and report.removed == []


def test_data_files_of_an_entry_whose_header_is_unreadable_are_kept(store):
    name = data_file(store, "big")
    with open(os.path.join(store, "big.py"), "w") as f:
        f.write("garbage")
    report = repair(store)
    assert "big" in report.damaged and name not in report.orphans
    assert os.path.exists(os.path.join(store, name))


@pytest.mark.parametrize("listed", ["a name one character off", "a name outside the store"])
def test_data_files_of_an_entry_whose_header_lists_a_file_it_cannot_read_are_kept(store, listed):
    # its header damaged in the file's name (a flipped character, a hand edit): the data
    # file named after it may be its own, the array only it holds; repair deleted it
    name = data_file(store, "big")
    wrong = name[:-4] + ("0" if name[-4] != "0" else "1") + ".h5"
    if listed == "a name outside the store":
        wrong = "../" + name
    path = os.path.join(store, "big.py")
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(text.replace(name, wrong))
    assert "big" in verify(store).damaged and name not in verify(store).orphans
    report = repair(store)
    assert "big" in report.damaged and name not in report.removed
    assert os.path.exists(os.path.join(store, name))


def test_an_orphaned_data_file_is_reported_and_repair_removes_only_it(store):
    orphan = f"small.{new_token().replace(str(os.getpid()), '999999999')}.h5"
    with open(os.path.join(store, orphan), "wb") as f:
        f.write(b"stale")
    entries_before = entry_files(store)
    assert verify(store).orphans == [orphan]
    report = repair(store)
    assert report.removed == [orphan] and report.ok
    assert not os.path.exists(os.path.join(store, orphan))
    assert entry_files(store) == entries_before
    assert DataSet("s", path=os.path.dirname(store)).big[-1] == 99.0


_KILLED_WRITER = textwrap.dedent(
    """
    import os, sys, time
    import numpy as np
    from archived.engine import hdf5
    from archived.store import entries
    from archived.store.dataset import DataSet

    def stall(*args, **kwargs):
        print("committing", flush=True)
        time.sleep(600)  # killed by the test

    if sys.argv[2] == "swap":
        entries._swap_in = stall   # die between writing the data and swapping the entry in
    else:
        hdf5.ArrayWriter.close = stall  # die before the data file is renamed into place
    ds = DataSet("s", "w", path=sys.argv[1], array_threshold=10)
    ds.big = np.zeros(1000)
    """
)


def kill_a_writer_mid_commit(store, when="swap"):
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER, os.path.dirname(store), when],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "committing"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


def test_leftovers_of_a_sigkilled_writer_are_reported_and_repaired_keeping_the_old_entry(store):
    before = entry_files(store)
    kill_a_writer_mid_commit(store)
    report = verify(store)
    assert report.entries == ["big", "small"] and not report.damaged
    kinds = sorted(f.rsplit(".", 1)[-1] for f in report.leftovers)
    assert kinds == ["h5", "tmp"], report.leftovers
    assert "leftover of a crashed writer" in str(report)
    repaired = repair(store)
    assert sorted(repaired.removed) == sorted(report.leftovers) and repaired.ok
    assert entry_files(store) == before
    assert DataSet("s", path=os.path.dirname(store)).big.tolist() == list(np.arange(100.0))


def test_a_writer_killed_while_writing_arrays_leaves_leftovers_the_next_writer_sweeps(store):
    before = entry_files(store)
    kill_a_writer_mid_commit(store, when="arrays")
    report = verify(store)
    assert any(".h5.tmp" in f for f in report.leftovers), report.leftovers
    assert any(f.endswith(".tmp") and f.startswith(".") for f in report.leftovers)
    DataSet("s", "w", path=os.path.dirname(store))  # a writer opening the store sweeps
    after = verify(store)
    assert after.ok and not after.leftovers
    assert entry_files(store) == before


_BUSY_WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from archived.store.dataset import DataSet

    ds = DataSet("s", "w", path=sys.argv[1], array_threshold=10, durable=False)
    print("writing", flush=True)
    for i in range(int(sys.argv[2])):
        ds.big = np.full(50, float(i))   # a new data file each time, the old one dropped
        ds["big"] = {"i": i}
        if i % 5 == 0:
            ds._insert(np.arange(20.0), info=i)
    """
)


def test_verify_and_repair_during_concurrent_writes_report_no_false_problems(store):
    rounds = 40 * int(os.environ.get("ARCHIVED_STRESS_SCALE", "1"))
    proc = subprocess.Popen(
        [sys.executable, "-c", _BUSY_WRITER, os.path.dirname(store), str(rounds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "writing"
    checks = 0
    while proc.poll() is None or checks == 0:
        report = verify(store)
        assert not report.damaged and not report.orphans and not report.leftovers, report
        repaired = repair(store, timeout=600)
        assert not repaired.removed, repaired
        checks += 1
    assert proc.wait() == 0 and checks > 0
    final = verify(store)
    assert final.ok and not final.in_progress
    ds = DataSet("s", path=os.path.dirname(store))
    assert ds.big.tolist() == [rounds - 1.0] * 50 and ds["big"] == {"i": rounds - 1}


def test_files_of_a_live_writer_are_in_progress_and_never_removed(store):
    token = new_token()  # this process: alive
    tmp = f".big.{token}.tmp"
    data = f"big.{token}.h5"
    for name in (tmp, data):
        open(os.path.join(store, name), "wb").close()
    report = verify(store)
    assert report.ok and sorted(report.in_progress) == sorted([tmp, data])
    repair(store)
    assert os.path.exists(os.path.join(store, tmp)) and os.path.exists(os.path.join(store, data))


def test_old_data_files_a_live_writer_is_dropping_are_not_orphans(store):
    old = data_file(store, "big")
    with open(os.path.join(store, "big.py")) as f:
        text = f.read()
    with open(os.path.join(store, "big.py"), "w") as f:  # as if a new version was swapped in
        f.write(text.replace(old, "gone.h5").replace("'big'", "'big'"))
    with open(os.path.join(store, f".big.{new_token()}.drop"), "w") as f:
        f.write(f'["{old}"]')
    report = verify(store)
    assert old in report.in_progress and old not in report.orphans


def test_a_safe_verify_reports_a_planted_entry_as_damaged_without_running_it(store, tmp_path):
    text = open(os.path.join(store, "small.py")).read()
    evil = text.replace("'small'", "'evil'").replace(
        "small = ", f"import os as _os\n_os.system('touch {tmp_path / 'pwned'}')\nevil = "
    )
    with open(os.path.join(store, "evil.py"), "w") as f:
        f.write(evil)
    report = verify(store, safe=True)
    assert "import of module 'os'" in report.damaged["evil"]
    assert not (tmp_path / "pwned").exists()


def test_verify_and_repair_of_a_folder_that_is_no_store_raise_store_not_found(tmp_path):
    for func in (verify, repair):
        with pytest.raises(StoreNotFoundError, match="no DataSet at") as info:
            func(tmp_path)
        assert "mode='w'" not in str(info.value)  # verify makes no store: no such advice


def test_repair_waits_for_the_store_lock_and_times_out_naming_it(store):
    with StoreLock(os.path.join(store, ".lock")):
        with pytest.raises(LockTimeout, match=r"\.lock"):
            repair(store, timeout=0.2)


def test_report_text_lists_every_problem():
    r = VerifyReport("/s", ["a"], damaged={"b": "bad"}, orphans=["o.h5"], leftovers=[".t.tmp"])
    text = str(r)
    assert "3 problems" in text and "o.h5" in text and ".t.tmp" in text and "repair" in text


def test_verify_and_repair_refuse_a_persist_store_instead_of_calling_it_damaged(tmp_path):
    # the README opens persist stores read-only; verify called every entry of one damaged
    # ("no archived header line") and repair wrote a lock file into it
    pytest.importorskip("persist.archive", reason="persist 3.x is not installed")
    from persist.archive import DataSet as PersistDataSet

    from archived.__main__ import main
    from archived.errors import ReadOnlyError

    old = PersistDataSet("old", "w", path=str(tmp_path))
    old.a = [1, 2.5]
    old["a"] = "info of a"
    del old
    folder = str(tmp_path / "old")
    before = snapshot(folder)
    for check in (verify, repair):
        with pytest.raises(ReadOnlyError, match="persist"):
            check(folder)
    assert main(["verify", folder]) == 1
    assert snapshot(folder) == before


def test_a_safe_verify_calls_a_pickled_entry_not_checked_and_says_how_to_check_it(tmp_path):
    # a pickle is the visible exception of promise 3, not damage: a safe verify cannot
    # check it, so it says so (still a problem: exit 1) and names --trust for own stores
    ds = DataSet("own", "w", path=str(tmp_path))
    with pytest.warns(PickleWarning):
        ds.w = Unreadable(3)
    text = str(verify(ds._path, safe=True))
    assert "damaged" not in text and "1 entry read, 1 not checked, no problem" in text
    assert "entry w not checked: its value is refused by a safe load" in text
    assert "`verify --trust` checks it" in text
    assert verify(ds._path).ok  # trusted, it loads: it was never damaged


def test_a_safe_verify_of_results_of_the_users_own_class_says_once_which_module_to_allow(
    tmp_path, monkeypatch
):
    # a sweep's results hold the user's dataclass: one line naming the module to allow,
    # not one long line per entry suggesting --trust
    (tmp_path / "nu3_models.py").write_text(
        "import dataclasses\n\n@dataclasses.dataclass\nclass Run:\n    energy: float\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    from nu3_models import Run

    ds = DataSet("runs", "w", path=str(tmp_path))
    for i in range(5):
        setattr(ds, f"r{i}", Run(energy=float(i)))
    text = str(verify(ds._path, safe=True))
    assert text.count("\n") == 2 and "5 entries read, 5 not checked, no problem" in text
    assert "5 entries not checked (r0, r1, r2 and 2 more)" in text
    assert "`verify --allow nu3_models` checks them" in text and "--trust" not in text
    assert verify(ds._path, safe=True, allow=["nu3_models"]).ok


def test_a_safe_verify_counts_entries_it_could_not_check_apart_from_the_problems_it_found(
    tmp_path, monkeypatch
):
    # '3 entries checked, 3 problems' said of two intact entries of the user's own class
    # (refused by a safe load, so never checked) and one damaged entry
    (tmp_path / "nu4_models.py").write_text(
        "import dataclasses\n\n@dataclasses.dataclass\nclass Run:\n    energy: float\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    from nu4_models import Run

    ds = DataSet("runs", "w", path=str(tmp_path))
    ds.r0, ds.r1, ds.broken = Run(energy=0.0), Run(energy=1.0), 2
    with open(os.path.join(ds._path, "broken.py"), "a") as f:
        f.write("broken = (\n")
    report = verify(ds._path, safe=True)
    header = str(report).splitlines()[0]
    assert header.endswith(": 3 entries read, 2 not checked, 1 problem")
    from archived.__main__ import main

    assert not report.ok and main(["verify", ds._path]) == 1  # (nothing vouches for r0, r1)
    allowed = str(verify(ds._path, safe=True, allow=["nu4_models"]))
    assert allowed.splitlines()[0].endswith(": 3 entries checked, 1 problem")


class Unreadable:
    __slots__ = ("a",)

    def __init__(self, a):
        self.a = a

    def __reduce__(self):  # a callable that is no class or function: only pickle calls it
        return (functools.partial(Unreadable), (self.a,))


@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_repair_keeps_the_data_files_of_an_entry_whose_file_is_not_a_regular_file(store, kind):
    # a FIFO or a directory where big.py belongs is reported as unsafe and "left
    # untouched", but repair removed big's data files as orphans: data nobody knew to be
    # dead (the entry may come back once the file is sorted out by hand) was destroyed
    data = [f for f in os.listdir(store) if f.startswith("big.") and f.endswith(".h5")]
    assert data
    os.remove(os.path.join(store, "big.py"))
    if kind == "fifo":
        os.mkfifo(os.path.join(store, "big.py"))
    else:
        os.mkdir(os.path.join(store, "big.py"))
    with pytest.warns(Warning):
        report = repair(store, safe=True)
    assert not report.removed and not report.orphans
    assert "big.py" in report.unsafe
    assert set(data) <= set(os.listdir(store))
