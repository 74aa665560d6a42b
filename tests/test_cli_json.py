"""The command line for programs: ``--json`` documents, and quiet exits on a closed pipe."""

import datetime
import json
import os
import subprocess
import sys

import pytest

from archived import DataSet, archived
from archived.cache.sweeps import sweep
from archived.cli import main


def inverse(x, shape=(2,)):
    return 1 / x


@pytest.fixture
def store(tmp_path):
    path = str(tmp_path / "runs")
    f = archived(path)(inverse)
    sweep(f, {"x": [1, 2, 0]}, progress=False, errors="return")
    f(float("nan"), shape=(3, 4))
    DataSet("runs", "w", path=str(tmp_path)).notes = "a plain entry"
    return path


def run_json(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, strict_json(out), err


def strict_json(text):
    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("safe", [[], ["--safe"]], ids=["trusted", "safe"])
def test_ls_json_lists_every_entry_with_kind_parameters_size_and_date(store, capsys, safe):
    code, doc, err = run_json(capsys, "ls", store, "--json", *safe)
    assert code == 0 and err == ""
    assert doc["schema"] == "archived.ls/1" and doc["store"] == os.path.abspath(store)
    kinds = sorted(e["kind"] for e in doc["entries"])
    assert kinds == ["entry", "failed", "result", "result", "result", "sweep"]
    assert doc["count"] == 6 and doc["size"] == sum(e["size"] for e in doc["entries"]) > 0
    by_x = {json.dumps(e["parameters"]["x"]): e for e in doc["entries"] if e["kind"] == "result"}
    one = by_x["1"]
    assert one["function"].endswith("inverse") and one["version"]
    assert one["parameters"]["shape"] == {"type": "tuple", "repr": "(2,)"}
    assert datetime.datetime.fromisoformat(one["date"]).tzinfo is not None
    nan = by_x[json.dumps({"type": "float", "repr": "nan"})]
    assert nan["parameters"]["shape"] == {"type": "tuple", "repr": "(3, 4)"}
    (failed,) = [e for e in doc["entries"] if e["kind"] == "failed"]
    assert failed["error"].startswith("ZeroDivisionError")
    assert failed["parameters"]["x"] == 0
    (plain,) = [e for e in doc["entries"] if e["kind"] == "entry"]
    assert plain["name"] == "notes" and plain["function"] is None and plain["error"] is None


def test_ls_status_json_gives_each_recorded_sweep_point_by_point(store, capsys):
    code, doc, _ = run_json(capsys, "ls", store, "--status", "--json")
    assert code == 0 and doc["schema"] == "archived.sweeps/1"
    (recorded,) = doc["sweeps"]
    assert recorded["function"].endswith("inverse") and recorded["version"]
    assert recorded["record"].startswith("inverse_sweep_")
    assert recorded["counts"] == {"done": 2, "failed": 1, "missing": 0}
    states = [(p["parameters"]["x"], p["state"]) for p in recorded["points"]]
    assert states == [(1, "done"), (2, "done"), (0, "failed")]
    done, _, failed = recorded["points"]
    assert done["entry"].startswith("inverse_") and done["duration"] >= 0 and done["started"]
    assert failed["error"] == "ZeroDivisionError: division by zero"
    assert [e["kind"] for e in doc["failed"]] == ["failed"]


def test_show_json_gives_the_info_record_and_a_summary_of_the_value(store, capsys):
    _, listing, _ = run_json(capsys, "ls", store, "--json")
    name = next(e["name"] for e in listing["entries"] if e["parameters"] == {"x": 2, "shape": {
        "type": "tuple", "repr": "(2,)"}})  # fmt: skip
    code, doc, _ = run_json(capsys, "show", store, name, "--json")
    assert code == 0 and doc["schema"] == "archived.show/1"
    assert doc["name"] == name and doc["kind"] == "result"
    assert doc["file"] == os.path.join(os.path.abspath(store), name + ".py")
    assert doc["info"]["parameters"]["x"] == 2 and doc["info"]["status"] == "ok"
    assert doc["value"] == {"type": "float", "summary": "0.5"}
    _, doc, _ = run_json(capsys, "show", store, name, "--json", "--no-value")
    assert doc["value"] is None and doc["info"]["parameters"]["x"] == 2


def test_show_json_of_a_missing_entry_fails_with_the_message_on_stderr_only(store, capsys):
    assert main(["show", store, "nope", "--json"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "no entry 'nope'" in err


def test_verify_json_reports_damage_and_exits_1(store, capsys):
    code, doc, _ = run_json(capsys, "verify", store, "--json")
    assert code == 0 and doc["schema"] == "archived.verify/1" and doc["ok"] is True
    assert len(doc["entries"]) == 6 and doc["damaged"] == {}
    with open(os.path.join(store, "notes.py"), "w") as f:
        f.write("garbage")
    code, doc, _ = run_json(capsys, "verify", store, "--json")
    assert code == 1 and doc["ok"] is False and list(doc["damaged"]) == ["notes"]
    code, doc, _ = run_json(capsys, "ls", store, "--json")
    (damaged,) = [e for e in doc["entries"] if e["kind"] == "damaged"]
    assert damaged["name"] == "notes" and damaged["error"]


def test_repair_json_lists_what_it_removed(store, capsys):
    orphan = os.path.join(store, "notes.0a1b2c-1-0a1b2c3d.h5")
    with open(orphan, "wb") as f:
        f.write(b"x")
    code, doc, _ = run_json(capsys, "repair", store, "--json")
    assert code == 0 and doc["schema"] == "archived.repair/1"
    assert doc["removed"] == [os.path.basename(orphan)] and not os.path.exists(orphan)


@pytest.mark.parametrize(
    "argv, after",
    [
        (["ls"], []),
        (["ls", "-l"], []),
        (["ls", "--json"], []),
        (["ls", "--status"], []),
        (["ls", "--status", "--json"], []),
        (["show"], ["notes"]),
        (["show", "--json"], ["notes"]),
        (["verify", "--json"], []),
        (["export"], []),
    ],
)
def test_a_reader_that_closes_the_pipe_ends_the_command_quietly(store, argv, after):
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line is written
    try:
        done = subprocess.run(
            [sys.executable, "-m", "archived", *argv, store, *after],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=600,
        )
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (0, "")
