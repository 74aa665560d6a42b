"""Archive / restore: round trips, sharing, cycles, imports, cleanup, determinism."""

import builtins
import collections
import functools
import math
import os
import types

import pytest

from archived import Archive, CycleError, DuplicateError, get_imports, repr_, restore
from archived.errors import InvalidNameError, UnarchivableError


def roundtrip(scoped=True, **objs):
    arch = Archive(scoped=scoped)
    arch.insert(**objs)
    return restore(str(arch))


class Pair:
    """A user class archived through archive_1()."""

    def __init__(self, a, b):
        self.a, self.b = a, b

    def archive_1(self):
        return ("Pair(a=a, b=b)", dict(a=self.a, b=self.b), [(__name__, "Pair", "Pair")])

    def __eq__(self, other):
        return type(other) is Pair and (self.a, self.b) == (other.a, other.b)


class Persisted:
    """A user class with persist's later hook name."""

    def __init__(self, v):
        self.v = v

    def get_persistent_rep(self, env):
        return ("Persisted(v)", dict(v=self.v), [(__name__, "Persisted", "Persisted")])


class Outer:
    class Inner:
        pass

    def method(self):
        return 1


def test_insert_returns_one_name_or_the_list_in_given_order():
    a = Archive()
    assert a.insert(x=3) == "x"
    assert a.insert(b=1, a=2) == ["b", "a"]
    assert a.names() == ["x", "b", "a"]


def test_str_restores_every_inserted_name_and_nothing_else():
    a = Archive()
    a.insert(x=3, y=[1.5, "s"], z={"k": (1,)})
    d = {}
    exec(str(a), d)
    assert d == {"x": 3, "y": [1.5, "s"], "z": {"k": (1,)}}


@pytest.mark.parametrize("scoped", [True, False])
def test_shared_list_stays_one_object_after_restore(scoped):
    shared = [1, 2]
    d = roundtrip(scoped, l=[shared, shared], m={"s": shared})
    assert d["l"][0] is d["l"][1] is d["m"]["s"]


def test_object_referenced_twice_by_one_parent_stays_shared():
    x = [0]
    d = roundtrip(l=[x, x])
    assert d["l"] == [[0], [0]] and d["l"][0] is d["l"][1]


def test_object_inserted_under_two_names_is_one_object():
    x = {"a": 1}
    d = roundtrip(p=x, q=x, r=[x])
    assert d["p"] is d["q"] is d["r"][0]


def test_inserted_object_nested_in_an_earlier_one_keeps_its_name():
    l0 = ["a"]
    d = roundtrip(d={"l0": l0}, l0=l0)
    assert d["d"]["l0"] is d["l0"]


def test_cycle_raises_cycle_error_naming_the_path():
    l1 = []
    l2 = [l1]
    l1.append(l2)
    a = Archive()
    a.insert(l=l1)
    with pytest.raises(CycleError) as info:
        str(a)
    assert info.value.path == ["l", "l[0]", "l[0][0]"]
    assert "l -> l[0] -> l[0][0]" in str(info.value)


def test_self_containing_dict_is_a_cycle():
    d = {}
    d["me"] = d
    a = Archive()
    a.insert(d=d)
    with pytest.raises(CycleError, match=r"d -> d\['me'\]"):
        str(a)


def test_exec_in_a_module_namespace_keeps_builtins_working():
    a = Archive()
    a.insert(x=[1, 2])
    module = types.ModuleType("m")
    exec(str(a), module.__dict__)
    assert module.__dict__["__builtins__"] is not None
    exec("y = len(x)", module.__dict__)
    assert module.y == 2


def test_exec_with_a_main_like_namespace_does_not_delete_builtins():
    a = Archive()
    a.insert(x=1)
    ns = {"__name__": "__main__", "__builtins__": builtins}
    exec(str(a), ns)
    assert ns["__builtins__"] is builtins and ns["x"] == 1


def test_restore_keeps_a_builtins_entry_the_env_already_had():
    a = Archive()
    a.insert(x=1)
    env = {"__builtins__": builtins.__dict__}
    out = restore(str(a), env)
    assert out is env and out["__builtins__"] is builtins.__dict__


def test_restore_default_env_is_fresh_each_call():
    a = Archive()
    a.insert(x=1)
    first = restore(str(a))
    first["junk"] = 1
    assert restore(str(a)) == {"x": 1}


def test_helpers_never_clash_with_inserted_names():
    a = Archive(allowed_names=["_g1", "_sin", "_d"])
    shared = [1]
    a.insert(_g1=5, _sin=6, _d=7, v=[shared, shared, math.sin, Pair(1, 2)])
    d = restore(str(a))
    assert (d["_g1"], d["_sin"], d["_d"]) == (5, 6, 7)
    assert d["v"][2] is math.sin and d["v"][0] is d["v"][1] and d["v"][3] == Pair(1, 2)


def test_imports_of_functions_classes_builtins_nested_classes_and_methods():
    obj = Outer()
    d = roundtrip(
        f=math.sin,
        c=collections.OrderedDict,
        b=len,
        n=Outer.Inner,
        u=Outer.method,
        r=restore,
        cm=dict.fromkeys,
        m=obj.method,
        s=str.join,
    )
    assert d["f"] is math.sin and d["c"] is collections.OrderedDict and d["b"] is len
    assert d["n"] is Outer.Inner and d["u"] is Outer.method and d["r"] is restore
    assert d["cm"] == dict.fromkeys and d["s"] is str.join
    assert d["m"]() == 1 and type(d["m"].__self__) is Outer


def test_bound_method_shares_its_instance():
    lst = [1]
    d = roundtrip(v=[lst, lst.append])
    d["v"][1](2)
    assert d["v"][0] == [1, 2]


@pytest.mark.parametrize("scoped", [True, False])
def test_archive_1_objects_round_trip_in_both_forms(scoped):
    shared = [1]
    d = roundtrip(scoped, p=[Pair(shared, [shared]), Pair(2, Pair(3, 4))], q=Persisted(5))
    assert d["p"][0] == Pair([1], [[1]]) and d["p"][0].a is d["p"][0].b[0]
    assert d["p"][1] == Pair(2, Pair(3, 4)) and d["q"].v == 5


def test_scoped_form_writes_one_function_per_archive_1_object():
    a = Archive(scoped=True)
    a.insert(p=Pair(1, 2))
    src = str(a)
    assert "def _d(a, b, Pair):\n    return Pair(a=a, b=b)\n" in src
    assert "p = _d(a=1, b=2, Pair=_Pair)" in src


def test_flat_form_substitutes_arguments_through_the_ast():
    a = Archive(scoped=False)
    a.insert(p=Pair("a + b", [1]))
    assert "p = _Pair(a='a + b', b=[1])" in str(a)


class Twice:
    """Its rep names its argument twice."""

    def __init__(self, x):
        self.x = x

    def archive_1(self):
        return ("Twice((x, x))", dict(x=self.x[0]), [(__name__, "Twice", "Twice")])


@pytest.mark.parametrize("scoped", [True, False])
def test_argument_written_twice_by_a_rep_stays_one_object(scoped):
    d = roundtrip(scoped, t=Twice(([1], [1])))
    assert d["t"].x[0] is d["t"].x[1]


def test_exec_at_the_interactive_prompt_keeps_builtins():
    import subprocess
    import sys

    a = Archive()
    a.insert(x=[1, 2])
    script = f"exec({str(a)!r})\nprint(len(x), sum(x))\n"
    out = subprocess.run(
        [sys.executable, "-i", "-q"], input=script, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["2", "3"] and "Error" not in out.stderr


def test_make_persistent_detaches_from_live_objects():
    l0 = ["a", "b"]
    a = Archive()
    a.insert(l=[l0])
    a.make_persistent()
    l0.append("c")
    a.insert(m=l0)
    d = restore(str(a))
    assert d["l"] == [["a", "b"]] and d["m"] == ["a", "b", "c"]


def test_output_is_deterministic_for_equal_graphs():
    def build():
        s = ["x"]
        return dict(d={"b": s, "a": {3, 1, 2}, "c": frozenset({"q", "p"})}, t=(s, s, 1.5))

    srcs = set()
    for _ in range(3):
        a = Archive()
        a.insert(**build())
        srcs.add(str(a))
    assert len(srcs) == 1


def test_set_of_strings_is_written_sorted_whatever_the_hash_seed():
    import subprocess
    import sys

    code = (
        "from archived import Archive; a = Archive(); a.insert(s={'pear', 'apple', 'fig'},"
        " f={frozenset({'a', 'b'}), frozenset({'c'}), ('x', 1), 2.5});"
        "print(str(a))"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
        ).stdout
        for seed in (1, 2, 3)
    }
    assert len(outs) == 1
    assert "s = {'apple', 'fig', 'pear'}\n" in outs.pop()


def test_deep_nesting_does_not_hit_parser_or_recursion_limits():
    deep = []
    for _ in range(3000):
        deep = [deep]
    d = roundtrip(deep=deep)
    x = d["deep"]
    for _ in range(3000):
        x = x[0]
    assert x == []


def test_dict_with_non_string_and_shared_keys():
    k = (1, "a")
    d = roundtrip(d={k: 1, 2.5: None, None: k, frozenset({1}): [k]})
    assert d["d"] == {(1, "a"): 1, 2.5: None, None: (1, "a"), frozenset({1}): [(1, "a")]}


def test_namedtuple_and_dict_subclasses():
    d = roundtrip(
        p=Point(1, [2]),
        o=collections.OrderedDict([("b", 1), ("a", 2)]),
        dd=collections.defaultdict(list, {1: [2]}),
        c=collections.Counter("aab"),
        u=UserList([1, 2]),
    )
    assert d["p"] == Point(1, [2]) and type(d["p"]) is Point
    assert list(d["o"]) == ["b", "a"] and type(d["o"]) is collections.OrderedDict
    assert d["dd"].default_factory is list and d["dd"] == {1: [2]}
    assert d["c"] == collections.Counter("aab")
    assert type(d["u"]) is UserList and d["u"] == [1, 2]


Point = collections.namedtuple("Point", "x y")


class UserList(list):
    pass


class Opaque:
    """No repr that evaluates back, and a __reduce__ of its own: pickled."""

    def __init__(self, v):
        self.v = v

    def __eq__(self, other):
        return type(other) is Opaque and other.v == self.v

    def __reduce__(self):  # a callable that is no class or function: only pickle calls it
        return (functools.partial(Opaque), (self.v,))


def test_objects_without_source_rep_fall_back_to_pickle():
    a = Archive()
    a.insert(o=Opaque([1, 2]))
    src = str(a)
    assert "from pickle import loads as _loads" in src
    assert restore(src)["o"] == Opaque([1, 2])


def test_exact_repr_is_used_when_it_evaluates_back_equal():
    import datetime
    import decimal
    import fractions

    values = [fractions.Fraction(1, 3), decimal.Decimal("1.10"), datetime.date(2020, 2, 29)]
    a = Archive()
    a.insert(v=values)
    src = str(a)
    assert "_loads" not in src and "_Fraction(1, 3)" in src
    assert restore(src)["v"] == values


def test_unpicklable_object_raises_unarchivable_error_with_its_path():
    a = Archive()
    a.insert(d={"k": [0, 1, (i for i in range(2))]})
    with pytest.raises(UnarchivableError) as info:
        str(a)
    assert info.value.path == "d['k'][2]" and info.value.type_name == "generator"


def test_check_on_insert_refuses_at_insert_time_and_inserts_nothing():
    a = Archive(check_on_insert=True)
    with pytest.raises(UnarchivableError):
        a.insert(ok=1, bad=lambda: 0)
    assert a.names() == []


def test_duplicate_and_invalid_names():
    a = Archive()
    a.insert(x=1)
    with pytest.raises(DuplicateError):
        a.insert(x=2)
    for name in ["1x", "class", "_private", "__builtins__", "a-b"]:
        with pytest.raises(InvalidNameError, match=repr(name)):
            a.insert(**{name: 1})


def test_repr_substitutes_archive_1_arguments():
    assert repr_(Pair([1], "s")) == "Pair(a=[1], b='s')"
    assert repr_([1, 2]) == "[1, 2]"


def test_get_imports_names_the_constructor():
    assert get_imports(collections.OrderedDict()) == [
        ("collections", "OrderedDict", "OrderedDict")
    ]
    assert get_imports(math.sin) == [("math", "sin", "sin")]
    assert get_imports(Pair(1, 2), env={"Pair": 0}) == [(__name__, "Pair", "Pair_1")]


def test_options_kept_for_compatibility_are_accepted_and_change_nothing():
    shared = [1.5]
    value = {"a": shared, "b": (shared, "s")}
    outs = set()
    for options in [
        {},
        dict(flat=False),
        dict(tostring=False),
        dict(pytables=False),
        dict(robust_replace=False),
    ]:
        a = Archive(**options)
        a.insert(v=value)
        outs.add(str(a))
    assert len(outs) == 1


def test_gname_prefix_names_the_helper_variables():
    shared = [1]
    a = Archive(gname_prefix="_tmp")
    a.insert(v=[shared, shared])
    src = str(a)
    d = restore(src)
    assert "_tmp1 = [1]" in src and d["v"][0] is d["v"][1]


def test_later_insert_of_an_object_already_made_persistent_gets_its_own_copy():
    x = [1]
    a = Archive()
    a.insert(p=[x])
    a.make_persistent()
    a.insert(q=[x])
    d = restore(str(a))
    assert d["p"][0] == d["q"][0] == [1] and d["p"][0] is not d["q"][0]


def test_archiving_and_restoring_leave_the_garbage_collector_as_they_found_it():
    import gc

    a = Archive()
    a.insert(x=[1])
    assert gc.isenabled()
    restore(str(a))
    assert gc.isenabled()
    gc.disable()
    try:
        b = Archive()
        b.insert(y=[2])
        restore(str(b))
        assert not gc.isenabled()
    finally:
        gc.enable()
    bad = Archive()
    bad.insert(g=(i for i in []))
    with pytest.raises(UnarchivableError):
        str(bad)
    with pytest.raises(ZeroDivisionError):
        restore("x = 1 / 0")
    assert gc.isenabled()


TRICKY_SOURCE = """\
a = 1
s = \"\"\"first
b = 2
\"\"\"
t = (1,
b2)
if a:
    c = 3
else:
    c = 4
def f(x):
    return x + a
@staticmethod
def g():
    return 5
e = 1 + \\
    2
h = f(1)
"""


def test_long_source_is_compiled_in_pieces_with_the_same_effect(monkeypatch):
    import archived.load.restore as archive_module

    expected = {"b2": 7}
    exec(TRICKY_SOURCE, expected)
    del expected["__builtins__"]
    for size in (1, 2, 3, 5):
        monkeypatch.setattr(archive_module, "_CHUNK_LINES", size)
        got = restore(TRICKY_SOURCE, {"b2": 7})
        assert {k: v for k, v in got.items() if k not in ("f", "g")} == {
            k: v for k, v in expected.items() if k not in ("f", "g")
        }
        assert got["f"](1) == 2


def test_errors_in_a_later_piece_report_the_right_line(monkeypatch):
    import traceback

    import archived.load.restore as archive_module

    monkeypatch.setattr(archive_module, "_CHUNK_LINES", 2)
    source = "a = 1\nb = 2\nc = 3\ndef f():\n    return 1 / 0\nd = f()\n"
    assert len(archive_module._compile(source, "<archive>")) == 3
    with pytest.raises(ZeroDivisionError) as info:
        restore(source)
    lines = [
        fr.lineno
        for fr in traceback.extract_tb(info.value.__traceback__)
        if fr.filename == "<archive>"
    ]
    assert lines == [6, 5]
