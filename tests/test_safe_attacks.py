"""The attacks that broke earlier safe loads, reproduced: each is refused now, and the
process (numpy's type table, sys.path, modules) and the files outside the store are
left exactly as they were."""

import functools
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

from archived import (
    Archive,
    ArchiveError,
    DamagedEntryWarning,
    DataSet,
    UnsafeArchiveError,
    restore,
)
from archived.arrays import from_bytes, scalar_from_bytes
from archived.load.safe import evaluate
from helpers import needs_stringdtype, run_python

# A pickle that loads numpy's type table as a "constant" and maps 'float64' to int
# (SETITEM), and one that loads the module sys through datetime and rewrites sys.path
# (BUILD): an opcode checker that lets non-callable names of allowed modules through
# accepted both.  Never unpickled here.
SCTYPEDICT_TO_INT = b"\x80\x04cnumpy\nsctypeDict\n\x8c\x07float64cbuiltins\nint\ns."
SYS_PATH_TO_STORE = b"\x80\x04cdatetime\nsys\n}\x8c\x04path]\x8c\x06/storeas\x86b."


@pytest.mark.parametrize("payload", [SCTYPEDICT_TO_INT, SYS_PATH_TO_STORE])
def test_a_pickle_payload_is_refused_whatever_it_names_and_changes_nothing(payload):
    path, table = list(sys.path), dict(np.sctypeDict)
    src = f"from pickle import loads as _loads\nx = _loads({payload!r})\n"
    with pytest.raises(UnsafeArchiveError, match=r"line 1: a pickle payload .*allow_pickle"):
        restore(src, safe=True)
    assert sys.path == path and np.sctypeDict == table
    assert np.sctypeDict["float64"] is np.float64


def test_pickle_loads_cannot_be_reached_another_way():
    for src in [
        "import pickle as _p\nx = _p.loads(b'.')\n",
        "from numpy import load as _l\nx = _l('f', allow_pickle=True)\n",
        "from pickle import Unpickler as _U\n",
        "import builtins as _b\nx = _b.__import__('pickle')\n",
    ]:
        with pytest.raises(UnsafeArchiveError):
            restore(src, safe=True)


@pytest.mark.parametrize(
    "src, refused",
    [
        ("from numpy import sctypeDict as _d\n", "a value of type 'dict'"),
        ("from numpy import typecodes as _d\n", "a value of type 'dict'"),
        ("from decimal import DefaultContext as _c\n", "a value of type 'Context'"),
        ("from datetime import sys as _s\n", "module 'sys'"),
        ("from fractions import re as _re\n", "module 're'"),
        ("import numpy as _np\nx = _np.sctypeDict\n", "a value of type 'dict'"),
        ("import numpy as _np\nx = _np.random\n", "numpy.random"),
        ("from builtins import float as _f\nx = _f.__dict__\n", "attribute '__dict__'"),
        ("from numpy import dtype as _d\nx = _d.kind\n", "attribute .kind. of class"),
    ],
)
def test_a_safe_load_binds_no_object_it_could_change_and_did_not_create(src, refused):
    with pytest.raises(UnsafeArchiveError, match=refused):
        evaluate(src)


@pytest.mark.parametrize(
    "module, name",
    [
        ("numpy", "info"),  # info('x', toplevel=M) imports module M: runs its code
        ("numpy", "test"),  # runs pytest with the arguments given (plugins, paths, -o)
        ("numpy", "set_printoptions"),  # the process's print options, a formatter to call
        ("numpy", "printoptions"),
        ("numpy", "seterr"),  # the process's floating-point error handling
        ("numpy", "seterrcall"),  # installs a function numpy calls on every error
        ("numpy", "setbufsize"),
        ("decimal", "setcontext"),  # the thread's decimal precision and rounding
    ],
)
def test_a_safe_load_imports_no_function_that_imports_modules_or_changes_the_process(module, name):
    # a partial of any function a load may import is allowed, to be called by the user:
    # partial(numpy.info, 'x', toplevel='mod') would import (run) any module once called,
    # and numpy.apply_along_axis forwards keywords to numpy.test (pytest's argv)
    _assert_never_imported(module, name)


def _assert_never_imported(module, name):
    """A safe load refuses ``module.name`` however an entry spells it: imported by name,
    wrapped in a partial, or reached as an attribute of its module."""
    for src in [
        f"from {module} import {name} as _f\n",
        f"from {module} import {name} as _f\nfrom functools import partial as _p\nx = _p(_f)\n",
        f"import {module} as _m\nx = _m.{name}\n",
    ]:
        with pytest.raises(UnsafeArchiveError, match=f"{module}.{name}"):
            evaluate(src)


@pytest.mark.parametrize(
    "name",
    [
        "recfromtxt",  # genfromtxt of any path, or of a URL fetched into the working directory
        "recfromcsv",
        "lookfor",  # lookfor('x', module='M') imports module M: runs its code
        "add_newdoc",  # add_newdoc('M', 'f', 'doc') imports module M too
        "source",  # reads and prints the source file of any object
        "set_string_function",  # how every array of the process prints: a function to call
        "seterrobj",  # the process's error handling, and a function numpy calls on errors
        "set_numeric_ops",  # the functions every array operator of the process calls
        "add_docstring",  # changes the documentation of numpy's own functions
        "add_newdoc_ufunc",
    ],
)
def test_a_safe_load_imports_no_numpy_1_function_that_reads_files_imports_or_changes_the_process(
    monkeypatch, name
):
    # numpy 1.x (tox -e lowest: numpy 1.26) has these in its namespace, numpy 2 not: under
    # numpy 2 a stand-in of each is planted where numpy 1.x has it, as a function of numpy
    if not callable(vars(np).get(name)):

        def stand_in(*args, **kwargs):
            raise AssertionError(f"numpy.{name} was called")

        stand_in.__module__, stand_in.__name__, stand_in.__qualname__ = "numpy", name, name
        monkeypatch.setattr(np, name, stand_in, raising=False)
    _assert_never_imported("numpy", name)


_LOADER = "from archived.hdf5 import load_array as _L\nfrom functools import partial as _p\n"


@pytest.mark.parametrize(
    "call",
    [
        "from numpy import piecewise as _f\nx = _p(_f, 1.0, [True], [_L])\n",  # in a list
        "from builtins import iter as _f\nx = _p(_f, _L, 1)\n",  # iter(f, end) calls f()
        "x = _p(_p, _L, '/outside/x.h5')\n",  # a partial making a partial of it
        "from builtins import sorted as _f\nx = _p(_f, {'k': (1, [_L])})\n",  # in a dict
        "from numpy import array as _a\nfrom builtins import sorted as _f\n"
        "x = _p(_f, ['/outside/f'], key=_a([1]).tofile)\n",  # a loaded value's method
        "from archived.reps import object_array as _o\nfrom numpy import piecewise as _f\n"
        "x = _p(_f, 1.0, [True], _o([_L], (1,)))\n",  # in an object array
    ],
)
def test_a_partial_carries_no_function_it_could_not_be_made_of(call):
    # the library's readers check their arguments only inside a load; a partial of a
    # function that calls its arguments would call them with the store's arguments
    with pytest.raises(UnsafeArchiveError, match=r"partial\(\) carrying"):
        evaluate(_LOADER + call)


def test_a_partial_carries_the_functions_and_classes_it_could_be_made_of():
    src = (
        "from functools import partial as _p\nfrom builtins import sorted as _s\n"
        "from builtins import abs as _abs\nfrom pathlib import PurePosixPath as _P\n"
        "x = _p(_s, [-3, 1, -2], key=_abs)\ny = _p(_s, ['b', 'a'], key=_P)\n"
        "z = _p(_s, [[2], [1]], key=_p(_s))\n"
    )
    out = evaluate(src)
    assert out["x"]() == [1, -2, -3] and out["y"]() == ["a", "b"] and out["z"]() == [[1], [2]]


@pytest.mark.parametrize(
    "src",
    [
        # once called: numpy.dtypes.StringDType = PurePosixPath, for the whole process
        "from numpy.dtypes import _add_dtype_helper as _h\n"
        "from pathlib import PurePosixPath as _c\nx = _p(_h, _c, 'StringDType')\n",
        "import numpy.dtypes as _d\nx = _p(_d._add_dtype_helper, _p, 'StringDType')\n",
        "from collections import _count_elements as _f\n",
        "from numpy import _pyinstaller_hooks_dir as _f\n",
    ],
)
def test_a_private_name_of_an_allowed_module_is_never_imported(src):
    # the modules whose every public name may be imported (numpy, numpy.dtypes,
    # collections, ...) let a name beginning with '_' through too: their internals,
    # such as the helper that rebinds numpy.dtypes' names
    before = np.dtypes.StringDType
    with pytest.raises(UnsafeArchiveError, match=r"import of (numpy|collections)"):
        evaluate("from functools import partial as _p\n" + src)
    assert np.dtypes.StringDType is before


def test_a_partial_carries_a_callable_object_of_a_module_the_caller_trusts(tmp_path):
    (tmp_path / "carried_mod_xyz.py").write_text(
        "class Neg:\n    def __call__(self, x):\n        return -x\n"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        src = (
            "from carried_mod_xyz import Neg as _N\nfrom archived.reps import from_state as _fs\n"
            "from builtins import sorted as _s\nfrom functools import partial as _p\n"
            "x = _p(_s, [1, 3, 2], key=_fs(_N, {}))\n"
        )
        assert evaluate(src, allowed_modules=["carried_mod_xyz"])["x"]() == [3, 2, 1]
        with pytest.raises(UnsafeArchiveError, match="import of module 'carried_mod_xyz'"):
            evaluate(src)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("carried_mod_xyz", None)


def test_a_loaded_path_gives_its_pure_methods_and_none_that_touch_files(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s")
    head = f"from pathlib import Path as _P\n_q = _P({str(secret)!r})\n"
    assert evaluate(head + "x = _q.with_suffix\n")["x"](".txt").name == "secret.txt"
    for method in ("unlink", "read_text", "write_text", "touch", "open", "resolve", "exists"):
        with pytest.raises(UnsafeArchiveError, match=f"attribute '{method}' of a PosixPath"):
            evaluate(head + f"x = _q.{method}\n")
    assert secret.read_text() == "s"


def test_a_trusted_store_read_after_a_refused_safe_load_has_its_floats(tmp_path):
    ds = DataSet("s", "w", path=tmp_path)
    ds.x = np.array([1.5, 2.25, -0.75])
    planted = (
        (tmp_path / "s" / "x.py")
        .read_text()
        .replace(
            "x = _array",
            f"from pickle import loads as _l\n_g = _l({SCTYPEDICT_TO_INT!r})\nx = _array",
        )
    )
    (tmp_path / "s" / "y.py").write_text(planted.replace("'x'", "'y'").replace("\nx = ", "\ny = "))
    with pytest.raises(UnsafeArchiveError):
        _ = DataSet("s", path=tmp_path, safe=True).y
    assert DataSet("s", path=tmp_path).x.tolist() == [1.5, 2.25, -0.75]


class OnlyPickled:
    def __init__(self, prec):
        self.prec = prec

    def __reduce__(self):  # a callable that is no class or function: only pickle calls it
        return (functools.partial(OnlyPickled), (self.prec,))


def test_allow_pickle_trusts_the_store_and_loads_what_the_engine_still_pickles():
    a = Archive()
    a.insert(v=OnlyPickled(prec=5))  # a pickling of its own, no source form
    with warnings.catch_warnings():  # warned once per process: maybe already
        warnings.simplefilter("ignore")
        src = str(a)
    with pytest.raises(UnsafeArchiveError, match="a pickle payload"):
        restore(src, safe=True)
    assert restore(src, safe=True, allow_pickle=True)["v"].prec == 5


# --------------------------------------------------------------------------- raw bytes

TAMPERED = """
import numpy as np
from archived.arrays import from_bytes, scalar_from_bytes
dt = np.dtype([("a", "O")])
state = list(dt.__reduce__()[2])
state[-1] = 0  # the flags: "holds no objects"
dt.__setstate__(tuple(state))
assert not dt.hasobject
data = b"AAAAAAAA"
for call in (lambda: from_bytes(data, dt, (1,)), lambda: scalar_from_bytes(data, dt)):
    try:
        value = call()
    except TypeError as err:
        assert "hold references" in str(err)
    else:
        print(repr(value))  # an object array from attacker bytes: this dereferences them
        raise SystemExit("built")
print("refused")
"""


def test_raw_bytes_never_become_object_pointers_even_through_a_tampered_dtype():
    run = subprocess.run([sys.executable, "-c", TAMPERED], capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.strip() == "refused", run.stderr[-500:]


@pytest.mark.parametrize(
    "dtype",
    ["O", [("a", "<f8"), ("b", "O")], ("O", (2,)), pytest.param("T", marks=needs_stringdtype)],
)
def test_from_bytes_refuses_dtypes_holding_references_trusted_or_safe(dtype):
    with pytest.raises(TypeError, match="hold references"):
        from_bytes(b"\x00" * 64, dtype, (1,))
    with pytest.raises(TypeError, match="hold references"):
        scalar_from_bytes(b"\x00" * 64, dtype)
    src = f"from archived.arrays import from_bytes as _f\nx = _f(b'{'A' * 64}', {dtype!r}, (1,))\n"
    with pytest.raises(UnsafeArchiveError, match="hold references"):
        restore(src, safe=True)


def test_an_index_describing_an_object_dtype_is_refused(tmp_path):
    a = Archive(array_threshold=1, datafile=tmp_path / "d.h5")
    a.insert(x=np.zeros(4, dtype=[("a", "<f8")]))
    src = str(a)
    data = (tmp_path / "d.h5").read_bytes()
    (tmp_path / "d.h5").write_bytes(_with_index_dtype(data, "[('a', '|O')]"))
    with pytest.raises(UnsafeArchiveError, match="hold references"):
        restore(src, safe=True, datadir=tmp_path)


def _with_index_dtype(data: bytes, dtype_text: str) -> bytes:
    """``data`` with the dtype of its index's array 'a0' replaced (crc recomputed)."""
    import json
    import zlib

    length = int.from_bytes(data[-16:-8], "little")
    start = len(data) - 20 - length
    index = json.loads(data[start : start + length])
    index["arrays"]["a0"]["dtype"] = dtype_text
    text = json.dumps(index).encode()
    tail = zlib.crc32(text).to_bytes(4, "little") + len(text).to_bytes(8, "little")
    return data[:start] + text + tail + data[-8:]


# --------------------------------------------------------------------------- HDF5 reach

# h5py is used in a child process only: two HDF5 libraries in one process must not meet
HOSTILE_H5 = """
import sys, h5py, numpy as np
kind, path, outside = sys.argv[1:4]
with h5py.File(path, "w") as f:
    if kind == "external":
        f.create_dataset("a0", shape=(16,), dtype="u1", external=[(outside, 0, 16)])
    elif kind == "virtual":
        layout = h5py.VirtualLayout(shape=(4,), dtype="f8")
        layout[:] = h5py.VirtualSource(outside, "secret", shape=(4,))
        f.create_virtual_dataset("a0", layout)
    else:
        f["a0"] = h5py.ExternalLink(outside, "secret")
"""


@pytest.mark.parametrize("kind", ["external", "virtual", "link"])
def test_hdf5_files_reaching_outside_the_store_are_refused_before_hdf5_opens_them(
    tmp_path, kind, monkeypatch
):
    pytest.importorskip("h5py")  # only to know the child can make the file
    outside = tmp_path / "outside"
    outside.mkdir()
    store = tmp_path / "store"
    store.mkdir()
    if kind == "external":
        target = outside / "passwd"
        target.write_bytes(b"root:x:0:0:SECRET")
    else:
        import tables

        target = outside / "other.h5"
        with tables.open_file(target, "w") as h5:
            h5.create_array("/", "secret", np.array([1.0, 2.0, 3.0, 4.0]))
    made = subprocess.run(
        [sys.executable, "-c", HOSTILE_H5, kind, str(store / "d.h5"), str(target)],
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr[-500:]
    src = "from archived.arrays import load_array as _l\nx = _l('d.h5', 'a0')\n"
    if kind != "link":  # what HDF5 does with the file: the attack (PyTables leaves links)
        read = restore(src, datadir=store)["x"]
        expected = b"root:x:0:0:SECRE" if kind == "external" else np.arange(1.0, 5.0).tobytes()
        assert read.tobytes() == expected
    import tables

    def no_hdf5(*args, **kwargs):
        raise AssertionError("HDF5 opened a file in a safe load")

    monkeypatch.setattr(tables, "open_file", no_hdf5)
    before = os.stat(target).st_atime_ns
    with pytest.raises(UnsafeArchiveError, match="index does not describe"):
        restore(src, safe=True, datadir=store)
    assert os.stat(target).st_atime_ns == before


def test_a_relative_store_path_reads_its_arrays_in_a_safe_load(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ds = DataSet("s", "w", path="results")
    ds.big = np.arange(1000.0)
    assert DataSet("s", path="results", safe=True).big[-1] == 999.0


def test_a_data_file_that_is_not_a_regular_file_is_refused(tmp_path):
    os.mkfifo(tmp_path / "d.h5")
    src = "from archived.arrays import load_array as _l\nx = _l('d.h5', 'a0')\n"
    with pytest.raises(UnsafeArchiveError, match="not a regular file"):
        restore(src, safe=True, datadir=tmp_path)


def test_an_array_key_the_store_never_writes_is_refused(tmp_path):
    (tmp_path / "d.h5").write_bytes(b"x")
    src = f"from archived.arrays import load_array as _l\nx = _l('d.h5', {'a0' * 100!r})\n"
    with pytest.raises(UnsafeArchiveError, match="array key"):
        restore(src, safe=True, datadir=tmp_path)


def test_methods_of_imported_functions_load_but_a_class_s_own_lookup_never_runs(tmp_path):
    a = Archive()
    a.insert(r=np.add.reduce, f=dict.fromkeys)
    out = restore(str(a), safe=True)
    assert out["r"](np.arange(4)) == 6 and out["f"]("ab") == {"a": None, "b": None}
    (tmp_path / "lookup_mod_xyz.py").write_text(
        "class L:\n"
        "    def __getattribute__(self, name):\n"
        "        open(__file__ + '.ran', 'w').close()\n"
        "        return object.__getattribute__(self, name)\n"
        "    def m(self):\n"
        "        return 1\n"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        src = "from lookup_mod_xyz import L as _L\n_g = _L()\nx = (_g).m\n"
        with pytest.raises(UnsafeArchiveError, match="attribute 'm' of a L"):
            evaluate(src, allowed_modules=["lookup_mod_xyz"])
        assert not (tmp_path / "lookup_mod_xyz.py.ran").exists()
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("lookup_mod_xyz", None)


@needs_stringdtype
@pytest.mark.parametrize("na", [None, float("nan"), ""])
def test_string_arrays_with_a_missing_value_are_source_and_load_safely(na):
    import math

    dtype = np.dtypes.StringDType(na_object=na)
    a = np.array([["a", na], ["ccc", "d"]], dtype=dtype, order="F")
    arch = Archive(array_threshold=1)  # by value even above the threshold: no HDF5 form
    arch.insert(a=a)
    assert "_loads(" not in str(arch)
    for safe in (False, True):
        b = restore(str(arch), safe=safe)["a"]
        assert b.dtype == a.dtype and b.flags.f_contiguous
        missing = b[0, 1]
        assert (
            missing is None if na is None else (math.isnan(missing) if na != "" else missing == "")
        )
        assert b[1].tolist() == ["ccc", "d"]


def _device_node(path):
    """A character device (1, 3: what /dev/null is) at ``path``, or skip: only a
    privileged user can make one (a store unpacked by root keeps those it holds)."""
    import stat

    os.unlink(path)
    try:
        os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, OSError) as err:
        pytest.skip(f"cannot make a device node here ({err})")


def _opened_paths(monkeypatch):
    """The paths ``os.open`` is called with from now on (a list that grows as it is)."""
    opened = []
    real_open = os.open

    def spying_open(path, *args, **kwargs):
        opened.append(os.fspath(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", spying_open)
    return opened


def test_a_device_node_planted_as_an_entry_or_a_data_file_is_never_opened(tmp_path, monkeypatch):
    # opening a device runs its driver (a tape rewinds, a watchdog arms, a serial line
    # resets what it drives): a safe load must refuse it without opening it
    ds = DataSet("s", "w", path=tmp_path, array_threshold=10)
    ds.good, ds.x, ds.y = 1.5, 2.5, np.arange(20.0)
    _device_node(str(tmp_path / "s" / "x.py"))
    data = next(f for f in os.listdir(tmp_path / "s") if f.startswith("y.") and f != "y.py")
    _device_node(str(tmp_path / "s" / data))
    devices = {str(tmp_path / "s" / "x.py"), str(tmp_path / "s" / data)}
    opened = _opened_paths(monkeypatch)
    safe = DataSet("s", path=tmp_path, safe=True)
    for name in ("x", "y"):
        with pytest.raises(ArchiveError):
            getattr(safe, name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # (each warns of the device it skips)
        assert sorted(safe) == ["good", "y"]
        # y's data file is refused by name: y is left out of the table, said
        assert [row["entry"] for row in safe._table(frame=False)] == ["good"]
    [left] = [w.message for w in caught if isinstance(w.message, DamagedEntryWarning)]
    assert left.entry == "y" and "a character device" in str(left)
    assert opened and not devices & set(opened), sorted(devices & set(opened))


def test_a_device_node_named_only_by_an_entrys_value_is_never_opened(tmp_path, monkeypatch):
    # the header's data files are checked by name and lstat before the value loads, but
    # the value source may name any plain file of the store in its load_array call: a
    # device node named there alone (not in the header) was opened before its fstat
    # refused it, running its driver
    ds = DataSet("s", "w", path=tmp_path, array_threshold=10)
    ds.y = np.arange(20.0)
    folder = tmp_path / "s"
    data = next(f for f in os.listdir(folder) if f.startswith("y.") and f != "y.py")
    device = str(folder / ("z." + data.partition(".")[2]))
    open(device, "w").close()
    _device_node(device)
    (folder / "z.py").write_text(
        "# archived entry 'z', format 1, data files: []\n# ---- info ----\ninfo = None\n"
        "# ---- value ----\nfrom archived.arrays import load_array as _l\n"
        f"z = _l({os.path.basename(device)!r}, 'a0')\ndel _l\n"
    )
    opened = _opened_paths(monkeypatch)
    with pytest.raises(UnsafeArchiveError, match="a character device"):
        _ = DataSet("s", path=tmp_path, safe=True).z
    assert device not in opened


@pytest.mark.parametrize(
    "attrs",
    [
        # numpy reads both from the instance: an array over any address of the process
        "__array_interface__={'shape': (8,), 'typestr': '|u1', 'data': (8, False), 'version': 3}",
        "__array__=_sum",
        "__class__=_sum",
    ],
)
def test_a_namespace_never_gets_a_dunder_attribute(attrs):
    # SimpleNamespace(__array_interface__=...) loaded as data, and np.asarray(value)
    # then made a writable array over whatever address the store wrote: the user's
    # ordinary use of a loaded value read and wrote the process's memory
    src = (
        "from types import SimpleNamespace as _n\nfrom numpy import sum as _sum\n"
        f"x = _n({attrs})\n"
    )
    with pytest.raises(UnsafeArchiveError, match="dunder keyword"):
        evaluate(src)


@pytest.mark.parametrize(
    "call",
    [
        "x = _p(_a, (1,), 'O', b'\\x08\\x00\\x00\\x00\\x00\\x00\\x00\\x00')\n",
        "x = _p(_r, (1,), 'O', b'\\x08\\x00\\x00\\x00\\x00\\x00\\x00\\x00')\n",
        # carried: map calls it with the store's shape, dtype and buffer
        "from builtins import map as _m\n"
        "x = _p(_m, _a, [(1,)], ['O'], [b'\\x08\\x00\\x00\\x00\\x00\\x00\\x00\\x00'])\n",
    ],
)
def test_a_partial_never_makes_an_array_over_a_raw_buffer(call):
    # ndarray(shape, 'O', buffer) reads the buffer's bytes as object pointers: calling
    # the loaded partial made an array whose item was the object at address 8 (its
    # repr crashed the process; a pointer to bytes the store wrote is a fake object)
    src = (
        "from functools import partial as _p\nfrom numpy import ndarray as _a\n"
        "from numpy import recarray as _r\n" + call
    )
    with pytest.raises(UnsafeArchiveError, match="numpy.ndarray"):
        evaluate(src)


_HUGE = 10**30


@pytest.mark.parametrize(
    "src",
    [
        f"from datetime import date as _d\nx = _d({_HUGE}, 1, 1)\n",  # OverflowError
        f"from datetime import timedelta as _t\nx = _t(days={_HUGE})\n",
        f"from decimal import Decimal as _D\nx = _D('1e{_HUGE}')\n",  # InvalidOperation
        f"from numpy import zeros as _z\nx = _z(({_HUGE}, 0))\n",  # ValueError
        f"from numpy import dtype as _d\nx = _d(('f8', ({_HUGE},)))\n",
    ],
)
def test_a_constructor_refusing_crafted_arguments_is_a_refusal_not_its_raw_error(src):
    with pytest.raises(UnsafeArchiveError, match="with these arguments"):
        evaluate(src)


# a value a safe load builds (types.SimpleNamespace and functools.partial are allowed):
# an attribute 'item' that is a function the store chose, with the look of a numpy scalar
_BAIT = (
    "from types import SimpleNamespace as _N\nfrom functools import partial as _p\n"
    "from builtins import print as _pr\n"
)
_CALLED = "_N(item=_p(_pr, 'STORE CODE RAN'), dtype=_N(kind='f'), shape=())"


def _store_with_bait(tmp_path, *, parameter, result):
    from archived import archived

    @archived(tmp_path / "st")
    def f(x):
        return x

    for x in (1, 2):
        f(x)
    entry = sorted(p for p in (tmp_path / "st").glob("*.py") if p.name != "__init__.py")[0]
    text = entry.read_text().replace("info = {", _BAIT + "info = {", 1)
    if parameter:
        text = text.replace("'parameters': {'x': 1}", f"'parameters': {{'x': {_CALLED}}}")
    if result:
        name = entry.stem
        text = text.replace(f"\n{name} = 1\n", f"\n{_BAIT}{name} = {{'r': {_CALLED}}}\n")
    entry.write_text(text)
    return tmp_path / "st"


@pytest.mark.parametrize("where", ["parameter", "result"])
def test_listing_a_store_never_calls_a_function_a_value_of_it_carries(tmp_path, capfd, where):
    # export and table() took a namespace with item= and dtype= for a numpy scalar and
    # called its item(): a store read safely printed, or allocated what it asked for
    store = _store_with_bait(tmp_path, parameter=where == "parameter", result=where == "result")
    from archived.cli import main

    assert main(["export", "-o", "-", str(store)]) == 0
    assert main(["ls", "-l", str(store)]) == 0
    rows = DataSet("st", path=tmp_path, safe=True)._table(frame=False)
    assert len(rows) == 2
    out, err = capfd.readouterr()
    assert "STORE CODE RAN" not in out.replace("'STORE CODE RAN'", "")
    assert "STORE CODE RAN" not in err.replace("'STORE CODE RAN'", "")


def test_a_loaded_value_given_to_a_cached_function_never_has_its_own_attributes_called(
    tmp_path, capfd
):
    # keying and recording the argument called its archive_1 attribute, a partial the
    # store made, as if the value's class had that method
    from archived import archived

    value = restore(
        _BAIT + "x = _N(archive_1=_p(_pr, 'STORE CODE RAN'), item=_p(_pr, 'STORE CODE RAN'),"
        " shape=(), dtype=_N(kind='f'))\n",
        safe=True,
    )["x"]

    @archived(tmp_path / "st")
    def f(a):
        return 1

    assert f(value) == 1
    assert "STORE CODE RAN" not in capfd.readouterr().out


def test_a_safe_stores_entry_lookup_never_opens_a_device_node_planted_as_an_entry(
    tmp_path, monkeypatch
):
    # DataSet._entry (a cache hit's lookup, and StoredCall.info/load) opened an entry it
    # held no row of without an lstat first: the open's fstat refused a device after its
    # driver ran. A safe store lstat-s first, as its other reads do
    from archived.store import index

    ds = DataSet("s", "w", path=tmp_path)
    ds.good, ds.x = 1.5, 2.5
    device = str(tmp_path / "s" / "x.py")
    _device_node(device)
    index.forget()  # a new process: no row of x held
    opened = _opened_paths(monkeypatch)
    safe = DataSet("s", path=tmp_path, safe=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (the listing warns of the device it skips)
        assert safe._entry("x") is None and safe._entry("good").value() == 1.5
    assert device not in opened


def test_a_store_inside_an_allowed_package_never_has_its_own_files_imported(tmp_path):
    # a store written beside its experiment (@archived("results/runs") in mylab/run.py)
    # lies inside the package mylab; with allow=['mylab'], a crafted entry imported
    # mylab.results.runs.evil, a file of the store itself, and a safe load ran it
    marker = tmp_path / "ran"
    (tmp_path / "mylab").mkdir()
    (tmp_path / "mylab" / "__init__.py").write_text("SCALE = 2\n")
    ds = DataSet("runs", "w", path=str(tmp_path / "mylab" / "results"))
    ds.x = 1
    (tmp_path / "mylab" / "results" / "runs" / "sub").mkdir()
    evil = f"open({str(marker)!r}, 'a').write('ran')\nx = 1\n"
    for planted in ("evil.py", "sub/evil.py"):
        (tmp_path / "mylab" / "results" / "runs" / planted).write_text(evil)
    with open(os.path.join(ds._path, "__init__.py"), "a") as f:
        f.write(evil)
    modules = set(sys.modules)
    sys.path.insert(0, str(tmp_path))
    try:
        for module in ("runs.evil", "runs.sub.evil", "runs"):
            src = f"from mylab.results.{module} import x as _x\nbait = _x\ndel _x\n"
            with pytest.raises(UnsafeArchiveError, match="a file of the archived store"):
                restore(src, safe=True, allow=["mylab"])
            assert not marker.exists(), module
        src = "from mylab import SCALE as _s\nx = _s\ndel _s\n"
        assert restore(src, safe=True, allow=["mylab"])["x"] == 2  # the package itself loads
    finally:
        sys.path.remove(str(tmp_path))
        for name in set(sys.modules) - modules:
            del sys.modules[name]


def test_a_store_whose_loader_is_padded_with_wide_characters_is_still_never_imported(tmp_path):
    # the store layer finds its mark in the loader's first 4096 characters, the safe
    # loader looked in its first 4096 bytes: 2100 two-byte characters first, and a store
    # the DataSet opens was no store to the safe load, which imported (ran) its loader
    marker = tmp_path / "ran"
    (tmp_path / "mylab").mkdir()
    (tmp_path / "mylab" / "__init__.py").write_text("SCALE = 2\n")
    ds = DataSet("runs", "w", path=str(tmp_path / "mylab" / "results"))
    ds.x = 1
    init = os.path.join(ds._path, "__init__.py")
    with open(init, encoding="utf-8") as f:
        loader = f.read()
    evil = f"open({str(marker)!r}, 'a').write('ran')\n"
    with open(init, "w", encoding="utf-8") as f:
        f.write("# " + "\u00e9" * 2100 + "\n" + loader + evil)
    assert DataSet("runs", "r", path=str(tmp_path / "mylab" / "results"), safe=True).x == 1
    modules = set(sys.modules)
    sys.path.insert(0, str(tmp_path))
    try:
        src = "from mylab.results.runs import x as _x\nbait = _x\ndel _x\n"
        with pytest.raises(UnsafeArchiveError, match="a file of the archived store"):
            restore(src, safe=True, allow=["mylab"])
        assert not marker.exists()
    finally:
        sys.path.remove(str(tmp_path))
        for name in set(sys.modules) - modules:
            del sys.modules[name]


def test_the_safe_loaders_mark_of_a_store_is_what_every_store_s_loader_holds():
    from archived.load.usermodules import STORE_LOADER
    from archived.store.entrynames import LOADER_MARK

    assert STORE_LOADER == LOADER_MARK.encode()


_PANDAS_FROM_A_STORE = """
import os, sys
sys.path.insert(0, {folder!r})
from archived import DataSet, UnsafeArchiveError
ds = DataSet({store!r}, "r", path={parent!r}, safe=True)
try:
    ds.df
except UnsafeArchiveError as err:
    print("refused:", err)
"""


@pytest.mark.parametrize(
    "planted", ["the store itself", "a file of the store", "a file deep inside the store"]
)
def test_a_library_a_safe_load_imports_is_never_taken_from_an_archived_store(tmp_path, planted):
    # a store someone sent, named pandas and opened from a folder on sys.path (a
    # notebook's, a script's), or one holding a pandas.py opened as the working
    # directory: rebuilding a DataFrame imported pandas, and so ran the store's file
    pd = pytest.importorskip("pandas")
    import archived as package

    marker = tmp_path / "ran"
    planted_code = f"open({str(marker)!r}, 'a').write('ran')\n"
    if planted == "the store itself":
        ds = DataSet("pandas", "w", path=str(tmp_path), shadow_ok=True)
        target, folder = os.path.join(ds._path, "__init__.py"), str(tmp_path)
    elif planted == "a file of the store":
        ds = DataSet("sent", "w", path=str(tmp_path))
        target, folder = os.path.join(ds._path, "pandas.py"), ds._path
    else:  # (a notebook in a folder of the store someone sent, opened where it is)
        ds = DataSet("sent", "w", path=str(tmp_path))
        folder = os.path.join(ds._path, "notebooks", "2024")
        os.makedirs(folder)
        target = os.path.join(folder, "pandas.py")
    ds.df = pd.DataFrame({"a": [1, 2]})
    with open(target, "a") as f:
        f.write(planted_code)
    code = _PANDAS_FROM_A_STORE.format(
        folder=folder, store=os.path.basename(ds._path), parent=str(tmp_path)
    )
    src = os.path.dirname(os.path.dirname(os.path.abspath(package.__file__)))
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": src},
        cwd=str(tmp_path),
    )
    assert "refused:" in done.stdout and "a file of the archived store" in done.stdout, done
    assert not marker.exists()


@pytest.mark.parametrize("how", ["a link to a folder of it", "a path through such a link"])
def test_a_library_a_safe_load_imports_is_never_taken_from_a_store_through_a_linked_folder(
    tmp_path, how
):
    # PYTHONPATH=~/analysis, analysis a symbolic link to the notebooks folder of a store
    # someone sent: the folders above the link are not the store's, and its pandas.py
    # was the pandas that rebuilding a DataFrame imported
    pd = pytest.importorskip("pandas")
    marker = tmp_path / "ran"
    ds = DataSet("sent", "w", path=str(tmp_path))
    ds.df = pd.DataFrame({"a": [1, 2]})
    notebooks = os.path.join(ds._path, "notebooks")
    os.makedirs(os.path.join(notebooks, "2024"))
    os.symlink(notebooks, tmp_path / "analysis")
    folder = str(tmp_path / "analysis")
    if how == "a path through such a link":
        folder = os.path.join(folder, "2024")
    with open(os.path.join(folder, "pandas.py"), "w") as f:
        f.write(f"open({str(marker)!r}, 'a').write('ran')\n")
    code = _PANDAS_FROM_A_STORE.format(folder=folder, store="sent", parent=str(tmp_path))
    done = run_python("-c", code)
    assert "refused:" in done.stdout and "a file of the archived store" in done.stdout, done
    assert not marker.exists()


_HOOK_THEN_PANDAS_FROM_A_STORE = """
import importlib.machinery, sys
from archived import DataSet, UnsafeArchiveError, restore
restore("from builtins import complex as _c\\nz = _c(1.0, 2.0)\\ndel _c\\n", safe=True)

class Hook:  # an import hook installed later, first (as typeguard's and beartype's are)
    def find_spec(self, name, path=None, target=None):
        return importlib.machinery.PathFinder.find_spec(name, path)

sys.meta_path.insert(0, Hook())
sys.path.insert(0, {folder!r})
try:
    DataSet({store!r}, "r", path={parent!r}, safe=True).df
except UnsafeArchiveError as err:
    print("refused:", err)
"""


def test_an_import_hook_installed_after_a_first_safe_load_does_not_pass_the_check(tmp_path):
    # the check was put first on sys.meta_path once, at the first safe load: a finder
    # put before it later found the store's pandas.py, and the check never saw it
    pd = pytest.importorskip("pandas")
    marker = tmp_path / "ran"
    ds = DataSet("sent", "w", path=str(tmp_path))
    ds.df = pd.DataFrame({"a": [1, 2]})
    with open(os.path.join(ds._path, "pandas.py"), "w") as f:
        f.write(f"open({str(marker)!r}, 'a').write('ran')\n")
    code = _HOOK_THEN_PANDAS_FROM_A_STORE.format(
        folder=ds._path, store="sent", parent=str(tmp_path)
    )
    done = run_python("-c", code)
    assert "refused:" in done.stdout and "a file of the archived store" in done.stdout, done
    assert not marker.exists()


def test_a_store_already_imported_as_a_module_never_has_its_entries_run_by_a_safe_load(
    tmp_path,
):
    # import mylab.results.runs (a store is a module) put the store in sys.modules, and
    # the import check passed what was imported already: with allow=['mylab'], a crafted
    # entry's 'from mylab.results.runs import secret' executed secret.py (the store
    # module loads an entry by running it) in a safe load, and returned its value
    marker = tmp_path / "ran"
    (tmp_path / "mylab").mkdir()
    (tmp_path / "mylab" / "__init__.py").write_text("SCALE = 2\n")
    ds = DataSet("runs", "w", path=str(tmp_path / "mylab" / "results"))
    ds.secret = 42.0
    (tmp_path / "mylab" / "results" / "runs" / "sub").mkdir()
    planted = f"open({str(marker)!r}, 'a').write('ran')\nx = 1\n"
    (tmp_path / "mylab" / "results" / "runs" / "sub" / "evil.py").write_text(planted)
    with open(os.path.join(ds._path, "secret.py"), "a") as f:
        f.write(planted)
    modules = set(sys.modules)
    sys.path.insert(0, str(tmp_path))
    try:
        import mylab.results.runs  # noqa: F401  (the user's own import of their store)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (the trusted import warns of the changed file)
            import mylab.results.runs.sub.evil  # noqa: F401
        marker.unlink()
        for module, name in (("runs", "secret"), ("runs.sub.evil", "x")):
            src = f"from mylab.results.{module} import {name} as _x\nbait = _x\ndel _x\n"
            with pytest.raises(UnsafeArchiveError, match="a file of the archived store"):
                restore(src, safe=True, allow=["mylab"])
            assert not marker.exists(), module
        src = "from mylab import SCALE as _s\nx = _s\ndel _s\n"
        assert restore(src, safe=True, allow=["mylab"])["x"] == 2  # the package itself loads
    finally:
        sys.path.remove(str(tmp_path))
        for name in set(sys.modules) - modules:
            del sys.modules[name]


def test_the_import_check_never_opens_a_device_node_planted_as_a_packages_loader(
    tmp_path, monkeypatch
):
    # the check opened the __init__.py of each folder holding a module a safe load
    # imports, and of the folders above it (to tell a store's loader): a device node
    # under that name (a folder unpacked by root) had its driver run by the open
    folder = tmp_path / "notebooks"
    folder.mkdir()
    (folder / "labunits.py").write_text("SCALE = 2\n")
    (folder / "__init__.py").write_text("")
    _device_node(str(folder / "__init__.py"))
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.delitem(sys.modules, "labunits", raising=False)
    opened = _opened_paths(monkeypatch)
    src = "from labunits import SCALE as _s\nx = _s\ndel _s\n"
    assert restore(src, safe=True, allow=["labunits"])["x"] == 2
    assert str(folder / "__init__.py") not in opened


_NAMESPACE_PORTION_IN_A_STORE = """
import sys
sys.path.insert(0, {mine!r})
from archived import UnsafeArchiveError, restore
{first}
sys.path.append({notebooks!r})  # a notebook's folder inside the store someone sent
try:
    restore("from ns.evil import x as _x\\ny = _x\\ndel _x\\n", safe=True, allow=["ns"])
except UnsafeArchiveError as err:
    print("refused:", err)
"""


@pytest.mark.parametrize(
    "first",
    [
        "import ns.models  # the user's own import",
        'restore("from ns.models import X as _x\\ny = _x\\ndel _x\\n", safe=True, allow=["ns"])',
    ],
    ids=["imported by the user", "imported by a safe load"],
)
def test_a_namespace_packages_portion_inside_a_store_never_runs(tmp_path, first):
    # a namespace package's path is found again from sys.path at each import: a folder
    # inside a store put on sys.path after ns was imported gave ns a portion there, and
    # ns.evil, checked in its own folder only (not the folders above, as a top-level
    # module is), ran the store's file with allow=['ns']
    marker = tmp_path / "ran"
    (tmp_path / "mine" / "ns").mkdir(parents=True)
    (tmp_path / "mine" / "ns" / "models.py").write_text("X = 1\n")
    ds = DataSet("sent", "w", path=str(tmp_path))
    ds.v = 1.0
    notebooks = os.path.join(ds._path, "notebooks")
    os.makedirs(os.path.join(notebooks, "ns"))
    with open(os.path.join(notebooks, "ns", "evil.py"), "w") as f:
        f.write(f"open({str(marker)!r}, 'a').write('ran')\nx = 7\n")
    code = _NAMESPACE_PORTION_IN_A_STORE.format(
        mine=str(tmp_path / "mine"), first=first, notebooks=notebooks
    )
    done = run_python("-c", code)
    assert not marker.exists(), done
    assert "refused:" in done.stdout and "a file of the archived store" in done.stdout, done
