"""The ``with`` line is part of a block's source: a parameter written there as a literal
(``epochs=300``) and then edited (``epochs=30``) makes a new code version, so the
``epochs=300`` results are listed as another version's and ``prune --stale`` would
delete them, while a parameter given by a variable (``epochs=epochs``) keeps one version
for every value.  A training-curve study edits exactly that line; the README now says
so, and this proves what it says."""

from __future__ import annotations

import os
import subprocess
import sys

BLOCK = """
from archived import archived
epochs = {epochs}
with archived({store!r}, lr=0.1, epochs={given}, name="train") as rec:
    if not rec.cached:
        rec.result = rec.parameters["epochs"] * 2
print(rec.version)
"""


def version_of(tmp_path, epochs, given):
    script = tmp_path / "study.py"
    store = str(tmp_path / "runs")
    script.write_text(BLOCK.format(epochs=epochs, given=given, store=store))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_a_literal_parameter_edited_in_the_with_line_makes_another_block_version(tmp_path):
    first = version_of(tmp_path, 0, "300")
    assert version_of(tmp_path, 0, "30") != first
    assert version_of(tmp_path, 0, "300") == first  # changed back: the same version again


def test_a_parameter_given_by_a_variable_keeps_one_block_version_for_every_value(tmp_path):
    assert version_of(tmp_path, 300, "epochs") == version_of(tmp_path, 30, "epochs")
