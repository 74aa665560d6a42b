"""@archived functions and `with archived(...)` blocks in one process."""

import math
import os
import pickle
import sys
import textwrap
import warnings

import numpy as np
import pytest

from archived.cache.decorator import CachedFunction, archived, default_store_path
from archived.cache.record import record
from archived.errors import (
    ArchiveError,
    InvalidNameError,
    ResultNotSetError,
    UnkeyableArgumentError,
)
from archived.store.dataset import DataSet
from helpers import RunLog


@pytest.fixture
def store(tmp_path):
    return str(tmp_path / "results")


def counted(store, **options):
    """A cached function that counts how often its body runs."""
    runs = RunLog()

    @archived(store, **options)
    def f(x, y=2, *, scale=1.0):
        runs.append((x, y, scale))
        return (x + y) * scale

    return f, runs


def test_a_repeated_call_loads_the_stored_result_without_running(store):
    f, runs = counted(store)
    assert f(1) == 3.0
    assert f(1) == 3.0
    assert runs == [(1, 2, 1.0)]


def test_positional_keyword_and_default_spellings_are_one_key(store):
    f, runs = counted(store)
    f(1)
    f(x=1)
    f(1, 2)
    f(1, y=2, scale=1.0)
    assert len(runs) == 1
    f(1, 3)
    assert len(runs) == 2


def test_each_call_is_one_entry_whose_info_records_the_call(store):
    f, _ = counted(store)
    f(1, scale=0.5)
    ds = DataSet("results", path=os.path.dirname(store))
    [name] = list(ds)
    assert name.startswith("counted_f_")
    info = ds[name]
    assert info["function"].startswith("test_cache.counted.<locals>.f@")
    assert info["parameters"] == {"x": 1, "y": 2, "scale": 0.5}
    assert info["version"] == f.version and info["status"] == "ok"
    assert info["host"] and info["pid"] == os.getpid()
    assert info["python"] == ".".join(map(str, sys.version_info[:3]))
    assert info["numpy"] == np.__version__ and info["archived"]
    assert info["duration"] >= 0 and info["started"].endswith("+00:00")
    assert getattr(ds, name) == 1.5


def test_arrays_are_keyed_by_content_and_summarized_in_the_info(store):
    calls = RunLog()

    @archived(store)
    def total(a):
        calls.append(1)
        return float(a.sum())

    a = np.arange(1000.0)
    total(a)
    total(a.copy())
    assert len(calls) == 1
    total(a.reshape(10, 100))
    total(a.astype(np.float32))
    b = a.copy()
    b[-1] += 1
    total(b)
    assert len(calls) == 4
    summaries = sorted(c.parameters["a"] for c in total.calls())
    assert summaries[0].startswith("ndarray(dtype=float32, shape=(1000,), key=")
    small = total(np.arange(3))
    assert small == 3.0 and "array([0, 1, 2])" in [c.parameters["a"] for c in total.calls()]


def test_a_fortran_ordered_argument_never_hits_the_result_of_its_c_ordered_copy(store):
    # ravel('K') walks memory: the two calls compute different values, and a ufunc's
    # result keeps the argument's layout
    @archived(store)
    def walk(a):
        return a.ravel("K"), 2 * a

    c = np.arange(6.0).reshape(2, 3)
    f = np.asfortranarray(c)
    assert walk(c)[0].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    flat, doubled = walk(f)
    assert flat.tolist() == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    assert doubled.flags.f_contiguous and not doubled.flags.c_contiguous
    flat, doubled = walk(f)  # a hit: as the call computed it
    assert flat.tolist() == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    assert doubled.flags.f_contiguous and not doubled.flags.c_contiguous
    assert len(walk.calls()) == 2


def test_floats_are_keyed_exactly_and_nan_hits(store):
    f, runs = counted(store)
    f(0.0)
    f(-0.0)
    f(0.1 + 0.2)
    f(0.3)
    assert len(runs) == 4
    assert math.isnan(f(math.nan))
    assert math.isnan(f(math.nan))
    assert len(runs) == 5


def test_true_and_1_are_different_calls(store):
    from archived.errors import NumericTypeWarning

    f, runs = counted(store)
    f(1)
    with pytest.warns(NumericTypeWarning, match=r"f\(x=True\) is not stored, but f\(x=1\)"):
        f(True)
    assert len(runs) == 2


def test_a_call_missing_only_for_the_numeric_types_of_several_parameters_says_so(store):
    # a sweep over np.linspace x np.arange stores numpy numbers; the same point called
    # with Python numbers differs in two parameters, and no warning said why it missed
    import numpy as np

    from archived import sweep
    from archived.errors import NumericTypeWarning

    runs = RunLog()

    @archived(store)
    def relax(L, beta, seed=0, n_sweeps=50):
        runs.append((L, beta, seed))
        return beta * seed

    grid = {"L": [32], "beta": np.linspace(0.2, 0.6, 3), "seed": np.arange(2)}
    sweep(relax, grid, n_jobs=1, progress=False)
    assert len(runs) == 6
    with pytest.warns(NumericTypeWarning) as caught:
        assert relax(32, 0.4, seed=1) == 0.4
    [warning] = caught
    assert str(warning.message).startswith(
        "relax(beta=0.4, seed=1) is not stored, but relax(beta=float64(0.4), seed=int64(1)) "
        "is (entry "
    )
    assert "pass beta as numpy.float64 and seed as numpy.int64" in str(warning.message)
    assert len(runs) == 7  # computed all the same: another call
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once for those parameters and types
        relax(32, 0.6, seed=1)
    # the other way round: stored as Python numbers, called with numpy's
    relax(16, 0.5, seed=3)
    with pytest.warns(NumericTypeWarning, match=r"relax\(L=int64\(16\), beta=float64"):
        relax(np.int64(16), np.float64(0.5), seed=np.int64(3))


def test_containers_sets_none_and_archive_1_objects_are_keyed(store):
    class Point:
        def __init__(self, x):
            self.x = x

        def archive_1(self):
            return ("Point(x=x)", {"x": self.x}, [])

    seen = RunLog()

    @archived(store)
    def g(obj):
        seen.append(1)
        return 0

    for value in ({"b": [1, (2,)], "a": None}, {3, 1, 2}, frozenset("ab"), Point(4)):
        g(value)
        g(value)
    g({"b": [1, (2,)], "a": None})
    g({1, 2, 3})
    g(Point(4))
    assert len(seen) == 4
    g({"a": None, "b": [1, (2,)]})  # another order: a function iterating it sees another
    assert len(seen) == 5


def test_an_unkeyable_argument_raises_naming_the_parameter_and_runs_nothing(store):
    f, runs = counted(store)
    with pytest.raises(UnkeyableArgumentError, match="'y'") as info:
        f(1, y=object())
    assert isinstance(info.value, TypeError) and runs == []
    assert not os.path.exists(os.path.join(store, ".keys"))


def test_ignored_parameters_are_left_out_of_the_key(store):
    runs = RunLog()

    @archived(store, ignore=("log",))
    def f(x, log=None):
        runs.append(x)
        return x

    f(1, log=object())
    f(1, log=open)
    assert runs == [1]
    assert f.calls()[0].parameters == {"x": 1}


def test_ignore_must_name_a_parameter(store):
    with pytest.raises(TypeError, match="'z' is not a parameter"):
        archived(store, ignore=("z",))(lambda x: x)


def test_ignore_not_a_parameter_names_the_function_and_its_parameters(store):
    # one archived(path, ignore=...) applied to several functions, as joblib's
    # memory.cache: the error did not say which function lacks the parameter
    cache = archived(store, ignore=["verbose"])

    def scale(x, factor=2):
        return x * factor

    with pytest.raises(
        TypeError,
        match=r"'verbose' is not a parameter of .*scale.*; its "
        r"parameters are x, factor$",
    ):
        cache(scale)


def test_unknown_options_and_non_path_targets_are_refused(store):
    with pytest.raises(TypeError, match="unknown option"):
        archived(store, verison="1")(lambda x: x)
    with pytest.raises(TypeError, match="store path"):
        archived(3)


def test_a_function_without_source_needs_a_pinned_version(store):
    with pytest.raises(TypeError, match="pass version="):
        archived(store)(abs)


def test_generator_functions_cannot_be_cached(store):
    def gen(n):
        yield n

    with pytest.raises(TypeError, match="generator"):
        archived(store)(gen)


def test_a_store_name_that_is_not_an_identifier_is_refused(tmp_path):
    with pytest.raises(InvalidNameError):
        archived(str(tmp_path / "my-results"))(lambda x: x)


def test_editing_the_source_makes_new_keys_and_keeps_old_results_as_stale(tmp_path, monkeypatch):
    # no bytecode cache: the edit has the same size and may land in the same second as the
    # first version, and a .pyc is trusted on size and whole-second mtime
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    store = str(tmp_path / "s")
    module = tmp_path / "experiment_mod.py"
    template = textwrap.dedent(
        """
        import archived
        @archived.archived({store!r})
        def run(x):
            return x * {factor}
        """
    )
    sys.path.insert(0, str(tmp_path))
    try:
        module.write_text(template.format(store=store, factor=2))
        import experiment_mod

        assert experiment_mod.run(5) == 10
        old_version = experiment_mod.run.version
        sys.modules.pop("experiment_mod")
        module.write_text(template.format(store=store, factor=3))
        import experiment_mod as edited

        assert edited.run.version != old_version
        assert edited.run(5) == 15
        [stale] = edited.run.stale()
        assert stale.info["version"] == old_version and stale.load() == 10
        assert [p for p, _ in edited.run] == [{"x": 5}]
        assert edited.run.prune_stale() == 1
        assert edited.run.stale() == [] and edited.run(5) == 15
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("experiment_mod", None)


def test_version_pins_keys_across_edits(store, tmp_path, monkeypatch):
    import importlib

    module = tmp_path / "edited_experiment.py"
    monkeypatch.syspath_prepend(str(tmp_path))

    def load(body):
        module.write_text(f"def run(x):\n    return {body}\n")
        sys.modules.pop("edited_experiment", None)
        importlib.invalidate_caches()
        return importlib.import_module("edited_experiment").run

    first = archived(store, version="v1")(load("x + 1"))
    assert first(1) == 2
    # the same function edited, with the same pinned version: the stored result is reused
    assert archived(store, version="v1")(load("x + 100"))(1) == 2
    assert archived(store, version="v2")(load("x + 100"))(1) == 101
    sys.modules.pop("edited_experiment", None)


def test_a_function_moved_to_another_module_and_named_as_before_finds_its_results(
    store, tmp_path, monkeypatch
):
    # experiment.simulate moved to sim.py, given its old identity as ls -l shows it: the
    # same keys, but looked up under the prefix of name= (experiment_simulate_...), its
    # entries (simulate_...) were never found and every call was computed again
    import importlib

    monkeypatch.syspath_prepend(str(tmp_path))
    body = "def simulate(mu, n=2):\n    CALLS.append(mu)\n    return mu * n\n"

    def load(module, decorator):
        (tmp_path / f"{module}.py").write_text(
            f"from archived import archived\nCALLS = []\n\n{decorator}\n{body}"
        )
        sys.modules.pop(module, None)
        importlib.invalidate_caches()
        return importlib.import_module(module)

    try:
        before = load("moved_experiment", f"@archived({store!r})")
        assert before.simulate(1.5) == 3.0 and before.simulate(2.5) == 5.0
        moved = load("moved_sim", f"@archived({store!r}, name='moved_experiment.simulate')")
        assert moved.simulate.identity == before.simulate.identity
        assert moved.simulate(1.5) == 3.0 and moved.CALLS == []
        assert sorted(c.parameters["mu"] for c in moved.simulate.calls()) == [1.5, 2.5]
        assert len(moved.simulate.table(frame=False)) == 2
        # a call the moved function makes is stored beside them, and found again
        assert moved.simulate(4.0) == 8.0 and moved.CALLS == [4.0]
        again = load("moved_sim", f"@archived({store!r}, name='moved_experiment.simulate')")
        assert again.simulate(4.0) == 8.0 and again.simulate(1.5) == 3.0
        assert again.CALLS == []
    finally:
        for module in ("moved_experiment", "moved_sim"):
            sys.modules.pop(module, None)


def test_a_named_function_keeps_the_prefix_of_its_name_where_it_has_entries(store):
    # a store written with name= before: its entries are under the name's prefix, and
    # stay found though entries under the function's own prefix appear beside them
    def fit(x):
        return x + 1

    named = archived(store, name="lab.fit")(fit)
    assert named(1) == 2 and named.prefix == "lab_fit"
    plain = archived(store)(fit)  # the same code under its own identity and prefix
    assert plain(5) == 6 and plain.prefix != "lab_fit"
    again = archived(store, name="lab.fit")(fit)
    assert again.prefix == "lab_fit" and again.is_cached(1)


def test_a_moved_function_finds_its_results_beside_a_function_whose_prefix_extends_its_name(
    store,
):
    # lab.fit moved and named as before: its entries are fit_<16 hex>; an unrelated
    # function lab_fit_fast's entries (lab_fit_fast_<16 hex>) begin with the name's
    # prefix lab_fit_, which made the moved function take that prefix and miss them all
    from archived.cache.funcinfo import entry_prefix

    def fit(x):
        return x + 1

    def fast(x):
        return x + 2

    before = archived(store, version="1")(fit)
    assert before(1) == 2
    fast.__qualname__ = entry_prefix(before.identity) + "_fast"  # lab_fit_fast
    assert archived(store)(fast)(1) == 3
    moved = archived(store, name=before.identity, version="1")(fit)
    assert moved.prefix == before.prefix and moved.is_cached(1)


def test_a_moved_function_finds_its_results_beside_a_function_whose_prefix_is_its_names(store):
    # lab.fit moved and named as before: its entries are fit_<16 hex>; an unrelated
    # function whose qualified name is lab_fit has the name's very prefix, and its
    # entries made the moved function take that prefix and miss its own results
    from archived.cache.funcinfo import entry_prefix

    def fit(x):
        return x + 1

    def other(x):
        return x + 2

    before = archived(store, version="1")(fit)
    assert before(1) == 2
    other.__qualname__ = entry_prefix(before.identity)  # lab_fit
    assert archived(store)(other)(1) == 3
    moved = archived(store, name=before.identity, version="1")(fit)
    assert moved.prefix == before.prefix and moved.is_cached(1)


def test_exceptions_are_recorded_not_cached_and_the_next_call_retries(store):
    attempts = RunLog()

    @archived(store)
    def flaky(x):
        attempts.append(x)
        if len(attempts) == 1:
            raise ValueError(f"bad point {x}")
        return x

    with pytest.raises(ValueError, match="bad point 7"):
        flaky(7)
    [failure] = flaky.failures()
    assert failure.parameters == {"x": 7}
    assert failure.info["error"] == "ValueError"
    assert failure.info["message"] == "bad point 7"
    assert "raise ValueError" in failure.info["traceback"]
    assert failure.info["duration"] >= 0
    assert flaky.calls() == []
    assert flaky(7) == 7 and attempts == [7, 7]
    assert flaky.failures() == []
    assert flaky(7) == 7 and attempts == [7, 7]


def test_is_cached_tells_without_running(store):
    f, runs = counted(store)
    assert not f.is_cached(1)
    f(1)
    assert f.is_cached(1) and f.is_cached(x=1, y=2) and f.check_call_in_cache(1, 2)
    assert not f.is_cached(2)
    assert runs == [(1, 2, 1.0)]


def test_iteration_gives_parameters_and_lazily_loaded_results(store):
    f, _ = counted(store)
    for x in range(3):
        f(x)
    pairs = sorted(f, key=lambda pair: pair[0]["x"])
    assert [p["x"] for p, _ in pairs] == [0, 1, 2]
    assert [result() for _, result in pairs] == [2.0, 3.0, 4.0]


def test_clear_removes_only_this_functions_entries(store):
    f, runs = counted(store)
    g = archived(store)(lambda x: -x)
    f(1)
    f(2)
    g(1)
    assert f.clear() == 2
    assert len(f.dataset) == 1 and g.is_cached(1)
    f(1)
    assert len(runs) == 3


def test_a_result_is_loaded_from_the_store_not_kept_in_memory(store):
    f = archived(store)(lambda n: list(range(n)))
    first = f(3)
    first.append(99)
    assert f(3) == [0, 1, 2]


def test_bare_decorator_stores_under_the_documented_default_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("ARCHIVED_DIR", str(tmp_path / "root"))

    def h(x):
        return x

    cached = archived(h)
    assert isinstance(cached, CachedFunction)
    assert cached.store.path == str(tmp_path / "root" / "test_cache_results")
    assert default_store_path(h) == cached.store.path
    assert cached(4) == 4 and cached.is_cached(4)


def test_default_directory_is_archived_results_module_results_next_to_the_defining_file(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("ARCHIVED_DIR", raising=False)
    monkeypatch.chdir(tmp_path)

    def h(x):
        return x

    here = os.path.dirname(os.path.abspath(__file__))
    assert default_store_path(h) == os.path.join(here, "archived_results", "test_cache_results")


def test_methods_can_be_cached_with_self_ignored(store):
    class Model:
        def __init__(self, k):
            self.k = k

        @archived(store, ignore=("self",))
        def predict(self, x):
            return self.k * x

    assert Model(2).predict(3) == 6
    assert Model(5).predict(3) == 6  # self is ignored: the stored call answers


def test_pickling_holds_no_open_file_or_lock(store):
    f = archived(store, version="1")(abs)
    f(-2)
    again = pickle.loads(pickle.dumps(f))
    assert again.store.path == f.store.path and again(-2) == 2 and again.is_cached(-2)


def test_the_store_imports_as_a_module_showing_the_calls(store, tmp_path):
    f, _ = counted(store)
    f(4)
    sys.path.insert(0, str(tmp_path))
    try:
        import results

        [name] = [n for n in dir(results) if n.startswith("counted_f_")]
        assert getattr(results, name) == 6.0
        assert results._info_dict[name].info["parameters"]["x"] == 4
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("results", None)


def test_a_key_collision_never_returns_another_calls_result(store):
    f, runs = counted(store)
    f(1)
    [name] = list(f.dataset)
    info = f.dataset[name]
    # forge a stored entry with this call's key but other parameters: a hash collision
    f.dataset._insert(-1.0, dict(info, parameters={"x": 99, "y": 2, "scale": 1.0}), name=name)
    with pytest.warns(RuntimeWarning, match="other parameters"):
        assert f(1) == 3.0
    assert len(runs) == 2 and getattr(f.dataset, name) == -1.0


@pytest.mark.parametrize(
    "recorded",
    [True, 1.0, np.int64(1), "1", None],
    ids=["bool", "float", "numpy int", "str", "None"],
)
def test_a_collision_recording_an_equal_value_of_another_type_is_no_hit(store, recorded):
    # the call's x is the int 1; the forged entry holds its key but records x as a value
    # that == 1 (or not), of another type: the call computes, the entry is left alone
    f, runs = counted(store)
    f(1)
    [name] = list(f.dataset)
    info = f.dataset[name]
    forged = dict(info, parameters=dict(info["parameters"], x=recorded))
    f.dataset._insert(-1.0, forged, name=name)
    with pytest.warns(RuntimeWarning, match="other parameters"):
        assert f(1) == 3.0
    assert len(runs) == 2 and getattr(f.dataset, name) == -1.0


@pytest.mark.parametrize(
    "recorded",
    [
        {"x": 99, "y": 2},
        {"x": True, "y": 2},
        {"x": 1.0, "y": 2},
        {"x": 1},
        {"x": 1, "y": 2, "z": 3},
    ],
    ids=["other value", "bool", "float", "fewer", "more"],
)
def test_a_call_by_position_recording_other_parameters_under_its_key_is_no_hit(store, recorded):
    # a call giving every parameter by position, of a function closing over nothing, is
    # looked up straight (its own path): an entry with its key but other parameters is
    # still no hit (the call computes 3, not the forged -1.0), and is left alone
    g = archived(store)(_add)
    assert g(1, 2) == 3
    [name] = list(g.dataset)
    g.dataset._insert(-1.0, dict(g.dataset[name], parameters=recorded), name=name)
    with pytest.warns(RuntimeWarning, match="other parameters"):
        assert g(1, 2) == 3
    assert getattr(g.dataset, name) == -1.0


def _add(x, y):
    return x + y


def test_a_call_by_position_and_by_keyword_are_one_call(store):
    g = archived(store)(_add)
    assert g._positional is not None  # (the straight path is taken)
    assert g(1, 2) == 3 and len(g.dataset) == 1
    [name] = list(g.dataset)
    # (a hit tells itself; recorded as the call's result, its digest made anew)
    g.dataset._insert(-1, dict(g.dataset[name]), name=name, digest_value=True)
    assert g(1, 2) == -1 and g(x=1, y=2) == -1 and g(1, y=2) == -1
    assert g(1.0, 2) == 3.0  # (another call: a float; with a near-miss warning)
    assert len(g.dataset) == 2


def test_two_keys_sharing_an_entry_name_get_two_entries(store):
    f, runs = counted(store)
    f(1)
    [name] = list(f.dataset)
    info = f.dataset[name]
    # another call whose key starts with the same 16 hex digits occupies the name
    f.dataset._insert(-1.0, dict(info, key=info["key"][:16] + "f" * 16), name=name)
    assert f(1) == 3.0 and f(1) == 3.0
    assert len(runs) == 2 and len(f.dataset) == 2


def test_a_sweep_finds_a_call_stored_under_its_second_name(store):
    from archived import sweep

    f, runs = counted(store)
    f(1)
    [name] = list(f.dataset)
    info = f.dataset[name]
    f.dataset._insert(-1.0, dict(info, key=info["key"][:16] + "f" * 16), name=name)
    assert f(1) == 3.0 and len(runs) == 2  # stored under the key's second name
    # the driver's one look at the index probes the second name where the first is taken
    assert sweep(f, {"x": [1, 5]}, n_jobs=1, progress=False) == [3.0, 7.0]
    assert [run[0] for run in runs] == [1, 1, 5]
    assert f"{name}_{info['key'][16:]}" in f.dataset


# ---- the context-manager form ---------------------------------------------------------


def test_a_block_computes_once_then_loads_its_result(store):
    computed = []
    for _ in range(2):
        with archived(store, n=3, label="a") as rec:
            if not rec.cached:
                computed.append(1)
                rec.result = np.arange(rec.parameters["n"])
    assert len(computed) == 1
    np.testing.assert_array_equal(rec.result, np.arange(3))
    assert rec.cached


def run_block(store, n, body):
    """One block (one place, one code version) whose work is ``body(rec)``."""
    with archived(store, n=n) as rec:
        if not rec.cached:
            body(rec)
    return rec


def test_a_block_that_raises_commits_nothing_and_records_the_failure(store):
    def fails(rec):
        rec.result = "partial"
        raise KeyError("boom")

    with pytest.raises(KeyError):
        run_block(store, 1, fails)
    assert [n for n in DataSet("results", path=os.path.dirname(store)) if n.endswith("_failed")]
    rec = run_block(store, 1, lambda rec: setattr(rec, "result", "full"))
    assert not rec.cached
    again = run_block(store, 1, fails)
    assert again.cached and again.result == "full"


def test_a_block_that_sets_no_result_is_an_error_and_commits_nothing(store):
    with pytest.raises(ValueError, match="without setting rec.result"):
        run_block(store, 2, lambda rec: None)
    rec = run_block(store, 2, lambda rec: setattr(rec, "result", None))
    assert not rec.cached
    rec = run_block(store, 2, lambda rec: None)
    assert rec.cached and rec.result is None


def test_a_block_that_sets_no_result_names_itself_and_says_to_set_rec_result(store):
    # it was a plain ValueError, outside archived's hierarchy, naming no block
    with pytest.raises(
        ResultNotSetError, match=r"block:.*ended without setting rec.result"
    ) as err:
        run_block(store, 3, lambda rec: None)
    assert isinstance(err.value, ArchiveError) and isinstance(err.value, ValueError)
    assert "rec.result = value" in str(err.value)


def test_a_block_tells_its_code_version_which_prune_stale_takes(store):
    # rec.version stayed None (the option, unpinned): a user pruning an edited block's
    # old results had to guess which VERSION that ls -l lists was the current one
    rec = run_block(store, 4, lambda rec: setattr(rec, "result", 4))
    assert rec.version == rec.store.info(rec.entry)["version"] and len(rec.version) == 16
    with record(store, {"n": 4}, version=7) as pinned:
        pinned.result = 4
    assert pinned.version == "7" == pinned.store.info(pinned.entry)["version"]


def test_block_keywords_are_parameters_even_when_named_like_options(store):
    with archived(store, version="x", ignore=1) as rec:
        rec.result = 1
    assert rec.parameters == {"version": "x", "ignore": 1}


def test_record_takes_options_and_names_separate_blocks(store):
    with record(store, {"n": 1}, name="first") as a:
        a.result = "a"
    with record(store, {"n": 1}, name="second") as b:
        assert not b.cached
        b.result = "b"
    with record(store, {"n": 1}, name="first", version="2") as c:
        assert not c.cached
        c.result = "c"
    assert a.entry.startswith("first_") and b.entry.startswith("second_")


def test_a_cached_blocks_result_is_loaded_on_entry_so_cached_means_it_is_at_hand(store):
    for _ in range(2):
        with archived(store, n=5) as rec:
            if not rec.cached:
                rec.result = list(range(5))
    assert rec.cached
    delattr(rec.store.dataset, rec.entry)
    assert rec.result == [0, 1, 2, 3, 4]


# ---- binding arguments -------------------------------------------------------------------


def _plain(a, b=2, *, c=3):
    pass


def _variadic(a, /, b=2, *args, c, **kw):
    pass


def _positional(a, b=2):
    pass


@pytest.mark.parametrize(
    "func, args, kwargs",
    [
        (_plain, (1,), {}),
        (_plain, (), {"a": 1, "c": 5}),
        (_plain, (1, 4), {"c": 5}),
        (_plain, (1,), {"b": 2}),
        (_variadic, (1, 2, 3), {"c": 4, "z": 5}),
        (_variadic, (1,), {"c": 4}),
        (_positional, (1, 4), {}),
        (_positional, (1,), {}),
        (_positional, (1,), {"b": 5}),
    ],
)
def test_fast_binding_agrees_with_inspect(func, args, kwargs):
    import inspect

    from archived.cache.funcinfo import ArgumentBinder

    sig = inspect.signature(func)
    expected = sig.bind(*args, **kwargs)
    expected.apply_defaults()
    assert ArgumentBinder(sig)(args, kwargs) == dict(expected.arguments)


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        ((), {}, "missing a required argument: 'a'"),
        ((1,), {"a": 1}, "multiple values for argument 'a'"),
        ((1,), {"d": 1}, "unexpected keyword argument 'd'"),
        ((1, 2, 3), {}, "too many positional arguments"),
    ],
)
def test_bad_calls_raise_pythons_own_binding_errors_before_running(store, args, kwargs, message):
    f = archived(store)(_plain)
    with pytest.raises(TypeError, match=message):
        f(*args, **kwargs)
    assert not os.path.exists(store)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_a_forked_child_opens_the_store_anew_and_computes_and_hits_there(store):
    # the parent's open store holds its lock files: a child sharing them would share the
    # parent's locks instead of waiting for them
    f, runs = counted(store)
    f(1)
    parent = f.store.dataset
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # forking a threaded process
        pid = os.fork()
    if pid == 0:  # the child: any failure is its exit status
        status = 1
        try:
            if f.store.dataset is not parent and f(1) == 3.0 and f(2) == 4.0 and len(runs) == 2:
                status = 0
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert f.store.dataset is parent and f(2) == 4.0 and len(runs) == 1  # the child's


def test_a_hit_reads_only_its_own_entry(store):
    f, runs = counted(store)
    f(1)
    f(2)
    [mine, other] = sorted(f.dataset, key=lambda n: f.dataset[n]["parameters"]["x"])
    with open(os.path.join(store, other + ".py"), "w") as damaged:
        damaged.write("this is not an entry")
    assert f(1) == 3.0 and len(runs) == 2


def test_when_both_names_of_a_key_are_taken_the_call_runs_and_stores_nothing(store):
    f, runs = counted(store)
    f(1)
    [name] = list(f.dataset)
    info = f.dataset[name]
    alias = name + "_" + info["key"][16:]
    other_key = info["key"][:16] + "0" * 16
    f.dataset._insert(-1.0, dict(info, key=other_key), name=name)
    f.dataset._insert(-2.0, dict(info, key=other_key[:16] + "1" * 16), name=alias)
    assert f(1) == 3.0 and f(1) == 3.0
    assert len(runs) == 3 and len(f.dataset) == 2


def test_stale_lists_failures_of_old_versions_too(store):
    def boom(x):
        raise RuntimeError("old code")

    old = archived(store, version="1")(boom)
    with pytest.raises(RuntimeError):
        old(1)
    new = archived(store, version="2")(boom)
    assert [c.info["status"] for c in new.stale()] == ["failed"]
    assert new.failures() == [] and new.prune_stale() == 1 and len(new.dataset) == 0


class _Color(__import__("enum").Enum):
    RED = 1


class _Point:
    def __init__(self, x):
        self.x = x

    def archive_1(self):
        return ("_Point(x=x)", {"x": self.x}, [])


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        -(2**80),
        -0.0,
        math.inf,
        1e-310,
        complex(1, -0.0),
        "é\n'\"",
        b"\x00\xff",
        bytearray(b"ab"),
        (1, [2, (3,)]),
        {"b": 1, 2: "a", None: (1.5,)},
        {1, 2, 3},
        frozenset({(1, 2), "x"}),
        __import__("collections").OrderedDict(b=1, a=2),
        np.float32(0.1),
        np.int8(-3),
        np.bool_(True),
        np.datetime64("2020-01-01"),
        np.arange(5, dtype=np.int16),
        np.zeros((50, 3)),
        np.array([1, "a", None], dtype=object),
        _Color.RED,
        __import__("pathlib").PurePosixPath("/data/run"),
        range(2, 9, 3),
        slice(1, None, 2),
        _Point([1, 2]),
    ],
    ids=lambda v: type(v).__name__,
)
def test_every_keyable_kind_of_argument_hits_on_the_second_call(store, value):
    runs = RunLog()

    @archived(store)
    def f(v):
        runs.append(1)
        return 7

    assert f(value) == 7 and f(value) == 7
    assert len(runs) == 1


def _damage_data_file(store):
    [h5] = [name for name in os.listdir(store) if name.endswith(".h5")]
    os.remove(os.path.join(store, h5))


def test_a_damaged_entry_is_recomputed_and_rewritten_with_one_warning(store):
    import warnings

    runs = RunLog()

    @archived(store)
    def f(n):
        runs.append(n)
        return np.arange(n, dtype=float)

    f(500)
    _damage_data_file(store)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        np.testing.assert_array_equal(f(500), np.arange(500.0))
    [warning] = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    assert "damaged" in str(warning.message)
    np.testing.assert_array_equal(f(500), np.arange(500.0))
    assert runs == [500, 500]


def test_a_block_whose_entry_is_damaged_computes_again_like_a_function(store):
    def block():
        with archived(store, n=500) as rec:
            if not rec.cached:
                rec.result = np.arange(500.0)
        return rec

    assert not block().cached and block().cached
    _damage_data_file(store)
    with pytest.warns(RuntimeWarning, match="damaged"):
        assert not block().cached
    rec = block()
    assert rec.cached
    np.testing.assert_array_equal(rec.result, np.arange(500.0))


def test_a_script_run_as_main_and_imported_as_a_module_shares_its_results(tmp_path):
    import subprocess

    (tmp_path / "exp_script.py").write_text(
        textwrap.dedent(
            """
            import os
            from archived import archived

            @archived()
            def run(x):
                with open(os.environ["COUNTER"], "a") as f:
                    f.write("ran\\n")
                return x * 2

            if __name__ == "__main__":
                print(run(21))
            """
        )
    )
    env = dict(os.environ, COUNTER=str(tmp_path / "count"), ARCHIVED_DIR=str(tmp_path / "r"))
    run = [sys.executable, "exp_script.py"]
    imported = [sys.executable, "-c", "import exp_script; print(exp_script.run(21))"]
    for command in (run, imported, run):
        out = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
        assert out.stdout.strip() == "42", out.stderr
    assert (tmp_path / "count").read_text() == "ran\n"
    assert os.listdir(tmp_path / "r") == ["exp_script_results"]


def test_a_pandas_frame_argument_hits_on_the_second_call(store):
    pd = pytest.importorskip("pandas")
    f, runs = counted(store)
    frame = pd.DataFrame({"a": [1.0, 2.0]})
    f(frame, y=frame)
    f(frame.copy(), y=frame.copy())
    assert len(runs) == 1
    assert f.calls()[0].parameters["x"].startswith("DataFrame(shape=(2, 1), key=")


@pytest.mark.parametrize("durable", [True, False])
def test_durable_option_decides_whether_misses_fsync_and_survives_pickling(
    tmp_path, monkeypatch, durable
):
    f = archived(str(tmp_path / "s"), durable=durable)(lambda n: np.arange(float(n)))
    f(1)  # creates the store, which is always synced once
    synced = []
    real_fsync, real_fdatasync = os.fsync, getattr(os, "fdatasync", os.fsync)
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))
    monkeypatch.setattr(
        os, "fdatasync", lambda fd: synced.append(fd) or real_fdatasync(fd), raising=False
    )
    np.testing.assert_array_equal(f(500), np.arange(500.0))  # an HDF5-sized result
    assert (len(synced) >= 3) is durable and (synced == []) is (not durable)
    again = pickle.loads(pickle.dumps(f.store))
    assert again.durable is durable
    np.testing.assert_array_equal(f(500), np.arange(500.0))  # the hit reads it back


def test_a_store_deleted_while_its_function_is_held_is_made_again_at_the_next_miss(tmp_path):
    # `rm -rf results` beside a running notebook: every later call computed, warned that
    # its write failed, and stored nothing until the kernel restarted; table() raised
    import shutil

    f = archived(tmp_path / "runs")(lambda x: x * 2)
    assert f(1) == 2
    shutil.rmtree(tmp_path / "runs")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f.table(frame=False) == []
        assert f(2) == 4
    assert f.is_cached(2) and not f.is_cached(1)
    assert f.table(frame=False) == [{"x": 2, "result": 4}]
    assert DataSet("runs", path=str(tmp_path))[f.calls()[0].name]["parameters"] == {"x": 2}
    shutil.rmtree(tmp_path / "runs")
    from archived import sweep

    assert sweep(f, {"x": [2, 3]}, progress=False) == [4, 6]
    assert sorted(row["x"] for row in f.table(frame=False)) == [2, 3]


def test_an_entry_with_the_key_but_other_parameters_is_no_hit_is_kept_and_is_reported(
    tmp_path,
):
    # a hand edit of an entry's parameters: is_cached() warned "computing without storing"
    # (it computes nothing), and every warning pointed inside archived
    f = archived(tmp_path / "runs")(_triple)
    assert f(1) == 3
    [name] = f.dataset
    path = tmp_path / "runs" / f"{name}.py"
    path.write_text(path.read_text().replace("'parameters': {'x': 1}", "'parameters': {'x': 2}"))
    edited = path.read_bytes()
    for call in (lambda: f.is_cached(1), lambda: f(1)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert call() in (False, 3)
        [warning] = caught
        assert warning.filename == __file__
        assert "other parameters ({'x': 2})" in str(warning.message)
        assert "is not this call's result" in str(warning.message)
        # and the next step, one that cannot return another call's result
        assert f"move {path} out of the store" in str(warning.message)
    assert path.read_bytes() == edited  # kept as the person left it
    # taken at its word: the file moved away, the call is computed and stored
    path.rename(tmp_path / "edited.py")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f(1) == 3
    assert f.is_cached(1) and f(1) == 3


def _triple(x):
    return 3 * x
