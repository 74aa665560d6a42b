"""A small float array given as a parameter is recorded with every digit that tells it
apart from another array, so ``where()`` and ``table()`` never select the call of one
array for another; entries written when arrays were recorded to numpy's 8 digits are
still hits, and still read."""

import numpy as np
import pytest

from archived import archived
from archived.cache.calls import key_call
from archived.cache.recorded import readable

A = np.array([0.123456789012, 1.0])
B = np.array([0.123456789999, 1.0])  # the same to 8 digits


def _first(init):
    return float(init[0])


def test_where_never_selects_the_call_of_an_array_equal_to_the_one_asked_for_to_8_digits(
    tmp_path,
):
    f = archived(str(tmp_path / "s"))(_first)
    f(A), f(B)
    assert [c.load() for c in f.where(init=A)] == [A[0]]
    assert [c.load() for c in f.where(init=B)] == [B[0]]
    assert [row["result"] for row in f.table(frame=False, init=A)] == [A[0]]


def test_an_array_whose_floats_need_8_digits_or_fewer_is_recorded_as_it_always_was():
    a = np.array([0.5, 1e-20, 3.0])
    assert readable(a) == repr(a)
    assert readable(np.float32([0.1, 0.25])) == "array([0.1 , 0.25], dtype=float32)"


@pytest.mark.parametrize(
    "array",
    [A, np.float32([1 / 3, 0.1]), np.array([1 / 3 + 2j / 7]), np.float16([1 / 3])],
    ids=["float64", "float32", "complex", "float16"],
)
def test_a_small_float_array_is_recorded_with_the_digits_that_give_it_back(array):
    text = readable(array)
    assert not text.startswith("ndarray")
    rebuilt = eval(text, {"array": np.array, **np.sctypeDict})
    assert rebuilt.dtype == array.dtype and rebuilt.tobytes() == array.tobytes()


RUNS = []


def _counted_first(init):
    RUNS.append(1)
    return float(init[0])


def test_an_entry_that_recorded_an_array_to_8_digits_is_still_a_hit_and_still_read(
    tmp_path, recwarn
):
    from archived.cache.callstore import call_info

    f = archived(str(tmp_path / "s"))(_counted_first)
    call = key_call(f.identity, f.version, f.prefix, {"init": A})
    # the entry as archived wrote it before: the same key, the array to 8 digits
    old = "array([0.12345679, 1.        ])"
    record = call_info(f.identity, f.version, call.key, {"init": old}, 0.0, 0.1)
    f.store.commit(f.store.first_name(f.prefix, call.key), float(A[0]), record)
    RUNS.clear()
    assert f(A) == A[0] and RUNS == []  # a hit: not computed again
    assert [w for w in recwarn if "other parameters" in str(w.message)] == []
    assert [row["init"] for row in f.table(frame=False)] == [old]
