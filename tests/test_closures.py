"""A cached nested function is keyed by the values it closes over as they are at each call."""

import warnings

import pytest

from archived import ClosureChangedWarning, archived


@pytest.fixture
def store(tmp_path):
    return str(tmp_path / "store")


def test_a_nested_function_computes_again_after_a_variable_it_closes_over_is_rebound(store):
    scale = 2

    @archived(store)
    def g(x):
        return scale * x

    assert g(3) == 6
    scale = 5
    assert g(3) == 15  # was 6: the value at decoration was keyed, not the one now
    scale = 2
    assert g(3) == 6 and g.is_cached(3)


def test_a_nested_function_computes_again_after_a_dict_it_closes_over_is_changed(store):
    config = {"n": 2}

    @archived(store)
    def g(x):
        return config["n"] * x

    assert g(3) == 6
    config["n"] = 10
    assert not g.is_cached(3)
    assert g(3) == 30


def test_a_nested_function_that_changes_its_closure_while_it_runs_warns_once_and_keeps_its_result(
    store,
):
    runs = []

    @archived(store)
    def g(x):
        runs.append(x)
        return 2 * x

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert g(3) == 6 and g(3) == 6
    changed = [w for w in caught if issubclass(w.category, ClosureChangedWarning)]
    assert len(changed) == 1 and "runs" in str(changed[0].message)
    assert changed[0].filename == __file__  # points at the user's call
    assert runs == [3, 3]  # the second call had another list: another call
    # each result was stored under the values the call started with
    names = [name for name in g.dataset if not name.endswith("_failed")]
    assert len(names) == 2 and [getattr(g.dataset, name) for name in names] == [6, 6]


def test_state_that_gives_its_own_key_keeps_a_nested_function_cached(store):
    class Log(list):
        def __archived_key__(self):
            return "log"

    runs = Log()

    @archived(store)
    def g(x):
        runs.append(x)
        return 2 * x

    with warnings.catch_warnings():
        warnings.simplefilter("error", ClosureChangedWarning)
        assert g(3) == 6 and g(3) == 6
    assert runs == [3]


def test_a_nested_function_calling_itself_by_name_is_cached_and_hits(store):
    @archived(store)
    def fib(n):
        return n if n < 2 else fib(n - 1) + fib(n - 2)

    assert fib(12) == 144
    assert fib.is_cached(12) and fib.is_cached(5)


def test_nested_functions_closing_over_each_other_are_keyed_without_endless_recursion(store):
    @archived(store)
    def even(n):
        return True if n == 0 else odd(n - 1)

    @archived(store)
    def odd(n):
        return False if n == 0 else even(n - 1)

    assert even(6) is True and odd(3) is True
    assert even.is_cached(6) and odd.is_cached(3)
    assert even.call_key(6).key == even.call_key(6).key
