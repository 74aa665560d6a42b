"""The order of a function's calls in table(), where() and export: by their parameters,
in time linear in what the store records, whatever names each call records."""

import math
import random

import pytest

from archived.store import callorder
from archived.store.callorder import call_order, sort_key


def _one_pass_per_name(briefs, names):
    """The order as the definition says: stable sorts by each name from the last,
    a call lacking a name after every value of it (the reference the fast way must
    equal)."""
    absent = (math.inf,)
    parameters = [b["parameters"] for b in briefs]
    names = list(names) + sorted(set().union(*parameters).difference(names), key=sort_key)
    order = list(range(len(parameters)))
    for name in reversed(names):
        keys = [sort_key(p[name]) if name in p else absent for p in parameters]
        order.sort(key=keys.__getitem__)
    return order


_VALUES = [None, 1, 2, 1.5, float("nan"), "a", "b", b"x", (1, 2), (1, "a"), [1], True, -0.0]


@pytest.mark.parametrize("seed", range(20))
def test_calls_recording_different_names_are_ordered_as_one_pass_per_name_orders_them(seed):
    rng = random.Random(seed)
    pool = ["a", "b", "c", "d", "zz", 5]
    for _ in range(100):
        briefs = [
            {"parameters": {n: rng.choice(_VALUES) for n in rng.sample(pool, rng.randint(0, 6))}}
            for _ in range(rng.randint(0, 10))
        ]
        signature = rng.sample(pool[:4], rng.randint(0, 3))
        assert call_order(briefs, signature) == _one_pass_per_name(briefs, signature)


def test_calls_each_recording_names_of_their_own_are_ordered_in_linear_work(monkeypatch):
    # a store whose 60 calls each record 60 names of their own sorted every call by
    # each of the 3,600 names: the cube of the store's size (400 calls of 400 names, a
    # 1.6 MB store, took 22 s; 2,000 would take hours). Counted, not timed: the keys made
    made = []

    def counting(value):
        made.append(1)
        return sort_key(value)

    monkeypatch.setattr(callorder, "sort_key", counting)
    briefs = [{"parameters": {f"p{i}_{j}": j for j in range(60)}} for i in range(60)]
    order = call_order(briefs, [])
    assert len(made) <= 3 * 60 * 60
    assert order == sorted(range(60), key=lambda i: f"p{i}_0")  # by the first name each has


def test_names_of_any_kind_in_a_store_are_ordered_without_an_error():
    briefs = [{"parameters": {1: 2, "x": 3}}, {"parameters": {"x": 1, (1, 2): 3}}]
    assert call_order(briefs, ["x"]) == [1, 0]
    assert sorted([1, "x", (1, 2)], key=sort_key) == [1, "x", (1, 2)]
    assert call_order([], ["x"]) == []
