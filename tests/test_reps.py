"""Representations: every builtin and numpy value comes back bit-exactly, with its type."""

import enum
import math
import struct

import numpy as np
import pytest

from archived import Archive, restore
from archived.engine.reps import REGISTRY, Context, Rep, atom_text, register, rep_for
from archived.errors import ArchiveError


def back(value, **options):
    arch = Archive(**options)
    arch.insert(v=value)
    return restore(str(arch))["v"]


def bits(x):
    return struct.pack(">d", x)


@pytest.mark.parametrize(
    "x",
    [
        0.0,
        -0.0,
        5e-324,
        -2.2250738585072014e-308,
        1e308,
        0.1,
        math.inf,
        -math.inf,
        math.nan,
        -math.nan,
        1 / 3,
    ],
    ids=repr,
)
def test_float_bits_survive(x):
    y = back(x)
    assert type(y) is float and bits(y) == bits(x)


def test_nan_with_payload_survives_bit_exactly():
    x = struct.unpack(">d", bytes.fromhex("7ff8000000000123"))[0]
    assert bits(back(x)) == bits(x)


@pytest.mark.parametrize(
    "z",
    [complex(0.0, -2.0), complex(-0.0, 0.0), complex(math.nan, -math.inf), 1 + 2j, -0j],
    ids=repr,
)
def test_complex_parts_survive(z):
    w = back(z)
    assert type(w) is complex
    assert bits(w.real) == bits(z.real) and bits(w.imag) == bits(z.imag)


@pytest.mark.parametrize(
    "i", [0, -1, 2**64, -(10**5000), 7**9000], ids=lambda i: f"{i.bit_length()}bits"
)
def test_big_ints_survive_beyond_the_str_digit_limit(i):
    assert back(i) == i


@pytest.mark.parametrize(
    "s", ["", "é\u2028\U0001f600", "\ud800 lone surrogate", "quote ' \" \\ \n\t\x00"]
)
def test_str_with_any_unicode(s):
    assert back(s) == s


@pytest.mark.parametrize(
    "value",
    [
        b"\x00\xff",
        bytearray(b"ab"),
        (),
        (1,),
        range(2, 10, 3),
        slice(None, 5, [1]),
        None,
        True,
        False,
        ...,
        {1, "a", (2,)},
        frozenset({3, 1}),
        set(),
        frozenset(),
        [],
        {},
    ],
    ids=repr,
)
def test_builtin_values_keep_value_and_type(value):
    got = back(value)
    assert got == value and type(got) is type(value)


def test_one_tuple_is_a_tuple():
    assert back((5,)) == (5,) and type(back(([],))) is tuple


def test_bool_in_containers_stays_bool():
    got = back([True, 1, False, 0])
    assert [type(x) for x in got] == [bool, int, bool, int]


class Color(enum.Enum):
    RED = 1


def test_enum_member_is_imported_by_name():
    assert back([Color.RED])[0] is Color.RED


def test_atom_text_covers_only_immutable_atoms():
    assert atom_text(3) == "3" and atom_text(math.inf) is None and atom_text([]) is None


def test_register_adds_a_handler_used_by_the_archive():
    class Meters(float):
        pass

    register(
        Meters,
        lambda m, ctx: Rep(lambda kids, al: f"{al[0]}({kids[0]})", [float(m)], [("math", "fabs")]),
    )
    try:
        assert back(Meters(2.5)) == 2.5
    finally:
        del REGISTRY[Meters]


# ------------------------------------------------------------------------------- numpy

DTYPES = [
    "?",
    "i1",
    "u2",
    ">i4",
    "<i8",
    "f2",
    "f4",
    ">f8",
    "c8",
    ">c16",
    "S3",
    "U2",
    "M8[ns]",
    "m8[s]",
    "g",
]


@pytest.mark.parametrize("dtype", DTYPES)
def test_arrays_of_every_dtype_come_back_bit_exact(dtype):
    a = np.arange(6).reshape(2, 3).astype(dtype)
    b = back(a)
    assert b.dtype == a.dtype and b.shape == a.shape and b.tobytes() == a.tobytes()


def test_structured_zero_d_empty_fortran_and_views():
    st = np.array([(1, 2.5, b"x")], dtype=[("i", "<i4"), ("f", ">f8"), ("s", "S2")])
    f = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    values = [st, np.array(3.5), np.zeros((0, 3), dtype="i2"), f, np.arange(10)[::3]]
    got = back(values)
    for a, b in zip(values, got, strict=True):
        assert b.dtype == a.dtype and b.shape == a.shape and b.tobytes() == a.tobytes()
    assert got[3].flags.f_contiguous


def test_float_array_with_nan_inf_and_negative_zero_is_exact():
    a = np.array([np.nan, -np.inf, -0.0, 5e-324, 1e300])
    assert back(a).tobytes() == a.tobytes()


def test_numpy_scalars_keep_type_and_bits():
    values = [
        np.float32(1.1),
        np.int8(-3),
        np.float64(-0.0),
        np.complex64(1 - 2j),
        np.datetime64("2020-01-01"),
        np.bool_(True),
    ]
    for x, y in zip(values, back(values), strict=True):
        assert type(y) is type(x) and y.tobytes() == x.tobytes()


def test_large_array_never_uses_numpys_summarised_repr():
    a = np.arange(2000.0)
    arch = Archive()
    arch.insert(a=a)
    src = str(arch)
    assert "..." not in src and np.array_equal(restore(src)["a"], a)


def test_shared_array_stays_one_object():
    a = np.ones(3)
    got = back([a, {"k": a}])
    assert got[0] is got[1]["k"]


def test_object_array_elements_are_archived_as_a_graph():
    shared = [1]
    a = np.empty(3, dtype=object)
    a[:] = [shared, shared, "s"]
    got = back(a.reshape(3, 1))
    assert got.dtype == object and got.shape == (3, 1) and got[0, 0] is got[1, 0]


def test_fortran_ordered_object_array_keeps_its_order():
    a = np.asfortranarray(np.array([[1, "a"], [None, 2.5]], dtype=object))
    got = back(a)
    assert got.flags.f_contiguous and got.tolist() == a.tolist() and got.dtype == object


def test_big_arrays_go_to_the_datafile_and_are_read_back(tmp_path):
    datafile = tmp_path / "data.h5"
    arch = Archive(array_threshold=4, datafile=str(datafile))
    big = np.arange(10.0)
    arch.insert(big=big, small=np.arange(3), again=big)
    src = str(arch)
    assert "_load_array('data.h5', 'a0', digest='" in src and datafile.exists()
    d = restore(src, datadir=tmp_path)
    assert np.array_equal(d["big"], big) and d["again"] is d["big"]
    env = {"__file__": str(tmp_path / "entry.py")}
    assert np.array_equal(restore(src, env)["big"], big)


def test_second_make_persistent_with_big_arrays_refuses_to_overwrite_the_datafile(tmp_path):
    arch = Archive(array_threshold=1, datafile=str(tmp_path / "d.h5"))
    arch.insert(a=np.arange(3))
    arch.make_persistent()
    arch.insert(b=np.arange(4))
    with pytest.raises(ArchiveError, match="already written"):
        arch.make_persistent()


def test_array_import_alias_is_renamed_through_the_ast_when_its_name_is_taken():
    arch = Archive(allowed_names=["_array"])
    arch.insert(_array=1, a=np.array([1.5, 2.0]))
    src = str(arch)
    assert "from numpy import array as _array_1" in src
    d = restore(src)
    assert d["_array"] == 1 and d["a"].tolist() == [1.5, 2.0]


def test_rep_for_a_dict_lists_keys_and_values_as_children():
    assert rep_for({"k": 1, 2: "v"}, Context()).children == ["k", 1, 2, "v"]


class SlotList(list):
    __slots__ = ("meta",)

    def __reduce__(self):
        return (_make_slot_list, (list(self), self.meta))


def _make_slot_list(items, meta):
    out = SlotList(items)
    out.meta = meta
    return out


class AttrDict(dict):
    pass


def test_container_subclass_with_slot_or_instance_state_keeps_it():
    s = SlotList([1])
    s.meta = "m"
    d = AttrDict(a=1)
    d.note = "n"
    got = back([s, d, AttrDict(b=2)])
    assert type(got[0]) is SlotList and got[0] == [1] and got[0].meta == "m"
    assert type(got[1]) is AttrDict and got[1] == {"a": 1} and got[1].note == "n"
    assert type(got[2]) is AttrDict and got[2] == {"b": 2}


def test_array_threshold_accepts_numpy_integers(tmp_path):
    arch = Archive(array_threshold=np.int64(2), datafile=str(tmp_path / "d.h5"))
    arch.insert(a=np.arange(5), b=np.arange(2))
    src = str(arch)
    assert "_load_array('d.h5', 'a0', digest='" in src and "b = _array([0, 1]" in src


def test_a_long_string_referenced_many_times_is_written_once():
    text = "x" * 10_000
    blob = b"y" * 10_000
    arch = Archive()
    arch.insert(v=[text] * 50 + [blob] * 50 + [[text, 1]] * 2, k={text: blob})
    src = str(arch)
    assert len(src) < 25_000
    d = restore(src)
    assert d["v"] == [text] * 50 + [blob] * 50 + [[text, 1]] * 2 and d["k"] == {text: blob}
