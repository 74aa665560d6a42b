"""Doctests (README and modules) run in a fresh temporary working directory.

The README's examples write stores under relative paths such as ``results/``; running
them in ``tmp_path`` keeps the working tree clean and every run independent.
"""

import os
import re

import numpy as np
import pytest
from _pytest.doctest import DoctestItem

try:
    from hypothesis import HealthCheck, settings
except ImportError:  # only the property tests need it
    pass
else:
    # Hypothesis's deadline and its too_slow health check time each example on the wall
    # clock: on a busy machine they fail tests that are right.  Tests that set their own
    # settings inherit these.
    settings.register_profile(
        "archived", deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    settings.load_profile("archived")


# Child processes (the fuzzer, the hostile runner, examples, python -m archived) run in
# temporary directories: a relative PYTHONPATH (``PYTHONPATH=src``, as a worktree runs
# the suite) would make them import another archived than the one under test.
if os.environ.get("PYTHONPATH"):
    os.environ["PYTHONPATH"] = os.pathsep.join(
        os.path.abspath(p) if p else p for p in os.environ["PYTHONPATH"].split(os.pathsep)
    )

if int(np.__version__.split(".")[0]) < 2:
    # The doctests show numpy 2's reprs of numpy scalars (np.float32(0.5), np.True_).
    # numpy 1.x prints the same values plainly (0.5, True): there, an example whose output
    # differs only so passes.  pytest builds its doctest checker from CHECKER_CLASS.
    import _pytest.doctest

    _NUMPY_2_SCALAR = re.compile(
        r"np\.(True_|False_)\b"
        r"|np\.(?:float|int|uint|complex|longdouble|clongdouble|str_|bytes_|bool)\w*"
        r"\(((?:[^()]|\([^()]*\))*)\)"
    )

    def _as_numpy_1(text: str) -> str:
        text = re.sub(r"\bnp\.(datetime64|timedelta64)\(", r"numpy.\1(", text)
        return _NUMPY_2_SCALAR.sub(lambda m: m[1][:-1] if m[1] else m[2], text)

    _Checker = type(_pytest.doctest._get_checker())

    class _Numpy1Checker(_Checker):  # type: ignore[misc,valid-type]
        def check_output(self, want: str, got: str, optionflags: int) -> bool:
            return super().check_output(want, got, optionflags) or super().check_output(
                _as_numpy_1(want), got, optionflags
            )

    _pytest.doctest.CHECKER_CLASS = _Numpy1Checker

    def pytest_collection_modifyitems(items):
        # numpy 1.x has no StringDType: the doctests showing it cannot run there
        skip = pytest.mark.skip(reason="numpy 2's StringDType")
        for item in items:
            if isinstance(item, DoctestItem) and any(
                "StringDType" in example.source for example in item.dtest.examples
            ):
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _doctests_in_a_temporary_directory(request, tmp_path, monkeypatch):
    if isinstance(request.node, DoctestItem):
        monkeypatch.chdir(tmp_path)
    yield


# stores and archives kept byte for byte (tests/test_golden.py): data, not test modules
# and the golden sources of representations (tests/golden_reps.py): data as well
collect_ignore_glob = ["tests/data/*_0_1_0*", "tests/data/reps/*"]


@pytest.fixture
def index_forgotten():
    """The test runs as in a new process: nothing this process remembers about stores'
    indexes (rows, columns, read files) is known before it or kept after it.  A module
    asks for it with ``pytestmark = pytest.mark.usefixtures("index_forgotten")``."""
    from archived.store import index

    index.forget()
    yield
    index.forget()
