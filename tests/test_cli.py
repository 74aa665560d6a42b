"""The command line: every command's output, exit codes and --help."""

import csv
import functools
import importlib
import io
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from archived import archived
from archived.__main__ import main
from archived.cache.sweeps import sweep
from archived.cli.entries import list_entries
from archived.errors import PickleWarning
from archived.store.dataset import DataSet

# every shape format_duration prints (a measured duration varies from run to run:
# "20 us", "0.4 ms", "850 ms", "12.3 s", "4 min 05 s", "2 h 03 min")
DURATION = r"(?:\d+(?:\.\d)? (?:us|ms|s)|\d+ min \d\d s|\d+ h \d\d min)"


def test_the_duration_pattern_matches_every_duration_the_cli_can_print():
    from archived._format import format_duration

    for exponent in range(-70, 50):
        text = format_duration(10 ** (exponent / 10))
        assert re.fullmatch(DURATION, text), text


class Point:
    def __init__(self, x):
        self.x = x

    def __repr__(self):
        return f"Point({self.x})"

    def archive_1(self):
        return ("Point(x=x)", {"x": self.x}, [("test_cli", "Point", "Point")])


def simulate(mu, n=3):
    if mu > 2:
        raise ValueError(f"mu={mu} is unstable")
    return {"mean": mu * n, "samples": np.arange(n) * mu}


@pytest.fixture
def store(tmp_path):
    """A store with 4 results of a sweep, 1 failure, a sweep record and 2 plain entries."""
    path = tmp_path / "runs"
    f = archived(path)(simulate)
    sweep(f, {"mu": [0.5, 1.0, 3.0], "n": [3, 200]}, progress=False, errors="return")
    ds = DataSet("runs", "w", path=str(tmp_path))
    ds.notes = "first try"
    ds._insert(np.linspace(0, 1, 500), info={"temperature": 300})
    return str(path)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def names_by_kind(ds_path, kind):
    from archived.cli import open_store
    from archived.cli.entries import list_entries as _entries

    return sorted(e.name for e in _entries(open_store(ds_path)) if e.kind == kind)


# ---- ls ---------------------------------------------------------------------------------


def test_ls_prints_the_entry_names_one_a_line_reading_no_entry(store, capsys):
    with open(os.path.join(store, "broken.py"), "w") as f:
        f.write("this is not an entry\n")  # a listing of names does not read it
    code, out, err = run(capsys, "ls", store)
    assert code == 0 and err == ""
    assert out.splitlines() == sorted(DataSet("runs", path=os.path.dirname(store)))
    assert "broken" in out.splitlines() and "damaged" not in out and "notes" in out
    assert run(capsys, "ls", "--names", store) == (0, out, "")  # the old spelling


@pytest.mark.parametrize(
    "options",
    [["--names", "-l"], ["--names", "--json"], ["--names", "--status"], ["-l", "--status"]],
)
def test_ls_options_that_contradict_each_other_exit_2(store, capsys, options):
    code, out, err = run(capsys, "ls", store, *options)
    assert code == 2 and out == "" and err.startswith("archived ls: error: ")


@pytest.mark.parametrize("long", ["-l", "--long"])
def test_ls_long_prints_an_aligned_table_of_every_entry_with_parameters_size_and_date(
    store, capsys, long
):
    code, out, err = run(capsys, "ls", long, store)
    assert code == 0 and err == ""
    lines = out.splitlines()
    header, rows, footer = lines[0], lines[1:-1], lines[-1]
    assert header.split() == ["NAME", "KIND", "FUNCTION", "PARAMETERS", "SIZE", "DATE"]
    assert len(rows) == 9 and footer.startswith("9 entries, ")
    kind_column = header.index("KIND")
    assert all(row[kind_column - 2 : kind_column] == "  " for row in rows)  # aligned
    kinds = sorted(row[kind_column:].split()[0] for row in rows)
    assert kinds == ["entry", "entry", "failed", "failed", "result", "result", "result",
                     "result", "sweep"]  # fmt: skip
    result_rows = [r for r in rows if " result " in r]
    assert any("mu=1.0 n=200" in r and "kB" in r for r in result_rows)  # its array file
    assert all("test_cli.simulate" in r for r in result_rows)
    assert any(r.startswith("x_0 ") and "temperature=300" in r for r in rows)
    assert any(r.startswith("simulate_sweep_") and "6 points" in r for r in rows)


def test_ls_of_an_empty_store_prints_nothing_and_ls_long_says_so(tmp_path, capsys):
    DataSet("empty", "w", path=str(tmp_path))
    assert run(capsys, "ls", str(tmp_path / "empty")) == (0, "", "")
    assert run(capsys, "ls", "-l", str(tmp_path / "empty")) == (
        0,
        f"{tmp_path / 'empty'}: empty store\n",
        "",
    )


def test_ls_status_shows_done_failed_and_missing_points_with_errors(store, capsys):
    from archived.cli import open_store

    ds = DataSet("runs", "w", path=os.path.dirname(store))
    done = names_by_kind(store, "result")
    delattr(ds, done[0])  # one point goes missing
    del ds
    code, out, err = run(capsys, "ls", "--status", store)
    assert code == 0 and err == ""
    assert "sweep of test_cli.simulate" in out and "3 done, 2 failed, 1 missing" in out
    assert out.count("ValueError: mu=3.0 is unstable") == 2
    assert len(re.findall(rf" done +{DURATION}\n", out)) == 3
    assert len(re.findall(r"n=\d+ +missing\n", out)) == 1
    assert open_store(store) is not None


def test_ls_status_without_sweeps_lists_failed_calls(tmp_path, capsys):
    f = archived(tmp_path / "s")(simulate)
    with pytest.raises(ValueError):
        f(5.0)
    code, out, _ = run(capsys, "ls", "--status", str(tmp_path / "s"))
    assert code == 0
    assert "no sweep recorded" in out and "ValueError: mu=5.0 is unstable" in out


def test_ls_long_lists_a_damaged_entry_instead_of_failing(store, capsys):
    with open(os.path.join(store, "broken.py"), "w") as f:
        f.write("this is not an entry\n")
    code, out, _ = run(capsys, "ls", "-l", store)
    assert code == 0
    assert any(line.startswith("broken ") and "damaged" in line for line in out.splitlines())


@pytest.mark.parametrize("command", ["ls", "show", "verify", "repair", "prune", "export"])
def test_a_path_that_is_no_store_exits_1_with_a_message(tmp_path, capsys, command):
    extra = ["x"] if command == "show" else ["--failed"] if command == "prune" else []
    code, out, err = run(capsys, command, str(tmp_path / "nowhere"), *extra)
    assert code == 1 and out == ""
    nowhere = str(tmp_path / "nowhere")
    assert err == f"archived: error: no store at {nowhere!r}: no such directory\n"


@pytest.mark.parametrize("command", ["ls", "ls -l", "verify", "export"])
def test_a_path_to_something_else_than_a_store_says_what_it_is(store, tmp_path, capsys, command):
    # the API's "open it with mode='w' to create it" was the advice for all of these
    entry_file = os.path.join(store, sorted(os.listdir(store))[-1])
    os.mkdir(tmp_path / "notes")
    assert entry_file.endswith(".py")
    for path, message in (
        (str(tmp_path / "notes"), "the directory holds no store written by archived"),
        (entry_file, f"is the file of entry {os.path.basename(entry_file)[:-3]!r}; give its "
                     f"store: `archived show {store} "),
    ):  # fmt: skip
        code, out, err = run(capsys, *command.split(), path)
        assert code == 1 and out == "" and message in err, err
        assert "mode='w'" not in err


def test_show_takes_an_entry_file_name_for_its_entry(store, capsys):
    name = sorted(n for n in os.listdir(store) if n.endswith(".py"))[-1][: -len(".py")]
    code, out, _ = run(capsys, "show", store, name + ".py")
    assert code == 0 and out.startswith(f"entry     {name} ")


def test_show_takes_the_path_of_an_entry_file_alone(store, capsys):
    # a user tab-completes STORE/NAME.py: it was a usage error naming a missing NAME
    name = sorted(n for n in os.listdir(store) if n.endswith(".py"))[-1][: -len(".py")]
    for path in (os.path.join(store, name + ".py"), os.path.join(store, name)):
        code, out, _ = run(capsys, "show", path)
        assert code == 0 and out.startswith(f"entry     {name} "), path


def test_show_of_a_store_without_an_entry_name_says_what_to_type(store, capsys):
    code, out, err = run(capsys, "show", store)
    assert code == 2 and out == ""
    assert f"archived show {store} NAME (archived ls {store} lists the names)" in err


@pytest.mark.parametrize("options", [[], ["-l"]])
def test_a_folder_holding_stores_names_them(store, capsys, options):
    code, _, err = run(capsys, "ls", os.path.dirname(store), *options)
    assert code == 1 and "holds the stores runs" in err


# ---- show -------------------------------------------------------------------------------


def test_show_prints_info_and_summarizes_arrays_by_shape_dtype_and_values(store, capsys):
    ds = DataSet("runs", path=os.path.dirname(store))
    big = [
        n for n in names_by_kind(store, "result") if ds[n]["parameters"] == {"mu": 1.0, "n": 200}
    ]
    code, out, err = run(capsys, "show", store, big[0])
    assert code == 0 and err == ""
    assert f"entry     {big[0]} (result)" in out
    assert re.search(r"\n +function +test_cli\.simulate\n", out)
    assert re.search(r"\n +parameters +mu=1\.0 n=200\n", out)
    assert "'mean': 200.0" in out
    assert "'samples': ndarray shape=(200,) dtype=float64 min=0 max=199" in out
    assert "[  0.   1. ... 198. 199.]" in out


def test_show_of_a_failure_prints_its_traceback(store, capsys):
    failed = names_by_kind(store, "failed")[0]
    code, out, _ = run(capsys, "show", store, failed)
    assert code == 0
    assert "error       ValueError" in out and "Traceback (most recent call last):" in out
    assert "value:" not in out


def test_show_no_value_loads_nothing(store, capsys, monkeypatch):
    import archived.store.entries

    monkeypatch.setattr(archived.store.entries, "read_value", lambda *a: pytest.fail("loaded"))
    code, out, _ = run(capsys, "show", store, "x_0", "--no-value")
    assert code == 0 and "temperature  300" in out and "value:" not in out


def test_show_plain_entry_value(store, capsys):
    code, out, _ = run(capsys, "show", store, "notes")
    assert code == 0 and out.endswith("value:\n  'first try'\n")


def test_show_of_a_missing_entry_exits_1_and_lists_entries(store, capsys):
    code, out, err = run(capsys, "show", store, "nope")
    assert code == 1 and out == ""
    assert "no entry 'nope'" in err and "notes" in err


def test_show_of_the_start_of_an_entry_name_names_the_entries_it_begins(store, capsys):
    # a hashed name copied from ls in part: the entries it begins, not the first ten
    full = names_by_kind(store, "result")[-1]
    code, out, err = run(capsys, "show", store, full[:-4])
    assert code == 1 and out == ""
    assert f"no entry {full[:-4]!r}" in err and f"did you mean {full}" in err
    assert "notes" not in err


# ---- prune ------------------------------------------------------------------------------


def _files(store):
    """The store's files, but the read-side index that any reader may refresh."""
    return sorted(f for f in os.listdir(store) if f not in (".index.json", ".index.names"))


def test_prune_is_a_dry_run_unless_yes(store, capsys):
    before = _files(store)
    code, out, _ = run(capsys, "prune", store, "--failed")
    assert code == 0
    assert "dry run: 2 entries" in out and "add --yes" in out
    assert _files(store) == before
    code, out, _ = run(capsys, "prune", store, "--failed", "--yes")
    assert code == 0 and "deleted 2 entries" in out
    assert names_by_kind(store, "failed") == []
    assert len(names_by_kind(store, "result")) == 4


def test_prune_where_matches_parameters_and_combines_criteria(store, capsys):
    code, out, _ = run(capsys, "prune", store, "--where", "mu=0.5", "--where", "n=3", "--yes")
    assert code == 0 and "deleted 1 entry" in out
    left = [DataSet("runs", path=os.path.dirname(store))[n]["parameters"]
            for n in names_by_kind(store, "result")]  # fmt: skip
    assert {"mu": 0.5, "n": 3} not in left and {"mu": 0.5, "n": 200} in left


def test_prune_where_deletes_only_the_calls_of_the_number_type_it_names(tmp_path, capsys):
    # 1, 1.0, True and np.float64(1.0) are four calls (they can compute four results),
    # shown as four by ls: --where x=1 names the int one, and must not delete the others
    def kind(x):
        return type(x).__name__

    f = archived(tmp_path / "numbers_store")(kind)
    for value in (1, 1.0, True, np.float64(1.0)):
        f(value)
    code, out, _ = run(capsys, "prune", str(tmp_path / "numbers_store"), "--where", "x=1", "--yes")
    assert code == 0 and "deleted 1 entry" in out
    assert sorted(c.load() for c in f.where()) == ["bool", "float", "float64"]


def test_prune_stale_deletes_the_versions_other_than_the_one_named_current(tmp_path, capsys):
    path = tmp_path / "v"
    old = archived(path, version="1")(simulate)
    old(1.0)
    old(0.5)
    new = archived(path, version="2")(simulate)
    new(1.0)
    code, _, err = run(capsys, "prune", str(path), "--stale", "--yes")
    assert code == 2 and "--stale needs the current code version" in err  # never guessed
    code, out, _ = run(capsys, "prune", str(path), "--stale", "--version", "2", "--yes")
    assert code == 0 and "deleted 2 entries" in out
    assert [c.info["version"] for c in new.calls()] == ["2"]
    assert new.stale() == []


def test_prune_before_a_date(store, capsys):
    assert run(capsys, "prune", store, "--before", "2000-01-01")[1] == "nothing to delete\n"
    code, out, _ = run(capsys, "prune", store, "--before", "2999-01-01T00:00")
    assert code == 0 and "dry run: 9 entries" in out


def test_prune_without_a_criterion_is_a_usage_error(store, capsys):
    code, out, err = run(capsys, "prune", store)
    assert code == 2 and out == "" and "choose what to delete" in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["prune", "S", "--before", "yesterday"], "expected an ISO date"),
        (["prune", "S", "--where", "mu"], "expected KEY=VALUE"),
        (["show", "S"], "show needs an entry"),
        (["ls"], "required: PATH"),
        (["frobnicate", "S"], "invalid choice"),
    ],
)
def test_bad_arguments_exit_2_with_argparse_messages(store, capsys, argv, message):
    code, out, err = run(capsys, *[store if a == "S" else a for a in argv])
    assert code == 2 and out == "" and message in err


def test_no_command_prints_help_and_exits_2(capsys):
    code, out, err = run(capsys)
    assert code == 2 and "COMMAND" in err


# ---- export -----------------------------------------------------------------------------


def test_export_writes_parameters_and_scalar_results_as_csv(store, capsys):
    code, out, _ = run(capsys, "export", store, "--function", "simulate")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["entry", "function", "mu", "n", "mean"]
    got = sorted((float(r["mu"]), int(r["n"]), float(r["mean"])) for r in rows)
    assert got == [(0.5, 3, 1.5), (0.5, 200, 100.0), (1.0, 3, 3.0), (1.0, 200, 200.0)]


def test_export_to_dash_writes_the_csv_to_stdout_and_no_file_named_dash(
    store, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "export", store, "--function", "simulate")
    code_dash, out_dash, _ = run(capsys, "export", store, "--function", "simulate", "-o", "-")
    assert (code_dash, out_dash) == (code, out)
    assert not (tmp_path / "-").exists()


def test_export_lists_each_functions_calls_by_their_parameters_then_the_plain_entries(
    store, capsys
):
    # in the order of the entries' names (hashes of the calls' keys) a CSV of a sweep
    # read as shuffled; rows come as func.table() lists them
    code, out, _ = run(capsys, "export", store)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    calls = [(r["mu"], r["n"]) for r in rows if r["function"]]
    assert calls == [("0.5", "3"), ("0.5", "200"), ("1.0", "3"), ("1.0", "200")]
    assert [r["entry"] for r in rows[4:]] == ["notes", "x_0"]
    f = archived(store)(simulate)
    assert [r["entry"] for r in rows[:4]] == [c.name for c in f.where()]


def test_export_to_a_file_with_details_and_where(store, tmp_path, capsys):
    target = tmp_path / "out.csv"
    code, out, err = run(capsys, "export", store, "-o", str(target), "--details",
                         "--where", "n=200")  # fmt: skip
    assert code == 0 and out == "" and "wrote 2 rows" in err
    rows = list(csv.DictReader(target.open()))
    assert sorted(r["mu"] for r in rows) == ["0.5", "1.0"]
    code, _, err = run(capsys, "export", store, "-o", str(target), "--where", "mu=0.5",
                       "--where", "n=200")  # fmt: skip
    assert code == 0 and "wrote 1 row to" in err  # not "1 rows"
    assert {"version", "started", "duration"} <= set(rows[0])


def test_export_of_the_whole_store_includes_plain_entries(store, capsys):
    _, out, _ = run(capsys, "export", store)
    rows = list(csv.DictReader(io.StringIO(out)))
    by_entry = {r["entry"]: r for r in rows}
    assert by_entry["notes"]["result"] == "first try"
    assert by_entry["x_0"]["temperature"] == "300"
    assert len(rows) == 6  # 4 results, 2 plain entries; no failures, no sweep record


def test_ls_and_export_tell_apart_results_of_old_and_current_code(tmp_path, capsys):
    # a bug fixed in the function: the old results stay beside the new ones, under the
    # same parameters, and a listing or a CSV must not pass one off as the other
    path = str(tmp_path / "fixed")
    buggy = archived(path, name="energy", version="buggy")(lambda mu: {"E": mu * 2})
    fixed = archived(path, name="energy", version="fixed")(lambda mu: {"E": mu * 3})
    buggy(1), fixed(1), fixed(2)
    code, out, _ = run(capsys, "ls", "-l", path)
    header, *lines = out.splitlines()
    assert code == 0 and header.split()[:5] == [
        "NAME",
        "KIND",
        "FUNCTION",
        "VERSION",
        "PARAMETERS",
    ]
    assert sorted(line.split()[3] for line in lines[:3]) == ["buggy", "fixed", "fixed"]
    assert "energy: results of 2 code versions side by side" in lines[-1]
    code, out, err = run(capsys, "export", path)
    rows = sorted((r["version"], r["mu"], r["E"]) for r in csv.DictReader(io.StringIO(out)))
    assert rows == [("buggy", "1", "2"), ("fixed", "1", "3"), ("fixed", "2", "6")]
    assert "energy: results of 2 code versions side by side (column version)" in err
    fixed(3)  # one version only: the listing is as it always was
    ds = DataSet("fixed", "w", path=str(tmp_path))
    del ds[buggy.where(mu=1)[0].name]
    _, out, _ = run(capsys, "ls", "-l", path)
    assert "VERSION" not in out and "code versions" not in out


def test_export_skips_a_damaged_entry_with_a_warning(store, capsys):
    with open(os.path.join(store, "broken.py"), "w") as f:
        f.write("this is not an entry\n")
    code, out, err = run(capsys, "export", store)
    assert code == 0 and "skipping damaged entry broken" in err
    assert len(list(csv.DictReader(io.StringIO(out)))) == 6


def test_an_export_of_which_every_entry_is_skipped_fails_and_keeps_the_earlier_csv(
    tmp_path, capsys
):
    # it wrote an empty CSV over the table exported before, said 'wrote 0 rows' and
    # exited 0: a script's `archived export STORE -o t.csv && plot t.csv` went on
    ds = DataSet("own", "w", path=str(tmp_path / "s"))
    ds._insert(Point(1), info={"mu": 0.5})
    earlier = tmp_path / "t.csv"
    earlier.write_text("entry,mu\nx_0,0.5\n")
    code, out, err = run(capsys, "export", ds._path, "-o", str(earlier))
    assert code == 1 and "skipping 1 entry" in err
    assert f"no entry could be exported (nothing written to {earlier})" in err
    assert earlier.read_text() == "entry,mu\nx_0,0.5\n"


def point_at(x):
    return Point(x)


def test_an_export_of_a_sweep_whose_every_result_is_skipped_fails_too(tmp_path, capsys):
    # the sweep's record (no row of its own) was not skipped, so the export of a sweep's
    # store whose results a safe load refuses wrote an empty file and exited 0
    f = archived(str(tmp_path / "s" / "runs"))(point_at)
    sweep(f, {"x": [1, 2]}, progress=False)
    out_csv = tmp_path / "t.csv"
    code, _, err = run(capsys, "export", f.dataset._path, "-o", str(out_csv))
    assert code == 1 and "skipping 2 entries" in err
    assert f"no entry could be exported (nothing written to {out_csv})" in err
    assert not out_csv.exists()
    code, out, _ = run(capsys, "export", "--trust", f.dataset._path)
    assert code == 0 and len(list(csv.DictReader(io.StringIO(out)))) == 2


def test_export_skips_an_entry_whose_value_no_longer_loads_and_writes_the_rest(store, capsys):
    # its info reads (ls lists it), its value does not (a class changed since, a hand
    # edit gone wrong): the export of every other entry must not be lost with it
    texts = {
        n: open(os.path.join(store, n + ".py")).read() for n in names_by_kind(store, "result")
    }
    [name] = [n for n, text in texts.items() if "'mean': 1.5," in text]
    with open(os.path.join(store, name + ".py"), "w") as f:
        f.write(texts[name].replace("'mean': 1.5,", "'mean': 1.5 / 0,"))
    code, out, err = run(capsys, "export", "--trust", store)
    assert code == 0 and f"skipping 1 entry whose value does not load ({name})" in err
    assert "ZeroDivisionError" in err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 5 and name not in {r["entry"] for r in rows}


def test_export_to_a_missing_directory_exits_1(store, tmp_path, capsys):
    code, _, err = run(capsys, "export", store, "-o", str(tmp_path / "no" / "out.csv"))
    assert code == 1 and "archived: error:" in err and "No such file" in err


def test_export_refuses_to_write_its_csv_inside_the_store(store, capsys):
    # `-o STORE/x_0.py` (a tab-completed path) replaced the entry x_0 with the CSV
    before = {n: open(os.path.join(store, n), "rb").read() for n in os.listdir(store)
              if os.path.isfile(os.path.join(store, n))}  # fmt: skip
    for target in ("x_0.py", "table.csv", os.path.join(".damaged", "t.csv")):
        code, out, err = run(capsys, "export", store, "-o", os.path.join(store, target))
        assert code == 2 and out == "" and "inside the store" in err
    after = {n: open(os.path.join(store, n), "rb").read() for n in os.listdir(store)
             if os.path.isfile(os.path.join(store, n))}  # fmt: skip
    assert after == before


@pytest.mark.parametrize("command", [["prune", "--failed"], ["export"]])
def test_a_function_name_matching_nothing_names_the_functions_of_the_store(store, capsys, command):
    # a typo in --function selected nothing: "nothing to delete", and no word of why
    code, _, err = run(capsys, command[0], store, *command[1:], "--function", "simulat")
    assert code == 0
    assert "no entry is of a function named 'simulat'" in err and "test_cli.simulate" in err
    code, _, err = run(capsys, command[0], store, *command[1:], "--function", "simulate")
    assert "no entry is of a function" not in err


@pytest.mark.parametrize("command", [["prune"], ["export"]])
def test_a_where_key_that_is_no_parameter_names_the_parameters_of_the_store(
    store, capsys, command
):
    # a typo in --where's key (Mu=0.5) selected nothing: an empty CSV, or "nothing to
    # delete", and no word of why, where func.where(Mu=0.5) names the parameters
    code, _, err = run(capsys, command[0], store, "--where", "Mu=0.5")
    assert code == 0
    assert "no entry has a parameter 'Mu'; the parameters of its calls: mu, n" in err
    code, _, err = run(capsys, command[0], store, "--where", "mu=0.5", "--where", "n=7")
    assert "no entry has a parameter" not in err


def test_an_export_of_no_row_writes_nothing_and_says_why_the_where_matched_nothing(store, capsys):
    # it printed one blank line (a header of no columns) and no word of why
    code, out, err = run(capsys, "export", store, "--where", "mu=0.7")
    assert code == 0 and out == ""
    assert "no entry matches --where mu=0.7 (in this store mu takes 0.5, 1.0, 3.0)" in err


def test_an_export_of_an_empty_store_to_a_file_keeps_the_earlier_file_and_fails(tmp_path, capsys):
    # it wrote an empty file over the table exported there before and exited 0
    DataSet("empty", "w", path=str(tmp_path))
    target = tmp_path / "out.csv"
    target.write_text("entry,mu\nx_0,0.5\n")
    code, out, err = run(capsys, "export", str(tmp_path / "empty"), "-o", str(target))
    assert code == 1 and out == "" and target.read_text() == "entry,mu\nx_0,0.5\n"
    assert "the store holds no entry to export" in err
    assert f"nothing written to {target}" in err


def test_an_export_whose_where_matches_nothing_keeps_the_earlier_file_and_fails(
    store, tmp_path, capsys
):
    # it wrote an empty file over the table exported there before and exited 0, so a
    # script's `archived export STORE --where mu=0.7 -o t.csv && plot t.csv` went on
    # (to stdout it still exits 0: the empty output is the answer, and replaces nothing)
    target = tmp_path / "t.csv"
    code, _, _ = run(capsys, "export", store, "--where", "mu=0.5", "-o", str(target))
    earlier = target.read_text()
    assert code == 0 and "mu" in earlier
    code, out, err = run(capsys, "export", store, "--where", "mu=0.7", "-o", str(target))
    assert code == 1 and out == "" and target.read_text() == earlier
    assert "no entry matches --where mu=0.7" in err and f"nothing written to {target}" in err
    code, out, err = run(capsys, "export", store, "--where", "mu=0.7", "-o", str(tmp_path / "n"))
    assert code == 1 and not (tmp_path / "n").exists()


def test_export_keeps_a_formula_like_text_exactly_and_its_help_says_what_it_is(tmp_path, capsys):
    # a decision, not an accident: the CSV is data (pandas reads '=1+1' back), so a text
    # a spreadsheet would run as a formula is written as it is, and --help says so
    ds = DataSet("runs", "w", path=str(tmp_path))
    ds._insert("=HYPERLINK(1)", info={"function": "m.f", "parameters": {"label": "@sum"}})
    code, out, _ = run(capsys, "export", str(tmp_path / "runs"))
    [row] = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and row["label"] == "@sum" and "=HYPERLINK(1)" in row.values()
    code, out, _ = run(capsys, "export", "--help")
    text = " ".join(out.split())
    assert code == 0 and "beginning with =, +, - or @" in text
    assert "is a formula to a spreadsheet" in text


# ---- verify / repair --------------------------------------------------------------------


def test_verify_of_a_sound_store_exits_0_and_of_a_damaged_one_1(store, capsys):
    code, out, _ = run(capsys, "verify", store)
    assert code == 0 and out
    h5 = next(f for f in os.listdir(store) if f.startswith("x_0.") and f.endswith(".h5"))
    with open(os.path.join(store, h5), "r+b") as f:
        f.truncate(100)
    code, out, _ = run(capsys, "verify", store)
    assert code == 1 and "x_0" in out
    code, out, _ = run(capsys, "repair", store)
    assert code == 1 and "entry x_0" in out  # entries are never deleted by repair


def test_repair_removes_an_orphaned_data_file_and_exits_0(store, capsys):
    orphan = os.path.join(store, "x_0.0a1b2c-1-0a1b2c3d.h5")
    open(orphan, "wb").close()
    assert run(capsys, "verify", store)[0] == 1
    code, out, _ = run(capsys, "repair", store)
    assert code == 0 and "removed x_0.0a1b2c-1-0a1b2c3d.h5" in out
    assert not os.path.exists(orphan)
    assert run(capsys, "verify", "--safe", store)[0] == 0  # --safe: the default, accepted


# ---- safe by default, --trust ------------------------------------------------------------


def write_hostile_entry(store, marker):
    text = (
        "# archived entry 'evil', format 1, data files: []\n"
        "# ---- info ----\n"
        f"info = open({marker!r}, 'w')\n"
        "# ---- value ----\n"
        f"evil = open({marker!r}, 'w')\n"
    )
    with open(os.path.join(store, "evil.py"), "w") as f:
        f.write(text)


def test_safe_ls_and_show_refuse_hostile_entries_without_running_them(store, tmp_path, capsys):
    marker = str(tmp_path / "pwned")
    write_hostile_entry(store, marker)
    code, out, _ = run(capsys, "ls", "-l", "--safe", store)
    assert code == 0
    (line,) = [row for row in out.splitlines() if row.startswith("evil ")]
    assert "damaged" in line and "UnsafeArchiveError" in line
    assert any(row.startswith("notes ") and "entry" in row for row in out.splitlines())
    code, out, err = run(capsys, "show", "--safe", store, "evil")
    assert code == 0 and "damaged" in out
    assert run(capsys, "ls", "--safe", "--status", store)[0] == 0
    assert not os.path.exists(marker)


HOSTILE_RUNS = [
    ["ls"],
    ["ls", "-l"],
    ["ls", "--status"],
    ["show", "evil"],
    ["verify"],
    ["repair"],
    ["export"],
    ["prune", "--where", "x=1"],
    ["prune", "--failed", "--yes"],
]


@pytest.mark.parametrize("argv", HOSTILE_RUNS, ids=[" ".join(a) for a in HOSTILE_RUNS])
def test_every_command_reads_entries_safely_by_default(store, tmp_path, capsys, argv):
    marker = str(tmp_path / "pwned")
    write_hostile_entry(store, marker)
    code, out, err = run(capsys, argv[0], store, *argv[1:])
    assert code in (0, 1), err
    assert not os.path.exists(marker)
    if argv in (["ls", "-l"], ["show", "evil"], ["verify"], ["repair"]):  # they report it
        assert "UnsafeArchiveError" in out or "unsafe archive" in out
    assert os.path.exists(os.path.join(store, "evil.py"))  # reported, never deleted


@pytest.mark.parametrize("argv", [["ls", "-l"], ["verify"], ["export"]])
def test_trust_executes_the_entries(store, tmp_path, capsys, argv):
    marker = str(tmp_path / "pwned")
    write_hostile_entry(store, marker)
    run(capsys, argv[0], "--trust", store, *argv[1:])
    assert os.path.exists(marker)


def test_ls_of_names_executes_nothing_even_when_trusted(store, tmp_path, capsys):
    marker = str(tmp_path / "pwned")
    write_hostile_entry(store, marker)
    code, out, _ = run(capsys, "ls", "--trust", store)
    assert code == 0 and "evil\n" in out and not os.path.exists(marker)


def test_allow_lets_a_safe_load_rebuild_a_trusted_modules_classes(tmp_path, capsys):
    ds = DataSet("s", "w", path=str(tmp_path))
    ds.when = __import__("fractions").Fraction(1, 3)
    ds.user = Point(2)
    store = ds._path
    code, out, err = run(capsys, "show", store, "user")
    assert code == 1 and "import of module 'test_cli'" in err
    code, out, _ = run(capsys, "show", "--allow", "test_cli", store, "user")
    assert code == 0 and "damaged" not in out and "Point" in out


def test_safe_show_reads_entries_archived_wrote(store, capsys):
    code, out, _ = run(capsys, "show", "--safe", store, "x_0")
    assert code == 0
    assert "temperature  300" in out and "ndarray shape=(500,) dtype=float64" in out


def test_verify_without_the_trust_module_says_it_is_unavailable(store, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "archived.store.integrity", None)
    code, _, err = run(capsys, "verify", store)
    assert code == 1 and "'verify' is not available" in err


# ---- help, version, entry points ----------------------------------------------------------


@pytest.mark.parametrize("command", ["ls", "show", "verify", "repair", "prune", "export"])
def test_every_command_has_help_saying_which_commands_execute_code_when_trusted(capsys, command):
    code, out, _ = run(capsys, command, "--help")
    assert code == 0 and out.startswith(f"usage: archived {command}") and "PATH" in out
    text = " ".join(out.split())
    assert "--trust" in text and "--safe" in text and "--allow MODULE" in text
    assert "ls, show, verify, repair, export and prune execute" in text


def test_top_level_help_lists_every_command(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for command in ("ls", "show", "verify", "repair", "prune", "export"):
        assert f"    {command} " in out


def test_python_dash_m_archived_runs_the_command_line(store):
    done = subprocess.run(
        [sys.executable, "-m", "archived", "ls", "-l", store], capture_output=True, text=True
    )
    assert done.returncode == 0 and "9 entries" in done.stdout
    done = subprocess.run(
        [sys.executable, "-m", "archived", "show", store, "nope"], capture_output=True, text=True
    )
    assert done.returncode == 1 and "no entry 'nope'" in done.stderr


@pytest.mark.parametrize("errors", ["strict", "surrogateescape"])
def test_lone_surrogates_read_from_a_store_are_printed_escaped(tmp_path, errors):
    # a file name of undecodable bytes (os.fsdecode's '\udcff') and a lone surrogate no
    # encoding can write: every command printed part of its output, then raised
    ds = DataSet("s", "w", path=str(tmp_path))
    ds._insert(1.5, info={"function": "m.f\udcff", "parameters": {"p": "a\ud800"}})
    env = {**os.environ, "PYTHONIOENCODING": f"utf-8:{errors}"}

    def command(*argv):
        done = subprocess.run(
            [sys.executable, "-m", "archived", *argv], capture_output=True, env=env
        )
        assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr
        return done.stdout

    assert b"x_0" in command("ls", ds._path)
    function = b"m.f\\udcff" if errors == "strict" else b"m.f\xff"
    assert function in command("ls", "-l", ds._path)
    assert b"a\\ud800" in command("export", ds._path)
    out = tmp_path / "out.csv"
    command("export", "-o", str(out), ds._path)
    assert "a\\ud800" in out.read_text()
    document = json.loads(command("ls", "--json", ds._path))
    assert document["entries"][0]["function"] == "m.f\udcff"
    assert json.loads(command("show", "--json", ds._path, "x_0"))["name"] == "x_0"


def test_a_c1_byte_read_from_a_store_is_never_written_raw_where_stdout_escapes_surrogates(
    tmp_path,
):
    # in the POSIX locale stdout writes a lone surrogate '\udc9b' as the byte 0x9b, a CSI
    # to an 8-bit terminal: 'show' of an info record holding '\udc9b2J' cleared the screen
    ds = DataSet("s", "w", path=str(tmp_path))
    ds._insert(1.5, info={"function": "m.f\udc9b2J", "note": "\udc9b31m", "n": 1})
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:surrogateescape"}
    for argv in (["ls", "-l", ds._path], ["show", ds._path, "x_0"], ["ls", "--json", ds._path]):
        done = subprocess.run(
            [sys.executable, "-m", "archived", *argv], capture_output=True, env=env
        )
        assert done.returncode == 0 and b"\x9b" not in done.stdout + done.stderr, argv
        assert b"\\udc9b" in done.stdout, (argv, done.stdout)


def test_a_persist_store_lists_shows_and_exports_only_when_trusted(tmp_path, capsys):
    from test_dataset import _persist_layout  # the files persist 3.2.1 writes

    old = str(tmp_path / "old")
    _persist_layout(old)
    code, out, _ = run(capsys, "ls", "-l", "--trust", old)
    assert code == 0 and "'info of a'" in out and "(10, 1.2)" in out and "2 entries" in out
    code, out, _ = run(capsys, "show", "--trust", old, "x_0")
    assert code == 0 and "(10, 1.2)" in out and "ndarray shape=(20,)" in out
    code, out, _ = run(capsys, "export", "--trust", old)
    assert code == 0 and out.splitlines()[1:] == ["a,,info of a", 'x_0,,"(10, 1.2)"']
    assert run(capsys, "ls", "--trust", old)[:2] == (0, "a\nx_0\n")
    for argv in (["ls"], ["ls", "-l"], ["ls", "--safe"], ["show", "x_0"], ["export"]):
        code, _, err = run(capsys, argv[0], old, *argv[1:])
        assert code == 1 and "is a persist store" in err and "--trust" in err


# ---- parameters of numpy types (a sweep over np.linspace / np.array grids) ---------------


@pytest.fixture
def numpy_store(tmp_path):
    """A sweep over numpy grids: every parameter is recorded as a numpy scalar."""
    f = archived(tmp_path / "grid")(simulate)
    sweep(f, {"mu": np.array([0.5, 1.0]), "n": np.array([3, 4])}, progress=False)
    return str(tmp_path / "grid")


def test_where_selects_numpy_parameters_by_the_spelling_ls_shows(numpy_store, capsys):
    _, listing, _ = run(capsys, "ls", "-l", numpy_store)
    assert "n=int64(3)" in listing and "mu=float64(0.5)" in listing
    for criterion in ("n=int64(3)", "n=np.int64(3)", "n=numpy.int64(3)"):
        _, out, _ = run(capsys, "export", numpy_store, "--where", criterion)
        rows = list(csv.DictReader(io.StringIO(out)))
        assert sorted(r["mu"] for r in rows) == ["0.5", "1.0"], criterion
    code, out, _ = run(capsys, "prune", numpy_store, "--where", "mu=float64(0.5)",
                       "--where", "n=int64(4)", "--yes")  # fmt: skip
    assert code == 0 and "deleted 1 entry" in out


def test_prune_where_matching_only_another_number_type_says_how_to_name_it(numpy_store, capsys):
    # n=3 names the int 3, which no call had: nothing is deleted (a different call), but
    # the user is told which spelling selects the numpy calls
    code, out, err = run(capsys, "prune", numpy_store, "--where", "n=3", "--yes")
    assert "nothing to delete" in out and "--where n=int64(3)" in err
    assert len(archived(numpy_store)(simulate).table(frame=False)) == 4


def test_export_writes_numpy_integer_parameters_as_plain_numbers(numpy_store, capsys):
    _, out, _ = run(capsys, "export", numpy_store)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert sorted(r["n"] for r in rows) == ["3", "3", "4", "4"]
    assert {r["type(n)"] for r in rows} == {"numpy.int64"}


def test_where_hint_names_only_exactly_equal_numbers(tmp_path, capsys):
    # numpy's == rounds the int to a float64 first (np.float64(2**53) == 2**53 + 1): the
    # hint must not send the user to a call of another number
    f = archived(tmp_path / "big")(simulate)
    f(np.float64(-(2**53)), n=1)
    code, out, err = run(capsys, "prune", str(tmp_path / "big"), "--where", f"mu={-(2**53) - 1}")
    assert code == 0 and err == ""
    code, out, err = run(capsys, "prune", str(tmp_path / "big"), "--where", f"mu={-(2**53)}")
    assert "--where mu=float64(-9007199254740992.0)" in err


def test_export_where_selects_the_calls_func_where_selects_numbers_by_exact_value(
    tmp_path, capsys
):
    # func.where(k=1) selects k=1.0 (==, as documented): export --where k=1 selects the
    # same calls, and neither selects a float64 that numpy's == rounds to the int
    def kind(mu):
        return type(mu).__name__

    f = archived(tmp_path / "k")(kind)
    for k in (1, 1.0, True, np.int64(1), np.float64(2**53), 2.0):
        f(k)
    path = str(tmp_path / "k")
    for k in (1, 1.0, 2**53 + 1, 2**53):
        wanted = sorted(repr(c.parameters["mu"]) for c in f.where(mu=k))
        code, out, _ = run(capsys, "export", path, "--where", f"mu={k}", "--details")
        entries = {r["entry"] for r in csv.DictReader(io.StringIO(out))}
        assert code == 0
        assert sorted(repr(c.parameters["mu"]) for c in f.where() if c.name in entries) == wanted
    assert len(f.where(mu=1)) == 4 and len(f.where(mu=2**53 + 1)) == 0


def test_show_of_a_pickled_entry_names_the_command_lines_trust_option(tmp_path, capsys):
    # the safe loader's message speaks of allow_pickle=True, an argument of the Python API
    ds = DataSet("own", "w", path=str(tmp_path))
    with pytest.warns(PickleWarning):
        ds.w = Opaque(3)
    code, out, err = run(capsys, "show", ds._path, "w")
    assert code == 1 and "pickle" in err and "archived show --trust" in err
    code, out, err = run(capsys, "show", "--trust", ds._path, "w")
    assert code == 0 and "Opaque" in out


class Opaque:
    __slots__ = ("a",)

    def __init__(self, a):
        self.a = a

    def __reduce__(self):  # a callable that is no class or function: only pickle calls it
        return (functools.partial(Opaque), (self.a,))


def test_show_of_a_class_not_allowed_names_the_command_lines_allow_option(tmp_path, capsys):
    # the safe loader advises allow=['module'], an argument of the Python API
    ds = DataSet("own", "w", path=str(tmp_path))
    ds.p = Point(1)
    code, _, err = run(capsys, "show", ds._path, "p")
    assert code == 1 and "archived show --allow test_cli`" in err
    code, out, _ = run(capsys, "show", "--allow", "test_cli", ds._path, "p")
    assert code == 0 and "Point" in out


def test_show_json_of_a_value_a_safe_load_refuses_names_no_value_which_gives_the_record(
    tmp_path, capsys
):
    # show --json wrote no document at all, and its error named only --allow and --trust
    ds = DataSet("own", "w", path=str(tmp_path))
    ds._insert(Point(1), info={"mu": 0.5})
    for argv in (["show", "--json", ds._path, "x_0"], ["show", ds._path, "x_0"]):
        code, _, err = run(capsys, *argv)
        assert code == 1 and "--no-value shows its info alone" in err
    code, out, _ = run(capsys, "show", "--json", "--no-value", ds._path, "x_0")
    assert code == 0 and json.loads(out)["info"] == {"mu": 0.5}
    code, out, err = run(capsys, "export", ds._path)  # the entry left out, said why
    assert code == 1 and "skipping 1 entry" in err and "--allow test_cli" in err
    assert out == "" and "no entry could be exported" in err
    assert "--no-value" not in err  # show's option only


def test_ls_long_shows_every_parameter_of_a_call_whose_first_is_a_long_description(
    tmp_path, capsys
):
    # cut at the end of the line, the description of a big array hid the parameters
    # after it: two calls differing only in s read alike
    @archived(tmp_path / "runs")
    def scaled(a, s=1.0):
        return float(a.sum() * s)

    field = np.linspace(0, 1, 500)
    scaled(field), scaled(field, s=2.0)
    code, out, _ = run(capsys, "ls", "-l", str(tmp_path / "runs"))
    lines = [line for line in out.splitlines() if " result " in line]
    assert code == 0 and len(lines) == 2
    assert sorted(re.search(r" s=\S+", line).group() for line in lines) == [" s=1.0", " s=2.0"]
    # cut, the description keeps its start and its end (the array's key)
    key = re.compile(r"a='ndarray\(dtype=float64, s\S*\.\.\..*key=[0-9a-f]{16}\)'")
    assert all(key.search(line) for line in lines), lines
    code, out, _ = run(capsys, "ls", "--status", str(tmp_path / "runs"))
    assert code == 0


# ---- text a terminal would act on --------------------------------------------------------

# an escape sequence (window title, clear screen), a C1 CSI and a right-to-left override
HOSTILE = "\x1b]0;owned\x07\x1b[2J\x9b31m\u202e"
TERMINAL_ACTS_ON = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def hostile_text_store(tmp_path):
    ds = DataSet("s", "w", path=str(tmp_path))
    ds._insert(HOSTILE, info={"note" + HOSTILE: HOSTILE, "n": 1})
    return ds._path


@pytest.mark.parametrize(
    "argv", [["ls", "-l"], ["show", "x_0"], ["ls", "--json"], ["show", "--json", "x_0"]]
)
def test_escape_sequences_read_from_a_store_reach_no_terminal(hostile_text_store, capsys, argv):
    # ls printed an info record's keys and show its values as they are: the terminal
    # showing them set its title, cleared its screen, reversed the text
    code, out, err = run(capsys, argv[0], hostile_text_store, *argv[1:])
    assert code == 0 and not TERMINAL_ACTS_ON.search(out + err)
    if "--json" in argv:  # JSON escapes read back as the very text
        texts = []
        json.loads(out, object_pairs_hook=lambda pairs: texts.extend(sum(pairs, ())))
        assert any(HOSTILE in text for text in texts if isinstance(text, str))
    else:
        assert "\\x1b]0;owned\\x07" in out and "\\u202e" in out


def test_export_keeps_the_exact_text_for_a_file_and_escapes_it_for_a_terminal(
    hostile_text_store, capsys, monkeypatch
):
    code, out, _ = run(capsys, "export", hostile_text_store)
    assert code == 0 and list(csv.reader(io.StringIO(out)))[1][2] == HOSTILE
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    code, out, _ = run(capsys, "export", hostile_text_store)
    assert code == 0 and not TERMINAL_ACTS_ON.search(out) and "\\x1b[2J" in out


def test_an_error_naming_text_from_a_store_is_printed_escaped(tmp_path, capsys):
    ds = DataSet("s", "w", path=str(tmp_path))
    ds.x = 1
    code, _, err = run(capsys, "show", ds._path, "no\x1b[2J")
    assert code == 1 and "\\x1b[2J" in err and not TERMINAL_ACTS_ON.search(err)


def test_a_start_time_no_calendar_shows_is_listed_without_it(tmp_path, capsys):
    # an info record's start is text from the store: year 1 at +14:00 is year 0 in UTC,
    # and ls, ls --json, show and prune died with a ValueError traceback on it
    ds = DataSet("s", "w", path=str(tmp_path))
    for start in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"):
        info = {"function": "m.f", "parameters": {"a": start[:4]}, "started": start}
        ds._insert(1.0, info=info)
    for argv in (["ls", "-l"], ["ls", "--json"], ["show", "x_0"], ["prune", "--function", "m.f"]):
        code, out, err = run(capsys, argv[0], ds._path, *argv[1:])
        assert code == 0 and "Traceback" not in err and "x_0" in out, (argv, err)
    _, out, _ = run(capsys, "ls", "-l", ds._path)
    assert re.search(r"x_0 .* \?\n", out)
    _, out, _ = run(capsys, "ls", "--json", ds._path)
    assert [e["date"] for e in json.loads(out)["entries"]] == [None, None]


def test_one_long_text_in_a_store_does_not_pad_every_line_of_a_listing(tmp_path, capsys):
    # every line was padded to the longest cell or key: a store of 300 kB listed in 200 MB
    # (a function name of 100 kB, a damaged entry's long error), shown in 100 MB (a key)
    ds = DataSet("s", "w", path=str(tmp_path))
    for i in range(200):
        ds._insert(i)
    ds._insert(1, info={"function": "f" * 100_000, "parameters": {}})
    ds._insert(1, info={"k" * 100_000: 1, **{f"a{i}": i for i in range(200)}})
    (tmp_path / "s" / "bad.py").write_text(
        "# archived entry 'bad', format 1, data files: []\n# ---- info ----\n"
        "info = (" + "1," * 50_000 + "\n# ---- value ----\nbad = 1\n"
    )
    code, out, _ = run(capsys, "ls", "-l", ds._path)
    assert code == 0 and len(out) < 1_000_000 and "x_199" in out
    code, out, _ = run(capsys, "show", ds._path, "x_201")
    assert code == 0 and len(out) < 200_000 and "a199" in out


def test_an_integer_too_long_for_decimal_is_exported_and_listed_as_hex(tmp_path, capsys):
    # a call with an argument of 5001 digits: ls --json, show --json and export died with
    # Python's ValueError (4300 digits at most in decimal); its hex literal is exact
    big = 10**5000
    f = archived(tmp_path / "s")(lambda n: n + 1)
    f(big)
    store = str(tmp_path / "s")
    (name,) = [c.name for c in f.where()]
    code, out, _ = run(capsys, "ls", "--json", store)
    assert code == 0
    (entry,) = json.loads(out)["entries"]
    assert entry["parameters"]["n"] == {"type": "int", "repr": hex(big)}
    code, out, _ = run(capsys, "show", "--json", store, name)
    assert code == 0 and int(json.loads(out)["parameters"]["n"]["repr"], 16) == big
    code, out, _ = run(capsys, "export", store)
    assert code == 0 and int(list(csv.reader(io.StringIO(out)))[1][2], 16) == big


def test_records_holding_other_things_than_text_and_numbers_are_listed(tmp_path, capsys):
    # a store's call records may hold anything where a name, message or duration belongs:
    # str() of a 5001-digit int raises, a duration of text does not compare, and every
    # command (ls, --json, --status, export, prune, show) died on one such record
    ds = DataSet("s", "w", path=str(tmp_path))
    big = 10**5000
    calls = {"parameters": {}, "function": "m.f"}
    ds._insert(1, info={**calls, "function": big, "version": big}, name="a")
    failure = {**calls, "status": "failed", "error": big, "message": big, "duration": "abc"}
    ds._insert(1, info=failure, name="b_failed")
    ds._insert(1, info={**failure, "error": "E", "duration": 10**400}, name="c_failed")
    sweep_record = {"function": big, "status": "sweep", "points": big, "version": big}
    ds._insert([["k" * 32, {"x": 1}]], info={**sweep_record, "prefix": "c"}, name="c_sweep_1")
    ds._insert(1, info={**calls, "duration": [1], "started": {1}}, name="d")
    for argv in (
        ["ls", "-l"],
        ["ls", "--json"],
        ["ls", "--status"],
        ["ls", "--status", "--json"],
        ["export"],
        ["prune", "--failed"],
        *(["show", name] for name in ("a", "b_failed", "c_failed", "d")),
        *(["show", "--json", name] for name in ("a", "b_failed", "c_failed", "d")),
    ):
        code, out, err = run(capsys, argv[0], ds._path, *argv[1:])
        assert code == 0, (argv, err)
        if "--json" in argv:
            json.loads(out)
    _, out, _ = run(capsys, "ls", "--status", ds._path)
    assert "<int of 5001 digits>: <int of 5001 digits>" in out


@pytest.mark.parametrize("field", ["status", "function", "key", "version", "started"])
def test_an_array_where_a_record_holds_text_stops_nothing(tmp_path, capsys, field):
    # comparing a record's status, function, key or version with == made numpy's
    # ambiguous-truth ValueError escape from a cached call, where(), table(), stale(),
    # sweep_status() and ls, ls --status and export; taking the truth of its start
    # ('started or created') did the same out of ls, show, export and table()
    from archived.cache.sweeps import sweep_status

    f = archived(tmp_path / "s")(simulate)
    sweep(f, {"mu": [0.5, 1.0]}, progress=False)
    call = f.where(mu=0.5)[0]
    f.dataset[call.name] = {**call.info, field: np.array([1, 2])}
    f(0.5), f(1.0)
    f.where(), f.table(frame=False), f.stale(), sweep_status(f, {"mu": [0.5, 1.0]})
    for argv in (
        ["ls", "-l"],
        ["ls", "--status"],
        ["export"],
        ["ls", "--json"],
        ["show", call.name],
    ):
        code, _, err = run(capsys, argv[0], str(tmp_path / "s"), *argv[1:])
        assert code == 0, (argv, err)


def test_python_dash_m_archived_run_inside_a_store_imports_none_of_its_files(tmp_path):
    # `python -m` puts the working directory first on sys.path: `cd sent_store; python -m
    # archived verify .` imported the store's numpy.py when numpy was first needed
    import archived as package

    ds = DataSet("sent", "w", path=str(tmp_path))
    ds.x = np.arange(300.0)
    marker = tmp_path / "ran"
    for module in ("numpy", "tables", "h5py", "pandas"):
        with open(os.path.join(ds._path, f"{module}.py"), "w") as f:
            f.write(f"open({str(marker)!r}, 'a').write({module!r})\n")
    src = os.path.dirname(os.path.dirname(os.path.abspath(package.__file__)))
    env = {**os.environ, "PYTHONPATH": src}
    for argv in (["ls", "-l", "."], ["verify", "."], ["show", ".", "x"], ["export", "."]):
        done = subprocess.run([sys.executable, "-m", "archived", *argv], cwd=ds._path,
                              capture_output=True, text=True, env=env)  # fmt: skip
        # (verify reports the planted files, named like entries, as damaged)
        assert done.returncode in (0, 1) and "Traceback" not in done.stderr, (argv, done)
        assert not marker.exists(), (argv, marker.read_text())


def test_prune_before_keeps_an_entry_whose_info_cannot_be_read_and_says_why(store, capsys):
    # selected by its file's time alone: when it was made, and what it holds, is unknown
    with open(os.path.join(store, "broken.py"), "w") as f:
        f.write("# archived entry 'broken', format 1, data files: []\n# ---- info ----\n(")
    code, out, _ = run(capsys, "prune", store, "--before", "2999-01-01T00:00", "--yes")
    assert code == 0
    assert "kept broken: its info cannot be read, so when it was made is unknown" in out
    assert "deleted 9 entries" in out
    assert os.listdir(store).count("broken.py") == 1


_HUGE = "0x" + "f" * 3700  # an int of 4,456 digits: more than str() converts (4,300)


@pytest.mark.parametrize(
    "old, new",
    [
        ("'parameters': {'x': 1}", f"'parameters': {{{_HUGE}: 1, 'x': 1}}"),
        ("'status': 'ok',", f"'status': 'ok', {_HUGE}: 2,"),
        ("\nRESULT = 1\n", f"\nRESULT = {{{_HUGE}: 3}}\n"),
    ],
    ids=["parameter", "record", "result"],
)
def test_a_key_of_thousands_of_digits_never_stops_a_listing(tmp_path, capsys, old, new):
    # a store may hold such a key (a hex literal of 3,700 digits loads safely): str(key)
    # raised ValueError in ls -l, ls --status, ls --json, show, export, prune and
    # _table(), whose tracebacks hid every other entry of the store
    @archived(tmp_path / "st")
    def f(x):
        return x

    f(1), f(2)
    entry = next(
        p for p in (tmp_path / "st").glob("*.py") if "'parameters': {'x': 1}" in p.read_text()
    )
    text = entry.read_text().replace("RESULT", entry.stem)
    # (a record stored before value digests: its result edited here is still listed)
    text = re.sub(r"    'value_digest': '[0-9a-f]{16}',\n", "", text)
    entry.write_text(
        text.replace(old.replace("RESULT", entry.stem), new.replace("RESULT", entry.stem))
    )
    assert _HUGE in entry.read_text()
    store = str(tmp_path / "st")
    for argv in (
        ["ls", "-l", store],
        ["ls", "--status", store],
        ["ls", "--json", store],
        ["show", store, entry.stem],
        ["export", "-o", "-", store],
    ):
        assert main(argv) == 0, argv
        out = capsys.readouterr().out
        if argv[1] == "-l":  # both entries listed, a parameter key cut
            assert "2 entries" in out
            assert "<int of 4456 digits>=1" in out or "parameters" not in old
    assert len(DataSet("st", path=tmp_path, safe=True)._table(frame=False)) == 2


def test_export_leaves_out_an_entry_a_safe_load_refuses_and_writes_the_others(tmp_path, capsys):
    # one entry of a pickle (or a planted call) stopped the whole export, whose error
    # then advised --trust, which executes every entry of the store someone sent
    @archived(tmp_path / "st")
    def f(x):
        return x * 10

    f(1), f(2), f(3)
    entry = next(
        p for p in (tmp_path / "st").glob("*.py") if "'parameters': {'x': 1}" in p.read_text()
    )
    text = entry.read_text().replace(
        f"\n{entry.stem} = 10\n", f"\nfrom pickle import loads as _l\n{entry.stem} = _l(b'.')\n"
    )
    entry.write_text(text)
    assert main(["export", "-o", "-", str(tmp_path / "st")]) == 0
    out, err = capsys.readouterr()
    assert [row["result"] for row in csv.DictReader(io.StringIO(out))] == ["20", "30"]
    assert f"skipping 1 entry whose value does not load ({entry.stem})" in err
    assert "pickle payload" in err


def _calls_of_own_names(path, calls, version=None):
    """A store whose ``calls`` calls each record ``calls`` parameter names of their own
    (what a crafted store can hold), with their results."""
    ds = DataSet(os.path.basename(path), "w", path=os.path.dirname(path), durable=False)
    for i in range(calls):
        info = {
            "function": "m.f",
            "version": version(i) if version else "1",
            "key": f"{i:032x}",
            "parameters": {f"p{i}_{j}": j for j in range(calls)},
            "status": "ok",
        }
        ds._insert(float(i), info=info, name=f"f_{i:016x}")


@pytest.mark.parametrize("versions", [False, True])
def test_export_of_calls_recording_names_of_their_own_keeps_no_row_of_every_column(
    tmp_path, capsys, versions
):
    # 300 calls each recording 300 names of their own (a 6.7 MB crafted store) took 1.2 GB
    # and 13.5 s to export: every row was made a dict of all 90,000 columns, then written;
    # a row now holds its own cells only, and the CSV is the same
    import tracemalloc

    path = str(tmp_path / "own")
    calls = 60
    _calls_of_own_names(path, calls, (lambda i: str(i % 2)) if versions else None)
    tracemalloc.start()
    try:
        code, out, err = run(capsys, "export", path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert code == 0
    header, *lines = list(csv.reader(io.StringIO(out)))
    first = ["entry", "function", "version"] if versions else ["entry", "function"]
    assert header[: len(first)] == first and len(header) == len(first) + calls * calls + 1
    assert len(lines) == calls and all(len(line) == len(header) for line in lines)
    for line in lines:
        i = int(line[0][2:], 16)
        cells = {c: v for c, v in zip(header, line, strict=True) if v}
        assert cells == {
            "entry": line[0],
            "function": "m.f",
            **({"version": str(i % 2)} if versions else {}),
            **{f"p{i}_{j}": str(j) for j in range(calls)},
            "result": str(float(i)),
        }
    # the rows of all columns alone took 40 dicts of 1,600 keys (about 3 MB); a row of its
    # own cells is a few kB, and the cells of one line written at a time 13 kB
    assert peak < 4_000_000, peak


def test_an_export_of_a_store_whose_every_entry_is_damaged_fails_and_keeps_the_earlier_csv(
    tmp_path, capsys
):
    # it skipped each damaged entry, then said 'the store holds no entry to export', wrote
    # an empty file over the table exported before and exited 0
    ds = DataSet("broken", "w", path=str(tmp_path))
    for name in ("a", "b"):
        with open(os.path.join(ds._path, name + ".py"), "w") as f:
            f.write("this is not an entry\n")
    earlier = tmp_path / "t.csv"
    earlier.write_text("entry,mu\nx_0,0.5\n")
    code, out, err = run(capsys, "export", ds._path, "-o", str(earlier))
    assert code == 1 and "skipping damaged entry a" in err and "skipping damaged entry b" in err
    assert f"no entry could be exported (nothing written to {earlier})" in err
    assert "holds no entry" not in err
    assert earlier.read_text() == "entry,mu\nx_0,0.5\n"


def _store_of_a_labmodels_class(tmp_path):
    """A project folder holding labmodels.py and a store 'runs' whose entry 'run' is an
    object of its class; the environment to run this archived in a child process."""
    import archived as package

    project = tmp_path / "project"
    project.mkdir()
    (project / "labmodels.py").write_text(
        "import dataclasses\n\n@dataclasses.dataclass\nclass Run:\n    energy: float\n"
    )
    sys.path.insert(0, str(project))
    try:
        ds = DataSet("runs", "w", path=str(project))
        ds.run = __import__("labmodels").Run(energy=-1.5)
    finally:
        sys.path.remove(str(project))
        sys.modules.pop("labmodels", None)
    src = os.path.dirname(os.path.dirname(os.path.abspath(package.__file__)))
    return project, {**os.environ, "PYTHONPATH": src}


@pytest.mark.parametrize("option", [["--allow", "labmodels"], ["--trust"]])
def test_the_archived_command_finds_an_allowed_module_in_the_working_directory(tmp_path, option):
    # the `archived` script, unlike `python -m archived`, has no working directory on
    # sys.path: `archived show --allow labmodels STORE run` beside labmodels.py said
    # "No module named 'labmodels'"; -P runs python -m as the script runs
    project, env = _store_of_a_labmodels_class(tmp_path)
    done = subprocess.run(
        [sys.executable, "-P", "-m", "archived", "show", *option, "runs", "run"],
        cwd=project, capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Run(energy=-1.5)" in done.stdout


def test_the_archived_command_run_inside_a_store_imports_no_allowed_module_from_it(tmp_path):
    # the working directory is put on sys.path for --allow, but never a store's own
    # folder: a store someone sent may hold the module its entries import
    project, env = _store_of_a_labmodels_class(tmp_path)
    store = project / "runs"
    marker = tmp_path / "ran"
    (store / "labmodels.py").write_text(f"open({str(marker)!r}, 'a').write('ran')\n")
    (project / "labmodels.py").unlink()
    done = subprocess.run(
        [sys.executable, "-P", "-m", "archived", "show", "--allow", "labmodels", ".", "run"],
        cwd=store, capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert done.returncode == 1 and "No module named 'labmodels'" in done.stderr, done
    assert not marker.exists()


# a child that runs the archived command as its script does (no working directory on
# sys.path), in an environment where pandas is not installed
ALLOW = ["--allow", "labmodels"]
_NO_PANDAS_HERE = """
import importlib.machinery, sys
class NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] != "pandas":
            return None
        found = importlib.machinery.PathFinder.find_spec(
            name, [p for p in (path or sys.path) if "-packages" not in p]
        )
        if found is None:
            raise ModuleNotFoundError(name)
        return found
sys.meta_path.insert(0, NotInstalled())
from archived.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_an_allowed_module_in_the_working_directory_lets_no_other_module_there_run(tmp_path):
    # --allow labmodels put the whole folder on sys.path: showing a DataFrame where pandas
    # is not installed imported the folder's pandas.py, code the user never allowed
    pd = pytest.importorskip("pandas")
    project, env = _store_of_a_labmodels_class(tmp_path)
    ds = DataSet("runs", "w", path=str(project))
    ds.frame = pd.DataFrame({"a": [1, 2]})
    marker = tmp_path / "ran"
    (project / "pandas.py").write_text(f"open({str(marker)!r}, 'a').write('ran')\n")
    for name in ("frame", "run"):
        done = subprocess.run(
            [sys.executable, "-P", "-c", _NO_PANDAS_HERE, "show", *ALLOW, "runs", name],
            cwd=project, capture_output=True, text=True, env=env,
        )  # fmt: skip
        assert not marker.exists(), done
    assert done.returncode == 0 and "Run(energy=-1.5)" in done.stdout, done.stderr


def test_python_dash_m_archived_run_beside_a_store_named_like_a_module_never_imports_it(
    tmp_path,
):
    # `python -m` puts the working directory first on sys.path: a store someone sent,
    # named numpy (or pandas, tables) and listed from the folder holding it, was itself
    # the numpy that the safe load imported, and its __init__.py ran
    import archived as package

    marker = tmp_path / "ran"
    for module in ("numpy", "pandas"):
        ds = DataSet("sent", "w", path=str(tmp_path))
        ds.x = np.arange(3.0)
        with open(os.path.join(ds._path, "__init__.py"), "a") as f:
            f.write(f"open({str(marker)!r}, 'a').write({module!r})\n")
        os.rename(ds._path, tmp_path / module)
    src = os.path.dirname(os.path.dirname(os.path.abspath(package.__file__)))
    env = {**os.environ, "PYTHONPATH": src}
    for argv in (["ls", "-l", "numpy"], ["show", "numpy", "x"], ["export", "pandas"]):
        done = subprocess.run([sys.executable, "-m", "archived", *argv], cwd=tmp_path,
                              capture_output=True, text=True, env=env)  # fmt: skip
        assert not marker.exists(), (argv, marker.read_text(), done.stderr)
        assert done.returncode == 0, (argv, done.stderr)


@pytest.mark.parametrize("python", [["-m"], ["-P", "-m"]])
def test_an_allowed_module_in_the_working_directory_imports_its_own_helpers_there(
    tmp_path, python
):
    # only the modules --allow names were found in the working directory, so the
    # user's labmodels.py, which imports its helper module beside it, failed with
    # "No module named 'labunits'"; what the allowed module's own code imports is found
    # there too (its code is trusted), what the safe load imports is not
    project, env = _store_of_a_labmodels_class(tmp_path)
    (project / "labunits.py").write_text("EV = 1.0\n")
    models = project / "labmodels.py"
    models.write_text("import labunits\n\n" + models.read_text())
    done = subprocess.run(
        [sys.executable, *python, "archived", "show", *ALLOW, "runs", "run"],
        cwd=project, capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Run(energy=-1.5)" in done.stdout


def test_prune_function_run_inside_a_store_imports_the_users_module_never_the_stores_file(
    tmp_path,
):
    # prune --function put the working directory first on sys.path to find the user's
    # module, even when that is the store: `cd runs; archived prune . --stale --function
    # labexp:f` imported the store's labexp.py (a file someone planted there) instead of
    # the user's labexp on PYTHONPATH, and ran it
    import archived as package

    lib = tmp_path / "lib"
    lib.mkdir()
    store = tmp_path / "runs"
    (lib / "labexp.py").write_text(
        f"from archived import archived\n\n@archived({str(store)!r})\n"
        "def f(x):\n    return x + 1\n"
    )
    src = os.path.dirname(os.path.dirname(os.path.abspath(package.__file__)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, str(lib)])}
    subprocess.run([sys.executable, "-c", "import labexp; labexp.f(1)"], env=env, check=True)
    marker = tmp_path / "ran"
    (store / "labexp.py").write_text(f"open({str(marker)!r}, 'a').write('ran')\n")
    for python in (["-m"], ["-P", "-m"]):
        done = subprocess.run(
            [sys.executable, *python, "archived", "prune", ".", "--stale", "--function",
             "labexp:f"],
            cwd=store, capture_output=True, text=True, env=env,
        )  # fmt: skip
        assert not marker.exists(), done.stderr
        assert done.returncode == 0, done.stderr


EDITED = """
from archived import archived


@archived({path!r})
def simulate(mu):
    return {{"E": mu * {factor}}}


class Model:
    @archived({path!r})
    def fit(self, x):
        return x * {factor}

    def __eq__(self, other):
        return type(other) is Model

    def __hash__(self):
        return 0
"""


def test_the_stale_note_of_ls_and_export_names_the_store_and_a_prune_command_that_works(
    tmp_path, capsys, monkeypatch
):
    # the note printed 'archived prune PATH --stale --function MODULE:NAME': placeholders
    # for the store the user had just typed and for the function's name
    store = str(tmp_path / "runs")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "edited_exp", raising=False)
    source = tmp_path / "edited_exp.py"
    source.write_text(EDITED.format(path=store, factor=2))
    import edited_exp

    edited_exp.simulate(1), edited_exp.Model().fit(1)
    source.write_text(EDITED.format(path=store, factor=3))  # an edit of both
    edited_exp = importlib.reload(edited_exp)
    edited_exp.simulate(1), edited_exp.Model().fit(1)
    _, out, _ = run(capsys, "ls", "-l", store)
    prune = f"`archived prune {store} --stale --function edited_exp:simulate` removes"
    method = f"`archived prune {store} --stale --function edited_exp:Model.fit` removes"
    assert prune in out and method in out and "MODULE:NAME" not in out
    _, _, err = run(capsys, "export", store)
    assert prune in err and method in err
    for command in (prune, method):  # as printed, it deletes the old version's results
        argv = command.strip("`").removesuffix("` removes").split()[1:]
        assert run(capsys, *argv, "--yes")[0] == 0
    left = DataSet("runs", path=str(tmp_path))
    assert sorted((e.function, e.version) for e in list_entries(left)) == sorted(
        [
            ("edited_exp.simulate", edited_exp.simulate.version),
            ("edited_exp.Model.fit", edited_exp.Model.fit.version),
        ]
    )
    assert edited_exp.simulate(1) == {"E": 3}
