"""What a hit, a table row or a listed call pairs (a record and a result) comes from one
version of its entry file, even when the entry is rewritten or deleted between the look
at the store's index and the read of what the index does not keep (a big value, a long
info record).  Each test rewrites or deletes the entry at that very point, through a
hook on the read, so the interleaving is the same on every run."""

import pytest

from archived import EntryChangedError, archived
from archived.cache import calls as calls_module
from archived.cache.callstore import CallStore
from archived.store import entries, index, native
from archived.store.dataset import DataSet
from archived.store.table import dataset_table
from helpers import RunLog

PAD = list(range(700))  # a value of more source than the index keeps: read from the entry


# each test as in a new process: nothing known of any store's index before or after it
pytestmark = pytest.mark.usefixtures("index_forgotten")


def _big(x):
    return {"n": x, "pad": PAD}


def _before_first(monkeypatch, module, function, action):
    """Run ``action()`` once, just before the first call of ``module.function``."""
    real = getattr(module, function)
    done = []

    def hooked(*args, **kwargs):
        if not done:
            done.append(True)
            action()
        return real(*args, **kwargs)

    monkeypatch.setattr(module, function, hooked)
    return done


def _rewrite_as(store, name, parameters, value):
    """Rewrite entry ``name`` with its record's parameters (and its key, theirs) changed."""
    from archived.cache.hashing import hash_call

    info = store.info(name)
    key = hash_call(info["function"], info["version"], parameters)
    store.commit(name, value, dict(info, parameters=parameters, key=key))


def test_a_table_row_rewritten_while_tabled_shows_the_new_record_with_the_new_result(
    tmp_path, monkeypatch
):
    f = archived(str(tmp_path / "s"), version="1")(_big)
    f(1), f(5)
    name = f.where(x=1)[0].name
    done = _before_first(
        monkeypatch,
        native.entries,
        "read_value",
        lambda: _rewrite_as(f.store, name, {"x": 2}, _big(2)),
    )
    rows = f.table(frame=False)
    assert done
    # never the old record's x=1 with the new result's n=2
    assert sorted((r["x"], r["n"]) for r in rows) == [(2, 2), (5, 5)]


def test_a_table_with_criteria_leaves_out_a_call_rewritten_into_one_they_do_not_select(
    tmp_path, monkeypatch
):
    f = archived(str(tmp_path / "s"), version="1")(_big)
    f(1), f(5)
    name = f.where(x=1)[0].name
    _before_first(
        monkeypatch,
        native.entries,
        "read_value",
        lambda: _rewrite_as(f.store, name, {"x": 2}, _big(2)),
    )
    assert f.table(frame=False, x=1) == []


def test_a_table_leaves_out_a_large_result_deleted_while_it_is_tabled(tmp_path, monkeypatch):
    f = archived(str(tmp_path / "s"), version="1")(_big)
    f(1), f(5)
    name = f.where(x=1)[0].name
    done = _before_first(monkeypatch, native.entries, "read_value", lambda: f.store.remove(name))
    rows = f.table(frame=False)  # raised AttributeError
    assert done
    assert [(r["x"], r["n"]) for r in rows] == [(5, 5)]


def test_a_dataset_table_reads_info_and_value_of_one_version_of_a_rewritten_entry(
    tmp_path, monkeypatch
):
    ds = DataSet("d", "w", path=str(tmp_path))
    ds._insert({"n": 1, "pad": PAD}, info={"mu": 1}, name="a")
    ds._insert(0.5, info={"mu": 5}, name="b")
    done = _before_first(
        monkeypatch,
        native.entries,
        "read_value",
        lambda: ds._insert({"n": 2, "pad": PAD}, info={"mu": 2}, name="a"),
    )
    rows = dataset_table(ds, frame=False)
    assert done
    assert [(r["entry"], r["mu"], r["n"]) for r in rows] == [("a", 2, 2), ("b", 5, None)]


def test_a_dataset_table_leaves_out_an_entry_deleted_between_its_info_and_its_value(
    tmp_path, monkeypatch
):
    ds = DataSet("d", "w", path=str(tmp_path))
    ds._insert({"n": 1, "pad": PAD}, info={"mu": 1}, name="a")
    ds._insert(0.5, info={"mu": 5}, name="b")
    _before_first(monkeypatch, native.entries, "read_value", lambda: delattr(ds, "a"))
    rows = dataset_table(ds, frame=False)  # raised KeyError
    assert [(r["entry"], r["mu"]) for r in rows] == [("b", 5)]


def test_a_hit_never_returns_the_result_of_a_version_of_its_entry_that_records_another_key(
    tmp_path, monkeypatch
):
    runs = RunLog()

    def big(x):
        runs.append(x)
        return _big(x)

    f = archived(str(tmp_path / "s"), version="1")(big)
    f(1)
    name = f.where(x=1)[0].name
    index.forget()
    other = dict(f.store.info(name), key="f" * 32)  # another call's record (a collision)
    done = _before_first(
        monkeypatch,
        calls_module,
        "_load",
        lambda: f.store.commit(name, {"n": "other", "pad": PAD}, other),
    )
    assert f(1) == _big(1)  # computed again (the key's entry holds another call)
    assert done and runs == [1, 1]


def test_a_record_read_from_a_rewritten_entry_file_is_not_paired_with_its_old_value(
    tmp_path, monkeypatch
):
    # an info record too long for the index is read from the entry file: a rewrite just
    # before that read made the old row (which keeps its small value) record the new key
    store = CallStore(str(tmp_path / "s"))
    parameters = {"s": "x" * 140_000}
    key, other = "1" * 32, "2" * 32
    name = store.first_name("f", key)
    store.commit(name, "old value", {"function": "m.f", "key": other, "parameters": parameters})
    index.forget()
    done = _before_first(
        monkeypatch,
        native.entries,
        "read_info",
        lambda: store.commit(
            name, "new value", {"function": "m.f", "key": key, "parameters": parameters}
        ),
    )
    found = store.find("f", key, parameters)
    assert done and found.hit
    assert store.load(found.name, found) == "new value"


def test_a_listed_call_rewritten_with_another_call_does_not_load_that_calls_result(tmp_path):
    f = archived(str(tmp_path / "s"), version="1")(_big)
    f(1)
    (call,) = f.where(x=1)
    _rewrite_as(f.store, call.name, {"x": 2}, _big(2))
    with pytest.raises(EntryChangedError, match=f"entry '{call.name}' .* was rewritten"):
        call.load()
    with pytest.raises(EntryChangedError, match=f"entry '{call.name}' .* was rewritten"):
        call.info  # noqa: B018 (the record of x=2 is not this call's; the index kept x=1's)
    assert call.parameters == {"x": 1}


def test_a_listed_call_whose_long_record_was_rewritten_says_so_rather_than_show_the_new_one(
    tmp_path,
):
    f = archived(str(tmp_path / "s"), version="1")(lambda s: len(s))
    f("x" * 140_000)  # a record too long for the index: read from the entry when asked
    (call,) = f.where()
    f.store.commit(call.name, 0, dict(f.store.info(call.name), parameters={"s": "y"}))
    with pytest.raises(EntryChangedError, match="was rewritten after this handle was made"):
        call.info  # noqa: B018


def test_a_listed_call_recomputed_since_loads_its_new_result(tmp_path):
    f = archived(str(tmp_path / "s"), version="1")(_big)
    f(1)
    (call,) = f.where(x=1)
    new = {"n": 1, "pad": PAD[::-1]}
    f.store.commit(call.name, new, f.store.info(call.name))  # the same call, stored again
    assert call.load() == new


def test_a_read_of_a_version_of_an_entry_refuses_another_version(tmp_path):
    folder = str(tmp_path)
    entries.commit_entry(folder, "a", PAD, info="one")
    data, _ = entries.read_entry_bytes(folder, "a")
    import xxhash

    digest = xxhash.xxh3_64_hexdigest(data)
    assert entries.read_value(folder, "a", digest=digest) == PAD
    entries.commit_entry(folder, "a", PAD[:-1], info="two")
    with pytest.raises(EntryChangedError):
        entries.read_value(folder, "a", digest=digest)
    with pytest.raises(EntryChangedError):
        entries.read_info(folder, "a", digest=digest)
