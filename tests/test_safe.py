"""Safe loading: everything archived writes loads under safe=True exactly as a normal
load does, and the allow-list, the grammar and the size guards hold."""

import collections
import datetime
import decimal
import enum
import fractions
import functools
import os
import subprocess
import sys
import types
import uuid

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from archived import Archive, BudgetExceededError, UnsafeArchiveError, restore
from archived.load.safe import check, evaluate
from archived.store.dataset import DataSet

EXAMPLES = int(os.environ.get("ARCHIVED_PROPERTY_EXAMPLES", "60"))
HERE = __name__


class Point:
    """A user class archived through archive_1()."""

    built = 0

    def __init__(self, x, y):
        Point.built += 1
        self.x, self.y = x, y

    def archive_1(self):
        return ("Point(x=x, y=y)", {"x": self.x, "y": self.y}, [(HERE, "Point", "Point")])

    def __eq__(self, other):
        return type(other) is Point and (self.x, self.y) == (other.x, other.y)


class Color(enum.Enum):
    RED = 1


Pair = collections.namedtuple("Pair", "a b")


def source_of(value):
    """The archive source of ``value``: equal sources mean bit-identical values."""
    a = Archive()
    a.insert(v=value)
    return str(a)


def both(src, **kw):
    """Load ``src`` normally and safely; return both dicts."""
    return restore(src, datadir=kw.get("datadir")), restore(src, safe=True, **kw)


SAMPLE = {
    "ints": [0, -1, 2**70, -(2**5000)],
    "floats": [1.5, -0.0, float("inf"), float("-inf"), float("nan"), 5e-324],
    "complex": [1 + 2j, complex(-0.0, -1.0), complex("nan+infj")],
    "text": ["é", b"\x00\xff", bytearray(b"ab"), None, True, ...],
    "containers": ({1: (2, 3)}, {frozenset({1, 2}), 3}, set(), frozenset()),
    "ranges": [range(0, 10, 2), slice(1, None, 3)],
    "collections": [
        collections.OrderedDict(a=1, b=2),
        collections.Counter("aab"),
        collections.defaultdict(list, {1: [2]}),
    ],
    "stdlib": [
        datetime.date(2020, 1, 2),
        datetime.datetime(2020, 1, 2, 3, 4, 5),
        datetime.timedelta(days=3),
        fractions.Fraction(1, 3),
        decimal.Decimal("1.25"),
    ],
    "numpy": [
        np.float32(1.5),
        np.int64(-3),
        np.datetime64("2020-01-02"),
        np.array([[1, 2], [3, 4]], dtype=">i2", order="F"),
        np.array([1 + 2j, 3 - 4j]),
        np.array([np.inf, -np.inf, np.nan]),
        np.zeros((0, 3)),
        np.zeros(2, dtype=[("a", "<f8"), ("b", "<i4")]),
        np.array([1, None, [2]], dtype=object),
        np.frombuffer(np.array([0x7FF8000000000001], dtype="<u8").tobytes(), "<f8").copy(),
        np.sin,
        np.float64,
    ],
    "pickled_by_the_engine": [
        np.dtype(">f4"),
        np.dtype([("a", "<f8"), ("b", "<i4", (2,))]),
        datetime.timezone.utc,
        datetime.datetime(2020, 1, 2, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
        NotImplemented,
        types.SimpleNamespace(a=1),
    ],
    "more_types": [type(None), uuid.UUID(int=5), collections.ChainMap({1: 2})],
}


def test_everything_the_library_writes_for_builtins_and_numpy_loads_safely_unchanged():
    a = Archive()
    a.insert(**SAMPLE)
    assert "_loads(" not in str(a)  # plain data is never pickled
    normal, safe = both(str(a))
    assert sorted(safe) == sorted(SAMPLE)
    for name in SAMPLE:
        assert source_of(safe[name]) == source_of(normal[name]), name


@pytest.mark.parametrize("scoped", [True, False])
def test_archive_1_objects_of_allowed_classes_load_safely_in_both_forms(scoped):
    shared = [1, 2]
    a = Archive(scoped=scoped)
    a.insert(p=Point(shared, Point(2.5, shared)), e=Color.RED, n=Pair(1, [3]))
    normal, safe = both(str(a), allow=[HERE])
    assert safe == normal
    assert safe["p"].x is safe["p"].y.y  # shared references survive the safe load


def test_classes_of_modules_outside_the_allow_list_are_refused_before_any_runs():
    a = Archive()
    a.insert(p=Point(1, 2))
    before = Point.built
    with pytest.raises(UnsafeArchiveError, match=rf"import of module '{HERE}'"):
        restore(str(a), safe=True)
    assert Point.built == before


def test_big_arrays_in_hdf5_files_load_safely(tmp_path):
    a = Archive(array_threshold=10, datafile=tmp_path / "data.h5")
    big = np.arange(1000.0).reshape(10, 100)
    a.insert(big=big, small=np.arange(3))
    normal, safe = both(str(a), datadir=tmp_path)
    assert source_of(safe["big"]) == source_of(big)
    np.testing.assert_array_equal(safe["small"], normal["small"])


def test_a_refused_statement_late_in_the_archive_stops_everything_before_line_one_runs():
    src = f"from {HERE} import Point as _P\np = _P(x=1, y=2)\nq = [1, 2]\nr = (lambda: 0)()\n"
    before = Point.built
    with pytest.raises(UnsafeArchiveError) as info:
        restore(src, safe=True, allow=[HERE])
    assert info.value.line == 4 and info.value.construct == "lambda"
    assert Point.built == before


def test_a_module_outside_the_allow_list_is_never_imported(tmp_path, monkeypatch):
    (tmp_path / "trap_module_xyz.py").write_text(
        f"open({str(tmp_path / 'imported')!r}, 'w').close()\nclass T: pass\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(UnsafeArchiveError, match="import of module 'trap_module_xyz'"):
        evaluate("from trap_module_xyz import T as _T\nx = _T()\n")
    assert "trap_module_xyz" not in sys.modules
    assert not (tmp_path / "imported").exists()


def test_allow_list_lets_a_trusted_module_be_imported_and_its_classes_called(
    tmp_path, monkeypatch
):
    (tmp_path / "trusted_models_xyz.py").write_text(
        "class M:\n    def __init__(self, v):\n        self.v = v\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    d = evaluate(
        "from trusted_models_xyz import M as _M\nm = _M([1])\ndel _M\n",
        allowed_modules=["trusted_models_xyz"],
    )
    assert d["m"].v == [1] and list(d) == ["m"]


@pytest.mark.parametrize("bits", [0x7FF8000000000001, 0x7FF0000000000001, 0xFFF4000000000000])
def test_a_nan_with_a_payload_is_written_as_source_and_loads_safely_bit_for_bit(bits):
    import struct

    odd_nan = struct.unpack("<d", struct.pack("<Q", bits))[0]
    a = Archive()
    a.insert(v=[odd_nan, complex(odd_nan, 1.0)])
    assert "_loads(" not in str(a) and "_scalar_from_bytes(" in str(a)
    out = restore(str(a), safe=True)["v"]
    assert struct.pack("<d", out[0]) == struct.pack("<d", odd_nan)
    assert struct.pack("<d", out[1].real) == struct.pack("<d", odd_nan)


class OnlyPickled:
    def __init__(self, prec):
        self.prec = prec

    def __reduce__(self):  # a callable that is no class or function: only pickle calls it
        return (functools.partial(OnlyPickled), (self.prec,))


def test_pickle_payloads_naming_a_class_are_refused_unless_allowed():
    a = Archive()
    a.insert(v=OnlyPickled(prec=5))  # a pickling of its own, no source form: pickled
    src = str(a)
    assert "_loads(" in src
    with pytest.raises(UnsafeArchiveError, match="pickle payload"):
        restore(src, safe=True)
    out = restore(src, safe=True, allow_pickle=True)["v"]
    assert type(out) is OnlyPickled and out.prec == 5


def test_a_decimal_context_is_readable_source_a_safe_load_rebuilds_without_allow():
    # its __reduce__ calls decimal.Context: written as that call, not a pickle; a safe
    # load refused it ('not an allow-listed constructor') with no way out but --trust
    a = Archive()
    ctx = decimal.Context(prec=5, rounding=decimal.ROUND_DOWN, traps=[decimal.Overflow])
    ctx.flags[decimal.Inexact] = True
    a.insert(v=ctx)
    src = str(a)
    assert "_loads(" not in src and "v = _Context(" in src
    for out in (restore(src)["v"], restore(src, safe=True)["v"]):
        assert type(out) is decimal.Context and repr(out) == repr(ctx)


@pytest.mark.parametrize(
    "args",
    [
        "5, 'ROUND_SIDEWAYS'",  # a rounding mode decimal does not have
        "5, None, None, None, None, None, [_np.ones]",  # a flag that is not a signal
        "5, None, None, None, None, None, None, [ValueError]",
        "5, None, None, None, None, None, {}",  # flags as a dict: archives write lists
        "'5'",
        "True",
        str(10**80),
        "0",  # out of the Context's own range: its ValueError is a refusal
        "5, None, None, None, None, None, None, None, 1",
    ],
)
def test_a_safe_load_refuses_a_decimal_context_of_arguments_archives_never_write(args):
    src = (
        "import numpy as _np\nfrom decimal import Context as _Context\n"
        f"from builtins import ValueError\nv = _Context({args})\n"
    )
    with pytest.raises(UnsafeArchiveError, match="Context"):
        restore(src, safe=True)


def test_calls_of_numpy_functions_other_than_constructors_are_refused_statically():
    with pytest.raises(UnsafeArchiveError, match=r"line 2: call of 'numpy\.ones'"):
        check("import numpy as _np\nx = _np.ones(3)\n")


def test_numpy_io_functions_cannot_even_be_imported():
    for name in ("save", "load", "fromfile", "memmap"):
        with pytest.raises(UnsafeArchiveError, match=f"import of numpy.{name}"):
            check(f"from numpy import {name} as _f\n")


def test_a_zeros_call_allocating_more_than_max_bytes_is_refused_before_allocating():
    src = "from numpy import zeros as _z\nx = _z((1000000, 1000000), dtype='float64')\n"
    with pytest.raises(UnsafeArchiveError, match=r"numpy.zeros\(\) of 8000000000000 bytes"):
        evaluate(src)
    assert evaluate(src.replace("1000000, 1000000", "2, 3"))["x"].shape == (2, 3)


def test_max_bytes_is_a_budget_for_the_whole_load_not_per_array():
    src = "from numpy import zeros as _z\n" + "".join(
        f"x{i} = _z((50000,), dtype='float64')\n" for i in range(3)
    )
    assert [k for k in evaluate(src, max_bytes=1_250_000) if k[0] == "x"] == ["x0", "x1", "x2"]
    with pytest.raises(
        BudgetExceededError,
        match=r"line 4: numpy.zeros\(\) of 400000 bytes \(\d+ in all\), more than max_bytes",
    ):
        evaluate(src, max_bytes=1_000_000)


def test_operators_other_than_complex_literals_are_refused():
    with pytest.raises(UnsafeArchiveError, match="operator Pow"):
        check("x = 10**6\n")


def test_big_hdf5_arrays_above_max_bytes_are_refused_before_reading(tmp_path):
    a = Archive(array_threshold=10, datafile=tmp_path / "data.h5")
    a.insert(big=np.arange(1e6))
    with pytest.raises(BudgetExceededError, match=r"array 'a0' in 'data.h5' of 8000000 bytes"):
        evaluate(str(a), datadir=tmp_path, max_bytes=4_000_000)
    assert evaluate(str(a), datadir=tmp_path, max_bytes=8_100_000)["big"].size == 10**6


@pytest.mark.parametrize("name", ["../data.h5", "/etc/passwd", "sub/data.h5", ".", ".."])
def test_array_references_outside_the_data_directory_are_refused(tmp_path, name):
    src = f"from archived.arrays import load_array as _l\nx = _l({name!r}, 'a0')\n"
    with pytest.raises(UnsafeArchiveError, match="not a plain file name inside the store"):
        evaluate(src, datadir=tmp_path)


def test_an_array_file_that_is_a_symlink_is_refused(tmp_path):
    outside = tmp_path / "outside.h5"
    outside.write_bytes(b"secret")
    store = tmp_path / "store"
    store.mkdir()
    (store / "data.h5").symlink_to(outside)
    src = "from archived.arrays import load_array as _l\nx = _l('data.h5', 'a0')\n"
    with pytest.raises(UnsafeArchiveError, match="symbolic link"):
        evaluate(src, datadir=store)


def test_names_in_env_are_not_visible_to_the_archive():
    with pytest.raises(UnsafeArchiveError, match="name 'secret' .not bound earlier"):
        evaluate("x = secret\n", {"secret": 1})


def test_datadir_defaults_to_the_directory_of_env_file(tmp_path):
    a = Archive(array_threshold=2, datafile=tmp_path / "d.h5")
    a.insert(x=np.arange(5))
    env = {"__file__": str(tmp_path / "arch.py")}
    assert restore(str(a), env, safe=True)["x"].tolist() == [0, 1, 2, 3, 4]
    assert "__builtins__" not in env


def test_source_that_does_not_parse_raises_syntax_error_as_a_normal_load_does():
    with pytest.raises(SyntaxError):
        restore("x = [1,\n", safe=True)


def test_a_safe_dataset_loads_values_and_infos_and_refuses_planted_code(tmp_path):
    ds = DataSet("s", "w", path=tmp_path)
    ds.a = {"x": np.arange(300.0)}
    ds["a"] = {"n": 3}
    safe = DataSet("s", path=tmp_path, safe=True)
    assert safe.a["x"][-1] == 299.0 and safe["a"] == {"n": 3}
    text = (tmp_path / "s" / "a.py").read_text()
    (tmp_path / "s" / "b.py").write_text(
        text.replace("'a'", "'b'").replace("\na = ", "\nimport os as _os\nb = ")
    )
    with pytest.raises(UnsafeArchiveError, match="import of module 'os'"):
        _ = safe.b
    assert "_os" not in DataSet("s", path=tmp_path, safe=True).a


def test_a_safe_refusal_in_an_entry_names_the_line_of_the_entry_file(tmp_path):
    # a person opens the entry file at the line named: the line in the file, not in the
    # section the loader cut out of it
    ds = DataSet("s", "w", path=tmp_path)
    ds.a = 1
    ds["a"] = {"n": 3}
    path = tmp_path / "s" / "a.py"
    text = path.read_text()
    text = text.replace("info = {", "import os\ninfo = {").replace(
        "\na = 1", "\nimport sys\na = 1"
    )
    path.write_text(text)
    lines = text.splitlines()
    safe = DataSet("s", path=tmp_path, safe=True)
    for load, module in ((lambda: safe["a"], "os"), (lambda: safe.a, "sys")):
        with pytest.raises(UnsafeArchiveError, match=f"import of module '{module}'") as err:
            load()
        assert lines[err.value.line - 1] == f"import {module}"
    from archived.store.integrity import verify

    assert "line 3: import of module 'os'" in str(verify(str(tmp_path / "s"), safe=True))


def test_max_bytes_passes_through_restore_and_a_safe_dataset(tmp_path):
    ds = DataSet("s", "w", path=tmp_path, array_threshold=10)
    ds.big = np.arange(1e6)
    capped = DataSet("s", path=tmp_path, safe=True, max_bytes=4_000_000)
    with pytest.raises(
        BudgetExceededError, match="of 8000000 bytes.* more than max_bytes=4000000"
    ):
        _ = capped.big
    assert DataSet("s", path=tmp_path, safe=True, max_bytes=8_100_000).big.size == 10**6
    src = "from numpy import zeros as _z\nx = _z((1000000,))\n"
    with pytest.raises(BudgetExceededError, match="max_bytes=7999999"):
        restore(src, safe=True, max_bytes=7_999_999)
    assert restore(src, safe=True, max_bytes=8_100_000)["x"].size == 10**6


def test_a_safe_dataset_with_allow_rebuilds_user_classes(tmp_path):
    ds = DataSet("s", "w", path=tmp_path)
    ds.p = Point(1, [2])
    with pytest.raises(UnsafeArchiveError):
        _ = DataSet("s", path=tmp_path, safe=True).p
    assert DataSet("s", path=tmp_path, safe=True, allow=[HERE]).p == Point(1, [2])


# --------------------------------------------------------------------------- property

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(),
    st.complex_numbers(),
    st.text(max_size=5),
    st.binary(max_size=5),
    st.sampled_from(
        [
            np.dtype(">f4"),
            np.float32(2.5),
            np.datetime64("2020-01-02"),
            datetime.timezone.utc,
            datetime.date(2020, 1, 2),
            collections.OrderedDict(a=1),
            decimal.Decimal("1.5"),
            fractions.Fraction(1, 3),
            range(3),
            Color.RED,
        ]
    ),
)
arrays = hnp.arrays(
    dtype=st.sampled_from(["?", "i1", ">u2", "<i8", "f4", ">f8", "c16", "S3", "U2", "M8[s]"]),
    shape=hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3),
)
values = st.recursive(
    st.one_of(leaves, arrays),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.tuples(inner, inner),
        st.dictionaries(st.text(max_size=3), inner, max_size=3),
        st.frozensets(st.integers(-5, 5), max_size=3),
        st.builds(Point, inner, inner),
    ),
    max_leaves=8,
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=values, scoped=st.booleans())
def test_safe_and_normal_loading_agree_on_generated_data(value, scoped):
    a = Archive(scoped=scoped)
    a.insert(v=value, w=[value, value])
    normal, safe = both(str(a), allow=[HERE])
    assert source_of(safe["v"]) == source_of(normal["v"])
    assert source_of(safe["w"]) == source_of(normal["w"])  # sharing included


def test_a_library_makes_its_constructor_safe_to_load_with_allow_constructor(tmp_path):
    from archived.reps import allow_constructor, register_call

    (tmp_path / "units_lib_xyz.py").write_text(
        "class Quantity:\n"
        "    def __init__(self, value, unit):\n"
        "        self.value, self.unit = value, unit\n"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        import units_lib_xyz

        def guard(budget, value, unit):
            if type(value) is not float or type(unit) is not str or len(unit) > 10:
                raise UnsafeArchiveError(None, "Quantity() of anything but a float and a unit")
            return units_lib_xyz.Quantity(value, unit)

        register_call(
            units_lib_xyz.Quantity, lambda q: (units_lib_xyz.Quantity, (q.value, q.unit))
        )
        a = Archive()
        a.insert(q=units_lib_xyz.Quantity(1.5, "m"))
        with pytest.raises(UnsafeArchiveError, match="import of module 'units_lib_xyz'"):
            restore(str(a), safe=True)
        allow_constructor("units_lib_xyz", "Quantity", guard)
        q = restore(str(a), safe=True)["q"]  # no allow=: only the guarded constructor
        assert (q.value, q.unit) == (1.5, "m")
        with pytest.raises(UnsafeArchiveError, match="a float and a unit"):
            restore(str(a).replace("1.5", "'x'"), safe=True)
    finally:
        sys.path.remove(str(tmp_path))


def test_a_safe_load_never_calls_an_array_subclass_of_an_allowed_module(tmp_path):
    # numpy's constructor, inherited: ndarray(shape, 'O', buffer) reads the bytes as
    # object pointers (a crash, or a forged object); memmap opens a file anywhere
    code = (
        "import sys\n"
        f"sys.path.insert(0, {os.path.dirname(__file__)!r})\n"
        "from archived import restore\n"
        "from archived.errors import UnsafeArchiveError\n"
        'src = \'from reps_models import Field as _F\\nvalue = _F((1,), "O", b"AAAAAAAA")\\n\'\n'
        "try:\n"
        "    print(restore(src, safe=True, allow=['reps_models'])['value'])\n"
        "except UnsafeArchiveError as err:\n"
        "    print('refused:', err)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-500:]
    assert out.stdout.startswith("refused:") and "ndarray" in out.stdout


def test_a_safe_load_never_runs_a_file_opening_constructor_a_class_of_an_allowed_module_inherits(
    tmp_path,
):
    # Log(io.FileIO) is the module's class, but calling it runs io's code: 'w' truncated
    # a file outside the store
    victim = tmp_path / "notes.txt"
    victim.write_text("keep")
    for source in [
        f"from reps_models import Log as _L\nvalue = _L({str(victim)!r}, 'w')\n",
        "from functools import partial as _p\nfrom reps_models import Log as _L\n"
        f"value = _p(_L, {str(victim)!r}, 'w')\n",
    ]:
        with pytest.raises(UnsafeArchiveError, match="io.FileIO"):
            restore(source, safe=True, allow=["reps_models"])
    assert victim.read_text() == "keep"


def test_a_partial_subclass_of_an_allowed_module_is_made_only_of_what_a_partial_may_hold(
    tmp_path,
):
    target = tmp_path / "written"
    source = (
        "from reps_models import Step as _Step\nfrom pathlib import Path as _Path\n"
        f"value = _Step(_Path.write_text, _Path({str(target)!r}), 'x')\n"
    )
    with pytest.raises(UnsafeArchiveError, match="partial"):
        restore(source, safe=True, allow=["reps_models"])
    assert not target.exists()
    source = "from reps_models import Step as _Step, scale as _s\nvalue = _Step(_s, 3, k=5)\n"
    assert restore(source, safe=True, allow=["reps_models"])["value"]() == 15


_BUILT = "from reps_models import Blob as _B, Tags as _T\nfrom builtins import range as _r\n"


@pytest.mark.parametrize(
    "call, error",
    [
        ("_B(100000000)", BudgetExceededError),  # bytes(10**8) is refused, as is this
        ("_T(_r(1000000000000))", UnsafeArchiveError),  # list(range(...)) too
    ],
)
def test_a_class_of_an_allowed_module_built_by_a_builtin_constructor_is_held_to_its_checks(
    call, error
):
    import reps_models

    with pytest.raises(error):
        restore(f"{_BUILT}value = {call}\n", safe=True, allow=["reps_models"])
    fine = f"{_BUILT}value = [_B(b'ab'), _T([1, 2])]\n"
    blob, tags = restore(fine, safe=True, allow=["reps_models"])["value"]
    assert (type(blob), blob) == (reps_models.Blob, b"ab")
    assert (type(tags), tags) == (reps_models.Tags, [1, 2])


def test_a_simple_namespace_subclass_of_an_allowed_module_still_loads_safely():
    import reps_models

    archive = Archive()
    archive.insert(value=reps_models.Options(a=1, b=[2]))
    loaded = restore(str(archive), safe=True, allow=["reps_models"])["value"]
    assert type(loaded) is reps_models.Options and vars(loaded) == {"a": 1, "b": [2]}


_FORGED = (
    "from reps_models import {cls} as _M\nfrom pathlib import Path as _P\n"
    "from archived.reps import from_state as _fs\n"
    "_X = _M('X', {bases}{{'__module__': 'reps_models', 'a': 1, '__hash__': _P.unlink, "
    "'__fspath__': {target!r}.format}})\n"
    "value = {{{member}}}\n"
)


@pytest.mark.parametrize(
    "cls, bases, member",
    [
        ("_Single", "(), ", "_fs(_X, {})"),  # a metaclass of the module makes a class
        ("Kind", "", "_X.a"),  # as does a member-less enum's functional call
    ],
)
def test_a_safe_load_never_makes_a_class_of_what_the_store_chose(tmp_path, cls, bases, member):
    # a class whose __hash__ was Path.unlink and whose __fspath__ named a file outside
    # the store: the set display hashing its instance deleted that file in the load
    target = tmp_path / "outside.txt"
    target.write_text("kept")
    source = _FORGED.format(cls=cls, bases=bases, member=member, target=str(target))
    with pytest.raises(UnsafeArchiveError, match="makes a class"):
        restore(source, safe=True, allow=["reps_models"])
    assert target.read_text() == "kept"
    later = f"from functools import partial as _p\nfrom reps_models import {cls} as _M\n"
    with pytest.raises(UnsafeArchiveError, match="makes a class"):  # nor a partial of it
        restore(f"{later}value = _p(_M, 'X', {{}})\n", safe=True, allow=["reps_models"])


def test_an_enum_member_and_a_flag_of_an_allowed_module_still_load_by_their_value():
    import reps_models

    source = (
        "from reps_models import Colour as _C, Access as _A\nvalue = [_C('red'), _A(3), _A(0)]\n"
    )
    loaded = restore(source, safe=True, allow=["reps_models"])["value"]
    access = reps_models.Access
    assert loaded == [reps_models.Colour.RED, access.READ | access.WRITE, access(0)]


def test_a_user_list_subclass_of_an_allowed_module_is_held_to_list_s_checks():
    # Lines(range(10**9)) of a collections.UserList subclass made a list of a billion
    # ints (tens of GB) from a line of source: list() refuses to make one of a range
    import reps_models

    made = "from reps_models import Lines as _L\nfrom builtins import range as _r\n"
    with pytest.raises(UnsafeArchiveError, match="range"):
        restore(f"{made}value = _L(_r(1000000000))\n", safe=True, allow=["reps_models"])
    lines = restore(f"{made}value = _L([1, 2])\n", safe=True, allow=["reps_models"])["value"]
    assert (type(lines), lines) == (reps_models.Lines, [1, 2])


def test_a_map_subclass_of_an_allowed_module_is_never_made_of_a_function_it_would_call(
    tmp_path,
):
    # iterating the loaded Lazy(Path.write_text, [path], [text]) wrote a file outside the
    # store, as a partial of Path.write_text would have (partial() refuses it)
    target = tmp_path / "outside.txt"
    source = (
        "from reps_models import Lazy as _L\nfrom pathlib import Path as _P\n"
        f"value = _L(_P.write_text, [_P({str(target)!r})], ['written'])\n"
    )
    with pytest.raises(UnsafeArchiveError, match="once iterated"):
        list(restore(source, safe=True, allow=["reps_models"])["value"])
    assert not target.exists()
