"""Stored calls as tables: func.table(), DataSet.table(), func.where(), with and without
pandas."""

import dataclasses
import sys
import typing
import warnings

import numpy as np
import pytest

from archived import NumericTypeWarning, archived, sweep
from archived.store.dataset import DataSet
from archived.store.table import dataset_table, is_scalar, result_columns, to_table


@pytest.fixture
def energy(tmp_path):
    @archived(tmp_path / "runs")
    def energy(mu, n=10, label="a"):
        return {"e": mu * n, "spectrum": np.arange(n) * mu, "n_sq": np.int64(n * n)}

    return energy


@pytest.fixture
def no_pandas(monkeypatch):
    # a None entry in sys.modules makes `import pandas` raise ImportError
    monkeypatch.setitem(sys.modules, "pandas", None)


def test_table_has_parameters_and_scalar_results_in_parameter_order_without_pandas(
    energy, no_pandas
):
    energy(1.5)
    energy(0.5, n=4)
    rows = energy.table()
    assert rows == [
        {"mu": 0.5, "n": 4, "label": "a", "e": 2.0, "n_sq": 16},
        {"mu": 1.5, "n": 10, "label": "a", "e": 15.0, "n_sq": 100},
    ]
    assert type(rows[0]["n_sq"]) is int  # numpy scalars become plain cells


def test_table_is_a_dataframe_when_pandas_is_installed(energy):
    pandas = pytest.importorskip("pandas")
    energy(1.5)
    energy(0.5, n=4)
    frame = energy.table()
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == ["mu", "n", "label", "e", "n_sq"]
    assert frame["e"].tolist() == [2.0, 15.0]
    assert frame.loc[frame.mu == 0.5, "n"].item() == 4


def test_frame_false_gives_the_list_even_with_pandas(energy):
    energy(1.0)
    assert energy.table(frame=False) == [
        {"mu": 1.0, "n": 10, "label": "a", "e": 10.0, "n_sq": 100}
    ]


def test_frame_true_without_pandas_says_how_to_install_it(energy, no_pandas):
    energy(1.0)
    with pytest.raises(ImportError, match=r"archived\[pandas\]"):
        energy.table(frame=True)


def test_table_details_add_entry_version_start_and_duration(energy):
    energy(2.0)
    (row,) = energy.table(details=True, frame=False)
    assert row["entry"].startswith("energy_")
    assert row["version"] == energy.version
    assert row["started"].startswith("20")
    assert row["duration"] >= 0
    assert list(row)[0] == "entry"


def test_scalar_result_is_column_result_and_clashing_dict_keys_are_prefixed(tmp_path):
    @archived(tmp_path / "s")
    def scalar(x):
        return x * 2

    @archived(tmp_path / "s")
    def clash(x):
        return {"x": x + 1, "y": [1, 2]}

    scalar(3)
    clash(3)
    assert scalar.table(frame=False) == [{"x": 3, "result": 6}]
    assert clash.table(frame=False) == [{"x": 3, "result_x": 4}]


def test_no_column_of_a_row_overwrites_another(tmp_path):
    # a parameter named version (or entry, function, result) took the table's own column:
    # with details every call showed the code version as its parameter, and two calls
    # looked the same; an info record's key 'entry' renamed the entry
    @archived(tmp_path / "s")
    def model(version, entry=0, function="sin", result=7):
        return {"entry": "R", "started": 5, 1: "one", "1": "uno"}

    model(1), model(2)
    rows = model.table(frame=False, details=True)
    assert [r["parameter_version"] for r in rows] == [1, 2]
    assert {r["version"] for r in rows} == {model.version}
    assert [r["entry"] for r in rows] == [c.name for c in model.where()]
    first = rows[0]
    assert (first["parameter_entry"], first["function"], first["result"]) == (0, "sin", 7)
    assert (first["result_entry"], first["result_started"]) == ("R", 5)
    assert (first["1"], first["result_1"]) == ("one", "uno")
    assert [r["version"] for r in model.table(frame=False)] == [1, 2]

    ds = DataSet("s", "w", path=str(tmp_path))
    ds.plain = 3.0
    ds["plain"] = {"entry": "fake", "result": "r"}
    rows = {r["entry"]: r for r in dataset_table(ds, details=True, frame=False)}
    assert set(rows) == {"plain", *(c.name for c in model.where())}
    assert (rows["plain"]["info_entry"], rows["plain"]["result"]) == ("fake", "r")
    assert rows["plain"]["result_result"] == 3.0
    call = rows[model.where()[0].name]
    assert call["function"] == model.identity and call["parameter_function"] == "sin"


def test_a_start_that_is_not_text_does_not_stop_where_or_table(tmp_path):
    # calls are in the order they started: str() of a start of 5001 digits raised
    @archived(tmp_path / "s")
    def f(x):
        return x

    f(1), f(2)
    first = f.where()[0]
    f.dataset[first.name] = {**first.info, "started": 10**5000}
    assert sorted(c.parameters["x"] for c in f.where()) == [1, 2]
    assert len(f.table(frame=False)) == 2


def test_tuple_results_give_numbered_columns_with_their_scalar_items(tmp_path):
    @archived(tmp_path / "t")
    def pair(x):
        return x + 1, [x], np.float64(x / 2)

    pair(4)
    assert pair.table(frame=False) == [{"x": 4, "result_0": 5, "result_2": 2.0}]


@dataclasses.dataclass
class Run:
    energy: float
    field: np.ndarray
    converged: bool
    label: str


def test_a_dataclass_result_gives_a_column_per_scalar_field(tmp_path):
    # the typed result the README recommends: its numbers belong in the table
    @archived(tmp_path / "d")
    def relax(x):
        return Run(energy=-x / 2, field=np.zeros(300), converged=True, label=f"x={x}")

    relax(3)
    row = {"x": 3, "energy": -1.5, "converged": True, "label": "x=3"}
    assert relax.table(frame=False) == [row]
    assert sweep(relax, {"x": [3]}, results="summary", progress=False) == [row]


class Observables(typing.NamedTuple):
    energy: float
    magnetization: float


@dataclasses.dataclass
class Study:
    T: float
    obs: Observables
    fit: dict
    history: list


def test_structures_inside_a_result_give_columns_named_by_their_path(tmp_path):
    # a NamedTuple of observables inside a dataclass result was left out of the table and
    # of a summary sweep: the numbers a parameter study is for had no column
    @archived(tmp_path / "nested")
    def study(T):
        fit = {"slope": np.float64(2 * T), "stats": {"chi2": 0.5, "ok": True}, "xs": [1]}
        return Study(T=T, obs=Observables(-T, 0.25), fit=fit, history=[T, T])

    study(1.5)
    row = {
        "T": 1.5,
        "result_T": 1.5,
        "obs.energy": -1.5,
        "obs.magnetization": 0.25,
        "fit.slope": 3.0,
        "fit.stats.chi2": 0.5,
        "fit.stats.ok": True,
    }
    assert study.table(frame=False) == [row]
    assert sweep(study, {"T": [1.5]}, results="summary", progress=False) == [row]
    pytest.importorskip("pandas")
    assert list(study.table().columns) == list(row)


def test_a_dict_of_numbered_data_inside_a_result_gives_no_columns():
    # a histogram {bin: count} inside a result is data, not named results: a column per
    # bin, different in every row, would bury the results' own columns
    counts = {0: 5, 1: 7, 2: 1}
    assert result_columns({"e": 1.0, "hist": counts, "fit": {"a": 2}}) == {"e": 1.0, "fit.a": 2}
    assert result_columns(counts) == {"0": 5, "1": 7, "2": 1}  # the result itself: as before


def test_a_result_holding_itself_gives_its_columns_once(tmp_path):
    # a hand-edited entry can hold a dict that holds itself: the table must end
    loop = {"e": 1.0}
    loop["self"] = loop
    assert result_columns({"a": loop, "b": 2}) == {"a.e": 1.0, "b": 2}


def test_table_criteria_and_where_filter_by_value_and_predicate(energy):
    for mu in (1.2, 2.0):
        for n in (1, 5):
            energy(mu, n=n)
    assert [r["n"] for r in energy.table(frame=False, mu=1.2)] == [1, 5]
    calls = energy.where(mu=1.2, n=lambda n: n > 2)
    assert [c.parameters for c in calls] == [{"mu": 1.2, "n": 5, "label": "a"}]
    assert calls[0].load()["e"] == 6.0
    assert energy.where(mu=3.0) == []


def test_where_names_an_unknown_parameter_and_lists_the_real_ones(energy):
    with pytest.raises(TypeError, match=r"'nu' is not a parameter.*mu, n, label"):
        energy.where(nu=1)


def test_table_of_a_function_never_called_is_empty(energy, no_pandas):
    assert energy.table() == []


@pytest.mark.filterwarnings("ignore::archived.StaleVersionWarning")  # test_empty_table_note
def test_an_empty_dataframe_table_still_has_the_parameters_as_columns(tmp_path):
    # after an edit (a new version) the table is empty: selecting on a parameter must
    # select nothing, not raise KeyError
    pytest.importorskip("pandas")

    def energy(mu, n=10):
        return {"e": mu * n}

    archived(tmp_path / "runs", version="1")(energy)(1.5)
    edited = archived(tmp_path / "runs", version="2")(energy)
    table = edited.table()
    assert list(table.columns) == ["mu", "n"] and len(table[table.mu > 1]) == 0
    assert list(edited.table(mu=3.0).columns) == ["mu", "n"]
    assert list(edited.table(details=True).columns) == [
        "entry",
        "mu",
        "n",
        "version",
        "started",
        "duration",
    ]


def test_table_leaves_out_failures_and_other_code_versions(tmp_path):
    store = tmp_path / "v"

    @archived(store, version="1")
    def f(x):
        return 1 / x

    f(1)
    with pytest.raises(ZeroDivisionError):
        f(0)

    @archived(store, version="2")
    def f(x):  # noqa: F811 - a new version of the same function
        return 2 / x

    f(4)
    assert f.table(frame=False) == [{"x": 4, "result": 0.5}]


def test_dataset_table_lists_calls_and_plain_entries_without_failures_or_sweeps(tmp_path, energy):
    from archived.cache.sweeps import sweep

    sweep(energy, {"mu": [1.0]}, progress=False)
    with pytest.raises(TypeError):
        energy("not a number", n=None)  # a failure record
    ds = DataSet("runs", "w", path=str(tmp_path))
    ds.note = "hello"
    ds._insert(7, info={"temperature": 300})
    rows = ds._table(frame=False)
    assert [(r["entry"][:7], r["function"]) for r in rows] == [
        ("energy_", energy.identity),
        ("note", None),
        ("x_0", None),
    ]
    assert rows[0]["mu"] == 1.0 and rows[0]["e"] == 10.0
    assert rows[1]["result"] == "hello"
    assert rows[2]["temperature"] == 300 and rows[2]["result"] == 7


def test_dataset_table_without_results_loads_no_value_and_has_no_result_column(
    tmp_path, monkeypatch
):
    # a column "result" of None read as results that are None (a colleague's safe look
    # at a store whose results are of classes they do not have)
    ds = DataSet("d", "w", path=str(tmp_path))
    ds._insert(np.ones(5), info={"a": 1})

    @archived(tmp_path / "d")
    def energy(mu):
        return {"e": 10.0 * mu}

    energy(1.0)
    from archived.store import entries

    def refuse(*args):
        raise AssertionError("a value was loaded")

    monkeypatch.setattr(entries, "read_value", refuse)
    rows = dataset_table(ds, results=False, frame=False)
    assert [row for row in rows if row["entry"] == "x_0"] == [
        {"entry": "x_0", "function": None, "a": 1, "mu": None}
    ]
    [call] = [row for row in rows if row["entry"] != "x_0"]
    assert call["mu"] == 1.0 and "e" not in call and "result" not in call
    details = dataset_table(ds, results=False, details=True, frame=False)
    assert all("result" not in row and "e" not in row for row in details)


def test_a_table_lists_calls_by_parameter_and_their_columns_as_first_seen_in_that_order(
    tmp_path,
):
    # each call's result is a column of its own; the calls run in the reverse order of
    # their entries' names (the order the index keeps them in), and in neither the order
    # of their parameters
    @archived(tmp_path / "runs")
    def shaped(x):
        return {f"r{x}": x}

    def entry_name(x):
        call = shaped.call_key(x=x)
        return f"{call.prefix}_{call.key[:16]}"

    ran = sorted(range(6), key=entry_name, reverse=True)
    assert ran != sorted(ran)
    for x in ran:
        shaped(x)
    rows = shaped.table(frame=False)
    assert [row["x"] for row in rows] == list(range(6))
    assert [list(row) for row in rows] == [["x"] + [f"r{x}" for x in range(6)]] * 6
    assert all(row[f"r{x}"] == x for x, row in zip(range(6), rows, strict=True))


def test_table_and_where_list_calls_by_their_parameters_in_signature_order_not_run_order(
    tmp_path,
):
    # a sweep on several workers finishes its points in an order of its own: listed in
    # that order, its table read as shuffled
    @archived(tmp_path / "runs")
    def energy(L, T, init):
        return float(L * T + init.sum())

    grid = [(L, T, init) for L in (10, 200) for T in (0.5, 2.0) for init in (0.0, 0.25)]
    for L, T, init in [grid[i] for i in (5, 0, 7, 2, 6, 1, 4, 3)]:  # finished in this order
        energy(L, T, np.full(3, init))
    expected = [(L, T, repr(np.full(3, init))) for L, T, init in grid]
    assert [(r["L"], r["T"], r["init"]) for r in energy.table(frame=False)] == expected
    frame = energy.table()
    assert list(zip(frame["L"], frame["T"], frame["init"], strict=True)) == expected
    listed = [tuple(c.parameters.values()) for c in energy.where(T=lambda t: t > 0)]
    assert listed == expected
    assert [c.parameters["T"] for c in energy.where(L=200)] == [0.5, 0.5, 2.0, 2.0]


def test_a_table_orders_a_column_of_mixed_kinds_by_kind_and_equal_values_by_entry_name(
    tmp_path,
):
    @archived(tmp_path / "runs")
    def echo(x):
        return 0

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericTypeWarning)  # 1, 1.0 and True: three calls
        for x in ("b", 2, float("nan"), None, 1.0, "a", 1, (1, 2), -3.5, True):
            echo(x)
    calls = echo.where()
    xs = [row["x"] for row in echo.table(frame=False)]
    assert list(map(repr, xs)) == [repr(c.parameters["x"]) for c in calls]  # where()'s order
    assert xs[:2] == [None, -3.5] and xs[5] == 2
    # 1.0, 1 and True are equal numbers: listed by entry name, whatever order they ran in
    ones = [c for c in calls if c.parameters["x"] == 1 and type(c.parameters["x"]) is not tuple]
    assert [c.name for c in ones] == sorted(c.name for c in ones)
    assert [(type(x), x) for x in xs[2:5]] == [(type(c.parameters["x"]), 1) for c in ones]
    assert xs[6] != xs[6] and xs[7:] == ["a", "b", (1, 2)]


def test_to_table_fills_missing_columns_in_first_seen_order():
    assert to_table([{"b": 1}, {"a": 2, "b": 3}], frame=False) == [
        {"b": 1, "a": None},
        {"b": 3, "a": 2},
    ]


@pytest.mark.parametrize(
    "value, expected",
    [
        (1, True),
        (2.5, True),
        ("s", True),
        (None, True),
        (np.float64(1), True),
        (np.array(2), True),
        ([1], False),
        ({"a": 1}, False),
        (np.zeros(2), False),
    ],
)
def test_is_scalar_accepts_only_what_fits_a_cell(value, expected):
    assert is_scalar(value) is expected


@dataclasses.dataclass(frozen=True)
class _Config:
    L: int
    T: float = 1.0


def test_where_and_table_find_calls_by_an_object_argument_as_they_were_called(tmp_path):
    @archived(tmp_path / "runs")
    def run(cfg, scale=1):
        return cfg.L * cfg.T * scale

    run(_Config(8)), run(_Config(8, 0.5)), run(_Config(16))
    assert [c.load() for c in run.where(cfg=_Config(8, 0.5))] == [4.0]
    assert run.table(frame=False, cfg=_Config(16)) == [
        {"cfg": "_Config(L=16, T=1.0)", "scale": 1, "result": 16.0}
    ]


@pytest.mark.parametrize("size", [3, 500])
def test_where_finds_calls_by_an_array_argument_by_content_instead_of_raising(tmp_path, size):
    @archived(tmp_path / "runs")
    def total(weights):
        return float(weights.sum())

    total(np.arange(size)), total(np.ones(size))
    assert [c.load() for c in total.where(weights=np.ones(size))] == [float(size)]
    assert total.where(weights=np.zeros(size)) == []


def test_a_table_of_plain_dict_results_and_one_other_result_makes_every_row_as_alone(tmp_path):
    # most tables are all plain dict results (rows made at once); one call of another
    # kind must not change any row: the clashing key is renamed in its row alone
    @archived(tmp_path / "s")
    def model(x):
        if x == 2:
            return {"x": -1, "e": 0.5}
        if x == 3:
            return 7
        return {"e": x / 2, "label": f"p{x}"}

    for x in range(5):
        model(x)
    assert model.table(frame=False) == [
        {"x": 0, "e": 0.0, "label": "p0", "result_x": None, "result": None},
        {"x": 1, "e": 0.5, "label": "p1", "result_x": None, "result": None},
        {"x": 2, "e": 0.5, "label": None, "result_x": -1, "result": None},
        {"x": 3, "e": None, "label": None, "result_x": None, "result": 7},
        {"x": 4, "e": 2.0, "label": "p4", "result_x": None, "result": None},
    ]
    assert model.table(frame=False, x=4) == [{"x": 4, "e": 2.0, "label": "p4"}]


def test_with_types_looks_at_the_cells_rows_have_not_every_name_in_every_row():
    # a store whose calls each record names of their own: with_types scanned every row
    # for every name (50 x 2,500 lookups here; 27 million, 6 s, at 300 calls of 300)
    from archived.store.table import with_types

    lookups = []

    class Row(dict):
        def __contains__(self, key):
            lookups.append(key)
            return super().__contains__(key)

        def __getitem__(self, key):
            lookups.append(key)
            return super().__getitem__(key)

    rows = [Row({f"p{i}_{j}": j for j in range(50)}) for i in range(50)]
    rows[7]["p7_3"] = np.float64(3.0)
    names = dict.fromkeys(name for row in rows for name in row)
    typed = with_types(rows, names)
    assert typed[7]["type(p7_3)"] == "numpy.float64" and "type(p7_3)" not in typed[8]
    assert [len(row) for row in typed] == [51 if i == 7 else 50 for i in range(50)]
    assert len(lookups) <= 2 * 50 * 50  # at most a few per cell a row has


# ---- a safe DataSet's table is kept to a safe load's budget ---------------------------


def _entries_with_names_of_their_own(folder, n):
    """A store of ``n`` entries whose info records each hold ``n`` names no other has:
    a table of them has n x (n*n + 3) cells, from n*n recorded values."""
    ds = DataSet("wide", "w", path=str(folder))
    for i in range(n):
        ds._insert(i, info={f"k{i}_{j}": j for j in range(n)}, name=f"e{i}")


def test_a_safe_table_whose_cells_exceed_the_load_budget_is_refused_naming_its_shape(tmp_path):
    from archived.errors import BudgetExceededError

    _entries_with_names_of_their_own(tmp_path, 40)
    ds = DataSet("wide", "r", path=str(tmp_path), safe=True, max_bytes=1_000_000)
    for frame in (None, False):
        with pytest.raises(BudgetExceededError, match=r"a table of 40 rows x 1,603 columns") as e:
            ds._table(frame=frame)
        assert "ARCHIVED_MAX_BYTES" in str(e.value)


def test_a_safe_table_within_its_budget_and_a_trusted_one_have_every_column(tmp_path):
    _entries_with_names_of_their_own(tmp_path, 40)
    safe = DataSet("wide", "r", path=str(tmp_path), safe=True, max_bytes=10**9)
    trusted = DataSet("wide", "r", path=str(tmp_path))
    for ds in (safe, trusted):
        rows = ds._table(frame=False)
        assert len(rows) == 40 and all(len(row) == 40 * 40 + 3 for row in rows)
        row = next(r for r in rows if r["entry"] == "e7")
        assert row["k7_39"] == 39 and row["k8_0"] is None and row["result"] == 7


def test_a_safe_export_is_charged_a_byte_a_cell_and_refused_over_its_budget(tmp_path, capsys):
    from archived.cli import main

    _entries_with_names_of_their_own(tmp_path, 40)
    store = str(tmp_path / "wide")
    assert main(["export", store]) == 0  # 64,120 cells: far inside the default budget
    assert capsys.readouterr().out.count("\n") == 41
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ARCHIVED_MAX_BYTES", "60K")  # fewer bytes than cells
        assert main(["export", store]) == 1
    assert "a table of 40 rows x 1,603 columns" in capsys.readouterr().err


def test_a_dataset_table_lists_each_function_s_calls_by_parameters_as_func_table_does(tmp_path):
    # ds._table() listed rows by entry name (a hash): a colleague opening a sweep's store
    # saw its points shuffled, while func.table() and `archived export` list them by
    # parameters, each function's calls together, the functions by name
    @archived(tmp_path / "runs")
    def power(x, p=2):
        return x**p

    @archived(tmp_path / "runs")
    def add(a, b):
        return a + b

    sweep(power, {"x": [3, 1, 2], "p": [3, 2]}, progress=False)
    add(2, 1), add(1, 5)
    power.dataset.notes = "by hand"
    ds = DataSet("runs", path=str(tmp_path))
    rows = ds._table(frame=False)

    def first(row, *names):
        return next((row[n] for n in names if row.get(n) is not None), None)

    listed = [(row["function"], first(row, "a", "x"), first(row, "b", "p")) for row in rows]
    assert listed == [
        (add.identity, 1, 5),
        (add.identity, 2, 1),
        *[(power.identity, r["x"], r["p"]) for r in power.table(frame=False)],
        (None, None, None),
    ]
    assert rows[-1]["entry"] == "notes"
    entries = [r["entry"] for r in rows]
    assert [r["entry"] for r in ds._table(frame=False, results=False)] == entries


def test_a_stored_call_shows_its_parameters_when_printed(tmp_path):
    # print(f.where(steps=100)) gave [<stored call run_e6d0770bfae0d4c3 of ising.run>,
    # ...]: entry names (hashes) alone, nothing telling one call from another
    @archived(tmp_path / "runs")
    def run(L, T, steps=200):
        return L * T

    run(4, 1.0), run(8, 2.5, steps=100)
    [call] = run.where(steps=100)
    assert repr(call) == f"<stored call run(L=8 T=2.5 steps=100): entry {call.name}>"
    assert "L=4 T=1.0 steps=200" in repr(run.calls())


def test_a_table_of_two_functions_keeps_integer_columns_integers(tmp_path):
    # each function's parameters are missing from the other's rows: pandas filled the
    # gaps with NaN and made every integer a float (n=3 read 3.0; 2**60 + 1 lost digits)
    pandas = pytest.importorskip("pandas")

    @archived(tmp_path / "s")
    def count(n, big=2**60 + 1):
        return {"total": n * 2, "mean": n / 2}

    @archived(tmp_path / "s")
    def fit(x):
        return {"slope": x, "steps": np.int64(7)}

    count(3), fit(0.5)
    table = DataSet("s", path=str(tmp_path))._table()
    assert {c: str(table[c].dtype) for c in ("n", "total", "steps")} == dict.fromkeys(
        ("n", "total", "steps"), "Int64"
    )
    assert str(table["mean"].dtype) == "float64" and str(table["x"].dtype) == "float64"
    by_function = {row["function"]: row for row in table.to_dict("records")}
    counted, fitted = by_function[count.identity], by_function[fit.identity]
    assert (counted["n"], counted["total"], counted["big"]) == (3, 6, 2**60 + 1)
    assert pandas.isna(fitted["n"]) and fitted["steps"] == 7


def test_a_dataset_table_never_holds_a_parameter_and_a_result_in_one_column(tmp_path):
    # a result part was named apart (result_n) only from its own call's parameters: of
    # two functions in one store, column n held count's parameter and other's result,
    # and column result held named's parameter and plain's scalar result
    @archived(tmp_path / "s")
    def count(n):
        return {"n": n + 1, "e": 0.5}

    @archived(tmp_path / "s")
    def other(m):
        return {"n": m * 10}

    @archived(tmp_path / "s")
    def named(result):
        return {"e": 1.5}

    @archived(tmp_path / "s")
    def plain(z):
        return z / 2

    count(1), other(2), named(3), plain(4)
    ds = DataSet("s", "w", path=str(tmp_path))
    ds.loose = {"n": 9}
    rows = {r["entry"]: r for r in dataset_table(ds, frame=False)}
    by = {
        f.identity: next(r for r in rows.values() if r["function"] == f.identity)
        for f in (count, other, named, plain)
    }
    assert (by[count.identity]["n"], by[count.identity]["result_n"]) == (1, 2)
    assert (by[other.identity]["n"], by[other.identity]["result_n"]) == (None, 20)
    assert (by[named.identity]["result"], by[plain.identity]["result"]) == (3, None)
    assert by[plain.identity]["result_result"] == 2.0
    assert (rows["loose"]["n"], rows["loose"]["result_n"]) == (None, 9)


def test_a_misspelt_criterion_names_the_method_it_was_given_to(tmp_path):
    # table(centre=0.0) said "where(): 'centre' is not a parameter"
    @archived(tmp_path / "s")
    def fit(center):
        return center

    with pytest.raises(TypeError, match=r"^table\(\): 'centre' is not a parameter"):
        fit.table(centre=0.0)
    with pytest.raises(TypeError, match=r"^where\(\): 'centre' is not a parameter"):
        fit.where(centre=0.0)


def test_a_table_column_of_integers_and_floats_keeps_each_as_it_was_returned(tmp_path):
    # pandas made the column float64: the result 8 read 8.0, which no call returned
    pytest.importorskip("pandas")

    @archived(tmp_path / "s")
    def level(x):
        return 8 if x == 0 else 1.5

    @archived(tmp_path / "s")
    def fit(x):
        return {"steps": np.int64(7) if x == 0 else 7.0, "slope": 0.5 * x}

    level(0), level(1), fit(0), fit(1)
    table = level.table()
    assert table["result"].tolist() == [8, 1.5]
    assert [type(v) for v in table["result"]] == [int, float]
    fits = fit.table()
    assert [isinstance(v, (int, np.integer)) for v in fits["steps"]] == [True, False]
    assert str(fits["slope"].dtype) == "float64"  # whole floats alone stay floats
    both = DataSet("s", path=str(tmp_path))._table()  # each function's rows with gaps
    steps = [v for v in both["steps"] if v is not None and v == v]
    assert [isinstance(v, (int, np.integer)) for v in steps] == [True, False]


def test_func_table_never_holds_a_renamed_parameter_and_a_result_in_one_column(tmp_path):
    # a parameter renamed (gamma -> damping) under a pinned version=: the old calls are
    # still listed, and their column gamma held their parameter while the new calls'
    # column gamma held their result
    def osc_before(gamma, omega):
        return {"energy": gamma * omega, "gamma": gamma, "x": np.zeros(3)}

    def osc_after(damping, omega):
        return {"energy": damping * omega, "gamma": damping, "x": np.zeros(3)}

    before = archived(tmp_path / "runs", version="1", name="exp.osc")(osc_before)
    after = archived(tmp_path / "runs", version="1", name="exp.osc")(osc_after)
    before(0.5, 1.0)
    after(0.25, 1.0)
    rows = {(row["damping"], row["gamma"]): row for row in after.table(frame=False)}
    assert rows[(0.25, None)]["result_gamma"] == 0.25  # its result, apart
    assert rows[(None, 0.5)]["result_gamma"] == 0.5  # its parameter and its result


def test_where_by_a_keyword_of_kwargs_says_it_is_recorded_inside_them_not_nothing_found(
    tmp_path,
):
    # f(1, a=5) records kwargs={'a': 5}: where(a=5) matched no call, with no word why
    @archived(tmp_path / "runs")
    def model(x, **opts):
        return x + sum(opts.values())

    model(1, a=5)
    with pytest.raises(TypeError, match=r"inside \*\*opts: select it with where\(opts=lambda"):
        model.where(a=5)
    with pytest.raises(TypeError, match=r"table\(opts=lambda"):
        model.table(a=5)
    [call] = model.where(opts=lambda d: d.get("a") == 5)
    assert call.parameters == {"x": 1, "opts": {"a": 5}}
