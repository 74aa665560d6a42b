"""``f.call_and_shelve(...)``: joblib's call-and-keep-a-reference, with no sweep record
left per call."""

import os
import warnings

import pytest
from joblib import Parallel, delayed

from archived import archived, sweep
from archived.errors import ResultNotStoredWarning

RUNS = []


def _square(x):
    RUNS.append(x)
    return {"x": x, "square": x * x}


def test_call_and_shelve_stores_the_call_alone_and_loads_it_from_the_store(tmp_path):
    # sweep(f, [point], results="lazy")[0], the README's mapping, left a sweep record
    # entry beside every call
    f = archived(str(tmp_path / "s"))(_square)
    RUNS.clear()
    handle = f.call_and_shelve(3)
    assert handle.load() == {"x": 3, "square": 9} and handle.parameters == {"x": 3}
    again = f.call_and_shelve(x=3)
    assert RUNS == [3] and again.entry == handle.entry
    assert sorted(n for n in os.listdir(tmp_path / "s") if n.endswith(".py")) == [
        "__init__.py",
        handle.entry + ".py",
    ]
    assert [(p, c.load()) for p, c in f] == [({"x": 3}, {"x": 3, "square": 9})]


def test_call_and_shelve_in_joblib_workers_sends_back_handles(tmp_path):
    f = archived(str(tmp_path / "s"))(_square)
    handles = Parallel(n_jobs=2)(delayed(f.call_and_shelve)(x) for x in range(4))
    assert [h.load()["square"] for h in handles] == [0, 1, 4, 9]
    assert len(list(f)) == 4


def _cycle(x):
    cycle = [x]
    cycle.append(cycle)
    return cycle


def test_call_and_shelve_keeps_a_result_it_cannot_store(tmp_path):
    f = archived(str(tmp_path / "s"))(_cycle)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        handle = f.call_and_shelve(1)
    assert any(issubclass(w.category, ResultNotStoredWarning) for w in caught)
    result = handle.load()
    assert result[0] == 1 and result[1] is result and not f.is_cached(1)


def test_a_shelved_result_gets_as_joblibs_does(tmp_path):
    # joblib's f.call_and_shelve(x).get(), moved over as it is
    f = archived(str(tmp_path / "s"))(_square)
    assert f.call_and_shelve(4).get() == {"x": 4, "square": 16}


def _tenfold(x):
    return 10 * x


def _replace_with_copy(folder, source, target):
    """Put entry ``source``'s file, renamed as the loader's own advice says, in place
    of entry ``target``'s (a person tidying a store by hand)."""
    text = (folder / (source + ".py")).read_text().replace(source, target)
    (folder / (target + ".py")).write_text(text)


def test_a_handle_whose_entry_now_holds_another_call_raises_rather_than_load_it(tmp_path):
    # a handle loaded whatever its entry's file held when load() was called: an entry
    # replaced by another call's (renamed) gave call 1's result for call 2
    from archived.errors import EntryChangedError

    f = archived(str(tmp_path / "s"))(_tenfold)
    one, two = f.call_and_shelve(1), f.call_and_shelve(2)
    assert two.load() == 20
    _replace_with_copy(tmp_path / "s", one.entry, two.entry)
    with pytest.raises(EntryChangedError, match=two.entry):
        two.load()
    assert one.load() == 10


def test_a_handle_whose_entry_value_was_edited_by_hand_raises_rather_than_load_it(tmp_path):
    # the edited value is no result of the call (a call computes it again): a handle
    # gave it as the call's result
    from archived.errors import EntryChangedError

    f = archived(str(tmp_path / "s"))(_tenfold)
    handle = f.call_and_shelve(2)
    [lazy] = sweep(f, {"x": [2]}, results="lazy", progress=False)
    path = tmp_path / "s" / (handle.entry + ".py")
    line = f"\n{handle.entry} = 20\n"
    assert line in path.read_text()
    path.write_text(path.read_text().replace(line, f"\n{handle.entry} = 21\n"))
    for shelved in (handle, lazy):
        with pytest.raises(EntryChangedError, match=handle.entry):
            shelved.load()


def _damage(path, cut):
    path.write_text(path.read_text()[:cut])


def _entry_file(store, name):
    return store / (name + ".py")


def test_a_shelved_call_whose_value_is_damaged_loads_as_the_call_computes(tmp_path):
    # the handle's load() raised DamagedEntryError where f(3) sets the damaged file aside
    # and computes the result again
    from archived import sweep
    from archived.errors import DamagedEntryWarning

    store = tmp_path / "s"
    f = archived(str(store))(_square)
    RUNS.clear()
    handle = f.call_and_shelve(3)
    _damage(_entry_file(store, handle.entry), -30)  # the value section's end cut off
    again = f.call_and_shelve(3)  # a hit by its record: the value is not read
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert again.load() == {"x": 3, "square": 9}
    assert [w.category for w in caught] == [DamagedEntryWarning]
    assert RUNS == [3, 3] and f.is_cached(3) and f.call_and_shelve(3).load()["square"] == 9
    assert len(os.listdir(store / ".damaged")) == 1  # kept aside, not lost

    # a lazy sweep's handles, made in the driver or sent back by a worker, do the same
    [lazy] = sweep(f, {"x": [3]}, results="lazy", progress=False)
    _damage(_entry_file(store, lazy.entry), -30)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        assert lazy.load() == {"x": 3, "square": 9}
    [fresh] = sweep(f, {"x": [5]}, results="lazy", progress=False)
    _damage(_entry_file(store, fresh.entry), -30)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        assert fresh.load() == {"x": 5, "square": 25}
    assert RUNS == [3, 3, 3, 5, 5] and len(os.listdir(store / ".damaged")) == 3


def test_a_shelved_call_whose_record_is_damaged_is_computed_as_the_call_is(tmp_path):
    # call_and_shelve(3) raised DamagedEntryError from its lookup, before computing
    from archived.errors import DamagedEntryWarning

    store = tmp_path / "s"
    f = archived(str(store))(_square)
    RUNS.clear()
    handle = f.call_and_shelve(3)
    _entry_file(store, handle.entry).write_text("")  # an empty file: no header line
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = f.call_and_shelve(3)
    assert [w.category for w in caught] == [DamagedEntryWarning]
    assert RUNS == [3, 3] and again.load() == {"x": 3, "square": 9} and f.is_cached(3)
    assert len(os.listdir(store / ".damaged")) == 1


def test_a_shelved_handle_sent_elsewhere_says_to_call_again_when_damaged(tmp_path):
    import pickle

    import pytest

    from archived.errors import DamagedEntryError

    store = tmp_path / "s"
    f = archived(str(store))(_square)
    handle = pickle.loads(pickle.dumps(f.call_and_shelve(3)))
    assert handle.again is None  # the call's arguments do not travel with it
    _damage(_entry_file(store, handle.entry), -30)
    with pytest.raises(DamagedEntryError) as err:
        handle.load()
    assert "again" in "".join(err.value.__notes__) and "{'x': 3}" in "".join(err.value.__notes__)
