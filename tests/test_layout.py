"""Layout of generated source: long displays and calls break one item per line."""

import ast
import collections
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from archived import Archive, restore
from archived.cache.decorator import archived
from archived.engine.codegen import _del_lines
from archived.engine.layout import LINE_LIMIT, Cat, Group, render


def source(scoped=True, **objs):
    arch = Archive(scoped=scoped)
    arch.insert(**objs)
    return str(arch)


def unbreakable(line):
    """True if an over-long line has no bracket a layout could break: one literal (or a
    numpy array expression, whose data is never broken), alone, assigned, as a keyword
    argument or as a dict item with a literal key."""
    text = line.strip().removesuffix(",")
    if text[-1:] in ("[", "(", "{"):  # the opening line of a broken item: its key is long
        key = re.sub(r"[\w.]*$", "", text[:-1]).removesuffix(": ").removesuffix("=")
        return key.isidentifier() or unbreakable(key)
    head, sep, rest = text.partition(" = ")
    if sep and head.isidentifier():
        text = rest
    for wrap in ("{%s}", "_f(%s)", "%s"):
        try:
            expr = ast.parse(wrap % text, mode="eval").body
        except SyntaxError:
            continue
        if isinstance(expr, ast.Dict) and len(expr.keys) == 1:
            return _atom(expr.keys[0]) and _atom(expr.values[0])
        if isinstance(expr, ast.Set) and len(expr.elts) == 1:
            return _atom(expr.elts[0])
        if isinstance(expr, ast.Call) and wrap != "%s":
            args = [*expr.args, *(k.value for k in expr.keywords)]
            return len(args) == 1 and _atom(args[0])
        return _atom(expr)
    return False


def _atom(expr):
    if isinstance(expr, ast.UnaryOp):
        expr = expr.operand
    if isinstance(expr, ast.Name):
        return True  # a shared or imported value, referred to by its name
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
        return expr.func.id in ("_array", "_from_bytes", "_loads")  # opaque payloads
    if isinstance(expr, (ast.List, ast.Tuple, ast.Set, ast.Dict)):
        return not (getattr(expr, "elts", None) or getattr(expr, "keys", None))  # empty
    return isinstance(expr, ast.Constant)


def assert_lines_fit(src):
    for line in src.splitlines():
        if line.startswith("#"):
            continue  # an entry's header comment, written by the DataSet, not the engine
        assert len(line) <= LINE_LIMIT or unbreakable(line), line


class Point:
    """A user class archived through archive_1()."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def archive_1(self):
        return ("Point(x=x, y=y)", dict(x=self.x, y=self.y), [(__name__, "Point", "Point")])

    def __eq__(self, other):
        return type(other) is Point and (self.x, self.y) == (other.x, other.y)


class Wide:
    """A user class whose rep has many long argument names."""

    NAMES = [f"argument_number_{i}" for i in range(8)]

    def __init__(self, *values):
        self.values = values

    def archive_1(self):
        args = ", ".join(f"{n}={n}" for n in self.NAMES)
        values = dict(zip(self.NAMES, self.values, strict=True))
        return (f"Wide.make({args})", values, [(__name__, "Wide", "Wide")])

    @classmethod
    def make(cls, **kw):
        return cls(*(kw[n] for n in cls.NAMES))

    def __eq__(self, other):
        return type(other) is Wide and self.values == other.values


class VeryLongClassNameOfAnObjectToImport:
    """A class whose import line and alias are long."""


INFO = {
    "function": "quickstart.simulate",
    "version": "0ec8e68ff38b60d9",
    "key": "248b1a2a5a941eb80561394082d9097a",
    "parameters": {"mu": 1.5, "n": 1000},
    "status": "ok",
    "duration": 1.0017710429999624,
}


def test_short_statements_stay_on_one_line_exactly_as_before():
    assert source(x={"a": 1, "b": [1, 2]}, t=(1,)) == (
        "x = {'a': 1, 'b': [1, 2]}\nt = (1,)\nif __name__ == 'builtins':\n    del __builtins__\n"
    )


def test_long_dict_is_written_one_key_per_line_and_round_trips():
    src = source(info=INFO)
    assert src.startswith(
        "info = {\n"
        "    'function': 'quickstart.simulate',\n"
        "    'version': '0ec8e68ff38b60d9',\n"
        "    'key': '248b1a2a5a941eb80561394082d9097a',\n"
        "    'parameters': {'mu': 1.5, 'n': 1000},\n"
        "    'status': 'ok',\n"
        "    'duration': 1.0017710429999624,\n"
        "}\n"
    )
    assert restore(src)["info"] == INFO
    assert restore(src, safe=True)["info"] == INFO


def test_nested_parts_that_fit_stay_on_one_line_and_long_ones_break_recursively():
    value = {"short": {"a": [1, 2]}, "long": {"xs": list(range(40)), "tag": "t"}}
    src = source(v=value)
    lines = src.splitlines()
    assert "    'short': {'a': [1, 2]}," in lines
    assert "    'long': {" in lines
    assert "        'xs': [" in lines
    assert "            39," in lines
    assert "        'tag': 't'," in lines
    assert_lines_fit(src)
    assert restore(src)["v"] == value


def test_output_is_byte_identical_across_runs_and_hash_seeds():
    code = (
        "from archived import Archive\n"
        "a = Archive()\n"
        "a.insert(v={'tags': {'alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta',"
        " 'theta', 'iota', 'kappa'}, 'n': list(range(30))})\n"
        "print(str(a), end='')\n"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outs) == 1
    (out,) = outs
    assert "    'tags': {\n        'alpha',\n" in out
    assert source(v=INFO) == source(v=dict(INFO))


def test_a_value_broken_over_thousands_of_lines_loads_in_pieces_and_safely():
    value = {f"key{i}": [i, f"label {i}", (i,)] for i in range(2500)}
    src = source(v=value)
    assert src.count("\n") > 2500  # more than archive._CHUNK_LINES: compiled in pieces
    assert restore(src)["v"] == value
    assert restore(src, safe=True)["v"] == value


def test_del_lines_keep_eight_short_names_and_split_long_ones():
    short = [f"_g{i}" for i in range(1, 11)]
    assert _del_lines(short) == ["del " + ", ".join(short[:8]), "del _g9, _g10"]
    long = [f"_a_rather_long_alias_name_{i}" for i in range(8)]
    lines = _del_lines(long)
    assert all(len(line) <= LINE_LIMIT for line in lines) and len(lines) == 4
    assert ", ".join(lines).replace("del ", "") == ", ".join(long)


def test_long_import_lines_are_parenthesized_and_still_load_safely():
    shared = [0]
    arch = Archive()
    objs = {f"v{i}": [shared, VeryLongClassNameOfAnObjectToImport] for i in range(3)}
    arch.insert(**objs)
    src = str(arch)
    assert_lines_fit(src)
    assert "from test_layout import (\n    VeryLongClassNameOfAnObjectToImport as _" in src
    assert restore(src, safe=True, allow=[__name__]) == objs


def test_one_tuple_keeps_its_comma_when_broken():
    t = ("a" * 100,)
    src = source(t=t)
    assert src.startswith("t = (\n    '" + "a" * 100 + "',\n)\n")
    assert restore(src)["t"] == t


def test_strings_are_never_broken_even_when_they_look_like_code():
    tricky = "{'a': [1, 2], 'b': (3,)}, " * 5
    value = [tricky, "x" * 30, {"k": tricky}]
    src = source(v=value)
    assert f"    {tricky!r}," in src.splitlines()
    assert restore(src)["v"] == value
    assert restore(src, safe=True)["v"] == value


def test_shared_long_value_is_broken_under_its_helper_name():
    shared = [f"item number {i}" for i in range(10)]
    src = source(a=[shared, shared])
    assert src.startswith("_g1 = [\n    'item number 0',\n")
    assert "a = [_g1, _g1]\n" in src
    d = restore(src)
    assert d["a"][0] is d["a"][1] and d["a"][0] == shared


@pytest.mark.parametrize("scoped", [True, False])
def test_archive_1_objects_break_in_the_scoped_and_flat_forms(scoped):
    p = Point(list(range(30)), {"label": "a fairly long label for a point", "w": 2.5})
    src = source(scoped, p=p)
    assert_lines_fit(src)
    head = "p = _d(" if scoped else "p = _Point("
    assert head in src.splitlines()
    assert "    x=[" in src.splitlines()
    assert restore(src)["p"] == p
    assert restore(src, safe=True, allow=[__name__])["p"] == p


@pytest.mark.parametrize("scoped", [True, False])
def test_long_parameter_lists_of_archive_1_objects_break(scoped):
    w = Wide(*range(8))
    src = source(scoped, w=w)
    assert_lines_fit(src)
    if scoped:
        assert "def _d(\n    argument_number_0,\n" in src
        assert "    Wide,\n):\n    return Wide.make(" in src
    assert "    argument_number_7=7,\n" in src
    assert restore(src)["w"] == w


def test_builtin_subclasses_and_calls_break_and_round_trip():
    Pt = collections.namedtuple("Pt", "x y")
    globals()["Pt"] = Pt
    Pt.__qualname__ = "Pt"
    value = {
        "od": collections.OrderedDict((f"key{i}", i) for i in range(15)),
        "dd": collections.defaultdict(list, {f"key{i}": [i] for i in range(10)}),
        "fs": frozenset(f"element{i}" for i in range(12)),
        "st": {f"element{i}" for i in range(12)},
        "nt": Pt(list(range(25)), "y"),
        "cx": complex(1.0000000000000002, 2.0000000000000004),
        "rg": [range(1000000000, 2000000000, 3)] * 3,
    }
    src = source(v=value)
    assert_lines_fit(src)
    assert "    'od': _OrderedDict(\n        {\n            'key0': 0,\n" in src
    assert restore(src)["v"] == value
    assert restore(src, safe=True, allow=["collections", __name__])["v"] == value


def test_numpy_array_data_is_never_broken():
    a = np.linspace(0, 1, 30)
    src = source(v={"a": a, "label": "an array of thirty evenly spaced values"})
    (line,) = [line for line in src.splitlines() if "_array(" in line]
    assert line.startswith("    'a': _array([0.0, ") and line.endswith(", dtype='float64'),")
    np.testing.assert_array_equal(restore(src)["v"]["a"], a)


def test_entry_lines_fit_unless_one_literal(tmp_path):
    @archived(str(tmp_path / "runs"))
    def experiment(label, sizes, mu=1.5):
        return {
            "label": label,
            "grid": [[s * mu for s in sizes] for _ in range(3)],
            "meta": {"sizes": sizes, "note": "n" * 120, "pair": (label, mu)},
            "curve": np.arange(12, dtype=float) / 7,
        }

    value = experiment("a rather long label of this run " * 3, list(range(20)))
    (entry,) = list(experiment.dataset)
    text = (tmp_path / "runs" / f"{entry}.py").read_text()
    assert_lines_fit(text)
    assert text.count("\n") > 40  # the info and the value were really broken
    assert (
        experiment("a rather long label of this run " * 3, list(range(20)))["grid"]
        == (value["grid"])
    )


def test_render_breaks_a_prefixed_part_after_its_prefix():
    doc = Group("_f(", [Cat("values=", Group("[", ["1" * 30, "2" * 30], "]")), "b"], ")")
    assert render(doc, "x = ", limit=40) == (
        "x = _f(\n"
        "    values=[\n"
        "        " + "1" * 30 + ",\n"
        "        " + "2" * 30 + ",\n"
        "    ],\n"
        "    b,\n"
        ")"
    )


def test_render_leaves_an_unknown_part_whole_without_expand():
    class Opaque:
        expr = "_opaque(" + "9" * 100 + ")"

    assert render(Group("[", [Opaque()], "]"), "x = ") == "x = [\n    " + Opaque.expr + ",\n]"


@pytest.mark.parametrize("key", ["\U0001003e" * 7, "\U000e0001\U0001f600" * 4, "\ud800" * 20])
def test_a_key_is_measured_as_written_so_escaped_characters_break_like_plain_ones(key):
    plain = "k" * (len(repr(key)) - 2)  # a key written just as wide
    for value in ({key: "x" * 40}, {key: [1, "b" * 40]}, [{key: {key: 1}}, "c" * 30]):
        escaped = source(v=value)
        assert_lines_fit(escaped)
        as_plain = source(v=eval(repr(value).replace(repr(key), repr(plain))))
        widths = [len(line) for line in escaped.splitlines()]
        assert widths == [len(line) for line in as_plain.splitlines()]


atoms = st.one_of(
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.booleans(),
    st.none(),
)
values = st.recursive(
    atoms,
    lambda kids: st.one_of(
        st.lists(kids, max_size=8),
        st.lists(kids, max_size=3).map(tuple),
        st.dictionaries(st.text(max_size=12), kids, max_size=6),
    ),
    max_leaves=40,
)


@settings(max_examples=60, deadline=None)
@given(values)
# a key whose characters repr() escapes (\U0001003e: ten columns each) before a shared
# value's name: an item no bracket can break, as long as it would be with a plain key
@example([(), {"00000" + "\U0001003e" * 7: ()}])
@example({"\U000e0001" * 12: [1, "b" * 70]})
def test_any_nested_value_round_trips_and_fits_after_layout(value):
    src = source(v=value)
    assert restore(src)["v"] == value
    assert restore(src, safe=True)["v"] == value
    assert source(v=value) == src
    assert_lines_fit(src)
