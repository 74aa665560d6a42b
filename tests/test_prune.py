"""``archived prune --stale`` deletes only what the current code says is stale.

It used to take the newest *written* version for the current one: after an edit and a
revert (``git checkout``) that is the edit's, and it deleted the current code's results.
Now the current version comes from the function itself (``--function module:name``,
imported) or from ``--version``, and ``prune --stale`` agrees with ``f.stale()``; without
either it refuses.  The workflow runs as a user runs it: scripts in a project directory,
real edits and a real ``git checkout``, the command line in its own process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

V1 = textwrap.dedent(
    """
    from archived import archived

    @archived("results/runs")
    def simulate(mu):
        return 2 * mu

    @archived("results/runs")
    def other(mu):
        return mu
    """
)
V2 = V1.replace("return 2 * mu", "return 3 * mu  # an edit")

CALLS = """
import json, sys
import exp
for mu in json.loads(sys.argv[1]):
    exp.simulate(mu)
    exp.other(mu)
print(json.dumps(sorted(c.name for c in exp.simulate.stale())))
"""


def python(project, code, *args):
    done = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=project, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def cli(project, *args):
    return subprocess.run(
        [sys.executable, "-m", "archived", *args], cwd=project, capture_output=True, text=True
    )


def git(project, *args):
    subprocess.run(["git", *args], cwd=project, check=True, capture_output=True)


def names(project):
    folder = os.path.join(project, "results", "runs")
    return sorted(f[:-3] for f in os.listdir(folder) if f.endswith(".py") and f[0] != "_")


@pytest.fixture
def project(tmp_path):
    """Results of v1, then of an edit (v2), then the edit reverted with git checkout."""
    if shutil.which("git") is None:
        pytest.skip("needs git")
    project = str(tmp_path)
    (tmp_path / "exp.py").write_text(V1)
    git(project, "init", "-q")
    git(project, "add", "exp.py")
    git(project, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "v1")
    python(project, CALLS, "[1, 2]")
    (tmp_path / "exp.py").write_text(V2)
    python(project, CALLS, "[1, 3]")  # the newest written version is now the edit's
    git(project, "checkout", "--", "exp.py")
    return project


def test_prune_stale_without_the_current_version_refuses_and_deletes_nothing(project):
    before = names(project)
    done = cli(project, "prune", "results/runs", "--stale", "--yes")
    assert done.returncode == 2 and "--stale needs the current code version" in done.stderr
    assert "after an edit and a revert" in done.stderr
    assert names(project) == before


def test_prune_stale_of_the_imported_function_deletes_exactly_what_f_stale_lists(project):
    stale = json.loads(python(project, CALLS, "[]"))  # the current (reverted) code's view
    assert len(stale) == 2  # the edit's two results
    before = names(project)
    dry = cli(project, "prune", "results/runs", "--stale", "--function", "exp:simulate")
    assert dry.returncode == 0 and "dry run: 2 entries" in dry.stdout
    assert names(project) == before
    done = cli(project, "prune", "results/runs", "--stale", "--function", "exp:simulate", "--yes")
    assert done.returncode == 0 and "deleted 2 entries" in done.stdout, done.stderr
    assert names(project) == sorted(set(before) - set(stale))
    assert json.loads(python(project, CALLS, "[]")) == []
    # the current code's results are all still there: computing them again runs nothing
    kept = python(
        project, "import exp; print(exp.simulate.is_cached(1), exp.simulate.is_cached(2))"
    )
    assert kept.split() == ["True", "True"]


def test_prune_stale_with_an_explicit_version_of_one_function(project):
    current = python(project, "import exp; print(exp.simulate.version)").strip()
    refused = cli(project, "prune", "results/runs", "--stale", "--version", current)
    assert refused.returncode == 2 and "choose one with --function" in refused.stderr
    done = cli(
        project, "prune", "results/runs", "--stale", "--function", "simulate",
        "--version", current, "--yes",
    )  # fmt: skip
    assert done.returncode == 0 and "deleted 2 entries" in done.stdout
    assert json.loads(python(project, CALLS, "[]")) == []


@pytest.mark.parametrize(
    "spec, message",
    [
        ("exp:missing", "cannot import the function 'exp:missing'"),
        ("nomodule:f", "cannot import the function 'nomodule:f'"),
        ("nomodule:f", "run archived from the folder holding nomodule.py"),
        ("json:dumps", "is a function, not an @archived function"),
    ],
)
def test_a_function_that_cannot_tell_its_version_is_refused(project, spec, message):
    before = names(project)
    done = cli(project, "prune", "results/runs", "--stale", "--function", spec, "--yes")
    assert done.returncode == 1 and message in done.stderr
    assert names(project) == before


BLOCK = textwrap.dedent(
    """
    import json, sys
    from archived import archived

    for mu in json.loads(sys.argv[1]):
        with archived("results/runs", mu=mu) as rec:
            if not rec.cached:
                rec.result = 2 * mu
    print(rec.identity)
    """
)


def test_stale_results_of_an_edited_with_block_are_pruned_by_its_identity_and_version(tmp_path):
    # a block's identity is 'block:<module>.<where>@<line>': --function took its colon for
    # MODULE:NAME and tried to import a module 'block', so no stale block could be pruned
    # by function, and the hint after ls -l offered only that MODULE:NAME form
    project = str(tmp_path)
    (tmp_path / "exp.py").write_text(BLOCK)
    run = [sys.executable, "exp.py"]
    subprocess.run([*run, "[1, 2]"], cwd=project, check=True, capture_output=True)
    (tmp_path / "exp.py").write_text(BLOCK.replace("2 * mu", "3 * mu"))
    done = subprocess.run([*run, "[1]"], cwd=project, check=True, capture_output=True, text=True)
    identity = done.stdout.strip()
    listing = cli(project, "ls", "--json", "results/runs")
    versions = {e["name"]: e["version"] for e in json.loads(listing.stdout)["entries"]}
    newest = cli(project, "ls", "-l", "results/runs")
    assert f"--stale --function '{identity}' --version V" in newest.stdout + newest.stderr
    current = [v for v in versions.values() if list(versions.values()).count(v) == 1]
    assert len(current) == 1 and len(versions) == 3
    before = names(project)
    pruned = cli(
        project, "prune", "results/runs", "--stale", "--function", identity,
        "--version", current[0], "--yes",
    )  # fmt: skip
    assert pruned.returncode == 0 and "deleted 2 entries" in pruned.stdout, pruned.stderr
    left = names(project)
    assert len(left) == 1 and set(left) < set(before)
    assert versions[left[0]] == current[0]


def test_a_prune_listing_tells_two_versions_of_one_call_apart(project):
    # its dry run listed the edit's simulate(mu=1) and the current one's as two identical
    # rows (ls -l and export add a version column while a function has several)
    current = python(project, "import exp; print(exp.simulate.version)").strip()
    dry = cli(project, "prune", "results/runs", "--where", "mu=1", "--function", "simulate")
    assert dry.returncode == 0, dry.stderr
    header, *rows = dry.stdout.splitlines()[:-1]
    assert header.split() == ["NAME", "KIND", "FUNCTION", "VERSION", "PARAMETERS", "DATE"]
    versions = sorted(row.split()[3] for row in rows)
    assert len(versions) == 2 and current in versions and len(set(versions)) == 2
