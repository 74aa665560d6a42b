"""Fuzzing real stores: every mutated store reads cleanly (a value or an ArchiveError).

The fuzzer (tests/fuzz_stores.py) runs in a child process under a memory limit, so a
crash, a memory bomb or a hang shows up as a failed run instead of taking the suite
down.  CI runs a short budget; the ``stress`` run a long one (scaled by
``ARCHIVED_STRESS_SCALE``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SCALE = int(os.environ.get("ARCHIVED_STRESS_SCALE", "1"))


def fuzz(tmp_path, examples: int, seed: int) -> str:
    done = subprocess.run(
        [sys.executable, os.path.join(HERE, "fuzz_stores.py"), str(tmp_path), str(examples)]
        + [str(seed)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1"),
        timeout=3600,
    )
    last = tmp_path / "last-example.txt"
    assert done.returncode == 0, (
        f"exit {done.returncode}; last example: {last.read_text() if last.exists() else '-'}\n"
        f"{done.stdout[-3000:]}\n{done.stderr[-6000:]}"
    )
    return done.stdout


def fuzzed(out: str) -> int:
    return int(out.rsplit("fuzzed ", 1)[1].split()[0])


def test_mutated_stores_read_cleanly_or_are_refused_by_name(tmp_path):
    out = fuzz(tmp_path, examples=60, seed=1)
    assert fuzzed(out) >= 60
    outcomes = json.loads(out.rsplit("reads ended in ", 1)[1])
    # the mutations reach both sides: values still read, and refusals of several kinds
    assert outcomes["value"] > 0 and len(outcomes) >= 3, outcomes


@pytest.mark.stress
def test_stress_many_mutated_stores_read_cleanly(tmp_path):
    examples = 150 * SCALE
    assert fuzzed(fuzz(tmp_path, examples=examples, seed=2)) >= examples
