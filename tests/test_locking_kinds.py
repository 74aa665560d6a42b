"""A store keeps one locking kind: writers holding ``fcntl`` locks and writers holding
soft locks do not exclude each other, so mixing them on one store undid committed writes.
A store records its kind when it is created (an older store: when its first writer comes)
and refuses writers of the other kind with ``LockingKindError``, before they write."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import threading

import pytest

from archived.errors import ArchiveError, LockingKindError
from archived.store.dataset import DataSet
from archived.store.native import recorded_locking
from helpers import snapshot


def record(ds):
    with open(os.path.join(ds._path, ".locking")) as f:
        return f.read()


@pytest.mark.parametrize("kind", ["fcntl", "soft"])
def test_a_new_store_records_its_kind_and_refuses_the_other(tmp_path, kind):
    other = "soft" if kind == "fcntl" else "fcntl"
    ds = DataSet("s", "w", path=tmp_path, locking=kind)
    ds.x = 1
    assert record(ds) == kind + "\n" and ds._locking == kind
    before = snapshot(ds._path)
    with pytest.raises(LockingKindError) as info:
        DataSet("s", "w", path=tmp_path, locking=other)
    err = info.value
    assert isinstance(err, ValueError) and (err.recorded, err.wanted) == (kind, other)
    assert f"uses locking={kind!r}, not {other!r}" in str(err)
    assert snapshot(ds._path) == before
    again = DataSet("s", "w", path=tmp_path)  # no kind given: the store's
    again.y = 2
    assert again._locking == kind and again._lock.soft == (kind == "soft")
    assert pickle.loads(pickle.dumps(again))._locking == kind
    assert DataSet("s", path=tmp_path, locking=other).x == 1  # readers take no lock


def test_a_store_made_before_the_record_gets_its_first_writers_kind(tmp_path):
    ds = DataSet("s", "w", path=tmp_path)
    ds.x = 1
    os.remove(os.path.join(ds._path, ".locking"))
    DataSet("s", path=tmp_path).x  # noqa: B018 - a reader records nothing
    assert recorded_locking(ds._path) is None
    DataSet("s", "w", path=tmp_path, locking="soft").y = 2
    assert recorded_locking(ds._path) == "soft"
    with pytest.raises(LockingKindError):
        DataSet("s", "w", path=tmp_path, locking="fcntl")
    assert not [f for f in os.listdir(ds._path) if f.endswith(".tmp")]


@pytest.mark.parametrize("content", ["nfs\n", "", "fcntl" * 100])
def test_a_record_that_names_no_kind_is_refused_clearly(tmp_path, content):
    ds = DataSet("s", "w", path=tmp_path)
    with open(os.path.join(ds._path, ".locking"), "w") as f:
        f.write(content)
    with pytest.raises(ArchiveError, match="locking record .* not 'fcntl' or 'soft'"):
        DataSet("s", "w", path=tmp_path)


@pytest.mark.parametrize("plant", ["symlink", "fifo", "directory"])
def test_a_planted_record_is_refused_without_following_or_blocking(tmp_path, plant):
    ds = DataSet("s", "w", path=tmp_path)
    path = os.path.join(ds._path, ".locking")
    os.remove(path)
    if plant == "symlink":
        outside = tmp_path / "outside"
        outside.write_text("soft\n")
        os.symlink(outside, path)
    elif plant == "fifo":
        os.mkfifo(path)
    else:
        os.mkdir(path)
    with pytest.raises(ArchiveError, match="locking record"):
        DataSet("s", "w", path=tmp_path)


# ---- the race it prevents, with real processes ----------------------------------------------

ENTRIES = 60


def _writer(kind, role, wid, path, barrier, results):
    """Write every entry's value (role 'value') or info ('info'), in lockstep with the
    other writer (one barrier per entry), so their commits of one entry overlap."""
    try:
        ds = DataSet("s", "w", path=path, locking=kind, timeout=600)
    except LockingKindError as err:
        barrier.abort()  # the other writer goes on alone
        results.put((wid, f"refused: {err}"))
        return
    for j in range(ENTRIES):
        try:
            barrier.wait(timeout=600)
        except threading.BrokenBarrierError:
            pass
        if role == "value":
            setattr(ds, f"e{j}", [wid, j])
        else:
            ds[f"e{j}"] = [wid, j]
    results.put((wid, "done"))


@pytest.mark.parametrize("store", ["recorded", "made before the record"])
def test_writers_of_both_kinds_on_one_store_never_undo_a_committed_write(tmp_path, store):
    # Without the record, about a third of these entries lost the value or the info
    # written last: each writer's lock did not exclude the other's read-modify-swap.
    path = str(tmp_path)
    ds = DataSet("s", "w", path=path)
    for j in range(ENTRIES):
        ds._insert(None, None, name=f"e{j}")
    if store != "recorded":
        os.remove(os.path.join(ds._path, ".locking"))
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    roles = [("fcntl", "value", 0), ("soft", "info", 1)]
    procs = [
        ctx.Process(target=_writer, args=(kind, role, wid, path, barrier, results))
        for kind, role, wid in roles
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=600)
    assert [p.exitcode for p in procs] == [0, 0]
    outcome = dict(results.get(timeout=60) for _ in procs)
    done = {wid for wid, said in outcome.items() if said == "done"}
    reader = DataSet("s", path=path)
    for j in range(ENTRIES):  # every committed write is still there
        name = f"e{j}"
        assert getattr(reader, name) == ([0, j] if 0 in done else None), name
        assert reader[name] == ([1, j] if 1 in done else None), name
    refused = [said for said in outcome.values() if said.startswith("refused")]
    assert len(done) == 1 and len(refused) == 1, outcome  # one kind per store, never both
    assert "uses locking=" in refused[0] and "undo each other's writes" in refused[0]


def test_functions_and_blocks_that_leave_locking_out_use_a_soft_stores_kind(tmp_path):
    # the cluster recipe decorates with locking="soft"; another function or a `with`
    # block on that store that says nothing about locking must work, with soft locks
    from archived import archived
    from archived.cache.record import record

    store = tmp_path / "runs"

    @archived(store, locking="soft")
    def first(x):
        return x

    @archived(store)
    def second(x):
        return 2 * x

    assert first(1) == 1
    assert second(1) == 2 and second(1) == 2
    assert second.store.key_lock("second_x").soft
    with archived(store, x=3) as rec:
        if not rec.cached:
            rec.result = 3
    with record(store, {"x": 3}, name="named") as rec:
        if not rec.cached:
            rec.result = 4
    assert rec.result == 4 and recorded_locking(str(store)) == "soft"
    with pytest.raises(LockingKindError):
        archived(store, locking="fcntl")(lambda x: x)(1)
