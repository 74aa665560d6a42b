"""Argument keys are deterministic, exact, and refuse what they cannot key."""

import enum
import math
import os
import pathlib
import subprocess
import sys
import tracemalloc
from collections import OrderedDict

import numpy as np
import pytest

from archived.cache.calls import key_call
from archived.cache.hashing import (
    content_key,
    flat_key,
    hash_call,
    hash_value,
    identity_keys,
    positional_key,
    positional_plan,
    variant_keys,
)
from archived.cache.recorded import readable
from archived.errors import UnkeyableArgumentError

SAMPLE = {
    "ints": [0, 1, -1, 2**70, -(2**70)],
    "floats": (0.0, -0.0, 1.5, math.inf, -math.inf, math.nan, 5e-324),
    "text": ["", "a", "é€😀"],
    "string_set": {"alpha", "beta", "gamma", "delta", "epsilon"},
    "bytes": b"\x00\xff",
    "nested": {"a": [1, (2, 3)], 4: {5, 6}, None: frozenset({"x"})},
    "complex": 1 - 2j,
    "bools": (True, False, None),
    "array": np.arange(12, dtype=np.int32).reshape(3, 4),
    "scalar": np.float32(0.25),
}


class Color(enum.Enum):
    RED = 1
    BLUE = 2


class Point:
    """An object with an archive representation."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def archive_1(self):
        return ("Point(x=x, y=y)", dict(x=self.x, y=self.y), [(__name__, "Point", "Point")])


def test_known_values_keep_their_keys_so_stored_caches_stay_valid():
    # changing the encoding would silently orphan every stored result: pin a few keys
    assert hash_value(None) == "626d368fe0e74b4f1a038927df1311d6"
    assert hash_value(1) == "2dd69d280aaaa31a490dc2928633cd0e"
    assert hash_value((1, "a", 2.5)) == "af13ae3a0224917185c50c21cdb5a97b"
    assert hash_value(np.arange(4, dtype="<i8")) == "8db096b2eb4ab93f96b959dba8fee9cc"
    # dicts are keyed in insertion order since 0.2 (a function may iterate them): this
    # one key changed then, on purpose; a dict argument of a 0.1 store is computed again
    assert hash_value({"b": [1.5], "a": {2}}) == "8b5669a31a939c256e574668812fe109"


def test_keys_are_identical_in_another_process_with_another_hash_seed():
    code = (
        f"import sys; sys.path.insert(0, {os.path.dirname(__file__)!r})\n"
        "from test_hashing import SAMPLE\n"
        "from archived.cache.hashing import hash_value\n"
        "print(hash_value(SAMPLE))\n"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == hash_value(SAMPLE)


@pytest.mark.parametrize(
    "a, b",
    [
        (True, 1),
        (False, 0),
        (1, 1.0),
        (0.0, -0.0),
        ([1, 2], (1, 2)),
        ({1}, frozenset({1})),
        ("1", 1),
        (b"a", "a"),
        (b"a", bytearray(b"a")),
        (None, "None"),
        ((1, 2), (1, (2,))),
        (("ab", "c"), ("a", "bc")),
        ([[1], []], [[], [1]]),
        (1.0, np.float64(1.0)),
        (np.arange(3), np.arange(3.0)),
        (np.arange(6), np.arange(6).reshape(2, 3)),
        (np.arange(3, dtype="<i4"), np.arange(3, dtype=">i4")),
        ({"a": 1}, OrderedDict(a=1)),
        (Color.RED, Color.BLUE),
        (1 + 0j, 1.0),
        (2**64, 0),
    ],
)
def test_values_that_may_act_differently_get_different_keys(a, b):
    assert hash_value(a) != hash_value(b)


def test_float_keys_are_exact_bits_nan_and_its_sign_included():
    assert hash_value(0.1 + 0.2) != hash_value(0.3)
    assert hash_value(math.nan) == hash_value(float("nan")) != hash_value(-math.nan)
    assert hash_value(complex(math.nan, 1)) != hash_value(complex(-math.nan, 1))


def test_dict_keys_follow_insertion_order_since_a_function_may_iterate_them():
    assert hash_value({"b": 1, "a": 2}) != hash_value({"a": 2, "b": 1})
    assert hash_value({1: "x", "y": 2, None: 3}) == hash_value({1: "x", "y": 2, None: 3})
    assert hash_value({"a": 1, "b": 2}) != hash_value({"a": 2, "b": 1})
    assert hash_value({"a": 1}) != hash_value(__import__("collections").OrderedDict(a=1))


def test_ordered_dict_keys_follow_insertion_order_like_its_equality():
    assert hash_value(OrderedDict(a=1, b=2)) != hash_value(OrderedDict(b=2, a=1))


def test_set_keys_ignore_order():
    big = set(range(1000))
    assert hash_value(big) == hash_value(set(reversed(range(1000))))
    assert hash_value(frozenset("abc")) == hash_value(frozenset("cba"))
    assert hash_value({1, 2}) != hash_value({1, 3})


def test_array_key_depends_on_content_dtype_shape_and_walk_order_not_on_views():
    a = np.arange(20.0).reshape(4, 5)
    assert hash_value(a) == hash_value(a.copy())
    assert hash_value(a[:, ::2]) == hash_value(np.ascontiguousarray(a[:, ::2]))
    assert hash_value(a[::-1]) == hash_value(np.ascontiguousarray(a[::-1]))
    row = np.arange(5.0)
    assert hash_value(np.broadcast_to(row, (4, 5))) == hash_value(np.tile(row, (4, 1)))
    assert hash_value(a[:1].T) == hash_value(np.ascontiguousarray(a[:1].T))  # a length-1 axis
    b = a.copy()
    b[3, 4] = np.nextafter(b[3, 4], 100)
    assert hash_value(a) != hash_value(b)
    assert hash_value(a) != hash_value(a.astype(np.float32))


@pytest.mark.parametrize(
    "array",
    [
        np.array(3.5),
        np.zeros((0, 3)),
        np.array(["ab", "c"]),
        np.array([b"x"]),
        np.array(["2020-01-01"], dtype="datetime64[D]"),
        np.array([(1, 2.0)], dtype=[("a", "i4"), ("b", "f8")]),
        np.array([1 + 2j]),
        np.array([True, False]),
    ],
)
def test_arrays_of_every_plain_dtype_are_keyed_and_copies_agree(array):
    assert hash_value(array) == hash_value(array.copy())


def test_object_arrays_are_summarized_by_their_key_in_readable_form():
    a = np.array([1, "x"], dtype=object)
    assert readable(a) == f"ndarray(dtype=object, shape=(2,), key={hash_value(a)[:16]})"


def test_object_arrays_are_keyed_item_by_item():
    a = np.array([1, "x", None], dtype=object)
    assert hash_value(a) == hash_value(np.array([1, "x", None], dtype=object))
    assert hash_value(a) != hash_value(np.array([1, "y", None], dtype=object))
    with pytest.raises(UnkeyableArgumentError, match=r"at arr\.flat\[1\]"):
        hash_value(np.array([1, object()], dtype=object), parameter="arr")


def test_contiguous_array_is_hashed_without_copying_it():
    a = np.ones(50_000_000 // 8)
    tracemalloc.start()
    try:
        hash_value(a)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


def test_numpy_scalars_are_keyed_by_dtype_and_bits():
    assert hash_value(np.float32(1.5)) == hash_value(np.float32(1.5))
    assert hash_value(np.float32(1.5)) != hash_value(np.float64(1.5))
    assert hash_value(np.int64(3)) != hash_value(np.int32(3))


def test_enums_paths_ranges_and_slices_are_keyed_by_value():
    assert hash_value(Color.RED) == hash_value(Color(1))
    assert hash_value(pathlib.PurePosixPath("a/b")) == hash_value(pathlib.PurePosixPath("a/b"))
    assert hash_value(pathlib.PurePosixPath("a/b")) != hash_value("a/b")
    assert hash_value(range(3)) != hash_value(range(4))
    assert hash_value(slice(1, None)) != hash_value(slice(None, 1))


def test_objects_with_archive_1_are_keyed_by_their_representation():
    assert hash_value(Point(1, [2])) == hash_value(Point(1, [2]))
    assert hash_value(Point(1, [2])) != hash_value(Point(1, [3]))


def test_archive_1_args_given_as_pairs_are_keyed_like_a_dict():
    class Pairs(Point):
        def archive_1(self):
            return ("Point(x=x, y=y)", [("x", self.x), ("y", self.y)], [])

    class Mapping_(Point):
        def archive_1(self):
            return ("Point(x=x, y=y)", {"y": self.y, "x": self.x}, [])

    Pairs.__qualname__ = Mapping_.__qualname__ = "Same"
    assert hash_value(Pairs(1, 2)) == hash_value(Mapping_(1, 2))


@pytest.mark.parametrize(
    "value, where",
    [
        (object(), "type 'object'"),
        ({"a": [1, iter([])]}, "at cfg['a'][1]"),
        ({"k": {1: {__import__("threading").Lock()}}}, "at cfg['k'][1] item"),
        ((i for i in []), "used up when read"),
        (__import__("io").StringIO("x"), "open file"),
    ],
    ids=["object", "iterator", "lock", "generator", "file"],
)
def test_unkeyable_values_raise_naming_the_parameter_and_where(value, where):
    with pytest.raises(UnkeyableArgumentError) as info:
        hash_value(value, parameter="cfg")
    assert isinstance(info.value, TypeError)
    assert info.value.parameter == "cfg"
    assert where in str(info.value)


def test_a_value_that_contains_itself_is_refused_not_looped_on():
    loop = [1]
    loop.append(loop)
    with pytest.raises(UnkeyableArgumentError, match="reference cycle"):
        hash_value(loop, parameter="xs")


def test_shared_but_acyclic_references_are_fine():
    inner = [1, 2]
    assert hash_value([inner, inner]) == hash_value([[1, 2], [1, 2]])


def test_an_archive_1_that_raises_is_refused_with_its_error():
    class Broken:
        def archive_1(self):
            raise RuntimeError("nope")

    with pytest.raises(UnkeyableArgumentError, match="nope"):
        hash_value(Broken(), parameter="b")


def test_call_key_depends_on_identity_version_names_and_values():
    base = hash_call("m.f", "1", {"x": 1, "y": 2})
    assert base == hash_call("m.f", "1", {"y": 2, "x": 1})
    assert base != hash_call("m.g", "1", {"x": 1, "y": 2})
    assert base != hash_call("m.f", "2", {"x": 1, "y": 2})
    assert base != hash_call("m.f", "1", {"x": 2, "y": 1})
    assert base != hash_call("m.f", "1", {"x": 1, "z": 2})
    assert base != hash_call("m.f", "1", {"x": 1})


@pytest.mark.parametrize(
    "parameters, key",
    [
        ({"x": 500, "y": 2.5}, "eb647b2b45c49dd85c91a90c577f4b85"),
        (
            {"n": -1, "big": 2**70, "flag": True, "off": False, "none": None},
            "28d4f992f508937fd22fe0df091f400c",
        ),
        (
            {"z": -0.0, "w": float("nan"), "i": float("-inf"), "c": complex(1, -0.0)},
            "0a40591f5ebe63f9c5c5ed2484059a3a",
        ),
        ({"s": "\u00e9\udc80", "b": b"\x00\xff", "empty": ""}, "f9d236d463efe5a66a74879c22ac0706"),
        ({}, "ad0c3b80b5fc15a20200a8c6cbe70358"),
    ],
)
def test_calls_of_scalars_keep_the_keys_the_general_encoder_gave_them(parameters, key):
    # keys of archived 0.1's encoder, one value at a time: the joined fast path of
    # scalar calls must give them exactly, or every stored scalar call would miss
    assert flat_key("m.f", "v1", parameters) == key
    assert hash_call("m.f", "v1", parameters) == key
    assert key_call("m.f", "v1", "f", parameters).key == key
    assert key_call("m.f", "v1", "f", parameters).parameters == readable(parameters)
    # a call giving the parameters by position (in the signature's order, not sorted)
    names = list(parameters)
    plan = positional_plan(names)
    assert positional_key("m.f", "v1", plan, tuple(parameters.values())) == key
    assert (
        positional_key(
            "m.f",
            "v1",
            positional_plan(names[::-1]),
            tuple(parameters[name] for name in names[::-1]),
        )
        == key
    )


@pytest.mark.parametrize(
    "value", [[1], (1,), {"a": 1}, np.float64(1.0), np.int64(1), bytearray(b"x"), Color.BLUE]
)
def test_a_call_with_any_value_but_a_plain_scalar_takes_the_general_encoder(value):
    assert flat_key("m.f", "v", {"x": 1, "y": value}) is None
    assert positional_key("m.f", "v", positional_plan(["x", "y"]), (1, value)) is None
    assert key_call("m.f", "v", "f", {"x": 1, "y": value}).parameters == readable(
        {"x": 1, "y": value}
    )


def test_calls_keep_their_keys_once_the_kept_names_and_heads_are_dropped():
    # the encoded names and heads are kept in bounded dicts, emptied when full: a name
    # encoded again after that gives the same key
    from archived.cache import hashing

    key = flat_key("m.f", "v1", {"x": 1, "y": 2.5})
    for i in range(hashing._KEPT_TAGS + 1):
        flat_key("m.f", "v1", {f"p{i}": i})
    for i in range(hashing._KEPT_HEADS + 1):
        flat_key(f"m.f{i}", "v1", {})
    assert len(hashing._TAGS) <= hashing._KEPT_TAGS
    assert len(hashing._HEADS) <= hashing._KEPT_HEADS
    assert flat_key("m.f", "v1", {"x": 1, "y": 2.5}) == key
    assert hash_call("m.f", "v1", {"x": 1, "y": 2.5}) == key


class Int(int):
    pass


def test_a_subclass_of_a_scalar_type_is_not_keyed_as_the_scalar():
    # an int subclass may act differently (its own methods): never the key of a plain int
    assert flat_key("m.f", "v", {"x": Int(1)}) is None
    assert hash_call("m.f", "v", {"x": Int(1)}) != hash_call("m.f", "v", {"x": 1})


@pytest.mark.parametrize("name", [*SAMPLE, "point", "color", "path", "shared"])
def test_variant_keys_equal_hash_call_of_each_variant_whatever_the_other_values(name):
    shared = [1, 2]
    parameters = {
        **SAMPLE,
        "point": Point(1, [2.0]),
        "color": Color.BLUE,
        "path": pathlib.PurePosixPath("a/b"),
        "shared": shared,
        "shared_again": shared,
        "big": np.arange(30_000.0),
    }
    alternatives = [1, 1.0, np.float64(1.0), np.float32(1.0), True, np.arange(3), None]
    keys_seen: dict[int, str] = {}
    keys = variant_keys("m.f", "v", parameters, name, alternatives, array_keys=keys_seen)
    for other, key in zip(alternatives, keys, strict=True):
        assert key == hash_call("m.f", "v", {**parameters, name: other})
    assert len(set(keys)) == len(alternatives)
    # the arrays' content keys are left for readable(), as hash_call leaves them
    from_call: dict[int, str] = {}
    hash_call("m.f", "v", parameters, array_keys=from_call)
    assert keys_seen[id(parameters["big"])] == from_call[id(parameters["big"])]


@pytest.mark.parametrize(
    "parameters",
    [{}, {"x": 1, "label": "a"}, {"point": Point(1, [2.0]), "color": Color.BLUE, "n": 3}],
)
def test_identity_keys_equal_hash_call_of_each_identity(parameters):
    identities = ["m.f", "m.g", "other.module.f"]
    keys = identity_keys(identities, "v", parameters)
    assert keys == [hash_call(identity, "v", parameters) for identity in identities]
    assert len(set(keys)) == len(identities)


def test_call_key_names_the_parameter_that_cannot_be_keyed():
    with pytest.raises(UnkeyableArgumentError, match="'rng'"):
        hash_call("m.f", "1", {"x": 1, "rng": iter([])})


def test_readable_keeps_builtins_and_summarizes_large_arrays():
    assert readable({"a": [1, (2.5, None)], "b": {1, 2}}) == {"a": [1, (2.5, None)], "b": {1, 2}}
    assert readable(np.int16(7)) == 7 and type(readable(np.int16(7))) is np.int16
    big = readable(np.zeros((30, 2), dtype=np.float32))
    assert big.startswith("ndarray(dtype=float32, shape=(30, 2), key=")
    assert readable(Color.BLUE) == "Color.BLUE"
    assert readable(Point(1, 2)) == "Point(x=x, y=y) with {'x': 1, 'y': 2}"
    assert readable(bytearray(b"z")) == b"z"


def test_readable_reuses_array_keys_computed_while_hashing_the_call():
    a = np.arange(1000.0)
    keys = {}
    hash_call("m.f", "1", {"a": [a]}, array_keys=keys)
    assert list(keys) == [id(a)]
    assert readable([a], array_keys=keys) == [readable(a)]
    assert keys[id(a)][:16] in readable(a)


def test_a_memory_mapped_array_keys_like_the_array_it_holds(tmp_path):
    a = np.arange(100.0)
    m = np.memmap(tmp_path / "a.dat", dtype=a.dtype, mode="w+", shape=a.shape)
    m[:] = a
    assert hash_value(m) == hash_value(a)
    assert readable(m) == readable(a)


def test_pandas_frames_and_series_are_keyed_by_labels_dtypes_and_values():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": [1, 2], "b": [0.5, np.nan]}, index=["x", "y"])
    assert hash_value(frame) == hash_value(frame.copy())
    changed = frame.copy()
    changed.loc["y", "a"] = 3
    assert hash_value(frame) != hash_value(changed)
    assert hash_value(frame) != hash_value(frame.rename(columns={"a": "c"}))
    assert hash_value(frame) != hash_value(frame.astype({"a": "float64"}))
    assert hash_value(frame) != hash_value(frame.set_axis(["x", "z"]))
    assert hash_value(frame["a"]) == hash_value(frame["a"].copy())
    assert hash_value(frame["a"]) != hash_value(frame["a"].rename("other"))
    assert hash_value(frame.index) != hash_value(list(frame.index))
    assert readable(frame).startswith("DataFrame(shape=(2, 2), key=")
    multi = frame.set_index(pd.MultiIndex.from_tuples([(1, "p"), (2, "q")], names=["n", "s"]))
    assert hash_value(multi) == hash_value(multi.copy())


def test_pandas_object_columns_holding_timestamps_are_keyed_by_value():
    pd = pytest.importorskip("pandas")

    def frame(day):
        return pd.DataFrame({"when": [pd.Timestamp(day), None]}, dtype=object)

    assert hash_value(frame("2020-01-01")) == hash_value(frame("2020-01-01"))
    assert hash_value(frame("2020-01-01")) != hash_value(frame("2020-01-02"))


def test_pandas_categories_are_part_of_the_key():
    pd = pytest.importorskip("pandas")
    a = pd.Series(["x", "y"], dtype=pd.CategoricalDtype(["x", "y"]))
    b = pd.Series(["x", "y"], dtype=pd.CategoricalDtype(["x", "y", "z"]))
    assert hash_value(a) != hash_value(b)


def test_arrays_made_while_keying_are_not_remembered_by_id_so_a_later_one_cannot_take_theirs():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]})
    remembered: dict[int, str] = {}
    hash_call("m.f", "v", {"x": frame, "y": frame}, array_keys=remembered)
    # the columns' to_numpy() arrays died after use: none of their ids may be trusted later
    assert remembered == {}
    plain = np.arange(3.0)
    hash_call("m.f", "v", {"x": plain}, array_keys=remembered)
    assert remembered == {id(plain): content_key(plain)}


def test_a_fortran_ordered_array_is_another_key_than_its_c_ordered_copy():
    # numpy walks them in different orders: ravel('K') gives other values and every
    # ufunc's result keeps the layout, so a hit of one for the other would not be what
    # the call computes
    a = np.arange(20.0).reshape(4, 5)
    f = np.asfortranarray(a)
    assert not np.array_equal(a.ravel("K"), f.ravel("K"))
    assert hash_value(f) != hash_value(a)
    assert hash_value(f) == hash_value(np.asfortranarray(a.copy()))
    assert hash_value(a.T) == hash_value(np.asfortranarray(a.T.copy()))  # a view, F order
    cube = np.arange(24.0).reshape(2, 3, 4)
    for axes in [(2, 1, 0), (1, 0, 2), (0, 2, 1)]:
        view = cube.transpose(axes)
        assert hash_value(view) != hash_value(np.ascontiguousarray(view))


# keys of lists of scalars as every earlier version computed them, item by item: a
# stored call's key (and a sweep's record name) must not change when the encoder does
@pytest.mark.parametrize(
    ("value", "key"),
    [
        (["a", "b"], "a3bf4fc3fb6a4c428504074eac8360d3"),
        (("x", 1, 2.5, None, True, False, b"q", 3j), "bb019e84fee42c1de5640df566fcc4bb"),
        ([], "0aebbd979a3abcb9966f4dbc9ca4448a"),
        (["ééé", "f_0123"], "872788258bee1be5bf07297f214e2fa5"),
        ([1, [2, 3], "z"], "abcbc1ce13953dfadad421df6390cfdc"),
        ((None, None, None), "9cd37b62057073438510beb7dd4e4539"),
    ],
)
def test_list_of_scalars_keeps_its_item_by_item_key(value, key):
    assert hash_value(value) == key


def test_list_of_scalars_keys_as_its_items_fed_one_by_one():
    import xxhash

    from archived.cache import hashing

    values = [
        ["a", "é€😀", "\ud800", ""],
        [0, -1, 2**70, True, False, None, 1.5, math.nan, -0.0, 1 - 2j, b"\x00", bytearray(b"z")],
        (3, "x"),
        [[1], 2],  # a container among the items: fed by the general path
    ]
    for value in values:
        hasher = xxhash.xxh3_128()
        tag = hashing._CONTAINER_TAGS[type(value)] + hashing._length(len(value))
        hasher.update(tag)
        encoder = hashing._Encoder("value")
        for item in value:
            encoder.feed(hasher, item, "value")
        assert hash_value(value) == hasher.hexdigest(), value
