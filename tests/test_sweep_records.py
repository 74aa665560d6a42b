"""A sweep's record goes with its results, never before them.

``prune --stale``, ``prune_stale()`` and ``clear()`` deleted a version's entries but kept
the sweep records of its grids, so ``ls --status`` showed the old grid as all missing
(inviting a rerun of something the current code cannot rerun).  A prune or clear that
deletes the last entry of a sweep's points now deletes its record too; a record with any
of its points still stored is kept, whatever the prune selected.
"""

from __future__ import annotations

import io
from contextlib import redirect_stdout

from archived import archived, sweep
from archived.cache.sweeps import recorded_sweeps
from archived.cli import main
from archived.store.dataset import DataSet


def square(x):
    return x * x


def twice(x):
    return 2 * x


def cli(*argv):
    out = io.StringIO()
    with redirect_stdout(out):
        code = main([str(a) for a in argv])
    return code, out.getvalue()


def sweeps_of(path):
    """(function, version, counts) of every sweep record ``ls --status`` shows."""
    ds = DataSet(path.name, path=str(path.parent))
    return sorted(
        (s.function.rpartition(".")[2], s.version, tuple(s.counts().values()))
        for s in recorded_sweeps(ds)
    )


def two_versions(path):
    old = archived(path, version="1")(square)
    sweep(old, {"x": [1, 2, 3]}, progress=False)
    new = archived(path, version="2")(square)
    sweep(new, {"x": [1, 2]}, progress=False)
    return old, new


def test_prune_stale_deletes_the_old_versions_sweep_records_with_its_entries(tmp_path):
    path = tmp_path / "runs"
    _, new = two_versions(path)
    assert new.prune_stale() == 3
    assert sweeps_of(path) == [("square", "2", (2, 0, 0))]


def test_clear_deletes_the_functions_sweep_records_and_no_others(tmp_path):
    path = tmp_path / "runs"
    _, new = two_versions(path)
    other = archived(path)(twice)
    sweep(other, {"x": [1]}, progress=False)
    assert new.clear() == 5
    assert [f for f, _, _ in sweeps_of(path)] == ["twice"]


def test_cli_prune_stale_lists_and_deletes_the_old_sweep_record(tmp_path):
    path = tmp_path / "runs"
    two_versions(path)
    code, out = cli("prune", path, "--stale", "--function", "square", "--version", "2")
    assert code == 0 and "dry run: 4 entries" in out and "square_sweep_" in out
    assert len(sweeps_of(path)) == 2  # a dry run deletes nothing
    code, out = cli("prune", path, "--stale", "--function", "square", "--version", "2", "--yes")
    assert code == 0 and "deleted 4 entries" in out
    assert sweeps_of(path) == [("square", "2", (2, 0, 0))]
    _, status = cli("ls", path, "--status")
    assert "3 missing" not in status and "version 1" not in status


def test_a_sweep_record_stays_while_any_of_its_points_is_stored(tmp_path):
    path = tmp_path / "runs"
    f = archived(path)(square)
    sweep(f, {"x": [1, 2]}, progress=False)
    code, out = cli("prune", path, "--where", "x=1", "--yes")
    assert code == 0 and "deleted 1 entry" in out and "square_sweep_" not in out
    assert sweeps_of(path) == [("square", f.version, (1, 0, 1))]
    # a date selects the record (made first) but not the result stored after it
    code, out = cli("prune", path, "--function", "square", "--before", "2999-01-01", "--yes")
    assert code == 0 and "deleted 2 entries" in out  # the point and, then, its record
    assert sweeps_of(path) == []


def _sweep_with_a_point_stored_after_its_record(tmp_path):
    """A store ``runs`` of a sweep of ``square`` over x = 1, 2 whose point x=1 was deleted
    and stored again after the sweep's record was made: its path, the function and the
    time x=1 started (a ``--before`` date that selects the record and x=2, not x=1)."""
    path = tmp_path / "runs"
    f = archived(path)(square)
    sweep(f, {"x": [1, 2]}, progress=False)
    [again] = [c.name for c in f.where(x=1)]
    delattr(DataSet("runs", "w", path=str(tmp_path)), again)
    f(1)  # stored again, after the record was made
    [started] = [c.info["started"] for c in f.where(x=1)]
    return path, f, started


def test_a_date_selecting_the_sweep_record_but_not_all_its_results_keeps_it(tmp_path):
    path, f, started = _sweep_with_a_point_stored_after_its_record(tmp_path)
    code, out = cli("prune", path, "--function", "square", "--before", started, "--yes")
    assert code == 0 and "deleted 1 entry" in out and "square_sweep_" not in out
    assert sweeps_of(path) == [("square", f.version, (1, 0, 1))]


def test_a_sweep_record_of_a_killed_sweep_with_no_point_stored_is_kept_by_prune_stale(
    tmp_path,
):
    # nothing of it was deleted: the record still says which grid to run
    path = tmp_path / "runs"
    old = archived(path, version="1")(square)
    sweep(old, {"x": [1]}, progress=False)
    ds = DataSet("runs", "w", path=str(tmp_path))
    for name in [n for n in ds if "_sweep_" not in n]:
        delattr(ds, name)
    new = archived(path, version="2")(square)
    assert new.prune_stale() == 0
    assert sweeps_of(path) == [("square", "1", (0, 0, 1))]


def test_clear_keeps_a_sweep_record_whose_deleted_point_was_stored_again_meanwhile(
    tmp_path, monkeypatch
):
    # a sweep running beside the clear stores x=1 again right after the clear deleted it:
    # the record has a point stored when the clear decides, and stays
    path = tmp_path / "runs"
    f = archived(path)(square)
    sweep(f, {"x": [1, 2]}, progress=False)
    [point] = [c.name for c in f.where(x=1)]
    remove = type(f.store).remove

    def remove_then_stored_again(store, name):
        remove(store, name)
        if name == point:
            f(1)  # what the other process's sweep stores meanwhile

    monkeypatch.setattr(type(f.store), "remove", remove_then_stored_again)
    assert f.clear() == 2
    assert [c.name for c in f.where(x=1)] == [point]
    assert sweeps_of(path) == [("square", f.version, (1, 0, 1))]


def test_cli_prune_keeps_a_sweep_record_one_of_whose_points_was_stored_while_it_deleted(
    tmp_path, monkeypatch
):
    # the dry run's plan found no other point of the grid stored; a sweep stored x=2
    # while the prune deleted x=1: the record has a point stored, and stays
    path = tmp_path / "runs"
    f = archived(path)(square)
    sweep(f, {"x": [1, 2]}, progress=False)
    [other] = [c.name for c in f.where(x=2)]
    delattr(DataSet("runs", "w", path=str(tmp_path)), other)
    delete = DataSet._delete_seen  # (how prune deletes the calls it chose)

    def delete_while_a_sweep_stores(ds, name, digest):
        done = delete(ds, name, digest)
        if name.startswith("square_") and "_sweep_" not in name:
            f(2)  # what the other process's sweep stores meanwhile
        return done

    monkeypatch.setattr(DataSet, "_delete_seen", delete_while_a_sweep_stores)
    code, out = cli("prune", path, "--where", "x=1", "--yes")
    assert code == 0
    assert sweeps_of(path) == [("square", f.version, (1, 0, 1))]
    assert "kept" in out and "square_sweep_" in out and "deleted 1 entry" in out


_deleting_record_of = {}


def square_dropping_records(x):
    # a prune or clear in another process deletes the record while the sweep computes
    # (it found no point of it stored yet)
    path = _deleting_record_of["path"]
    ds = DataSet(path.name, "w", path=str(path.parent))
    for name in [n for n in ds if n.startswith("square_dropping_records_sweep_")]:
        delattr(ds, name)
    return x * x


def test_a_sweep_whose_record_was_deleted_while_it_ran_writes_it_again(tmp_path):
    path = tmp_path / "runs"
    _deleting_record_of["path"] = path
    f = archived(path)(square_dropping_records)
    assert sweep(f, {"x": [1, 2]}, progress=False) == [1, 4]
    assert sweeps_of(path) == [("square_dropping_records", f.version, (2, 0, 0))]


def test_a_date_selecting_a_sweep_record_whose_points_cannot_be_read_keeps_it(tmp_path):
    # whether a point of it is still stored is unknown: the record stays (and prune says
    # why), as a readable one with a point stored does
    path, f, started = _sweep_with_a_point_stored_after_its_record(tmp_path)
    [record] = [p for p in path.glob("square_sweep_*.py")]
    head, _, _ = record.read_text().partition("# ---- value ----")
    record.write_text(head + f"# ---- value ----\n{record.stem} = [\n")
    code, out = cli("prune", path, "--function", "square", "--before", started, "--yes")
    assert code == 0 and "deleted 1 entry" in out
    assert record.exists() and f"kept {record.stem}" in out


def test_cli_prune_keeps_a_sweep_record_damaged_while_it_deleted_and_says_so(
    tmp_path, monkeypatch
):
    # the plan read the record; it became unreadable while the prune deleted its points:
    # it stays (right), and the reason given was "a point of its sweep was stored
    # meanwhile", which no point was
    path = tmp_path / "runs"
    f = archived(path)(square)
    sweep(f, {"x": [1, 2]}, progress=False)
    [record] = [p for p in path.glob("square_sweep_*.py")]
    delete = DataSet._delete_seen  # (how prune deletes the calls it chose)

    def delete_while_the_record_is_damaged(ds, name, digest):
        done = delete(ds, name, digest)
        head, _, _ = record.read_text().partition("# ---- value ----")
        record.write_text(head + f"# ---- value ----\n{record.stem} = [\n")
        return done

    monkeypatch.setattr(DataSet, "_delete_seen", delete_while_the_record_is_damaged)
    code, out = cli("prune", path, "--function", "square", "--yes")
    assert code == 0 and record.exists() and "deleted 2 entries" in out
    assert f"kept {record.stem}: its list of points can no longer be read" in out
    assert "stored meanwhile" not in out


def test_ls_long_says_1_point_of_a_one_point_sweeps_record(tmp_path):
    path = tmp_path / "runs"
    sweep(archived(str(path))(square), {"x": [4]}, progress=False)
    sweep(archived(str(path))(square), {"x": [1, 2]}, progress=False)
    code, out = cli("ls", "-l", path)
    summaries = sorted(line.split()[3:5] for line in out.splitlines()
                       if line.startswith("square_sweep_"))  # fmt: skip
    assert code == 0 and summaries == [["1", "point"], ["2", "points"]], out
