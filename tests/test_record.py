"""A recorded block is its place in the code and its code, plus its parameters."""

import os
import subprocess
import sys
import textwrap

import pytest

from archived.cache.decorator import archived
from archived.cache.record import record
from archived.errors import InvalidNameError


@pytest.fixture
def store(tmp_path):
    return str(tmp_path / "nb")


def test_two_blocks_with_the_same_parameters_doing_different_work_are_two_blocks(store):
    with archived(store, L=16) as first:
        if not first.cached:
            first.result = "energy"
    with archived(store, L=16) as second:
        if not second.cached:
            second.result = "magnetisation"
    assert (first.result, second.result) == ("energy", "magnetisation")
    assert first.identity != second.identity and not second.cached


def test_name_is_an_option_of_a_block_not_one_of_its_parameters(store):
    def block(name):
        with archived(store, name=name, L=16) as rec:
            if not rec.cached:
                rec.result = name
        return rec

    a, b, again = block("energy"), block("spin"), block("energy")
    assert a.parameters == {"L": 16} and a.identity == "block:energy"
    assert (a.result, b.result, again.result) == ("energy", "spin", "energy")
    assert again.cached and a.entry.startswith("energy_") and b.entry.startswith("spin_")


def test_a_block_name_must_be_an_identifier(store):
    with pytest.raises(InvalidNameError, match="identifier"):
        with archived(store, name="no good", L=1):
            pass


def test_record_gives_a_block_a_pinned_version(store):
    def block(version, value):
        with record(store, {"n": 1}, name="pinned", version=version) as rec:
            if not rec.cached:
                rec.result = value
        return rec.result

    assert block("1", "first") == "first"
    assert block("1", "second") == "first"  # same pinned version: the stored result
    assert block("2", "third") == "third"


SCRIPT = """
import os, sys
from archived import archived

with archived(sys.argv[1], L=16) as rec:
    if not rec.cached:
        rec.result = RESULT
print(rec.cached, rec.result)
"""


def run_script(tmp_path, result, above="", name=""):
    script = tmp_path / "experiment.py"
    body = SCRIPT.replace("RESULT", result)
    if name:
        body = body.replace("L=16", f"name={name!r}, L=16")
    script.write_text(above + textwrap.dedent(body))
    out = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "nb")],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)),
    )
    return out.stdout.split()


def test_a_blocks_result_is_found_again_by_the_next_run_of_its_script(tmp_path):
    assert run_script(tmp_path, "16 * 2") == ["False", "32"]
    assert run_script(tmp_path, "16 * 2") == ["True", "32"]


def test_editing_a_blocks_code_gives_a_new_version(tmp_path):
    assert run_script(tmp_path, "16 * 2") == ["False", "32"]
    assert run_script(tmp_path, "16 * 3") == ["False", "48"]  # edited: computed again
    assert run_script(tmp_path, "16 * 2") == ["True", "32"]  # reverted: found again


def test_a_named_block_keeps_its_results_when_the_code_around_it_moves(tmp_path):
    assert run_script(tmp_path, "1", name="fit") == ["False", "1"]
    moved = "# a comment\n# and another, above the block\n"
    assert run_script(tmp_path, "1", above=moved, name="fit") == ["True", "1"]
    assert run_script(tmp_path, "1", above=moved) == ["False", "1"]  # unnamed: its place


EDITED_WHILE_RUNNING = """
import sys
from archived import archived

if sys.argv[2:]:  # the user edits the script while it runs (done here at a known point)
    text = open(__file__).read()
    open(__file__, "w").write(text.replace("'OLD' + 'CODE'", "'NEW' + 'CODE'"))
with archived(sys.argv[1], L=16) as rec:
    if not rec.cached:
        rec.result = 'OLD' + 'CODE'
print(rec.cached, rec.result)
"""


def test_a_block_run_from_a_file_edited_meanwhile_is_not_found_by_the_edited_code(tmp_path):
    # the block's source is read when it is entered: by then the file holds the next
    # version's source, which must not become the version of the result the old code made
    script = tmp_path / "experiment.py"
    script.write_text(EDITED_WHILE_RUNNING)

    def run(*extra):
        command = [sys.executable, str(script), str(tmp_path / "nb"), *extra]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
        done = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
        return done.stdout.split()

    assert run("edit") == ["False", "OLDCODE"]
    assert "'NEW' + 'CODE'" in script.read_text()
    assert run() == ["False", "NEWCODE"]  # the edited code's own result, not the old one
    assert run() == ["True", "NEWCODE"]


def test_an_option_given_to_a_with_block_warns_that_it_is_a_parameter(tmp_path):
    # locking='soft' (the cluster recipe) in a block was silently keyed as a parameter:
    # the block ran under the store's default locking
    with pytest.warns(UserWarning, match=r"'locking' is keyed as one.*archived\.record"):
        with archived(str(tmp_path / "s"), locking="soft", mu=1) as rec:
            rec.result = 1
    assert rec.parameters == {"locking": "soft", "mu": 1}
    import archived as package

    with package.record(str(tmp_path / "soft"), {"mu": 1}, locking="soft") as rec:
        rec.result = 2
    assert open(tmp_path / "soft" / ".locking").read().strip() == "soft"


CELL = """
from archived import archived
data = [1, 2, 3]
with archived(STORE, L=16) as rec:
    if not rec.cached:
        rec.result = sum(data)
first = rec.result
data = [10, 20, 30]
with archived(STORE, L=16) as rec:
    if not rec.cached:
        rec.result = sum(data)
second = rec.result
"""


@pytest.mark.parametrize("where", ["notebook cell", "python -c"])
def test_two_identical_blocks_of_one_cell_reading_different_data_are_two_blocks(tmp_path, where):
    # no file names a cell's code (nor a -c string's): the two blocks have the same code
    # and parameters, and only their line tells them apart
    cell = CELL.replace("STORE", repr(str(tmp_path / "nb")))
    if where == "python -c":
        command = [sys.executable, "-c", cell + "print(first, second)"]
    else:  # as ipykernel runs a cell: compiled from a temporary file name in __main__
        runner = (
            "import linecache, sys\n"
            "cell, name = sys.argv[1], '/tmp/ipykernel_1/123.py'\n"
            "linecache.cache[name] = (len(cell), None, cell.splitlines(True), name)\n"
            "exec(compile(cell, name, 'exec'))\n"
            "print(first, second)\n"
        )
        command = [sys.executable, "-c", runner, cell]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    for _ in range(2):  # computed, then found again by the next session
        done = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
        assert done.stdout.split() == ["6", "60"]


def test_a_cached_block_that_sets_another_result_warns_that_the_store_keeps_the_stored_one(store):
    import warnings

    from archived.errors import ResultNotStoredWarning

    def block(value):
        with archived(store, name="unguarded", L=16) as rec:
            rec.result = value  # computed every time: no `if not rec.cached:`
        return rec

    assert block([1, 2]).result == [1, 2]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert block([1, 2]).cached  # the same result again: nothing to say
    with pytest.warns(ResultNotStoredWarning, match="the store keeps the stored one") as w:
        again = block([3])
    assert w.pop(ResultNotStoredWarning).filename == __file__
    assert again.cached and again.result == [3]
    assert again.store.load(again.entry) == [1, 2]


def test_a_block_record_shows_its_block_parameters_and_whether_it_was_found_stored(tmp_path):
    # a notebook shows `rec` as its repr, which said only <...Record object at 0x...>
    import numpy as np

    store = str(tmp_path / "s")
    fresh = record(store, {"alpha": 0.5, "X": np.zeros((500, 1000))}, name="fit")
    assert repr(fresh).startswith("<recorded block block:fit alpha=0.5 X=array([[0., 0.")
    assert repr(fresh).endswith(": not run yet>") and len(repr(fresh)) < 120
    for _ in range(2):
        with archived(store, name="fit", seed=3) as rec:
            if not rec.cached:
                rec.result = 1
        shown = "found stored" if rec.cached else "not found stored"
        assert repr(rec) == f"<recorded block block:fit seed=3: {shown}, entry {rec.entry}>"
    assert rec.cached
