"""A relative store path is relative to the code, not to where the script is run from."""

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from archived.cache.decorator import archived
from archived.errors import ArchiveError, StorePathError, StorePathWarning
from archived.store.dataset import DataSet

SCRIPT = """
import os
from archived import archived

@archived("results/runs")
def simulate(mu):
    with open(os.environ["COUNTER"], "a") as f:
        f.write("ran\\n")
    return 2 * mu

with archived("results/blocks", n=3) as rec:
    if not rec.cached:
        rec.result = list(range(3))

print(simulate(1.5), rec.cached, simulate.store.path)
"""


def run(script, cwd, counter):
    env = dict(os.environ, COUNTER=str(counter), PYTHONPATH=os.pathsep.join(sys.path))
    env.pop("ARCHIVED_DIR", None)
    done = subprocess.run(
        [sys.executable, str(script)], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split(), done.stderr


def test_a_script_run_from_another_directory_finds_its_store(tmp_path):
    project = tmp_path / "project"
    elsewhere = tmp_path / "elsewhere"
    project.mkdir()
    elsewhere.mkdir()
    script = project / "experiment.py"
    script.write_text(textwrap.dedent(SCRIPT))
    counter = tmp_path / "count"
    first, _ = run(script, project, counter)
    second, _ = run(script, elsewhere, counter)
    third, _ = run("project/experiment.py", tmp_path, counter)
    assert first == ["3.0", "False", str(project / "results" / "runs")]
    assert second == third == ["3.0", "True", str(project / "results" / "runs")]
    assert counter.read_text() == "ran\n"
    assert os.listdir(elsewhere) == [] and sorted(os.listdir(project)) == [
        "experiment.py",
        "results",
    ]


def test_a_store_left_where_0_1_put_it_is_named_in_a_loud_warning(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    script = project / "experiment.py"
    script.write_text(textwrap.dedent(SCRIPT))
    # archived 0.1 put the store relative to the working directory: make one there
    from archived.store.dataset import DataSet

    DataSet("runs", "w", path=str(tmp_path / "results"))
    _, stderr = run(script, tmp_path, tmp_path / "count")
    assert "StorePathWarning" in stderr and str(tmp_path / "results" / "runs") in stderr
    assert str(project / "results" / "runs") in stderr


def test_a_function_with_no_file_keeps_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = {"archived": archived}
    exec("f = archived('results/cell')(lambda x: x)", namespace)
    assert namespace["f"].store.path == str(tmp_path / "results" / "cell")


def test_absolute_and_home_paths_are_taken_as_they_are(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert archived("~/runs", version="1")(abs).store.path == str(tmp_path / "runs")
    assert archived(str(tmp_path / "abs"), version="1")(abs).store.path == str(tmp_path / "abs")


def test_no_warning_when_the_store_next_to_the_code_exists(tmp_path, monkeypatch):
    import warnings

    here = os.path.dirname(os.path.abspath(__file__))
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", StorePathWarning)

        def f(x):
            return x

        assert archived("results_not_created")(f).store.path == os.path.join(
            here, "results_not_created"
        )
    assert not os.path.exists(os.path.join(here, "results_not_created"))


def test_an_empty_store_path_is_refused_by_name_before_anything_is_written(tmp_path):
    # "" resolved to the folder of the code, and the error blamed that folder's name:
    # "invalid name 'project': '/home/ada/project' exists and is not an archived DataSet"
    import pytest

    from archived.errors import InvalidNameError

    for path in ("", " "):
        with pytest.raises(InvalidNameError, match="the store path is empty"):
            archived(path)(lambda x: x)
        with pytest.raises(InvalidNameError, match="the store path is empty"):
            with archived(path, n=1) as rec:
                rec.result = 1


def test_a_store_path_under_a_regular_file_is_refused_naming_the_file(tmp_path):
    # makedirs' raw FileExistsError / NotADirectoryError named the file alone, not why
    (tmp_path / "results.csv").write_text("a,b\n")
    blocker = str(tmp_path / "results.csv")
    for path in ("results.csv/runs", "results.csv/sub/runs"):
        with pytest.raises(StorePathError) as err:
            archived(tmp_path / path)(lambda x: x)(1)
        assert isinstance(err.value, ArchiveError) and isinstance(err.value, NotADirectoryError)
        assert f"{blocker!r} is a file, not a folder" in str(err.value)
        assert str(tmp_path / path) in str(err.value)
    with pytest.raises(StorePathError, match="is a file, not a folder"):
        DataSet("runs", "w", path=blocker)
    assert os.listdir(tmp_path) == ["results.csv"]


def test_a_script_run_through_a_symbolic_link_finds_the_store_next_to_its_real_file(tmp_path):
    # a script linked into a run folder (ln -s ~/project/experiment.py .) holds no code:
    # its target does, and Python imports beside the target; the store was made beside
    # the link, and every result computed again
    project = tmp_path / "project"
    runs = tmp_path / "runs_today"
    project.mkdir()
    runs.mkdir()
    script = project / "experiment.py"
    script.write_text(textwrap.dedent(SCRIPT))
    (runs / "experiment.py").symlink_to(script)
    counter = tmp_path / "count"
    first, _ = run(script, project, counter)
    linked, _ = run(runs / "experiment.py", runs, counter)
    assert first == ["3.0", "False", str(project / "results" / "runs")]
    assert linked == ["3.0", "True", str(project / "results" / "runs")]
    assert counter.read_text() == "ran\n"
    assert os.listdir(runs) == ["experiment.py"]


def test_a_script_linked_under_another_name_keeps_its_functions_and_blocks_names(tmp_path):
    # a script's functions and blocks are named after its file: a link named today.py
    # to experiment.py named them today.simulate, so even the right store missed
    project = tmp_path / "project"
    runs = tmp_path / "runs_today"
    project.mkdir()
    runs.mkdir()
    script = project / "experiment.py"
    script.write_text(textwrap.dedent(SCRIPT))
    (runs / "today.py").symlink_to(script)
    counter = tmp_path / "count"
    run(script, project, counter)
    linked, _ = run(runs / "today.py", runs, counter)
    assert linked == ["3.0", "True", str(project / "results" / "runs")]
    assert counter.read_text() == "ran\n"


def test_a_store_made_beside_a_link_by_earlier_versions_is_named_in_a_warning(tmp_path):
    # 2eb9708 moved the store of a script run through a link to beside its target: the
    # results made beside the link were computed again without a word
    project = tmp_path / "project"
    runs = tmp_path / "runs_today"
    elsewhere = tmp_path / "elsewhere"
    for folder in (project, runs, elsewhere):
        folder.mkdir()
    script = project / "experiment.py"
    script.write_text(textwrap.dedent(SCRIPT))
    (runs / "experiment.py").symlink_to(script)
    old = DataSet("runs", "w", path=str(runs / "results"))
    old.kept = 1
    for cwd in (runs, elsewhere):  # (each run on a project holding no store yet)
        shutil.rmtree(project / "results", ignore_errors=True)
        _, stderr = run(runs / "experiment.py", cwd, tmp_path / "count")
        assert stderr.count("StorePathWarning") == 1  # (the block store is new)
        assert f"a store exists at {runs / 'results' / 'runs'}, beside the link" in stderr
    assert DataSet("runs", path=str(runs / "results")).kept == 1
