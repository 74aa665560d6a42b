"""Property-based round trip: random graphs of builtins and numpy arrays with shared
references come back equal bit for bit, with the same identities among mutable objects."""

import math
import os
import struct

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from archived import Archive, restore

EXAMPLES = int(os.environ.get("ARCHIVED_PROPERTY_EXAMPLES", "100"))

hashable_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False),
    st.complex_numbers(allow_nan=False),
    st.text(max_size=6),
    st.binary(max_size=6),
)
leaves = st.one_of(
    hashable_leaves,
    st.floats(),  # nan and inf included
    st.complex_numbers(),
    st.just(-0.0),
    st.just(5e-324),
)
hashables = st.recursive(
    hashable_leaves,
    lambda inner: st.one_of(
        st.tuples(inner, inner), st.frozensets(inner, max_size=3), st.tuples(inner)
    ),
    max_leaves=6,
)
arrays = hnp.arrays(
    dtype=st.sampled_from(["?", "i1", ">u2", "<i8", "f4", ">f8", "c16", "S3", "U2", "M8[s]"]),
    shape=hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3),
)


@st.composite
def graphs(draw):
    """A pool built bottom-up: each container refers to earlier pool members, so members
    are shared between containers (and within one, like ``[x, x]``) but never cyclic."""
    pool = []
    for _ in range(draw(st.integers(1, 10))):
        kind = draw(st.sampled_from(["leaf", "array", "list", "tuple", "dict", "set", "user"]))
        if kind == "leaf" or not pool:
            pool.append(draw(leaves))
            continue
        if kind == "array":
            pool.append(draw(arrays))
            continue
        picks = draw(st.lists(st.integers(0, len(pool) - 1), max_size=4))
        members = [pool[i] for i in picks]
        if kind == "user":
            a, b = (pool[draw(st.integers(0, len(pool) - 1))] for _ in range(2))
            pool.append(Pair(a, b))
        elif kind == "list":
            pool.append(members)
        elif kind == "tuple":
            pool.append(tuple(members))
        elif kind == "dict":
            keys = draw(
                st.lists(
                    hashables,
                    min_size=len(members),
                    max_size=len(members),
                    unique_by=_key_identity,
                )
            )
            pool.append(dict(zip(keys, members, strict=True)))
        else:
            pool.append(draw(st.sets(hashables, max_size=4)))
    roots = draw(st.lists(st.integers(0, len(pool) - 1), min_size=1, max_size=4))
    return {f"v{n}": pool[i] for n, i in enumerate(roots)}


class Pair:
    """A user object archived through archive_1(); its rep names ``a`` twice."""

    def __init__(self, a, b):
        self.a, self.b = a, b

    def archive_1(self):
        return (
            "Pair(a, b) if (a, a) else None",
            dict(a=self.a, b=self.b),
            [(__name__, "Pair", "Pair")],
        )


def _key_identity(k):
    return (type(k), repr(k))


def same(a, b, pairs, back):
    """Deep equality that compares float bits, array bytes and types, and records which
    restored object each original mutable object became."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, (list, dict, set, np.ndarray, Pair)):
        seen = pairs.setdefault(id(a), id(b))
        assert seen == id(b), "one object became two"
        assert back.setdefault(id(b), id(a)) == id(a), "two objects became one"
    if isinstance(a, float):
        assert struct.pack(">d", a) == struct.pack(">d", b)
    elif isinstance(a, complex):
        same(a.real, b.real, pairs, back)
        same(a.imag, b.imag, pairs, back)
    elif isinstance(a, Pair):
        same(a.a, b.a, pairs, back)
        same(a.b, b.b, pairs, back)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            same(x, y, pairs, back)
    elif isinstance(a, dict):
        assert all(type(x) is type(y) and x == y for x, y in zip(a, b, strict=True))
        for x, y in zip(a.values(), b.values(), strict=True):
            same(x, y, pairs, back)
    else:
        assert a == b or (a != a and b != b)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(graphs(), st.booleans())
def test_random_graphs_round_trip_with_identities(objs, scoped):
    arch = Archive(scoped=scoped)
    arch.insert(**objs)
    src = str(arch)
    got = restore(src)
    assert sorted(got) == sorted(objs)
    pairs, back = {}, {}
    for name, value in objs.items():
        same(value, got[name], pairs, back)
    again = Archive(scoped=scoped)
    again.insert(**objs)
    assert str(again) == src  # deterministic


def test_property_helpers_detect_lost_sharing():
    x = [1]
    pairs, back = {}, {}
    try:
        same([x, x], [[1], [1]], pairs, back)
    except AssertionError as err:
        assert "one object became two" in str(err)
    else:
        raise AssertionError("lost sharing went unnoticed")
    assert math.isnan(float("nan"))
