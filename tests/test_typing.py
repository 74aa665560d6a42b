"""Decorated functions keep their types: a type checker rejects wrong calls of a cached
function, of a sweep and of a block's record, as it would of the plain function."""

import importlib.util
import inspect
import os
import pydoc
import re
import subprocess
import sys

import pytest

from archived import archived

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "typing", "user_script.py")


def expected_errors():
    """(line, error code) of every ``# E: code`` comment of the user script."""
    expected = set()
    with open(SCRIPT) as f:
        for number, line in enumerate(f, 1):
            m = re.search(r"#\s*E:\s*([\w-]+)", line)
            if m:
                expected.add((number, m[1]))
    return expected


@pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None, reason="mypy is not installed (the test extra)"
)
def test_mypy_strict_reports_exactly_the_mistakes_of_a_users_script(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-error-summary",
            "--show-error-codes",
            "--cache-dir",
            str(tmp_path / "cache"),
            SCRIPT,
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    reported = set()
    for line in done.stdout.splitlines():
        m = re.match(r".*user_script\.py:(\d+): error: .*\[([\w-]+)\]$", line)
        if m:
            reported.add((int(m[1]), m[2]))
    assert done.returncode in (0, 1), done.stdout + done.stderr
    assert reported == expected_errors(), done.stdout
    assert len(expected_errors()) >= 10


@pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None, reason="mypy is not installed (the test extra)"
)
def test_the_package_itself_type_checks_clean_under_its_mypy_settings(tmp_path):
    # the public API's hints are only worth their word if the code behind them checks:
    # package-wide clean once, it drifted to 5 errors within one session without a test
    root = os.path.dirname(HERE)
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), "src"],
        capture_output=True,
        text=True,
        cwd=root,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_help_of_archived_lists_its_options():
    parameters = inspect.signature(archived).parameters
    assert list(parameters) == [
        "target",
        "name",
        "ignore",
        "version",
        "locking",
        "timeout",
        "lock_timeout",
        "durable",
        "compress",
        "mmap_mode",
        "parameters",
    ]
    text = pydoc.render_doc(archived, renderer=pydoc.plaintext)
    assert "lock_timeout=None" in text and "durable=True" in text and "ignore" in text


def test_a_decorated_function_keeps_its_signature_for_inspect(tmp_path):
    @archived(str(tmp_path / "s"))
    def simulate(n: int, mu: float = 0.5) -> float:
        return n * mu

    assert str(inspect.signature(simulate)) == "(n: int, mu: float = 0.5) -> float"
