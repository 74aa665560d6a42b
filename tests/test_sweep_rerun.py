"""The rerun of a finished sweep: the driver looks every point up once, reads each entry
file once, and gives each point exactly the result stored for its call.
"""

import datetime
import gc
import os
import warnings

import numpy as np
import pytest

from archived import archived, sweep
from archived.cache.calls import CallKey
from archived.cache.callstore import Found
from archived.errors import EditedEntryWarning
from archived.store import index, indexrow
from archived.store.indexfile import INDEX_FILE
from helpers import RunLog, count_entry_reads, exact


def energy(i, scale=1.0):
    return {"i": i, "energy": 0.5 * i * scale}


@pytest.fixture
def cached(tmp_path):
    return archived(tmp_path / "runs", version="1")(energy)


@pytest.fixture
def reads(monkeypatch):
    """The names of the entry files read by the store's index from now on, every row
    racy (so a second look at an entry reads its file again, however old it is)."""
    return count_entry_reads(monkeypatch, racy_ns=10**18)


GRID = {"i": list(range(12))}
EXPECTED = [energy(i) for i in range(12)]


@pytest.mark.parametrize("results", ["values", "summary"])
def test_a_rerun_of_a_finished_sweep_reads_each_entry_file_once(cached, reads, results):
    assert sweep(cached, GRID, progress=False) == EXPECTED
    entries = [c.name for c in cached.calls()]
    index.forget()  # as a new process
    reads.clear()
    again = sweep(cached, GRID, progress=False, results=results)
    summaries = [{"i": i, "scale": 1.0, "result_i": i, "energy": 0.5 * i} for i in range(12)]
    assert again == (EXPECTED if results == "values" else summaries)
    assert sorted(reads) == sorted(entries)


def varied(i, scale=1):
    """A result of a kind chosen by ``i``: plain data, numpy and typed scalars, shared
    references, a list too long for the index to keep, an array in a data file."""
    kind = i % 6
    if kind == 0:
        return {"i": i, "energy": 0.5 * i * scale}
    if kind == 1:
        return (np.float32(i * scale), -0.0, float("nan"), np.int64(i))
    if kind == 2:
        shared = [i, "s"]
        return {"a": shared, "b": (shared, shared)}
    if kind == 3:
        return list(range(300 + i))
    if kind == 4:
        return np.arange(2000.0) * scale + i
    return datetime.date(2024, 1, 1 + i % 28)


MANY = {"i": list(range(90))}  # more points than a lookup of a few (indexscan.FEW)


@pytest.mark.parametrize("results", ["values", "lazy"])
def test_a_rerun_gives_each_point_exactly_its_stored_result(tmp_path, results):
    f = archived(tmp_path / "runs")(varied)
    first = sweep(f, MANY, progress=False)
    index.forget()  # as a new process
    again = sweep(f, MANY, progress=False, results=results)
    if results == "lazy":
        again = [handle.load() for handle in again]
    assert all(exact(a, b) for a, b in zip(first, again, strict=True))


def test_a_rerun_with_other_types_of_parameters_hits_none_of_the_stored_points(tmp_path):
    computed = []

    def scaled(i, scale):
        computed.append((i, scale))
        return varied(i, scale)

    f = archived(tmp_path / "runs")(scaled)
    sweep(f, {"i": MANY["i"], "scale": [1]}, progress=False)
    index.forget()
    computed.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the near-miss warnings (int stored, float asked)
        again = sweep(f, {"i": MANY["i"], "scale": [1.0]}, progress=False)
    assert computed == [(i, 1.0) for i in MANY["i"]]
    assert type(again[0]["energy"]) is float and type(again[1][0]) is np.float32


def test_a_rerun_in_a_new_process_derives_no_index_field(tmp_path, monkeypatch):
    # the rows of a rerun's lookup read key, parameters and value from the entry's own
    # text; its index text, listing and brief record are made only if listed or saved
    # (the first rerun of a store never tabled saves the rows it read: it derives them)
    f = archived(tmp_path / "runs")(varied)
    first = sweep(f, MANY, progress=False)
    index.forget()
    sweep(f, MANY, progress=False)
    index.forget()
    derived = []
    for name in ("_info_fields", "_value_text"):
        real = getattr(indexrow, name)
        monkeypatch.setattr(
            indexrow, name, lambda *args, real=real: derived.append(args) or real(*args)
        )
    again = sweep(f, MANY, progress=False)
    assert all(exact(a, b) for a, b in zip(first, again, strict=True))
    assert derived == []
    f.table()  # a table of the calls derives what it reads, and is the same
    assert derived


def test_a_rerun_of_a_finished_sweep_looks_at_no_second_entry_name(cached, monkeypatch):
    # a key's second name (<first name>_<rest of the key>) holds a call only when its
    # first name holds another key: where the first holds this key, nothing else is
    # looked at (a rerun stat-ed a missing second name for every point)
    sweep(cached, GRID, progress=False)
    first_names = sorted(c.name for c in cached.calls())
    index.forget()  # as a new process
    asked = []
    real = index.entry_signatures
    monkeypatch.setattr(
        index, "entry_signatures", lambda folder, names: real(folder, asked.append(names) or names)
    )
    assert sweep(cached, GRID, progress=False) == EXPECTED
    assert [sorted(names) for names in asked if names is not None] == [first_names]


def _logged(tmp_path):
    runs = RunLog()

    def scaled(i, scale=1.0):
        runs.append(i)
        return energy(i, scale)

    return archived(tmp_path / "runs", version="1")(scaled), runs


def _entry_of(f, i):
    [name] = [c.name for c in f.calls() if c.parameters["i"] == i]
    return os.path.join(f.store.path, name + ".py"), name


def _remove_index(f):
    os.remove(os.path.join(f.store.path, INDEX_FILE))


def _remove_entry(f):
    os.remove(_entry_of(f, 3)[0])


def _edit_value(f):
    path, _ = _entry_of(f, 7)
    text = open(path, encoding="utf-8").read()
    head, mark, value = text.partition("# ---- value ----\n")
    assert mark and "3.5" in value
    with open(path, "w", encoding="utf-8") as out:
        out.write(head + mark + value.replace("3.5", "35.0", 1))


def _other_key_at_first_name(f):
    # the entry of point 5's key's first name records another key (a collision of the
    # first 16 digits): point 5 is then stored under its second name
    _, name = _entry_of(f, 5)
    info = f.dataset[name]
    f.dataset._insert({"other": 1}, dict(info, key="f" * 32, parameters={"i": 500}), name=name)


@pytest.mark.parametrize(
    ("change", "computed"),
    [
        (None, []),
        (_remove_index, []),
        (_remove_entry, [3]),
        (_edit_value, [7]),
        (_other_key_at_first_name, [5]),
    ],
    ids=["index saved", "no index file", "an entry removed", "a value edited", "another key"],
)
def test_a_rerun_in_another_order_gives_each_point_its_own_result_in_grid_order(
    tmp_path, change, computed
):
    # the lookup hands each point's entry along by position: a grid in another order
    # than stored, a point twice and a new point get each its own result, in grid
    # order, whatever the index file holds and whatever changed since it was saved
    f, runs = _logged(tmp_path)
    sweep(f, MANY, progress=False)
    f.table()  # saves the index file
    path_7, name_5 = _entry_of(f, 7)[0], _entry_of(f, 5)[1]
    if change is not None:
        change(f)
    grid = {"i": [200, *reversed(MANY["i"]), 4, 4]}
    edited = change is _edit_value
    for first in (True, False):  # the first rerun stores what it computes, the second hits it
        index.forget()  # as a new process
        runs.clear()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            again = sweep(f, grid, progress=False)
        assert again == [energy(i) for i in grid["i"]]
        # (an edited value is computed each time, never stored: the edit is kept; the
        # warning is given once)
        assert runs == [200] * first + computed * (first or edited)
        assert [w.category for w in caught if w.category is EditedEntryWarning] == (
            [EditedEntryWarning] * (edited and first)
        )
    if edited:
        assert "35.0" in open(path_7, encoding="utf-8").read()
    if change is _other_key_at_first_name:  # the other key's entry is left as it was
        assert (
            f.dataset[name_5]["parameters"] == {"i": 500} and f.dataset[name_5]["key"] == "f" * 32
        )


def test_a_row_known_before_a_lookup_reads_the_index_file_stays_the_known_one(
    tmp_path, monkeypatch
):
    # an entry rewritten after the index file was saved, and then read by this process
    # (a hit): a bulk lookup that reads the file then keeps this process's row of it, not
    # the file's outdated one (which would have the entry read again at the next hit)
    reads = count_entry_reads(monkeypatch, racy_ns=0)
    f, runs = _logged(tmp_path)
    sweep(f, MANY, progress=False)
    f.table()
    _, name = _entry_of(f, 0)
    f.dataset._insert(energy(0), f.dataset[name], name=name)  # the same call, rewritten
    index.forget()  # as a new process
    runs.clear()
    assert f(0) == energy(0)
    reads.clear()
    assert sweep(f, MANY, progress=False) == [energy(i) for i in MANY["i"]]
    assert f(0) == energy(0)
    assert reads == [] and runs == []


def test_a_rerun_of_a_finished_sweep_frees_its_lookups_objects_before_the_collector_runs(
    cached,
):
    # every point stored: the collector stays paused until the lookup's objects (a key
    # and a lookup result a point, and more) are freed; resumed in between, it went over
    # every one of them at the first allocation, a pass growing with the sweep
    grid = {"i": list(range(2000))}  # many more new objects than a collection waits for
    sweep(cached, grid, progress=False)
    index.forget()  # as a new process
    alive = []

    def count(phase, info):
        if phase == "start":
            alive.append(sum(isinstance(o, (CallKey, Found)) for o in gc.get_objects(0)))

    gc.callbacks.append(count)
    try:
        again = sweep(cached, grid, progress=False)
        gc.collect(0)  # (at least one collection, whatever the collector's thresholds)
    finally:
        gc.callbacks.remove(count)
    assert again == [energy(i) for i in grid["i"]]
    assert alive and not any(alive), alive
