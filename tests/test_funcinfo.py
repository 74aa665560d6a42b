"""A function's identity is unique, and stays the same from one run to the next."""

import functools
import os
import shlex
import subprocess
import sys
import textwrap
import warnings

import pytest

from archived.__main__ import main
from archived.cache.decorator import archived
from archived.cache.funcinfo import code_fingerprint, function_identity
from archived.errors import UnkeyableArgumentError


@pytest.fixture
def store(tmp_path):
    return str(tmp_path / "results")


def test_two_lambdas_of_one_module_are_two_functions_and_prune_keeps_the_other(store):
    square = archived(store)(lambda x: x * x)
    cube = archived(store)(lambda x: x**3)
    assert (square(3), cube(3)) == (9, 27)
    assert cube.prune_stale() == 0 and square.prune_stale() == 0
    assert square.is_cached(3) and cube.is_cached(3)
    assert (square(3), cube(3)) == (9, 27)


def test_two_nested_functions_of_the_same_name_are_two_functions(store):
    def make(kind):
        if kind == "add":

            def f(x):
                return x + 1
        else:

            def f(x):
                return x - 1

        return archived(store)(f)

    plus, minus = make("add"), make("sub")
    assert plus.identity != minus.identity
    assert (plus(5), minus(5)) == (6, 4)
    assert minus.prune_stale() == 0 and plus.is_cached(5)


def test_functions_made_by_one_factory_with_other_values_are_other_functions(store):
    def power(p):
        @archived(store)
        def f(x):
            return x**p

        return f

    assert (power(2)(3), power(3)(3), power(2)(3)) == (9, 27, 9)
    assert power(2).identity != power(3).identity
    assert power(3).prune_stale() == 0 and power(2).is_cached(3)


def test_a_nested_function_closing_over_an_unkeyable_value_is_refused_naming_it(store):
    import threading

    lock = threading.Lock()

    def f(x):
        with lock:
            return x

    expected = "(?s)variable 'lock'.*pass it as an argument"
    with pytest.raises(UnkeyableArgumentError, match=expected):
        archived(store)(f)


def test_a_recursive_nested_function_can_be_cached(store):
    @archived(store)
    def fib(n):
        return n if n < 2 else fib(n - 1) + fib(n - 2)

    assert fib(10) == 55 and fib.is_cached(9)


def test_the_fingerprint_ignores_where_the_code_is_but_not_what_it_does():
    source = "def f(x):\n    return x + 1\n"
    here, there = {}, {}
    exec(compile(source, "/tmp/ipykernel_1/a.py", "exec"), here)
    exec(compile("\n\n" + source, "/tmp/ipykernel_2/b.py", "exec"), there)
    assert code_fingerprint(here["f"].__code__) == code_fingerprint(there["f"].__code__)
    exec(compile(source.replace("1", "2"), "/tmp/ipykernel_1/a.py", "exec"), there)
    assert code_fingerprint(here["f"].__code__) != code_fingerprint(there["f"].__code__)


def test_a_module_level_function_keeps_its_plain_identity():
    assert function_identity(textwrap.dedent) == "textwrap.dedent"


# Two "cells" defining f, then a third run of the first cell in a new kernel: each cell's
# code is compiled under a file name holding the kernel's process id, as ipykernel does.
NOTEBOOK = """
import os, sys
from archived import archived
store = sys.argv[1]
cells = [
    "@archived(store)\\ndef f(x):\\n    return x + 1\\n",
    "@archived(store)\\ndef f(x):\\n    return x * 100\\n",
]
namespace = {"archived": archived, "store": store, "__name__": "__main__"}
results = []
for i in map(int, sys.argv[2:]):
    exec(compile(cells[i], f"/tmp/ipykernel_{os.getpid()}/{i}.py", "exec"), namespace)
    results.append((namespace["f"](2), namespace["f"].prune_stale()))
print(results)
"""


def run_notebook(tmp_path, *cells):
    out = subprocess.run(
        [sys.executable, "-c", NOTEBOOK, str(tmp_path / "nb"), *map(str, cells)],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)),
    )
    return eval(out.stdout)


def test_two_notebook_cells_defining_f_are_two_functions_and_keep_their_identity(tmp_path):
    # cell 0 then cell 1 (a redefinition of f): two functions, nothing pruned as stale
    assert run_notebook(tmp_path, 0, 1) == [(3, 0), (200, 0)]
    # a new kernel (another process id) running cell 0 again finds its result
    assert run_notebook(tmp_path, 0) == [(3, 0)]
    from archived.store.dataset import DataSet

    assert len(DataSet("nb", path=str(tmp_path))) == 2


REPL = """
@archived(store)
def f(x):
    return x + 1

f(1)
@archived(store)
def f(x):
    return x - 1

f(1)
print(sorted(c.load() for g in (f,) for c in g.calls()), f.prune_stale())
"""


def test_functions_typed_at_a_repl_prompt_under_one_name_are_two_functions(tmp_path):
    lines = [f"from archived import archived; store = {str(tmp_path / 'repl')!r}"]
    lines += REPL.strip("\n").split("\n")
    out = subprocess.run(
        [sys.executable, "-i", "-q"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)),
    )
    assert "[0] 0" in out.stdout, out.stderr


def test_name_gives_a_function_an_identity_that_survives_redefinition(store):
    first = archived(store, name="simulate")(lambda x: x + 1)
    assert first(1) == 2 and first.identity == "simulate"
    edited = archived(store, name="simulate")(lambda x: x + 10)
    assert edited.identity == "simulate" and edited(1) == 11  # new code: a new version
    assert [c.parameters for c in edited.stale()] == [{"x": 1}] and edited.prune_stale() == 1


def test_a_function_defined_after_its_file_was_edited_is_not_versioned_by_the_new_source(
    tmp_path,
):
    # a factory called after the user edited its module: the running code is the old
    # one, so the new source must not version its results (the edited code would hit them)
    module = tmp_path / "factory_mod.py"
    module.write_text(
        "from archived import archived\n\n"
        "def make(store):\n"
        "    @archived(store)\n"
        "    def f(x):\n"
        "        return 'OLD' + 'CODE'\n"
        "    return f\n"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        import factory_mod
    finally:
        sys.path.remove(str(tmp_path))
    module.write_text(module.read_text().replace("'OLD' + 'CODE'", "'NEW' + 'CODE'"))
    old = factory_mod.make(str(tmp_path / "store"))
    assert old(1) == "OLDCODE"
    namespace: dict = {"__name__": "factory_mod"}  # the edited code, as a new run has it
    exec(compile(module.read_text(), str(module), "exec"), namespace)
    new = namespace["make"](str(tmp_path / "store"))
    assert new.identity == old.identity
    assert not new.is_cached(1) and new(1) == "NEWCODE"


class Scaled:
    def __init__(self, k):
        self.k = k

    def __call__(self, x):
        return x * self.k


def scale(x, k):
    return x * k


def test_an_object_called_as_a_function_is_refused_naming_a_method_that_keys_it(store):
    # its state is in no key: with version= pinned, as the old error advised, Scaled(5)(3)
    # returned Scaled(2)(3)'s stored 6
    with pytest.raises(TypeError, match=r"cannot cache a .*Scaled object.*its __call__ in"):
        archived(store, version="1")(Scaled(2))


def test_a_bound_method_is_refused_naming_the_decoration_in_its_class(store):
    # its object is in no key: archived(store)(Scaled(5).__call__)(3) returned the 6
    # stored by Scaled(2).__call__
    with pytest.raises(TypeError, match=r"method bound to a .*Scaled object.*in its class"):
        archived(store)(Scaled(2).__call__)

    class Keyed(Scaled):
        @archived(store)
        def run(self, x):
            return x * self.k

    assert (Keyed(2).run(3), Keyed(5).run(3)) == (6, 15)


def test_a_partial_is_refused_naming_the_function_it_wraps(store):
    with pytest.raises(TypeError, match="functools.partial object.*the function it wraps"):
        archived(store, version="1")(functools.partial(scale, k=2))


def test_module_level_builtins_and_ufuncs_are_cached_with_a_pinned_version(store):
    import math

    import numpy as np

    assert archived(store, version="1")(math.sqrt)(4.0) == 2.0
    assert archived(store, version="1")(np.negative)(2) == -2


def test_code_swapped_into_a_cached_function_is_keyed_by_its_own_version(tmp_path):
    # IPython's %autoreload, after the user edits a module, copies the new code into the
    # old function objects: archived(store)(physics.energy) then ran the new code yet
    # still keyed it by the old version, returning the old code's results
    module = tmp_path / "physics_mod.py"
    module.write_text("def energy(x):\n    return x + 1\n")
    sys.path.insert(0, str(tmp_path))
    try:
        import physics_mod

        cached = archived(str(tmp_path / "store"))(physics_mod.energy)
        assert cached(1) == 2
        old_version = cached.version
        module.write_text("def energy(x):\n    return x + 1000\n")
        namespace: dict = {"__name__": "physics_mod"}
        exec(compile(module.read_text(), str(module), "exec"), namespace)
        physics_mod.energy.__code__ = namespace["energy"].__code__  # what autoreload does
        assert cached(1) == 1001 and cached.version != old_version
        assert [c.load() for c in cached.stale()] == [2]  # the old result is kept
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("physics_mod", None)


def _swap_in(module, function, source):
    """Edit ``module`` to ``source`` and copy the new ``function`` into the old function
    object, as IPython's %autoreload does (code, defaults and keyword defaults)."""
    module_file = sys.modules[module].__file__
    with open(module_file, "w") as out:
        out.write(source)
    namespace: dict = {"__name__": module}
    exec(compile(source, module_file, "exec"), namespace)
    old, new = getattr(sys.modules[module], function), namespace[function]
    for attribute in ("__code__", "__defaults__", "__kwdefaults__"):
        setattr(old, attribute, getattr(new, attribute))


@pytest.fixture
def swap_module(tmp_path):
    module = tmp_path / "swapped_mod.py"
    sys.path.insert(0, str(tmp_path))
    yield module
    sys.path.remove(str(tmp_path))
    sys.modules.pop("swapped_mod", None)


def test_defaults_swapped_into_a_cached_function_key_its_calls_by_the_new_defaults(
    tmp_path, swap_module
):
    # after an edit of a default that %autoreload copied in, f(1) ran with n=20 but was
    # bound (and stored) with the old n=10, so f(1, 10) then returned f(1, 20)'s result
    swap_module.write_text("def energy(x, n=10):\n    return x * n\n")
    import swapped_mod

    cached = archived(str(tmp_path / "store"))(swapped_mod.energy)
    assert cached(1) == 10
    _swap_in("swapped_mod", "energy", "def energy(x, n=20):\n    return x * n\n")
    assert cached(1) == 20 and cached.bind(1) == {"x": 1, "n": 20}
    assert cached(1, 10) == 10 and cached(1, n=10) == 10


def test_a_signature_swapped_into_a_cached_function_binds_its_calls_by_the_new_names(
    tmp_path, swap_module
):
    # after an edit swapping the order of two parameters that %autoreload copied in,
    # f(2, 3) ran as n=2, x=3 but was bound (and stored) as x=2, n=3 by the old
    # signature, so f(x=2, n=3) returned f(n=2, x=3)'s result
    swap_module.write_text("def energy(x, n):\n    return x * n\n")
    import swapped_mod

    cached = archived(str(tmp_path / "store"))(swapped_mod.energy)
    assert cached(2, 3) == 6
    _swap_in("swapped_mod", "energy", "def energy(n, x):\n    return x + 1000 * n\n")
    assert cached(2, 3) == 2003  # every parameter by position (the straight line)
    assert cached(x=2, n=3) == 3002
    assert cached(2, 3) == 2003 and cached(n=2, x=3) == 2003
    assert sorted(c.parameters["n"] for c in cached.calls()) == [2, 3]


def test_a_call_made_while_swapped_code_is_taken_in_is_keyed_by_the_new_version(
    tmp_path, swap_module, monkeypatch
):
    # another thread's call arriving while a cached function takes in swapped code (its
    # version being read from the source) took the straight line with the new code but
    # the old version: the new code's result was stored as the old version's, and the
    # old code pinned to that version would be handed it
    from archived.cache import decorator

    swap_module.write_text("def energy(x):\n    return x + 1\n")
    import swapped_mod

    cached = archived(str(tmp_path / "store"))(swapped_mod.energy)
    assert cached(1) == 2
    old_version, during = cached.version, []
    real = decorator.code_version

    def code_version(func):
        if not during:  # (a call arriving now, as from another thread)
            during.append(None)
            during[0] = cached(5)
        return real(func)

    monkeypatch.setattr(decorator, "code_version", code_version)
    _swap_in("swapped_mod", "energy", "def energy(x):\n    return x + 1000\n")
    assert cached(1) == 1001 and during == [1005]
    assert [c.parameters for c in cached.stale()] == [{"x": 1}]
    assert old_version != cached.version


def test_a_straight_call_meeting_swapped_code_taken_in_meanwhile_goes_the_general_way(
    tmp_path, swap_module
):
    # a call of every parameter by position read the parameter names of the code before,
    # then (another thread having taken in swapped code meanwhile) found the code the
    # same and keyed the new code's run by the old names and the new version: f(2, 3)
    # ran as n=2, x=3 but was stored as x=2, n=3, and f(x=2, n=3) returned it
    from archived.cache.decorator import CachedFunction

    swap_module.write_text("def energy(x, n):\n    return x * n\n")
    import swapped_mod

    cached = archived(str(tmp_path / "store"))(swapped_mod.energy)
    assert cached(1, 1) == 1
    swapped = []

    def local(frame, event, arg):
        if event == "line" and not swapped and frame.f_locals.keys() - {"self", "args", "kwargs"}:
            # the call read the function's state: another thread takes in the edit now
            swapped.append(True)
            _swap_in("swapped_mod", "energy", "def energy(n, x):\n    return x + 1000 * n\n")
            assert cached.version  # (taken in: the version of the new code)
        return local

    def tracer(frame, event, arg):
        return local if frame.f_code is CachedFunction.__call__.__code__ else None

    sys.settrace(tracer)
    try:
        assert cached(2, 3) == 2003
    finally:
        sys.settrace(None)
    assert swapped and cached(x=2, n=3) == 3002 and cached(n=2, x=3) == 2003


def test_prune_stale_of_an_edited_cell_says_how_to_delete_its_earlier_definitions(tmp_path):
    # a function typed in a notebook cell is keyed by its code: after an edit of the cell,
    # prune_stale() returned 0 and said nothing, and the old cell's calls stayed for good
    store = str(tmp_path / "nb")
    namespace = {"archived": archived, "store": store, "__name__": "__main__"}
    cell = "@archived(store)\ndef f(x):\n    return x + 1\n"
    exec(compile(cell, "<stdin>", "exec"), namespace)
    old = namespace["f"]
    old(1), old(2)
    exec(compile(cell.replace("+ 1", "* 100"), "<stdin>", "exec"), namespace)
    new = namespace["f"]
    new(1)
    with pytest.warns(UserWarning, match="keeps 2 calls of 1 other definition") as caught:
        assert new.prune_stale() == 0
    [warning] = caught
    command = str(warning.message).split("delete them with: ")[1].split(", or define")[0]
    assert command == f"archived prune {store} --function '{old.identity}' --yes"
    assert main(shlex.split(command)[1:]) == 0  # the command given deletes them
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert new.prune_stale() == 0 and [p for p, _ in new] == [{"x": 1}]


def test_clear_of_an_edited_cell_says_it_kept_its_earlier_definitions_calls(tmp_path):
    # clear() of a notebook function deleted this definition's calls alone and said
    # nothing: a user coming from joblib (whose clear() empties the function's cache)
    # still found the earlier cell's calls in `ls`, with no word of how to delete them
    store = str(tmp_path / "nb")
    namespace = {"archived": archived, "store": store, "__name__": "__main__"}
    cell = "@archived(store)\ndef f(x):\n    return x + 1\n"
    exec(compile(cell, "<stdin>", "exec"), namespace)
    old = namespace["f"]
    old(1), old(2)
    exec(compile(cell.replace("+ 1", "* 100"), "<stdin>", "exec"), namespace)
    new = namespace["f"]
    new(1)
    with pytest.warns(UserWarning, match="clear.. deletes only the calls of this definition"):
        assert new.clear() == 1
    assert list(new) == [] and sorted(p["x"] for p, _ in old) == [1, 2]
    command = f"archived prune {store} --function '{old.identity}' --yes"
    assert main(shlex.split(command)[1:]) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert new.clear() == 0 and list(old) == []


def test_clear_warn_false_as_in_joblib_deletes_the_same_and_says_nothing(tmp_path):
    # joblib's MemorizedFunc.clear(warn=False), kept by a user whose README maps
    # f.clear() to f.clear(), was a TypeError
    store = str(tmp_path / "nb")
    namespace = {"archived": archived, "store": store, "__name__": "__main__"}
    cell = "@archived(store)\ndef f(x):\n    return x + 1\n"
    exec(compile(cell, "<stdin>", "exec"), namespace)
    old = namespace["f"]
    old(1)
    exec(compile(cell.replace("+ 1", "* 100"), "<stdin>", "exec"), namespace)
    new = namespace["f"]
    new(1), new(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert new.clear(warn=False) == 2
    assert list(new) == [] and [p for p, _ in old] == [{"x": 1}]
