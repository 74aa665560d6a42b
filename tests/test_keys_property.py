"""Property: for random pairs of argument values, equal keys mean the calls give equal
results, and values a function can tell apart get different keys.

The function is ``observe``: it returns everything a computation can see of its
argument (types, every float bit, dict and list order, array dtypes and bytes).  Only
what no computation can rely on is left out: the iteration order of a set (it changes
from one process to the next for strings).
"""

import copy
import dataclasses
import datetime
import enum
import math
import os
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from archived.cache.decorator import archived
from archived.cache.hashing import hash_call, hash_value, variant_keys


class Mode(enum.Enum):
    FAST = 1
    SLOW = 2


@dataclasses.dataclass(frozen=True)
class Config:
    n: int
    scale: float


def observe(value):
    """What a function can compute from ``value``: a plain, exact description."""
    kind = type(value)
    name = f"{kind.__module__}.{kind.__qualname__}"
    if isinstance(value, float):
        return (name, struct.pack("<d", value).hex())
    if isinstance(value, complex):
        return (name, observe(value.real), observe(value.imag))
    if isinstance(value, (list, tuple)):
        return (name, [observe(v) for v in value])
    if isinstance(value, dict):
        return (name, [(observe(k), observe(v)) for k, v in value.items()])
    if isinstance(value, (set, frozenset)):
        return (name, sorted(repr(observe(v)) for v in value))
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        return (name, array.dtype.str, array.shape, array.tobytes().hex())
    if isinstance(value, Config):
        return (name, observe(value.n), observe(value.scale))
    if isinstance(value, (datetime.datetime, datetime.timedelta)):
        return (name, repr(value), getattr(value, "fold", 0))
    if isinstance(value, Mode):
        return (name, value.name)
    return (name, repr(value))


finite = st.floats(allow_nan=False, allow_infinity=True)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),  # nan, -0.0, inf included
    st.sampled_from([0.0, -0.0, math.nan, -math.nan, 1.0, 1]),
    st.complex_numbers(allow_nan=True),
    st.text(max_size=5),
    st.binary(max_size=5),
    hnp.from_dtype(np.dtype("float64")) | hnp.from_dtype(np.dtype("int8")),
    hnp.from_dtype(np.dtype("float32")) | hnp.from_dtype(np.dtype("bool")),
    hnp.arrays(
        st.sampled_from([np.float64, np.int32, np.float32]),
        hnp.array_shapes(max_dims=2, max_side=3),
    ),
    st.builds(Config, st.integers(-3, 3), finite),
    st.decimals(allow_nan=False, places=2) | st.fractions(max_denominator=5),
    st.datetimes() | st.timedeltas(),
    st.sampled_from(Mode),
)
hashable = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=3))
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.lists(children, max_size=3).map(tuple),
        st.dictionaries(hashable, children, max_size=3),
        st.frozensets(hashable, max_size=3),
    ),
    max_leaves=6,
)


def variant(value):
    """A value equal to ``value`` (==) that a function may still tell apart."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, float):
        return -value if value == 0 or value != value else np.float64(value)
    if isinstance(value, dict) and len(value) > 1:
        return dict(reversed(list(value.items())))
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, np.ndarray) and value.size:
        return value.astype(np.float32 if value.dtype != np.float32 else np.float64)
    return copy.deepcopy(value)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(values, values, st.sampled_from(["independent", "copy", "variant"]))
def test_equal_keys_mean_equal_observations_and_different_ones_different_keys(a, b, how):
    if how == "copy":
        b = copy.deepcopy(a)
    elif how == "variant":
        b = variant(a)
    same_key = hash_value(a) == hash_value(b)
    assert same_key == (observe(a) == observe(b)), (a, b)


@settings(
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(values, st.sampled_from(["copy", "variant"]))
def test_a_hit_is_exactly_what_the_call_would_compute(tmp_path, a, how):
    b = copy.deepcopy(a) if how == "copy" else variant(a)
    cached = archived(os.path.join(str(tmp_path), "props"), durable=False)(_observed)
    assert cached(a) == repr(observe(a))
    assert cached(b) == repr(observe(b))  # from the store if the keys are equal, else computed


def _observed(value):
    return repr(observe(value))


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(st.sampled_from(["a", "b", "n", "x", "zz"]), values, min_size=1, max_size=4),
    st.data(),
)
def test_variant_keys_are_the_keys_hash_call_gives_each_variant(parameters, data):
    name = data.draw(st.sampled_from(sorted(parameters)))
    alternatives = data.draw(st.lists(values, max_size=3))
    expected = [hash_call("m.f", "v1", {**parameters, name: other}) for other in alternatives]
    assert variant_keys("m.f", "v1", parameters, name, alternatives) == expected


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**200), max_value=2**200),
    st.floats(allow_nan=True, allow_infinity=True),
    st.complex_numbers(allow_nan=True, allow_infinity=True),
    st.text(),
    st.binary(),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.text(min_size=1, max_size=6), scalars, max_size=5))
def test_a_call_of_scalars_gets_the_key_the_general_encoder_gives_it(parameters):
    from archived.cache import hashing

    fast = hash_call("m.f", "v1", parameters)
    with pytest.MonkeyPatch.context() as patch:  # the one-value-at-a-time encoder alone
        patch.setattr(hashing, "flat_key", lambda *args: None)
        assert hash_call("m.f", "v1", parameters) == fast
