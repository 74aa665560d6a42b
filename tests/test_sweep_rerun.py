"""The rerun of a finished sweep: the driver looks every point up once, reads each entry
file once, and gives each point exactly the result stored for its call.
"""

import datetime
import warnings

import numpy as np
import pytest

from archived import archived, sweep
from archived.store import index, indexrow
from helpers import count_entry_reads, exact


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
