"""The README's set-up commands and shell examples stay true.

Its Python examples run as doctests (``--doctest-glob=README.md``); this file checks what
doctest cannot: the two set-up commands near the top, and the ``$ python -m archived``
lines of its console blocks, run against the stores its examples create.
"""

import doctest
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def _blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_opens_with_exactly_two_setup_commands_example_then_tests():
    first = _blocks("bash")[0].strip().splitlines()
    assert len(first) == 2
    assert first[0].endswith("python examples/quickstart.py")
    assert first[1].endswith("python -m pytest")


def test_ci_runs_the_readme_test_command():
    test_command = _blocks("bash")[0].strip().splitlines()[1]
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in ci_lines


def test_readme_console_commands_run_against_the_stores_its_examples_create(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    try:
        result = doctest.testfile(
            str(README), module_relative=False, optionflags=flags, verbose=False
        )
        # the store it imports is forgotten again: a later import of another store named
        # runs (module.py's doctest) would get this one, from this tmp_path
        leaked = "runs" in sys.modules
    finally:
        sys.modules.pop("runs", None)
    assert result.failed == 0
    assert not leaked
    sessions = [block for block in _blocks("console") if block.startswith("$ ")]
    assert sessions, "the README shows at least one command-line session"
    for block in sessions:
        command, *expected = block.rstrip("\n").splitlines()
        argv = command[2:].split()
        assert argv[:3] == ["python", "-m", "archived"]
        run = subprocess.run(
            [sys.executable, *argv[1:]], capture_output=True, text=True, cwd=tmp_path
        )
        assert run.returncode == 0, run.stderr
        got = run.stdout.splitlines()
        assert len(got) >= len(expected)
        for want, line in zip(expected, got, strict=False):
            # "..." in the README stands for text that varies (hashes, sizes, dates)
            pieces = re.sub(r"\s+", " ", want.strip()).split("...")
            pattern = ".*".join(map(re.escape, pieces))
            assert re.fullmatch(pattern, re.sub(r"\s+", " ", line.strip())), (
                want,
                line,
            )


def test_readme_recipe_moves_a_store_written_by_persist_into_a_new_store(tmp_path, monkeypatch):
    persist = pytest.importorskip("persist.archive", reason="persist 3.x is not installed")
    import numpy as np

    (recipe,) = [b for b in _blocks("python") if ">>>" not in b]
    monkeypatch.chdir(tmp_path)
    old = persist.DataSet("old_store", "w", path="legacy", array_threshold=10)
    old.a = [1, 2.5, "x"]
    old["a"] = "info of a"
    old._insert(np.arange(20.0), info=(10, 1.2))
    del old
    exec(recipe, {"DataSet": __import__("archived").DataSet})
    from archived import DataSet

    moved = DataSet("moved", path="results")
    assert sorted(moved) == ["a", "x_0"]
    assert (moved.a, moved["a"], moved["x_0"]) == ([1, 2.5, "x"], "info of a", (10, 1.2))
    np.testing.assert_array_equal(moved.x_0, np.arange(20.0))
