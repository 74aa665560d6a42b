"""Parameters are shown as they were keyed: 1, 1.0, True and np.float64(1.0) are four
calls, and the store, ``ls``, ``show`` and ``table()`` tell them apart."""

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

from archived import sweep
from archived.cache.decorator import archived
from archived.cache.recorded import readable, same_parameters
from archived.errors import NumericTypeWarning
from archived.store.dataset import DataSet

FOUR_ONES = [1, 1.0, True, np.float64(1.0)]


@pytest.fixture
def store(tmp_path):
    return str(tmp_path / "runs")


def identity_of(store):
    @archived(store)
    def echo(x):
        return x

    return echo


def test_four_equal_numbers_of_four_types_are_four_calls_each_giving_back_its_own(store):
    echo = identity_of(store)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericTypeWarning)
        for value in FOUR_ONES:
            assert type(echo(value)) is type(value)
    for value in FOUR_ONES:  # hits now: each still gives back its own type
        assert type(echo(value)) is type(value)
    assert len(echo.calls()) == 4


def test_stored_parameters_keep_their_exact_type(store):
    echo = identity_of(store)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericTypeWarning)
        for value in FOUR_ONES:
            echo(value)
    ds = DataSet("runs", path=os.path.dirname(store))
    stored = sorted((type(ds[n]["parameters"]["x"]).__name__ for n in ds), key=str)
    assert stored == ["bool", "float", "float64", "int"]
    safe = DataSet("runs", path=os.path.dirname(store), safe=True)
    assert sorted(type(safe[n]["parameters"]["x"]).__name__ for n in safe) == stored


def test_ls_and_show_print_the_type_of_a_number_that_is_not_a_builtin(store):
    echo = identity_of(store)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericTypeWarning)
        for value in FOUR_ONES:
            echo(value)
    ls = subprocess.run(
        [sys.executable, "-m", "archived", "ls", "-l", store], capture_output=True, text=True
    )
    shown = sorted(line.split()[3] for line in ls.stdout.splitlines()[1:-1])
    assert shown == ["x=1", "x=1.0", "x=True", "x=float64(1.0)"], ls.stdout
    [numpy_entry] = [line.split()[0] for line in ls.stdout.splitlines() if "float64" in line]
    show = subprocess.run(
        [sys.executable, "-m", "archived", "show", store, numpy_entry],
        capture_output=True,
        text=True,
    )
    assert "x=float64(1.0)" in show.stdout, show.stdout


def test_a_sweep_over_linspace_then_floats_warns_and_its_table_tells_the_pairs_apart(store):
    @archived(store)
    def energy(mu):
        return 2 * mu

    sweep(energy, {"mu": np.linspace(0.0, 1.0, 3)}, progress=False)
    with pytest.warns(NumericTypeWarning) as caught:
        sweep(energy, {"mu": [0.0, 0.5, 1.0]}, progress=False)
    # once, naming both calls, not once per point
    [message] = [str(w.message) for w in caught if w.category is NumericTypeWarning]
    assert message.startswith("energy(mu=0.0) is not stored, but energy(mu=float64(0.0)) is")
    assert "not reported again" in message
    rows = energy.table(frame=False)
    assert len(rows) == 6
    pairs = {(row["mu"], row["type(mu)"]) for row in rows}
    assert len(pairs) == 6 and ("numpy.float64" in {t for _, t in pairs})
    frame = energy.table()
    assert list(frame.columns) == ["mu", "type(mu)", "result"]
    assert sorted(frame["type(mu)"]) == ["float"] * 3 + ["numpy.float64"] * 3


def test_a_first_sweep_whose_own_points_are_equal_numbers_of_two_types_warns(store):
    @archived(store)
    def energy(mu):
        return 2 * mu

    with pytest.warns(NumericTypeWarning, match=r"energy\(mu=float64\(0.5\)\) is not stored"):
        sweep(energy, [{"mu": 0.5}, {"mu": np.float64(0.5)}], n_jobs=1, progress=False)


def test_a_sweep_probes_for_near_misses_only_where_a_stored_call_could_be_one(store, monkeypatch):
    import archived.cache.calls as calls

    probed = []
    monkeypatch.setattr(calls, "warn_near_misses", lambda store, call: probed.append(call))

    @archived(store)
    def energy(mu, n):
        return mu * n

    # nothing of energy stored, one type per parameter: no point can have a stored twin
    sweep(energy, {"mu": np.linspace(0.0, 1.0, 3), "n": [1, 2]}, n_jobs=1, progress=False)
    assert probed == []
    # results of energy are stored now: every missing point is probed
    sweep(energy, {"mu": [0.0, 0.5], "n": [3]}, n_jobs=1, progress=False)
    assert len(probed) == 2


def test_a_miss_names_an_equal_float32_or_numpy_bool_call_but_never_a_merely_close_one(store):
    echo = identity_of(store)
    for value in (np.float32(0.5), np.float32(0.1), np.True_):
        echo(value)
    with pytest.warns(NumericTypeWarning, match=r"but echo\(x=float32\(0.5\)\) is"):
        echo(0.5)
    with pytest.warns(NumericTypeWarning, match=r"but echo\(x=bool_\(True\)\) is"):
        echo(True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        echo(0.1)  # np.float32(0.1) == 0.1 in numpy, yet they are two numbers
        echo(2**53 + 1)


def test_equal_numbers_are_equal_exactly_not_after_rounding_to_one_type():
    from archived.cache.nearmiss import equal_numbers

    assert equal_numbers(0.1) == [np.float64(0.1)]
    assert [type(v) for v in equal_numbers(2**53 + 1)] == [np.int64]
    assert equal_numbers(np.float32(0.1)) == [0.10000000149011612, 0.10000000149011612]
    assert equal_numbers(np.longdouble(1)) == []  # no exact Python number to compare


def test_a_hit_warns_nothing_and_a_table_of_builtins_has_no_type_column(store):
    @archived(store)
    def twice(n, scale=1.0):
        return n * scale

    twice(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        twice(2)
        twice(3)
    assert list(twice.table(frame=False)[0]) == ["n", "scale", "result"]


def test_entries_written_before_numpy_scalars_kept_their_type_still_hit(store):
    @archived(store)
    def half(x):
        return x / 2

    half(np.float32(3.0))
    [name] = list(half.dataset)
    info = half.dataset[name]
    half.dataset[name] = dict(info, parameters={"x": 3.0})  # as archived 0.1 recorded it
    assert half.is_cached(np.float32(3.0))


@pytest.mark.parametrize(
    ("stored", "current", "same"),
    [
        ({"x": 0.0}, {"x": -0.0}, False),
        ({"x": -0.0}, {"x": -0.0}, True),
        ({"x": float("nan")}, {"x": float("nan")}, True),
        ({"x": float("nan")}, {"x": 1.0}, False),
        ({"x": 1.0}, {"x": float("nan")}, False),
        ({"x": 2.5}, {"x": 2.5}, True),
        ({"x": 1.0}, {"x": 1}, False),
        ({"x": 1}, {"x": True}, False),
        ({"x": 1, "y": 2.5}, {"x": 1, "z": 2.5}, False),
        ({"x": 1}, {"x": 1, "y": 2}, False),
        ({"x": None}, {}, False),
    ],
)
def test_same_parameters_of_dicts_tells_zeros_nans_types_and_names_apart(stored, current, same):
    assert same_parameters(stored, current) is same
    assert same_parameters(current, stored) is same


def test_same_parameters_compares_numpy_scalars_by_type_and_bits():
    assert same_parameters(np.float64("nan"), np.float64("nan"))
    assert not same_parameters(np.float64(0.0), np.float64(-0.0))
    assert not same_parameters(np.float32(1.0), np.float64(1.0))
    assert readable({"x": np.int8(3)}) == {"x": np.int8(3)}


@pytest.mark.parametrize(
    "options",
    [
        {"precision": 3},
        {"suppress": True, "floatmode": "fixed"},
        {"sign": "+", "linewidth": 20},
        {"legacy": "1.21"},
    ],
)
def test_small_array_and_datetime64_arguments_hit_whatever_numpys_print_options(store, options):
    # a small array argument is recorded as its repr, which followed the process's print
    # options: after np.set_printoptions(precision=3) in a notebook every stored call
    # missed ('has the key of this call but other parameters'), computing each time
    # without storing, and a call stored then missed in every default session
    echo = identity_of(store)
    calls = [np.array([0.123456789, 1e-9, -2.0]), np.datetime64("2020-01-01T10:00")]
    for value in calls:
        echo(value)
    with np.printoptions(**options), warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [echo.is_cached(value) for value in calls] == [True, True]
        echo(np.arange(3.5))  # stored under the options: a hit without them
        under_options = sorted(str(p["x"]) for p, _ in echo)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert echo.is_cached(np.arange(3.5))
    assert under_options == sorted(str(p["x"]) for p, _ in echo)
