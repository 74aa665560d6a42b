"""Doctests (README and modules) run in a fresh temporary working directory.

The README's examples write stores under relative paths such as ``results/``; running
them in ``tmp_path`` keeps the working tree clean and every run independent.
"""

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


@pytest.fixture(autouse=True)
def _doctests_in_a_temporary_directory(request, tmp_path, monkeypatch):
    if isinstance(request.node, DoctestItem):
        monkeypatch.chdir(tmp_path)
    yield


# stores and archives kept byte for byte (tests/test_golden.py): data, not test modules
# and the golden sources of representations (tests/golden_reps.py): data as well
collect_ignore_glob = ["tests/data/*_0_1_0*", "tests/data/reps/*"]
