"""The benchmark scripts the README quotes still run and print their tables.

Each runs at tiny sizes (the figures are meaningless here; the full runs are in the
README) so a change that breaks a benchmark is caught by the test suite, not by the
next person who tries to reproduce the published numbers.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

SMOKE_RUNS = [
    ("bench_archive.py", ["--sizes", "100", "300", "--repeats", "1"], "scaling exponent"),
    (
        "bench_dataset.py",
        ["--sizes", "10,20", "--mb", "1", "--repeat", "2", "--big-repeat", "1"],
        "per-insert at 20 / at 10",
    ),
    ("bench_safe.py", ["--n", "50", "--repeats", "1"], "safe/exec"),
    (
        "bench_results.py",
        ["--rows", "2000", "--mmap-gb", "0.01", "--compress-mb", "1", "--repeats", "1"],
        "archived / peer",
    ),
    (
        "bench_many.py",
        ["--sizes", "20,40", "--repeats", "1", "--quick-runs", "1"],
        "growth exponents of archived in CPU time",
    ),
    ("bench_sweep_results.py", ["4", "1"], "x joblib.Memory's time"),
    ("bench_cold_sweep.py", ["--pairs", "2", "--tasks", "10"], "over 2 pairs"),
    (
        "bench_cache.py",
        [
            *("--hit-entries", "20", "--hit-rounds", "3", "--hit-batch", "5"),
            *("--process-rounds", "1"),
            *("--sweep-tasks", "4", "--task-seconds", "0.001", "--big-items", "100"),
            *("--small-tasks", "10", "--small-rounds", "1"),
        ],
        "Targets of issue 13",
    ),
]


@pytest.mark.parametrize("script, args, marker", SMOKE_RUNS, ids=[s for s, _, _ in SMOKE_RUNS])
def test_benchmark_runs_at_small_size_and_prints_its_table(tmp_path, script, args, marker):
    run = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert marker in run.stdout


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_instruction_count_benchmark_runs_at_small_size_and_prints_its_exponents(tmp_path):
    run = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "bench_instructions.py"),
            "--sizes",
            "20,40",
            "--only",
            "ls",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "instructions per entry, and growth exponents" in run.stdout
    assert "| archived ls STORE |" in run.stdout
