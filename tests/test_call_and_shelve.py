"""``f.call_and_shelve(...)``: joblib's call-and-keep-a-reference, with no sweep record
left per call."""

import os
import warnings

from joblib import Parallel, delayed

from archived import archived
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
