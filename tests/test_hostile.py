"""Hostile archives: each is refused by a safe load with UnsafeArchiveError naming the
construct, quickly, and without any side effect (no file written or removed, no
environment change, no module outside the allow-list imported)."""

import os
import pickle
import sys
import time

import numpy as np
import pytest

from archived import Archive, UnsafeArchiveError, restore
from archived.load.safe import evaluate
from archived.store.dataset import DataSet

# {out}: a file the archive tries to create; {victim}: a file it tries to change or delete
HOSTILE = [
    ("writes_a_file_with_open", "x = open({out!r}, 'w').write('pwned')\n", "name 'open'"),
    ("imports_os_to_run_a_shell", "import os as _os\nx = _os.system('touch {out}')\n", "'os'"),
    ("removes_a_file", "from os import remove as _rm\nx = _rm({victim!r})\n", "'os'"),
    ("reads_the_environment", "from os import environ as _env\nx = dict(_env)\n", "'os'"),
    ("calls_dunder_import", "x = __import__('os').system('touch {out}')\n", "'__import__'"),
    ("imports_builtins_open", "from builtins import open as _o\nx = _o({out!r}, 'w')\n", "open"),
    ("imports_builtins_eval", "from builtins import eval as _e\nx = _e('1')\n", "eval"),
    ("imports_builtins_exec", "from builtins import exec as _e\nx = _e('1')\n", "exec"),
    ("imports_getattr", "from builtins import getattr as _g\nx = _g(1, 'real')\n", "getattr"),
    (
        "climbs_dunders_to_subclasses",
        "x = ().__class__.__base__.__subclasses__()\n",
        "attribute '__",
    ),
    (
        "reaches_open_through_the_builtins_module",
        "import builtins as _b\nx = _b.open\n",
        "import of builtins.open",
    ),
    (
        "runs_a_property_of_data",
        "from numpy import array as _a\nx = _a([1]).ctypes\n",
        "attribute 'ctypes' of a ndarray",
    ),
    ("loops_forever", "while True:\n    pass\n", "while loop"),
    ("loops_a_trillion_times", "for i in [1]:\n    x = i\n", "for loop"),
    ("recurses_through_the_scoped_form", "def _d(f):\n    return f(f)\nx = _d(f=_d)\n", "_d"),
    ("nests_past_the_limit", "x = " + "[" * 150 + "]" * 150 + "\n", "nested deeper"),
    ("nests_past_the_parser", "x = " + "-" * 100_000 + "1\n", "nested too deeply"),
    (
        "allocates_100_gb_with_zeros",
        "from numpy import zeros as _z\nx = _z((100000, 1000000), dtype='float64')\n",
        "numpy.zeros",
    ),
    (
        "allocates_100_gb_with_bytearray",
        "from builtins import bytearray as _b\nx = _b(100000000000)\n",
        "bytearray",
    ),
    (
        "iterates_a_huge_range",
        "from builtins import frozenset as _f\nfrom builtins import range as _r\n"
        "x = _f(_r(1000000000000))\n",
        "frozenset",
    ),
    (
        "builds_an_array_from_a_huge_range",
        "from numpy import array as _a\nfrom builtins import range as _r\n"
        "x = _a(_r(100000000000))\n",
        "numpy.array",
    ),
    (
        "computes_a_huge_power_in_a_fraction",
        "from fractions import Fraction as _F\nx = _F('1e999999999')\n",
        "Fraction() of anything but ints",
    ),
    ("multiplies_a_string", "x = 'a' * 100000000000\n", "operator Mult"),
    ("raises_to_a_power", "x = 10 ** 10 ** 10\n", "operator Pow"),
    ("hides_code_in_a_lambda", "x = (lambda: 1)()\n", "lambda"),
    ("hides_code_in_a_comprehension", "x = [i for i in [1]]\n", "list comprehension"),
    ("hides_code_in_an_f_string", "x = f'{{1}}'\n", "f-string"),
    (
        "unpickles_os_system",
        "from pickle import loads as _l\nx = _l({payload!r})\n",
        "a pickle payload (unpickling can run any code",
    ),
    (
        "unpickles_os_system_through_the_memo",
        "from pickle import loads as _l\nx = _l({memo_payload!r})\n",
        "a pickle payload",
    ),
    (
        "unpickles_a_global_named_indirectly",
        "from pickle import loads as _l\nx = _l({dup_payload!r})\n",
        "a pickle payload",
    ),
    (
        "unpickles_through_the_extension_registry",
        "from pickle import loads as _l\nx = _l(b'\\x80\\x02\\x82\\x01.')\n",
        "a pickle payload",
    ),
    (
        "unpickles_builtins_print",
        "from pickle import loads as _l\nx = _l({print_payload!r})\n",
        "a pickle payload",
    ),
    (
        "unpickles_a_100_gb_bytearray",
        "from pickle import loads as _l\n"
        "x = _l(b'cbuiltins\\nbytearray\\n(I100000000000\\ntR.')\n",
        "a pickle payload",
    ),
    ("loads_with_numpy_load", "from numpy import load as _l\nx = _l({victim!r})\n", "numpy.load"),
    ("saves_with_numpy_save", "import numpy as _np\nx = _np.save({out!r}, 1)\n", "numpy.save"),
    (
        "smuggles_numpy_save_through_the_scoped_form",
        "import numpy as _np\ndef _d(A):\n    return A({out!r}, 1)\nx = _d(A=_np.save)\n",
        "numpy.save",
    ),
    (
        "writes_through_archived_arraywriter",
        "import archived.hdf5 as _h\nx = _h.ArrayWriter({out!r})\n",
        "ArrayWriter",
    ),
    (
        "reads_outside_the_store",
        "from archived.arrays import load_array as _l\nx = _l('../secret.h5', 'a0')\n",
        "not a plain file name",
    ),
    ("calls_a_method_of_data", "x = [1]\ny = x.clear()\n", "x.clear"),
    (
        "creates_a_class_with_type",
        "from builtins import type as _t\nx = _t('A', (), {{}})\n",
        "builtins.type",
    ),
    ("defines_a_class", "class A:\n    pass\n", "class definition"),
    ("hides_code_in_a_default", "def _d(a=print):\n    return a\n", "scoped form"),
    ("decorates_a_function", "def _d(a):\n    return a\n_d.x = 1\n", "assignment"),
    ("imports_relatively", "from . import secrets as _s\n", "relative import"),
    ("star_imports_numpy", "from numpy import *\n", "star import"),
    (
        "rebinds_a_constructor_to_a_method",
        "from builtins import list as _l\n_l = [].append\nx = _l(1)\n",
        "a value, not an imported constructor",
    ),
    ("deletes_builtins_differently", "del __builtins__\n", "dunder name"),
    ("runs_code_before_a_late_refusal", "x = [1]\ny = {{}}\nimport subprocess as _s\n", "line 3"),
]


def _payload():
    class Shell:
        def __reduce__(self):
            return (os.system, ("true",))

    return pickle.dumps(Shell(), protocol=2)


def _snapshot(folder):
    return {
        os.path.relpath(os.path.join(root, f), folder): open(os.path.join(root, f), "rb").read()
        for root, _, files in os.walk(folder)
        for f in files
    }


# the allow-listed modules a safe load may import, and what they import themselves
_ALLOWED_NEW_MODULES = (
    "numpy",
    "archived",
    "tables",
    "pickletools",
    "fractions",
    "decimal",
    "datetime",
    "collections",
    "numbers",
    "_",
)


@pytest.mark.parametrize("src, expected", [c[1:] for c in HOSTILE], ids=[c[0] for c in HOSTILE])
def test_hostile_archive_is_refused_without_side_effects(tmp_path, src, expected):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    store = tmp_path / "store"
    store.mkdir()
    text = src.format(
        out=str(tmp_path / "pwned"),
        victim=str(victim),
        payload=_payload(),
        memo_payload=b"\x80\x04\x8c\x02os\x94\x8c\x06system\x94h\x00h\x01\x93\x8c\x04true\x85R.",
        dup_payload=b"\x80\x02\x8c\x02os\x8c\x06system2\x93.",
        print_payload=pickle.dumps(print),
    )
    files, environ, modules = _snapshot(tmp_path), dict(os.environ), set(sys.modules)
    # "quickly" in CPU seconds of this process: a refusal that computed a huge value
    # would burn minutes of them, and a busy machine does not add to them
    start = time.process_time()
    with pytest.raises(UnsafeArchiveError, match="unsafe archive: ") as info:
        restore(text, safe=True, datadir=store)
    assert time.process_time() - start < 5
    assert expected in str(info.value)
    assert _snapshot(tmp_path) == files
    assert dict(os.environ) == environ
    new = {m for m in set(sys.modules) - modules if not m.startswith(_ALLOWED_NEW_MODULES)}
    assert not new, new


def test_there_are_at_least_twenty_hostile_archives():
    assert len(HOSTILE) >= 20


def test_a_compressed_hdf5_bomb_is_refused_before_its_data_is_read(tmp_path):
    import tables

    bomb = tmp_path / "bomb.h5"
    with tables.open_file(bomb, "w") as h5:
        h5.create_carray(
            "/",
            "a0",
            tables.Float64Atom(),
            shape=(100_000, 1_000_000),
            filters=tables.Filters(complevel=9, complib="zlib"),
        )
    assert bomb.stat().st_size < 1_000_000  # 800 GB of zeros in a small file
    src = "from archived.arrays import load_array as _l\nx = _l('bomb.h5', 'a0')\n"
    with pytest.raises(UnsafeArchiveError, match="which the file's index does not describe"):
        restore(src, safe=True, datadir=tmp_path)


def test_an_indexed_array_above_max_bytes_is_refused_before_reading(tmp_path):
    a = Archive(array_threshold=10, datafile=tmp_path / "d.h5")
    a.insert(x=np.arange(1e6))
    src = str(a)
    with pytest.raises(
        UnsafeArchiveError, match=r"of 8000000 bytes.* more than max_bytes=100000\b"
    ):
        evaluate(src, datadir=tmp_path, max_bytes=100_000)


@pytest.mark.parametrize("section", ["info", "value"])
def test_a_hostile_entry_planted_in_a_store_is_refused_by_a_safe_dataset(tmp_path, section):
    ds = DataSet("s", "w", path=tmp_path)
    ds.good = [1, 2]
    entry = tmp_path / "s" / "evil.py"
    text = (tmp_path / "s" / "good.py").read_text().replace("'good'", "'evil'")
    evil = f"import os as _os\n_os.system('touch {tmp_path / 'pwned'}')\n"
    if section == "info":
        text = text.replace("# ---- info ----\n", "# ---- info ----\n" + evil)
    else:
        text = text.replace("good = [1, 2]", evil + "evil = 1")
    entry.write_text(text)
    before = _snapshot(tmp_path)
    safe = DataSet("s", path=tmp_path, safe=True)
    with pytest.raises(UnsafeArchiveError, match="import of module 'os'"):
        _ = safe["evil"] if section == "info" else safe.evil
    assert safe.good == [1, 2]
    assert _snapshot(tmp_path) == before
