"""``verify`` recomputes each call's key from its record: a person who edited the
recorded parameters of an entry left a key that is no longer theirs, so every call with
that key warned and computed without storing while ``func.table()`` listed the edited
parameters beside the old result, and ``archived verify`` said OK.  It names the entry,
its file and the step (move it out of the store), runs nothing of the store to do so,
and says so where the record cannot give the key back rather than guess."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np

from archived import archived, sweep, verify
from archived.__main__ import main
from archived.cache.callstore import call_info
from archived.cache.hashing import hash_call
from archived.store.dataset import DataSet

DATA = os.path.join(os.path.dirname(__file__), "data")


def simulate(L, T=1.0):
    return {"energy": repr(L) + repr(T)}


def _edit(folder, name, old, new):
    path = os.path.join(folder, name + ".py")
    with open(path) as f:
        text = f.read()
    assert old in text
    with open(path, "w") as f:
        f.write(text.replace(old, new))
    return path


def _files(folder):
    return {
        n: open(os.path.join(folder, n), "rb").read()
        for n in os.listdir(folder)
        if n.endswith(".py")
    }


def test_verify_names_an_entry_whose_recorded_parameters_were_edited_and_the_step(
    tmp_path, capsys
):
    store = str(tmp_path / "runs")
    f = archived(store)(simulate)
    f(8), f(16)
    [edited] = [c.name for c in f.calls() if c.parameters["L"] == 16]
    path = _edit(store, edited, "'L': 16,", "'L': 17,")
    before = _files(store)
    report = verify(store)
    assert not report.ok and report.problems and list(report.other_key) == [edited]
    text = str(report)
    assert "3 entries" not in text and "1 problem" in text
    assert f"entry {edited} holds the key of another call than it records" in text
    assert "simulate(L=17 T=1.0)" in text and "edited by hand" in text
    assert f"Move {path} out of the store" in text
    assert main(["verify", store]) == 1  # safe, as the command line reads a store
    assert f"Move {path} out of the store" in capsys.readouterr().out
    assert main(["verify", "--json", store]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is False and document["other_key"] == {edited: "simulate(L=17 T=1.0)"}
    assert _files(store) == before  # nothing moved, nothing rewritten
    os.replace(path, tmp_path / "aside.py")  # the step it names
    assert verify(store).ok


def test_verify_finds_the_key_of_every_kind_of_intact_call(tmp_path):
    store = str(tmp_path / "runs")
    f = archived(store)(simulate)
    f(8), f(L=9, T=2.0), f(2**80), f(-0.0), f(float("inf")), f(None), f(1 + 2j), f(True)
    archived(store, version="pinned")(simulate)(3)
    archived(store, ignore=("T",))(simulate)(4, T=9.0)

    def make(k):
        @archived(store)
        def shifted(x):
            return x + k

        return shifted

    make(1)(1), make(2)(1)
    sweep(archived(store, version="s")(simulate), {"L": [10, 11]}, progress=False)
    with archived(store, a=1, b=2.5) as rec:
        if not rec.cached:
            rec.result = 5
    report = verify(store)
    assert report.ok and not report.other_key and not report.key_unchecked, report
    assert str(report).endswith("entries checked, OK")
    for name in ("cache_0_1_0", "store_0_1_0"):  # stores an earlier release wrote
        shutil.copytree(os.path.join(DATA, name), tmp_path / name)
        old = verify(str(tmp_path / name))
        assert old.ok and not old.other_key and not old.key_unchecked


def test_a_key_the_record_cannot_give_back_is_said_not_guessed(tmp_path):
    # a text parameter may be an object's description (an array's repr, a method's
    # self): a key that does not match it says nothing, and is said to say nothing
    store = str(tmp_path / "runs")
    g = archived(store)(lambda model, L: L)
    g("ising", 8)
    g("array([0, 1, 2])", 8)
    archived(store)(lambda a: 0)(np.arange(3))  # recorded as the text 'array([0, 1, 2])'
    [edited] = [c.name for c in g.calls() if c.parameters["model"] == "ising"]
    _edit(store, edited, "'L': 8", "'L': 9")
    report = verify(store)
    assert report.ok and not report.other_key
    assert edited in report.key_unchecked and len(report.key_unchecked) == 2
    assert "2 call keys not recomputed" in str(report)
    assert "cannot be told from the record" in str(report)


def test_a_record_of_archived_0_1_numbers_standing_for_numpy_scalars_is_intact(tmp_path):
    # archived 0.1 recorded np.float64(0.5) as 0.5 beside the key of np.float64(0.5):
    # a hit still finds it (legacy_view), and verify must not call it edited
    ds = DataSet("runs", "w", path=str(tmp_path))
    key = hash_call("m.f", "v", {"mu": np.float64(0.5), "n": np.int32(3), "x": 1})
    ds._insert(
        1.0,
        info=call_info("m.f", "v", key, {"mu": 0.5, "n": 3, "x": 1}, 0.0, 1.0),
        name="f_" + key[:16],
    )
    other = hash_call("m.f", "v", {"mu": np.float64(0.7), "n": np.int32(3), "x": 1})
    ds._insert(
        1.0,
        info=call_info("m.f", "v", other, {"mu": 0.5, "n": 3, "x": 1}, 0.0, 1.0),
        name="f_" + other[:16],
    )
    report = verify(str(tmp_path / "runs"))
    assert list(report.other_key) == ["f_" + other[:16]] and not report.key_unchecked


def test_a_crafted_record_of_many_parameters_beside_numbers_is_not_tried_call_by_call(
    monkeypatch,
):
    # 5,000 parameters beside five numbers whose numpy twins make 864 calls to try:
    # each try encoded and hashed every parameter again (a 470 kB entry of 20,000 kept
    # verify busy 9 s); the work is bounded by the bytes hashed, whatever the record
    import xxhash

    from archived.cache import hashing
    from archived.cache.keycheck import UNKNOWN, key_status

    hashed = []

    class Counting:
        def __init__(self, data=b""):
            self.inner = xxhash.xxh3_128(data)
            hashed.append(len(data))

        def update(self, data):
            hashed.append(len(data))
            self.inner.update(data)

        def hexdigest(self):
            return self.inner.hexdigest()

    class CountingXXHash:
        xxh3_128 = Counting

        @staticmethod
        def xxh3_128_hexdigest(data):
            hashed.append(len(data))
            return xxhash.xxh3_128_hexdigest(data)

    parameters = {f"p{i}": None for i in range(5000)}
    parameters.update(a=1, b=0.5, c=0.25, d=True, e=1j)
    info = call_info("m.f", "v", "0" * 32, parameters, 0.0, 1.0)
    monkeypatch.setattr(hashing, "xxhash", CountingXXHash)
    assert key_status(info) == UNKNOWN  # too big to try every twin: said, not guessed
    assert sum(hashed) < 1_000_000


def test_a_crafted_record_of_many_numbers_is_given_up_after_a_few_of_their_numpy_twins(
    monkeypatch,
):
    # every number of a record has numpy twins, so the tries outgrow their cap after a
    # dozen numbers: finding the twins of all 100,000 numbers of a crafted record first
    # (each of numpy's eight integer types raising for an int none holds) took 20 s
    from archived.cache.keycheck import UNKNOWN, key_status

    made = []
    for kind in ("int64", "int32", "int16", "int8", "uint64", "uint32", "uint16", "uint8"):
        numpy_kind = getattr(np, kind)

        def counting(value, numpy_kind=numpy_kind):
            made.append(value)
            return numpy_kind(value)

        monkeypatch.setattr(np, kind, counting)
    parameters = {f"p{i}": 2**70 + i for i in range(5000)}  # none holds them
    parameters.update({f"q{i}": i for i in range(5000)})
    info = call_info("m.f", "v", "0" * 32, parameters, 0.0, 1.0)
    assert key_status(info) == UNKNOWN  # too many readings to try: said, not guessed
    assert len(made) < 100


def test_verify_says_why_the_key_of_a_record_of_numbers_alone_was_not_recomputed(tmp_path):
    # a record of numbers alone, with a key none of its few readings gives, is edited;
    # one of a dozen numbers has too many readings (numpy scalars of archived 0.1) to
    # try, and verify said a parameter was recorded as text, bytes, NaN or an object
    ds = DataSet("runs", "w", path=str(tmp_path))
    numbers = {f"n{i}": i for i in range(12)}
    ds._insert(1.0, info=call_info("m.f", "v", "0" * 32, numbers, 0.0, 1.0), name="f_" + "0" * 16)
    report = verify(str(tmp_path / "runs"))
    assert report.key_unchecked == ["f_" + "0" * 16] and not report.other_key
    assert "numpy scalars archived 0.1 recorded as numbers, too many to try" in str(report)


def test_verify_names_an_entry_whose_name_is_not_the_key_it_records(tmp_path, capsys):
    # an entry file copied or renamed by hand to another call's name (its variable
    # renamed too, as the loader advises): no call finds it (a hit compares the whole
    # key), but a table lists it beside the call's own entry, and verify said OK
    ds = DataSet("runs", "w", path=str(tmp_path))
    key, other = (hash_call("m.f", "v", {"x": x}) for x in (1, 2))
    info = call_info("m.f", "v", key, {"x": 1}, 0.0, 1.0)
    ds._insert(10, info=info, name="f_" + key[:16])
    ds._insert(10, info=info, name="f_" + other[:16])  # (no digest: an 0.1-era record)
    failed = dict(info, status="failed", error="ValueError", message="m")
    ds._insert({}, info=failed, name=f"f_{other[:16]}_failed")
    store = str(tmp_path / "runs")
    report = verify(store)
    assert not report.ok and report.problems and not report.other_key
    assert report.misnamed == {
        "f_" + other[:16]: "f_" + key[:16],
        f"f_{other[:16]}_failed": f"f_{key[:16]}_failed",
    }
    path = os.path.join(store, f"f_{other[:16]}.py")
    assert f"whose key names its entry f_{key[:16]}, not f_{other[:16]}" in str(report)
    assert f"Move {path} out of the store" in str(report) and "2 problems" in str(report)
    assert main(["verify", "--json", store]) == 1
    assert json.loads(capsys.readouterr().out)["misnamed"] == report.misnamed
    os.replace(path, tmp_path / "aside.py")
    os.replace(os.path.join(store, f"f_{other[:16]}_failed.py"), tmp_path / "aside_failed.py")
    assert verify(store).ok


def test_a_record_whose_key_is_no_key_is_not_said_to_name_another_entry(tmp_path, capsys):
    # a key no call has (not 32 hex digits: edited, or crafted with a terminal's
    # controls and a path) names no entry: verify said its key 'names its entry
    # f_\x1b]0;..\x07/../', a name no call looks up, built of the store's text
    ds = DataSet("runs", "w", path=str(tmp_path))
    key = "\x1b]0;title\x07/../../etc/passwd"
    info = call_info("m.f", "v", key, {"x": 1}, 0.0, 1.0)
    ds._insert(10, info=info, name="f_" + "0" * 16)
    store = str(tmp_path / "runs")
    report = verify(store)
    assert not report.misnamed
    assert list(report.other_key) == ["f_" + "0" * 16]  # (its key is not its call's)
    assert "names its entry" not in str(report)
    assert main(["verify", "--json", store]) == 1
    assert json.loads(capsys.readouterr().out)["misnamed"] == {}


def test_a_datasets_own_record_naming_a_function_and_a_key_is_not_called_misnamed(tmp_path):
    # a DataSet entry a person wrote, whose info names a function and a key of their
    # own: no call record (no version, no parameters), so no name is asked of it
    ds = DataSet("notes", "w", path=str(tmp_path))
    ds._insert(1, info={"function": "fit", "key": "run-7"}, name="fit_result")
    ds._insert(2, info={"function": "fit", "key": "0" * 32, "parameters": {}}, name="other")
    report = verify(str(tmp_path / "notes"))
    assert report.ok and not report.misnamed, report


def test_entries_of_a_function_whose_name_ends_in_sixteen_hex_digits_are_not_misnamed(tmp_path):
    # the check took the shortest prefix fitting <prefix>_<16 hex>[_<16 hex>]: "run" of
    # run_0123456789abcdef, so each entry its calls stored under their own names was
    # called misnamed, and verify failed and advised moving it out of the store
    store = str(tmp_path / "runs")

    def run_0123456789abcdef(x):
        if x < 0:
            raise ValueError("negative")
        return 2 * x

    f = archived(store)(run_0123456789abcdef)
    f(1)
    try:
        f(-1)
    except ValueError:
        pass
    names = sorted(DataSet("runs", path=str(tmp_path)))
    assert [n.endswith("_failed") for n in names] == [False, True]
    assert all("_run_0123456789abcdef_" in n for n in names)  # (its qualname's <locals>)
    # a second name, of a key whose first 16 digits another call's entry holds
    key = hash_call("m.run_0123456789abcdef", "v", {"x": 5})
    info = call_info("m.run_0123456789abcdef", "v", key, {"x": 5}, 0.0, 1.0)
    ds = DataSet("runs", "w", path=str(tmp_path))
    ds._insert(10, info=info, name=f"run_0123456789abcdef_{key[:16]}_{key[16:]}")
    report = verify(store)
    assert report.ok and not report.misnamed, report
    ds._insert(10, info=info, name=f"run_0123456789abcdef_{'0' * 16}_{key[16:]}")  # a copy
    assert list(verify(store).misnamed) == [f"run_0123456789abcdef_{'0' * 16}_{key[16:]}"]


def test_verify_of_a_record_holding_an_array_for_its_status_raises_nothing(tmp_path, capsys):
    # the key check (and the name and digest checks beside it) compared the status with
    # ``in`` and ``==``: numpy's ambiguous-truth ValueError escaped verify and the index
    # derivation of every table and ls
    store = str(tmp_path / "runs")
    f = archived(store)(simulate)
    f(8)
    [call] = f.where()
    f.dataset[call.name] = {**call.info, "status": np.array([1, 2])}
    before = _files(store)
    assert verify(store).ok  # no call's record: not checked as one, nothing to report
    assert main(["verify", store]) == 0
    assert _files(store) == before


def test_verify_names_the_parameter_that_kept_call_keys_from_being_recomputed(tmp_path):
    # a store of calls of a data class config (recorded as its description): every
    # verify said, of every call, a sentence of every reason a key may not be
    # recomputed (archived 0.1's numpy scalars among them), naming no parameter, read
    # as a problem in a store where nothing is wrong
    import dataclasses

    @dataclasses.dataclass
    class Config:
        L: int = 8

    run = archived(str(tmp_path / "runs"))(lambda cfg, T: T)
    run(Config(), 1.5), run(Config(16), 2.5)
    report = verify(str(tmp_path / "runs"))
    assert report.ok and len(report.key_unchecked) == 2
    line = str(report).splitlines()[1]
    assert line.startswith("  2 call keys not recomputed") and "parameter cfg is" in line
    assert "archived 0.1" not in line and line.endswith("(not a problem found)"), line
